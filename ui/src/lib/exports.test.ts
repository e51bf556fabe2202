import { describe, expect, it } from 'vitest';
import type { QueryText } from './bindings';
import { exportFileName, exportLabel } from './exports';

const october: QueryText = {
  from: '2026-09-30T22:00:00Z',
  to: '2026-10-31T23:00:00Z',
  tz: 'Europe/Berlin',
  filters: {},
  compare: false,
};

describe('the file name the save dialog suggests', () => {
  it('names the days of the query in its zone, the last one inclusive', () => {
    expect(exportFileName(october, { kind: 'pdf', paper: 'a4' })).toBe('rapport-2026-10-01-to-2026-10-31.pdf');
    expect(exportFileName(october, { kind: 'html', paper: 'letter' })).toBe('rapport-2026-10-01-to-2026-10-31.html');
  });

  it('names the chart or table, and the scale of a 2x image', () => {
    expect(exportFileName(october, { kind: 'png', chart: 'peak-hours', scale: 2 })).toBe(
      'rapport-peak-hours-2026-10-01-to-2026-10-31@2x.png',
    );
    expect(exportFileName(october, { kind: 'png', chart: 'daily', scale: 1 })).toBe(
      'rapport-daily-2026-10-01-to-2026-10-31.png',
    );
    expect(exportFileName(october, { kind: 'svg', chart: 'world-map' })).toBe(
      'rapport-world-map-2026-10-01-to-2026-10-31.svg',
    );
    expect(exportFileName(october, { kind: 'csv', table: 'countries' })).toBe(
      'rapport-countries-2026-10-01-to-2026-10-31.csv',
    );
  });

  it('gives one day once', () => {
    const day = { ...october, from: '2026-10-05T00:00:00Z', to: '2026-10-06T00:00:00Z', tz: 'UTC' };
    expect(exportFileName(day, { kind: 'pdf', paper: 'a4' })).toBe('rapport-2026-10-05.pdf');
  });

  it('adds the filters, with nothing a file system would refuse', () => {
    const filtered = { ...october, filters: { source: ['web', 'whats app'], customer_id: ['a/b'] } };
    expect(exportFileName(filtered, { kind: 'csv', table: 'conversations' })).toBe(
      'rapport-conversations-2026-10-01-to-2026-10-31-source-web-whats-app-customer_id-a-b.csv',
    );
  });
});

describe('the notice after saving', () => {
  it('says what was written', () => {
    expect(exportLabel({ kind: 'png', chart: 'tokens', scale: 2 })).toBe('Token usage and cost per day (PNG 2x)');
    expect(exportLabel({ kind: 'csv', table: 'daily' })).toBe('Daily series (CSV)');
  });
});

import { describe, expect, it } from 'vitest';
import {
  delta,
  formatBytes,
  formatCompact,
  formatCount,
  formatDateTime,
  formatDay,
  formatDuration,
  formatLongDate,
  formatMoney,
  formatPercent,
  formatTime,
  plural,
} from './format';

const en = 'en-US';

describe('numbers', () => {
  it('groups thousands in the locale', () => {
    expect(formatCount(1204, en)).toBe('1,204');
    expect(formatCount(1204, 'de-DE')).toBe('1.204');
  });
  it('shortens large numbers for axes', () => {
    expect(formatCompact(1530, en)).toBe('1.5K');
    expect(formatCompact(2_400_000, en)).toBe('2.4M');
  });
  it('pluralises', () => {
    expect(plural(1, 'conversation', 'conversations', en)).toBe('1 conversation');
    expect(plural(1204, 'conversation', 'conversations', en)).toBe('1,204 conversations');
  });
});

describe('formatDuration', () => {
  it.each([
    [null, '—'],
    [0, '0 ms'],
    [850, '850 ms'],
    [2300, '2.3 s'],
    [2000, '2 s'],
    [59_940, '59.9 s'],
    [59_960, '1 min'],
    [65_000, '1 min 5 s'],
    [3_599_000, '59 min 59 s'],
    [3_600_000, '1 h'],
    [7_800_000, '2 h 10 min'],
    [2 * 86_400_000 + 3_600_000, '2 d 1 h'],
  ])('%s ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms, en)).toBe(text);
  });
  it('uses the locale decimal separator', () => {
    expect(formatDuration(2300, 'de-DE')).toBe('2,3 s');
  });
});

describe('formatMoney', () => {
  it.each([
    [1.234, '$1.23'],
    [0, '$0.00'],
    [1234.5, '$1,234.50'],
    [0.0042, '$0.0042'],
  ])('%s dollars reads "%s"', (usd, text) => {
    expect(formatMoney(usd, en)).toBe(text);
  });
});

describe('formatPercent', () => {
  it('shows one decimal at most, and nothing for no value', () => {
    expect(formatPercent(0.1234, en)).toBe('12.3%');
    expect(formatPercent(1, en)).toBe('100%');
    expect(formatPercent(null, en)).toBe('—');
  });
});

describe('delta', () => {
  it('a rise in messages is good news', () => {
    expect(delta(120, 100, { kind: 'relative', better: 'higher' }, en)).toEqual({ direction: 'up', text: '+20%', tone: 'good' });
  });
  it('a rise in response time is bad news', () => {
    expect(delta(1500, 1000, { kind: 'relative', better: 'lower' }, en)).toEqual({ direction: 'up', text: '+50%', tone: 'bad' });
  });
  it('a fall in cost is good news, and small changes keep a decimal', () => {
    expect(delta(95, 100, { kind: 'relative', better: 'lower' }, en)).toEqual({ direction: 'down', text: '-5%', tone: 'good' });
  });
  it('rates change in percentage points', () => {
    expect(delta(0.12, 0.1, { kind: 'points', better: 'lower' }, en)).toEqual({ direction: 'up', text: '+2 pp', tone: 'bad' });
  });
  it('something from nothing is "new", nothing from nothing is flat', () => {
    expect(delta(5, 0, { kind: 'relative', better: 'higher' }, en)?.text).toBe('new');
    expect(delta(0, 0, { kind: 'relative', better: 'higher' }, en)).toEqual({ direction: 'flat', text: '0%', tone: 'neutral' });
  });
  it('no value on either side means no delta', () => {
    expect(delta(null, 100, { kind: 'relative', better: 'lower' }, en)).toBeNull();
    expect(delta(100, null, { kind: 'relative', better: 'lower' }, en)).toBeNull();
  });
});

describe('dates', () => {
  it('shows an instant in the display zone', () => {
    expect(formatDateTime('2026-10-01T07:30:00Z', 'Europe/Berlin', en)).toBe('Oct 1, 2026, 9:30 AM');
    expect(formatDateTime(null, 'UTC', en)).toBe('—');
  });
  it('shows a time of day in the display zone', () => {
    expect(formatTime('2026-10-01T07:30:05Z', 'Europe/Berlin', en)).toBe('9:30:05 AM');
    expect(formatTime('2026-10-01T07:30:05Z', 'Europe/Berlin', 'de-DE')).toBe('9:30:05');
  });
  it('names the local day of an instant', () => {
    expect(formatLongDate('2026-10-01T23:30:00Z', 'Europe/Berlin', en)).toBe('Friday, October 2, 2026');
  });
  it('shows a civil date without moving it to another day', () => {
    expect(formatDay('2026-10-01', en)).toBe('Oct 1');
  });
  it('shows file sizes', () => {
    expect(formatBytes(512, en)).toBe('512 B');
    expect(formatBytes(1_400_000, en)).toBe('1.4 MB');
  });
});

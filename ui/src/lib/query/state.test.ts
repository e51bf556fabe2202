import { describe, expect, it } from 'vitest';
import {
  addFilter,
  addSegmentFilter,
  comparisonOf,
  removeSegmentFilter,
  setComparison,
  defaultState,
  loadState,
  parseState,
  queryAttribute,
  removeFilter,
  saveState,
  serialiseState,
  toQuery,
  type DashboardQuery,
} from './state';

const states: [string, DashboardQuery][] = [
  ['the default', defaultState('Europe/Berlin')],
  [
    'a custom range with filters and no comparison',
    {
      period: { kind: 'custom', first: '2026-09-01', last: '2026-09-30' },
      zone: 'America/New_York',
      filters: { device: ['mobile', 'tablet'], country: ['DE'], customer_id: ['c "7", ok'] },
      compare: false,
      segment: null,
    },
  ],
  ['All time', { period: { kind: 'preset', preset: 'all_time' }, zone: 'UTC', filters: {}, compare: true, segment: null }],
  [
    'two segments compared',
    {
      period: { kind: 'preset', preset: 'last_7_days' },
      zone: 'UTC',
      filters: { source: ['web'] },
      compare: false,
      segment: { source: ['whatsapp'], device: ['mobile'] },
    },
  ],
];

describe('dashboard state in localStorage', () => {
  it.each(states)('round-trips %s unchanged', (_, state) => {
    expect(parseState(serialiseState(state), 'UTC')).toEqual(state);
  });

  it('survives a restart through a Storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const state = states[1][1];
    saveState(storage, state);
    expect(loadState(storage, 'UTC')).toEqual(state);
  });

  it.each([
    ['nothing stored', null],
    ['broken JSON', '{"period":'],
    ['a number', '42'],
  ])('falls back to the default for %s', (_, text) => {
    expect(parseState(text, 'Asia/Tokyo')).toEqual(defaultState('Asia/Tokyo'));
  });

  it('keeps the good fields of a partly bad value', () => {
    const text = JSON.stringify({
      period: { kind: 'preset', preset: 'last_5_years' },
      zone: 'Not/AZone',
      filters: { device: ['mobile', 3], colour: ['red'] },
      compare: false,
    });
    expect(parseState(text, 'UTC')).toEqual({
      period: { kind: 'preset', preset: 'last_28_days' },
      zone: 'UTC',
      filters: { device: ['mobile'] },
      compare: false,
      segment: null,
    });
  });

  it('reads a state saved before segments existed as comparing nothing else', () => {
    const text = JSON.stringify({ v: 1, period: { kind: 'preset', preset: 'today' }, zone: 'UTC', filters: {}, compare: true });
    expect(parseState(text, 'UTC').segment).toBeNull();
  });
});

describe('comparison', () => {
  it('is one of none, the previous period or another segment', () => {
    const s = defaultState('UTC');
    expect(comparisonOf(s)).toBe('previous');
    const seg = setComparison(s, 'segment');
    expect(comparisonOf(seg)).toBe('segment');
    expect(seg.compare).toBe(false);
    expect(seg.segment).toEqual({});
    expect(comparisonOf(setComparison(seg, 'none'))).toBe('none');
    expect(setComparison(seg, 'previous')).toEqual({ ...s, compare: true, segment: null });
  });

  it('sends the second segment with the query only while comparing segments', () => {
    const now = Date.parse('2026-10-25T10:00:00Z');
    let s = setComparison(defaultState('UTC'), 'segment');
    s = addSegmentFilter(s, 'source', 'whatsapp');
    s = addSegmentFilter(s, 'source', 'whatsapp');
    const q = toQuery(s, now, null);
    expect(q.segment).toEqual({ source: ['whatsapp'] });
    expect(JSON.parse(queryAttribute(q)).segment).toEqual({ source: ['whatsapp'] });
    expect(removeSegmentFilter(s, 'source', 'whatsapp').segment).toEqual({});
    expect(toQuery(setComparison(s, 'previous'), now, null).segment).toBeUndefined();
  });
});

describe('filters', () => {
  it('adds a value once and removes the key with its last value', () => {
    let s = defaultState('UTC');
    s = addFilter(s, 'device', 'mobile');
    s = addFilter(s, 'device', 'mobile');
    expect(s.filters).toEqual({ device: ['mobile'] });
    s = removeFilter(s, 'device', 'mobile');
    expect(s.filters).toEqual({});
  });
});

describe('toQuery', () => {
  it('resolves the period into instants in the zone, and the attribute is that query as JSON', () => {
    const s = addFilter({ ...defaultState('Europe/Berlin'), period: { kind: 'preset', preset: 'today' } }, 'country', 'DE');
    const q = toQuery(s, Date.parse('2026-10-25T10:00:00Z'), null);
    expect(q).toEqual({
      from: '2026-10-24T22:00:00Z',
      to: '2026-10-25T23:00:00Z',
      tz: 'Europe/Berlin',
      filters: { country: ['DE'] },
      compare: true,
    });
    expect(JSON.parse(queryAttribute(q))).toEqual(q);
  });
});

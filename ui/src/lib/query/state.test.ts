import { describe, expect, it } from 'vitest';
import {
  addFilter,
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
    },
  ],
  ['All time', { period: { kind: 'preset', preset: 'all_time' }, zone: 'UTC', filters: {}, compare: true }],
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
    });
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

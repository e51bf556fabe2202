// The dashboard's query as the person chose it, as one value: period (a
// preset such as "Last 28 days" or a range of days), display zone, filters
// and whether to compare with the previous period. Everything on the
// dashboard and the conversations list is drawn from it, and it is kept in
// localStorage so the app opens where the person left it.
//
// `toQuery` resolves it to the engine's query as written (`QueryText`):
// concrete instants instead of "Last 28 days", which means different
// instants every day.

import type { FilterKey, QueryText } from '../bindings';
import { type DataBounds, type Period, PERIOD_PRESETS, periodRange, type PeriodPreset } from './period';
import { isValidZone, parseCivilDate } from './zone';
import { FILTER_KEYS } from '../generated/filterKeys';

export { FILTER_KEYS };

export type Filters = Partial<Record<FilterKey, string[]>>;

export interface DashboardQuery {
  period: Period;
  zone: string;
  filters: Filters;
  /** Whether to compare with the previous period of the same length. */
  compare: boolean;
  /** A second segment to compare with over the same period; null: none. */
  segment: Filters | null;
}

/** What the headline cards and the daily chart compare with. */
export type Comparison = 'none' | 'previous' | 'segment';

export function comparisonOf(query: DashboardQuery): Comparison {
  if (query.segment) return 'segment';
  return query.compare ? 'previous' : 'none';
}

/** Switches what the dashboard compares with; a new segment starts as every conversation. */
export function setComparison(query: DashboardQuery, comparison: Comparison): DashboardQuery {
  switch (comparison) {
    case 'none':
      return { ...query, compare: false, segment: null };
    case 'previous':
      return { ...query, compare: true, segment: null };
    case 'segment':
      return { ...query, compare: false, segment: query.segment ?? {} };
  }
}

export function defaultState(zone: string): DashboardQuery {
  return { period: { kind: 'preset', preset: 'last_28_days' }, zone, filters: {}, compare: true, segment: null };
}

export function toQuery(state: DashboardQuery, now: number, bounds: DataBounds | null): QueryText {
  const { from, to } = periodRange(state.period, now, state.zone, bounds);
  const query: QueryText = { from, to, tz: state.zone, filters: normaliseFilters(state.filters), compare: state.compare };
  if (state.segment) query.segment = normaliseFilters(state.segment);
  return query;
}

/** Keys in a fixed order, no empty lists, no repeated values: equal filters serialise equally. */
export function normaliseFilters(filters: Filters): Filters {
  const out: Filters = {};
  for (const key of FILTER_KEYS) {
    const values = filters[key];
    if (values && values.length > 0) out[key] = [...new Set(values)];
  }
  return out;
}

export function addFilter(state: DashboardQuery, key: FilterKey, value: string): DashboardQuery {
  const current = state.filters[key] ?? [];
  if (current.includes(value)) return state;
  return { ...state, filters: normaliseFilters({ ...state.filters, [key]: [...current, value] }) };
}

/** Adds a value to the second segment's filters (there must be a segment). */
export function addSegmentFilter(state: DashboardQuery, key: FilterKey, value: string): DashboardQuery {
  const segment = state.segment ?? {};
  const current = segment[key] ?? [];
  if (current.includes(value)) return state;
  return { ...state, segment: normaliseFilters({ ...segment, [key]: [...current, value] }) };
}

export function removeSegmentFilter(state: DashboardQuery, key: FilterKey, value: string): DashboardQuery {
  const segment = state.segment ?? {};
  const current = segment[key] ?? [];
  return { ...state, segment: normaliseFilters({ ...segment, [key]: current.filter((v) => v !== value) }) };
}

export function removeFilter(state: DashboardQuery, key: FilterKey, value: string): DashboardQuery {
  const current = state.filters[key] ?? [];
  return {
    ...state,
    filters: normaliseFilters({ ...state.filters, [key]: current.filter((v) => v !== value) }),
  };
}

export function serialiseState(state: DashboardQuery): string {
  return JSON.stringify({
    v: 1,
    period: state.period,
    zone: state.zone,
    filters: normaliseFilters(state.filters),
    compare: state.compare,
    segment: state.segment ? normaliseFilters(state.segment) : null,
  });
}

/**
 * Reads what `serialiseState` wrote. Stored text may be old, hand-edited or
 * from another version, so each field is checked and a bad one falls back to
 * its default rather than breaking the dashboard.
 */
export function parseState(text: string | null, fallbackZone: string): DashboardQuery {
  const fallback = defaultState(fallbackZone);
  if (!text) return fallback;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fallback;
  }
  if (!raw || typeof raw !== 'object') return fallback;
  const r = raw as Record<string, unknown>;
  return {
    period: parsePeriod(r.period) ?? fallback.period,
    zone: typeof r.zone === 'string' && isValidZone(r.zone) ? r.zone : fallback.zone,
    filters: parseFilters(r.filters),
    compare: typeof r.compare === 'boolean' ? r.compare : fallback.compare,
    segment: r.segment && typeof r.segment === 'object' ? parseFilters(r.segment) : null,
  };
}

function parsePeriod(raw: unknown): Period | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (r.kind === 'preset' && PERIOD_PRESETS.includes(r.preset as PeriodPreset)) {
    return { kind: 'preset', preset: r.preset as PeriodPreset };
  }
  if (
    r.kind === 'custom' &&
    typeof r.first === 'string' &&
    typeof r.last === 'string' &&
    parseCivilDate(r.first) &&
    parseCivilDate(r.last)
  ) {
    return { kind: 'custom', first: r.first, last: r.last };
  }
  return null;
}

function parseFilters(raw: unknown): Filters {
  if (!raw || typeof raw !== 'object') return {};
  const r = raw as Record<string, unknown>;
  const out: Filters = {};
  for (const key of FILTER_KEYS) {
    const values = r[key];
    if (Array.isArray(values)) out[key] = values.filter((v): v is string => typeof v === 'string');
  }
  return normaliseFilters(out);
}

export const STORAGE_KEY = 'rapport.dashboard';

export function loadState(storage: Pick<Storage, 'getItem'> | null, fallbackZone: string): DashboardQuery {
  try {
    return parseState(storage?.getItem(STORAGE_KEY) ?? null, fallbackZone);
  } catch {
    return defaultState(fallbackZone);
  }
}

export function saveState(storage: Pick<Storage, 'setItem'> | null, state: DashboardQuery): void {
  try {
    storage?.setItem(STORAGE_KEY, serialiseState(state));
  } catch {
    // A full or disabled storage only costs the restore on next start.
  }
}

/** The `data-query` attribute the end-to-end tests read: exactly the IPC query. */
export function queryAttribute(query: QueryText): string {
  const attribute: QueryText = {
    from: query.from,
    to: query.to,
    tz: query.tz,
    filters: normaliseFilters(query.filters),
    compare: query.compare,
  };
  if (query.segment) attribute.segment = normaliseFilters(query.segment);
  return JSON.stringify(attribute);
}

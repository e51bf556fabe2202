// Periods a person picks in the dashboard header, turned into the `[from, to)`
// instants of a QueryText. Each period is a run of whole local days in
// the display zone: it starts at a local midnight and ends at the local
// midnight after its last day, so days of 23 or 25 hours come out right.

import type { Micros } from '../bindings';
import { addDays, type CivilDate, localDate, parseCivilDate, startOfDay, toInstant, civilDate } from './zone';

export const PERIOD_PRESETS = [
  'today',
  'yesterday',
  'last_7_days',
  'last_28_days',
  'last_90_days',
  'this_month',
  'last_month',
  'all_time',
] as const;

export type PeriodPreset = (typeof PERIOD_PRESETS)[number];

export const PRESET_LABELS: Record<PeriodPreset, string> = {
  today: 'Today',
  yesterday: 'Yesterday',
  last_7_days: 'Last 7 days',
  last_28_days: 'Last 28 days',
  last_90_days: 'Last 90 days',
  this_month: 'This month',
  last_month: 'Last month',
  all_time: 'All time',
};

/** A preset, or a custom run of days with both ends included. */
export type Period =
  | { kind: 'preset'; preset: PeriodPreset }
  | { kind: 'custom'; first: CivilDate; last: CivilDate };

/** First and last stored message, from Status; used by "All time". */
export interface DataBounds {
  first_message: Micros | null;
  last_message: Micros | null;
}

/** The days a period covers, both ends included. */
export function periodDays(
  period: Period,
  today: CivilDate,
  tz: string,
  bounds: DataBounds | null,
): { first: CivilDate; last: CivilDate } {
  if (period.kind === 'custom') {
    return period.first <= period.last
      ? { first: period.first, last: period.last }
      : { first: period.last, last: period.first };
  }
  const lastN = (n: number) => ({ first: addDays(today, -(n - 1)), last: today });
  switch (period.preset) {
    case 'today':
      return { first: today, last: today };
    case 'yesterday': {
      const y = addDays(today, -1);
      return { first: y, last: y };
    }
    // "Last N days" are the N days ending with today, today included, so
    // the newest conversations are always on screen.
    case 'last_7_days':
      return lastN(7);
    case 'last_28_days':
      return lastN(28);
    case 'last_90_days':
      return lastN(90);
    case 'this_month': {
      const d = parseCivilDate(today)!;
      return { first: civilDate(d.year, d.month, 1), last: today };
    }
    case 'last_month': {
      const d = parseCivilDate(today)!;
      const firstOfThis = civilDate(d.year, d.month, 1);
      const lastOfPrevious = addDays(firstOfThis, -1);
      const p = parseCivilDate(lastOfPrevious)!;
      return { first: civilDate(p.year, p.month, 1), last: lastOfPrevious };
    }
    case 'all_time': {
      if (!bounds?.first_message || !bounds.last_message) return { first: today, last: today };
      return {
        first: localDate(Date.parse(bounds.first_message), tz),
        last: localDate(Date.parse(bounds.last_message), tz),
      };
    }
  }
}

/** `[from, to)` of a period: the first day's midnight to the midnight after the last day. */
export function periodRange(
  period: Period,
  now: number,
  tz: string,
  bounds: DataBounds | null,
): { from: Micros; to: Micros } {
  const today = localDate(now, tz);
  const { first, last } = periodDays(period, today, tz, bounds);
  return {
    from: toInstant(startOfDay(first, tz)),
    to: toInstant(startOfDay(addDays(last, 1), tz)),
  };
}

/** The same length of time just before `[from, to)`: what "compare" shows. */
export function previousRange(from: Micros, to: Micros): { from: Micros; to: Micros } {
  const f = Date.parse(from);
  const t = Date.parse(to);
  return { from: toInstant(f - (t - f)), to: from };
}

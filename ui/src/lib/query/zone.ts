// Calendar arithmetic in an IANA time zone, using only Intl.
//
// A "civil date" is a day on a wall calendar ("2026-03-29"), with no zone.
// Days are not all 24 hours long: in Europe/Berlin 2026-03-29 has 23 and
// 2026-10-25 has 25, so a day's bounds are always found through the zone's
// offset at that moment, never by adding 86 400 000 ms.

import type { Micros } from '../bindings';

/** "YYYY-MM-DD" */
export type CivilDate = string;

export interface LocalParts {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidZone(tz: string): boolean {
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

/** The computer's own zone, as the operating system reports it. */
export function computerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Wall-clock reading of `ms` in `tz`. */
export function localParts(ms: number, tz: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(tz).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour === 24 ? 0 : parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** How far `tz`'s wall clock is ahead of UTC at `ms`, in milliseconds. */
export function offsetMs(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

export function civilDate(year: number, month: number, day: number): CivilDate {
  const y = String(year).padStart(4, '0');
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function parseCivilDate(date: CivilDate): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return null;
  }
  return { year, month, day };
}

/** The calendar day `n` days after `date` (negative goes back). */
export function addDays(date: CivilDate, n: number): CivilDate {
  const d = parseCivilDate(date);
  if (!d) throw new Error(`not a date: ${date}`);
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return civilDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** The calendar day that `ms` falls on in `tz`. */
export function localDate(ms: number, tz: string): CivilDate {
  const p = localParts(ms, tz);
  return civilDate(p.year, p.month, p.day);
}

/**
 * The first instant of `date` in `tz`: its local midnight, or, where the
 * clocks jump over midnight (America/Santiago in September), the first
 * moment that exists on that day.
 *
 * ```text
 * wall clock:  23:59:59 ──jump──▶ 01:00:00      (00:00 never happens)
 * answer:                         ▲ the day starts here
 * ```
 */
export function startOfDay(date: CivilDate, tz: string): number {
  const d = parseCivilDate(date);
  if (!d) throw new Error(`not a date: ${date}`);
  const wall = Date.UTC(d.year, d.month - 1, d.day);
  // Two guesses: the offset before and after a possible transition.
  const first = wall - offsetMs(wall, tz);
  const second = wall - offsetMs(first, tz);
  const onTheDay = [first, second].filter((c) => localDate(c, tz) === date);
  if (onTheDay.length > 0) {
    const earliest = Math.min(...onTheDay);
    // An hour that repeats at midnight: step back while still on the day at 00:00.
    const hourEarlier = earliest - 3_600_000;
    const p = localParts(hourEarlier, tz);
    if (localDate(hourEarlier, tz) === date && p.hour === 0) return hourEarlier;
    return earliest;
  }
  // Midnight fell in a gap and both guesses landed on the day before:
  // the day starts where the gap ends.
  const later = Math.max(first, second);
  let t = later;
  for (let step = 0; step < 96 && localDate(t, tz) !== date; step++) t += 15 * 60_000;
  return t;
}

/** RFC 3339 in UTC, whole seconds written without a fraction. */
export function toInstant(ms: number): Micros {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso;
}

export function fromInstant(instant: Micros): number {
  return Date.parse(instant);
}

/** Monday = 0 … Sunday = 6, of the civil date. */
export function weekdayOf(date: CivilDate): number {
  const d = parseCivilDate(date);
  if (!d) throw new Error(`not a date: ${date}`);
  return (new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7;
}

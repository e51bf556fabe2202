// How numbers, durations, money, dates and changes read on screen.
// Everything goes through Intl in the computer's locale; the optional
// `locale` argument exists so tests can pin one.

import type { Micros } from './bindings';
import type { Better } from './generated/Better';

type Locale = string | undefined;

const numberFormats = new Map<string, Intl.NumberFormat>();

function nf(locale: Locale, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, f);
  }
  return f;
}

/** A whole count: "12,345". */
export function formatCount(n: number, locale?: Locale): string {
  return nf(locale, { maximumFractionDigits: 0 }).format(n);
}

/** A short count for axes and tight places: "1.2K", "3.4M". */
export function formatCompact(n: number, locale?: Locale): string {
  return nf(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/** A plain number with at most `digits` decimals: "3.4". */
export function formatDecimal(n: number, digits = 1, locale?: Locale, minimumDigits = 0): string {
  return nf(locale, { minimumFractionDigits: minimumDigits, maximumFractionDigits: digits }).format(n);
}

/**
 * A duration as a person says it: "850 ms", "2.3 s", "1 min 5 s", "2 h 10 min", "3 d 4 h".
 * Null reads as an em dash: no value, not zero.
 */
export function formatDuration(ms: number | null, locale?: Locale): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1000) return `${sign}${formatCount(Math.round(abs), locale)} ms`;
  const tenths = Math.round(abs / 100) / 10;
  if (tenths < 60) return `${sign}${formatDecimal(tenths, 1, locale)} s`;
  const seconds = Math.round(abs / 1000);
  if (seconds < 3600) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return `${sign}${m} min${s ? ` ${s} s` : ''}`;
  }
  const minutes = Math.round(abs / 60_000);
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return `${sign}${h} h${m ? ` ${m} min` : ''}`;
  }
  const hours = Math.round(abs / 3_600_000);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return `${sign}${formatCount(d, locale)} d${h ? ` ${h} h` : ''}`;
}

/** Money in US dollars: "$1.23"; amounts under a cent keep two significant digits: "$0.0042". */
export function formatMoney(usd: number, locale?: Locale): string {
  const abs = Math.abs(usd);
  if (abs > 0 && abs < 0.01) {
    return nf(locale, { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 }).format(usd);
  }
  return nf(locale, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(usd);
}

/** A share or rate given as a fraction: 0.1234 → "12.3%". Null reads as an em dash. */
export function formatPercent(rate: number | null, locale?: Locale): string {
  if (rate === null || !Number.isFinite(rate)) return '—';
  return nf(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
}

export interface Delta {
  direction: 'up' | 'down' | 'flat';
  /** "+12%", "−3.5 pp", "new" */
  text: string;
  tone: 'good' | 'bad' | 'neutral';
}

/**
 * The change from `previous` to `current`. Rates (already fractions) change
 * by percentage points, everything else by percent. No delta when either
 * side has no value.
 */
export function delta(
  current: number | null,
  previous: number | null,
  opts: { kind: 'relative' | 'points'; better: Better },
  locale?: Locale,
): Delta | null {
  if (current === null || previous === null || !Number.isFinite(current) || !Number.isFinite(previous)) {
    return null;
  }
  const diff = current - previous;
  const direction: Delta['direction'] = Math.abs(diff) < 1e-12 ? 'flat' : diff > 0 ? 'up' : 'down';
  const tone: Delta['tone'] =
    direction === 'flat' || opts.better === 'neutral'
      ? 'neutral'
      : (direction === 'up') === (opts.better === 'higher')
        ? 'good'
        : 'bad';
  let text: string;
  if (opts.kind === 'points') {
    const points = diff * 100;
    text = `${nf(locale, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(points)} pp`;
  } else if (previous === 0) {
    text = direction === 'flat' ? nf(locale, { style: 'percent' }).format(0) : 'new';
  } else {
    const change = diff / Math.abs(previous);
    const digits = Math.abs(change) < 0.1 ? 1 : 0;
    text = nf(locale, { style: 'percent', maximumFractionDigits: digits, signDisplay: 'exceptZero' }).format(change);
  }
  return { direction, text, tone };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function df(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    dateFormats.set(key, f);
  }
  return f;
}

/** "Oct 1, 2026, 09:30" in the display zone. */
export function formatDateTime(instant: Micros | null, tz: string, locale?: Locale): string {
  if (!instant) return '—';
  return df(locale, { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(instant));
}

/** "09:30:05" in the display zone. */
export function formatTime(instant: Micros, tz: string, locale?: Locale): string {
  return df(locale, { timeZone: tz, hour: 'numeric', minute: '2-digit', second: '2-digit' }).format(new Date(instant));
}

/** A civil date "2026-10-01" as "Oct 1". */
export function formatDay(date: string, locale?: Locale, withYear = false): string {
  const [y, m, d] = date.split('-').map(Number);
  return df(locale, { timeZone: 'UTC', month: 'short', day: 'numeric', ...(withYear ? { year: 'numeric' } : {}) }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** File sizes: "512 B", "1.4 MB". */
export function formatBytes(bytes: number, locale?: Locale): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${formatDecimal(v, i === 0 ? 0 : 1, locale)} ${units[i]}`;
}

/** "1 conversation", "2 conversations". */
export function plural(n: number, one: string, many: string, locale?: Locale): string {
  return `${formatCount(n, locale)} ${n === 1 ? one : many}`;
}

/** "Thursday, October 1, 2026" for the day `instant` falls on in the display zone. */
export function formatLongDate(instant: Micros, tz: string, locale?: Locale): string {
  return df(locale, { timeZone: tz, dateStyle: 'full' }).format(new Date(instant));
}

// Peak Hours: a 7 × 24 grid of messages by local weekday (Monday first) and
// hour, drawn as a heatmap with hours across and days down.

import { formatCount } from '../lib/format';

export interface PeakHours {
  /** [hour, weekday, messages] for every cell, the form a heatmap series takes. */
  cells: [number, number, number][];
  max: number;
  /** Short weekday names, Monday first, in the locale. */
  weekdays: string[];
  /** "00" … "23" */
  hours: string[];
  busiest: { weekday: number; hour: number; count: number } | null;
  /** One sentence naming the busiest hour, for people who skip the colours. */
  summary: string | null;
  empty: string | null;
}

export function weekdayNames(locale?: string, style: 'short' | 'long' = 'short'): string[] {
  const f = new Intl.DateTimeFormat(locale, { weekday: style, timeZone: 'UTC' });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => f.format(new Date(Date.UTC(2024, 0, 1 + i))));
}

export function shapePeakHours(grid: number[][], locale?: string): PeakHours {
  const cells: [number, number, number][] = [];
  let busiest: PeakHours['busiest'] = null;
  let max = 0;
  for (let weekday = 0; weekday < 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      const count = grid[weekday]?.[hour] ?? 0;
      cells.push([hour, weekday, count]);
      if (count > max) {
        max = count;
        busiest = { weekday, hour, count };
      }
    }
  }
  const long = weekdayNames(locale, 'long');
  const hh = (h: number) => String(h).padStart(2, '0');
  return {
    cells,
    max,
    weekdays: weekdayNames(locale),
    hours: Array.from({ length: 24 }, (_, h) => hh(h)),
    busiest,
    summary: busiest
      ? `Busiest: ${long[busiest.weekday]} ${hh(busiest.hour)}:00–${hh((busiest.hour + 1) % 24)}:00, ${formatCount(busiest.count, locale)} messages.`
      : null,
    empty: max === 0 ? 'No messages in this period.' : null,
  };
}

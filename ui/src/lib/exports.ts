// What the dashboard's Export menu offers, and the file name it suggests.
// The files themselves are drawn by the engine (`rapport report` /
// `rapport export` write the same bytes); the names here are the ones those
// commands take for charts, tables and paper sizes.

import type { QueryText, Export } from './bindings';
import { fromInstant, localDate } from './query/zone';

export const EXPORT_CHARTS = [
  { name: 'daily', label: 'Messages & conversations per day' },
  { name: 'peak-hours', label: 'Peak hours' },
  { name: 'world-map', label: 'Conversations by country' },
  { name: 'devices', label: 'Devices' },
  { name: 'sources', label: 'Sources' },
  { name: 'languages', label: 'Languages' },
  { name: 'tools', label: 'Tool usage and average duration' },
  { name: 'feedback', label: 'Conversation feedback' },
  { name: 'tokens', label: 'Token usage and cost per day' },
] as const;

export const EXPORT_TABLES = [
  { name: 'conversations', label: 'Conversations' },
  { name: 'tools', label: 'Tools' },
  { name: 'countries', label: 'Countries' },
  { name: 'daily', label: 'Daily series' },
  { name: 'unanswered', label: 'Top unanswered questions' },
] as const;

export const PAPERS = [
  { name: 'a4', label: 'A4' },
  { name: 'letter', label: 'Letter' },
] as const;

/** Letters, digits, dot, dash and underscore; anything else becomes one dash. */
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * The name the save dialog suggests: what, the query's days in its zone
 * (the last day is the one before `to`, which is exclusive) and its filters.
 *
 * `rapport-2026-10-01-to-2026-10-31.pdf`, `rapport-daily-2026-10-05@2x.png`,
 * `rapport-conversations-2026-10-01-to-2026-10-31-source-web.csv`
 */
export function exportFileName(query: QueryText, choice: Export): string {
  const first = localDate(fromInstant(query.from), query.tz);
  const last = localDate(fromInstant(query.to) - 1, query.tz);
  const days = first === last ? first : `${first}-to-${last}`;
  const what = choice.kind === 'png' || choice.kind === 'svg' ? choice.chart : choice.kind === 'csv' ? choice.table : '';
  const filters = Object.entries(query.filters)
    .filter(([, values]) => values && values.length)
    .map(([key, values]) => `${key}-${values!.join('+')}`);
  const stem = ['rapport', what, days, ...filters].filter(Boolean).map(slug).join('-');
  const scale = choice.kind === 'png' && choice.scale === 2 ? '@2x' : '';
  return `${stem}${scale}.${choice.kind}`;
}

/** What the menu item wrote, for the notice that says where it went. */
export function exportLabel(choice: Export): string {
  switch (choice.kind) {
    case 'pdf':
      return 'PDF report';
    case 'html':
      return 'HTML report';
    case 'png':
    case 'svg': {
      const chart = EXPORT_CHARTS.find((c) => c.name === choice.chart)?.label ?? choice.chart;
      return `${chart} (${choice.kind.toUpperCase()}${choice.kind === 'png' ? ` ${choice.scale}x` : ''})`;
    }
    case 'csv':
      return `${EXPORT_TABLES.find((t) => t.name === choice.table)?.label ?? choice.table} (CSV)`;
  }
}

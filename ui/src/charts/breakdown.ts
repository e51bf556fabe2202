// Device Usage, Source and Language: conversations per value, as a ranked
// list whose bars show each value's share.

import type { FilterKey } from '../lib/bindings';
import { valueLabel } from './labels';

export interface BreakdownRow {
  /** The value as the engine names it; what a filter on it matches. */
  value: string;
  label: string;
  count: number;
  /** Of all conversations in the breakdown, 0..1. */
  share: number;
}

export interface Breakdown {
  rows: BreakdownRow[];
  /** Values beyond the first `limit`, folded into one line. */
  rest: { values: number; count: number; share: number } | null;
  total: number;
  empty: string | null;
}

export function shapeBreakdown(
  counts: Record<string, number>,
  key: FilterKey,
  opts: { limit?: number; locale?: string } = {},
): Breakdown {
  const limit = opts.limit ?? 8;
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const all = entries
    .map(([value, count]) => ({ value, label: valueLabel(key, value, opts.locale), count, share: total ? count / total : 0 }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  const rows = all.slice(0, limit);
  const hidden = all.slice(limit);
  const restCount = hidden.reduce((sum, r) => sum + r.count, 0);
  return {
    rows,
    rest: hidden.length ? { values: hidden.length, count: restCount, share: total ? restCount / total : 0 } : null,
    total,
    empty: total === 0 ? 'No conversations in this period.' : null,
  };
}

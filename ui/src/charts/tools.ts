// Tool Usage and Average Duration: each tool's calls (failed ones apart)
// and how long a call takes on average.

import type { ToolRow } from '../lib/bindings';
import { formatDuration } from '../lib/format';

export interface ToolBar {
  name: string;
  count: number;
  errors: number;
  /** Calls that did not fail. */
  ok: number;
  /** Of this tool's calls, 0..1. */
  errorShare: number;
  /** Of the busiest tool's calls, 0..1: the bar length. */
  width: number;
  avgDurationMs: number | null;
  avgDuration: string;
}

export interface ToolUsage {
  rows: ToolBar[];
  totalCalls: number;
  totalErrors: number;
  empty: string | null;
}

export function shapeTools(tools: ToolRow[], locale?: string): ToolUsage {
  const sorted = [...tools].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  const top = sorted[0]?.count ?? 0;
  const rows = sorted.map((t) => ({
    name: t.name,
    count: t.count,
    errors: t.errors,
    ok: t.count - t.errors,
    errorShare: t.count ? t.errors / t.count : 0,
    width: top ? t.count / top : 0,
    avgDurationMs: t.avg_duration_ms,
    avgDuration: t.avg_duration_ms === null ? 'no duration' : formatDuration(t.avg_duration_ms, locale),
  }));
  const totalCalls = rows.reduce((s, r) => s + r.count, 0);
  return {
    rows,
    totalCalls,
    totalErrors: rows.reduce((s, r) => s + r.errors, 0),
    empty: totalCalls === 0 ? 'No tool calls in this period.' : null,
  };
}

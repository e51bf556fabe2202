// Token Usage and Cost: tokens and dollars per local day, and per model.
// A model without a price is "unpriced": its cost is unknown, not $0.

import type { DailyRow, ModelResponseTime, ModelUsage } from '../lib/bindings';
import { formatCount, formatDay, formatDuration, formatMoney } from '../lib/format';

export interface TokenSeries {
  dates: string[];
  labels: string[];
  tokens: number[];
  cost: number[];
  empty: string | null;
}

export function shapeTokensDaily(daily: DailyRow[], locale?: string): TokenSeries {
  const spansYears = daily.length > 0 && daily[0].date.slice(0, 4) !== daily[daily.length - 1].date.slice(0, 4);
  const tokens = daily.map((d) => d.tokens);
  const cost = daily.map((d) => d.cost);
  const anyMessages = daily.some((d) => d.messages > 0);
  return {
    dates: daily.map((d) => d.date),
    labels: daily.map((d) => formatDay(d.date, locale, spansYears)),
    tokens,
    cost,
    empty: tokens.some((n) => n > 0) || cost.some((n) => n > 0)
      ? null
      : anyMessages
        ? 'The messages of this period carry no token counts.'
        : 'No messages in this period.',
  };
}

export interface ModelRow {
  model: string;
  messages: number;
  tokens: number;
  tokensLabel: string;
  /** "$1.23", or "unpriced" when the cost is not known. */
  costLabel: string;
  priced: boolean;
  /** "1.8 s / 6.1 s": half and 95% of its replies within; "–" without a timed reply. */
  responseLabel: string;
}

export function shapeModels(models: ModelUsage[], locale?: string, responses: ModelResponseTime[] = []): ModelRow[] {
  const byModel = new Map(responses.map((r) => [r.model, r]));
  return [...models]
    .map((m) => {
      const r = byModel.get(m.model);
      return {
        model: m.model,
        messages: m.messages,
        tokens: m.prompt + m.completion,
        tokensLabel: formatCount(m.prompt + m.completion, locale),
        costLabel: m.priced ? formatMoney(m.cost, locale) : 'unpriced',
        priced: m.priced,
        responseLabel: r
          ? `${formatDuration(r.p50_response_time_ms, locale)} / ${formatDuration(r.p95_response_time_ms, locale)}`
          : '–',
      };
    })
    .sort((a, b) => b.tokens - a.tokens || a.model.localeCompare(b.model));
}

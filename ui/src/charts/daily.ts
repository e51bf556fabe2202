// Messages & Conversations Overview: one bar of messages and one point of
// conversations per local day of the period.

import type { DailyRow } from '../lib/bindings';
import { formatDay } from '../lib/format';

export interface DailySeries {
  /** Civil dates, what a click drills into. */
  dates: string[];
  labels: string[];
  messages: number[];
  conversations: number[];
  empty: string | null;
}

export function shapeDaily(daily: DailyRow[], locale?: string): DailySeries {
  const spansYears = daily.length > 0 && daily[0].date.slice(0, 4) !== daily[daily.length - 1].date.slice(0, 4);
  const messages = daily.map((d) => d.messages);
  return {
    dates: daily.map((d) => d.date),
    labels: daily.map((d) => formatDay(d.date, locale, spansYears)),
    messages,
    conversations: daily.map((d) => d.conversations),
    empty: messages.some((n) => n > 0) ? null : 'No messages in this period.',
  };
}

// Words and columns of the conversations list.

import type { ConversationRow, Drill } from '../lib/bindings';
import { formatDay } from '../lib/format';
import { weekdayNames } from '../charts/peakHours';

export interface Column {
  key: keyof ConversationRow;
  label: string;
  /** CSS grid width. */
  width: string;
  align?: 'right' | 'center';
  /** Which way a first click sorts: newest, longest, most first. */
  firstDesc: boolean;
}

export const COLUMNS: Column[] = [
  { key: 'started_at', label: 'Started', width: 'minmax(150px, 1.3fr)', firstDesc: true },
  { key: 'customer_id', label: 'Customer', width: 'minmax(110px, 1fr)', firstDesc: false },
  { key: 'country', label: 'Country', width: 'minmax(110px, 1fr)', firstDesc: false },
  { key: 'device', label: 'Device', width: '90px', firstDesc: false },
  { key: 'source', label: 'Source', width: '96px', firstDesc: false },
  { key: 'language', label: 'Language', width: 'minmax(90px, 0.9fr)', firstDesc: false },
  { key: 'messages', label: 'Messages', width: '86px', align: 'right', firstDesc: true },
  { key: 'duration_s', label: 'Duration', width: '96px', align: 'right', firstDesc: true },
  { key: 'escalated', label: 'Escalated', width: '86px', align: 'center', firstDesc: true },
  { key: 'feedback', label: 'Feedback', width: '90px', firstDesc: false },
];

/** The sentence naming what a drill narrowed the list to. */
export function drillTitle(drill: Drill, locale?: string): string {
  switch (drill.kind) {
    case 'day':
      return `Conversations with messages on ${formatDay(drill.date, locale, true)}`;
    case 'hour': {
      const hh = (h: number) => String(h).padStart(2, '0');
      const day = weekdayNames(locale, 'long')[drill.weekday] ?? `day ${drill.weekday}`;
      return `Conversations with messages on ${day}s, ${hh(drill.hour)}:00–${hh((drill.hour + 1) % 24)}:00`;
    }
    case 'tool':
      return `Conversations that called ${drill.name}`;
    case 'unanswered':
      return `Asked and not answered: “${drill.question}”`;
    case 'unresolved':
      return 'With a question not answered';
    case 'resolved':
      return 'Resolved by the agent';
  }
}

// The headline cards: which metric each shows, how it reads, which way is
// good news, and the one plain sentence behind its ⓘ (from spec/METRICS.md).

import type { Dashboard, Metrics } from '../lib/bindings';
import {
  type Better,
  type Delta,
  delta,
  formatCount,
  formatDecimal,
  formatDuration,
  formatMoney,
  formatPercent,
} from '../lib/format';

interface KpiDef {
  /** The Metrics key the card shows; the test id is `kpi-${key}`. */
  key: string;
  label: string;
  info: string;
  value: (m: Metrics) => number | null;
  format: (v: number | null, locale?: string) => string;
  better: Better;
  /** Rates change in percentage points, everything else in percent. */
  change: 'relative' | 'points';
  /** A second line under the number. */
  detail?: (m: Metrics, locale?: string) => string | null;
  /** Shown only while the card is hovered or focused. */
  hover?: (m: Metrics, locale?: string) => string | null;
}

const count = (v: number | null, locale?: string) => (v === null ? '—' : formatCount(v, locale));

export const KPIS: KpiDef[] = [
  {
    key: 'total_messages',
    label: 'Total Messages',
    info: 'Every message sent in the period, by users and by the agent.',
    value: (m) => m.total_messages,
    format: count,
    better: 'higher',
    change: 'relative',
    detail: (m, l) => `${formatCount(m.user_messages, l)} from users · ${formatCount(m.agent_messages, l)} from the agent`,
  },
  {
    key: 'total_conversations',
    label: 'Total Conversations',
    info: 'Conversations that started in the period, including visits where nobody wrote anything.',
    value: (m) => m.total_conversations,
    format: count,
    better: 'higher',
    change: 'relative',
  },
  {
    key: 'interactions',
    label: 'Unique Interactions',
    info: 'Conversations started in the period in which the user wrote at least one message; the others are visits.',
    value: (m) => m.interactions,
    format: count,
    better: 'higher',
    change: 'relative',
    detail: (m, l) => `${formatCount(m.visits, l)} ${m.visits === 1 ? 'visit' : 'visits'} without a message`,
  },
  {
    key: 'unique_users',
    label: 'Individual Users',
    info: 'Different customers (by customer ID) whose conversations started in the period; anonymous conversations are not counted.',
    value: (m) => m.unique_users,
    format: count,
    better: 'higher',
    change: 'relative',
  },
  {
    key: 'active_users',
    label: 'Active Users',
    info: 'Customers who got at least two answers from the agent in the period.',
    value: (m) => m.active_users,
    format: count,
    better: 'higher',
    change: 'relative',
  },
  {
    key: 'avg_user_interactions',
    label: 'Average User Interactions',
    info: 'How many question-and-answer exchanges a conversation had on average, counting conversations with at least one answer in the period.',
    value: (m) => m.avg_user_interactions,
    format: (v, l) => (v === null ? '—' : formatDecimal(v, 1, l, 1)),
    better: 'higher',
    change: 'relative',
  },
  {
    key: 'avg_response_time_ms',
    label: 'Average Agent Response Time',
    info: "The average time between a user's message and the agent's reply, for replies sent in the period.",
    value: (m) => m.avg_response_time_ms,
    format: (v, l) => formatDuration(v, l),
    better: 'lower',
    change: 'relative',
    hover: (m, l) =>
      m.p50_response_time_ms === null
        ? null
        : `Half of replies within ${formatDuration(m.p50_response_time_ms, l)} · 95% within ${formatDuration(m.p95_response_time_ms, l)}`,
  },
  {
    key: 'avg_conversation_duration_s',
    label: 'Average Conversation Duration',
    info: 'The average time from the start to the end of a conversation, over conversations started in the period in which the user wrote something.',
    value: (m) => m.avg_conversation_duration_s,
    format: (v, l) => formatDuration(v === null ? null : v * 1000, l),
    better: 'lower',
    change: 'relative',
  },
  {
    key: 'escalation_rate',
    label: 'Human Escalation Rate',
    info: 'The share of conversations with user messages that were handed to a person, because the agent called an escalation tool.',
    value: (m) => m.escalation_rate,
    format: (v, l) => formatPercent(v, l),
    better: 'lower',
    change: 'points',
    detail: (m, l) => `${formatCount(m.escalated_conversations, l)} escalated`,
  },
  {
    key: 'satisfaction_rate',
    label: 'Satisfaction',
    info: 'Positive ratings divided by positive plus negative ratings given in the period; neutral ratings do not count.',
    value: (m) => m.feedback.satisfaction_rate,
    format: (v, l) => formatPercent(v, l),
    better: 'higher',
    change: 'points',
    detail: (m, l) => `${formatCount(m.feedback.positive, l)} positive · ${formatCount(m.feedback.negative, l)} negative`,
  },
  {
    key: 'total_tokens',
    label: 'Token Usage',
    info: 'Prompt plus completion tokens of the messages sent in the period.',
    value: (m) => m.tokens.total,
    format: count,
    better: 'neutral',
    change: 'relative',
    detail: (m, l) => `${formatCount(m.tokens.prompt, l)} prompt · ${formatCount(m.tokens.completion, l)} completion`,
  },
  {
    key: 'cost',
    label: 'Cost',
    info: 'What the messages sent in the period cost, in US dollars, as recorded in the logs or priced from your price table.',
    value: (m) => m.tokens.cost,
    format: (v, l) => (v === null ? '—' : formatMoney(v, l)),
    better: 'lower',
    change: 'relative',
  },
];

export interface KpiCard {
  key: string;
  label: string;
  info: string;
  /** The exact number, for `data-value`; null when there is none. */
  value: number | null;
  text: string;
  detail: string | null;
  hover: string | null;
  delta: Delta | null;
  /** "was 1,204" — what the delta compares with. */
  previousText: string | null;
}

export function shapeKpis(dashboard: Dashboard, compare: boolean, locale?: string): KpiCard[] {
  return KPIS.map((def) => {
    const value = def.value(dashboard);
    const previous = def.value(dashboard.previous);
    return {
      key: def.key,
      label: def.label,
      info: def.info,
      value,
      text: def.format(value, locale),
      detail: def.detail?.(dashboard, locale) ?? null,
      hover: def.hover?.(dashboard, locale) ?? null,
      delta: compare ? delta(value, previous, { kind: def.change, better: def.better }, locale) : null,
      previousText: compare ? `was ${def.format(previous, locale)}` : null,
    };
  });
}

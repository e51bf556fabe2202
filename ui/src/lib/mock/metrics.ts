// DEVELOPMENT MOCK ONLY: the metrics of spec/METRICS.md computed simply over
// the fake conversations, so the dashboard has something to draw in a
// browser. The engine's Rust code is the real implementation.

import type { ConversationDetail, DashboardQuery, FilterKey, Metrics, ModelUsage } from '../bindings';
import { emptyMetrics } from '../emptyMetrics';
import { addDays, localDate, offsetMs } from '../query/zone';
import type { MockConversation } from './data';

export function dimension(c: ConversationDetail, key: FilterKey): string {
  switch (key) {
    case 'country':
      return c.country;
    case 'customer_id':
      return c.customer_id ?? 'unknown';
    case 'environment':
      return 'unknown'; // the mock's conversations name no environment
    default:
      return c[key] ?? 'unknown';
  }
}

export function passesFilters(c: ConversationDetail, filters: DashboardQuery['filters']): boolean {
  return Object.entries(filters).every(([key, values]) => !values?.length || values.includes(dimension(c, key as FilterKey)));
}

/** Local weekday (Monday 0) and hour of `ms` in `tz`, with the offset cached per UTC hour. */
export function localClock(tz: string) {
  const offsets = new Map<number, number>();
  return (ms: number) => {
    const h = Math.floor(ms / 3_600_000);
    let off = offsets.get(h);
    if (off === undefined) {
      off = offsetMs(ms, tz);
      offsets.set(h, off);
    }
    const wall = new Date(ms + off);
    const date = wall.toISOString().slice(0, 10);
    return { date, weekday: (wall.getUTCDay() + 6) % 7, hour: wall.getUTCHours() };
  };
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] : null);
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

function bump(record: Record<string, number>, key: string) {
  record[key] = (record[key] ?? 0) + 1;
}

export interface Computed {
  metrics: Metrics;
  models: ModelUsage[];
  conversationsWithIp: number;
}

export function computeMetrics(
  conversations: MockConversation[],
  query: DashboardQuery,
  escalationTools: string[],
  pricedModels: Set<string>,
): Computed {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  const inRange = (iso: string | null) => {
    if (!iso) return false;
    const t = Date.parse(iso);
    return t >= from && t < to;
  };
  const clock = localClock(query.tz);
  const m = emptyMetrics();
  const escalation = new Set(escalationTools.map((t) => t.toLowerCase()));

  const days = new Map<string, { messages: number; conversations: Set<string>; users: Set<string>; tokens: number; cost: number }>();
  if (to > from) {
    const last = localDate(to - 1, query.tz);
    for (let d = localDate(from, query.tz); d <= last; d = addDays(d, 1)) {
      days.set(d, { messages: 0, conversations: new Set(), users: new Set(), tokens: 0, cost: 0 });
    }
  }
  const users = new Set<string>();
  const exchangesByUser = new Map<string, number>();
  const responses: number[] = [];
  const durations: number[] = [];
  let exchangeCount = 0;
  let conversationsWithExchange = 0;
  let withIp = 0;
  const tools = new Map<string, { count: number; durations: number[]; errors: number }>();
  const models = new Map<string, ModelUsage>();

  for (const c of conversations) {
    if (!passesFilters(c, query.filters)) continue;
    const engaged = c.messages.some((x) => x.role === 'user');
    if (inRange(c.started_at)) {
      m.total_conversations++;
      if (engaged) {
        m.interactions++;
        durations.push((c.endMs - c.startMs) / 1000);
        if (c.actions.some((a) => escalation.has(a.name.toLowerCase()))) m.escalated_conversations++;
      }
      if (c.customer_id) users.add(c.customer_id);
      if (c.customer_ip_address) withIp++;
      bump(m.countries, c.country);
      bump(m.devices, c.device ?? 'unknown');
      bump(m.sources, c.source ?? 'unknown');
      bump(m.languages, c.language ?? 'unknown');
      bump(m.environments, 'unknown');
    }
    let lastUser: number | null = null;
    let exchangesHere = 0;
    for (const msg of c.messages) {
      const t = Date.parse(msg.timestamp);
      if (msg.role === 'user') lastUser = t;
      else if (msg.role === 'agent') {
        if (lastUser !== null && inRange(msg.timestamp)) {
          responses.push(t - lastUser);
          exchangesHere++;
        }
        lastUser = null;
      }
      if (!inRange(msg.timestamp)) continue;
      m.total_messages++;
      if (msg.role === 'user') m.user_messages++;
      if (msg.role === 'agent') m.agent_messages++;
      const local = clock(t);
      m.peak_hours[local.weekday][local.hour]++;
      const tokens = (msg.prompt_tokens ?? 0) + (msg.completion_tokens ?? 0);
      const day = days.get(local.date);
      if (day) {
        day.messages++;
        day.conversations.add(c.conversation_id);
        if (c.customer_id) day.users.add(c.customer_id);
        day.tokens += tokens;
        day.cost += msg.cost ?? 0;
      }
      m.tokens.prompt += msg.prompt_tokens ?? 0;
      m.tokens.completion += msg.completion_tokens ?? 0;
      m.tokens.cost += msg.cost ?? 0;
      if (msg.model) {
        const u = models.get(msg.model) ?? { model: msg.model, messages: 0, prompt: 0, completion: 0, cost: 0, priced: pricedModels.has(msg.model) };
        u.messages++;
        u.prompt += msg.prompt_tokens ?? 0;
        u.completion += msg.completion_tokens ?? 0;
        u.cost += msg.cost ?? 0;
        models.set(msg.model, u);
      }
    }
    if (exchangesHere > 0) {
      exchangeCount += exchangesHere;
      conversationsWithExchange++;
      if (c.customer_id) exchangesByUser.set(c.customer_id, (exchangesByUser.get(c.customer_id) ?? 0) + exchangesHere);
    }
    for (const a of c.actions) {
      if (!inRange(a.started_at)) continue;
      const name = a.name.trim();
      const tool = tools.get(name) ?? { count: 0, durations: [], errors: 0 };
      tool.count++;
      if (a.duration_ms !== null) tool.durations.push(a.duration_ms);
      if (a.error) tool.errors++;
      tools.set(name, tool);
    }
    for (const f of c.feedback) {
      if (inRange(f.timestamp)) m.feedback[f.rating]++;
    }
  }

  m.visits = m.total_conversations - m.interactions;
  m.unique_users = users.size;
  m.active_users = [...exchangesByUser.values()].filter((n) => n >= 2).length;
  m.avg_user_interactions = conversationsWithExchange ? exchangeCount / conversationsWithExchange : 0;
  const sorted = [...responses].sort((a, b) => a - b);
  m.avg_response_time_ms = mean(sorted);
  m.p50_response_time_ms = percentile(sorted, 0.5);
  m.p95_response_time_ms = percentile(sorted, 0.95);
  m.avg_conversation_duration_s = mean(durations);
  m.escalation_rate = m.interactions ? m.escalated_conversations / m.interactions : null;
  const rated = m.feedback.positive + m.feedback.negative;
  m.feedback.satisfaction_rate = rated ? m.feedback.positive / rated : null;
  m.tokens.total = m.tokens.prompt + m.tokens.completion;
  m.daily = [...days.entries()].map(([date, d]) => ({
    date,
    messages: d.messages,
    conversations: d.conversations.size,
    users: d.users.size,
    tokens: d.tokens,
    cost: d.cost,
  }));
  m.tools = [...tools.entries()]
    .map(([name, t]) => ({ name, count: t.count, avg_duration_ms: mean(t.durations), errors: t.errors }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  return {
    metrics: m,
    models: [...models.values()].sort((a, b) => b.prompt + b.completion - (a.prompt + a.completion)),
    conversationsWithIp: withIp,
  };
}

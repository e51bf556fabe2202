// Metrics of a period with nothing in it: what the shape tests start from.

import type { Metrics } from './bindings';

export function emptyMetrics(): Metrics {
  return {
    total_messages: 0,
    user_messages: 0,
    agent_messages: 0,
    total_conversations: 0,
    interactions: 0,
    visits: 0,
    unique_users: 0,
    active_users: 0,
    avg_user_interactions: 0,
    avg_response_time_ms: null,
    p50_response_time_ms: null,
    p95_response_time_ms: null,
    avg_conversation_duration_s: null,
    peak_hours: Array.from({ length: 7 }, () => Array(24).fill(0)),
    daily: [],
    tools: [],
    countries: {},
    devices: {},
    sources: {},
    languages: {},
    environments: {},
    escalated_conversations: 0,
    escalation_rate: null,
    feedback: { positive: 0, negative: 0, neutral: 0, satisfaction_rate: null },
    tokens: { prompt: 0, completion: 0, total: 0, cost: 0 },
    costs_left_out: [],
    response_time_by_model: [],
    resolved_conversations: 0,
    resolution_rate: null,
    questions: 0,
    unanswered_questions: 0,
    unanswered_rate: null,
    fallback_answers: 0,
    top_unanswered: [],
  };
}

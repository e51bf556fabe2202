// The IPC contract between this UI and the Rapport desktop shell.
//
// Hand-written for now; these will be generated from the Rust types with
// ts-rs, so every name here is the Rust one and must not drift. Nothing but
// types lives in this file.

/** RFC 3339 in UTC, e.g. "2026-10-01T00:00:00Z". */
export type Instant = string;

export type FilterKey = 'source' | 'device' | 'language' | 'country' | 'customer_id';

export interface DashboardQuery {
  from: Instant;
  to: Instant;
  tz: string;
  filters: Partial<Record<FilterKey, string[]>>;
}

export interface DailyRow {
  date: string;
  messages: number;
  conversations: number;
  users: number;
  tokens: number;
  cost: number;
}

export interface ToolRow {
  name: string;
  count: number;
  avg_duration_ms: number | null;
  errors: number;
}

export interface Metrics {
  total_messages: number;
  user_messages: number;
  agent_messages: number;
  total_conversations: number;
  interactions: number;
  visits: number;
  unique_users: number;
  active_users: number;
  avg_user_interactions: number;
  avg_response_time_ms: number | null;
  p50_response_time_ms: number | null;
  p95_response_time_ms: number | null;
  avg_conversation_duration_s: number | null;
  /** 7 rows (Monday first) x 24 hours, in the query's zone. */
  peak_hours: number[][];
  daily: DailyRow[];
  tools: ToolRow[];
  /** ISO alpha-2 or "unknown". */
  countries: Record<string, number>;
  devices: Record<string, number>;
  sources: Record<string, number>;
  languages: Record<string, number>;
  escalated_conversations: number;
  escalation_rate: number | null;
  feedback: { positive: number; negative: number; neutral: number; satisfaction_rate: number | null };
  tokens: { prompt: number; completion: number; total: number; cost: number };
}

export type Rating = 'positive' | 'neutral' | 'negative';

export interface ModelUsage {
  model: string;
  messages: number;
  prompt: number;
  completion: number;
  cost: number;
  priced: boolean;
}

export interface LatestComment {
  conversation_id: string;
  timestamp: Instant;
  rating: Rating;
  comment: string;
}

export interface DashboardExtras {
  models: ModelUsage[];
  latest_comments: LatestComment[];
  /** Of the conversations in range, how many have an IP (for the empty-map sentence). */
  conversations_with_ip: number;
  /** Shown under the world map. */
  geo_attribution: string;
}

export interface Dashboard extends Metrics {
  previous: Metrics;
  extras: DashboardExtras;
}

/** `weekday` counts from Monday = 0, as the rows of `peak_hours` do. */
export type Drill =
  | { kind: 'day'; date: string }
  | { kind: 'hour'; weekday: number; hour: number }
  | { kind: 'tool'; name: string };

export interface ConversationsRequest {
  query: DashboardQuery;
  drill: Drill | null;
  search: string;
  sort: { key: string; desc: boolean };
  offset: number;
  limit: number;
}

export interface ConversationRow {
  conversation_id: string;
  started_at: Instant | null;
  customer_id: string | null;
  country: string;
  device: string;
  source: string;
  language: string;
  messages: number;
  duration_s: number | null;
  escalated: boolean;
  feedback: Rating | null;
}

export interface ConversationPage {
  total: number;
  rows: ConversationRow[];
}

export type Role = 'user' | 'agent' | 'system' | 'tool';

export interface MessageDetail {
  message_id: string | null;
  role: Role;
  timestamp: Instant;
  content: string | null;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost: number | null;
  response_ms: number | null;
}

export interface ActionDetail {
  action_id: string | null;
  name: string;
  started_at: Instant;
  duration_ms: number | null;
  status: string | null;
  error: boolean;
}

export interface FeedbackDetail {
  feedback_id: string | null;
  message_id: string | null;
  timestamp: Instant | null;
  rating: Rating;
  score: number | null;
  comment: string | null;
}

export interface ConversationDetail {
  conversation_id: string;
  started_at: Instant | null;
  ended_at: Instant | null;
  customer_id: string | null;
  customer_ip_address: string | null;
  country: string;
  device: string | null;
  source: string | null;
  language: string | null;
  metadata: Record<string, unknown> | null;
  messages: MessageDetail[];
  actions: ActionDetail[];
  feedback: FeedbackDetail[];
}

export interface Counts {
  conversations: number;
  messages: number;
  actions: number;
  feedback: number;
}

export interface StoredFile {
  path: string;
  format: string;
  bytes: number;
  records: number;
  rejected: number;
  imported_at: Instant;
}

export interface Status {
  store: string;
  schema_version: number;
  stored: Counts;
  first_message: Instant | null;
  last_message: Instant | null;
  files: StoredFile[];
}

export interface Progress {
  file: string;
  files_done: number;
  files_total: number;
  bytes_done: number;
  bytes_total: number;
  records: number;
  rejected: number;
}

export interface Rejection {
  where: string;
  reason: string;
}

export interface FileReport {
  path: string;
  format: string;
  records: number;
  rejected: number;
  rejections: Rejection[];
  error: string | null;
}

export interface ImportReport {
  files: FileReport[];
  stored: Counts;
  rejected: number;
  cancelled: boolean;
}

export interface Price {
  model: string;
  prompt_per_million: number;
  completion_per_million: number;
}

export type Theme = 'light' | 'dark' | 'system';

export interface Settings {
  default_zone: string | null;
  escalation_tools: string[];
  geo_database: string | null;
  prices: Price[];
  theme: Theme;
}

export interface AppError {
  code: string;
  message: string;
}

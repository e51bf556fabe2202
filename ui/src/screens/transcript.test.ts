import { describe, expect, it } from 'vitest';
import type { Transcript } from '../lib/bindings';
import { metadataText, timeline } from './transcript';

const base: Transcript = {
  conversation_id: 'c1',
  started_at: '2026-10-01T09:00:00Z',
  ended_at: '2026-10-01T09:10:00Z',
  customer_id: null,
  customer_ip_address: null,
  country: 'unknown',
  device: null,
  source: null,
  language: null,
  metadata: null,
  messages: [],
  actions: [],
  feedback: [],
};

const msg = (id: string, role: 'user' | 'agent', timestamp: string) => ({
  message_id: id,
  role,
  timestamp,
  content: id,
  model: null,
  prompt_tokens: null,
  completion_tokens: null,
  cost: null,
  foreign_cost: null,
  foreign_currency: null,
  time_unknown: false,
  response_ms: null,
});

describe('timeline', () => {
  it('interleaves messages, tool calls and feedback by time', () => {
    const items = timeline({
      ...base,
      messages: [msg('a1', 'agent', '2026-10-01T09:00:05Z'), msg('u1', 'user', '2026-10-01T09:00:00Z')],
      actions: [{ action_id: 't', name: 'search', started_at: '2026-10-01T09:00:02Z', duration_ms: 10, status: null, error: false }],
      feedback: [{ feedback_id: 'f', message_id: null, timestamp: null, rating: 'positive', score: null, comment: 'ok' }],
    });
    expect(items.map((i) => i.kind)).toEqual(['message', 'action', 'message', 'feedback']);
    expect(items[3].at, 'undated feedback sits at the end').toBe(Date.parse('2026-10-01T09:10:00Z'));
  });

  it('keeps file order for messages at the same instant', () => {
    const t = '2026-10-01T09:00:00Z';
    const items = timeline({ ...base, messages: [msg('first', 'user', t), msg('second', 'agent', t)] });
    expect(items.map((i) => (i.kind === 'message' ? i.message.message_id : ''))).toEqual(['first', 'second']);
  });
});

describe('metadataText', () => {
  it('shows strings as they are and other values as JSON', () => {
    expect(metadataText('pro')).toBe('pro');
    expect(metadataText(3)).toBe('3');
    expect(metadataText({ a: [1] })).toBe('{"a":[1]}');
    expect(metadataText(null)).toBe('—');
  });
});

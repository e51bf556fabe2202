import { describe, expect, it } from 'vitest';
import type { DashboardView } from '../lib/bindings';
import { emptyMetrics } from '../lib/emptyMetrics';
import { shapeKpis } from './kpis';
import { HEADLINE_CARDS } from '../lib/generated/headlineCards';

function dashboard(): DashboardView {
  const now = {
    ...emptyMetrics(),
    total_messages: 1204,
    user_messages: 600,
    agent_messages: 604,
    total_conversations: 300,
    interactions: 250,
    visits: 50,
    avg_response_time_ms: 2300,
    p50_response_time_ms: 1800,
    p95_response_time_ms: 6100,
    escalated_conversations: 30,
    escalation_rate: 0.12,
    feedback: { positive: 30, negative: 10, neutral: 5, satisfaction_rate: 0.75 },
    tokens: { prompt: 1000, completion: 500, total: 1500, cost: 1.5 },
  };
  const before = { ...emptyMetrics(), total_messages: 1000, avg_response_time_ms: 2000, escalation_rate: 0.1, tokens: { prompt: 0, completion: 0, total: 0, cost: 2 } };
  return {
    ...now,
    previous: before,
    extras: { models: [], latest_comments: [], conversations_with_ip: 0, geo_attribution: '' },
    cards: HEADLINE_CARDS.map((c) => c.key),
  };
}

describe('headline cards', () => {
  const cards = Object.fromEntries(shapeKpis(dashboard(), 'previous', 'en-US').map((c) => [c.key, c]));

  it('has the cards the end-to-end tests look for, in order', () => {
    expect(Object.keys(cards)).toEqual([
      'total_messages',
      'total_conversations',
      'interactions',
      'unique_users',
      'active_users',
      'avg_user_interactions',
      'avg_response_time_ms',
      'avg_conversation_duration_s',
      'escalation_rate',
      'satisfaction_rate',
      'total_tokens',
      'cost',
      'resolution_rate',
      'unanswered_questions',
    ]);
  });

  it('keeps the exact value and formats the text', () => {
    expect(cards.total_messages).toMatchObject({ value: 1204, text: '1,204', detail: '600 from users · 604 from the agent' });
    expect(cards.interactions.detail).toBe('50 visits without a message');
    expect(cards.avg_response_time_ms).toMatchObject({ value: 2300, text: '2.3 s' });
    expect(cards.avg_response_time_ms.hover).toBe('Half of replies within 1.8 s · 95% within 6.1 s');
    expect(cards.cost.text).toBe('$1.50');
  });

  it('says under the cost which costs in another currency were left out', () => {
    expect(cards.cost.detail).toBeNull();
    const note = '2 messages priced in RMB (0.03 RMB) are not in this total: set a rate in Settings';
    const view = dashboard();
    view.costs_left_out = [{ currency: 'RMB', messages: 2, amount: 0.03, note }];
    const cost = shapeKpis(view, 'none', 'en-US').find((c) => c.key === 'cost');
    expect(cost?.detail).toBe(note);
  });

  it('leaves a missing value empty instead of zero', () => {
    expect(cards.avg_conversation_duration_s).toMatchObject({ value: null, text: '—', delta: null });
  });

  it('colours a change by whether it is good news', () => {
    expect(cards.total_messages.delta).toEqual({ direction: 'up', text: '+20%', tone: 'good' });
    expect(cards.avg_response_time_ms.delta).toEqual({ direction: 'up', text: '+15%', tone: 'bad' });
    expect(cards.escalation_rate.delta).toEqual({ direction: 'up', text: '+2 pp', tone: 'bad' });
    expect(cards.cost.delta).toEqual({ direction: 'down', text: '-25%', tone: 'good' });
    expect(cards.total_tokens.delta?.tone).toBe('neutral');
  });

  it('shows no change when comparison is off', () => {
    const off = shapeKpis(dashboard(), 'none', 'en-US');
    expect(off.every((c) => c.delta === null && c.previousText === null)).toBe(true);
  });
});

describe('headline cards against another segment', () => {
  it('sets each card beside its value in the other segment', () => {
    const d = dashboard();
    const segment = { ...d, total_messages: 800, escalation_rate: 0.2 };
    const cards = Object.fromEntries(shapeKpis({ ...d, segment }, 'segment', 'en-US').map((c) => [c.key, c]));
    expect(cards.total_messages.previousText).toBe('other segment 800');
    expect(cards.total_messages.delta).toEqual({ direction: 'up', text: '+51%', tone: 'good' });
    expect(cards.escalation_rate.delta?.direction).toBe('down');
  });

  it('shows the cards the engine lists, in its order', () => {
    const d = { ...dashboard(), cards: ['cost', 'total_messages'] };
    expect(shapeKpis(d, 'none', 'en-US').map((c) => c.key)).toEqual(['cost', 'total_messages']);
  });
});

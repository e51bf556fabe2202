import { describe, expect, it } from 'vitest';
import { COLUMNS, drillTitle } from './conversations';

describe('conversations list', () => {
  it('names each drill in a sentence', () => {
    expect(drillTitle({ kind: 'day', date: '2026-10-03' }, 'en-US')).toBe('Conversations with messages on Oct 3, 2026');
    expect(drillTitle({ kind: 'hour', weekday: 1, hour: 14 }, 'en-US')).toBe(
      'Conversations with messages on Tuesdays, 14:00–15:00',
    );
    expect(drillTitle({ kind: 'tool', name: 'open_ticket' })).toBe('Conversations that called open_ticket');
    expect(drillTitle({ kind: 'unanswered', question: 'can i pay by cheque' })).toBe(
      'Asked and not answered: “can i pay by cheque”',
    );
    expect(drillTitle({ kind: 'unresolved' })).toBe('With a question not answered');
    expect(drillTitle({ kind: 'resolved' })).toBe('Resolved by the agent');
  });

  it('sorts by the ten columns the brief names', () => {
    expect(COLUMNS.map((c) => c.key)).toEqual([
      'started_at',
      'customer_id',
      'country',
      'device',
      'source',
      'language',
      'messages',
      'duration_s',
      'escalated',
      'feedback',
    ]);
  });
});

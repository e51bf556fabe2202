// A conversation's messages, tool calls and feedback as one timeline, in
// the order they happened.

import type { DetailAction, DetailFeedback, Transcript, TranscriptMessage } from '../lib/bindings';

export type TimelineItem =
  | { kind: 'message'; at: number; message: TranscriptMessage }
  | { kind: 'action'; at: number; action: DetailAction }
  | { kind: 'feedback'; at: number; feedback: DetailFeedback };

const ORDER = { message: 0, action: 1, feedback: 2 } as const;

export function timeline(c: Transcript): TimelineItem[] {
  const end = c.ended_at ? Date.parse(c.ended_at) : Number.POSITIVE_INFINITY;
  const items: TimelineItem[] = [
    ...c.messages.map((message) => ({ kind: 'message' as const, at: Date.parse(message.timestamp), message })),
    ...c.actions.map((action) => ({ kind: 'action' as const, at: Date.parse(action.started_at), action })),
    // Undated feedback belongs at the end of the conversation.
    ...c.feedback.map((feedback) => ({
      kind: 'feedback' as const,
      at: feedback.timestamp ? Date.parse(feedback.timestamp) : end,
      feedback,
    })),
  ];
  // A stable sort keeps the file order of things that happened at the same
  // moment; at equal times a message comes before the tool call it led to.
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => a.item.at - b.item.at || ORDER[a.item.kind] - ORDER[b.item.kind] || a.index - b.index)
    .map(({ item }) => item);
}

/** Metadata values as text, whatever JSON type they came as. */
export function metadataText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

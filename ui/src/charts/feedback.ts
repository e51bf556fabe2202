// Conversation Feedback: positive, neutral and negative ratings as one
// split bar, with satisfaction = positive ÷ (positive + negative).

import type { Metrics, Rating } from '../lib/bindings';

export interface FeedbackSegment {
  rating: Rating;
  label: string;
  count: number;
  share: number;
}

export interface FeedbackSplit {
  segments: FeedbackSegment[];
  total: number;
  satisfaction: number | null;
  empty: string | null;
}

export const RATING_LABELS: Record<Rating, string> = {
  positive: 'Positive',
  neutral: 'Neutral',
  negative: 'Negative',
};

export function shapeFeedback(feedback: Metrics['feedback']): FeedbackSplit {
  const total = feedback.positive + feedback.neutral + feedback.negative;
  const segments = (['positive', 'neutral', 'negative'] as const).map((rating) => ({
    rating,
    label: RATING_LABELS[rating],
    count: feedback[rating],
    share: total ? feedback[rating] / total : 0,
  }));
  return {
    segments,
    total,
    satisfaction: feedback.satisfaction_rate,
    empty: total === 0 ? 'No feedback was given in this period.' : null,
  };
}

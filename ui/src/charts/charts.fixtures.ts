// Small hand-made inputs shared by the chart shaping tests.

import type { DailyRow } from '../lib/bindings';

export const day = (date: string, messages: number, conversations: number, tokens = 0, cost = 0): DailyRow => ({
  date,
  messages,
  conversations,
  users: 0,
  tokens,
  cost,
});

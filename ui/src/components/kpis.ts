// The headline cards: which metric each shows, its label, unit, which way
// is good news and the sentence behind its ⓘ come from the engine
// (rapport::metrics::HEADLINE_CARDS, generated). Here: how each unit is
// written in the person's locale, and the lines under some of the numbers.

import type { DashboardView, Metrics } from '../lib/bindings';
import type { Comparison } from '../lib/query/state';
import { HEADLINE_CARDS } from '../lib/generated/headlineCards';
import type { HeadlineCard } from '../lib/generated/HeadlineCard';
import type { Unit } from '../lib/generated/Unit';
import {
  type Delta,
  delta,
  formatCount,
  formatDecimal,
  formatDuration,
  formatMoney,
  formatPercent,
} from '../lib/format';

type Line = (m: Metrics, locale?: string) => string | null;

/** A number written as its unit is, in the person's locale; '—' when there is none. */
function formatted(unit: Unit, v: number | null, locale?: string): string {
  switch (unit) {
    case 'count':
      return v === null ? '—' : formatCount(v, locale);
    case 'decimal':
      return v === null ? '—' : formatDecimal(v, 1, locale, 1);
    case 'duration_ms':
      return formatDuration(v, locale);
    case 'duration_s':
      return formatDuration(v === null ? null : v * 1000, locale);
    case 'rate':
      return formatPercent(v, locale);
    case 'money':
      return v === null ? '—' : formatMoney(v, locale);
  }
}

/** The card's number, read where the engine says it is (`key` or `object.key`). */
function valueOf(card: HeadlineCard, m: Metrics): number | null {
  const at = card.field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | null)?.[k], m);
  return typeof at === 'number' ? at : null;
}

/** A second line under the number, by card key. */
const DETAIL: Record<string, Line> = {
  total_messages: (m, l) => `${formatCount(m.user_messages, l)} from users · ${formatCount(m.agent_messages, l)} from the agent`,
  interactions: (m, l) => `${formatCount(m.visits, l)} ${m.visits === 1 ? 'visit' : 'visits'} without a message`,
  escalation_rate: (m, l) => `${formatCount(m.escalated_conversations, l)} escalated`,
  satisfaction_rate: (m, l) => `${formatCount(m.feedback.positive, l)} positive · ${formatCount(m.feedback.negative, l)} negative`,
  total_tokens: (m, l) => `${formatCount(m.tokens.prompt, l)} prompt · ${formatCount(m.tokens.completion, l)} completion`,
  // Costs in another currency without an exchange rate: the engine's sentence, per currency.
  cost: (m) => (m.costs_left_out.length === 0 ? null : m.costs_left_out.map((c) => c.note).join(' · ')),
};

/** Shown only while the card is hovered or focused, by card key. */
const HOVER: Record<string, Line> = {
  avg_response_time_ms: (m, l) =>
    m.p50_response_time_ms === null
      ? null
      : `Half of replies within ${formatDuration(m.p50_response_time_ms, l)} · 95% within ${formatDuration(m.p95_response_time_ms, l)}`,
};

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
  /** "was 1,204" or "other segment 1,336": what the delta compares with. */
  previousText: string | null;
  /** Shown beside the delta: the other segment's number, when comparing segments. */
  against: string | null;
  /** That number exactly, for `data-value`. */
  againstValue: number | null;
}

/**
 * The cards the engine says to show (the store's layout), in its order, each
 * set against the previous period or the other segment as the query compares.
 */
export function shapeKpis(dashboard: DashboardView, comparison: Comparison, locale?: string): KpiCard[] {
  const other = comparison === 'previous' ? dashboard.previous : comparison === 'segment' ? dashboard.segment : null;
  const byKey = new Map(HEADLINE_CARDS.map((card) => [card.key, card]));
  const shown = dashboard.cards.flatMap((key) => byKey.get(key) ?? []);
  return shown.map((card) => {
    const value = valueOf(card, dashboard);
    const before = other ? valueOf(card, other) : null;
    const kind = card.unit === 'rate' ? 'points' : 'relative';
    const written = formatted(card.unit, before, locale);
    return {
      key: card.key,
      label: card.label,
      info: card.info,
      value,
      text: formatted(card.unit, value, locale),
      detail: DETAIL[card.key]?.(dashboard, locale) ?? null,
      hover: HOVER[card.key]?.(dashboard, locale) ?? null,
      delta: other ? delta(value, before, { kind, better: card.better }, locale) : null,
      previousText: other ? (comparison === 'segment' ? `other segment ${written}` : `was ${written}`) : null,
      against: other && comparison === 'segment' ? `vs ${written}` : null,
      againstValue: other && comparison === 'segment' ? before : null,
    };
  });
}

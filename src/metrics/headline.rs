//! The dashboard's headline cards, defined once: which number each shows,
//! its label, its unit, which way a change is good news, and the sentence
//! behind its ⓘ. The report draws them from here; the UI receives them as
//! `ui/src/lib/generated/headlineCards.ts`, written by `scripts/bindings.sh`.
//! How each card formats its number and what it says under it stays with
//! whoever draws it (the report in ASCII for its font, the UI in the
//! person's locale).

use super::Metrics;
use serde::Serialize;

/// What a card's number measures, which decides how it is written and how
/// its change is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Unit {
    /// A whole number of things.
    Count,
    /// An average of counts, written with one decimal.
    Decimal,
    /// Milliseconds.
    DurationMs,
    /// Seconds.
    DurationS,
    /// A share from 0 to 1; its change is told in percentage points.
    Rate,
    /// US dollars.
    Money,
}

impl Unit {
    /// Rates change in percentage points; every other number in percent.
    pub fn changes_in_points(self) -> bool {
        self == Unit::Rate
    }
}

/// Which way a change is good news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Better {
    Higher,
    Lower,
    /// Neither: more tokens are neither good nor bad news.
    Neutral,
}

/// One headline card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct HeadlineCard {
    /// The card's name: its metric key, or `satisfaction_rate`,
    /// `total_tokens` and `cost` for those inside `feedback` and `tokens`.
    /// The end-to-end tests find a card by it (`kpi-{key}`).
    pub key: &'static str,
    /// Where its number is in [`Metrics`] as JSON: a key, or `object.key`.
    pub field: &'static str,
    pub label: &'static str,
    pub unit: Unit,
    pub better: Better,
    /// The plain sentence behind the card's ⓘ.
    pub info: &'static str,
}

impl HeadlineCard {
    /// The card's number in `m`, `None` when it has none (no reply, no rating).
    pub fn value(&self, m: &Metrics) -> Option<f64> {
        let n = |x: u64| Some(x as f64);
        match self.field {
            "total_messages" => n(m.total_messages),
            "total_conversations" => n(m.total_conversations),
            "interactions" => n(m.interactions),
            "unique_users" => n(m.unique_users),
            "active_users" => n(m.active_users),
            "avg_user_interactions" => Some(m.avg_user_interactions),
            "avg_response_time_ms" => m.avg_response_time_ms,
            "avg_conversation_duration_s" => m.avg_conversation_duration_s,
            "escalation_rate" => m.escalation_rate,
            "feedback.satisfaction_rate" => m.feedback.satisfaction_rate,
            "tokens.total" => Some(m.tokens.total as f64),
            "tokens.cost" => Some(m.tokens.cost),
            // Absent where the store cannot count Insights yet (ClickHouse).
            "resolution_rate" => m.insights.0.as_ref().and_then(|i| i.resolution_rate),
            "unanswered_questions" => m.insights.0.as_ref().map(|i| i.unanswered_questions as f64),
            other => unreachable!("HEADLINE_CARDS names a field value() does not read: {other}"),
        }
    }
}

const fn card(
    key: &'static str,
    field: &'static str,
    label: &'static str,
    unit: Unit,
    better: Better,
    info: &'static str,
) -> HeadlineCard {
    HeadlineCard { key, field, label, unit, better, info }
}

/// The fourteen cards, in the order they are shown.
pub const HEADLINE_CARDS: [HeadlineCard; 14] = [
    card(
        "total_messages",
        "total_messages",
        "Total Messages",
        Unit::Count,
        Better::Higher,
        "Every message sent in the period, by users and by the agent.",
    ),
    card(
        "total_conversations",
        "total_conversations",
        "Total Conversations",
        Unit::Count,
        Better::Higher,
        "Conversations that started in the period, including visits where nobody wrote anything.",
    ),
    card(
        "interactions",
        "interactions",
        "Unique Interactions",
        Unit::Count,
        Better::Higher,
        "Conversations started in the period in which the user wrote at least one message; the others are visits.",
    ),
    card(
        "unique_users",
        "unique_users",
        "Individual Users",
        Unit::Count,
        Better::Higher,
        "Different customers (by customer ID) whose conversations started in the period; anonymous conversations are not counted.",
    ),
    card(
        "active_users",
        "active_users",
        "Active Users",
        Unit::Count,
        Better::Higher,
        "Customers who got at least two answers from the agent in the period.",
    ),
    card(
        "avg_user_interactions",
        "avg_user_interactions",
        "Average User Interactions",
        Unit::Decimal,
        Better::Higher,
        "How many question-and-answer exchanges a conversation had on average, counting conversations with at least one answer in the period.",
    ),
    card(
        "avg_response_time_ms",
        "avg_response_time_ms",
        "Average Agent Response Time",
        Unit::DurationMs,
        Better::Lower,
        "The average time between a user's message and the agent's reply, for replies sent in the period.",
    ),
    card(
        "avg_conversation_duration_s",
        "avg_conversation_duration_s",
        "Average Conversation Duration",
        Unit::DurationS,
        Better::Lower,
        "The average time from the start to the end of a conversation, over conversations started in the period in which the user wrote something.",
    ),
    card(
        "escalation_rate",
        "escalation_rate",
        "Human Escalation Rate",
        Unit::Rate,
        Better::Lower,
        "The share of conversations with user messages that were handed to a person, because the agent called an escalation tool.",
    ),
    card(
        "satisfaction_rate",
        "feedback.satisfaction_rate",
        "Satisfaction",
        Unit::Rate,
        Better::Higher,
        "Positive ratings divided by positive plus negative ratings given in the period; neutral ratings do not count.",
    ),
    card(
        "total_tokens",
        "tokens.total",
        "Token Usage",
        Unit::Count,
        Better::Neutral,
        "Prompt plus completion tokens of the messages sent in the period.",
    ),
    card(
        "cost",
        "tokens.cost",
        "Cost",
        Unit::Money,
        Better::Lower,
        "What the messages sent in the period cost, in US dollars, as recorded in the logs or priced from your price table.",
    ),
    card(
        "resolution_rate",
        "resolution_rate",
        "Resolution Rate",
        Unit::Rate,
        Better::Higher,
        "The share of conversations with user messages that the agent resolved on its own: no escalation tool called and no negative feedback, at any time.",
    ),
    card(
        "unanswered_questions",
        "unanswered_questions",
        "Unanswered Questions",
        Unit::Count,
        Better::Lower,
        "Questions asked in the period (a user's last message before the agent speaks) that got no answer, or an answer with a fallback phrase such as \"I don't know\" (set in Settings).",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{compute, FactsBuilder, Filters, Query, Settings};

    /// `field` is what the UI reads the number by; `value` is what the
    /// report reads: the two must agree for every card.
    #[test]
    fn each_card_reads_the_field_it_names() {
        let query = Query::new(crate::model::Micros(0), crate::model::Micros(1), "UTC", Filters::default()).unwrap();
        let mut m = compute(&FactsBuilder::new(&[]).finish(), &query, &Settings::default());
        m.total_messages = 1;
        m.total_conversations = 2;
        m.interactions = 3;
        m.unique_users = 4;
        m.active_users = 5;
        m.avg_user_interactions = 6.0;
        m.avg_response_time_ms = Some(7.0);
        m.avg_conversation_duration_s = Some(8.0);
        m.escalation_rate = Some(0.9);
        m.feedback.satisfaction_rate = Some(0.1);
        m.tokens.total = 11;
        m.tokens.cost = 12.0;
        m.insights = crate::metrics::MaybeInsights(Some(crate::metrics::Insights {
            resolved_conversations: 2,
            resolution_rate: Some(0.13),
            questions: 20,
            unanswered_questions: 14,
            unanswered_rate: Some(0.7),
            fallback_answers: 1,
            top_unanswered: Vec::new(),
        }));
        let json = serde_json::to_value(&m).unwrap();
        for card in HEADLINE_CARDS {
            let at = card.field.split('.').fold(&json, |v, k| &v[k]);
            assert_eq!(at.as_f64(), card.value(&m), "card {} reads {} as the JSON has it", card.key, card.field);
        }
    }
}

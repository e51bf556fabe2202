//! What the report says about its numbers: the headline cards (the
//! dashboard's, [`HEADLINE_CARDS`], with the change against the previous
//! period) written as the report writes them, and the plain-words appendix
//! of docs/metrics.md.

use super::format;
use crate::metrics::{Dashboard, HeadlineCard, Metrics, Unit};
use crate::settings::CardLayout;

pub struct Headline {
    /// The card's key ([`HEADLINE_CARDS`]).
    pub key: &'static str,
    pub label: &'static str,
    /// The exact number, for a reader (or a test) to check against `rapport metrics`.
    pub value: Option<f64>,
    pub text: String,
    pub detail: Option<String>,
    /// "+12.3% vs 1,034", or "no earlier data".
    pub change: String,
    /// Against the query's second segment, when it has one:
    /// "+12.3% vs 1,336 in the other segment".
    pub segment: Option<String>,
}

fn count(x: f64) -> String {
    format::count(x.round() as u64)
}

/// A number written as the report writes its unit.
fn formatted(unit: Unit, x: f64) -> String {
    match unit {
        Unit::Count => count(x),
        Unit::Decimal => format::decimal(x, 1),
        Unit::DurationMs => format::duration_ms(x),
        Unit::DurationS => format::duration_ms(x * 1000.0),
        Unit::Rate => format::percent(x),
        Unit::Money => format::money(x),
    }
}

/// The line the report writes under a card's number, when it has one.
fn detail(card: &HeadlineCard, m: &Metrics) -> Option<String> {
    Some(match card.key {
        "total_messages" => format!(
            "{} from users · {} from the agent",
            format::count(m.user_messages),
            format::count(m.agent_messages)
        ),
        "interactions" => format!("{} visits without a message", format::count(m.visits)),
        "avg_response_time_ms" => match (m.p50_response_time_ms, m.p95_response_time_ms) {
            (Some(a), Some(b)) => {
                format!("half within {} · 95% within {}", format::duration_ms(a), format::duration_ms(b))
            }
            _ => "no replies in this period".to_owned(),
        },
        "escalation_rate" => format!("{} escalated", format::count(m.escalated_conversations)),
        "satisfaction_rate" => {
            format!("{} positive · {} negative", format::count(m.feedback.positive), format::count(m.feedback.negative))
        }
        "total_tokens" => format!(
            "{} prompt · {} completion",
            format::short(m.tokens.prompt as f64),
            format::short(m.tokens.completion as f64)
        ),
        "cost" if !m.costs_left_out.is_empty() => {
            let parts: Vec<String> = m
                .costs_left_out
                .iter()
                .map(|c| {
                    let n = format::count(c.messages);
                    format!("{n} {} in {}", if c.messages == 1 { "message" } else { "messages" }, c.currency)
                })
                .collect();
            format!("without {} (no rate set)", parts.join(", "))
        }
        _ => return None,
    })
}

/// The sentences the report writes under its headline numbers when costs
/// in another currency were left out of the cost (`costs_left_out`).
pub fn cost_notes(m: &Metrics) -> Vec<&str> {
    m.costs_left_out.iter().map(|c| c.note.as_str()).collect()
}

fn change(card: &HeadlineCard, now: Option<f64>, before: Option<f64>) -> String {
    let was = before.map_or_else(|| "—".to_owned(), |x| formatted(card.unit, x));
    match (now, before) {
        (Some(a), Some(b)) if card.unit.changes_in_points() => {
            let d = (a - b) * 100.0;
            format!("{}{} pts vs {was}", sign(d), size(d))
        }
        (Some(a), Some(b)) if b != 0.0 => {
            let d = (a - b) / b.abs() * 100.0;
            format!("{}{}% vs {was}", sign(d), size(d))
        }
        (Some(0.0), Some(_)) => "no change vs 0".to_owned(),
        (Some(_), Some(_)) => "new: 0 before".to_owned(),
        _ => format!("vs {was}"),
    }
}

/// How large a change is, to one decimal; a change no real period has (from
/// an old store's absurd values) stays short: "1.2M", "—".
fn size(d: f64) -> String {
    if d.abs() < 1e4 {
        format!("{:.1}", d.abs())
    } else {
        format::short(d.abs())
    }
}

fn sign(d: f64) -> &'static str {
    if d > 0.0005 {
        "+"
    } else if d < -0.0005 {
        // ASCII: the bundled Noto Sans has no U+2212 minus sign.
        "-"
    } else {
        "±"
    }
}

/// The headline cards of a dashboard, as the person's layout arranges them.
pub fn headlines(dashboard: &Dashboard, layout: &CardLayout) -> Vec<Headline> {
    let (current, previous) = (&dashboard.current, dashboard.previous.as_ref());
    layout
        .arrange()
        .into_iter()
        .map(|card| {
            let value = card.value(current);
            Headline {
                key: card.key,
                label: card.label,
                value,
                text: value.map_or_else(|| "—".to_owned(), |x| formatted(card.unit, x)),
                detail: detail(card, current),
                change: change(card, value, previous.and_then(|p| card.value(p))),
                segment: dashboard
                    .segment
                    .as_ref()
                    .map(|s| format!("{} in the other segment", change(card, value, card.value(s)))),
            }
        })
        .collect()
}

/// The appendix: each number in one or two plain sentences (METRICS.md).
pub const APPENDIX: [(&str, &str); 15] = [
    ("Period and time zone", "Everything counts what happened from the start of the period up to, not including, its end. Days and hours are those of the report's time zone, summer time included. The comparison period is the one of the same length just before."),
    ("Filters", "A filter keeps the conversations whose source, device, language, country or customer matches; several values of one filter are alternatives, different filters must all match. Messages, tool calls and feedback count when their conversation is kept."),
    ("Total Messages", "Every message sent in the period, by users and by the agent."),
    ("Total Conversations", "Conversations that started in the period, including visits where nobody wrote anything."),
    ("Unique Interactions", "Conversations started in the period in which the user wrote at least one message (at any time); the others are visits."),
    ("Individual Users", "Different customers (by customer ID) whose conversations started in the period; anonymous conversations are not counted."),
    ("Active Users", "Customers who got at least two answers from the agent in the period, over all their conversations."),
    ("Average User Interactions", "How many question-and-answer exchanges a conversation had on average, counting conversations with at least one answer in the period. An exchange is a user message answered by the agent's next message."),
    ("Average Agent Response Time", "The average time between a user's message and the agent's reply, for replies sent in the period; when a user writes several messages in a row, the last one counts. \"Half within\" and \"95% within\" are the median and the 95th percentile."),
    ("Average Conversation Duration", "The average time from the start to the end of a conversation, over conversations started in the period in which the user wrote something; without a recorded end, its last message or tool call ends it."),
    ("Human Escalation Rate", "The share of conversations with user messages that were handed to a person, because the agent called an escalation tool (fallback_to_human, open_ticket, ticket or contact_human, or those set in the app)."),
    ("Satisfaction and feedback", "Positive ratings divided by positive plus negative ratings given in the period; neutral ratings do not count. The latest comments are the newest feedback with a comment."),
    ("Resolution and unanswered questions", "A conversation with user messages is resolved when no escalation tool was called and no negative feedback given, at any time. A question is a user's last message before the agent speaks; it is unanswered when no answer follows, or the answer says a fallback phrase such as \"I don't know\" (the phrases are set in the app)."),
    ("Tokens and cost", "Prompt plus completion tokens of the messages sent in the period, and what they cost in US dollars, as recorded in the logs or priced from the app's price table."),
    ("Charts", "Peak hours count messages by weekday and hour. Countries come from each conversation's IP address (\"unknown\" when there is none or it cannot be placed); devices, sources and languages count conversations started in the period. Tool usage counts calls started in the period, with the average of the known durations."),
];

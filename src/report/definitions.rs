//! What the report says about its numbers: the headline cards (the same
//! twelve as the dashboard's, with the change against the previous period)
//! and the plain-words appendix, from spec/METRICS.md.

use super::format;
use crate::metrics::Metrics;

/// Which way a change is good news; a report says "up"/"down" only, but the
/// word helps a reader of the appendix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Percent of the previous value.
    Relative,
    /// Rates change in percentage points.
    Points,
}

pub struct Headline {
    /// The METRICS.md key (or `satisfaction_rate`, `total_tokens`, `cost`).
    pub key: &'static str,
    pub label: &'static str,
    /// The exact number, for a reader (or a test) to check against `rapport metrics`.
    pub value: Option<f64>,
    pub text: String,
    pub detail: Option<String>,
    /// "+12.3% vs 1,034", or "no earlier data".
    pub change: String,
}

struct Def {
    key: &'static str,
    label: &'static str,
    value: fn(&Metrics) -> Option<f64>,
    format: fn(f64) -> String,
    change: Change,
    detail: Option<fn(&Metrics) -> String>,
}

fn n(x: u64) -> Option<f64> {
    Some(x as f64)
}

fn count(x: f64) -> String {
    format::count(x.round() as u64)
}

const DEFS: [Def; 12] = [
    Def {
        key: "total_messages",
        label: "Total Messages",
        value: |m| n(m.total_messages),
        format: count,
        change: Change::Relative,
        detail: Some(|m| {
            format!(
                "{} from users · {} from the agent",
                format::count(m.user_messages),
                format::count(m.agent_messages)
            )
        }),
    },
    Def {
        key: "total_conversations",
        label: "Total Conversations",
        value: |m| n(m.total_conversations),
        format: count,
        change: Change::Relative,
        detail: None,
    },
    Def {
        key: "interactions",
        label: "Unique Interactions",
        value: |m| n(m.interactions),
        format: count,
        change: Change::Relative,
        detail: Some(|m| format!("{} visits without a message", format::count(m.visits))),
    },
    Def {
        key: "unique_users",
        label: "Individual Users",
        value: |m| n(m.unique_users),
        format: count,
        change: Change::Relative,
        detail: None,
    },
    Def {
        key: "active_users",
        label: "Active Users",
        value: |m| n(m.active_users),
        format: count,
        change: Change::Relative,
        detail: None,
    },
    Def {
        key: "avg_user_interactions",
        label: "Average User Interactions",
        value: |m| Some(m.avg_user_interactions),
        format: |x| format::decimal(x, 1),
        change: Change::Relative,
        detail: None,
    },
    Def {
        key: "avg_response_time_ms",
        label: "Average Agent Response Time",
        value: |m| m.avg_response_time_ms,
        format: format::duration_ms,
        change: Change::Relative,
        detail: Some(|m| match (m.p50_response_time_ms, m.p95_response_time_ms) {
            (Some(a), Some(b)) => {
                format!("half within {} · 95% within {}", format::duration_ms(a), format::duration_ms(b))
            }
            _ => "no replies in this period".to_owned(),
        }),
    },
    Def {
        key: "avg_conversation_duration_s",
        label: "Average Conversation Duration",
        value: |m| m.avg_conversation_duration_s,
        format: |s| format::duration_ms(s * 1000.0),
        change: Change::Relative,
        detail: None,
    },
    Def {
        key: "escalation_rate",
        label: "Human Escalation Rate",
        value: |m| m.escalation_rate,
        format: format::percent,
        change: Change::Points,
        detail: Some(|m| format!("{} escalated", format::count(m.escalated_conversations))),
    },
    Def {
        key: "satisfaction_rate",
        label: "Satisfaction",
        value: |m| m.feedback.satisfaction_rate,
        format: format::percent,
        change: Change::Points,
        detail: Some(|m| {
            format!("{} positive · {} negative", format::count(m.feedback.positive), format::count(m.feedback.negative))
        }),
    },
    Def {
        key: "total_tokens",
        label: "Token Usage",
        value: |m| Some(m.tokens.total as f64),
        format: count,
        change: Change::Relative,
        detail: Some(|m| {
            format!(
                "{} prompt · {} completion",
                format::short(m.tokens.prompt as f64),
                format::short(m.tokens.completion as f64)
            )
        }),
    },
    Def {
        key: "cost",
        label: "Cost",
        value: |m| Some(m.tokens.cost),
        format: format::money,
        change: Change::Relative,
        detail: None,
    },
];

fn change(def: &Def, now: Option<f64>, before: Option<f64>) -> String {
    let was = before.map_or_else(|| "—".to_owned(), def.format);
    match (now, before) {
        (Some(a), Some(b)) if def.change == Change::Points => {
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

pub fn headlines(current: &Metrics, previous: &Metrics) -> Vec<Headline> {
    DEFS.iter()
        .map(|d| {
            let value = (d.value)(current);
            Headline {
                key: d.key,
                label: d.label,
                value,
                text: value.map_or_else(|| "—".to_owned(), d.format),
                detail: d.detail.map(|f| f(current)),
                change: change(d, value, (d.value)(previous)),
            }
        })
        .collect()
}

/// The appendix: each number in one or two plain sentences (METRICS.md).
pub const APPENDIX: [(&str, &str); 14] = [
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
    ("Tokens and cost", "Prompt plus completion tokens of the messages sent in the period, and what they cost in US dollars, as recorded in the logs or priced from the app's price table."),
    ("Charts", "Peak hours count messages by weekday and hour. Countries come from each conversation's IP address (\"unknown\" when there is none or it cannot be placed); devices, sources and languages count conversations started in the period. Tool usage counts calls started in the period, with the average of the known durations."),
];

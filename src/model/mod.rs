//! The four records of docs/format.md, after validation.
//!
//! Everything past the importer's `normalize` step speaks these types: a role
//! is a [`Role`], a time is a [`Micros`], and no code checks a raw string again.

mod time;

pub use time::{
    format_rfc3339, is_numeric as is_numeric_text, parse_timestamp, parse_timestamp_integer, parse_timestamp_number,
    Micros, TimestampError,
};

use serde::Serialize;

/// Who wrote a message. `system` and `tool` messages are kept but are neither side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Agent,
    System,
    Tool,
}

impl Role {
    /// Reads a role or one of its aliases, in any case.
    pub fn parse(text: &str) -> Option<Role> {
        match text.to_lowercase().as_str() {
            "user" | "human" | "customer" => Some(Role::User),
            "agent" | "assistant" | "bot" | "ai" => Some(Role::Agent),
            "system" => Some(Role::System),
            "tool" => Some(Role::Tool),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Agent => "agent",
            Role::System => "system",
            Role::Tool => "tool",
        }
    }

    /// The side that takes part in exchanges: system and tool messages share one,
    /// which is also why they share an identity when they have no `message_id`.
    pub fn side(self) -> Side {
        match self {
            Role::User => Side::User,
            Role::Agent => Side::Agent,
            Role::System | Role::Tool => Side::Neither,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    User,
    Agent,
    Neither,
}

/// What a piece of feedback says, after aliases and scores are mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Positive,
    Neutral,
    Negative,
}

impl Rating {
    /// A rating word or alias (`like`, `thumbs_down`, `1`, ...), any case.
    pub fn parse(text: &str) -> Option<Rating> {
        match text.trim().to_lowercase().as_str() {
            "positive" | "like" | "up" | "thumbs_up" | "1" => Some(Rating::Positive),
            "negative" | "dislike" | "down" | "thumbs_down" | "0" => Some(Rating::Negative),
            "neutral" => Some(Rating::Neutral),
            _ => None,
        }
    }

    /// A 1–5 score: 4 and up is positive, 2 and down negative, the rest neutral.
    pub fn from_score(score: f64) -> Rating {
        if score >= 4.0 {
            Rating::Positive
        } else if score <= 2.0 {
            Rating::Negative
        } else {
            Rating::Neutral
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Positive => "positive",
            Rating::Neutral => "neutral",
            Rating::Negative => "negative",
        }
    }

    pub fn from_str_opt(text: &str) -> Option<Rating> {
        match text {
            "positive" => Some(Rating::Positive),
            "neutral" => Some(Rating::Neutral),
            "negative" => Some(Rating::Negative),
            _ => None,
        }
    }
}

/// A `conversation` line: every field but the id may be absent, and a later
/// line's present fields replace an earlier one's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    pub conversation_id: String,
    pub started_at: Option<Micros>,
    pub ended_at: Option<Micros>,
    pub customer_id: Option<String>,
    pub customer_ip_address: Option<String>,
    pub device: Option<String>,
    pub source: Option<String>,
    pub language: Option<String>,
    /// A JSON object, merged key by key with what the store already holds.
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// What stands for a message's content in its identity: a 128-bit hash
/// (XXH3), so that the identity never repeats a long text. The store's
/// migration 3 gives older identities the same form.
pub fn content_key(content: Option<&str>) -> String {
    format!("#{:032x}", xxhash_rust::xxh3::xxh3_128(content.unwrap_or("").as_bytes()))
}

/// Holds metadata to [`crate::limits::MAX_METADATA_BYTES`] of JSON text:
/// keys are kept in order while they fit, the others are left out and the
/// key `_left_out` says how many, so that nothing is dropped unsaid.
pub fn bound_metadata(map: &mut serde_json::Map<String, serde_json::Value>) {
    const NOTE: &str = "_left_out";
    let mut size = 2; // the braces
    let mut keep = 0;
    for (key, value) in map.iter() {
        // `"key":value,` as serde_json writes it; a value's text is never larger than its record.
        let entry = serde_json::to_string(key).map_or(0, |k| k.len()) + 2 + json_len(value);
        if size + entry > crate::limits::MAX_METADATA_BYTES - 64 {
            break;
        }
        size += entry;
        keep += 1;
    }
    let left_out = map.len() - keep;
    if left_out > 0 {
        let kept: serde_json::Map<_, _> = std::mem::take(map).into_iter().take(keep).collect();
        *map = kept;
        map.insert(
            NOTE.into(),
            serde_json::Value::String(format!(
                "{left_out} keys left out: metadata is kept up to {} KiB",
                crate::limits::MAX_METADATA_BYTES >> 10
            )),
        );
    }
}

/// The length of a value's JSON text, without writing it.
fn json_len(value: &serde_json::Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub conversation_id: String,
    pub message_id: Option<String>,
    pub role: Role,
    pub timestamp: Micros,
    pub content: Option<String>,
    pub model: Option<String>,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    /// In US dollars (FORMAT.md); absent when the file gave none, or gave
    /// it in another currency (then `foreign_cost` holds it).
    pub cost: Option<f64>,
    /// A cost the file gave in another currency, kept as given: the
    /// dashboard converts it with a rate set in the settings, or says it
    /// left it out. Only other platforms' exports set it (Dify's RMB).
    pub foreign_cost: Option<ForeignCost>,
    /// The file did not say when this message was written (a Langfuse
    /// trace without latency, a Dify answer with one time for question and
    /// answer): its timestamp only places it right after the message it
    /// answers, so it gives no response time. Never set by the native format.
    pub time_unknown: bool,
}

/// An amount in a currency other than US dollars, as a file gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignCost {
    pub amount: f64,
    /// An upper-case code as the file wrote it (`RMB`, `CNY`, `EUR`).
    pub currency: String,
}

impl Message {
    /// Identity within its conversation: the id, or the message's own fields.
    pub fn identity(&self) -> String {
        match &self.message_id {
            Some(id) => format!("i{id}"),
            None => {
                let side = match self.role.side() {
                    Side::User => 'u',
                    Side::Agent => 'a',
                    Side::Neither => 'o',
                };
                format!("k{side}\u{1f}{}\u{1f}{}", self.timestamp.0, content_key(self.content.as_deref()))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub conversation_id: String,
    pub action_id: Option<String>,
    pub name: String,
    pub started_at: Micros,
    /// Unknown when the file gave neither `duration_ms` nor `ended_at`.
    pub duration_ms: Option<f64>,
    pub status: Option<String>,
    pub error: bool,
}

impl Action {
    pub fn identity(&self) -> String {
        match &self.action_id {
            Some(id) => format!("i{id}"),
            None => format!("k{}\u{1f}{}", self.name, self.started_at.0),
        }
    }

    /// When the call ended: its start plus its duration, or its start when the
    /// duration is unknown. Rounded half to even, as the reference does.
    pub fn ended_at(&self) -> Micros {
        let micros = self.duration_ms.map_or(0, duration_micros);
        Micros(self.started_at.0.saturating_add(micros))
    }
}

/// A duration in milliseconds as whole microseconds, rounded half to even.
pub fn duration_micros(ms: f64) -> i64 {
    (ms * 1000.0).round_ties_even() as i64
}

#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub conversation_id: String,
    pub feedback_id: Option<String>,
    pub message_id: Option<String>,
    pub timestamp: Option<Micros>,
    pub rating: Rating,
    pub score: Option<f64>,
    pub comment: Option<String>,
}

impl Feedback {
    pub fn identity(&self) -> String {
        match &self.feedback_id {
            Some(id) => format!("i{id}"),
            None => format!(
                "k{}\u{1f}{}",
                self.message_id.as_deref().unwrap_or(""),
                self.timestamp.map_or(String::new(), |t| t.0.to_string())
            ),
        }
    }
}

/// One validated record of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Conversation(Conversation),
    Message(Message),
    Action(Action),
    Feedback(Feedback),
}

impl Record {
    pub fn conversation_id(&self) -> &str {
        match self {
            Record::Conversation(c) => &c.conversation_id,
            Record::Message(m) => &m.conversation_id,
            Record::Action(a) => &a.conversation_id,
            Record::Feedback(f) => &f.conversation_id,
        }
    }
}

//! The rows facts are made of: one small fixed-size row per conversation,
//! message, exchange, action and feedback, names numbered in an [`Interner`].

use crate::model::{Rating, Side};
use std::collections::HashMap;

/// No value: used for optional instants and ids in the packed rows.
pub const NONE: i64 = i64::MIN;
pub const NO_USER: u32 = u32::MAX;

/// Distinct strings numbered in order of first sight.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    pub values: Vec<String>,
    /// Each value's number, made on first need: facts read back from bytes
    /// (a million user ids) need none to be counted.
    index: std::sync::OnceLock<HashMap<String, u32>>,
}

impl Interner {
    fn index_of(values: &[String]) -> HashMap<String, u32> {
        values.iter().enumerate().map(|(i, v)| (v.clone(), i as u32)).collect()
    }

    pub fn intern(&mut self, value: &str) -> u32 {
        if self.index.get().is_none() {
            let _ = self.index.set(Self::index_of(&self.values));
        }
        let index = self.index.get_mut().expect("made just above");
        if let Some(&i) = index.get(value) {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(value.to_owned());
        index.insert(value.to_owned(), i);
        i
    }

    /// The interner that numbered `values` in this order (distinct values,
    /// as [`Interner::intern`] keeps them).
    pub fn from_values(values: Vec<String>) -> Interner {
        Interner { values, index: std::sync::OnceLock::new() }
    }

    pub fn get(&self, value: &str) -> Option<u32> {
        self.index.get_or_init(|| Self::index_of(&self.values)).get(value).copied()
    }

    pub fn name(&self, i: u32) -> &str {
        &self.values[i as usize]
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ConversationFact {
    /// `started_at`, else its earliest message or action, else its earliest feedback.
    pub started: i64,
    /// `ended_at`, else its latest message or action end.
    pub ended: i64,
    pub user: u32,
    pub country: u32,
    pub device: u32,
    pub source: u32,
    pub language: u32,
    pub environment: u32,
    /// Has at least one user message, anywhere in time.
    pub engaged: bool,
    /// Has an IP address (whether or not it locates to a country).
    pub has_ip: bool,
    /// Messages of every role, at any time.
    pub messages: u32,
    /// The rating of its latest feedback, if any.
    pub latest_rating: Option<Rating>,
}

#[derive(Debug, Clone, Copy)]
pub struct MessageFact {
    pub ts: i64,
    pub conversation: u32,
    /// The conversation's user, copied here so a scan touches one row only.
    pub user: u32,
    pub side: Side,
    /// Index into `models`, or `NO_MODEL`.
    pub model: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// As given, else estimated from the price table, else 0.
    pub cost: f64,
    /// Has tokens but no cost, and its model has no price: never shown as free.
    pub unpriced: bool,
}

pub const NO_MODEL: u32 = u32::MAX;

/// What a model costs, in US dollars per million tokens, for files that
/// carry tokens but no cost.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Price {
    pub model: String,
    pub prompt_per_million: f64,
    pub completion_per_million: f64,
}

/// How many US dollars one unit of another currency is worth, as a person
/// set it in the settings: costs given in that currency are converted with it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExchangeRate {
    /// The currency's code as the files write it (`RMB`, `CNY`, `EUR`), any case.
    pub currency: String,
    /// US dollars for one unit of `currency`.
    pub usd_per_unit: f64,
}

impl ExchangeRate {
    /// The code a rate and a message's currency are matched by: trimmed, upper case.
    pub fn code(currency: &str) -> String {
        currency.trim().to_uppercase()
    }
}

/// A message whose cost is in a currency with no rate set: left out of the
/// dollar totals, and counted so that the dashboard can say so.
#[derive(Debug, Clone, Copy)]
pub struct ForeignCostFact {
    pub ts: i64,
    pub conversation: u32,
    /// Index into `currencies`.
    pub currency: u32,
    pub amount: f64,
}

/// An agent message that answers a user message (METRICS.md).
#[derive(Debug, Clone, Copy)]
pub struct ExchangeFact {
    /// The agent message's time.
    pub ts: i64,
    pub conversation: u32,
    pub user: u32,
    /// `NONE` when the answer has no time of its own (`Message::time_unknown`):
    /// the exchange counts, its response time is unknown.
    pub response_us: i64,
    /// The agent message's model, `NO_MODEL` when it names none.
    pub model: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct ActionFact {
    pub ts: i64,
    pub conversation: u32,
    pub name: u32,
    /// NaN when the duration is unknown.
    pub duration_ms: f64,
    pub error: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct FeedbackFact {
    /// Its timestamp, else the conversation's end, else its start; NONE if neither.
    pub ts: i64,
    pub conversation: u32,
    pub rating: Rating,
    /// The store's row, to fetch its comment.
    pub row: i64,
    pub has_comment: bool,
}

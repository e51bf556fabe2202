//! The rows facts are made of: one small fixed-size row per conversation,
//! message, exchange, action and feedback, names numbered in an [`Interner`].

use super::column::Names;
use crate::model::{Rating, Side};
use std::collections::HashMap;

/// No value: used for optional instants and ids in the packed rows.
pub const NONE: i64 = i64::MIN;
pub const NO_USER: u32 = u32::MAX;

/// Distinct strings numbered in order of first sight.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    pub values: Names,
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
        self.values.to_mut().push(value.to_owned());
        index.insert(value.to_owned(), i);
        i
    }

    /// The numbers of `values` (each interned). Without an index of every
    /// value yet (as after the facts are read back in place: a million user
    /// ids), the values kept are compared with those asked for in one pass,
    /// and those not found added, rather than every value made into a
    /// `String` and indexed for a hundred new ones.
    pub fn intern_all<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
        if self.index.get().is_some() {
            return values.into_iter().map(|v| self.intern(v)).collect();
        }
        let asked: Vec<&str> = values.into_iter().collect();
        let mut wanted: HashMap<&str, Option<u32>> = asked.iter().map(|&v| (v, None)).collect();
        self.values.for_each(|i, name| {
            if let Some(slot) = wanted.get_mut(name) {
                slot.get_or_insert(i as u32);
            }
        });
        asked
            .iter()
            .map(|&v| match wanted[v] {
                Some(i) => i,
                None => {
                    let i = self.values.len() as u32;
                    self.values.push(v.to_owned());
                    wanted.insert(v, Some(i));
                    i
                }
            })
            .collect()
    }

    /// The interner that numbered `values` in this order (distinct values,
    /// as [`Interner::intern`] keeps them).
    pub fn from_values(values: Vec<String>) -> Interner {
        Interner::from_names(values.into())
    }

    /// The interner of `values` (distinct), which may be kept in place.
    pub fn from_names(values: Names) -> Interner {
        Interner { values, index: std::sync::OnceLock::new() }
    }

    pub fn get(&self, value: &str) -> Option<u32> {
        self.index.get_or_init(|| Self::index_of(&self.values)).get(value).copied()
    }

    /// The value numbered `i` (read without making every value kept in place a `String`).
    pub fn name(&self, i: u32) -> &str {
        self.values.get(i as usize).unwrap_or_else(|| panic!("no value numbered {i} of {}", self.values.len()))
    }
}

// Every row below is plain old data laid out as it is kept on disk
// (`#[repr(C)]`, padding spelt out, flags and codes as `u8`), so that kept
// facts are read in place from the mapped file (`packed`): any bytes are a
// row, and reading back checks the codes and indices once.

/// A flag as a row keeps it.
#[inline]
pub fn flag(b: bool) -> u8 {
    b as u8
}

/// A side as a row keeps it.
pub fn side_code(s: Side) -> u8 {
    match s {
        Side::User => 0,
        Side::Agent => 1,
        Side::Neither => 2,
    }
}

/// A rating (or none) as a row keeps it.
pub fn rating_code(r: Option<Rating>) -> u8 {
    match r {
        None => 0,
        Some(Rating::Positive) => 1,
        Some(Rating::Neutral) => 2,
        Some(Rating::Negative) => 3,
    }
}

/// The rating of a code [`rating_code`] gave (codes are checked when facts
/// are read back, so any other reads as none).
#[inline]
pub fn rating_of(code: u8) -> Option<Rating> {
    match code {
        1 => Some(Rating::Positive),
        2 => Some(Rating::Neutral),
        3 => Some(Rating::Negative),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
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
    /// Messages of every role, at any time.
    pub messages: u32,
    /// Has at least one user message, anywhere in time (0 or 1).
    pub engaged: u8,
    /// Has an IP address, whether or not it locates to a country (0 or 1).
    pub has_ip: u8,
    /// The rating of its latest feedback, if any ([`rating_code`]).
    pub latest_rating: u8,
    pub _pad: u8,
}

impl ConversationFact {
    #[inline]
    pub fn engaged(&self) -> bool {
        self.engaged != 0
    }
    #[inline]
    pub fn latest_rating(&self) -> Option<Rating> {
        rating_of(self.latest_rating)
    }
}

#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct MessageFact {
    pub ts: i64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// As given, else estimated from the price table, else 0.
    pub cost: f64,
    pub conversation: u32,
    /// The conversation's user, copied here so a scan touches one row only.
    pub user: u32,
    /// Index into `models`, or `NO_MODEL`.
    pub model: u32,
    /// [`side_code`].
    pub side: u8,
    /// Has tokens but no cost, and its model has no price: never shown as free (0 or 1).
    pub unpriced: u8,
    pub _pad: [u8; 2],
}

impl MessageFact {
    #[inline]
    pub fn side(&self) -> Side {
        match self.side {
            0 => Side::User,
            1 => Side::Agent,
            _ => Side::Neither,
        }
    }
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
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct ForeignCostFact {
    pub ts: i64,
    pub amount: f64,
    pub conversation: u32,
    /// Index into `currencies`.
    pub currency: u32,
}

/// An agent message that answers a user message (METRICS.md).
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct ExchangeFact {
    /// The agent message's time.
    pub ts: i64,
    /// `NONE` when the answer has no time of its own (`Message::time_unknown`):
    /// the exchange counts, its response time is unknown.
    pub response_us: i64,
    pub conversation: u32,
    pub user: u32,
    /// The agent message's model, `NO_MODEL` when it names none.
    pub model: u32,
    pub _pad: u32,
}

#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct ActionFact {
    pub ts: i64,
    /// NaN when the duration is unknown.
    pub duration_ms: f64,
    pub conversation: u32,
    pub name: u32,
    /// 0 or 1.
    pub error: u8,
    pub _pad: [u8; 7],
}

#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct FeedbackFact {
    /// Its timestamp, else the conversation's end, else its start; NONE if neither.
    pub ts: i64,
    /// The store's row, to fetch its comment.
    pub row: i64,
    pub conversation: u32,
    /// [`rating_code`], never 0.
    pub rating: u8,
    /// 0 or 1.
    pub has_comment: u8,
    pub _pad: [u8; 2],
}

impl FeedbackFact {
    #[inline]
    pub fn rating(&self) -> Rating {
        rating_of(self.rating).unwrap_or(Rating::Neutral)
    }
}

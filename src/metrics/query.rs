//! What a dashboard asks: a range of instants, a display zone, filters.

use super::insights::DEFAULT_FALLBACK_PHRASES;
use super::normal::{filter_value, FilterKey};
use crate::model::Micros;
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error(
        "unknown filter key {0:?}: the keys are source, device, language, country, customer_id, environment and text"
    )]
    UnknownFilterKey(String),
    #[error("the text filter {0:?} has no word: give letters or digits, e.g. text=refund")]
    TextWithoutWord(String),
    #[error("a filter is written KEY=VALUE, e.g. source=web; {0:?} has no '='")]
    MalformedFilter(String),
    #[error("unknown time zone {0:?}: give an IANA name such as Europe/Berlin or America/New_York")]
    UnknownZone(String),
    #[error("{0:?} is not a date and time (write e.g. 2026-10-01T00:00:00Z)")]
    UnreadableInstant(String),
    #[error("the period is empty: --to ({to}) must be after --from ({from})")]
    EmptyPeriod { from: Micros, to: Micros },
}

/// Filters on conversation context: values of one key are alternatives
/// (OR), different keys must all hold (AND). Values are kept normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Filters(pub BTreeMap<FilterKey, Vec<String>>);

impl Filters {
    /// Adds `KEY=VALUE`, normalising the value as its dimension is.
    pub fn add(&mut self, key: &str, value: &str) -> Result<(), QueryError> {
        let key = FilterKey::parse(key.trim()).ok_or_else(|| QueryError::UnknownFilterKey(key.to_owned()))?;
        let value = filter_value(key, value);
        if key == FilterKey::Text && super::words::words(&value).is_empty() {
            return Err(QueryError::TextWithoutWord(value));
        }
        let values = self.0.entry(key).or_default();
        if !values.contains(&value) {
            values.push(value);
        }
        Ok(())
    }

    /// Parses `KEY=VALUE` as written on the command line.
    pub fn add_pair(&mut self, pair: &str) -> Result<(), QueryError> {
        let (key, value) = pair.split_once('=').ok_or_else(|| QueryError::MalformedFilter(pair.to_owned()))?;
        self.add(key, value)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for FilterKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The range `[from, to)`.
    pub from: Micros,
    pub to: Micros,
    pub zone: Tz,
    pub filters: Filters,
    /// Whether the previous period of equal length is computed too (the
    /// dashboard's comparison); [`Query::new`] leaves it off.
    pub compare: bool,
    /// A second set of filters whose numbers, over the same period, are
    /// computed beside these (comparing two segments: WhatsApp against the
    /// web, production against staging); `None`: no second segment.
    pub segment: Option<Filters>,
    /// For each `text` value of the filters and of the segment: whether
    /// each conversation of the facts says it. The engine finds them with
    /// the store's full-text index ([`crate::engine::Engine`]); a `text`
    /// value left unresolved keeps no conversation.
    pub text_matches: Arc<TextMatches>,
}

/// Per phrase (a `text` filter value as kept): which conversations, in the
/// order of the facts, say it.
pub type TextMatches = BTreeMap<String, Vec<bool>>;

impl Query {
    pub fn new(from: Micros, to: Micros, zone: &str, filters: Filters) -> Result<Query, QueryError> {
        let zone: Tz = zone.trim().parse().map_err(|_| QueryError::UnknownZone(zone.to_owned()))?;
        if to <= from {
            return Err(QueryError::EmptyPeriod { from, to });
        }
        Ok(Query { from, to, zone, filters, compare: false, segment: None, text_matches: Arc::default() })
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Query {
        let len = self.to.0 - self.from.0;
        Query {
            from: Micros(self.from.0 - len),
            to: self.from,
            zone: self.zone,
            filters: self.filters.clone(),
            compare: false,
            segment: None,
            text_matches: self.text_matches.clone(),
        }
    }

    /// The same period and zone with the second segment's filters, if there is one.
    pub fn segment_query(&self) -> Option<Query> {
        let filters = self.segment.clone()?;
        Some(Query { filters, compare: false, segment: None, ..self.clone() })
    }

    /// The same query, asking for the previous period too.
    pub fn compared(self) -> Query {
        Query { compare: true, ..self }
    }
}

/// A [`Query`] as the app and scripts write it, before it is checked:
/// instants as text, filters by key name. [`QueryText::to_query`] parses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QueryText {
    pub from: String,
    pub to: String,
    pub tz: String,
    /// By key name; [`QueryText::to_query`] refuses a name that is no
    /// [`FilterKey`], so the UI's type names the keys.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "BTreeMap<FilterKey, Vec<String>>"))]
    pub filters: BTreeMap<String, Vec<String>>,
    /// Whether to compute the previous period too.
    #[serde(default)]
    pub compare: bool,
    /// A second segment's filters, by key name, to compute beside these.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<BTreeMap<FilterKey, Vec<String>>>"))]
    pub segment: Option<BTreeMap<String, Vec<String>>>,
}

impl QueryText {
    /// Validates the spec into a [`Query`]: readable instants, a known zone and filter keys.
    pub fn to_query(&self) -> Result<Query, QueryError> {
        let instant = |text: &str| {
            crate::model::parse_timestamp(text).map_err(|_| QueryError::UnreadableInstant(text.to_owned()))
        };
        let filters_of = |by_name: &BTreeMap<String, Vec<String>>| -> Result<Filters, QueryError> {
            let mut filters = Filters::default();
            for (key, values) in by_name {
                for v in values {
                    filters.add(key, v)?;
                }
            }
            Ok(filters)
        };
        let query = Query::new(instant(&self.from)?, instant(&self.to)?, &self.tz, filters_of(&self.filters)?)?;
        let segment = self.segment.as_ref().map(filters_of).transpose()?;
        Ok(Query { compare: self.compare, segment, ..query })
    }
}

pub const DEFAULT_ESCALATION_TOOLS: [&str; 4] = ["fallback_to_human", "open_ticket", "ticket", "contact_human"];

/// What a person can set that changes the numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Tool names that hand a conversation to a human, compared case-insensitively.
    pub escalation_tools: Vec<String>,
    /// Agent answers that admit not knowing, matched as words (docs/metrics.md, Insights).
    pub fallback_phrases: Vec<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            escalation_tools: DEFAULT_ESCALATION_TOOLS.iter().map(|s| s.to_string()).collect(),
            fallback_phrases: DEFAULT_FALLBACK_PHRASES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn a_text_filter_without_a_word_is_an_error() {
        let mut f = Filters::default();
        assert_eq!(f.add_pair("text=¿?"), Err(QueryError::TextWithoutWord("¿?".into())));
        assert!(f.add_pair("text= Dónde está ").is_ok(), "kept as written, matched by the word rule");
        assert_eq!(f.0[&FilterKey::Text], ["Dónde está"]);
    }
}

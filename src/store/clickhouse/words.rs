//! A Langfuse database's messages' words, found in Rust.
//!
//! A Rapport store keeps each message's words (the `text` rule of
//! METRICS.md) in its `text_key` column, found in Rust at import; a Langfuse
//! database, which Rapport never writes, keeps a trace's input and output as
//! Langfuse received them (JSON text: a string, a list of chat messages, a
//! provider's request or response…). What a person reads of them is found by
//! the importer's own rules ([`crate::import::formats::chat`]), which SQL
//! cannot repeat exactly, and its words by [`crate::metrics::words`]; so
//! the text of the messages that count is read here, slice by slice of
//! conversations (by hash) so that memory stays bounded whatever the
//! database's size, and only what the Insights and the `text` filter need
//! is kept.

use super::tsv::quote;
use super::ClickHouseStore;
use crate::import::formats::chat;
use crate::metrics::words::words;
use crate::model::Side;
use crate::store::StoreError;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Traces read per slice: each slice's messages, with their text, are one answer.
const TRACES_PER_SLICE: u64 = 100_000;

/// A user or agent message of a Langfuse database, as the Insights read it.
#[derive(Debug, Clone)]
pub(crate) struct Said {
    pub ts: i64,
    pub side: Side,
    /// Its words, by the `text` rule, of what a person reads of it.
    pub words: Vec<String>,
}

/// What a person reads of a message that Langfuse keeps as `raw`: JSON
/// (else the text as it is) read as the file importer reads a trace's
/// input (a user message) or output (an agent's).
pub(crate) fn readable(raw: &str, side: Side) -> Option<String> {
    let value = serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
    match side {
        Side::User => chat::user_text(&value),
        _ => chat::assistant_text(&value),
    }
}

impl ClickHouseStore {
    /// Every user and agent message of a Langfuse database whose
    /// conversation passes `pass` (a condition on the per-conversation
    /// facts; `1` for all), with what a person reads of it, to `each`: one
    /// conversation after another, each's messages in the order they were
    /// said (time, then the order the facts give them), in slices of
    /// conversations by hash.
    pub(crate) fn langfuse_texts(
        &self,
        pass: &str,
        mut each: impl FnMut(&str, i64, Side, Option<String>),
    ) -> Result<(), StoreError> {
        let Some(langfuse) = &self.langfuse else {
            return Err(self.fail("the messages' text is read in Rust on a Langfuse database only".to_owned()));
        };
        let traces: u64 = self
            .select(&format!("SELECT count() FROM {}", langfuse.traces))?
            .first()
            .and_then(|r| r.first())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let slices = traces.div_ceil(TRACES_PER_SLICE).max(1);
        let passing = match pass {
            "1" => "1".to_owned(),
            _ => format!("conversation_id IN (SELECT conversation_id FROM {} WHERE {pass})", langfuse.facts),
        };
        for slice in 0..slices {
            let rows = self.select(&format!(
                "SELECT conversation_id, timestamp, side, isNull(content), ifNull(content, '')
                 FROM {} WHERE cityHash64(conversation_id) % {slices} = {slice} AND {passing}
                 ORDER BY conversation_id, timestamp, first_seq, side",
                langfuse.tables.records.message
            ))?;
            for row in rows {
                let mut cells = row.into_iter();
                let conversation = cells.next().unwrap_or_default();
                let ts = cells.next().and_then(|t| t.parse().ok()).unwrap_or(0);
                let side = if cells.next().as_deref() == Some("1") { Side::User } else { Side::Agent };
                let absent = cells.next().as_deref() == Some("1");
                let raw = cells.next().unwrap_or_default();
                each(&conversation, ts, side, if absent { None } else { readable(&raw, side) });
            }
        }
        Ok(())
    }

    /// [`ClickHouseStore::langfuse_texts`], each conversation's messages
    /// together, with their words.
    pub(crate) fn langfuse_said(&self, pass: &str, mut each: impl FnMut(&str, &[Said])) -> Result<(), StoreError> {
        let mut current = String::new();
        let mut said: Vec<Said> = Vec::new();
        self.langfuse_texts(pass, |conversation, ts, side, text| {
            if conversation != current {
                if !said.is_empty() {
                    each(&current, &said);
                }
                said.clear();
                conversation.clone_into(&mut current);
            }
            said.push(Said { ts, side, words: text.map(|t| words(&t)).unwrap_or_default() });
        })?;
        if !said.is_empty() {
            each(&current, &said);
        }
        Ok(())
    }

    /// The conversations of a Langfuse database in which some message says
    /// one of `phrases` as consecutive words, as a condition on
    /// `conversation_id` (the server builds a set of them once).
    pub(crate) fn langfuse_saying<S: AsRef<str>>(&self, phrases: &[S]) -> Result<String, StoreError> {
        Ok(one_of(self.conversations_saying(phrases)?))
    }
}

/// A condition on `conversation_id`: one of `found` (conversations found in
/// Rust, sent to the server once as a set).
pub(crate) fn one_of(found: impl IntoIterator<Item = String>) -> String {
    let mut found: Vec<String> = found.into_iter().collect();
    if found.is_empty() {
        return "0".to_owned();
    }
    found.sort_unstable();
    let list = serde_json::to_string(&found).unwrap_or_default();
    format!("conversation_id IN (SELECT arrayJoin(JSONExtract({}, 'Array(String)')))", quote(&list))
}

impl ClickHouseStore {
    /// Each conversation's metadata as the file importer keeps it from
    /// Langfuse's traces and scores (JSON text): the latest trace's
    /// `environment` and `release`, and each score that is not feedback
    /// as `evaluation: NAME` (with `(trace ID)` when the trace is not the
    /// conversation); `narrow` is a condition on `conversation_id`.
    pub(crate) fn langfuse_metadata(&self, narrow: &str) -> Result<HashMap<String, String>, StoreError> {
        let Some(langfuse) = &self.langfuse else {
            return Ok(HashMap::new());
        };
        let mut metadata: HashMap<String, Map<String, Value>> = HashMap::new();
        for row in self.select(&format!(
            "SELECT conversation_id, countIf(environment != ''), argMaxIf(environment, at, environment != ''),
                countIf(release != ''), argMaxIf(release, at, release != '')
             FROM {} WHERE {narrow} GROUP BY conversation_id",
            langfuse.tables.context
        ))? {
            let map = metadata.entry(row[0].clone()).or_default();
            for (i, key) in [(1, "environment"), (3, "release")] {
                if row.get(i).is_some_and(|n| n != "0") {
                    map.insert(key.to_owned(), Value::String(row.get(i + 1).cloned().unwrap_or_default()));
                }
            }
        }
        for row in self.select(&format!(
            "SELECT conversation_id, trace_id, name, is_text, value, string_value FROM {} WHERE {narrow}",
            langfuse.tables.evaluations
        ))? {
            let cell = |i: usize| row.get(i).cloned().unwrap_or_default();
            let (conversation, trace, name) = (cell(0), cell(1), cell(2));
            let key = match trace.as_str() {
                "" => format!("evaluation: {name}"),
                t if t == conversation => format!("evaluation: {name}"),
                t => format!("evaluation: {name} (trace {t})"),
            };
            let value = match cell(3).as_str() {
                "1" => Value::String(cell(5)),
                _ => cell(4)
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number),
            };
            metadata.entry(conversation).or_default().insert(key, value);
        }
        Ok(metadata
            .into_iter()
            .filter(|(_, m)| !m.is_empty())
            .map(|(c, m)| (c, Value::Object(m).to_string()))
            .collect())
    }
}

//! Writing one imported file into ClickHouse: rows in batches of
//! `JSONEachRow`, all tagged with the file's import id, made visible at once
//! by the commit.
//!
//! ```text
//! begin    import_file (id, committed 0)            entry server
//! write    message/action/… rows, import_id = id    each shard, in batches
//! commit   import_file (id, committed 1)            entry server: the commit point
//!          committed_import (id)                    each shard: rows become visible
//! facts    conversation_facts_built                 each shard: the touched
//!          facts_import (id)                        conversations' facts, anew
//! ```
//!
//! A process killed before the commit point leaves rows no query counts
//! ([`super::ClickHouseStore::open`] deletes them later); one killed after
//! it is completed on the next open, its facts built then if they were not.

use super::{ClickHouseStore, Table};
use crate::metrics::normal;
use crate::metrics::words::words;
use crate::model::{Action, Conversation, Feedback, Message, Record, Side};
use crate::store::{FileSink, StoreError};
use serde::Serialize;
use std::collections::HashMap;

/// Rows held before they are sent: a few megabytes per batch.
const BATCH_ROWS: usize = 50_000;
/// Identities remembered within a file, so that a duplicate keeps the first
/// one's place in file order. Bounded: duplicates come close together.
const SEEN_LIMIT: usize = 200_000;

pub struct ClickHouseFile<'s> {
    store: &'s ClickHouseStore,
    import_id: u64,
    path: String,
    bytes: u64,
    started: i64,
    position: u64,
    rows: [String; 4],
    held: usize,
    rejections: String,
    seen: HashMap<(String, String), u64>,
    open: bool,
}

#[derive(Serialize)]
struct ConversationInsert<'a> {
    import_id: u64,
    seq: u64,
    conversation_id: &'a str,
    started_at: Option<i64>,
    ended_at: Option<i64>,
    customer_id: Option<&'a str>,
    customer_ip_address: Option<&'a str>,
    country: Option<&'a str>,
    device: Option<&'a str>,
    source: Option<&'a str>,
    language: Option<&'a str>,
    device_n: Option<String>,
    source_n: Option<String>,
    language_n: Option<String>,
    environment_n: Option<String>,
    metadata: Option<String>,
}

#[derive(Serialize)]
struct MessageRow<'a> {
    import_id: u64,
    seq: u64,
    first_seq: u64,
    conversation_id: &'a str,
    identity: &'a str,
    message_id: Option<&'a str>,
    role: &'a str,
    side: u8,
    timestamp: i64,
    content: Option<&'a str>,
    model: Option<&'a str>,
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    cost: Option<f64>,
    foreign_cost: Option<f64>,
    foreign_currency: Option<&'a str>,
    time_unknown: u8,
    /// The content's words (the `text` rule), joined by single spaces.
    text_key: String,
    /// A user message's runs that may be phrases ([`message_words`]).
    phrases: String,
}

/// What the `message` table keeps of a message's text for the Insights,
/// the `text` filter and the topics: its words (the `text` rule) joined by
/// single spaces, and, for a user message, its runs of one to three words
/// that may be phrases whatever the stop words (`crate::metrics::runs`;
/// the topics leave out those that start or end with one, by the store's
/// languages at each query), each after a `|` (no word holds one): `|`
/// alone for a text without any, nothing for a message without text. One
/// string, not an array: the facts' build picks each message's latest
/// version of it, which ClickHouse does for a string several times faster.
pub(super) fn message_words(content: Option<&str>, side: Side) -> (String, String) {
    let Some(content) = content else { return (String::new(), String::new()) };
    let w = words(content);
    let mut phrases = String::new();
    if side == Side::User {
        phrases.push('|');
        phrases.push_str(&crate::metrics::runs(&w).join("|"));
    }
    (w.join(" "), phrases)
}

#[derive(Serialize)]
struct ActionRow<'a> {
    import_id: u64,
    seq: u64,
    conversation_id: &'a str,
    identity: &'a str,
    action_id: Option<&'a str>,
    name: &'a str,
    started_at: i64,
    ended_at: i64,
    duration_ms: Option<f64>,
    status: Option<&'a str>,
    error: u8,
}

#[derive(Serialize)]
struct FeedbackRow<'a> {
    import_id: u64,
    seq: u64,
    conversation_id: &'a str,
    identity: &'a str,
    feedback_id: Option<&'a str>,
    message_id: Option<&'a str>,
    timestamp: Option<i64>,
    rating: &'a str,
    score: Option<f64>,
    comment: Option<&'a str>,
}

#[derive(Serialize)]
struct RejectionRow<'a> {
    import_id: u64,
    position: &'a str,
    reason: &'a str,
}

/// The side of a role as the view stores it: 1 user, 2 agent, 0 neither.
pub fn side_code(side: Side) -> u8 {
    match side {
        Side::User => 1,
        Side::Agent => 2,
        Side::Neither => 0,
    }
}

/// `metadata.environment` as text, as the SQLite store reads it.
fn environment(metadata: Option<&serde_json::Map<String, serde_json::Value>>) -> Option<String> {
    match metadata?.get("environment")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl<'s> ClickHouseFile<'s> {
    pub(super) fn begin(store: &'s ClickHouseStore, path: &str, bytes: u64) -> Result<ClickHouseFile<'s>, StoreError> {
        let import_id = store.next_import_id()?;
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        let file = ClickHouseFile {
            store,
            import_id,
            path: path.to_owned(),
            bytes,
            started,
            position: 0,
            rows: Default::default(),
            held: 0,
            rejections: String::new(),
            seen: HashMap::new(),
            open: true,
        };
        file.log("", 0, 0, 0)?;
        Ok(file)
    }

    /// The file's row in the import log; `committed` 1 is the commit point.
    fn log(&self, format: &str, records: u64, rejected: u64, committed: u8) -> Result<(), StoreError> {
        let row = serde_json::json!({
            "import_id": self.import_id, "path": self.path, "format": format, "bytes": self.bytes,
            "records": records, "rejected": rejected, "imported_at": self.started, "committed": committed,
        });
        self.store.insert_entry("import_file", &format!("{row}\n"))
    }

    /// This line's place: the import in the high bits, the line in the low.
    fn next_seq(&mut self) -> u64 {
        self.position += 1;
        (self.import_id << 32) | (self.position & 0xFFFF_FFFF)
    }

    fn push<T: Serialize>(&mut self, table: Table, row: &T) -> Result<(), StoreError> {
        let line = serde_json::to_string(row).map_err(|e| self.store.fail(format!("cannot write a row: {e}")))?;
        let buffer = &mut self.rows[table as usize];
        buffer.push_str(&line);
        buffer.push('\n');
        self.held += 1;
        if self.held >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        for table in Table::RECORDS {
            let rows = std::mem::take(&mut self.rows[table as usize]);
            if !rows.is_empty() {
                self.store.insert_sharded(table, &rows)?;
            }
        }
        self.held = 0;
        Ok(())
    }

    fn conversation(&mut self, c: &Conversation) -> Result<(), StoreError> {
        let seq = self.next_seq();
        let country = c.customer_ip_address.as_deref().map(|ip| self.store.geo.country(Some(ip)).to_owned());
        let row = ConversationInsert {
            import_id: self.import_id,
            seq,
            conversation_id: &c.conversation_id,
            started_at: c.started_at.map(|t| t.0),
            ended_at: c.ended_at.map(|t| t.0),
            customer_id: c.customer_id.as_deref(),
            customer_ip_address: c.customer_ip_address.as_deref(),
            country: country.as_deref(),
            device: c.device.as_deref(),
            source: c.source.as_deref(),
            language: c.language.as_deref(),
            device_n: c.device.as_deref().map(|v| normal::device(Some(v))),
            source_n: c.source.as_deref().map(|v| normal::source(Some(v))),
            language_n: c.language.as_deref().map(|v| normal::language(Some(v))),
            environment_n: environment(c.metadata.as_ref()).map(|v| normal::environment(Some(&v))),
            metadata: c.metadata.as_ref().map(|m| serde_json::Value::Object(m.clone()).to_string()),
        };
        self.push(Table::ConversationLine, &row)
    }

    /// The first place in this file of a record's identity.
    fn first_seq(&mut self, conversation_id: &str, identity: &str, seq: u64) -> u64 {
        let key = (conversation_id.to_owned(), identity.to_owned());
        if let Some(&first) = self.seen.get(&key) {
            return first;
        }
        if self.seen.len() >= SEEN_LIMIT {
            self.seen.clear();
        }
        self.seen.insert(key, seq);
        seq
    }

    fn message(&mut self, m: &Message) -> Result<(), StoreError> {
        let seq = self.next_seq();
        let identity = m.identity();
        let first_seq = self.first_seq(&m.conversation_id, &identity, seq);
        let (text_key, phrases) = message_words(m.content.as_deref(), m.role.side());
        let row = MessageRow {
            import_id: self.import_id,
            seq,
            first_seq,
            conversation_id: &m.conversation_id,
            identity: &identity,
            message_id: m.message_id.as_deref(),
            role: m.role.as_str(),
            side: side_code(m.role.side()),
            timestamp: m.timestamp.0,
            content: m.content.as_deref(),
            model: m.model.as_deref(),
            prompt_tokens: m.prompt_tokens,
            completion_tokens: m.completion_tokens,
            cost: m.cost,
            foreign_cost: m.foreign_cost.as_ref().map(|f| f.amount),
            foreign_currency: m.foreign_cost.as_ref().map(|f| f.currency.as_str()),
            time_unknown: u8::from(m.time_unknown),
            text_key,
            phrases,
        };
        self.push(Table::Message, &row)
    }

    fn action(&mut self, a: &Action) -> Result<(), StoreError> {
        let seq = self.next_seq();
        let identity = a.identity();
        let row = ActionRow {
            import_id: self.import_id,
            seq,
            conversation_id: &a.conversation_id,
            identity: &identity,
            action_id: a.action_id.as_deref(),
            name: &a.name,
            started_at: a.started_at.0,
            ended_at: a.ended_at().0,
            duration_ms: a.duration_ms,
            status: a.status.as_deref(),
            error: u8::from(a.error),
        };
        self.push(Table::Action, &row)
    }

    fn feedback(&mut self, f: &Feedback) -> Result<(), StoreError> {
        let seq = self.next_seq();
        let identity = f.identity();
        let row = FeedbackRow {
            import_id: self.import_id,
            seq,
            conversation_id: &f.conversation_id,
            identity: &identity,
            feedback_id: f.feedback_id.as_deref(),
            message_id: f.message_id.as_deref(),
            timestamp: f.timestamp.map(|t| t.0),
            rating: f.rating.as_str(),
            score: f.score,
            comment: f.comment.as_deref(),
        };
        self.push(Table::Feedback, &row)
    }
}

impl FileSink for ClickHouseFile<'_> {
    fn write(&mut self, record: &Record) -> Result<(), StoreError> {
        match record {
            Record::Conversation(c) => self.conversation(c),
            Record::Message(m) => self.message(m),
            Record::Action(a) => self.action(a),
            Record::Feedback(f) => self.feedback(f),
        }
    }

    fn reject(&mut self, position: &str, reason: &str) -> Result<(), StoreError> {
        let row = RejectionRow { import_id: self.import_id, position, reason };
        let line = serde_json::to_string(&row).map_err(|e| self.store.fail(format!("cannot write a row: {e}")))?;
        self.rejections.push_str(&line);
        self.rejections.push('\n');
        Ok(())
    }

    fn commit(mut self: Box<Self>, format: &str, records: u64, rejected: u64) -> Result<(), StoreError> {
        self.flush()?;
        if !self.rejections.is_empty() {
            self.store.insert_entry("rejection", &self.rejections)?;
        }
        self.log(format, records, rejected, 1)?;
        self.open = false;
        self.store.make_visible(self.import_id)?;
        self.store.build_facts(&[self.import_id])
    }

    fn rollback(mut self: Box<Self>) -> Result<(), StoreError> {
        self.open = false;
        self.store.forget_import(self.import_id)
    }
}

impl Drop for ClickHouseFile<'_> {
    fn drop(&mut self) {
        if self.open {
            // Never committed: its rows stay invisible; deleting them is tidiness.
            let _ = self.store.forget_import(self.import_id);
        }
    }
}

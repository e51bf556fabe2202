//! A store written before each message's words were kept (tables version
//! 4 and older, or opened once by version 5 before this step existed), or
//! before each user message's runs that may be phrases were (version 7 and
//! older): its older messages get their words (`text_key`) and runs
//! (`phrases`) when it is opened, so that their files need not be imported
//! again for the `text` filter, the Insights, the search and the topics.
//!
//! Both are found by Rust functions (the `text` rule, the topics' runs),
//! which an `ALTER TABLE … UPDATE` cannot call; so on each server the `message`
//! table is copied into `message_new`, slice by slice of its rows (bounded
//! memory), each row as it is but for its words, and the copy then takes
//! the table's place by one `RENAME`. A process killed before the rename
//! leaves the table as it was (the partial copy is dropped at the next
//! open, which starts again); `message_words_filled` and
//! `message_phrases_filled` then say the table needs no more, and the facts
//! are built again from it.

use super::http::Server;
use super::write::message_words;
use super::{schema, ClickHouseStore};
use crate::model::Side;
use crate::store::StoreError;
use serde_json::Value;

/// Rows copied per statement.
const ROWS_PER_SLICE: u64 = 100_000;

/// The table whose presence on a server says its messages all have their words.
pub const FILLED: &str = "message_words_filled";
/// The table whose presence on a server says its user messages all have their runs.
pub const PHRASES_FILLED: &str = "message_phrases_filled";

impl ClickHouseStore {
    /// Gives the messages of `server` that lack their words (or, for a
    /// user message, its runs that may be phrases) them; whether it did
    /// (then the facts built from them are to be built again).
    pub(crate) fn fill_words(&self, server: &Server) -> Result<bool, StoreError> {
        let db = self.db();
        let run = |sql: &str| server.run(&sql.replace("{db}", db)).map_err(self.failed(server));
        let count = |sql: &str| -> Result<u64, StoreError> { Ok(run(sql)?.trim().parse().unwrap_or(0)) };
        let marked = |name: &str| {
            count(&format!("SELECT count() FROM system.tables WHERE database = '{db}' AND name = '{name}'"))
        };
        let (words_done, phrases_done) = (marked(FILLED)? > 0, marked(PHRASES_FILLED)? > 0);
        if words_done && phrases_done {
            return Ok(false);
        }
        // What a copy killed half way left.
        run("DROP TABLE IF EXISTS {db}.message_new")?;
        run("DROP TABLE IF EXISTS {db}.message_old")?;
        let said = "isNotNull(content) AND content != ''";
        let mut pending = 0;
        if !words_done {
            pending += count(&format!("SELECT count() FROM {{db}}.message WHERE text_key = '' AND {said}"))?;
        }
        if !phrases_done {
            pending += count(&format!("SELECT count() FROM {{db}}.message WHERE side = 1 AND {said}"))?;
        }
        if pending > 0 {
            let ddl = schema::SHARDED_TABLES
                .iter()
                .find(|(name, _)| *name == "message")
                .map(|(_, ddl)| ddl.replace("{db}.message (", "{db}.message_new ("))
                .expect("the message table's DDL");
            run(&ddl)?;
            let rows = count("SELECT count() FROM {db}.message")?;
            let slices = rows / ROWS_PER_SLICE + 1;
            let insert = format!("INSERT INTO {db}.message_new FORMAT JSONEachRow");
            for slice in 0..slices {
                let text = run(&format!(
                    "SELECT * FROM {{db}}.message WHERE cityHash64(conversation_id, identity) % {slices} = {slice}
                     FORMAT JSONEachRow"
                ))?;
                let mut body = String::with_capacity(text.len() + text.len() / 4);
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let mut row: Value = serde_json::from_str(line)
                        .map_err(|e| self.fail(format!("a message row read back is not JSON ({e}): {line}")))?;
                    let code = row.get("side").and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()));
                    let side = match code {
                        Some(1) => Side::User,
                        _ => Side::Agent,
                    };
                    let (key, phrases) = message_words(row.get("content").and_then(Value::as_str), side);
                    row["text_key"] = Value::String(key);
                    row["phrases"] = Value::String(phrases);
                    body.push_str(&row.to_string());
                    body.push('\n');
                }
                if !body.is_empty() {
                    server.insert(&insert, &body, &[]).map_err(self.failed(server))?;
                }
            }
            let copied = count("SELECT count() FROM {db}.message_new")?;
            if copied != rows {
                return Err(self.fail(format!(
                    "giving the older messages their words copied {copied} of {rows} rows; the store is as it \
                     was, and the next open tries again"
                )));
            }
            run("RENAME TABLE {db}.message TO {db}.message_old, {db}.message_new TO {db}.message")?;
            run("DROP TABLE IF EXISTS {db}.message_old")?;
        }
        for marker in [FILLED, PHRASES_FILLED] {
            run(&format!("CREATE TABLE IF NOT EXISTS {{db}}.{marker} (done UInt8) ENGINE = TinyLog"))?;
        }
        Ok(pending > 0)
    }
}

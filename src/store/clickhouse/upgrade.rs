//! A store written before each message's words were kept (tables version
//! 4 and older, or opened once by version 5 before this step existed): its
//! older messages get their words (`text_key`) when it is opened, so that
//! their files need not be imported again for the `text` filter, the
//! Insights and the search.
//!
//! The words are found by a Rust function (the `text` rule), which an
//! `ALTER TABLE … UPDATE` cannot call; so on each server the `message`
//! table is copied into `message_new`, slice by slice of its rows (bounded
//! memory), each row as it is but for its words, and the copy then takes
//! the table's place by one `RENAME`. A process killed before the rename
//! leaves the table as it was (the partial copy is dropped at the next
//! open, which starts again); `message_words_filled` then says the table
//! needs no more, and the facts are built again from it.

use super::http::Server;
use super::{schema, ClickHouseStore};
use crate::metrics::words::words;
use crate::store::StoreError;
use serde_json::Value;

/// Rows copied per statement.
const ROWS_PER_SLICE: u64 = 100_000;

/// The table whose presence on a server says its messages all have their words.
pub const FILLED: &str = "message_words_filled";

impl ClickHouseStore {
    /// Gives the messages of `server` that lack their words their words;
    /// whether it did (then the facts built from them are to be built again).
    pub(crate) fn fill_words(&self, server: &Server) -> Result<bool, StoreError> {
        let db = self.db();
        let run = |sql: &str| server.run(&sql.replace("{db}", db)).map_err(self.failed(server));
        let count = |sql: &str| -> Result<u64, StoreError> { Ok(run(sql)?.trim().parse().unwrap_or(0)) };
        if count(&format!("SELECT count() FROM system.tables WHERE database = '{db}' AND name = '{FILLED}'"))? > 0 {
            return Ok(false);
        }
        // What a copy killed half way left.
        run("DROP TABLE IF EXISTS {db}.message_new")?;
        run("DROP TABLE IF EXISTS {db}.message_old")?;
        let pending =
            count("SELECT count() FROM {db}.message WHERE text_key = '' AND isNotNull(content) AND content != ''")?;
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
                    let key = row.get("content").and_then(Value::as_str).map(|c| words(c).join(" "));
                    row["text_key"] = Value::String(key.unwrap_or_default());
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
        run(&format!("CREATE TABLE IF NOT EXISTS {{db}}.{FILLED} (done UInt8) ENGINE = TinyLog"))?;
        Ok(pending > 0)
    }
}

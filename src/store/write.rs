//! Writing one imported file: upserts keyed on identity, inside one transaction.

use super::direct::{Direct, Value};
use crate::model::{Action, Conversation, Feedback, Message, Record, Role};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Statement, ToSql};
use std::collections::HashMap;

/// Conversation ids seen recently, so that the events of one conversation,
/// which usually come together, need no lookup. Bounded: a huge file does not
/// grow memory.
const ID_CACHE_LIMIT: usize = 200_000;

/// A file touching more conversations than this is logged as a change to
/// the whole store: facts are then rebuilt rather than updated, and the log
/// stays small.
const CHANGED_LIMIT: usize = 50_000;

/// How many past changes the store keeps listed.
const CHANGES_KEPT: i64 = 64;

/// One file's transaction, with its statements prepared once.
///
/// Dropped without [`FileWriter::commit`], it rolls back: nothing of the
/// file stays.
pub struct FileWriter<'c> {
    conn: &'c Connection,
    codec: std::sync::Arc<super::TextCodec>,
    /// How this file's text is packed (none on a store before schema 8).
    packing: Option<super::Packing>,
    ids: HashMap<String, i64>,
    /// The conversation of the last record written, and its row: the
    /// records of a conversation usually come together, and need no lookup.
    last: Option<(String, i64)>,
    /// The row ids of the conversations this file touched, until there are
    /// too many (`None`): facts are updated for these only.
    touched: Option<std::collections::HashSet<i64>>,
    /// The conversation noted last in `touched` (0: none; row ids start at 1).
    last_touched: i64,
    /// This file's row in `import_file`.
    file: i64,
    open: bool,
    /// Written with a rollback journal (the store's first file, journal.rs):
    /// the store goes back to WAL once the transaction has ended.
    rollback_journal: bool,
    /// The full-text index's statements, when the store has it (schema.rs,
    /// 6): each message's words go in as it is written, from the text in
    /// hand, not read back at the end.
    words: Option<WordsIndex<'c>>,
    // The statements run for (nearly) every record go through SQLite's C
    // interface directly (direct.rs); the others through rusqlite.
    find_conversation: Direct<'c>,
    new_conversation: Direct<'c>,
    insert_conversation: Direct<'c>,
    conversation_metadata: Statement<'c>,
    update_conversation: Statement<'c>,
    find_message: Statement<'c>,
    insert_message: Direct<'c>,
    /// Takes a key for a new row, unless the key is taken: one statement
    /// where a lookup and an insert were (so for actions and feedback).
    message_key: Direct<'c>,
    /// The row the next new message gets (and so for actions and feedback):
    /// what SQLite would choose, known before the row is written.
    next_message: i64,
    message_content: Statement<'c>,
    update_message: Statement<'c>,
    find_model: Statement<'c>,
    new_model: Statement<'c>,
    /// The row of each model name this file used (`model_name`), and of the last one.
    models: HashMap<std::rc::Rc<str>, i64>,
    last_model: Option<(std::rc::Rc<str>, i64)>,
    find_action: Statement<'c>,
    insert_action: Direct<'c>,
    action_key: Direct<'c>,
    next_action: i64,
    update_action: Statement<'c>,
    find_feedback: Statement<'c>,
    insert_feedback: Direct<'c>,
    feedback_key: Direct<'c>,
    next_feedback: i64,
    update_feedback: Statement<'c>,
    insert_rejection: Statement<'c>,
}

impl Drop for FileWriter<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        if self.rollback_journal {
            super::journal::end_of_file(self.conn);
        }
    }
}

impl<'c> FileWriter<'c> {
    pub(super) fn begin(
        conn: &'c Connection,
        codec: std::sync::Arc<super::TextCodec>,
        path: &str,
        bytes: u64,
    ) -> rusqlite::Result<FileWriter<'c>> {
        let rollback_journal = super::journal::for_file(conn)?;
        let prepared = conn
            .execute_batch("BEGIN IMMEDIATE")
            .and_then(|()| Self::prepare(conn, codec, path, bytes, rollback_journal));
        if prepared.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
            if rollback_journal {
                super::journal::end_of_file(conn);
            }
        }
        prepared
    }

    fn prepare(
        conn: &'c Connection,
        codec: std::sync::Arc<super::TextCodec>,
        path: &str,
        bytes: u64,
        rollback_journal: bool,
    ) -> rusqlite::Result<FileWriter<'c>> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        conn.execute(
            "INSERT INTO import_file (path, format, bytes, records, rejected, imported_at)
             VALUES (?1, '', ?2, 0, 0, ?3)",
            params![path, bytes as i64, now],
        )?;
        let file = conn.last_insert_rowid();
        let indexed: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'message_words'",
            [],
            |r| r.get(0),
        )?;
        let words = if indexed {
            Some(WordsIndex {
                add: Direct::prepare(conn, "INSERT INTO message_words (rowid, words) VALUES (?1, ?2)")?,
                forget: conn
                    .prepare("INSERT INTO message_words (message_words, rowid, words) VALUES ('delete', ?1, ?2)")?,
            })
        } else {
            None
        };
        let packs: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'text_dictionary'",
            [],
            |r| r.get(0),
        )?;
        if packs {
            // Every dictionary, also those another process added since this
            // one opened the store: a message replaced is read before it
            // is (its old words leave the full-text index).
            let mut stmt = conn.prepare("SELECT id, dictionary FROM text_dictionary")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                if !codec.knows(id) {
                    codec.learn(id, r.get_ref(1)?.as_blob()?).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Blob, e.into())
                    })?;
                }
            }
        }
        let packing = if packs {
            let dictionary = conn
                .query_row("SELECT id, dictionary FROM text_dictionary ORDER BY id DESC LIMIT 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            Some(super::Packing { dictionary })
        } else {
            None
        };
        // Rows are never given to two records (no AUTOINCREMENT needed:
        // a new row always comes after the last, as SQLite itself would place it).
        let next_row = |table: &str| -> rusqlite::Result<i64> {
            conn.query_row(&format!("SELECT coalesce(max(id), 0) + 1 FROM {table}"), [], |r| r.get(0))
        };
        Ok(FileWriter {
            conn,
            codec,
            packing,
            ids: HashMap::new(),
            last: None,
            next_message: next_row("message")?,
            next_action: next_row("action")?,
            next_feedback: next_row("feedback")?,
            touched: Some(std::collections::HashSet::new()),
            last_touched: 0,
            file,
            open: true,
            rollback_journal,
            words,
            find_conversation: Direct::prepare(conn, "SELECT id FROM conversation WHERE conversation_id = ?1")?,
            new_conversation: Direct::prepare(
                conn,
                "INSERT INTO conversation (conversation_id) VALUES (?1) ON CONFLICT (conversation_id) DO NOTHING",
            )?,
            insert_conversation: Direct::prepare(
                conn,
                "INSERT INTO conversation (conversation_id, started_at, ended_at, customer_id,
                     customer_ip_address, device, source, language, metadata)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (conversation_id) DO NOTHING",
            )?,
            conversation_metadata: conn.prepare("SELECT metadata FROM conversation WHERE id = ?1")?,
            update_conversation: conn.prepare(
                "UPDATE conversation SET
                     started_at = coalesce(?2, started_at),
                     ended_at = coalesce(?3, ended_at),
                     customer_id = coalesce(?4, customer_id),
                     customer_ip_address = coalesce(?5, customer_ip_address),
                     device = coalesce(?6, device),
                     source = coalesce(?7, source),
                     language = coalesce(?8, language),
                     metadata = ?9
                 WHERE id = ?1",
            )?,
            find_message: conn.prepare("SELECT id FROM message_key WHERE conversation = ?1 AND key = ?2")?,
            insert_message: Direct::prepare(
                conn,
                "INSERT INTO message (id, conversation, role_code, at, content, model_id, prompt_tokens,
                     completion_tokens, price, foreign_cost, foreign_currency, time_unknown)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?,
            message_key: Direct::prepare(conn, &claim_key("message_key"))?,
            message_content: conn.prepare("SELECT content FROM message WHERE id = ?1")?,
            // A record given again exactly as stored is left as it is.
            update_message: conn.prepare(
                "UPDATE message SET
                     role_code = ?2, at = ?3, content = ?4, model_id = ?5, prompt_tokens = ?6,
                     completion_tokens = ?7, price = ?8, foreign_cost = ?9, foreign_currency = ?10,
                     time_unknown = ?11
                 WHERE id = ?1 AND (content IS NOT ?4
                     OR (role_code, at, model_id, prompt_tokens, completion_tokens, price,
                         foreign_cost, foreign_currency, time_unknown)
                     IS NOT (?2, ?3, ?5, ?6, ?7, ?8, ?9, ?10, ?11))",
            )?,
            find_model: conn.prepare("SELECT id FROM model_name WHERE name = ?1")?,
            new_model: conn.prepare("INSERT INTO model_name (name) VALUES (?1)")?,
            models: HashMap::new(),
            last_model: None,
            find_action: conn.prepare("SELECT id FROM action_key WHERE conversation = ?1 AND key = ?2")?,
            insert_action: Direct::prepare(
                conn,
                "INSERT INTO action (id, conversation, name, started_at, duration_ms, status, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            action_key: Direct::prepare(conn, &claim_key("action_key"))?,
            update_action: conn.prepare(
                "UPDATE action SET name = ?2, started_at = ?3, duration_ms = ?4, status = ?5, error = ?6
                 WHERE id = ?1",
            )?,
            find_feedback: conn.prepare("SELECT id FROM feedback_key WHERE conversation = ?1 AND key = ?2")?,
            insert_feedback: Direct::prepare(
                conn,
                "INSERT INTO feedback (id, conversation, message_id, timestamp, rating, score, comment)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            feedback_key: Direct::prepare(conn, &claim_key("feedback_key"))?,
            update_feedback: conn.prepare(
                "UPDATE feedback SET message_id = ?2, timestamp = ?3, rating = ?4, score = ?5, comment = ?6
                 WHERE id = ?1",
            )?,
            insert_rejection: conn.prepare("INSERT INTO rejection (file, position, reason) VALUES (?1, ?2, ?3)")?,
        })
    }

    /// The journal mode of this file's transaction (journal.rs).
    #[cfg(test)]
    pub(super) fn journal_mode(&self) -> rusqlite::Result<String> {
        super::journal::mode(self.conn)
    }

    /// Whether the store has the full-text index (schema.rs, 6).
    pub fn indexes_words(&self) -> bool {
        self.words.is_some()
    }

    /// Keeps a rejected record's position and reason with the file.
    pub fn reject(&mut self, position: &str, reason: &str) -> rusqlite::Result<()> {
        self.insert_rejection.execute(params![self.file, position, reason])?;
        Ok(())
    }

    /// Writes one record: a record whose identity was seen before replaces it,
    /// keeping its place in file order (one given again exactly as stored is
    /// left as it is); a conversation line merges.
    pub fn write(&mut self, record: &Record) -> rusqlite::Result<()> {
        self.write_prepared(record, None, None)
    }

    /// How this file's message text may be packed (`None`: kept as text).
    pub fn packing(&self) -> Option<&super::Packing> {
        self.packing.as_ref()
    }

    /// Keeps the dictionary `id` learnt for this file's text, in its transaction.
    pub fn add_dictionary(&mut self, id: i64, dictionary: &[u8]) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO text_dictionary (id, dictionary) VALUES (?1, ?2)",
            params![id, dictionary],
        )?;
        self.codec.learn(id, dictionary).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        self.packing = Some(super::Packing { dictionary: Some((id, dictionary.to_vec())) });
        Ok(())
    }

    /// [`FileWriter::write`], with what was found already, on another
    /// thread, for a message: its words for the full-text index (the word
    /// rule's words, one space between, as `message_words` gives them) and
    /// its text packed with this file's dictionary ([`super::TextPacker`]).
    pub fn write_prepared(
        &mut self,
        record: &Record,
        words: Option<&str>,
        packed: Option<&[u8]>,
    ) -> rusqlite::Result<()> {
        match record {
            Record::Conversation(c) => self.conversation(c),
            Record::Message(m) => self.message(m, words, packed),
            Record::Action(a) => self.action(a),
            Record::Feedback(f) => self.feedback(f),
        }
    }

    fn remember(&mut self, conversation_id: &str, id: i64) {
        if self.ids.len() >= ID_CACHE_LIMIT {
            self.ids.clear();
        }
        self.ids.insert(conversation_id.to_owned(), id);
        self.last_is(conversation_id, id);
    }

    fn last_is(&mut self, conversation_id: &str, id: i64) {
        match &mut self.last {
            Some((last, row)) => {
                last.clear();
                last.push_str(conversation_id);
                *row = id;
            }
            None => self.last = Some((conversation_id.to_owned(), id)),
        }
    }

    /// The conversation's row, when this file wrote it or looked it up lately.
    fn known_conversation(&mut self, conversation_id: &str) -> Option<i64> {
        if let Some((last, row)) = &self.last {
            if last == conversation_id {
                return Some(*row);
            }
        }
        let id = *self.ids.get(conversation_id)?;
        self.last_is(conversation_id, id);
        Some(id)
    }

    /// The row of a conversation the store holds already (the insert that
    /// would have added it changed nothing).
    fn stored_conversation(&mut self, conversation_id: &str) -> rusqlite::Result<i64> {
        let id = self.find_conversation.integer(&[Value::Text(conversation_id)])?;
        let id = id.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        self.remember(conversation_id, id);
        Ok(id)
    }

    /// The conversation's row, created with unknown context when an event
    /// names a conversation no line has described.
    fn conversation_row(&mut self, conversation_id: &str) -> rusqlite::Result<i64> {
        let id = match self.known_conversation(conversation_id) {
            Some(id) => id,
            // Inserted unless stored already: the unique key on
            // `conversation_id` tells which, in one probe where a lookup
            // then an insert took two.
            None if self.new_conversation.run(&[Value::Text(conversation_id)])? == 1 => {
                let id = self.conn.last_insert_rowid();
                self.remember(conversation_id, id);
                id
            }
            None => self.stored_conversation(conversation_id)?,
        };
        self.touch(id);
        Ok(id)
    }

    /// The row of a model's name, added when new.
    fn model_row(&mut self, name: &str) -> rusqlite::Result<i64> {
        // Most messages name the model the one before named: no hash.
        if let Some((last, id)) = &self.last_model {
            if **last == *name {
                return Ok(*id);
            }
        }
        if let Some((kept, &id)) = self.models.get_key_value(name) {
            self.last_model = Some((kept.clone(), id));
            return Ok(id);
        }
        let id = match self.find_model.query_row([name], |r| r.get(0)).optional()? {
            Some(id) => id,
            None => {
                self.new_model.execute([name])?;
                self.conn.last_insert_rowid()
            }
        };
        let name: std::rc::Rc<str> = name.into();
        self.models.insert(name.clone(), id);
        self.last_model = Some((name, id));
        Ok(id)
    }

    /// Notes that the conversation `id` changed.
    fn touch(&mut self, id: i64) {
        // The records of a conversation usually come together: noted once.
        if self.last_touched == id {
            return;
        }
        self.last_touched = id;
        if let Some(touched) = &mut self.touched {
            touched.insert(id);
            if touched.len() > CHANGED_LIMIT {
                self.touched = None;
            }
        }
    }

    fn conversation(&mut self, c: &Conversation) -> rusqlite::Result<()> {
        // The same compact JSON as `Value::Object(map).to_string()`, without a copy of the map.
        let metadata = c.metadata.as_ref().map(|m| serde_json::to_string(m).unwrap_or_default());
        let known = self.known_conversation(&c.conversation_id);
        let id = match known {
            Some(id) => id,
            // As for an event's conversation (`conversation_row`).
            None if self.insert_conversation.run(&[
                Value::Text(&c.conversation_id),
                c.started_at.map(|t| t.0).into(),
                c.ended_at.map(|t| t.0).into(),
                c.customer_id.as_deref().into(),
                c.customer_ip_address.as_deref().into(),
                c.device.as_deref().into(),
                c.source.as_deref().into(),
                c.language.as_deref().into(),
                metadata.as_deref().into(),
            ])? == 1 =>
            {
                let id = self.conn.last_insert_rowid();
                self.remember(&c.conversation_id, id);
                self.touch(id);
                return Ok(());
            }
            None => self.stored_conversation(&c.conversation_id)?,
        };
        self.touch(id);
        // A later line's present fields replace; absent ones erase nothing.
        let old_metadata: Option<String> = self.conversation_metadata.query_row([id], |r| r.get(0))?;
        let merged = merge_metadata(old_metadata.as_deref(), c.metadata.as_ref());
        self.update_conversation.execute(params![
            id,
            c.started_at.map(|t| t.0),
            c.ended_at.map(|t| t.0),
            c.customer_id,
            c.customer_ip_address,
            c.device,
            c.source,
            c.language,
            merged,
        ])?;
        Ok(())
    }

    fn message(&mut self, m: &Message, words: Option<&str>, packed: Option<&[u8]>) -> rusqlite::Result<()> {
        let conversation = self.conversation_row(&m.conversation_id)?;
        let key = Key::of(m.message_id.as_deref(), || m.identity());
        let model = match m.model.as_deref() {
            Some(name) => Some(self.model_row(name)?),
            None => None,
        };
        let content = match packed {
            Some(packed) => Value::Blob(packed),
            None => m.content.as_deref().into(),
        };
        let fields = [
            Value::Integer(role_code(m.role)),
            Value::Integer(m.timestamp.0 - TIME_ORIGIN),
            content,
            model.into(),
            m.prompt_tokens.map(|n| n as i64).into(),
            m.completion_tokens.map(|n| n as i64).into(),
            m.cost.map_or(Value::Null, price_value),
            m.foreign_cost.as_ref().map(|f| f.amount).into(),
            m.foreign_cost.as_ref().map(|f| f.currency.as_str()).into(),
            Value::Integer(i64::from(m.time_unknown)),
        ];
        let new = self.next_message;
        let row = if self.message_key.run(&[Value::Integer(conversation), key.value(), Value::Integer(new)])? == 1 {
            let [a, b, c, d, e, f, g, h, i, j] = fields;
            self.insert_message.run(&[
                Value::Integer(new),
                Value::Integer(conversation),
                a,
                b,
                c,
                d,
                e,
                f,
                g,
                h,
                i,
                j,
            ])?;
            self.next_message += 1;
            new
        } else {
            // The key was taken: the record is stored already, as this
            // file or an earlier one gave it.
            let row: i64 = self.find_message.query_row(params![conversation, key], |r| r.get(0))?;
            // The words it was indexed with: found again from its text
            // as stored, before it is replaced (schema.rs, 9).
            let old_words = match &self.words {
                Some(_) => self.message_content.query_row([row], |r| {
                    let text = self.codec.text(r.get_ref(0)?).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, e.into())
                    })?;
                    Ok(text.as_deref().map(message_words))
                })?,
                None => None,
            };
            let changed = self
                .update_message
                .execute(rusqlite::params_from_iter(std::iter::once(Value::Integer(row)).chain(fields)))?;
            if changed == 0 {
                // Stored already, exactly as given.
                return Ok(());
            }
            if let (Some(index), Some(old)) = (&mut self.words, old_words.filter(|w| !w.is_empty())) {
                index.forget.execute(params![row, old])?;
            }
            row
        };
        if let Some(index) = &mut self.words {
            let found;
            let words = match (words, m.content.as_deref()) {
                (Some(w), _) => w,
                (None, Some(content)) => {
                    found = message_words(content);
                    found.as_str()
                }
                (None, None) => "",
            };
            if !words.is_empty() {
                index.add.run(&[Value::Integer(row), Value::Text(words)])?;
            }
        }
        Ok(())
    }

    fn action(&mut self, a: &Action) -> rusqlite::Result<()> {
        let conversation = self.conversation_row(&a.conversation_id)?;
        let key = Key::of(a.action_id.as_deref(), || a.identity());
        let new = self.next_action;
        if self.action_key.run(&[Value::Integer(conversation), key.value(), Value::Integer(new)])? == 1 {
            self.insert_action.run(&[
                Value::Integer(new),
                Value::Integer(conversation),
                Value::Text(&a.name),
                Value::Integer(a.started_at.0),
                a.duration_ms.into(),
                a.status.as_deref().into(),
                Value::Integer(i64::from(a.error)),
            ])?;
            self.next_action += 1;
        } else {
            let row: i64 = self.find_action.query_row(params![conversation, key], |r| r.get(0))?;
            self.update_action.execute(params![row, a.name, a.started_at.0, a.duration_ms, a.status, a.error])?;
        }
        Ok(())
    }

    fn feedback(&mut self, f: &Feedback) -> rusqlite::Result<()> {
        let conversation = self.conversation_row(&f.conversation_id)?;
        let key = Key::of(f.feedback_id.as_deref(), || f.identity());
        let fields = [
            f.message_id.as_deref().into(),
            f.timestamp.map(|t| t.0).into(),
            Value::Text(f.rating.as_str()),
            f.score.into(),
            f.comment.as_deref().into(),
        ];
        let new = self.next_feedback;
        if self.feedback_key.run(&[Value::Integer(conversation), key.value(), Value::Integer(new)])? == 1 {
            let [a, b, c, d, e] = fields;
            self.insert_feedback.run(&[Value::Integer(new), Value::Integer(conversation), a, b, c, d, e])?;
            self.next_feedback += 1;
        } else {
            let row: i64 = self.find_feedback.query_row(params![conversation, key], |r| r.get(0))?;
            self.update_feedback
                .execute(rusqlite::params_from_iter(std::iter::once(Value::Integer(row)).chain(fields)))?;
        }
        Ok(())
    }

    /// Completes the file's entry and commits: from here on the file's
    /// records are in the store, all of them.
    pub fn commit(mut self, format: &str, records: u64, rejected: u64) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE import_file SET format = ?2, records = ?3, rejected = ?4 WHERE id = ?1",
            params![self.file, format, records as i64, rejected as i64],
        )?;
        // In the same transaction: facts kept of the store before this file
        // are no longer of it, and what changed is listed.
        self.conn.execute(
            "INSERT INTO store_change (before, after, whole)
             SELECT generation, random(), ?1 FROM store_generation WHERE id = 1",
            [self.touched.is_none()],
        )?;
        let seq = self.conn.last_insert_rowid();
        self.conn.execute(
            "UPDATE store_generation SET generation = (SELECT after FROM store_change WHERE seq = ?1) WHERE id = 1",
            [seq],
        )?;
        if let Some(touched) = &self.touched {
            let mut insert =
                self.conn.prepare("INSERT INTO changed_conversation (seq, conversation) VALUES (?1, ?2)")?;
            for id in touched {
                insert.execute([seq, *id])?;
            }
        }
        self.conn.execute("DELETE FROM changed_conversation WHERE seq <= ?1", [seq - CHANGES_KEPT])?;
        self.conn.execute("DELETE FROM store_change WHERE seq <= ?1", [seq - CHANGES_KEPT])?;
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }

    /// Drops everything written since `begin`.
    pub fn rollback(mut self) -> rusqlite::Result<()> {
        self.open = false;
        self.conn.execute_batch("ROLLBACK")
    }
}

/// A role as the store keeps it (schema.rs, 7: `role_code`).
pub(super) fn role_code(role: Role) -> i64 {
    match role {
        Role::User => 0,
        Role::Agent => 1,
        Role::System => 2,
        Role::Tool => 3,
    }
}

/// The role of a stored `role_code`.
pub(super) fn role_of_code(code: i64) -> Role {
    match code {
        0 => Role::User,
        1 => Role::Agent,
        3 => Role::Tool,
        _ => Role::System,
    }
}

/// What a message's time is counted from in the store (schema.rs, 9:
/// `at`), 2026-01-01T00:00:00Z: within about four years of it, a time
/// takes 6 bytes, not 8. Times are bounded (`model::time`): never overflows.
pub(super) const TIME_ORIGIN: i64 = 1_767_225_600_000_000;

/// A cost as the store keeps it (schema.rs, 9: `price`): a whole number of
/// 10^-10 dollars when that reads back as exactly this cost (SQLite
/// divides it by 1e10 as a double, as here), otherwise the cost as given.
pub(super) fn price(cost: f64) -> rusqlite::types::Value {
    match price_value(cost) {
        Value::Integer(units) => rusqlite::types::Value::Integer(units),
        _ => rusqlite::types::Value::Real(cost),
    }
}

/// [`price`], as the import binds it.
fn price_value(cost: f64) -> Value<'static> {
    let units = (cost * 1e10).round();
    if units.abs() < 9_007_199_254_740_992.0 && (units / 1e10).to_bits() == cost.to_bits() {
        Value::Integer(units as i64)
    } else {
        Value::Real(cost)
    }
}

/// The full-text index's statements for one file.
struct WordsIndex<'c> {
    add: Direct<'c>,
    forget: Statement<'c>,
}

/// A message's words as the full-text index takes them (schema.rs, 6):
/// the word rule's words, one space between.
pub fn message_words(content: &str) -> String {
    crate::metrics::words::words(content).join(" ")
}

/// The statement that gives a key of `table` (`message_key` and the
/// others) to a new row, or nothing when the record has it already.
fn claim_key(table: &str) -> String {
    format!("INSERT INTO {table} (conversation, key, id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")
}

/// A record's key in its table (schema.rs, 7): the id it was given, as
/// text, or, without one, its identity from its content, as a blob.
enum Key<'a> {
    Given(&'a str),
    Content(String),
}

impl<'a> Key<'a> {
    fn of(id: Option<&'a str>, identity: impl FnOnce() -> String) -> Key<'a> {
        match id {
            Some(id) => Key::Given(id),
            None => Key::Content(identity()),
        }
    }
}

impl Key<'_> {
    fn value(&self) -> Value<'_> {
        match self {
            Key::Given(id) => Value::Text(id),
            Key::Content(identity) => Value::Blob(identity.as_bytes()),
        }
    }
}

impl ToSql for Key<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(self.value().value_ref()))
    }
}

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(self.value_ref()))
    }
}

impl<'a> Value<'a> {
    fn value_ref(self) -> ValueRef<'a> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(n) => ValueRef::Integer(n),
            Value::Real(x) => ValueRef::Real(x),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

/// Metadata merges key by key: a later line's keys replace, others stay.
fn merge_metadata(old: Option<&str>, new: Option<&serde_json::Map<String, serde_json::Value>>) -> Option<String> {
    let old_map = old.and_then(|s| match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(m)) => Some(m),
        _ => None,
    });
    match (old_map, new) {
        (None, None) => None,
        (Some(m), None) => Some(serde_json::Value::Object(m).to_string()),
        (None, Some(n)) => Some(serde_json::Value::Object(n.clone()).to_string()),
        (Some(mut m), Some(n)) => {
            for (k, v) in n {
                m.insert(k.clone(), v.clone());
            }
            // Many lines may each add keys: the merge is held to the same size.
            crate::model::bound_metadata(&mut m);
            Some(serde_json::Value::Object(m).to_string())
        }
    }
}

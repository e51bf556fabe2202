//! Writing one imported file: upserts keyed on identity, inside one transaction.

use super::append::Appender;
use super::direct::{Direct, Value};
use super::new_keys::{Claim, NewKeys, Run, RUN};
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
    ids: HashMap<String, i64, crate::text::TextHashing>,
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
    /// A first import's pages written out as it goes (writeback.rs).
    writeback: Option<super::writeback::Writeback>,
    /// The full-text index, when the store has it (schema.rs, 10): each
    /// conversation's words go in once they are all in hand
    /// ([`FileWriter::conversation_words`]); those of a conversation
    /// changed otherwise are written again from what is stored, at the commit.
    words: Option<WordsIndex<'c>>,
    /// The first conversation row this file adds (rows are given in order
    /// and never taken back): rows before it were stored before the file.
    first_new_conversation: i64,
    // The statements run for (nearly) every record go through SQLite's C
    // interface directly (direct.rs); the others through rusqlite.
    find_conversation: Direct<'c>,
    new_conversation: Direct<'c>,
    insert_conversation: Direct<'c>,
    conversation_metadata: Statement<'c>,
    update_conversation: Statement<'c>,
    /// New messages, several to a statement (append.rs).
    insert_message: Appender<'c>,
    message_keys: KeyTable<'c>,
    /// The row the next new message gets (and so for actions and feedback):
    /// what SQLite would choose, known before the row is written.
    next_message: i64,
    update_message: Statement<'c>,
    find_model: Statement<'c>,
    new_model: Statement<'c>,
    /// The row of each model name this file used (`model_name`), and of the last one.
    models: HashMap<std::rc::Rc<str>, i64>,
    last_model: Option<(std::rc::Rc<str>, i64)>,
    insert_action: Appender<'c>,
    action_keys: KeyTable<'c>,
    next_action: i64,
    update_action: Statement<'c>,
    insert_feedback: Appender<'c>,
    feedback_keys: KeyTable<'c>,
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
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'conversation_words'",
            [],
            |r| r.get(0),
        )?;
        let words = if indexed {
            Some(WordsIndex {
                add: Direct::prepare(conn, "INSERT INTO conversation_words (rowid, words) VALUES (?1, ?2)")?,
                stale: Some(std::collections::HashSet::new()),
                given: Bits::default(),
                held: HeldWords::default(),
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
            // one opened the store: the messages of a conversation changed
            // are read back at the commit (their words, for the full-text index).
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
        // The keys of a file into an empty key table (a first import) are
        // decided in memory and written a run at a time (new_keys.rs).
        let empty = |table: &str| key_table_is_empty(conn, table);
        let empty = [empty("message_key")?, empty("action_key")?, empty("feedback_key")?];
        let run = if empty.contains(&true) { Some(std::rc::Rc::new(Run::register(conn)?)) } else { None };
        // The run for each key table that was empty, none for the others.
        let run_if = |empty: bool| run.as_ref().filter(|_| empty);
        // Rows are never given to two records (no AUTOINCREMENT needed:
        // a new row always comes after the last, as SQLite itself would place it).
        let next_row = |table: &str| -> rusqlite::Result<i64> {
            conn.query_row(&format!("SELECT coalesce(max(id), 0) + 1 FROM {table}"), [], |r| r.get(0))
        };
        Ok(FileWriter {
            conn,
            codec,
            packing,
            ids: HashMap::default(),
            last: None,
            next_message: next_row("message")?,
            first_new_conversation: next_row("conversation")?,
            next_action: next_row("action")?,
            next_feedback: next_row("feedback")?,
            touched: Some(std::collections::HashSet::new()),
            last_touched: 0,
            file,
            open: true,
            rollback_journal,
            writeback: if rollback_journal { super::writeback::Writeback::of(conn) } else { None },
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
            insert_message: Appender::prepare(
                conn,
                "message_row",
                &[
                    "conversation",
                    "role_code",
                    "at",
                    "content",
                    "model_id",
                    "prompt_tokens",
                    "completion_tokens",
                    "price",
                    "foreign_cost",
                    "foreign_currency",
                    "time_unknown",
                ],
            )?,
            message_keys: KeyTable::prepare(conn, "message_key", run_if(empty[0]))?,
            // A record given again exactly as stored is left as it is.
            update_message: conn.prepare(
                "UPDATE message_row SET
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
            insert_action: Appender::prepare(
                conn,
                "action",
                &["conversation", "name", "started_at", "duration_ms", "status", "error"],
            )?,
            action_keys: KeyTable::prepare(conn, "action_key", run_if(empty[1]))?,
            update_action: conn.prepare(
                "UPDATE action SET name = ?2, started_at = ?3, duration_ms = ?4, status = ?5, error = ?6
                 WHERE id = ?1",
            )?,
            insert_feedback: Appender::prepare(
                conn,
                "feedback",
                &["conversation", "message_id", "timestamp", "rating", "score", "comment"],
            )?,
            feedback_keys: KeyTable::prepare(conn, "feedback_key", run_if(empty[2]))?,
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

    /// Whether the store has the full-text index (schema.rs, 10).
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
        self.write_record(record, None, false)
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

    /// [`FileWriter::write`], with a message's text packed already, on
    /// another thread, with this file's dictionary ([`super::TextPacker`]),
    /// and the words of each conversation the file's messages are in given
    /// by [`FileWriter::conversation_words`] after them (when the store
    /// has the full-text index, [`FileWriter::indexes_words`]).
    pub fn write_prepared(&mut self, record: &Record, packed: Option<&[u8]>) -> rusqlite::Result<()> {
        if let Some(writeback) = &mut self.writeback {
            writeback.record(self.conn)?;
        }
        self.write_record(record, packed, true)
    }

    fn write_record(&mut self, record: &Record, packed: Option<&[u8]>, words_follow: bool) -> rusqlite::Result<()> {
        match record {
            Record::Conversation(c) => self.conversation(c),
            Record::Message(m) => self.message(m, packed, words_follow),
            Record::Action(a) => self.action(a),
            Record::Feedback(f) => self.feedback(f),
        }
    }

    /// The words of the conversation `conversation_id`'s messages that
    /// this file wrote since it last gave them (each said once, one space
    /// between, as [`ConversationWords`] gathers them), once they are all
    /// in hand. The conversation's messages were written first.
    ///
    /// A conversation this file added, given its words for the first time,
    /// has them as its document in the full-text index; any other (stored
    /// before, or given words a second time) has its document written again
    /// from its messages as stored, at the commit.
    pub fn conversation_words(&mut self, conversation_id: &str, words: &str) -> rusqlite::Result<()> {
        if self.words.is_none() || words.is_empty() {
            return Ok(());
        }
        // Looked up without making it the last conversation: the next
        // record's is most likely the last one's.
        let known = match &self.last {
            Some((last, row)) if last == conversation_id => Some(*row),
            _ => self.ids.get(conversation_id).copied(),
        };
        let row = match known {
            Some(row) => row,
            None => self.stored_conversation(conversation_id)?,
        };
        let first_new = self.first_new_conversation;
        let Some(index) = &mut self.words else { return Ok(()) };
        let fresh = match (usize::try_from(row - first_new), &index.stale) {
            (Ok(added), Some(stale)) if !stale.contains(&row) => !index.given.replace(added),
            _ => false,
        };
        if fresh {
            index.hold(row, words)?;
        } else {
            index.stale_words(row);
        }
        Ok(())
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

    fn message(&mut self, m: &Message, packed: Option<&[u8]>, words_follow: bool) -> rusqlite::Result<()> {
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
        if let Some(row) = self.message_keys.take(conversation, &key, new)? {
            // The key was taken: the record is stored already, as this
            // file or an earlier one gave it (perhaps among the rows held).
            self.insert_message.flush()?;
            let changed = self
                .update_message
                .execute(rusqlite::params_from_iter(std::iter::once(Value::Integer(row)).chain(fields)))?;
            // Stored already, exactly as given (changed == 0), or replaced:
            // the conversation's words may have lost some of the old text's.
            if changed > 0 {
                if let Some(index) = &mut self.words {
                    index.stale_words(conversation);
                }
            }
            return Ok(());
        }
        let [a, b, c, d, e, f, g, h, i, j] = fields;
        self.insert_message.push(new, &[Value::Integer(conversation), a, b, c, d, e, f, g, h, i, j])?;
        self.next_message += 1;
        if !words_follow && m.content.is_some() {
            // Nobody gathers this conversation's words: read back at the commit.
            if let Some(index) = &mut self.words {
                index.stale_words(conversation);
            }
        }
        Ok(())
    }

    fn action(&mut self, a: &Action) -> rusqlite::Result<()> {
        let conversation = self.conversation_row(&a.conversation_id)?;
        let key = Key::of(a.action_id.as_deref(), || a.identity());
        let new = self.next_action;
        if let Some(row) = self.action_keys.take(conversation, &key, new)? {
            self.insert_action.flush()?;
            self.update_action.execute(params![row, a.name, a.started_at.0, a.duration_ms, a.status, a.error])?;
        } else {
            self.insert_action.push(
                new,
                &[
                    Value::Integer(conversation),
                    Value::Text(&a.name),
                    Value::Integer(a.started_at.0),
                    a.duration_ms.into(),
                    a.status.as_deref().into(),
                    Value::Integer(i64::from(a.error)),
                ],
            )?;
            self.next_action += 1;
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
        if let Some(row) = self.feedback_keys.take(conversation, &key, new)? {
            self.insert_feedback.flush()?;
            self.update_feedback
                .execute(rusqlite::params_from_iter(std::iter::once(Value::Integer(row)).chain(fields)))?;
        } else {
            let [a, b, c, d, e] = fields;
            self.insert_feedback.push(new, &[Value::Integer(conversation), a, b, c, d, e])?;
            self.next_feedback += 1;
        }
        Ok(())
    }

    /// Completes the file's entry and commits: from here on the file's
    /// records are in the store, all of them.
    pub fn commit(mut self, format: &str, records: u64, rejected: u64) -> rusqlite::Result<()> {
        let _step = crate::trace::step(|| "import: the file's transaction completed".to_owned());
        // The rows held first: the words of conversations changed are read back from them.
        for rows in [&mut self.insert_message, &mut self.insert_action, &mut self.insert_feedback] {
            rows.flush()?;
        }
        // The keys held in memory first: the words of conversations changed
        // are read back through them.
        for keys in [&mut self.message_keys, &mut self.action_keys, &mut self.feedback_keys] {
            keys.write_held()?;
        }
        // The documents held before those written again: a conversation's
        // document held and then changed is taken out and written again.
        if let Some(index) = &mut self.words {
            let _step = crate::trace::step(|| "import: the documents held written".to_owned());
            index.write_held()?;
        }
        self.write_stale_words()?;
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
        let step = crate::trace::step(|| "import: COMMIT".to_owned());
        self.conn.execute_batch("COMMIT")?;
        drop(step);
        self.open = false;
        Ok(())
    }

    /// Writes again, from their messages as stored, the documents of the
    /// conversations whose words this file changed otherwise than by
    /// giving them once for a conversation it added (all of them when
    /// they were too many to list).
    fn write_stale_words(&mut self) -> rusqlite::Result<()> {
        let Some(index) = &mut self.words else { return Ok(()) };
        let _step = crate::trace::step(|| "import: words of conversations changed".to_owned());
        match index.stale.take() {
            Some(stale) if stale.is_empty() => Ok(()),
            Some(stale) => {
                let mut rows: Vec<i64> = stale.into_iter().collect();
                rows.sort_unstable();
                let mut forget = self.conn.prepare("DELETE FROM conversation_words WHERE rowid = ?1")?;
                let mut write = self.conn.prepare(&format!(
                    "INSERT INTO conversation_words (rowid, words) {}",
                    stored_words("AND k.conversation = ?1")
                ))?;
                for row in rows {
                    forget.execute([row])?;
                    write.execute([row])?;
                }
                Ok(())
            }
            None => self.conn.execute_batch(&format!(
                "INSERT INTO conversation_words (conversation_words) VALUES ('delete-all');
                 INSERT INTO conversation_words (rowid, words) {};",
                stored_words("")
            )),
        }
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

/// The full-text index as one file writes it.
struct WordsIndex<'c> {
    add: Direct<'c>,
    /// The conversations whose document is written again from their
    /// messages as stored, at the commit; `None`: all of them (too many to list).
    stale: Option<std::collections::HashSet<i64>>,
    /// The conversations this file added that have their document, one bit
    /// each, by row from the first it added: a bit a conversation, however
    /// large the file.
    given: Bits,
    /// The documents given, not written yet.
    held: HeldWords,
}

/// The documents of conversations a file added, held until there are
/// [`HELD_WORDS`] bytes of words, then written one after another.
///
/// Up to schema 10, the statements that write several rows of `message`
/// at a time (append.rs) were given a savepoint each (the table's `cost`
/// was computed with a function, which SQLite counts as a way to fail
/// midway), and the full-text index writes out the terms it holds in memory at each: a
/// segment more to write and merge. The documents were held then in
/// batches of 4 MB. Since schema 11 no statement of an import takes a
/// savepoint, and the index holds its terms up to its `hashsize` (16 MB)
/// whatever the batches: they are small, so that the last one, written
/// at the file's end while the reading thread has nothing left to do, is
/// short (on the benchmark's dump 4 ms where it was 34 ms).
#[derive(Default)]
struct HeldWords {
    /// Each document's row and where its words are in `words`.
    documents: Vec<(i64, usize, usize)>,
    words: String,
}

/// How many bytes of words are held before they are written.
const HELD_WORDS: usize = if cfg!(test) { 64 } else { 256 << 10 };

/// A set of small numbers, one bit each.
#[derive(Default)]
pub(super) struct Bits(Vec<u64>);

impl Bits {
    /// Whether bit `n` is set.
    pub(super) fn contains(&self, n: usize) -> bool {
        self.0.get(n / 64).is_some_and(|word| word & (1u64 << (n % 64)) != 0)
    }

    /// Sets bit `n`, and says whether it was set.
    pub(super) fn replace(&mut self, n: usize) -> bool {
        let (word, bit) = (n / 64, 1u64 << (n % 64));
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        let was = self.0[word] & bit != 0;
        self.0[word] |= bit;
        was
    }
}

/// More conversations than this to write again from what is stored: the
/// whole index is, rather than a list this long kept. (Eight in this
/// crate's own tests, so that they reach that path with a few records.)
const STALE_LIMIT: usize = if cfg!(test) { 8 } else { 50_000 };

impl WordsIndex<'_> {
    /// Holds the document of the conversation `row`, and writes those held
    /// once they are [`HELD_WORDS`] bytes.
    fn hold(&mut self, row: i64, words: &str) -> rusqlite::Result<()> {
        let held = &mut self.held;
        held.words.push_str(words);
        held.documents.push((row, held.words.len() - words.len(), held.words.len()));
        if held.words.len() >= HELD_WORDS {
            self.write_held()?;
        }
        Ok(())
    }

    /// Writes the documents held.
    fn write_held(&mut self) -> rusqlite::Result<()> {
        let held = &mut self.held;
        let written = held.documents.iter().try_for_each(|&(row, start, end)| {
            self.add.run(&[Value::Integer(row), Value::Text(&held.words[start..end])]).map(drop)
        });
        held.documents.clear();
        held.words.clear();
        written
    }

    fn stale_words(&mut self, conversation: i64) {
        if let Some(stale) = &mut self.stale {
            stale.insert(conversation);
            if stale.len() > STALE_LIMIT {
                self.stale = None;
            }
        }
    }
}

/// The conversations' documents (row, words) as their messages stored
/// give them (`rapport_words`, mod.rs), of those `and` selects (written
/// on `k`, the conversation's `message_key` rows); as migration 10 makes
/// them, a message's words after another's.
fn stored_words(and: &str) -> String {
    format!(
        "SELECT conversation, words FROM (
             SELECT k.conversation AS conversation, group_concat(rapport_words(m.content), ' ') AS words
             FROM message_key AS k CROSS JOIN message AS m ON m.id = k.id
             WHERE m.content IS NOT NULL {and}
             GROUP BY k.conversation)
         WHERE trim(words) <> ''"
    )
}

/// A message's words as the word rule finds them, one space between.
pub fn message_words(content: &str) -> String {
    crate::metrics::words::words(content).join(" ")
}

/// The most room for words [`ConversationWords::take`] keeps (a thousand
/// conversations are gathered at once).
const KEPT_ROOM: usize = 16 << 10;

/// Gathers the words of a conversation's messages for its document in the
/// full-text index (schema.rs, 10): each word once, in the order first
/// said, one space between.
#[derive(Default)]
pub struct ConversationWords {
    words: String,
    /// Where each word kept starts and ends in `words`, by its hash: a word
    /// whose hash is there is compared with the word kept (two words of one
    /// hash are both kept; a word twice in a document changes nothing).
    seen: std::collections::HashMap<u64, (u32, u32), std::hash::BuildHasherDefault<crate::text::HashIsKey>>,
}

impl ConversationWords {
    /// Adds a word (a run of the word rule: no space in it).
    pub fn add(&mut self, word: &str) {
        self.add_hashed(xxhash_rust::xxh3::xxh3_64(word.as_bytes()), word);
    }

    /// [`ConversationWords::add`] of a word whose hash is known (from [`ConversationWords::hashed`]).
    pub fn add_hashed(&mut self, hash: u64, word: &str) {
        if let Some(&(start, end)) = self.seen.get(&hash) {
            if self.words.get(start as usize..end as usize) == Some(word) {
                return;
            }
        }
        if !self.words.is_empty() {
            self.words.push(' ');
        }
        let start = self.words.len();
        self.words.push_str(word);
        if let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(self.words.len())) {
            self.seen.entry(hash).or_insert((start, end));
        }
    }

    /// The words gathered, each with its hash (for [`ConversationWords::add_hashed`]), in order.
    pub fn hashed(&self) -> impl Iterator<Item = (u64, &str)> {
        self.words.split(' ').filter(|w| !w.is_empty()).map(|w| (xxhash_rust::xxh3::xxh3_64(w.as_bytes()), w))
    }

    /// The words gathered, each once, one space between.
    pub fn words(&self) -> &str {
        &self.words
    }

    /// The words gathered, leaving none (and the room they took, for the
    /// next conversation's: growing a string word by word is dearer than
    /// copying it out once).
    pub fn take(&mut self) -> String {
        self.seen.clear();
        let words = self.words.as_str().to_owned();
        self.words.clear();
        if self.words.capacity() > KEPT_ROOM {
            self.words = String::new();
        }
        words
    }

    /// How many bytes the words take.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// A key table (`message_key` and the others) as one file takes keys in it.
struct KeyTable<'c> {
    /// The keys this file gave, while the table was empty when the file
    /// began (its first import): decided in memory, written a run at a
    /// time (new_keys.rs).
    in_memory: Option<InMemory<'c>>,
    /// Takes a key for a new row, unless the key is taken: one statement
    /// where a lookup and an insert were.
    claim: Direct<'c>,
    find: Statement<'c>,
}

struct InMemory<'c> {
    keys: NewKeys,
    /// How many new keys were noted, and how many of them were looked up
    /// in the table first (their conversation had keys written).
    noted: usize,
    asked_new: usize,
    run: std::rc::Rc<Run>,
    /// Writes a run of keys (`Run::statement`).
    insert: Direct<'c>,
}

impl<'c> KeyTable<'c> {
    /// `run`: `rapport_new_keys` made this connection's for this file,
    /// given when `table` was empty as the file began (its keys are then
    /// held in memory), none otherwise.
    fn prepare(conn: &'c Connection, table: &str, run: Option<&std::rc::Rc<Run>>) -> rusqlite::Result<KeyTable<'c>> {
        let in_memory = match run {
            Some(run) => Some(InMemory {
                keys: NewKeys::default(),
                noted: 0,
                asked_new: 0,
                run: run.clone(),
                insert: Direct::prepare(conn, &Run::statement(table))?,
            }),
            None => None,
        };
        Ok(KeyTable {
            in_memory,
            claim: Direct::prepare(
                conn,
                &format!("INSERT INTO {table} (conversation, key, id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"),
            )?,
            find: conn.prepare(&format!("SELECT id FROM {table} WHERE conversation = ?1 AND key = ?2"))?,
        })
    }

    /// Gives `key` of `conversation` to the new row `new`: `None` when the
    /// key was free (the caller writes that row), else the row that has it.
    fn take(&mut self, conversation: i64, key: &Key<'_>, new: i64) -> rusqlite::Result<Option<i64>> {
        let Some(memory) = &mut self.in_memory else {
            if self.claim.run(&[Value::Integer(conversation), key.value(), Value::Integer(new)])? == 1 {
                return Ok(None);
            }
            return Ok(Some(self.find.query_row(params![conversation, key], |r| r.get(0))?));
        };
        let taken = match memory.keys.claim(conversation, key.value(), new) {
            Claim::New => {
                memory.noted += 1;
                None
            }
            Claim::Taken(row) => Some(row),
            Claim::Ask => {
                let row = self.find.query_row(params![conversation, key], |r| r.get(0)).optional()?;
                if row.is_none() {
                    memory.keys.hold(conversation, key.value(), new);
                    memory.noted += 1;
                    memory.asked_new += 1;
                }
                row
            }
        };
        if memory.asked_new > RUN && memory.asked_new * 4 > memory.noted {
            // A file whose conversations are interleaved: many keys are of
            // conversations with keys written, looked up and then written
            // in a run, which costs more than taking each in the table.
            return self.write_held().map(|()| taken);
        }
        if memory.keys.run_is_ready() {
            if let Some(room) = memory.run.write(memory.keys.take_run(), &mut memory.insert)? {
                memory.keys.reuse(room);
            }
        }
        Ok(taken)
    }

    /// Writes the keys held in memory into the table, at the file's end.
    fn write_held(&mut self) -> rusqlite::Result<()> {
        match self.in_memory.take() {
            Some(mut memory) => memory.run.write(memory.keys.take_run(), &mut memory.insert).map(drop),
            None => Ok(()),
        }
    }
}

fn key_table_is_empty(conn: &Connection, table: &str) -> rusqlite::Result<bool> {
    conn.query_row(&format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"), [], |r| r.get(0))
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

#[cfg(test)]
mod tests {
    use super::STALE_LIMIT;
    use crate::demo::{records, DemoOptions};
    use crate::model::{Message, Micros, Record};
    use crate::store::Store;
    use std::collections::{BTreeSet, HashMap};

    #[test]
    fn conversation_words_keep_each_word_once_in_order_first_said_however_they_are_added() {
        let said = ["where is my order", "my order is late", "late again where"];
        let mut plain = super::ConversationWords::default();
        said.iter().flat_map(|t| t.split(' ')).for_each(|w| plain.add(w));
        assert_eq!(plain.words(), "where is my order late again");
        let mut hashed = super::ConversationWords::default();
        for text in said {
            let mut once = super::ConversationWords::default();
            text.split(' ').for_each(|w| once.add(w));
            once.hashed().for_each(|(hash, w)| hashed.add_hashed(hash, w));
        }
        assert_eq!(hashed.words(), plain.words());
        assert_eq!(hashed.take(), "where is my order late again");
        assert!(hashed.is_empty());
        hashed.add("again");
        assert_eq!(hashed.words(), "again", "nothing of the words taken is left");
    }

    fn import(store: &mut Store, name: &str, records: &[Record]) {
        let mut writer = store.begin_file(name, 0).unwrap();
        for r in records {
            writer.write(r).unwrap();
        }
        writer.commit("test", records.len() as u64, 0).unwrap();
    }

    /// The ids of the conversations that say `phrase`.
    fn saying(store: &Store, phrase: &str) -> BTreeSet<String> {
        let words = vec![crate::metrics::words::words(phrase)];
        let mut rows = Vec::new();
        store.conversations_saying(&words, |row| rows.push(row)).unwrap();
        let conn = &store.conn;
        rows.iter()
            .map(|row| {
                conn.query_row("SELECT conversation_id FROM conversation WHERE id = ?1", [row], |r| r.get(0)).unwrap()
            })
            .collect()
    }

    /// A file whose records come again within it: some right after
    /// themselves, some after their keys were written in a run (64 keys
    /// in this crate's tests, new_keys.rs), changed or not; half its
    /// messages keyed by their content (no id), and a conversation that
    /// comes back after others.
    fn file_with_records_given_twice() -> Vec<Record> {
        let options = DemoOptions { conversations: 24, seed: 5, end: Micros(1_790_000_000_000_000) };
        let mut file = records(&options);
        let mut n = 0;
        for r in &mut file {
            if let Record::Message(m) = r {
                n += 1;
                if n % 2 == 0 {
                    m.message_id = None;
                }
            }
        }
        let mut again = Vec::new();
        for (i, r) in file.iter().enumerate() {
            let mut r = r.clone();
            match &mut r {
                Record::Message(m) if i % 3 == 0 && m.message_id.is_some() => {
                    m.content = Some(format!("said again, differently {i}"));
                }
                Record::Message(_) if i % 5 == 0 => {}
                Record::Action(a) if i % 2 == 0 => a.name = format!("renamed {i}"),
                Record::Feedback(f) => f.comment = Some(format!("changed {i}")),
                _ => continue,
            }
            again.push(r);
        }
        let first = file.first().cloned();
        file.insert(1, first.expect("demo records"));
        file.extend(again);
        file
    }

    /// Every message, action and feedback of the conversations `ids` as
    /// stored, by identity (conversation and key), not by row.
    fn by_identity(store: &Store, ids: &BTreeSet<String>) -> Vec<String> {
        let conn = &store.conn;
        let mut out = Vec::new();
        for sql in [
            "SELECT c.conversation_id, typeof(k.key), k.key, m.role_code, m.at, m.content, m.model_id, m.price
             FROM message_key k JOIN message m ON m.id = k.id JOIN conversation c ON c.id = k.conversation",
            "SELECT c.conversation_id, typeof(k.key), k.key, a.name, a.started_at, a.duration_ms, a.status, a.error
             FROM action_key k JOIN action a ON a.id = k.id JOIN conversation c ON c.id = k.conversation",
            "SELECT c.conversation_id, typeof(k.key), k.key, f.rating, f.timestamp, f.score, f.comment, f.message_id
             FROM feedback_key k JOIN feedback f ON f.id = k.id JOIN conversation c ON c.id = k.conversation",
        ] {
            let mut stmt = conn.prepare(sql).unwrap();
            let rows = stmt
                .query_map([], |r| {
                    let values: Vec<rusqlite::types::Value> =
                        (0..8).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?;
                    Ok(values)
                })
                .unwrap();
            for row in rows {
                let row = row.unwrap();
                if matches!(&row[0], rusqlite::types::Value::Text(id) if ids.contains(id)) {
                    out.push(format!("{row:?}"));
                }
            }
        }
        out.sort();
        out
    }

    /// A message of a conversation no other test file has.
    fn another_conversations_message() -> Record {
        Record::Message(Message {
            conversation_id: "another".into(),
            message_id: Some("m".into()),
            role: crate::model::Role::User,
            timestamp: Micros(1_780_000_000_000_000),
            content: Some("hello".into()),
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            cost: None,
            foreign_cost: None,
            time_unknown: false,
        })
    }

    fn counted(store: &Store, table: &str) -> i64 {
        store.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_first_import_with_records_given_twice_stores_what_an_import_into_a_store_with_records_does() {
        let file = file_with_records_given_twice();
        let ids: BTreeSet<String> = file.iter().map(|r| r.conversation_id().to_owned()).collect();
        let dir = tempfile::tempdir().unwrap();

        // Into an empty store: its keys decided in memory, written a run at a time.
        let mut first = Store::open(&dir.path().join("first.db")).unwrap();
        let mut writer = first.begin_file("file", 0).unwrap();
        assert!(writer.message_keys.in_memory.is_some(), "an empty key table: keys decided in memory");
        for r in &file {
            writer.write(r).unwrap();
        }
        assert!(writer.message_keys.in_memory.is_some(), "conversations one after another: in memory to the end");
        writer.commit("test", file.len() as u64, 0).unwrap();

        // Into a store that holds a record: each key taken in the table.
        let mut later = Store::open(&dir.path().join("later.db")).unwrap();
        import(&mut later, "before", &[another_conversations_message()]);
        let mut writer = later.begin_file("file", 0).unwrap();
        assert!(writer.message_keys.in_memory.is_none(), "a key table with keys: keys taken there");
        for r in &file {
            writer.write(r).unwrap();
        }
        writer.commit("test", file.len() as u64, 0).unwrap();

        let stored = by_identity(&first, &ids);
        assert!(stored.len() > 100, "the file's records are stored ({})", stored.len());
        assert_eq!(stored, by_identity(&later, &ids), "the same records, each given twice replaced as the file says");
        for table in ["message", "action", "feedback"] {
            assert_eq!(
                counted(&first, table),
                counted(&first, &format!("{table}_key")),
                "every {table} has one key, none has two"
            );
            assert_eq!(counted(&first, table) + i64::from(table == "message"), counted(&later, table));
        }
        // Imported again, into either store, the file changes nothing.
        import(&mut first, "again", &file);
        assert_eq!(by_identity(&first, &ids), stored);
    }

    #[test]
    fn a_first_import_of_interleaved_conversations_takes_its_keys_in_the_table_once_most_are_asked_there() {
        let options = DemoOptions { conversations: 80, seed: 7, end: Micros(1_790_000_000_000_000) };
        let mut file = records(&options);
        // Round robin: each conversation's next record after every other's.
        let mut nth: HashMap<String, usize> = HashMap::new();
        let mut keyed: Vec<(usize, usize, Record)> = Vec::new();
        for (i, r) in file.drain(..).enumerate() {
            let n = nth.entry(r.conversation_id().to_owned()).or_default();
            *n += 1;
            keyed.push((*n, i, r));
        }
        keyed.sort_by_key(|(n, i, _)| (*n, *i));
        let file: Vec<Record> = keyed.into_iter().map(|(_, _, r)| r).collect();
        let ids: BTreeSet<String> = file.iter().map(|r| r.conversation_id().to_owned()).collect();
        let dir = tempfile::tempdir().unwrap();
        let mut first = Store::open(&dir.path().join("first.db")).unwrap();
        let mut writer = first.begin_file("file", 0).unwrap();
        assert!(writer.message_keys.in_memory.is_some());
        for r in &file {
            writer.write(r).unwrap();
        }
        assert!(writer.message_keys.in_memory.is_none(), "most keys asked in the table: taken there");
        writer.commit("test", file.len() as u64, 0).unwrap();
        // Into a store that holds a record: each key taken in the table.
        let mut later = Store::open(&dir.path().join("later.db")).unwrap();
        import(&mut later, "before", &[another_conversations_message()]);
        import(&mut later, "file", &file);
        assert_eq!(by_identity(&first, &ids), by_identity(&later, &ids), "the same records either way");
        assert_eq!(counted(&first, "message"), counted(&first, "message_key"));
    }

    #[test]
    fn a_first_import_rolled_back_after_runs_of_keys_were_written_leaves_no_key() {
        let file = file_with_records_given_twice();
        let ids: BTreeSet<String> = file.iter().map(|r| r.conversation_id().to_owned()).collect();
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let mut writer = store.begin_file("dropped", 0).unwrap();
        for r in &file {
            writer.write(r).unwrap();
        }
        assert!(
            writer.conn.query_row("SELECT count(*) FROM message_key", [], |r| r.get::<_, i64>(0)).unwrap() > 8,
            "runs of keys were written before the end"
        );
        drop(writer);
        for table in ["message_key", "action_key", "feedback_key", "message", "conversation"] {
            assert_eq!(counted(&store, table), 0, "nothing of the file stays in {table}");
        }
        // The next file into the store, empty again, decides its keys in memory as the first did.
        import(&mut store, "file", &file);
        let mut fresh = Store::open(&dir.path().join("fresh.db")).unwrap();
        import(&mut fresh, "file", &file);
        assert_eq!(by_identity(&store, &ids), by_identity(&fresh, &ids));
    }

    #[test]
    fn a_first_import_killed_after_its_pages_were_written_out_leaves_the_store_as_it_was() {
        let file = records(&DemoOptions { conversations: 400, seed: 5, end: Micros(1_790_000_000_000_000) });
        let ids: BTreeSet<String> = file.iter().map(|r| r.conversation_id().to_owned()).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        let mut writer = store.begin_file("file", 0).unwrap();
        let empty = std::fs::metadata(&path).unwrap().len();
        assert!(writer.writeback.is_some() == cfg!(target_os = "linux"), "a first import is written out as it goes");
        for r in &file {
            writer.write_prepared(r, None).unwrap();
        }
        let written = std::fs::metadata(&path).unwrap().len();
        if cfg!(target_os = "linux") {
            assert!(written > empty, "pages written before the commit ({written} bytes, {empty} empty)");
        }
        // What a process killed here leaves: the file as written so far, and its journal.
        let killed = dir.path().join("killed");
        std::fs::create_dir(&killed).unwrap();
        for suffix in ["", "-journal"] {
            std::fs::copy(format!("{}{suffix}", path.display()), killed.join(format!("s.db{suffix}"))).unwrap();
        }
        writer.commit("test", file.len() as u64, 0).unwrap();
        let after_kill = Store::open(&killed.join("s.db")).unwrap();
        for table in ["conversation", "message", "action", "feedback", "message_key"] {
            assert_eq!(counted(&after_kill, table), 0, "nothing of the killed import stays in {table}");
        }
        let mut fresh = Store::open(&dir.path().join("fresh.db")).unwrap();
        import(&mut fresh, "file", &file);
        assert_eq!(by_identity(&store, &ids), by_identity(&fresh, &ids), "committed, as an import of the file");
    }

    fn message_saying(conversation_id: &str, message_id: &str, content: &str) -> Record {
        Record::Message(Message {
            conversation_id: conversation_id.into(),
            message_id: Some(message_id.into()),
            content: Some(content.into()),
            ..match another_conversations_message() {
                Record::Message(m) => m,
                _ => unreachable!("a message"),
            }
        })
    }

    #[test]
    fn documents_held_until_the_commit_are_written_before_those_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let mut writer = store.begin_file("file", 0).unwrap();
        let ids: BTreeSet<String> = (0..12).map(|i| format!("c{i}")).collect();
        for i in 0..12 {
            let id = format!("c{i}");
            let said = if i == 11 { "alpha beta delta".to_owned() } else { format!("alpha beta w{i}") };
            writer.write_prepared(&message_saying(&id, "m0", &said), None).unwrap();
            // Some are written as they come (more than HELD_WORDS), the last ones at the commit.
            writer.conversation_words(&id, &super::message_words(&said)).unwrap();
        }
        // The last conversation's message, whose words are still held, is
        // given again, saying something else: its document is written
        // again from what is stored, after the one held, and its old words go.
        writer.write_prepared(&message_saying("c11", "m0", "alpha beta gamma"), None).unwrap();
        writer.commit("test", 13, 0).unwrap();
        let matching = |word: &str| -> i64 {
            let sql = "SELECT count(*) FROM conversation_words WHERE conversation_words MATCH ?1";
            store.conn.query_row(sql, [word], |r| r.get(0)).unwrap()
        };
        assert_eq!(matching("delta"), 0, "the words of the text replaced are gone from the index");
        assert_eq!(matching("gamma"), 1);
        assert_eq!(matching("alpha"), 12, "every document held is written");
        assert_eq!(saying(&store, "alpha beta"), ids);
        assert_eq!(counted(&store, "conversation_words_docsize"), 12, "one document a conversation");
    }

    #[test]
    fn more_conversations_changed_than_listed_have_the_whole_index_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let options =
            DemoOptions { conversations: 4 * STALE_LIMIT as u32, seed: 1, end: Micros(1_790_000_000_000_000) };
        let mut first = records(&options);
        for r in &mut first {
            if let Record::Message(m) = r {
                m.content = Some(format!("alpha said in {}", m.conversation_id));
            }
        }
        // Written record by record: every conversation's words read back
        // at the commit, more than the list keeps.
        import(&mut store, "first", &first);
        let with_messages: BTreeSet<String> = first
            .iter()
            .filter_map(|r| match r {
                Record::Message(m) => Some(m.conversation_id.clone()),
                _ => None,
            })
            .collect();
        assert!(with_messages.len() > 2 * STALE_LIMIT + 1);
        assert_eq!(saying(&store, "alpha"), with_messages);
        // A second file replaces every message of half of them (again more
        // than the list keeps): their old words go, the others' stay.
        let changed: BTreeSet<String> = with_messages.iter().take(2 * STALE_LIMIT + 1).cloned().collect();
        let second: Vec<Record> = first
            .iter()
            .filter_map(|r| match r {
                Record::Message(m) if changed.contains(&m.conversation_id) => {
                    let mut m = m.clone();
                    m.content = Some("beta gamma".into());
                    Some(Record::Message(m))
                }
                _ => None,
            })
            .collect();
        import(&mut store, "second", &second);
        let kept: BTreeSet<String> = with_messages.difference(&changed).cloned().collect();
        assert_eq!(saying(&store, "alpha"), kept);
        assert_eq!(saying(&store, "beta gamma"), changed);
        assert!(saying(&store, "gamma beta").is_empty(), "a phrase keeps its order");
        let one = kept.iter().next().unwrap();
        assert_eq!(saying(&store, &format!("said in {one}")), BTreeSet::from([one.clone()]));
    }
}

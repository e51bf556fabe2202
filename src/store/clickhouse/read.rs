//! Reading the ClickHouse store back: a transcript, what was imported, the
//! first and last message, the conversations a phrase is said in, and the
//! messages the list's search box finds. The numbers are SQL (`metrics`,
//! `list`, `topics`): no method here reads every record into the client.
//!
//! Each record is its latest committed version (`argMax(…, seq)` over the
//! rows of committed imports). A nullable column is read as a pair, a flag
//! and a value, because ClickHouse's aggregates skip NULLs: `argMax(model, seq)`
//! would give the latest model *given*, not the latest version's.

use super::tsv::quote;
use super::ClickHouseStore;
use crate::metrics::words::Phrases;
use crate::model::{Micros, Rating, Role};
use crate::store::{ConversationDetail, DetailAction, DetailFeedback, DetailMessage, StoreError, StoredFile};
use crate::text::{snippet, Snippet};
use std::collections::{HashMap, HashSet};

/// `argMax` of a nullable column: its null flag and its value, latest version first.
fn latest(column: &str, empty: &str) -> String {
    format!("argMax(isNull({column}), seq), argMax(ifNull({column}, {empty}), seq)")
}

/// A message's model, tokens, cost and cost in another currency (with its
/// currency), as flag-and-value pairs of cells, then whether its time is
/// unknown (one cell), in that order: what both the facts and a transcript
/// read of each message.
fn usage() -> String {
    [
        latest("model", "''"),
        latest("prompt_tokens", "toUInt64(0)"),
        latest("completion_tokens", "toUInt64(0)"),
        latest("cost", "toFloat64(0)"),
        latest("foreign_cost", "toFloat64(0)"),
        latest("foreign_currency", "''"),
        "argMax(time_unknown, seq)".to_owned(),
    ]
    .join(", ")
}

/// The cost in another currency of a row whose [`usage`] cells start at `i`.
fn foreign(row: &[String], i: usize) -> Option<(f64, String)> {
    Some((opt_num(row, i + 8)?, opt(row, i + 10)?))
}

/// The value of a flag-and-value pair of cells.
fn opt(row: &[String], i: usize) -> Option<String> {
    (row.get(i).map(String::as_str) == Some("0")).then(|| row.get(i + 1).cloned().unwrap_or_default())
}

fn opt_num<T: std::str::FromStr>(row: &[String], i: usize) -> Option<T> {
    opt(row, i).and_then(|v| v.parse().ok())
}

fn num<T: std::str::FromStr + Default>(row: &[String], i: usize) -> T {
    row.get(i).and_then(|v| v.parse().ok()).unwrap_or_default()
}

fn text(row: &[String], i: usize) -> String {
    row.get(i).cloned().unwrap_or_default()
}

fn role_of(text: &str) -> Role {
    Role::parse(text).unwrap_or(Role::System)
}

impl ClickHouseStore {
    /// The rows that count: those of committed imports (a Langfuse
    /// database's rows all count).
    pub(super) fn committed(&self) -> String {
        match self.langfuse {
            Some(_) => "1".to_owned(),
            None => format!("import_id IN (SELECT import_id FROM {}.committed_import)", self.db()),
        }
    }

    /// Where a kind of record is read: its table (through the Distributed
    /// table on a cluster), or a Langfuse database's records as SQL over its tables.
    pub(super) fn records_of(&self, table: Table) -> String {
        let Some(langfuse) = &self.langfuse else {
            return self.sharded(table.name());
        };
        let records = &langfuse.tables.records;
        match table {
            Table::ConversationLine => records.conversation_line.clone(),
            Table::Message => records.message.clone(),
            Table::Action => records.action.clone(),
            Table::Feedback => records.feedback.clone(),
        }
    }

    /// Where a statement that reads the facts (`facts_table`) reads the
    /// records of the same conversations, in a subquery: each server's own
    /// table, not the Distributed one, so that on a cluster each shard reads
    /// its own records beside its own facts (a conversation's records and
    /// facts live on one shard) and nothing but the answer travels; a
    /// Langfuse database's records as SQL over its tables.
    pub(super) fn beside_facts(&self, table: Table) -> String {
        match self.langfuse {
            Some(_) => self.records_of(table),
            None => format!("{}.{}", self.db(), table.name()),
        }
    }

    /// A message's text as read: a Langfuse database's as a person reads it
    /// (`words`), a Rapport store's as stored.
    fn content_of(&self, content: Option<String>, role: Role) -> Option<String> {
        match (&self.langfuse, content) {
            (Some(_), Some(raw)) => super::words::readable(&raw, role.side()),
            (_, content) => content,
        }
    }

    /// The conversation attributes (latest given value of each, as the
    /// SQLite store merges them), by `conversation_id`; `WHERE` narrows.
    fn conversation_lines(&self, narrow: &str) -> Result<HashMap<String, Vec<String>>, StoreError> {
        let columns = [
            "started_at",
            "ended_at",
            "customer_id",
            "customer_ip_address",
            "device",
            "source",
            "language",
            "metadata",
        ];
        let list: Vec<String> = columns
            .iter()
            .map(|c| format!("toUInt8(countIf(isNotNull({c})) = 0), argMaxIf({c}, seq, isNotNull({c}))"))
            .collect();
        let rows = self.select(&format!(
            "SELECT conversation_id, {} FROM {} WHERE {} AND {narrow} GROUP BY conversation_id",
            list.join(", "),
            self.records_of(Table::ConversationLine),
            self.committed()
        ))?;
        let mut lines: HashMap<String, Vec<String>> =
            rows.into_iter().map(|r| (r[0].clone(), r[1..].to_vec())).collect();
        if self.langfuse.is_some() {
            for (conversation, metadata) in self.langfuse_metadata(narrow)? {
                if let Some(line) = lines.get_mut(&conversation) {
                    line.truncate(14);
                    line.extend(["0".to_owned(), metadata]);
                }
            }
        }
        Ok(lines)
    }

    /// One conversation with its messages (in time order, ties in first-seen
    /// order), actions and feedback; `None` when the store has no such conversation.
    pub fn conversation(&self, conversation_id: &str) -> Result<Option<ConversationDetail>, StoreError> {
        let committed = self.committed();
        let this = format!("conversation_id = {}", quote(conversation_id));
        let line = self.conversation_lines(&this)?.remove(conversation_id);
        let messages: Vec<DetailMessage> = self
            .select(&format!(
                "SELECT {}, argMax(role, seq), argMax(timestamp, seq) AS ts, {}, {}
                 FROM {} WHERE {committed} AND {this} GROUP BY identity ORDER BY ts, min(first_seq)",
                latest("message_id", "''"),
                latest("content", "''"),
                usage(),
                self.records_of(Table::Message)
            ))?
            .into_iter()
            .map(|r| DetailMessage {
                message_id: opt(&r, 0),
                role: role_of(&text(&r, 2)),
                timestamp: Micros(num(&r, 3)),
                content: self.content_of(opt(&r, 4), role_of(&text(&r, 2))),
                model: opt(&r, 6),
                prompt_tokens: opt_num(&r, 8),
                completion_tokens: opt_num(&r, 10),
                cost: opt_num(&r, 12),
                foreign_cost: foreign(&r, 6).map(|f| f.0),
                foreign_currency: foreign(&r, 6).map(|f| f.1),
                time_unknown: text(&r, 18) == "1",
            })
            .collect();
        let actions: Vec<DetailAction> = self
            .select(&format!(
                "SELECT {}, argMax(name, seq), argMax(started_at, seq) AS ts, {}, {}, argMax(error, seq)
                 FROM {} WHERE {committed} AND {this} GROUP BY identity ORDER BY ts, min(seq)",
                latest("action_id", "''"),
                latest("duration_ms", "toFloat64(0)"),
                latest("status", "''"),
                self.records_of(Table::Action)
            ))?
            .into_iter()
            .map(|r| DetailAction {
                action_id: opt(&r, 0),
                name: text(&r, 2),
                started_at: Micros(num(&r, 3)),
                duration_ms: opt_num(&r, 4),
                status: opt(&r, 6),
                error: text(&r, 8) == "1",
            })
            .collect();
        // SQLite sorts a missing time first (NULL is smallest).
        let feedback: Vec<DetailFeedback> = self
            .select(&format!(
                "SELECT {}, {}, {}, argMax(rating, seq), {}, {}
                 FROM {} WHERE {committed} AND {this} GROUP BY identity
                 ORDER BY argMax(ifNull(timestamp, toInt64(-9223372036854775807)), seq), min(seq)",
                latest("feedback_id", "''"),
                latest("message_id", "''"),
                latest("timestamp", "toInt64(0)"),
                latest("score", "toFloat64(0)"),
                latest("comment", "''"),
                self.records_of(Table::Feedback)
            ))?
            .into_iter()
            .map(|r| DetailFeedback {
                feedback_id: opt(&r, 0),
                message_id: opt(&r, 2),
                timestamp: opt_num(&r, 4).map(Micros),
                rating: Rating::from_str_opt(&text(&r, 6)).unwrap_or(Rating::Neutral),
                score: opt_num(&r, 7),
                comment: opt(&r, 9),
            })
            .collect();
        if line.is_none() && messages.is_empty() && actions.is_empty() && feedback.is_empty() {
            return Ok(None);
        }
        let line = line.unwrap_or_default();
        Ok(Some(ConversationDetail {
            conversation_id: conversation_id.to_owned(),
            started_at: opt_num(&line, 0).map(Micros),
            ended_at: opt_num(&line, 2).map(Micros),
            customer_id: opt(&line, 4),
            customer_ip_address: opt(&line, 6),
            device: opt(&line, 8),
            source: opt(&line, 10),
            language: opt(&line, 12),
            metadata: opt(&line, 14).and_then(|s| serde_json::from_str(&s).ok()),
            messages,
            actions,
            feedback,
        }))
    }

    /// The files imported so far (committed), oldest first.
    pub fn files(&self) -> Result<Vec<StoredFile>, StoreError> {
        if self.langfuse.is_some() {
            return Ok(Vec::new()); // nothing was imported: Langfuse wrote it
        }
        let rows = self.select(
            "SELECT import_id, path, format, bytes, records, rejected, imported_at
             FROM {db}.import_file WHERE committed = 1 ORDER BY import_id LIMIT 1 BY import_id",
        )?;
        Ok(rows
            .into_iter()
            .map(|r| StoredFile {
                id: num(&r, 0),
                path: text(&r, 1),
                format: text(&r, 2),
                bytes: num(&r, 3),
                records: num(&r, 4),
                rejected: num(&r, 5),
                imported_at: Micros(num(&r, 6)),
            })
            .collect())
    }

    /// The first and last message time, if any message is stored.
    pub fn message_span(&self) -> Result<Option<(Micros, Micros)>, StoreError> {
        let rows =
            self.select(&format!("SELECT count(), min(t), max(t) FROM {} ARRAY JOIN m_ts AS t", self.facts_table()))?;
        let row = rows.into_iter().next().unwrap_or_default();
        Ok((num::<u64>(&row, 0) > 0).then(|| (Micros(num(&row, 1)), Micros(num(&row, 2)))))
    }

    /// The conversations in which some message says one of `phrases` as
    /// consecutive words (the `text` rule of METRICS.md, on the words each
    /// message was given at import), found by the server; on a Langfuse
    /// database, found in Rust from the messages' text (`words`).
    pub fn conversations_saying<S: AsRef<str>>(&self, phrases: &[S]) -> Result<HashSet<String>, StoreError> {
        if self.langfuse.is_some() {
            let phrases = Phrases::new(phrases);
            let mut found = HashSet::new();
            self.langfuse_said("1", |conversation, said| {
                if said.iter().any(|m| phrases.any_in(&m.words)) {
                    found.insert(conversation.to_owned());
                }
            })?;
            return Ok(found);
        }
        let rows = self.select(&format!(
            "SELECT conversation_id FROM {} WHERE {}",
            self.facts_table(),
            super::metrics::says_any(phrases)
        ))?;
        Ok(rows.into_iter().map(|r| r.into_iter().next().unwrap_or_default()).collect())
    }

    /// For each of these conversations that says one of `phrases`, the
    /// snippet of its first message (in time, then first-seen order) that
    /// says one, as the SQLite store shapes it: the server finds the
    /// messages by their words, Rust cuts the snippet from the text.
    pub fn first_snippets(
        &self,
        conversation_ids: &[&str],
        phrases: &Phrases,
    ) -> Result<HashMap<String, Snippet>, StoreError> {
        let mut out = HashMap::new();
        if conversation_ids.is_empty() || phrases.is_empty() {
            return Ok(out);
        }
        let ids: Vec<String> = conversation_ids.iter().map(|id| quote(id)).collect();
        // A Langfuse database's words are found in Rust, with the snippet.
        let says: Vec<String> = match self.langfuse {
            Some(_) => vec!["1".to_owned()],
            None => phrases
                .words()
                .iter()
                .map(|w| format!("position(concat(' ', k, ' '), {}) > 0", quote(&format!(" {} ", w.join(" ")))))
                .collect(),
        };
        let rows = self.select(&format!(
            "SELECT conversation_id, argMax(timestamp, seq) AS t, min(first_seq) AS o, {}, argMax(side, seq),
                argMax(text_key, seq) AS k
             FROM {} WHERE {} AND conversation_id IN ({}) GROUP BY conversation_id, identity
             HAVING {} ORDER BY conversation_id, t, o",
            latest("content", "''"),
            self.records_of(Table::Message),
            self.committed(),
            ids.join(", "),
            says.join(" OR ")
        ))?;
        for row in rows {
            let conversation_id = text(&row, 0);
            if out.contains_key(&conversation_id) {
                continue;
            }
            let role = if text(&row, 5) == "1" { Role::User } else { Role::Agent };
            if let Some(snippet) = self.content_of(opt(&row, 3), role).and_then(|c| snippet(&c, phrases)) {
                out.insert(conversation_id, snippet);
            }
        }
        Ok(out)
    }

    /// The conversations with a message whose content contains `text`
    /// (ASCII case-insensitive, as the SQLite store matches it), for the
    /// list's search box, as a condition on the facts' `conversation_id`.
    /// On a Rapport store it is a subquery over the local `message` table:
    /// on a cluster each shard runs it beside its own facts (a conversation
    /// and its records live on one shard), so nothing travels but the page.
    /// On a Langfuse database the text is read as a person reads it, in Rust,
    /// and the conversations found go back to the server as a set.
    pub(crate) fn mentioning(&self, text: &str) -> Result<String, StoreError> {
        if self.langfuse.is_some() {
            // What a person reads, found in Rust, as `positionCaseInsensitive` (ASCII) does.
            let wanted = text.to_ascii_lowercase();
            let mut found = HashSet::new();
            self.langfuse_texts("1", |conversation, _, _, content| {
                if content.is_some_and(|c| c.to_ascii_lowercase().contains(&wanted)) {
                    found.insert(conversation.to_owned());
                }
            })?;
            return Ok(super::words::one_of(found));
        }
        Ok(format!(
            "conversation_id IN (SELECT conversation_id FROM (
                SELECT conversation_id, argMax(ifNull(content, ''), seq) AS c
                FROM {}.message WHERE {} GROUP BY conversation_id, identity
            ) WHERE positionCaseInsensitive(c, {}) > 0)",
            self.db(),
            self.committed(),
            quote(text)
        ))
    }
}

use super::Table;

//! Reading the store back: the rows the metrics are built from, a
//! conversation's transcript, and what was imported.

use super::{Store, StoreError};
use crate::model::{Micros, Rating, Role};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A conversation's context as stored (before normalisation of its values).
#[derive(Debug, Clone)]
pub struct StoredConversation {
    pub id: i64,
    pub conversation_id: String,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub customer_id: Option<String>,
    pub customer_ip_address: Option<String>,
    pub device: Option<String>,
    pub source: Option<String>,
    pub language: Option<String>,
    /// `metadata.environment`, as text, when the conversation has one.
    pub environment: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct MessageRow<'a> {
    /// First-seen order: ties in time keep it.
    pub id: i64,
    pub conversation: i64,
    pub role: Role,
    pub timestamp: i64,
    pub model: Option<&'a str>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Absent when the file gave none.
    pub cost: Option<f64>,
    /// A cost in another currency: its amount and currency, as given.
    pub foreign_cost: Option<(f64, &'a str)>,
    /// Its time was not given (`Message::time_unknown`): it answers nothing.
    pub time_unknown: bool,
}

#[derive(Debug, Clone)]
pub struct ActionRow {
    pub conversation: i64,
    pub name: String,
    pub started_at: i64,
    pub duration_ms: Option<f64>,
    pub error: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct FeedbackRow {
    pub id: i64,
    pub conversation: i64,
    pub has_comment: bool,
    pub timestamp: Option<i64>,
    pub rating: Rating,
}

/// One imported file, as `status` lists it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StoredFile {
    /// The import's row in the store: a file imported twice is listed twice,
    /// so the app keys its list by this.
    pub id: i64,
    pub path: String,
    pub format: String,
    pub bytes: u64,
    pub records: u64,
    pub rejected: u64,
    pub imported_at: Micros,
}

/// A conversation with everything it holds, for the transcript view.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationDetail {
    pub conversation_id: String,
    pub started_at: Option<Micros>,
    pub ended_at: Option<Micros>,
    pub customer_id: Option<String>,
    pub customer_ip_address: Option<String>,
    pub device: Option<String>,
    pub source: Option<String>,
    pub language: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub messages: Vec<DetailMessage>,
    pub actions: Vec<DetailAction>,
    pub feedback: Vec<DetailFeedback>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DetailMessage {
    pub message_id: Option<String>,
    pub role: Role,
    pub timestamp: Micros,
    pub content: Option<String>,
    pub model: Option<String>,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    /// In US dollars, as the file gave it.
    pub cost: Option<f64>,
    /// A cost the file gave in another currency, as given.
    pub foreign_cost: Option<f64>,
    pub foreign_currency: Option<String>,
    /// The file did not say when this message was written: it is shown
    /// after the message it answers, and gives no response time.
    pub time_unknown: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DetailAction {
    pub action_id: Option<String>,
    pub name: String,
    pub started_at: Micros,
    pub duration_ms: Option<f64>,
    pub status: Option<String>,
    pub error: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DetailFeedback {
    pub feedback_id: Option<String>,
    pub message_id: Option<String>,
    pub timestamp: Option<Micros>,
    pub rating: Rating,
    pub score: Option<f64>,
    pub comment: Option<String>,
}

/// Which conversations' rows to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// Every conversation.
    All,
    /// Those touched by the changes from this one (a `store_change` seq) on,
    /// as [`Store::changes_since`] found them.
    Since(i64),
}

impl Changed {
    /// The SQL that keeps only these conversations' rows, by the column
    /// holding their conversation's row id.
    pub(super) fn filter(self, column: &str) -> String {
        match self {
            Changed::All => String::new(),
            Changed::Since(seq) => {
                format!("WHERE {column} IN (SELECT conversation FROM changed_conversation WHERE seq >= {seq})")
            }
        }
    }

    /// The SQL that keeps only the records of these conversations, by
    /// their row (`id`), found through the table of their keys (`keys`,
    /// schema.rs, 9), which holds each conversation's records together.
    pub(super) fn records(self, keys: &str) -> String {
        match self {
            Changed::All => String::new(),
            Changed::Since(seq) => format!(
                "WHERE id IN (SELECT id FROM {keys} WHERE conversation IN
                     (SELECT conversation FROM changed_conversation WHERE seq >= {seq}))"
            ),
        }
    }
}

impl Store {
    /// The model names messages refer to (`model_name`), by row.
    fn model_names(&self) -> rusqlite::Result<std::collections::HashMap<i64, String>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, name FROM model_name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }
}

impl Store {
    pub fn for_each_conversation(&self, f: impl FnMut(StoredConversation)) -> Result<(), StoreError> {
        self.for_each_conversation_in(Changed::All, f)
    }

    /// [`Store::for_each_conversation`], of the conversations `changed` says.
    pub fn for_each_conversation_in(
        &self,
        changed: Changed,
        mut f: impl FnMut(StoredConversation),
    ) -> Result<(), StoreError> {
        let mut run = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT id, started_at, ended_at, customer_id, customer_ip_address, device, source, language,
                     conversation_id, CAST(json_extract(metadata, '$.environment') AS TEXT)
                 FROM conversation {} ORDER BY id",
                changed.filter("id")
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                f(StoredConversation {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    ended_at: r.get(2)?,
                    customer_id: r.get(3)?,
                    customer_ip_address: r.get(4)?,
                    device: r.get(5)?,
                    source: r.get(6)?,
                    language: r.get(7)?,
                    conversation_id: r.get(8)?,
                    environment: r.get(9)?,
                });
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }

    pub fn for_each_message(&self, f: impl FnMut(MessageRow<'_>)) -> Result<(), StoreError> {
        self.for_each_message_in(Changed::All, f)
    }

    /// [`Store::for_each_message`], of the conversations `changed` says.
    pub fn for_each_message_in(&self, changed: Changed, mut f: impl FnMut(MessageRow<'_>)) -> Result<(), StoreError> {
        let mut run = || -> rusqlite::Result<()> {
            let models = self.model_names()?;
            let mut stmt = self.conn.prepare(&format!(
                "SELECT id, conversation, role_code, timestamp, prompt_tokens, completion_tokens, cost, model_id,
                     foreign_cost, foreign_currency, time_unknown
                 FROM message {}",
                changed.records("message_key")
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let role = super::write::role_of_code(r.get(2)?);
                f(MessageRow {
                    id: r.get(0)?,
                    conversation: r.get(1)?,
                    role,
                    timestamp: r.get(3)?,
                    prompt_tokens: r.get::<_, Option<i64>>(4)?.unwrap_or(0) as u64,
                    completion_tokens: r.get::<_, Option<i64>>(5)?.unwrap_or(0) as u64,
                    cost: r.get(6)?,
                    model: r.get::<_, Option<i64>>(7)?.and_then(|id| models.get(&id)).map(String::as_str),
                    foreign_cost: match (r.get::<_, Option<f64>>(8)?, r.get_ref(9)?.as_str_or_null()?) {
                        (Some(amount), Some(currency)) => Some((amount, currency)),
                        _ => None,
                    },
                    time_unknown: r.get(10)?,
                });
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }

    pub fn for_each_action(&self, f: impl FnMut(ActionRow)) -> Result<(), StoreError> {
        self.for_each_action_in(Changed::All, f)
    }

    /// [`Store::for_each_action`], of the conversations `changed` says.
    pub fn for_each_action_in(&self, changed: Changed, mut f: impl FnMut(ActionRow)) -> Result<(), StoreError> {
        let mut run = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT conversation, name, started_at, duration_ms, error FROM action {}",
                changed.records("action_key")
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                f(ActionRow {
                    conversation: r.get(0)?,
                    name: r.get(1)?,
                    started_at: r.get(2)?,
                    duration_ms: r.get(3)?,
                    error: r.get(4)?,
                });
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }

    pub fn for_each_feedback(&self, f: impl FnMut(FeedbackRow)) -> Result<(), StoreError> {
        self.for_each_feedback_in(Changed::All, f)
    }

    /// [`Store::for_each_feedback`], of the conversations `changed` says.
    pub fn for_each_feedback_in(&self, changed: Changed, mut f: impl FnMut(FeedbackRow)) -> Result<(), StoreError> {
        let mut run = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT id, conversation, timestamp, rating, comment IS NOT NULL FROM feedback {}",
                changed.records("feedback_key")
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let rating = r.get_ref(3)?.as_str().ok().and_then(Rating::from_str_opt).unwrap_or(Rating::Neutral);
                f(FeedbackRow {
                    id: r.get(0)?,
                    conversation: r.get(1)?,
                    timestamp: r.get(2)?,
                    rating,
                    has_comment: r.get(4)?,
                });
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }

    /// The files imported so far, oldest first.
    pub fn files(&self) -> Result<Vec<StoredFile>, StoreError> {
        let run = || -> rusqlite::Result<Vec<StoredFile>> {
            let mut stmt = self.conn.prepare(
                "SELECT id, path, format, bytes, records, rejected, imported_at FROM import_file ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(StoredFile {
                    id: r.get(0)?,
                    path: r.get(1)?,
                    format: r.get(2)?,
                    bytes: r.get::<_, i64>(3)? as u64,
                    records: r.get::<_, i64>(4)? as u64,
                    rejected: r.get::<_, i64>(5)? as u64,
                    imported_at: Micros(r.get(6)?),
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// The first and last message time, if any message is stored.
    pub fn message_span(&self) -> Result<Option<(Micros, Micros)>, StoreError> {
        self.conn
            .query_row("SELECT min(timestamp), max(timestamp) FROM message", [], |r| {
                Ok(match (r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?) {
                    (Some(a), Some(b)) => Some((Micros(a), Micros(b))),
                    _ => None,
                })
            })
            .map_err(|e| self.err(e))
    }

    /// The `conversation_id` of stored rows, for lists built from metrics facts.
    pub fn conversation_ids(&self, ids: &[i64]) -> Result<Vec<String>, StoreError> {
        let run = || -> rusqlite::Result<Vec<String>> {
            let mut stmt = self.conn.prepare_cached("SELECT conversation_id FROM conversation WHERE id = ?1")?;
            ids.iter().map(|id| stmt.query_row([id], |r| r.get(0))).collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// One conversation with its messages (in time order, ties in file order),
    /// actions and feedback; `None` when the store has no such conversation.
    pub fn conversation(&self, conversation_id: &str) -> Result<Option<ConversationDetail>, StoreError> {
        let run = || -> rusqlite::Result<Option<ConversationDetail>> {
            let head = self
                .conn
                .query_row(
                    "SELECT id, started_at, ended_at, customer_id, customer_ip_address, device, source,
                         language, metadata
                     FROM conversation WHERE conversation_id = ?1",
                    [conversation_id],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            ConversationDetail {
                                conversation_id: conversation_id.to_owned(),
                                started_at: r.get::<_, Option<i64>>(1)?.map(Micros),
                                ended_at: r.get::<_, Option<i64>>(2)?.map(Micros),
                                customer_id: r.get(3)?,
                                customer_ip_address: r.get(4)?,
                                device: r.get(5)?,
                                source: r.get(6)?,
                                language: r.get(7)?,
                                metadata: r.get::<_, Option<String>>(8)?.and_then(|s| serde_json::from_str(&s).ok()),
                                messages: Vec::new(),
                                actions: Vec::new(),
                                feedback: Vec::new(),
                            },
                        ))
                    },
                )
                .optional()?;
            let Some((id, mut detail)) = head else {
                return Ok(None);
            };
            let models = self.model_names()?;
            let mut stmt = self.conn.prepare_cached(
                "SELECT CASE WHEN typeof(k.key) = 'text' THEN k.key END, m.role_code, m.timestamp, m.content,
                     m.model_id, m.prompt_tokens, m.completion_tokens, m.cost, m.foreign_cost,
                     m.foreign_currency, m.time_unknown
                 FROM message_key AS k CROSS JOIN message AS m ON m.id = k.id
                 WHERE k.conversation = ?1 ORDER BY m.timestamp, m.id",
            )?;
            detail.messages = stmt
                .query_map(params![id], |r| {
                    Ok(DetailMessage {
                        message_id: r.get(0)?,
                        role: super::write::role_of_code(r.get(1)?),
                        timestamp: Micros(r.get(2)?),
                        content: self.text(r.get_ref(3)?)?.map(|c| c.into_owned()),
                        model: r.get::<_, Option<i64>>(4)?.and_then(|id| models.get(&id)).cloned(),
                        prompt_tokens: r.get::<_, Option<i64>>(5)?.map(|n| n as u64),
                        completion_tokens: r.get::<_, Option<i64>>(6)?.map(|n| n as u64),
                        cost: r.get(7)?,
                        foreign_cost: r.get(8)?,
                        foreign_currency: r.get(9)?,
                        time_unknown: r.get(10)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut stmt = self.conn.prepare_cached(
                "SELECT CASE WHEN typeof(k.key) = 'text' THEN k.key END, a.name, a.started_at, a.duration_ms,
                     a.status, a.error
                 FROM action_key AS k CROSS JOIN action AS a ON a.id = k.id
                 WHERE k.conversation = ?1 ORDER BY a.started_at, a.id",
            )?;
            detail.actions = stmt
                .query_map(params![id], |r| {
                    Ok(DetailAction {
                        action_id: r.get(0)?,
                        name: r.get(1)?,
                        started_at: Micros(r.get(2)?),
                        duration_ms: r.get(3)?,
                        status: r.get(4)?,
                        error: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut stmt = self.conn.prepare_cached(
                "SELECT CASE WHEN typeof(k.key) = 'text' THEN k.key END, f.message_id, f.timestamp, f.rating,
                     f.score, f.comment
                 FROM feedback_key AS k CROSS JOIN feedback AS f ON f.id = k.id
                 WHERE k.conversation = ?1 ORDER BY f.timestamp, f.id",
            )?;
            detail.feedback = stmt
                .query_map(params![id], |r| {
                    Ok(DetailFeedback {
                        feedback_id: r.get(0)?,
                        message_id: r.get(1)?,
                        timestamp: r.get::<_, Option<i64>>(2)?.map(Micros),
                        rating: Rating::from_str_opt(&r.get::<_, String>(3)?).unwrap_or(Rating::Neutral),
                        score: r.get(4)?,
                        comment: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(Some(detail))
        };
        run().map_err(|e| self.err(e))
    }

    /// The comments of feedback rows, by their row ids, in the order asked.
    pub fn feedback_comments(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        let run = || -> rusqlite::Result<Vec<(i64, String)>> {
            let mut stmt = self.conn.prepare_cached("SELECT comment FROM feedback WHERE id = ?1")?;
            let mut out = Vec::new();
            for &id in ids {
                if let Some(Some(comment)) = stmt.query_row([id], |r| r.get::<_, Option<String>>(0)).optional()? {
                    out.push((id, comment));
                }
            }
            Ok(out)
        };
        run().map_err(|e| self.err(e))
    }

    /// Row ids of conversations with a message whose content contains `text`
    /// (ASCII case-insensitive), for the conversation list's search.
    pub fn conversations_mentioning(&self, text: &str) -> Result<std::collections::HashSet<i64>, StoreError> {
        // Text may be packed: read, not matched in SQL.
        let wanted = text.to_ascii_lowercase();
        let run = || -> rusqlite::Result<std::collections::HashSet<i64>> {
            let mut found = std::collections::HashSet::new();
            let mut stmt =
                self.conn.prepare_cached("SELECT conversation, content FROM message WHERE content IS NOT NULL")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let conversation: i64 = r.get(0)?;
                if found.contains(&conversation) {
                    continue;
                }
                if self.text(r.get_ref(1)?)?.is_some_and(|c| c.to_ascii_lowercase().contains(&wanted)) {
                    found.insert(conversation);
                }
            }
            Ok(found)
        };
        run().map_err(|e| self.err(e))
    }
}

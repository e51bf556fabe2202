//! The text of messages, for what reads words: the `text` filter and the
//! questions and fallback answers of METRICS.md (Insights).

use super::{Changed, Store, StoreError};
use crate::metrics::words::Phrases;
use crate::model::Role;
use crate::text::{snippet, Snippet};

/// A message's text, with what places it in its conversation.
#[derive(Debug, Clone, Copy)]
pub struct MessageText<'a> {
    /// The conversation's row.
    pub conversation: i64,
    pub timestamp: i64,
    pub role: Role,
    pub content: Option<&'a str>,
}

impl Store {
    /// Every message's text, by conversation, then time, then first-seen
    /// order: each conversation's messages one after another, as they were said.
    pub fn for_each_message_text(&self, f: impl FnMut(MessageText<'_>)) -> Result<(), StoreError> {
        self.for_each_message_text_in(Changed::All, f)
    }

    /// [`Store::for_each_message_text`], of the conversations `changed` says.
    pub fn for_each_message_text_in(
        &self,
        changed: Changed,
        mut f: impl FnMut(MessageText<'_>),
    ) -> Result<(), StoreError> {
        let mut run = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT conversation, timestamp, role, content FROM message {} ORDER BY conversation, timestamp, id",
                changed.filter("conversation")
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                f(MessageText {
                    conversation: r.get(0)?,
                    timestamp: r.get(1)?,
                    role: r.get_ref(2)?.as_str().ok().and_then(Role::parse).unwrap_or(Role::System),
                    content: r.get_ref(3)?.as_str_or_null()?,
                });
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }
}

impl Store {
    /// The conversation row, time and text of every user message, in no
    /// particular order (what the topic index reads).
    pub fn for_each_user_message_text(&self, mut f: impl FnMut(i64, i64, Option<&str>)) -> Result<(), StoreError> {
        let mut run = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare("SELECT conversation, timestamp, role, content FROM message")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let role = r.get_ref(2)?.as_str().ok().and_then(Role::parse).unwrap_or(Role::System);
                if role.side() == crate::model::Side::User {
                    f(r.get(0)?, r.get(1)?, r.get_ref(3)?.as_str_or_null()?);
                }
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }

    /// The snippet of the first message (in time, then first-seen order) of
    /// the conversation `conversation_id` that says one of `phrases`.
    pub fn first_snippet(&self, conversation_id: &str, phrases: &Phrases) -> Result<Option<Snippet>, StoreError> {
        let run = || -> rusqlite::Result<Option<Snippet>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT content FROM message
                 WHERE conversation = (SELECT id FROM conversation WHERE conversation_id = ?1)
                 ORDER BY timestamp, id",
            )?;
            let mut rows = stmt.query([conversation_id])?;
            while let Some(r) = rows.next()? {
                if let Some(snippet) = r.get_ref(0)?.as_str_or_null()?.and_then(|c| snippet(c, phrases)) {
                    return Ok(Some(snippet));
                }
            }
            Ok(None)
        };
        run().map_err(|e| self.err(e))
    }

    /// The rows of the messages that say one of `phrases` (each given as
    /// its words, by the word rule) as consecutive words, passed to `f` in
    /// no particular order: a phrase query on the full-text index, whose
    /// tokens are the rule's words (schema.rs). No phrase, no message.
    pub fn messages_saying(&self, phrases: &[Vec<String>], mut f: impl FnMut(i64)) -> Result<(), StoreError> {
        // Words are runs of letters and digits: quoted, each is an FTS5 phrase.
        let query: Vec<String> =
            phrases.iter().filter(|p| !p.is_empty()).map(|p| format!("\"{}\"", p.join(" "))).collect();
        if query.is_empty() {
            return Ok(());
        }
        let mut run = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare_cached("SELECT rowid FROM message_words WHERE message_words MATCH ?1")?;
            let mut rows = stmt.query([query.join(" OR ")])?;
            while let Some(r) = rows.next()? {
                f(r.get(0)?);
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }
}

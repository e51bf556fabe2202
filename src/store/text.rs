//! The text of messages, for what reads words: the `text` filter and the
//! questions and fallback answers of METRICS.md (Insights).

use super::{Store, StoreError};
use crate::model::Role;

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
    pub fn for_each_message_text(&self, mut f: impl FnMut(MessageText<'_>)) -> Result<(), StoreError> {
        let mut run = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare(
                "SELECT conversation, timestamp, role, content FROM message ORDER BY conversation, timestamp, id",
            )?;
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

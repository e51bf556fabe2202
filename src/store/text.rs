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
                "SELECT k.conversation, m.timestamp, m.role_code, m.content
                 FROM message_key AS k CROSS JOIN message AS m ON m.id = k.id {}
                 ORDER BY k.conversation, m.timestamp, m.id",
                changed.filter("k.conversation")
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                f(MessageText {
                    conversation: r.get(0)?,
                    timestamp: r.get(1)?,
                    role: super::write::role_of_code(r.get(2)?),
                    content: self.text(r.get_ref(3)?)?.as_deref(),
                });
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }
}

impl Store {
    /// The rows of the conversations `changed` says; `None` for
    /// [`Changed::All`] (every one).
    pub fn changed_conversations(
        &self,
        changed: Changed,
    ) -> Result<Option<std::collections::HashSet<i64>>, StoreError> {
        let Changed::Since(seq) = changed else { return Ok(None) };
        let run = || -> rusqlite::Result<std::collections::HashSet<i64>> {
            let mut stmt = self.conn.prepare("SELECT conversation FROM changed_conversation WHERE seq >= ?1")?;
            let rows = stmt.query_map([seq], |r| r.get(0))?;
            rows.collect()
        };
        run().map(Some).map_err(|e| self.err(e))
    }

    /// The conversation row, time and text of every user message, in no
    /// particular order (what the topic index reads).
    pub fn for_each_user_message_text(&self, f: impl FnMut(i64, i64, Option<&str>)) -> Result<(), StoreError> {
        self.for_each_user_message_text_in(Changed::All, f)
    }

    /// [`Store::for_each_user_message_text`], of the conversations `changed` says.
    pub fn for_each_user_message_text_in(
        &self,
        changed: Changed,
        mut f: impl FnMut(i64, i64, Option<&str>),
    ) -> Result<(), StoreError> {
        let mut run = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT conversation, timestamp, role_code, content FROM message {}",
                changed.records("message_key")
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let role = super::write::role_of_code(r.get(2)?);
                if role.side() == crate::model::Side::User {
                    f(r.get(0)?, r.get(1)?, self.text(r.get_ref(3)?)?.as_deref());
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
                "SELECT m.content FROM message_key AS k CROSS JOIN message AS m ON m.id = k.id
                 WHERE k.conversation = (SELECT id FROM conversation WHERE conversation_id = ?1)
                 ORDER BY m.timestamp, m.id",
            )?;
            let mut rows = stmt.query([conversation_id])?;
            while let Some(r) = rows.next()? {
                if let Some(snippet) = self.text(r.get_ref(0)?)?.and_then(|c| snippet(&c, phrases)) {
                    return Ok(Some(snippet));
                }
            }
            Ok(None)
        };
        run().map_err(|e| self.err(e))
    }

    /// The rows of the conversations some message of which says one of
    /// `phrases` (each given as its words, by the word rule) as consecutive
    /// words, passed to `f` once each, in no particular order. The
    /// full-text index, whose tokens are the rule's words (schema.rs),
    /// keeps each conversation's words, without positions: a phrase of one
    /// word is its answer, and a phrase of several finds the conversations
    /// that have all its words, whose messages are then read to see
    /// whether one of them says the words in that order (words said in two
    /// messages are no phrase). No phrase, no conversation.
    pub fn conversations_saying(&self, phrases: &[Vec<String>], mut f: impl FnMut(i64)) -> Result<(), StoreError> {
        // Words are runs of letters and digits: quoted, each is an FTS5 string.
        let all_words =
            |p: &Vec<String>| format!("({})", p.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" AND "));
        let single: Vec<String> = phrases.iter().filter(|p| p.len() == 1).map(all_words).collect();
        let several: Vec<&Vec<String>> = phrases.iter().filter(|p| p.len() > 1).collect();
        let mut run = || -> rusqlite::Result<()> {
            let mut said = std::collections::HashSet::new();
            if !single.is_empty() {
                let mut stmt = self
                    .conn
                    .prepare_cached("SELECT rowid FROM conversation_words WHERE conversation_words MATCH ?1")?;
                let mut rows = stmt.query([single.join(" OR ")])?;
                while let Some(r) = rows.next()? {
                    let row: i64 = r.get(0)?;
                    if several.is_empty() || said.insert(row) {
                        f(row);
                    }
                }
            }
            if several.is_empty() {
                return Ok(());
            }
            let query: Vec<String> = several.iter().map(|p| all_words(p)).collect();
            // One statement: the conversations in the index's order
            // (ascending), each one's messages after one another.
            let mut stmt = self.conn.prepare_cached(
                "SELECT k.conversation, m.content FROM conversation_words AS w
                     CROSS JOIN message_key AS k ON k.conversation = w.rowid
                     CROSS JOIN message AS m ON m.id = k.id
                 WHERE conversation_words MATCH ?1",
            )?;
            let mut rows = stmt.query([query.join(" OR ")])?;
            // Whether a short text says a phrase, by the text as stored:
            // texts said again and again (a bot's answers) are read and
            // split into words once. Bounded: forgotten all at once when full.
            // (Text and packed text apart: one's bytes may be the other's.)
            let mut known: [std::collections::HashMap<Box<[u8]>, bool>; 2] = Default::default();
            while let Some(r) = rows.next()? {
                let row: i64 = r.get(0)?;
                if said.contains(&row) {
                    continue;
                }
                let stored = r.get_ref(1)?;
                let says = |stored| -> rusqlite::Result<bool> {
                    let words = self.text(stored)?.map(|t| crate::metrics::words::words(&t));
                    Ok(words.is_some_and(|w| several.iter().any(|p| crate::metrics::words::has_phrase(&w, p))))
                };
                let key = match stored {
                    rusqlite::types::ValueRef::Text(t) => Some((0, t)),
                    rusqlite::types::ValueRef::Blob(b) => Some((1, b)),
                    _ => None,
                };
                let says = match key.filter(|(_, bytes)| bytes.len() <= KNOWN_TEXT_BYTES) {
                    Some((kind, bytes)) => match known[kind].get(bytes) {
                        Some(&says) => says,
                        None => {
                            let answer = says(stored)?;
                            if known[kind].len() >= KNOWN_TEXTS {
                                known[kind].clear();
                            }
                            known[kind].insert(bytes.into(), answer);
                            answer
                        }
                    },
                    None => says(stored)?,
                };
                if says {
                    said.insert(row);
                    f(row);
                }
            }
            Ok(())
        };
        run().map_err(|e| self.err(e))
    }
}

/// [`Store::conversations_saying`] remembers what texts of at most this
/// many bytes (as stored) say, for at most this many texts at once.
const KNOWN_TEXT_BYTES: usize = 256;
const KNOWN_TEXTS: usize = 65_536;

/// How many messages of a store's first import its dictionary is learnt from.
pub const DICTIONARY_SAMPLES: usize = 4096;
/// The largest dictionary learnt.
const DICTIONARY_BYTES: usize = 32 * 1024;
/// zstd's level: on messages this short, levels 1 to 9 pack within 3% of
/// each other (measured on the benchmark's dump), and 3 costs least.
const LEVEL: i32 = 3;
/// Every zstd frame starts with these four bytes, which the store leaves out.
const MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// Message text as the store keeps it (schema.rs, 8): text as given (what
/// older versions wrote, and a message that would not be smaller packed),
/// or a blob: one byte naming the store's dictionary (`text_dictionary`),
/// then a zstd frame made with it, without its four-byte magic number.
/// Whatever reads message text reads it through [`TextCodec::text`].
#[derive(Default)]
pub struct TextCodec {
    decoders: std::sync::Mutex<std::collections::HashMap<i64, zstd::bulk::Decompressor<'static>>>,
}

impl TextCodec {
    /// Takes the dictionary `id` (again: a dictionary of a file rolled back
    /// may be replaced by another of the same id).
    pub(crate) fn learn(&self, id: i64, dictionary: &[u8]) -> std::io::Result<()> {
        let decoder = zstd::bulk::Decompressor::with_dictionary(dictionary)?;
        self.decoders.lock().unwrap_or_else(|e| e.into_inner()).insert(id, decoder);
        Ok(())
    }

    pub(crate) fn knows(&self, id: i64) -> bool {
        self.decoders.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&id)
    }

    /// The text of a stored `content` value.
    pub fn text<'a>(&self, value: rusqlite::types::ValueRef<'a>) -> Result<Option<std::borrow::Cow<'a, str>>, String> {
        use rusqlite::types::ValueRef;
        use std::borrow::Cow;
        match value {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(|s| Some(Cow::Borrowed(s)))
                .map_err(|e| format!("text that is not UTF-8: {e}")),
            ValueRef::Blob(b) => {
                let (&id, frame) = b.split_first().ok_or("an empty packed text")?;
                let mut whole = Vec::with_capacity(frame.len() + MAGIC.len());
                whole.extend_from_slice(&MAGIC);
                whole.extend_from_slice(frame);
                let size = match zstd::zstd_safe::get_frame_content_size(&whole) {
                    Ok(Some(n)) if n <= crate::limits::MAX_RECORD_BYTES as u64 => n as usize,
                    _ => return Err("a packed text of no size or too large".into()),
                };
                let mut decoders = self.decoders.lock().unwrap_or_else(|e| e.into_inner());
                let decoder = decoders
                    .get_mut(&i64::from(id))
                    .ok_or_else(|| format!("packed with dictionary {id}, not in the store"))?;
                let bytes =
                    decoder.decompress(&whole, size).map_err(|e| format!("a packed text that cannot be read: {e}"))?;
                String::from_utf8(bytes)
                    .map(|s| Some(Cow::Owned(s)))
                    .map_err(|e| format!("text that is not UTF-8: {e}"))
            }
            other => Err(format!("a message text stored as {:?}", other.data_type())),
        }
    }
}

/// Packs message text with one dictionary, on whatever thread reads the file.
pub struct TextPacker {
    id: u8,
    compressor: zstd::bulk::Compressor<'static>,
}

impl TextPacker {
    pub fn new(id: i64, dictionary: &[u8]) -> std::io::Result<TextPacker> {
        let id = u8::try_from(id).map_err(|_| std::io::Error::other("dictionary ids go to 255"))?;
        let mut compressor = zstd::bulk::Compressor::with_dictionary(LEVEL, dictionary)?;
        compressor.set_parameter(zstd::zstd_safe::CParameter::DictIdFlag(false))?;
        compressor.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(false))?;
        compressor.set_parameter(zstd::zstd_safe::CParameter::ContentSizeFlag(true))?;
        Ok(TextPacker { id, compressor })
    }

    /// The text packed, if that makes it smaller.
    pub fn pack(&mut self, text: &str) -> Option<Vec<u8>> {
        let frame = self.compressor.compress(text.as_bytes()).ok()?;
        let body = frame.strip_prefix(&MAGIC[..])?;
        if body.len() + 1 >= text.len() {
            return None;
        }
        let mut out = Vec::with_capacity(body.len() + 1);
        out.push(self.id);
        out.extend_from_slice(body);
        Some(out)
    }
}

/// How a file's message text is packed: with the store's dictionary, or,
/// when it has none yet, with one learnt from the file's first messages
/// (it then gets `NEW_DICTIONARY`).
#[derive(Debug, Clone, Default)]
pub struct Packing {
    pub dictionary: Option<(i64, Vec<u8>)>,
}

/// The id a store's first dictionary gets.
pub const NEW_DICTIONARY: i64 = 1;

/// A dictionary learnt from message texts, when they are enough to learn from.
pub fn learn_dictionary<'a>(samples: impl Iterator<Item = &'a str>) -> Option<Vec<u8>> {
    let samples: Vec<&[u8]> = samples.map(str::as_bytes).filter(|s| !s.is_empty()).collect();
    let total: usize = samples.iter().map(|s| s.len()).sum();
    // zstd needs some samples, and several times the dictionary's size in all.
    if samples.len() < 64 || total < 8 * 1024 {
        return None;
    }
    use zstd::zstd_safe::zstd_sys;
    let mut joined = Vec::with_capacity(total);
    samples.iter().for_each(|s| joined.extend_from_slice(s));
    let sizes: Vec<usize> = samples.iter().map(|s| s.len()).collect();
    let mut dictionary = vec![0u8; DICTIONARY_BYTES.min(total / 4)];
    // zstd's own way (`ZDICT_trainFromBuffer`, what the `zstd` crate's
    // `from_samples` calls): five dictionaries learnt, of segments from 50
    // to 2,000 bytes, and the one that packs a quarter of the samples held
    // out best kept (which is best depends on the texts: a fixed 50 left
    // a test's canned answer unpacked, 512 a quarter of its messages, 537
    // did best on the benchmark's dump). But where zstd counts the samples'
    // 8-byte strings in a table of 2^20 entries (6 MB, cleared for each of
    // the five), the table here has at least twice as many entries as the
    // samples have bytes, up to that (2^18 for the benchmark's dump: 4,096
    // messages, 105 KB). A store's first import waits for its dictionary
    // (run.rs): it was learnt 72 to 77 ms after the process started, not
    // 81 to 83 (README, "Session 18"), and the store is the same.
    let table_bits = (usize::BITS - total.leading_zeros() + 1).clamp(12, 20);
    let mut params = zstd_sys::ZDICT_fastCover_params_t {
        k: 0,
        d: 8,
        f: table_bits,
        steps: 4,
        nbThreads: 1,
        splitPoint: 0.0,
        accel: 1,
        shrinkDict: 0,
        shrinkDictMaxRegression: 0,
        zParams: zstd_sys::ZDICT_params_t { compressionLevel: LEVEL, notificationLevel: 0, dictID: 0 },
    };
    // SAFETY: the buffers are valid for the lengths given: `joined` holds
    // exactly the sizes listed, and zstd writes at most `dictionary.len()`;
    // `params` is read and written only during the call.
    let written = unsafe {
        zstd_sys::ZDICT_optimizeTrainFromBuffer_fastCover(
            dictionary.as_mut_ptr().cast(),
            dictionary.len(),
            joined.as_ptr().cast(),
            sizes.as_ptr(),
            u32::try_from(sizes.len()).ok()?,
            &mut params,
        )
    };
    // SAFETY: a plain function of the number returned.
    if unsafe { zstd_sys::ZDICT_isError(written) } != 0 {
        return None;
    }
    dictionary.truncate(written);
    Some(dictionary)
}

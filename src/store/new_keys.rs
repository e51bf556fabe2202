//! The keys of a file imported into a store whose key table was empty when
//! the file began (its first import): decided in memory, and written a run
//! at a time, each run sorted as the table keeps them.
//!
//! Into a key table that held nothing, the only keys a record can meet are
//! those of its own file. So the file's keys are held in memory, with the
//! row each names, until a run of them ([`RUN`]) is written, with one
//! statement, sorted as the table keeps them (by conversation, then key: a
//! text before a blob, bytes compared as `memcmp` does, a shorter one first
//! when one begins the other): each lands after the one before, on the page
//! SQLite's cursor is on, where a statement a record (`INSERT ... ON
//! CONFLICT DO NOTHING`, what a store that holds records takes its keys
//! with) descends the B-tree from its root each time. A first import adds
//! conversations in order, so a run mostly lands after the last one. The
//! rows come from [`KeysTab`], a table of this connection that reads them
//! from memory.
//!
//! A key held is decided in memory (taken, and by which row, or new), and so
//! is one of a conversation none of whose keys were written yet (one bit a
//! conversation); only a key of a conversation that has keys written is
//! looked up in the table (the records of a conversation come together in
//! most files: a conversation across a run's end, or a file whose
//! conversations are interleaved). Memory stays bounded: a run of keys and
//! a bit a conversation. When a quarter of the new keys were looked up so
//! (more than a run of them), the file is interleaved: its keys are taken
//! in the table from there on, one statement each (write.rs, `KeyTable`).
//!
//! ```text
//! records:  c1 m0   c1 m1   c2 m0   c1 m0 (again)   c2 m10   c2 m2
//! held:     (c1,m0)=r1 (c1,m1)=r2 (c2,m0)=r3   taken: r1   (c2,m10)=r4 (c2,m2)=r5
//! a run:    (c1,m0,r1) (c1,m1,r2) (c2,m0,r3) (c2,m10,r4) (c2,m2,r5)   one statement, in order
//! ```

use super::direct::Value;
use super::write::Bits;
use crate::text::HashIsKey;
use rusqlite::vtab::{
    eponymous_only_module, Context, Filters, IndexInfo, VTab, VTabConfig, VTabConnection, VTabCursor,
};
use rusqlite::{ffi, Connection};
use std::collections::HashMap;
use std::ffi::c_int;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex};

/// How many keys are held before they are written, one statement for them.
pub(super) const RUN: usize = if cfg!(test) { 64 } else { 16 << 10 };

/// At most this many bytes of keys held.
const RUN_BYTES: usize = 16 << 20;

/// "No entry" in a chain of entries of one hash.
const NONE: u32 = u32::MAX;

/// One key held: its conversation, the row it names, where its bytes are.
#[derive(Clone, Copy)]
struct Entry {
    conversation: i64,
    row: i64,
    start: u32,
    len: u32,
    /// A key from the record's content (a blob), not an id given (text).
    blob: bool,
    /// The next entry of the same hash.
    next: u32,
}

/// What [`NewKeys::claim`] found.
pub(super) enum Claim {
    /// The key was free: it now names the row given.
    New,
    /// The key names this row already (the file gave the record before).
    Taken(i64),
    /// A key of this conversation was written: the table says whether
    /// this one was (when it was not, [`NewKeys::hold`] it).
    Ask,
}

/// The keys a file gave, in memory, of one key table that was empty when
/// the file began.
#[derive(Default)]
pub(super) struct NewKeys {
    entries: Vec<Entry>,
    bytes: Vec<u8>,
    /// The first entry held of each hash (others chained by `next`).
    heads: HashMap<u64, u32, BuildHasherDefault<HashIsKey>>,
    /// The conversations (by row) some of whose keys were written.
    written: Bits,
    /// The room of the run written last, for the next ([`NewKeys::reuse`]):
    /// grown from nothing for each run, the two vectors faulted in fresh
    /// pages each time.
    spare: Option<Sorted>,
}

impl NewKeys {
    /// Takes `key` of `conversation` for `row`, unless the file gave it before.
    pub(super) fn claim(&mut self, conversation: i64, key: Value<'_>, row: i64) -> Claim {
        let (bytes, blob) = parts(key);
        let hash = hash(conversation, bytes, blob);
        let head = self.heads.get(&hash).copied().unwrap_or(NONE);
        let mut at = head;
        while at != NONE {
            let e = &self.entries[at as usize];
            if e.conversation == conversation && e.blob == blob && self.bytes_of(e) == bytes {
                return Claim::Taken(e.row);
            }
            at = e.next;
        }
        if usize::try_from(conversation).map_or(true, |row| self.written.contains(row)) {
            return Claim::Ask;
        }
        self.push(hash, head, conversation, bytes, blob, row);
        Claim::New
    }

    /// Holds `key` of `conversation` for `row`: a key [`Claim::Ask`] was
    /// said of, and the table does not have.
    pub(super) fn hold(&mut self, conversation: i64, key: Value<'_>, row: i64) {
        let (bytes, blob) = parts(key);
        let hash = hash(conversation, bytes, blob);
        let head = self.heads.get(&hash).copied().unwrap_or(NONE);
        self.push(hash, head, conversation, bytes, blob, row);
    }

    fn push(&mut self, hash: u64, head: u32, conversation: i64, bytes: &[u8], blob: bool, row: i64) {
        // At most RUN_BYTES held (a run is written past it): offsets fit in 32 bits.
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(bytes);
        self.entries.push(Entry { conversation, row, start, len: bytes.len() as u32, blob, next: head });
        self.heads.insert(hash, (self.entries.len() - 1) as u32);
    }

    /// Whether the keys held make a run to write ([`NewKeys::take_run`]).
    pub(super) fn run_is_ready(&self) -> bool {
        self.entries.len() >= RUN || self.bytes.len() >= RUN_BYTES
    }

    fn bytes_of(&self, e: &Entry) -> &[u8] {
        &self.bytes[e.start as usize..(e.start + e.len) as usize]
    }

    /// The keys held, sorted as the table keeps them, for [`Run::write`];
    /// they are noted as written.
    pub(super) fn take_run(&mut self) -> Sorted {
        let spare = self.spare.take().unwrap_or_else(|| Sorted { entries: Vec::new(), bytes: Vec::new() });
        let mut entries = std::mem::replace(&mut self.entries, spare.entries);
        let bytes = std::mem::replace(&mut self.bytes, spare.bytes);
        self.heads.clear();
        for e in &entries {
            if let Ok(row) = usize::try_from(e.conversation) {
                self.written.replace(row);
            }
        }
        let key = |e: &Entry| (e.blob, &bytes[e.start as usize..][..e.len as usize]);
        // A file's records mostly come a conversation at a time, and a
        // first import numbers conversations in the order they come: then
        // the entries are in conversation order already, and only each
        // conversation's few keys are sorted (in order as given, mostly,
        // but for an id `m10` after `m9`), where a sort of them all spent
        // 4% of the writing thread comparing keys that share their first
        // bytes (callgrind).
        if entries.windows(2).all(|w| w[0].conversation <= w[1].conversation) {
            for keys in entries.chunk_by_mut(|a, b| a.conversation == b.conversation) {
                keys.sort_by(|a, b| key(a).cmp(&key(b)));
            }
        } else {
            entries.sort_by(|a, b| a.conversation.cmp(&b.conversation).then_with(|| key(a).cmp(&key(b))));
        }
        Sorted { entries, bytes }
    }

    /// Keeps the room of a run written, emptied, for the next run.
    pub(super) fn reuse(&mut self, mut written: Sorted) {
        written.entries.clear();
        written.bytes.clear();
        self.spare = Some(written);
    }
}

/// The parts of a key: its bytes, and whether it is a blob.
fn parts(key: Value<'_>) -> (&[u8], bool) {
    match key {
        Value::Text(text) => (text.as_bytes(), false),
        Value::Blob(bytes) => (bytes, true),
        // Keys are never anything else (write.rs, `Key`).
        _ => (&[], true),
    }
}

/// `rapport_new_keys` on one connection, and the keys its next scan gives.
pub(super) struct Run {
    rows: Rows,
}

impl Run {
    /// Makes `rapport_new_keys` this connection's, for the statements of
    /// one file (a file's writer makes it again, with rows of its own).
    pub(super) fn register(conn: &Connection) -> rusqlite::Result<Run> {
        let rows = Rows::default();
        conn.create_module(c"rapport_new_keys", eponymous_only_module::<KeysTab>(), Some(rows.clone()))?;
        Ok(Run { rows })
    }

    /// The statement that writes a run into `table` (`message_key` and the
    /// others), prepared once.
    ///
    /// `OR IGNORE`, though no key of a run is in the table (the run's keys
    /// were decided against it): a statement that writes many rows and may
    /// stop at a conflict midway is given a savepoint of its own, and
    /// SQLite then asks every virtual table the transaction wrote to keep
    /// one too. The full-text index (FTS5) does so by writing out the terms
    /// it holds in memory: a segment more to write and merge a run, 13% of
    /// the runs' time in `perf`.
    pub(super) fn statement(table: &str) -> String {
        format!(
            "INSERT OR IGNORE INTO {table} (conversation, key, id) SELECT conversation, key, id FROM rapport_new_keys"
        )
    }

    /// Runs `insert` (of [`Run::statement`]) over `sorted`; gives the
    /// run's room back (for [`NewKeys::reuse`]) once its rows are written.
    pub(super) fn write(
        &self,
        sorted: Sorted,
        insert: &mut super::direct::Direct<'_>,
    ) -> rusqlite::Result<Option<Sorted>> {
        if sorted.entries.is_empty() {
            return Ok(Some(sorted));
        }
        let _step = crate::trace::step(|| format!("import: a run of {} keys written", sorted.entries.len()));
        if let Ok(mut rows) = self.rows.lock() {
            *rows = Some(sorted);
        }
        let written = insert.run(&[]);
        // The scan's cursor, closed when the statement ended, gave the rows
        // back; none are left behind, whatever happened.
        let back = self.rows.lock().ok().and_then(|mut rows| rows.take());
        written.map(|_| back)
    }
}

fn hash(conversation: i64, bytes: &[u8], blob: bool) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(bytes, (conversation as u64).wrapping_mul(2) | u64::from(blob))
}

/// Keys to write, sorted.
pub(super) struct Sorted {
    entries: Vec<Entry>,
    bytes: Vec<u8>,
}

/// The rows [`Run::write`] hands to its statement, taken once.
type Rows = Arc<Mutex<Option<Sorted>>>;

/// `rapport_new_keys`: a table of this connection (eponymous, read only)
/// whose rows are the keys [`Run::write`] is given, sorted.
#[repr(C)]
struct KeysTab {
    /// SQLite's part of the table (first, as SQLite needs it).
    base: ffi::sqlite3_vtab,
    rows: Rows,
}

// SAFETY: `KeysTab` is `repr(C)` with `sqlite3_vtab` first.
unsafe impl<'vtab> VTab<'vtab> for KeysTab {
    type Aux = Rows;
    type Cursor = KeysCursor;

    fn connect(db: &mut VTabConnection, rows: Option<&Rows>, _args: &[&[u8]]) -> rusqlite::Result<(String, Self)> {
        // Only a statement of this crate's may read it, never a view or a
        // trigger a store's file could hold.
        db.config(VTabConfig::DirectOnly)?;
        let rows = rows.cloned().unwrap_or_default();
        Ok((
            "CREATE TABLE x (conversation INTEGER, key BLOB, id INTEGER)".to_owned(),
            KeysTab { base: ffi::sqlite3_vtab::default(), rows },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<()> {
        info.set_estimated_cost(1e6);
        Ok(())
    }

    fn open(&'vtab mut self) -> rusqlite::Result<KeysCursor> {
        Ok(KeysCursor { base: ffi::sqlite3_vtab_cursor::default(), rows: self.rows.clone(), sorted: None, at: 0 })
    }
}

#[repr(C)]
struct KeysCursor {
    /// SQLite's part of the cursor (first, as SQLite needs it).
    base: ffi::sqlite3_vtab_cursor,
    rows: Rows,
    sorted: Option<Sorted>,
    at: usize,
}

impl Drop for KeysCursor {
    /// Gives the rows back for their room to be used again ([`Run::write`]).
    fn drop(&mut self) {
        if let (Some(sorted), Ok(mut rows)) = (self.sorted.take(), self.rows.lock()) {
            rows.get_or_insert(sorted);
        }
    }
}

// SAFETY: `KeysCursor` is `repr(C)` with `sqlite3_vtab_cursor` first.
unsafe impl VTabCursor for KeysCursor {
    fn filter(&mut self, _idx_num: c_int, _idx_str: Option<&str>, _args: &Filters<'_>) -> rusqlite::Result<()> {
        // The rows are read once: a second scan finds none.
        self.sorted = self.rows.lock().ok().and_then(|mut rows| rows.take());
        self.at = 0;
        Ok(())
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.at += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.sorted.as_ref().is_none_or(|s| self.at >= s.entries.len())
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        let Some(sorted) = &self.sorted else { return Ok(()) };
        let e = &sorted.entries[self.at];
        match i {
            0 => ctx.set_result(&e.conversation),
            1 => {
                let bytes = &sorted.bytes[e.start as usize..][..e.len as usize];
                if e.blob {
                    ctx.set_result(&bytes)
                } else {
                    let text = std::str::from_utf8(bytes).map_err(rusqlite::Error::Utf8Error)?;
                    ctx.set_result(&text)
                }
            }
            _ => ctx.set_result(&e.row),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.at as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of a run, in the order it gives them.
    fn run_of(keys: &[(i64, Value<'_>)]) -> Vec<(i64, bool, String)> {
        let mut held = NewKeys::default();
        for (row, (conversation, key)) in keys.iter().enumerate() {
            assert!(matches!(held.claim(*conversation, *key, row as i64 + 1), Claim::New));
        }
        let sorted = held.take_run();
        sorted
            .entries
            .iter()
            .map(|e| {
                let bytes = &sorted.bytes[e.start as usize..][..e.len as usize];
                (e.conversation, e.blob, String::from_utf8_lossy(bytes).into_owned())
            })
            .collect()
    }

    #[test]
    fn a_run_is_sorted_by_conversation_then_key_a_text_before_a_blob_whether_conversations_come_together_or_not() {
        let expected = |keys: &[(i64, bool, &str)]| -> Vec<(i64, bool, String)> {
            keys.iter().map(|(c, blob, k)| (*c, *blob, k.to_string())).collect()
        };
        let together = [
            (1, Value::Text("m0")),
            (1, Value::Blob(b"a")),
            (1, Value::Text("m10")),
            (1, Value::Text("m2")),
            (2, Value::Text("m1")),
            (2, Value::Text("m0")),
        ];
        assert_eq!(
            run_of(&together),
            expected(&[
                (1, false, "m0"),
                (1, false, "m10"),
                (1, false, "m2"),
                (1, true, "a"),
                (2, false, "m0"),
                (2, false, "m1")
            ])
        );
        let interleaved =
            [(2, Value::Text("m1")), (1, Value::Text("m9")), (2, Value::Text("m0")), (1, Value::Text("m10"))];
        assert_eq!(
            run_of(&interleaved),
            expected(&[(1, false, "m10"), (1, false, "m9"), (2, false, "m0"), (2, false, "m1")])
        );
    }
}

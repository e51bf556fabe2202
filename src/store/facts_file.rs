//! The metric facts kept beside the store (`STORE-facts`), so that a new
//! process reads them in one sequential read instead of rebuilding them from
//! every row.
//!
//! The SQLite store stays the source of truth; this file is a copy that is
//! used only when it is provably of the store as it is now:
//!
//! - it carries a tag: the store's generation (a random number drawn again
//!   in the same transaction as every change to the records, schema 4), the
//!   largest row id of each record table, and whatever else the facts
//!   depend on (the engine adds the GeoIP database, the prices, the
//!   exchange rates and the layout); a tag that differs in anything means
//!   the file is not read;
//! - it is written whole to a temporary file, then renamed over the
//!   old one, so a killed process leaves the old file or the new one, never
//!   a mixture; a body whose checksum does not match is not read;
//! - its tag is read in the same read transaction as the rows the facts are
//!   built from, so an import committed by another process in between makes
//!   a file tagged as before that import, which the next open rebuilds;
//! - an older Rapport, which does not draw the generation, cannot change
//!   the store: it refuses a store of a newer schema without writing to it.
//!
//! Like the store it is readable by its owner only.
//!
//! The file is mapped (read into memory on Windows, which refuses to rename
//! over a mapped file) and its rows are read in place for as long as the
//! facts live (`metrics::Column`). That is safe because no process ever
//! writes to or truncates a kept file: a new one is written under another
//! name and renamed over it, so a mapping keeps the old file's pages (the
//! old inode lives on until it is unmapped) and can never fault on pages
//! cut off under it. The body starts at a multiple of 8 bytes in the file
//! (zeros after the header), so its rows are aligned as they are in memory.

use super::{Changed, Store, StoreError};
use crate::metrics::Backing;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MAGIC: &[u8; 8] = b"RPRTFCT2";

/// Where the body starts: the header is followed by zeros up to a multiple of this.
const BODY_ALIGN: usize = 8;

/// Where the facts of the store at `store` are kept.
pub fn facts_path(store: &Path) -> PathBuf {
    let mut name = store.as_os_str().to_owned();
    name.push("-facts");
    PathBuf::from(name)
}

/// Facts read back from their file, checked against their tag and length;
/// [`SavedFacts::intact`] checks their checksum.
pub struct SavedFacts {
    bytes: Arc<Backing>,
    body_at: usize,
    sum: u64,
}

impl SavedFacts {
    /// What [`Store::save_facts`] was given.
    pub fn body(&self) -> &[u8] {
        &self.bytes.bytes()[self.body_at..]
    }

    /// The mapped file, which the rows of facts read back point into.
    pub fn backing(&self) -> &Arc<Backing> {
        &self.bytes
    }

    /// Where the body starts in [`SavedFacts::backing`], a multiple of 8.
    pub fn body_at(&self) -> usize {
        self.body_at
    }

    /// Whether the body is whole and unchanged: its checksum holds. A read
    /// of the whole file, which the engine does on the other core while it
    /// reads the facts back (which checks every length and index itself, so
    /// that reading a damaged body is safe, only of no use).
    pub fn intact(&self) -> bool {
        xxhash_rust::xxh3::xxh3_64(self.body()) == self.sum
    }
}

impl Store {
    /// What identifies the store's records as they are now: its generation
    /// and the largest row id of each record table.
    pub fn change_tag(&self) -> Result<String, StoreError> {
        self.conn
            .query_row(
                "SELECT (SELECT generation FROM store_generation WHERE id = 1),
                        (SELECT max(id) FROM conversation), (SELECT max(id) FROM message),
                        (SELECT max(id) FROM action), (SELECT max(id) FROM feedback)",
                [],
                |r| {
                    let n = |i| r.get::<_, Option<i64>>(i).map(|v| v.map_or("-".to_owned(), |v| v.to_string()));
                    Ok(format!("generation {} rows {} {} {} {}", n(0)?, n(1)?, n(2)?, n(3)?, n(4)?))
                },
            )
            .map_err(|e| self.err(e))
    }

    /// The store's generation now.
    pub fn generation(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT generation FROM store_generation WHERE id = 1", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// How the store changed since it was at `generation`: every change
    /// since then is listed and names the conversations it touched (read
    /// them with [`Changed`]); `None` when that is not known (a change too
    /// large to list, or too long ago).
    /// With the conversations, how many changes there were.
    pub fn changes_since(&self, generation: i64) -> Result<Option<(Changed, i64)>, StoreError> {
        let run = || -> rusqlite::Result<Option<(Changed, i64)>> {
            let first: Option<i64> =
                self.conn
                    .query_row("SELECT min(seq) FROM store_change WHERE before = ?1", [generation], |r| r.get(0))?;
            let Some(first) = first else { return Ok(None) };
            let (changes, whole): (i64, bool) = self.conn.query_row(
                "SELECT count(*), coalesce(max(whole), 0) FROM store_change WHERE seq >= ?1",
                [first],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok((!whole).then_some((Changed::Since(first), changes)))
        };
        run().map_err(|e| self.err(e))
    }

    /// Runs `read` inside one read transaction: everything it reads is of
    /// one committed state of the store, whatever other processes write.
    pub fn in_one_snapshot<T>(&self, read: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        if !self.conn.is_autocommit() {
            return read();
        }
        self.conn.execute_batch("BEGIN DEFERRED").map_err(|e| self.err(e))?;
        let out = read();
        let end = self.conn.execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let out = out?;
        end.map_err(|e| self.err(e))?;
        Ok(out)
    }

    /// The tag of the facts kept beside the store, whatever it is, with them.
    pub fn saved_facts_any(&self) -> Option<(String, SavedFacts)> {
        let file = std::fs::File::open(facts_path(&self.path)).ok()?;
        let tag = String::from_utf8(kept_tag(&file)?).ok()?;
        let saved = self.saved_facts(&tag)?;
        Some((tag, saved))
    }

    /// The facts kept for exactly `tag`, as [`Store::save_facts`] wrote
    /// them; `None` when there are none, or they are of another tag, or the
    /// file is cut short (whether the body is damaged: [`SavedFacts::intact`]).
    pub fn saved_facts(&self, tag: &str) -> Option<SavedFacts> {
        let file = std::fs::File::open(facts_path(&self.path)).ok()?;
        // The tag first, from the head of the file: facts of another state
        // of the store (after an import) are not mapped and read at all.
        if kept_tag(&file)? != tag.as_bytes() {
            return None;
        }
        let backing = kept_bytes(file)?;
        let bytes = backing.bytes();
        let body_at = {
            let mut at = 0;
            let mut take = |n: usize| {
                let s = bytes.get(at..at + n)?;
                at += n;
                Some(s)
            };
            if take(8)? != MAGIC {
                return None;
            }
            let tag_len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
            if take(tag_len)? != tag.as_bytes() {
                return None;
            }
            let body_len = u64::from_le_bytes(take(8)?.try_into().ok()?);
            let sum = u64::from_le_bytes(take(8)?.try_into().ok()?);
            let head = MAGIC.len() + 4 + tag_len + 8 + 8;
            take(head.next_multiple_of(BODY_ALIGN) - head)?;
            let body = bytes.get(at..)?;
            if body.len() as u64 != body_len {
                return None;
            }
            (at, sum)
        };
        let (body_at, sum) = body_at;
        Some(SavedFacts { bytes: Arc::new(backing), body_at, sum })
    }

    /// Keeps `body` as the facts of `tag`, replacing any kept before in one
    /// rename. A store whose folder cannot be written to keeps none (the
    /// facts are then rebuilt by each process, as before they were kept).
    pub fn save_facts(&self, tag: &str, body: &[u8]) -> std::io::Result<()> {
        let path = facts_path(&self.path);
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{}.tmp", std::process::id()));
        let temp = PathBuf::from(name);
        let written = (|| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = std::io::BufWriter::with_capacity(1 << 20, options.open(&temp)?);
            file.write_all(MAGIC)?;
            file.write_all(&(tag.len() as u32).to_le_bytes())?;
            file.write_all(tag.as_bytes())?;
            file.write_all(&(body.len() as u64).to_le_bytes())?;
            file.write_all(&xxhash_rust::xxh3::xxh3_64(body).to_le_bytes())?;
            let head = MAGIC.len() + 4 + tag.len() + 8 + 8;
            file.write_all(&[0u8; BODY_ALIGN][..head.next_multiple_of(BODY_ALIGN) - head])?;
            file.write_all(body)?;
            // Not synced: a file cut short by a power loss fails its checksum and is rebuilt.
            file.flush()?;
            drop(file);
            std::fs::rename(&temp, &path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }
}

/// A kept file's bytes: mapped where a file can be renamed over while it is
/// mapped (Unix). Windows refuses to replace a mapped file, so there the
/// bytes are read into memory instead: mapped, the next import's facts could
/// never be kept while this process holds them.
#[cfg(unix)]
fn kept_bytes(file: std::fs::File) -> Option<Backing> {
    // SAFETY: the file is only ever replaced whole (a rename), never
    // written in place nor truncated, so the mapped bytes do not change
    // under us for as long as they are mapped (see the module's note);
    // its checksum is checked before the facts read from it are used.
    let bytes = unsafe { memmap2::MmapOptions::new().populate().map(&file) }.ok()?;
    Some(Backing::Mapped(bytes))
}

#[cfg(not(unix))]
fn kept_bytes(mut file: std::fs::File) -> Option<Backing> {
    use std::io::{Read, Seek};
    file.rewind().ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    Some(Backing::copied(&bytes))
}

/// The tag at the head of a facts file, read from its start (up to 1 MiB).
fn kept_tag(mut file: &std::fs::File) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut head = [0u8; 12];
    file.read_exact(&mut head).ok()?;
    if &head[..8] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes(head[8..12].try_into().ok()?) as usize;
    let mut tag = vec![0u8; len.min(1 << 20)];
    file.read_exact(&mut tag).ok()?;
    Some(tag)
}

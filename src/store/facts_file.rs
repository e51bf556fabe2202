//! The metric facts kept beside the store (`STORE-facts`), so that a new
//! process reads them in one sequential read instead of rebuilding them from
//! every row; and the topic index (`STORE-topics`), kept the same way, so
//! that it is not built again from every user message's text.
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
//!   a mixture; a body whose checksums do not all match is not read (one
//!   per 64 MiB of it, checked on every core at once: at ten million
//!   conversations the body is 7.6 GB);
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

/// 3: a checksum per [`CHUNK`] of the body, not one of the whole.
const MAGIC: &[u8; 8] = b"RPRTFCT3";

/// The kept files of before, with one checksum of the whole body, are read
/// as files of one chunk: at ten million conversations, rebuilding their
/// facts would take minutes.
const MAGIC_ONE_SUM: &[u8; 8] = b"RPRTFCT2";

/// Where the body starts: the header is followed by zeros up to a multiple of this.
const BODY_ALIGN: usize = 8;

/// How much of the body each checksum covers (the last one, what is left).
/// Small enough that the chunks are shared out evenly between the cores,
/// large enough that their sums are a few hundred bytes at most.
const CHUNK: u64 = 64 << 20;

/// The most checksums a header may list: a count beyond is not ours.
const MOST_CHUNKS: u64 = 1 << 20;

/// Where the facts of the store at `store` are kept.
pub fn facts_path(store: &Path) -> PathBuf {
    kept_path(store, "-facts")
}

/// Where the topic index of the store at `store` is kept: a file like the
/// facts' (tagged, checksummed, renamed into place whole), whose body is
/// `metrics::TopicIndex::to_bytes`.
pub fn topics_path(store: &Path) -> PathBuf {
    kept_path(store, "-topics")
}

fn kept_path(store: &Path, suffix: &str) -> PathBuf {
    let mut name = store.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Facts read back from their file, checked against their tag and length;
/// [`SavedFacts::intact`] checks their checksums.
pub struct SavedFacts {
    bytes: Arc<Backing>,
    body_at: usize,
    /// How much of the body each of `sums` covers.
    chunk: usize,
    sums: Vec<u64>,
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

    /// Whether the body is whole and unchanged, exactly as
    /// [`Store::save_facts`] was given it: every checksum holds. A read of
    /// the whole file, its chunks shared out between the machine's cores.
    pub fn intact(&self) -> bool {
        let chunks: Vec<&[u8]> = self.body().chunks(self.chunk).collect();
        if chunks.len() != self.sums.len() {
            return false;
        }
        let holds = |(chunk, sum): (&&[u8], &u64)| xxhash_rust::xxh3::xxh3_64(chunk) == *sum;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(chunks.len()).max(1);
        if threads == 1 {
            return chunks.iter().zip(&self.sums).all(holds);
        }
        // Chunk i to thread i mod n: each thread's share is as large as the others'.
        std::thread::scope(|s| {
            let (chunks, sums) = (&chunks, &self.sums);
            let shares: Vec<_> = (0..threads)
                .map(|t| s.spawn(move || chunks.iter().zip(sums).skip(t).step_by(threads).all(holds)))
                .collect();
            shares.into_iter().all(|share| share.join().unwrap_or(false))
        })
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
    pub fn changes_since(&self, generation: i64) -> Result<Option<Changed>, StoreError> {
        let run = || -> rusqlite::Result<Option<Changed>> {
            let first: Option<i64> =
                self.conn
                    .query_row("SELECT min(seq) FROM store_change WHERE before = ?1", [generation], |r| r.get(0))?;
            let Some(first) = first else { return Ok(None) };
            let whole: bool = self.conn.query_row(
                "SELECT coalesce(max(whole), 0) FROM store_change WHERE seq >= ?1",
                [first],
                |r| r.get(0),
            )?;
            Ok((!whole).then_some(Changed::Since(first)))
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
        kept_any_at(&facts_path(&self.path))
    }

    /// The facts kept for exactly `tag`, as [`Store::save_facts`] wrote
    /// them; `None` when there are none, or they are of another tag, or the
    /// file is cut short (whether the body is damaged: [`SavedFacts::intact`]).
    pub fn saved_facts(&self, tag: &str) -> Option<SavedFacts> {
        saved_facts_at(&self.path, tag)
    }

    /// Keeps `body` as the facts of `tag`, replacing any kept before in one
    /// rename. A store whose folder cannot be written to keeps none (the
    /// facts are then rebuilt by each process, as before they were kept).
    pub fn save_facts(&self, tag: &str, body: &[u8]) -> std::io::Result<()> {
        save_facts_at(&self.path, tag, body)
    }

    /// [`Store::save_facts`] with a checksum per `chunk` bytes of the body.
    #[cfg(test)]
    fn save_facts_in_chunks(&self, tag: &str, body: &[u8], chunk: u64) -> std::io::Result<()> {
        save_facts_in_chunks(&self.path, tag, body, chunk)
    }
}

/// [`Store::saved_facts`] of the store at `store`, without the store open
/// (another thread's, say).
pub fn saved_facts_at(store: &Path, tag: &str) -> Option<SavedFacts> {
    kept_at(&facts_path(store), tag)
}

/// The topic index kept for exactly `tag` beside the store at `store`, as
/// [`save_topics_at`] wrote it, as [`saved_facts_at`] reads facts.
pub fn saved_topics_at(store: &Path, tag: &str) -> Option<SavedFacts> {
    kept_at(&topics_path(store), tag)
}

/// The tag of the topic index kept beside the store at `store`, whatever
/// it is, with the index.
pub fn saved_topics_any_at(store: &Path) -> Option<(String, SavedFacts)> {
    kept_any_at(&topics_path(store))
}

/// Keeps `body` as the topic index of `tag` beside the store at `store`,
/// as [`save_facts_at`] keeps facts.
pub fn save_topics_at(store: &Path, tag: &str, body: &[u8]) -> std::io::Result<()> {
    keep_in_chunks(&topics_path(store), tag, body, CHUNK)
}

/// The kept file at `path`, whatever its tag, with the tag.
fn kept_any_at(path: &Path) -> Option<(String, SavedFacts)> {
    let tag = String::from_utf8(kept_tag(&std::fs::File::open(path).ok()?)?).ok()?;
    let saved = kept_at(path, &tag)?;
    Some((tag, saved))
}

/// A kept file at `path` of exactly `tag`.
fn kept_at(path: &Path, tag: &str) -> Option<SavedFacts> {
    let file = std::fs::File::open(path).ok()?;
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
        let one_sum = match take(8)? {
            m if m == MAGIC => false,
            m if m == MAGIC_ONE_SUM => true,
            _ => return None,
        };
        let tag_len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        if take(tag_len)? != tag.as_bytes() {
            return None;
        }
        let mut u64_at = || Some(u64::from_le_bytes(take(8)?.try_into().ok()?));
        let body_len = u64_at()?;
        let (chunk, count) = if one_sum { (body_len.max(1), 1) } else { (u64_at()?, u64_at()?) };
        if chunk == 0 || count > MOST_CHUNKS || count != body_len.div_ceil(chunk) {
            return None;
        }
        let sums: Vec<u64> = (0..count).map(|_| u64_at()).collect::<Option<_>>()?;
        let head = MAGIC.len() + 4 + tag_len + 8 + if one_sum { 8 } else { 8 * 2 + sums.len() * 8 };
        take(head.next_multiple_of(BODY_ALIGN) - head)?;
        let body = bytes.get(at..)?;
        if body.len() as u64 != body_len {
            return None;
        }
        (at, usize::try_from(chunk).ok()?, sums)
    };
    let (body_at, chunk, sums) = body_at;
    Some(SavedFacts { bytes: Arc::new(backing), body_at, chunk, sums })
}

/// [`Store::save_facts`] of the store at `store`, without the store open.
pub fn save_facts_at(store: &Path, tag: &str, body: &[u8]) -> std::io::Result<()> {
    save_facts_in_chunks(store, tag, body, CHUNK)
}

/// [`save_facts_at`] with a checksum per `chunk` bytes of the body.
fn save_facts_in_chunks(store: &Path, tag: &str, body: &[u8], chunk: u64) -> std::io::Result<()> {
    keep_in_chunks(&facts_path(store), tag, body, chunk)
}

/// Keeps `body` of `tag` at `path`, with a checksum per `chunk` bytes of it.
fn keep_in_chunks(path: &Path, tag: &str, body: &[u8], chunk: u64) -> std::io::Result<()> {
    // Named for the process and for each writing in it: one thread may
    // keep facts while another keeps others.
    static WRITINGS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let writing = WRITINGS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = path.to_owned();
    remove_left_behind(&path);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}-{writing}.tmp", std::process::id()));
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
        let sums: Vec<u64> = body.chunks(chunk as usize).map(xxhash_rust::xxh3::xxh3_64).collect();
        file.write_all(&chunk.to_le_bytes())?;
        file.write_all(&(sums.len() as u64).to_le_bytes())?;
        for sum in &sums {
            file.write_all(&sum.to_le_bytes())?;
        }
        let head = MAGIC.len() + 4 + tag.len() + 8 * 3 + sums.len() * 8;
        file.write_all(&[0u8; BODY_ALIGN][..head.next_multiple_of(BODY_ALIGN) - head])?;
        file.write_all(body)?;
        // Not synced: a file cut short by a power loss fails its checksums and is rebuilt.
        file.flush()?;
        drop(file);
        std::fs::rename(&temp, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Removes the temporary files of facts being kept (`STORE-facts.PID-N.tmp`)
/// that a process which no longer runs left behind: one killed while it
/// wrote them (the app closed while it kept facts on another thread, say),
/// each as large as the facts.
fn remove_left_behind(facts: &Path) {
    let (Some(folder), Some(name)) = (facts.parent(), facts.file_name().and_then(|n| n.to_str())) else { return };
    let folder = if folder.as_os_str().is_empty() { Path::new(".") } else { folder };
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let pid = file
            .to_str()
            .and_then(|f| f.strip_prefix(name)?.strip_prefix('.')?.strip_suffix(".tmp"))
            .and_then(|rest| rest.split('-').next()?.parse::<i32>().ok());
        if pid.is_some_and(process_gone) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether no process runs under the number `pid` (signal 0 sends nothing,
/// it only asks).
#[cfg(unix)]
fn process_gone(pid: i32) -> bool {
    // SAFETY: kill with signal 0 delivers no signal; it takes no pointers.
    pid > 0
        && unsafe { libc::kill(pid, 0) } == -1
        && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Elsewhere whether a process runs is not asked, and such files stay.
#[cfg(not(unix))]
fn process_gone(_pid: i32) -> bool {
    false
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
    let map = unsafe { memmap2::MmapOptions::new().map(&file) }.ok()?;
    Some(Backing::Mapped { map, file })
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
    if &head[..8] != MAGIC && &head[..8] != MAGIC_ONE_SUM {
        return None;
    }
    let len = u32::from_le_bytes(head[8..12].try_into().ok()?) as usize;
    let mut tag = vec![0u8; len.min(1 << 20)];
    file.read_exact(&mut tag).ok()?;
    Some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rows` in a file after 8 bytes of header and before `after`, mapped as kept facts are.
    #[cfg(unix)]
    fn mapped(rows: &[u64], after: &[u64]) -> (tempfile::NamedTempFile, Arc<Backing>) {
        use std::io::Write;
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&[7u8; 8]).unwrap();
        file.write_all(bytemuck::cast_slice(rows)).unwrap();
        file.write_all(bytemuck::cast_slice(after)).unwrap();
        file.flush().unwrap();
        let opened = std::fs::File::open(file.path()).unwrap();
        (file, Arc::new(kept_bytes(opened).unwrap()))
    }

    #[cfg(unix)]
    #[test]
    fn a_tail_replaced_on_a_mapped_table_is_written_to_private_pages_not_to_the_file() {
        let base: Vec<u64> = (0..5000).collect();
        let after: Vec<u64> = vec![u64::MAX; 9000];
        let (file, backing) = mapped(&base, &after);
        let before = std::fs::read(file.path()).unwrap();
        let mut column = crate::metrics::Column::<u64>::in_place(&backing, 8, base.len()).unwrap();

        column.replace_tail(5000, &[10, 11, 12]);
        assert!(column.is_grown_in_place(), "grown in a private mapping, not copied");
        assert_eq!(column.len(), 5003);
        assert_eq!(&column[..5000], &base[..]);
        assert_eq!(&column[5000..], &[10, 11, 12]);

        // The next update replaces the tail again, in the same pages.
        let shared = column.clone();
        column.replace_tail(4999, &[20, 21]);
        assert_eq!(&column[4998..], &[4998, 20, 21]);
        assert!(!column.is_grown_in_place(), "a tail shared with a clone is copied first");
        assert_eq!(&shared[4999..], &[4999, 10, 11, 12], "the clone keeps its rows");
        let mut grown = shared;
        grown.replace_tail(5001, &[30]);
        assert!(grown.is_grown_in_place());
        assert_eq!(&grown[4999..], &[4999, 10, 30]);

        assert_eq!(std::fs::read(file.path()).unwrap(), before, "the file is not written");
        assert_eq!(backing.bytes(), &before[..], "nor the shared mapping");
        let again = crate::metrics::Column::<u64>::in_place(&backing, 8 + 5000 * 8, 3).unwrap();
        assert_eq!(&again[..], &[u64::MAX; 3], "the bytes after the table are the next table's still");
    }

    #[cfg(unix)]
    #[test]
    fn a_tail_without_room_in_the_file_or_in_memory_is_replaced_in_a_vec() {
        let base: Vec<u64> = (0..100).collect();
        let (_file, backing) = mapped(&base, &[]);
        let mut column = crate::metrics::Column::<u64>::in_place(&backing, 8, base.len()).unwrap();
        column.replace_tail(100, &[1000]);
        assert_eq!(column.len(), 101, "nothing after the table in the file: copied");
        assert!(!column.is_in_place() && !column.is_grown_in_place());
        assert_eq!(column[100], 1000);

        let heap = Arc::new(Backing::copied(bytemuck::cast_slice(&base)));
        let mut column = crate::metrics::Column::<u64>::in_place(&heap, 0, 50).unwrap();
        column.replace_tail(40, &[7]);
        assert_eq!(column.len(), 41);
        assert_eq!((column[39], column[40]), (39, 7));
    }

    /// A body of `len` bytes that is no two chunks alike.
    fn body(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    fn with_one_byte_changed(path: &Path, at_from_end: usize) {
        let mut bytes = std::fs::read(path).unwrap();
        let at = bytes.len() - at_from_end;
        bytes[at] ^= 0x40;
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn kept_facts_with_a_changed_byte_in_any_chunk_are_not_intact() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let body = body(1000);
        // Chunks of 64 bytes: 16 checksums, the last over 40 bytes.
        for at_from_end in [1000, 990, 500, 41, 1] {
            store.save_facts_in_chunks("tag", &body, 64).unwrap();
            let saved = store.saved_facts("tag").expect("read back");
            assert_eq!((saved.sums.len(), saved.body()), (16, &body[..]));
            assert!(saved.intact());
            with_one_byte_changed(&facts_path(&store.path), at_from_end);
            let saved = store.saved_facts("tag").expect("the head is intact");
            assert!(!saved.intact(), "a byte {at_from_end} from the end changed, and the checksums hold");
        }
        // One chunk, and none for no body.
        for len in [0, 64, 65] {
            store.save_facts_in_chunks("tag", &body[..len], 64).unwrap();
            let saved = store.saved_facts("tag").expect("read back");
            assert_eq!(saved.sums.len(), len.div_ceil(64));
            assert!(saved.intact());
        }
    }

    #[cfg(unix)]
    #[test]
    fn keeping_facts_removes_the_temporary_files_of_processes_gone_and_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let named = |name: &str| dir.path().join(name);
        // A process number no process has (above Linux's and macOS's largest).
        let gone = [named("s.db-facts.2147483000-0.tmp"), named("s.db-facts.2147483000-12.tmp")];
        let kept = [
            named(&format!("s.db-facts.{}-99.tmp", std::process::id())),
            named("s.db-facts.1-0.tmp"),
            named("s.db-facts.x-0.tmp"),
            named("t.db-facts.2147483000-0.tmp"),
            named("s.db-facts.2147483000-0.tmp.kept"),
        ];
        for path in gone.iter().chain(&kept) {
            std::fs::write(path, b"left").unwrap();
        }
        store.save_facts("tag", &body(100)).unwrap();
        for path in &gone {
            assert!(!path.exists(), "{} is left", path.display());
        }
        for path in &kept {
            assert!(path.exists(), "{} is gone", path.display());
        }
        assert!(store.saved_facts("tag").is_some());
    }

    #[test]
    fn kept_facts_whose_head_lists_other_checksums_than_its_body_needs_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        store.save_facts_in_chunks("tag", &body(1000), 64).unwrap();
        let path = facts_path(&store.path);
        let good = std::fs::read(&path).unwrap();
        // The header: magic, tag length, tag, body length, chunk, count.
        let count_at = 8 + 4 + 3 + 8 + 8;
        for count in [15u64, 17, u64::MAX] {
            let mut bytes = good.clone();
            bytes[count_at..count_at + 8].copy_from_slice(&count.to_le_bytes());
            std::fs::write(&path, bytes).unwrap();
            assert!(store.saved_facts("tag").is_none(), "{count} checksums were read");
        }
        let mut bytes = good.clone();
        bytes[count_at - 8..count_at].copy_from_slice(&0u64.to_le_bytes());
        std::fs::write(&path, bytes).unwrap();
        assert!(store.saved_facts("tag").is_none(), "chunks of no bytes were read");
    }

    #[test]
    fn kept_facts_of_before_with_one_checksum_are_read_as_one_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let body = body(1000);
        let mut file = Vec::new();
        file.extend_from_slice(MAGIC_ONE_SUM);
        file.extend_from_slice(&3u32.to_le_bytes());
        file.extend_from_slice(b"tag");
        file.extend_from_slice(&(body.len() as u64).to_le_bytes());
        file.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&body).to_le_bytes());
        file.resize(file.len().next_multiple_of(BODY_ALIGN), 0);
        file.extend_from_slice(&body);
        let path = facts_path(&store.path);
        std::fs::write(&path, &file).unwrap();
        let saved = store.saved_facts("tag").expect("read back");
        assert_eq!((saved.sums.len(), saved.body()), (1, &body[..]));
        assert!(saved.intact());
        with_one_byte_changed(&path, 500);
        assert!(!store.saved_facts("tag").expect("the head is intact").intact());
    }
}

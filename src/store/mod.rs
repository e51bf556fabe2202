//! The store: one SQLite file, the only place in the engine with SQL.
//!
//! Opened in WAL mode; each imported file is one transaction ([`FileWriter`]),
//! so a killed or cancelled import leaves the store as it was before that file.
//! The first file imported into a store that holds no records is written
//! with a rollback journal instead, each page once (`journal.rs`).

mod append;
pub mod clickhouse;
mod direct;
mod facts_file;
mod journal;
mod location;
mod new_keys;
mod private;
mod read;
mod schema;
mod target;
mod text;
mod write;
mod writeback;

pub use facts_file::{
    facts_path, save_facts_at, save_topics_at, saved_facts_at, saved_topics_any_at, saved_topics_at, topics_path,
    SavedFacts,
};
pub use location::{default_store_path, moved_store, APP_IDENTIFIER};

pub use read::{
    ActionRow, Changed, ConversationDetail, DetailAction, DetailFeedback, DetailMessage, FeedbackRow, MessageRow,
    StoredConversation, StoredFile,
};
pub use target::{FileSink, ImportTarget};
pub use text::{learn_dictionary, MessageText, Packing, TextCodec, TextPacker, DICTIONARY_SAMPLES, NEW_DICTIONARY};
pub use write::{message_words, ConversationWords, FileWriter};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path} is not a Rapport store ({why}); it was left untouched")]
    NotAStore { path: PathBuf, why: String },
    #[error("{path} was written by a newer version of Rapport (schema {found}, this version knows {known}); it was left untouched")]
    TooNew { path: PathBuf, found: i64, known: usize },
    #[error("cannot create the folder for the store {path}: {source}")]
    CreateFolder { path: PathBuf, source: std::io::Error },
    #[error("cannot create the store {path}: {source}")]
    Create { path: PathBuf, source: std::io::Error },
    #[error("the store {path} cannot be used: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("the ClickHouse store {url} cannot be used: {reason}")]
    ClickHouse { url: String, reason: String },
}

impl StoreError {
    /// Whether another connection held the store past the wait (SQLite's
    /// "database is locked").
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Sqlite { source, .. } if journal::busy(source))
    }

    /// What a person can do about it, in a sentence: the desktop app shows it
    /// under the error in its message box.
    pub fn what_to_do(&self) -> &'static str {
        use rusqlite::ErrorCode;
        match self {
            StoreError::NotAStore { .. } => {
                "Move that file away or give Rapport another store (--db PATH, or the RAPPORT_DB variable); \
                 Rapport then starts an empty one there."
            }
            StoreError::TooNew { .. } => {
                "Install the newer version of Rapport that wrote it, or give this one another store \
                 (--db PATH, or the RAPPORT_DB variable)."
            }
            StoreError::CreateFolder { .. } | StoreError::Create { .. } => {
                "Check that you may write in that folder, or give Rapport another store (--db PATH, or the RAPPORT_DB variable)."
            }
            StoreError::Sqlite { .. } if self.is_busy() => {
                "Another program holds it (another Rapport, or a backup or sync tool): close it, then start Rapport again."
            }
            StoreError::Sqlite { source, .. } => match source.sqlite_error_code() {
                Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                    "Put back a copy from a backup, or move the file away and Rapport starts an empty store."
                }
                Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
                    "Check that you may read and write that file and its folder, then start Rapport again."
                }
                Some(ErrorCode::DiskFull) => "Free some disk space, then start Rapport again.",
                _ => "Start Rapport again; if it happens again, give it another store (--db PATH, or the RAPPORT_DB variable).",
            },
            StoreError::ClickHouse { .. } => {
                "Check that the ClickHouse server answers at that address and that the user \
                 (RAPPORT_CLICKHOUSE_USER, RAPPORT_CLICKHOUSE_PASSWORD) may create and read its database."
            }
        }
    }
}

/// What the store holds, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Counts {
    pub conversations: u64,
    pub messages: u64,
    pub actions: u64,
    pub feedback: u64,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Reads message text, packed or not: every reader goes through [`Store::text`].
    codec: std::sync::Arc<TextCodec>,
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The page size of a store created from nothing, in bytes.
pub const PAGE_SIZE: i64 = 8192;

impl Store {
    /// The version of the store's tables this Rapport writes.
    pub const VERSION: usize = schema::MIGRATIONS.len();

    /// Opens (or creates) the store at `path` and brings its schema up to date.
    /// A file that is not a Rapport store is refused and never written to.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, schema::MIGRATIONS.len())
    }

    /// Opens applying only the first `version` migrations: lets tests make a
    /// store as an older version wrote it.
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: usize) -> Result<Store, StoreError> {
        Self::open_with(path, version)
    }

    fn open_with(path: &Path, version: usize) -> Result<Store, StoreError> {
        let sqlite = |source| StoreError::Sqlite { path: path.to_owned(), source };
        let not_a_store = |why: &str| StoreError::NotAStore { path: path.to_owned(), why: why.to_owned() };
        check_header(path).map_err(|why| not_a_store(&why))?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            private::create_folder(parent)
                .map_err(|source| StoreError::CreateFolder { path: parent.to_owned(), source })?;
        }
        private::create_file(path).map_err(|source| StoreError::Create { path: path.to_owned(), source })?;
        configure_sqlite();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(sqlite)?;

        // Identify the file before changing anything in it.
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
                not_a_store("not an SQLite database, or a corrupt one")
            }
            e => sqlite(e),
        })?;
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).map_err(|e| {
            // Held by another connection (a first import, journal.rs): not the file's fault.
            if journal::busy(&e) {
                sqlite(e)
            } else {
                not_a_store("its schema cannot be read: the file is corrupt")
            }
        })?;
        if app_id != schema::APPLICATION_ID && (app_id != 0 || tables > 0) {
            return Err(not_a_store("an SQLite database of another program"));
        }
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sqlite)?;
        if found > schema::MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew { path: path.to_owned(), found, known: schema::MIGRATIONS.len() });
        }

        // A Rapport store (or a new one) from here on: only its owner reads it.
        private::restrict(path);
        if found == 0 && tables == 0 {
            // A new store's pages are 8 KiB, not SQLite's 4: an import does
            // about 6% less work (fewer pages to split, write and checkpoint;
            // README, "The CPU an import takes"), for a file no larger. Only
            // while the file is empty: a store keeps the page size it has.
            conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(sqlite)?;
        }
        // WAL, with `synchronous = NORMAL`; waits for a first import by
        // another connection, which has the store in its rollback journal
        // meanwhile (journal.rs).
        journal::open_in_wal(&conn, journal::WAIT).map_err(sqlite)?;
        conn.pragma_update(None, "foreign_keys", "OFF").map_err(sqlite)?;
        conn.pragma_update(None, "cache_size", -64_000).map_err(sqlite)?;
        conn.pragma_update(None, "temp_store", "MEMORY").map_err(sqlite)?;

        let codec = std::sync::Arc::new(TextCodec::default());
        register_functions(&conn, codec.clone()).map_err(sqlite)?;
        let mut store = Store { conn, path: path.to_owned(), codec };
        // Before the migrations too: one run again may read packed text.
        store.load_dictionaries().map_err(sqlite)?;
        store.migrate(found as usize, version).map_err(sqlite)?;
        Ok(store)
    }

    /// When opening the store at `path` would convert it (an older Rapport
    /// wrote it): its version and this one's. The app says so while
    /// [`Store::open`] converts it, which takes a while on a large store
    /// (the tables made anew, then the file compacted). `None` for a store
    /// of this version, a new one, or one [`Store::open`] will refuse and
    /// say why. Read through SQLite, to read only: nothing is created or
    /// changed.
    pub fn upgrade_needed(path: &Path) -> Option<(usize, usize)> {
        if !path.is_file() || check_header(path).is_err() {
            return None;
        }
        configure_sqlite();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).ok()?;
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).ok()?;
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).ok()?;
        let known = schema::MIGRATIONS.len();
        (app_id == schema::APPLICATION_ID && found > 0 && (found as usize) < known).then_some((found as usize, known))
    }

    /// Opens a store another connection of this process has open already,
    /// to read only: nothing in it is created, checked or changed, and the
    /// file is touched only through SQLite (a file of the store opened and
    /// closed outside SQLite would drop the locks this process's other
    /// connections hold on it).
    pub fn open_reader(path: &Path) -> Result<Store, StoreError> {
        let sqlite = |source| StoreError::Sqlite { path: path.to_owned(), source };
        configure_sqlite();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(sqlite)?;
        let codec = std::sync::Arc::new(TextCodec::default());
        register_functions(&conn, codec.clone()).map_err(sqlite)?;
        let store = Store { conn, path: path.to_owned(), codec };
        store.load_dictionaries().map_err(sqlite)?;
        Ok(store)
    }

    fn migrate(&mut self, from: usize, to: usize) -> rusqlite::Result<()> {
        if from >= to {
            return Ok(());
        }
        // Taking the write lock first: another process writing the store
        // meanwhile is waited for (the busy timeout), where a transaction
        // that read first would be refused at its first write at once.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for sql in &schema::MIGRATIONS[from..to] {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "application_id", schema::APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", to as i64)?;
        tx.commit()?;
        // A migration that made tables anew (7, 9) leaves the old ones'
        // pages free in the file: given back once, so that a converted
        // store is as small as a new one. Its own transaction: killed
        // midway, the store is as the migration left it; refused (another
        // process reading the store), the free pages stay, for later
        // imports to fill. Row ids stay (every table the facts and the full-text index
        // name has an INTEGER PRIMARY KEY).
        let free: i64 = self.conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
        if from > 0 && free > 0 {
            // Its copy of the store in a temporary file, not in memory.
            self.conn.pragma_update(None, "temp_store", "FILE")?;
            let _ = self.conn.execute_batch("VACUUM");
            self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        }
        Ok(())
    }

    /// Takes the store's text dictionaries (none before schema 8).
    fn load_dictionaries(&self) -> rusqlite::Result<()> {
        let exists: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'text_dictionary'",
            [],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(());
        }
        let mut stmt = self.conn.prepare("SELECT id, dictionary FROM text_dictionary")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            self.codec.learn(id, r.get_ref(1)?.as_blob()?).map_err(|e| unreadable(1, e.to_string()))?;
        }
        Ok(())
    }

    /// A message's text as stored (`content`), packed or not: the one way
    /// message text is read. A dictionary another process added since this
    /// one opened the store is read first.
    pub(crate) fn text<'a>(
        &self,
        value: rusqlite::types::ValueRef<'a>,
    ) -> rusqlite::Result<Option<std::borrow::Cow<'a, str>>> {
        if let rusqlite::types::ValueRef::Blob([id, ..]) = value {
            if !self.codec.knows(i64::from(*id)) {
                self.load_dictionaries()?;
            }
        }
        self.codec.text(value).map_err(|e| unreadable(0, e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    pub(crate) fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite { path: self.path.clone(), source }
    }

    pub fn counts(&self) -> Result<Counts, StoreError> {
        let count = |table: &str| -> Result<u64, StoreError> {
            self.conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(|e| self.err(e))
        };
        Ok(Counts {
            conversations: count("conversation")?,
            messages: count("message")?,
            actions: count("action")?,
            feedback: count("feedback")?,
        })
    }

    /// Starts the one transaction in which a file's records are written.
    pub fn begin_file(&mut self, file: &str, bytes: u64) -> Result<FileWriter<'_>, StoreError> {
        let path = self.path.clone();
        FileWriter::begin(&self.conn, self.codec.clone(), file, bytes)
            .map_err(|source| StoreError::Sqlite { path, source })
    }

    /// A setting the app keeps (JSON text), if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

/// Turns off SQLite's count of the memory it holds, once, before the
/// process's first connection: the count takes a lock around every
/// allocation SQLite makes (a tenth of an import's writing thread, measured
/// with `perf`), and nothing here reads it. Too late when another
/// connection opened first: SQLite then refuses, and keeps counting.
/// (The workspace's build of SQLite has it off from the start,
/// `SQLITE_DEFAULT_MEMSTATUS=0` in `.cargo/config.toml`; this holds for a
/// build without that setting.)
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is safe to call before SQLite is
        // initialised, and answers SQLITE_MISUSE, changing nothing, after.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
        }
    });
}

/// A stored value that cannot be read as what it should be.
fn unreadable(column: usize, why: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Blob, why.into())
}

/// The store's own SQL functions, which its migrations may use.
fn register_functions(conn: &Connection, codec: std::sync::Arc<TextCodec>) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "rapport_content_key",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(crate::model::content_key(ctx.get::<Option<String>>(0)?.as_deref())),
    )?;
    // A cost as the store keeps it (schema.rs, 9).
    conn.create_scalar_function(
        "rapport_price",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<f64>>(0)?.map(write::price)),
    )?;
    // A message's words for the full-text index, one space between them.
    conn.create_scalar_function(
        "rapport_words",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| {
            let text = codec.text(ctx.get_raw(0)).map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
            Ok(text.as_deref().map(write::message_words))
        },
    )
}

/// A file that exists, is not empty and does not start as SQLite does is not
/// ours to open: SQLite would otherwise report it only on first write.
fn check_header(path: &Path) -> Result<(), String> {
    use std::io::Read;
    // A FIFO or a device would block or never end: only a regular file is opened.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err("not a regular file".into()),
        _ => {}
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut head = [0u8; 16];
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(format!("it cannot be read: {e}")),
        }
    }
    if read == 0 || (read == head.len() && head == *SQLITE_HEADER) {
        Ok(())
    } else {
        Err("not an SQLite database".into())
    }
}

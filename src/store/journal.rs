//! How a file's transaction is journaled: the first import into a new
//! store with a rollback journal, every other in WAL mode.
//!
//! The store lives in WAL mode: readers go on while a file is written, and
//! a killed process loses nothing committed. Every page a transaction
//! writes is written twice, though: into the WAL at commit, then into the
//! store's file by the checkpoint. A store that holds no records yet has
//! only its empty tables to protect, and a rollback journal keeps just the
//! pages that were in the file before the transaction changed them (a few
//! dozen); the pages a transaction adds past the file's end need nothing
//! (rolled back, the file is cut to its old length). So the first file
//! imported into a store that holds no records is written with a rollback
//! journal (`journal_mode = DELETE`), each page once, and the store goes
//! back to WAL as soon as that transaction has ended, committed or rolled
//! back.
//!
//! Only when no other connection has the store open: SQLite refuses to
//! leave WAL mode while another connection (in this process or another)
//! holds the file, and the import then stays in WAL, as every other does.
//! A connection that opens the store during such a first import finds it
//! locked, as a rollback journal locks a file: [`Store::open`](super::Store::open)
//! waits for the import to end (at most [`WAIT`]), then opens it in WAL
//! mode, or, when the import takes longer, says that another program holds
//! the store. Killed midway, the import leaves its journal behind
//! (`-journal` beside the store): the next connection that reads the store
//! puts the file back as it was before the import (SQLite's hot journal
//! rollback) before it reads anything, and that connection then switches
//! the store to WAL. When the switch back to WAL is refused (another
//! connection holds the file at that instant), the next file's import, or
//! the next [`Store::open`](super::Store::open), makes it.
//!
//! While the rollback journal is in use, `synchronous = FULL`: the journal
//! is synced before the store's file is written and again once complete,
//! as SQLite needs it to survive a power cut in that mode (`NORMAL` there
//! could leave a corrupt file after one). The journal being small, that
//! costs little.

use rusqlite::{Connection, ErrorCode};
use std::time::{Duration, Instant};

/// How long [`open_in_wal`] waits for another connection's transaction in
/// a store that is not in WAL mode (a first import), as the store's busy
/// timeout does for its locks.
pub(super) const WAIT: Duration = Duration::from_secs(10);

/// Chooses the journal of the file about to be written (called outside any
/// transaction): the rollback journal when the store holds no records and
/// no other connection has it open; WAL otherwise. Whether the rollback
/// journal is in use: [`end_of_file`] then puts the store back in WAL.
pub(super) fn for_file(conn: &Connection) -> rusqlite::Result<bool> {
    let holds_records: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM conversation) OR EXISTS (SELECT 1 FROM message)
             OR EXISTS (SELECT 1 FROM action) OR EXISTS (SELECT 1 FROM feedback)",
        [],
        |r| r.get(0),
    )?;
    if holds_records {
        // Left in the rollback journal when its switch back was refused;
        // refused again, this file is written so (safe, only slower).
        if mode(conn)? != "wal" {
            match to_wal(conn) {
                Err(e) if !busy(&e) => return Err(e),
                _ => {}
            }
        }
        return Ok(false);
    }
    match conn.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get::<_, String>(0)) {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => {
            conn.pragma_update(None, "synchronous", "FULL")?;
            Ok(true)
        }
        Ok(_) => Ok(false),
        // Another connection holds the store: it stays in WAL.
        Err(e) if busy(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// After a file written with the rollback journal (its transaction ended,
/// committed or rolled back): the store back in WAL mode. Refused (another
/// connection reads the store at that instant), it stays as it is for
/// [`for_file`] or the next [`open_in_wal`] to switch.
pub(super) fn end_of_file(conn: &Connection) {
    let _ = to_wal(conn);
}

/// Puts the store in WAL mode when it is opened. A store in the middle of
/// a first import by another connection (with the rollback journal, see
/// the module) cannot be switched until that ends: waited for, at most
/// `wait`, then SQLite's "database is locked".
pub(super) fn open_in_wal(conn: &Connection, wait: Duration) -> rusqlite::Result<()> {
    let started = Instant::now();
    loop {
        match to_wal(conn) {
            // (A file that cannot be in WAL mode keeps the journal it has, as before.)
            Ok(_) => return Ok(()),
            Err(e) if busy(&e) && started.elapsed() < wait => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e),
        }
    }
}

/// Switches to WAL, with the synchronous setting that goes with it:
/// whether the store is in WAL mode now.
fn to_wal(conn: &Connection) -> rusqlite::Result<bool> {
    let mode = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    let wal = mode.eq_ignore_ascii_case("wal");
    if wal {
        // NORMAL in WAL mode: a killed process loses nothing committed.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    Ok(wal)
}

/// The store's journal mode, in lower case.
pub(super) fn mode(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)).map(|m| m.to_ascii_lowercase())
}

/// Whether another connection held the store (SQLite's "database is locked").
pub(super) fn busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{records, DemoOptions};
    use crate::model::{Micros, Record};
    use crate::store::{Counts, Store};
    use std::path::Path;

    fn demo(conversations: u32, seed: u64) -> Vec<Record> {
        records(&DemoOptions { conversations, seed, end: Micros(1_790_000_000_000_000) })
    }

    /// Writes `records` as one file; the journal mode seen inside its transaction.
    fn import(store: &mut Store, name: &str, records: &[Record]) -> String {
        let mut writer = store.begin_file(name, 0).unwrap();
        let inside = writer.journal_mode().unwrap();
        for r in records {
            writer.write(r).unwrap();
        }
        writer.commit("demo", records.len() as u64, 0).unwrap();
        inside
    }

    fn mode_of(store: &Store) -> String {
        mode(&store.conn).unwrap()
    }

    fn raw(path: &Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        conn
    }

    #[test]
    fn the_first_file_into_a_store_without_records_has_a_rollback_journal_then_the_store_is_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        assert_eq!(mode_of(&store), "wal", "a store opens in WAL mode");
        let first = demo(40, 1);
        assert_eq!(import(&mut store, "first", &first), "delete");
        assert_eq!(mode_of(&store), "wal", "back in WAL once the first file is committed");
        let synchronous: i64 = store.conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(synchronous, 1, "NORMAL again in WAL mode");
        assert!(!dir.path().join("s.db-journal").exists(), "no journal left beside the store");
        let after_first = store.counts().unwrap();
        assert_eq!(after_first.conversations, 40);

        // (The demo's conversations are numbered: the first 40 replaced, 30 more.)
        assert_eq!(import(&mut store, "second", &demo(70, 2)), "wal", "a store with records is written in WAL mode");
        assert_eq!(mode_of(&store), "wal");
        assert!(store.counts().unwrap().conversations > after_first.conversations);
        drop(store);
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        assert_eq!(store.counts().unwrap().conversations, 70, "both files read back after opening again");
    }

    #[test]
    fn a_first_file_rolled_back_leaves_the_store_empty_and_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        {
            let mut writer = store.begin_file("dropped", 0).unwrap();
            assert_eq!(writer.journal_mode().unwrap(), "delete");
            for r in &demo(40, 1) {
                writer.write(r).unwrap();
            }
        }
        assert_eq!(mode_of(&store), "wal");
        assert_eq!(store.counts().unwrap(), Counts::default());
        assert!(store.files().unwrap().is_empty());
        let mut writer = store.begin_file("rolled back", 0).unwrap();
        writer.write(&demo(1, 1)[0]).unwrap();
        writer.rollback().unwrap();
        assert_eq!(mode_of(&store), "wal");
        assert_eq!(store.counts().unwrap(), Counts::default());
    }

    #[test]
    fn a_new_store_another_connection_holds_is_written_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        // The app: the window's engine holds the store while an import's opens it again.
        let window = Store::open(&path).unwrap();
        let records = demo(40, 1);
        assert_eq!(import(&mut store, "first", &records), "wal", "SQLite refuses to leave WAL: it stays");
        assert_eq!(window.counts().unwrap().conversations, 40, "the other connection reads what was written");
        drop(window);
        // And a reader of another kind (`open_reader`, the topic index).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        let reader = Store::open_reader(&path).unwrap();
        assert_eq!(reader.counts().unwrap(), Counts::default());
        assert_eq!(import(&mut store, "first", &records), "wal");
        assert_eq!(reader.counts().unwrap().conversations, 40);
    }

    #[test]
    fn opening_the_store_during_its_first_import_waits_for_it_then_finds_it_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        let records = demo(200, 1);
        let mut writer = store.begin_file("first", 0).unwrap();
        assert_eq!(writer.journal_mode().unwrap(), "delete");
        for r in &records {
            writer.write(r).unwrap();
        }
        let opening = {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = Store::open(&path)?;
                Ok::<_, crate::store::StoreError>((store.counts()?, mode(&store.conn).unwrap()))
            })
        };
        std::thread::sleep(Duration::from_millis(300));
        assert!(!opening.is_finished(), "the other connection waits while the import runs");
        writer.commit("demo", records.len() as u64, 0).unwrap();
        let (counts, opened_mode) = opening.join().unwrap().expect("opens once the import has committed");
        assert_eq!(counts.conversations, 200, "and reads all of it");
        assert_eq!(opened_mode, "wal");
        assert_eq!(mode_of(&store), "wal");
    }

    #[test]
    fn opening_during_a_first_import_that_outlasts_the_wait_says_the_store_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        let mut writer = store.begin_file("first", 0).unwrap();
        assert_eq!(writer.journal_mode().unwrap(), "delete");
        writer.write(&demo(1, 1)[0]).unwrap();
        let other = raw(&path);
        let started = Instant::now();
        let e = open_in_wal(&other, Duration::from_millis(200)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(200), "it waited");
        assert!(busy(&e), "{e}");
        let said = crate::store::StoreError::Sqlite { path: path.clone(), source: e };
        assert!(said.what_to_do().starts_with("Another program holds it"), "{}", said.what_to_do());
        drop(writer);
        assert_eq!(mode_of(&store), "wal");
        open_in_wal(&other, Duration::from_millis(200)).unwrap();
    }

    #[test]
    fn a_store_left_in_the_rollback_journal_goes_back_to_wal_at_its_next_file_or_opening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        import(&mut store, "first", &demo(20, 1));
        // As when the switch back was refused.
        store.conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
        assert_eq!(mode_of(&store), "delete");
        assert_eq!(import(&mut store, "second", &demo(40, 2)), "wal", "a store with records is written in WAL");
        store.conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(mode_of(&store), "wal", "opening switches it");
        assert_eq!(store.counts().unwrap().conversations, 40);
    }
}

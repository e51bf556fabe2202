//! This computer's store written by an older Rapport is converted when the
//! app opens it, which takes about a minute at a million conversations:
//! the window opens at once and every call says the store is being brought
//! up to date (code `store_upgrading`), then the app goes on as usual; a
//! conversion that fails says why instead of leaving the window waiting.

use rapport::store::Store;
use rapport_desktop::commands::welcome::store_status;
use rapport_desktop::state::{AppState, Upgrade};
use std::path::Path;
use std::time::{Duration, Instant};

/// A store as the previous version wrote it, with a write transaction held
/// on it by another connection (as another process would): its conversion
/// waits for it, so the window's calls meet the conversion running.
fn older_store_held(db: &Path) -> rusqlite::Connection {
    drop(Store::open_at_version(db, Store::VERSION - 1).unwrap());
    assert_eq!(Store::upgrade_needed(db), Some((Store::VERSION - 1, Store::VERSION)));
    let holder = rusqlite::Connection::open(db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    holder
}

#[test]
fn the_window_is_told_while_the_store_is_brought_up_to_date_then_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("older.db");
    let holder = older_store_held(&db);

    let started = Instant::now();
    let state = AppState::open(db.clone(), None).unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "the app waited for the conversion before its window");
    let said = store_status(&state).unwrap_err();
    assert_eq!(said.code, "store_upgrading", "{said:?}");
    let (from, to) = (format!("version {}", Store::VERSION - 1), format!("version {}", Store::VERSION));
    assert!(said.message.contains(&from) && said.message.contains(&to), "{}", said.message);
    assert!(matches!(state.upgrade(), Upgrade::Running(_)));
    // Nothing else opens the store meanwhile (an import, a switch of store).
    assert_eq!(state.opener().unwrap_err().code, "store_upgrading");

    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    let status = loop {
        match store_status(&state) {
            Ok(status) => break status,
            Err(e) if e.code == "store_upgrading" && started.elapsed() < Duration::from_secs(60) => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("the store was not brought up to date: {e:?}"),
        }
    };
    assert_eq!(status.stored.conversations, 0);
    assert_eq!(state.upgrade(), Upgrade::None);
    assert!(state.opener().is_ok());
    drop(state);
    assert_eq!(Store::upgrade_needed(&db), None, "the store is of this version now");
}

#[test]
fn a_conversion_that_fails_says_why_and_leaves_the_store_for_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("older.db");
    // Held longer than the store waits for another process (10 s).
    let holder = older_store_held(&db);
    let state = AppState::open(db.clone(), None).unwrap();
    let started = Instant::now();
    let why = loop {
        match state.upgrade() {
            Upgrade::Failed(why) => break why,
            Upgrade::Running(_) if started.elapsed() < Duration::from_secs(60) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            other => panic!("the conversion did not fail: {other:?}"),
        }
    };
    assert!(why.starts_with("The store could not be brought up to date"), "{why}");
    let said = store_status(&state).unwrap_err();
    assert_eq!((said.code, said.message.as_str()), ("store_upgrade_failed", why.as_str()));
    drop(state);
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    // Nothing of the conversion was kept: the next start converts it.
    assert_eq!(Store::upgrade_needed(&db), Some((Store::VERSION - 1, Store::VERSION)));
    let state = AppState::open(db.clone(), None).unwrap();
    let started = Instant::now();
    while state.upgrade() != Upgrade::None {
        assert!(started.elapsed() < Duration::from_secs(60), "{:?}", state.upgrade());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(store_status(&state).is_ok());
}

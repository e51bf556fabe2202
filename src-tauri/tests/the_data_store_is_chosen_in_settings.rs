//! The Settings' "Data store", without a window: a ClickHouse server that
//! does not answer is said with its reason and never replaces the store in
//! use; a chosen server that is down when the app starts leaves every screen
//! saying so, and this computer's store one switch away; the choice is kept
//! for the next start, its password never shown back. (A real server is
//! switched to in tests/e2e/clickhouse.test.mjs.)

use rapport::settings::{DataStoreChoice, DataStoreKind};
use rapport_desktop::commands::data_store::{self, DataStoreRequest, TestOutcome};
use rapport_desktop::commands::{settings, welcome};
use rapport_desktop::state::{AppState, Startup};
use std::path::PathBuf;

/// A `clickhouse://` URL on a port of this machine where nothing listens.
fn nothing_listens() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("clickhouse://127.0.0.1:{port}/rapport")
}

fn startup(dir: &tempfile::TempDir, choice: DataStoreChoice) -> Startup {
    Startup {
        choice,
        local: dir.path().join("store.db"),
        geo: None,
        choice_file: dir.path().join("config").join(DataStoreChoice::FILE),
        from_command_line: false,
    }
}

fn server(url: &str, password: Option<&str>) -> DataStoreRequest {
    DataStoreRequest {
        kind: DataStoreKind::ClickHouse,
        url: url.into(),
        user: "ana".into(),
        password: password.map(String::from),
    }
}

fn this_computer() -> DataStoreRequest {
    DataStoreRequest { kind: DataStoreKind::ThisComputer, url: String::new(), user: String::new(), password: None }
}

#[test]
fn a_server_that_does_not_answer_fails_the_test_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let s = AppState::start(startup(&dir, DataStoreChoice::default())).unwrap();
    let url = nothing_listens();
    let test = data_store::test(&s, &server(&url, Some("s3cret")));
    assert_eq!(test.outcome, TestOutcome::Failed);
    assert!(test.message.starts_with(&format!("Could not connect to {url}: ")), "{}", test.message);
    assert!(test.message.contains("no answer"), "the reason is said: {}", test.message);
    assert!(!test.message.contains("s3cret"), "{}", test.message);

    let test = data_store::test(&s, &server("clickhouse://localhost/rapport", None));
    assert_eq!(test.outcome, TestOutcome::Failed);
    assert!(test.message.contains("HTTP port"), "an address without port says what is missing: {}", test.message);
    let test = data_store::test(&s, &server("", None));
    assert!(test.message.contains("clickhouse://HOST:PORT/DATABASE"), "{}", test.message);
}

#[test]
fn a_switch_to_a_server_that_does_not_answer_keeps_the_store_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let s = AppState::start(startup(&dir, DataStoreChoice::default())).unwrap();
    welcome::demo(&s).unwrap();
    let e = data_store::choose(&s, &server(&nothing_listens(), None)).unwrap_err();
    assert_eq!(e.code, "store");
    assert!(e.message.contains("Could not use clickhouse://127.0.0.1:"), "{}", e.message);
    assert!(e.message.contains("Rapport goes on with"), "says which store stays: {}", e.message);
    assert_eq!(welcome::store_status(&s).unwrap().stored.conversations, 6000, "the store in use stays");
    assert!(!s.choice_file.exists(), "a switch that failed is not kept");
    assert_eq!(data_store::view(&s).kind, DataStoreKind::ThisComputer);
}

#[test]
fn a_chosen_server_down_at_start_is_said_on_every_screen_and_this_computer_is_one_switch_away() {
    let dir = tempfile::tempdir().unwrap();
    let url = nothing_listens();
    let choice =
        DataStoreChoice { kind: DataStoreKind::ClickHouse, url: url.clone(), user: None, password: Some("pw".into()) };
    let s = AppState::start(startup(&dir, choice)).expect("the app starts without its store");
    let e = welcome::store_status(&s).unwrap_err();
    assert_eq!(e.code, "store_unreachable");
    assert!(e.message.contains(&url) && e.message.contains("no answer"), "{}", e.message);
    assert_eq!(settings::read_settings(&s).unwrap_err().code, "store_unreachable");
    assert_eq!(s.opener().unwrap_err().code, "store_unreachable", "no import starts either");

    let view = data_store::view(&s);
    assert_eq!(view.kind, DataStoreKind::ClickHouse);
    assert!(view.unreachable.is_some());
    assert_eq!(view.in_use, url);
    assert!(view.password_saved);

    let view = data_store::choose(&s, &this_computer()).unwrap();
    assert_eq!(view.kind, DataStoreKind::ThisComputer);
    assert_eq!(view.unreachable, None);
    assert_eq!(view.in_use, dir.path().join("store.db").display().to_string());
    assert_eq!(welcome::store_status(&s).unwrap().stored.conversations, 0, "this computer's store answers");
    let kept = DataStoreChoice::load(&s.choice_file).unwrap();
    assert_eq!(kept.kind, DataStoreKind::ThisComputer, "the next start opens this computer's store");
    assert_eq!(kept.url, url, "the server's address is kept for the next switch");
    assert_eq!(kept.password, None, "its password is not");
}

#[test]
fn the_choice_is_read_at_the_next_start_and_the_password_never_shown_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config").join(DataStoreChoice::FILE);
    let url = nothing_listens();
    let kept = DataStoreChoice {
        kind: DataStoreKind::ClickHouse,
        url: url.clone(),
        user: Some("ana".into()),
        password: Some("s3cret".into()),
    };
    kept.save(&file).unwrap();
    let args = vec!["rapport-desktop".into()];
    let started = Startup::from_args(&args, file.clone());
    if std::env::var_os("RAPPORT_DB").is_none() {
        assert_eq!(started.choice, kept, "without --db the kept choice is opened");
        assert!(!started.from_command_line);
    }
    let given = Startup::from_args(&["rapport-desktop".into(), "--db".into(), "x.db".into()], file.clone());
    assert_eq!(given.choice.kind, DataStoreKind::ThisComputer, "--db wins over the kept choice for its run");
    assert_eq!(given.local, PathBuf::from("x.db"));
    let url_given = Startup::from_args(
        &["rapport-desktop".into(), "--db".into(), "clickhouse://bo:pw@127.0.0.1:1/db".into()],
        file.clone(),
    );
    assert_eq!(url_given.choice.url, "clickhouse://127.0.0.1:1/db", "a password in --db is taken out of the URL");
    assert_eq!(url_given.choice.password.as_deref(), Some("pw"));

    let s = AppState::start(Startup { choice_file: file, ..startup(&dir, kept) }).unwrap();
    let view = data_store::view(&s);
    let json = serde_json::to_string(&view).unwrap();
    assert!(!json.contains("s3cret"), "the window never gets the password: {json}");
    assert!(view.password_saved);
    assert_eq!((view.url.as_str(), view.user.as_str()), (url.as_str(), "ana"));

    // Test again with the password field left empty: the kept password is used, not none.
    let choice = data_store::choice_of(&s, &server(&url, None));
    assert_eq!(choice.password.as_deref(), Some("s3cret"));
    let choice = data_store::choice_of(&s, &server(&url, Some("")));
    assert_eq!(choice.password, None, "an empty password given is none");
    let other = data_store::choice_of(&s, &server("clickhouse://10.1.1.1:8123/rapport", None));
    assert_eq!(other.password, None, "another server never gets this one's password");
}

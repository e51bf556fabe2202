//! The commands' work, called as plain functions on a temporary store: what
//! the window would get, without a window.

mod common;
use common::month;
use rapport::import::ImportOptions;
use rapport::metrics::{Drill, SortKey};
use rapport_desktop::commands::export::{export_bytes, Export};
use rapport_desktop::commands::{conversation, conversations, dashboard, import, settings, welcome};
use rapport_desktop::state::AppState;

fn state(dir: &tempfile::TempDir) -> AppState {
    AppState::open(dir.path().join("store.db"), None).expect("a fresh store opens")
}

/// A store holding `EVENTS`, ready for the dashboard's queries.
fn imported(dir: &tempfile::TempDir) -> AppState {
    let s = state(dir);
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, EVENTS).unwrap();
    import::run_import(&s.opener().unwrap(), &[file], &ImportOptions::default(), &mut |_| {}).unwrap();
    s.engine().unwrap().refresh();
    s
}

const EVENTS: &str = r#"{"type":"conversation","conversation_id":"a","started_at":"2026-10-02T10:00:00Z","customer_id":"u1","source":"web","customer_ip_address":"8.8.8.8"}
{"type":"message","conversation_id":"a","message_id":"1","role":"user","timestamp":"2026-10-02T10:00:01Z","content":"<b>not bold</b>"}
{"type":"message","conversation_id":"a","message_id":"2","role":"agent","timestamp":"2026-10-02T10:00:03Z","content":"Hello"}
{"type":"action","conversation_id":"a","name":"open_ticket","started_at":"2026-10-02T10:00:02Z","duration_ms":120}
{"type":"conversation","conversation_id":"b","started_at":"2026-10-03T10:00:00Z","source":"whatsapp"}
not json
"#;

#[test]
fn an_empty_store_says_so_and_demo_data_fills_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    assert_eq!(
        welcome::store_status(&s).unwrap().stored.conversations,
        0,
        "the welcome screen shows on an empty store"
    );
    let status = welcome::demo(&s).unwrap();
    assert_eq!(status.stored.conversations, 6000);
    assert!(status.first_message.is_some());
}

/// The store's journal mode and integrity check, read beside the app.
fn journal_and_check(db: &std::path::Path) -> (String, String) {
    let sqlite = rusqlite::Connection::open(db).unwrap();
    let mode = sqlite.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let check = sqlite.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    (mode, check)
}

/// The first data a new store gets from the app (the demo, loaded by the
/// window's engine alone: with a rollback journal; a file imported by an
/// engine of its own beside the window's: in WAL mode, the window's
/// connection holding the store) leaves it in WAL mode and sound, and the
/// window's engine reads it.
#[test]
fn the_apps_first_data_into_a_new_store_leaves_it_in_wal_and_sound() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    assert_eq!(welcome::demo(&s).unwrap().stored.conversations, 6000);
    assert_eq!(journal_and_check(&dir.path().join("store.db")), ("wal".to_owned(), "ok".to_owned()));
    assert!(!dir.path().join("store.db-journal").exists());
    drop(s);

    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, EVENTS).unwrap();
    let report = import::run_import(&s.opener().unwrap(), &[file], &ImportOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.files[0].records, 5);
    import::after_import(&s);
    assert_eq!(welcome::store_status(&s).unwrap().stored.conversations, 2);
    assert_eq!(journal_and_check(&dir.path().join("store.db")), ("wal".to_owned(), "ok".to_owned()));
}

/// A second file: a new conversation, and a message more in one stored.
const MORE: &str = r#"{"type":"conversation","conversation_id":"c","started_at":"2026-10-01T09:00:00Z","source":"email","customer_ip_address":"81.2.69.160"}
{"type":"message","conversation_id":"c","message_id":"1","role":"user","timestamp":"2026-10-01T09:00:01Z","content":"Where is my order?"}
{"type":"message","conversation_id":"c","message_id":"2","role":"agent","timestamp":"2026-10-01T09:00:04Z","content":"On its way"}
{"type":"message","conversation_id":"b","message_id":"1","role":"user","timestamp":"2026-10-03T10:00:05Z","content":"hi"}
"#;

/// After an import through the window, the facts its engine held are
/// brought up to date (on a thread of their own, as the report goes back):
/// the status and dashboard it then shows are those of a new start on the
/// store, with no facts kept from before.
#[test]
fn after_an_import_the_window_shows_what_a_new_start_shows() {
    let dir = tempfile::tempdir().unwrap();
    let s = imported(&dir);
    let before = dashboard::load_dashboard(&s, &month(&[])).unwrap();
    let file = dir.path().join("more.jsonl");
    std::fs::write(&file, MORE).unwrap();
    import::run_import(&s.opener().unwrap(), &[file], &ImportOptions::default(), &mut |_| {}).unwrap();
    import::after_import(&s);
    let status = welcome::store_status(&s).unwrap();
    let view = dashboard::load_dashboard(&s, &month(&[])).unwrap();
    assert_eq!(view.dashboard.current.total_conversations, before.dashboard.current.total_conversations + 1);
    drop(s);

    std::fs::remove_file(rapport::store::facts_path(&dir.path().join("store.db"))).unwrap();
    let fresh = state(&dir);
    let rebuilt = welcome::store_status(&fresh).unwrap();
    assert_eq!(status.stored, rebuilt.stored);
    assert_eq!((status.first_message, status.last_message), (rebuilt.first_message, rebuilt.last_message));
    assert_eq!(
        serde_json::to_value(&view).unwrap(),
        serde_json::to_value(dashboard::load_dashboard(&fresh, &month(&[])).unwrap()).unwrap(),
        "the dashboard after the import is the one a new start builds"
    );
}

#[test]
fn import_then_dashboard_list_and_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, EVENTS).unwrap();
    let mut seen = Vec::new();
    let report =
        import::run_import(&s.opener().unwrap(), &[file], &ImportOptions::default(), &mut |p| seen.push(p.clone()))
            .unwrap();
    assert_eq!(report.files[0].records, 5);
    assert_eq!(report.files[0].rejections[0].position, "events.jsonl line 6");
    assert_eq!(seen.last().map(|p| p.files_done), Some(1), "the last progress always reaches the window");
    s.engine().unwrap().refresh();

    let view = dashboard::load_dashboard(&s, &month(&[])).unwrap();
    assert_eq!(view.dashboard.current.total_conversations, 2);
    assert_eq!(view.dashboard.current.escalated_conversations, 1);
    assert_eq!(view.extras.conversations_with_ip, 1);
    let web = dashboard::load_dashboard(&s, &month(&[("source", "web")])).unwrap();
    assert_eq!(web.dashboard.current.total_conversations, 1);

    let request = conversations::ConversationsRequest {
        query: month(&[]),
        drill: Some(Drill::Tool { name: "open_ticket".into() }),
        search: String::new(),
        sort: conversations::Sort { key: SortKey::StartedAt, desc: true },
        offset: 0,
        limit: 50,
    };
    let page = conversations::list_conversations(&s, &request).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].conversation_id, "a");
    assert_eq!(page.rows[0].country, "US");

    let t = conversation::load_transcript(&s, "a").unwrap();
    assert_eq!(t.messages[0].message.content.as_deref(), Some("<b>not bold</b>"), "text stays text");
    assert_eq!(t.messages[1].response_ms, Some(2000.0));
}

#[test]
fn errors_reach_the_window_with_a_code_and_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    let mut bad = month(&[]);
    bad.tz = "Mars/Olympus".into();
    let err = dashboard::load_dashboard(&s, &bad).unwrap_err();
    assert_eq!(err.code, "query");
    assert!(err.message.contains("Mars/Olympus"), "{}", err.message);
    let err = conversation::load_transcript(&s, "nobody").unwrap_err();
    assert_eq!(err.code, "not_found");
}

#[test]
fn a_geoip_database_moved_away_leaves_the_app_starting_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let geo = dir.path().join("moved-away.mmdb");
    let s = AppState::open(dir.path().join("store.db"), Some(geo.clone())).expect("the app starts");
    let status = welcome::store_status(&s).unwrap();
    assert_eq!(status.warnings.len(), 1, "the window gets the warning to show: {:?}", status.warnings);
    assert!(status.warnings[0].contains(&geo.display().to_string()), "naming the file: {}", status.warnings[0]);
}

#[test]
fn settings_are_kept_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    let mut wanted = settings::read_settings(&s).unwrap();
    assert!(wanted.escalation_tools.contains(&"fallback_to_human".to_string()));
    wanted.escalation_tools = vec!["handover".into()];
    wanted.default_zone = Some("Asia/Kathmandu".into());
    settings::write_settings(&s, wanted.clone()).unwrap();
    let reopened = state(&dir);
    assert_eq!(settings::read_settings(&reopened).unwrap(), wanted, "settings travel with the store");
    wanted.default_zone = Some("Nowhere/Land".into());
    assert_eq!(settings::write_settings(&s, wanted).unwrap_err().code, "query");
    assert!(dashboard::zone_names().contains(&"America/St_Johns"));
}

#[test]
fn every_export_of_the_menu_renders_the_dashboards_query() {
    let dir = tempfile::tempdir().unwrap();
    let s = imported(&dir);
    let q = month(&[]);
    let bytes = |e: Export| export_bytes(&s, &q, &e).unwrap_or_else(|err| panic!("{e:?}: {}", err.message));

    assert!(bytes(Export::Pdf { paper: "a4".into() }).starts_with(b"%PDF"), "a PDF opens with its signature");
    let html = String::from_utf8(bytes(Export::Html { paper: "letter".into() })).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"), "{}", &html[..40]);
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    let one = bytes(Export::Png { chart: "daily".into(), scale: 1 });
    let two = bytes(Export::Png { chart: "daily".into(), scale: 2 });
    assert!(one.starts_with(PNG) && two.starts_with(PNG), "PNG signature");
    assert!(two.len() > one.len(), "2x has four times the pixels");
    let svg = String::from_utf8(bytes(Export::Svg { chart: "world-map".into() })).unwrap();
    assert!(svg.contains("<svg"), "an SVG document");
    for table in ["conversations", "tools", "countries", "daily"] {
        let csv = bytes(Export::Csv { table: table.into() });
        assert!(csv.starts_with(b"\xEF\xBB\xBF"), "{table}: a BOM, so that Excel reads UTF-8");
    }
    let conversations = String::from_utf8(bytes(Export::Csv { table: "conversations".into() })).unwrap();
    assert_eq!(conversations.lines().count(), 3, "a header and the two conversations of the query:\n{conversations}");

    let err = export_bytes(&s, &q, &Export::Svg { chart: "pie".into() }).unwrap_err();
    assert!(err.message.contains("pie"), "{}", err.message);
    let mut bad = q.clone();
    bad.tz = "Mars/Olympus".into();
    assert_eq!(export_bytes(&s, &bad, &Export::Csv { table: "daily".into() }).unwrap_err().code, "query");
}

const OTHER_COLUMNS: &str = "Chat,Sender,Sent at,Text\n\
c1,customer,2026-10-05 09:00:00,Where is my parcel?\n\
c1,bot,2026-10-05 09:00:04,It left the depot today.\n\
c2,customer,2026-10-06 18:30:00,Cancel my order\n";

#[test]
fn each_csv_of_other_columns_in_a_folder_is_previewed_then_imported_through_its_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    let folder = dir.path().join("dropped");
    std::fs::create_dir(&folder).unwrap();
    let chats = folder.join("chats.csv");
    std::fs::write(&chats, OTHER_COLUMNS).unwrap();
    let ratings = folder.join("ratings.csv");
    std::fs::write(&ratings, "Chat,Verdict\nc2,down\n").unwrap();
    let native = dir.path().join("events.jsonl");
    std::fs::write(&native, EVENTS).unwrap();
    let given: Vec<String> = [&folder, &native].iter().map(|p| p.display().to_string()).collect();
    let needing = import::needing_column_map(&given);
    assert_eq!(
        needing,
        [chats.display().to_string(), ratings.display().to_string()],
        "the folder is looked into; only the CSVs of unknown columns"
    );

    let preview = import::preview(&needing[0]).unwrap();
    assert_eq!(preview.headers, ["Chat", "Sender", "Sent at", "Text"]);
    assert_eq!(preview.rows.len(), 3);
    assert_eq!(preview.rows[1][3], "It left the depot today.");

    // As the window sends it: per file, field → column and the zone of its naive timestamps.
    let options: ImportOptions = serde_json::from_value(serde_json::json!({
        "naive_tz": null,
        "map": null,
        "files": [
            {"path": needing[0], "naive_tz": "Europe/Berlin",
             "map": {"conversation_id": "Chat", "role": "Sender", "timestamp": "Sent at", "content": "Text"}},
            {"path": needing[1], "naive_tz": null, "map": {"conversation_id": "Chat", "rating": "Verdict"}}
        ]
    }))
    .unwrap();
    assert_eq!(options.files[0].naive_tz.map(|z| z.name()), Some("Europe/Berlin"));
    let report = import::run_import(&s.opener().unwrap(), &[folder], &options, &mut |_| {}).unwrap();
    let read: Vec<(&str, u64, Option<&str>)> =
        report.files.iter().map(|f| (f.format.as_str(), f.records, f.error.as_deref())).collect();
    assert_eq!(read, [("csv-mapped", 3, None), ("csv-mapped", 1, None)], "{report:?}");
    s.engine().unwrap().refresh();
    let t = conversation::load_transcript(&s, "c1").unwrap();
    assert_eq!(t.messages.len(), 2);
    assert_eq!(t.messages[1].response_ms, Some(4000.0));
    assert_eq!(t.messages[0].message.timestamp.0, 1_791_183_600_000_000, "09:00 in Berlin (summer time) is 07:00 UTC");
    assert_eq!(conversation::load_transcript(&s, "c2").unwrap().feedback.len(), 1, "the ratings file's own mapping");
    let view = dashboard::load_dashboard(&s, &month(&[])).unwrap();
    assert_eq!(view.dashboard.current.total_messages, 3);
}

/// Issue 14: a pasted path is read as people copy them, from the home
/// folder rather than wherever the app started.
#[test]
fn pasted_paths_lose_their_quotes_and_are_read_from_home() {
    use std::path::Path;
    let home = Path::new("/home/ana");
    let cases: &[(&str, &str)] = &[
        ("\"/data/chat log.csv\"", "/data/chat log.csv"), // Explorer's "Copy as path"
        ("'/data/chat.jsonl'", "/data/chat.jsonl"),       // a shell's quoting
        ("  /data/export.json  ", "/data/export.json"),
        ("~/Downloads/export.jsonl", "/home/ana/Downloads/export.jsonl"),
        ("~", "/home/ana"),
        ("Downloads/export.jsonl", "/home/ana/Downloads/export.jsonl"),
        ("\"Downloads/a b.csv\"", "/home/ana/Downloads/a b.csv"),
        ("file:///data/chat%20log.csv", "/data/chat log.csv"),
        ("~user/x.csv", "/home/ana/~user/x.csv"),
    ];
    for (text, want) in cases {
        assert_eq!(import::pasted(text, home), [Path::new(want)], "pasted {text:?}");
    }
    let two = import::pasted("\"/data/a.csv\"\r\n\n  \n~/b.jsonl\n", home);
    assert_eq!(two.len(), 2, "one path a line, blank lines and CRLF ignored");
    assert_eq!(two[1].file_name().unwrap(), "b.jsonl");
}

#[cfg(windows)]
#[test]
fn pasted_windows_paths_keep_their_drive() {
    use std::path::Path;
    let home = Path::new(r"C:\Users\ana");
    assert_eq!(import::pasted(r#""C:\Logs\chat log.csv""#, home), [Path::new(r"C:\Logs\chat log.csv")]);
    assert_eq!(import::pasted(r"~\Downloads\a.csv", home), [Path::new(r"C:\Users\ana\Downloads\a.csv")]);
    assert_eq!(import::pasted("file:///C:/Logs/a%20b.csv", home), [Path::new("C:/Logs/a b.csv")]);
}

/// Issue 14: each save dialog lists only its own type of file.
#[test]
fn each_save_dialog_offers_its_file_type() {
    assert_eq!(import::save_filter("rapport-rejections.csv"), ("CSV table", &["csv"][..]));
    assert_eq!(import::save_filter("REPORT.PDF").1, ["pdf"]);
    assert_eq!(import::save_filter("notes").1, ["*"]);
    let cases = [
        (Export::Pdf { paper: "a4".into() }, "pdf"),
        (Export::Html { paper: "letter".into() }, "html"),
        (Export::Png { chart: "daily".into(), scale: 2 }, "png"),
        (Export::Svg { chart: "daily".into() }, "svg"),
        (Export::Csv { table: "tools".into() }, "csv"),
    ];
    for (export, ending) in cases {
        assert_eq!(export.file_type().1[0], ending, "{export:?}");
    }
}

/// Issue 14: a store that cannot be opened is said in a message box, with
/// what to do; here the words of each case (the e2e suite shows the box).
#[test]
fn a_store_that_cannot_open_says_why_and_what_to_do() {
    use rapport_desktop::startup::Failure;
    let dir = tempfile::tempdir().unwrap();
    let failure = |path: &std::path::Path| {
        let e = AppState::open(path.to_owned(), None).err().expect("the store is refused");
        Failure::cannot_open_store(path, &e)
    };

    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes, not a store").unwrap();
    let f = failure(&notes);
    assert_eq!(f.title, "Rapport cannot start");
    assert!(f.message.contains("is not a Rapport store") && f.message.contains("left untouched"), "{}", f.message);
    assert!(f.message.contains("Move that file away or give Rapport another store"), "what to do: {}", f.message);

    // A store from a later version: its schema version (SQLite's user_version, at byte 60) is higher.
    let newer = dir.path().join("newer.db");
    drop(AppState::open(newer.clone(), None).unwrap());
    let mut bytes = std::fs::read(&newer).unwrap();
    bytes[60..64].copy_from_slice(&9999u32.to_be_bytes());
    std::fs::write(&newer, bytes).unwrap();
    let f = failure(&newer);
    assert!(f.message.contains("newer version of Rapport"), "{}", f.message);
    assert!(f.message.contains("Install the newer version"), "what to do: {}", f.message);

    // A store whose pages are garbage after a valid header.
    let corrupt = dir.path().join("corrupt.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(std::iter::repeat_n(0xA5u8, 8192));
    std::fs::write(&corrupt, bytes).unwrap();
    let f = failure(&corrupt);
    assert!(f.message.contains("corrupt") || f.message.contains("not an SQLite database"), "{}", f.message);
    assert!(f.message.contains("\n\n"), "the sentence, then what to do: {}", f.message);
}

/// Issue 14: `--db` and `--geo` are read from the arguments as the system
/// gives them (`args_os`), so a store's path need not be Unicode.
#[cfg(unix)]
#[test]
fn the_store_path_is_taken_from_the_arguments_as_given() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let db = OsString::from_vec(b"/data/caf\xe9.db".to_vec());
    let args = vec![OsString::from("rapport-desktop"), OsString::from("--db"), db.clone()];
    let startup = rapport_desktop::state::Startup::from_args(&args, std::path::PathBuf::from("data-store.json"));
    assert_eq!(startup.local.as_os_str(), db);
    assert!(startup.from_command_line);
}

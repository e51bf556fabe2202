//! A store written by an older version opens and migrates; a file that is
//! not a Rapport store is refused and never overwritten.

mod common;
use common::*;
use rapport::store::Store;

#[test]
fn a_store_of_an_older_schema_migrates_and_keeps_its_records() {
    let ws = Workspace::new();
    {
        let old = Store::open_at_version(&ws.db(), 1).unwrap();
        assert_eq!(old.schema_version().unwrap(), 1);
    }
    {
        // Rows as version 1 wrote them.
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.execute_batch(
            "INSERT INTO conversation (conversation_id, started_at) VALUES ('kept', 1790935200000000);
             INSERT INTO import_file (path, format, bytes, records, rejected, imported_at)
             VALUES ('old.jsonl', 'jsonl', 10, 1, 0, 0);",
        )
        .unwrap();
    }
    let store = Store::open(&ws.db()).unwrap();
    assert!(store.schema_version().unwrap() > 1, "opening migrates to the latest schema");
    assert_eq!(store.counts().unwrap().conversations, 1, "records of the old store are kept");
}

#[test]
fn messages_known_by_their_content_keep_their_identity_across_migration_3() {
    let ws = Workspace::new();
    let long = "a long answer ".repeat(5_000);
    let line = serde_json::json!({"type": "message", "conversation_id": "c", "role": "agent",
        "timestamp": "2026-10-01T10:00:00Z", "content": long});
    let file = ws.file("answers.jsonl", format!("{line}\n"));
    drop(Store::open_at_version(&ws.db(), 2).unwrap());
    {
        // As version 2 wrote it: the identity repeated the whole content.
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.execute("INSERT INTO conversation (conversation_id) VALUES ('c')", []).unwrap();
        conn.execute(
            "INSERT INTO message (conversation, identity, role, timestamp, content)
             VALUES (1, 'ka' || char(31) || ?1 || char(31) || ?2, 'agent', ?1, ?2)",
            rusqlite::params![at("2026-10-01T10:00:00Z").0, long],
        )
        .unwrap();
    }
    let report = ws.import(&[file]);
    assert_eq!(report.stored.messages, 1, "re-importing after the migration changes nothing");
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let key: Vec<u8> = conn.query_row("SELECT CAST(key AS BLOB) FROM message_key", [], |r| r.get(0)).unwrap();
    assert!(key.len() < 64, "the identity no longer repeats the content: {} bytes", key.len());
}

/// Records of every kind, with ids and without (known by their content),
/// one id that looks like a number, a conversation line given twice.
fn every_kind_of_record() -> String {
    let mut out = String::new();
    for i in 0..40 {
        let c = format!("c{i}");
        let minute = i % 60;
        let t = |s: u32| format!("2026-10-{:02}T10:{minute:02}:{s:02}Z", 1 + i % 20);
        out.push_str(
            &serde_json::json!({"type": "conversation", "conversation_id": c, "started_at": t(0),
            "source": if i % 3 == 0 { "web" } else { "email" }, "metadata": {"plan": "pro"}})
            .to_string(),
        );
        out.push('\n');
        let user_id = if i % 5 == 0 { serde_json::Value::Null } else { format!("{}", 100 + i).into() };
        out.push_str(
            &serde_json::json!({"type": "message", "conversation_id": c, "message_id": user_id,
            "role": "user", "timestamp": t(1), "content": format!("my parcel {i} is late")})
            .to_string(),
        );
        out.push('\n');
        out.push_str(
            &serde_json::json!({"type": "message", "conversation_id": c, "message_id": format!("a{i}"),
            "role": "agent", "timestamp": t(5), "content": "Sorry, it ships today.", "model": if i % 3 == 1 { "m2" } else { "m1" },
            "prompt_tokens": 100 + i, "completion_tokens": 20, "cost": 0.001})
            .to_string(),
        );
        out.push('\n');
        let action_id = if i % 4 == 0 { serde_json::Value::Null } else { format!("t{i}").into() };
        out.push_str(&serde_json::json!({"type": "action", "conversation_id": c, "action_id": action_id,
            "name": "lookup", "started_at": t(3), "duration_ms": 120.5, "status": if i % 7 == 0 { "error" } else { "ok" }})
            .to_string());
        out.push('\n');
        if i % 2 == 0 {
            let feedback_id = if i % 4 == 0 { serde_json::Value::Null } else { format!("f{i}").into() };
            out.push_str(&serde_json::json!({"type": "feedback", "conversation_id": c, "feedback_id": feedback_id,
                "message_id": format!("a{i}"), "timestamp": t(9), "rating": if i % 3 == 0 { "negative" } else { "positive" },
                "comment": "thanks"}).to_string());
            out.push('\n');
        }
        out.push_str(&serde_json::json!({"type": "conversation", "conversation_id": c, "ended_at": t(30)}).to_string());
        out.push('\n');
    }
    out
}

#[test]
fn a_store_of_schema_6_converts_to_one_key_per_record_and_gives_the_same_numbers() {
    let ws = Workspace::new();
    let file = ws.file("all.jsonl", every_kind_of_record());
    ws.import(std::slice::from_ref(&file));
    let period = autumn("UTC");
    let said = |ws: &Workspace| {
        metrics(&mut ws.engine(), &query("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z", "UTC", &[("text", "parcel")]))
            .total_conversations
    };
    let expected = metrics(&mut ws.engine(), &period);
    assert!(expected.total_conversations == 40 && said(&ws) == 40);

    // The same records as schema 6 kept them: an identity ("i" and the id,
    // or the content's) beside each id.
    let old = Workspace::new();
    drop(Store::open_at_version(&old.db(), 6).unwrap());
    {
        let conn = rusqlite::Connection::open(old.db()).unwrap();
        conn.create_scalar_function("words", 1, rusqlite::functions::FunctionFlags::SQLITE_UTF8, |ctx| {
            Ok(ctx.get::<Option<String>>(0)?.map(|t| rapport::store::message_words(&t)))
        })
        .unwrap();
        let identity = |id: &str| format!("CASE WHEN {id} IS NOT NULL THEN 'i' || {id} ELSE CAST(key AS TEXT) END");
        conn.execute("ATTACH ?1 AS new", [ws.db().to_str().unwrap()]).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO conversation SELECT * FROM new.conversation;
             INSERT INTO import_file SELECT * FROM new.import_file;
             INSERT INTO message (id, conversation, identity, message_id, role, timestamp, content, model,
                 prompt_tokens, completion_tokens, cost, foreign_cost, foreign_currency, time_unknown)
             SELECT id, conversation, {}, message_id, role, timestamp, content,
                 (SELECT name FROM new.model_name WHERE model_name.id = model_id),
                 prompt_tokens, completion_tokens, cost, foreign_cost, foreign_currency, time_unknown
             FROM (SELECT m.*, k.key, CASE WHEN typeof(k.key) = 'text' THEN k.key END AS message_id
                   FROM new.message AS m JOIN new.message_key AS k ON k.id = m.id);
             INSERT INTO action (id, conversation, identity, action_id, name, started_at, duration_ms, status, error)
             SELECT id, conversation, {}, action_id, name, started_at, duration_ms, status, error
             FROM (SELECT a.*, k.key, CASE WHEN typeof(k.key) = 'text' THEN k.key END AS action_id
                   FROM new.action AS a JOIN new.action_key AS k ON k.id = a.id);
             INSERT INTO feedback (id, conversation, identity, feedback_id, message_id, timestamp, rating, score, comment)
             SELECT id, conversation, {}, feedback_id, message_id, timestamp, rating, score, comment
             FROM (SELECT f.*, k.key, CASE WHEN typeof(k.key) = 'text' THEN k.key END AS feedback_id
                   FROM new.feedback AS f JOIN new.feedback_key AS k ON k.id = f.id);
             INSERT INTO message_words (rowid, words) SELECT id, words(content) FROM message;
             DETACH new;",
            identity("message_id"),
            identity("action_id"),
            identity("feedback_id")
        ))
        .unwrap();
        let numeric: String =
            conn.query_row("SELECT identity FROM message WHERE message_id = '101'", [], |r| r.get(0)).unwrap();
        assert_eq!(numeric, "i101", "schema 6 kept the id twice");
    }

    assert_eq!(metrics(&mut old.engine(), &period), expected, "the converted store gives the same numbers");
    assert_eq!(said(&old), 40, "and its full-text index still finds its messages");
    let conn = rusqlite::Connection::open(old.db()).unwrap();
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('message')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!columns.contains(&"identity".to_string()), "no identity column left: {columns:?}");
    let id: (String, String) = conn
        .query_row("SELECT key, typeof(key) FROM message_key WHERE key = '101'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(id, ("101".into(), "text".into()), "an id that looks like a number stays text");
    let (agents, models): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM message WHERE role = 'agent' AND role_code = 1),
                    (SELECT count(*) FROM model_name)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((agents, models), (40, 2), "roles kept as numbers, read as text; each model named once");
    drop(conn);

    // Re-importing the file finds every record by its key: nothing added, nothing changed.
    let before = old.engine().store().counts().unwrap();
    let report = old.import(&[file]);
    assert_eq!(report.stored, before, "every record found again by its key");
    assert_eq!(metrics(&mut old.engine(), &period), expected);
}

#[test]
fn a_store_of_schema_8_converts_to_key_tables_and_gives_the_same_numbers_search_and_transcripts() {
    let ws = Workspace::new();
    let file = ws.file("all.jsonl", every_kind_of_record());
    ws.import(std::slice::from_ref(&file));
    let period = autumn("UTC");
    let said = |ws: &Workspace, phrase: &str| {
        metrics(&mut ws.engine(), &query("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z", "UTC", &[("text", phrase)]))
            .total_conversations
    };
    let transcripts = |ws: &Workspace| -> Vec<String> {
        let store = Store::open(&ws.db()).unwrap();
        (0..40)
            .map(|i| serde_json::to_string(&store.conversation(&format!("c{i}")).unwrap().unwrap()).unwrap())
            .collect()
    };
    let rows = |ws: &Workspace| -> Vec<(i64, i64)> {
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        let mut stmt = conn.prepare("SELECT id, conversation FROM message ORDER BY id").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let expected = metrics(&mut ws.engine(), &period);
    let phrases = ["parcel", "parcel 7 is late", "is late parcel", "ships today"];
    let expected_said: Vec<u64> = phrases.iter().map(|p| said(&ws, p)).collect();
    assert_eq!(expected_said, [40, 1, 0, 40]);

    // The same records as schema 8 kept them: each key in its record's
    // row, under a unique index, and a full-text index with positions.
    let old = Workspace::new();
    drop(Store::open_at_version(&old.db(), 8).unwrap());
    {
        let conn = rusqlite::Connection::open(old.db()).unwrap();
        conn.create_scalar_function("words", 1, rusqlite::functions::FunctionFlags::SQLITE_UTF8, |ctx| {
            Ok(ctx.get::<Option<String>>(0)?.map(|t| rapport::store::message_words(&t)))
        })
        .unwrap();
        conn.execute("ATTACH ?1 AS new", [ws.db().to_str().unwrap()]).unwrap();
        conn.execute_batch(
            "INSERT INTO conversation SELECT * FROM new.conversation;
             INSERT INTO import_file SELECT * FROM new.import_file;
             INSERT INTO model_name SELECT * FROM new.model_name;
             INSERT INTO message (id, conversation, key, role_code, timestamp, content, model_id, prompt_tokens,
                 completion_tokens, cost, foreign_cost, foreign_currency, time_unknown)
             SELECT m.id, m.conversation, k.key, role_code, timestamp, content, model_id, prompt_tokens,
                 completion_tokens, cost, foreign_cost, foreign_currency, time_unknown
             FROM new.message AS m JOIN new.message_key AS k ON k.id = m.id;
             INSERT INTO action (id, conversation, key, name, started_at, duration_ms, status, error)
             SELECT a.id, a.conversation, k.key, name, started_at, duration_ms, status, error
             FROM new.action AS a JOIN new.action_key AS k ON k.id = a.id;
             INSERT INTO feedback (id, conversation, key, message_id, timestamp, rating, score, comment)
             SELECT f.id, f.conversation, k.key, message_id, timestamp, rating, score, comment
             FROM new.feedback AS f JOIN new.feedback_key AS k ON k.id = f.id;
             INSERT INTO message_words (rowid, words) SELECT id, words(content) FROM message;
             DETACH new;",
        )
        .unwrap();
        let with_key: i64 = conn
            .query_row("SELECT count(*) FROM message WHERE message_id = '101' AND key = '101'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(with_key, 1, "schema 8 kept the key in the message's row");
    }

    assert_eq!(metrics(&mut old.engine(), &period), expected, "the converted store gives the same numbers");
    let old_said: Vec<u64> = phrases.iter().map(|p| said(&old, p)).collect();
    assert_eq!(old_said, expected_said, "its full-text index finds the same conversations");
    assert_eq!(transcripts(&old), transcripts(&ws), "the same transcripts, ids included");
    assert_eq!(rows(&old), rows(&ws), "row ids kept");
    let conn = rusqlite::Connection::open(old.db()).unwrap();
    for table in ["message", "action", "feedback"] {
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_xinfo('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(!columns.contains(&"key".to_string()), "the key left the {table} row: {columns:?}");
    }
    let (free, pages): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT freelist_count FROM pragma_freelist_count), (SELECT page_count FROM pragma_page_count)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(free, 0, "the pages of the tables made anew are given back ({pages} pages)");
    drop(conn);

    // Re-importing the file finds every record by its key: nothing added, nothing changed.
    let before = old.engine().store().counts().unwrap();
    let report = old.import(&[file]);
    assert_eq!(report.stored, before, "every record found again by its key");
    assert_eq!(metrics(&mut old.engine(), &period), expected);
    assert_eq!(transcripts(&old), transcripts(&ws));
}

#[test]
fn a_file_that_is_not_a_store_is_refused_and_left_untouched() {
    let ws = Workspace::new();
    let text = ws.file("notes.db", "These are my notes, not a database.\n");
    let err = Store::open(&text).err().expect("a text file is no store");
    assert!(err.to_string().contains("is not a Rapport store"), "{err}");
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "These are my notes, not a database.\n");

    let other = ws.dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');").unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    let err = Store::open(&other).err().expect("another program's database is no store");
    assert!(err.to_string().contains("another program"), "{err}");
    assert_eq!(std::fs::read(&other).unwrap(), before, "never overwritten");
}

#[test]
fn a_corrupt_store_gives_a_clear_error() {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(50, "c"))]);
    // Keep the SQLite header, wreck the rest.
    let mut bytes = std::fs::read(ws.db()).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0x5a;
    }
    let _ = std::fs::remove_file(ws.db().with_extension("db-wal"));
    std::fs::write(ws.db(), &bytes).unwrap();
    let err = Store::open(&ws.db()).err().expect("a wrecked file does not open");
    assert!(err.to_string().contains(&ws.db().display().to_string()), "the error names the file: {err}");
}

/// A FIFO or device named as the store is refused unread: opening it to read
/// its header would block for ever.
#[cfg(unix)]
#[test]
fn a_store_path_that_is_no_regular_file_is_refused_unread() {
    let ws = Workspace::new();
    let fifo = ws.dir.path().join("pipe.db");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let err = Store::open(&fifo).err().expect("a FIFO is no store");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

/// Every row of `message` as SQLite reads it, each value with its type.
fn message_rows(db: &std::path::Path) -> Vec<Vec<rusqlite::types::Value>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT * FROM message ORDER BY id").unwrap();
    let columns = stmt.column_count();
    stmt.query_map([], |r| (0..columns).map(|i| r.get(i)).collect()).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_store_of_schema_10_keeps_its_messages_in_message_row_and_reads_them_back_the_same() {
    let ws = Workspace::new();
    let file = ws.file("all.jsonl", every_kind_of_record());
    ws.import(std::slice::from_ref(&file));
    let period = autumn("UTC");
    let expected = metrics(&mut ws.engine(), &period);
    let read = message_rows(&ws.db());
    assert_eq!(read.first().map(Vec::len), Some(15), "every column, the computed ones last");

    // The same store as schema 10 kept it: the computed columns in the
    // table itself, and the full-text index at FTS5's own hashsize.
    {
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.execute_batch(
            "DROP VIEW message;
             ALTER TABLE message_row RENAME TO message;
             ALTER TABLE message ADD COLUMN role TEXT GENERATED ALWAYS AS
                 (CASE role_code WHEN 0 THEN 'user' WHEN 1 THEN 'agent' WHEN 2 THEN 'system' ELSE 'tool' END) VIRTUAL;
             ALTER TABLE message ADD COLUMN timestamp INTEGER GENERATED ALWAYS AS (at + 1767225600000000) VIRTUAL;
             ALTER TABLE message ADD COLUMN cost REAL GENERATED ALWAYS AS
                 (CASE WHEN typeof(price) = 'integer' THEN price / 1e10 ELSE price END) VIRTUAL;
             DELETE FROM conversation_words_config WHERE k = 'hashsize';
             PRAGMA user_version = 10;",
        )
        .unwrap();
    }
    assert_eq!(message_rows(&ws.db()), read, "schema 10 read its messages so");

    let store = Store::open(&ws.db()).unwrap();
    assert_eq!(store.schema_version().unwrap(), Store::VERSION as i64);
    drop(store);
    assert_eq!(message_rows(&ws.db()), read, "the same rows, values and types, columns in the same order");
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let kept: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_xinfo('message_row')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for computed in ["role", "timestamp", "cost"] {
        assert!(!kept.iter().any(|c| c == computed), "{computed} is computed when read, not in the table: {kept:?}");
    }
    let hashsize: i64 =
        conn.query_row("SELECT v FROM conversation_words_config WHERE k = 'hashsize'", [], |r| r.get(0)).unwrap();
    assert_eq!(hashsize, 16 << 20, "the full-text index holds 16 MB of terms before writing them out");
    drop(conn);
    assert_eq!(metrics(&mut ws.engine(), &period), expected, "the same numbers");

    // Re-importing the file finds every record by its key: nothing added, nothing changed.
    let before = ws.engine().store().counts().unwrap();
    let report = ws.import(&[file]);
    assert_eq!(report.stored, before, "every record found again by its key");
    assert_eq!(message_rows(&ws.db()), read);
}

//! The store's schema, as append-only migrations.
//!
//! `PRAGMA user_version` counts the migrations applied; a store is migrated
//! forward on open, inside one transaction. Never edit a migration that has
//! shipped: add the next one.

/// Marks a SQLite file as a Rapport store (`PRAGMA application_id`, "RPRT").
pub const APPLICATION_ID: i32 = 0x5250_5254;

pub const MIGRATIONS: &[&str] = &[
    // 1: the four records and the files they came from.
    r#"
    CREATE TABLE conversation (
        id                  INTEGER PRIMARY KEY,
        conversation_id     TEXT NOT NULL UNIQUE,
        started_at          INTEGER,
        ended_at            INTEGER,
        customer_id         TEXT,
        customer_ip_address TEXT,
        device              TEXT,
        source              TEXT,
        language            TEXT,
        metadata            TEXT
    );
    CREATE TABLE message (
        id                INTEGER PRIMARY KEY,
        conversation      INTEGER NOT NULL REFERENCES conversation (id),
        identity          TEXT NOT NULL,
        message_id        TEXT,
        role              TEXT NOT NULL,
        timestamp         INTEGER NOT NULL,
        content           TEXT,
        model             TEXT,
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        cost              REAL,
        UNIQUE (conversation, identity)
    );
    CREATE TABLE action (
        id           INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversation (id),
        identity     TEXT NOT NULL,
        action_id    TEXT,
        name         TEXT NOT NULL,
        started_at   INTEGER NOT NULL,
        duration_ms  REAL,
        status       TEXT,
        error        INTEGER NOT NULL,
        UNIQUE (conversation, identity)
    );
    CREATE TABLE feedback (
        id           INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversation (id),
        identity     TEXT NOT NULL,
        feedback_id  TEXT,
        message_id   TEXT,
        timestamp    INTEGER,
        rating       TEXT NOT NULL,
        score        REAL,
        comment      TEXT,
        UNIQUE (conversation, identity)
    );
    CREATE TABLE import_file (
        id          INTEGER PRIMARY KEY,
        path        TEXT NOT NULL,
        format      TEXT NOT NULL,
        bytes       INTEGER NOT NULL,
        records     INTEGER NOT NULL,
        rejected    INTEGER NOT NULL,
        imported_at INTEGER NOT NULL
    );
    "#,
    // 2: every rejected record kept with its file, and the app's settings.
    r#"
    CREATE TABLE rejection (
        file     INTEGER NOT NULL REFERENCES import_file (id),
        position TEXT NOT NULL,
        reason   TEXT NOT NULL
    );
    CREATE INDEX rejection_file ON rejection (file);
    CREATE TABLE setting (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    "#,
    // 3: a message without an id is known by a hash of its content, not the
    // content itself (`Message::identity`); `rapport_content_key` is the
    // store's own SQL function for it.
    r#"
    UPDATE message
    SET identity = 'k'
        || CASE role WHEN 'user' THEN 'u' WHEN 'agent' THEN 'a' ELSE 'o' END
        || char(31) || timestamp || char(31) || rapport_content_key(content)
    WHERE message_id IS NULL;
    "#,
    // 4: the store's generation, a random number drawn again in the same
    // transaction as every change to the records, so that facts kept beside
    // the store are known to be of this very content (`facts_file`). Drawn,
    // not counted: a store put back from a copy, or made again, never
    // repeats the number of the one the facts were built from. Run again on
    // a store whose version was set back, it draws a new generation.
    r#"
    CREATE TABLE IF NOT EXISTS store_generation (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        generation INTEGER NOT NULL
    );
    INSERT OR REPLACE INTO store_generation (id, generation) VALUES (1, random());
    -- The recent changes, one per imported file: from which generation to
    -- which, and the conversations it touched (none listed when it touched
    -- too many to be worth updating facts for: `whole`), so that facts of
    -- an earlier generation can be brought up to date conversation by
    -- conversation instead of rebuilt.
    CREATE TABLE IF NOT EXISTS store_change (
        seq    INTEGER PRIMARY KEY,
        before INTEGER NOT NULL,
        after  INTEGER NOT NULL,
        whole  INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS store_change_before ON store_change (before);
    CREATE TABLE IF NOT EXISTS changed_conversation (
        seq          INTEGER NOT NULL,
        conversation INTEGER NOT NULL,
        PRIMARY KEY (seq, conversation)
    ) WITHOUT ROWID;
    "#,
    // 5: a cost another platform gave in another currency than US dollars,
    // kept as given (`cost` stays in dollars), and messages whose time the
    // file did not give (placed after the message they answer; no response
    // time comes from them).
    r#"
    ALTER TABLE message ADD COLUMN foreign_cost REAL;
    ALTER TABLE message ADD COLUMN foreign_currency TEXT;
    ALTER TABLE message ADD COLUMN time_unknown INTEGER NOT NULL DEFAULT 0;
    "#,
    // 6: full-text search (docs/metrics.md, Insights: the `text` filter).
    // Each message's words as the word rule finds them (`rapport_words`:
    // accents removed, case folded, runs of letters and digits, one space
    // between). The `ascii` tokenizer splits that only at the spaces (to it
    // every non-ASCII character is part of a token), so its tokens are the
    // rule's words and a phrase query finds what the rule finds.
    // Contentless: the text stays in `message`, and a match gives message
    // rows only (the engine knows each one's conversation from its facts,
    // so nothing is looked up per match). No trigger: each file's import fills the index for
    // the messages it added or changed, in bulk, before it commits
    // (write.rs). Here it is built for the messages already stored; written
    // to run again over itself (a store whose version was set back), like an
    // index rebuilt.
    r#"
    CREATE VIRTUAL TABLE IF NOT EXISTS message_words USING fts5 (
        words,
        content = '',
        contentless_delete = 1,
        tokenize = 'ascii'
    );
    INSERT INTO message_words (message_words) VALUES ('delete-all');
    INSERT INTO message_words (rowid, words) SELECT id, rapport_words(content) FROM message;
    "#,
    // 7: a smaller store. A record given with its id was stored with that id
    // twice (its `identity` was "i" and the id); now each record table keeps
    // one `key`: the id as given (text), or, for a record without one, its
    // identity from the content (`Message::identity` and the others), as a
    // blob, so that no given id can ever equal a content identity (SQLite
    // never finds text and a blob equal; declared BLOB, the column has no
    // affinity: an id stays the text it was given). The id columns stay, read as
    // before, computed from the key and stored nowhere. Row ids are kept:
    // the full-text index and facts kept beside the store still name the
    // same rows. A message's role is a number (`role_code`: 0 user, 1
    // agent, 2 system, 3 tool; `role` reads it as text), its model one of
    // `model_name`'s rows.
    r#"
    CREATE TABLE model_name (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    INSERT INTO model_name (name) SELECT DISTINCT model FROM message WHERE model IS NOT NULL ORDER BY model;
    CREATE TABLE message_7 (
        id                INTEGER PRIMARY KEY,
        conversation      INTEGER NOT NULL REFERENCES conversation (id),
        key               BLOB NOT NULL,
        role_code         INTEGER NOT NULL,
        timestamp         INTEGER NOT NULL,
        content           TEXT,
        model_id          INTEGER REFERENCES model_name (id),
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        cost              REAL,
        foreign_cost      REAL,
        foreign_currency  TEXT,
        time_unknown      INTEGER NOT NULL DEFAULT 0,
        message_id        TEXT GENERATED ALWAYS AS (CASE WHEN typeof(key) = 'text' THEN key END) VIRTUAL,
        role              TEXT GENERATED ALWAYS AS
            (CASE role_code WHEN 0 THEN 'user' WHEN 1 THEN 'agent' WHEN 2 THEN 'system' ELSE 'tool' END) VIRTUAL,
        UNIQUE (conversation, key)
    );
    INSERT INTO message_7 (id, conversation, key, role_code, timestamp, content, model_id, prompt_tokens,
        completion_tokens, cost, foreign_cost, foreign_currency, time_unknown)
    SELECT id, conversation,
        CASE WHEN message_id IS NOT NULL THEN message_id ELSE CAST(identity AS BLOB) END,
        CASE role WHEN 'user' THEN 0 WHEN 'agent' THEN 1 WHEN 'tool' THEN 3 ELSE 2 END,
        timestamp, content, (SELECT id FROM model_name WHERE name = model),
        prompt_tokens, completion_tokens, cost, foreign_cost, foreign_currency, time_unknown
    FROM message ORDER BY id;
    DROP TABLE message;
    ALTER TABLE message_7 RENAME TO message;

    CREATE TABLE action_7 (
        id           INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversation (id),
        key          BLOB NOT NULL,
        name         TEXT NOT NULL,
        started_at   INTEGER NOT NULL,
        duration_ms  REAL,
        status       TEXT,
        error        INTEGER NOT NULL,
        action_id    TEXT GENERATED ALWAYS AS (CASE WHEN typeof(key) = 'text' THEN key END) VIRTUAL,
        UNIQUE (conversation, key)
    );
    INSERT INTO action_7 (id, conversation, key, name, started_at, duration_ms, status, error)
    SELECT id, conversation,
        CASE WHEN action_id IS NOT NULL THEN action_id ELSE CAST(identity AS BLOB) END,
        name, started_at, duration_ms, status, error
    FROM action ORDER BY id;
    DROP TABLE action;
    ALTER TABLE action_7 RENAME TO action;

    CREATE TABLE feedback_7 (
        id           INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversation (id),
        key          BLOB NOT NULL,
        message_id   TEXT,
        timestamp    INTEGER,
        rating       TEXT NOT NULL,
        score        REAL,
        comment      TEXT,
        feedback_id  TEXT GENERATED ALWAYS AS (CASE WHEN typeof(key) = 'text' THEN key END) VIRTUAL,
        UNIQUE (conversation, key)
    );
    INSERT INTO feedback_7 (id, conversation, key, message_id, timestamp, rating, score, comment)
    SELECT id, conversation,
        CASE WHEN feedback_id IS NOT NULL THEN feedback_id ELSE CAST(identity AS BLOB) END,
        message_id, timestamp, rating, score, comment
    FROM feedback ORDER BY id;
    DROP TABLE feedback;
    ALTER TABLE feedback_7 RENAME TO feedback;
    "#,
    // 8: message text packed with zstd and a dictionary learnt from the
    // store's first import (store/text.rs, `TextCodec`): a blob whose first
    // byte names its dictionary here. Text stored before stays as it was,
    // and is read as before.
    r#"
    CREATE TABLE IF NOT EXISTS text_dictionary (
        id         INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 255),
        dictionary BLOB NOT NULL
    );
    "#,
    // 9: a smaller store. Each record's key leaves its row for a table of
    // its own, keyed by (conversation, key) and naming the record's row:
    // the key is kept once, where the unique index on (conversation, key)
    // kept it a second time, and the same table finds a conversation's
    // records (read.rs). Row ids are kept: the full-text index and facts
    // kept beside the store still name the same rows. The full-text index
    // keeps no positions and no sizes (`detail = none`, `columnsize = 0`):
    // a phrase of several words is looked up as all its words, and each
    // message found is then read to see the words in order (text.rs); a
    // message replaced has its old words taken out with FTS5's 'delete'
    // command, given them again from the text as stored (write.rs). A
    // message's time is kept from 2026-01-01 (`at`: within four years of
    // that day it takes 6 bytes, not 8) and its cost as a whole number of
    // 10^-10 dollars when that is exactly the cost (`price`, of no type:
    // 3 or 4 bytes where a real takes 8; otherwise the real as given);
    // `timestamp` and `cost` read them back as before.
    // (`rapport_price` and `write::TIME_ORIGIN` say the same.)
    r#"
    DROP TABLE IF EXISTS message_key;
    CREATE TABLE message_key (
        conversation INTEGER NOT NULL,
        key          BLOB NOT NULL,
        id           INTEGER NOT NULL,
        PRIMARY KEY (conversation, key)
    ) WITHOUT ROWID;
    INSERT INTO message_key (conversation, key, id) SELECT conversation, key, id FROM message ORDER BY conversation, key;
    CREATE TABLE message_9 (
        id                INTEGER PRIMARY KEY,
        conversation      INTEGER NOT NULL REFERENCES conversation (id),
        role_code         INTEGER NOT NULL,
        at                INTEGER NOT NULL,
        content           TEXT,
        model_id          INTEGER REFERENCES model_name (id),
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        price,
        foreign_cost      REAL,
        foreign_currency  TEXT,
        time_unknown      INTEGER NOT NULL DEFAULT 0,
        role              TEXT GENERATED ALWAYS AS
            (CASE role_code WHEN 0 THEN 'user' WHEN 1 THEN 'agent' WHEN 2 THEN 'system' ELSE 'tool' END) VIRTUAL,
        timestamp         INTEGER GENERATED ALWAYS AS (at + 1767225600000000) VIRTUAL,
        cost              REAL GENERATED ALWAYS AS
            (CASE WHEN typeof(price) = 'integer' THEN price / 1e10 ELSE price END) VIRTUAL
    );
    INSERT INTO message_9 (id, conversation, role_code, at, content, model_id, prompt_tokens,
        completion_tokens, price, foreign_cost, foreign_currency, time_unknown)
    SELECT id, conversation, role_code, timestamp - 1767225600000000, content, model_id, prompt_tokens,
        completion_tokens, rapport_price(cost), foreign_cost, foreign_currency, time_unknown
    FROM message ORDER BY id;
    DROP TABLE message;
    ALTER TABLE message_9 RENAME TO message;

    DROP TABLE IF EXISTS action_key;
    CREATE TABLE action_key (
        conversation INTEGER NOT NULL,
        key          BLOB NOT NULL,
        id           INTEGER NOT NULL,
        PRIMARY KEY (conversation, key)
    ) WITHOUT ROWID;
    INSERT INTO action_key (conversation, key, id) SELECT conversation, key, id FROM action ORDER BY conversation, key;
    CREATE TABLE action_9 (
        id           INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversation (id),
        name         TEXT NOT NULL,
        started_at   INTEGER NOT NULL,
        duration_ms  REAL,
        status       TEXT,
        error        INTEGER NOT NULL
    );
    INSERT INTO action_9 (id, conversation, name, started_at, duration_ms, status, error)
    SELECT id, conversation, name, started_at, duration_ms, status, error FROM action ORDER BY id;
    DROP TABLE action;
    ALTER TABLE action_9 RENAME TO action;

    DROP TABLE IF EXISTS feedback_key;
    CREATE TABLE feedback_key (
        conversation INTEGER NOT NULL,
        key          BLOB NOT NULL,
        id           INTEGER NOT NULL,
        PRIMARY KEY (conversation, key)
    ) WITHOUT ROWID;
    INSERT INTO feedback_key (conversation, key, id) SELECT conversation, key, id FROM feedback ORDER BY conversation, key;
    CREATE TABLE feedback_9 (
        id           INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversation (id),
        message_id   TEXT,
        timestamp    INTEGER,
        rating       TEXT NOT NULL,
        score        REAL,
        comment      TEXT
    );
    INSERT INTO feedback_9 (id, conversation, message_id, timestamp, rating, score, comment)
    SELECT id, conversation, message_id, timestamp, rating, score, comment FROM feedback ORDER BY id;
    DROP TABLE feedback;
    ALTER TABLE feedback_9 RENAME TO feedback;

    DROP TABLE IF EXISTS message_words;
    CREATE VIRTUAL TABLE message_words USING fts5 (
        words,
        content = '',
        columnsize = 0,
        detail = none,
        tokenize = 'ascii'
    );
    INSERT INTO message_words (rowid, words)
    SELECT id, words FROM (SELECT id, rapport_words(content) AS words FROM message WHERE content IS NOT NULL)
    WHERE words <> '';
    "#,
    // 10: the full-text index keeps one document per conversation, not per
    // message: `conversation_words`, whose row is the conversation's row
    // and whose words are those of all its messages (the word rule's, as in
    // 6; each said once when the import writes it, write.rs). The `text`
    // filter keeps conversations (METRICS.md), so a word's conversations
    // are its answer; a phrase of several words is looked up as all its
    // words, and the messages of each conversation found are then read to
    // see the words in order within one message (text.rs). The import
    // writes a document once a conversation's words are all in hand (the
    // reading thread gathers them): on the benchmark's dump 87,981
    // documents where 9 wrote 621,859, and 2.86 M words where there were
    // 4.17 M; the import's writing thread spends 0.18 s on the index where
    // it spent about 0.35 s (README, What the import still lacks). A
    // conversation an import changes otherwise (a message added to one
    // stored before, a message's text replaced) has its document taken
    // out by its row (`contentless_delete`, which needs the sizes FTS5
    // keeps by default) and written again from its messages as stored,
    // before the file's commit (write.rs). Here it is built for the
    // messages already stored, a conversation at a time (`message_key` is
    // in conversation order).
    r#"
    DROP TABLE IF EXISTS message_words;
    DROP TABLE IF EXISTS conversation_words;
    CREATE VIRTUAL TABLE conversation_words USING fts5 (
        words,
        content = '',
        contentless_delete = 1,
        detail = none,
        tokenize = 'ascii'
    );
    INSERT INTO conversation_words (rowid, words)
    SELECT conversation, words FROM (
        SELECT k.conversation AS conversation, group_concat(rapport_words(m.content), ' ') AS words
        FROM message_key AS k CROSS JOIN message AS m ON m.id = k.id
        WHERE m.content IS NOT NULL
        GROUP BY k.conversation)
    WHERE trim(words) <> '';
    "#,
    // 11: a message's computed columns (`role`, `timestamp`, `cost`) leave
    // its table for a view of the same name, `message`, which reads every
    // column as before, in the same order; the rows are kept in
    // `message_row`, and the import writes them there. SQLite computes a
    // table's generated columns for every row it inserts, stored nowhere
    // or not, and `cost` calls typeof(), which has each statement writing
    // several messages take a savepoint of its own (SQLite counts any
    // function as a way to fail midway): with `perf`, a seventh of the
    // work of writing a message row (write.rs). The columns were VIRTUAL:
    // dropping them changes no row on disk, only the schema.
    // The full-text index holds 16 MB of terms in memory before it writes
    // them out as a segment (FTS5's `hashsize`; 1 MB by default): an import
    // of 100,000 conversations writes one segment at its commit where it
    // wrote one each megabyte, then merged them (the savepoints above wrote
    // one out each time, whatever the size; write.rs held the documents
    // back for that reason).
    r#"
    ALTER TABLE message DROP COLUMN cost;
    ALTER TABLE message DROP COLUMN timestamp;
    ALTER TABLE message DROP COLUMN role;
    ALTER TABLE message RENAME TO message_row;
    CREATE VIEW message AS
    SELECT id, conversation, role_code, at, content, model_id, prompt_tokens, completion_tokens, price,
        foreign_cost, foreign_currency, time_unknown,
        CASE role_code WHEN 0 THEN 'user' WHEN 1 THEN 'agent' WHEN 2 THEN 'system' ELSE 'tool' END AS role,
        at + 1767225600000000 AS timestamp,
        CASE WHEN typeof(price) = 'integer' THEN price / 1e10 ELSE price END AS cost
    FROM message_row;
    INSERT INTO conversation_words (conversation_words, rank) VALUES ('hashsize', 16777216);
    "#,
];

//! The ClickHouse store's tables, and the per-conversation facts every metric reads.
//!
//! On each server (each shard of a cluster) the four kinds of record have a
//! table, all `ReplacingMergeTree` ordered by conversation, then identity, then
//! import: a file imported again adds a version of each record, which a merge
//! may fold into one, and a query reads the latest committed version of each
//! identity (`argMax(…, seq)`). The import is part of the key so that a merge
//! never replaces a committed row with one of an import that never finished.
//!
//! Every row carries its import's id; a row counts only once that id is in
//! `committed_import` (written after the whole file is on every shard), so a
//! killed import adds nothing. On a cluster, a `Distributed` table over each
//! table (`…_all`, sharded by `cityHash64(conversation_id)`) takes the inserts,
//! and one over the facts, `conversation_facts_all`, runs every metric shard by
//! shard: a conversation and all its records live on one shard.
//!
//! The per-conversation facts ([`facts_select`]: one row per conversation,
//! its records as arrays) are built when a file is committed, for the
//! conversations that file touched, into `conversation_facts_built`
//! (`ReplacingMergeTree` on the conversation, the latest build winning) on
//! each shard; `facts_import` lists the imports whose facts are built there.
//! A dashboard reads `conversation_facts`, a view of the latest build of each
//! conversation, instead of regrouping every record at each query.
//!
//! The import log, rejections and settings live on the server of the URL.
//!
//! Instants are Int64 microseconds since 1970 (18.16 has no DateTime64);
//! [`NONE`] stands for an absent instant in the facts' columns.

/// The tables' version, as `status` shows it (the SQLite store's schema version's place).
/// 3: the per-conversation facts are built at import instead of at each query.
/// 4: each message's cost in another currency, and whether its time is
/// unknown, in the `message` table and in the facts.
/// 5: each message's words (`text_key`, the `text` rule of METRICS.md,
/// found in Rust at import) in the `message` table and in the facts, for
/// the `text` filter and the Insights.
/// 6: the messages of an older store get their words when it opens (`upgrade`;
/// `message_words_filled` on each server once they have).
/// 7: each feedback's first-seen order in the facts (`f_seq`), which tells
/// a conversation's latest rating among feedback given at one instant, for
/// the conversation list computed in SQL.
/// 8: each user message's runs of one to three words that may be phrases
/// (`phrases`, found in Rust at import, stop words not yet left out, each
/// after a `|`) in the `message` table, and in the facts (`u_phrase`,
/// `u_phrase_ts`, `u_ts`), for "what people ask about" computed by the
/// server (`topics`).
pub const VERSION: i64 = 8;

/// The facts table every build goes to; a `conversation_facts` view that
/// does not read it is from an older version and is made again (a view and
/// the Distributed table over it hold no rows).
pub const BUILT_FACTS: &str = "conversation_facts_built";

/// The columns the facts gained after they were first built (in [`VERSION`]
/// 5 each message's words, for the `text` filter and the Insights; in 7
/// each feedback's first-seen order, for the list's latest rating; in 8 the
/// user messages' phrases, for the topics): facts
/// built without one are built again, and a view or a Distributed table
/// over facts without one made again.
pub const NEWER_FACT_COLUMNS: &[&str] = &["m_key", "f_seq", "u_phrase"];

/// Columns the `message` table gained after it was first made (in
/// [`VERSION`] 4, 5 and 8), added to an older table when the store opens.
pub const ADDED_MESSAGE_COLUMNS: &[(&str, &str)] = &[
    ("foreign_cost", "Nullable(Float64)"),
    ("foreign_currency", "Nullable(String)"),
    ("time_unknown", "UInt8 DEFAULT 0"),
    ("text_key", "String DEFAULT ''"),
    ("phrases", "String DEFAULT ''"),
];

/// An absent instant in the view (−2⁶²): below any instant a query can name.
pub const NONE: i64 = -4_611_686_018_427_387_904;

/// Tables on every shard. `{db}` is the database.
pub const SHARDED_TABLES: &[(&str, &str)] = &[
    (
        "conversation_line",
        "CREATE TABLE IF NOT EXISTS {db}.conversation_line (
            import_id UInt64,
            seq UInt64,
            conversation_id String,
            started_at Nullable(Int64),
            ended_at Nullable(Int64),
            customer_id Nullable(String),
            customer_ip_address Nullable(String),
            country Nullable(String),
            device Nullable(String),
            source Nullable(String),
            language Nullable(String),
            device_n Nullable(String),
            source_n Nullable(String),
            language_n Nullable(String),
            environment_n Nullable(String),
            metadata Nullable(String)
        ) ENGINE = ReplacingMergeTree(seq) ORDER BY (conversation_id, import_id, seq)",
    ),
    (
        "message",
        "CREATE TABLE IF NOT EXISTS {db}.message (
            import_id UInt64,
            seq UInt64,
            first_seq UInt64,
            conversation_id String,
            identity String,
            message_id Nullable(String),
            role String,
            side UInt8,
            timestamp Int64,
            content Nullable(String),
            model Nullable(String),
            prompt_tokens Nullable(UInt64),
            completion_tokens Nullable(UInt64),
            cost Nullable(Float64),
            foreign_cost Nullable(Float64),
            foreign_currency Nullable(String),
            time_unknown UInt8 DEFAULT 0,
            text_key String DEFAULT '',
            phrases String DEFAULT ''
        ) ENGINE = ReplacingMergeTree(seq) ORDER BY (conversation_id, identity, import_id)",
    ),
    (
        "action",
        "CREATE TABLE IF NOT EXISTS {db}.action (
            import_id UInt64,
            seq UInt64,
            conversation_id String,
            identity String,
            action_id Nullable(String),
            name String,
            started_at Int64,
            ended_at Int64,
            duration_ms Nullable(Float64),
            status Nullable(String),
            error UInt8
        ) ENGINE = ReplacingMergeTree(seq) ORDER BY (conversation_id, identity, import_id)",
    ),
    (
        "feedback",
        "CREATE TABLE IF NOT EXISTS {db}.feedback (
            import_id UInt64,
            seq UInt64,
            conversation_id String,
            identity String,
            feedback_id Nullable(String),
            message_id Nullable(String),
            timestamp Nullable(Int64),
            rating String,
            score Nullable(Float64),
            comment Nullable(String)
        ) ENGINE = ReplacingMergeTree(seq) ORDER BY (conversation_id, identity, import_id)",
    ),
    (
        "facts_import",
        "CREATE TABLE IF NOT EXISTS {db}.facts_import (
            import_id UInt64
        ) ENGINE = ReplacingMergeTree ORDER BY import_id",
    ),
    (
        "committed_import",
        "CREATE TABLE IF NOT EXISTS {db}.committed_import (
            import_id UInt64
        ) ENGINE = ReplacingMergeTree ORDER BY import_id",
    ),
];

/// Tables on the server of the URL only.
pub const ENTRY_TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS {db}.import_file (
        import_id UInt64,
        path String,
        format String,
        bytes UInt64,
        records UInt64,
        rejected UInt64,
        imported_at Int64,
        committed UInt8
    ) ENGINE = ReplacingMergeTree(committed) ORDER BY import_id",
    "CREATE TABLE IF NOT EXISTS {db}.rejection (
        import_id UInt64,
        position String,
        reason String
    ) ENGINE = MergeTree ORDER BY import_id",
    "CREATE TABLE IF NOT EXISTS {db}.setting (
        key String,
        value String,
        version UInt64
    ) ENGINE = ReplacingMergeTree(version) ORDER BY key",
];

/// The columns of the facts, for their table and the Distributed table over them.
pub const FACT_COLUMNS: &str = "conversation_id String, started Int64, ended Int64, user String,
    country String, device String, source String, language String, environment String,
    engaged UInt8, m_ts Array(Int64), m_side Array(UInt8), m_prompt Array(UInt64),
    m_completion Array(UInt64), m_cost Array(Float64), m_model Array(String), m_has_cost Array(UInt8),
    m_foreign_cost Array(Float64), m_foreign_currency Array(String), m_key Array(String), e_ts Array(Int64), e_rt Array(Int64),
    a_ts Array(Int64), a_name Array(String), a_dur Array(Float64), a_has_dur Array(UInt8),
    a_error Array(UInt8), f_ts Array(Int64), f_rating Array(String), f_seq Array(UInt64),
    u_ts Array(Int64), u_phrase Array(String), u_phrase_ts Array(Int64)";

/// The names of [`FACT_COLUMNS`], in order.
pub fn fact_names() -> String {
    FACT_COLUMNS.split(',').filter_map(|c| c.split_whitespace().next()).collect::<Vec<_>>().join(", ")
}

/// The table the facts are built into, on every shard: one row per build of
/// a conversation, the latest build (`version`, the build's instant) winning.
pub fn built_facts_table(db: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {db}.{BUILT_FACTS} ({FACT_COLUMNS}, version UInt64)
        ENGINE = ReplacingMergeTree(version) ORDER BY conversation_id"
    )
}

/// What every metric reads: the latest build of each conversation's facts.
pub fn facts_view(db: &str) -> String {
    format!(
        "CREATE VIEW IF NOT EXISTS {db}.conversation_facts AS SELECT {} FROM {db}.{BUILT_FACTS} FINAL",
        fact_names()
    )
}

/// Builds the facts of the conversations `scope` (a condition on
/// `conversation_id`) holds anew, from their committed records, stamped `version`.
pub fn build_facts(db: &str, scope: &str, version: u64) -> String {
    format!(
        "INSERT INTO {db}.{BUILT_FACTS} ({names}, version)
        SELECT {names}, toUInt64({version}) FROM ({select})",
        names = fact_names(),
        select = facts_select(db, scope)
    )
}

/// The conversation of each record of these imports (a conversation once per record).
pub fn touched(db: &str, imports: &[u64]) -> String {
    let ids: Vec<String> = imports.iter().map(u64::to_string).collect();
    let ids = ids.join(", ");
    let branches: Vec<String> = ["conversation_line", "message", "action", "feedback"]
        .iter()
        .map(|t| format!("SELECT conversation_id FROM {db}.{t} WHERE import_id IN ({ids})"))
        .collect();
    branches.join(" UNION ALL ")
}

/// One row per conversation that `scope` (a condition on `conversation_id`)
/// holds: its merged context and its committed records as arrays sorted by
/// time, with the exchanges already paired. Every metric is an aggregate
/// over these rows; a cluster computes them shard by shard.
///
/// The pairing of METRICS.md, without window functions (18.16 has none):
/// the user and agent messages in (time, file order), each beside the one
/// before it (the array shifted by one); an exchange is an agent message
/// whose previous one is a user message.
///
/// ```text
/// sides:     u1  u2  a1  a2  u3  a3
/// previous:   -  u1  u2  a1  a2  u3
/// exchange:           ✓           ✓      (u2→a1, u3→a3)
/// ```
///
/// An agent message whose time is unknown makes an exchange whose response
/// time (`e_rt`) is [`NONE`]: counted as an exchange, left out of the times.
pub fn facts_select(db: &str, scope: &str) -> String {
    let committed = format!("import_id IN (SELECT import_id FROM {db}.committed_import) AND {scope}");
    let table = |t: &str| format!("{db}.{t}");
    let records = Records {
        conversation_line: table("conversation_line"),
        message: table("message"),
        action: table("action"),
        feedback: table("feedback"),
    };
    facts_of(&records, &committed)
}

/// Where the four kinds of record are read from: tables, or subqueries
/// with the same columns (a Langfuse database's records, see `langfuse`).
pub struct Records {
    pub conversation_line: String,
    pub message: String,
    pub action: String,
    pub feedback: String,
}

/// The facts of the conversations of `records` whose rows pass `condition`.
pub fn facts_of(records: &Records, condition: &str) -> String {
    let committed = condition;
    // Each branch gives every column of the union; the others' are empty.
    let columns: &[(&str, &str)] = &[
        ("x_c_started", "CAST(NULL AS Nullable(Int64))"),
        ("x_c_ended", "CAST(NULL AS Nullable(Int64))"),
        ("x_c_user", "CAST(NULL AS Nullable(String))"),
        ("x_c_country", "CAST(NULL AS Nullable(String))"),
        ("x_c_device", "CAST(NULL AS Nullable(String))"),
        ("x_c_source", "CAST(NULL AS Nullable(String))"),
        ("x_c_language", "CAST(NULL AS Nullable(String))"),
        ("x_c_environment", "CAST(NULL AS Nullable(String))"),
        ("x_m_ts", "emptyArrayInt64()"),
        ("x_m_side", "emptyArrayUInt8()"),
        ("x_m_prompt", "emptyArrayUInt64()"),
        ("x_m_completion", "emptyArrayUInt64()"),
        ("x_m_cost", "emptyArrayFloat64()"),
        ("x_m_model", "emptyArrayString()"),
        ("x_m_has_cost", "emptyArrayUInt8()"),
        ("x_m_foreign_cost", "emptyArrayFloat64()"),
        ("x_m_foreign_currency", "emptyArrayString()"),
        ("x_m_key", "emptyArrayString()"),
        ("x_e_ts", "emptyArrayInt64()"),
        ("x_e_rt", "emptyArrayInt64()"),
        ("x_a_ts", "emptyArrayInt64()"),
        ("x_a_end", "emptyArrayInt64()"),
        ("x_a_name", "emptyArrayString()"),
        ("x_a_dur", "emptyArrayFloat64()"),
        ("x_a_has_dur", "emptyArrayUInt8()"),
        ("x_a_error", "emptyArrayUInt8()"),
        ("x_f_ts", "emptyArrayInt64()"),
        ("x_f_rating", "emptyArrayString()"),
        ("x_f_seq", "emptyArrayUInt64()"),
        ("x_u_ts", "emptyArrayInt64()"),
        ("x_u_phrase", "emptyArrayString()"),
        ("x_u_phrase_ts", "emptyArrayInt64()"),
    ];
    let branch = |own: &[&str], from: &str| -> String {
        let list: Vec<String> = columns
            .iter()
            .map(|(name, empty)| {
                if own.iter().any(|p| name.starts_with(p)) {
                    (*name).to_owned()
                } else {
                    format!("{empty} AS {name}")
                }
            })
            .collect();
        format!("SELECT conversation_id, {} FROM ({from})", list.join(", "))
    };
    let conversations = format!(
        "SELECT conversation_id,
            argMaxIf(started_at, seq, isNotNull(started_at)) AS x_c_started,
            argMaxIf(ended_at, seq, isNotNull(ended_at)) AS x_c_ended,
            argMaxIf(customer_id, seq, isNotNull(customer_id)) AS x_c_user,
            argMaxIf(country, seq, isNotNull(country)) AS x_c_country,
            argMaxIf(device_n, seq, isNotNull(device_n)) AS x_c_device,
            argMaxIf(source_n, seq, isNotNull(source_n)) AS x_c_source,
            argMaxIf(language_n, seq, isNotNull(language_n)) AS x_c_language,
            argMaxIf(environment_n, seq, isNotNull(environment_n)) AS x_c_environment
        FROM {} WHERE {committed} GROUP BY conversation_id",
        records.conversation_line
    );
    let messages = format!(
        "SELECT conversation_id,
            arraySort(groupArray((mts, mord, mside, mprompt, mcompletion, mcost, mmodel, mhas, mfcost, mfcur,
                munknown, mkey))) AS sorted,
            arrayMap(x -> tupleElement(x, 1), sorted) AS x_m_ts,
            arrayMap(x -> tupleElement(x, 3), sorted) AS x_m_side,
            arrayMap(x -> tupleElement(x, 4), sorted) AS x_m_prompt,
            arrayMap(x -> tupleElement(x, 5), sorted) AS x_m_completion,
            arrayMap(x -> tupleElement(x, 6), sorted) AS x_m_cost,
            arrayMap(x -> tupleElement(x, 7), sorted) AS x_m_model,
            arrayMap(x -> tupleElement(x, 8), sorted) AS x_m_has_cost,
            arrayMap(x -> tupleElement(x, 9), sorted) AS x_m_foreign_cost,
            arrayMap(x -> tupleElement(x, 10), sorted) AS x_m_foreign_currency,
            arrayMap(x -> tupleElement(x, 12), sorted) AS x_m_key,
            arrayFilter(x -> tupleElement(x, 3) != 0, sorted) AS said,
            arrayMap(x -> tupleElement(x, 1), said) AS said_ts,
            arrayMap(x -> tupleElement(x, 3), said) AS said_side,
            arrayMap(x -> tupleElement(x, 11), said) AS said_unknown,
            arrayPopBack(arrayPushFront(said_ts, toInt64(0))) AS before_ts,
            arrayPopBack(arrayPushFront(said_side, toUInt8(0))) AS before_side,
            arrayFilter((t, s, b) -> s = 2 AND b = 1, said_ts, said_side, before_side) AS x_e_ts,
            arrayFilter((r, s, b) -> s = 2 AND b = 1,
                arrayMap((t, p, u) -> if(u = 1, toInt64({NONE}), t - p), said_ts, before_ts, said_unknown),
                said_side, before_side) AS x_e_rt,
            groupArrayIf(mts, mside = 1 AND mphrases != '') AS x_u_ts,
            groupArrayArray({runs}) AS x_u_phrase,
            groupArrayArray(arrayMap(p -> mts, {runs})) AS x_u_phrase_ts
        FROM (
            SELECT conversation_id, identity,
                argMax(timestamp, seq) AS mts,
                min(first_seq) AS mord,
                argMax(side, seq) AS mside,
                argMax(ifNull(prompt_tokens, toUInt64(0)), seq) AS mprompt,
                argMax(ifNull(completion_tokens, toUInt64(0)), seq) AS mcompletion,
                argMax(ifNull(cost, toFloat64(0)), seq) AS mcost,
                argMax(ifNull(model, ''), seq) AS mmodel,
                argMax(toUInt8(isNotNull(cost)), seq) AS mhas,
                argMax(ifNull(foreign_cost, toFloat64(0)), seq) AS mfcost,
                argMax(ifNull(foreign_currency, ''), seq) AS mfcur,
                argMax(time_unknown, seq) AS munknown,
                argMax(text_key, seq) AS mkey,
                argMax(phrases, seq) AS mphrases
            FROM {source} WHERE {committed} GROUP BY conversation_id, identity
        ) GROUP BY conversation_id",
        source = records.message,
        // A user message's runs (`phrases`: each after a `|`, only `|` for
        // text without any, empty for no text), as an array.
        runs = "if(mside = 1 AND length(mphrases) > 1, arrayPopFront(splitByChar('|', mphrases)), emptyArrayString())"
    );
    let actions = format!(
        "SELECT conversation_id,
            groupArray((ats, aend, aname, adur, ahas, aerr)) AS acts,
            arrayMap(x -> tupleElement(x, 1), acts) AS x_a_ts,
            arrayMap(x -> tupleElement(x, 2), acts) AS x_a_end,
            arrayMap(x -> tupleElement(x, 3), acts) AS x_a_name,
            arrayMap(x -> tupleElement(x, 4), acts) AS x_a_dur,
            arrayMap(x -> tupleElement(x, 5), acts) AS x_a_has_dur,
            arrayMap(x -> tupleElement(x, 6), acts) AS x_a_error
        FROM (
            SELECT conversation_id, identity,
                argMax(started_at, seq) AS ats,
                argMax(ended_at, seq) AS aend,
                argMax(name, seq) AS aname,
                argMax(ifNull(duration_ms, toFloat64(0)), seq) AS adur,
                argMax(toUInt8(isNotNull(duration_ms)), seq) AS ahas,
                argMax(error, seq) AS aerr
            FROM {source} WHERE {committed} GROUP BY conversation_id, identity
        ) GROUP BY conversation_id",
        source = records.action
    );
    let feedback = format!(
        "SELECT conversation_id,
            groupArray((fts, frating, fseq)) AS items,
            arrayMap(x -> tupleElement(x, 1), items) AS x_f_ts,
            arrayMap(x -> tupleElement(x, 2), items) AS x_f_rating,
            arrayMap(x -> tupleElement(x, 3), items) AS x_f_seq
        FROM (
            SELECT conversation_id, identity,
                argMax(ifNull(timestamp, toInt64({NONE})), seq) AS fts,
                argMax(rating, seq) AS frating,
                min(seq) AS fseq
            FROM {source} WHERE {committed} GROUP BY conversation_id, identity
        ) GROUP BY conversation_id",
        source = records.feedback
    );
    // The messages' branch also gives the exchanges.
    let union = [
        branch(&["x_c_"], &conversations),
        branch(&["x_m_", "x_e_", "x_u_"], &messages),
        branch(&["x_a_"], &actions),
        branch(&["x_f_"], &feedback),
    ];
    format!(
        "SELECT conversation_id,
            ifNull(y_started, if(length(m_ts) + length(a_ts) > 0, arrayReduce('min', arrayConcat(m_ts, a_ts)),
                if(arrayExists(t -> t != {NONE}, y_f_ts), arrayReduce('min', arrayFilter(t -> t != {NONE}, y_f_ts)),
                    toInt64({NONE})))) AS started,
            ifNull(y_ended, if(length(m_ts) + length(a_ts) > 0, arrayReduce('max', arrayConcat(m_ts, y_a_end)),
                toInt64({NONE}))) AS ended,
            ifNull(y_user, '') AS user,
            ifNull(y_country, 'unknown') AS country,
            ifNull(y_device, 'unknown') AS device,
            ifNull(y_source, 'unknown') AS source,
            ifNull(y_language, 'unknown') AS language,
            ifNull(y_environment, 'unknown') AS environment,
            toUInt8(has(m_side, toUInt8(1))) AS engaged,
            m_ts, m_side, m_prompt, m_completion, m_cost, m_model, m_has_cost, m_foreign_cost, m_foreign_currency,
            m_key, e_ts, e_rt,
            a_ts, a_name, a_dur, a_has_dur, a_error,
            arrayMap(t -> if(t != {NONE}, t, if(ended != {NONE}, ended, started)), y_f_ts) AS f_ts,
            f_rating, f_seq, u_ts, u_phrase, u_phrase_ts
        FROM (
            SELECT conversation_id,
                any(x_c_started) AS y_started,
                any(x_c_ended) AS y_ended,
                any(x_c_user) AS y_user,
                any(x_c_country) AS y_country,
                any(x_c_device) AS y_device,
                any(x_c_source) AS y_source,
                any(x_c_language) AS y_language,
                any(x_c_environment) AS y_environment,
                groupArrayArray(x_m_ts) AS m_ts,
                groupArrayArray(x_m_side) AS m_side,
                groupArrayArray(x_m_prompt) AS m_prompt,
                groupArrayArray(x_m_completion) AS m_completion,
                groupArrayArray(x_m_cost) AS m_cost,
                groupArrayArray(x_m_model) AS m_model,
                groupArrayArray(x_m_has_cost) AS m_has_cost,
                groupArrayArray(x_m_foreign_cost) AS m_foreign_cost,
                groupArrayArray(x_m_foreign_currency) AS m_foreign_currency,
                groupArrayArray(x_m_key) AS m_key,
                groupArrayArray(x_e_ts) AS e_ts,
                groupArrayArray(x_e_rt) AS e_rt,
                groupArrayArray(x_a_ts) AS a_ts,
                groupArrayArray(x_a_end) AS y_a_end,
                groupArrayArray(x_a_name) AS a_name,
                groupArrayArray(x_a_dur) AS a_dur,
                groupArrayArray(x_a_has_dur) AS a_has_dur,
                groupArrayArray(x_a_error) AS a_error,
                groupArrayArray(x_f_ts) AS y_f_ts,
                groupArrayArray(x_f_rating) AS f_rating,
                groupArrayArray(x_f_seq) AS f_seq,
                groupArrayArray(x_u_ts) AS u_ts,
                groupArrayArray(x_u_phrase) AS u_phrase,
                groupArrayArray(x_u_phrase_ts) AS u_phrase_ts
            FROM ({})
            GROUP BY conversation_id
        )",
        union.join(" UNION ALL ")
    )
}

//! A Langfuse database read as Rapport's records: `?schema=langfuse` on a
//! `clickhouse://` (or `chdb://`) URL points Rapport at the ClickHouse
//! database of a self-hosted Langfuse (v3: the tables `traces`,
//! `observations` and `scores`), read-only.
//!
//! The records are SQL over Langfuse's own tables (each read `FINAL`, its
//! deleted rows left out), in the columns of Rapport's record tables, so that
//! the per-conversation facts and every metric are the same SQL as on a
//! Rapport store ([`super::schema::facts_of`]). The mapping is the one
//! `docs/formats.md` gives Langfuse's exports:
//!
//! ```text
//! session_id (else the trace's id)   conversation; user_id → customer_id,
//!                                    environment → metadata.environment
//! trace input (else its first        user message at the trace's timestamp
//!   generation's)
//! trace output (else its last        agent message at timestamp + latency, the
//!   generation's)                    latency being Langfuse's: from the first
//!                                    observation's start to the last one's end
//!                                    (or start); with no observation, unknown:
//!                                    written a microsecond after the question,
//!                                    its time unknown (no response time)
//! GENERATION observations            the agent message's tokens (usage_details
//!                                    keys input* / output*), cost
//!                                    (cost_details total), last model
//! TOOL observations, SPANs named     actions (execute_tool / running tool:
//!   `execute_tool NAME` …              prefixes off; level ERROR → error)
//! scores not from EVAL whose name    feedback at the score's timestamp:
//!   reads as feedback                BOOLEAN, NUMERIC 0–1 as 1 + 4 × value or
//!                                    1–5, CATEGORICAL by its words
//! ```
//!
//! A turn's text is the trace's input (else its first generation's) and
//! output (else its last generation's) as Langfuse keeps it; what a person
//! reads of it, and its words, are found in Rust (`words`).
//!
//! Not read from a database (the files carry what these need): the root
//! observation's input and output as the turn's text, spans named as a tool
//! by their attributes or by a generation's tool list, tool calls inside a
//! generation's output; and an input or output that is JSON without any
//! text is still a message here.
//! Langfuse has no country, device, source or language; they are unknown,
//! as in its exports.

// The words of a score's name that say a person gave it are the file importer's.
use super::schema::Records;
use crate::import::formats::langfuse::FEEDBACK_WORDS;

/// A `DateTime64(3)` as Rapport's microseconds.
fn micros(column: &str) -> String {
    format!("(toUnixTimestamp64Milli({column}) * 1000)")
}

/// Text that holds something: not NULL, not empty, not JSON's null or "".
fn said(column: &str) -> String {
    format!("(isNotNull({column}) AND trimBoth({column}) NOT IN ('', 'null', '\"\"', '{{}}', '[]'))")
}

/// A name with the prefixes instrumentations put before a tool's name taken off.
fn tool_prefix_off(column: &str) -> String {
    format!("trimBoth(replaceRegexpOne({column}, '(?i)^(execute_tool |running tool: |running tool |tool: )', ''))")
}

/// Whether a name begins with one of those prefixes (and names something after it).
fn names_a_tool(column: &str) -> String {
    format!(
        "(match({column}, '(?i)^(execute_tool |running tool: |running tool |tool: )') AND {} != '')",
        tool_prefix_off(column)
    )
}

/// Rating words and aliases (FORMAT.md), any case.
const RATING_WORDS: &[(&str, &str)] = &[
    ("positive", "positive"),
    ("neutral", "neutral"),
    ("negative", "negative"),
    ("like", "positive"),
    ("dislike", "negative"),
    ("up", "positive"),
    ("down", "negative"),
    ("thumbs_up", "positive"),
    ("thumbs_down", "negative"),
    ("1", "positive"),
    ("0", "negative"),
];

/// Other categories that read as a rating, lower-cased with spaces and dashes as `_`.
const CATEGORIES: &[(&str, &str)] = &[
    ("good", "positive"),
    ("yes", "positive"),
    ("true", "positive"),
    ("correct", "positive"),
    ("helpful", "positive"),
    ("thumbsup", "positive"),
    ("great", "positive"),
    ("bad", "negative"),
    ("no", "negative"),
    ("false", "negative"),
    ("incorrect", "negative"),
    ("unhelpful", "negative"),
    ("not_helpful", "negative"),
    ("thumbsdown", "negative"),
    ("wrong", "negative"),
    ("ok", "neutral"),
    ("okay", "neutral"),
    ("mixed", "neutral"),
    ("partially_correct", "neutral"),
];

fn list(items: &[&str]) -> String {
    items.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", ")
}

/// The records of a Langfuse database `db`, of one project or of all.
pub fn records(db: &str, project: Option<&str>) -> Tables {
    let project = match project {
        Some(p) => format!("project_id = {}", super::tsv::quote(p)),
        None => "1".to_owned(),
    };
    let traces = format!("(SELECT * FROM {db}.traces FINAL WHERE is_deleted = 0 AND {project})");
    let observations = format!("(SELECT * FROM {db}.observations FINAL WHERE is_deleted = 0 AND {project})");
    let scores = format!("(SELECT * FROM {db}.scores FINAL WHERE is_deleted = 0 AND {project})");

    // Each trace with what its observations say: when the first began and
    // the last ended (Langfuse's latency), its generations' texts, tokens,
    // cost and last model.
    let prompt = "arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'input'), usage_details)))";
    let completion = "arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'output'), usage_details)))";
    let cost = "if(mapContains(cost_details, 'total'), toFloat64(cost_details['total']), \
                arraySum(arrayMap(v -> toFloat64(v), mapValues(cost_details))))";
    let turns = format!(
        "SELECT t.id AS trace_id,
            if(isNotNull(t.session_id) AND t.session_id != '', t.session_id, t.id) AS conversation_id,
            {t_ts} AS asked,
            toUInt64(toUnixTimestamp64Milli(t.timestamp)) AS order_key,
            {t_in} OR o.g_input AS has_question,
            {t_out} OR o.g_output AS has_answer,
            if({t_in}, t.input, o.g_input_text) AS question_text,
            if({t_out}, t.output, o.g_output_text) AS answer_text,
            if(o.n > 0, asked + (o.last - o.first), NULL) AS answered,
            if(o.has_prompt, CAST(o.prompt AS Nullable(UInt64)), NULL) AS prompt,
            if(o.has_completion, CAST(o.completion AS Nullable(UInt64)), NULL) AS completion, o.cost AS cost, o.has_cost AS has_cost, o.model AS model
        FROM {traces} AS t
        LEFT JOIN (
            SELECT trace_id, count() AS n,
                min({start}) AS first,
                max(greatest({start}, ifNull({end}, {start}))) AS last,
                countIf(type = 'GENERATION' AND {o_in}) > 0 AS g_input,
                countIf(type = 'GENERATION' AND {o_out}) > 0 AS g_output,
                argMinIf(input, start_time, type = 'GENERATION' AND {o_in}) AS g_input_text,
                argMaxIf(output, start_time, type = 'GENERATION' AND {o_out}) AS g_output_text,
                sumIf({prompt}, type = 'GENERATION') AS prompt,
                sumIf({completion}, type = 'GENERATION') AS completion,
                countIf(type = 'GENERATION' AND arrayExists(k -> startsWith(k, 'input'), mapKeys(usage_details))) > 0
                    AS has_prompt,
                countIf(type = 'GENERATION' AND arrayExists(k -> startsWith(k, 'output'), mapKeys(usage_details))) > 0
                    AS has_completion,
                sumIf({cost}, type = 'GENERATION' AND length(cost_details) > 0) AS cost,
                countIf(type = 'GENERATION' AND length(cost_details) > 0) > 0 AS has_cost,
                argMaxIf(provided_model_name, start_time, type = 'GENERATION' AND isNotNull(provided_model_name)) AS model
            FROM {observations} GROUP BY trace_id
        ) AS o ON o.trace_id = t.id",
        t_ts = micros("t.timestamp"),
        t_in = said("t.input"),
        t_out = said("t.output"),
        o_in = said("input"),
        o_out = said("output"),
        start = micros("start_time"),
        end = micros("end_time"),
    );
    let conversation_line = format!(
        "(SELECT if(isNotNull(session_id) AND session_id != '', session_id, id) AS conversation_id,
            toUInt64(toUnixTimestamp64Milli(timestamp)) AS seq,
            CAST(NULL AS Nullable(Int64)) AS started_at, CAST(NULL AS Nullable(Int64)) AS ended_at,
            user_id AS customer_id, CAST(NULL AS Nullable(String)) AS country,
            CAST(NULL AS Nullable(String)) AS device_n, CAST(NULL AS Nullable(String)) AS source_n,
            CAST(NULL AS Nullable(String)) AS language_n,
            CAST(lowerUTF8(trimBoth(environment)) AS Nullable(String)) AS environment_n,
            CAST(NULL AS Nullable(String)) AS customer_ip_address, CAST(NULL AS Nullable(String)) AS device,
            CAST(NULL AS Nullable(String)) AS source, CAST(NULL AS Nullable(String)) AS language,
            CAST(NULL AS Nullable(String)) AS metadata
        FROM {traces})"
    );
    // A question, and an answer after it; an answer at an unknown time goes
    // a microsecond after the question, its time unknown (as the file
    // importer writes it), so that it gives no response time. Langfuse's
    // costs are in US dollars: none is in another currency.
    let message = format!(
        "(SELECT conversation_id, concat('i', trace_id, ':input') AS identity, toUInt64(0) AS seq,
            order_key * 4 AS first_seq,
            toUInt8(1) AS side, asked AS timestamp,
            CAST(NULL AS Nullable(UInt64)) AS prompt_tokens, CAST(NULL AS Nullable(UInt64)) AS completion_tokens,
            CAST(NULL AS Nullable(Float64)) AS cost, CAST(NULL AS Nullable(String)) AS model,
            CAST(NULL AS Nullable(Float64)) AS foreign_cost, CAST(NULL AS Nullable(String)) AS foreign_currency,
            toUInt8(0) AS time_unknown, '' AS text_key, '' AS phrases,
            CAST(question_text AS Nullable(String)) AS content,
            CAST(concat(trace_id, ':input') AS Nullable(String)) AS message_id, 'user' AS role
        FROM ({turns}) WHERE has_question
        UNION ALL
        SELECT conversation_id, concat('i', trace_id, ':output') AS identity, toUInt64(0) AS seq,
            order_key * 4 + 2 AS first_seq,
            toUInt8(2) AS side, ifNull(answered, asked + 1) AS timestamp,
            CAST(prompt AS Nullable(UInt64)), CAST(completion AS Nullable(UInt64)),
            if(has_cost, CAST(cost AS Nullable(Float64)), NULL), CAST(model AS Nullable(String)),
            CAST(NULL AS Nullable(Float64)), CAST(NULL AS Nullable(String)),
            toUInt8(isNull(answered)), '', '', CAST(answer_text AS Nullable(String)),
            CAST(concat(trace_id, ':output') AS Nullable(String)), 'agent'
        FROM ({turns}) WHERE has_answer)"
    );
    let named = names_a_tool("o.name");
    let stripped = format!("if({named}, {}, o.name)", tool_prefix_off("o.name"));
    let action = format!(
        "(SELECT if(isNotNull(t.session_id) AND t.session_id != '', t.session_id, t.id) AS conversation_id,
            concat('i', o.id) AS identity, toUInt64(toUnixTimestamp64Milli(o.start_time)) AS seq,
            CAST(o.id AS Nullable(String)) AS action_id,
            CAST(if(upper(o.level) = 'ERROR', 'error', 'ok') AS Nullable(String)) AS status,
            {stripped} AS name,
            {start} AS started_at,
            if(isNotNull(o.end_time), {end}, {start}) AS ended_at,
            if(isNotNull(o.end_time), CAST(({end} - {start}) / 1000 AS Nullable(Float64)), NULL) AS duration_ms,
            toUInt8(upper(o.level) = 'ERROR') AS error
        FROM {observations} AS o INNER JOIN {traces} AS t ON o.trace_id = t.id
        WHERE NOT (isNull(o.parent_observation_id) AND o.name = t.name)
            AND (o.type = 'TOOL' OR (o.type = 'SPAN' AND {named})))",
        start = micros("o.start_time"),
        end = micros("o.end_time"),
    );
    let words = list(FEEDBACK_WORDS);
    let reads_as_feedback = format!(
        "(match(replaceRegexpAll(lowerUTF8(s.name), '[^\\\\p{{L}}\\\\p{{N}}]', ''), 'feedback|thumb|satisf')
          OR hasAny(splitByRegexp('[^\\\\p{{L}}\\\\p{{N}}]+', lowerUTF8(s.name)), [{words}]))"
    );
    let words = |pairs: &[(&str, &str)]| {
        let (from, to): (Vec<&str>, Vec<&str>) = pairs.iter().copied().unzip();
        (list(&from), list(&to))
    };
    let ((rating_from, rating_to), (category_from, category_to)) = (words(RATING_WORDS), words(CATEGORIES));
    let category = format!(
        "if(transform(lowerUTF8(trimBoth(ifNull(s.string_value, ''))), [{rating_from}], [{rating_to}], '') != '',
            transform(lowerUTF8(trimBoth(ifNull(s.string_value, ''))), [{rating_from}], [{rating_to}], ''),
            transform(replaceRegexpAll(lowerUTF8(trimBoth(ifNull(s.string_value, ''))), '[ -]', '_'),
                [{category_from}], [{category_to}], ''))"
    );
    // A number on the 1–5 scale, 0–1 read as 1 + 4 × value.
    let scale = "if(s.value >= 0 AND s.value <= 1, 1 + 4 * s.value, s.value)";
    let rating = format!(
        "multiIf(upper(s.data_type) = 'CATEGORICAL', {category},
                 upper(s.data_type) = 'BOOLEAN', if(s.value >= 0.5, 'positive', 'negative'),
                 {scale} >= 4 AND {scale} <= 5, 'positive',
                 {scale} <= 2 AND {scale} >= 1, 'negative',
                 {scale} > 2 AND {scale} < 4, 'neutral', '')"
    );
    // A score's conversation: its session, else its trace's.
    let placed_in = "if(isNotNull(s.session_id) AND s.session_id != '', s.session_id,
                      if(isNotNull(t.session_id) AND t.session_id != '', t.session_id, t.id))";
    let feedback = format!(
        "(SELECT conversation_id, identity, seq, timestamp, rating, feedback_id, message_id, score, comment FROM (
            SELECT {placed_in} AS conversation_id,
                concat('i', s.id) AS identity, toUInt64(toUnixTimestamp64Milli(s.timestamp)) AS seq,
                CAST({ts} AS Nullable(Int64)) AS timestamp, {rating} AS rating,
                CAST(nullIf(s.id, '') AS Nullable(String)) AS feedback_id,
                CAST(if(isNotNull(s.trace_id) AND s.trace_id != '', concat(s.trace_id, ':output'), NULL)
                    AS Nullable(String)) AS message_id,
                CAST(if(upper(s.data_type) IN ('BOOLEAN', 'CATEGORICAL'), NULL, {scale}) AS Nullable(Float64)) AS score,
                s.comment AS comment,
                (isNotNull(s.session_id) AND s.session_id != '') OR t.id != '' AS placed
            FROM {scores} AS s LEFT JOIN {traces} AS t ON s.trace_id = t.id
            WHERE upper(s.source) != 'EVAL' AND upper(s.data_type) != 'CORRECTION' AND {reads_as_feedback}
        ) WHERE placed AND rating != '')",
        ts = micros("s.timestamp"),
    );
    // Evaluations and other scores that are not feedback: the importer
    // keeps them in their conversation's metadata (`docs/formats.md`).
    let evaluations = format!(
        "(SELECT conversation_id, trace_id, name, is_text, value, string_value FROM (
            SELECT {placed_in} AS conversation_id, ifNull(s.trace_id, '') AS trace_id, s.name AS name,
                upper(s.data_type) IN ('CATEGORICAL', 'TEXT') AND isNotNull(s.string_value) AS is_text,
                s.value AS value, ifNull(s.string_value, '') AS string_value, s.timestamp AS at,
                (isNotNull(s.session_id) AND s.session_id != '') OR t.id != '' AS placed
            FROM {scores} AS s LEFT JOIN {traces} AS t ON s.trace_id = t.id
            WHERE upper(s.data_type) != 'CORRECTION' AND (upper(s.source) = 'EVAL' OR NOT {reads_as_feedback})
        ) WHERE placed ORDER BY at, name)"
    );
    // The environment and release of each trace, for its conversation's metadata.
    let context = format!(
        "(SELECT if(isNotNull(session_id) AND session_id != '', session_id, id) AS conversation_id,
            trimBoth(environment) AS environment, trimBoth(ifNull(release, '')) AS release, timestamp AS at
        FROM {traces})"
    );
    Tables { records: Records { conversation_line, message, action, feedback }, evaluations, context }
}

/// A Langfuse database's records, and what the importer keeps in a
/// conversation's metadata: its traces' environment and release
/// (`context`), and the scores that are not feedback (`evaluations`).
pub struct Tables {
    pub records: Records,
    pub evaluations: String,
    pub context: String,
}

//! Langfuse: a trace's download (`{trace, observations}`, and the newer
//! `{observations, scores}`), the public API's bodies (a trace with its
//! observations and scores, or a page `{"data": [...], "meta": {...}}`), the
//! table exports of traces, observations, scores and sessions (CSV, JSON,
//! JSON Lines; field names as the worker's `database-read-stream/*-stream.ts`
//! write them, CSV cells written before Langfuse's early-2026 fix of
//! double-quoted JSON strings included), and a session's download.
//!
//! ```text
//! Langfuse                     Rapport
//! trace (+ its observations)   one turn (see `trace`): the user's message,
//!                              the agent's, with its generations' tokens and cost
//! sessionId (else trace id)    conversation;  userId → customer_id
//! TOOL observation, span that
//!   names a tool               action (level ERROR → error); other observations
//!                              are plumbing (see `trace::tool_name`)
//! score                        feedback, or an evaluation kept in metadata (see `scores`)
//! session                      conversation: createdAt, userIds[0], duration
//! ```
//!
//! Rows of the observations and scores table exports name only their trace,
//! so the trace must be imported with them (the same import, or a download
//! that nests them): the import reads trace files first.

mod scores;
pub(crate) use scores::FEEDBACK_WORDS;
mod trace;

pub use trace::NotedGenerations;

use super::build::{self, emit, field, field_of, number, reject, text, Rec};
use super::{Context, Importer, Reading};
use crate::import::detect::Head;
use crate::import::raw::Field;
use crate::import::read::End;
use crate::import::source::Source;
use crate::import::{Position, Sink, Stopped};
use crate::model::{format_rfc3339, parse_timestamp, Micros};
use serde_json::{Map, Value};
use std::collections::HashSet;
use trace::TraceParts;

pub struct Langfuse;

const TRACES: &str = "langfuse-traces";
const OBSERVATIONS: &str = "langfuse-observations";
const SCORES: &str = "langfuse-scores";
const SESSIONS: &str = "langfuse-sessions";
const TRACE: &str = "langfuse-trace";
const SESSION: &str = "langfuse-session";

/// Whether a file of `format` holds traces, which observations and scores
/// refer to by trace id only: such a file is read before the others.
pub fn holds_traces(format: &str) -> bool {
    matches!(format, TRACES | TRACE | SESSION)
}

/// What the import remembers of a trace it read, for the observations and
/// scores of table exports, which name only their trace.
#[derive(Debug, Clone)]
pub struct KnownTrace {
    pub conversation: String,
    /// Its tokens or cost were placed on its agent message.
    pub spent: bool,
}

/// How a file holds its items.
enum Layout {
    /// One item a CSV row, a line, or an element of a top-level array.
    Items,
    /// The API's page: the items are the list under `data`.
    Page,
    /// One document: a download, or one API body.
    Document,
}

/// The keys of one item of the file, and how it holds its items.
fn item_keys(head: &Head) -> Option<(Vec<String>, Layout)> {
    if let Some(csv) = &head.csv {
        return Some((csv.clone(), Layout::Items));
    }
    let json = head.json.as_ref()?;
    match (json.opens_with, json.lines) {
        (b'[', _) => Some((json.keys("[]").to_vec(), Layout::Items)),
        (_, true) => Some((json.keys("").to_vec(), Layout::Items)),
        _ if json.has_all("", &["data", "meta"]) => Some((json.keys("data[]").to_vec(), Layout::Page)),
        _ => Some((json.keys("").to_vec(), Layout::Document)),
    }
}

impl Importer for Langfuse {
    fn detect(&self, head: &Head) -> Option<&'static str> {
        let (keys, layout) = item_keys(head)?;
        let single = matches!(layout, Layout::Document);
        let has = |k: &str| keys.iter().any(|x| x == k);
        let any = |ks: &[&str]| ks.iter().any(|k| has(k));
        if single {
            let json = head.json.as_ref()?;
            // The UI's download: {trace, observations}; the newer one: {observations, scores}.
            if has("trace") && has("observations") && json.has("trace", "id") {
                return Some(TRACE);
            }
            if has("observations") && has("scores") && !has("id") && json.has("observations[]", "traceId") {
                return Some(TRACE);
            }
        }
        if has("type") && !has("traceId") {
            return None; // the native format's records all have a type
        }
        if single && has("id") && has("traces") {
            return Some(SESSION);
        }
        if has("traceId") && has("startTime") {
            return Some(OBSERVATIONS);
        }
        if any(&["traceId", "sessionId"]) && (has("dataType") || (has("stringValue") && has("value"))) {
            return Some(SCORES);
        }
        if any(&["userIds", "countTraces", "sessionDuration"]) {
            return Some(SESSIONS);
        }
        if has("id") && has("timestamp") && !has("traceId") {
            if single && any(&["observations", "scores", "projectId", "htmlPath"]) {
                return Some(TRACE);
            }
            if !single
                && any(&["sessionId", "userId", "latency", "observationCount", "bookmarked", "release", "htmlPath"])
            {
                return Some(TRACES);
            }
        }
        None
    }

    /// An observations export: its generations are noted by trace, so that
    /// the traces export read with it credits their tokens and cost to the
    /// trace's agent message (as a trace's download does).
    fn prepare(&self, format: &'static str, source: Source, head: &Head, ctx: &Context) {
        if format != OBSERVATIONS {
            return;
        }
        let note = |item: Map<String, Value>| {
            trace::note_generation(&item, ctx);
            Ok(())
        };
        // Errors are the read's to report; here a row that cannot be read adds nothing.
        let _ = if head.csv.is_some() {
            build::csv_objects(source, &mut |_, item| match item {
                Ok(item) => note(unquote_cells(item)),
                Err(_) => Ok(()),
            })
        } else {
            let under = matches!(item_keys(head), Some((_, Layout::Page))).then_some("data");
            build::json_items(source, head, under, &mut |_, item| match item {
                Ok(Value::Object(item)) => note(item),
                _ => Ok(()),
            })
            .map(|_| ())
        };
    }

    fn read(&self, file: Reading) -> Result<(), End> {
        let Reading { format, source, head, ctx, sink } = file;
        if format == TRACE || format == SESSION {
            let doc = build::json_document(source)?;
            let Value::Object(doc) = doc else { return Err(End::Refused("not a Langfuse trace or session".into())) };
            return if format == TRACE { trace_document(&doc, ctx, sink) } else { session_document(&doc, ctx, sink) }
                .map_err(End::from);
        }
        let each = |position: Position, item: Map<String, Value>, sink: &mut dyn Sink| match format {
            TRACES => trace_item(&item, position, ctx, sink),
            OBSERVATIONS => observation_row(&item, position, ctx, sink),
            SCORES => scores::score(&item, None, position, ctx, sink),
            _ => session(&item, position, ctx, sink),
        };
        if head.csv.is_some() {
            return build::csv_objects(source, &mut |position, item| match item {
                Ok(item) => each(position, unquote_cells(item), sink),
                Err(reason) => reject(sink, position, reason),
            });
        }
        let under = matches!(item_keys(head), Some((_, Layout::Page))).then_some("data");
        build::json_items(source, head, under, &mut |position, item| match item {
            Ok(Value::Object(item)) => each(position, item, sink),
            Ok(_) => reject(sink, position, "not a JSON object".into()),
            Err(reason) => reject(sink, position, reason),
        })
        .map(|_| ())
    }
}

/// CSV cells that Langfuse wrote, before its early-2026 fix, as JSON strings
/// inside the cell (`"""2026-01-14T13:15:38.089Z"""` in the file, so
/// `"2026-01-14T13:15:38.089Z"` with its quotes once the CSV is read): the
/// text inside.
fn unquote_cells(mut row: Map<String, Value>) -> Map<String, Value> {
    for cell in row.values_mut() {
        if let Value::String(s) = cell {
            let t = s.trim();
            if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
                if let Ok(inner) = serde_json::from_str::<Value>(t) {
                    *cell = build::cell_value(inner.as_str().unwrap_or(t));
                }
            }
        }
    }
    row
}

fn instant(v: Option<&Value>, ctx: &Context) -> Result<Option<Micros>, String> {
    let Some(v) = v else { return Ok(None) };
    match build::time(v, ctx)? {
        crate::import::raw::Loose::Str(s) => {
            parse_timestamp(&s).map(Some).map_err(|e| format!("{} {e}", crate::import::normalize::quote(&s)))
        }
        _ => match number(Some(v)) {
            Some(n) => crate::model::parse_timestamp_number(n).map(Some).map_err(|e| format!("{n} {e}")),
            None => Err(format!("{v} is not a date and time")),
        },
    }
}

/// The conversation a trace went into, from this trace's own document or an
/// earlier trace file of the import.
fn conversation_of(trace_id: &str, known: Option<&str>, ctx: &Context) -> Option<String> {
    known.map(str::to_owned).or_else(|| Some(ctx.langfuse_traces.lock().ok()?.get(trace_id)?.conversation.clone()))
}

fn objects<'v>(list: Option<&'v Value>, name: &'static str) -> Vec<(Position, &'v Map<String, Value>)> {
    let items = list.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    items.iter().enumerate().filter_map(|(j, v)| Some((Position::Of(name, j as u64 + 1), v.as_object()?))).collect()
}

/// A trace of a table export or of an API list: a row with its own totals,
/// or a body with its observations and scores (objects, not only their ids).
fn trace_item(t: &Map<String, Value>, at: Position, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    let nested = |name: &str| {
        let list = field(t, name).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        list.iter().filter_map(Value::as_object).map(|o| (at, o)).collect::<Vec<_>>()
    };
    let parts = TraceParts { at, trace: Some(t), observations: nested("observations"), scores: nested("scores") };
    trace::read(&parts, None, ctx, sink)
}

/// A row of the observations table export: a tool call, or plumbing; its
/// generations' tokens and cost are already its trace's (its own totals, or
/// the generations noted before the files were read).
fn observation_row(o: &Map<String, Value>, at: Position, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    let id = text(o, "id").unwrap_or_default();
    let what = format!("observation {id}");
    let Some(trace_id) = text(o, "traceId") else { return reject(sink, at, format!("{what}: missing traceId")) };
    let known = ctx.langfuse_traces.lock().ok().and_then(|t| t.get(&trace_id).cloned());
    let is_generation = text(o, "type").is_some_and(|k| k.eq_ignore_ascii_case("GENERATION"));
    let root = text(o, "parentObservationId").is_none()
        && text(o, "name").is_some()
        && text(o, "name") == text(o, "traceName");
    let tool = if is_generation || root { None } else { trace::tool_name(o, &HashSet::new()) };
    let spends = is_generation
        && ["usageDetails", "costDetails", "totalCost", "inputUsage"].iter().any(|k| {
            field(o, k).is_some_and(|v| {
                number(Some(v)).is_some_and(|n| n > 0.0) || v.as_object().is_some_and(|m| !m.is_empty())
            })
        });
    match (known, tool) {
        (Some(known), Some(name)) => trace::action(o, &name, &known.conversation, at, ctx, sink),
        (None, Some(_)) => reject(sink, at, format!("{what}: its trace {trace_id} is not among the traces imported with it, so its conversation is unknown (import the traces export together with the observations)")),
        (Some(known), None) if spends && !known.spent => reject(sink, at, format!("{what}: the tokens and cost of this generation cannot be added to its trace's agent message, which the traces export wrote without them (import the trace's download, which holds both, or this export in the same import as the traces)")),
        (None, None) if spends => reject(sink, at, format!("{what}: its trace {trace_id} is not among the traces imported with it, so its tokens and cost have no agent message to go with")),
        _ => Ok(()),
    }
}

/// A session row: the conversation's start, end (start + sessionDuration
/// seconds) and user. Its token and cost totals cannot be placed on messages:
/// they come from the traces.
fn session(s: &Map<String, Value>, at: Position, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    let Some(id) = text(s, "id") else { return reject(sink, at, "the session has no id".into()) };
    let what = format!("session {id}");
    let user = match field_of(s, &["userIds", "users"]) {
        Some(Value::Array(users)) => users.iter().find_map(|u| match u {
            Value::String(s) => Some(s.clone()),
            other => other.get("id").and_then(Value::as_str).map(str::to_owned),
        }),
        Some(Value::String(one)) => Some(one.clone()),
        _ => None,
    };
    let start = match instant(field(s, "createdAt"), ctx) {
        Ok(start) => start,
        Err(e) => return reject(sink, at, format!("{what}: createdAt {e}")),
    };
    let end = match (start, number(field(s, "sessionDuration"))) {
        (Some(start), Some(seconds)) if seconds >= 0.0 => {
            Some(Micros(start.0.saturating_add((seconds * 1e6).round() as i64)))
        }
        _ => None,
    };
    let mut metadata = Map::new();
    if let Some(env) = text(s, "environment") {
        metadata.insert("environment".into(), Value::String(env));
    }
    let rec = Rec::new("conversation")
        .text(Field::ConversationId, id)
        .opt_text(Field::CustomerId, user)
        .opt_text(Field::StartedAt, start.map(format_rfc3339))
        .opt_text(Field::EndedAt, end.map(format_rfc3339))
        .metadata(metadata);
    emit(sink, at, &what, rec)
}

/// A trace's download or API body: `{trace, observations}` (the trace may
/// hold the same observations, without their input and output), the newer
/// `{observations, scores}` (each observation names its trace), or the
/// trace object itself with `observations` and `scores`.
fn trace_document(doc: &Map<String, Value>, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    let at = Position::Of("trace", 1);
    if let Some(t) = field(doc, "trace").and_then(Value::as_object) {
        let mut observations = objects(field(doc, "observations"), "observation");
        if observations.is_empty() {
            observations = objects(field(t, "observations"), "trace observation");
        }
        let mut scores = objects(field(t, "scores"), "trace score");
        scores.extend(objects(field(doc, "scores"), "score"));
        return trace::read(&TraceParts { at, trace: Some(t), observations, scores }, None, ctx, sink);
    }
    if field(doc, "id").is_some() {
        let parts = TraceParts {
            at,
            trace: Some(doc),
            observations: objects(field(doc, "observations"), "observation"),
            scores: objects(field(doc, "scores"), "score"),
        };
        return trace::read(&parts, None, ctx, sink);
    }
    // No trace object: its observations name it; a download holds one, but any number is read.
    let observations = objects(field(doc, "observations"), "observation");
    let scores = objects(field(doc, "scores"), "score");
    let mut ids: Vec<String> = Vec::new();
    for (_, o) in &observations {
        match text(o, "traceId") {
            Some(id) if !ids.contains(&id) => ids.push(id),
            _ => {}
        }
    }
    for (at, o) in observations.iter().filter(|(_, o)| text(o, "traceId").is_none()) {
        reject(sink, *at, format!("observation {}: missing traceId", text(o, "id").unwrap_or_default()))?;
    }
    for (k, id) in ids.iter().enumerate() {
        let parts = TraceParts {
            at: Position::Of("trace", k as u64 + 1),
            trace: None,
            observations: of_trace(&observations, id),
            scores: of_trace(&scores, id),
        };
        trace::read(&parts, None, ctx, sink)?;
    }
    for (at, s) in scores.iter().filter(|(_, s)| !text(s, "traceId").is_some_and(|t| ids.contains(&t))) {
        scores::score(s, None, *at, ctx, sink)?;
    }
    Ok(())
}

fn of_trace<'v>(list: &[(Position, &'v Map<String, Value>)], id: &str) -> Vec<(Position, &'v Map<String, Value>)> {
    list.iter().filter(|(_, o)| text(o, "traceId").as_deref() == Some(id)).cloned().collect()
}

/// A session's download: the session, its traces (each a turn) and scores.
fn session_document(doc: &Map<String, Value>, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    session(doc, Position::Of("session", 1), ctx, sink)?;
    let Some(id) = text(doc, "id") else { return Ok(()) };
    let traces = field(doc, "traces").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    for (j, t) in traces.iter().enumerate() {
        let at = Position::Of("trace", j as u64 + 1);
        match t.as_object() {
            Some(t) => {
                let scores = field(t, "scores").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                let scores = scores
                    .iter()
                    .enumerate()
                    .filter_map(|(k, s)| {
                        Some((Position::Within("trace", j as u64 + 1, "score", k as u64 + 1), s.as_object()?))
                    })
                    .collect();
                let nested = objects(field(t, "observations"), "observation");
                let parts = TraceParts { at, trace: Some(t), observations: nested, scores };
                trace::read(&parts, Some(&id), ctx, sink)?;
            }
            None => reject(sink, at, "not a JSON object".into())?,
        }
    }
    for (at, o) in objects(field(doc, "observations"), "observation") {
        if let (Some(trace_id), Some(name)) = (text(o, "traceId"), trace::tool_name(o, &HashSet::new())) {
            let conversation = conversation_of(&trace_id, Some(&id), ctx).unwrap_or_else(|| id.clone());
            trace::action(o, &name, &conversation, at, ctx, sink)?;
        }
    }
    for (at, s) in objects(field(doc, "scores"), "score") {
        scores::score(s, Some(&id), at, ctx, sink)?;
    }
    Ok(())
}

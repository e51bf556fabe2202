//! Langfuse: the table exports of traces, observations, scores and sessions
//! (CSV, JSON, JSON Lines; field names as the worker's
//! `database-read-stream/*-stream.ts` write them) and a trace's or a
//! session's "Download JSON".
//!
//! ```text
//! Langfuse                     Rapport
//! trace                        one turn: input → user message at timestamp,
//!                              output → agent message at timestamp + latency
//!                              (with the trace's tokens and cost)
//! sessionId (else trace id)    conversation;  userId → customer_id
//! observation SPAN / TOOL      action (level ERROR → error); other types reported
//! score                        feedback on the trace's agent message
//! session                      conversation: createdAt, userIds[0], duration
//! ```
//!
//! Observations and table-export scores name only their trace, so the trace
//! must be imported with them (the same import, or a Download JSON that
//! nests them): the import reads trace files first.

use super::build::{self, emit, field, field_of, message_text, number, reject, text, Rec};
use super::{Context, Head, Importer};
use crate::import::raw::Field;
use crate::import::readers::End;
use crate::import::source::Source;
use crate::import::{Position, Sink, Stopped};
use crate::model::{format_rfc3339, parse_timestamp, Micros};
use serde_json::{Map, Value};

pub struct Langfuse;

const TRACES: &str = "langfuse-traces";
const OBSERVATIONS: &str = "langfuse-observations";
const SCORES: &str = "langfuse-scores";
const SESSIONS: &str = "langfuse-sessions";
const TRACE: &str = "langfuse-trace";
const SESSION: &str = "langfuse-session";

/// The keys of one exported item: a CSV header, a JSON Lines line, an element
/// of a JSON array, or a single document.
fn item_keys(head: &Head) -> Option<(Vec<String>, bool)> {
    if let Some(csv) = &head.csv {
        return Some((csv.clone(), false));
    }
    let json = head.json.as_ref()?;
    match (json.opens_with, json.lines) {
        (b'[', _) => Some((json.keys("[]").to_vec(), false)),
        (_, true) => Some((json.keys("").to_vec(), false)),
        _ => Some((json.keys("").to_vec(), true)),
    }
}

impl Importer for Langfuse {
    fn detect(&self, head: &Head) -> Option<&'static str> {
        let (keys, single) = item_keys(head)?;
        let has = |k: &str| keys.iter().any(|x| x == k);
        let any = |ks: &[&str]| ks.iter().any(|k| has(k));
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
            if !single && any(&["sessionId", "userId", "latency", "observationCount", "bookmarked", "release"]) {
                return Some(TRACES);
            }
        }
        None
    }

    fn read(
        &self,
        format: &'static str,
        source: Source,
        head: &Head,
        ctx: &Context,
        sink: &mut dyn Sink,
    ) -> Result<(), End> {
        if format == TRACE || format == SESSION {
            let doc = build::json_document(source)?;
            let Value::Object(doc) = doc else { return Err(End::Refused("not a Langfuse trace or session".into())) };
            return if format == TRACE { trace_document(&doc, ctx, sink) } else { session_document(&doc, ctx, sink) }
                .map_err(End::from);
        }
        let each = |position: Position, item: Map<String, Value>, sink: &mut dyn Sink| match format {
            TRACES => trace(&item, None, position, ctx, sink),
            OBSERVATIONS => observation(&item, None, position, ctx, sink),
            SCORES => score(&item, None, position, ctx, sink),
            _ => session(&item, position, ctx, sink),
        };
        if head.csv.is_some() {
            return build::csv_objects(source, &mut |position, item| match item {
                Ok(item) => each(position, item, sink),
                Err(reason) => reject(sink, position, reason),
            });
        }
        build::json_items(source, head, None, &mut |position, item| match item {
            Ok(Value::Object(item)) => each(position, item, sink),
            Ok(_) => reject(sink, position, "not a JSON object".into()),
            Err(reason) => reject(sink, position, reason),
        })
        .map(|_| ())
    }
}

fn instant(v: Option<&Value>, ctx: &Context) -> Result<Option<Micros>, String> {
    let Some(v) = v else { return Ok(None) };
    match build::time(v, ctx)? {
        crate::import::raw::Loose::Str(s) => parse_timestamp(&s).map(Some).map_err(|e| format!("{s:?} {e}")),
        _ => match number(Some(v)) {
            Some(n) => crate::model::parse_timestamp_number(n).map(Some).map_err(|e| format!("{n} {e}")),
            None => Err(format!("{v} is not a date and time")),
        },
    }
}

/// A trace: one turn of the conversation its session (or, with none, the
/// trace itself) is.
fn trace(
    t: &Map<String, Value>,
    session: Option<&str>,
    at: Position,
    ctx: &Context,
    sink: &mut dyn Sink,
) -> Result<(), Stopped> {
    let Some(id) = text(t, "id") else { return reject(sink, at, "the trace has no id".into()) };
    let what = format!("trace {id}");
    let conversation = session.map(str::to_owned).or_else(|| text(t, "sessionId")).unwrap_or_else(|| id.clone());
    if let Ok(mut traces) = ctx.langfuse_traces.lock() {
        traces.insert(id.clone(), conversation.clone());
    }
    let mut metadata = Map::new();
    for key in ["environment", "release"] {
        if let Some(v) = text(t, key) {
            metadata.insert(key.to_owned(), Value::String(v));
        }
    }
    // A trace that cannot be placed in time adds nothing, not even its conversation.
    let start = match instant(field(t, "timestamp"), ctx) {
        Ok(Some(start)) => start,
        Ok(None) => return reject(sink, at, format!("{what}: missing timestamp")),
        Err(e) => return reject(sink, at, format!("{what}: timestamp {e}")),
    };
    let conv = Rec::new("conversation")
        .text(Field::ConversationId, conversation.clone())
        .opt_text(Field::CustomerId, text(t, "userId"));
    emit(sink, at, &what, conv.metadata(metadata))?;
    if let Some(input) = field(t, "input").and_then(message_text) {
        let rec = Rec::new("message")
            .text(Field::ConversationId, conversation.clone())
            .text(Field::MessageId, format!("{id}:input"))
            .text(Field::Role, "user")
            .micros(Field::Timestamp, Some(start))
            .text(Field::Content, input);
        emit(sink, at, &format!("{what} input"), rec)?;
    }
    let usage = field(t, "usage").and_then(Value::as_object);
    let tokens = |names: &[&str], usage_names: &[&str]| {
        field_of(t, names).or_else(|| usage.and_then(|u| field_of(u, usage_names))).cloned()
    };
    let prompt = tokens(&["inputTokens", "promptTokens"], &["promptTokens", "input", "inputTokens"]);
    let completion = tokens(&["outputTokens", "completionTokens"], &["completionTokens", "output", "outputTokens"]);
    let cost = field_of(t, &["totalCost", "calculatedTotalCost"]).cloned();
    match field(t, "output").and_then(message_text) {
        Some(output) => {
            let latency = number(field(t, "latency")).filter(|l| l.is_finite() && *l >= 0.0).unwrap_or(0.0);
            let answered = Micros(start.0 + (latency * 1e6).round() as i64);
            let rec = Rec::new("message")
                .text(Field::ConversationId, conversation)
                .text(Field::MessageId, format!("{id}:output"))
                .text(Field::Role, "agent")
                .micros(Field::Timestamp, Some(answered))
                .text(Field::Content, output)
                .value(Field::PromptTokens, prompt.as_ref())
                .value(Field::CompletionTokens, completion.as_ref())
                .value(Field::Cost, cost.as_ref());
            emit(sink, at, &format!("{what} output"), rec)?;
        }
        None => {
            let spent = [&prompt, &completion, &cost].iter().any(|v| number(v.as_ref()).is_some_and(|n| n > 0.0));
            if spent {
                reject(
                    sink,
                    at,
                    format!("{what} has no output, so its tokens and cost have no agent message to go with"),
                )?;
            }
        }
    }
    Ok(())
}

/// The conversation a trace went into, from this trace's own document or an
/// earlier trace file of the import.
fn conversation_of(trace_id: &str, known: Option<&str>, ctx: &Context) -> Option<String> {
    known.map(str::to_owned).or_else(|| ctx.langfuse_traces.lock().ok()?.get(trace_id).cloned())
}

/// SPAN and TOOL observations with a name are tool calls; the others
/// (GENERATION, EVENT, AGENT, ...) are reported: their tokens and cost are
/// already their trace's.
fn observation(
    o: &Map<String, Value>,
    known: Option<&str>,
    at: Position,
    ctx: &Context,
    sink: &mut dyn Sink,
) -> Result<(), Stopped> {
    let id = text(o, "id").unwrap_or_default();
    let kind = text(o, "type").unwrap_or_default().to_uppercase();
    let what = format!("observation {id}");
    if kind != "SPAN" && kind != "TOOL" {
        let kind = if kind.is_empty() { "typeless".to_owned() } else { kind };
        return reject(sink, at, format!("{what}: a {kind} observation is no tool call (only SPAN and TOOL are; tokens and cost come from the trace)"));
    }
    let Some(trace_id) = text(o, "traceId") else { return reject(sink, at, format!("{what}: missing traceId")) };
    let Some(conversation) = conversation_of(&trace_id, known, ctx) else {
        return reject(sink, at, format!("{what}: its trace {trace_id} is not among the traces imported with it, so its conversation is unknown (import the traces export together with the observations)"));
    };
    let error = text(o, "level").is_some_and(|l| l.eq_ignore_ascii_case("error"));
    let rec = Rec::new("action")
        .text(Field::ConversationId, conversation)
        .opt_text(Field::ActionId, (!id.is_empty()).then(|| id.clone()))
        .opt_text(Field::Name, text(o, "name"))
        .text(Field::Status, if error { "error" } else { "ok" });
    let rec = rec
        .time(Field::StartedAt, field(o, "startTime"), ctx)
        .and_then(|r| r.time(Field::EndedAt, field(o, "endTime"), ctx));
    match rec {
        Ok(rec) => emit(sink, at, &what, rec),
        Err(reason) => reject(sink, at, format!("{what}: {reason}")),
    }
}

/// Category names that read as a rating, beyond FORMAT.md's aliases.
fn category_rating(text: &str) -> Option<&'static str> {
    if let Some(r) = crate::model::Rating::parse(text) {
        return Some(r.as_str());
    }
    match text.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
        "good" | "yes" | "true" | "correct" | "helpful" | "thumbsup" | "great" => Some("positive"),
        "bad" | "no" | "false" | "incorrect" | "unhelpful" | "not_helpful" | "thumbsdown" | "wrong" => Some("negative"),
        "ok" | "okay" | "mixed" | "partially_correct" => Some("neutral"),
        _ => None,
    }
}

/// A score is feedback: BOOLEAN 1/0 is positive/negative; NUMERIC from 0 to
/// 1 is read as 1 + 4·value on the 1–5 scale (1 → 5 positive, 0.5 → 3
/// neutral, 0 → 1 negative) and above 1 up to 5 as that score; CATEGORICAL
/// by its words (good/bad, yes/no, like/dislike, ...).
fn score(
    s: &Map<String, Value>,
    known: Option<&str>,
    at: Position,
    ctx: &Context,
    sink: &mut dyn Sink,
) -> Result<(), Stopped> {
    let id = text(s, "id").unwrap_or_default();
    let name = text(s, "name").unwrap_or_default();
    let what = format!("score {id} ({name})");
    let trace_id = text(s, "traceId");
    let conversation = match (text(s, "sessionId"), &trace_id) {
        (Some(session), _) => Some(session),
        (None, Some(trace_id)) => conversation_of(trace_id, known, ctx),
        (None, None) => known.map(str::to_owned),
    };
    let Some(conversation) = conversation else {
        return reject(sink, at, format!("{what}: its trace {} is not among the traces imported with it, so its conversation is unknown (import the traces export together with the scores)", trace_id.unwrap_or_default()));
    };
    let data_type = text(s, "dataType").unwrap_or_default().to_uppercase();
    let value = number(field(s, "value"));
    let string_value = text(s, "stringValue");
    let mut rec = Rec::new("feedback")
        .text(Field::ConversationId, conversation)
        .opt_text(Field::FeedbackId, (!id.is_empty()).then(|| id.clone()))
        .opt_text(Field::MessageId, trace_id.map(|t| format!("{t}:output")))
        .value(Field::Comment, field(s, "comment"));
    match (data_type.as_str(), value, string_value.as_deref()) {
        ("CATEGORICAL", _, Some(category)) | ("", None, Some(category)) => match category_rating(category) {
            Some(rating) => rec = rec.text(Field::Rating, rating),
            None => {
                return reject(sink, at, format!("{what}: category {category:?} reads as no rating (positive/negative/neutral, like/dislike, good/bad, yes/no, correct/incorrect)"))
            }
        },
        ("BOOLEAN", Some(v), _) => rec = rec.text(Field::Rating, if v >= 0.5 { "positive" } else { "negative" }),
        ("BOOLEAN", None, Some(b)) => match category_rating(b) {
            Some(rating) => rec = rec.text(Field::Rating, rating),
            None => return reject(sink, at, format!("{what}: boolean {b:?} is neither true nor false")),
        },
        (_, Some(v), _) if (0.0..=1.0).contains(&v) => rec = rec.number(Field::Score, Some(1.0 + 4.0 * v)),
        (_, Some(v), _) => rec = rec.number(Field::Score, Some(v)),
        _ => return reject(sink, at, format!("{what}: no value")),
    }
    match rec.time(Field::Timestamp, field(s, "timestamp"), ctx) {
        Ok(rec) => emit(sink, at, &what, rec),
        Err(reason) => reject(sink, at, format!("{what}: {reason}")),
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
        (Some(start), Some(seconds)) if seconds >= 0.0 => Some(Micros(start.0 + (seconds * 1e6).round() as i64)),
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

fn list<'v>(doc: &'v Map<String, Value>, key: &str) -> &'v [Value] {
    field(doc, key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// A trace's "Download JSON": the trace with its observations and scores.
fn trace_document(doc: &Map<String, Value>, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    let conversation = text(doc, "sessionId").or_else(|| text(doc, "id"));
    trace(doc, conversation.as_deref(), Position::Of("trace", 1), ctx, sink)?;
    nested(doc, conversation.as_deref(), ctx, sink)
}

fn nested(
    doc: &Map<String, Value>,
    conversation: Option<&str>,
    ctx: &Context,
    sink: &mut dyn Sink,
) -> Result<(), Stopped> {
    for (j, o) in list(doc, "observations").iter().enumerate() {
        let at = Position::Of("observation", j as u64 + 1);
        match o.as_object() {
            Some(o) => observation(o, conversation, at, ctx, sink)?,
            None => reject(sink, at, "not a JSON object".into())?,
        }
    }
    for (j, s) in list(doc, "scores").iter().enumerate() {
        let at = Position::Of("score", j as u64 + 1);
        match s.as_object() {
            Some(s) => score(s, conversation, at, ctx, sink)?,
            None => reject(sink, at, "not a JSON object".into())?,
        }
    }
    Ok(())
}

/// A session's "Download JSON": the session, its traces (each a turn) and scores.
fn session_document(doc: &Map<String, Value>, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    session(doc, Position::Of("session", 1), ctx, sink)?;
    let Some(id) = text(doc, "id") else { return Ok(()) };
    for (j, t) in list(doc, "traces").iter().enumerate() {
        let at = Position::Of("trace", j as u64 + 1);
        match t.as_object() {
            Some(t) => {
                trace(t, Some(&id), at, ctx, sink)?;
                let trace_id = text(t, "id");
                for (k, s) in list(t, "scores").iter().enumerate() {
                    let at = Position::Within("trace", j as u64 + 1, "score", k as u64 + 1);
                    if let (Some(s), Some(_)) = (s.as_object(), &trace_id) {
                        score(s, Some(&id), at, ctx, sink)?;
                    }
                }
            }
            None => reject(sink, at, "not a JSON object".into())?,
        }
    }
    nested(doc, Some(&id), ctx, sink)
}

//! AgentSight: the SDK's export files (`AGENTSIGHT_FILE_EXPORTER`, one JSON
//! file per export batch) and the history import file, version 1.
//!
//! SDK files carry OpenTelemetry spans grouped by conversation. What they
//! become (attribute names from the SDK's `sdk/semconv.py`):
//!
//! ```text
//! span kind      record
//! conversation   the conversation (conversation_opened gives its start: alone, a visit)
//! turn           its agentsight.message events, if agentsight.turn.complete
//! tool, task     an action (agentsight.tool.name; status "error" fails it)
//! llm            tokens and model of the last agent message of its turn
//! other          reported: no record holds button clicks or attachments
//! ```

use super::build::{emit, field, number, reject, text, Rec};
use super::{Context, Importer, Reading};
use crate::import::detect::Head;
use crate::import::raw::Field;
use crate::import::read::End;
use crate::import::{Position, Sink, Stopped};
use crate::model::{parse_timestamp, Micros};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

pub struct AgentSight;

pub const SDK: &str = "agentsight-sdk";
pub const HISTORY: &str = "agentsight-history-v1";

impl Importer for AgentSight {
    fn detect(&self, head: &Head) -> Option<&'static str> {
        let json = head.json.as_ref()?;
        if json.opens_with != b'{' || json.lines || !json.has("", "conversations") {
            return None;
        }
        if json.has("", "sdk") || json.has("conversations[]", "spans") {
            Some(SDK)
        } else if json.has("", "schema_version") || json.has("conversations[]", "messages") {
            Some(HISTORY)
        } else {
            None
        }
    }

    fn read(&self, file: Reading) -> Result<(), End> {
        let Reading { format, source, head, ctx, sink } = file;
        if format == HISTORY {
            if let Some(version) = head.json.as_ref().and_then(|j| j.scalar("schema_version")) {
                check_version(version)?;
            }
        }
        let rest = super::build::json_items(source, head, Some("conversations"), &mut |position, item| {
            let Position::Item(index) = position else { return reject(sink, position, "not a conversation".into()) };
            let at = Position::Of("conversation", index);
            match item {
                Ok(Value::Object(block)) if format == SDK => sdk_conversation(&block, index, ctx, sink),
                Ok(Value::Object(block)) => history_conversation(&block, index, ctx, sink),
                Ok(_) => reject(sink, at, "the conversation is not a JSON object".into()),
                Err(reason) => reject(sink, at, reason),
            }
        })?;
        if format == HISTORY {
            match rest.get("schema_version") {
                Some(v) => check_version(&v.to_string())?,
                None => return Err(End::Refused("an AgentSight history file needs \"schema_version\": 1".into())),
            }
        }
        Ok(())
    }
}

fn check_version(version: &str) -> Result<(), End> {
    if version.trim() == "1" {
        Ok(())
    } else {
        Err(End::Refused(format!(
            "AgentSight history file of schema_version {version}: Rapport reads version 1 (skills/agentsight-migration/contract/import_v1.schema.json)"
        )))
    }
}

/// The context fields a conversation block carries, and `name` and
/// `environment` kept in its metadata (environment to tell development
/// traffic from production).
fn conversation_record(block: &Map<String, Value>, id: &str, ctx: &Context) -> Result<Rec, String> {
    let mut metadata = match field(block, "metadata") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    for key in ["name", "environment"] {
        if let Some(v) = field(block, key) {
            metadata.insert(key.to_owned(), v.clone());
        }
    }
    Rec::new("conversation")
        .text(Field::ConversationId, id)
        .value(Field::CustomerId, field(block, "customer_id"))
        .value(Field::CustomerIpAddress, field(block, "customer_ip_address"))
        .value(Field::Device, field(block, "device"))
        .value(Field::Source, field(block, "source"))
        .value(Field::Language, field(block, "language"))
        .metadata(metadata)
        .time(Field::StartedAt, field(block, "started_at"), ctx)
}

const MESSAGE_EVENT: &str = "agentsight.message";

/// An agent message waiting for the tokens of its turn's LLM calls.
struct Pending {
    position: Position,
    turn: String,
    timestamp: Micros,
    rec: Rec,
}

#[derive(Default)]
struct Usage {
    spans: Vec<(Position, String)>,
    prompt: u64,
    completion: u64,
    /// The model of the latest call.
    model: Option<(String, String)>,
}

fn attr<'v>(span: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    span.get("attributes").and_then(|a| a.get(name)).filter(|v| !v.is_null())
}

fn attr_text(span: &Map<String, Value>, name: &str) -> Option<String> {
    attr(span, name).and_then(|v| v.as_str()).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn sdk_conversation(block: &Map<String, Value>, index: u64, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    let at = Position::Of("conversation", index);
    let Some(id) = text(block, "conversation_id") else {
        return reject(sink, at, "the conversation has no conversation_id: none of its spans can be placed".into());
    };
    let spans: Vec<&Map<String, Value>> = match field(block, "spans") {
        Some(Value::Array(spans)) => spans.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    };
    // conversation_opened marks when the widget opened, before anyone spoke,
    // and is all there is of a visit. The conversation starts at its earliest
    // span of any kind, which may be a turn begun a few milliseconds before
    // that mark was taken. A batch without the mark gives no start, so a
    // later batch of the same conversation never moves it.
    let has_mark = spans.iter().any(|s| {
        text(s, "kind").as_deref() == Some("conversation") && text(s, "name").as_deref() == Some("conversation_opened")
    });
    let opened = spans
        .iter()
        .filter(|_| has_mark)
        .filter_map(|s| field(s, "started_at"))
        .filter_map(|v| v.as_str().and_then(|t| parse_timestamp(t).ok()).map(|at| (at, v)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, v)| v);
    match conversation_record(block, &id, ctx) {
        Ok(rec) => emit(sink, at, "conversation", rec.value(Field::StartedAt, opened))?,
        Err(reason) => reject(sink, at, format!("conversation {id}: {reason}"))?,
    }

    let mut seen = HashSet::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut usage: HashMap<String, Usage> = HashMap::new();
    let mut complete_turns = HashSet::new();
    for (j, span) in spans.iter().enumerate() {
        let position = Position::Within("conversation", index, "span", j as u64 + 1);
        let span_id = text(span, "span_id").unwrap_or_default();
        // A span exported twice (a retried batch) counts once.
        if !span_id.is_empty() && !seen.insert(span_id.clone()) {
            continue;
        }
        let kind = text(span, "kind").or_else(|| attr_text(span, "agentsight.span.kind")).unwrap_or_default();
        match kind.as_str() {
            "conversation" => {}
            "turn" => {
                let turn = attr_text(span, "agentsight.turn.id").unwrap_or_else(|| span_id.clone());
                if attr(span, "agentsight.turn.complete") != Some(&Value::Bool(true)) {
                    let why =
                        attr_text(span, "agentsight.turn.incomplete_reason").unwrap_or_else(|| "not complete".into());
                    let messages = events(span).filter(|(_, e)| is_message(e)).count();
                    reject(
                        sink,
                        position,
                        format!("turn {span_id} is incomplete ({why}): AgentSight leaves it out of the transcript, and so does Rapport ({messages} message(s))"),
                    )?;
                    continue;
                }
                complete_turns.insert(turn.clone());
                for (k, event) in events(span).filter(|(_, e)| is_message(e)) {
                    let what = format!("turn {span_id} message {}", k + 1);
                    let sender = event.get("attributes").and_then(|a| a.get("agentsight.message.sender"));
                    let role = match sender.and_then(Value::as_str).map(str::trim) {
                        Some("end_user") => Some(Value::String("user".into())),
                        other => other.map(|s| Value::String(s.to_owned())),
                    };
                    let rec = Rec::new("message")
                        .text(Field::ConversationId, id.clone())
                        .text(Field::MessageId, format!("{span_id}:{k}"))
                        .value(Field::Role, role.as_ref())
                        .value(
                            Field::Content,
                            event.get("attributes").and_then(|a| a.get("agentsight.message.content")),
                        );
                    let rec = match rec.time(Field::Timestamp, event.get("timestamp"), ctx) {
                        Ok(rec) => rec,
                        Err(reason) => {
                            reject(sink, position, format!("{what}: {reason}"))?;
                            continue;
                        }
                    };
                    let timestamp =
                        event.get("timestamp").and_then(Value::as_str).and_then(|t| parse_timestamp(t).ok());
                    match (role.as_ref().and_then(Value::as_str), timestamp) {
                        (Some("agent"), Some(timestamp)) => {
                            pending.push(Pending { position, turn: turn.clone(), timestamp, rec })
                        }
                        _ => emit(sink, position, &what, rec)?,
                    }
                }
            }
            "tool" | "task" => {
                let name = attr_text(span, "agentsight.tool.name")
                    .or_else(|| attr_text(span, "agentsight.entity.name"))
                    .or_else(|| text(span, "name"));
                let rec = Rec::new("action")
                    .text(Field::ConversationId, id.clone())
                    .opt_text(Field::ActionId, (!span_id.is_empty()).then(|| span_id.clone()))
                    .opt_text(Field::Name, name)
                    .value(Field::DurationMs, field(span, "duration_ms"))
                    .value(Field::Status, field(span, "status"));
                match rec.time(Field::StartedAt, field(span, "started_at"), ctx) {
                    Ok(rec) => emit(sink, position, &format!("{kind} span {span_id}"), rec)?,
                    Err(reason) => reject(sink, position, format!("{kind} span {span_id}: {reason}"))?,
                }
            }
            "llm" => {
                let Some(turn) = attr_text(span, "agentsight.turn.id") else {
                    reject(
                        sink,
                        position,
                        format!("llm span {span_id} belongs to no turn: its tokens have no message to go with"),
                    )?;
                    continue;
                };
                let count = |name: &str| {
                    number(attr(span, name)).filter(|n| *n >= 0.0 && n.fract() == 0.0).map_or(0, |n| n as u64)
                };
                let u = usage.entry(turn).or_default();
                u.spans.push((position, span_id.clone()));
                // Saturating: a sum past the token limit is rejected as out of range, never wrapped.
                u.prompt = u
                    .prompt
                    .saturating_add(count("gen_ai.usage.input_tokens"))
                    .saturating_add(count("agentsight.llm.cache_read_tokens"))
                    .saturating_add(count("agentsight.llm.cache_write_tokens"));
                u.completion = u.completion.saturating_add(count("gen_ai.usage.output_tokens"));
                if let Some(model) = attr_text(span, "gen_ai.request.model") {
                    let started = text(span, "started_at").unwrap_or_default();
                    if u.model.as_ref().is_none_or(|(at, _)| *at <= started) {
                        u.model = Some((started, model));
                    }
                }
            }
            other => {
                let kind = if other.is_empty() { "kindless" } else { other };
                reject(sink, position, format!("a {kind} span has no place among Rapport's records (it keeps messages, tool calls, tokens and feedback)"))?
            }
        }
    }

    // Each turn's LLM tokens go to its last agent message (ties: the later in the file).
    let mut last_of_turn: HashMap<String, usize> = HashMap::new();
    for (i, p) in pending.iter().enumerate() {
        let entry = last_of_turn.entry(p.turn.clone()).or_insert(i);
        if pending[*entry].timestamp <= p.timestamp {
            *entry = i;
        }
    }
    let credited: HashMap<usize, &Usage> =
        usage.iter().filter_map(|(turn, u)| last_of_turn.get(turn).map(|&i| (i, u))).collect();
    for (i, p) in pending.into_iter().enumerate() {
        let rec = match credited.get(&i) {
            Some(u) => p
                .rec
                .count(Field::PromptTokens, Some(u.prompt))
                .count(Field::CompletionTokens, Some(u.completion))
                .opt_text(Field::Model, u.model.as_ref().map(|(_, m)| m.clone())),
            None => p.rec,
        };
        emit(sink, p.position, "agent message", rec)?;
    }
    for (turn, u) in &usage {
        if last_of_turn.contains_key(turn) {
            continue;
        }
        let why = if complete_turns.contains(turn) { "has no agent message" } else { "is not here or not complete" };
        for (position, span_id) in &u.spans {
            reject(sink, *position, format!("llm span {span_id}: its turn {turn} {why}, so its tokens are left out"))?;
        }
    }
    Ok(())
}

fn events(span: &Map<String, Value>) -> impl Iterator<Item = (usize, &Value)> {
    span.get("events").and_then(Value::as_array).into_iter().flatten().enumerate()
}

fn is_message(event: &Value) -> bool {
    event.get("name").and_then(Value::as_str) == Some(MESSAGE_EVENT)
}

/// A history conversation: its context and messages. Senders are the
/// contract's eight (case-insensitive); `system` and `tool`, which the
/// contract refuses, are kept as neither side, as FORMAT.md keeps them.
fn history_conversation(
    block: &Map<String, Value>,
    index: u64,
    ctx: &Context,
    sink: &mut dyn Sink,
) -> Result<(), Stopped> {
    let at = Position::Of("conversation", index);
    let Some(id) = text(block, "conversation_id") else {
        return reject(sink, at, "the conversation has no conversation_id".into());
    };
    match conversation_record(block, &id, ctx) {
        Ok(rec) => emit(sink, at, &format!("conversation {id}"), rec)?,
        Err(reason) => reject(sink, at, format!("conversation {id}: {reason}"))?,
    }
    let messages = match field(block, "messages") {
        Some(Value::Array(m)) => m.as_slice(),
        Some(_) => return reject(sink, at, format!("conversation {id}: messages is not a list")),
        None => &[],
    };
    for (j, message) in messages.iter().enumerate() {
        let position = Position::Within("conversation", index, "message", j as u64 + 1);
        let Some(message) = message.as_object() else {
            reject(sink, position, "the message is not a JSON object".into())?;
            continue;
        };
        let role = match field(message, "sender").and_then(Value::as_str).map(|s| s.trim().to_lowercase()) {
            Some(s) if s == "end_user" => Some(Value::String("user".into())),
            Some(s) => Some(Value::String(s)),
            None => None,
        };
        let model = field(message, "metadata").and_then(|m| m.get("model")).filter(|m| m.is_string());
        let rec = Rec::new("message")
            .text(Field::ConversationId, id.clone())
            .value(Field::Role, role.as_ref())
            .value(Field::Content, field(message, "content"))
            .value(Field::Model, model);
        let what = format!("conversation {id} message {}", j + 1);
        if role.is_none() {
            reject(sink, position, format!("{what}: missing sender"))?;
            continue;
        }
        match rec.time(Field::Timestamp, field(message, "timestamp"), ctx) {
            Ok(rec) => emit(sink, position, &what, rec)?,
            Err(reason) => reject(sink, position, format!("{what}: {reason}"))?,
        }
    }
    Ok(())
}

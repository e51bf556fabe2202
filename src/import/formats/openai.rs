//! OpenAI-style chat logs: JSON Lines with a `messages` list a line (the
//! fine-tuning, eval and chat-completions logging format), optionally with
//! `id`, `created`, `user`, `metadata`, `usage` and `model`. Each line is a
//! conversation:
//!
//! ```text
//! id (else "<file> line N")   conversation_id      user      customer_id
//! created                     every message's time (unless a message has its own)
//! messages[k]                 message k+1: user / assistant → agent / system,
//!                             developer, tool, function → neither side
//! assistant tool_calls        actions (function.name), at their message's time
//! usage, model                tokens and model of the last assistant message
//! ```

use super::build::{self, emit, field, field_of, message_text, reject, text, Rec};
use super::{Context, Importer, Reading};
use crate::import::detect::Head;
use crate::import::raw::Field;
use crate::import::read::End;
use crate::import::{Position, Sink, Stopped};
use serde_json::{Map, Value};

pub struct OpenAi;

const CHAT: &str = "openai-chat";

/// Why a file of chats none of which has a time is refused: it is a training
/// or eval set (OpenAI's fine-tuning format), not a log of conversations.
const NO_TIMES: &str = "none of its chats has a time, so this is a fine-tuning or eval file, not a log: Rapport needs \
     when each conversation happened, as a `created` time (Unix seconds or RFC 3339) on each line or a `timestamp` \
     on each message";

/// Whether a chat line, or any of its messages, says when it happened.
fn has_time(chat: &Map<String, Value>) -> bool {
    let timed = |m: &Map<String, Value>| field_of(m, &["created", "created_at", "timestamp"]).is_some();
    timed(chat)
        || field(chat, "messages")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().filter_map(Value::as_object).any(timed))
}

impl Importer for OpenAi {
    fn detect(&self, head: &Head) -> Option<&'static str> {
        let json = head.json.as_ref()?;
        let path = if json.opens_with == b'[' { "[]" } else { "" };
        let line = if path.is_empty() { "messages[]".to_owned() } else { "[].messages[]".to_owned() };
        (json.has(path, "messages") && !json.has(path, "type") && json.has(&line, "role")).then_some(CHAT)
    }

    fn read(&self, file: Reading) -> Result<(), End> {
        let Reading { source, head, ctx, sink, .. } = file;
        let file = head.name.clone();
        let (mut chats, mut timed) = (0u64, 0u64);
        build::json_items(source, head, None, &mut |position, item| match item {
            Ok(Value::Object(chat)) => {
                chats += 1;
                timed += u64::from(has_time(&chat));
                conversation(&chat, &file, position, ctx, sink)
            }
            Ok(_) => reject(sink, position, "not a JSON object".into()),
            Err(reason) => reject(sink, position, reason),
        })?;
        if chats > 0 && timed == 0 {
            return Err(End::Refused(NO_TIMES.into()));
        }
        Ok(())
    }
}

fn describe(position: Position) -> String {
    match position {
        Position::Line(n) => format!("line {n}"),
        Position::Item(n) => format!("item {n}"),
        Position::Row(n) => format!("row {n}"),
        Position::Of(what, n) => format!("{what} {n}"),
        Position::Within(what, n, part, k) => format!("{what} {n} {part} {k}"),
    }
}

/// Roles of other chat APIs, as FORMAT.md's.
fn role(text: &str) -> String {
    match text.trim().to_lowercase().as_str() {
        "developer" => "system".into(),
        "function" => "tool".into(),
        other => other.to_owned(),
    }
}

fn conversation(
    chat: &Map<String, Value>,
    file: &str,
    at: Position,
    ctx: &Context,
    sink: &mut dyn Sink,
) -> Result<(), Stopped> {
    // Without an id, the line's place names it: re-importing the file changes nothing.
    let id = text(chat, "id").unwrap_or_else(|| format!("{file} {}", describe(at)));
    let what = format!("chat {id}");
    let messages = match field(chat, "messages") {
        Some(Value::Array(m)) => m,
        _ => return reject(sink, at, format!("{what}: messages is not a list")),
    };
    let created = field_of(chat, &["created", "created_at", "timestamp"]);
    let timed =
        |m: &Value| ["timestamp", "created_at", "created"].iter().any(|k| m.get(k).is_some_and(|v| !v.is_null()));
    if created.is_none() && !messages.iter().any(timed) {
        return reject(sink, at, format!("{what}: no time (neither the line's `created` nor any message's `timestamp`), so none of its messages can be placed"));
    }
    let mut metadata = match field(chat, "metadata") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    if let Some(model) = text(chat, "model") {
        metadata.entry("model").or_insert(Value::String(model));
    }
    emit(
        sink,
        at,
        &what,
        Rec::new("conversation")
            .text(Field::ConversationId, id.clone())
            .opt_text(Field::CustomerId, text(chat, "user"))
            .metadata(metadata),
    )?;

    let last_assistant = messages.iter().rposition(|m| {
        m.get("role").and_then(Value::as_str).is_some_and(|r| r.eq_ignore_ascii_case("assistant"))
            && m.get("content").and_then(message_text).is_some_and(|c| !c.is_empty())
    });
    let usage = field(chat, "usage").and_then(Value::as_object);
    for (k, m) in messages.iter().enumerate() {
        let what = format!("{what} message {}", k + 1);
        let Some(m) = m.as_object() else {
            reject(sink, at, format!("{what}: not a JSON object"))?;
            continue;
        };
        let when = field_of(m, &["timestamp", "created_at", "created"]).or(created);
        if when.is_none() {
            reject(sink, at, format!("{what}: no time (neither the line's `created` nor the message's `timestamp`)"))?;
            continue;
        }
        let role = text(m, "role").map(|r| role(&r));
        let content = field(m, "content").and_then(message_text).filter(|c| !c.is_empty());
        // An assistant turn that only calls tools said nothing to the person: its calls are actions.
        let calls = field(m, "tool_calls").and_then(Value::as_array);
        for (j, call) in calls.into_iter().flatten().enumerate() {
            let name = call.get("function").and_then(|f| f.get("name")).or_else(|| call.get("name"));
            let action_id =
                call.get("id").and_then(Value::as_str).map_or_else(|| format!("{}:{}", k + 1, j + 1), str::to_owned);
            let rec = Rec::new("action")
                .text(Field::ConversationId, id.clone())
                .text(Field::ActionId, action_id)
                .value(Field::Name, name);
            match rec.time(Field::StartedAt, when, ctx) {
                Ok(rec) => emit(sink, at, &format!("{what} tool call {}", j + 1), rec)?,
                Err(reason) => reject(sink, at, format!("{what}: {reason}"))?,
            }
        }
        if content.is_none() && calls.is_some_and(|c| !c.is_empty()) {
            continue;
        }
        let mut rec = Rec::new("message")
            .text(Field::ConversationId, id.clone())
            .text(Field::MessageId, (k + 1).to_string())
            .opt_text(Field::Role, role)
            .opt_text(Field::Content, content);
        if Some(k) == last_assistant {
            rec = rec
                .value(Field::Model, field(m, "model").or_else(|| field(chat, "model")))
                .value(Field::PromptTokens, usage.and_then(|u| field_of(u, &["prompt_tokens", "input_tokens"])))
                .value(
                    Field::CompletionTokens,
                    usage.and_then(|u| field_of(u, &["completion_tokens", "output_tokens"])),
                )
                .value(Field::Cost, usage.and_then(|u| field(u, "cost")));
        }
        match rec.time(Field::Timestamp, when, ctx) {
            Ok(rec) => emit(sink, at, &what, rec)?,
            Err(reason) => reject(sink, at, format!("{what}: {reason}"))?,
        }
    }
    Ok(())
}

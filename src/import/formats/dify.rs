//! Dify: conversation messages (the service API's `GET /v1/messages` and the
//! console's chat messages, saved as JSON), conversation lists (the console's,
//! and the service API's `GET /v1/conversations`), and workflow runs (the logs
//! API, and log exports as CSV with a byte order mark and naive timestamps, or
//! JSON Lines whose first line is `export_info`).
//!
//! One Dify message is a question and its answer, so it becomes two:
//!
//! ```text
//! id, conversation_id, created_at ──► user message  {id}:query   at created_at
//!                                 └─► agent message {id}:answer  at created_at
//!                                     + provider_response_latency, or the
//!                                     last agent thought's time when later;
//!                                     else 1 µs later, its time unknown
//! metadata.usage                  ──► the answer's tokens; total_price its cost
//!                                     in USD, another currency kept as given
//! feedback.rating, feedbacks[]    ──► feedback on {id}:answer
//! agent_thoughts[].tool "a;b"     ──► actions a and b at the thought's time
//! ```

use super::build::{self, emit, field, field_of, message_text, number, reject, text, Rec};
use super::{Context, Importer, Reading};
use crate::import::detect::Head;
use crate::import::raw::Field;
use crate::import::read::End;
use crate::import::{Position, Sink, Stopped};
use crate::model::{format_rfc3339, parse_timestamp, parse_timestamp_number, ForeignCost, Micros};
use serde_json::{Map, Value};

pub struct Dify;

const MESSAGES: &str = "dify-messages";
const CONVERSATIONS: &str = "dify-conversations";
const WORKFLOW_RUNS: &str = "dify-workflow-runs";

impl Importer for Dify {
    fn detect(&self, head: &Head) -> Option<&'static str> {
        if let Some(csv) = &head.csv {
            let has = |k: &str| csv.iter().any(|h| h == k);
            let run = (has("workflow_run_id") || has("workflow_id")) && (has("elapsed_time") || has("total_tokens"));
            return run.then_some(WORKFLOW_RUNS);
        }
        let json = head.json.as_ref()?;
        let path = match (json.opens_with, json.lines) {
            (b'[', _) => "[]",
            (_, true) => "",
            _ if json.has("", "data") => "data[]",
            _ => return None,
        };
        if json.lines && json.has("", "export_info") {
            return Some(WORKFLOW_RUNS);
        }
        if json.has("", "type") {
            return None; // a native record
        }
        if json.has_all(path, &["conversation_id", "query", "answer"]) {
            Some(MESSAGES)
        } else if json.has(path, "from_end_user_id")
            || json.has_all(path, &["message_count", "from_source"])
            || json.has_all(path, &["id", "name", "inputs", "introduction", "created_at"])
        {
            // The console's list, or the service API's GET /v1/conversations.
            Some(CONVERSATIONS)
        } else if json.has(path, "workflow_run") || json.has_all(path, &["workflow_id", "elapsed_time"]) {
            Some(WORKFLOW_RUNS)
        } else {
            None
        }
    }

    fn read(&self, file: Reading) -> Result<(), End> {
        let Reading { format, source, head, ctx, sink } = file;
        let each = |position: Position, item: Map<String, Value>, sink: &mut dyn Sink| match format {
            MESSAGES => message(&item, position, ctx, sink),
            CONVERSATIONS => conversation(&item, position, ctx, sink),
            _ => workflow_run(&item, position, ctx, sink),
        };
        if head.csv.is_some() {
            return build::csv_objects(source, &mut |position, item| match item {
                Ok(item) => each(position, item, sink),
                Err(reason) => reject(sink, position, reason),
            });
        }
        build::json_items(source, head, Some("data"), &mut |position, item| match item {
            // The first line of a JSON Lines export says what was exported; it is no record.
            Ok(Value::Object(item)) if item.contains_key("export_info") => Ok(()),
            Ok(Value::Object(item)) => each(position, item, sink),
            Ok(_) => reject(sink, position, "not a JSON object".into()),
            Err(reason) => reject(sink, position, reason),
        })
        .map(|_| ())
    }
}

/// Dify gives times as Unix seconds (API) or naive text in UTC (exports).
fn instant(v: Option<&Value>, ctx: &Context) -> Result<Option<Micros>, String> {
    let Some(v) = v else { return Ok(None) };
    if let Some(n) = v.as_f64() {
        return parse_timestamp_number(n).map(Some).map_err(|e| format!("{n} {e}"));
    }
    match build::time(v, ctx)? {
        crate::import::raw::Loose::Str(s) => {
            parse_timestamp(&s).map(Some).map_err(|e| format!("{} {e}", crate::import::normalize::quote(&s)))
        }
        _ => Err(format!("{v} is not a date and time")),
    }
}

/// A price as Dify gives it: `total_price` with its `currency` (USD unless
/// said otherwise). Dollars are the message's cost; a price in another
/// currency is kept with its currency on the message, and the dashboard
/// converts it with a rate set in the settings, or says it left it out.
struct Price {
    amount: Option<f64>,
    currency: String,
}

impl Price {
    fn of(m: &Map<String, Value>, usage: Option<&Map<String, Value>>) -> Price {
        let amount = number(usage.and_then(|u| field(u, "total_price")).or_else(|| field(m, "total_price")));
        let currency = usage
            .and_then(|u| text(u, "currency"))
            .or_else(|| text(m, "currency"))
            .map_or_else(|| "USD".into(), |c| crate::metrics::ExchangeRate::code(&c));
        Price { amount: amount.filter(|a| a.is_finite() && *a >= 0.0), currency }
    }

    fn is_dollars(&self) -> bool {
        matches!(self.currency.as_str(), "USD" | "US$" | "$")
    }

    fn dollars(&self) -> Option<f64> {
        self.amount.filter(|_| self.is_dollars())
    }

    fn foreign(&self) -> Option<ForeignCost> {
        let amount = self.amount.filter(|_| !self.is_dollars())?;
        Some(ForeignCost { amount, currency: self.currency.clone() })
    }
}

fn later(at: Micros, seconds: Option<f64>) -> Option<Micros> {
    seconds.filter(|s| s.is_finite() && *s > 0.0).map(|s| Micros(at.0.saturating_add((s * 1e6).round() as i64)))
}

fn message(m: &Map<String, Value>, at: Position, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    let Some(id) = text(m, "id") else { return reject(sink, at, "the message has no id".into()) };
    let what = format!("message {id}");
    let Some(conversation) = text(m, "conversation_id") else {
        return reject(sink, at, format!("{what}: missing conversation_id"));
    };
    let created = match instant(field(m, "created_at"), ctx) {
        Ok(Some(t)) => t,
        Ok(None) => return reject(sink, at, format!("{what}: missing created_at")),
        Err(e) => return reject(sink, at, format!("{what}: created_at {e}")),
    };
    if let Some(user) = text(m, "from_end_user_id") {
        emit(
            sink,
            at,
            &what,
            Rec::new("conversation").text(Field::ConversationId, conversation.clone()).text(Field::CustomerId, user),
        )?;
    }
    if let Some(query) = field(m, "query").and_then(message_text).filter(|q| !q.is_empty()) {
        let rec = Rec::new("message")
            .text(Field::ConversationId, conversation.clone())
            .text(Field::MessageId, format!("{id}:query"))
            .text(Field::Role, "user")
            .micros(Field::Timestamp, Some(created))
            .text(Field::Content, query);
        emit(sink, at, &format!("{what} query"), rec)?;
    }
    let thoughts: Vec<&Map<String, Value>> = field(m, "agent_thoughts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    let usage = field(m, "metadata").and_then(|md| md.get("usage")).and_then(Value::as_object);
    let latency =
        number(field(m, "provider_response_latency")).or_else(|| number(usage.and_then(|u| field(u, "latency"))));
    let mut answered = later(created, latency).unwrap_or(created);
    if latency.is_none() {
        for t in &thoughts {
            if let Ok(Some(t)) = instant(field(t, "created_at"), ctx) {
                answered = answered.max(t);
            }
        }
    }
    // One time for question and answer: when the answer came is unknown. It
    // is placed a microsecond after the question and gives no response time.
    let time_unknown = answered <= created;
    if time_unknown {
        answered = Micros(created.0.saturating_add(1));
    }
    if let Some(answer) = field(m, "answer").and_then(message_text).filter(|a| !a.is_empty()) {
        // The model's usage (metadata.usage) counts every call of the answer;
        // message_tokens and answer_tokens count only the question's and answer's own text.
        let pick = |nested: &str, top: &str| usage.and_then(|u| field(u, nested)).or_else(|| field(m, top)).cloned();
        let price = Price::of(m, usage);
        let rec = Rec::new("message")
            .text(Field::ConversationId, conversation.clone())
            .text(Field::MessageId, format!("{id}:answer"))
            .text(Field::Role, "agent")
            .micros(Field::Timestamp, Some(answered))
            .text(Field::Content, answer)
            .value(Field::PromptTokens, pick("prompt_tokens", "message_tokens").as_ref())
            .value(Field::CompletionTokens, pick("completion_tokens", "answer_tokens").as_ref())
            .number(Field::Cost, price.dollars())
            .foreign_cost(price.foreign())
            .time_unknown(time_unknown);
        emit(sink, at, &format!("{what} answer"), rec)?;
    }
    if let Some(feedback) = field(m, "feedback").and_then(Value::as_object) {
        let rec = Rec::new("feedback")
            .text(Field::ConversationId, conversation.clone())
            .text(Field::FeedbackId, format!("{id}:feedback"))
            .text(Field::MessageId, format!("{id}:answer"))
            .value(Field::Rating, field(feedback, "rating"))
            .value(Field::Comment, field(feedback, "content"));
        emit(sink, at, &format!("{what} feedback"), rec)?;
    }
    // The console lists the end user's rating and the operators' (from_source admin).
    let feedbacks = field(m, "feedbacks").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    for feedback in feedbacks.iter().filter_map(Value::as_object) {
        let from = text(feedback, "from_source").unwrap_or_else(|| "user".into());
        let feedback_id = if from == "user" { format!("{id}:feedback") } else { format!("{id}:feedback:{from}") };
        let rec = Rec::new("feedback")
            .text(Field::ConversationId, conversation.clone())
            .text(Field::FeedbackId, feedback_id)
            .text(Field::MessageId, format!("{id}:answer"))
            .value(Field::Rating, field(feedback, "rating"))
            .value(Field::Comment, field(feedback, "content"));
        emit(sink, at, &format!("{what} feedback from {from}"), rec)?;
    }
    for (k, thought) in thoughts.iter().enumerate() {
        let Some(tools) = text(thought, "tool") else { continue };
        let thought_id = text(thought, "id").unwrap_or_else(|| format!("{id}:{k}"));
        let started = match instant(field(thought, "created_at"), ctx) {
            Ok(t) => t.unwrap_or(created),
            Err(e) => {
                reject(sink, at, format!("{what} agent thought {}: created_at {e}", k + 1))?;
                continue;
            }
        };
        for tool in tools.split(';').map(str::trim).filter(|t| !t.is_empty()) {
            let rec = Rec::new("action")
                .text(Field::ConversationId, conversation.clone())
                .text(Field::ActionId, format!("{thought_id}:{tool}"))
                .text(Field::Name, tool)
                .micros(Field::StartedAt, Some(started));
            emit(sink, at, &format!("{what} tool {tool}"), rec)?;
        }
    }
    Ok(())
}

/// A conversation of the console's list: its start, end user and channel.
fn conversation(c: &Map<String, Value>, at: Position, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    let Some(id) = text(c, "id") else { return reject(sink, at, "the conversation has no id".into()) };
    let what = format!("conversation {id}");
    let started = match instant(field(c, "created_at"), ctx) {
        Ok(t) => t,
        Err(e) => return reject(sink, at, format!("{what}: created_at {e}")),
    };
    let mut metadata = Map::new();
    for key in ["name", "message_count", "from_end_user_session_id", "status"] {
        if let Some(v) = field(c, key) {
            metadata.insert(key.to_owned(), v.clone());
        }
    }
    let rec = Rec::new("conversation")
        .text(Field::ConversationId, id)
        .opt_text(Field::StartedAt, started.map(format_rfc3339))
        .value(Field::CustomerId, field(c, "from_end_user_id"))
        .value(Field::Source, field(c, "from_source"))
        .metadata(metadata);
    emit(sink, at, &what, rec)
}

/// A workflow run: a conversation (its chat's, or its own) with the run's
/// inputs as the user's message and, when it succeeded, its outputs as the
/// agent's, at its end (`finished_at`, else start + `elapsed_time` seconds).
/// Dify counts one token total per run: it is read as completion tokens.
fn workflow_run(r: &Map<String, Value>, at: Position, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    // The service API's log items nest the run.
    let mut run = r.clone();
    if let Some(Value::Object(inner)) = r.get("workflow_run") {
        for (k, v) in inner {
            run.entry(k.clone()).or_insert_with(|| v.clone());
        }
        run.insert("id".into(), inner.get("id").cloned().unwrap_or(Value::Null));
    }
    let Some(id) = text(&run, "workflow_run_id").or_else(|| text(&run, "id")) else {
        return reject(sink, at, "the workflow run has no id".into());
    };
    let what = format!("workflow run {id}");
    let conversation = text(&run, "conversation_id").unwrap_or_else(|| id.clone());
    let started = match instant(field(&run, "created_at"), ctx) {
        Ok(Some(t)) => t,
        Ok(None) => return reject(sink, at, format!("{what}: missing created_at")),
        Err(e) => return reject(sink, at, format!("{what}: created_at {e}")),
    };
    let end_user = r.get("created_by_end_user").and_then(Value::as_object);
    let customer = end_user
        .and_then(|u| text(u, "session_id").or_else(|| text(u, "id")))
        .or_else(|| text(&run, "from_end_user_id"))
        .or_else(|| match text(&run, "created_by_role").as_deref() {
            Some("end_user") => text(&run, "created_by"),
            _ => None,
        });
    let mut metadata = Map::new();
    for key in ["workflow_id", "version", "status", "error", "triggered_from"] {
        if let Some(v) = field(&run, key) {
            metadata.insert(key.to_owned(), v.clone());
        }
    }
    let finished = match instant(field(&run, "finished_at"), ctx) {
        Ok(t) => t,
        Err(e) => return reject(sink, at, format!("{what}: finished_at {e}")),
    };
    let ended = finished.or_else(|| later(started, number(field(&run, "elapsed_time"))));
    // The run's own times, so that a run with no text to show (the logs API
    // gives none) is still a conversation of its day.
    let conv = Rec::new("conversation")
        .text(Field::ConversationId, conversation.clone())
        .micros(Field::StartedAt, Some(started))
        .micros(Field::EndedAt, ended)
        .opt_text(Field::CustomerId, customer)
        .opt_text(Field::Source, text(&run, "created_from"))
        .metadata(metadata);
    emit(sink, at, &what, conv)?;
    let inputs = field(&run, "inputs");
    let query =
        inputs.and_then(|i| i.get("sys.query")).and_then(message_text).or_else(|| inputs.and_then(message_text));
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        let rec = Rec::new("message")
            .text(Field::ConversationId, conversation.clone())
            .text(Field::MessageId, format!("{id}:inputs"))
            .text(Field::Role, "user")
            .micros(Field::Timestamp, Some(started))
            .text(Field::Content, query);
        emit(sink, at, &format!("{what} inputs"), rec)?;
    }
    let succeeded = text(&run, "status").is_none_or(|s| s.eq_ignore_ascii_case("succeeded"));
    let outputs = field(&run, "outputs").and_then(message_text).filter(|o| !o.is_empty() && o != "{}");
    let tokens = field_of(&run, &["total_tokens"]);
    // A run that succeeded answered, at its end, even when the export leaves its outputs out.
    if succeeded && (outputs.is_some() || tokens.is_some()) {
        let rec = Rec::new("message")
            .text(Field::ConversationId, conversation)
            .text(Field::MessageId, format!("{id}:outputs"))
            .text(Field::Role, "agent")
            .micros(Field::Timestamp, Some(ended.unwrap_or(started)))
            .opt_text(Field::Content, outputs)
            .value(Field::CompletionTokens, tokens);
        emit(sink, at, &format!("{what} outputs"), rec)?;
    }
    Ok(())
}

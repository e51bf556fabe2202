//! One Langfuse trace with what came with it (its observations and scores):
//! one turn of its conversation, the tokens and cost of its generations, and
//! the tool calls among its observations.
//!
//! ```text
//! trace.input,  else the root observation's, else the first generation's
//!     → user message {trace}:input at the trace's timestamp
//! trace.output, else the root observation's, else the last generation's
//!     → agent message {trace}:output at timestamp + latency (else the root's
//!       end, else the last generation's end) with the generations' tokens,
//!       cost and model
//! TOOL observations, spans that name a tool     → actions
//! tool calls in generations' outputs            → actions, unless an
//!                                                 observation already is that call
//! ```
//!
//! When nothing tells when the agent answered, its message is written a
//! microsecond after the question, marked as having no time of its own
//! (`Message::time_unknown`): it follows its question in the transcript and
//! gives no response time, rather than 0 ms.

use super::super::build::{emit, field, field_of, number, reject, text, Rec};
use super::super::chat;
use super::super::Context;
use super::{instant, scores, KnownTrace};
use crate::import::raw::Field;
use crate::import::{Position, Sink, Stopped};
use crate::model::Micros;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// An item of the file and where it was.
pub type Part<'a> = (Position, &'a Map<String, Value>);

/// A trace as a download or an API body gives it; `trace` is `None` in the
/// newer download, which holds only observations (each naming its trace).
pub struct TraceParts<'a> {
    pub at: Position,
    pub trace: Option<&'a Map<String, Value>>,
    pub observations: Vec<Part<'a>>,
    pub scores: Vec<Part<'a>>,
}

/// Token and cost totals of generations.
#[derive(Debug, Default, Clone, Copy)]
struct Spent {
    prompt: Option<u64>,
    completion: Option<u64>,
    cost: Option<f64>,
}

impl Spent {
    fn any(&self) -> bool {
        self.prompt.is_some_and(|n| n > 0)
            || self.completion.is_some_and(|n| n > 0)
            || self.cost.is_some_and(|c| c > 0.0)
    }

    fn add(&mut self, other: Spent) {
        let sum = |a: Option<u64>, b: Option<u64>| {
            if a.is_none() && b.is_none() {
                None
            } else {
                Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0)))
            }
        };
        self.prompt = sum(self.prompt, other.prompt);
        self.completion = sum(self.completion, other.completion);
        self.cost = match (self.cost, other.cost) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
    }
}

fn count(v: Option<&Value>) -> Option<u64> {
    number(v).filter(|n| n.is_finite() && *n >= 0.0).map(|n| n.round() as u64)
}

/// What one generation spent: `usageDetails` (every `input*` key is prompt,
/// every `output*` key completion, as Langfuse splits them) and
/// `costDetails.total`, else the flat fields older versions write.
fn spent(o: &Map<String, Value>) -> Spent {
    let details =
        |name: &str| field(o, name).map(|v| chat::decode(v).into_owned()).and_then(|v| v.as_object().cloned());
    let mut out = Spent::default();
    if let Some(usage) = details("usageDetails").filter(|u| !u.is_empty()) {
        let sum = |prefix: &str| {
            let parts: Vec<u64> =
                usage.iter().filter(|(k, _)| k.starts_with(prefix)).filter_map(|(_, v)| count(Some(v))).collect();
            // Saturating: a sum past the token limit is rejected as out of range, never wrapped.
            (!parts.is_empty()).then(|| parts.iter().fold(0u64, |a, b| a.saturating_add(*b)))
        };
        out.prompt = sum("input");
        out.completion = sum("output");
    } else {
        let usage = field(o, "usage").and_then(Value::as_object);
        out.prompt = count(
            field_of(o, &["inputUsage", "promptTokens"])
                .or_else(|| usage.and_then(|u| field_of(u, &["input", "promptTokens"]))),
        );
        out.completion = count(
            field_of(o, &["outputUsage", "completionTokens"])
                .or_else(|| usage.and_then(|u| field_of(u, &["output", "completionTokens"]))),
        );
    }
    out.cost = match details("costDetails").filter(|c| !c.is_empty()) {
        Some(cost) => match number(cost.get("total")) {
            Some(total) => Some(total),
            None => Some(cost.values().filter_map(|v| number(Some(v))).sum()),
        },
        None => number(field_of(o, &["calculatedTotalCost", "totalCost"])),
    };
    out.cost = out.cost.filter(|c| c.is_finite() && *c >= 0.0);
    out
}

/// What a trace row or object says it spent, when no generations came with it.
fn trace_spent(t: &Map<String, Value>) -> Spent {
    let usage = field(t, "usage").and_then(Value::as_object);
    let tokens = |names: &[&str], usage_names: &[&str]| {
        count(field_of(t, names).or_else(|| usage.and_then(|u| field_of(u, usage_names))))
    };
    Spent {
        prompt: tokens(&["inputTokens", "promptTokens"], &["promptTokens", "input", "inputTokens"]),
        completion: tokens(&["outputTokens", "completionTokens"], &["completionTokens", "output", "outputTokens"]),
        cost: number(field_of(t, &["totalCost", "calculatedTotalCost"])).filter(|c| c.is_finite() && *c >= 0.0),
    }
}

/// The generations an observations export holds, by trace, noted before
/// the import reads any file (each once, by its id: the last row wins).
#[derive(Debug, Default, Clone)]
pub struct NotedGenerations(Vec<NotedGeneration>);

#[derive(Debug, Clone)]
struct NotedGeneration {
    id: String,
    spent: Spent,
    model: Option<String>,
    start: Option<Micros>,
    end: Option<Micros>,
}

/// Notes a row of an observations export when it is a generation.
pub fn note_generation(o: &Map<String, Value>, ctx: &Context) {
    let (Some(trace_id), Some(id)) = (text(o, "traceId"), text(o, "id")) else { return };
    if kind(o) != "GENERATION" {
        return;
    }
    let noted = NotedGeneration {
        id,
        spent: spent(o),
        model: text(o, "model").or_else(|| text(o, "providedModelName")),
        start: start_of(o, ctx),
        end: end_of(o, ctx),
    };
    if let Ok(mut all) = ctx.langfuse_generations.lock() {
        let list = &mut all.entry(trace_id).or_default().0;
        match list.iter_mut().find(|g| g.id == noted.id) {
            Some(same) => *same = noted,
            None => list.push(noted),
        }
    }
}

fn kind(o: &Map<String, Value>) -> String {
    text(o, "type").unwrap_or_default().to_uppercase()
}

fn start_of(o: &Map<String, Value>, ctx: &Context) -> Option<Micros> {
    instant(field(o, "startTime"), ctx).ok().flatten()
}

fn end_of(o: &Map<String, Value>, ctx: &Context) -> Option<Micros> {
    instant(field(o, "endTime"), ctx).ok().flatten()
}

/// Reads one trace: its conversation, its turn, its tools and its scores.
pub fn read(parts: &TraceParts, session: Option<&str>, ctx: &Context, sink: &mut dyn Sink) -> Result<(), Stopped> {
    let t = parts.trace;
    let first_obs = parts.observations.first().map(|(_, o)| *o);
    let from_trace = |name: &str| t.and_then(|t| text(t, name));
    let from_obs = |name: &str| parts.observations.iter().find_map(|(_, o)| text(o, name));
    let at = parts.at;
    let Some(id) = from_trace("id").or_else(|| first_obs.and_then(|o| text(o, "traceId"))) else {
        return reject(sink, at, "the trace has no id".into());
    };
    let what = format!("trace {id}");
    let trace_name = from_trace("name").or_else(|| from_obs("traceName"));
    let conversation = session
        .map(str::to_owned)
        .or_else(|| from_trace("sessionId"))
        .or_else(|| from_obs("sessionId"))
        .unwrap_or_else(|| id.clone());

    let observations: Vec<&Map<String, Value>> = parts.observations.iter().map(|(_, o)| *o).collect();
    let parents: HashSet<String> = observations.iter().filter_map(|o| text(o, "parentObservationId")).collect();
    let is_root = |o: &Map<String, Value>| {
        text(o, "parentObservationId").is_none()
            && (text(o, "name") == trace_name || text(o, "id").is_some_and(|i| parents.contains(&i)))
    };
    let root = observations.iter().copied().find(|o| is_root(o));
    let mut generations: Vec<&Map<String, Value>> =
        observations.iter().copied().filter(|o| kind(o) == "GENERATION").collect();
    generations.sort_by_key(|g| start_of(g, ctx));

    let mut total = Spent::default();
    for g in &generations {
        total.add(spent(g));
    }
    if !total.any() {
        if let Some(t) = t {
            total = trace_spent(t);
        }
    }
    // A trace row without usage: the generations of an observations export
    // read in the same import, as a download's would be.
    let mut noted_model = None;
    let mut noted_end = None;
    if !total.any() && generations.is_empty() {
        let noted = ctx.langfuse_generations.lock().ok().and_then(|all| all.get(&id).cloned()).unwrap_or_default();
        let mut noted = noted.0;
        noted.sort_by_key(|g| g.start);
        for g in &noted {
            total.add(g.spent);
        }
        noted_model = noted.iter().rev().find_map(|g| g.model.clone());
        noted_end = noted.iter().filter_map(|g| g.end).max();
    }
    if let Ok(mut traces) = ctx.langfuse_traces.lock() {
        traces.insert(id.clone(), KnownTrace { conversation: conversation.clone(), spent: total.any() });
    }

    // A trace that cannot be placed in time adds nothing, not even its conversation.
    let start = match t.map(|t| instant(field(t, "timestamp"), ctx)) {
        Some(Ok(Some(start))) => start,
        Some(Err(e)) => return reject(sink, at, format!("{what}: timestamp {e}")),
        _ => match root
            .and_then(|r| start_of(r, ctx))
            .or_else(|| observations.iter().filter_map(|o| start_of(o, ctx)).min())
        {
            Some(start) => start,
            None => return reject(sink, at, format!("{what}: missing timestamp")),
        },
    };

    let mut metadata = Map::new();
    for key in ["environment", "release"] {
        if let Some(v) = from_trace(key).or_else(|| from_obs(key)) {
            metadata.insert(key.to_owned(), Value::String(v));
        }
    }
    let conv = Rec::new("conversation")
        .text(Field::ConversationId, conversation.clone())
        .opt_text(Field::CustomerId, from_trace("userId").or_else(|| from_obs("userId")));
    emit(sink, at, &what, conv.metadata(metadata))?;

    fn io<'v>(o: Option<&'v Map<String, Value>>, name: &str) -> Option<&'v Value> {
        o.and_then(|o| field(o, name))
    }
    let question = io(t, "input")
        .and_then(chat::user_text)
        .or_else(|| io(root, "input").and_then(chat::user_text))
        .or_else(|| generations.iter().find_map(|g| field(g, "input").and_then(chat::user_text)));
    let answer = io(t, "output")
        .and_then(chat::assistant_text)
        .or_else(|| io(root, "output").and_then(chat::assistant_text))
        .or_else(|| generations.iter().rev().find_map(|g| field(g, "output").and_then(chat::assistant_text)));
    let latency = t.and_then(|t| number(field(t, "latency"))).filter(|l| l.is_finite() && *l >= 0.0);
    let answered = match latency {
        Some(seconds) => Some(Micros(start.0.saturating_add((seconds * 1e6).round() as i64))),
        None => root
            .and_then(|r| end_of(r, ctx))
            .or_else(|| generations.iter().filter_map(|g| end_of(g, ctx)).max())
            .or(noted_end),
    };

    let user = question.map(|q| {
        Rec::new("message")
            .text(Field::ConversationId, conversation.clone())
            .text(Field::MessageId, format!("{id}:input"))
            .text(Field::Role, "user")
            .micros(Field::Timestamp, Some(start))
            .text(Field::Content, q)
    });
    let model = generations.iter().rev().find_map(|g| text(g, "model")).or(noted_model);
    let agent = answer.map(|a| {
        Rec::new("message")
            .text(Field::ConversationId, conversation.clone())
            .text(Field::MessageId, format!("{id}:output"))
            .text(Field::Role, "agent")
            .micros(Field::Timestamp, Some(answered.unwrap_or(Micros(start.0.saturating_add(1)))))
            .time_unknown(answered.is_none())
            .text(Field::Content, a)
            .opt_text(Field::Model, model)
            .count(Field::PromptTokens, total.prompt)
            .count(Field::CompletionTokens, total.completion)
            .number(Field::Cost, total.cost)
    });
    let spent_alone = agent.is_none() && total.any();
    if let Some(user) = user {
        emit(sink, at, &format!("{what} input"), user)?;
    }
    if let Some(agent) = agent {
        emit(sink, at, &format!("{what} output"), agent)?;
    }
    if spent_alone {
        reject(sink, at, format!("{what} has no output, so its tokens and cost have no agent message to go with"))?;
    }

    tools(parts, &id, trace_name.as_deref(), &conversation, &generations, ctx, sink)?;
    for (at, s) in &parts.scores {
        scores::score(s, Some(&conversation), *at, ctx, sink)?;
    }
    Ok(())
}

/// The tool calls of a trace: its tool observations, then the calls in its
/// generations' outputs that no observation already stands for.
fn tools(
    parts: &TraceParts,
    trace_id: &str,
    trace_name: Option<&str>,
    conversation: &str,
    generations: &[&Map<String, Value>],
    ctx: &Context,
    sink: &mut dyn Sink,
) -> Result<(), Stopped> {
    let mut known: HashSet<String> = HashSet::new();
    for g in generations {
        known.extend(called(g).into_iter().map(|c| c.name));
        known.extend(declared(g));
    }
    let parents: HashSet<String> =
        parts.observations.iter().filter_map(|(_, o)| text(o, "parentObservationId")).collect();
    let mut observed: HashMap<String, usize> = HashMap::new();
    for (at, o) in &parts.observations {
        let id = text(o, "id");
        let root = text(o, "parentObservationId").is_none()
            && (text(o, "name").as_deref() == trace_name || id.as_ref().is_some_and(|i| parents.contains(i)));
        if root {
            continue;
        }
        if let Some(name) = tool_name(o, &known) {
            *observed.entry(name.clone()).or_default() += 1;
            action(o, &name, conversation, *at, ctx, sink)?;
        }
    }
    for (g_at, g) in parts.observations.iter().filter(|(_, o)| kind(o) == "GENERATION") {
        let g_id = text(g, "id").unwrap_or_else(|| trace_id.to_owned());
        let at = end_of(g, ctx).or_else(|| start_of(g, ctx));
        for (k, call) in called(g).into_iter().enumerate() {
            let left = observed.entry(call.name.clone()).or_default();
            if *left > 0 {
                *left -= 1; // an observation already is this call
                continue;
            }
            let Some(at) = at else {
                reject(sink, *g_at, format!("generation {g_id}: its call of {} has no time", call.name))?;
                continue;
            };
            let rec = Rec::new("action")
                .text(Field::ConversationId, conversation.to_owned())
                .text(Field::ActionId, call.id.unwrap_or_else(|| format!("{g_id}:{}", k + 1)))
                .text(Field::Name, call.name)
                .micros(Field::StartedAt, Some(at));
            emit(sink, *g_at, &format!("generation {g_id} tool call {}", k + 1), rec)?;
        }
    }
    Ok(())
}

/// The tool calls a generation made: in its output, else its `toolCalls`.
fn called(g: &Map<String, Value>) -> Vec<chat::ToolCall> {
    let from_output = field(g, "output").map(chat::tool_calls).unwrap_or_default();
    if !from_output.is_empty() {
        return from_output;
    }
    let listed = field(g, "toolCalls").map(|v| chat::decode(v).into_owned());
    match listed {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(name) => Some(chat::ToolCall { name: name.clone(), id: None }),
                other => chat::tool_calls(&Value::Array(vec![other.clone()])).into_iter().next().or_else(|| {
                    other.get("name").and_then(Value::as_str).map(|n| chat::ToolCall { name: n.to_owned(), id: None })
                }),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The tools a generation was offered.
fn declared(g: &Map<String, Value>) -> Vec<String> {
    let mut names = field(g, "input").map(chat::declared_tools).unwrap_or_default();
    if let Some(Value::Object(defs)) = field(g, "toolDefinitions").map(|v| chat::decode(v).into_owned()) {
        names.extend(defs.keys().cloned());
    }
    if let Some(Value::Array(listed)) = field(g, "toolCallNames") {
        names.extend(listed.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    names
}

/// Prefixes with which instrumentations name the span of a tool's run.
const TOOL_PREFIXES: &[&str] = &["execute_tool ", "running tool: ", "running tool ", "tool: "];

/// The tool an observation is the call of, or `None` for plumbing. A TOOL
/// observation is a call; a span is when its name or its attributes say so
/// (`execute_tool NAME`, `gen_ai.tool.name`, OpenInference kind TOOL) or when
/// it bears the name of a tool the trace's generations called or were offered.
/// Spans of the instrumentation itself (`pkg.module.Class._method`) never are.
pub fn tool_name(o: &Map<String, Value>, known: &HashSet<String>) -> Option<String> {
    let name = text(o, "name")?;
    if is_instrumentation(&name) {
        return None;
    }
    let stripped = TOOL_PREFIXES
        .iter()
        .find_map(|p| {
            name.get(..p.len()).filter(|h| h.eq_ignore_ascii_case(p)).map(|_| name[p.len()..].trim().to_owned())
        })
        .filter(|s| !s.is_empty());
    let attributes = field(o, "metadata")
        .map(|m| chat::decode(m).into_owned())
        .and_then(|m| m.get("attributes").cloned().or(Some(m)))
        .and_then(|a| a.as_object().cloned())
        .unwrap_or_default();
    let attribute = |k: &str| attributes.get(k).and_then(Value::as_str).map(str::to_owned);
    let said_tool = attribute("gen_ai.tool.name").or_else(|| attribute("tool.name"));
    let kind_tool = attribute("openinference.span.kind").is_some_and(|k| k.eq_ignore_ascii_case("TOOL"))
        || attribute("gen_ai.operation.name").is_some_and(|k| k == "execute_tool");
    match kind(o).as_str() {
        "TOOL" => Some(said_tool.or(stripped).unwrap_or(name)),
        "SPAN" | "" => {
            if let Some(tool) = said_tool.or(stripped.clone()) {
                Some(tool)
            } else if kind_tool || known.contains(&name) {
                Some(name)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A name that is a code path (`a2a.client.transports.jsonrpc.JsonRpcTransport._get_http_args`)
/// or an HTTP request (`POST /v1/chat/completions`): the instrumentation's own spans.
fn is_instrumentation(name: &str) -> bool {
    let segments: Vec<&str> = name.split('.').collect();
    let identifiers = segments.iter().all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'));
    let code_path = identifiers && (segments.len() >= 3 || (segments.len() == 2 && segments[1].starts_with('_')));
    let first = name.split_whitespace().next().unwrap_or("");
    let http = matches!(first, "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" | "HTTP");
    code_path || http
}

/// A tool call observed as its own observation.
pub fn action(
    o: &Map<String, Value>,
    name: &str,
    conversation: &str,
    at: Position,
    ctx: &Context,
    sink: &mut dyn Sink,
) -> Result<(), Stopped> {
    let id = text(o, "id");
    let what = format!("observation {}", id.clone().unwrap_or_default());
    let error = text(o, "level").is_some_and(|l| l.eq_ignore_ascii_case("error"));
    let rec = Rec::new("action")
        .text(Field::ConversationId, conversation.to_owned())
        .opt_text(Field::ActionId, id)
        .text(Field::Name, name.to_owned())
        .text(Field::Status, if error { "error" } else { "ok" });
    let rec = rec
        .time(Field::StartedAt, field(o, "startTime"), ctx)
        .and_then(|r| r.time(Field::EndedAt, field(o, "endTime"), ctx));
    match rec {
        Ok(rec) => emit(sink, at, &what, rec),
        Err(reason) => reject(sink, at, format!("{what}: {reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case(json!({"type": "TOOL", "name": "execute_tool say_hello"}), Some("say_hello"))]
    #[case(json!({"type": "TOOL", "name": "open_ticket"}), Some("open_ticket"))]
    #[case(json!({"type": "SPAN", "name": "running tool: get_weather"}), Some("get_weather"))]
    #[case(json!({"type": "SPAN", "name": "lookup", "metadata": "{\"attributes\":{\"gen_ai.tool.name\":\"lookup_order\"}}"}), Some("lookup_order"))]
    #[case(json!({"type": "SPAN", "name": "search_docs"}), Some("search_docs"))]
    #[case(json!({"type": "SPAN", "name": "qa_agent run"}), None)]
    #[case(json!({"type": "SPAN", "name": "a2a.client.transports.jsonrpc.JsonRpcTransport._get_http_args"}), None)]
    #[case(json!({"type": "SPAN", "name": "POST /v1/chat/completions"}), None)]
    #[case(json!({"type": "AGENT", "name": "agent_run [hello_agent]"}), None)]
    #[case(json!({"type": "GENERATION", "name": "search_docs"}), None)]
    fn tools_are_observations_that_name_a_tool(#[case] o: Value, #[case] expected: Option<&str>) {
        let known: HashSet<String> = ["search_docs".to_owned()].into();
        assert_eq!(tool_name(o.as_object().unwrap(), &known).as_deref(), expected, "{o}");
    }

    #[test]
    fn usage_details_split_into_prompt_and_completion_by_prefix() {
        let g = json!({"usageDetails": {"input": 100, "input_cached_tokens": 20, "output": 30, "output_reasoning_tokens": 5, "total": 155},
            "costDetails": {"input": 0.001, "output": 0.002, "total": 0.003}});
        let s = spent(g.as_object().unwrap());
        assert_eq!((s.prompt, s.completion, s.cost), (Some(120), Some(35), Some(0.003)));
    }
}

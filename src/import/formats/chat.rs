//! What a person reads of the chat-shaped JSON that tracing tools keep as a
//! call's input and output: the last thing the user said, the assistant's
//! text, and the tools the assistant called. Never the JSON itself.
//!
//! The shapes read, each as the provider's API writes it (and as Langfuse
//! keeps it, often as JSON text inside a string, sometimes twice over):
//!
//! ```text
//! OpenAI chat        [{role, content}]  {messages: [...]}  {choices: [{message}]}
//!                    tool_calls[].function.name
//! OpenAI responses   {input: "..." | [...]}  {output: [{type: "message", content}]}
//!                    output[] {type: "function_call", name}
//! Anthropic          {messages: [...]}  {role, content: [{type: "text", text}]}
//!                    content[] {type: "tool_use", name}
//! Gemini / ADK       {contents: [{role, parts: [{text}]}]}  {new_message: {parts}}
//!                    {content: {parts}}  {candidates: [{content}]}
//!                    parts[] {function_call: {name}}
//! anything else      its `content`, `text`, `query`, `question`, `answer`, ... key;
//!                    else its text fields as `key: value` lines
//! ```

use serde_json::{Map, Value};
use std::borrow::Cow;

/// How many times a string may hold JSON text that holds JSON text.
const MAX_ENCODINGS: usize = 3;

/// `v` with JSON written inside strings read as JSON: `"{\"a\": 1}"` is the
/// object, `"\"hi\""` is the text `hi`. Text that is not JSON stays text.
pub fn decode(v: &Value) -> Cow<'_, Value> {
    let mut out = Cow::Borrowed(v);
    for _ in 0..MAX_ENCODINGS {
        let Value::String(s) = out.as_ref() else { break };
        let t = s.trim();
        let looks_encoded = (t.starts_with('{') && t.ends_with('}'))
            || (t.starts_with('[') && t.ends_with(']'))
            || (t.len() >= 2 && t.starts_with('"') && t.ends_with('"'));
        if !looks_encoded {
            break;
        }
        match serde_json::from_str::<Value>(t) {
            Ok(inner) => out = Cow::Owned(inner),
            Err(_) => break,
        }
    }
    out
}

/// The text of the last user message in a call's input; for input that is no
/// chat, what it says (see the module's table). `None` when it says nothing.
pub fn user_text(v: &Value) -> Option<String> {
    let v = decode(v);
    match v.as_ref() {
        Value::Array(items) if is_chat(items) => last_said(items, &["user", "human"]),
        Value::Object(map) => {
            for key in ["messages", "contents", "input"] {
                if let Some(Value::Array(items)) = map.get(key).map(|m| decode(m).into_owned()) {
                    if is_chat(&items) {
                        if let Some(text) = last_said(&items, &["user", "human"]) {
                            return Some(text);
                        }
                    }
                }
            }
            if let Some(message) = map.get("new_message") {
                return said(message);
            }
            plain_text(&v)
        }
        _ => plain_text(&v),
    }
}

/// The assistant's text in a call's output (see the module's table).
pub fn assistant_text(v: &Value) -> Option<String> {
    let v = decode(v);
    match v.as_ref() {
        Value::Array(items) if is_chat(items) => last_said(items, &["assistant", "model", "ai", "bot"]),
        Value::Object(map) => {
            if let Some(Value::Array(choices)) = map.get("choices") {
                return choices.first().and_then(|c| c.get("message").or_else(|| c.get("delta"))).and_then(said);
            }
            if let Some(Value::Array(candidates)) = map.get("candidates") {
                return candidates.first().and_then(|c| c.get("content")).and_then(said);
            }
            if let Some(Value::Array(items)) = map.get("output") {
                let texts: Vec<String> = items.iter().filter(|i| kind(i) == Some("message")).filter_map(said).collect();
                return (!texts.is_empty()).then(|| texts.join("\n"));
            }
            if let Some(message) = map.get("message").filter(|m| m.is_object()) {
                return said(message);
            }
            if map.contains_key("role") || map.get("content").is_some_and(|c| c.is_object() || c.is_array()) {
                return said(&v);
            }
            plain_text(&v)
        }
        _ => plain_text(&v),
    }
}

/// The names of the tools an output (or an input's assistant turns) called.
pub fn tool_calls(v: &Value) -> Vec<ToolCall> {
    let mut calls = Vec::new();
    collect_calls(&decode(v), &mut calls, 0);
    calls
}

/// One call of a tool, as an assistant message names it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub name: String,
    /// The call's own id (`call_...`, `toolu_...`), when it has one.
    pub id: Option<String>,
}

/// The tools a call's input offers the model: OpenAI's `tools[].function.name`,
/// Anthropic's `tools[].name`, Gemini's `function_declarations[].name`.
pub fn declared_tools(v: &Value) -> Vec<String> {
    let mut names = Vec::new();
    collect_declarations(&decode(v), &mut names, 0);
    names
}

fn collect_declarations(v: &Value, names: &mut Vec<String>, depth: usize) {
    if depth > 4 {
        return;
    }
    match v {
        Value::Object(map) => {
            for key in ["tools", "function_declarations", "functionDeclarations", "functions"] {
                if let Some(Value::Array(tools)) = map.get(key) {
                    for tool in tools {
                        let name = tool.get("name").or_else(|| tool.get("function").and_then(|f| f.get("name")));
                        match name.and_then(Value::as_str) {
                            Some(name) => names.push(name.to_owned()),
                            None => collect_declarations(tool, names, depth + 1),
                        }
                    }
                }
            }
            if let Some(config) = map.get("config") {
                collect_declarations(config, names, depth + 1);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_declarations(i, names, depth + 1)),
        _ => {}
    }
}

fn collect_calls(v: &Value, calls: &mut Vec<ToolCall>, depth: usize) {
    if depth > 6 {
        return;
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_calls(i, calls, depth + 1)),
        Value::Object(map) => {
            // A call itself: Anthropic's tool_use part, the responses API's
            // function_call item, Gemini's function_call part.
            if let Some("tool_use" | "function_call") = kind(v) {
                if let Some(name) = map.get("name").and_then(Value::as_str) {
                    let id = map.get("id").or_else(|| map.get("call_id")).and_then(Value::as_str);
                    calls.push(ToolCall { name: name.to_owned(), id: id.map(str::to_owned) });
                }
                return;
            }
            for key in ["function_call", "functionCall"] {
                if let Some(name) = map.get(key).and_then(|c| c.get("name")).and_then(Value::as_str) {
                    let id = map.get(key).and_then(|c| c.get("id")).and_then(Value::as_str);
                    calls.push(ToolCall { name: name.to_owned(), id: id.map(str::to_owned) });
                    return;
                }
            }
            if let Some(Value::Array(tool_calls)) = map.get("tool_calls") {
                for call in tool_calls {
                    let name = call.get("function").and_then(|f| f.get("name")).or_else(|| call.get("name"));
                    if let Some(name) = name.and_then(Value::as_str) {
                        let id = call.get("id").and_then(Value::as_str).map(str::to_owned);
                        calls.push(ToolCall { name: name.to_owned(), id });
                    }
                }
            }
            for key in ["choices", "message", "content", "parts", "candidates", "output"] {
                if let Some(inner) = map.get(key) {
                    collect_calls(inner, calls, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn kind(v: &Value) -> Option<&str> {
    v.get("type").and_then(Value::as_str)
}

/// A list of chat messages: every item has a role.
fn is_chat(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| i.get("role").is_some())
}

/// The text of the last message of one of `roles` that says something (a
/// user turn holding only tool results says nothing).
fn last_said(items: &[Value], roles: &[&str]) -> Option<String> {
    items
        .iter()
        .rev()
        .filter(|m| m.get("role").and_then(Value::as_str).is_some_and(|r| roles.contains(&r.to_lowercase().as_str())))
        .find_map(said)
}

/// The text of one message: its `content` (text, or text parts) or `parts`.
fn said(message: &Value) -> Option<String> {
    let message = decode(message);
    let text = match message.as_ref() {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => match map.get("content").or_else(|| map.get("parts")) {
            Some(Value::Object(inner)) => said(&Value::Object(inner.clone())),
            Some(content) => parts_text(content),
            None => map.get("text").and_then(Value::as_str).map(str::to_owned),
        },
        Value::Array(_) => parts_text(&message),
        _ => None,
    };
    text.filter(|t| !t.trim().is_empty())
}

/// Content given as text, or as parts of which only the text ones are read
/// (thinking, tool calls, tool results and images are not what was said).
fn parts_text(content: &Value) -> Option<String> {
    match content {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => {
            let texts: Vec<&str> = parts
                .iter()
                .filter_map(|p| match p {
                    Value::String(s) => Some(s.as_str()),
                    Value::Object(part) => match part.get("type").and_then(Value::as_str) {
                        None | Some("text" | "input_text" | "output_text") => part.get("text").and_then(Value::as_str),
                        Some(_) => None,
                    },
                    _ => None,
                })
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        _ => None,
    }
}

/// Keys whose value is what a person said or was told, in that order.
const TEXT_KEYS: &[&str] =
    &["content", "text", "query", "question", "answer", "message", "input", "output", "response", "prompt", "result"];

/// Text of a value that is no chat: a string as it is, an object's first
/// text key, else its text fields as `key: value` lines.
fn plain_text(v: &Value) -> Option<String> {
    let text = match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        Value::Object(map) => match TEXT_KEYS.iter().find_map(|k| map.get(*k).filter(|x| !x.is_null())) {
            Some(inner) => match decode(inner).as_ref() {
                Value::Array(items) if is_chat(items) => last_said(items, &["user", "human", "assistant", "model"]),
                other => plain_text(other),
            },
            None => fields_text(map),
        },
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().filter_map(plain_text).collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
    };
    text.filter(|t| !t.trim().is_empty())
}

fn fields_text(map: &Map<String, Value>) -> Option<String> {
    let lines: Vec<String> = map
        .iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) if !s.trim().is_empty() => Some(format!("{k}: {s}")),
            Value::Number(n) => Some(format!("{k}: {n}")),
            Value::Bool(b) => Some(format!("{k}: {b}")),
            _ => None,
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case(json!("\"What is Langfuse?\""), Some("What is Langfuse?"))]
    #[case(json!({"query": "where is my order?"}), Some("where is my order?"))]
    #[case(json!("{\"query\": \"where is my order?\"}"), Some("where is my order?"))]
    #[case(json!([{"role": "system", "content": "be brief"}, {"role": "user", "content": "Price?"}]), Some("Price?"))]
    #[case(
        json!({"model": "m", "messages": [{"role": "user", "content": "first"}, {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "42"}]}]}),
        Some("first")
    )]
    #[case(json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}), Some("hi"))]
    #[case(json!({"user_id": "u", "new_message": {"parts": [{"text": "hi"}], "role": "user"}}), Some("hi"))]
    #[case(json!({"topic": "billing", "lang": "en"}), Some("lang: en\ntopic: billing"))]
    #[case(json!(null), None)]
    fn the_last_user_message_is_what_the_user_said(#[case] input: Value, #[case] expected: Option<&str>) {
        assert_eq!(user_text(&input).as_deref(), expected, "{input}");
    }

    #[rstest]
    #[case(json!("{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"}}"), Some("Hello"))]
    #[case(json!({"choices": [{"message": {"role": "assistant", "content": "Hi"}}]}), Some("Hi"))]
    #[case(
        json!({"role": "assistant", "content": [{"type": "thinking", "thinking": "hm"}, {"type": "text", "text": "Sure."},
            {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {}}]}),
        Some("Sure.")
    )]
    #[case(json!({"content": {"parts": [{"text": "Hello 👋"}], "role": "model"}, "finish_reason": "STOP"}), Some("Hello 👋"))]
    #[case(json!({"output": [{"type": "message", "content": [{"type": "output_text", "text": "Done"}]}]}), Some("Done"))]
    #[case(json!({"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "Read", "input": {}}]}), None)]
    fn the_assistant_text_is_what_the_agent_said(#[case] output: Value, #[case] expected: Option<&str>) {
        assert_eq!(assistant_text(&output).as_deref(), expected, "{output}");
    }

    #[test]
    fn tool_calls_are_read_from_each_provider_shape() {
        let anthropic = json!({"content": [{"type": "tool_use", "id": "toolu_1", "name": "Read"}]});
        let openai =
            json!({"choices": [{"message": {"tool_calls": [{"id": "call_1", "function": {"name": "get_weather"}}]}}]});
        let gemini = json!({"content": {"parts": [{"function_call": {"name": "say_hello", "args": {}}}]}});
        let names = |v: &Value| tool_calls(v).into_iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(names(&anthropic), ["Read"]);
        assert_eq!(names(&openai), ["get_weather"]);
        assert_eq!(names(&gemini), ["say_hello"]);
        assert_eq!(tool_calls(&anthropic)[0].id.as_deref(), Some("toolu_1"));
        assert!(tool_calls(&json!("plain text")).is_empty());
    }

    #[test]
    fn declared_tools_are_read_from_a_request() {
        let request = json!({"tools": [{"type": "function", "function": {"name": "a"}}, {"name": "b"}],
            "config": {"tools": [{"function_declarations": [{"name": "c"}]}]}});
        assert_eq!(declared_tools(&request), ["a", "b", "c"]);
    }
}

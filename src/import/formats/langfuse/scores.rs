//! Langfuse scores: a person's feedback, or an evaluation.
//!
//! A score is **feedback** when a person gave it: its `source` is not `EVAL`
//! (it came through the API or an annotation) and its name says it is
//! feedback (`user-feedback`, `thumbs`, `rating`, `stars`, `csat`, ...).
//! Every other score is an **evaluation** (LLM-as-judge `hallucination`,
//! `toxicity`, a `quality` annotation, a custom metric sent through the API):
//! kept in its conversation's metadata as `evaluation: NAME` (with
//! `(trace ID)` when the conversation holds several traces), and never
//! counted as satisfaction.
//!
//! ```text
//! source EVAL                          → evaluation, whatever its name
//! source API / ANNOTATION, name reads
//!   as feedback                        → feedback on the trace's agent message
//! source API / ANNOTATION, other name  → evaluation
//! dataType CORRECTION                  → reported: a corrected output is no score
//! ```

use super::super::build::{emit, field, number, reject, text, Rec};
use super::super::Context;
use super::conversation_of;
use crate::import::raw::Field;
use crate::import::{Position, Sink, Stopped};
use serde_json::{Map, Value};

/// Words of a score's name that say a person gave it (a Langfuse
/// database's reader asks the same words).
pub(crate) const FEEDBACK_WORDS: &[&str] = &[
    "feedback",
    "thumb",
    "thumbs",
    "thumbsup",
    "thumbsdown",
    "rating",
    "rate",
    "vote",
    "votes",
    "star",
    "stars",
    "like",
    "likes",
    "dislike",
    "satisfaction",
    "satisfied",
    "csat",
    "nps",
    "user",
];

/// Whether a score's name says it is a person's feedback.
pub fn reads_as_feedback(name: &str) -> bool {
    let lower = name.to_lowercase();
    let squashed: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    ["feedback", "thumb", "satisf"].iter().any(|w| squashed.contains(w))
        || lower.split(|c: char| !c.is_alphanumeric()).any(|w| FEEDBACK_WORDS.contains(&w))
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

/// One score. `known` is the conversation of the trace it came with, if it
/// came with one; a table export's score finds its trace's among those read.
pub fn score(
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
    if data_type == "CORRECTION" {
        return reject(sink, at, format!("{what}: a corrected output is no score"));
    }
    let source = text(s, "source").unwrap_or_default().to_uppercase();
    let value = number(field(s, "value"));
    let string_value = text(s, "stringValue");
    if source == "EVAL" || !reads_as_feedback(&name) {
        let kept = match (data_type.as_str(), value, string_value) {
            ("CATEGORICAL" | "TEXT", _, Some(category)) | (_, None, Some(category)) => Value::String(category),
            (_, Some(v), _) => serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
            _ => return reject(sink, at, format!("{what}: no value")),
        };
        let key = match &trace_id {
            Some(trace) if *trace != conversation => format!("evaluation: {name} (trace {trace})"),
            _ => format!("evaluation: {name}"),
        };
        let mut metadata = Map::new();
        metadata.insert(key, kept);
        let rec = Rec::new("conversation").text(Field::ConversationId, conversation).metadata(metadata);
        return emit(sink, at, &what, rec);
    }
    let mut rec = Rec::new("feedback")
        .text(Field::ConversationId, conversation)
        .opt_text(Field::FeedbackId, (!id.is_empty()).then(|| id.clone()))
        .opt_text(Field::MessageId, trace_id.map(|t| format!("{t}:output")))
        .value(Field::Comment, field(s, "comment"));
    match (data_type.as_str(), value, string_value.as_deref()) {
        ("CATEGORICAL", _, Some(category)) | ("", None, Some(category)) => match category_rating(category) {
            Some(rating) => rec = rec.text(Field::Rating, rating),
            None => {
                return reject(sink, at, format!("{what}: category {} reads as no rating (positive/negative/neutral, like/dislike, good/bad, yes/no, correct/incorrect)", crate::import::normalize::quote(category)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("user-feedback", true)]
    #[case("userFeedback", true)]
    #[case("thumbs", true)]
    #[case("stars", true)]
    #[case("csat", true)]
    #[case("hallucination", false)]
    #[case("toxicity", false)]
    #[case("hallucination_likelihood", false)]
    #[case("quality", false)]
    fn a_score_is_feedback_when_its_name_says_a_person_gave_it(#[case] name: &str, #[case] feedback: bool) {
        assert_eq!(reads_as_feedback(name), feedback, "{name}");
    }
}

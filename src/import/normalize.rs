//! The rules of FORMAT.md, applied to one raw record: a [`Record`] or the
//! reason it is rejected. This is the one place that reads raw values.

use super::raw::{Field, Loose, RawRecord};
use crate::limits;
use crate::model::{
    parse_timestamp, parse_timestamp_integer, parse_timestamp_number, Action, Conversation, Feedback, Message, Micros,
    Rating, Record, Role,
};
use std::borrow::Cow;

/// Why a record was rejected, in words a person understands.
pub type Reason = String;

/// Validates one record. `default_kind` is the kind a CSV file's name gives
/// when its row has no `type`.
pub fn normalize(raw: &RawRecord, default_kind: Option<&str>) -> Result<Record, Reason> {
    // A CSV file's name gives the kind of rows whose `type` cell is blank.
    let kind = match (raw.get(Field::Type), default_kind) {
        (Loose::Str(s), Some(default)) if s.trim().is_empty() => default,
        (Loose::Absent | Loose::Null, Some(default)) => default,
        (Loose::Str(s), _) if !s.is_empty() => s.as_ref(),
        (Loose::Absent | Loose::Null | Loose::Str(_), None) => return Err("missing type".into()),
        (other, _) => return Err(format!("unknown type {}", describe(other))),
    };
    match kind {
        "conversation" => conversation(raw).map(Record::Conversation),
        "message" => message(raw).map(Record::Message),
        "action" => action(raw).map(Record::Action),
        "feedback" => feedback(raw).map(Record::Feedback),
        other => Err(format!("unknown type {} (expected conversation, message, action or feedback)", quote(other))),
    }
}

fn conversation(r: &RawRecord) -> Result<Conversation, Reason> {
    let conversation_id = required_text(r, Field::ConversationId)?;
    let started_at = optional_timestamp(r, Field::StartedAt)?;
    let ended_at = optional_timestamp(r, Field::EndedAt)?;
    let mut metadata = match r.get(Field::Metadata) {
        Loose::Absent | Loose::Null => None,
        Loose::Str(s) if s.is_empty() => None,
        Loose::Str(s) if s.trim().is_empty() => return Err("metadata must be a JSON object".into()),
        Loose::Str(s) | Loose::Object(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(serde_json::Value::Object(map)) => Some(map),
            Ok(serde_json::Value::Null) => None,
            Ok(_) => return Err("metadata must be a JSON object".into()),
            Err(_) => return Err("metadata is not valid JSON".into()),
        },
        _ => return Err("metadata must be a JSON object".into()),
    };
    // CSV columns that are no field of a conversation are kept as metadata.
    if !r.extra.is_empty() {
        let map = metadata.get_or_insert_with(Default::default);
        for (k, v) in &r.extra {
            map.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    if let Some(map) = &mut metadata {
        crate::model::bound_metadata(map);
    }
    Ok(Conversation {
        conversation_id,
        started_at,
        ended_at,
        customer_id: text(r, Field::CustomerId)?,
        customer_ip_address: text(r, Field::CustomerIpAddress)?,
        device: text(r, Field::Device)?,
        source: text(r, Field::Source)?,
        language: text(r, Field::Language)?,
        metadata,
    })
}

fn message(r: &RawRecord) -> Result<Message, Reason> {
    let conversation_id = required_text(r, Field::ConversationId)?;
    let role_text = required_text(r, Field::Role)?;
    let role = Role::parse(&role_text).ok_or_else(|| {
        format!("role {} is not user or agent (nor an alias of them, system or tool)", quote(&role_text))
    })?;
    let timestamp = required_timestamp(r, Field::Timestamp)?;
    Ok(Message {
        conversation_id,
        role,
        timestamp,
        content: untrimmed_text(r, Field::Content)?,
        model: text(r, Field::Model)?,
        prompt_tokens: whole_number(r, Field::PromptTokens)?,
        completion_tokens: whole_number(r, Field::CompletionTokens)?,
        cost: number(r, Field::Cost)?,
        message_id: text(r, Field::MessageId)?,
        foreign_cost: None,
        time_unknown: false,
    })
}

fn action(r: &RawRecord) -> Result<Action, Reason> {
    let conversation_id = required_text(r, Field::ConversationId)?;
    let name = required_text(r, Field::Name)?;
    let started_at = required_timestamp(r, Field::StartedAt)?;
    let mut duration_ms = number(r, Field::DurationMs)?;
    // `ended_at` must be readable and not before the start even when
    // `duration_ms` wins: a file that says both should not contradict itself.
    if let Some(ended_at) = optional_timestamp(r, Field::EndedAt)? {
        if ended_at < started_at {
            return Err(format!("ended_at {ended_at} is before started_at {started_at}"));
        }
        if duration_ms.is_none() {
            duration_ms = Some((ended_at.0 - started_at.0) as f64 / 1000.0);
        }
    }
    let status = text(r, Field::Status)?;
    let error = status.as_deref().is_some_and(|s| s.to_lowercase() == "error");
    Ok(Action { conversation_id, action_id: text(r, Field::ActionId)?, name, started_at, duration_ms, status, error })
}

fn feedback(r: &RawRecord) -> Result<Feedback, Reason> {
    let conversation_id = required_text(r, Field::ConversationId)?;
    // `sentiment` is another name for `rating`; `rating` wins when both are there.
    let rating_value = match r.get(Field::Rating) {
        Loose::Absent | Loose::Null => r.get(Field::Sentiment),
        Loose::Str(s) if s.is_empty() => r.get(Field::Sentiment),
        v => v,
    };
    let score = number(r, Field::Score)?;
    let rating = match rating_value {
        Loose::Absent | Loose::Null => None,
        Loose::Str(s) if s.is_empty() => None,
        Loose::Str(s) => Some(Rating::parse(s).ok_or_else(|| {
            format!(
                "rating {} is not positive, neutral or negative (nor like/dislike, up/down, thumbs_up/thumbs_down, 1/0)",
                quote(s)
            )
        })?),
        Loose::Int(1) | Loose::UInt(1) => Some(Rating::Positive),
        Loose::Int(0) | Loose::UInt(0) => Some(Rating::Negative),
        Loose::Float(f) if *f == 1.0 => Some(Rating::Positive),
        Loose::Float(f) if *f == 0.0 => Some(Rating::Negative),
        other => return Err(format!("rating {} is not positive, neutral or negative", describe(other))),
    };
    let rating = match (rating, score) {
        (Some(rating), _) => rating,
        (None, Some(score)) if (1.0..=5.0).contains(&score) => Rating::from_score(score),
        (None, Some(score)) => return Err(format!("score {score} is outside 1 to 5")),
        (None, None) => return Err("feedback needs a rating or a score".into()),
    };
    Ok(Feedback {
        conversation_id,
        rating,
        score,
        timestamp: optional_timestamp(r, Field::Timestamp)?,
        message_id: text(r, Field::MessageId)?,
        comment: untrimmed_text(r, Field::Comment)?,
        feedback_id: text(r, Field::FeedbackId)?,
    })
}

/// A short, quoted rendering of a raw value for a rejection reason.
fn describe(v: &Loose) -> String {
    match v {
        Loose::Absent => "(absent)".into(),
        Loose::Null => "null".into(),
        Loose::Bool(b) => b.to_string(),
        Loose::Int(i) => i.to_string(),
        Loose::UInt(u) => u.to_string(),
        Loose::Float(f) => python_float_repr(*f),
        Loose::Str(s) => quote(s),
        Loose::Object(_) => "an object".into(),
        Loose::Array => "a list".into(),
    }
}

/// A value of a record, quoted for a reason: at most [`limits::QUOTED_CHARS`]
/// characters, so that a rejection never repeats a huge value.
pub fn quote(s: &str) -> String {
    let mut chars = s.char_indices();
    match chars.nth(limits::QUOTED_CHARS) {
        None => format!("{s:?}"),
        Some((at, _)) => format!("{:?}…", &s[..at]),
    }
}

fn text_of(r: &RawRecord, field: Field, trim: bool) -> Result<Option<String>, Reason> {
    let s: Cow<str> = match r.get(field) {
        Loose::Absent | Loose::Null => return Ok(None),
        Loose::Str(s) => Cow::Borrowed(if trim { s.trim() } else { s.as_ref() }),
        // A number given for a text field is read as its decimal text (7 → "7").
        Loose::Int(i) => Cow::Owned(i.to_string()),
        Loose::UInt(u) => Cow::Owned(u.to_string()),
        Loose::Float(f) if f.is_finite() && f.fract() == 0.0 => Cow::Owned(format!("{f:.0}")),
        Loose::Float(f) => Cow::Owned(python_float_repr(*f)),
        other => return Err(format!("{} must be text, not {}", field.name(), describe(other))),
    };
    Ok((!s.is_empty()).then(|| s.into_owned()))
}

fn text(r: &RawRecord, field: Field) -> Result<Option<String>, Reason> {
    text_of(r, field, true)
}

/// `content` and `comment` keep their surrounding blanks.
fn untrimmed_text(r: &RawRecord, field: Field) -> Result<Option<String>, Reason> {
    text_of(r, field, false)
}

fn required_text(r: &RawRecord, field: Field) -> Result<String, Reason> {
    text(r, field)?.ok_or_else(|| format!("missing {}", field.name()))
}

fn timestamp_of(r: &RawRecord, field: Field) -> Result<Option<Micros>, Reason> {
    let name = field.name();
    let result = match r.get(field) {
        Loose::Absent | Loose::Null => return Ok(None),
        Loose::Str(s) if s.is_empty() => return Ok(None),
        Loose::Str(s) => parse_timestamp(s),
        Loose::Int(i) => parse_timestamp_integer(i128::from(*i)),
        Loose::UInt(u) => parse_timestamp_integer(i128::from(*u)),
        Loose::Float(f) => parse_timestamp_number(*f),
        other => return Err(format!("{name} {} is not a date and time", describe(other))),
    };
    match result {
        Ok(at) if limits::RECORD_INSTANTS.contains(&at) => Ok(Some(at)),
        Ok(_) => Err(format!("{name} {} is out of range (from 1970 up to 2200)", describe(r.get(field)))),
        Err(e) => Err(format!("{name} {} {e}", describe(r.get(field)))),
    }
}

fn optional_timestamp(r: &RawRecord, field: Field) -> Result<Option<Micros>, Reason> {
    timestamp_of(r, field)
}

fn required_timestamp(r: &RawRecord, field: Field) -> Result<Micros, Reason> {
    timestamp_of(r, field)?.ok_or_else(|| format!("missing {}", field.name()))
}

/// A number ≥ 0; text that is a number counts as that number.
fn number(r: &RawRecord, field: Field) -> Result<Option<f64>, Reason> {
    let name = field.name();
    let v = match r.get(field) {
        Loose::Absent | Loose::Null => return Ok(None),
        Loose::Str(s) if s.trim().is_empty() => return Ok(None),
        Loose::Str(s) if crate::model::is_numeric_text(s.trim()) => s.trim().parse::<f64>().unwrap_or(f64::NAN),
        Loose::Int(i) => *i as f64,
        Loose::UInt(u) => *u as f64,
        Loose::Float(f) => *f,
        other => return Err(format!("{name} {} is not a number", describe(other))),
    };
    if !v.is_finite() {
        return Err(format!("{name} {} is not a number", describe(r.get(field))));
    }
    if v < 0.0 {
        return Err(format!("{name} {} is negative", describe(r.get(field))));
    }
    if v > largest(field) {
        return Err(format!("{name} {} is out of range (at most {})", describe(r.get(field)), largest(field)));
    }
    Ok(Some(v))
}

/// The largest value a number field may take (FORMAT.md, Limits).
fn largest(field: Field) -> f64 {
    match field {
        Field::PromptTokens | Field::CompletionTokens => limits::MAX_TOKENS as f64,
        Field::Cost => limits::MAX_COST,
        Field::DurationMs => limits::MAX_DURATION_MS,
        _ => f64::MAX,
    }
}

/// A count: a number ≥ 0 with no fraction (`12.5` is rejected).
fn whole_number(r: &RawRecord, field: Field) -> Result<Option<u64>, Reason> {
    if let Loose::UInt(u) = r.get(field) {
        // Exact, however large: 10^12 + 1 is out of range even where f64 rounds.
        if *u > limits::MAX_TOKENS {
            return Err(format!("{} {u} is out of range (at most {})", field.name(), limits::MAX_TOKENS));
        }
        return Ok(Some(*u));
    }
    match number(r, field)? {
        None => Ok(None),
        Some(v) if v.fract() != 0.0 => {
            Err(format!("{} {} must be a whole number", field.name(), describe(r.get(field))))
        }
        Some(v) => Ok(Some(v as u64)),
    }
}

/// Python's `repr` of a float with a fraction, which is the text the
/// reference gives such a number in a text field (`1e-05`, `0.25`).
fn python_float_repr(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "nan".into()
        } else if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // `{:e}` gives the shortest round-trip digits: "1.5e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if (point as usize) >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{body}")
    } else {
        let frac = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{frac}e{esign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn rec(json: &str) -> RawRecord<'_> {
        match serde_json::from_str::<super::super::raw::JsonItem>(json).unwrap() {
            super::super::raw::JsonItem::Record(r) => r,
            _ => panic!("not an object"),
        }
    }

    #[rstest]
    #[case(1.5e-7, "1.5e-07")]
    #[case(0.0001, "0.0001")]
    #[case(123.456, "123.456")]
    #[case(2.5, "2.5")]
    #[case(-0.25, "-0.25")]
    fn float_text_reads_as_python_writes_it(#[case] f: f64, #[case] text: &str) {
        assert_eq!(python_float_repr(f), text);
    }

    #[rstest]
    #[case("human", Role::User)]
    #[case("Customer", Role::User)]
    #[case(" Agent ", Role::Agent)]
    #[case("assistant", Role::Agent)]
    #[case("BOT", Role::Agent)]
    #[case("ai", Role::Agent)]
    #[case("system", Role::System)]
    #[case("tool", Role::Tool)]
    fn role_aliases_in_any_case(#[case] role: &str, #[case] expected: Role) {
        let line = format!(r#"{{"type":"message","conversation_id":"c","role":"{role}","timestamp":0}}"#);
        let Ok(Record::Message(m)) = normalize(&rec(&line), None) else { panic!("{role} is a role") };
        assert_eq!(m.role, expected);
    }

    #[rstest]
    #[case(r#""rating":"like""#, Rating::Positive)]
    #[case(r#""rating":"Thumbs_Down""#, Rating::Negative)]
    #[case(r#""rating":1"#, Rating::Positive)]
    #[case(r#""rating":1.0"#, Rating::Positive)]
    #[case(r#""rating":"0""#, Rating::Negative)]
    #[case(r#""sentiment":"up""#, Rating::Positive)]
    #[case(r#""score":4"#, Rating::Positive)]
    #[case(r#""score":3.5"#, Rating::Neutral)]
    #[case(r#""score":2.5"#, Rating::Neutral)]
    #[case(r#""score":"2""#, Rating::Negative)]
    #[case(r#""rating":"neutral","score":5"#, Rating::Neutral)]
    fn ratings_and_scores_map_to_three_kinds(#[case] fields: &str, #[case] expected: Rating) {
        let line = format!(r#"{{"type":"feedback","conversation_id":"c",{fields}}}"#);
        let Ok(Record::Feedback(f)) = normalize(&rec(&line), None) else { panic!("{fields} is feedback") };
        assert_eq!(f.rating, expected);
    }

    #[rstest]
    #[case(r#"{"role":"user","timestamp":0}"#, "missing type")]
    #[case(r#"{"type":"teleport"}"#, "unknown type")]
    #[case(r#"{"type":"message","role":"user","timestamp":0}"#, "missing conversation_id")]
    #[case(r#"{"type":"message","conversation_id":"c","role":"narrator","timestamp":0}"#, "role \"narrator\"")]
    #[case(
        r#"{"type":"message","conversation_id":"c","role":"user","timestamp":"yesterday"}"#,
        "timestamp \"yesterday\" is not a date"
    )]
    #[case(r#"{"type":"message","conversation_id":"c","role":"user","timestamp":-5}"#, "negative")]
    #[case(r#"{"type":"message","conversation_id":"c","role":"user"}"#, "missing timestamp")]
    #[case(
        r#"{"type":"message","conversation_id":"c","role":"agent","timestamp":0,"prompt_tokens":12.5}"#,
        "prompt_tokens 12.5 must be a whole number"
    )]
    #[case(r#"{"type":"message","conversation_id":"c","role":"agent","timestamp":0,"cost":-1}"#, "cost -1 is negative")]
    #[case(r#"{"type":"action","conversation_id":"c","started_at":0}"#, "missing name")]
    #[case(r#"{"type":"action","conversation_id":"c","name":"x","started_at":7,"ended_at":6}"#, "before started_at")]
    #[case(
        r#"{"type":"action","conversation_id":"c","name":"x","started_at":7,"duration_ms":5,"ended_at":"soon"}"#,
        "ended_at \"soon\""
    )]
    #[case(r#"{"type":"feedback","conversation_id":"c"}"#, "needs a rating or a score")]
    #[case(r#"{"type":"feedback","conversation_id":"c","rating":"meh"}"#, "rating \"meh\"")]
    #[case(r#"{"type":"feedback","conversation_id":"c","score":6}"#, "outside 1 to 5")]
    #[case(r#"{"type":"conversation","conversation_id":"c","metadata":"{oops"}"#, "metadata is not valid JSON")]
    #[case(r#"{"type":"conversation","conversation_id":true}"#, "conversation_id must be text")]
    fn each_rejection_names_its_reason(#[case] line: &str, #[case] reason: &str) {
        let err = normalize(&rec(line), None).expect_err(line);
        assert!(err.contains(reason), "{line}: {err:?} should say {reason:?}");
    }

    #[test]
    fn numbers_in_text_fields_become_their_decimal_text() {
        let Ok(Record::Conversation(c)) =
            normalize(&rec(r#"{"type":"conversation","conversation_id":7,"customer_id":12345.0}"#), None)
        else {
            panic!()
        };
        assert_eq!(c.conversation_id, "7");
        assert_eq!(c.customer_id.as_deref(), Some("12345"));
    }

    #[test]
    fn blanks_are_trimmed_except_in_content() {
        let Ok(Record::Message(m)) = normalize(
            &rec(
                r#"{"type":"message","conversation_id":" c ","role":"user","timestamp":0,"content":" hi ","model":"  "}"#,
            ),
            None,
        ) else {
            panic!()
        };
        assert_eq!(m.conversation_id, "c");
        assert_eq!(m.content.as_deref(), Some(" hi "));
        assert_eq!(m.model, None, "a field that is empty after trimming is absent");
    }

    #[test]
    fn duration_comes_from_ended_at_when_not_given() {
        let Ok(Record::Action(a)) = normalize(
            &rec(
                r#"{"type":"action","conversation_id":"c","name":"x","started_at":"2026-10-01T00:00:00Z","ended_at":"2026-10-01T00:00:01.5Z"}"#,
            ),
            None,
        ) else {
            panic!()
        };
        assert_eq!(a.duration_ms, Some(1500.0));
    }
}

//! Records built from another platform's values, and the readers the
//! importers share: JSON items (streamed from an array, a list under a key,
//! or lines) and CSV rows, each turned into a JSON object so that one mapping
//! serves every layout of a platform's export.

use super::super::normalize::normalize;
use super::super::raw::{Field, Loose, RawRecord};
use super::super::read::{self as readers, End};
use super::super::source::{describe_read_error, Source};
use super::super::split::{self, Piece};
use super::super::{Position, Sink, Stopped};
use super::Context;
use crate::import::detect::Head;
use crate::model::{ForeignCost, Record};
use chrono::{NaiveDateTime, TimeZone};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// One record being built from foreign fields; `normalize` validates it.
/// A message may also carry what FORMAT.md has no field for (a cost in
/// another currency, an unknown time), set after validation.
#[derive(Debug, Clone)]
pub struct Rec(RawRecord<'static>, MessageExtras);

#[derive(Debug, Clone, Default)]
struct MessageExtras {
    foreign_cost: Option<ForeignCost>,
    time_unknown: bool,
}

impl Rec {
    pub fn new(kind: &'static str) -> Rec {
        let mut raw = RawRecord::default();
        raw.set(Field::Type, Loose::Str(Cow::Borrowed(kind)));
        Rec(raw, MessageExtras::default())
    }

    pub fn set(mut self, field: Field, value: Loose<'static>) -> Rec {
        self.0.set(field, value);
        self
    }

    /// A message's cost in another currency than US dollars, kept as given.
    pub fn foreign_cost(mut self, cost: Option<ForeignCost>) -> Rec {
        self.1.foreign_cost = cost;
        self
    }

    /// A message whose time the file did not give (see `Message::time_unknown`).
    pub fn time_unknown(mut self, unknown: bool) -> Rec {
        self.1.time_unknown = unknown;
        self
    }

    pub fn text(self, field: Field, text: impl Into<String>) -> Rec {
        self.set(field, Loose::Str(Cow::Owned(text.into())))
    }

    pub fn opt_text(self, field: Field, text: Option<impl Into<String>>) -> Rec {
        match text {
            Some(t) => self.text(field, t),
            None => self,
        }
    }

    /// A field as the file gave it: numbers stay numbers, text stays text.
    pub fn value(self, field: Field, value: Option<&Value>) -> Rec {
        match value {
            Some(v) => self.set(field, loose(v)),
            None => self,
        }
    }

    pub fn number(self, field: Field, n: Option<f64>) -> Rec {
        match n {
            Some(n) => self.set(field, Loose::Float(n)),
            None => self,
        }
    }

    pub fn count(self, field: Field, n: Option<u64>) -> Rec {
        match n {
            Some(n) => self.set(field, Loose::UInt(n)),
            None => self,
        }
    }

    /// A timestamp, read in the import's zone when it has no offset.
    pub fn time(self, field: Field, value: Option<&Value>, ctx: &Context) -> Result<Rec, String> {
        match value {
            Some(v) => Ok(self.set(field, time(v, ctx).map_err(|e| format!("{} {e}", field.name()))?)),
            None => Ok(self),
        }
    }

    pub fn micros(self, field: Field, at: Option<crate::model::Micros>) -> Rec {
        match at {
            Some(at) => self.text(field, crate::model::format_rfc3339(at)),
            None => self,
        }
    }

    /// Conversation metadata; an empty object is no metadata.
    pub fn metadata(self, map: Map<String, Value>) -> Rec {
        if map.is_empty() {
            self
        } else {
            self.set(Field::Metadata, Loose::Object(Cow::Owned(Value::Object(map).to_string())))
        }
    }
}

/// Validates `rec` and hands it on; a rejection says which source record it came from.
pub fn emit(sink: &mut dyn Sink, position: Position, what: &str, rec: Rec) -> Result<(), Stopped> {
    let Rec(raw, extras) = rec;
    let outcome = normalize(&raw, None).map(|record| match record {
        Record::Message(mut m) => {
            m.foreign_cost = extras.foreign_cost;
            m.time_unknown = extras.time_unknown;
            Record::Message(m)
        }
        other => other,
    });
    sink.push(position, outcome.map_err(|reason| format!("{what}: {reason}")))
}

pub fn reject(sink: &mut dyn Sink, position: Position, reason: String) -> Result<(), Stopped> {
    sink.push(position, Err(reason))
}

/// A JSON value as a raw field value.
pub fn loose(v: &Value) -> Loose<'static> {
    match v {
        Value::Null => Loose::Null,
        Value::Bool(b) => Loose::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Loose::UInt(u),
            (_, Some(i)) => Loose::Int(i),
            _ => Loose::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Loose::Str(Cow::Owned(s.clone())),
        Value::Object(_) => Loose::Object(Cow::Owned(v.to_string())),
        Value::Array(_) => Loose::Array,
    }
}

/// A timestamp value; text without an offset is read in `--naive-tz` when one is given.
pub fn time(v: &Value, ctx: &Context) -> Result<Loose<'static>, String> {
    if let (Value::String(s), Some(tz)) = (v, ctx.options.naive_tz) {
        if let Some(local) = localize(s, tz)? {
            return Ok(Loose::Str(Cow::Owned(local)));
        }
    }
    Ok(loose(v))
}

/// Date-and-time text with no offset, read in `tz`, as RFC 3339 with that
/// zone's offset; `None` when the text is no such thing (it is then read as
/// FORMAT.md says). A local time that the zone skips (a spring-forward gap)
/// is an error; one it has twice is read as the earlier.
pub fn localize(text: &str, tz: chrono_tz::Tz) -> Result<Option<String>, String> {
    const FORMS: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"];
    let t = text.trim().replacen('t', "T", 1);
    let Some(naive) = FORMS.iter().find_map(|f| NaiveDateTime::parse_from_str(&t, f).ok()) else {
        return Ok(None);
    };
    match tz.from_local_datetime(&naive).earliest() {
        Some(at) => Ok(Some(at.to_rfc3339())),
        None => Err(format!("{} does not exist in {tz} (the clocks skip it)", crate::import::normalize::quote(text))),
    }
}

/// A field of an object that is there and not null.
pub fn field<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    obj.get(name).filter(|v| !v.is_null())
}

/// The first of several names a field goes by.
pub fn field_of<'v>(obj: &'v Map<String, Value>, names: &[&str]) -> Option<&'v Value> {
    names.iter().find_map(|n| field(obj, n))
}

/// A field as trimmed text (numbers as their decimal text); empty is none.
pub fn text(obj: &Map<String, Value>, name: &str) -> Option<String> {
    let t = match field(obj, name)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!t.is_empty()).then_some(t)
}

/// A number, from a number or numeric text.
pub fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// What a person reads of a message value: text as it is; chat content parts
/// joined; a list of chat messages, its last one's content; an object, its
/// `content`, `text`, `query`, `answer`, `output`, `input`, `message`,
/// `question` or `response` (the first there), else its JSON.
pub fn message_text(v: &Value) -> Option<String> {
    const TEXT_KEYS: &[&str] =
        &["content", "text", "query", "answer", "output", "input", "message", "question", "response"];
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) if items.iter().all(|i| i.get("role").is_some()) => items.last().and_then(message_text),
        Value::Array(items) if items.iter().all(|i| i.is_string() || i.get("text").is_some()) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| match i {
                    Value::String(s) => Some(s.clone()),
                    other => other.get("text").and_then(message_text),
                })
                .collect();
            Some(parts.join("\n"))
        }
        Value::Object(map) => match TEXT_KEYS.iter().find_map(|k| field(map, k)) {
            Some(inner) => message_text(inner),
            None => field(map, "messages").and_then(message_text).or_else(|| Some(v.to_string())),
        },
        Value::Array(_) => Some(v.to_string()),
    }
}

/// Reads the items of a JSON export: one a line (JSON Lines), the elements
/// of a top-level array, or the elements of the list under `under` in a
/// top-level object (each item is built alone, whatever the file's size, and
/// one larger than a record may be is rejected unread). Returns the top
/// object's other fields (those that fit in a record). A line that is not
/// JSON is one rejected item; a document that is not JSON refuses the file.
pub fn json_items(
    source: Source,
    head: &Head,
    under: Option<&str>,
    visit: &mut dyn FnMut(Position, Result<Value, String>) -> Result<(), Stopped>,
) -> Result<Map<String, Value>, End> {
    let json = head.json.as_ref().ok_or_else(|| End::Refused("not JSON".into()))?;
    if json.lines {
        json_lines(source, visit)?;
        return Ok(Map::new());
    }
    let mut doc = split::Json::new(source.reader);
    let mut rest = Map::new();
    let mut item = |index: u64, piece: Piece| {
        let position = Position::Item(index);
        let value = match piece {
            Piece::TooLarge(size) => Err(split::too_large("item", size)),
            Piece::Whole(bytes) => match serde_json::from_slice::<Value>(bytes) {
                Ok(v) => Ok(v),
                Err(e) if readers::too_deep(&e) => {
                    Err(format!("the item nests deeper than {} levels", crate::limits::MAX_NESTING))
                }
                Err(e) => return Err(split::Stop::Broken(split::Broken::Syntax(format!("item {index}: {e}")))),
            },
        };
        visit(position, value).map_err(|_| split::Stop::Stopped)
    };
    let result = if json.opens_with == b'[' {
        doc.list(&mut item)
    } else if under.is_none() {
        // One object alone: JSON Lines of one line, or one pretty-printed record.
        let mut buf = Vec::new();
        let size = doc.value(&mut buf, crate::limits::MAX_RECORD_BYTES).map_err(split::Stop::from);
        size.and_then(|size| {
            let piece =
                if size <= crate::limits::MAX_RECORD_BYTES as u64 { Piece::Whole(&buf) } else { Piece::TooLarge(size) };
            item(1, piece)
        })
    } else {
        let under = under.unwrap_or("");
        let mut streamed = false;
        let mut buf = Vec::new();
        doc.object(&mut |doc, key| {
            if key == under && !streamed && doc.next_significant()? == Some(b'[') {
                streamed = true;
                return doc.list(&mut item);
            }
            let size = doc.value(&mut buf, crate::limits::MAX_RECORD_BYTES)?;
            if size <= crate::limits::MAX_RECORD_BYTES as u64 {
                let value = serde_json::from_slice(&buf).map_err(|e| {
                    split::Stop::Broken(split::Broken::Syntax(format!(
                        "the value of {}: {e}",
                        crate::import::normalize::quote(&key)
                    )))
                })?;
                rest.insert(key, value);
            }
            Ok(())
        })
    };
    result.map_err(readers::ended)?;
    readers::at_end(&mut doc)?;
    Ok(rest)
}

/// A whole JSON document, for exports that are one object (a single trace).
/// It is built whole in memory, so one larger than
/// [`crate::limits::MAX_DOCUMENT_BYTES`] is refused.
pub fn json_document(source: Source) -> Result<Value, End> {
    use std::io::Read;
    let limit = crate::limits::MAX_DOCUMENT_BYTES;
    let mut bytes = Vec::new();
    source.reader.take(limit + 1).read_to_end(&mut bytes).map_err(|e| End::Refused(describe_read_error(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(End::Refused(format!(
            "a single JSON document larger than {} MiB is more than Rapport reads at once; export it in parts",
            limit >> 20
        )));
    }
    serde_json::from_slice(&bytes).map_err(|e| End::Refused(format!("not valid JSON ({e})")))
}

fn json_lines(
    source: Source,
    visit: &mut dyn FnMut(Position, Result<Value, String>) -> Result<(), Stopped>,
) -> Result<(), End> {
    readers::for_each_line(source, &mut |line, text| {
        let item = text.and_then(|text| match serde_json::from_str::<Value>(text.trim_end()) {
            Ok(v) => Ok(v),
            Err(e) if readers::too_deep(&e) => {
                Err(format!("the line nests deeper than {} levels", crate::limits::MAX_NESTING))
            }
            Err(e) => Err(format!("not valid JSON ({e})")),
        });
        visit(Position::Line(line), item).map_err(End::from)
    })
}

/// What [`csv_objects`] hands each row to: the row as an object, or why it is rejected.
pub type RowVisit<'a> = dyn FnMut(Position, Result<Map<String, Value>, String>) -> Result<(), Stopped> + 'a;

/// Reads CSV rows as JSON objects keyed by header (cells that hold a JSON
/// object or list become that value; others stay text). Positions are rows,
/// the header being row 1; a row too large to be a record is rejected.
pub fn csv_objects(source: Source, visit: &mut RowVisit) -> Result<(), End> {
    csv_objects_with(source, b',', visit)
}

/// [`csv_objects`] with cells separated by `delimiter`.
pub fn csv_objects_with(source: Source, delimiter: u8, visit: &mut RowVisit) -> Result<(), End> {
    let mut rows = split::CsvRows::new(source.reader, delimiter);
    let read_error = |e: std::io::Error| End::Refused(describe_read_error(&e));
    let text = |cell: &[u8], row: u64| {
        std::str::from_utf8(cell).map(str::to_owned).map_err(|_| End::Refused(readers::not_utf8(&format!("row {row}"))))
    };
    let headers: Vec<String> = match rows.next_row().map_err(read_error)? {
        None => return Ok(()),
        Some((_, split::Row::TooLarge(_))) => {
            return Err(End::Refused("the header row is too large to be one (row 1)".into()))
        }
        Some((_, split::Row::Cells(cells))) => cells.iter().map(|c| text(c, 1)).collect::<Result<_, _>>()?,
    };
    while let Some((number, row)) = rows.next_row().map_err(read_error)? {
        let position = Position::Row(number);
        let cells = match row {
            split::Row::Cells(cells) => cells,
            split::Row::TooLarge(size) => {
                visit(position, Err(split::too_large("row", size)))?;
                continue;
            }
        };
        let mut obj = Map::new();
        for (header, cell) in headers.iter().zip(cells.iter()) {
            obj.insert(header.clone(), cell_value(&text(cell, number)?));
        }
        visit(position, Ok(obj))?;
    }
    Ok(())
}

/// A CSV cell: an empty cell is null; JSON objects and lists are read as such.
pub fn cell_value(cell: &str) -> Value {
    let t = cell.trim();
    if t.is_empty() {
        return Value::Null;
    }
    if (t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']')) {
        if let Ok(v) = serde_json::from_str::<Value>(t) {
            return v;
        }
    }
    Value::String(cell.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("2026-10-01 09:30:00", "Europe/Berlin", Some("2026-10-01T09:30:00+02:00"))]
    #[case("2026-12-01T09:30:00.25", "Europe/Berlin", Some("2026-12-01T09:30:00.250+01:00"))]
    #[case("2026-10-01T09:30:00Z", "Europe/Berlin", None)]
    #[case("1730000000", "Europe/Berlin", None)]
    fn naive_times_are_read_in_the_zone_given(#[case] text: &str, #[case] tz: &str, #[case] expected: Option<&str>) {
        let got = localize(text, tz.parse().unwrap()).unwrap();
        assert_eq!(
            got.as_deref().map(|s| crate::model::parse_timestamp(s).unwrap()),
            expected.map(|s| crate::model::parse_timestamp(s).unwrap())
        );
    }

    #[test]
    fn a_time_the_clocks_skip_is_an_error() {
        let err = localize("2026-03-29 02:30:00", "Europe/Berlin".parse().unwrap()).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[rstest]
    #[case(r#""hi""#, Some("hi"))]
    #[case(r#"[{"role":"system","content":"be nice"},{"role":"user","content":"hi"}]"#, Some("hi"))]
    #[case(r#"{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}"#, Some("a\nb"))]
    #[case(r#"{"query":"where?"}"#, Some("where?"))]
    #[case(r#"{"k":1}"#, Some(r#"{"k":1}"#))]
    #[case("null", None)]
    fn message_text_is_what_a_person_reads(#[case] json: &str, #[case] expected: Option<&str>) {
        assert_eq!(message_text(&serde_json::from_str(json).unwrap()).as_deref(), expected);
    }
}

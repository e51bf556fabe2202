//! Records built from another platform's values, and the readers the
//! importers share: JSON items (streamed from an array, a list under a key,
//! or lines) and CSV rows, each turned into a JSON object so that one mapping
//! serves every layout of a platform's export.

use super::super::normalize::normalize;
use super::super::raw::{Field, Loose, RawRecord};
use super::super::readers::End;
use super::super::source::{describe_read_error, Source};
use super::super::{Position, Sink, Stopped};
use super::{Context, Head};
use chrono::{NaiveDateTime, TimeZone};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// One record being built from foreign fields; `normalize` validates it.
#[derive(Debug, Clone)]
pub struct Rec(RawRecord<'static>);

impl Rec {
    pub fn new(kind: &'static str) -> Rec {
        let mut raw = RawRecord::default();
        raw.set(Field::Type, Loose::Str(Cow::Borrowed(kind)));
        Rec(raw)
    }

    pub fn set(mut self, field: Field, value: Loose<'static>) -> Rec {
        self.0.set(field, value);
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
    sink.push(position, normalize(&rec.0, None).map_err(|reason| format!("{what}: {reason}")))
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
        None => Err(format!("{text:?} does not exist in {tz} (the clocks skip it)")),
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
/// top-level object (streamed: each item is built alone, whatever the file's
/// size). Returns the top object's other fields. A line that is not JSON is
/// one rejected item; a document that is not JSON refuses the file.
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
    let mut de = serde_json::Deserializer::from_reader(source.reader);
    let mut stopped = false;
    let mut rest = Map::new();
    let result = if json.opens_with == b'[' {
        de.deserialize_seq(Items { visit: &mut *visit, stopped: &mut stopped })
    } else {
        let under = under.unwrap_or("");
        de.deserialize_map(Top { under, visit: &mut *visit, stopped: &mut stopped, rest: &mut rest })
    }
    .and_then(|_| de.end());
    match result {
        _ if stopped => Err(End::Stopped),
        Ok(()) => Ok(rest),
        Err(e) if e.is_io() => Err(End::Refused(e.to_string())),
        Err(e) => Err(End::Refused(format!("not valid JSON ({e})"))),
    }
}

/// A whole JSON document, for exports that are one object (a single trace).
pub fn json_document(source: Source) -> Result<Value, End> {
    serde_json::from_reader(source.reader).map_err(|e| {
        if e.is_io() {
            End::Refused(e.to_string())
        } else {
            End::Refused(format!("not valid JSON ({e})"))
        }
    })
}

fn json_lines(
    source: Source,
    visit: &mut dyn FnMut(Position, Result<Value, String>) -> Result<(), Stopped>,
) -> Result<(), End> {
    crate::import::readers::for_each_line(source, &mut |line, text| {
        let item = serde_json::from_str::<Value>(text.trim_end()).map_err(|e| format!("not valid JSON ({e})"));
        visit(Position::Line(line), item).map_err(End::from)
    })
}

struct Items<'a, 's> {
    visit: &'a mut (dyn FnMut(Position, Result<Value, String>) -> Result<(), Stopped> + 's),
    stopped: &'a mut bool,
}

impl<'de> Visitor<'de> for Items<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(item) = seq.next_element::<Value>()? {
            index += 1;
            if (self.visit)(Position::Item(index), Ok(item)).is_err() {
                *self.stopped = true;
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Items<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

struct Top<'a, 's> {
    under: &'a str,
    visit: &'a mut (dyn FnMut(Position, Result<Value, String>) -> Result<(), Stopped> + 's),
    stopped: &'a mut bool,
    rest: &'a mut Map<String, Value>,
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == self.under {
                map.next_value_seed(Items { visit: &mut *self.visit, stopped: &mut *self.stopped })?;
            } else {
                let v: Value = map.next_value()?;
                self.rest.insert(key, v);
            }
        }
        Ok(())
    }
}

/// Reads CSV rows as JSON objects keyed by header (cells that hold a JSON
/// object or list become that value; others stay text). Positions are rows,
/// the header being row 1.
pub fn csv_objects(
    source: Source,
    visit: &mut dyn FnMut(Position, Map<String, Value>) -> Result<(), Stopped>,
) -> Result<(), End> {
    csv_objects_with(source, b',', visit)
}

/// [`csv_objects`] of a CSV whose cells `separator` divides (`;` or a tab).
pub fn csv_objects_with(
    source: Source,
    separator: u8,
    visit: &mut dyn FnMut(Position, Map<String, Value>) -> Result<(), Stopped>,
) -> Result<(), End> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).has_headers(true).delimiter(separator).from_reader(source.reader);
    let refuse = |e: csv::Error, row: u64| match e.kind() {
        csv::ErrorKind::Io(io) => End::Refused(describe_read_error(io)),
        csv::ErrorKind::Utf8 { .. } => End::Refused(format!("not UTF-8 text (row {row})")),
        _ => End::Refused(format!("not readable as CSV ({e})")),
    };
    let headers: Vec<String> = reader.headers().map_err(|e| refuse(e, 1))?.iter().map(str::to_owned).collect();
    let mut row = csv::StringRecord::new();
    let mut number: u64 = 1;
    loop {
        match reader.read_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => return Err(refuse(e, number + 1)),
        }
        number += 1;
        let mut obj = Map::new();
        for (header, cell) in headers.iter().zip(row.iter()) {
            obj.insert(header.clone(), cell_value(cell));
        }
        visit(Position::Row(number), obj)?;
    }
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

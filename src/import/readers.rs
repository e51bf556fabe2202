//! One reader per native layout. Each turns a file into positioned raw
//! records, normalises them and hands them to a [`Sink`]; a file that cannot
//! be read at all ends with [`End::Refused`], after which the caller discards
//! whatever the sink was given.

use super::normalize::normalize;
use super::raw::{Field, JsonItem, Loose, RawRecord};
use super::source::{describe_read_error, Source};
use super::{Position, Sink, Stopped};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

/// How reading a file ended when it did not end well.
#[derive(Debug)]
pub enum End {
    /// The whole file is unreadable: it adds nothing.
    Refused(String),
    /// The sink stopped listening (cancelled, or the store failed).
    Stopped,
}

impl From<Stopped> for End {
    fn from(_: Stopped) -> End {
        End::Stopped
    }
}

const NOT_AN_OBJECT: &str = "the record is not a JSON object";

fn push_json(sink: &mut dyn Sink, position: Position, text: &str) -> Result<(), Stopped> {
    match serde_json::from_str::<JsonItem>(text) {
        Ok(JsonItem::Record(raw)) => sink.push(position, normalize(&raw, None)),
        Ok(JsonItem::NotAnObject) => sink.push(position, Err(NOT_AN_OBJECT.into())),
        Err(e) => sink.push(position, Err(format!("not valid JSON ({})", json_error(&e)))),
    }
}

/// serde_json's message without the line, which the position already gives.
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(at) if e.line() <= 1 => format!("{} at column {}", &text[..at], e.column()),
        _ => text,
    }
}

/// JSON Lines: one record a line; a line that is not JSON is one rejected record.
pub fn json_lines(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    for_each_line(source, &mut |line, text| push_json(sink, Position::Line(line), text).map_err(End::from))
}

/// Calls `visit` with the number (from 1) and text of every line that is not
/// blank; a line that is not UTF-8 refuses the whole file.
pub fn for_each_line(mut source: Source, visit: &mut dyn FnMut(u64, &str) -> Result<(), End>) -> Result<(), End> {
    let mut buf = Vec::with_capacity(4096);
    let mut line: u64 = 0;
    loop {
        buf.clear();
        let n = source.reader.read_until(b'\n', &mut buf).map_err(|e| End::Refused(describe_read_error(&e)))?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        let text = std::str::from_utf8(&buf).map_err(|e| {
            End::Refused(format!("not UTF-8 text (line {line}, byte {} of the line)", e.valid_up_to() + 1))
        })?;
        if !text.trim().is_empty() {
            visit(line, text)?;
        }
    }
}

/// The first byte that is not white space, without consuming anything.
pub fn first_significant_byte(source: &mut Source) -> Result<Option<u8>, String> {
    let head = source.reader.fill_buf().map_err(|e| describe_read_error(&e))?;
    Ok(head.iter().copied().find(|b| !b.is_ascii_whitespace()))
}

/// A `.json` file: an array of records, `{"events": [...]}`, or one record.
/// A file that starts with `{` but is not one JSON document is JSON Lines.
pub fn json_document(
    mut source: Source,
    reopen: &dyn Fn() -> Result<Source, String>,
    sink: &mut dyn Sink,
) -> Result<&'static str, End> {
    match first_significant_byte(&mut source).map_err(End::Refused)? {
        Some(b'[') => {
            json_array(source, sink)?;
            Ok("json")
        }
        Some(b'{') => {
            // Is it one document? Checked first, without building anything,
            // so that no record is written from a file that turns out to be lines.
            let single = is_one_document(source.reader);
            let source = reopen().map_err(End::Refused)?;
            if single {
                json_object(source, sink)?;
                Ok("json")
            } else {
                json_lines(source, sink)?;
                Ok("jsonl")
            }
        }
        _ => Err(End::Refused(
            "not valid JSON: a .json file must hold an array of records, {\"events\": [...]} or one record".into(),
        )),
    }
}

/// Whether the text is exactly one JSON document, checked without building it.
fn is_one_document<R: std::io::Read>(reader: R) -> bool {
    let mut de = serde_json::Deserializer::from_reader(reader);
    <IgnoredAny as serde::Deserialize>::deserialize(&mut de).is_ok() && de.end().is_ok()
}

fn json_array(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    let mut de = serde_json::Deserializer::from_reader(source.reader);
    let mut stopped = false;
    let result = de.deserialize_seq(Records { sink, stopped: &mut stopped }).and_then(|_| de.end());
    finish(result, stopped)
}

fn finish(result: Result<(), serde_json::Error>, stopped: bool) -> Result<(), End> {
    match result {
        _ if stopped => Err(End::Stopped),
        Ok(()) => Ok(()),
        Err(e) if e.is_io() => Err(End::Refused(e.to_string())),
        Err(e) => Err(End::Refused(format!("not valid JSON ({e})"))),
    }
}

/// Streams the elements of an array, each one record.
struct Records<'a, 's> {
    sink: &'a mut (dyn Sink + 's),
    stopped: &'a mut bool,
}

impl<'de> Visitor<'de> for Records<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            index += 1;
            if push_json(self.sink, Position::Item(index), raw.get()).is_err() {
                *self.stopped = true;
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Records<'_, '_> {
    type Value = bool;

    /// `true` when the value was an array and its records were streamed.
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        struct MaybeArray<'a, 'b, 's>(Records<'a, 's>, std::marker::PhantomData<&'b ()>);
        impl<'de> Visitor<'de> for MaybeArray<'_, '_, '_> {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
                self.0.visit_seq(seq).map(|_| true)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(false)
            }
            fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_str<E>(self, _: &str) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_unit<E>(self) -> Result<bool, E> {
                Ok(false)
            }
        }
        d.deserialize_any(MaybeArray(self, std::marker::PhantomData))
    }
}

/// A top-level object: `{"events": [...]}` streams its events; otherwise the
/// object is one record if it has a `type`.
fn json_object(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    let mut de = serde_json::Deserializer::from_reader(source.reader);
    let mut stopped = false;
    let mut outcome = TopLevel::Other(serde_json::Map::new());
    let result = de
        .deserialize_map(TopVisitor { sink: &mut *sink, stopped: &mut stopped, outcome: &mut outcome })
        .and_then(|_| de.end());
    finish(result, stopped)?;
    match outcome {
        TopLevel::Events => Ok(()),
        TopLevel::Other(map) if map.contains_key("type") => {
            let text = serde_json::Value::Object(map).to_string();
            push_json(sink, Position::Item(1), &text).map_err(End::from)
        }
        TopLevel::Other(_) => Err(End::Refused(format!(
            "JSON of another shape: neither a list of records, {{\"events\": [...]}}, nor one record with a \"type\". {}",
            super::formats::readable_formats()
        ))),
    }
}

enum TopLevel {
    Events,
    Other(serde_json::Map<String, serde_json::Value>),
}

struct TopVisitor<'a, 's> {
    sink: &'a mut (dyn Sink + 's),
    stopped: &'a mut bool,
    outcome: &'a mut TopLevel,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut fields = serde_json::Map::new();
        let mut streamed = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "events" && !streamed {
                streamed = map.next_value_seed(Records { sink: &mut *self.sink, stopped: &mut *self.stopped })?;
            } else {
                fields.insert(key, map.next_value()?);
            }
        }
        *self.outcome = if streamed { TopLevel::Events } else { TopLevel::Other(fields) };
        Ok(())
    }
}

/// The kind a CSV file's name gives its rows (`Messages.csv` → message).
pub fn csv_kind(name: &str) -> Option<&'static str> {
    match name.to_lowercase().as_str() {
        "conversations.csv" => Some("conversation"),
        "messages.csv" => Some("message"),
        "actions.csv" => Some("action"),
        "feedback.csv" => Some("feedback"),
        _ => None,
    }
}

/// CSV (RFC 4180): one file per kind, or any file with a `type` column.
/// Columns that are no field are kept as the conversation's metadata.
pub fn csv(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    let kind = csv_kind(&source.name);
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(source.reader);
    let refuse_csv = |e: csv::Error| match e.kind() {
        csv::ErrorKind::Io(io) => End::Refused(describe_read_error(io)),
        _ => End::Refused(format!("not readable as CSV ({e})")),
    };
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(refuse_csv)?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            String::from_utf8(h.to_vec())
                .map_err(|_| End::Refused(format!("not UTF-8 text (header, column {})", i + 1)))
        })
        .collect::<Result<_, _>>()?;
    if kind.is_none() && !headers.iter().any(|h| h == "type") {
        return Err(End::Refused(format!(
            "a CSV file needs a `type` column, or a name that says its kind (conversations.csv, messages.csv, actions.csv, feedback.csv), or --map FIELD=COLUMN. {}",
            super::formats::readable_formats()
        )));
    }
    let columns: Vec<Option<Field>> = headers.iter().map(|h| Field::from_name(h)).collect();
    let mut row = csv::ByteRecord::new();
    let mut number: u64 = 1; // the header is row 1
    while reader.read_byte_record(&mut row).map_err(refuse_csv)? {
        number += 1;
        let mut raw = RawRecord::default();
        for (i, cell) in row.iter().enumerate() {
            let Some(header) = headers.get(i) else {
                continue;
            }; // cells past the header have no name
            let cell = std::str::from_utf8(cell)
                .map_err(|_| End::Refused(format!("not UTF-8 text (row {number}, column {header})")))?;
            match columns[i] {
                Some(field) if cell.is_empty() => raw.set(field, Loose::Absent),
                Some(field) => raw.set(field, Loose::Str(Cow::Owned(cell.to_owned()))),
                None if cell.is_empty() => {}
                None => raw.extra.push((Cow::Owned(header.clone()), Cow::Owned(cell.to_owned()))),
            }
        }
        sink.push(Position::Row(number), normalize(&raw, kind))?;
    }
    Ok(())
}

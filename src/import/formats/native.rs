//! Rapport's own format (FORMAT.md), one [`Importer`] like the others:
//! JSON Lines (`jsonl`), a JSON document (`json`: an array of records,
//! `{"events": [...]}` or one record) and CSV (`csv`: a `type` column, or one
//! file per kind). A file's name says which; a file with no telling name is
//! judged by its first bytes.

use super::{Head, Importer, Reading};
use crate::import::normalize::normalize;
use crate::import::raw::{Field, JsonItem, Loose, RawRecord};
use crate::import::read::{at_end, ended, for_each_line, is_one_document, json_error, not_utf8, too_deep, utf8, End};
use crate::import::source::{describe_read_error, Source};
use crate::import::split::{self, Piece};
use crate::import::{Position, Sink, Stopped};
use crate::limits;
use crate::model::Record;
use std::borrow::Cow;
use std::io::BufRead;

/// The native format's three layouts, as a report names them.
pub const JSON_LINES: &str = "jsonl";
pub const JSON: &str = "json";
pub const CSV: &str = "csv";

pub struct Native;

impl Importer for Native {
    /// By the name's ending; else `[`, `{` or nothing is JSON, and a first
    /// line with a `type` cell is CSV.
    fn detect(&self, head: &Head) -> Option<&'static str> {
        let name = head.name.to_lowercase();
        if name.ends_with(".csv") {
            Some(CSV)
        } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            Some(JSON_LINES)
        } else if name.ends_with(".json") {
            Some(JSON)
        } else {
            match head.first_byte {
                Some(b'[' | b'{') | None => Some(JSON),
                Some(_) if head.first_line_has_type => Some(CSV),
                Some(_) => None,
            }
        }
    }

    /// A JSON file that starts with `{` is one document or JSON Lines under
    /// another name: only reading past its first value tells, which is done
    /// here, keeping nothing, so that no record is written from a file that
    /// turns out to be lines.
    fn settle(&self, format: &'static str, head: &Head, source: Source) -> &'static str {
        if format == JSON && head.first_byte == Some(b'{') && !is_one_document(source.reader) {
            JSON_LINES
        } else {
            format
        }
    }

    fn read(&self, file: Reading) -> Result<(), End> {
        match file.format {
            JSON_LINES => json_lines(file.source, file.sink),
            CSV => csv(file.source, file.sink),
            _ => json_document(file.source, file.sink),
        }
    }
}

const NOT_AN_OBJECT: &str = "the record is not a JSON object";

/// A record's JSON text, parsed: the record (or why it is rejected), or the
/// syntax error that makes the text no JSON at all.
fn parse_record(text: &str) -> Result<Result<Record, String>, serde_json::Error> {
    match serde_json::from_str::<JsonItem>(text) {
        Ok(JsonItem::Record(raw)) => Ok(normalize(&raw, None)),
        Ok(JsonItem::NotAnObject) => Ok(Err(NOT_AN_OBJECT.into())),
        Err(e) if too_deep(&e) => Ok(Err(format!("the record nests deeper than {} levels", limits::MAX_NESTING))),
        Err(e) => Err(e),
    }
}

fn push_json(sink: &mut dyn Sink, position: Position, text: &str) -> Result<(), Stopped> {
    match parse_record(text) {
        Ok(outcome) => sink.push(position, outcome),
        Err(e) => sink.push(position, Err(format!("not valid JSON ({})", json_error(&e)))),
    }
}

/// JSON Lines: one record a line; a line that is not JSON is one rejected record.
fn json_lines(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    for_each_line(source, &mut |line, text| {
        let position = Position::Line(line);
        match text {
            Ok(text) => push_json(sink, position, text),
            Err(reason) => sink.push(position, Err(reason)),
        }
        .map_err(End::from)
    })
}

/// The first byte that is not white space, without consuming anything.
fn first_significant_byte(source: &mut Source) -> Result<Option<u8>, String> {
    let head = source.reader.fill_buf().map_err(|e| describe_read_error(&e))?;
    Ok(head.iter().copied().find(|b| !b.is_ascii_whitespace()))
}

/// A `.json` file: an array of records, `{"events": [...]}`, or one record.
/// (A file that starts with `{` but is not one JSON document was found to be
/// JSON Lines when it was detected: see [`Native::settle`].)
fn json_document(mut source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    match first_significant_byte(&mut source).map_err(End::Refused)? {
        Some(b'[') => json_array(source, sink),
        Some(b'{') => json_object(source, sink),
        _ => Err(End::Refused(
            "not valid JSON: a .json file must hold an array of records, {\"events\": [...]} or one record".into(),
        )),
    }
}

fn json_array(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    let mut json = split::Json::new(source.reader);
    json.list(&mut |index, piece| list_item(sink, index, piece)).map_err(ended)?;
    at_end(&mut json)
}

/// One item of a list of records: a record, a rejection, or (when it is no
/// JSON at all) the end of the file, which is refused.
fn list_item(sink: &mut dyn Sink, index: u64, piece: Piece) -> Result<(), split::Stop> {
    let position = Position::Item(index);
    let outcome = match piece {
        Piece::TooLarge(size) => Err(split::too_large("item", size)),
        Piece::Whole(bytes) => parse_record(utf8(bytes, &format!("item {index}"))?)
            .map_err(|e| split::Stop::Broken(split::Broken::Syntax(format!("item {index}: {}", json_error(&e)))))?,
    };
    sink.push(position, outcome).map_err(|_| split::Stop::Stopped)
}

/// A top-level object: `{"events": [...]}` streams its events; otherwise the
/// object is one record if it has a `type`.
fn json_object(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    let mut json = split::Json::new(source.reader);
    let mut fields = serde_json::Map::new();
    let mut size: u64 = 0;
    let mut streamed = false;
    let mut buf = Vec::new();
    json.object(&mut |json, key| {
        if key == "events" && !streamed && json.next_significant()? == Some(b'[') {
            streamed = true;
            return json.list(&mut |index, piece| list_item(sink, index, piece));
        }
        size += json.value(&mut buf, limits::MAX_RECORD_BYTES)? + key.len() as u64;
        if size <= limits::MAX_RECORD_BYTES as u64 {
            let value = serde_json::from_slice(&buf).map_err(|e| {
                split::Stop::Broken(split::Broken::Syntax(format!("the value of {key:?}: {}", json_error(&e))))
            })?;
            fields.insert(key, value);
        }
        Ok(())
    })
    .map_err(ended)?;
    at_end(&mut json)?;
    if streamed {
        return Ok(());
    }
    if size > limits::MAX_RECORD_BYTES as u64 {
        return sink.push(Position::Item(1), Err(split::too_large("record", size))).map_err(End::from);
    }
    if fields.contains_key("type") {
        let text = serde_json::Value::Object(fields).to_string();
        return push_json(sink, Position::Item(1), &text).map_err(End::from);
    }
    Err(End::Refused(format!(
        "JSON of another shape: neither a list of records, {{\"events\": [...]}}, nor one record with a \"type\". {}",
        super::readable_formats()
    )))
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
fn csv(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    let kind = csv_kind(&source.name);
    let mut rows = split::CsvRows::new(source.reader, b',');
    let read_error = |e: std::io::Error| End::Refused(describe_read_error(&e));
    let headers: Vec<String> = match rows.next_row().map_err(read_error)? {
        None => Vec::new(),
        Some((_, split::Row::TooLarge(_))) => {
            return Err(End::Refused("the header row is too large to be one (row 1)".into()));
        }
        Some((_, split::Row::Cells(cells))) => cells
            .iter()
            .enumerate()
            .map(|(i, h)| {
                String::from_utf8(h.to_vec()).map_err(|_| End::Refused(not_utf8(&format!("header, column {}", i + 1))))
            })
            .collect::<Result<_, _>>()?,
    };
    if kind.is_none() && !headers.iter().any(|h| h == "type") {
        return Err(End::Refused(format!(
            "a CSV file needs a `type` column, or a name that says its kind (conversations.csv, messages.csv, actions.csv, feedback.csv), or --map FIELD=COLUMN. {}",
            super::readable_formats()
        )));
    }
    let columns: Vec<Option<Field>> = headers.iter().map(|h| Field::from_name(h)).collect();
    while let Some((number, row)) = rows.next_row().map_err(read_error)? {
        let cells = match row {
            split::Row::Cells(cells) => cells,
            split::Row::TooLarge(size) => {
                sink.push(Position::Row(number), Err(split::too_large("row", size)))?;
                continue;
            }
        };
        let mut raw = RawRecord::default();
        for (i, cell) in cells.iter().enumerate() {
            let Some(header) = headers.get(i) else {
                continue;
            }; // cells past the header have no name
            let cell = std::str::from_utf8(cell)
                .map_err(|_| End::Refused(not_utf8(&format!("row {number}, column {header}"))))?;
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

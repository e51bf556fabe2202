//! One reader per native layout. Each turns a file into positioned raw
//! records, normalises them and hands them to a [`Sink`]; a file that cannot
//! be read at all ends with [`End::Refused`], after which the caller discards
//! whatever the sink was given.

use super::normalize::normalize;
use super::raw::{Field, JsonItem, Loose, RawRecord};
use super::source::{describe_read_error, Source};
use super::split::{self, Piece};
use super::{Position, Sink, Stopped};
use crate::limits;
use crate::model::Record;
use std::borrow::Cow;
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

/// serde_json's guard against deep nesting, which rejects a record, not a file.
pub fn too_deep(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("recursion limit exceeded")
}

fn push_json(sink: &mut dyn Sink, position: Position, text: &str) -> Result<(), Stopped> {
    match parse_record(text) {
        Ok(outcome) => sink.push(position, outcome),
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
    for_each_line(source, &mut |line, text| {
        let position = Position::Line(line);
        match text {
            Ok(text) => push_json(sink, position, text),
            Err(reason) => sink.push(position, Err(reason)),
        }
        .map_err(End::from)
    })
}

/// What [`for_each_line`] hands each line to: its number, and its text or why it is rejected.
pub type LineVisit<'a> = dyn FnMut(u64, Result<&str, String>) -> Result<(), End> + 'a;

/// Calls `visit` with the number (from 1) and text of every line that is not
/// blank, or with why a line is rejected (it is too large to be a record); a
/// line that is not UTF-8 refuses the whole file.
pub fn for_each_line(source: Source, visit: &mut LineVisit) -> Result<(), End> {
    let mut lines = split::Lines::new(source.reader);
    while let Some((line, piece)) = lines.next_line().map_err(|e| End::Refused(describe_read_error(&e)))? {
        match piece {
            Piece::Whole(bytes) => {
                let text = std::str::from_utf8(bytes).map_err(|e| {
                    End::Refused(not_utf8(&format!("line {line}, byte {} of the line", e.valid_up_to() + 1)))
                })?;
                if !text.trim().is_empty() {
                    visit(line, Ok(text))?;
                }
            }
            Piece::TooLarge(size) => visit(line, Err(split::too_large("line", size)))?,
        }
    }
    Ok(())
}

/// The refusal of a file that is not text Rapport can decode, with the way out.
pub fn not_utf8(at: &str) -> String {
    format!("not UTF-8 text ({at}); save it as UTF-8, or as UTF-16 with a byte-order mark, and import it again")
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
            // Is it one document? Checked first, keeping nothing, so that no
            // record is written from a file that turns out to be lines.
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

/// Whether the text is exactly one JSON value, checked with bounded memory.
pub fn is_one_document<R: BufRead>(reader: R) -> bool {
    let mut json = split::Json::new(reader);
    json.skip().is_ok() && json.at_end().unwrap_or(false)
}

/// How cutting a document ended, as the end of reading a file.
pub fn ended(stop: split::Stop) -> End {
    match stop {
        split::Stop::Stopped => End::Stopped,
        split::Stop::Broken(split::Broken::Io(e)) => End::Refused(describe_read_error(&e)),
        split::Stop::Broken(split::Broken::Syntax(why)) => End::Refused(format!("not valid JSON ({why})")),
    }
}

/// The text of a piece of a JSON document, which must be UTF-8.
pub fn utf8<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, split::Stop> {
    std::str::from_utf8(bytes)
        .map_err(|_| split::Stop::Broken(split::Broken::Syntax(format!("{what} is not UTF-8 text"))))
}

fn json_array(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
    let mut json = split::Json::new(source.reader);
    json.list(&mut |index, piece| list_item(sink, index, piece)).map_err(ended)?;
    at_end(&mut json)
}

/// Nothing but white space may follow the document.
pub fn at_end<R: BufRead>(json: &mut split::Json<R>) -> Result<(), End> {
    match json.at_end() {
        Ok(true) => Ok(()),
        Ok(false) => Err(End::Refused("not valid JSON (more text after the end of the document)".into())),
        Err(e) => Err(End::Refused(describe_read_error(&e))),
    }
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
        super::formats::readable_formats()
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
pub fn csv(source: Source, sink: &mut dyn Sink) -> Result<(), End> {
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
            super::formats::readable_formats()
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

//! What every reader shares: where a record was ([`Position`]), where it goes
//! ([`Sink`]), how reading a file ends when it does not end well ([`End`]),
//! and the pieces of reading that do not depend on the format (lines, the end
//! of a JSON document, UTF-8).

use super::source::describe_read_error;
use super::source::Source;
use super::split::{self, Piece};
use crate::model::Record;
use std::io::BufRead;

/// Where in its file a record was: a line (JSON Lines), a row (CSV, the
/// header being row 1) or an item of a JSON array (the first being 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Line(u64),
    Row(u64),
    Item(u64),
    /// An item of a named list: `trace.json observation 3` (the first being 1).
    Of(&'static str, u64),
    /// A part of such an item: `export.json conversation 2 span 5`.
    Within(&'static str, u64, &'static str, u64),
}

impl Position {
    pub fn describe(self, file: &str) -> String {
        match self {
            Position::Line(n) => format!("{file} line {n}"),
            Position::Row(n) => format!("{file} row {n}"),
            Position::Item(n) => format!("{file} item {n}"),
            Position::Of(what, n) => format!("{file} {what} {n}"),
            Position::Within(what, n, part, k) => format!("{file} {what} {n} {part} {k}"),
        }
    }
}

/// The writer stopped listening; the reader should stop too.
#[derive(Debug)]
pub struct Stopped;

/// Where readers put what they read.
pub trait Sink {
    fn push(&mut self, position: Position, outcome: Result<Record, String>) -> Result<(), Stopped>;
}

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

/// serde_json's guard against deep nesting, which rejects a record, not a file.
pub fn too_deep(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("recursion limit exceeded")
}

/// serde_json's message without the line, which the position already gives.
pub fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(at) if e.line() <= 1 => format!("{} at column {}", &text[..at], e.column()),
        _ => text,
    }
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

/// Nothing but white space may follow the document.
pub fn at_end<R: BufRead>(json: &mut split::Json<R>) -> Result<(), End> {
    match json.at_end() {
        Ok(true) => Ok(()),
        Ok(false) => Err(End::Refused("not valid JSON (more text after the end of the document)".into())),
        Err(e) => Err(End::Refused(describe_read_error(&e))),
    }
}

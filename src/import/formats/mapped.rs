//! Any CSV, read through a mapping of Rapport's fields to its columns
//! (`rapport import --map conversation_id=Chat --map role=Sender ...`).
//!
//! A row's kind is its mapped `type` column, else the file's name
//! (`messages.csv`), else what the mapping holds: a `role` makes messages, a
//! `rating`, `score` or `sentiment` feedback, a `name` actions, anything else
//! conversations. A row of another kind whose mapping also names context
//! fields (`customer_id`, `device`, ...) gives its conversation that context.
//! Timestamps without an offset are read in `--naive-tz` (default UTC).

use super::build::{self, emit, reject, Rec};
use super::{Importer, Reading};
use crate::import::detect::Head;
use crate::import::formats::native::csv_kind;
use crate::import::raw::{Field, Loose};
use crate::import::read::End;
use crate::import::source;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

/// Field → column, as a person chose them. Crosses IPC as an object of field
/// name → column (`{"conversation_id": "Chat", "role": "Sender"}`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "Record<string, string>"))]
pub struct ColumnMap {
    pairs: Vec<(Field, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("--map {0:?} is not FIELD=COLUMN")]
    NotAPair(String),
    #[error("--map {given:?}: {field:?} is no field of Rapport's records (fields: {fields})")]
    UnknownField { given: String, field: String, fields: String },
    #[error("--map {0:?}: that field is mapped twice")]
    Twice(String),
}

impl ColumnMap {
    /// Reads `field=column` pairs; the column is taken as written, blanks and all.
    pub fn parse<S: AsRef<str>>(pairs: &[S]) -> Result<ColumnMap, MapError> {
        let mut map = ColumnMap::default();
        for pair in pairs {
            let pair = pair.as_ref();
            let (name, column) = pair.split_once('=').ok_or_else(|| MapError::NotAPair(pair.to_owned()))?;
            let field = Field::from_name(name.trim()).ok_or_else(|| MapError::UnknownField {
                given: pair.to_owned(),
                field: name.trim().to_owned(),
                fields: Field::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "),
            })?;
            if map.pairs.iter().any(|(f, _)| *f == field) {
                return Err(MapError::Twice(pair.to_owned()));
            }
            map.pairs.push((field, column.to_owned()));
        }
        Ok(map)
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The column chosen for `field`, if any.
    pub fn column(&self, field: Field) -> Option<&str> {
        self.pairs.iter().find(|(f, _)| *f == field).map(|(_, c)| c.as_str())
    }

    /// Whether a header has every mapped column.
    pub fn fits(&self, header: &[String]) -> bool {
        !self.pairs.is_empty() && self.pairs.iter().all(|(_, c)| header.iter().any(|h| h == c))
    }

    fn has(&self, field: Field) -> bool {
        self.pairs.iter().any(|(f, _)| *f == field)
    }

    /// The kind of rows the mapping makes when no `type` column or file name says.
    fn kind(&self) -> &'static str {
        if self.has(Field::Role) {
            "message"
        } else if self.has(Field::Rating) || self.has(Field::Score) || self.has(Field::Sentiment) {
            "feedback"
        } else if self.has(Field::Name) {
            "action"
        } else {
            "conversation"
        }
    }
}

impl TryFrom<BTreeMap<String, String>> for ColumnMap {
    type Error = MapError;

    fn try_from(map: BTreeMap<String, String>) -> Result<ColumnMap, MapError> {
        let pairs: Vec<String> = map.into_iter().map(|(field, column)| format!("{field}={column}")).collect();
        ColumnMap::parse(&pairs)
    }
}

impl Serialize for ColumnMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.pairs.iter().map(|(field, column)| (field.name(), column)))
    }
}

impl<'de> Deserialize<'de> for ColumnMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ColumnMap, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(d)?;
        ColumnMap::try_from(map).map_err(serde::de::Error::custom)
    }
}

const TIMESTAMPS: &[Field] = &[Field::StartedAt, Field::EndedAt, Field::Timestamp];
const CONTEXT: &[Field] = &[Field::CustomerId, Field::CustomerIpAddress, Field::Device, Field::Source, Field::Language];

pub struct Mapped;

/// How a report names a file read through a mapping.
pub const FORMAT: &str = "csv-mapped";

impl Importer for Mapped {
    fn detect(&self, _head: &Head) -> Option<&'static str> {
        None // chosen by the mapping, in `import::detect`
    }

    fn read(&self, file: Reading) -> Result<(), End> {
        let Reading { source, head, ctx, sink, .. } = file;
        let Some(map) = &ctx.options.map else { return Err(End::Refused("no column mapping was given".into())) };
        let file_kind = csv_kind(&head.name);
        build::csv_objects_with(source, head.separator.byte(), &mut |position, row| {
            let row = match row {
                Ok(row) => row,
                Err(reason) => return reject(sink, position, reason),
            };
            let cell = |column: &str| row.get(column).cloned().unwrap_or(Value::Null);
            let kind = match map.pairs.iter().find(|(f, _)| *f == Field::Type).map(|(_, c)| cell(c)) {
                Some(Value::String(t)) if !t.trim().is_empty() => t.trim().to_owned(),
                _ => file_kind.unwrap_or_else(|| map.kind()).to_owned(),
            };
            let kind: &'static str = match kind.as_str() {
                "conversation" => "conversation",
                "message" => "message",
                "action" => "action",
                "feedback" => "feedback",
                other => {
                    return reject(
                        sink,
                        position,
                        format!(
                            "unknown type {} (expected conversation, message, action or feedback)",
                            crate::import::normalize::quote(other)
                        ),
                    )
                }
            };
            let mut rec = Rec::new(kind);
            let mut context = Rec::new("conversation");
            let mut has_context = false;
            for (field, column) in &map.pairs {
                if *field == Field::Type {
                    continue;
                }
                // Cells are text, as in any CSV; an object in a metadata cell stays its JSON text.
                let value = match row.get(column.as_str()) {
                    None | Some(Value::Null) => continue,
                    Some(Value::String(s)) => Value::String(s.clone()),
                    Some(other) => Value::String(other.to_string()),
                };
                let loose = if TIMESTAMPS.contains(field) {
                    match build::time(&value, ctx) {
                        Ok(l) => l,
                        Err(e) => return reject(sink, position, format!("{} (column {column:?}) {e}", field.name())),
                    }
                } else {
                    build::loose(&value)
                };
                if kind != "conversation" && (CONTEXT.contains(field) || *field == Field::ConversationId) {
                    context = context.set(*field, loose.clone());
                    has_context |= *field != Field::ConversationId;
                }
                rec = rec.set(*field, loose);
            }
            if kind == "conversation" {
                // Unmapped columns are kept in metadata, as the native CSV keeps extra columns.
                let mut extra = Map::new();
                for (column, value) in &row {
                    if !value.is_null() && !map.pairs.iter().any(|(_, c)| c == column) {
                        extra.insert(
                            column.clone(),
                            Value::String(value.as_str().map_or_else(|| value.to_string(), str::to_owned)),
                        );
                    }
                }
                if !extra.is_empty() && !map.has(Field::Metadata) {
                    rec = rec.set(Field::Metadata, Loose::Object(Cow::Owned(Value::Object(extra).to_string())));
                }
            }
            if has_context {
                emit(sink, position, "the row's conversation", context)?;
            }
            emit(sink, position, &format!("{kind} row"), rec)
        })
    }
}

/// What stands between a CSV's cells. Spreadsheets in much of Europe, where
/// the comma is the decimal mark, save "CSV" with `;`; some tools write tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Separator {
    #[default]
    Comma,
    Semicolon,
    Tab,
}

impl Separator {
    const ALL: [Separator; 3] = [Separator::Comma, Separator::Semicolon, Separator::Tab];

    pub fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
            Separator::Tab => b'\t',
        }
    }

    /// The separator of the CSV whose first bytes are `head`: of comma,
    /// semicolon and tab, the one found most often between the cells of its
    /// header line (quoted text not counted); a comma when none is, or on a tie.
    ///
    /// ```text
    /// Chat;Sender;"Time; local";Text    → semicolon (3 against 0 commas)
    /// id,"a;b;c"                        → comma     (the quoted ';' are text)
    /// ```
    pub fn of(head: &[u8]) -> Separator {
        let mut counts = [0usize; 3];
        let mut quoted = false;
        for &b in head {
            match b {
                b'"' => quoted = !quoted,
                b'\n' | b'\r' if !quoted => break,
                _ if !quoted => {
                    if let Some(i) = Separator::ALL.iter().position(|s| s.byte() == b) {
                        counts[i] += 1;
                    }
                }
                _ => {}
            }
        }
        // The first of the most frequent: the comma wins ties.
        let best = (1..counts.len()).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
        Separator::ALL[best]
    }

    fn reader(self) -> csv::ReaderBuilder {
        let mut builder = csv::ReaderBuilder::new();
        builder.flexible(true).has_headers(true).delimiter(self.byte());
        builder
    }
}

/// The header of a CSV whose cells `separator` divides, if its first record
/// is complete within `head` (as [`crate::import::detect::sniff::csv_header`] reads a comma's).
pub fn csv_header(head: &[u8], separator: Separator) -> Option<Vec<String>> {
    let mut reader = separator.reader();
    let mut reader = reader.has_headers(false).from_reader(head);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) if record.len() > 1 || head.contains(&b'\n') => Some(record.iter().map(str::to_owned).collect()),
        _ => None,
    }
}

/// A CSV's header and first rows, for choosing a mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CsvPreview {
    pub headers: Vec<String>,
    /// Up to [`PREVIEW_ROWS`] rows, each as many cells as the header (missing cells empty).
    pub rows: Vec<Vec<String>>,
    /// The separator found, which the import with a mapping reads too.
    pub separator: Separator,
}

pub const PREVIEW_ROWS: usize = 20;

/// The header and first [`PREVIEW_ROWS`] rows of the CSV at `path` (gzip and a
/// byte order mark are read as the import reads them, its separator found
/// as the import finds it).
pub fn preview_csv(path: &Path) -> Result<CsvPreview, String> {
    use crate::import::split::{CsvRows, Row};
    use std::io::BufRead;
    let shown = path.display();
    let mut src = source::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let separator = Separator::of(src.reader.fill_buf().map_err(|e| format!("{shown}: {e}"))?);
    // Read row by row with bounded memory, as the import reads them.
    let mut rows = CsvRows::new(src.reader, separator.byte());
    let mut next = || -> Result<Option<Vec<String>>, String> {
        match rows.next_row().map_err(|e| format!("{shown}: {e}"))? {
            None => Ok(None),
            Some((n, Row::TooLarge(_))) => Err(format!("{shown} row {n}: too large to be a log record")),
            Some((_, Row::Cells(cells))) => Ok(Some(cells.iter().map(preview_cell).collect())),
        }
    };
    let headers = next()?.unwrap_or_default();
    let mut preview = Vec::new();
    while preview.len() < PREVIEW_ROWS {
        let Some(row) = next()? else { break };
        preview.push((0..headers.len()).map(|c| row.get(c).cloned().unwrap_or_default()).collect());
    }
    Ok(CsvPreview { headers, rows: preview, separator })
}

/// A cell as the preview shows it: its text, at most a few hundred characters.
fn preview_cell(cell: &[u8]) -> String {
    const SHOWN: usize = 300;
    let text = String::from_utf8_lossy(cell);
    match text.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_names_known_fields_once() {
        let map = ColumnMap::parse(&["conversation_id=Chat", "role=Sender", "timestamp=Time"]).unwrap();
        assert_eq!(map.kind(), "message");
        assert!(map.fits(&["Chat".into(), "Sender".into(), "Time".into(), "Text".into()]));
        assert!(!map.fits(&["Chat".into()]));
        assert!(matches!(ColumnMap::parse(&["who"]), Err(MapError::NotAPair(_))));
        let err = ColumnMap::parse(&["speaker=Sender"]).unwrap_err().to_string();
        assert!(err.contains("\"speaker\" is no field") && err.contains("conversation_id"), "{err}");
        assert!(matches!(ColumnMap::parse(&["role=a", "role=b"]), Err(MapError::Twice(_))));
    }

    #[test]
    fn a_mapping_crosses_ipc_as_field_to_column() {
        let map = ColumnMap::parse(&["role=Sender", "conversation_id=Chat = id"]).unwrap();
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(json, r#"{"role":"Sender","conversation_id":"Chat = id"}"#);
        let back: ColumnMap = serde_json::from_str(&json).unwrap();
        assert_eq!(back.column(Field::ConversationId), Some("Chat = id"), "a column may hold '='");
        assert!(serde_json::from_str::<ColumnMap>(r#"{"speaker":"Sender"}"#).is_err(), "unknown fields are refused");
    }

    #[test]
    fn the_separator_is_the_one_between_the_header_cells() {
        let cases: &[(&[u8], Separator)] = &[
            (b"Chat,Sender,Time\n1,2,3\n", Separator::Comma),
            (b"Chat;Sender;Time\r\n1;2,5;3\r\n", Separator::Semicolon),
            (b"Chat\tSender\tTime\n", Separator::Tab),
            (b"Chat;\"Sender, name\";Time\n", Separator::Semicolon),
            (b"id,\"a;b;c\"\n", Separator::Comma),
            (b"only\n1;2;3;4\n", Separator::Comma),
            (b"a;b,c\n", Separator::Comma),
        ];
        for (head, expected) in cases {
            assert_eq!(Separator::of(head), *expected, "{}", String::from_utf8_lossy(head));
        }
        assert_eq!(
            csv_header(b"Chat;\"Sender; who\";Time\n", Separator::Semicolon).unwrap(),
            ["Chat", "Sender; who", "Time"]
        );
    }
}

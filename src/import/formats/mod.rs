//! Exports of other platforms, read as they are: one importer per platform
//! behind [`Importer`], each recognising its files by their first bytes and
//! mapping them onto the four records through the same `normalize` as the
//! native format, so every rule of FORMAT.md (trimming, numbers in text,
//! timestamps, aliases, identities, merges) holds for them too.
//!
//! - [`sniff`]: the keys of a file's first JSON objects, or its CSV header;
//! - [`build`]: records built from foreign values, and the readers they share;
//! - [`chat`]: what a person reads of chat-shaped JSON (a call's input and output);
//! - one file per platform: [`agentsight`], [`langfuse`], [`dify`], [`openai`];
//! - [`mapped`]: any CSV, read through a column mapping (`--map field=column`).

pub mod agentsight;
pub mod build;
pub mod chat;
pub mod dify;
pub mod langfuse;
pub mod mapped;
pub mod openai;
pub mod sniff;

use super::readers::End;
use super::source::{describe_read_error, Source};
use super::Sink;
use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Mutex;

/// What detection sees of a file.
#[derive(Debug, Clone, Default)]
pub struct Head {
    /// The file's name without `.gz`, as the native readers judge it.
    pub name: String,
    pub json: Option<sniff::JsonHead>,
    /// The header, its cells divided by `separator`.
    pub csv: Option<Vec<String>>,
    /// What divides a CSV's cells (a comma unless the header line says
    /// otherwise). Only a column mapping reads a file of another separator:
    /// Rapport's own CSV and the platforms' exports use commas.
    pub separator: mapped::Separator,
}

/// One platform's exports: which of them a file is, and how to read it.
pub trait Importer: Sync {
    /// Which of this importer's formats the head shows, if any. Must never
    /// claim a file of the native format.
    fn detect(&self, head: &Head) -> Option<&'static str>;
    /// Reads a file detected as `format`, pushing every record or rejection.
    fn read(
        &self,
        format: &'static str,
        source: Source,
        head: &Head,
        ctx: &Context,
        sink: &mut dyn Sink,
    ) -> Result<(), End>;
}

/// Tried in this order; the first that recognises a file reads it.
const IMPORTERS: &[&dyn Importer] = &[&agentsight::AgentSight, &langfuse::Langfuse, &dify::Dify, &openai::OpenAi];

/// Every format name a report can give, with what it is, for messages and docs.
pub const FORMATS: &[(&str, &str)] = &[
    ("jsonl / json / csv", "Rapport's native format (FORMAT.md)"),
    ("agentsight-sdk", "AgentSight SDK export files (AGENTSIGHT_FILE_EXPORTER)"),
    ("agentsight-history-v1", "AgentSight history import files (schema_version 1)"),
    ("langfuse-traces / -observations / -scores / -sessions", "Langfuse table exports as CSV, JSON or JSONL, and API pages ({\"data\": [...], \"meta\": ...})"),
    ("langfuse-trace / langfuse-session", "a Langfuse trace's download ({trace, observations} or {observations, scores}), API trace body, or session download"),
    ("dify-messages", "Dify service API conversation messages (GET /v1/messages) saved as JSON"),
    ("dify-conversations", "the Dify console's conversation list saved as JSON"),
    ("dify-workflow-runs", "Dify workflow-run log exports (CSV, or JSONL opening with export_info)"),
    ("openai-chat", "OpenAI-style chat logs: JSONL, a `messages` list a line"),
    ("csv-mapped", "any CSV, with --map field=column"),
];

/// The sentence that ends every refusal of a file of unknown shape.
pub fn readable_formats() -> String {
    let list: Vec<String> = FORMATS.iter().map(|(name, what)| format!("{what} ({name})")).collect();
    format!("Rapport reads: {}; each also gzip-compressed (.gz)", list.join("; "))
}

/// Choices a person makes for an import that a file cannot tell.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct FormatOptions {
    /// The zone of timestamps written without an offset (default UTC). Applies
    /// to every format but the native one, whose FORMAT.md says UTC.
    #[serde(with = "zone_name")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub naive_tz: Option<chrono_tz::Tz>,
    /// A CSV whose header holds every one of these columns is read through
    /// this mapping, whatever else it looks like.
    pub map: Option<mapped::ColumnMap>,
    /// Choices made for single files (the desktop's mapping step asks once
    /// per file); a file's own choice wins over `map` and `naive_tz`.
    pub files: Vec<FileChoice>,
}

/// The mapping (and the zone of its naive timestamps) chosen for one file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FileChoice {
    /// The file, as [`needing_column_map`] named it.
    pub path: String,
    pub map: mapped::ColumnMap,
    /// `None` keeps the import's zone (default UTC).
    #[serde(default, with = "zone_name")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub naive_tz: Option<chrono_tz::Tz>,
}

impl FormatOptions {
    /// The options `path` is read with: its own choice, if one was made, else these.
    pub fn for_file(&self, path: &std::path::Path) -> FormatOptions {
        match self.files.iter().find(|c| std::path::Path::new(&c.path) == path) {
            Some(choice) => FormatOptions {
                naive_tz: choice.naive_tz.or(self.naive_tz),
                map: Some(choice.map.clone()),
                files: Vec::new(),
            },
            None => FormatOptions { naive_tz: self.naive_tz, map: self.map.clone(), files: Vec::new() },
        }
    }
}

/// A zone as its IANA name (`"Europe/Berlin"`), for [`FormatOptions`].
mod zone_name {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(zone: &Option<chrono_tz::Tz>, s: S) -> Result<S::Ok, S::Error> {
        match zone {
            Some(z) => s.serialize_some(z.name()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono_tz::Tz>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(name) => {
                name.parse().map(Some).map_err(|_| serde::de::Error::custom(format!("{name:?} is no IANA time zone")))
            }
        }
    }
}

/// Shared by the files of one import.
#[derive(Debug, Default)]
pub struct Context {
    pub options: FormatOptions,
    /// Langfuse trace id → the conversation its trace went into, so that
    /// observations and scores, which name only their trace, find it.
    pub langfuse_traces: Mutex<HashMap<String, langfuse::KnownTrace>>,
}

impl Context {
    pub fn new(options: FormatOptions) -> Context {
        Context { options, langfuse_traces: Mutex::default() }
    }
}

/// A file recognised as one of the formats here.
pub struct Detected {
    importer: &'static dyn Importer,
    pub format: &'static str,
    head: Head,
}

impl Detected {
    pub fn read(&self, source: Source, ctx: &Context, sink: &mut dyn Sink) -> Result<(), End> {
        self.importer.read(self.format, source, &self.head, ctx, sink)
    }
}

/// What the first bytes of `source` show, without consuming them.
pub fn head(source: &mut Source) -> Result<Head, String> {
    let bytes = source.reader.fill_buf().map_err(|e| describe_read_error(&e))?;
    let bytes = &bytes[..bytes.len().min(sniff::HEAD_BYTES)];
    let json = sniff::json_head(bytes);
    let separator = if json.is_none() { mapped::Separator::of(bytes) } else { mapped::Separator::Comma };
    let csv = match (&json, separator) {
        (Some(_), _) => None,
        (None, mapped::Separator::Comma) => sniff::csv_header(bytes),
        (None, other) => mapped::csv_header(bytes, other),
    };
    Ok(Head { name: source.name.clone(), json, csv, separator })
}

/// Which foreign format `source` is, if any; `None` leaves it to the native readers.
pub fn detect(source: &mut Source, options: &FormatOptions) -> Result<Option<Detected>, String> {
    let head = head(source)?;
    if let (Some(map), Some(header)) = (&options.map, &head.csv) {
        if map.fits(header) {
            return Ok(Some(Detected { importer: &mapped::Mapped, format: "csv-mapped", head }));
        }
    }
    if head.separator != mapped::Separator::Comma {
        return Ok(None);
    }
    for importer in IMPORTERS {
        if let Some(format) = importer.detect(&head) {
            return Ok(Some(Detected { importer: *importer, format, head }));
        }
    }
    Ok(None)
}

/// The files `paths` name (folders looked into, as the import does) that are
/// CSV only a column mapping can read, in the order they would be imported.
/// The desktop app asks, to show its mapping step once for each.
pub fn needing_column_map(paths: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    super::expand_paths(paths).into_iter().filter(|p| needs_column_map(p)).collect()
}

/// Whether the file at `path` is a CSV that only a column mapping can read:
/// cells divided by `;` or tabs, or no platform's export, no `type` column,
/// and no name that says its kind.
pub fn needs_column_map(path: &std::path::Path) -> bool {
    let Ok(mut source) = super::source::open(path) else { return false };
    let Ok(head) = head(&mut source) else { return false };
    let Some(header) = &head.csv else { return false };
    if !head.name.to_lowercase().ends_with(".csv") {
        return false;
    }
    head.separator != mapped::Separator::Comma
        || (super::readers::csv_kind(&head.name).is_none()
            && !header.iter().any(|h| h == "type")
            && IMPORTERS.iter().all(|importer| importer.detect(&head).is_none()))
}

/// Whether a file should be read before the others of its import: Langfuse
/// traces, which observations and scores refer to by trace id only.
pub fn read_first(path: &std::path::Path) -> bool {
    let Ok(mut source) = super::source::open(path) else { return false };
    let Ok(head) = head(&mut source) else { return false };
    matches!(langfuse::Langfuse.detect(&head), Some("langfuse-traces" | "langfuse-trace" | "langfuse-session"))
}

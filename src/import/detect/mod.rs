//! Which format a file is, decided once, before it is read: its first bytes
//! ([`Head`]), then a column mapping that fits them, the platforms' exports
//! (by their keys or columns), and Rapport's own format (by the file's name
//! or first bytes), in that order. A file none of them claims is refused with
//! the list of what Rapport reads.
//!
//! - [`sniff`]: the keys of a file's first JSON objects, or its CSV header.

pub mod sniff;

use super::formats::{langfuse, mapped, native, readable_formats, Importer, PLATFORMS};
use super::options::ImportOptions;
use super::source::{self, describe_read_error, Source};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// What detection sees of a file.
#[derive(Debug, Clone, Default)]
pub struct Head {
    /// The file's name without `.gz`, as the native format judges it.
    pub name: String,
    pub json: Option<sniff::JsonHead>,
    /// The header, its cells divided by `separator`.
    pub csv: Option<Vec<String>>,
    /// What divides a CSV's cells (a comma unless the header line says
    /// otherwise). Only a column mapping reads a file of another separator:
    /// Rapport's own CSV and the platforms' exports use commas.
    pub separator: mapped::Separator,
    /// The first byte that is not white space, if any.
    pub first_byte: Option<u8>,
    /// Whether one of the first line's comma-separated cells is `type`.
    pub first_line_has_type: bool,
}

impl Head {
    /// What the first bytes of `source` show, without consuming them.
    pub fn of(source: &mut Source) -> Result<Head, String> {
        let buffered = source.reader.fill_buf().map_err(|e| describe_read_error(&e))?;
        let first_byte = buffered.iter().copied().find(|b| !b.is_ascii_whitespace());
        let first_line = buffered.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let first_line_has_type =
            String::from_utf8_lossy(first_line).split(',').any(|h| h.trim().trim_matches('"') == "type");
        let bytes = &buffered[..buffered.len().min(sniff::HEAD_BYTES)];
        let json = sniff::json_head(bytes);
        let separator = if json.is_none() { mapped::Separator::of(bytes) } else { mapped::Separator::Comma };
        let csv = match (&json, separator) {
            (Some(_), _) => None,
            (None, mapped::Separator::Comma) => sniff::csv_header(bytes),
            (None, other) => mapped::csv_header(bytes, other),
        };
        Ok(Head { name: source.name.clone(), json, csv, separator, first_byte, first_line_has_type })
    }

    /// Whether this is a CSV that only a column mapping can read: cells
    /// divided by `;` or tabs, or no platform's export, no `type` column,
    /// and no name that says its kind.
    pub fn needs_column_map(&self) -> bool {
        let Some(header) = &self.csv else { return false };
        if !self.name.to_lowercase().ends_with(".csv") {
            return false;
        }
        self.separator != mapped::Separator::Comma
            || (native::csv_kind(&self.name).is_none()
                && !header.iter().any(|h| h == "type")
                && PLATFORMS.iter().all(|importer| importer.detect(self).is_none()))
    }
}

/// A file recognised: which importer reads it, as which of its formats.
pub struct Detected {
    pub importer: &'static dyn Importer,
    pub format: &'static str,
    pub head: Head,
    pub gzip: bool,
}

impl Detected {
    /// Whether the file should be read before the others of its import:
    /// Langfuse traces, which observations and scores refer to by trace id only.
    pub fn reads_first(&self) -> bool {
        langfuse::holds_traces(self.format)
    }

    /// The format a report gives when reading the file was refused: a
    /// platform's name, or `unknown` for what only looked like the native format.
    pub fn refused_as(&self) -> &'static str {
        if matches!(self.format, native::JSON | native::JSON_LINES | native::CSV) {
            "unknown"
        } else {
            self.format
        }
    }
}

/// Opens `path` (this once) and decides its format, or why it has none.
pub fn detect(path: &Path, options: &ImportOptions) -> Result<Detected, String> {
    let mut source = source::open(path)?;
    let head = Head::of(&mut source)?;
    let Some((importer, format)) = choose(&head, options) else {
        return Err(format!("not a format Rapport reads. {}", readable_formats()));
    };
    let gzip = source.gzip;
    let format = importer.settle(format, &head, source);
    Ok(Detected { importer, format, head, gzip })
}

/// A mapping that fits the header; else, for a file of commas, the first
/// platform that recognises it; else the native format.
fn choose(head: &Head, options: &ImportOptions) -> Option<(&'static dyn Importer, &'static str)> {
    if let (Some(map), Some(header)) = (&options.map, &head.csv) {
        if map.fits(header) {
            return Some((&mapped::Mapped, mapped::FORMAT));
        }
    }
    let platform = || PLATFORMS.iter().find_map(|importer| Some((*importer, importer.detect(head)?)));
    let platform = if head.separator == mapped::Separator::Comma { platform() } else { None };
    platform.or_else(|| Some((&native::Native as &dyn Importer, native::Native.detect(head)?)))
}

/// The files `paths` name (folders looked into, as the import does) that are
/// CSV only a column mapping can read, in the order they would be imported.
/// The desktop app asks, to show its mapping step once for each.
pub fn needing_column_map(paths: &[PathBuf]) -> Vec<PathBuf> {
    let needs = |path: &PathBuf| {
        let Ok(mut source) = source::open(path) else { return false };
        Head::of(&mut source).is_ok_and(|head| head.needs_column_map())
    };
    super::paths::expand_paths(paths).into_iter().filter(needs).collect()
}

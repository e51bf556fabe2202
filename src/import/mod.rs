//! Import: a file goes through these steps, each in its own module.
//!
//! ```text
//! paths ──▶ detect ──▶ formats::<one Importer> ──▶ normalize ──▶ run (store, one transaction a file) ──▶ report
//!   │         │              │                        │
//!   │         └ source       └ split, read            └ raw
//! ```
//!
//! - `paths`: the files an import reads (folders looked into);
//! - `source`: a file opened (regular files only, gzip, byte-order marks), its bytes counted;
//! - [`detect`]: which format a file is, or why none, from its first bytes, once;
//! - [`formats`]: one [`formats::Importer`] per format, Rapport's own among them;
//! - [`split`]: records cut from the bytes with bounded memory (lines, JSON items, CSV rows);
//! - [`read`]: what every reader shares ([`Position`], [`Sink`], how reading ends);
//! - [`raw`] → [`normalize`]: a record as the file gave it, then a [`Record`](crate::model::Record) or a rejection;
//! - `run`: the one entry point, [`import`]: each file read on a second thread, written in one transaction;
//! - `report`: what happened, per file and in all; `options`: what a file cannot tell.

pub mod detect;
pub mod formats;
mod normalize;
mod options;
mod paths;
pub mod raw;
pub mod read;
mod report;
mod run;
mod source;
pub mod split;

pub use detect::needing_column_map;
pub use formats::mapped::{preview_csv, ColumnMap, CsvPreview, MapError};
pub use normalize::normalize;
pub use options::{FileChoice, ImportOptions};
pub use paths::expand_paths;
pub use read::{Position, Sink, Stopped};
pub use report::{FileReport, ImportReport, Progress, Rejection};
pub use run::{import, ImportError};

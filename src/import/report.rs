//! What an import says happened: per file, and in all.

use crate::store::Counts;
use serde::Serialize;

/// A rejected record: where it was and why, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Rejection {
    #[serde(rename = "where")]
    pub position: String,
    pub reason: String,
}

/// What happened to one file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FileReport {
    pub path: String,
    /// The format detected: `jsonl`, `json` or `csv` (the native format), or
    /// another platform's (`agentsight-sdk`, `langfuse-traces`, `dify-messages`,
    /// `openai-chat`, ...: see [`super::formats::FORMATS`]), with `+gzip` when compressed.
    pub format: String,
    /// Records read and stored from this file.
    pub records: u64,
    pub rejected: u64,
    /// The first rejected records ([`crate::limits::KEPT_REJECTIONS`] at most,
    /// as many as the store keeps); `rejected` counts them all.
    pub rejections: Vec<Rejection>,
    /// Why the file was refused as a whole, when it was: it added nothing.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    /// What the store holds after the import.
    pub stored: Counts,
    pub rejected: u64,
    /// True when the import was cancelled: the file in progress added nothing,
    /// and the files after it were not read.
    pub cancelled: bool,
}

impl ImportReport {
    pub fn refused_files(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.error.is_some())
    }
}

impl FileReport {
    /// Why a file that was read added nothing, when it did: every record
    /// rejected, or none there. A file is never "imported" into nothing
    /// without a sentence (the app's import report says the same).
    pub fn nothing_imported(&self) -> Option<String> {
        if self.error.is_some() || self.records > 0 {
            return None;
        }
        Some(match self.rejected {
            0 => "it holds no records".to_owned(),
            1 => "its only record was rejected".to_owned(),
            n => format!("all {n} of its records were rejected"),
        })
    }
}

/// How far an import has come, for a progress bar.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Progress {
    pub file: String,
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub records: u64,
    pub rejected: u64,
}

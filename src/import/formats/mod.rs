//! One [`Importer`] per format: Rapport's own ([`native`]) and other
//! platforms' exports, read as they are, each mapped onto the four records
//! through the same `normalize` as the native format, so every rule of
//! FORMAT.md (trimming, numbers in text, timestamps, aliases, identities,
//! merges) holds for them too. Which importer reads a file is decided once,
//! by [`crate::import::detect`].
//!
//! - [`native`]: JSON Lines, JSON and CSV as FORMAT.md gives them;
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
pub mod native;
pub mod openai;

use super::detect::Head;
use super::options::ImportOptions;
use super::read::End;
use super::source::Source;
use super::Sink;
use std::collections::HashMap;
use std::sync::Mutex;

/// One format family: which of its formats a file is, and how to read it.
pub trait Importer: Sync {
    /// Which of this importer's formats the head shows, if any. A platform's
    /// importer must never claim a file of the native format.
    fn detect(&self, head: &Head) -> Option<&'static str>;
    /// The format, once the rest of the file has been seen when the head
    /// could not tell (read with bounded memory; nothing is kept). Only the
    /// native format needs it.
    fn settle(&self, format: &'static str, _head: &Head, _source: Source) -> &'static str {
        format
    }
    /// Reads a detected file, pushing every record or rejection.
    fn read(&self, file: Reading) -> Result<(), End>;
    /// Called for every detected file of an import before any is read:
    /// what a file holds for the others' records is noted in `ctx` (Langfuse
    /// generations, for the traces they belong to). Nothing is pushed; what
    /// cannot be read here is reported when the file is read.
    fn prepare(&self, _format: &'static str, _source: Source, _head: &Head, _ctx: &Context) {}
}

/// What an importer is given to read one file.
pub struct Reading<'a> {
    /// Which of the importer's formats it was detected as.
    pub format: &'static str,
    pub source: Source,
    pub head: &'a Head,
    pub ctx: &'a Context,
    pub sink: &'a mut dyn Sink,
}

/// The platforms' importers, tried in this order (after a mapping, before
/// the native format): the first that recognises a file reads it. They tell
/// a file by its keys or columns; the native format, last, by its name or
/// first bytes. ([`mapped::Mapped`] is not here: a file is read through a
/// mapping only when one is given.)
pub const PLATFORMS: &[&dyn Importer] = &[&agentsight::AgentSight, &langfuse::Langfuse, &dify::Dify, &openai::OpenAi];

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

/// Shared by the files of one import.
#[derive(Debug, Default)]
pub struct Context {
    pub options: ImportOptions,
    /// Langfuse trace id → the conversation its trace went into, so that
    /// observations and scores, which name only their trace, find it.
    pub langfuse_traces: Mutex<HashMap<String, langfuse::KnownTrace>>,
    /// Langfuse trace id → the generations an observations export of the
    /// same import holds for it, noted before any file is read, so that a
    /// trace row without usage gets their tokens and cost whatever the order.
    pub langfuse_generations: Mutex<HashMap<String, langfuse::NotedGenerations>>,
}

impl Context {
    pub fn new(options: ImportOptions) -> Context {
        Context { options, langfuse_traces: Mutex::default(), langfuse_generations: Mutex::default() }
    }
}

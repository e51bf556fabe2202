//! Every limit Rapport holds its input to, in one place; the README's
//! Limits table lists the same. What no real log holds is rejected with its
//! position, never wrapped, rounded into range or left to exhaust the machine
//! (docs/format.md, Limits).

use crate::model::Micros;

/// The instants a record may hold: from 1970-01-01T00:00:00Z up to, not
/// including, 2200-01-01T00:00:00Z. A query's bounds are not held to them.
pub const RECORD_INSTANTS: std::ops::Range<Micros> = Micros(0)..Micros(7_258_118_400_000_000);

/// The most `prompt_tokens` or `completion_tokens` one message may report.
pub const MAX_TOKENS: u64 = 1_000_000_000_000;

/// The most `cost` (US dollars) one message may report.
pub const MAX_COST: f64 = 1e9;

/// The longest `duration_ms` an action may report: 365 days.
pub const MAX_DURATION_MS: f64 = 31_536_000_000.0;

/// The largest record: a JSON Lines line, an element of a JSON list, a CSV
/// row. A larger one is rejected with its position, read past without being
/// held whole; the rest of the file goes on.
pub const MAX_RECORD_BYTES: usize = 4 << 20;

/// How deep a record's JSON may nest (serde_json's own guard); a deeper
/// record is rejected.
pub const MAX_NESTING: usize = 128;

/// The largest export that is read as one JSON document (a Langfuse trace
/// download): such a file is built whole in memory, so a larger one is
/// refused with a sentence.
pub const MAX_DOCUMENT_BYTES: u64 = 16 << 20;

/// How many fields (CSV cells) one record may have; the rest of a wider row
/// is rejected with the row.
pub const MAX_FIELDS: usize = 4096;

/// A conversation's metadata (its JSON text, after merging the lines that
/// name it) keeps keys up to this size; the keys past it are left out and
/// `_left_out` says how many.
pub const MAX_METADATA_BYTES: usize = 64 << 10;

/// Rejections of one file kept in the store; every one is counted, and the
/// report lists as many.
pub const KEPT_REJECTIONS: usize = 10_000;

/// How much of an offending value a rejection reason quotes, in characters.
pub const QUOTED_CHARS: usize = 40;

/// The largest GeoIP database read (`--geo`, or the app's setting).
pub const MAX_GEO_DATABASE_BYTES: u64 = 512 << 20;

//! Rapport's engine: import agent and chatbot logs, keep them in a local
//! store, and compute the dashboard's numbers.
//!
//! - [`model`]: the four records of docs/format.md, validated.
//! - [`import`]: detect → read → normalise → write, one transaction per file.
//! - [`store`]: the SQLite store and the ClickHouse one, the only places with SQL.
//! - [`metrics`]: every number of docs/metrics.md, as pure functions.
//! - [`geo`]: IP addresses to countries.
//! - [`limits`]: every limit input is held to.
//! - [`demo`]: a realistic, deterministic month of activity.
//! - [`text`]: the messages' words, read for the metrics (Insights, the `text` filter) and the search.
//! - [`engine`]: the calls the desktop app and the command line share.
//! - [`trace`]: where the time goes, on stderr, when `RAPPORT_TRACE` is set.
//! - [`allocator`]: the command line's allocator (mimalloc for small blocks).

pub mod allocator;
#[cfg(all(test, feature = "ts"))]
mod bindings;
pub mod demo;
pub mod engine;
pub mod geo;
pub mod import;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod report;
pub mod settings;
pub mod store;
pub mod text;
pub mod trace;

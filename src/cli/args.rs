//! The command line as spec/CLI.md defines it.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "rapport", version, about = "Offline analytics for AI agent and chatbot logs")]
pub struct Cli {
    /// The store (an SQLite file); default: the one the desktop app opens.
    #[arg(long, global = true, value_name = "PATH", env = "RAPPORT_DB")]
    pub db: Option<PathBuf>,
    /// A MaxMind .mmdb country or city database to use instead of the bundled one.
    #[arg(long, global = true, value_name = "MMDB")]
    pub geo: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import files or folders (JSON Lines, JSON, CSV, each optionally .gz).
    Import {
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Print every dashboard metric of a period as JSON.
    Metrics {
        #[command(flatten)]
        query: QueryArgs,
        /// Tool names that count as a hand-over to a human, comma-separated.
        #[arg(long, value_name = "NAME,NAME...")]
        escalation: Option<String>,
    },
    /// What the store holds: counts, time span, files imported.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Load realistic, deterministic demo activity (60 days) into the store.
    Demo {
        #[arg(long, default_value_t = 6000)]
        conversations: u32,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// The instant the demo activity ends (default: the start of today, UTC).
        #[arg(long, value_name = "ISO")]
        end: Option<String>,
    },
    /// Time the dashboard query in one process (for the benchmark).
    #[command(hide = true)]
    BenchQuery {
        #[command(flatten)]
        query: QueryArgs,
        #[arg(long, default_value_t = 20)]
        repeat: u32,
    },
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Start of the period (inclusive): RFC 3339, or a date for its midnight in --tz.
    #[arg(long, value_name = "ISO")]
    pub from: String,
    /// End of the period (exclusive).
    #[arg(long, value_name = "ISO")]
    pub to: String,
    /// Display time zone (IANA name) for days and hours.
    #[arg(long, default_value = "UTC", value_name = "ZONE")]
    pub tz: String,
    /// KEY=VALUE, repeatable; keys: source, device, language, country, customer_id.
    #[arg(long, value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
}

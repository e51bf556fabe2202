//! The command line as docs/cli.md defines it.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "rapport", version, about = "Offline analytics for AI agent and chatbot logs")]
pub struct Cli {
    /// The store: an SQLite file (default: the one the desktop app opens) or
    /// clickhouse://HOST:PORT/DATABASE for a ClickHouse server.
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
    /// Import files or folders: Rapport's format (JSON Lines, JSON, CSV) or
    /// another platform's export (AgentSight, Langfuse, Dify, OpenAI chat
    /// logs), recognised by content; each optionally .gz.
    Import {
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
        /// FIELD=COLUMN, repeatable: read a CSV with other column names (one
        /// that has every column named) through this mapping.
        #[arg(long = "map", value_name = "FIELD=COLUMN")]
        map: Vec<String>,
        /// The zone of timestamps written without an offset in other
        /// platforms' exports and mapped CSVs (IANA name; default UTC).
        #[arg(long, value_name = "ZONE")]
        naive_tz: Option<String>,
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
        /// Agent answers that admit not knowing, comma-separated (default: docs/metrics.md's).
        #[arg(long, value_name = "PHRASE,PHRASE...")]
        fallback: Option<String>,
    },
    /// Find the conversations of a period in which some message says a
    /// phrase (accents and case aside), newest first, with a snippet of each.
    Search {
        /// The phrase: its words, one after another.
        #[arg(value_name = "PHRASE")]
        phrase: String,
        #[command(flatten)]
        query: QueryArgs,
        /// At most this many conversations.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print one JSON object instead of a line per conversation.
        #[arg(long)]
        json: bool,
    },
    /// List the conversations of a period (started in it, passing the
    /// filters), newest first: one line each with its id and start.
    Conversations {
        #[command(flatten)]
        query: QueryArgs,
        /// Only those in which this question was asked in the period and went
        /// unanswered (a row of `top_unanswered`; accents, case and punctuation aside).
        #[arg(long, value_name = "QUESTION", conflicts_with_all = ["unresolved", "resolved"])]
        unanswered: Option<String>,
        /// Only those in which some question asked in the period went
        /// unanswered (those behind `unanswered_questions`).
        #[arg(long, conflicts_with = "resolved")]
        unresolved: bool,
        /// Only those started in the period that the agent resolved (those
        /// behind `resolved_conversations`).
        #[arg(long)]
        resolved: bool,
        /// Tool names that count as a hand-over to a human, comma-separated.
        #[arg(long, value_name = "NAME,NAME...")]
        escalation: Option<String>,
        /// Agent answers that admit not knowing, comma-separated (default: docs/metrics.md's).
        #[arg(long, value_name = "PHRASE,PHRASE...")]
        fallback: Option<String>,
        /// At most this many conversations.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// Print one JSON object (`total` and `rows`) instead of a line per conversation.
        #[arg(long)]
        json: bool,
    },
    /// What people ask about: the phrases that set the period's user
    /// messages apart from the whole store's, with their counts (JSON).
    Topics {
        #[command(flatten)]
        query: QueryArgs,
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
    /// Write the dashboard of a period as a file: .pdf, .html, .svg or .png (from --out).
    Report {
        #[command(flatten)]
        query: QueryArgs,
        /// The file to write; its extension picks the format.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Paper size of the PDF (and of the HTML when printed).
        #[arg(long, default_value = "a4", value_parser = ["a4", "letter"])]
        paper: String,
        /// Write only this chart (as .svg or .png).
        #[arg(long, value_name = "NAME", value_parser = ["daily", "peak-hours", "world-map", "devices", "sources", "languages", "tools", "feedback", "tokens"])]
        chart: Option<String>,
        /// PNG pixels per drawing pixel: 1, or 2 for slides.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
        scale: u8,
        /// The title on the report's first page.
        #[arg(long, default_value = "Chatbot activity report")]
        title: String,
    },
    /// Write a table of a period as CSV (UTF-8 with BOM): conversations, tools, countries, daily or
    /// unanswered (the top unanswered questions with their counts).
    Export {
        #[arg(value_name = "TABLE", value_parser = ["conversations", "tools", "countries", "daily", "unanswered"])]
        table: String,
        #[command(flatten)]
        query: QueryArgs,
        /// The .csv file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Time the dashboard query in one process (for the benchmark).
    #[command(hide = true)]
    BenchQuery {
        #[command(flatten)]
        query: QueryArgs,
        #[arg(long, default_value_t = 20)]
        repeat: u32,
        /// Then import this file in the same process and time the next
        /// dashboard (what the app does after an import).
        #[arg(long, value_name = "PATH")]
        after_import: Option<std::path::PathBuf>,
        /// Also time a search for this phrase, and the dashboard with it as a `text` filter.
        #[arg(long, value_name = "PHRASE")]
        search: Option<String>,
        /// Also time the period's topics ("What people ask about").
        #[arg(long)]
        topics: bool,
        /// First a dashboard of the period without filters, untimed (what
        /// the app shows at its start): the first dashboard timed is then a
        /// first filter change.
        #[arg(long)]
        plain_first: bool,
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
    /// KEY=VALUE, repeatable; keys: source, device, language, country, customer_id, environment, text.
    #[arg(long, value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
    /// KEY=VALUE, repeatable: a second segment, compared with the filtered one
    /// over the same period (its numbers under `segment`, its column in a report).
    #[arg(long, value_name = "KEY=VALUE")]
    pub segment: Vec<String>,
}

//! Arguments → one engine call → output. Nothing here computes a number.

mod args;
mod output;
mod report;

use args::{Cli, Command, QueryArgs};
use clap::Parser;
use rapport::engine::{Engine, Error};
use rapport::import::{ColumnMap, ImportOptions};
use rapport::metrics::{Filters, Query, Settings};
use rapport::model::{parse_timestamp, Micros};
use std::io::IsTerminal;
use std::process::ExitCode;

/// Exit status when a file could not be read at all (docs/cli.md).
const REFUSED_FILE: u8 = 2;

pub fn run() -> ExitCode {
    // The arguments as the system gave them: a path need not be Unicode.
    let cli = match Cli::try_parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints its own usage and help; keep its exit codes.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    match execute(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("rapport: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The engine over `--db`; what it warns about goes to stderr, so the
/// output (a report, JSON) stays as it is.
fn engine(cli: &Cli) -> Result<Engine, String> {
    let db = cli.db.clone().unwrap_or_else(rapport::store::default_store_path);
    let engine = Engine::open(&db, cli.geo.as_deref()).map_err(|e| match &e {
        // Held by another process (an import into it, a backup): said what to do, as the app says it.
        Error::Store(store) if store.is_busy() => format!("{e}. {}", store.what_to_do()),
        _ => e.to_string(),
    })?;
    for warning in engine.warnings() {
        eprintln!("rapport: warning: {warning}");
    }
    Ok(engine)
}

fn execute(cli: Cli) -> Result<ExitCode, String> {
    match &cli.command {
        Command::Import { json, map, naive_tz, paths } => {
            let options = import_options(map, naive_tz.as_deref())?;
            let opening = rapport::trace::step(|| "store opened".to_owned());
            let mut engine = engine(&cli).map_err(|e| e.to_string())?;
            drop(opening);
            let mut bar = output::ProgressBar::new(std::io::stderr().is_terminal());
            let importing = rapport::trace::step(|| "import: all files".to_owned());
            let report = engine.import(paths, &options, &mut |p| bar.update(p)).map_err(|e| e.to_string())?;
            drop(importing);
            bar.finish();
            if *json {
                output::print_json(&report);
            } else {
                output::print_import(&report, &engine.location());
            }
            for file in report.refused_files() {
                eprintln!("rapport: {} was not imported: {}", file.path, file.error.as_deref().unwrap_or(""));
            }
            for (file, why) in report.files.iter().filter_map(|f| Some((f, f.nothing_imported()?))) {
                eprintln!("rapport: nothing was imported from {}: {why}", file.path);
            }
            Ok(if report.refused_files().next().is_some() { ExitCode::from(REFUSED_FILE) } else { ExitCode::SUCCESS })
        }
        Command::Metrics { query, escalation, fallback } => {
            // `rapport metrics` always prints the previous period.
            let query = build_query(query)?.compared();
            let settings = settings(escalation.as_deref(), fallback.as_deref());
            let mut engine = engine(&cli).map_err(|e| e.to_string())?;
            let dashboard = engine.dashboard(&query, &settings).map_err(|e| e.to_string())?;
            output::print_json(&output::MetricsOutput::new(&query, &dashboard));
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { json } => {
            let engine = engine(&cli).map_err(|e| e.to_string())?;
            let status = engine.status().map_err(|e| e.to_string())?;
            if *json {
                output::print_json(&status);
            } else {
                output::print_status(&status);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { conversations, seed, end } => {
            let mut engine = engine(&cli).map_err(|e| e.to_string())?;
            let end = match end {
                Some(text) => parse_instant(text, "UTC", "--end")?,
                None => rapport::demo::default_end(),
            };
            let options = rapport::demo::DemoOptions { conversations: *conversations, seed: *seed, end };
            let counts = engine.load_demo(&options).map_err(|e| e.to_string())?;
            println!(
                "Loaded demo data into {}: {} conversations, {} messages, {} actions, {} feedback, ending {}.",
                engine.location(),
                counts.conversations,
                counts.messages,
                counts.actions,
                counts.feedback,
                end
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Topics { query } => {
            let query = build_query(query)?;
            let mut engine = engine(&cli).map_err(|e| e.to_string())?;
            output::print_json(&engine.topics(&query).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Conversations { query, unanswered, unresolved, resolved, escalation, fallback, limit, json } => {
            let query = build_query(query)?;
            let settings = settings(escalation.as_deref(), fallback.as_deref());
            if unanswered.as_deref().is_some_and(|q| rapport::metrics::words::words(q).is_empty()) {
                return Err("--unanswered: the question has no word".to_owned());
            }
            use rapport::metrics::Drill;
            let drill = match (unanswered.clone(), *unresolved, *resolved) {
                (Some(question), _, _) => Some(Drill::Unanswered { question }),
                (None, true, _) => Some(Drill::Unresolved),
                (None, false, true) => Some(Drill::Resolved),
                (None, false, false) => None,
            };
            let options = rapport::metrics::ListOptions {
                drill: drill.as_ref(),
                descending: true,
                limit: *limit,
                ..Default::default()
            };
            let mut engine = engine(&cli).map_err(|e| e.to_string())?;
            let page = engine.conversations_with(&query, &settings, &options).map_err(|e| e.to_string())?;
            if *json {
                output::print_json(&page);
            } else {
                output::print_conversations(&page);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { phrase, query, limit, json } => {
            let query = build_query(query)?;
            let mut engine = engine(&cli).map_err(|e| e.to_string())?;
            let hits = engine.search(&query, phrase, *limit).map_err(|e| e.to_string())?;
            if *json {
                output::print_json(&hits);
            } else {
                output::print_search(&hits);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchQuery { query, repeat, after_import, search, topics, plain_first } => {
            let query = build_query(query)?;
            let mut engine = engine(&cli).map_err(|e| e.to_string())?;
            let plain = plain_first.then(|| Query { filters: Default::default(), segment: None, ..query.clone() });
            let mut timings =
                output::bench_query(&mut engine, &query, plain.as_ref(), *repeat, after_import.as_deref())
                    .map_err(|e| e.to_string())?;
            if let Some(phrase) = search {
                timings.search = Some(output::bench_search(&mut engine, &query, phrase, *repeat)?);
            }
            if *topics {
                timings.topics = Some(output::bench_topics(&mut engine, &query, *repeat)?);
            }
            output::print_json(&timings);
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { query, out, paper, chart, scale, title } => {
            let query = build_query(query)?;
            let mut engine = engine(&cli).map_err(|e| e.to_string())?;
            let options = report::ReportOptions { out, paper, chart: chart.as_deref(), scale: *scale, title };
            println!("{}", report::write_report(&mut engine, &query, &options)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { table, query, out } => {
            let query = build_query(query)?;
            let mut engine = engine(&cli).map_err(|e| e.to_string())?;
            println!("{}", report::write_table(&mut engine, &query, table, out)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `--map` and `--naive-tz`, checked before anything is read.
fn import_options(map: &[String], naive_tz: Option<&str>) -> Result<ImportOptions, String> {
    let map = ColumnMap::parse(map).map_err(|e| e.to_string())?;
    let naive_tz = match naive_tz {
        Some(zone) => Some(
            zone.parse::<chrono_tz::Tz>()
                .map_err(|_| format!("--naive-tz {zone:?} is no time zone: give an IANA name such as Europe/Berlin"))?,
        ),
        None => None,
    };
    Ok(ImportOptions { naive_tz, map: (!map.is_empty()).then_some(map), ..ImportOptions::default() })
}

/// The metric settings: `--escalation` and `--fallback` over the defaults.
fn settings(escalation: Option<&str>, fallback: Option<&str>) -> Settings {
    let list = |text: &str| text.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    let defaults = Settings::default();
    Settings {
        escalation_tools: escalation.map_or(defaults.escalation_tools, list),
        fallback_phrases: fallback.map_or(defaults.fallback_phrases, list),
    }
}

fn build_query(args: &QueryArgs) -> Result<Query, String> {
    let mut filters = Filters::default();
    for pair in &args.filter {
        filters.add_pair(pair).map_err(|e| format!("--filter {pair}: {e}"))?;
    }
    let from = parse_instant(&args.from, &args.tz, "--from")?;
    let to = parse_instant(&args.to, &args.tz, "--to")?;
    let mut query = Query::new(from, to, &args.tz, filters).map_err(|e| e.to_string())?;
    if !args.segment.is_empty() {
        let mut segment = Filters::default();
        for pair in &args.segment {
            segment.add_pair(pair).map_err(|e| format!("--segment {pair}: {e}"))?;
        }
        query.segment = Some(segment);
    }
    Ok(query)
}

/// An instant as FORMAT.md writes timestamps, or a bare date meaning that
/// day's midnight in the display zone.
fn parse_instant(text: &str, zone: &str, option: &str) -> Result<Micros, String> {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let tz: chrono_tz::Tz =
            zone.parse().map_err(|_| format!("unknown time zone {zone:?}: give an IANA name such as Europe/Berlin"))?;
        use chrono::TimeZone;
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        let local = tz
            .from_local_datetime(&midnight)
            .earliest()
            .ok_or_else(|| format!("{option} {text}: that midnight does not exist in {zone}"))?;
        return Ok(Micros(local.timestamp_micros()));
    }
    parse_timestamp(text)
        .map_err(|_| format!("{option} {text:?} is not a date and time: write e.g. 2026-10-01T00:00:00Z or 2026-10-01"))
}

//! The tables behind a report as CSV: UTF-8 with a byte-order mark (so
//! Excel reads accents right) and RFC 4180 quoting (the csv crate's).
//!
//! Text from the logs is written so that no spreadsheet runs it: a cell of
//! text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
//! (OWASP's list of what Excel, LibreOffice and Google Sheets read as a
//! formula) gets a leading `'`. Only text from the data is treated so
//! (ids, device, source, language, country, tool names); the numbers and
//! instants Rapport writes itself stay as written, so a negative number
//! still reads as a number.

use super::format;
use super::ReportError;
use crate::engine::Engine;
use crate::metrics::{ListOptions, Query, SortKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// One row per conversation of the query, with its numbers.
    Conversations,
    Tools,
    Countries,
    Daily,
    /// The period's most frequent unanswered questions (docs/metrics.md, Insights).
    Unanswered,
}

impl Table {
    pub fn parse(text: &str) -> Option<Table> {
        match text.trim().to_lowercase().as_str() {
            "conversations" => Some(Table::Conversations),
            "tools" => Some(Table::Tools),
            "countries" => Some(Table::Countries),
            "daily" => Some(Table::Daily),
            "unanswered" => Some(Table::Unanswered),
            _ => None,
        }
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A text cell a spreadsheet shows as text: one that would start a formula
/// gets a `'` in front (which the spreadsheet hides), anything else is
/// unchanged.
///
/// ```text
/// =HYPERLINK("http://x","y")  →  '=HYPERLINK("http://x","y")
/// -2+3                        →  '-2+3
/// web                         →  web
/// ```
pub fn spreadsheet_safe(text: String) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text,
    }
}

fn optional(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// The table as CSV bytes; numbers are written in full (not rounded) and
/// instants as RFC 3339 in the query's zone.
pub fn export_csv(engine: &mut Engine, query: &Query, table: Table) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(BOM.to_vec());
    let err = |e: csv::Error| ReportError::Csv(e.to_string());
    match table {
        Table::Conversations => {
            let options = ListOptions { sort: SortKey::StartedAt, limit: usize::MAX, ..ListOptions::default() };
            let page = engine.conversations(query, &options)?;
            w.write_record([
                "conversation_id",
                "started_at",
                "customer_id",
                "country",
                "device",
                "source",
                "language",
                "messages",
                "duration_s",
                "escalated",
                "feedback",
            ])
            .map_err(err)?;
            for r in page.rows {
                w.write_record([
                    spreadsheet_safe(r.conversation_id),
                    r.started_at.map(|t| format::rfc3339_in(t, query.zone)).unwrap_or_default(),
                    spreadsheet_safe(r.customer_id.unwrap_or_default()),
                    spreadsheet_safe(r.country),
                    spreadsheet_safe(r.device),
                    spreadsheet_safe(r.source),
                    spreadsheet_safe(r.language),
                    r.messages.to_string(),
                    optional(r.duration_s),
                    r.escalated.to_string(),
                    r.feedback.map(|f| super::pages::rating(f).to_lowercase()).unwrap_or_default(),
                ])
                .map_err(err)?;
            }
        }
        Table::Tools => {
            let view = engine.dashboard_view(query)?;
            w.write_record(["tool", "calls", "avg_duration_ms", "errors"]).map_err(err)?;
            for t in view.dashboard.current.tools {
                w.write_record([
                    spreadsheet_safe(t.name),
                    t.count.to_string(),
                    optional(t.avg_duration_ms),
                    t.errors.to_string(),
                ])
                .map_err(err)?;
            }
        }
        Table::Countries => {
            let view = engine.dashboard_view(query)?;
            let m = view.dashboard.current;
            let mut ranked: Vec<(String, u64)> = m.countries.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            w.write_record(["country", "name", "conversations", "share"]).map_err(err)?;
            for (code, n) in ranked {
                let share = n as f64 / m.total_conversations.max(1) as f64;
                let name = super::charts::country_name(&code);
                w.write_record([spreadsheet_safe(code), spreadsheet_safe(name), n.to_string(), share.to_string()])
                    .map_err(err)?;
            }
        }
        Table::Daily => {
            let view = engine.dashboard_view(query)?;
            w.write_record(["date", "messages", "conversations", "users", "tokens", "cost_usd"]).map_err(err)?;
            for d in view.dashboard.current.daily {
                w.write_record([
                    d.date,
                    d.messages.to_string(),
                    d.conversations.to_string(),
                    d.users.to_string(),
                    d.tokens.to_string(),
                    d.cost.to_string(),
                ])
                .map_err(err)?;
            }
        }
        Table::Unanswered => {
            let view = engine.dashboard_view(query)?;
            let insights = view
                .dashboard
                .current
                .insights
                .0
                .ok_or(crate::engine::Error::NotOnClickHouse("the unanswered questions"))?;
            w.write_record(["question", "count"]).map_err(err)?;
            for q in insights.top_unanswered {
                w.write_record([spreadsheet_safe(q.text), q.count.to_string()]).map_err(err)?;
            }
        }
    }
    w.into_inner().map_err(|e| ReportError::Csv(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn text_that_would_start_a_formula_gets_a_quote_in_front() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"] {
            assert_eq!(spreadsheet_safe(cell.to_owned()), format!("'{cell}"), "{cell:?} is neutralised");
        }
        for cell in ["", "web", " =1", "'=1", "1-2", "mobile"] {
            assert_eq!(spreadsheet_safe(cell.to_owned()), cell, "{cell:?} is left as it is");
        }
    }
}

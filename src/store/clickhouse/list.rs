//! The conversation list (the conversations behind a query or a chart cell,
//! searched, sorted and cut to one page) as SQL run by ClickHouse: only the
//! page's rows and the number of conversations that match travel.
//!
//! It is [`crate::metrics::list`]'s rule over the per-conversation facts
//! (`conversation_facts`, one row per conversation): each choice of the list
//! is a condition on a row, so that on a cluster each shard selects, sorts
//! and cuts its own conversations and the server of the URL merges the pages.
//!
//! | the list's choice | on a conversation's row |
//! | --- | --- |
//! | none (the query) | started in range |
//! | `Day`, `Hour` | a message in range on that local day, weekday and hour (the zone's tables) |
//! | `Tool` | an action of that name in range |
//! | `Resolved` | started in range, engaged, no escalation tool, no negative feedback |
//! | `Unresolved`, `Unanswered` | a question asked in range left unanswered (with those words) |
//! | the search box | id, customer, country, device, source or language containing it (`lowerUTF8`), or a message's text (ASCII case-insensitive) |
//!
//! Each with the query's filters. On a Langfuse database, whose messages'
//! words are found in Rust (`words`), the `Unresolved` and `Unanswered`
//! drills, a `text` filter and the search box's messages are found in Rust
//! from the text the server gives, and go back to it as a set of
//! conversations; everything else is the same SQL.

use super::metrics::{escalation_tools, filter_condition, said_in_order, Said};
use super::schema::NONE;
use super::tsv::quote;
use super::ClickHouseStore;
use crate::metrics::words::{words, Phrases};
use crate::metrics::{ConversationPage, ConversationRow, Drill, ListOptions, Query, Settings, SortKey};
use crate::model::{Micros, Rating, Side};
use crate::store::StoreError;
use std::collections::HashSet;

/// One page of the conversations of `query` (or behind `options.drill`),
/// searched, sorted and cut as `options` says, with how many match.
pub fn conversations(
    store: &ClickHouseStore,
    query: &Query,
    settings: &Settings,
    options: &ListOptions,
) -> Result<ConversationPage, StoreError> {
    let facts = store.facts_table();
    let pass = filter_condition(store, query, &mut Said::default())?;
    let escalation = escalation_tools(settings);
    let escalated = format!("arrayExists(x -> has({escalation}, lowerUTF8(x)), a_name)");
    let chosen = chosen(store, query, settings, options.drill, &pass, &escalated)?;
    let searched = searched(store, options.search)?;
    let condition = format!("({pass}) AND ({chosen}) AND ({searched})");

    let total: u64 = store
        .select(&format!("SELECT count() FROM {facts} WHERE {condition}"))?
        .first()
        .and_then(|r| r.first())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if options.limit == 0 || options.offset as u64 >= total {
        return Ok(ConversationPage { total, rows: Vec::new() });
    }

    // The latest rating: of the feedback with a time (its own, else the
    // conversation's end or start), the last by time, then first seen.
    let rating = format!(
        "tupleElement(arrayElement(arraySort(arrayFilter(x -> tupleElement(x, 1) != {NONE},
            arrayMap((t, s, r) -> (t, s, r), f_ts, f_seq, f_rating))), -1), 3)"
    );
    let direction = if options.descending { "DESC" } else { "ASC" };
    let key = match options.sort {
        SortKey::StartedAt => "started".to_owned(),
        SortKey::ConversationId => "conversation_id".to_owned(),
        // No customer is the empty text, before any other (as `None` is).
        SortKey::CustomerId => "user".to_owned(),
        SortKey::Country => "country".to_owned(),
        SortKey::Device => "device".to_owned(),
        SortKey::Source => "source".to_owned(),
        SortKey::Language => "language".to_owned(),
        SortKey::Messages => "length(m_ts)".to_owned(),
        SortKey::DurationS => {
            format!("if(started != {NONE} AND ended != {NONE}, toFloat64(ended - started) / 1000000, toFloat64(-1))")
        }
        SortKey::Escalated => "escalated".to_owned(),
        // None, negative, neutral, positive.
        SortKey::Feedback => "transform(rating, ['', 'negative', 'positive'], [0, 1, 3], 2)".to_owned(),
    };
    let rows = store.select(&format!(
        "SELECT conversation_id, started, user, country, device, source, language, length(m_ts), ended,
            toUInt8({escalated}) AS escalated, {rating} AS rating
        FROM {facts} WHERE {condition}
        ORDER BY {key} {direction}, conversation_id {direction}
        LIMIT {}, {}",
        options.offset, options.limit
    ))?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let cell = |i: usize| r.get(i).cloned().unwrap_or_default();
            let instant = |i: usize| cell(i).parse::<i64>().ok().filter(|&t| t != NONE);
            let (started, ended) = (instant(1), instant(8));
            let user = cell(2);
            ConversationRow {
                conversation_id: cell(0),
                started_at: started.map(Micros),
                customer_id: (!user.is_empty()).then_some(user),
                country: cell(3),
                device: cell(4),
                source: cell(5),
                language: cell(6),
                messages: cell(7).parse().unwrap_or(0),
                duration_s: started.zip(ended).map(|(s, e)| (e - s) as f64 / 1e6),
                escalated: cell(9) == "1",
                feedback: match cell(10).as_str() {
                    "" => None,
                    other => Some(Rating::from_str_opt(other).unwrap_or(Rating::Neutral)),
                },
            }
        })
        .collect();
    Ok(ConversationPage { total, rows })
}

/// The conversations of the query, or those behind a drill, as a condition
/// on a row of the facts (the filters, `pass`, are the caller's).
fn chosen(
    store: &ClickHouseStore,
    query: &Query,
    settings: &Settings,
    drill: Option<&Drill>,
    pass: &str,
    escalated: &str,
) -> Result<String, StoreError> {
    let (from, to) = (query.from.0, query.to.0);
    let zone = quote(query.zone.name());
    let started_in = format!("started != {NONE} AND started >= {from} AND started < {to}");
    let local = |t: &str| format!("toDateTime(intDiv({t}, 1000000), {zone})");
    Ok(match drill {
        None => started_in,
        Some(Drill::Day { date }) => match chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(day) => format!(
                "arrayExists(t -> t >= {from} AND t < {to} AND toString(toDate({})) = {}, m_ts)",
                local("t"),
                quote(&day.format("%Y-%m-%d").to_string())
            ),
            Err(_) => "0".to_owned(),
        },
        // Weekdays from Monday = 0 (ClickHouse's from Monday = 1).
        Some(Drill::Hour { weekday, hour }) => format!(
            "arrayExists(t -> t >= {from} AND t < {to} AND toDayOfWeek({d}) = {} AND toHour({d}) = {hour}, m_ts)",
            u16::from(*weekday) + 1,
            d = local("t"),
        ),
        Some(Drill::Tool { name }) => {
            format!("arrayExists((t, n) -> t >= {from} AND t < {to} AND n = {}, a_ts, a_name)", quote(name))
        }
        Some(Drill::Resolved) => {
            format!("{started_in} AND engaged = 1 AND NOT {escalated} AND NOT has(f_rating, 'negative')")
        }
        Some(Drill::Unresolved) => unanswered(store, query, settings, None, pass)?,
        Some(Drill::Unanswered { question }) => {
            // Compared as `top_unanswered` groups questions: by their words.
            let key = words(question).join(" ");
            if key.is_empty() {
                "0".to_owned()
            } else {
                unanswered(store, query, settings, Some(&key), pass)?
            }
        }
    })
}

/// Whether a question asked in range went unanswered in the conversation
/// (with these words, `key`, when given): the rule of the Insights
/// (`metrics`), on each conversation's messages in order.
fn unanswered(
    store: &ClickHouseStore,
    query: &Query,
    settings: &Settings,
    key: Option<&str>,
    pass: &str,
) -> Result<String, StoreError> {
    let (from, to) = (query.from.0, query.to.0);
    let fallback = Phrases::new(&settings.fallback_phrases);
    if !store.has_words() {
        // A Langfuse database: its messages' words are found in Rust.
        let falls = |m: &super::words::Said| m.side == Side::Agent && fallback.any_in(&m.words);
        let mut found = HashSet::new();
        store.langfuse_said(pass, |conversation, said| {
            let left = said.iter().enumerate().any(|(i, m)| {
                let next = said.get(i + 1);
                m.ts >= from
                    && m.ts < to
                    && m.side == Side::User
                    && next.is_none_or(|n| n.side != Side::User)
                    && next.is_none_or(falls)
                    && key.is_none_or(|k| !m.words.is_empty() && m.words.join(" ") == k)
            });
            if left {
                found.insert(conversation.to_owned());
            }
        })?;
        return Ok(super::words::one_of(found));
    }
    let [sides, times, keys, next_side, next_falls] = said_in_order(&fallback);
    let same = match key {
        Some(k) => format!("k = {}", quote(k)),
        None => "1".to_owned(),
    };
    Ok(format!(
        "arrayExists((t, s, n, f, k) -> t >= {from} AND t < {to} AND s = 1 AND n != 1 AND (n = 0 OR f = 1) AND {same},
            {times}, {sides}, {next_side}, {next_falls}, {keys})"
    ))
}

/// The search box as a condition on a row of the facts: its text (trimmed)
/// in the conversation's id, customer, country, device, source or language
/// (each lower-cased, as the text is), or in one of its messages.
fn searched(store: &ClickHouseStore, search: &str) -> Result<String, StoreError> {
    let search = search.trim();
    if search.is_empty() {
        return Ok("1".to_owned());
    }
    let needle = quote(&search.to_lowercase());
    let fields: Vec<String> = ["conversation_id", "user", "country", "device", "source", "language"]
        .iter()
        .map(|c| format!("position(lowerUTF8({c}), {needle}) > 0"))
        .collect();
    Ok(format!("{} OR {}", fields.join(" OR "), store.mentioning(search)?))
}

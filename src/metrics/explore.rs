//! The conversations behind a number: the list a click on a chart opens.

use super::clock::{hour_of, weekday, LocalClock};
use super::compute::{escalated, passing};
use super::delta::in_range2;
use super::facts::{Facts, NONE, NO_USER};
use super::query::{Query, Settings};
use crate::model::{Micros, Rating};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A chart cell clicked: narrows the list to the conversations behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Drill {
    /// Conversations with a message in range on this local day (`YYYY-MM-DD`).
    Day { date: String },
    /// Conversations with a message in range in this weekday (Monday = 0) and hour.
    Hour { weekday: u8, hour: u8 },
    /// Conversations with a call of this tool in range.
    Tool { name: String },
    /// Conversations in which this question (a text of `top_unanswered`)
    /// was asked in range and went unanswered.
    Unanswered { question: String },
    /// Conversations in which some question asked in range went unanswered
    /// (those behind Unanswered Questions).
    Unresolved,
    /// Conversations started in range that the agent resolved (those
    /// behind Resolution Rate: engaged, no escalation, no negative feedback).
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    StartedAt,
    ConversationId,
    CustomerId,
    Country,
    Device,
    Source,
    Language,
    Messages,
    DurationS,
    Escalated,
    Feedback,
}

impl SortKey {
    /// Every key the list can be sorted by.
    pub const ALL: [SortKey; 11] = [
        SortKey::StartedAt,
        SortKey::ConversationId,
        SortKey::CustomerId,
        SortKey::Country,
        SortKey::Device,
        SortKey::Source,
        SortKey::Language,
        SortKey::Messages,
        SortKey::DurationS,
        SortKey::Escalated,
        SortKey::Feedback,
    ];
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConversationRow {
    pub conversation_id: String,
    pub started_at: Option<Micros>,
    pub customer_id: Option<String>,
    pub country: String,
    pub device: String,
    pub source: String,
    pub language: String,
    pub messages: u32,
    pub duration_s: Option<f64>,
    pub escalated: bool,
    pub feedback: Option<Rating>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConversationPage {
    /// How many conversations match, of which `rows` is one page.
    pub total: u64,
    pub rows: Vec<ConversationRow>,
}

#[derive(Debug, Clone, Default)]
pub struct ListOptions<'a> {
    pub drill: Option<&'a Drill>,
    /// Matched case-insensitively against ids, customer and context.
    pub search: &'a str,
    /// Store rows of conversations whose messages contain the search text.
    pub content_matches: Option<&'a HashSet<i64>>,
    pub sort: SortKey,
    pub descending: bool,
    pub offset: usize,
    pub limit: usize,
}

/// The conversations of a query (started in range, passing the filters), or
/// those behind a drill, searched, sorted and cut to one page.
pub fn list(facts: &Facts, query: &Query, settings: &Settings, options: &ListOptions) -> ConversationPage {
    let (from, to) = (query.from.0, query.to.0);
    let pass = passing(facts, query);
    let passes = |c: u32| pass.has(c);
    let n = facts.conversations.len();
    let mut selected = vec![false; n];
    match options.drill {
        None => {
            for (i, c) in facts.conversations.iter().enumerate() {
                selected[i] = c.started != NONE && c.started >= from && c.started < to && passes(i as u32);
            }
        }
        Some(Drill::Day { .. } | Drill::Hour { .. }) => {
            let messages = in_range2([&facts.messages, &facts.delta.messages], |m| m.ts, from, to);
            let firsts = messages.iter().filter_map(|run| run.first().map(|m| m.ts));
            let lasts = messages.iter().filter_map(|run| run.last().map(|m| m.ts));
            let (lo, hi) = (firsts.min().unwrap_or(from), lasts.max().unwrap_or(from));
            let clock = LocalClock::new(query.zone, lo, hi);
            let wanted_day = match options.drill {
                Some(Drill::Day { date }) => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                    .ok()
                    .map(|d| (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()),
                _ => None,
            };
            for m in messages.into_iter().flatten() {
                if selected[m.conversation as usize] || !passes(m.conversation) {
                    continue;
                }
                let local = clock.local(m.ts);
                let day = local.div_euclid(super::clock::DAY_US);
                let hit = match options.drill {
                    Some(Drill::Day { .. }) => wanted_day == Some(day),
                    Some(Drill::Hour { weekday: w, hour: h }) => {
                        weekday(day) == *w as usize && hour_of(local) == *h as usize
                    }
                    _ => false,
                };
                selected[m.conversation as usize] = hit;
            }
        }
        Some(Drill::Unanswered { question }) => {
            for c in super::insights::unanswered_in(facts, Some(question), from, to, &passes) {
                selected[c as usize] = true;
            }
        }
        Some(Drill::Unresolved) => {
            for c in super::insights::unanswered_in(facts, None, from, to, &passes) {
                selected[c as usize] = true;
            }
        }
        Some(Drill::Resolved) => {
            let escalated = escalated(facts, settings);
            let negative = super::insights::negative(facts);
            for (i, c) in facts.conversations.iter().enumerate() {
                selected[i] = c.started != NONE
                    && c.started >= from
                    && c.started < to
                    && super::insights::resolved(c, passes(i as u32), escalated[i], negative[i]);
            }
        }
        Some(Drill::Tool { name }) => {
            if let Some(tool) = facts.action_names.get(name) {
                for a in in_range2([&facts.actions, &facts.delta.actions], |a| a.ts, from, to).into_iter().flatten() {
                    if a.name == tool && passes(a.conversation) {
                        selected[a.conversation as usize] = true;
                    }
                }
            }
        }
    }
    let escalated = escalated(facts, settings);
    let needle = options.search.trim().to_lowercase();
    let user_name = |u: u32| (u != NO_USER).then(|| facts.users.name(u));
    let mut chosen: Vec<usize> = (0..n)
        .filter(|&i| selected[i])
        .filter(|&i| {
            if needle.is_empty() {
                return true;
            }
            let c = &facts.conversations[i];
            let text_hit = [
                facts.conversation_ids.get(i),
                user_name(c.user),
                Some(facts.names.name(c.country)),
                Some(facts.names.name(c.device)),
                Some(facts.names.name(c.source)),
                Some(facts.names.name(c.language)),
            ]
            .into_iter()
            .flatten()
            .any(|t| t.to_lowercase().contains(&needle));
            text_hit || options.content_matches.is_some_and(|m| m.contains(&facts.conversation_rows[i]))
        })
        .collect();

    let duration = |i: usize| {
        let c = &facts.conversations[i];
        (c.started != NONE && c.ended != NONE).then(|| (c.ended - c.started) as f64 / 1e6)
    };
    let rating_rank = |r: Option<Rating>| match r {
        None => 0,
        Some(Rating::Negative) => 1,
        Some(Rating::Neutral) => 2,
        Some(Rating::Positive) => 3,
    };
    chosen.sort_by(|&a, &b| {
        let (ca, cb) = (&facts.conversations[a], &facts.conversations[b]);
        let name = |x: u32| facts.names.name(x);
        let order = match options.sort {
            SortKey::StartedAt => ca.started.cmp(&cb.started),
            SortKey::ConversationId => facts.conversation_ids.get(a).cmp(&facts.conversation_ids.get(b)),
            SortKey::CustomerId => user_name(ca.user).cmp(&user_name(cb.user)),
            SortKey::Country => name(ca.country).cmp(name(cb.country)),
            SortKey::Device => name(ca.device).cmp(name(cb.device)),
            SortKey::Source => name(ca.source).cmp(name(cb.source)),
            SortKey::Language => name(ca.language).cmp(name(cb.language)),
            SortKey::Messages => ca.messages.cmp(&cb.messages),
            SortKey::DurationS => duration(a).unwrap_or(-1.0).total_cmp(&duration(b).unwrap_or(-1.0)),
            SortKey::Escalated => escalated[a].cmp(&escalated[b]),
            SortKey::Feedback => rating_rank(ca.latest_rating()).cmp(&rating_rank(cb.latest_rating())),
        };
        let order = order.then_with(|| facts.conversation_ids.get(a).cmp(&facts.conversation_ids.get(b)));
        if options.descending {
            order.reverse()
        } else {
            order
        }
    });

    let total = chosen.len() as u64;
    let rows = chosen
        .into_iter()
        .skip(options.offset)
        .take(options.limit)
        .map(|i| {
            let c = &facts.conversations[i];
            ConversationRow {
                conversation_id: facts.conversation_ids.get(i).unwrap_or_default().to_owned(),
                started_at: (c.started != NONE).then_some(Micros(c.started)),
                customer_id: user_name(c.user).map(str::to_owned),
                country: facts.names.name(c.country).to_owned(),
                device: facts.names.name(c.device).to_owned(),
                source: facts.names.name(c.source).to_owned(),
                language: facts.names.name(c.language).to_owned(),
                messages: c.messages,
                duration_s: duration(i),
                escalated: escalated[i],
                feedback: c.latest_rating(),
            }
        })
        .collect();
    ConversationPage { total, rows }
}

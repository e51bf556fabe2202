//! What the dashboard shows beside the METRICS.md keys: usage per model,
//! the latest feedback comments, and what an empty map needs to explain.

use super::compute::{dashboard_parts, Computed, Dashboard, ModelUsage, Pass, PassTest};
use super::delta::in_range2;
use super::facts::{Facts, FeedbackFact};
use super::query::{Query, Settings};
use crate::model::{Micros, Rating};
use serde::Serialize;

/// A feedback comment in range.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Comment {
    pub conversation_id: String,
    pub timestamp: Micros,
    pub rating: Rating,
    pub comment: String,
    /// The feedback's row in the store: what tells two comments apart (two
    /// comments of one conversation can share everything else), so the
    /// app keys its list by it.
    pub row: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DashboardExtras {
    /// By cost, then tokens, descending.
    pub models: Vec<ModelUsage>,
    /// Newest first.
    pub latest_comments: Vec<Comment>,
    /// Of the conversations in range, those with an IP address.
    pub conversations_with_ip: u64,
    pub geo_attribution: String,
}

/// How many comments the feedback chart lists.
pub const LATEST_COMMENTS: usize = 8;

/// The feedback rows whose comments the dashboard lists for `query`, newest
/// first: the caller fetches their texts (the facts hold none) and hands
/// them to [`dashboard_view`].
pub fn commented_feedback(facts: &Facts, query: &Query) -> Vec<i64> {
    // A few conversations are asked, from the latest comment back: not all.
    let test = PassTest::of(facts, query);
    let passes = |c: u32| test.as_ref().is_none_or(|t| t.admits(facts, c as usize, &facts.conversations[c as usize]));
    latest_commented(facts, query, passes).map(|f| f.row).collect()
}

/// The latest feedback with a comment in range, of conversations that pass.
fn latest_commented<'f>(
    facts: &'f Facts,
    query: &Query,
    passes: impl Fn(u32) -> bool + 'f,
) -> impl Iterator<Item = &'f FeedbackFact> + 'f {
    let (from, to) = (query.from.0, query.to.0);
    let [base, delta] = in_range2([&facts.feedback, &facts.delta.feedback], |f| f.ts, from, to);
    let (mut base, mut delta) = (base.iter().rev().peekable(), delta.iter().rev().peekable());
    // Both runs, latest first, in the order of a build's (by time, then row).
    let latest_first = std::iter::from_fn(move || match (base.peek(), delta.peek()) {
        (Some(a), Some(b)) if (b.ts, b.row) > (a.ts, a.row) => delta.next(),
        _ => base.next().or_else(|| delta.next()),
    });
    latest_first.filter(move |f| f.has_comment != 0 && passes(f.conversation)).take(LATEST_COMMENTS)
}

/// The models with messages in range, by cost, then tokens, descending,
/// then by name: the order of [`DashboardExtras::models`], whichever store
/// counted them.
pub(crate) fn in_usage_order(models: Vec<ModelUsage>) -> Vec<ModelUsage> {
    let mut models: Vec<ModelUsage> = models.into_iter().filter(|u| u.messages > 0).collect();
    models.sort_by(|a, b| {
        b.cost
            .total_cmp(&a.cost)
            .then((b.prompt + b.completion).cmp(&(a.prompt + a.completion)))
            .then(a.model.cmp(&b.model))
    });
    models
}

/// The dashboard of `query` with its extras: one computation for both.
/// `comments` are the texts of [`commented_feedback`]'s rows.
pub fn dashboard_view(
    facts: &Facts,
    query: &Query,
    settings: &Settings,
    geo_attribution: &str,
    comments: &[(i64, String)],
) -> (Dashboard, DashboardExtras) {
    let (dashboard, current, shared) = dashboard_parts(facts, query, settings);
    let extras = extras(facts, query, current, &shared.pass, geo_attribution, comments);
    (dashboard, extras)
}

/// The extras for `query`, given its numbers and which conversations pass its filters.
fn extras(
    facts: &Facts,
    query: &Query,
    computed: Computed,
    pass: &Pass,
    geo_attribution: &str,
    comments: &[(i64, String)],
) -> DashboardExtras {
    let models = in_usage_order(computed.models);

    let text_of = |row: i64| comments.iter().find(|(r, _)| *r == row).map(|(_, text)| text.clone());
    let latest_comments = latest_commented(facts, query, |c| pass.has(c))
        .map(|f| Comment {
            conversation_id: facts.conversation_ids.get(f.conversation as usize).unwrap_or_default().to_owned(),
            timestamp: Micros(f.ts),
            rating: f.rating(),
            comment: text_of(f.row).unwrap_or_default(),
            row: f.row,
        })
        .collect();

    DashboardExtras {
        models,
        latest_comments,
        conversations_with_ip: computed.conversations_with_ip,
        geo_attribution: geo_attribution.to_owned(),
    }
}

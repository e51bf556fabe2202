//! What the dashboard shows beside the METRICS.md keys: usage per model,
//! the latest feedback comments, and what an empty map needs to explain.

use super::compute::{dashboard_parts, Computed, Dashboard};
use super::facts::Facts;
use super::query::{Query, Settings};
use crate::model::{Micros, Rating};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ModelUsage {
    pub model: String,
    pub messages: u64,
    pub prompt: u64,
    pub completion: u64,
    pub cost: f64,
    /// False when some of its messages carry tokens but neither a cost nor a price.
    pub priced: bool,
}

/// A feedback comment in range; its text is fetched from the store.
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

/// The dashboard of `query` with its extras: one computation for both.
pub fn dashboard_view(
    facts: &Facts,
    query: &Query,
    settings: &Settings,
    geo_attribution: &str,
) -> (Dashboard, DashboardExtras) {
    let (dashboard, current, shared) = dashboard_parts(facts, query, settings);
    let extras = extras(facts, query, current, shared.pass.as_deref(), geo_attribution);
    (dashboard, extras)
}

/// The extras for `query`, given its numbers and which conversations pass its filters.
fn extras(
    facts: &Facts,
    query: &Query,
    computed: Computed,
    pass: Option<&[bool]>,
    geo_attribution: &str,
) -> DashboardExtras {
    let (from, to) = (query.from.0, query.to.0);
    let passes = |c: u32| pass.is_none_or(|p| p[c as usize]);

    let mut models: Vec<ModelUsage> = computed.models.into_iter().filter(|u| u.messages > 0).collect();
    models.sort_by(|a, b| {
        b.cost
            .total_cmp(&a.cost)
            .then((b.prompt + b.completion).cmp(&(a.prompt + a.completion)))
            .then(a.model.cmp(&b.model))
    });

    let lo = facts.feedback.partition_point(|f| f.ts < from);
    let hi = facts.feedback.partition_point(|f| f.ts < to);
    let latest_comments = facts.feedback[lo..hi.max(lo)]
        .iter()
        .rev()
        .filter(|f| f.has_comment && passes(f.conversation))
        .take(LATEST_COMMENTS)
        .map(|f| Comment {
            conversation_id: facts.conversation_ids[f.conversation as usize].clone(),
            timestamp: Micros(f.ts),
            rating: f.rating,
            comment: String::new(),
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

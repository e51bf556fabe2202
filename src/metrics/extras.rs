//! What the dashboard shows beside the METRICS.md keys: usage per model,
//! the latest feedback comments, and what an empty map needs to explain.

use super::compute::passing;
use super::facts::{Facts, NO_MODEL};
use super::query::Query;
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
    #[serde(skip)]
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

pub fn extras(facts: &Facts, query: &Query, geo_attribution: &str) -> DashboardExtras {
    let (from, to) = (query.from.0, query.to.0);
    let pass = passing(facts, query);
    let passes = |c: u32| pass.as_ref().is_none_or(|p| p[c as usize]);

    let mut by_model: Vec<ModelUsage> = facts
        .models
        .values
        .iter()
        .map(|m| ModelUsage { model: m.clone(), messages: 0, prompt: 0, completion: 0, cost: 0.0, priced: true })
        .collect();
    let lo = facts.messages.partition_point(|m| m.ts < from);
    let hi = facts.messages.partition_point(|m| m.ts < to);
    for m in &facts.messages[lo..hi.max(lo)] {
        if m.model == NO_MODEL || !passes(m.conversation) {
            continue;
        }
        let u = &mut by_model[m.model as usize];
        u.messages += 1;
        u.prompt += m.prompt_tokens;
        u.completion += m.completion_tokens;
        u.cost += m.cost;
        u.priced &= !m.unpriced;
    }
    let mut models: Vec<ModelUsage> = by_model.into_iter().filter(|u| u.messages > 0).collect();
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

    let conversations_with_ip = facts
        .conversations
        .iter()
        .enumerate()
        .filter(|(i, c)| c.has_ip && c.started >= from && c.started < to && passes(*i as u32))
        .count() as u64;

    DashboardExtras { models, latest_comments, conversations_with_ip, geo_attribution: geo_attribution.to_owned() }
}

//! What the engine reads from the messages' words, for the metrics: the
//! questions and fallback answers (Insights) and the conversations a `text`
//! filter keeps. The store gives the text, [`crate::metrics::words`] the rule.

use crate::metrics::words::Phrases;
use crate::metrics::{Facts, InsightFacts, InsightsBuilder};
use crate::store::{Store, StoreError};
use std::collections::HashSet;

/// The questions and fallback answers of the conversations of `facts`.
pub fn insight_facts(store: &Store, facts: &Facts, fallback_phrases: &[String]) -> Result<InsightFacts, StoreError> {
    let mut builder = InsightsBuilder::new(facts, fallback_phrases);
    store.for_each_message_text(|m| builder.message(m.conversation, m.timestamp, m.role.side(), m.content))?;
    Ok(builder.finish())
}

/// Per conversation of `facts`: whether some message of it (any role, any
/// time) says one of `phrases` as consecutive words.
pub fn text_matches(store: &Store, facts: &Facts, phrases: &[String]) -> Result<Vec<bool>, StoreError> {
    let phrases = Phrases::new(phrases);
    let mut said: HashSet<i64> = HashSet::new();
    store.for_each_message_text(|m| {
        if !said.contains(&m.conversation) && m.content.is_some_and(|text| phrases.any_in_text(text)) {
            said.insert(m.conversation);
        }
    })?;
    Ok(facts.conversation_rows.iter().map(|row| said.contains(row)).collect())
}

//! What people ask about (docs/metrics.md), computed by the server: only
//! the best-scored phrases travel.
//!
//! Each user message's runs of one to three words that may be phrases
//! whatever the stop words ([`crate::metrics::runs`]) are found in Rust at
//! import, kept in the `message` table (`phrases`) and gathered in each
//! conversation's facts (`u_phrase`, each with its message's time in
//! `u_phrase_ts`; `u_ts` the times of the user messages that have text).
//! A query then asks, in one statement:
//!
//! ```text
//! shards     per run: messages of the period and of the previous period
//!            (conversations passing the filters), of the whole store
//! entry      runs said in ≥ 3 of the period's messages, neither first nor
//!            last word a stop word of the store's languages (a list in the
//!            statement): the phrases; each phrase's score; a phrase inside a
//!            longer scored one said ≥ 0.8 times as often left out; the best
//!            LIMIT by score
//! client     the scores again in Rust, the final choice (`choose`)
//! ```
//!
//! A conversation and its facts live on one shard, so each shard counts its
//! own messages and only per-run counts meet on the entry server.
//!
//! Why the page cannot change the answer: the left-out rule that needs
//! every scored phrase (inside a longer one) is applied by the server over
//! all of them; the other (said in nearly the same messages as a phrase
//! kept before it) needs only the phrases before it. The server orders by
//! its own score, whose logarithm may differ from Rust's in the last bits,
//! so of a full page only the phrases whose Rust score is above the page's
//! lowest server score by more than that margin are surely ahead of every
//! phrase left off; when the choice over them does not fill the card, a
//! larger page is asked for, until the page is not full (then it holds
//! every phrase).

use super::metrics::{filter_condition, Said};
use super::schema::NONE;
use super::tsv::quote;
use super::ClickHouseStore;
use crate::metrics::{choose, score, sort_scored, stop_words, Query, Scored, Topic, MIN_MESSAGES, SAME_THING, TOPICS};
use crate::store::StoreError;
use std::collections::HashSet;

/// Phrases asked for first; a page that does not settle the card asks for
/// this many times more.
const FIRST_PAGE: u64 = 100;
const GROWTH: u64 = 10;
/// How far the server's score may be from Rust's, relative to it: a few
/// units in the last place of a logarithm and a product.
const SCORE_MARGIN: f64 = 1e-9;

impl ClickHouseStore {
    /// The query's topics, as [`crate::metrics::TopicCounts::topics`] gives
    /// them on SQLite.
    pub fn topics(&self, query: &Query) -> Result<Vec<Topic>, StoreError> {
        let pass = filter_condition(self, query, &mut Said::default())?;
        if self.langfuse.is_some() {
            return self.langfuse_topics(query, &pass);
        }
        let facts = self.facts_table();
        let stop = stop_words(self.languages()?.iter().map(String::as_str));
        let (from, to, previous_from) = (query.from.0, query.to.0, query.previous().from.0);
        let head = self.select(&format!(
            "SELECT sumIf(arrayCount(t -> t >= {from} AND t < {to}, u_ts), {pass}),
                sum(arrayCount(s -> s = 1, m_side))
             FROM {facts}"
        ))?;
        let head = head.into_iter().next().unwrap_or_default();
        let count = |i: usize| -> u64 { head.get(i).and_then(|v| v.parse().ok()).unwrap_or(0) };
        let (period_messages, store_messages) = (count(0), count(1));
        let whole = period_messages >= store_messages;

        // Per run: (period, previous period, store); the runs of
        // conversations that fail the filters get a time no period holds.
        let counted = format!(
            "SELECT p, countIf(t >= {from} AND t < {to}) AS a, countIf(t >= {previous_from} AND t < {from}) AS before,
                count() AS b
             FROM {facts}
             ARRAY JOIN u_phrase AS p, if({pass}, u_phrase_ts, arrayMap(x -> toInt64({NONE}), u_phrase_ts)) AS t
             GROUP BY p HAVING a >= {MIN_MESSAGES}"
        );
        let stop = stop_list(&stop);
        let (n, total) = (period_messages.max(1), store_messages.max(1));
        let (positive, sql_score) = match whole {
            true => ("1".to_owned(), "toFloat64(a)".to_owned()),
            false => {
                let ratio = format!("((a / {n}) / (greatest(a, b) / {total}))");
                (format!("{ratio} > 1"), format!("a * log({ratio})"))
            }
        };
        // Each phrase once as itself (i = 1), and, when it is scored, each
        // shorter run inside it with its count: a phrase is left out when a
        // scored longer one holds it and is said SAME_THING times as often.
        let inside = "multiIf(length(w) = 3, [w[1], w[2], w[3], concat(w[1], ' ', w[2]), concat(w[2], ' ', w[3])],
                length(w) = 2, [w[1], w[2]], emptyArrayString())";
        let mut page = FIRST_PAGE;
        loop {
            let rows = self.select(&format!(
                "SELECT k, own_a, own_before, own_b, own_score FROM (
                    SELECT k, anyIf(a, i = 1) AS own_a, anyIf(before, i = 1) AS own_before, anyIf(b, i = 1) AS own_b,
                        anyIf(positive, i = 1) AS own_positive, anyIf(score, i = 1) AS own_score,
                        maxIf(a, i > 1) AS longer
                    FROM (
                        SELECT p, a, before, b, toUInt8({positive}) AS positive, {sql_score} AS score,
                            splitByChar(' ', p) AS w,
                            arrayConcat([p], if(positive = 1, {inside}, emptyArrayString())) AS keys
                        FROM ({counted})
                        WHERE w[1] NOT IN ({stop}) AND arrayElement(w, -1) NOT IN ({stop})
                    ) ARRAY JOIN keys AS k, arrayEnumerate(keys) AS i
                    GROUP BY k HAVING countIf(i = 1) = 1
                ) WHERE own_positive = 1 AND NOT (longer >= {SAME_THING:?} * own_a)
                ORDER BY own_score DESC, k LIMIT {page}"
            ))?;
            let full = rows.len() as u64 == page;
            let number = |row: &[String], i: usize| -> u64 { row.get(i).and_then(|v| v.parse().ok()).unwrap_or(0) };
            let lowest: f64 = rows.last().and_then(|r| r.get(4)).and_then(|v| v.parse().ok()).unwrap_or(0.0);
            let mut scored: Vec<Scored> = rows
                .iter()
                .filter_map(|row| {
                    let (a, before, b) = (number(row, 1), number(row, 2), number(row, 3));
                    let score = score(a, b, period_messages, store_messages)?;
                    Some(Scored { score, phrase: row.first()?.clone(), messages: a, previous_messages: before })
                })
                .collect();
            sort_scored(&mut scored);
            if full {
                // Only those surely ahead of every phrase left off.
                let bound = lowest + lowest.abs() * SCORE_MARGIN;
                scored.retain(|s| s.score > bound);
            }
            let topics = choose(&scored);
            if !full || topics.len() == TOPICS {
                return Ok(topics);
            }
            page *= GROWTH;
        }
    }

    /// The languages of the store's conversations, whose stop words topics leave out.
    fn languages(&self) -> Result<Vec<String>, StoreError> {
        let rows = self.select(&format!("SELECT DISTINCT language FROM {}", self.facts_table()))?;
        Ok(rows.into_iter().filter_map(|r| r.into_iter().next()).collect())
    }

    /// A Langfuse database keeps no runs (Rapport never writes there) and
    /// its messages' text is read as the importer reads it, in Rust: the
    /// user messages are read in slices of conversations (`words`) into the
    /// same index the SQLite store builds, the conversations that pass the
    /// filters found by the server.
    fn langfuse_topics(&self, query: &Query, pass: &str) -> Result<Vec<Topic>, StoreError> {
        use crate::metrics::{TopicIndexBuilder, TopicScope};
        use crate::model::Side;
        let passing: Option<HashSet<String>> = match pass {
            "1" => None,
            _ => Some(
                self.select(&format!("SELECT conversation_id FROM {} WHERE {pass}", self.facts_table()))?
                    .into_iter()
                    .filter_map(|r| r.into_iter().next())
                    .collect(),
            ),
        };
        let stop = stop_words(self.languages()?.iter().map(String::as_str));
        let mut builder = TopicIndexBuilder::new(&stop);
        // Row 1: a conversation that passes; row 0: one that does not.
        self.langfuse_texts("1", |conversation, ts, side, text| {
            if side == Side::User {
                let row = i64::from(passing.as_ref().is_none_or(|p| p.contains(conversation)));
                builder.user_message(row, ts, text.as_deref());
            }
        })?;
        let scope = TopicScope::of_rows(vec![false, true], query);
        Ok(builder.finish().counts(&scope).topics())
    }
}

/// Stop words as an SQL list (never empty: English is always among them).
fn stop_list(stop: &HashSet<String>) -> String {
    let mut words: Vec<&String> = stop.iter().collect();
    words.sort_unstable();
    let list: Vec<String> = words.into_iter().map(|w| quote(w)).collect();
    if list.is_empty() {
        return "''".to_owned();
    }
    list.join(", ")
}

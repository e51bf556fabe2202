//! What people ask about: the phrases (one to three words) that best
//! characterise a period's user messages against the whole store
//! (docs/metrics.md, "What people ask about").
//!
//! Pure: the engine reads the messages and feeds their words here twice,
//! first the period's and the previous period's (which phrases could be
//! topics), then every user message of the store (how common those phrases
//! are anyway). A phrase counts once per message that says it.

use std::collections::{HashMap, HashSet};

/// The phrases a card shows.
pub const TOPICS: usize = 10;
/// A phrase said in fewer of the period's messages is no topic.
const MIN_MESSAGES: u64 = 3;
/// A shorter phrase inside a longer topic said at least this share as often
/// says the same thing: the longer one is kept.
const SAME_THING: f64 = 0.8;
/// The ISO 639-1 codes whose stop words the `stop-words` crate has from
/// NLTK's lists (the words of grammar: "my", "for", "is"; not "order" or
/// "problem", which say what a question is about).
const STOP_WORD_LANGUAGES: [&str; 23] = [
    "ar", "az", "da", "de", "el", "en", "es", "fi", "fr", "hu", "id", "it", "kk", "ne", "nl", "no", "pt", "ro", "ru",
    "sl", "sv", "tg", "tr",
];

/// A phrase people asked about in the period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Topic {
    /// The phrase's words, joined by single spaces (the word rule's words).
    pub phrase: String,
    /// User messages of the period that say it.
    pub messages: u64,
    /// User messages of the previous period (same length, same filters) that say it.
    pub previous_messages: u64,
}

/// The stop words of the languages the data has (BCP 47 tags, e.g. `pt-BR`),
/// English always among them, split into words as messages are.
pub fn stop_words<'a>(languages: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    let mut codes: HashSet<String> = languages
        .into_iter()
        .filter_map(|tag| tag.split(['-', '_']).next())
        .map(str::to_ascii_lowercase)
        .filter(|code| STOP_WORD_LANGUAGES.contains(&code.as_str()))
        .collect();
    codes.insert("en".to_owned());
    let mut out = HashSet::new();
    for code in codes {
        for word in stop_words::get(&code) {
            out.extend(super::words::words(word));
        }
    }
    out
}

/// The phrases of one message, each once: runs of one to three words that
/// neither start nor end with a stop word, without a word of digits only,
/// single words of two letters at least.
pub fn phrases(words: &[String], stop: &HashSet<String>) -> HashSet<String> {
    let content = |w: &String| !stop.contains(w) && !w.chars().all(|c| c.is_ascii_digit());
    let mut out = HashSet::new();
    for start in 0..words.len() {
        if !content(&words[start]) {
            continue;
        }
        for len in 1..=3 {
            let Some(run) = words.get(start..start + len) else { break };
            if run.iter().any(|w| w.chars().all(|c| c.is_ascii_digit())) {
                break;
            }
            let last = &run[len - 1];
            if !content(last) || (len == 1 && last.chars().count() < 2) {
                continue;
            }
            out.insert(run.join(" "));
        }
    }
    out
}

/// Which user messages a query's topics read: those of conversations that
/// pass its filters, in its period or the previous one.
pub struct TopicScope {
    /// By conversation row: whether it passes.
    passes: HashMap<i64, bool>,
    from: i64,
    to: i64,
    previous_from: i64,
}

impl TopicScope {
    pub fn of(facts: &super::Facts, query: &super::Query) -> TopicScope {
        let pass = super::compute::passing(facts, query);
        let passes = facts
            .conversation_rows
            .iter()
            .enumerate()
            .map(|(i, &row)| (row, pass.as_ref().is_none_or(|p| p[i])))
            .collect();
        let previous = query.previous();
        TopicScope { passes, from: query.from.0, to: query.to.0, previous_from: previous.from.0 }
    }

    /// `Some(true)` for a message of the period, `Some(false)` of the
    /// previous period, `None` for one the topics do not read.
    pub fn side(&self, conversation_row: i64, ts: i64) -> Option<bool> {
        if !self.passes.get(&conversation_row).copied().unwrap_or(false) {
            return None;
        }
        if (self.from..self.to).contains(&ts) {
            Some(true)
        } else if (self.previous_from..self.from).contains(&ts) {
            Some(false)
        } else {
            None
        }
    }
}

/// The counts a card is made of, filled in two passes.
#[derive(Debug, Default)]
pub struct TopicCounts {
    /// Per phrase of the period's messages: (period, previous period).
    said: HashMap<String, (u64, u64)>,
    /// User messages of the period, and of the whole store.
    period_messages: u64,
    store_messages: u64,
    /// Per candidate: user messages of the whole store that say it.
    store: HashMap<String, u64>,
}

impl TopicCounts {
    /// First pass: a user message of the period (`current`) or of the previous one.
    pub fn period_message(&mut self, phrases: HashSet<String>, current: bool) {
        if current {
            self.period_messages += 1;
        }
        for p in phrases {
            if current {
                self.said.entry(p).or_default().0 += 1;
            } else if let Some(e) = self.said.get_mut(&p) {
                e.1 += 1;
            } else {
                self.said.insert(p, (0, 1));
            }
        }
    }

    /// Between the passes: only phrases said often enough in the period stay.
    pub fn keep_candidates(&mut self) {
        self.said.retain(|_, (now, _)| *now >= MIN_MESSAGES);
        self.store = self.said.keys().map(|p| (p.clone(), 0)).collect();
    }

    /// Whether a phrase is a candidate (the second pass counts only those).
    pub fn is_candidate(&self, phrase: &str) -> bool {
        self.store.contains_key(phrase)
    }

    /// Second pass: a user message of the store, any time, any filter.
    pub fn store_message(&mut self, phrases: &HashSet<String>) {
        self.store_messages += 1;
        for p in phrases {
            if let Some(n) = self.store.get_mut(p) {
                *n += 1;
            }
        }
    }

    /// The period's topics: phrases said more in the period than in the
    /// store at large, by how much more weighed by how often
    /// (`messages × ln(share in the period ÷ share in the store)`); when the
    /// period holds every message, the most said. Ties by phrase.
    pub fn topics(self) -> Vec<Topic> {
        let n = self.period_messages.max(1) as f64;
        let total = self.store_messages.max(1) as f64;
        let whole = self.period_messages >= self.store_messages;
        let mut scored: Vec<(f64, String, u64, u64)> = self
            .said
            .into_iter()
            .filter_map(|(phrase, (now, before))| {
                let store = (*self.store.get(&phrase)?).max(now) as f64;
                let score = if whole { now as f64 } else { now as f64 * ((now as f64 / n) / (store / total)).ln() };
                (score > 0.0).then_some((score, phrase, now, before))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        // A phrase inside a longer one said nearly as often is that phrase again.
        let counts: HashMap<&str, u64> = scored.iter().map(|(_, p, now, _)| (p.as_str(), *now)).collect();
        let inside_longer = |phrase: &str, now: u64| {
            counts.iter().any(|(other, &m)| {
                other.len() > phrase.len()
                    && format!(" {other} ").contains(&format!(" {phrase} "))
                    && m as f64 >= SAME_THING * now as f64
            })
        };
        // Phrases said in the same messages, overlapping (a word in common, as
        // "change my delivery" and "delivery address" of one sentence), are
        // one topic: the better scored is kept.
        let mut kept: Vec<(&str, u64)> = Vec::new();
        let mut out = Vec::new();
        for (_, phrase, now, before) in &scored {
            if out.len() == TOPICS || inside_longer(phrase, *now) {
                continue;
            }
            let same_messages = |(other, m): &(&str, u64)| {
                (*m as f64 - *now as f64).abs() <= (1.0 - SAME_THING) / 4.0 * (*now).max(*m) as f64
                    && other.split(' ').any(|w| phrase.split(' ').any(|v| v == w))
            };
            if kept.iter().any(same_messages) {
                continue;
            }
            kept.push((phrase, *now));
            out.push(Topic { phrase: phrase.clone(), messages: *now, previous_messages: *before });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::words::words;

    fn stop() -> HashSet<String> {
        stop_words(["en", "de-DE"])
    }

    #[test]
    fn phrases_do_not_start_or_end_with_stop_words() {
        let p = phrases(&words("Where is my refund for order 123?"), &stop());
        assert!(p.contains("refund"));
        assert!(p.contains("refund for order"), "a stop word inside a phrase is kept");
        assert!(!p.contains("my refund") && !p.contains("where"), "stop words at the edges are not");
        assert!(!p.iter().any(|x| x.contains("123")), "numbers are no topic");
    }

    #[test]
    fn german_stop_words_are_known_when_the_data_is_german() {
        let p = phrases(&words("Wo ist meine Rückerstattung?"), &stop());
        assert_eq!(p, HashSet::from(["ruckerstattung".to_owned()]));
    }

    #[test]
    fn planted_topics_rise_above_what_is_always_said() {
        let s = stop();
        let mut counts = TopicCounts::default();
        let period = [
            "my parcel never arrived",
            "parcel never arrived yesterday",
            "the parcel never arrived",
            "password reset please",
            "password reset now",
            "password reset again",
            "login problem",
        ];
        let before = ["password reset please", "password reset again", "login problem"];
        for text in period {
            counts.period_message(phrases(&words(text), &s), true);
        }
        for text in before {
            counts.period_message(phrases(&words(text), &s), false);
        }
        counts.keep_candidates();
        // The store: every message above, and many older ones about passwords.
        let mut store: Vec<&str> = period.iter().chain(before.iter()).copied().collect();
        store.extend(std::iter::repeat_n("password reset needed", 40));
        for text in store {
            counts.store_message(&phrases(&words(text), &s));
        }
        let topics = counts.topics();
        assert_eq!(topics[0].phrase, "parcel never arrived", "the planted phrase, longest form");
        assert_eq!((topics[0].messages, topics[0].previous_messages), (3, 0));
        assert!(
            !topics.iter().any(|t| t.phrase == "parcel" || t.phrase == "never arrived"),
            "its parts are not repeated"
        );
        assert!(!topics.iter().any(|t| t.phrase.contains("password")), "said in the period less than always: no topic");
    }
}

//! What people ask about: the phrases (one to three words) that best
//! characterise a period's user messages against the whole store
//! (docs/metrics.md, "What people ask about").
//!
//! Pure: the engine reads every user message of the store once and gives
//! each here ([`TopicIndexBuilder`]); the [`TopicIndex`] keeps each message's
//! phrases (as numbers) with its time and conversation, and how many
//! messages of the whole store say each phrase, which no query changes. A
//! query then counts the phrases of its period's and previous period's
//! messages from the index ([`TopicIndex::counts`]), reading no text. A
//! phrase counts once per message that says it.

use std::collections::{HashMap, HashSet};

/// The phrases a card shows.
pub const TOPICS: usize = 10;
/// A phrase said in fewer of the period's messages is no topic.
pub const MIN_MESSAGES: u64 = 3;
/// A shorter phrase inside a longer topic said at least this share as often
/// says the same thing: the longer one is kept.
pub const SAME_THING: f64 = 0.8;
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

/// The runs of one message that can be phrases whatever the stop words,
/// each once, sorted: one to three words without a word of digits only,
/// single words of two letters at least. [`phrases`] are those of them that
/// neither start nor end with a stop word ([`is_phrase`]); a store that
/// keeps them at import (ClickHouse) needs no stop words then, which
/// change with the languages of its data.
pub fn runs(words: &[String]) -> Vec<String> {
    let digits = |w: &String| w.chars().all(|c| c.is_ascii_digit());
    let mut out: Vec<String> = Vec::new();
    for start in 0..words.len() {
        for len in 1..=3 {
            let Some(run) = words.get(start..start + len) else { break };
            if run.iter().any(digits) {
                break;
            }
            if len == 1 && run[0].chars().count() < 2 {
                continue;
            }
            out.push(run.join(" "));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether a run of [`runs`] is a phrase with these stop words: its first
/// and last words are none of them.
pub fn is_phrase(run: &str, stop: &HashSet<String>) -> bool {
    let mut words = run.split(' ');
    let first = words.next().unwrap_or_default();
    let last = words.next_back().unwrap_or(first);
    !stop.contains(first) && !stop.contains(last)
}

/// A phrase's score (step 4 of docs/metrics.md): said in `now` of the
/// period's `period_messages` messages and in `store` of the store's
/// `store_messages`; `None` when it is not positive (no topic).
pub fn score(now: u64, store: u64, period_messages: u64, store_messages: u64) -> Option<f64> {
    let n = period_messages.max(1) as f64;
    let total = store_messages.max(1) as f64;
    let store = store.max(now) as f64;
    let score = if period_messages >= store_messages {
        now as f64
    } else {
        now as f64 * ((now as f64 / n) / (store / total)).ln()
    };
    (score > 0.0).then_some(score)
}

/// A phrase of the period with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub score: f64,
    pub phrase: String,
    /// User messages of the period, and of the previous period, that say it.
    pub messages: u64,
    pub previous_messages: u64,
}

/// By score, ties by phrase (bytes).
pub fn sort_scored(scored: &mut [Scored]) {
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.phrase.cmp(&b.phrase)));
}

/// The topics (step 5 of docs/metrics.md) of phrases in the order of
/// [`sort_scored`]: up to [`TOPICS`], leaving out a phrase inside a longer
/// one of `scored` said nearly as often, and a phrase said in nearly the
/// same messages as one kept before it with a word in common.
pub fn choose(scored: &[Scored]) -> Vec<Topic> {
    // A phrase inside a longer one said nearly as often is that phrase again.
    let counts: HashMap<&str, u64> = scored.iter().map(|s| (s.phrase.as_str(), s.messages)).collect();
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
    for Scored { phrase, messages: now, previous_messages: before, .. } in scored {
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

/// Which user messages a query's topics read: those of conversations that
/// pass its filters, in its period or the previous one.
pub struct TopicScope {
    /// By conversation row (a store's rows are numbered from 1): whether it passes.
    passes: Vec<bool>,
    from: i64,
    to: i64,
    previous_from: i64,
}

impl TopicScope {
    pub fn of(facts: &super::Facts, query: &super::Query) -> TopicScope {
        let pass = super::compute::passing(facts, query);
        let last = facts.conversation_rows.iter().copied().filter_map(|r| usize::try_from(r).ok()).max();
        let mut passes = vec![false; last.map_or(0, |l| l + 1)];
        for (i, &row) in facts.conversation_rows.iter().enumerate() {
            if let Ok(row) = usize::try_from(row) {
                passes[row] = pass.has(i as u32);
            }
        }
        let previous = query.previous();
        TopicScope { passes, from: query.from.0, to: query.to.0, previous_from: previous.from.0 }
    }

    /// The scope of a query whose passing conversations are given by row
    /// (`passes[row]`), as [`TopicIndexBuilder::user_message`] numbers them.
    pub fn of_rows(passes: Vec<bool>, query: &super::Query) -> TopicScope {
        let previous = query.previous();
        TopicScope { passes, from: query.from.0, to: query.to.0, previous_from: previous.from.0 }
    }

    /// `Some(true)` for a message of the period, `Some(false)` of the
    /// previous period, `None` for one the topics do not read.
    pub fn side(&self, conversation_row: i64, ts: i64) -> Option<bool> {
        let passes = usize::try_from(conversation_row).ok().and_then(|r| self.passes.get(r).copied());
        if !passes.unwrap_or(false) {
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

/// Every user message of a store with the phrases it says, and how many
/// messages of the store say each phrase: what the topics of any period are
/// counted from. Messages that say the same phrases share one list.
#[derive(Debug, Default, Clone)]
pub struct TopicIndex {
    /// By phrase number.
    phrases: Vec<String>,
    /// By phrase number: user messages of the store that say it.
    store_counts: Vec<u64>,
    /// User messages of the store, those without text included.
    store_messages: u64,
    /// The store's user messages, by time; those without text have the
    /// kind [`NO_TEXT`] (kept so that an index brought up to date after an
    /// import knows how many it takes out).
    messages: Vec<IndexedMessage>,
    /// Each distinct list of phrase numbers, as a range of `lists`.
    kinds: Vec<(u32, u32)>,
    lists: Vec<u32>,
}

/// The kind of a user message without text: no phrases, and not one of
/// the period's messages a topic's share is of.
const NO_TEXT: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct IndexedMessage {
    ts: i64,
    conversation_row: i64,
    kind: u32,
}

/// Builds a [`TopicIndex`] from the store's user messages, in any order.
///
/// It finds the phrases [`phrases`] finds, but on word numbers: each
/// distinct word is looked at once (stop word? digits only? one letter?),
/// and a phrase is its words' numbers until it is first seen.
pub struct TopicIndexBuilder<'a> {
    stop: &'a HashSet<String>,
    word_ids: HashMap<String, u32>,
    /// By word number: the word, and what [`phrases`] asks of it.
    words: Vec<(String, WordKind)>,
    phrase_ids: HashMap<[u32; 3], u32>,
    kind_ids: HashMap<Vec<u32>, u32>,
    index: TopicIndex,
    /// Reused for each message.
    message_words: Vec<u32>,
    message_phrases: Vec<[u32; 3]>,
}

#[derive(Debug, Clone, Copy)]
struct WordKind {
    /// Neither a stop word nor digits only: a phrase may start or end with it.
    content: bool,
    digits: bool,
    /// Fewer than two characters: no phrase alone.
    short: bool,
}

/// In a phrase's word numbers: no word (a phrase of one or two words).
const NO_WORD: u32 = u32::MAX;

impl<'a> TopicIndexBuilder<'a> {
    pub fn new(stop: &'a HashSet<String>) -> TopicIndexBuilder<'a> {
        TopicIndexBuilder {
            stop,
            word_ids: HashMap::new(),
            words: Vec::new(),
            phrase_ids: HashMap::new(),
            kind_ids: HashMap::new(),
            index: TopicIndex::default(),
            message_words: Vec::new(),
            message_phrases: Vec::new(),
        }
    }

    fn word_id(&mut self, word: String) -> u32 {
        if let Some(&id) = self.word_ids.get(&word) {
            return id;
        }
        let digits = word.chars().all(|c| c.is_ascii_digit());
        let kind = WordKind { content: !self.stop.contains(&word) && !digits, digits, short: word.chars().count() < 2 };
        let id = self.words.len() as u32;
        self.words.push((word.clone(), kind));
        self.word_ids.insert(word, id);
        id
    }

    /// A user message of the store: its conversation's row, time and text.
    pub fn user_message(&mut self, conversation_row: i64, ts: i64, content: Option<&str>) {
        self.index.store_messages += 1;
        let Some(text) = content else {
            self.index.messages.push(IndexedMessage { ts, conversation_row, kind: NO_TEXT });
            return;
        };
        let mut message_words = std::mem::take(&mut self.message_words);
        message_words.clear();
        for w in super::words::words(text) {
            message_words.push(self.word_id(w));
        }
        // The runs `phrases` keeps, as word numbers.
        let kind = |id: u32| self.words[id as usize].1;
        let mut found = std::mem::take(&mut self.message_phrases);
        found.clear();
        for start in 0..message_words.len() {
            if !kind(message_words[start]).content {
                continue;
            }
            for len in 1..=3 {
                let Some(run) = message_words.get(start..start + len) else { break };
                if run.iter().any(|&w| kind(w).digits) {
                    break;
                }
                let last = kind(run[len - 1]);
                if !last.content || (len == 1 && last.short) {
                    continue;
                }
                let mut key = [NO_WORD; 3];
                key[..len].copy_from_slice(run);
                found.push(key);
            }
        }
        found.sort_unstable();
        found.dedup();
        let mut ids: Vec<u32> = Vec::with_capacity(found.len());
        for key in &found {
            let id = match self.phrase_ids.get(key) {
                Some(&id) => id,
                None => {
                    let id = self.index.phrases.len() as u32;
                    let text: Vec<&str> =
                        key.iter().filter(|&&w| w != NO_WORD).map(|&w| self.words[w as usize].0.as_str()).collect();
                    self.index.phrases.push(text.join(" "));
                    self.index.store_counts.push(0);
                    self.phrase_ids.insert(*key, id);
                    id
                }
            };
            self.index.store_counts[id as usize] += 1;
            ids.push(id);
        }
        self.message_words = message_words;
        self.message_phrases = found;
        ids.sort_unstable();
        let kind = match self.kind_ids.get(&ids) {
            Some(&k) => k,
            None => {
                let k = self.index.kinds.len() as u32;
                let start = self.index.lists.len() as u32;
                self.index.lists.extend_from_slice(&ids);
                self.index.kinds.push((start, ids.len() as u32));
                self.kind_ids.insert(ids, k);
                k
            }
        };
        self.index.messages.push(IndexedMessage { ts, conversation_row, kind });
    }

    pub fn finish(self) -> TopicIndex {
        let mut index = self.index;
        index.messages.sort_by_key(|m| m.ts);
        index.messages.shrink_to_fit();
        index.lists.shrink_to_fit();
        index
    }
}

/// The version of the phrase rule and of [`TopicIndex::to_bytes`]'s
/// layout, part of the tag of an index kept beside the store: an index
/// kept by a Rapport whose rule or layout differs is built again. Raise it
/// with any change to either.
pub const TOPIC_INDEX_FORMAT: u32 = 2;

/// An index kept beside the store is the body of a file whose checksums
/// were checked; it is read as untrusted all the same: each length is
/// checked against what is left, and each number against what it numbers.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.bytes.get(..n)?, self.bytes.get(n..)?);
        self.bytes = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A count of items of `size` bytes each, at most as many as are left.
    fn count(&mut self, size: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n <= self.bytes.len() / size).then_some(n)
    }
}

impl TopicIndex {
    /// The index as bytes, for [`TopicIndex::from_bytes`] (little-endian):
    /// the store's user messages, then each table a count and its items.
    /// About 20 bytes a user message (600 MB at ten million
    /// conversations), where building it reads every message's text.
    pub fn to_bytes(&self) -> Vec<u8> {
        let phrase_bytes: usize = self.phrases.iter().map(|p| 4 + p.len()).sum();
        let mut out = Vec::with_capacity(
            8 * 6
                + phrase_bytes
                + 8 * self.store_counts.len()
                + 20 * self.messages.len()
                + 8 * self.kinds.len()
                + 4 * self.lists.len(),
        );
        out.extend_from_slice(&self.store_messages.to_le_bytes());
        out.extend_from_slice(&(self.phrases.len() as u64).to_le_bytes());
        for (phrase, count) in self.phrases.iter().zip(&self.store_counts) {
            out.extend_from_slice(&(phrase.len() as u32).to_le_bytes());
            out.extend_from_slice(phrase.as_bytes());
            out.extend_from_slice(&count.to_le_bytes());
        }
        out.extend_from_slice(&(self.messages.len() as u64).to_le_bytes());
        for m in &self.messages {
            out.extend_from_slice(&m.ts.to_le_bytes());
            out.extend_from_slice(&m.conversation_row.to_le_bytes());
            out.extend_from_slice(&m.kind.to_le_bytes());
        }
        out.extend_from_slice(&(self.kinds.len() as u64).to_le_bytes());
        for (start, len) in &self.kinds {
            out.extend_from_slice(&start.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
        }
        out.extend_from_slice(&(self.lists.len() as u64).to_le_bytes());
        for phrase in &self.lists {
            out.extend_from_slice(&phrase.to_le_bytes());
        }
        out
    }

    /// The index of the store after a change that touched the conversations
    /// `changed` (by row): this one's messages of other conversations, and
    /// `fresh`, an index built from every user message of `changed` as
    /// they are now (with the same stop words). Its topics are those of an
    /// index built from the whole store again; its numbers of phrases and
    /// lists differ (new ones come after this one's), and phrases no
    /// message says any more stay, counted in no message.
    ///
    /// Made in place: at ten million conversations the messages take 1.5
    /// GB, and a copy of them costs more than the rest (mostly the kernel
    /// clearing its fresh pages).
    pub fn updated(self, changed: &HashSet<i64>, fresh: &TopicIndex) -> TopicIndex {
        let TopicIndex { mut phrases, mut store_counts, mut messages, mut kinds, mut lists, .. } = self;
        // This index's messages of the changed conversations out, their
        // phrases no longer counted in the store. A sorted list, not the
        // set, says which are changed: this is a test for each message
        // (62 million at ten million conversations), and most fall outside
        // its range.
        let mut changed: Vec<i64> = changed.iter().copied().collect();
        changed.sort_unstable();
        let (low, high) = (changed.first().copied().unwrap_or(i64::MAX), changed.last().copied().unwrap_or(i64::MIN));
        messages.retain(|m| {
            let row = m.conversation_row;
            if row < low || row > high || changed.binary_search(&row).is_err() {
                return true;
            }
            if m.kind != NO_TEXT {
                let (start, len) = kinds[m.kind as usize];
                for &id in &lists[start as usize..(start + len) as usize] {
                    // (Never below zero in an index built here; one read
                    // back is checked for its numbers, not its counts.)
                    store_counts[id as usize] = store_counts[id as usize].saturating_sub(1);
                }
            }
            false
        });
        // Fresh phrases by this index's numbers (found in one pass over
        // its phrases), new ones added after them.
        let fresh_number: HashMap<&str, usize> =
            fresh.phrases.iter().enumerate().map(|(id, phrase)| (phrase.as_str(), id)).collect();
        let mut renumbered: Vec<Option<u32>> = vec![None; fresh.phrases.len()];
        for (id, phrase) in phrases.iter().enumerate() {
            if let Some(&fresh_id) = fresh_number.get(phrase.as_str()) {
                renumbered[fresh_id] = Some(id as u32);
            }
        }
        let renumbered: Vec<u32> = renumbered
            .into_iter()
            .zip(fresh.phrases.iter().zip(&fresh.store_counts))
            .map(|(id, (phrase, &count))| {
                let id = id.unwrap_or_else(|| {
                    phrases.push(phrase.clone());
                    store_counts.push(0);
                    (phrases.len() - 1) as u32
                });
                store_counts[id as usize] += count;
                id
            })
            .collect();
        let first_fresh_kind = kinds.len() as u32;
        for &(start, len) in &fresh.kinds {
            let at = lists.len() as u32;
            let mut ids: Vec<u32> =
                fresh.lists[start as usize..(start + len) as usize].iter().map(|&id| renumbered[id as usize]).collect();
            ids.sort_unstable();
            lists.extend_from_slice(&ids);
            kinds.push((at, len));
        }
        // The fresh messages merged in from the end (both are in time
        // already; this index's first at equal times): only the part of
        // the messages from the earliest fresh one on is moved.
        let kept = messages.len();
        let filler = IndexedMessage { ts: 0, conversation_row: 0, kind: NO_TEXT };
        messages.resize(kept + fresh.messages.len(), filler);
        let (mut i, mut j) = (kept, fresh.messages.len());
        while j > 0 {
            let f = fresh.messages[j - 1];
            let at = i + j - 1;
            if i > 0 && messages[i - 1].ts > f.ts {
                messages[at] = messages[i - 1];
                i -= 1;
            } else {
                let kind = if f.kind == NO_TEXT { NO_TEXT } else { first_fresh_kind + f.kind };
                messages[at] = IndexedMessage { kind, ..f };
                j -= 1;
            }
        }
        let store_messages = messages.len() as u64;
        TopicIndex { phrases, store_counts, store_messages, messages, kinds, lists }
    }

    /// The index [`TopicIndex::to_bytes`] gave these bytes of; `None` for
    /// bytes it did not give (cut short, lengths or numbers out of range,
    /// messages out of time order), never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Option<TopicIndex> {
        let mut r = Reader { bytes };
        let store_messages = r.u64()?;
        let n = r.count(4 + 8)?;
        let (mut phrases, mut store_counts) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let len = r.u32()? as usize;
            phrases.push(std::str::from_utf8(r.take(len)?).ok()?.to_owned());
            store_counts.push(r.u64()?);
        }
        let n = r.count(20)?;
        let mut messages = Vec::with_capacity(n);
        for _ in 0..n {
            let (ts, conversation_row, kind) = (r.u64()? as i64, r.u64()? as i64, r.u32()?);
            messages.push(IndexedMessage { ts, conversation_row, kind });
        }
        let n = r.count(8)?;
        let kinds: Vec<(u32, u32)> = (0..n).map(|_| Some((r.u32()?, r.u32()?))).collect::<Option<_>>()?;
        let n = r.count(4)?;
        let lists: Vec<u32> = (0..n).map(|_| r.u32()).collect::<Option<_>>()?;
        let whole = r.bytes.is_empty()
            && store_messages == messages.len() as u64
            && messages.windows(2).all(|w| w[0].ts <= w[1].ts)
            && messages.iter().all(|m| m.kind == NO_TEXT || (m.kind as usize) < kinds.len())
            && kinds
                .iter()
                .all(|&(start, len)| (start as usize).checked_add(len as usize).is_some_and(|end| end <= lists.len()))
            && lists.iter().all(|&phrase| (phrase as usize) < phrases.len());
        whole.then_some(TopicIndex { phrases, store_counts, store_messages, messages, kinds, lists })
    }

    /// The counts of a query's topics: its period's and previous period's
    /// user messages (as `scope` says), against the whole store's.
    pub fn counts(&self, scope: &TopicScope) -> TopicCounts {
        self.counts_unless(scope, &|| false).expect("never stopped")
    }

    /// [`TopicIndex::counts`], on both cores; `None` once `stop` says so
    /// (it is asked every million messages or so: the question was asked
    /// again since, say).
    pub fn counts_unless(&self, scope: &TopicScope, stop: &(dyn Fn() -> bool + Sync)) -> Option<TopicCounts> {
        let first = self.messages.partition_point(|m| m.ts < scope.previous_from);
        let end = self.messages.partition_point(|m| m.ts < scope.to);
        let messages = &self.messages[first..end.max(first)];
        let (low, high) = messages.split_at(messages.len() / 2);
        let (said, period_messages) = std::thread::scope(|threads| {
            let other = threads.spawn(|| self.said_in(high, scope, stop));
            let mine = self.said_in(low, scope, stop);
            let theirs = other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let ((mut said, n), (their_said, m)) = (mine?, theirs?);
            for (e, t) in said.iter_mut().zip(their_said) {
                (e.0, e.1) = (e.0 + t.0, e.1 + t.1);
            }
            Some((said, n + m))
        })?;
        let mut counts = TopicCounts { period_messages, store_messages: self.store_messages, ..TopicCounts::default() };
        for (id, &(now, before)) in said.iter().enumerate() {
            if now >= MIN_MESSAGES {
                let phrase = &self.phrases[id];
                counts.said.insert(phrase.clone(), (now, before));
                counts.store.insert(phrase.clone(), self.store_counts[id]);
            }
        }
        Some(counts)
    }

    /// Per phrase, how many of `messages` say it in the period and in the
    /// previous one (as `scope` says), and how many are of the period.
    fn said_in(
        &self,
        messages: &[IndexedMessage],
        scope: &TopicScope,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Option<(Vec<(u64, u64)>, u64)> {
        let mut said = vec![(0u64, 0u64); self.phrases.len()];
        let mut period_messages = 0;
        for chunk in messages.chunks(STOP_EVERY) {
            if stop() {
                return None;
            }
            for m in chunk {
                if m.kind == NO_TEXT {
                    continue;
                }
                let Some(current) = scope.side(m.conversation_row, m.ts) else { continue };
                if current {
                    period_messages += 1;
                }
                let (start, len) = self.kinds[m.kind as usize];
                for &id in &self.lists[start as usize..(start + len) as usize] {
                    let e = &mut said[id as usize];
                    if current {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
            }
        }
        Some((said, period_messages))
    }
}

/// How many messages [`TopicIndex::counts_unless`] reads between asking whether to stop.
const STOP_EVERY: usize = 1 << 20;

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
        let (n, total) = (self.period_messages, self.store_messages);
        let mut scored: Vec<Scored> = self
            .said
            .into_iter()
            .filter_map(|(phrase, (now, before))| {
                let score = score(now, *self.store.get(&phrase)?, n, total)?;
                Some(Scored { score, phrase, messages: now, previous_messages: before })
            })
            .collect();
        sort_scored(&mut scored);
        choose(&scored)
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
    fn the_runs_kept_without_stop_words_give_the_phrases_once_filtered() {
        let texts = [
            "Where is my refund for order 123?",
            "Wo ist meine Rückerstattung? Ich möchte kündigen, bitte",
            "a b c d e",
            "I I I want to to cancel cancel my plan plan 2026 now",
            "x 1 y 22 zz 333 the end",
            "",
            "the",
            "٣ arabic digits ٣ are letters here, é é",
        ];
        for text in texts {
            let w = words(text);
            let runs = runs(&w);
            assert!(runs.windows(2).all(|p| p[0] < p[1]), "each run once: {runs:?}");
            for stop in [stop(), stop_words(["fr"]), HashSet::new()] {
                let filtered: HashSet<String> = runs.iter().filter(|r| is_phrase(r, &stop)).cloned().collect();
                assert_eq!(filtered, phrases(&w, &stop), "{text:?}");
            }
        }
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

    /// The store of `planted_topics_rise_above_what_is_always_said`, as
    /// (conversation row, time, text): the period is 100..200, the previous
    /// period 0..100, conversation 3 filtered out, older messages before.
    fn store() -> Vec<(i64, i64, Option<&'static str>)> {
        let mut out = vec![
            (1, 150, Some("my parcel never arrived")),
            (1, 151, Some("parcel never arrived yesterday")),
            (2, 160, Some("the parcel never arrived")),
            (2, 170, Some("password reset please")),
            (1, 180, Some("password reset now")),
            (2, 190, Some("password reset again")),
            (1, 195, Some("login problem")),
            (2, 199, None),
            (3, 150, Some("parcel never arrived")),
            (1, 50, Some("password reset please")),
            (2, 60, Some("password reset again")),
            (1, 70, Some("login problem")),
            (1, 200, Some("parcel never arrived, later")),
        ];
        out.extend(std::iter::repeat_n((1, -500, Some("password reset needed")), 40));
        out
    }

    #[test]
    fn the_index_counts_what_two_passes_over_the_text_count() {
        let s = stop();
        let scope = TopicScope { passes: vec![false, true, true, false], from: 100, to: 200, previous_from: 0 };
        // Two passes over the text, as a query without the index reads it.
        let mut two_passes = TopicCounts::default();
        for &(row, ts, text) in &store() {
            if let (Some(current), Some(text)) = (scope.side(row, ts), text) {
                two_passes.period_message(phrases(&words(text), &s), current);
            }
        }
        two_passes.keep_candidates();
        for &(_, _, text) in &store() {
            two_passes.store_message(&text.map(|t| phrases(&words(t), &s)).unwrap_or_default());
        }
        // The index, built from the messages in another order.
        let mut builder = TopicIndexBuilder::new(&s);
        for &(row, ts, text) in store().iter().rev() {
            builder.user_message(row, ts, text);
        }
        let index = builder.finish();
        assert!(index.counts_unless(&scope, &|| true).is_none(), "told to stop, it counts nothing");
        // (Counted in two halves, one on another thread, then added up.)
        let indexed = index.counts(&scope);
        assert_eq!(
            (indexed.period_messages, indexed.store_messages),
            (two_passes.period_messages, two_passes.store_messages)
        );
        assert_eq!(indexed.said, two_passes.said);
        assert_eq!(indexed.store, two_passes.store);
        let topics = indexed.topics();
        assert_eq!(topics, two_passes.topics());
        assert_eq!(topics[0].phrase, "parcel never arrived");
        assert_eq!((topics[0].messages, topics[0].previous_messages), (3, 0), "conversation 3 is filtered out");
    }

    #[test]
    fn an_index_read_back_from_its_bytes_counts_the_same_and_other_bytes_are_refused_without_a_panic() {
        let s = stop();
        let scope = TopicScope { passes: vec![false, true, true, false], from: 100, to: 200, previous_from: 0 };
        let mut builder = TopicIndexBuilder::new(&s);
        for &(row, ts, text) in &store() {
            builder.user_message(row, ts, text);
        }
        let index = builder.finish();
        let bytes = index.to_bytes();
        let back = TopicIndex::from_bytes(&bytes).expect("its own bytes");
        let (a, b) = (index.counts(&scope), back.counts(&scope));
        assert_eq!((&a.said, &a.store, a.period_messages), (&b.said, &b.store, b.period_messages));
        assert_eq!(a.store_messages, b.store_messages);
        assert_eq!(a.topics(), b.topics());

        // Cut short anywhere, or with a byte more.
        for len in 0..bytes.len() {
            assert!(TopicIndex::from_bytes(&bytes[..len]).is_none(), "cut at {len}");
        }
        assert!(TopicIndex::from_bytes(&[bytes.as_slice(), &[0]].concat()).is_none());
        // Any byte changed: refused, or read as some index; never a panic.
        for at in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[at] ^= 0xff;
            if let Some(other) = TopicIndex::from_bytes(&changed) {
                other.counts(&scope).topics();
            }
        }
        // A message of a list of phrases the index does not have.
        let mut bad = index;
        bad.messages[0].kind = bad.kinds.len() as u32;
        assert!(TopicIndex::from_bytes(&bad.to_bytes()).is_none());
    }

    #[test]
    fn an_index_brought_up_to_date_counts_what_one_built_again_counts() {
        let s = stop();
        let build = |messages: &[(i64, i64, Option<&str>)]| {
            let mut builder = TopicIndexBuilder::new(&s);
            for &(row, ts, text) in messages {
                builder.user_message(row, ts, text);
            }
            builder.finish()
        };
        // Before: conversation 2 said other things, and 4 was not there yet.
        let mut before: Vec<(i64, i64, Option<&str>)> = store().into_iter().filter(|m| m.0 != 2).collect();
        before.extend([(2, 165, Some("refund for my parcel")), (2, 166, None), (2, 40, Some("refund please"))]);
        let now: Vec<(i64, i64, Option<&str>)> = store()
            .into_iter()
            .chain([(4, 155, Some("the parcel never arrived again")), (4, 156, None), (4, 150, Some("refund now"))])
            .collect();
        let changed: HashSet<i64> = [2, 4].into();
        let fresh = build(&now.iter().copied().filter(|m| changed.contains(&m.0)).collect::<Vec<_>>());
        let updated = build(&before).updated(&changed, &fresh);
        let again = build(&now);
        assert_eq!(updated.store_messages, again.store_messages);
        for scope in [
            TopicScope { passes: vec![false, true, true, false, true], from: 100, to: 200, previous_from: 0 },
            TopicScope { passes: vec![true; 5], from: -1000, to: 1000, previous_from: -2000 },
            TopicScope { passes: vec![false, false, true, true, true], from: 150, to: 160, previous_from: 140 },
        ] {
            let (a, b) = (updated.counts(&scope), again.counts(&scope));
            assert_eq!((&a.said, &a.store, a.period_messages), (&b.said, &b.store, b.period_messages));
            assert_eq!(a.topics(), b.topics());
        }
        // And kept, it reads back as itself.
        assert!(TopicIndex::from_bytes(&updated.to_bytes()).is_some());
    }
}

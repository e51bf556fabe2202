//! What the engine reads from the messages' words, for the metrics and the
//! search: the questions and fallback answers (Insights), the conversations
//! a `text` filter keeps, and snippets of the messages that say a phrase.
//! The store gives the text and its full-text index, [`crate::metrics::words`]
//! the rule.

use crate::metrics::words::{words_with_spans, Phrases};
use crate::metrics::{Facts, InsightFacts, InsightsBuilder};
use crate::store::{Changed, Store, StoreError};
use serde::Serialize;

/// The questions and fallback answers of the conversations of `facts`.
pub fn insight_facts(store: &Store, facts: &Facts, fallback_phrases: &[String]) -> Result<InsightFacts, StoreError> {
    insight_facts_in(store, facts, fallback_phrases, Changed::All)
}

/// [`insight_facts`], reading the text of the conversations `changed` says
/// only: `facts` are those conversations' (built from `changed` too).
pub fn insight_facts_in(
    store: &Store,
    facts: &Facts,
    fallback_phrases: &[String],
    changed: Changed,
) -> Result<InsightFacts, StoreError> {
    let mut builder = InsightsBuilder::new(facts, fallback_phrases);
    store.for_each_message_text_in(changed, |m| {
        builder.message(m.conversation, m.timestamp, m.role.side(), m.content)
    })?;
    Ok(builder.finish())
}

/// Per conversation of `facts`: whether some message of it (any role, any
/// time) says one of `phrases` as consecutive words, as the store's
/// full-text index (of the rule's words) finds it.
pub fn text_matches(store: &Store, facts: &Facts, phrases: &[String]) -> Result<Vec<bool>, StoreError> {
    // The store's rows of the conversations that say it, one bit each.
    let mut rows: Vec<u64> = Vec::new();
    store.conversations_saying(Phrases::new(phrases).words(), |row| {
        if let Ok(row) = usize::try_from(row) {
            if row / 64 >= rows.len() {
                rows.resize(row / 64 + 1, 0);
            }
            rows[row / 64] |= 1 << (row % 64);
        }
    })?;
    let said_row =
        |row: i64| usize::try_from(row).is_ok_and(|r| rows.get(r / 64).is_some_and(|w| w & (1 << (r % 64)) != 0));
    // A conversation an import replaced is counted as its new facts only.
    Ok((0..facts.conversations.len() as u32)
        .map(|c| said_row(facts.conversation_rows[c as usize]) && !facts.is_replaced(c))
        .collect())
}

/// A stretch of a message around a phrase it says, to show as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Snippet {
    pub text: String,
    /// Where the phrase is in `text`, as `[start, end)` offsets in UTF-16
    /// code units (what the UI's strings count).
    pub highlights: Vec<(u32, u32)>,
    /// Whether text was cut before or after the stretch shown.
    pub cut_before: bool,
    pub cut_after: bool,
}

/// How many characters a snippet shows on each side of its first match.
const CONTEXT_CHARS: usize = 60;

/// The snippet of `content` around the first place it says one of
/// `phrases`; `None` when it says none of them.
pub fn snippet(content: &str, phrases: &Phrases) -> Option<Snippet> {
    let spans = words_with_spans(content);
    let words: Vec<String> = spans.iter().map(|(w, _)| w.clone()).collect();
    let mut found: Vec<(usize, usize)> = Vec::new(); // byte ranges of content
    let mut i = 0;
    while i < words.len() {
        let hit = phrases.words().iter().find(|p| words[i..].starts_with(p));
        match hit {
            Some(p) => {
                found.push((spans[i].1.start, spans[i + p.len() - 1].1.end));
                i += p.len();
            }
            None => i += 1,
        }
    }
    let &(first_start, _) = found.first()?;
    let start = floor_char(content, first_start.saturating_sub(back_bytes(content, first_start, CONTEXT_CHARS)));
    let end = {
        let after = found[0].1;
        let more: usize = content[after..].chars().take(CONTEXT_CHARS).map(char::len_utf8).sum();
        after + more
    };
    let text = &content[start..end];
    let utf16 = |from: usize, to: usize| content[from..to].encode_utf16().count() as u32;
    let highlights = found
        .iter()
        .filter(|(a, b)| *a >= start && *b <= end)
        .map(|&(a, b)| (utf16(start, a), utf16(start, b)))
        .collect();
    Some(Snippet { text: text.to_owned(), highlights, cut_before: start > 0, cut_after: end < content.len() })
}

/// The bytes of the `chars` characters before `at`.
fn back_bytes(text: &str, at: usize, chars: usize) -> usize {
    text[..at].chars().rev().take(chars).map(char::len_utf8).sum()
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_highlights_the_phrase_where_the_text_says_it() {
        let s = snippet("Hola. ¿Dónde   está mi pedido? Dónde está", &Phrases::new(&["donde esta"])).unwrap();
        assert_eq!(s.text, "Hola. ¿Dónde   está mi pedido? Dónde está");
        let shown: Vec<String> = s
            .highlights
            .iter()
            .map(|&(a, b)| {
                String::from_utf16(&s.text.encode_utf16().collect::<Vec<_>>()[a as usize..b as usize]).unwrap()
            })
            .collect();
        assert_eq!(shown, ["Dónde   está", "Dónde está"]);
        assert!(!s.cut_before && !s.cut_after);
    }

    #[test]
    fn a_long_text_is_cut_around_its_first_match() {
        let text = format!("{} the refund came {}", "a ".repeat(100), "b ".repeat(100));
        let s = snippet(&text, &Phrases::new(&["REFUND"])).unwrap();
        assert!(s.cut_before && s.cut_after && s.text.contains("refund"), "{s:?}");
        assert!(snippet("nothing here", &Phrases::new(&["refund"])).is_none());
    }
}

/// Hashing for maps keyed by text (ids): xxh3 in one call per key, a few
/// times cheaper on short strings than the standard hasher, with a seed of
/// its own in each map so that which keys collide cannot be foreseen.
#[derive(Clone)]
pub struct TextHashing(u64);

impl Default for TextHashing {
    fn default() -> TextHashing {
        use std::hash::BuildHasher;
        TextHashing(std::collections::hash_map::RandomState::new().hash_one(0u8))
    }
}

impl std::hash::BuildHasher for TextHashing {
    type Hasher = TextHasher;
    fn build_hasher(&self) -> TextHasher {
        TextHasher(self.0)
    }
}

/// The hasher of [`TextHashing`].
pub struct TextHasher(u64);

impl std::hash::Hasher for TextHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }
    fn write_u8(&mut self, b: u8) {
        // (A `str` ends its bytes with 0xff.)
        self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A hasher for maps whose keys are hashes already (of texts, of words):
/// the key is its own hash.
#[derive(Default)]
pub struct HashIsKey(u64);

impl std::hash::Hasher for HashIsKey {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

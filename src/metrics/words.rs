//! The word rule of METRICS.md (Insights), shared by the `text` filter and
//! the fallback phrases.
//!
//! A text's words are found by removing accents (Unicode NFKD, combining
//! marks dropped), folding case (full case folding: `ß` is `ss`, `ς` is `σ`)
//! and taking the maximal runs of letters and digits; `_` and punctuation
//! separate words. A phrase is in a text when its words appear there one
//! after another:
//!
//! ```text
//! "¿Dónde está mi pedido?"  →  [donde] [esta] [mi] [pedido]
//! phrase "DONDE ESTA"       →  [donde] [esta]              found at 0
//! ```

use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// Letters and digits by general category (L*, N*), as Python's `[^\W_]`.
static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\p{L}\p{N}]+").expect("a valid pattern"));

/// The words of `text`, in order.
///
/// ```
/// use rapport::metrics::words::words;
/// assert_eq!(words("¿Dónde está mi_pedido?"), ["donde", "esta", "mi", "pedido"]);
/// assert_eq!(words("KÜNDIGEN, Straße"), ["kundigen", "strasse"]);
/// ```
pub fn words(text: &str) -> Vec<String> {
    if text.is_ascii() {
        return ascii_runs(text).map(|w| w.to_ascii_lowercase()).collect();
    }
    let plain: String = text.nfkd().filter(|&c| canonical_combining_class(c) == 0).collect();
    let folded = caseless::default_case_fold_str(&plain);
    WORD.find_iter(&folded).map(|m| m.as_str().to_owned()).collect()
}

/// The runs of letters and digits of an ASCII text, as written: NFKD and
/// folding leave ASCII as it is, but for its case.
fn ascii_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty())
}

/// Calls `f` with each of `text`'s words, in order: [`words`] without a
/// `String` made for each word of an ASCII text (an import finds the words
/// of every message it reads).
pub fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    if !text.is_ascii() {
        return words(text).iter().for_each(|w| f(w));
    }
    let mut lower = String::new();
    for run in ascii_runs(text) {
        if run.bytes().any(|b| b.is_ascii_uppercase()) {
            lower.clear();
            lower.push_str(run);
            lower.make_ascii_lowercase();
            f(&lower);
        } else {
            f(run);
        }
    }
}

/// The words of `text` as [`words`] finds them, each with the byte range
/// of `text` it comes from (to show where a phrase was said).
pub fn words_with_spans(text: &str) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut current: Option<(String, Range<usize>)> = None;
    let mut buf = [0u8; 4];
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        // Character by character gives the words of the whole text: NFKD
        // only reorders combining marks, which are dropped, and folding
        // works on single characters.
        let plain: String = c.nfkd().filter(|&c| canonical_combining_class(c) == 0).collect();
        for f in caseless::default_case_fold_str(&plain).chars() {
            if WORD.is_match(f.encode_utf8(&mut buf)) {
                match &mut current {
                    Some((word, span)) => {
                        word.push(f);
                        span.end = end;
                    }
                    None => current = Some((f.to_string(), at..end)),
                }
            } else if let Some(word) = current.take() {
                out.push(word);
            }
        }
    }
    out.extend(current);
    out
}

/// Whether `phrase` (words) appears in `words` as consecutive words; an
/// empty phrase appears nowhere.
pub fn has_phrase(words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && words.windows(phrase.len()).any(|w| w == phrase)
}

/// Phrases, each as its words, that a text is tested against at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phrases(Vec<Vec<String>>);

impl Phrases {
    /// The phrases of `texts`; those without a word are left out.
    pub fn new<S: AsRef<str>>(texts: &[S]) -> Phrases {
        Phrases(texts.iter().map(|t| words(t.as_ref())).filter(|w| !w.is_empty()).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each phrase's words.
    pub fn words(&self) -> &[Vec<String>] {
        &self.0
    }

    /// Whether any of the phrases is in `words`.
    pub fn any_in(&self, words: &[String]) -> bool {
        self.0.iter().any(|p| has_phrase(words, p))
    }

    /// Whether any of the phrases is in `text`.
    pub fn any_in_text(&self, text: &str) -> bool {
        !self.is_empty() && self.any_in(&words(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("¿Dónde está mi pedido?", &["donde", "esta", "mi", "pedido"])]
    #[case("snake_case-and.dots", &["snake", "case", "and", "dots"])]
    #[case("ΣΊΣΥΦΟΣ ς", &["σισυφοσ", "σ"])]
    #[case("ﬁnal Ⅻ ²", &["final", "xii", "2"])]
    #[case("İstanbul", &["istanbul"])]
    #[case("", &[])]
    #[case("¡¿…!", &[])]
    #[case("Where IS my order #A12b, please?", &["where", "is", "my", "order", "a12b", "please"])]
    fn words_drop_accents_fold_case_and_split_on_anything_else(#[case] text: &str, #[case] expected: &[&str]) {
        assert_eq!(words(text), expected, "{text:?}");
        let mut each = Vec::new();
        for_each_word(text, |w| each.push(w.to_owned()));
        assert_eq!(each, expected, "for_each_word({text:?})");
    }

    #[test]
    fn a_spacing_vowel_sign_separates_words_as_in_the_reference() {
        // U+093F (Mc, combining class 0) is neither letter nor digit.
        assert_eq!(words("कि"), ["क"]);
    }

    #[rstest]
    #[case("¿Dónde está mi_pedido?")]
    #[case("Cafe\u{301} ﬁnal ½ ΣΊΣΥΦΟΣ Straße")]
    #[case("कि 東京 2026-10-01")]
    fn words_with_spans_are_the_words(#[case] text: &str) {
        let spans = words_with_spans(text);
        let found: Vec<&String> = spans.iter().map(|(w, _)| w).collect();
        assert_eq!(found, words(text).iter().collect::<Vec<_>>(), "{text:?}");
        assert!(spans.iter().all(|(_, r)| text.get(r.clone()).is_some()), "spans are on character boundaries");
    }

    #[test]
    fn a_phrase_is_consecutive_words() {
        let text = words("I'm not sure I can help");
        assert!(has_phrase(&text, &words("i'M NOT  sure")));
        assert!(!has_phrase(&text, &words("not help")), "words between break the phrase");
        assert!(!has_phrase(&text, &[]), "an empty phrase is nowhere");
    }

    #[test]
    fn phrases_without_words_are_left_out() {
        let p = Phrases::new(&["...", "charged twice"]);
        assert!(p.any_in_text("I was CHARGED, twice!"));
        assert!(!Phrases::new(&["?"]).any_in_text("?"));
    }
}

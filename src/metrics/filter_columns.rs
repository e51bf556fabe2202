//! The names the filters test, a column per key, kept with the facts.
//!
//! Which conversations pass a query's filters is found in a pass over every
//! conversation's row before anything is counted. A row is 48 bytes, of
//! which a filter reads 4: at ten million conversations that pass read
//! 480 MB, 23 to 29 ms of both cores for each filtered dashboard, bound by
//! memory. Each conversation's country, device, source, language and
//! environment in a column of its own (2 bytes each) is read instead, once a
//! dashboard filtered by that key has made the column: 20 MB a key.
//!
//! Made by a dashboard, kept for the next ones (as `compute::KeptOutcomes`):
//! facts updated, folded, merged or cloned keep none, and columns are used
//! only for facts of as many conversations and names as they were made of.

use super::facts::{ConversationFact, Facts};
use super::normal::FilterKey;
use std::sync::{Arc, Mutex};

/// The keys that have a column: those of [`ConversationFact`]'s names.
/// (A customer id is one of many, and is read from the rows.)
const KEYS: [FilterKey; 5] =
    [FilterKey::Country, FilterKey::Device, FilterKey::Source, FilterKey::Language, FilterKey::Environment];

/// The column of `key`, if it has one.
fn slot(key: FilterKey) -> Option<usize> {
    KEYS.iter().position(|&k| k == key)
}

/// The name (its number in [`Facts::names`]) a conversation has for `key`.
#[inline]
pub(crate) fn name_of(key: FilterKey, c: &ConversationFact) -> u32 {
    match key {
        FilterKey::Source => c.source,
        FilterKey::Device => c.device,
        FilterKey::Language => c.language,
        FilterKey::Country => c.country,
        FilterKey::CustomerId => c.user,
        FilterKey::Environment => c.environment,
        FilterKey::Text => unreachable!("a text filter is not of a name"),
    }
}

/// What kept columns hold for: facts of this many conversations and names.
#[derive(Clone, Copy, PartialEq)]
struct Stamp {
    conversations: usize,
    names: usize,
}

impl Stamp {
    fn of(facts: &Facts) -> Stamp {
        Stamp { conversations: facts.conversations.len(), names: facts.names.values.len() }
    }
}

/// Per key of [`KEYS`], its column once made.
type Columns = [Option<Arc<Vec<u16>>>; KEYS.len()];

/// The columns made so far, kept with the facts they were made of.
#[derive(Default)]
pub struct KeptColumns(Mutex<Option<(Stamp, Columns)>>);

impl Clone for KeptColumns {
    /// Nothing kept: a clone may be changed.
    fn clone(&self) -> KeptColumns {
        KeptColumns::default()
    }
}

impl std::fmt::Debug for KeptColumns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeptColumns")
    }
}

impl KeptColumns {
    /// Forgets what was kept (the facts changed).
    pub(crate) fn clear(&mut self) {
        *self.0.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// The columns of `keys` for these facts, each made in one pass over
    /// the rows (on both cores) if not kept yet; `None` when some key has
    /// none, or the facts have more names than 2 bytes number. (No key, no
    /// column: none is needed.)
    pub(crate) fn of(facts: &Facts, keys: &[FilterKey]) -> Option<Vec<Arc<Vec<u16>>>> {
        let slots: Vec<usize> = keys.iter().map(|&k| slot(k)).collect::<Option<_>>()?;
        if slots.is_empty() {
            return Some(Vec::new());
        }
        if facts.names.values.len() > usize::from(u16::MAX) + 1 {
            return None;
        }
        let stamp = Stamp::of(facts);
        let mut kept = facts.filter_columns.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.as_ref().is_none_or(|(s, _)| *s != stamp) {
            *kept = Some((stamp, Default::default()));
        }
        let (_, columns) = kept.as_mut().expect("set above");
        let missing: Vec<usize> = slots.iter().copied().filter(|&s| columns[s].is_none()).collect();
        if !missing.is_empty() {
            for (s, column) in missing.iter().zip(made(&facts.conversations, &missing)) {
                columns[*s] = Some(Arc::new(column));
            }
        }
        Some(slots.iter().map(|&s| Arc::clone(columns[s].as_ref().expect("made above"))).collect())
    }
}

/// The columns of the keys at `slots`, in one pass over `rows`, half of it
/// on another thread.
fn made(rows: &[ConversationFact], slots: &[usize]) -> Vec<Vec<u16>> {
    let mut columns: Vec<Vec<u16>> = slots.iter().map(|_| vec![0; rows.len()]).collect();
    let half = rows.len() / 2;
    let (mut low, mut high): (Vec<&mut [u16]>, Vec<&mut [u16]>) =
        columns.iter_mut().map(|c| c.split_at_mut(half)).unzip();
    // The rows are read from memory once: a block of them (48 kB) stays in
    // the cache while each column takes its names from it.
    const BLOCK: usize = 1024;
    let fill = |rows: &[ConversationFact], parts: &mut [&mut [u16]]| {
        for (b, block) in rows.chunks(BLOCK).enumerate() {
            for (part, &s) in parts.iter_mut().zip(slots) {
                for (name, c) in part[b * BLOCK..].iter_mut().zip(block) {
                    // Fits: the facts have at most 65,536 names (KeptColumns::of).
                    *name = name_of(KEYS[s], c) as u16;
                }
            }
        }
    };
    std::thread::scope(|scope| {
        let other = scope.spawn(|| fill(&rows[..half], &mut low));
        fill(&rows[half..], &mut high);
        other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    });
    columns
}

/// ANDs into `bits` (conversation `c` at bit `c % 64` of word `c / 64 -
/// first`) whether each conversation's name in `column` is `allowed`.
/// Words already 0 are passed over.
pub(crate) fn and_allowed(column: &[u16], allowed: &[bool], first: usize, bits: &mut [u64]) {
    let only = {
        let mut ones = allowed.iter().enumerate().filter(|(_, &a)| a).map(|(i, _)| i);
        match (ones.next(), ones.next()) {
            (Some(one), None) => u16::try_from(one).ok(),
            _ => None,
        }
    };
    for (w, word) in bits.iter_mut().enumerate() {
        if *word == 0 {
            continue;
        }
        let start = (first + w) * 64;
        let names = &column[start.min(column.len())..(start + 64).min(column.len())];
        let mut mask = 0u64;
        match only {
            // One name allowed (a click on a chart): a comparison the
            // compiler does 16 at a time.
            Some(only) => {
                for (j, &name) in names.iter().enumerate() {
                    mask |= u64::from(name == only) << j;
                }
            }
            None => {
                for (j, &name) in names.iter().enumerate() {
                    mask |= u64::from(allowed.get(usize::from(name)).copied().unwrap_or(false)) << j;
                }
            }
        }
        *word &= mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_keeps_the_bits_whose_names_are_allowed() {
        // 150 conversations over three words, the last one short.
        let column: Vec<u16> = (0..150).map(|i| (i % 7) as u16).collect();
        for allowed_names in [vec![3usize], vec![0, 5], vec![], vec![9]] {
            let mut allowed = vec![false; 7];
            for &n in &allowed_names {
                if n < allowed.len() {
                    allowed[n] = true;
                }
            }
            for first in [0usize, 1] {
                let words = 3 - first;
                let mut bits = vec![u64::MAX; words];
                bits[0] = 0; // a word already empty stays so
                and_allowed(&column, &allowed, first, &mut bits);
                for (c, &name) in column.iter().enumerate().skip(first * 64) {
                    let (w, b) = (c / 64 - first, c % 64);
                    let want = w != 0 && allowed_names.contains(&(name as usize));
                    assert_eq!(bits[w] >> b & 1 == 1, want, "conversation {c}, allowed {allowed_names:?}");
                }
                // Past the last conversation, nothing passes.
                assert_eq!(bits[words - 1] >> (150 % 64), 0);
            }
        }
    }
}

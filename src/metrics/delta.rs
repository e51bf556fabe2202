//! Facts brought up to date after an import in the time the import's
//! conversations take, not the store's.
//!
//! Facts keep every table sorted by time (and conversations numbered by
//! start), so putting a small import's rows among a million conversations'
//! moves nearly every row. Instead, the facts of the conversations an
//! import changed go into a second, small run of every table beside the
//! first (the "base", often read in place from the kept file, untouched):
//!
//! - their conversations are numbered after the base's (`base..base + k`,
//!   by start among themselves), their names added to the shared tables of
//!   names; the base conversations they replace are marked replaced, and
//!   every query's conversations that pass (`compute::passing`)
//!   leave those out, so a replaced conversation's rows, still in the base,
//!   are read past as a filter's are;
//! - a scan reads each time-sorted table as two slices; where the order of
//!   its rows makes a difference (sums of costs and durations, the latest
//!   comments, a local day's distinct users), the two are read merged in the
//!   order one table built from every row has: by time, then by the
//!   conversation's store row (quarter-hour groups: by quarter hour, then
//!   by the conversation's start and row), so that every number is the one
//!   a build gives, to the bit;
//! - the next import merges into the small run (the delta's own facts,
//!   numbered from 0 and with names of their own, are kept for it: merging
//!   them is [`Facts::merged`] over a few conversations) and marks what it
//!   replaces; when the small run grows past a share of the base, or facts
//!   are to be kept on disk, the two are folded into one ([`Facts::folded`],
//!   the full merge).

use super::facts::{
    ActionFact, ConversationFact, ExchangeFact, Facts, FeedbackFact, ForeignCostFact, MessageFact, NONE, NO_MODEL,
    NO_USER,
};
use super::groups::{Groups, MessageGroup};
use super::insights::{FallbackAnswer, QuestionFact, NO_TEXT};
use std::ops::Range;

/// The second run of facts: see the module's documentation.
#[derive(Debug, Default, Clone)]
pub struct Delta {
    /// How many of the facts' conversations (the last ones) are this run's.
    pub conversations: usize,
    /// Per conversation of the base: whether one of this run's replaces it
    /// (empty when none is replaced).
    pub replaced: Vec<bool>,
    pub messages: Vec<MessageFact>,
    pub exchanges: Vec<ExchangeFact>,
    pub actions: Vec<ActionFact>,
    pub feedback: Vec<FeedbackFact>,
    pub foreign_costs: Vec<ForeignCostFact>,
    pub groups: Groups,
    /// Where each of this run's groups goes among the base's: how many of
    /// those are not after it (`Facts::group_before`). Found once, when
    /// the run is made, for the scan's stretches (`stretches_placed`).
    pub group_places: Vec<usize>,
    pub questions: Vec<QuestionFact>,
    pub fallback_answers: Vec<FallbackAnswer>,
    /// Each of this run's messages' conversation, by the message's store row (sorted).
    pub message_rows: Vec<(i64, u32)>,
    /// This run's facts as built: conversations numbered from 0, names of
    /// their own; what the next import's facts are merged into.
    own: Option<Box<Facts>>,
}

impl Delta {
    pub fn is_empty(&self) -> bool {
        self.own.is_none()
    }
}

/// A small run is folded into the base when it holds more than this many
/// conversations and more than one in `FOLD_SHARE` of the base's.
const FOLD_AT_LEAST: usize = 4096;
const FOLD_SHARE: usize = 16;

impl Facts {
    /// How many conversations the base run holds (the first ones).
    #[inline]
    pub fn base_conversations(&self) -> usize {
        self.conversations.len() - self.delta.conversations
    }

    /// Whether conversation `c` (of the base) was replaced by one of the second run.
    #[inline]
    pub fn is_replaced(&self, c: u32) -> bool {
        self.delta.replaced.get(c as usize).copied().unwrap_or(false)
    }

    /// Whether these facts have a second run (see [`Delta`]).
    pub fn has_delta(&self) -> bool {
        !self.delta.is_empty()
    }

    /// The conversations that start in `[from, to)`: a range of the base's
    /// and one of the second run's (each numbered by start), replaced ones
    /// among them.
    pub(crate) fn started_in(&self, from: i64, to: i64) -> [Range<usize>; 2] {
        let base = self.base_conversations();
        let part = |rows: &[ConversationFact], at: usize| {
            let first = rows.partition_point(|c| c.started != NONE && c.started < from);
            let end = rows.partition_point(|c| c.started != NONE && c.started < to);
            at + first..at + end.max(first)
        };
        [part(&self.conversations[..base], 0), part(&self.conversations[base..], base)]
    }

    /// Conversation `c`'s store row.
    #[inline]
    pub(crate) fn row_of(&self, c: u32) -> i64 {
        self.conversation_rows[c as usize]
    }

    /// Whether a row of conversation `a` at `x` comes before one of
    /// conversation `b` at `y` in a table built from every row: by time,
    /// then by the conversation's store row.
    #[inline]
    pub(crate) fn before(&self, x: i64, a: u32, y: i64, b: u32) -> bool {
        x < y || (x == y && self.row_of(a) < self.row_of(b))
    }

    /// Whether group `g` comes before group `h` in groups built from every
    /// row: by quarter hour, then by conversation (numbered by start, then
    /// store row, in a build).
    #[inline]
    pub(crate) fn group_before(&self, g: &MessageGroup, h: &MessageGroup) -> bool {
        if g.bucket != h.bucket {
            return g.bucket < h.bucket;
        }
        let key = |c: u32| {
            let started = self.conversations[c as usize].started;
            (started == NONE, started, self.row_of(c))
        };
        key(g.conversation) < key(h.conversation)
    }

    /// What the store holds, counted from the facts: conversations,
    /// messages, actions and feedback, and the first and last message's
    /// time (replaced conversations' rows left out).
    pub fn live_counts(&self) -> ([u64; 4], Option<(i64, i64)>) {
        let live = |c: u32| !self.is_replaced(c);
        let replaced = self.delta.replaced.iter().filter(|&&r| r).count();
        let replaced_messages: u64 = self
            .delta
            .replaced
            .iter()
            .zip(self.conversations.iter())
            .filter(|(r, _)| **r)
            .map(|(_, c)| u64::from(c.messages))
            .sum();
        let (replaced_actions, replaced_feedback) = if replaced == 0 {
            (0, 0)
        } else {
            (
                self.actions.iter().filter(|a| !live(a.conversation)).count(),
                self.feedback.iter().filter(|f| !live(f.conversation)).count(),
            )
        };
        let counts = [
            (self.conversations.len() - replaced) as u64,
            self.messages.len() as u64 - replaced_messages + self.delta.messages.len() as u64,
            (self.actions.len() - replaced_actions + self.delta.actions.len()) as u64,
            (self.feedback.len() - replaced_feedback + self.delta.feedback.len()) as u64,
        ];
        let first = [
            self.messages.iter().find(|m| live(m.conversation)).map(|m| m.ts),
            self.delta.messages.first().map(|m| m.ts),
        ];
        let last = [
            self.messages.iter().rev().find(|m| live(m.conversation)).map(|m| m.ts),
            self.delta.messages.last().map(|m| m.ts),
        ];
        let first = first.into_iter().flatten().min();
        let last = last.into_iter().flatten().max();
        (counts, first.zip(last))
    }

    /// These facts with those of some conversations replaced: `new` holds
    /// the facts of every conversation that changed (new ones included),
    /// built from the store's rows of those conversations only
    /// ([`super::FactsBuilder::of_some_conversations`]). What these facts
    /// held of them is marked replaced, and `new`'s go into the second run
    /// (merged with what it held): the base is not touched, so this costs
    /// what the changed conversations do (and one pass over the base's
    /// conversations' rows to find those replaced). Every number is then
    /// what facts built from every row give.
    pub fn updated(mut self, new: Facts) -> Facts {
        self.outcomes.clear();
        self.filter_columns.clear();
        if new.conversations.is_empty() {
            return self;
        }
        let base = self.base_conversations();
        let mut rows: Vec<i64> = new.conversation_rows.to_vec();
        rows.sort_unstable();
        let mut replaced = std::mem::take(&mut self.delta.replaced);
        if replaced.is_empty() {
            replaced = vec![false; base];
        }
        // Most base conversations are not among the few replaced: a bit per
        // value of a row's low bits (about 64 per row replaced) passes them
        // over with one load, not a binary search each (10,000,000 of them).
        let bits = (rows.len() * 64).next_power_of_two().clamp(1 << 12, 1 << 24);
        let mut maybe = vec![0u64; bits / 64];
        let bit = |row: i64| row as usize & (bits - 1);
        rows.iter().for_each(|&row| maybe[bit(row) / 64] |= 1 << (bit(row) % 64));
        for (r, &row) in replaced.iter_mut().zip(self.conversation_rows[..base].iter()) {
            if maybe[bit(row) / 64] >> (bit(row) % 64) & 1 == 1 {
                *r |= rows.binary_search(&row).is_ok();
            }
        }
        self.delta.replaced = replaced;
        let own = match self.delta.own.take() {
            Some(own) => own.merged(new),
            None => new,
        };
        if own.conversations.len() > FOLD_AT_LEAST && own.conversations.len() * FOLD_SHARE > base {
            self.delta.own = Some(Box::new(own));
            return self.folded();
        }
        self.take_second_run(own);
        self
    }

    /// The facts with their second run folded into the base: one run, as
    /// built from every row (the full merge, [`Facts::merged`]).
    pub fn folded(mut self) -> Facts {
        self.outcomes.clear();
        self.filter_columns.clear();
        let Some(own) = self.delta.own.take() else { return self };
        let base = self.base_conversations();
        self.conversations.to_mut().truncate(base);
        self.conversation_rows.to_mut().truncate(base);
        self.conversation_ids.truncate(base);
        self.delta = Delta::default();
        self.merged(*own)
    }

    /// [`Facts::folded`], in place.
    pub fn fold(&mut self) {
        if self.has_delta() {
            *self = std::mem::take(self).folded();
        }
    }

    /// Makes `own` (facts of some conversations, numbered from 0, with
    /// names of their own) the second run: their conversations put after
    /// the base's, their names numbered as the base numbers them (added
    /// when new), every table's rows renamed so.
    fn take_second_run(&mut self, own: Facts) {
        let base = self.base_conversations();
        let k = own.conversations.len();
        fn strs(i: &super::facts::Interner) -> impl Iterator<Item = &str> {
            i.values.iter().map(String::as_str)
        }
        let users = self.users.intern_all(strs(&own.users));
        let names = self.names.intern_all(strs(&own.names));
        let models = self.models.intern_all(strs(&own.models));
        let action_names = self.action_names.intern_all(strs(&own.action_names));
        let currencies = self.currencies.intern_all(strs(&own.currencies));
        let texts = self.insights.texts.intern_all(strs(&own.insights.texts));
        let user = |u: u32| if u == NO_USER { NO_USER } else { users[u as usize] };
        let model = |m: u32| if m == NO_MODEL { NO_MODEL } else { models[m as usize] };
        let at = |c: u32| base as u32 + c;

        let conversations: Vec<ConversationFact> = own
            .conversations
            .iter()
            .map(|c| ConversationFact {
                user: user(c.user),
                country: names[c.country as usize],
                device: names[c.device as usize],
                source: names[c.source as usize],
                language: names[c.language as usize],
                environment: names[c.environment as usize],
                ..*c
            })
            .collect();
        self.conversations.replace_tail(base, &conversations);
        self.conversation_rows.replace_tail(base, &own.conversation_rows);
        self.conversation_ids.truncate(base);
        own.conversation_ids.for_each(|_, id| self.conversation_ids.push(id.to_owned()));

        let d = &mut self.delta;
        d.conversations = k;
        d.messages = own
            .messages
            .iter()
            .map(|m| MessageFact { conversation: at(m.conversation), user: user(m.user), model: model(m.model), ..*m })
            .collect();
        d.exchanges = own
            .exchanges
            .iter()
            .map(|e| ExchangeFact { conversation: at(e.conversation), user: user(e.user), model: model(e.model), ..*e })
            .collect();
        d.actions = own
            .actions
            .iter()
            .map(|a| ActionFact { conversation: at(a.conversation), name: action_names[a.name as usize], ..*a })
            .collect();
        d.feedback = own.feedback.iter().map(|f| FeedbackFact { conversation: at(f.conversation), ..*f }).collect();
        d.foreign_costs = own
            .foreign_costs
            .iter()
            .map(|f| ForeignCostFact {
                conversation: at(f.conversation),
                currency: currencies[f.currency as usize],
                ..*f
            })
            .collect();
        d.groups = Groups {
            rows: own
                .groups
                .rows
                .iter()
                .map(|g| MessageGroup {
                    conversation: at(g.conversation),
                    user: user(g.user),
                    model: model(g.model),
                    ..*g
                })
                .collect(),
            conversations: own.groups.conversations.iter().map(|&c| at(c)).collect(),
            responses: own.groups.responses.clone(),
        };
        // Once the conversations of both runs are in place: the order asks for them.
        let places = places(&self.groups.rows, &self.delta.groups.rows, |g, h| self.group_before(g, h));
        let d = &mut self.delta;
        d.group_places = places;
        d.questions = own
            .insights
            .questions
            .iter()
            .map(|q| QuestionFact {
                conversation: at(q.conversation),
                text: if q.text == NO_TEXT { NO_TEXT } else { texts[q.text as usize] },
                ..*q
            })
            .collect();
        d.fallback_answers = own
            .insights
            .fallback_answers
            .iter()
            .map(|a| FallbackAnswer { conversation: at(a.conversation), ..*a })
            .collect();
        let dense = own.message_conversations.iter().enumerate().filter(|(_, &c)| c != super::NO_CONVERSATION);
        let mut message_rows: Vec<(i64, u32)> = dense.map(|(row, &c)| (row as i64, c)).collect();
        message_rows.extend_from_slice(&own.message_rows);
        message_rows.iter_mut().for_each(|(_, c)| *c = at(*c));
        message_rows.sort_unstable();
        d.message_rows = message_rows;
        if own.insights.fallback_phrases != self.insights.fallback_phrases {
            // Found with other phrases: found again for all (the engine
            // folds the runs first).
            self.insights = Default::default();
        }
        self.span = match (self.span, own.span) {
            (Some((a, b)), Some((c, e))) => Some((a.min(c), b.max(e))),
            (a, b) => a.or(b),
        };
        self.delta.own = Some(Box::new(own));
    }
}

/// The rows of two runs in `[from, to)` (each sorted by `ts`).
#[inline]
pub(crate) fn in_range2<T>(runs: [&[T]; 2], ts: impl Fn(&T) -> i64, from: i64, to: i64) -> [&[T]; 2] {
    runs.map(|rows| super::compute::in_range(rows, &ts, from, to))
}

/// The merged order of two runs (each in order; `before`: strictly
/// before) as stretches of one run or the other, `(run, rows)`, rows of the
/// first run first on ties. The second run is the small one: each of its
/// rows is placed in the first by a search from where the last one was
/// placed, so that the first is read in long stretches (a scan can then
/// read only what it needs of them, as a filtered one reads the groups'
/// packed conversations).
///
/// The search gallops (1, 2, 4, … rows on) before it halves: the rows of
/// the second run lie apart in the first, each most often not far after
/// the last, and a binary search over all the rest of the first would miss
/// the cache at each of its steps. (At ten million conversations with
/// 38,700 in the second run, that search was nearly half of a filtered
/// dashboard.)
pub(crate) fn stretches<T>(runs: [&[T]; 2], before: impl Fn(&T, &T) -> bool) -> Vec<(usize, Range<usize>)> {
    let [a, b] = runs;
    let mut out: Vec<(usize, Range<usize>)> = Vec::with_capacity(2 * b.len() + 1);
    let mut i = 0;
    stretches_with(a, b, &before, |j, end| {
        if end > i {
            out.push((0, i..end));
            i = end;
        }
        match out.last_mut() {
            Some((1, rows)) if rows.end == j => rows.end = j + 1,
            _ => out.push((1, j..j + 1)),
        }
    });
    if i < a.len() {
        out.push((0, i..a.len()));
    }
    out
}

/// Calls `place` with each row of `b` (by its index) and how many rows of
/// `a` are not after it, in order: see [`stretches`] for the search.
fn stretches_with<T>(a: &[T], b: &[T], before: &impl Fn(&T, &T) -> bool, mut place: impl FnMut(usize, usize)) {
    let mut i = 0;
    for (j, y) in b.iter().enumerate() {
        let rest = &a[i..];
        // The rows of `rest` not after `y` are a prefix: it is at least
        // `lo` long, and at most `step` (or all of `rest`).
        let (mut lo, mut step) = (0, 1);
        while step <= rest.len() && !before(y, &rest[step - 1]) {
            lo = step;
            step *= 2;
        }
        i += lo + rest[lo..step.min(rest.len())].partition_point(|x| !before(y, x));
        place(j, i);
    }
}

/// Where each row of `b` goes among those of `a` (each run in order;
/// `before`: strictly before): how many rows of `a` are not after it, as
/// [`stretches`] finds them.
pub(crate) fn places<T>(a: &[T], b: &[T], before: impl Fn(&T, &T) -> bool) -> Vec<usize> {
    let mut places = Vec::with_capacity(b.len());
    stretches_with(a, b, &before, |_, place| places.push(place));
    places
}

/// [`stretches`] of the rows `a` of the first run and `b` of the second,
/// each a range of the whole run, from where each row of the second run
/// goes in the whole first ([`places`]): the first run is not read.
pub(crate) fn stretches_placed(a: Range<usize>, b: Range<usize>, places: &[usize]) -> Vec<(usize, Range<usize>)> {
    let mut out: Vec<(usize, Range<usize>)> = Vec::with_capacity(2 * b.len() + 1);
    let mut i = a.start;
    for (j, &place) in places[b].iter().enumerate() {
        let end = place.clamp(i, a.end);
        if end > i {
            out.push((0, i - a.start..end - a.start));
            i = end;
        }
        match out.last_mut() {
            Some((1, rows)) if rows.end == j => rows.end = j + 1,
            _ => out.push((1, j..j + 1)),
        }
    }
    if i < a.end {
        out.push((0, i - a.start..a.end - a.start));
    }
    out
}

/// Calls `f` with each row of two runs (each in order) in their merged
/// order (`before`: strictly before), and which run it is of; rows of the
/// first run first on ties.
#[inline]
pub(crate) fn for_each_merged<'a, T>(
    runs: [&'a [T]; 2],
    before: impl Fn(&T, &T) -> bool,
    mut f: impl FnMut(usize, &'a T),
) {
    if runs[1].is_empty() {
        runs[0].iter().for_each(|x| f(0, x));
        return;
    }
    for (run, rows) in stretches(runs, before) {
        runs[run][rows].iter().for_each(|x| f(run, x));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_runs_are_read_in_their_merged_order() {
        let a = [1, 3, 3, 8];
        let b = [0, 3, 9];
        let mut seen = Vec::new();
        for_each_merged([&a[..], &b[..]], |x, y| x < y, |run, &x| seen.push((run, x)));
        assert_eq!(seen, [(1, 0), (0, 1), (0, 3), (0, 3), (1, 3), (0, 8), (1, 9)]);
        let mut seen = Vec::new();
        for_each_merged([&a[..], &[][..]], |x, y| x < y, |run, &x| seen.push((run, x)));
        assert_eq!(seen, [(0, 1), (0, 3), (0, 3), (0, 8)]);
        let mut seen = Vec::new();
        for_each_merged([&[][..], &b[..]], |x, y| x < y, |run, &x| seen.push((run, x)));
        assert_eq!(seen, [(1, 0), (1, 3), (1, 9)]);
        let stretched = stretches([&a[..], &[0, 2, 2, 4, 9, 10][..]], |x, y| x < y);
        assert_eq!(stretched, [(1, 0..1), (0, 0..1), (1, 1..3), (0, 1..3), (1, 3..4), (0, 3..4), (1, 4..6)]);
    }

    #[test]
    fn runs_of_any_lengths_and_gaps_are_merged_as_a_stable_sort_merges_them() {
        // Runs of small numbers (many ties) and of spread ones (long gaps),
        // the second run shorter, as long, longer.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        for (n, m, spread) in
            [(0, 5, 10), (5, 0, 10), (1000, 3, 10), (1000, 3, 100_000), (3000, 700, 50), (200, 900, 1000)]
        {
            let mut a: Vec<u64> = (0..n).map(|_| next(spread)).collect();
            let mut b: Vec<u64> = (0..m).map(|_| next(spread)).collect();
            a.sort_unstable();
            b.sort_unstable();
            let mut seen = Vec::new();
            for (run, rows) in stretches([&a[..], &b[..]], |x, y| x < y) {
                let rows = if run == 0 { &a[rows] } else { &b[rows] };
                seen.extend(rows.iter().map(|&x| (x, run)));
            }
            // A stable sort of the first run's rows then the second's: the first's first on ties.
            let mut want: Vec<(u64, usize)> = a.iter().map(|&x| (x, 0)).chain(b.iter().map(|&x| (x, 1))).collect();
            want.sort_by_key(|&(x, run)| (x, run));
            assert_eq!(seen, want, "{n} and {m} rows below {spread}");
            // And of any ranges of the two, from the places in the whole runs.
            let placed = places(&a, &b, |x, y| x < y);
            for _ in 0..20 {
                let (x, y) = (next(n as u64 + 1) as usize, next(n as u64 + 1) as usize);
                let (p, q) = (next(m as u64 + 1) as usize, next(m as u64 + 1) as usize);
                let (ra, rb) = (x.min(y)..x.max(y), p.min(q)..p.max(q));
                assert_eq!(
                    stretches_placed(ra.clone(), rb.clone(), &placed),
                    stretches([&a[ra.clone()], &b[rb.clone()]], |x, y| x < y),
                    "{n} and {m} rows below {spread}: {ra:?} and {rb:?}"
                );
            }
        }
    }
}

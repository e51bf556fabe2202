//! Facts as bytes, so that they can be kept beside the store and read back
//! without rebuilding them from every row, and without copying them.
//!
//! Every table is written as its rows are in memory (plain old data, see
//! `rows`), after its row count and aligned to 8 bytes from the start of the
//! bytes, so that reading back is checking counts and alignment and pointing
//! a [`Column`] at the rows where they are (the mapped file); names follow
//! as length-prefixed UTF-8. [`Facts::from_packed`] checks every length, code
//! and index and answers `None` for bytes it did not write: the caller then
//! rebuilds the facts from the store. Whether the bytes belong to the store
//! as it is now is the caller's question (the engine tags them).

use super::column::{Backing, Column, Names};
use super::facts::Facts;
use super::groups::Groups;
use super::insights::InsightFacts;
use super::rows::{Interner, NONE, NO_MODEL};
use bytemuck::Pod;
use std::sync::Arc;

/// Changes whenever the layout below does: bytes of another layout are not
/// read. 2: each exchange's model. 3: costs left out (in a currency without
/// a rate) and their currencies; each group's count of exchanges with a
/// response time. 4: each message's conversation, and the questions and
/// fallback answers with the fallback phrases they were found with. 5: rows
/// as they are in memory, aligned, read in place. 6: the same bytes, but a
/// group's messages added up in time order (its sums are then the same
/// however the facts were made: built, or updated after an import), so
/// facts kept before are not read. 7: each exchange with the group of its
/// answer's model, and a group's count of those response times
/// (`model_timed`, in what was padding). 8: each question again, narrow:
/// its conversation and unanswered text (`InsightFacts::asked`).
pub const PACKED_LAYOUT: u32 = 8;

/// Written in the machine's byte order: rows kept by a machine of the other
/// order are not read (they would be rebuilt).
const BYTE_ORDER: u32 = 0x0102_0304;

// The indices check reads "none" as `u32::MAX` for every kind of index.
const _: () = assert!(
    super::rows::NO_USER == u32::MAX
        && super::rows::NO_MODEL == u32::MAX
        && super::facts::NO_CONVERSATION == u32::MAX
        && super::insights::NO_TEXT == u32::MAX
);

/// How the bytes are aligned: the most any row needs. The bytes must start
/// at an address that is a multiple of it.
pub const PACKED_ALIGN: usize = 8;

struct Out<'a> {
    out: &'a mut Vec<u8>,
    start: usize,
}

impl Out<'_> {
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_ne_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_ne_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.out.extend_from_slice(&v.to_ne_bytes());
    }
    fn align(&mut self) {
        while !(self.out.len() - self.start).is_multiple_of(PACKED_ALIGN) {
            self.out.push(0);
        }
    }
    fn strings(&mut self, values: &[String]) {
        self.u64(values.len() as u64);
        for v in values {
            self.u32(v.len() as u32);
            self.out.extend_from_slice(v.as_bytes());
        }
    }
    /// A table's row count, then its rows as they are in memory, aligned.
    fn table<T: Pod>(&mut self, rows: &[T]) {
        self.u64(rows.len() as u64);
        self.align();
        self.out.extend_from_slice(bytemuck::cast_slice(rows));
        self.align();
    }
}

/// Reads what [`Out`] wrote; every read is bounds-checked.
struct In<'a> {
    backing: &'a Arc<Backing>,
    start: usize,
    at: usize,
    /// Whether the bytes are known to be as written (`Facts::from_packed_as_written`).
    as_written: bool,
}

impl In<'_> {
    fn split(&mut self, n: usize) -> Option<&[u8]> {
        let bytes = self.backing.bytes();
        let s = bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.split(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_ne_bytes(self.split(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_ne_bytes(self.split(8)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_ne_bytes(self.split(8)?.try_into().ok()?))
    }
    fn align(&mut self) -> Option<()> {
        let over = (self.at - self.start) % PACKED_ALIGN;
        if over != 0 {
            self.split(PACKED_ALIGN - over)?;
        }
        Some(())
    }
    /// Names read in place: checked now, made into `String`s when first read.
    fn names(&mut self) -> Option<Names> {
        let n = usize::try_from(self.u64()?).ok()?;
        let (names, end) = if self.as_written {
            Names::in_place_as_written(self.backing, self.at, n)?
        } else {
            Names::in_place(self.backing, self.at, n)?
        };
        self.at = end;
        Some(names)
    }
    fn strings(&mut self) -> Option<Vec<String>> {
        let n = usize::try_from(self.u64()?).ok()?;
        // Each string takes at least its 4-byte length: a count beyond that is not ours.
        if n > self.backing.bytes().len().saturating_sub(self.at) / 4 {
            return None;
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let len = self.u32()? as usize;
            out.push(std::str::from_utf8(self.split(len)?).ok()?.to_owned());
        }
        Some(out)
    }
    /// The rows of a table where they are: nothing is copied.
    fn table<T: Pod>(&mut self) -> Option<Column<T>> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.align()?;
        let column = Column::in_place(self.backing, self.at, n)?;
        self.at += n * std::mem::size_of::<T>();
        self.align()?;
        Some(column)
    }
}

impl Facts {
    /// Appends the facts as bytes that [`Facts::from_packed`] reads back
    /// (aligned from where they start in `out`).
    pub fn pack(&self, out: &mut Vec<u8>) {
        let start = out.len();
        let mut o = Out { out, start };
        o.u32(PACKED_LAYOUT);
        o.u32(BYTE_ORDER);
        let (a, b) = self.span.unwrap_or((NONE, NONE));
        o.i64(a);
        o.i64(b);
        o.table(&self.conversation_rows);
        o.table(&self.conversations);
        o.table(&self.messages);
        o.table(&self.exchanges);
        o.table(&self.actions);
        o.table(&self.feedback);
        o.table(&self.foreign_costs);
        o.table(&self.groups.rows);
        o.table(&self.groups.conversations);
        o.table(&self.groups.responses);
        debug_assert!(self.delta.is_empty(), "facts with a second run are folded before they are packed");
        if self.message_rows.is_empty() {
            o.table(&self.message_conversations);
        } else {
            // Kept row by row (facts of an update of facts that had no
            // message): written as one table.
            let mut all = self.message_conversations.to_vec();
            for &(row, c) in &self.message_rows {
                let Ok(row) = usize::try_from(row) else { continue };
                if row >= all.len() {
                    all.resize(row + 1, super::NO_CONVERSATION);
                }
                all[row] = c;
            }
            o.table(&all);
        }
        let insights = &self.insights;
        o.table(&insights.questions);
        o.table(&insights.asked);
        o.table(&insights.fallback_answers);
        o.u8(insights.fallback_phrases.is_some() as u8);
        o.strings(insights.fallback_phrases.as_deref().unwrap_or_default());
        o.strings(&insights.texts.values);
        for interner in [&self.models, &self.users, &self.names, &self.action_names, &self.currencies] {
            o.strings(&interner.values);
        }
        o.strings(&self.conversation_ids);
    }

    /// The facts [`Facts::pack`] wrote at byte `at` of `backing` (a multiple
    /// of 8) to its end, their rows read where they are; or `None` when the
    /// bytes are not such facts (another layout, cut short, a value out of
    /// range).
    pub fn from_packed(backing: &Arc<Backing>, at: usize) -> Option<Facts> {
        Facts::unpacked(backing, at, false).filter(Facts::indices_in_range)
    }

    /// [`Facts::from_packed`] of bytes known to be exactly those
    /// [`Facts::pack`] wrote (kept with checksums that hold,
    /// `store::SavedFacts::intact`): their layout and every length are
    /// checked, but not every row's indices, which were in range when they
    /// were packed, nor the names' UTF-8. At ten million conversations those
    /// checks read 7.6 GB.
    pub fn from_packed_as_written(backing: &Arc<Backing>, at: usize) -> Option<Facts> {
        Facts::unpacked(backing, at, true)
    }

    fn unpacked(backing: &Arc<Backing>, at: usize, as_written: bool) -> Option<Facts> {
        if !at.is_multiple_of(PACKED_ALIGN) {
            return None;
        }
        let mut i = In { backing, start: at, at, as_written };
        if i.u32()? != PACKED_LAYOUT || i.u32()? != BYTE_ORDER {
            return None;
        }
        let span = match (i.i64()?, i.i64()?) {
            (NONE, NONE) => None,
            (a, b) => Some((a, b)),
        };
        let conversation_rows = i.table()?;
        let conversations = i.table()?;
        let messages = i.table()?;
        let exchanges = i.table()?;
        let actions = i.table()?;
        let feedback = i.table()?;
        let foreign_costs = i.table()?;
        let groups = Groups { rows: i.table()?, conversations: i.table()?, responses: i.table()? };
        let message_conversations = i.table()?;
        let questions = i.table()?;
        let asked = i.table()?;
        let fallback_answers = i.table()?;
        let found = match i.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let phrases = i.strings()?;
        let texts = Interner::from_names(i.names()?);
        let insights =
            InsightFacts { fallback_phrases: found.then_some(phrases), questions, asked, fallback_answers, texts };
        let mut interners = Vec::with_capacity(5);
        for _ in 0..5 {
            interners.push(Interner::from_names(i.names()?));
        }
        let conversation_ids = i.names()?;
        if i.at != backing.bytes().len() {
            return None;
        }
        let [models, users, names, action_names, currencies]: [Interner; 5] = interners.try_into().ok()?;
        let facts = Facts {
            conversations,
            conversation_rows,
            conversation_ids,
            models,
            users,
            names,
            action_names,
            messages,
            exchanges,
            actions,
            feedback,
            foreign_costs,
            currencies,
            span,
            groups,
            message_conversations,
            message_rows: Vec::new(),
            insights,
            delta: Default::default(),
            outcomes: Default::default(),
            filter_columns: Default::default(),
        };
        Some(facts)
    }

    /// [`Facts::from_packed`] of bytes in memory (copied once, to align them).
    pub fn from_packed_bytes(bytes: &[u8]) -> Option<Facts> {
        Facts::from_packed(&Arc::new(Backing::copied(bytes)), 0)
    }

    /// Every index a row holds points into its table: bytes that pass
    /// [`Facts::from_packed`] can never make a query index out of bounds.
    fn indices_in_range(&self) -> bool {
        // Each table in one branch-free pass (a check that fails anywhere
        // fails the whole, so none stops early): at ten million
        // conversations this is most of what reading kept facts back costs.
        let n = self.conversations.len() as u64;
        let len = |t: &Interner| t.values.len() as u64;
        let (users, models, names) = (len(&self.users), len(&self.models), len(&self.names));
        // Out of range: `i` is not below `count`.
        let out = |i: u32, count: u64| u64::from(i) >= count;
        // Out of range and not `u32::MAX` (none): `MAX` wraps to 0, the rest move up by one.
        let out_or_none = |i: u32, count: u64| u64::from(i.wrapping_add(1)) > count;
        let responses = self.groups.responses.len() as u64;
        let bad = self.conversation_ids.len() as u64 != n
            || self.conversation_rows.len() as u64 != n
            || self.groups.conversations.len() != self.groups.rows.len();
        if bad {
            return false;
        }
        let bad =
            self.conversations.iter().fold(false, |bad, c| {
                bad | (c.engaged > 1)
                    | (c.has_ip > 1)
                    | (c.latest_rating > 3)
                    | out_or_none(c.user, users)
                    | out(c.country, names)
                    | out(c.device, names)
                    | out(c.source, names)
                    | out(c.language, names)
                    | out(c.environment, names)
            }) | self.messages.iter().fold(false, |bad, m| {
                bad | (m.side > 2)
                    | (m.unpriced > 1)
                    | out(m.conversation, n)
                    | out_or_none(m.user, users)
                    | out_or_none(m.model, models)
            }) | self.exchanges.iter().fold(false, |bad, e| {
                bad | out(e.conversation, n) | out_or_none(e.user, users) | out_or_none(e.model, models)
            }) | self.actions.iter().fold(false, |bad, a| {
                bad | (a.error > 1) | out(a.conversation, n) | out(a.name, len(&self.action_names))
            }) | self.feedback.iter().fold(false, |bad, f| {
                bad | !(1..=3).contains(&f.rating) | (f.has_comment > 1) | out(f.conversation, n)
            }) | self
                .foreign_costs
                .iter()
                .fold(false, |bad, f| bad | out(f.conversation, n) | out(f.currency, len(&self.currencies)))
                | self.groups.rows.iter().zip(self.groups.conversations.iter()).fold(false, |bad, (g, &c)| {
                    bad | (g.unpriced > 1)
                        | (c != g.conversation)
                        | out(g.conversation, n)
                        | out_or_none(g.user, users)
                        | out_or_none(g.model, models)
                        | (g.timed > g.exchanges)
                        | (g.model_timed > g.timed)
                        | ((g.model_timed > 0) & (g.model == NO_MODEL))
                        | (u64::from(g.first_response) + u64::from(g.timed) > responses)
                })
                | self.message_conversations.iter().fold(false, |bad, &c| bad | out_or_none(c, n))
                | self.insights.questions.iter().fold(false, |bad, q| {
                    bad | (q.unanswered > 1) | out(q.conversation, n) | out_or_none(q.text, len(&self.insights.texts))
                })
                | (!self.insights.asked.is_empty()
                    && (self.insights.asked.len() != self.insights.questions.len()
                        || self
                            .insights
                            .questions
                            .iter()
                            .zip(self.insights.asked.iter())
                            .any(|(q, &a)| super::insights::asked_of(q) != Some(a))))
                | self.insights.fallback_answers.iter().fold(false, |bad, a| bad | out(a.conversation, n));
        !bad
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::insights::{QuestionFact, ANSWERED, NO_TEXT, UNANSWERED_WORDLESS};
    use crate::metrics::rows::{ConversationFact, MessageFact, NO_MODEL, NO_USER};

    fn one_conversation() -> Facts {
        let mut f = Facts::default();
        f.names.intern("unknown");
        f.users.intern("u1");
        f.conversation_ids = vec!["c1".to_owned()].into();
        f.conversation_rows = vec![7].into();
        f.conversations = vec![ConversationFact {
            started: 10,
            ended: 20,
            user: 0,
            country: 0,
            device: 0,
            source: 0,
            language: 0,
            environment: 0,
            messages: 1,
            engaged: 1,
            has_ip: 0,
            latest_rating: 0,
            _pad: 0,
        }]
        .into();
        f.messages = vec![MessageFact {
            ts: 10,
            prompt_tokens: 3,
            completion_tokens: 4,
            cost: 0.5,
            conversation: 0,
            user: 0,
            model: NO_MODEL,
            side: 0,
            unpriced: 0,
            _pad: [0; 2],
        }]
        .into();
        f.span = Some((10, 20));
        f
    }

    fn packed(f: &Facts) -> Vec<u8> {
        let mut out = Vec::new();
        f.pack(&mut out);
        out
    }

    #[test]
    fn packed_facts_read_back_in_place_and_pack_to_the_same_bytes() {
        let bytes = packed(&one_conversation());
        let back = Facts::from_packed_bytes(&bytes).expect("read back");
        assert!(back.messages.is_in_place() && back.conversations.is_in_place());
        assert_eq!(back.messages[0].cost, 0.5);
        assert_eq!(back.users.name(back.conversations[0].user), "u1");
        assert_eq!(packed(&back), bytes);
        // Read back as written (checksums held): the same facts.
        let as_written = Facts::from_packed_as_written(&Arc::new(Backing::copied(&bytes)), 0).expect("read back");
        assert_eq!(as_written.users.name(as_written.conversations[0].user), "u1");
        assert_eq!(packed(&as_written), bytes);
        // Cut short, it is not read either way.
        let cut = Arc::new(Backing::copied(&bytes[..bytes.len() - 1]));
        assert!(Facts::from_packed_as_written(&cut, 0).is_none());
    }

    #[test]
    fn bytes_cut_short_longer_or_of_another_layout_are_not_read() {
        let bytes = packed(&one_conversation());
        assert!(Facts::from_packed_bytes(&bytes[..bytes.len() - 1]).is_none());
        assert!(Facts::from_packed_bytes(&[&bytes[..], &[0]].concat()).is_none());
        let mut other = bytes.clone();
        other[..4].copy_from_slice(&4u32.to_ne_bytes());
        assert!(Facts::from_packed_bytes(&other).is_none(), "layout 4");
        let backing = Arc::new(Backing::copied(&[&[0u8; 4][..], &bytes].concat()));
        assert!(Facts::from_packed(&backing, 4).is_none(), "not aligned");
    }

    #[test]
    fn rows_with_an_unknown_code_or_an_index_out_of_range_are_not_read() {
        type Damage = fn(&mut Facts);
        fn asked_once(f: &mut Facts) {
            let q = QuestionFact { ts: 10, conversation: 0, text: NO_TEXT, unanswered: 1, _pad: [0; 7] };
            f.insights.questions = vec![q].into();
        }
        let damaged: [(&str, Damage); 9] = [
            ("a side code", |f| f.messages[0].side = 3),
            ("a flag", |f| f.messages[0].unpriced = 2),
            ("a rating code", |f| f.conversations[0].latest_rating = 4),
            ("a conversation", |f| f.messages[0].conversation = 1),
            ("a user", |f| f.messages[0].user = 1),
            ("a model (there are none)", |f| f.messages[0].model = 0),
            ("a name", |f| f.conversations[0].device = 1),
            ("a question's narrow copy", |f| {
                asked_once(f);
                f.insights.asked = vec![u64::from(ANSWERED) << 32].into(); // but it was not answered
            }),
            ("the narrow copies' count", |f| {
                asked_once(f);
                f.insights.asked = vec![u64::from(UNANSWERED_WORDLESS) << 32; 2].into();
            }),
        ];
        for (what, damage) in damaged {
            let mut f = one_conversation();
            damage(&mut f);
            assert!(Facts::from_packed_bytes(&packed(&f)).is_none(), "{what} out of range was read");
        }
        let mut f = one_conversation();
        f.messages[0].user = NO_USER;
        assert!(Facts::from_packed_bytes(&packed(&f)).is_some(), "no user is a value");
        asked_once(&mut f);
        f.insights = std::mem::take(&mut f.insights).with_asked();
        assert_eq!(f.insights.asked[..], [u64::from(UNANSWERED_WORDLESS) << 32]);
        let read = Facts::from_packed_bytes(&packed(&f)).expect("questions with their narrow copies are read");
        assert_eq!(read.insights.asked[..], [u64::from(UNANSWERED_WORDLESS) << 32]);
    }
}

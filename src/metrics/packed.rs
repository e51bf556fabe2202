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

use super::column::{Backing, Column};
use super::facts::Facts;
use super::groups::Groups;
use super::insights::InsightFacts;
use super::rows::{Interner, NONE};
use bytemuck::Pod;
use std::sync::Arc;

/// Changes whenever the layout below does: bytes of another layout are not
/// read. 2: each exchange's model. 3: costs left out (in a currency without
/// a rate) and their currencies; each group's count of exchanges with a
/// response time. 4: each message's conversation, and the questions and
/// fallback answers with the fallback phrases they were found with. 5: rows
/// as they are in memory, aligned, read in place.
pub const PACKED_LAYOUT: u32 = 5;

/// Written in the machine's byte order: rows kept by a machine of the other
/// order are not read (they would be rebuilt).
const BYTE_ORDER: u32 = 0x0102_0304;

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
        o.table(&self.message_conversations);
        let insights = &self.insights;
        o.table(&insights.questions);
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
        if !at.is_multiple_of(PACKED_ALIGN) {
            return None;
        }
        let mut i = In { backing, start: at, at };
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
        let fallback_answers = i.table()?;
        let found = match i.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let phrases = i.strings()?;
        let texts = Interner::from_values(i.strings()?);
        let insights = InsightFacts { fallback_phrases: found.then_some(phrases), questions, fallback_answers, texts };
        let mut interners = Vec::with_capacity(5);
        for _ in 0..5 {
            interners.push(Interner::from_values(i.strings()?));
        }
        let conversation_ids = i.strings()?;
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
            insights,
        };
        facts.indices_in_range().then_some(facts)
    }

    /// [`Facts::from_packed`] of bytes in memory (copied once, to align them).
    pub fn from_packed_bytes(bytes: &[u8]) -> Option<Facts> {
        Facts::from_packed(&Arc::new(Backing::copied(bytes)), 0)
    }

    /// Every index a row holds points into its table: bytes that pass
    /// [`Facts::from_packed`] can never make a query index out of bounds.
    fn indices_in_range(&self) -> bool {
        let n = self.conversations.len();
        let conversation = |c: u32| (c as usize) < n;
        let named = |i: u32, t: &Interner| (i as usize) < t.values.len();
        let user = |u: u32| u == super::rows::NO_USER || named(u, &self.users);
        let model = |m: u32| m == super::rows::NO_MODEL || named(m, &self.models);
        self.conversation_ids.len() == n
            && self.conversation_rows.len() == n
            && self.conversations.iter().all(|c| {
                c.engaged <= 1
                    && c.has_ip <= 1
                    && c.latest_rating <= 3
                    && user(c.user)
                    && [c.country, c.device, c.source, c.language, c.environment].iter().all(|&v| named(v, &self.names))
            })
            && self.messages.iter().all(|m| {
                m.side <= 2 && m.unpriced <= 1 && conversation(m.conversation) && user(m.user) && model(m.model)
            })
            && self.exchanges.iter().all(|e| conversation(e.conversation) && user(e.user) && model(e.model))
            && self
                .actions
                .iter()
                .all(|a| a.error <= 1 && conversation(a.conversation) && named(a.name, &self.action_names))
            && self
                .feedback
                .iter()
                .all(|f| (1..=3).contains(&f.rating) && f.has_comment <= 1 && conversation(f.conversation))
            && self.foreign_costs.iter().all(|f| conversation(f.conversation) && named(f.currency, &self.currencies))
            && self.groups.conversations.len() == self.groups.rows.len()
            && self.groups.rows.iter().zip(self.groups.conversations.iter()).all(|(g, &c)| {
                g.unpriced <= 1
                    && c == g.conversation
                    && conversation(g.conversation)
                    && user(g.user)
                    && model(g.model)
                    && g.timed <= g.exchanges
                    && (g.first_response as usize + g.timed as usize) <= self.groups.responses.len()
            })
            && self.message_conversations.iter().all(|&c| c == super::facts::NO_CONVERSATION || conversation(c))
            && self.insights.questions.iter().all(|q| {
                q.unanswered <= 1
                    && conversation(q.conversation)
                    && (q.text == super::insights::NO_TEXT || named(q.text, &self.insights.texts))
            })
            && self.insights.fallback_answers.iter().all(|a| conversation(a.conversation))
    }
}

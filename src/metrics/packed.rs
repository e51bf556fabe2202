//! Facts as bytes, so that they can be kept beside the store and read back
//! without rebuilding them from every row.
//!
//! Every table is written as fixed-width little-endian rows (names as
//! length-prefixed UTF-8), in the order the facts hold them; reading them
//! back is one pass per table. [`Facts::from_packed`] checks every length
//! and value it reads and answers `None` for bytes it did not write: the
//! caller then rebuilds the facts from the store. Whether the bytes belong
//! to the store as it is now is the caller's question (the engine tags them).

use super::facts::Facts;
use super::groups::{Groups, MessageGroup};
use super::insights::{FallbackAnswer, InsightFacts, QuestionFact};
use super::rows::{
    ActionFact, ConversationFact, ExchangeFact, FeedbackFact, ForeignCostFact, Interner, MessageFact, NONE,
};
use crate::model::{Rating, Side};

/// Changes whenever the layout below does: bytes of another layout are not
/// read. 2: each exchange's model. 3: costs left out (in a currency without
/// a rate) and their currencies; each group's count of exchanges with a
/// response time. 4: each message's conversation, and the questions and
/// fallback answers with the fallback phrases they were found with.
pub const PACKED_LAYOUT: u32 = 4;

const CONVERSATION: usize = 8 + 8 + 4 * 6 + 1 + 1 + 4 + 1;
const MESSAGE: usize = 8 + 4 + 4 + 1 + 4 + 8 + 8 + 8 + 1;
const EXCHANGE: usize = 8 + 4 + 4 + 8 + 4;
const ACTION: usize = 8 + 4 + 4 + 8 + 1;
const FEEDBACK: usize = 8 + 4 + 1 + 8 + 1;
const FOREIGN_COST: usize = 8 + 4 + 4 + 8;
const QUESTION: usize = 8 + 4 + 1 + 4;
const FALLBACK_ANSWER: usize = 8 + 4;
const GROUP: usize = 8 + 4 * 6 + 8 * 3 + 4 + 8 * 3 + 1 + 4 * 3 + 8;

struct Out<'a>(&'a mut Vec<u8>);

impl Out<'_> {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn strings(&mut self, values: &[String]) {
        self.u64(values.len() as u64);
        for v in values {
            self.u32(v.len() as u32);
            self.0.extend_from_slice(v.as_bytes());
        }
    }
    /// A table's row count, then its rows, each `width` bytes.
    fn table<T>(&mut self, rows: &[T], width: usize, mut row: impl FnMut(&mut Self, &T)) {
        self.u64(rows.len() as u64);
        self.0.reserve(rows.len() * width);
        for r in rows {
            row(self, r);
        }
    }
}

/// Reads what [`Out`] wrote; every read is bounds-checked.
struct In<'a> {
    bytes: &'a [u8],
}

/// One fixed-width row being read: its width is known when compiled, so
/// reading its fields needs no bounds check at run time.
struct Row<'a, const W: usize> {
    bytes: &'a [u8; W],
    at: usize,
}

impl<const W: usize> Row<'_, W> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let v = self.bytes[self.at..self.at + N].try_into().expect("a row's fields fit its width");
        self.at += N;
        v
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.take())
    }
    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.take())
    }
    fn bool(&mut self) -> Option<bool> {
        match self.u8() {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl<'a> In<'a> {
    fn split(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.split(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.split(8)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.split(8)?.try_into().ok()?))
    }
    fn strings(&mut self) -> Option<Vec<String>> {
        let n = usize::try_from(self.u64()?).ok()?;
        // Each string takes at least its 4-byte length: a count beyond that is not ours.
        if n > self.bytes.len() / 4 {
            return None;
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let len = self.u32()? as usize;
            out.push(std::str::from_utf8(self.split(len)?).ok()?.to_owned());
        }
        Some(out)
    }
    fn table<T, const W: usize>(&mut self, mut row: impl FnMut(&mut Row<'_, W>) -> Option<T>) -> Option<Vec<T>> {
        let n = usize::try_from(self.u64()?).ok()?;
        let bytes = self.split(n.checked_mul(W)?)?;
        let mut out = Vec::with_capacity(n);
        for chunk in bytes.chunks_exact(W) {
            let mut r = Row { bytes: chunk.try_into().expect("chunks of W bytes"), at: 0 };
            out.push(row(&mut r)?);
            debug_assert_eq!(r.at, W, "a row reads its whole width");
        }
        Some(out)
    }
}

fn side_code(s: Side) -> u8 {
    match s {
        Side::User => 0,
        Side::Agent => 1,
        Side::Neither => 2,
    }
}

fn side_of(code: u8) -> Option<Side> {
    [Side::User, Side::Agent, Side::Neither].get(code as usize).copied()
}

fn rating_code(r: Option<Rating>) -> u8 {
    match r {
        None => 0,
        Some(Rating::Positive) => 1,
        Some(Rating::Neutral) => 2,
        Some(Rating::Negative) => 3,
    }
}

fn rating_of(code: u8) -> Option<Option<Rating>> {
    [None, Some(Rating::Positive), Some(Rating::Neutral), Some(Rating::Negative)].get(code as usize).copied()
}

impl Facts {
    /// Appends the facts as bytes that [`Facts::from_packed`] reads back.
    pub fn pack(&self, out: &mut Vec<u8>) {
        let mut o = Out(out);
        o.u32(PACKED_LAYOUT);
        o.strings(&self.conversation_ids);
        o.table(&self.conversation_rows, 8, |o, r| o.i64(*r));
        o.table(&self.conversations, CONVERSATION, |o, c| {
            o.i64(c.started);
            o.i64(c.ended);
            for v in [c.user, c.country, c.device, c.source, c.language, c.environment] {
                o.u32(v);
            }
            o.u8(c.engaged as u8);
            o.u8(c.has_ip as u8);
            o.u32(c.messages);
            o.u8(rating_code(c.latest_rating));
        });
        for interner in [&self.models, &self.users, &self.names, &self.action_names, &self.currencies] {
            o.strings(&interner.values);
        }
        o.table(&self.messages, MESSAGE, |o, m| {
            o.i64(m.ts);
            o.u32(m.conversation);
            o.u32(m.user);
            o.u8(side_code(m.side));
            o.u32(m.model);
            o.u64(m.prompt_tokens);
            o.u64(m.completion_tokens);
            o.f64(m.cost);
            o.u8(m.unpriced as u8);
        });
        o.table(&self.exchanges, EXCHANGE, |o, e| {
            o.i64(e.ts);
            o.u32(e.conversation);
            o.u32(e.user);
            o.i64(e.response_us);
            o.u32(e.model);
        });
        o.table(&self.actions, ACTION, |o, a| {
            o.i64(a.ts);
            o.u32(a.conversation);
            o.u32(a.name);
            o.f64(a.duration_ms);
            o.u8(a.error as u8);
        });
        o.table(&self.feedback, FEEDBACK, |o, f| {
            o.i64(f.ts);
            o.u32(f.conversation);
            o.u8(rating_code(Some(f.rating)));
            o.i64(f.row);
            o.u8(f.has_comment as u8);
        });
        o.table(&self.foreign_costs, FOREIGN_COST, |o, f| {
            o.i64(f.ts);
            o.u32(f.conversation);
            o.u32(f.currency);
            o.f64(f.amount);
        });
        let (a, b) = self.span.unwrap_or((NONE, NONE));
        o.i64(a);
        o.i64(b);
        o.table(&self.groups.rows, GROUP, |o, g| {
            o.i64(g.bucket);
            for v in [g.conversation, g.user, g.model, g.messages, g.user_messages, g.agent_messages] {
                o.u32(v);
            }
            o.u64(g.prompt);
            o.u64(g.completion);
            o.f64(g.cost);
            o.u32(g.model_messages);
            o.u64(g.model_prompt);
            o.u64(g.model_completion);
            o.f64(g.model_cost);
            o.u8(g.unpriced as u8);
            o.u32(g.exchanges);
            o.u32(g.timed);
            o.u32(g.first_response);
            o.i64(g.response_sum);
        });
        o.table(&self.groups.responses, 8, |o, r| o.i64(*r));
        o.table(&self.message_conversations, 4, |o, c| o.u32(*c));
        let insights = &self.insights;
        o.u8(insights.fallback_phrases.is_some() as u8);
        o.strings(insights.fallback_phrases.as_deref().unwrap_or_default());
        o.table(&insights.questions, QUESTION, |o, q| {
            o.i64(q.ts);
            o.u32(q.conversation);
            o.u8(q.unanswered as u8);
            o.u32(q.text);
        });
        o.table(&insights.fallback_answers, FALLBACK_ANSWER, |o, a| {
            o.i64(a.ts);
            o.u32(a.conversation);
        });
        o.strings(&insights.texts.values);
    }

    /// The facts [`Facts::pack`] wrote, or `None` when the bytes are not
    /// such facts (another layout, cut short, a value out of range).
    pub fn from_packed(bytes: &[u8]) -> Option<Facts> {
        let mut i = In { bytes };
        if i.u32()? != PACKED_LAYOUT {
            return None;
        }
        let conversation_ids = i.strings()?;
        let conversation_rows = i.table::<_, 8>(|r| Some(r.i64()))?;
        let conversations = i.table::<_, CONVERSATION>(|r| {
            Some(ConversationFact {
                started: r.i64(),
                ended: r.i64(),
                user: r.u32(),
                country: r.u32(),
                device: r.u32(),
                source: r.u32(),
                language: r.u32(),
                environment: r.u32(),
                engaged: r.bool()?,
                has_ip: r.bool()?,
                messages: r.u32(),
                latest_rating: rating_of(r.u8())?,
            })
        })?;
        let mut interners = Vec::with_capacity(5);
        for _ in 0..5 {
            interners.push(Interner::from_values(i.strings()?));
        }
        let messages = i.table::<_, MESSAGE>(|r| {
            Some(MessageFact {
                ts: r.i64(),
                conversation: r.u32(),
                user: r.u32(),
                side: side_of(r.u8())?,
                model: r.u32(),
                prompt_tokens: r.u64(),
                completion_tokens: r.u64(),
                cost: r.f64(),
                unpriced: r.bool()?,
            })
        })?;
        let exchanges = i.table::<_, EXCHANGE>(|r| {
            Some(ExchangeFact {
                ts: r.i64(),
                conversation: r.u32(),
                user: r.u32(),
                response_us: r.i64(),
                model: r.u32(),
            })
        })?;
        let actions = i.table::<_, ACTION>(|r| {
            Some(ActionFact {
                ts: r.i64(),
                conversation: r.u32(),
                name: r.u32(),
                duration_ms: r.f64(),
                error: r.bool()?,
            })
        })?;
        let feedback = i.table::<_, FEEDBACK>(|r| {
            Some(FeedbackFact {
                ts: r.i64(),
                conversation: r.u32(),
                rating: rating_of(r.u8())??,
                row: r.i64(),
                has_comment: r.bool()?,
            })
        })?;
        let foreign_costs = i.table::<_, FOREIGN_COST>(|r| {
            Some(ForeignCostFact { ts: r.i64(), conversation: r.u32(), currency: r.u32(), amount: r.f64() })
        })?;
        let span = match (i.i64()?, i.i64()?) {
            (NONE, NONE) => None,
            (a, b) => Some((a, b)),
        };
        let rows = i.table::<_, GROUP>(|r| {
            Some(MessageGroup {
                bucket: r.i64(),
                conversation: r.u32(),
                user: r.u32(),
                model: r.u32(),
                messages: r.u32(),
                user_messages: r.u32(),
                agent_messages: r.u32(),
                prompt: r.u64(),
                completion: r.u64(),
                cost: r.f64(),
                model_messages: r.u32(),
                model_prompt: r.u64(),
                model_completion: r.u64(),
                model_cost: r.f64(),
                unpriced: r.bool()?,
                exchanges: r.u32(),
                timed: r.u32(),
                first_response: r.u32(),
                response_sum: r.i64(),
            })
        })?;
        let responses = i.table::<_, 8>(|r| Some(r.i64()))?;
        let message_conversations = i.table::<_, 4>(|r| Some(r.u32()))?;
        let found = match i.split(1)? {
            [0] => false,
            [1] => true,
            _ => return None,
        };
        let phrases = i.strings()?;
        let questions = i.table::<_, QUESTION>(|r| {
            Some(QuestionFact { ts: r.i64(), conversation: r.u32(), unanswered: r.bool()?, text: r.u32() })
        })?;
        let fallback_answers =
            i.table::<_, FALLBACK_ANSWER>(|r| Some(FallbackAnswer { ts: r.i64(), conversation: r.u32() }))?;
        let texts = Interner::from_values(i.strings()?);
        let insights = InsightFacts { fallback_phrases: found.then_some(phrases), questions, fallback_answers, texts };
        if !i.bytes.is_empty() {
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
            groups: Groups { conversations: rows.iter().map(|g| g.conversation).collect(), rows, responses },
            message_conversations,
            insights,
        };
        facts.indices_in_range().then_some(facts)
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
                user(c.user)
                    && [c.country, c.device, c.source, c.language, c.environment].iter().all(|&v| named(v, &self.names))
            })
            && self.messages.iter().all(|m| conversation(m.conversation) && user(m.user) && model(m.model))
            && self.exchanges.iter().all(|e| conversation(e.conversation) && user(e.user) && model(e.model))
            && self.actions.iter().all(|a| conversation(a.conversation) && named(a.name, &self.action_names))
            && self.feedback.iter().all(|f| conversation(f.conversation))
            && self.foreign_costs.iter().all(|f| conversation(f.conversation) && named(f.currency, &self.currencies))
            && self.groups.rows.iter().all(|g| {
                conversation(g.conversation)
                    && user(g.user)
                    && model(g.model)
                    && g.timed <= g.exchanges
                    && (g.first_response as usize + g.timed as usize) <= self.groups.responses.len()
            })
            && self.message_conversations.iter().all(|&c| c == super::facts::NO_CONVERSATION || conversation(c))
            && self.insights.questions.iter().all(|q| {
                conversation(q.conversation)
                    && (q.text == super::insights::NO_TEXT || named(q.text, &self.insights.texts))
            })
            && self.insights.fallback_answers.iter().all(|a| conversation(a.conversation))
    }
}

//! Did the agent help? Resolution, questions and unanswered questions
//! (METRICS.md, Insights).
//!
//! A **question** is a user message not followed, as the next user or agent
//! message of its conversation, by another user message. It is
//! **unanswered** when no agent message follows it, or the one that follows
//! contains a fallback phrase (an answer that admits not knowing):
//!
//! ```text
//! time:  u1   u2   a1          u3   a2("I'm not sure…")   u4
//!             q────answered    q────unanswered            q (nothing follows: unanswered)
//!        (u1 is superseded by u2: not a question)
//! ```
//!
//! Which messages are questions, and which are unanswered, depends on the
//! text and the fallback phrases only, so it is found once, when the facts
//! are built ([`InsightsBuilder`]); a query then counts the rows in range.

use super::column::{retained_merged, Column};
use super::compute::in_range;
use super::delta::in_range2;
use super::facts::{Facts, Interner};
use super::scratch::Pool;
use super::words::{words, Phrases};
use crate::model::{Rating, Side};
use serde::Serialize;
use std::collections::HashMap;

/// Agent answers that admit not knowing, unless the settings say otherwise.
pub const DEFAULT_FALLBACK_PHRASES: [&str; 12] = [
    "i don't know",
    "i do not know",
    "i'm not sure",
    "i am not sure",
    "i can't help",
    "i cannot help",
    "i'm unable to",
    "i am unable to",
    "i don't have information",
    "i do not have information",
    "i couldn't find",
    "i could not find",
];

/// How many texts `top_unanswered` lists.
pub const TOP_UNANSWERED: usize = 10;

/// A question's text has no word.
pub(crate) const NO_TEXT: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct QuestionFact {
    /// The user message's time.
    pub ts: i64,
    pub conversation: u32,
    /// For an unanswered question: its words joined by single spaces, in
    /// [`InsightFacts::texts`]; `NO_TEXT` otherwise.
    pub text: u32,
    /// 0 or 1.
    pub unanswered: u8,
    pub _pad: [u8; 7],
}

/// An agent message that contains a fallback phrase.
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct FallbackAnswer {
    pub ts: i64,
    pub conversation: u32,
    pub _pad: u32,
}

/// Questions and fallback answers, each sorted by time.
#[derive(Debug, Clone, Default)]
pub struct InsightFacts {
    /// The fallback phrases these were found with; `None` before they are found.
    pub fallback_phrases: Option<Vec<String>>,
    pub questions: Column<QuestionFact>,
    /// Each question again, as `asked_of` packs it: what a period's counts
    /// read, 8 bytes a question where its row is 24 (at ten million
    /// conversations 30 million questions in a month, read at every
    /// dashboard). Empty when some text's number is one of the codes
    /// (past four billion texts); then the rows are read.
    pub asked: Column<u64>,
    pub fallback_answers: Column<FallbackAnswer>,
    pub texts: Interner,
}

/// In the high half of [`InsightFacts::asked`]: the question was answered.
pub(crate) const ANSWERED: u32 = u32::MAX;
/// In the high half of [`InsightFacts::asked`]: unanswered, and its text has no word.
pub(crate) const UNANSWERED_WORDLESS: u32 = u32::MAX - 1;

/// A question as [`InsightFacts::asked`] holds it: its conversation in the
/// low half; in the high half its text if it went unanswered, else a code;
/// `None` when the text's number is one of the codes.
pub(crate) fn asked_of(q: &QuestionFact) -> Option<u64> {
    let high = match (q.unanswered != 0, q.text) {
        (false, _) => ANSWERED,
        (true, NO_TEXT) => UNANSWERED_WORDLESS,
        (true, text) if text >= UNANSWERED_WORDLESS => return None,
        (true, text) => text,
    };
    Some(u64::from(high) << 32 | u64::from(q.conversation))
}

impl InsightFacts {
    /// These insights with [`InsightFacts::asked`] made from the questions.
    pub(crate) fn with_asked(mut self) -> InsightFacts {
        let asked: Option<Vec<u64>> = self.questions.iter().map(asked_of).collect();
        self.asked = asked.unwrap_or_default().into();
        self
    }

    /// [`InsightFacts::asked`], when it holds every question.
    fn asked(&self) -> Option<&[u64]> {
        (self.asked.len() == self.questions.len()).then(|| &self.asked[..])
    }

    /// These insights with those of some conversations replaced by `new`'s,
    /// as [`Facts::merged`](super::Facts::merged) replaces their facts:
    /// `old_to` gives each old conversation's merged number (`u32::MAX`
    /// when replaced), `new_to` each of `new`'s conversations', and
    /// `row_of` a merged number's store row (ties in time are ordered by
    /// it, as when built). Found with other fallback
    /// phrases than `new`'s, or not found, they are not found.
    pub(crate) fn merged(
        mut self,
        new: InsightFacts,
        old_to: &[u32],
        new_to: &[u32],
        row_of: impl Fn(u32) -> i64,
    ) -> InsightFacts {
        if self.fallback_phrases.is_none() || self.fallback_phrases != new.fallback_phrases {
            return InsightFacts::default();
        }
        let texts: Vec<u32> = new.texts.values.iter().map(|t| self.texts.intern(t)).collect();
        let renumbered = |c: &mut u32| {
            *c = old_to[*c as usize];
            *c != u32::MAX
        };
        let added = new.questions.iter().map(|q| QuestionFact {
            conversation: new_to[q.conversation as usize],
            text: if q.text == NO_TEXT { NO_TEXT } else { texts[q.text as usize] },
            ..*q
        });
        self.questions = retained_merged(
            std::mem::take(&mut self.questions),
            |q| renumbered(&mut q.conversation),
            added.collect(),
            |q| q.ts,
            |q| row_of(q.conversation),
        );
        let added =
            new.fallback_answers.iter().map(|a| FallbackAnswer { conversation: new_to[a.conversation as usize], ..*a });
        self.fallback_answers = retained_merged(
            std::mem::take(&mut self.fallback_answers),
            |a| renumbered(&mut a.conversation),
            added.collect(),
            |a| a.ts,
            |a| row_of(a.conversation),
        );
        self.with_asked()
    }
}

/// A question's user message waiting for the message after it.
struct Asked {
    ts: i64,
    conversation: u32,
    content: String,
}

/// Builds [`InsightFacts`] from every message's text, given one conversation
/// after another, each in the order it was said (time, then first seen).
pub struct InsightsBuilder {
    index: HashMap<i64, u32>,
    phrases: Phrases,
    out: InsightFacts,
    /// The conversation row being read, and its index in the facts.
    current: Option<(i64, Option<u32>)>,
    asked: Option<Asked>,
}

impl InsightsBuilder {
    /// For the conversations of `facts`, with these fallback phrases.
    pub fn new(facts: &Facts, fallback_phrases: &[String]) -> InsightsBuilder {
        let index = facts.conversation_rows.iter().enumerate().map(|(i, &row)| (row, i as u32)).collect();
        InsightsBuilder {
            index,
            phrases: Phrases::new(fallback_phrases),
            out: InsightFacts { fallback_phrases: Some(fallback_phrases.to_vec()), ..InsightFacts::default() },
            current: None,
            asked: None,
        }
    }

    /// The next message: of the conversation of the one before, or of the next conversation.
    pub fn message(&mut self, conversation_row: i64, ts: i64, side: Side, content: Option<&str>) {
        if self.current.is_none_or(|(row, _)| row != conversation_row) {
            self.end_conversation();
            self.current = Some((conversation_row, self.index.get(&conversation_row).copied()));
        }
        let Some((_, Some(conversation))) = self.current else {
            return;
        };
        let content = content.unwrap_or("");
        match side {
            Side::Neither => {}
            Side::User => {
                // A user message right after another supersedes it.
                self.asked = Some(Asked { ts, conversation, content: content.to_owned() });
            }
            Side::Agent => {
                let fallback = self.phrases.any_in_text(content);
                if fallback {
                    self.out.fallback_answers.to_mut().push(FallbackAnswer { ts, conversation, _pad: 0 });
                }
                if let Some(asked) = self.asked.take() {
                    self.question(asked, fallback);
                }
            }
        }
    }

    pub fn finish(mut self) -> InsightFacts {
        self.end_conversation();
        self.out.questions.sort_by_key(|q| q.ts);
        self.out.fallback_answers.sort_by_key(|a| a.ts);
        self.out.with_asked()
    }

    /// A question nothing answered ends its conversation.
    fn end_conversation(&mut self) {
        if let Some(asked) = self.asked.take() {
            self.question(asked, true);
        }
    }

    fn question(&mut self, asked: Asked, unanswered: bool) {
        let text = if unanswered {
            let key = words(&asked.content).join(" ");
            if key.is_empty() {
                NO_TEXT
            } else {
                self.out.texts.intern(&key)
            }
        } else {
            NO_TEXT
        };
        self.out.questions.to_mut().push(QuestionFact {
            ts: asked.ts,
            conversation: asked.conversation,
            text,
            unanswered: unanswered as u8,
            _pad: [0; 7],
        });
    }
}

/// The Insights keys of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Insights {
    pub resolved_conversations: u64,
    pub resolution_rate: Option<f64>,
    pub questions: u64,
    pub unanswered_questions: u64,
    pub unanswered_rate: Option<f64>,
    pub fallback_answers: u64,
    /// By count descending, then text.
    pub top_unanswered: Vec<UnansweredText>,
}

/// A period's [`Insights`], or `None` where the store cannot count them yet
/// (a ClickHouse store). Flattened into `Metrics`: its keys are there, or
/// all absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct MaybeInsights(pub Option<Insights>);

/// TypeScript knows [`MaybeInsights`] only flattened, as [`InsightsFields`].
#[cfg(feature = "ts")]
impl ts_rs::TS for MaybeInsights {
    type WithoutGenerics = MaybeInsights;
    type OptionInnerType = MaybeInsights;

    fn name(cfg: &ts_rs::Config) -> String {
        InsightsFields::name(cfg)
    }

    fn inline(cfg: &ts_rs::Config) -> String {
        InsightsFields::inline(cfg)
    }

    fn inline_flattened(cfg: &ts_rs::Config) -> String {
        InsightsFields::inline_flattened(cfg)
    }

    fn visit_dependencies(v: &mut impl ts_rs::TypeVisitor) {
        // The one named type among its fields', for the import of `Metrics`.
        v.visit::<UnansweredText>();
    }
}

/// How TypeScript sees [`MaybeInsights`] flattened into `Metrics`: every
/// key optional, since a store that cannot count them leaves them all out.
#[cfg(feature = "ts")]
#[derive(ts_rs::TS)]
#[ts(optional_fields)]
#[allow(dead_code)] // only its TypeScript declaration is used
pub(crate) struct InsightsFields {
    resolved_conversations: Option<u64>,
    resolution_rate: Option<Option<f64>>,
    questions: Option<u64>,
    unanswered_questions: Option<u64>,
    unanswered_rate: Option<Option<f64>>,
    fallback_answers: Option<u64>,
    top_unanswered: Option<Vec<UnansweredText>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct UnansweredText {
    pub text: String,
    pub count: u64,
}

/// What a period's Insights are counted over.
pub(crate) struct Period<'a, P: Fn(u32) -> bool> {
    pub from: i64,
    pub to: i64,
    pub passes: &'a P,
    /// Conversations started in the period that count as `resolved`
    /// (counted with the period's other conversations, in one pass).
    pub resolved: u64,
    /// Engaged conversations in range: the resolution rate's denominator.
    pub interactions: u64,
}

/// Per conversation: has a negative feedback, at any time.
pub(crate) fn negative(facts: &Facts) -> Vec<bool> {
    let mut negative = vec![false; facts.conversations.len()];
    for f in facts.feedback.iter().chain(&facts.delta.feedback).filter(|f| f.rating() == Rating::Negative) {
        negative[f.conversation as usize] = true;
    }
    negative
}

/// Whether a conversation (started in the period) counts as resolved: it
/// passes the filters, is an interaction, and was neither escalated nor
/// given negative feedback.
pub(crate) fn resolved(c: &super::rows::ConversationFact, passes: bool, escalated: bool, negative: bool) -> bool {
    c.engaged() && passes && !escalated && !negative
}

/// A period's questions that pass, those unanswered, and those by text.
struct QuestionTally {
    questions: u64,
    unanswered: u64,
    /// Per text, how many unanswered questions said it: counted in place
    /// (at ten million conversations 1.6 million of them, with two filters,
    /// where a hash table's look-ups took half the Insights' time).
    per_text: Vec<u32>,
    /// The texts counted, in the order first counted.
    said: Vec<u32>,
}

/// Room for [`QuestionTally::per_text`], kept between dashboards.
static PER_TEXT: Pool<u32> = Pool::new();

impl Drop for QuestionTally {
    fn drop(&mut self) {
        PER_TEXT.give_back(std::mem::take(&mut self.per_text));
    }
}

impl QuestionTally {
    fn new(texts: usize) -> QuestionTally {
        let mut per_text = PER_TEXT.empty();
        per_text.resize(texts, 0);
        QuestionTally { questions: 0, unanswered: 0, per_text, said: Vec::new() }
    }

    /// Each text said, and how many times.
    fn counted(&self) -> Vec<(u32, u64)> {
        self.said.iter().map(|&text| (text, u64::from(self.per_text[text as usize]))).collect()
    }

    /// Counts a question (its text read only if it went unanswered).
    /// Counted without a branch on whether it passes (with a filter, which
    /// do is not foreseeable: a branch on it is often mistaken).
    #[inline]
    fn count(&mut self, passes: bool, unanswered: bool, text: u32) {
        let pass = u64::from(passes);
        let open = pass & u64::from(unanswered);
        self.questions += pass;
        self.unanswered += open;
        if open != 0 && text != NO_TEXT {
            // Every text's number is in range (checked when read back, interned when updated).
            if let Some(count) = self.per_text.get_mut(text as usize) {
                if *count == 0 {
                    self.said.push(text);
                }
                *count += 1;
            }
        }
    }
}

/// The Insights keys of a period.
pub(crate) fn insights<P: Fn(u32) -> bool>(facts: &Facts, period: &Period<P>) -> Insights {
    let Period { from, to, passes, resolved: resolved_conversations, interactions } = *period;
    let insight = &facts.insights;
    let mut t = QuestionTally::new(insight.texts.values.len());
    let lo = insight.questions.partition_point(|q| q.ts < from);
    let hi = insight.questions.partition_point(|q| q.ts < to).max(lo);
    match insight.asked() {
        // The first run's from their narrow copies.
        Some(asked) => {
            for &a in &asked[lo..hi] {
                let (conversation, high) = (a as u32, (a >> 32) as u32);
                let text = if high == UNANSWERED_WORDLESS { NO_TEXT } else { high };
                t.count(passes(conversation), high != ANSWERED, text);
            }
        }
        None => {
            for q in &insight.questions[lo..hi] {
                t.count(passes(q.conversation), q.unanswered != 0, q.text);
            }
        }
    }
    for q in in_range(&facts.delta.questions, |q| q.ts, from, to) {
        t.count(passes(q.conversation), q.unanswered != 0, q.text);
    }
    let fallback_answers: u64 =
        in_range2([&insight.fallback_answers, &facts.delta.fallback_answers], |a| a.ts, from, to)
            .into_iter()
            .flatten()
            .map(|a| u64::from(passes(a.conversation)))
            .sum();
    let (questions, unanswered) = (t.questions, t.unanswered);

    // The most said first, then by text: only the first few are spelled out.
    let mut counted = t.counted();
    let order = |a: &(u32, u64), b: &(u32, u64)| {
        b.1.cmp(&a.1).then_with(|| insight.texts.name(a.0).cmp(insight.texts.name(b.0)))
    };
    if counted.len() > TOP_UNANSWERED {
        // The tenth most said count first, by the counts alone: only the
        // texts said at least as often can be shown, and only those are
        // ordered by text (most of the texts, said once or twice, never are).
        counted.select_nth_unstable_by(TOP_UNANSWERED - 1, |a, b| b.1.cmp(&a.1));
        let tenth = counted[TOP_UNANSWERED - 1].1;
        counted.retain(|&(_, count)| count >= tenth);
        if counted.len() > TOP_UNANSWERED {
            counted.select_nth_unstable_by(TOP_UNANSWERED - 1, order);
            counted.truncate(TOP_UNANSWERED);
        }
    }
    counted.sort_unstable_by(order);
    let top: Vec<UnansweredText> = counted
        .into_iter()
        .map(|(text, count)| UnansweredText { text: insight.texts.name(text).to_owned(), count })
        .collect();

    let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    Insights {
        resolved_conversations,
        resolution_rate: ratio(resolved_conversations, interactions),
        questions,
        unanswered_questions: unanswered,
        unanswered_rate: ratio(unanswered, questions),
        fallback_answers,
        top_unanswered: top,
    }
}

/// The conversations (indices in `facts`) in which `question` was asked in
/// `from..to` and went unanswered: the conversations behind its row of
/// `top_unanswered`. The question is compared as that list groups it, by its
/// words joined by single spaces, so "Can I pay by CHEQUE?" and
/// `can i pay by cheque` are the same question.
pub(crate) fn unanswered_in(
    facts: &Facts,
    question: Option<&str>,
    from: i64,
    to: i64,
    passes: &impl Fn(u32) -> bool,
) -> Vec<u32> {
    let key = question.map(|q| words(q).join(" "));
    let insight = &facts.insights;
    let mut out: Vec<u32> = in_range2([&insight.questions, &facts.delta.questions], |q| q.ts, from, to)
        .into_iter()
        .flatten()
        .filter(|q| q.unanswered != 0 && passes(q.conversation))
        .filter(|q| match &key {
            None => true,
            Some(key) => q.text != NO_TEXT && !key.is_empty() && insight.texts.name(q.text) == key,
        })
        .map(|q| q.conversation)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Insight facts of one conversation (row 1) told as (ts, side, text).
    fn told(messages: &[(i64, Side, &str)]) -> InsightFacts {
        let facts = Facts { conversation_rows: vec![1].into(), ..Facts::default() };
        let phrases: Vec<String> = DEFAULT_FALLBACK_PHRASES.iter().map(|s| s.to_string()).collect();
        let mut b = InsightsBuilder::new(&facts, &phrases);
        for &(ts, side, text) in messages {
            b.message(1, ts, side, Some(text));
        }
        b.finish()
    }

    fn summary(f: &InsightFacts) -> Vec<(i64, bool, &str)> {
        f.questions
            .iter()
            .map(|q| (q.ts, q.unanswered != 0, if q.text == NO_TEXT { "" } else { f.texts.name(q.text) }))
            .collect()
    }

    #[test]
    fn the_top_unanswered_are_the_most_said_then_by_text_among_many_tied() {
        // 40 texts said 1 to 4 times (ties in every count), named against their index's order.
        let mut facts = Facts::default();
        let mut said: Vec<(String, u64)> = Vec::new();
        for i in 0..40u32 {
            let text = format!("question {}", (i * 17) % 40);
            let id = facts.insights.texts.intern(&text);
            let times = u64::from(i % 4 + 1);
            for k in 0..times {
                facts.insights.questions.to_mut().push(QuestionFact {
                    ts: i64::from(i) * 10 + k as i64,
                    conversation: 0,
                    text: id,
                    unanswered: 1,
                    _pad: [0; 7],
                });
            }
            said.push((text, times));
        }
        facts.insights.questions.sort_by_key(|q| q.ts);
        let got = insights(&facts, &Period { from: 0, to: 1000, passes: &|_| true, resolved: 0, interactions: 0 });
        said.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let want: Vec<UnansweredText> =
            said.into_iter().take(TOP_UNANSWERED).map(|(text, count)| UnansweredText { text, count }).collect();
        assert_eq!(got.top_unanswered, want);
        assert_eq!(got.unanswered_questions, (0..40u64).map(|i| i % 4 + 1).sum::<u64>());
    }

    #[test]
    fn of_a_run_of_user_messages_the_last_one_asks() {
        let f = told(&[(1, Side::User, "hello"), (2, Side::User, "Where is it?"), (3, Side::Agent, "Here.")]);
        assert_eq!(summary(&f), [(2, false, "")], "u1 is superseded; u2 is answered");
    }

    #[test]
    fn a_fallback_answer_or_no_answer_leaves_a_question_unanswered() {
        let f = told(&[
            (1, Side::User, "Can I pay by CHEQUE?"),
            (2, Side::Agent, "I'm not sure, sorry."),
            (3, Side::Neither, "tool output"),
            (4, Side::User, "¿Dónde está?"),
        ]);
        assert_eq!(summary(&f), [(1, true, "can i pay by cheque"), (4, true, "donde esta")]);
        assert_eq!(f.fallback_answers.len(), 1);
    }

    #[test]
    fn an_agent_message_with_no_question_before_it_can_still_be_a_fallback_answer() {
        let f = told(&[(1, Side::Agent, "I do not know."), (2, Side::User, "?"), (3, Side::Agent, "ok")]);
        assert_eq!(f.fallback_answers.len(), 1);
        assert_eq!(summary(&f), [(2, false, "")]);
    }
}

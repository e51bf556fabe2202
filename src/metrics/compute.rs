//! Every key of docs/metrics.md for one query, in one pass over each kind of
//! fact in range.

use super::clock::{date_of, day_in_zone, hour_of, weekday, LocalClock};
use super::delta::{for_each_merged, in_range2, stretches, stretches_placed};
use super::facts::{ActionFact, ConversationFact, Facts, ForeignCostFact, MessageFact, NONE, NO_MODEL, NO_USER};
use super::groups::{MessageGroup, BUCKET_US};
use super::insights::{insights, negative, MaybeInsights, Period};
use super::normal::FilterKey;
use super::percentile::{percentiles, percentiles_in_place};
use super::query::{Query, Settings};
use super::scratch::{Marks, MarksPool, Pool};
use crate::model::Rating;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Metrics {
    pub total_messages: u64,
    pub user_messages: u64,
    pub agent_messages: u64,
    pub total_conversations: u64,
    pub interactions: u64,
    pub visits: u64,
    pub unique_users: u64,
    pub active_users: u64,
    pub avg_user_interactions: f64,
    pub avg_response_time_ms: Option<f64>,
    pub p50_response_time_ms: Option<f64>,
    pub p95_response_time_ms: Option<f64>,
    pub avg_conversation_duration_s: Option<f64>,
    /// Monday first, hours 0–23 in the display zone.
    #[cfg_attr(feature = "ts", ts(type = "Array<Array<number>>"))]
    pub peak_hours: [[u64; 24]; 7],
    pub daily: Vec<DailyRow>,
    pub tools: Vec<ToolRow>,
    pub countries: BTreeMap<String, u64>,
    pub devices: BTreeMap<String, u64>,
    pub sources: BTreeMap<String, u64>,
    pub languages: BTreeMap<String, u64>,
    /// Conversations per environment (`metadata.environment`), `unknown` when absent.
    pub environments: BTreeMap<String, u64>,
    pub escalated_conversations: u64,
    pub escalation_rate: Option<f64>,
    pub feedback: FeedbackCounts,
    pub tokens: TokenUsage,
    /// Costs in range given in another currency than US dollars with no
    /// exchange rate set: not in `tokens.cost` nor `daily[].cost`, one row
    /// per currency (by code), so that the dashboard can say what it left out.
    pub costs_left_out: Vec<LeftOutCost>,
    /// Beside the tokens and cost: response time per model; absent where
    /// the store cannot give it yet (a ClickHouse store).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub response_time_by_model: Option<Vec<super::response::ModelResponseTime>>,
    /// docs/metrics.md, Insights (src/metrics/insights.rs); absent where the
    /// store cannot count them yet (a ClickHouse store).
    #[serde(flatten)]
    pub insights: MaybeInsights,
}

/// Messages whose cost is in a currency without an exchange rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LeftOutCost {
    /// The currency's code, upper case (`RMB`).
    pub currency: String,
    /// Messages in range priced in it.
    pub messages: u64,
    /// Their costs added up, in that currency.
    pub amount: f64,
    /// What the dashboard and the reports say under the cost: "3 messages
    /// priced in RMB (0.25 RMB) are not in this total: set a rate in Settings".
    pub note: String,
}

impl LeftOutCost {
    /// The row of `messages` priced `amount` in `currency`, with its sentence.
    pub fn new(currency: String, messages: u64, amount: f64) -> LeftOutCost {
        // Cents, and below one unit up to four places, so that a small price does not read as 0.
        let mut shown = if amount.abs() < 1.0 { format!("{amount:.4}") } else { format!("{amount:.2}") };
        while shown.len() > 4 && shown.ends_with('0') && shown.split('.').nth(1).is_some_and(|d| d.len() > 2) {
            shown.pop();
        }
        let (count, verb) =
            if messages == 1 { ("1 message".to_owned(), "is") } else { (format!("{messages} messages"), "are") };
        let note = format!(
            "{count} priced in {currency} ({shown} {currency}) {verb} not in this total: set a rate in Settings"
        );
        LeftOutCost { currency, messages, amount, note }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DailyRow {
    pub date: String,
    pub messages: u64,
    pub conversations: u64,
    pub users: u64,
    /// Wide enough for 10^7 messages at the token limit (FORMAT.md, Limits).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub tokens: u128,
    pub cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ToolRow {
    pub name: String,
    pub count: u64,
    pub avg_duration_ms: Option<f64>,
    pub errors: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FeedbackCounts {
    pub positive: u64,
    pub negative: u64,
    pub neutral: u64,
    pub satisfaction_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TokenUsage {
    pub prompt: u64,
    pub completion: u64,
    /// prompt + completion: wider than either (FORMAT.md, Limits).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u128,
    pub cost: f64,
}

/// Usage per model in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ModelUsage {
    pub model: String,
    pub messages: u64,
    pub prompt: u64,
    pub completion: u64,
    pub cost: f64,
    /// False when some of its messages carry tokens but neither a cost nor a price.
    pub priced: bool,
}

/// A query's numbers and, when the query compares, those of the period of
/// equal length before it; when it names a second segment, that segment's
/// numbers over the same period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Dashboard {
    #[serde(flatten)]
    pub current: Metrics,
    pub previous: Option<Metrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub segment: Option<Metrics>,
}

/// The two periods (and a second segment) are independent scans over shared,
/// read-only facts, so they run side by side: the parts of both periods
/// (see `dashboard_parts`) are shared out between two cores as each is
/// free, so that a dashboard costs about half of its work whether the rows
/// lie in both periods or nearly all in one.
pub fn dashboard(facts: &Facts, query: &Query, settings: &Settings) -> Dashboard {
    dashboard_parts(facts, query, settings).0
}

/// [`dashboard`], with the current period's usage per model and its
/// conversations with an IP address (for the dashboard's extras).
pub(crate) fn dashboard_parts(facts: &Facts, query: &Query, settings: &Settings) -> (Dashboard, Computed, Shared) {
    let previous_query = query.previous();
    let shared = Shared::new(facts, query, settings);
    let segment_query = query.segment_query();
    let (current, previous) = (PeriodParts::default(), PeriodParts::default());
    // Each part of both periods, the largest kinds first: each core takes
    // the next not taken.
    let mut periods = vec![(&current, query)];
    if query.compare {
        periods.push((&previous, &previous_query));
    }
    let jobs: Vec<(&PeriodParts, &Query, Part)> =
        Part::ALL.iter().flat_map(|&part| periods.iter().map(move |&(parts, query)| (parts, query, part))).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        while let Some(&(parts, query, part)) = jobs.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
            parts.run(part, facts, query, &shared, Way::Fastest);
        }
    };
    let segment = std::thread::scope(|scope| {
        let segment = segment_query
            .as_ref()
            .map(|q| scope.spawn(move || compute_with(facts, q, &Shared::new(facts, q, settings)).metrics));
        let other = scope.spawn(work);
        work();
        other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        segment.map(|s| s.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    let current = current.finish(facts);
    let previous = query.compare.then(|| previous.finish(facts));
    let dashboard = Dashboard { current: current.metrics.clone(), previous: previous.map(|p| p.metrics), segment };
    (dashboard, current, shared)
}

/// What both periods of a dashboard use: which conversations pass the
/// filters, and which escalated or had a negative feedback.
pub(crate) struct Shared {
    pub pass: Pass,
    outcomes: Arc<Outcomes>,
}

/// Which conversations called an escalation tool, and which had a negative
/// feedback (Insights), at any time.
pub(crate) struct Outcomes {
    escalated: Vec<bool>,
    negative: Vec<bool>,
}

/// [`Outcomes`] kept with the facts they were found in: no query changes
/// them, and finding them is a pass over every action and feedback (at ten
/// million conversations a tenth of a filtered dashboard). Kept for the
/// escalation tools they were found with; facts updated or cloned keep none.
#[derive(Default)]
pub struct KeptOutcomes(Mutex<Option<(OutcomesKey, Arc<Outcomes>)>>);

/// What kept [`Outcomes`] hold for: the escalation tools, and (should the
/// facts change without being made anew) the lengths of what they were found in.
#[derive(PartialEq)]
struct OutcomesKey {
    escalation_tools: Vec<String>,
    lengths: [usize; 5],
}

impl OutcomesKey {
    fn of(facts: &Facts, settings: &Settings) -> OutcomesKey {
        let d = &facts.delta;
        OutcomesKey {
            escalation_tools: settings.escalation_tools.clone(),
            lengths: [
                facts.conversations.len(),
                facts.actions.len(),
                d.actions.len(),
                facts.feedback.len(),
                d.feedback.len(),
            ],
        }
    }
}

impl KeptOutcomes {
    fn get(&self, key: &OutcomesKey) -> Option<Arc<Outcomes>> {
        let kept = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.as_ref().filter(|(k, _)| k == key).map(|(_, outcomes)| Arc::clone(outcomes))
    }

    fn keep(&self, key: OutcomesKey, outcomes: &Arc<Outcomes>) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((key, Arc::clone(outcomes)));
    }

    /// Forgets what was kept (the facts changed).
    pub(crate) fn clear(&mut self) {
        *self.0.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

impl Clone for KeptOutcomes {
    /// Nothing kept: a clone may be changed.
    fn clone(&self) -> KeptOutcomes {
        KeptOutcomes::default()
    }
}

impl std::fmt::Debug for KeptOutcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeptOutcomes")
    }
}

impl Shared {
    /// Which conversations pass is found on both cores. The outcomes are
    /// those kept with the facts, else found on the other core meanwhile
    /// (which then takes a smaller share of the conversations).
    pub(crate) fn new(facts: &Facts, query: &Query, settings: &Settings) -> Shared {
        let test = PassTest::of(facts, query).map(|t| t.with_columns(facts));
        let mut bits = test.as_ref().map(|_| vec![0u64; facts.conversations.len().div_ceil(64)]);
        let key = OutcomesKey::of(facts, settings);
        let kept = facts.outcomes.get(&key);
        let outcomes = std::thread::scope(|scope| {
            // The other core's share: 2/5 when it also finds the outcomes.
            let (part, of) = if kept.is_some() { (1, 2) } else { (2, 5) };
            let (low, high) = match bits.as_deref_mut() {
                Some(bits) => bits.split_at_mut(bits.len() * part / of),
                None => (&mut [][..], &mut [][..]),
            };
            let test = test.as_ref();
            let found_apart = kept.is_none();
            let apart = scope.spawn(move || {
                if let Some(test) = test {
                    pass_bits(facts, test, 0, low);
                }
                found_apart.then(|| Outcomes { escalated: escalated(facts, settings), negative: negative(facts) })
            });
            if let Some(test) = test {
                let first = facts.conversations.len().div_ceil(64) - high.len();
                pass_bits(facts, test, first, high);
            }
            apart.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        let outcomes = match (kept, outcomes) {
            (Some(kept), _) => kept,
            (None, found) => {
                let found = Arc::new(found.expect("found when none was kept"));
                facts.outcomes.keep(key, &found);
                found
            }
        };
        Shared { pass: Pass { bits }, outcomes }
    }
}

/// Which conversations pass a query's filters: one bit each (a million
/// conversations in 125 kB, which the scans' random look-ups find in the
/// cache), or every one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pass {
    /// Conversation `c` passes when bit `c % 64` of `bits[c / 64]` is set;
    /// `None` when every one does.
    bits: Option<Vec<u64>>,
}

impl Pass {
    /// Every conversation passes.
    pub(crate) fn all() -> Pass {
        Pass { bits: None }
    }

    /// Whether some conversation may not pass.
    pub(crate) fn is_filtered(&self) -> bool {
        self.bits.is_some()
    }

    /// Whether conversation `c` passes.
    #[inline]
    pub(crate) fn has(&self, c: u32) -> bool {
        match &self.bits {
            None => true,
            Some(bits) => bits.get((c >> 6) as usize).is_some_and(|w| w >> (c & 63) & 1 != 0),
        }
    }

    /// The conversations of `range` that pass, in order: with a filter,
    /// only those are visited (64 at a time are skipped by a zero word),
    /// and each is announced to `ahead` some conversations before its
    /// visit (those that pass lie apart: see [`prefetch`]).
    #[inline]
    pub(crate) fn each_in(&self, range: std::ops::Range<usize>, ahead: impl Fn(usize), mut visit: impl FnMut(usize)) {
        let Some(bits) = &self.bits else {
            range.for_each(visit);
            return;
        };
        let mut passing: Vec<u32> = Vec::with_capacity(STRETCH);
        let mut at = range.start;
        while at < range.end {
            let end = (at + STRETCH).min(range.end);
            passing.clear();
            ones_in(bits, at..end, |i| passing.push(i as u32));
            for (k, &i) in passing.iter().enumerate() {
                if let Some(&next) = passing.get(k + AHEAD) {
                    ahead(next as usize);
                }
                visit(i as usize);
            }
            at = end;
        }
    }
}

/// How many rows a filtered scan finds that pass before it visits them,
/// and how far ahead of its visit each one is asked for.
const STRETCH: usize = 4096;

/// The fewest response times of consecutive groups that pass read where
/// they lie for the percentiles, not copied ([`Scan::take_responses`]).
/// The tests' few conversations have short stretches: they are read in
/// place from a few on, so that the tests that hold the ways equal read both.
const IN_PLACE_FROM: usize = if cfg!(test) { 4 } else { 1024 };

// Room kept between dashboards (see `scratch`): per conversation, its last
// day counted (marks) and whether it had an exchange (a bit each: at ten
// million conversations 1.25 MB, which the scan's look-ups in conversation
// order find in the cache); a period's response times, as the scan copies
// them and as the percentiles copy them when too few to sample (a pool of
// their own: the scan's of both periods are still held then, and a pool
// keeps two).
static DAY_MARKS: MarksPool = MarksPool::new();
static HAS_EXCHANGE: Pool<u64> = Pool::new();
static RESPONSE_TIMES: Pool<i64> = Pool::new();
static SELECTED_TIMES: Pool<i64> = Pool::new();
/// `n` bits, none set, in [`HAS_EXCHANGE`]'s room.
fn no_bits(n: usize) -> Vec<u64> {
    let mut bits = HAS_EXCHANGE.empty();
    bits.resize(n.div_ceil(64), 0);
    bits
}

/// Sets bit `i`; whether it was not set before.
#[inline]
fn set_bit(bits: &mut [u64], i: u32) -> bool {
    let (word, bit) = (&mut bits[(i >> 6) as usize], 1u64 << (i & 63));
    let was = *word & bit != 0;
    *word |= bit;
    !was
}

/// The response times of a filtered scan by model (`Scan::groups`).
static BY_MODEL: super::scratch::NestedPool<u32> = super::scratch::NestedPool::new();
const AHEAD: usize = 16;

/// The set bits of `bits` in `range`, in order.
#[inline]
fn ones_in(bits: &[u64], range: std::ops::Range<usize>, mut visit: impl FnMut(usize)) {
    if range.is_empty() {
        return;
    }
    let (first, last) = (range.start >> 6, (range.end - 1) >> 6);
    let words = bits.iter().enumerate().take(last + 1).skip(first);
    for (w, &word) in words {
        let mut word = word;
        if w == first {
            word &= u64::MAX << (range.start & 63);
        }
        if w == last && range.end & 63 != 0 {
            word &= u64::MAX >> (64 - (range.end & 63));
        }
        while word != 0 {
            visit((w << 6) + word.trailing_zeros() as usize);
            word &= word - 1;
        }
    }
}

/// Which conversations pass the filters, and are not replaced by newer
/// facts of theirs (see [`super::delta`]): one pass over the conversations
/// for every filter at once.
pub(crate) fn passing(facts: &Facts, query: &Query) -> Pass {
    let Some(test) = PassTest::of(facts, query).map(|t| t.with_columns(facts)) else { return Pass::all() };
    let mut bits = vec![0u64; facts.conversations.len().div_ceil(64)];
    pass_bits(facts, &test, 0, &mut bits);
    Pass { bits: Some(bits) }
}

/// Sets in `bits`, the words of [`Pass::bits`] from word `first` on, the
/// bits of the conversations that pass `test`: from the columns of its
/// names when it has them, else from the conversations' rows.
fn pass_bits(facts: &Facts, test: &PassTest, first: usize, bits: &mut [u64]) {
    let start = (first * 64).min(facts.conversations.len());
    let end = ((first + bits.len()) * 64).min(facts.conversations.len());
    if let Some(columns) = &test.columns {
        // Those not replaced, then of them those each filter allows.
        let replaced = &facts.delta.replaced;
        for (w, word) in bits.iter_mut().enumerate() {
            let from = (first + w) * 64;
            let n = end.saturating_sub(from).min(64);
            let mut live = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
            let marks = &replaced[from.min(replaced.len())..(from + n).min(replaced.len())];
            for (j, &r) in marks.iter().enumerate() {
                live &= !(u64::from(r) << j);
            }
            *word = live;
        }
        for ((_, allowed), column) in test.names.iter().zip(columns) {
            super::filter_columns::and_allowed(column, allowed, first, bits);
        }
        if !test.said.is_empty() {
            for (w, word) in bits.iter_mut().enumerate() {
                let mut left = *word;
                while left != 0 {
                    let j = left.trailing_zeros();
                    left &= left - 1;
                    if !test.said_by((first + w) * 64 + j as usize) {
                        *word &= !(1u64 << j);
                    }
                }
            }
        }
        return;
    }
    for (k, c) in facts.conversations[start..end].iter().enumerate() {
        let i = start + k;
        // Set or not without a branch: which pass is not foreseeable.
        bits[(i >> 6) - first] |= u64::from(test.admits(facts, i, c)) << (i & 63);
    }
}

/// Whether a query's filters let one conversation through, asked of a few
/// conversations (the latest comments) without [`passing`]'s pass over all.
pub(crate) struct PassTest<'q> {
    /// Per filter of a name, which of its table's names it allows.
    names: Vec<(FilterKey, Vec<bool>)>,
    /// Per text filter, the conversations that said one of its phrases.
    said: Vec<Vec<&'q Vec<bool>>>,
    /// Per filter of a name, its column (`filter_columns`), when the pass
    /// over every conversation reads those instead of the rows.
    columns: Option<Vec<Arc<Vec<u16>>>>,
}

impl<'q> PassTest<'q> {
    /// `None` when every conversation passes (no filter, none replaced).
    pub(crate) fn of(facts: &Facts, query: &'q Query) -> Option<PassTest<'q>> {
        if query.filters.is_empty() && facts.delta.replaced.is_empty() {
            return None;
        }
        let mut test = PassTest { names: Vec::new(), said: Vec::new(), columns: None };
        for (key, values) in &query.filters.0 {
            if *key == FilterKey::Text {
                // Resolved by the engine from the messages' text; unresolved keeps none.
                test.said.push(values.iter().filter_map(|v| query.text_matches.get(v)).collect());
                continue;
            }
            let table = if *key == FilterKey::CustomerId { &facts.users } else { &facts.names };
            let mut allowed = vec![false; table.values.len()];
            for i in values.iter().filter_map(|v| table.get(v)) {
                allowed[i as usize] = true;
            }
            test.names.push((*key, allowed));
        }
        Some(test)
    }

    /// For the pass over every conversation: the columns of its names
    /// (made now if not kept), when each of its filters of a name has one.
    /// With none (only conversations replaced, or text filters), the pass
    /// reads no row either.
    pub(crate) fn with_columns(mut self, facts: &Facts) -> PassTest<'q> {
        let keys: Vec<FilterKey> = self.names.iter().map(|(key, _)| *key).collect();
        self.columns = super::filter_columns::KeptColumns::of(facts, &keys);
        self
    }

    /// Whether conversation `i` (its fact `c`) passes.
    #[inline]
    pub(crate) fn admits(&self, facts: &Facts, i: usize, c: &ConversationFact) -> bool {
        if facts.delta.replaced.get(i).copied().unwrap_or(false) {
            return false;
        }
        // Every filter is asked (`&`, not `&&`): whether the first lets a
        // conversation through is not foreseeable, and a branch on it is often mistaken.
        let names_pass = self.names.iter().fold(true, |all, (key, allowed)| {
            let id = super::filter_columns::name_of(*key, c);
            all & allowed.get(id as usize).copied().unwrap_or(false) // NO_USER is never allowed
        });
        names_pass && self.said_by(i)
    }

    /// Whether conversation `i` said a phrase of every text filter.
    #[inline]
    fn said_by(&self, i: usize) -> bool {
        self.said.iter().all(|s| s.iter().any(|s| s.get(i).copied().unwrap_or(false)))
    }
}

/// Which conversations called an escalation tool, at any time.
pub(crate) fn escalated(facts: &Facts, settings: &Settings) -> Vec<bool> {
    let escalation: HashSet<String> = settings.escalation_tools.iter().map(|s| s.trim().to_lowercase()).collect();
    let escalating_name: Vec<bool> =
        facts.action_names.values.iter().map(|n| escalation.contains(&n.to_lowercase())).collect();
    let mut escalated = vec![false; facts.conversations.len()];
    for a in facts.actions.iter().chain(&facts.delta.actions) {
        if escalating_name[a.name as usize] {
            escalated[a.conversation as usize] = true;
        }
    }
    escalated
}

/// The rows of a time-sorted slice with `from <= ts < to`.
pub(crate) fn in_range<T>(rows: &[T], ts: impl Fn(&T) -> i64, from: i64, to: i64) -> &[T] {
    let lo = rows.partition_point(|r| ts(r) < from);
    let hi = rows.partition_point(|r| ts(r) < to);
    &rows[lo..hi.max(lo)]
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Every METRICS.md key of one query.
pub fn compute(facts: &Facts, query: &Query, settings: &Settings) -> Metrics {
    compute_with(facts, query, &Shared::new(facts, query, settings)).metrics
}

/// A period's numbers, and what the dashboard shows beside them.
#[derive(Debug, Clone)]
pub(crate) struct Computed {
    pub metrics: Metrics,
    /// Usage per model, in the order of `facts.models`.
    pub models: Vec<ModelUsage>,
    pub conversations_with_ip: u64,
    /// Whether the messages were read group by group (the tests look).
    #[cfg_attr(not(test), allow(dead_code))]
    grouped: bool,
}

fn compute_with(facts: &Facts, query: &Query, shared: &Shared) -> Computed {
    compute_by(facts, query, shared, Way::Fastest)
}

/// How a period's messages are read: group by group where that is exact, or
/// always message by message (for tests that hold the two ways equal).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Way {
    Fastest,
    #[cfg_attr(not(test), allow(dead_code))]
    MessageByMessage,
}

fn compute_by(facts: &Facts, query: &Query, shared: &Shared, way: Way) -> Computed {
    let parts = PeriodParts::default();
    for part in Part::ALL {
        parts.run(part, facts, query, shared, way);
    }
    parts.finish(facts)
}

/// A period's numbers come in three parts that read apart tables, so that
/// they can be computed on either core: a dashboard's two cores take the
/// parts of both periods one after another, whichever is free (most of a
/// dump may lie in one period, and the other period is then soon done).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    /// The messages and exchanges (and their response times).
    Messages,
    /// The conversations that start in the period, and Insights.
    Conversations,
    /// The actions, feedback and costs left out.
    Rest,
    /// The percentiles of the response times the messages' part found
    /// (waits for its scan; taken after it), while that part finds the
    /// percentiles per model. At ten million conversations tens of
    /// milliseconds, which the core that is free first takes on.
    Percentiles,
}

impl Part {
    /// The largest first: whichever core is free takes the next.
    const ALL: [Part; 4] = [Part::Messages, Part::Conversations, Part::Rest, Part::Percentiles];
}

/// Sets its lock to `None` when dropped before it was set: when what was to
/// set it panicked.
struct NoneUnlessSet<'a, T>(&'a std::sync::OnceLock<Option<T>>);

impl<T> Drop for NoneUnlessSet<'_, T> {
    fn drop(&mut self) {
        let _ = self.0.set(None);
    }
}

/// The percentiles of the response times a dashboard shows.
const RESPONSE_PERCENTILES: [f64; 2] = [0.50, 0.95];

/// The parts of one period, each set once by whichever core computed it.
#[derive(Default)]
struct PeriodParts {
    /// The messages' scan (see [`Scan::of_period`]), set before the rest of
    /// their part is done; `None` if it failed (a panic), so that nothing
    /// waits for it for ever.
    scan: std::sync::OnceLock<Option<(Scan, bool)>>,
    /// The response times per model.
    by_model: std::sync::OnceLock<Vec<super::response::ModelResponseTime>>,
    conversations: std::sync::OnceLock<(ConversationTally, Option<super::insights::Insights>)>,
    rest: std::sync::OnceLock<(Vec<ToolRow>, FeedbackCounts, Vec<LeftOutCost>)>,
    percentiles: std::sync::OnceLock<[Option<i64>; 2]>,
}

impl PeriodParts {
    fn run(&self, part: Part, facts: &Facts, query: &Query, shared: &Shared, way: Way) {
        let (from, to) = (query.from.0, query.to.0);
        let passes = |c: u32| shared.pass.has(c);
        match part {
            Part::Messages => {
                let failed = NoneUnlessSet(&self.scan);
                let (mut scan, grouped) = Scan::of_period(facts, query, shared.pass.is_filtered(), &passes, way);
                let by_model_times = scan.response_us_by_model.take();
                let _ = self.scan.set(Some((scan, grouped)));
                drop(failed);
                // Gathered by the scan group by group, else from the exchanges.
                let by_model = match by_model_times {
                    Some(mut times) => {
                        let rows = super::response::per_model(facts, &mut times);
                        BY_MODEL.give_back(times.narrow);
                        rows
                    }
                    None => super::response::by_model(facts, from, to, &passes),
                };
                let _ = self.by_model.set(by_model);
            }
            Part::Conversations => {
                let c = ConversationTally::of_period(facts, from, to, shared);
                let insights = facts.insights.fallback_phrases.is_some().then(|| {
                    let period =
                        Period { from, to, passes: &passes, resolved: c.resolved, interactions: c.interactions };
                    insights(facts, &period)
                });
                let _ = self.conversations.set((c, insights));
            }
            Part::Rest => {
                let tools = tool_rows(facts, from, to, &passes);
                let feedback = feedback_counts(facts, from, to, &passes);
                let left_out = costs_left_out(facts, from, to, &passes);
                let _ = self.rest.set((tools, feedback, left_out));
            }
            Part::Percentiles => {
                // Taken only once the messages' part was (see `Part::ALL`): its scan is being done, or done.
                let Some((scan, _)) = self.scan.wait() else { return };
                let parts = scan.responses_read_in_place(facts);
                let found = percentiles_in_place(&parts, RESPONSE_PERCENTILES).unwrap_or_else(|| {
                    // Too few to sample (or arranged against the sample): selected in a copy.
                    let mut all = SELECTED_TIMES.empty();
                    parts.iter().for_each(|p| all.extend_from_slice(p));
                    let found = percentiles(&mut all, RESPONSE_PERCENTILES);
                    SELECTED_TIMES.give_back(all);
                    found
                });
                let _ = self.percentiles.set(found);
            }
        }
    }

    /// The period's numbers, once every part is computed.
    fn finish(self, facts: &Facts) -> Computed {
        let done = "every part of a period is computed before it is finished";
        let (scan, grouped) = self.scan.into_inner().flatten().expect(done);
        let by_model = self.by_model.into_inner().expect(done);
        let [p50, p95] = self.percentiles.into_inner().expect(done);
        let (conversations, insights) = self.conversations.into_inner().expect(done);
        let (tools, feedback, costs_left_out) = self.rest.into_inner().expect(done);
        finished(facts, scan, grouped, by_model, [p50, p95], conversations, insights, tools, feedback, costs_left_out)
    }
}

/// A period's numbers from its parts.
#[allow(clippy::too_many_arguments)]
fn finished(
    facts: &Facts,
    scan: Scan,
    grouped: bool,
    by_model: Vec<super::response::ModelResponseTime>,
    [p50, p95]: [Option<i64>; 2],
    conversations: ConversationTally,
    insights: Option<super::insights::Insights>,
    tools: Vec<ToolRow>,
    feedback: FeedbackCounts,
    costs_left_out: Vec<LeftOutCost>,
) -> Computed {
    let Scan {
        total_messages,
        user_messages,
        agent_messages,
        prompt,
        completion,
        cost,
        peak_hours,
        daily,
        response_us,
        response_stretches,
        response_sum,
        exchanges: n_exchanges,
        exchanges_per_user,
        exchange_conversations,
        models,
        ..
    } = scan;
    let n_timed = (response_us.len() + response_stretches.iter().map(|(_, r)| r.len()).sum::<usize>()) as u64;
    RESPONSE_TIMES.give_back(response_us);
    let ms = |us: i64| us as f64 / 1000.0;
    let c = &conversations;
    let metrics = Metrics {
        total_messages,
        user_messages,
        agent_messages,
        total_conversations: c.total,
        interactions: c.interactions,
        visits: c.total - c.interactions,
        unique_users: c.unique_users,
        active_users: exchanges_per_user.iter().filter(|u| u.exchanges >= 2).count() as u64,
        avg_user_interactions: ratio(n_exchanges, exchange_conversations).unwrap_or(0.0),
        avg_response_time_ms: (n_timed > 0).then(|| response_sum as f64 / 1000.0 / n_timed as f64),
        p50_response_time_ms: p50.map(ms),
        p95_response_time_ms: p95.map(ms),
        avg_conversation_duration_s: (c.duration_n > 0).then(|| c.duration_sum as f64 / 1e6 / c.duration_n as f64),
        peak_hours,
        daily,
        tools,
        countries: c.breakdown(facts, |n| n.countries),
        devices: c.breakdown(facts, |n| n.devices),
        sources: c.breakdown(facts, |n| n.sources),
        languages: c.breakdown(facts, |n| n.languages),
        environments: c.breakdown(facts, |n| n.environments),
        escalated_conversations: c.escalated,
        escalation_rate: ratio(c.escalated, c.interactions),
        feedback,
        tokens: TokenUsage { prompt, completion, total: u128::from(prompt) + u128::from(completion), cost },
        costs_left_out,
        response_time_by_model: Some(by_model),
        insights: MaybeInsights(insights),
    };
    Computed { metrics, models, conversations_with_ip: c.with_ip, grouped }
}

/// Costs in another currency without a rate, in a period, per currency.
fn costs_left_out(facts: &Facts, from: i64, to: i64, passes: &impl Fn(u32) -> bool) -> Vec<LeftOutCost> {
    let mut left_out: BTreeMap<u32, (u64, f64)> = BTreeMap::new();
    let runs = in_range2([&facts.foreign_costs, &facts.delta.foreign_costs], |f| f.ts, from, to);
    // In the order of a build's: the amounts are added up.
    let before = |a: &ForeignCostFact, b: &ForeignCostFact| facts.before(a.ts, a.conversation, b.ts, b.conversation);
    for_each_merged(runs, before, |_, f| {
        if passes(f.conversation) {
            let entry = left_out.entry(f.currency).or_default();
            entry.0 += 1;
            entry.1 += f.amount;
        }
    });
    let mut rows: Vec<LeftOutCost> = left_out
        .into_iter()
        .map(|(c, (messages, amount))| LeftOutCost::new(facts.currencies.name(c).to_owned(), messages, amount))
        .collect();
    rows.sort_by(|a, b| a.currency.cmp(&b.currency));
    rows
}

/// The conversations that start in a period and pass the filters: how many,
/// how many engaged or escalated, their users, durations and context.
#[derive(Debug, Default)]
struct ConversationTally {
    total: u64,
    with_ip: u64,
    interactions: u64,
    /// Engaged conversations that called an escalation tool.
    escalated: u64,
    /// Engaged conversations neither escalated nor given a negative
    /// feedback (`insights::resolved`).
    resolved: u64,
    unique_users: u64,
    /// Over the engaged conversations with an end, `duration_n` of them.
    duration_sum: i128,
    duration_n: u64,
    /// Per name of the shared table of names.
    by_name: Vec<ContextCounts>,
}

impl ConversationTally {
    fn of_period(facts: &Facts, from: i64, to: i64, shared: &Shared) -> Self {
        let Shared { pass, outcomes } = shared;
        let Outcomes { escalated, negative } = &**outcomes;
        let mut t = ConversationTally {
            by_name: vec![ContextCounts::default(); facts.names.values.len()],
            ..ConversationTally::default()
        };
        let mut user_seen = vec![false; facts.users.values.len()];
        // Conversations are numbered by start (in each run), those without one last.
        // (A loop per run: each is a slice read in order.)
        // With a filter, only the conversations that pass are read.
        for range in facts.started_in(from, to) {
            let ahead = |i: usize| prefetch(&facts.conversations[i]);
            pass.each_in(range, ahead, |i| {
                let c = &facts.conversations[i];
                t.total += 1;
                t.with_ip += u64::from(c.has_ip);
                if c.user != NO_USER && !user_seen[c.user as usize] {
                    user_seen[c.user as usize] = true;
                    t.unique_users += 1;
                }
                t.by_name[c.country as usize].countries += 1;
                t.by_name[c.device as usize].devices += 1;
                t.by_name[c.source as usize].sources += 1;
                t.by_name[c.language as usize].languages += 1;
                t.by_name[c.environment as usize].environments += 1;
                if c.engaged() {
                    t.interactions += 1;
                    t.escalated += u64::from(escalated[i]);
                    // Neither escalated nor given a negative feedback (Insights).
                    t.resolved += u64::from(!escalated[i] && !negative[i]);
                    if c.ended != NONE {
                        t.duration_sum += i128::from(c.ended - c.started);
                        t.duration_n += 1;
                    }
                }
            });
        }
        t
    }

    /// One dimension's counts by name, names without a conversation left out.
    fn breakdown(&self, facts: &Facts, of: fn(&ContextCounts) -> u64) -> BTreeMap<String, u64> {
        self.by_name
            .iter()
            .enumerate()
            .filter(|(_, counts)| of(counts) > 0)
            .map(|(i, counts)| (facts.names.name(i as u32).to_owned(), of(counts)))
            .collect()
    }
}

/// The actions of a period per tool name, most called first.
fn tool_rows(facts: &Facts, from: i64, to: i64, passes: &impl Fn(u32) -> bool) -> Vec<ToolRow> {
    let mut tool_stats = vec![ToolTally::default(); facts.action_names.values.len()];
    let runs = in_range2([&facts.actions, &facts.delta.actions], |a| a.ts, from, to);
    // In the order of a build's: the durations are added up.
    let before = |a: &ActionFact, b: &ActionFact| facts.before(a.ts, a.conversation, b.ts, b.conversation);
    for_each_merged(runs, before, |_, a| {
        if !passes(a.conversation) {
            return;
        }
        let t = &mut tool_stats[a.name as usize];
        t.calls += 1;
        if !a.duration_ms.is_nan() {
            t.duration_sum_ms += a.duration_ms;
            t.timed += 1;
        }
        t.errors += u64::from(a.error);
    });
    let mut tools: Vec<ToolRow> = tool_stats
        .iter()
        .enumerate()
        .filter(|(_, t)| t.calls > 0)
        .map(|(i, t)| ToolRow {
            name: facts.action_names.name(i as u32).to_owned(),
            count: t.calls,
            avg_duration_ms: (t.timed > 0).then(|| t.duration_sum_ms / t.timed as f64),
            errors: t.errors,
        })
        .collect();
    tools.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    tools
}

/// The feedback of a period, by rating.
fn feedback_counts(facts: &Facts, from: i64, to: i64, passes: &impl Fn(u32) -> bool) -> FeedbackCounts {
    let (mut positive, mut negative, mut neutral) = (0, 0, 0);
    let runs = in_range2([&facts.feedback, &facts.delta.feedback], |f| f.ts, from, to);
    for f in runs.iter().flat_map(|run| run.iter()) {
        if f.ts == NONE || !passes(f.conversation) {
            continue;
        }
        match f.rating() {
            Rating::Positive => positive += 1,
            Rating::Negative => negative += 1,
            Rating::Neutral => neutral += 1,
        }
    }
    FeedbackCounts { positive, negative, neutral, satisfaction_rate: ratio(positive, positive + negative) }
}

/// One tool's actions in range.
#[derive(Debug, Clone, Copy, Default)]
struct ToolTally {
    calls: u64,
    /// Over the actions with a known duration, `timed` of them.
    duration_sum_ms: f64,
    timed: u64,
    errors: u64,
}

/// Conversations in range that carry one name (countries, devices, sources,
/// languages and environments share one table of names), per dimension.
#[derive(Debug, Clone, Copy, Default)]
struct ContextCounts {
    countries: u64,
    devices: u64,
    sources: u64,
    languages: u64,
    environments: u64,
}

/// What the messages and exchanges of a period add up to.
struct Scan {
    total_messages: u64,
    user_messages: u64,
    agent_messages: u64,
    prompt: u64,
    completion: u64,
    cost: f64,
    peak_hours: [[u64; 24]; 7],
    daily: Vec<DailyRow>,
    first_day: i64,
    /// False when a local day came back after a later one (see [`recount_days`]).
    monotonic: bool,
    /// The response times of the exchanges that have one, gathered: with
    /// `response_stretches`, every one ([`Scan::responses_read_in_place`]).
    response_us: Vec<i64>,
    /// Stretches of response times read where they lie, not copied into
    /// `response_us`: which run's (0: `facts.groups`, 1: `facts.delta.groups`)
    /// and where. Without a filter, every response time of the period's
    /// groups of each run (they lie together); with one, the long
    /// stretches of the groups that pass (those left out by the second run
    /// alone are few: most of the period lies in a few long stretches).
    response_stretches: Vec<(usize, std::ops::Range<usize>)>,
    response_sum: i128,
    /// Every exchange, with a response time or not.
    exchanges: u64,
    /// Per user: the exchanges in range, and the last day counted (side by
    /// side: a row of the scan reads and writes both of its user's at once).
    exchanges_per_user: Vec<UserTally>,
    exchange_conversations: u64,
    models: Vec<ModelUsage>,
    /// Read group by group: the response times per model (in
    /// the order of `facts.models`) of the exchanges whose answer names one.
    response_us_by_model: Option<super::response::TimesByModel>,
}

#[derive(Debug, Clone, Copy, Default)]
struct UserTally {
    exchanges: u32,
    /// The last day the user was counted on, as the cursor marks days (0: none).
    day: u32,
}

/// Where a scan is in local time: its day and hour change only at the next
/// local hour or offset change, so they are worked out there, not per row.
struct Cursor<'a> {
    clock: &'a LocalClock,
    until: i64,
    day: i64,
    cell: (usize, usize),
    latest_day: i64,
    /// The last day each conversation was counted on: the `n`th day of
    /// the period as mark `first + n`.
    conversation_day: Marks,
}

impl Drop for Cursor<'_> {
    fn drop(&mut self) {
        DAY_MARKS.give_back(std::mem::take(&mut self.conversation_day));
    }
}

impl Cursor<'_> {
    /// A cursor over a period of `days` local days.
    fn new<'a>(clock: &'a LocalClock, facts: &Facts, days: usize) -> Cursor<'a> {
        Cursor {
            clock,
            until: i64::MIN,
            day: 0,
            cell: (0, 0),
            latest_day: i64::MIN,
            conversation_day: DAY_MARKS.lend(facts.conversations.len(), u32::try_from(days).unwrap_or(u32::MAX)),
        }
    }

    #[inline]
    fn at(&mut self, ts: i64) {
        if ts >= self.until {
            let local = self.clock.local(ts);
            self.day = local.div_euclid(super::clock::DAY_US);
            self.cell = (weekday(self.day), hour_of(local));
            let next_hour = ts + (super::clock::HOUR_US - local.rem_euclid(super::clock::HOUR_US));
            self.until = next_hour.min(self.clock.next_change_after(ts));
        }
    }
}

/// The response times of the groups of each run: 0, `facts.groups`; 1,
/// `facts.delta.groups`.
fn response_runs(facts: &Facts) -> [&[i64]; 2] {
    [&facts.groups.responses, &facts.delta.groups.responses]
}

impl Scan {
    /// Every response time of the scan: those gathered, then those of each
    /// run read where they lie.
    fn responses_read_in_place<'f>(&'f self, facts: &'f Facts) -> Vec<&'f [i64]> {
        let runs = response_runs(facts);
        let stretches = self.response_stretches.iter().map(|(run, at)| &runs[*run][at.clone()]);
        std::iter::once(&self.response_us[..]).chain(stretches).collect()
    }

    /// The response times `at` of run `run` ([`response_runs`]): read in place if there are enough of them
    /// together, else copied (a stretch of a few is cheaper copied than
    /// read as a part of its own).
    fn take_responses(&mut self, facts: &Facts, run: usize, at: std::ops::Range<usize>) {
        if at.len() >= IN_PLACE_FROM {
            self.response_stretches.push((run, at));
        } else {
            self.response_us.extend_from_slice(&response_runs(facts)[run][at]);
        }
    }

    /// The messages and exchanges of a query's period: group by group where
    /// that is exact (and `way` allows), else message by message. Also says
    /// which way it went.
    fn of_period(
        facts: &Facts,
        query: &Query,
        filtered: bool,
        passes: &impl Fn(u32) -> bool,
        way: Way,
    ) -> (Scan, bool) {
        let (from, to) = (query.from.0, query.to.0);
        let (lo, hi) = match facts.span {
            Some((a, b)) => (a.max(from), b.min(to - 1).max(a.max(from))),
            None => (from, from),
        };
        let clock = LocalClock::new(query.zone, lo, hi);
        let first_day = day_in_zone(query.zone, from);
        let last_day = day_in_zone(query.zone, to - 1000);
        let mut scan = Scan::new(facts, first_day, last_day);
        let messages = in_range2([&facts.messages, &facts.delta.messages], |m| m.ts, from, to);
        let whole_quarters = from.rem_euclid(BUCKET_US) == 0 && to.rem_euclid(BUCKET_US) == 0;
        let grouped = way == Way::Fastest && whole_quarters && clock.quarter_aligned();
        if grouped {
            scan.groups(facts, filtered, passes, &clock, from, to);
        } else {
            scan.messages(facts, messages, passes, &clock, from, to);
        }
        if !scan.monotonic {
            recount_days(facts, messages, passes, &clock, first_day, &mut scan.daily);
        }
        (scan, grouped)
    }

    fn new(facts: &Facts, first_day: i64, last_day: i64) -> Scan {
        let n_days = (last_day - first_day + 1).max(0) as usize;
        Scan {
            total_messages: 0,
            user_messages: 0,
            agent_messages: 0,
            prompt: 0,
            completion: 0,
            cost: 0.0,
            peak_hours: [[0; 24]; 7],
            daily: (0..n_days)
                .map(|d| DailyRow {
                    date: date_of(first_day + d as i64),
                    messages: 0,
                    conversations: 0,
                    users: 0,
                    tokens: 0,
                    cost: 0.0,
                })
                .collect(),
            first_day,
            monotonic: true,
            response_us: RESPONSE_TIMES.empty(),
            response_stretches: Vec::new(),
            response_sum: 0,
            exchanges: 0,
            exchanges_per_user: vec![UserTally::default(); facts.users.values.len()],
            exchange_conversations: 0,
            models: facts
                .models
                .values
                .iter()
                .map(|m| ModelUsage {
                    model: m.clone(),
                    messages: 0,
                    prompt: 0,
                    completion: 0,
                    cost: 0.0,
                    priced: true,
                })
                .collect(),
            response_us_by_model: None,
        }
    }

    /// Adds a group's messages (or one message, as a group of one) at its
    /// instant's local day and hour. Its exchanges are the caller's.
    #[inline]
    fn tally(&mut self, cursor: &mut Cursor, g: &MessageGroup) {
        self.total_messages += u64::from(g.messages);
        self.user_messages += u64::from(g.user_messages);
        self.agent_messages += u64::from(g.agent_messages);
        self.prompt += g.prompt;
        self.completion += g.completion;
        self.cost += g.cost;
        if g.model != NO_MODEL {
            let u = &mut self.models[g.model as usize];
            u.messages += u64::from(g.model_messages);
            u.prompt += g.model_prompt;
            u.completion += g.model_completion;
            u.cost += g.model_cost;
            u.priced &= g.unpriced == 0;
        }
        cursor.at(g.bucket);
        self.count(
            cursor,
            g.conversation,
            g.user,
            u64::from(g.messages),
            u128::from(g.prompt) + u128::from(g.completion),
            g.cost,
        );
    }

    /// Counts `messages` rows of one conversation at the cursor's day and hour.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn count(&mut self, cursor: &mut Cursor, conversation: u32, user: u32, messages: u64, tokens: u128, cost: f64) {
        self.peak_hours[cursor.cell.0][cursor.cell.1] += messages;
        if cursor.day < cursor.latest_day {
            self.monotonic = false; // a zone stepped back over midnight
        }
        cursor.latest_day = cursor.latest_day.max(cursor.day);
        let Some(index) = usize::try_from(cursor.day - self.first_day).ok().filter(|&d| d < self.daily.len()) else {
            return;
        };
        let row = &mut self.daily[index];
        row.messages += messages;
        row.tokens += tokens;
        row.cost += cost;
        let mark = cursor.conversation_day.first + index as u32;
        let c = conversation as usize;
        if cursor.conversation_day.values[c] != mark {
            cursor.conversation_day.values[c] = mark;
            row.conversations += 1;
            if user != NO_USER && self.exchanges_per_user[user as usize].day != mark {
                self.exchanges_per_user[user as usize].day = mark;
                row.users += 1;
            }
        }
    }

    /// The exact way: message by message, exchange by exchange.
    fn messages(
        &mut self,
        facts: &Facts,
        messages: [&[MessageFact]; 2],
        passes: &impl Fn(u32) -> bool,
        clock: &LocalClock,
        from: i64,
        to: i64,
    ) {
        let mut cursor = Cursor::new(clock, facts, self.daily.len());
        // Both runs in the order of a build's (in time, for the cursor; costs added up in its order).
        let before = |a: &MessageFact, b: &MessageFact| facts.before(a.ts, a.conversation, b.ts, b.conversation);
        for_each_merged(messages, before, |_, m| {
            if passes(m.conversation) {
                self.tally(&mut cursor, &MessageGroup::of(m));
            }
        });

        // Exchanges whose agent message is in range.
        let mut has_exchange = no_bits(facts.conversations.len());
        let exchanges = in_range2([&facts.exchanges, &facts.delta.exchanges], |e| e.ts, from, to);
        for e in exchanges.into_iter().flatten() {
            if !passes(e.conversation) {
                continue;
            }
            self.exchanges += 1;
            if e.response_us != NONE {
                self.response_us.push(e.response_us);
                self.response_sum += i128::from(e.response_us);
            }
            self.exchange_conversations += u64::from(set_bit(&mut has_exchange, e.conversation));
            if e.user != NO_USER {
                self.exchanges_per_user[e.user as usize].exchanges += 1;
            }
        }
        HAS_EXCHANGE.give_back(has_exchange);
    }

    /// The fast way, for a period of whole quarter hours in a zone whose
    /// offsets are whole quarter hours: group by group.
    fn groups(
        &mut self,
        facts: &Facts,
        filtered: bool,
        passes: &impl Fn(u32) -> bool,
        clock: &LocalClock,
        from: i64,
        to: i64,
    ) {
        let mut cursor = Cursor::new(clock, facts, self.daily.len());
        let mut has_exchange = no_bits(facts.conversations.len());
        // Every response time of the groups that pass again, by model (an
        // answer's model is its group's): in room kept from the dashboard
        // before (at ten million conversations hundreds of megabytes, else
        // grown and faulted in anew).
        let mut by_model = super::response::TimesByModel::new(BY_MODEL.lend(facts.models.values.len()));
        let runs = [&facts.groups, &facts.delta.groups];
        let [(lo, hi), delta_range] = runs.map(|groups| {
            let lo = groups.rows.partition_point(|g| g.bucket < from);
            (lo, groups.rows.partition_point(|g| g.bucket < to).max(lo))
        });
        let rows = [&facts.groups.rows[lo..hi], &facts.delta.groups.rows[delta_range.0..delta_range.1]];
        // The response times of a run's groups lie together: with no filter, they are all read where they are.
        if filtered {
            self.response_us.reserve_exact(rows.iter().zip(runs).map(|(r, g)| g.responses_of(r).len()).sum());
        } else {
            for run in [0, 1] {
                self.response_stretches.push((run, runs[run].response_range(rows[run])));
            }
        }
        // With a filter, the response times of the groups that pass, taken
        // a stretch at a time: those of consecutive groups lie together.
        let mut taking = (0, 0..0);
        // A group's user is counted at a place of its own among every
        // user's: asked for some groups ahead, once the group is at hand.
        // With a filter, so are its response times (those of the groups that
        // pass lie apart too).
        let users = self.exchanges_per_user.as_ptr();
        let ahead = |run: usize| {
            let responses = runs[run].responses.as_ptr();
            move |g: &MessageGroup| {
                if g.user != NO_USER {
                    prefetch_at(users.wrapping_add(g.user as usize));
                }
                if filtered && g.timed > 0 {
                    prefetch_at(responses.wrapping_add(g.first_response as usize));
                }
            }
        };
        let mut visit = |run: usize, g: &MessageGroup| {
            self.tally(&mut cursor, g);
            if g.exchanges > 0 {
                if filtered && g.timed > 0 {
                    let (first, end) = (g.first_response as usize, (g.first_response + g.timed) as usize);
                    if taking.0 == run && taking.1.end == first {
                        taking.1.end = end;
                    } else {
                        let (taken, at) = std::mem::replace(&mut taking, (run, first..end));
                        self.take_responses(facts, taken, at);
                    }
                }
                if g.model_timed > 0 {
                    // Those of its model come first (see `MessageGroup::model_timed`).
                    let first = g.first_response as usize;
                    let named = &runs[run].responses[first..first + g.model_timed as usize];
                    by_model.extend(g.model, named);
                }
                self.exchanges += u64::from(g.exchanges);
                self.response_sum += i128::from(g.response_sum);
                self.exchange_conversations += u64::from(set_bit(&mut has_exchange, g.conversation));
                if g.user != NO_USER {
                    self.exchanges_per_user[g.user as usize].exchanges += g.exchanges;
                }
            }
        };
        if rows[1].is_empty() {
            // One run: its packed conversations are read, and only the groups that pass.
            each_passing(&facts.groups.conversations[lo..hi], rows[0], filtered, passes, ahead(0), |g| visit(0, g));
        } else {
            // Two: in the order of groups built from every row (in time,
            // for the cursor; costs added up in its order), the first run
            // read in stretches as above.
            let conversations =
                [&facts.groups.conversations[lo..hi], &facts.delta.groups.conversations[delta_range.0..delta_range.1]];
            // Where each group of the second run goes is found once, when
            // the run is made (the first run is not read for it here).
            let placed = facts.delta.group_places.len() == facts.delta.groups.rows.len();
            let stretched = if placed {
                stretches_placed(lo..hi, delta_range.0..delta_range.1, &facts.delta.group_places)
            } else {
                stretches(rows, |g, h| facts.group_before(g, h))
            };
            for (run, stretch) in stretched {
                let (conversations, rows) = (&conversations[run][stretch.clone()], &rows[run][stretch]);
                each_passing(conversations, rows, filtered, passes, ahead(run), |g| visit(run, g));
            }
        }
        self.take_responses(facts, taking.0, taking.1);
        // Without a filter, the exchanges of the period are read one after
        // another instead (no less fast than group by group).
        HAS_EXCHANGE.give_back(has_exchange);
        self.response_us_by_model = Some(by_model);
    }
}

/// The groups (`rows`, their conversations packed in `conversations`) whose
/// conversation passes, in order. With a filter, those that pass lie apart
/// and each is a wait on memory: they are found a stretch at a time from
/// the packed conversations, and each is asked for some groups ahead of
/// its visit, so that the waits overlap; `ahead` is given each group half
/// as far ahead (by then at hand) to ask for what its visit reads.
#[inline]
fn each_passing(
    conversations: &[u32],
    rows: &[MessageGroup],
    filtered: bool,
    passes: &impl Fn(u32) -> bool,
    ahead: impl Fn(&MessageGroup),
    mut visit: impl FnMut(&MessageGroup),
) {
    if !filtered {
        // Every group, one after another: the processor reads them ahead by itself.
        for (i, g) in rows.iter().enumerate() {
            if let Some(next) = rows.get(i + AHEAD / 2) {
                ahead(next);
            }
            visit(g);
        }
        return;
    }
    // Each group of a stretch is written at the next place, which moves on
    // only when it passes: no branch on whether it does (not foreseeable).
    let mut places = vec![0u32; STRETCH];
    for (at, stretch) in conversations.chunks(STRETCH).enumerate() {
        let first = at * STRETCH;
        let mut n = 0;
        for (i, &c) in stretch.iter().enumerate() {
            places[n] = (first + i) as u32;
            n += usize::from(passes(c));
        }
        let passing = &places[..n];
        for (k, &i) in passing.iter().enumerate() {
            if let Some(&next) = passing.get(k + AHEAD) {
                prefetch(&rows[next as usize]);
            }
            if let Some(&next) = passing.get(k + AHEAD / 2) {
                ahead(&rows[next as usize]);
            }
            visit(&rows[i as usize]);
        }
    }
}

/// Asks for the cache lines of `row` without waiting for them.
#[inline(always)]
fn prefetch<T>(row: &T) {
    prefetch_at(row as *const T);
}

/// Asks for the cache lines of a `T` at `at` without waiting for them: a
/// hint, which reads nothing (any address will do).
#[inline(always)]
fn prefetch_at<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let at = at.cast::<i8>();
        for line in (0..std::mem::size_of::<T>()).step_by(64) {
            // SAFETY: every x86_64 processor has SSE, and a prefetch is a
            // hint that reads nothing and never faults, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(at.wrapping_add(line)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Distinct conversations and users per day, the slow exact way, for the
/// rare zone whose clock steps back across midnight (so a conversation can
/// leave a day and come back to it).
fn recount_days(
    facts: &Facts,
    messages: [&[MessageFact]; 2],
    passes: &impl Fn(u32) -> bool,
    clock: &LocalClock,
    first_day: i64,
    daily: &mut [DailyRow],
) {
    let mut conversations: HashSet<(i64, u32)> = HashSet::new();
    let mut users: HashSet<(i64, u32)> = HashSet::new();
    for m in messages.into_iter().flatten().filter(|m| passes(m.conversation)) {
        let day = clock.day(m.ts);
        conversations.insert((day, m.conversation));
        let u = facts.conversations[m.conversation as usize].user;
        if u != NO_USER {
            users.insert((day, u));
        }
    }
    for (i, row) in daily.iter_mut().enumerate() {
        let day = first_day + i as i64;
        row.conversations = conversations.iter().filter(|(d, _)| *d == day).count() as u64;
        row.users = users.iter().filter(|(d, _)| *d == day).count() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::super::percentile::rank;
    use super::super::query::Filters;
    use super::*;
    use crate::model::{Micros, Role};
    use serde_json::Value;

    /// Equal, numbers within a billionth (sums of costs may add in another order).
    fn assert_close(a: &Value, b: &Value, at: &str) {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                assert!((x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0), "{at}: {x} vs {y}");
            }
            (Value::Array(x), Value::Array(y)) => {
                assert_eq!(x.len(), y.len(), "{at}");
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    assert_close(x, y, &format!("{at}[{i}]"));
                }
            }
            (Value::Object(x), Value::Object(y)) => {
                assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{at}");
                for (k, v) in x {
                    assert_close(v, &y[k], &format!("{at}.{k}"));
                }
            }
            _ => assert_eq!(a, b, "{at}"),
        }
    }

    /// A store of demo conversations ending on 2026-11-01 (in a folder kept
    /// as long as the returned one), its facts, and that end.
    fn demo_facts(conversations: u32, seed: u64) -> (tempfile::TempDir, crate::store::Store, Facts, Micros) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::store::Store::open(&dir.path().join("demo.db")).unwrap();
        let end = crate::model::parse_timestamp("2026-11-01T00:00:00Z").unwrap();
        crate::demo::load(&mut store, &crate::demo::DemoOptions { conversations, seed, end }).unwrap();
        let facts = crate::engine::load_facts(&store, &crate::geo::Geo::bundled(), &[], &[]).unwrap();
        (dir, store, facts, end)
    }

    #[test]
    fn quarter_hour_groups_give_the_numbers_of_message_by_message() {
        let (_dir, _store, facts, _end) = demo_facts(1500, 7);
        assert!(facts.groups.rows.len() < facts.messages.len() / 2, "groups fold messages");
        let at = |s: &str| crate::model::parse_timestamp(s).unwrap();
        let periods = [
            (at("2026-09-01T00:00:00Z"), at("2026-11-01T00:00:00Z"), "UTC"),
            (at("2026-09-30T22:00:00Z"), at("2026-10-31T23:00:00Z"), "Europe/Berlin"), // 25-hour 25 October
            (at("2026-10-04T18:15:00Z"), at("2026-10-11T18:15:00Z"), "Asia/Kathmandu"),
            (at("2026-10-10T10:45:00Z"), at("2026-10-24T10:45:00Z"), "Pacific/Chatham"),
            (at("2026-10-01T02:30:00Z"), at("2026-10-02T02:30:00Z"), "America/St_Johns"),
            (Micros(0), at("2027-01-01T00:00:00Z"), "Australia/Lord_Howe"),
        ];
        let filters: [&[&str]; 3] = [&[], &["source=web", "device=mobile"], &["language=en", "language=de"]];
        let settings = Settings::default();
        for (from, to, zone) in periods {
            for pairs in filters {
                let mut f = Filters::default();
                for p in pairs {
                    f.add_pair(p).unwrap();
                }
                let query = Query::new(from, to, zone, f).unwrap();
                let shared = Shared::new(&facts, &query, &settings);
                let fast = compute_by(&facts, &query, &shared, Way::Fastest);
                let exact = compute_by(&facts, &query, &shared, Way::MessageByMessage);
                let label = format!("{zone} {pairs:?}");
                assert!(fast.grouped && !exact.grouped, "{label}");
                assert!(fast.metrics.total_messages > 0, "{label}: the period has messages");
                assert_close(
                    &serde_json::to_value(&fast.metrics).unwrap(),
                    &serde_json::to_value(&exact.metrics).unwrap(),
                    &label,
                );
                assert_close(
                    &serde_json::to_value(&fast.models).unwrap(),
                    &serde_json::to_value(&exact.models).unwrap(),
                    &label,
                );
            }
        }
        // A period that does not start on a quarter hour is read message by message.
        let query =
            Query::new(at("2026-10-01T00:00:01Z"), at("2026-10-08T00:00:00Z"), "UTC", Filters::default()).unwrap();
        assert!(!compute_by(&facts, &query, &Shared::new(&facts, &query, &settings), Way::Fastest).grouped);
    }

    #[test]
    fn pass_bits_visit_exactly_the_conversations_that_pass_in_any_range() {
        // Every third conversation and a run of 200 from 1000: words empty, full and mixed.
        let n: usize = 9000;
        let plain: Vec<bool> = (0..n).map(|i| i % 3 == 0 || (1000..1200).contains(&i)).collect();
        let mut bits = vec![0u64; n.div_ceil(64)];
        for i in (0..n).filter(|&i| plain[i]) {
            bits[i / 64] |= 1 << (i % 64);
        }
        let pass = Pass { bits: Some(bits) };
        assert!((0..n).all(|i| pass.has(i as u32) == plain[i]));
        let ranges = [0..0, 0..n, 5..6, 63..65, 64..128, 1..4097, 999..1201, 4096..8192, 8000..n, 3..3];
        for range in ranges {
            let want: Vec<usize> = range.clone().filter(|&i| plain[i]).collect();
            let (mut got, announced) = (Vec::new(), std::cell::RefCell::new(Vec::new()));
            pass.each_in(range.clone(), |i| announced.borrow_mut().push(i), |i| got.push(i));
            assert_eq!(got, want, "{range:?}");
            let announced = announced.into_inner();
            assert!(announced.iter().all(|i| want.contains(i)), "{range:?}: only what is visited is asked for ahead");
            let mut every = Vec::new();
            Pass::all().each_in(range.clone(), |_| {}, |i| every.push(i));
            assert_eq!(every, range.collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_filtered_period_counts_what_a_plain_reading_of_the_filters_lets_through() {
        let (_dir, store, mut facts, end) = demo_facts(1500, 11);
        let settings = Settings::default();
        facts.insights = crate::text::insight_facts(&store, &facts, &settings.fallback_phrases).unwrap();
        let user = facts.users.values[3].clone();
        let (from, to) = (end.0 - 45 * 86_400_000_000, end.0 - 86_400_000_000);
        let filters: Vec<Vec<String>> = vec![
            vec!["source=web".into()],
            vec!["source=web".into(), "device=mobile".into()],
            vec!["language=en".into(), "language=de".into(), "device=desktop".into()],
            vec![format!("customer_id={user}")],
            vec!["source=nowhere".into()],
        ];
        let (escalated, negative) = (escalated(&facts, &settings), negative(&facts));
        for pairs in filters {
            let mut f = Filters::default();
            for p in &pairs {
                f.add_pair(p).unwrap();
            }
            let query = Query::new(crate::model::Micros(from), crate::model::Micros(to), "Europe/Berlin", f).unwrap();
            // Each conversation's names as strings: of every key, one of its values.
            let plain: Vec<bool> = facts
                .conversations
                .iter()
                .map(|c| {
                    let value = |key: &str| match key {
                        "source" => facts.names.name(c.source),
                        "device" => facts.names.name(c.device),
                        "language" => facts.names.name(c.language),
                        "customer_id" if c.user != NO_USER => facts.users.name(c.user),
                        _ => "",
                    };
                    let keys: HashSet<&str> = pairs.iter().map(|p| p.split_once('=').unwrap().0).collect();
                    keys.iter().all(|k| {
                        pairs.iter().filter_map(|p| p.split_once('=')).any(|(key, v)| key == *k && value(k) == v)
                    })
                })
                .collect();
            let pass = passing(&facts, &query);
            assert!((0..plain.len()).all(|i| pass.has(i as u32) == plain[i]), "{pairs:?}");
            let started = |c: &ConversationFact| c.started != NONE && c.started >= from && c.started < to;
            let in_range: Vec<usize> = (0..plain.len()).filter(|&i| started(&facts.conversations[i])).collect();
            let m = compute(&facts, &query, &settings);
            let label = format!("{pairs:?}");
            assert_eq!(m.total_conversations, in_range.iter().filter(|&&i| plain[i]).count() as u64, "{label}");
            let resolved = in_range.iter().filter(|&&i| {
                super::super::insights::resolved(&facts.conversations[i], plain[i], escalated[i], negative[i])
            });
            let insights = m.insights.0.as_ref().expect("insights found");
            assert_eq!(insights.resolved_conversations, resolved.count() as u64, "{label}");
            // The latest comments: newest first, of conversations that pass.
            let mut commented: Vec<&super::super::facts::FeedbackFact> =
                facts.feedback.iter().filter(|f| f.ts >= from && f.ts < to && f.has_comment != 0).collect();
            commented.sort_by_key(|f| std::cmp::Reverse((f.ts, f.row)));
            let want: Vec<i64> = commented
                .iter()
                .filter(|f| plain[f.conversation as usize])
                .take(super::super::extras::LATEST_COMMENTS)
                .map(|f| f.row)
                .collect();
            assert_eq!(super::super::commented_feedback(&facts, &query), want, "{label}");
            if !pairs[0].contains("nowhere") {
                assert!(m.total_conversations > 0 && !want.is_empty(), "{label}: the filter lets some through");
            }
        }
    }

    #[test]
    fn the_bits_found_on_two_cores_are_those_of_one_pass_whatever_the_count_of_conversations() {
        let (_dir, _store, facts, end) = demo_facts(700, 5);
        let settings = Settings::default();
        let user = facts.users.values[3].clone();
        // Filters read from their columns (one name, several, of two keys),
        // and one read from the rows (a customer id has no column).
        let filters: [Vec<String>; 3] = [
            vec!["source=web".into(), "device=mobile".into()],
            vec!["language=en".into(), "language=de".into(), "device=desktop".into()],
            vec![format!("customer_id={user}"), "source=web".into()],
        ];
        for pairs in filters {
            let mut f = Filters::default();
            for p in &pairs {
                f.add_pair(p).unwrap();
            }
            let query = Query::new(crate::model::Micros(end.0 - 86_400_000_000), end, "UTC", f).unwrap();
            // Counts where the other core's share is empty, or ends within a word or on one.
            for n in [0, 1, 63, 64, 65, 127, 128, 129, 320, 321, 699, 700] {
                let mut some = facts.clone();
                some.conversations.to_mut().truncate(n);
                // Of the conversations kept only (the tables of every one are not asked here).
                some.actions = Default::default();
                some.feedback = Default::default();
                let test = PassTest::of(&some, &query).expect("a filter");
                let shared = Shared::new(&some, &query, &settings);
                let bits = shared.pass.bits.as_ref().expect("filtered");
                assert_eq!(bits.len(), n.div_ceil(64), "{n}");
                for (i, c) in some.conversations.iter().enumerate() {
                    assert_eq!(shared.pass.has(i as u32), test.admits(&some, i, c), "{pairs:?} {n}: conversation {i}");
                }
                assert!((n..bits.len() * 64).all(|i| !shared.pass.has(i as u32)), "{n}: no bit past the last");
                // Again with the columns kept by the dashboard before.
                assert_eq!(shared.pass, passing(&some, &query), "{pairs:?} {n}");
            }
            let all = facts.conversations.iter().enumerate();
            let test = PassTest::of(&facts, &query).unwrap();
            assert!(all.clone().any(|(i, c)| test.admits(&facts, i, c)), "{pairs:?} lets some through");
            assert!(!all.clone().all(|(i, c)| test.admits(&facts, i, c)), "{pairs:?} keeps some out");
        }
        // Conversations replaced by a second run (every third, and a run of
        // 70 across a word), with no filter and with one.
        let mut replaced = facts.clone();
        replaced.actions = Default::default();
        replaced.feedback = Default::default();
        replaced.delta.replaced = (0..700).map(|i| i % 3 == 0 || (100..170).contains(&i)).collect();
        for pairs in [vec![], vec!["device=mobile"]] {
            let mut f = Filters::default();
            for p in &pairs {
                f.add_pair(p).unwrap();
            }
            let query = Query::new(crate::model::Micros(end.0 - 86_400_000_000), end, "UTC", f).unwrap();
            let test = PassTest::of(&replaced, &query).expect("some are replaced");
            let shared = Shared::new(&replaced, &query, &settings);
            for (i, c) in replaced.conversations.iter().enumerate() {
                assert_eq!(shared.pass.has(i as u32), test.admits(&replaced, i, c), "{pairs:?}: conversation {i}");
            }
            assert!(!shared.pass.has(99) && !shared.pass.has(169), "{pairs:?}: replaced ones never pass");
        }
        // Kept columns are used for the conversations they were made of
        // only: made for 300 of them, then asked of the same facts with
        // all 700 (columns of 300 would let none of the others pass).
        let mut f = Filters::default();
        f.add_pair("device=mobile").unwrap();
        let query = Query::new(crate::model::Micros(end.0 - 86_400_000_000), end, "UTC", f).unwrap();
        let mut some = facts.clone();
        some.actions = Default::default();
        some.feedback = Default::default();
        some.conversations.to_mut().truncate(300);
        let some_bits = passing(&some, &query);
        some.conversations = facts.conversations.clone();
        let all_bits = passing(&some, &query);
        let test = PassTest::of(&some, &query).unwrap();
        for (i, c) in some.conversations.iter().enumerate() {
            assert_eq!(all_bits.has(i as u32), test.admits(&some, i, c), "conversation {i}");
            assert_eq!(some_bits.has(i as u32), i < 300 && all_bits.has(i as u32), "conversation {i}");
        }
        assert!((300..700).any(|i| all_bits.has(i)), "some of the later ones pass");
    }

    /// Four conversations, each a measured exchange (2 s) and an answer
    /// without a time of its own; conversation 0's answers cost 5 RMB each.
    fn untimed_and_foreign(rates: &[super::super::ExchangeRate]) -> Facts {
        let mut b = super::super::FactsBuilder::new(&[]).rates(rates);
        let base = crate::model::parse_timestamp("2026-10-05T10:00:00Z").unwrap().0;
        for c in 0..4i64 {
            b.conversation(
                crate::store::StoredConversation {
                    id: c,
                    conversation_id: format!("c{c}"),
                    started_at: None,
                    ended_at: None,
                    customer_id: Some(format!("u{}", c % 2)),
                    customer_ip_address: None,
                    device: None,
                    source: None,
                    language: None,
                    environment: None,
                },
                None,
            );
            let t = base + c * 3_600_000_000;
            let said =
                [(t, Role::User, false), (t + 2_000_000, Role::Agent, false), (t + 60_000_000, Role::User, false)];
            for (k, (ts, role, time_unknown)) in
                said.into_iter().chain([(t + 60_000_001, Role::Agent, true)]).enumerate()
            {
                b.message(crate::store::MessageRow {
                    id: c * 10 + k as i64,
                    conversation: c,
                    role,
                    timestamp: ts,
                    model: None,
                    prompt_tokens: 0,
                    completion_tokens: 0,
                    cost: None,
                    foreign_cost: (c == 0 && role == Role::Agent).then_some((5.0, "rmb")),
                    time_unknown,
                });
            }
        }
        b.finish()
    }

    #[test]
    fn a_bit_is_new_only_the_first_time_it_is_set() {
        let mut bits = no_bits(130);
        assert_eq!(bits.len(), 3, "130 bits in three words");
        for i in [0, 63, 64, 129] {
            assert!(set_bit(&mut bits, i), "bit {i} was not set");
            assert!(!set_bit(&mut bits, i), "bit {i} was set");
        }
        assert_eq!(bits.iter().map(|w| w.count_ones()).sum::<u32>(), 4);
        HAS_EXCHANGE.give_back(bits);
        assert!(no_bits(130).iter().all(|&w| w == 0), "room lent again has no bit set");
    }

    #[test]
    fn answers_without_a_time_are_exchanges_without_a_response_time_both_ways() {
        let facts = untimed_and_foreign(&[]);
        let at = |s: &str| crate::model::parse_timestamp(s).unwrap();
        let query =
            Query::new(at("2026-10-05T00:00:00Z"), at("2026-10-06T00:00:00Z"), "UTC", Filters::default()).unwrap();
        let settings = Settings::default();
        let shared = Shared::new(&facts, &query, &settings);
        let fast = compute_by(&facts, &query, &shared, Way::Fastest);
        let exact = compute_by(&facts, &query, &shared, Way::MessageByMessage);
        assert!(fast.grouped && !exact.grouped);
        for m in [&fast.metrics, &exact.metrics] {
            assert_eq!(m.avg_user_interactions, 2.0, "8 exchanges in 4 conversations");
            assert_eq!(m.active_users, 2);
            assert_eq!(m.avg_response_time_ms, Some(2000.0), "only the measured ones");
            assert_eq!((m.p50_response_time_ms, m.p95_response_time_ms), (Some(2000.0), Some(2000.0)));
            assert_eq!(m.tokens.cost, 0.0);
            assert_eq!(m.costs_left_out.len(), 1);
            let left = &m.costs_left_out[0];
            assert_eq!((left.currency.as_str(), left.messages, left.amount), ("RMB", 2, 10.0));
            assert_eq!(left.note, "2 messages priced in RMB (10.00 RMB) are not in this total: set a rate in Settings");
        }

        let rate = super::super::ExchangeRate { currency: " Rmb ".into(), usd_per_unit: 0.14 };
        let facts = untimed_and_foreign(&[rate]);
        let m = compute(&facts, &query, &settings);
        assert!(m.costs_left_out.is_empty());
        assert!((m.tokens.cost - 1.4).abs() < 1e-12, "10 RMB at 0.14: {}", m.tokens.cost);
    }

    #[test]
    fn response_times_per_model_read_group_by_group_are_each_answers_own_model_when_models_and_none_share_a_quarter_hour(
    ) {
        // Three conversations (web, app, web), each in one quarter hour: a
        // question answered by model b, a, no model, b, a again (this one
        // without a time of its own), b, one response time apart each.
        let mut b = super::super::FactsBuilder::new(&[]);
        let base = crate::model::parse_timestamp("2026-10-05T10:00:00Z").unwrap().0;
        let answers: [(Option<&str>, bool); 6] = [
            (Some("b"), false),
            (Some("a"), false),
            (None, false),
            (Some("b"), false),
            (Some("a"), true),
            (Some("b"), false),
        ];
        for c in 0..3i64 {
            b.conversation(
                crate::store::StoredConversation {
                    id: c,
                    conversation_id: format!("c{c}"),
                    started_at: None,
                    ended_at: None,
                    customer_id: Some(format!("u{c}")),
                    customer_ip_address: None,
                    device: None,
                    source: Some(if c == 1 { "app" } else { "web" }.into()),
                    language: None,
                    environment: None,
                },
                None,
            );
            let mut t = base + c * 1_000;
            for (k, &(model, time_unknown)) in answers.iter().enumerate() {
                let response = (c + 1) * 1_000_000 + k as i64 * 10_000;
                let message = |id: i64, role: Role, timestamp: i64, model: Option<&'static str>, time_unknown: bool| {
                    crate::store::MessageRow {
                        id,
                        conversation: c,
                        role,
                        timestamp,
                        model,
                        prompt_tokens: 0,
                        completion_tokens: 0,
                        cost: None,
                        foreign_cost: None,
                        time_unknown,
                    }
                };
                b.message(message(c * 100 + 2 * k as i64, Role::User, t, None, false));
                b.message(message(c * 100 + 2 * k as i64 + 1, Role::Agent, t + response, model, time_unknown));
                t += 20_000_000;
            }
        }
        let facts = b.finish();
        let rows = &facts.groups.rows;
        assert!(rows.iter().any(|g| g.model_timed > 0 && g.model_timed < g.timed), "named and unnamed in one group");
        assert!(rows.iter().filter(|g| g.conversation == 0 && g.exchanges > 0).count() == 2, "both models' groups");

        let at = |s: &str| crate::model::parse_timestamp(s).unwrap();
        let settings = Settings::default();
        for pairs in [&[][..], &["source=web"][..]] {
            let mut f = Filters::default();
            for p in pairs {
                f.add_pair(p).unwrap();
            }
            let query = Query::new(at("2026-10-05T10:00:00Z"), at("2026-10-05T11:00:00Z"), "UTC", f).unwrap();
            let shared = Shared::new(&facts, &query, &settings);
            let fast = compute_by(&facts, &query, &shared, Way::Fastest);
            let exact = compute_by(&facts, &query, &shared, Way::MessageByMessage);
            assert!(fast.grouped && !exact.grouped);
            // By hand: each conversation c that passes answers with model a
            // once timed (k = 1), with b three times (k = 0, 3, 5).
            let passing: Vec<i64> = if pairs.is_empty() { vec![0, 1, 2] } else { vec![0, 2] };
            let ms = |c: i64, k: i64| ((c + 1) * 1_000_000 + k * 10_000) as f64 / 1000.0;
            let mut a: Vec<f64> = passing.iter().map(|&c| ms(c, 1)).collect();
            let mut b: Vec<f64> = passing.iter().flat_map(|&c| [0, 3, 5].map(|k| ms(c, k))).collect();
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let rank = |v: &[f64], p: f64| v[rank(p, v.len()) - 1];
            let want = [
                ("a", a.len() as u64, rank(&a, 0.5), rank(&a, 0.95)),
                ("b", b.len() as u64, rank(&b, 0.5), rank(&b, 0.95)),
            ];
            for m in [&fast.metrics, &exact.metrics] {
                let got: Vec<(&str, u64, f64, f64)> = m
                    .response_time_by_model
                    .as_ref()
                    .unwrap()
                    .iter()
                    .map(|r| (r.model.as_str(), r.exchanges, r.p50_response_time_ms, r.p95_response_time_ms))
                    .collect();
                assert_eq!(got, want, "{pairs:?}");
                assert_eq!(m.avg_user_interactions, 6.0, "{pairs:?}: every exchange, of a model or none, timed or not");
            }
        }
    }

    #[test]
    fn outcomes_are_kept_with_the_facts_for_their_escalation_tools_and_forgotten_when_the_facts_change() {
        let (_dir, _store, facts, end) = demo_facts(600, 3);
        let query = Query::new(Micros(end.0 - 30 * 86_400_000_000), end, "UTC", Filters::default()).unwrap();
        let settings = Settings::default();
        let first = Shared::new(&facts, &query, &settings);
        let again = Shared::new(&facts, &query, &settings);
        assert!(Arc::ptr_eq(&first.outcomes, &again.outcomes), "kept for the next dashboard");
        assert_eq!(first.outcomes.escalated, escalated(&facts, &settings));
        assert_eq!(first.outcomes.negative, negative(&facts));
        assert!(first.outcomes.escalated.iter().any(|&e| e), "the demo escalates some conversations");

        // Other escalation tools: found again, with what they say.
        let none = Settings { escalation_tools: vec!["no such tool".into()], ..Settings::default() };
        let other = Shared::new(&facts, &query, &none);
        assert!(!Arc::ptr_eq(&first.outcomes, &other.outcomes));
        assert!(other.outcomes.escalated.iter().all(|&e| !e));
        assert_eq!(compute(&facts, &query, &none).escalated_conversations, 0);

        // A clone, and facts updated, keep nothing.
        assert!(facts.clone().outcomes.0.lock().unwrap().is_none(), "a clone keeps none");
        let seeded = facts.clone();
        let _ = Shared::new(&seeded, &query, &settings);
        assert!(seeded.outcomes.get(&OutcomesKey::of(&seeded, &settings)).is_some());
        let (_more_dir, _more_store, more, _) = demo_facts(20, 9);
        let updated = seeded.updated(more);
        assert!(updated.outcomes.0.lock().unwrap().is_none(), "an update keeps none");
    }

    #[test]
    fn a_dashboard_whose_parts_are_shared_between_two_cores_has_each_period_as_computed_alone() {
        let (_dir, _store, facts, _end) = demo_facts(1500, 5);
        let at = |s: &str| crate::model::parse_timestamp(s).unwrap();
        let settings = Settings::default();
        // Rows in both periods; nearly all in the current one; not of whole quarter hours.
        let periods = [
            (at("2026-10-18T00:00:00Z"), at("2026-11-01T00:00:00Z"), "Europe/Berlin"),
            (at("2026-09-03T00:00:00Z"), at("2026-11-01T00:00:00Z"), "UTC"),
            (at("2026-10-20T05:10:00Z"), at("2026-10-27T11:37:00Z"), "Asia/Kolkata"),
        ];
        let filters: [&[&str]; 2] = [&[], &["source=web", "device=mobile"]];
        for (from, to, zone) in periods {
            for pairs in filters {
                let mut f = Filters::default();
                for p in pairs {
                    f.add_pair(p).unwrap();
                }
                let mut segment = Filters::default();
                segment.add_pair("device=desktop").unwrap();
                let alone = Query::new(from, to, zone, f).unwrap();
                let query = Query { segment: Some(segment), ..alone.clone().compared() };
                let label = format!("{zone} {pairs:?}");
                let d = dashboard(&facts, &query, &settings);
                let previous = compute(&facts, &alone.previous(), &settings);
                assert!(d.current.total_messages > 0 && previous.total_messages > 0, "{label}: rows in both");
                assert_eq!(d.current, compute(&facts, &alone, &settings), "{label}: the current period");
                assert_eq!(d.previous.as_ref(), Some(&previous), "{label}: the previous period");
                let segment = compute(&facts, &query.segment_query().unwrap(), &settings);
                assert_eq!(d.segment.as_ref(), Some(&segment), "{label}: the segment");
                let once = dashboard(&facts, &alone, &settings);
                assert_eq!((&once.current, once.previous.is_none()), (&d.current, true), "{label}: without compare");
            }
        }
    }
}

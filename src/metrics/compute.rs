//! Every key of spec/METRICS.md for one query, in one pass over each kind of
//! fact in range.

use super::clock::{date_of, day_in_zone, hour_of, weekday, LocalClock};
use super::facts::{Facts, NONE, NO_USER};
use super::normal::FilterKey;
use super::query::{Query, Settings};
use crate::model::{Rating, Side};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

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
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DailyRow {
    pub date: String,
    pub messages: u64,
    pub conversations: u64,
    pub users: u64,
    pub tokens: u64,
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
    pub total: u64,
    pub cost: f64,
}

/// A query's numbers and those of the period of equal length before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Dashboard {
    #[serde(flatten)]
    pub current: Metrics,
    pub previous: Metrics,
}

/// The two periods are independent scans over shared, read-only facts, so
/// they run side by side: a dashboard costs about one period on two cores.
pub fn dashboard(facts: &Facts, query: &Query, settings: &Settings) -> Dashboard {
    let previous_query = query.previous();
    std::thread::scope(|scope| {
        let previous = scope.spawn(|| compute(facts, &previous_query, settings));
        let current = compute(facts, query, settings);
        let previous = previous.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Dashboard { current, previous }
    })
}

/// Which conversations pass the filters; `None` when there are none.
pub(crate) fn passing(facts: &Facts, query: &Query) -> Option<Vec<bool>> {
    if query.filters.is_empty() {
        return None;
    }
    let mut pass = vec![true; facts.conversations.len()];
    for (key, values) in &query.filters.0 {
        let table = if *key == FilterKey::CustomerId { &facts.users } else { &facts.names };
        let allowed: HashSet<u32> = values.iter().filter_map(|v| table.get(v)).collect();
        for (ok, c) in pass.iter_mut().zip(&facts.conversations) {
            let id = match key {
                FilterKey::Source => c.source,
                FilterKey::Device => c.device,
                FilterKey::Language => c.language,
                FilterKey::Country => c.country,
                FilterKey::CustomerId => c.user,
                FilterKey::Environment => c.environment,
            };
            *ok = *ok && id != NO_USER && allowed.contains(&id);
        }
    }
    Some(pass)
}

/// Which conversations called an escalation tool, at any time.
pub(crate) fn escalated(facts: &Facts, settings: &Settings) -> Vec<bool> {
    let escalation: HashSet<String> = settings.escalation_tools.iter().map(|s| s.trim().to_lowercase()).collect();
    let escalating_name: Vec<bool> =
        facts.action_names.values.iter().map(|n| escalation.contains(&n.to_lowercase())).collect();
    let mut escalated = vec![false; facts.conversations.len()];
    for a in &facts.actions {
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

/// Nearest rank: the value at position ⌈p·n⌉ (1-based) of the sorted values.
fn rank(p: f64, n: usize) -> usize {
    ((p * n as f64).ceil() as usize).clamp(1, n)
}

/// The nearest-rank percentiles `ps` (ascending) of `values`, each selected
/// only among the values above the previous one: no full sort.
fn percentiles<const N: usize>(values: &mut [i64], ps: [f64; N]) -> [Option<i64>; N] {
    let mut out = [None; N];
    let mut done = 0; // values[..done] are all ≤ values[done..]
    for (slot, p) in out.iter_mut().zip(ps) {
        if values.is_empty() {
            break;
        }
        let k = rank(p, values.len()) - 1;
        if k >= done {
            values[done..].select_nth_unstable(k - done);
            done = k;
        }
        *slot = Some(values[k]);
    }
    out
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

pub fn compute(facts: &Facts, query: &Query, settings: &Settings) -> Metrics {
    let (from, to) = (query.from.0, query.to.0);
    let pass = passing(facts, query);
    let passes = |c: u32| pass.as_ref().is_none_or(|p| p[c as usize]);
    let (lo, hi) = match facts.span {
        Some((a, b)) => (a.max(from), b.min(to - 1).max(a.max(from))),
        None => (from, from),
    };
    let clock = LocalClock::new(query.zone, lo, hi);

    // Conversations in range, and their context.
    let escalated = escalated(facts, settings);
    let mut total_conversations = 0;
    let mut interactions = 0;
    let mut escalated_conversations = 0;
    let mut unique_users = 0;
    let mut user_seen = vec![false; facts.users.values.len()];
    let mut duration_sum: i128 = 0;
    let mut duration_n: u64 = 0;
    let mut by_name = vec![[0u64; 5]; facts.names.values.len()]; // country, device, source, language, environment
    for (i, c) in facts.conversations.iter().enumerate() {
        if c.started == NONE || c.started < from || c.started >= to || !passes(i as u32) {
            continue;
        }
        total_conversations += 1;
        if c.user != NO_USER && !user_seen[c.user as usize] {
            user_seen[c.user as usize] = true;
            unique_users += 1;
        }
        by_name[c.country as usize][0] += 1;
        by_name[c.device as usize][1] += 1;
        by_name[c.source as usize][2] += 1;
        by_name[c.language as usize][3] += 1;
        by_name[c.environment as usize][4] += 1;
        if c.engaged {
            interactions += 1;
            if escalated[i] {
                escalated_conversations += 1;
            }
            if c.ended != NONE {
                duration_sum += i128::from(c.ended - c.started);
                duration_n += 1;
            }
        }
    }
    let breakdown = |k: usize| -> BTreeMap<String, u64> {
        by_name
            .iter()
            .enumerate()
            .filter(|(_, counts)| counts[k] > 0)
            .map(|(i, counts)| (facts.names.name(i as u32).to_owned(), counts[k]))
            .collect()
    };

    // Messages in range: counts, peak hours, days, tokens.
    let first_day = day_in_zone(query.zone, from);
    let last_day = day_in_zone(query.zone, to - 1000);
    let n_days = (last_day - first_day + 1).max(0) as usize;
    let mut daily: Vec<DailyRow> = (0..n_days)
        .map(|d| DailyRow {
            date: date_of(first_day + d as i64),
            messages: 0,
            conversations: 0,
            users: 0,
            tokens: 0,
            cost: 0.0,
        })
        .collect();
    // The last day (+1, 0 = none) each conversation and user was counted on.
    let mut conversation_day = vec![0u32; facts.conversations.len()];
    let mut user_day = vec![0u32; facts.users.values.len()];
    let mut monotonic = true;
    let mut latest_day = i64::MIN;
    let mut peak_hours = [[0u64; 24]; 7];
    let (mut total_messages, mut user_messages, mut agent_messages) = (0, 0, 0);
    let (mut prompt, mut completion, mut cost) = (0u64, 0u64, 0.0f64);
    let messages = in_range(&facts.messages, |m| m.ts, from, to);
    let (mut bucket_end, mut day, mut cell) = (i64::MIN, 0i64, (0usize, 0usize));
    for m in messages {
        if !passes(m.conversation) {
            continue;
        }
        total_messages += 1;
        match m.side {
            Side::User => user_messages += 1,
            Side::Agent => agent_messages += 1,
            Side::Neither => {}
        }
        prompt += m.prompt_tokens;
        completion += m.completion_tokens;
        cost += m.cost;
        // Messages come in time order: local day and hour change only at the
        // next local hour boundary or offset change, so compute them there.
        if m.ts >= bucket_end {
            let local = clock.local(m.ts);
            day = local.div_euclid(super::clock::DAY_US);
            cell = (weekday(day), hour_of(local));
            let next_hour = m.ts + (super::clock::HOUR_US - local.rem_euclid(super::clock::HOUR_US));
            bucket_end = next_hour.min(clock.next_change_after(m.ts));
        }
        peak_hours[cell.0][cell.1] += 1;
        if day < latest_day {
            monotonic = false; // a zone stepped back over midnight
        }
        latest_day = latest_day.max(day);
        let Some(index) = usize::try_from(day - first_day).ok().filter(|&d| d < daily.len()) else {
            continue;
        };
        let row = &mut daily[index];
        row.messages += 1;
        row.tokens += m.prompt_tokens + m.completion_tokens;
        row.cost += m.cost;
        let mark = index as u32 + 1;
        let c = m.conversation as usize;
        if conversation_day[c] != mark {
            conversation_day[c] = mark;
            row.conversations += 1;
            if m.user != NO_USER && user_day[m.user as usize] != mark {
                user_day[m.user as usize] = mark;
                row.users += 1;
            }
        }
    }
    if !monotonic {
        recount_days(facts, messages, &passes, &clock, first_day, &mut daily);
    }

    // Exchanges whose agent message is in range.
    let mut response_us: Vec<i64> = Vec::new();
    let mut exchanges_per_user = vec![0u32; facts.users.values.len()];
    let mut conversation_has_exchange = vec![false; facts.conversations.len()];
    let mut exchange_conversations = 0u64;
    for e in in_range(&facts.exchanges, |e| e.ts, from, to) {
        if !passes(e.conversation) {
            continue;
        }
        response_us.push(e.response_us);
        let c = e.conversation as usize;
        if !conversation_has_exchange[c] {
            conversation_has_exchange[c] = true;
            exchange_conversations += 1;
        }
        if e.user != NO_USER {
            exchanges_per_user[e.user as usize] += 1;
        }
    }
    let n_exchanges = response_us.len() as u64;
    let response_sum: i128 = response_us.iter().map(|&r| i128::from(r)).sum();
    let ms = |us: i64| us as f64 / 1000.0;
    let [p50, p95] = percentiles(&mut response_us, [0.50, 0.95]);

    // Actions in range, per tool name.
    let mut tool_stats = vec![(0u64, 0.0f64, 0u64, 0u64); facts.action_names.values.len()]; // count, sum, known, errors
    for a in in_range(&facts.actions, |a| a.ts, from, to) {
        if !passes(a.conversation) {
            continue;
        }
        let s = &mut tool_stats[a.name as usize];
        s.0 += 1;
        if !a.duration_ms.is_nan() {
            s.1 += a.duration_ms;
            s.2 += 1;
        }
        s.3 += u64::from(a.error);
    }
    let mut tools: Vec<ToolRow> = tool_stats
        .iter()
        .enumerate()
        .filter(|(_, s)| s.0 > 0)
        .map(|(i, s)| ToolRow {
            name: facts.action_names.name(i as u32).to_owned(),
            count: s.0,
            avg_duration_ms: (s.2 > 0).then(|| s.1 / s.2 as f64),
            errors: s.3,
        })
        .collect();
    tools.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));

    // Feedback in range.
    let (mut positive, mut negative, mut neutral) = (0, 0, 0);
    for f in in_range(&facts.feedback, |f| f.ts, from, to) {
        if f.ts == NONE || !passes(f.conversation) {
            continue;
        }
        match f.rating {
            Rating::Positive => positive += 1,
            Rating::Negative => negative += 1,
            Rating::Neutral => neutral += 1,
        }
    }

    Metrics {
        total_messages,
        user_messages,
        agent_messages,
        total_conversations,
        interactions,
        visits: total_conversations - interactions,
        unique_users,
        active_users: exchanges_per_user.iter().filter(|&&n| n >= 2).count() as u64,
        avg_user_interactions: ratio(n_exchanges, exchange_conversations).unwrap_or(0.0),
        avg_response_time_ms: (n_exchanges > 0).then(|| response_sum as f64 / 1000.0 / n_exchanges as f64),
        p50_response_time_ms: p50.map(ms),
        p95_response_time_ms: p95.map(ms),
        avg_conversation_duration_s: (duration_n > 0).then(|| duration_sum as f64 / 1e6 / duration_n as f64),
        peak_hours,
        daily,
        tools,
        countries: breakdown(0),
        devices: breakdown(1),
        sources: breakdown(2),
        languages: breakdown(3),
        environments: breakdown(4),
        escalated_conversations,
        escalation_rate: ratio(escalated_conversations, interactions),
        feedback: FeedbackCounts {
            positive,
            negative,
            neutral,
            satisfaction_rate: ratio(positive, positive + negative),
        },
        tokens: TokenUsage { prompt, completion, total: prompt + completion, cost },
    }
}

/// Distinct conversations and users per day, the slow exact way, for the
/// rare zone whose clock steps back across midnight (so a conversation can
/// leave a day and come back to it).
fn recount_days(
    facts: &Facts,
    messages: &[super::facts::MessageFact],
    passes: &dyn Fn(u32) -> bool,
    clock: &LocalClock,
    first_day: i64,
    daily: &mut [DailyRow],
) {
    let mut conversations: HashSet<(i64, u32)> = HashSet::new();
    let mut users: HashSet<(i64, u32)> = HashSet::new();
    for m in messages.iter().filter(|m| passes(m.conversation)) {
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
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<i64> = (1..=20).rev().collect();
        assert_eq!(percentiles(&mut v, [0.5, 0.95]), [Some(10), Some(19)]);
        assert_eq!(percentiles(&mut [7], [0.5, 0.95]), [Some(7), Some(7)]);
        assert_eq!(percentiles(&mut [], [0.5]), [None]);
        let mut odd = vec![5, 1, 4, 2, 3];
        assert_eq!(percentiles(&mut odd, [0.5, 0.95]), [Some(3), Some(5)], "⌈0.5·5⌉ = 3rd, ⌈0.95·5⌉ = 5th");
    }
}

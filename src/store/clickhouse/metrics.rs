//! Every key of METRICS.md as SQL run by ClickHouse, and what the app's
//! dashboard shows beside them (usage per model, the latest comments, the
//! conversations with an address).
//!
//! Each statement reads `conversation_facts` (one row per conversation with
//! its records as arrays, see [`super::schema::facts_view`]) and aggregates
//! in the same `SELECT`, so that on a cluster each shard aggregates its own
//! conversations and only partial results travel. Ranges are `[from, to)`
//! in microseconds; days and hours are taken in the display zone by
//! ClickHouse's own time zone tables (a `DateTime` made in the zone carries
//! it: `toHour(d, zone)` would mean another thing in 26.x than in 18.16).

use super::schema::NONE;
use super::tsv::quote;
use super::ClickHouseStore;
use super::Table;
use crate::metrics::words::Phrases;
use crate::metrics::{
    date_of, day_in_zone, in_usage_order, Comment, DailyRow, Dashboard, DashboardExtras, ExchangeRate, FeedbackCounts,
    FilterKey, Insights, LeftOutCost, MaybeInsights, Metrics, ModelResponseTime, ModelUsage, Price, Query, Settings,
    TokenUsage, ToolRow, UnansweredText, LATEST_COMMENTS, TOP_UNANSWERED,
};
use crate::model::{Micros, Rating, Side};
use crate::store::StoreError;
use std::collections::{BTreeMap, HashMap};

pub fn dashboard(
    store: &ClickHouseStore,
    query: &Query,
    settings: &Settings,
    prices: &[Price],
    rates: &[ExchangeRate],
) -> Result<Dashboard, StoreError> {
    dashboard_said(store, query, settings, prices, rates, &mut Said::default())
}

/// The dashboard as the app shows it: [`dashboard`] and its extras (usage
/// per model, the latest comments, the conversations with an address),
/// every one computed by the server; only the rows shown travel.
pub fn dashboard_view(
    store: &ClickHouseStore,
    query: &Query,
    settings: &Settings,
    prices: &[Price],
    rates: &[ExchangeRate],
    geo_attribution: &str,
) -> Result<(Dashboard, DashboardExtras), StoreError> {
    let mut said = Said::default();
    let dashboard = dashboard_said(store, query, settings, prices, rates, &mut said)?;
    // The conversations a Langfuse database's `text` filter keeps were found above.
    let pass = filter_condition(store, query, &mut said)?;
    let extras = DashboardExtras {
        models: models(store, query, &pass, prices, rates)?,
        latest_comments: latest_comments(store, query, &pass)?,
        conversations_with_ip: conversations_with_ip(store, query, &pass)?,
        geo_attribution: geo_attribution.to_owned(),
    };
    Ok((dashboard, extras))
}

/// [`dashboard`], keeping in `said` the conversations a Langfuse
/// database's `text` filters keep, for the caller's next statements.
fn dashboard_said(
    store: &ClickHouseStore,
    query: &Query,
    settings: &Settings,
    prices: &[Price],
    rates: &[ExchangeRate],
    said: &mut Said,
) -> Result<Dashboard, StoreError> {
    let rates = Rates::of(rates);
    let cost = rates.convert(&cost_expression(prices));
    let previous = match query.compare {
        true => Some(metrics(store, &query.previous(), settings, &cost, &rates, said)?),
        false => None,
    };
    let segment = match query.segment_query() {
        Some(q) => Some(metrics(store, &q, settings, &cost, &rates, said)?),
        None => None,
    };
    Ok(Dashboard { current: metrics(store, query, settings, &cost, &rates, said)?, previous, segment })
}

/// The conversations of a Langfuse database that say a `text` filter's
/// phrases, as SQL conditions, found once per dashboard (by the phrases).
#[derive(Default)]
pub(super) struct Said(BTreeMap<Vec<String>, String>);

/// The settings' exchange rates, by currency code (the last of a code wins,
/// as in the facts' lookup).
struct Rates(BTreeMap<String, f64>);

impl Rates {
    fn of(rates: &[ExchangeRate]) -> Rates {
        Rates(
            rates
                .iter()
                .filter(|r| r.usd_per_unit.is_finite() && r.usd_per_unit >= 0.0)
                .map(|r| (ExchangeRate::code(&r.currency), r.usd_per_unit))
                .collect(),
        )
    }

    /// The currencies with a rate, as an SQL array.
    fn codes(&self) -> String {
        if self.0.is_empty() {
            return "emptyArrayString()".to_owned();
        }
        format!("[{}]", self.0.keys().map(|c| quote(c)).collect::<Vec<_>>().join(", "))
    }

    /// A message's cost with its cost in another currency `fa`, currency
    /// `fc` (empty when none): that amount at its rate (0 without one: it is
    /// left out and counted apart), else `dollars`.
    fn convert(&self, dollars: &str) -> String {
        let rates = if self.0.is_empty() {
            "toFloat64(0)".to_owned()
        } else {
            let values: Vec<String> = self.0.values().map(|r| format!("{r:?}")).collect();
            format!("transform(fc, {}, [{}], toFloat64(0))", self.codes(), values.join(", "))
        };
        format!("if(h = 0 AND fc != '', fa * {rates}, {dollars})")
    }
}

/// A message's cost in SQL, from its prompt tokens `p`, completion tokens
/// `c`, cost `k`, model `m` and whether it gave a cost `h`: the cost given,
/// else the settings' price of its model per million tokens (as the SQLite
/// store's facts price it), else 0.
fn cost_expression(prices: &[Price]) -> String {
    // The last price of a model wins, as in the facts' lookup.
    let mut by_model: BTreeMap<&str, &Price> = BTreeMap::new();
    for p in prices.iter().filter(|p| !p.model.is_empty()) {
        by_model.insert(&p.model, p);
    }
    if by_model.is_empty() {
        return "k".to_owned();
    }
    let models: Vec<String> = by_model.keys().map(|m| quote(m)).collect();
    let per = |f: fn(&Price) -> f64| -> String {
        by_model.values().map(|p| format!("{:?}", f(p))).collect::<Vec<_>>().join(", ")
    };
    let models = models.join(", ");
    format!(
        "if(h = 1, k, (toFloat64(p) * transform(m, [{models}], [{}], toFloat64(0))
            + toFloat64(c) * transform(m, [{models}], [{}], toFloat64(0))) / 1000000)",
        per(|p| p.prompt_per_million),
        per(|p| p.completion_per_million)
    )
}

/// The conversations that pass the query's filters, as a `WHERE` condition.
/// A Langfuse database's `text` filter is found in Rust (`words`): its
/// messages' words are not in SQL.
pub(super) fn filter_condition(store: &ClickHouseStore, query: &Query, said: &mut Said) -> Result<String, StoreError> {
    let mut parts = vec!["1".to_owned()];
    for (key, values) in &query.filters.0 {
        let column = match key {
            FilterKey::Source => "source",
            FilterKey::Device => "device",
            FilterKey::Language => "language",
            FilterKey::Country => "country",
            FilterKey::CustomerId => "user",
            FilterKey::Environment => "environment",
            FilterKey::Text if store.has_words() => {
                parts.push(says_any(values));
                continue;
            }
            FilterKey::Text => {
                let phrases: Vec<String> = values.to_vec();
                let condition = match said.0.get(&phrases) {
                    Some(c) => c.clone(),
                    None => store.langfuse_saying(&phrases)?,
                };
                said.0.insert(phrases, condition.clone());
                parts.push(condition);
                continue;
            }
        };
        let list: Vec<String> = values.iter().map(|v| quote(v)).collect();
        parts.push(format!("{column} IN ({})", list.join(", ")));
        if *key == FilterKey::CustomerId {
            parts.push("user != ''".to_owned()); // anonymous conversations match no user
        }
    }
    Ok(parts.join(" AND "))
}

/// Whether some message of the conversation says one of `phrases` as
/// consecutive words: each message's words are in the facts (`m_key`,
/// joined by single spaces), so a phrase's words, with a space on each side,
/// are found in the message's with a space on each side. A phrase without a
/// word says nothing (the query refuses one before it comes here).
pub(super) fn says_any<S: AsRef<str>>(phrases: &[S]) -> String {
    let found: Vec<String> = Phrases::new(phrases)
        .words()
        .iter()
        .map(|w| format!("arrayExists(mk -> position(concat(' ', mk, ' '), {}) > 0, m_key)", padded(w)))
        .collect();
    if found.is_empty() {
        return "0".to_owned();
    }
    format!("({})", found.join(" OR "))
}

/// A phrase's words as SQL text, joined and surrounded by single spaces.
fn padded(words: &[String]) -> String {
    quote(&format!(" {} ", words.join(" ")))
}

/// Whether the words `key` (an SQL expression, words joined by single
/// spaces) hold one of the fallback phrases, as a `UInt8`.
pub(super) fn says_fallback(key: &str, fallback: &Phrases) -> String {
    if fallback.is_empty() {
        return "toUInt8(0)".to_owned();
    }
    let found: Vec<String> =
        fallback.words().iter().map(|w| format!("position(concat(' ', {key}, ' '), {}) > 0", padded(w))).collect();
    format!("toUInt8({})", found.join(" OR "))
}

/// The settings' escalation tools, trimmed and lower-cased, as an SQL array
/// (a conversation is escalated when `lowerUTF8` of an action's name is in it).
pub(super) fn escalation_tools(settings: &Settings) -> String {
    let escalation: Vec<String> = settings.escalation_tools.iter().map(|s| quote(&s.trim().to_lowercase())).collect();
    if escalation.is_empty() {
        "emptyArrayString()".to_owned()
    } else {
        format!("[{}]", escalation.join(", "))
    }
}

/// Of each conversation's user and agent messages in order (the rule of
/// [`insights`]): their sides, times, words, the next one's side, and
/// whether the next one holds one of the `fallback` phrases, as SQL arrays
/// over the facts' columns, in that order.
pub(super) fn said_in_order(fallback: &Phrases) -> [String; 5] {
    let sides = "arrayFilter(s -> s != 0, m_side)".to_owned();
    let times = "arrayFilter((t, s) -> s != 0, m_ts, m_side)".to_owned();
    let keys = "arrayFilter((k, s) -> s != 0, m_key, m_side)".to_owned();
    let next_side = format!("arraySlice(arrayPushBack({sides}, toUInt8(0)), 2)");
    let falls = format!("arrayMap(w -> {}, {keys})", says_fallback("w", fallback));
    let next_falls = format!("arraySlice(arrayPushBack({falls}, toUInt8(0)), 2)");
    [sides, times, keys, next_side, next_falls]
}

fn number<T: std::str::FromStr + Default>(row: &[String], i: usize) -> T {
    row.get(i).and_then(|v| v.parse().ok()).unwrap_or_default()
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn metrics(
    store: &ClickHouseStore,
    query: &Query,
    settings: &Settings,
    cost_sql: &str,
    rates: &Rates,
    said: &mut Said,
) -> Result<Metrics, StoreError> {
    let facts = store.facts_table();
    let (from, to) = (query.from.0, query.to.0);
    let zone = quote(query.zone.name());
    let pass = filter_condition(store, query, said)?;
    let started_in = format!("started >= {from} AND started < {to}");
    let at_in = |t: &str| format!("{t} >= {from} AND {t} < {to}");
    let escalation = escalation_tools(settings);

    // Conversations, messages, tokens, exchanges and feedback: one row.
    let head = store.select(&format!(
        "SELECT
            countIf({started_in}),
            countIf({started_in} AND engaged = 1),
            uniqExactIf(user, {started_in} AND user != ''),
            countIf({started_in} AND engaged = 1 AND arrayExists(n -> has({escalation}, lowerUTF8(n)), a_name)),
            sumIf(toFloat64(ended - started), {started_in} AND engaged = 1 AND ended != {NONE}),
            countIf({started_in} AND engaged = 1 AND ended != {NONE}),
            sum(arrayCount(t -> {t_in}, m_ts)),
            sum(arrayCount((t, s) -> {t_in} AND s = 1, m_ts, m_side)),
            sum(arrayCount((t, s) -> {t_in} AND s = 2, m_ts, m_side)),
            sum(arraySum(arrayMap((t, p) -> if({t_in}, p, toUInt64(0)), m_ts, m_prompt))),
            sum(arraySum(arrayMap((t, p) -> if({t_in}, p, toUInt64(0)), m_ts, m_completion))),
            sum(arraySum(arrayMap((t, p, c, k, m, h, fa, fc) -> if({t_in}, {cost_sql}, toFloat64(0)),
                m_ts, m_prompt, m_completion, m_cost, m_model, m_has_cost, m_foreign_cost, m_foreign_currency))),
            sum(arrayCount(t -> {t_in}, e_ts)),
            sum(arraySum(arrayMap((t, r) -> if({t_in} AND r != {NONE}, toFloat64(r), toFloat64(0)), e_ts, e_rt))),
            sum(arrayCount((t, r) -> {t_in} AND r != {NONE}, e_ts, e_rt)),
            countIf(arrayExists(t -> {t_in}, e_ts)),
            sum(arrayCount((t, r) -> {t_in} AND r = 'positive', f_ts, f_rating)),
            sum(arrayCount((t, r) -> {t_in} AND r = 'negative', f_ts, f_rating)),
            sum(arrayCount((t, r) -> {t_in} AND r = 'neutral', f_ts, f_rating))
        FROM {facts} WHERE {pass}",
        t_in = at_in("t"),
    ))?;
    let head = head.into_iter().next().unwrap_or_default();
    let n = |i: usize| -> u64 { number(&head, i) };
    let (total_conversations, interactions, unique_users, escalated) = (n(0), n(1), n(2), n(3));
    let duration_sum: f64 = number(&head, 4);
    let duration_n = n(5);
    let (prompt, completion) = (n(9), n(10));
    let cost: f64 = number(&head, 11);
    let exchanges = n(12);
    let response_sum: f64 = number(&head, 13);
    let timed = n(14);
    let (positive, negative, neutral) = (n(16), n(17), n(18));

    // Nearest-rank percentiles: the value at ⌈p·n⌉ of the sorted times.
    let ranks = store.select(&format!(
        "SELECT length(rts),
            if(length(rts) > 0, rts[toUInt64(greatest(1, ceil(0.5 * length(rts))))], 0),
            if(length(rts) > 0, rts[toUInt64(greatest(1, ceil(0.95 * length(rts))))], 0)
        FROM (SELECT arraySort(groupArrayArray(arrayFilter((r, t) -> {t_in} AND r != {NONE}, e_rt, e_ts))) AS rts
              FROM {facts} WHERE {pass})",
        t_in = at_in("t"),
    ))?;
    let ranks = ranks.into_iter().next().unwrap_or_default();
    let ranked: u64 = number(&ranks, 0);
    let percentile = |i: usize| (ranked > 0).then(|| number::<i64>(&ranks, i) as f64 / 1000.0);

    // Users with two or more exchanges in range, summed over their conversations.
    let active = store.select(&format!(
        "SELECT count() FROM (
            SELECT user, sum(arrayCount(t -> {t_in}, e_ts)) AS exchanges
            FROM {facts} WHERE {pass} AND user != '' GROUP BY user
        ) WHERE exchanges >= 2",
        t_in = at_in("t"),
    ))?;
    let active_users: u64 = active.first().map_or(0, |r| number(r, 0));

    // Peak hours: local weekday (Monday 1) and hour of each message in range.
    let mut peak_hours = [[0u64; 24]; 7];
    for row in store.select(&format!(
        "SELECT toDayOfWeek(toDateTime(intDiv(t, 1000000), {zone})) AS weekday,
                toHour(toDateTime(intDiv(t, 1000000), {zone})) AS hour, count()
        FROM {facts} ARRAY JOIN m_ts AS t
        WHERE {pass} AND {t_in} GROUP BY weekday, hour",
        t_in = at_in("t"),
    ))? {
        let (weekday, hour): (usize, usize) = (number(&row, 0), number(&row, 1));
        if (1..=7).contains(&weekday) && hour < 24 {
            peak_hours[weekday - 1][hour] = number(&row, 2);
        }
    }

    // Days from the day of `from` to the day of `to − 1 ms`, in the zone.
    let first_day = day_in_zone(query.zone, from);
    let last_day = day_in_zone(query.zone, to - 1000);
    let mut daily: Vec<DailyRow> = (first_day..=last_day)
        .map(|d| DailyRow { date: date_of(d), messages: 0, conversations: 0, users: 0, tokens: 0, cost: 0.0 })
        .collect();
    let day_index: BTreeMap<String, usize> = daily.iter().enumerate().map(|(i, d)| (d.date.clone(), i)).collect();
    for row in store.select(&format!(
        "SELECT toString(toDate(toDateTime(intDiv(t, 1000000), {zone}))) AS day,
                count(), uniqExact(conversation_id), uniqExactIf(user, user != ''),
                sum(toUInt64(p) + toUInt64(c)), sum({cost_sql})
        FROM {facts} ARRAY JOIN m_ts AS t, m_prompt AS p, m_completion AS c, m_cost AS k, m_model AS m,
            m_has_cost AS h, m_foreign_cost AS fa, m_foreign_currency AS fc
        WHERE {pass} AND {t_in} GROUP BY day",
        t_in = at_in("t"),
    ))? {
        if let Some(&i) = row.first().and_then(|d| day_index.get(d)) {
            let d = &mut daily[i];
            d.messages = number(&row, 1);
            d.conversations = number(&row, 2);
            d.users = number(&row, 3);
            d.tokens = number(&row, 4);
            d.cost = number(&row, 5);
        }
    }

    // Costs in another currency without a rate, per currency.
    let costs_left_out: Vec<LeftOutCost> = store
        .select(&format!(
            "SELECT fc, count(), sum(fa)
            FROM {facts} ARRAY JOIN m_ts AS t, m_has_cost AS h, m_foreign_cost AS fa, m_foreign_currency AS fc
            WHERE {pass} AND {t_in} AND h = 0 AND fc != '' AND NOT has({codes}, fc) GROUP BY fc ORDER BY fc",
            t_in = at_in("t"),
            codes = rates.codes(),
        ))?
        .into_iter()
        .map(|row| LeftOutCost::new(row.first().cloned().unwrap_or_default(), number(&row, 1), number(&row, 2)))
        .collect();

    // Tools: per action name, actions in range.
    let mut tools: Vec<ToolRow> = store
        .select(&format!(
            "SELECT n, count(), sumIf(d, h = 1), countIf(h = 1), sum(e)
            FROM {facts} ARRAY JOIN a_ts AS t, a_name AS n, a_dur AS d, a_has_dur AS h, a_error AS e
            WHERE {pass} AND {t_in} GROUP BY n",
            t_in = at_in("t"),
        ))?
        .into_iter()
        .map(|row| {
            let known: u64 = number(&row, 3);
            ToolRow {
                name: row.first().cloned().unwrap_or_default(),
                count: number(&row, 1),
                avg_duration_ms: (known > 0).then(|| number::<f64>(&row, 2) / known as f64),
                errors: number(&row, 4),
            }
        })
        .collect();
    tools.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));

    // Conversations in range per country, device, source, language, environment.
    let mut breakdowns: [BTreeMap<String, u64>; 5] = Default::default();
    let dimensions = ["country", "device", "source", "language", "environment"];
    let branches: Vec<String> = dimensions
        .iter()
        .enumerate()
        .map(|(i, d)| {
            format!("SELECT toUInt8({i}) AS dimension, {d} AS value, count() FROM {facts} WHERE {pass} AND {started_in} GROUP BY value")
        })
        .collect();
    for row in store.select(&branches.join(" UNION ALL "))? {
        let i: usize = number(&row, 0);
        if let (Some(map), Some(value)) = (breakdowns.get_mut(i), row.get(1)) {
            map.insert(value.clone(), number(&row, 2));
        }
    }
    let [countries, devices, sources, languages, environments] = breakdowns;

    let insights = MaybeInsights(Some(insights(store, query, settings, &pass, &escalation, interactions)?));
    let response_time_by_model = Some(response_times_by_model(store, query, &pass)?);

    Ok(Metrics {
        total_messages: n(6),
        user_messages: n(7),
        agent_messages: n(8),
        total_conversations,
        interactions,
        visits: total_conversations - interactions,
        unique_users,
        active_users,
        avg_user_interactions: ratio(exchanges, n(15)).unwrap_or(0.0),
        avg_response_time_ms: (timed > 0).then(|| response_sum / 1000.0 / timed as f64),
        p50_response_time_ms: percentile(1),
        p95_response_time_ms: percentile(2),
        avg_conversation_duration_s: (duration_n > 0).then(|| duration_sum / 1e6 / duration_n as f64),
        peak_hours,
        daily,
        tools,
        countries,
        devices,
        sources,
        languages,
        environments,
        escalated_conversations: escalated,
        escalation_rate: ratio(escalated, interactions),
        feedback: FeedbackCounts {
            positive,
            negative,
            neutral,
            satisfaction_rate: ratio(positive, positive + negative),
        },
        tokens: TokenUsage { prompt, completion, total: u128::from(prompt) + u128::from(completion), cost },
        costs_left_out,
        response_time_by_model,
        insights,
    })
}

/// The Insights keys of METRICS.md for the query's period, from each
/// conversation's messages in order (the facts' `m_side`, `m_ts`, `m_key`),
/// shard by shard: only sums and the most frequent texts travel.
///
/// Of the user and agent messages in order, each is set beside the next
/// one (the arrays shifted by one, the last beside none, side 0); a user
/// message is a question when the next is not a user message, and
/// unanswered when the next is none or an agent answer holding a fallback
/// phrase:
///
/// ```text
/// sides:     u1  u2  a1  u3  a2(fallback)  u4
/// next:      u2  a1  u3  a2  u4            -
/// question:       ✓       ✓                ✓
/// unanswered:             ✓                ✓
/// ```
fn insights(
    store: &ClickHouseStore,
    query: &Query,
    settings: &Settings,
    pass: &str,
    escalation: &str,
    interactions: u64,
) -> Result<Insights, StoreError> {
    let facts = store.facts_table();
    let (from, to) = (query.from.0, query.to.0);
    let started_in = format!("started >= {from} AND started < {to}");
    let t_in = format!("t >= {from} AND t < {to}");
    let fallback = Phrases::new(&settings.fallback_phrases);
    // The user and agent messages: sides, times, words; the next one's side
    // and whether the next one holds a fallback phrase (the array with a
    // 0 pushed at its end, from its second place: as long as the array,
    // none of an empty one).
    let [sides, times, keys, next_side, next_falls] = said_in_order(&fallback);
    let falls = format!("arrayMap(w -> {}, {keys})", says_fallback("w", &fallback));
    let question = "s = 1 AND n != 1";
    let unanswered = "(n = 0 OR f = 1)";

    let resolved = format!(
        "countIf({started_in} AND engaged = 1 AND NOT arrayExists(x -> has({escalation}, lowerUTF8(x)), a_name)
            AND NOT has(f_rating, 'negative'))"
    );
    if !store.has_words() {
        let head = store.select(&format!("SELECT {resolved} FROM {facts} WHERE {pass}"))?;
        let resolved_conversations = head.first().map_or(0, |r| number(r, 0));
        let mut counted = said_insights(store, pass, from, to, &fallback)?;
        counted.resolved_conversations = resolved_conversations;
        counted.resolution_rate = ratio(resolved_conversations, interactions);
        return Ok(counted);
    }
    let head = store.select(&format!(
        "SELECT
            {resolved},
            sum(arrayCount((t, s, n) -> {t_in} AND {question}, {times}, {sides}, {next_side})),
            sum(arrayCount((t, s, n, f) -> {t_in} AND {question} AND {unanswered},
                {times}, {sides}, {next_side}, {next_falls})),
            sum(arrayCount((t, s, f) -> {t_in} AND s = 2 AND f = 1, {times}, {sides}, {falls}))
        FROM {facts} WHERE {pass}"
    ))?;
    let head = head.into_iter().next().unwrap_or_default();
    let n = |i: usize| -> u64 { number(&head, i) };
    let (resolved_conversations, questions, unanswered_questions, fallback_answers) = (n(0), n(1), n(2), n(3));

    let top_unanswered: Vec<UnansweredText> = store
        .select(&format!(
            "SELECT k, count() AS c
            FROM {facts} ARRAY JOIN {times} AS t, {sides} AS s, {next_side} AS n, {next_falls} AS f, {keys} AS k
            WHERE {pass} AND {t_in} AND {question} AND {unanswered} AND k != ''
            GROUP BY k ORDER BY c DESC, k LIMIT {TOP_UNANSWERED}"
        ))?
        .into_iter()
        .map(|row| (row.first().cloned().unwrap_or_default(), number(&row, 1)))
        .collect::<TopTexts>()
        .0;

    Ok(Insights {
        resolved_conversations,
        resolution_rate: ratio(resolved_conversations, interactions),
        questions,
        unanswered_questions,
        unanswered_rate: ratio(unanswered_questions, questions),
        fallback_answers,
        top_unanswered,
    })
}

/// The most frequent unanswered texts: by count, then text as Rust orders
/// it (bytes, as ClickHouse does), the first [`TOP_UNANSWERED`].
struct TopTexts(Vec<UnansweredText>);

impl FromIterator<(String, u64)> for TopTexts {
    fn from_iter<I: IntoIterator<Item = (String, u64)>>(counts: I) -> TopTexts {
        let mut top: Vec<UnansweredText> =
            counts.into_iter().map(|(text, count)| UnansweredText { text, count }).collect();
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
        top.truncate(TOP_UNANSWERED);
        TopTexts(top)
    }
}

/// The Insights keys of the messages' words, found in Rust, of a Langfuse
/// database (`words`): the rule of [`insights`], message by message of
/// each conversation that passes `pass`; its resolved conversations are
/// the caller's.
fn said_insights(
    store: &ClickHouseStore,
    pass: &str,
    from: i64,
    to: i64,
    fallback: &Phrases,
) -> Result<Insights, StoreError> {
    let (mut questions, mut unanswered_questions, mut fallback_answers) = (0u64, 0u64, 0u64);
    let mut texts: HashMap<String, u64> = HashMap::new();
    store.langfuse_said(pass, |_, said| {
        let falls = |m: &super::words::Said| m.side == Side::Agent && fallback.any_in(&m.words);
        for (i, m) in said.iter().enumerate() {
            if m.ts < from || m.ts >= to {
                continue;
            }
            let next = said.get(i + 1);
            if falls(m) {
                fallback_answers += 1;
            }
            if m.side == Side::User && next.is_none_or(|n| n.side != Side::User) {
                questions += 1;
                if next.is_none_or(falls) {
                    unanswered_questions += 1;
                    if !m.words.is_empty() {
                        *texts.entry(m.words.join(" ")).or_default() += 1;
                    }
                }
            }
        }
    })?;
    Ok(Insights {
        resolved_conversations: 0,
        resolution_rate: None,
        questions,
        unanswered_questions,
        unanswered_rate: ratio(unanswered_questions, questions),
        fallback_answers,
        top_unanswered: texts.into_iter().collect::<TopTexts>().0,
    })
}

/// Each exchange's model (its agent message's, `''` for none), as an SQL
/// array beside the facts' `e_ts` and `e_rt`: the exchanges are found again
/// as the facts found them (of the user and agent messages in order, an
/// agent message right after a user message), their models kept.
fn exchange_models() -> String {
    let said = |column: &str| format!("arrayFilter((x, s) -> s != 0, {column}, m_side)");
    let sides = said("m_side");
    format!(
        "arrayFilter((x, s, b) -> s = 2 AND b = 1, {}, {sides}, arrayPopBack(arrayPushFront({sides}, toUInt8(0))))",
        said("m_model")
    )
}

/// `response_time_by_model` (docs/metrics.md): per model named by the
/// answer, its timed exchanges in range and their nearest-rank percentiles,
/// in order of the model's name.
fn response_times_by_model(
    store: &ClickHouseStore,
    query: &Query,
    pass: &str,
) -> Result<Vec<ModelResponseTime>, StoreError> {
    let facts = store.facts_table();
    let (from, to) = (query.from.0, query.to.0);
    let rows = store.select(&format!(
        "SELECT m, length(rts),
            rts[toUInt64(greatest(1, ceil(0.5 * length(rts))))],
            rts[toUInt64(greatest(1, ceil(0.95 * length(rts))))]
        FROM (
            SELECT m, arraySort(groupArray(r)) AS rts
            FROM {facts} ARRAY JOIN e_ts AS t, e_rt AS r, {models} AS m
            WHERE {pass} AND t >= {from} AND t < {to} AND r != {NONE} AND m != ''
            GROUP BY m
        )",
        models = exchange_models(),
    ))?;
    let mut out: Vec<ModelResponseTime> = rows
        .into_iter()
        .map(|row| ModelResponseTime {
            model: row.first().cloned().unwrap_or_default(),
            exchanges: number(&row, 1),
            p50_response_time_ms: number::<i64>(&row, 2) as f64 / 1000.0,
            p95_response_time_ms: number::<i64>(&row, 3) as f64 / 1000.0,
        })
        .collect();
    out.sort_by(|a, b| a.model.cmp(&b.model));
    Ok(out)
}

/// Usage per model of the messages in range of the conversations that
/// pass: messages, tokens and cost as the dashboard's (the settings'
/// prices and rates), and whether every message with tokens had a cost, a
/// cost in another currency or a price. In [`in_usage_order`].
fn models(
    store: &ClickHouseStore,
    query: &Query,
    pass: &str,
    prices: &[Price],
    rates: &[ExchangeRate],
) -> Result<Vec<ModelUsage>, StoreError> {
    let facts = store.facts_table();
    let (from, to) = (query.from.0, query.to.0);
    let cost = Rates::of(rates).convert(&cost_expression(prices));
    let priced: Vec<String> = prices.iter().filter(|p| !p.model.is_empty()).map(|p| quote(&p.model)).collect();
    let priced = if priced.is_empty() { "emptyArrayString()".to_owned() } else { format!("[{}]", priced.join(", ")) };
    let rows = store.select(&format!(
        "SELECT m, count(), sum(p), sum(c), sum({cost}),
            max(toUInt8(h = 0 AND fc = '' AND p + c > 0 AND NOT has({priced}, m)))
        FROM {facts} ARRAY JOIN m_ts AS t, m_prompt AS p, m_completion AS c, m_cost AS k, m_model AS m,
            m_has_cost AS h, m_foreign_cost AS fa, m_foreign_currency AS fc
        WHERE {pass} AND t >= {from} AND t < {to} AND m != '' GROUP BY m"
    ))?;
    Ok(in_usage_order(
        rows.into_iter()
            .map(|row| ModelUsage {
                model: row.first().cloned().unwrap_or_default(),
                messages: number(&row, 1),
                prompt: number(&row, 2),
                completion: number(&row, 3),
                cost: number(&row, 4),
                priced: row.get(5).map(String::as_str) == Some("0"),
            })
            .collect(),
    ))
}

/// The conversations started in range that pass and have an IP address
/// (in any of their committed lines: the latest given is theirs).
fn conversations_with_ip(store: &ClickHouseStore, query: &Query, pass: &str) -> Result<u64, StoreError> {
    let (from, to) = (query.from.0, query.to.0);
    let rows = store.select(&format!(
        "SELECT count() FROM {} WHERE {pass} AND started >= {from} AND started < {to}
            AND conversation_id IN (SELECT conversation_id FROM {} WHERE {} AND isNotNull(customer_ip_address))",
        store.facts_table(),
        store.beside_facts(Table::ConversationLine),
        store.committed(),
    ))?;
    Ok(rows.first().map_or(0, |r| number(r, 0)))
}

/// The latest feedback with a comment in range (its own time, else its
/// conversation's end or start, as the facts' `f_ts`) of the conversations
/// that pass, newest first (ties: the one seen last first), at most
/// [`LATEST_COMMENTS`]: chosen by the server, then their texts read, and
/// each one's `row` counted as the SQLite store numbers its rows (the
/// feedback's place in first-seen order, `seq`), so that it tells two
/// comments apart and stays the same from one dashboard to the next.
fn latest_comments(store: &ClickHouseStore, query: &Query, pass: &str) -> Result<Vec<Comment>, StoreError> {
    let (from, to) = (query.from.0, query.to.0);
    let committed = store.committed();
    // Each feedback by its conversation and first `seq`, as the facts know it.
    let identities = |records: &str, having: &str| {
        format!(
            "SELECT conversation_id, identity, min(seq) AS s FROM {records} WHERE {committed}
             GROUP BY conversation_id, identity {having}"
        )
    };
    let commented =
        identities(&store.beside_facts(Table::Feedback), "HAVING argMax(toUInt8(isNotNull(comment)), seq) = 1");
    let chosen = store.select(&format!(
        "SELECT conversation_id, t, r, s FROM {} ARRAY JOIN f_ts AS t, f_rating AS r, f_seq AS s
        WHERE {pass} AND t >= {from} AND t < {to}
            AND (conversation_id, s) IN (SELECT conversation_id, s FROM ({commented}))
        ORDER BY t DESC, s DESC, conversation_id DESC LIMIT {LATEST_COMMENTS}",
        store.facts_table()
    ))?;
    if chosen.is_empty() {
        return Ok(Vec::new());
    }
    let key = |conversation: &str, seq: &str| (conversation.to_owned(), seq.to_owned());
    let ids: Vec<String> = chosen.iter().map(|r| quote(&r[0])).collect();
    let seqs: Vec<&str> = chosen.iter().map(|r| r[3].as_str()).collect();
    // Their identities and texts.
    let mut found: HashMap<(String, String), (String, String)> = store
        .select(&format!(
            "SELECT conversation_id, identity, min(seq) AS s, argMax(ifNull(comment, ''), seq) FROM {}
            WHERE {committed} AND conversation_id IN ({}) GROUP BY conversation_id, identity HAVING s IN ({})",
            store.records_of(Table::Feedback),
            ids.join(", "),
            seqs.join(", ")
        ))?
        .into_iter()
        .map(|r| (key(&r[0], &r[2]), (r[1].clone(), r[3].clone())))
        .collect();
    let chosen: Vec<(Vec<String>, String, String)> = chosen
        .into_iter()
        .map(|r| {
            let (identity, text) = found.remove(&key(&r[0], &r[3])).unwrap_or_default();
            (r, identity, text)
        })
        .collect();
    // Each one's place among every feedback in first-seen order, counted on
    // each server over its own records (a feedback lives on one), added up.
    let places: Vec<String> = chosen
        .iter()
        .map(|(r, identity, _)| {
            let (c, s, i) = (quote(&r[0]), &r[3], quote(identity));
            format!(
                "countIf(s < {s} OR (s = {s} AND (conversation_id < {c} OR (conversation_id = {c} AND identity <= {i}))))"
            )
        })
        .collect();
    let sql = format!("SELECT {} FROM ({})", places.join(", "), identities(&store.beside_facts(Table::Feedback), ""));
    let mut rows = vec![0i64; chosen.len()];
    for counted in store.select_on_each_shard(&sql)? {
        let counted = counted.into_iter().next().unwrap_or_default();
        for (i, row) in rows.iter_mut().enumerate() {
            *row += number::<i64>(&counted, i);
        }
    }
    Ok(chosen
        .into_iter()
        .zip(rows)
        .map(|((r, _, comment), row)| Comment {
            conversation_id: r[0].clone(),
            timestamp: Micros(number(&r, 1)),
            rating: Rating::from_str_opt(&r[2]).unwrap_or(Rating::Neutral),
            comment,
            row,
        })
        .collect())
}

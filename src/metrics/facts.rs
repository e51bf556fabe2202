//! The facts every metric is computed from, held in memory and sorted by time.
//!
//! Built once from the store (and again after an import): per conversation
//! its derived start, end, engagement and normalised context; every message,
//! exchange, action and feedback as a small fixed-size row sorted by time, so
//! that a query is a binary search and one pass over the rows in range.

use super::groups::Groups;
use super::normal;
use crate::geo::Geo;
use crate::model::{duration_micros, Rating, Role, Side};
use crate::store::{Store, StoreError};
use std::collections::HashMap;

/// No value: used for optional instants and ids in the packed rows.
pub const NONE: i64 = i64::MIN;
pub const NO_USER: u32 = u32::MAX;

/// Distinct strings numbered in order of first sight.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    pub values: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    pub fn intern(&mut self, value: &str) -> u32 {
        if let Some(&i) = self.index.get(value) {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(value.to_owned());
        self.index.insert(value.to_owned(), i);
        i
    }

    pub fn get(&self, value: &str) -> Option<u32> {
        self.index.get(value).copied()
    }

    pub fn name(&self, i: u32) -> &str {
        &self.values[i as usize]
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ConversationFact {
    /// `started_at`, else its earliest message or action, else its earliest feedback.
    pub started: i64,
    /// `ended_at`, else its latest message or action end.
    pub ended: i64,
    pub user: u32,
    pub country: u32,
    pub device: u32,
    pub source: u32,
    pub language: u32,
    pub environment: u32,
    /// Has at least one user message, anywhere in time.
    pub engaged: bool,
    /// Has an IP address (whether or not it locates to a country).
    pub has_ip: bool,
    /// Messages of every role, at any time.
    pub messages: u32,
    /// The rating of its latest feedback, if any.
    pub latest_rating: Option<Rating>,
}

#[derive(Debug, Clone, Copy)]
pub struct MessageFact {
    pub ts: i64,
    pub conversation: u32,
    /// The conversation's user, copied here so a scan touches one row only.
    pub user: u32,
    pub side: Side,
    /// Index into `models`, or `NO_MODEL`.
    pub model: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// As given, else estimated from the price table, else 0.
    pub cost: f64,
    /// Has tokens but no cost, and its model has no price: never shown as free.
    pub unpriced: bool,
}

pub const NO_MODEL: u32 = u32::MAX;

/// What a model costs, in US dollars per million tokens, for files that
/// carry tokens but no cost.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Price {
    pub model: String,
    pub prompt_per_million: f64,
    pub completion_per_million: f64,
}

/// An agent message that answers a user message (METRICS.md).
#[derive(Debug, Clone, Copy)]
pub struct ExchangeFact {
    /// The agent message's time.
    pub ts: i64,
    pub conversation: u32,
    pub user: u32,
    pub response_us: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct ActionFact {
    pub ts: i64,
    pub conversation: u32,
    pub name: u32,
    /// NaN when the duration is unknown.
    pub duration_ms: f64,
    pub error: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct FeedbackFact {
    /// Its timestamp, else the conversation's end, else its start; NONE if neither.
    pub ts: i64,
    pub conversation: u32,
    pub rating: Rating,
    /// The store's row, to fetch its comment.
    pub row: i64,
    pub has_comment: bool,
}

#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub conversations: Vec<ConversationFact>,
    /// The store's row id of each conversation, for lists and transcripts.
    pub conversation_rows: Vec<i64>,
    /// Each conversation's `conversation_id`.
    pub conversation_ids: Vec<String>,
    pub models: Interner,
    pub users: Interner,
    /// Countries, devices, sources and languages share one table of names.
    pub names: Interner,
    pub action_names: Interner,
    pub messages: Vec<MessageFact>,
    pub exchanges: Vec<ExchangeFact>,
    pub actions: Vec<ActionFact>,
    pub feedback: Vec<FeedbackFact>,
    /// The earliest and latest instant of any fact, if there is one.
    pub span: Option<(i64, i64)>,
    /// The messages and exchanges again, folded per conversation and quarter hour.
    pub groups: Groups,
    /// Questions and fallback answers (Insights): built from the messages'
    /// text by the engine, after the rest ([`super::InsightsBuilder`]).
    pub insights: super::insights::InsightFacts,
}

/// A message while the facts are built: its file order breaks ties in time.
struct Pending {
    conversation: u32,
    ts: i64,
    order: i64,
    role: Role,
    model: u32,
    prompt: u64,
    completion: u64,
    cost: f64,
    unpriced: bool,
}

impl Facts {
    /// Reads the store and derives every fact; `prices` estimate the cost of
    /// messages that carry tokens but no cost.
    pub fn load(store: &Store, geo: &Geo, prices: &[Price]) -> Result<Facts, StoreError> {
        let mut facts = Facts::default();
        let mut index: HashMap<i64, u32> = HashMap::new();
        let mut explicit_start = Vec::new();
        let mut explicit_end = Vec::new();
        let mut country_of: HashMap<String, u32> = HashMap::new();
        let unknown = facts.names.intern(normal::UNKNOWN);
        store.for_each_conversation(|row| {
            let i = facts.conversations.len() as u32;
            index.insert(row.id, i);
            facts.conversation_rows.push(row.id);
            facts.conversation_ids.push(row.conversation_id);
            explicit_start.push(row.started_at);
            explicit_end.push(row.ended_at);
            let country = match row.customer_ip_address.clone() {
                None => unknown,
                Some(ip) => match country_of.get(&ip) {
                    Some(&c) => c,
                    None => {
                        let c = facts.names.intern(geo.country(Some(&ip)));
                        country_of.insert(ip, c);
                        c
                    }
                },
            };
            let fact = ConversationFact {
                started: NONE,
                ended: NONE,
                user: row.customer_id.as_deref().map_or(NO_USER, |u| facts.users.intern(u)),
                country,
                device: facts.names.intern(&normal::device(row.device.as_deref())),
                source: facts.names.intern(&normal::source(row.source.as_deref())),
                language: facts.names.intern(&normal::language(row.language.as_deref())),
                environment: facts.names.intern(&normal::environment(row.environment.as_deref())),
                engaged: false,
                has_ip: row.customer_ip_address.is_some(),
                messages: 0,
                latest_rating: None,
            };
            facts.conversations.push(fact);
        })?;
        let n = facts.conversations.len();
        let mut first = vec![NONE; n];
        let mut last = vec![NONE; n];
        let widen = |first: &mut Vec<i64>, last: &mut Vec<i64>, c: usize, start: i64, end: i64| {
            if first[c] == NONE || start < first[c] {
                first[c] = start;
            }
            if last[c] == NONE || end > last[c] {
                last[c] = end;
            }
        };

        let mut pending = Vec::new();
        let price_of: HashMap<&str, &Price> = prices.iter().map(|p| (p.model.as_str(), p)).collect();
        store.for_each_message(|m| {
            if let Some(&c) = index.get(&m.conversation) {
                let has_tokens = m.prompt_tokens + m.completion_tokens > 0;
                let price = m.model.and_then(|name| price_of.get(name));
                let (cost, unpriced) = match (m.cost, price) {
                    (Some(cost), _) => (cost, false),
                    (None, Some(p)) if has_tokens => (
                        (m.prompt_tokens as f64 * p.prompt_per_million
                            + m.completion_tokens as f64 * p.completion_per_million)
                            / 1e6,
                        false,
                    ),
                    (None, _) => (0.0, has_tokens),
                };
                pending.push(Pending {
                    conversation: c,
                    ts: m.timestamp,
                    order: m.id,
                    role: m.role,
                    model: m.model.map_or(NO_MODEL, |name| facts.models.intern(name)),
                    prompt: m.prompt_tokens,
                    completion: m.completion_tokens,
                    cost,
                    unpriced,
                });
            }
        })?;
        pending.sort_unstable_by_key(|m| (m.conversation, m.ts, m.order));
        facts.exchanges = pair_exchanges(&pending);
        for e in &mut facts.exchanges {
            e.user = facts.conversations[e.conversation as usize].user;
        }
        facts.messages.reserve_exact(pending.len());
        for m in &pending {
            let c = m.conversation as usize;
            widen(&mut first, &mut last, c, m.ts, m.ts);
            let conversation = &mut facts.conversations[c];
            conversation.messages += 1;
            if m.role == Role::User {
                conversation.engaged = true;
            }
            facts.messages.push(MessageFact {
                ts: m.ts,
                conversation: m.conversation,
                user: facts.conversations[c].user,
                side: m.role.side(),
                model: m.model,
                prompt_tokens: m.prompt,
                completion_tokens: m.completion,
                cost: m.cost,
                unpriced: m.unpriced,
            });
        }
        drop(pending);

        store.for_each_action(|a| {
            if let Some(&c) = index.get(&a.conversation) {
                let duration_ms = a.duration_ms.unwrap_or(f64::NAN);
                let end = a.started_at.saturating_add(a.duration_ms.map_or(0, duration_micros));
                widen(&mut first, &mut last, c as usize, a.started_at, end);
                let name = facts.action_names.intern(&a.name);
                facts.actions.push(ActionFact { ts: a.started_at, conversation: c, name, duration_ms, error: a.error });
            }
        })?;

        let mut raw_feedback = Vec::new();
        let mut first_feedback = vec![NONE; n];
        store.for_each_feedback(|f| {
            if let Some(&c) = index.get(&f.conversation) {
                if let Some(ts) = f.timestamp {
                    let slot = &mut first_feedback[c as usize];
                    if *slot == NONE || ts < *slot {
                        *slot = ts;
                    }
                }
                raw_feedback.push((c, f));
            }
        })?;

        for (c, fact) in facts.conversations.iter_mut().enumerate() {
            // A conversation known only from its feedback starts with it.
            let derived_start = if first[c] != NONE { first[c] } else { first_feedback[c] };
            fact.started = explicit_start[c].unwrap_or(derived_start);
            fact.ended = explicit_end[c].unwrap_or(last[c]);
        }
        facts.feedback = raw_feedback
            .into_iter()
            .map(|(c, f)| {
                let conv = &facts.conversations[c as usize];
                let fallback = if conv.ended != NONE { conv.ended } else { conv.started };
                FeedbackFact {
                    ts: f.timestamp.unwrap_or(fallback),
                    conversation: c,
                    rating: f.rating,
                    row: f.id,
                    has_comment: f.has_comment,
                }
            })
            .collect();

        facts.messages.sort_by_key(|m| m.ts);
        facts.exchanges.sort_by_key(|e| e.ts);
        facts.actions.sort_by_key(|a| a.ts);
        facts.feedback.sort_by_key(|f| (f.ts, f.row));
        for f in &facts.feedback {
            if f.ts != NONE {
                facts.conversations[f.conversation as usize].latest_rating = Some(f.rating);
            }
        }
        facts.renumber_by_start();
        facts.span = facts.compute_span();
        facts.groups = Groups::build(&facts.messages, &facts.exchanges);
        Ok(facts)
    }

    /// Numbers conversations in order of their start, and users in order of
    /// their first conversation, so that the conversations of one stretch of
    /// time sit together: a scan over time then reads the per-conversation
    /// and per-user tables of a query nearly in order, not all over memory.
    fn renumber_by_start(&mut self) {
        let mut order: Vec<u32> = (0..self.conversations.len() as u32).collect();
        order.sort_by_key(|&c| {
            let started = self.conversations[c as usize].started;
            (started == NONE, started)
        });
        let mut new_of = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old as usize] = new as u32;
        }
        let mut old_users = std::mem::take(&mut self.users);
        let mut new_user = vec![NO_USER; old_users.values.len()];
        for &old in &order {
            let u = self.conversations[old as usize].user;
            if u != NO_USER && new_user[u as usize] == NO_USER {
                new_user[u as usize] = self.users.intern(&std::mem::take(&mut old_users.values[u as usize]));
            }
        }
        let user = |u: u32| if u == NO_USER { NO_USER } else { new_user[u as usize] };

        let conversations = std::mem::take(&mut self.conversations);
        self.conversations = order
            .iter()
            .map(|&old| ConversationFact {
                user: user(conversations[old as usize].user),
                ..conversations[old as usize]
            })
            .collect();
        self.conversation_rows = order.iter().map(|&old| self.conversation_rows[old as usize]).collect();
        let mut ids = std::mem::take(&mut self.conversation_ids);
        self.conversation_ids = order.iter().map(|&old| std::mem::take(&mut ids[old as usize])).collect();
        for m in &mut self.messages {
            m.conversation = new_of[m.conversation as usize];
            m.user = user(m.user);
        }
        for e in &mut self.exchanges {
            e.conversation = new_of[e.conversation as usize];
            e.user = user(e.user);
        }
        for a in &mut self.actions {
            a.conversation = new_of[a.conversation as usize];
        }
        for f in &mut self.feedback {
            f.conversation = new_of[f.conversation as usize];
        }
    }

    fn compute_span(&self) -> Option<(i64, i64)> {
        let instants = self
            .messages
            .iter()
            .map(|m| m.ts)
            .chain(self.actions.iter().map(|a| a.ts))
            .chain(self.feedback.iter().map(|f| f.ts))
            .chain(self.conversations.iter().flat_map(|c| [c.started, c.ended]))
            .filter(|&t| t != NONE);
        instants.fold(None, |acc, t| match acc {
            None => Some((t, t)),
            Some((a, b)) => Some((a.min(t), b.max(t))),
        })
    }
}

/// Pairs each agent message with the user message right before it.
///
/// Messages come sorted by conversation, then time, then file order. Only
/// user and agent messages take part: an exchange is a user message followed,
/// as the next of them, by an agent message.
///
/// ```text
/// time:  u1   u2   a1   a2   u3   a3
/// pairs:      u2───a1        u3───a3     (u1 is superseded; a2 answers no one)
/// ```
fn pair_exchanges(sorted: &[Pending]) -> Vec<ExchangeFact> {
    let mut out = Vec::new();
    let mut previous: Option<&Pending> = None;
    for m in sorted {
        if previous.is_some_and(|p| p.conversation != m.conversation) {
            previous = None;
        }
        match m.role.side() {
            Side::Neither => continue,
            Side::Agent => {
                if let Some(p) = previous.filter(|p| p.role.side() == Side::User) {
                    out.push(ExchangeFact {
                        ts: m.ts,
                        conversation: m.conversation,
                        user: NO_USER,
                        response_us: m.ts - p.ts,
                    });
                }
            }
            Side::User => {}
        }
        previous = Some(m);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(conversation: u32, ts: i64, role: Role) -> Pending {
        Pending {
            conversation,
            ts,
            order: ts,
            role,
            model: NO_MODEL,
            prompt: 0,
            completion: 0,
            cost: 0.0,
            unpriced: false,
        }
    }

    #[test]
    fn the_last_user_message_before_an_agent_message_counts() {
        let seq = [
            msg(0, 1, Role::User),
            msg(0, 2, Role::User),
            msg(0, 5, Role::Agent),
            msg(0, 6, Role::Agent),
            msg(0, 7, Role::System),
            msg(0, 8, Role::User),
            msg(0, 9, Role::Tool),
            msg(0, 12, Role::Agent),
        ];
        let pairs: Vec<_> = pair_exchanges(&seq).iter().map(|e| (e.ts, e.response_us)).collect();
        assert_eq!(pairs, vec![(5, 3), (12, 4)], "u2→a1 and u3→a3; system and tool messages are skipped");
    }

    #[test]
    fn exchanges_do_not_cross_conversations() {
        let seq = [msg(0, 1, Role::User), msg(1, 2, Role::Agent)];
        assert!(pair_exchanges(&seq).is_empty());
    }
}

//! The facts every metric is computed from, held in memory and sorted by time.
//!
//! Built once from the store's rows (and again after an import), which the
//! engine reads and hands to a [`FactsBuilder`]: per conversation
//! its derived start, end, engagement and normalised context; every message,
//! exchange, action and feedback as a small fixed-size row sorted by time, so
//! that a query is a binary search and one pass over the rows in range.

use super::column::{interleave, retained_merged, retained_placed, Column, Names};
use super::groups::Groups;
use super::normal;
use super::rows::{flag, rating_code, side_code};
pub use super::rows::{
    ActionFact, ConversationFact, ExchangeFact, ExchangeRate, FeedbackFact, ForeignCostFact, Interner, MessageFact,
    Price, NONE, NO_MODEL, NO_USER,
};
use crate::model::{duration_micros, Role, Side};
use crate::store::{ActionRow, FeedbackRow, MessageRow, StoredConversation};
use std::collections::HashMap;

#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub conversations: Column<ConversationFact>,
    /// The store's row id of each conversation, for lists and transcripts.
    pub conversation_rows: Column<i64>,
    /// Each conversation's `conversation_id`.
    pub conversation_ids: Names,
    pub models: Interner,
    pub users: Interner,
    /// Countries, devices, sources and languages share one table of names.
    pub names: Interner,
    pub action_names: Interner,
    pub messages: Column<MessageFact>,
    pub exchanges: Column<ExchangeFact>,
    pub actions: Column<ActionFact>,
    pub feedback: Column<FeedbackFact>,
    /// Messages whose cost is in a currency without a rate, sorted by time.
    pub foreign_costs: Column<ForeignCostFact>,
    /// The currencies of `foreign_costs`.
    pub currencies: Interner,
    /// The earliest and latest instant of any fact, if there is one.
    pub span: Option<(i64, i64)>,
    /// The messages and exchanges again, folded per conversation and quarter hour.
    pub groups: Groups,
    /// Each message's conversation, by the store's row id of the message
    /// (row ids are given one after another and never reused, so the table
    /// is dense); `NO_CONVERSATION` for a row it does not hold.
    pub message_conversations: Column<u32>,
    /// Each message's conversation as (store row id of the message, its
    /// conversation here), sorted by row: what facts of some conversations
    /// only (an update's, see [`FactsBuilder::of_some_conversations`]) hold
    /// instead of `message_conversations`, which would be as long as the
    /// store's largest message row.
    pub message_rows: Vec<(i64, u32)>,
    /// Questions and fallback answers (Insights): found from the messages'
    /// text, which the rest does not read, by an [`super::InsightsBuilder`]
    /// the engine feeds after the rest.
    pub insights: super::insights::InsightFacts,
    /// The facts of the conversations an import changed since these were
    /// built or read back, beside them (a second, small run of every table
    /// sorted by time), and which of the others they replace: see
    /// [`super::delta`]. Empty in facts built or read back.
    pub delta: super::delta::Delta,
    /// Which conversations escalated or had a negative feedback, once a
    /// dashboard found them (see `compute::KeptOutcomes`).
    pub(crate) outcomes: super::compute::KeptOutcomes,
    /// The names the filters test, a column per key, once a dashboard made
    /// them (see `filter_columns`).
    pub(crate) filter_columns: super::filter_columns::KeptColumns,
}

/// In [`Facts::message_conversations`]: no message has this row.
pub const NO_CONVERSATION: u32 = u32::MAX;

impl Facts {
    /// The conversation (its index here) of the message with this store row id.
    pub fn conversation_of_message(&self, message_row: i64) -> Option<u32> {
        if let Ok(at) = self.delta.message_rows.binary_search_by_key(&message_row, |&(row, _)| row) {
            return Some(self.delta.message_rows[at].1);
        }
        let sparse = self.message_rows.binary_search_by_key(&message_row, |&(row, _)| row).ok();
        let c = match sparse {
            Some(at) => self.message_rows[at].1,
            None => *self.message_conversations.get(usize::try_from(message_row).ok()?)?,
        };
        (c != NO_CONVERSATION && !self.is_replaced(c)).then_some(c)
    }
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
    /// Its time is unknown: it answers no one (see [`pair_exchanges`]).
    time_unknown: bool,
}

/// Builds [`Facts`] from the store's rows, handed in by whoever reads the
/// store (the engine): every conversation first, then its messages, actions
/// and feedback, in any order among those. Nothing here reads anything.
pub struct FactsBuilder<'p> {
    facts: Facts,
    /// The store's conversation row id → its number here.
    index: HashMap<i64, u32>,
    explicit_start: Vec<Option<i64>>,
    explicit_end: Vec<Option<i64>>,
    price_of: HashMap<&'p str, &'p Price>,
    /// Currency code → US dollars per unit.
    rate_of: HashMap<String, f64>,
    pending: Vec<Pending>,
    /// Each action's conversation, start and end, which widen its conversation.
    action_spans: Vec<(u32, i64, i64)>,
    feedback: Vec<(u32, FeedbackRow)>,
    /// Messages' conversations kept row by row (`Facts::message_rows`).
    sparse: bool,
}

impl<'p> FactsBuilder<'p> {
    /// `prices` estimate the cost of messages that carry tokens but no cost.
    pub fn new(prices: &'p [Price]) -> FactsBuilder<'p> {
        let mut facts = Facts::default();
        facts.names.intern(normal::UNKNOWN);
        FactsBuilder {
            facts,
            index: HashMap::new(),
            explicit_start: Vec::new(),
            explicit_end: Vec::new(),
            price_of: prices.iter().map(|p| (p.model.as_str(), p)).collect(),
            rate_of: HashMap::new(),
            pending: Vec::new(),
            action_spans: Vec::new(),
            feedback: Vec::new(),
            sparse: false,
        }
    }

    /// For the facts of some conversations only (an update's): each
    /// message's conversation is kept row by row ([`Facts::message_rows`]),
    /// not in a table as long as the store's largest message row.
    pub fn of_some_conversations(mut self) -> FactsBuilder<'p> {
        self.sparse = true;
        self
    }

    /// Exchange rates that convert costs given in other currencies into
    /// US dollars; a cost in a currency without one is left out and counted.
    pub fn rates(mut self, rates: &[ExchangeRate]) -> FactsBuilder<'p> {
        self.rate_of = rates
            .iter()
            .filter(|r| r.usd_per_unit.is_finite() && r.usd_per_unit >= 0.0)
            .map(|r| (ExchangeRate::code(&r.currency), r.usd_per_unit))
            .collect();
        self
    }

    /// A conversation, with the country its IP address locates to (`None`
    /// when it has no address).
    pub fn conversation(&mut self, row: StoredConversation, country: Option<&str>) {
        let facts = &mut self.facts;
        let i = facts.conversations.len() as u32;
        self.index.insert(row.id, i);
        facts.conversation_rows.to_mut().push(row.id);
        facts.conversation_ids.to_mut().push(row.conversation_id);
        self.explicit_start.push(row.started_at);
        self.explicit_end.push(row.ended_at);
        let country = facts.names.intern(country.unwrap_or(normal::UNKNOWN));
        let fact = ConversationFact {
            started: NONE,
            ended: NONE,
            user: row.customer_id.as_deref().map_or(NO_USER, |u| facts.users.intern(u)),
            country,
            device: facts.names.intern(&normal::device(row.device.as_deref())),
            source: facts.names.intern(&normal::source(row.source.as_deref())),
            language: facts.names.intern(&normal::language(row.language.as_deref())),
            environment: facts.names.intern(&normal::environment(row.environment.as_deref())),
            engaged: 0,
            has_ip: flag(row.customer_ip_address.is_some()),
            messages: 0,
            latest_rating: rating_code(None),
            _pad: 0,
        };
        facts.conversations.to_mut().push(fact);
    }

    /// A message; its cost is estimated from the prices when it has tokens
    /// but none, and converted with the rates when it is in another currency.
    pub fn message(&mut self, m: MessageRow) {
        let Some(&c) = self.index.get(&m.conversation) else { return };
        if self.sparse {
            self.facts.message_rows.push((m.id, c));
        } else if let Ok(row) = usize::try_from(m.id) {
            let rows = self.facts.message_conversations.to_mut();
            if row >= rows.len() {
                rows.resize(row + 1, NO_CONVERSATION);
            }
            rows[row] = c;
        }
        let has_tokens = m.prompt_tokens + m.completion_tokens > 0;
        let price = m.model.and_then(|name| self.price_of.get(name));
        let foreign = m.foreign_cost.filter(|_| m.cost.is_none()).map(|(amount, currency)| {
            let code = ExchangeRate::code(currency);
            (amount, self.rate_of.get(&code).copied(), code)
        });
        let (cost, unpriced) = match (m.cost, price, foreign) {
            (Some(cost), _, _) => (cost, false),
            // A price in another currency is that message's cost: converted, or left out and said.
            (None, _, Some((amount, Some(rate), _))) => (amount * rate, false),
            (None, _, Some((amount, None, code))) => {
                let currency = self.facts.currencies.intern(&code);
                self.facts.foreign_costs.to_mut().push(ForeignCostFact {
                    ts: m.timestamp,
                    conversation: c,
                    currency,
                    amount,
                });
                (0.0, false)
            }
            (None, Some(p), None) if has_tokens => (
                (m.prompt_tokens as f64 * p.prompt_per_million + m.completion_tokens as f64 * p.completion_per_million)
                    / 1e6,
                false,
            ),
            (None, _, None) => (0.0, has_tokens),
        };
        self.pending.push(Pending {
            conversation: c,
            ts: m.timestamp,
            order: m.id,
            role: m.role,
            model: m.model.map_or(NO_MODEL, |name| self.facts.models.intern(name)),
            prompt: m.prompt_tokens,
            completion: m.completion_tokens,
            cost,
            unpriced,
            time_unknown: m.time_unknown,
        });
    }

    pub fn action(&mut self, a: ActionRow) {
        let Some(&c) = self.index.get(&a.conversation) else { return };
        let duration_ms = a.duration_ms.unwrap_or(f64::NAN);
        let end = a.started_at.saturating_add(a.duration_ms.map_or(0, duration_micros));
        self.action_spans.push((c, a.started_at, end));
        let name = self.facts.action_names.intern(&a.name);
        self.facts.actions.to_mut().push(ActionFact {
            ts: a.started_at,
            conversation: c,
            name,
            duration_ms,
            error: flag(a.error),
            _pad: [0; 7],
        });
    }

    pub fn feedback(&mut self, f: FeedbackRow) {
        if let Some(&c) = self.index.get(&f.conversation) {
            self.feedback.push((c, f));
        }
    }

    /// Derives what the rows imply (starts, ends, exchanges, engagement,
    /// latest ratings), sorts every kind by time and folds the groups.
    pub fn finish(self) -> Facts {
        let FactsBuilder { mut facts, explicit_start, explicit_end, mut pending, action_spans, feedback, .. } = self;
        facts.message_rows.sort_unstable();
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

        pending.sort_unstable_by_key(|m| (m.conversation, m.ts, m.order));
        facts.exchanges = pair_exchanges(&pending).into();
        for e in &mut facts.exchanges {
            e.user = facts.conversations[e.conversation as usize].user;
        }
        let messages = facts.messages.to_mut();
        messages.reserve_exact(pending.len());
        for m in &pending {
            let c = m.conversation as usize;
            widen(&mut first, &mut last, c, m.ts, m.ts);
            let conversation = &mut facts.conversations[c];
            conversation.messages += 1;
            if m.role == Role::User {
                conversation.engaged = 1;
            }
            messages.push(MessageFact {
                ts: m.ts,
                conversation: m.conversation,
                user: facts.conversations[c].user,
                side: side_code(m.role.side()),
                model: m.model,
                prompt_tokens: m.prompt,
                completion_tokens: m.completion,
                cost: m.cost,
                unpriced: flag(m.unpriced),
                _pad: [0; 2],
            });
        }
        drop(pending);
        for (c, start, end) in action_spans {
            widen(&mut first, &mut last, c as usize, start, end);
        }

        let mut first_feedback = vec![NONE; n];
        for (c, f) in &feedback {
            if let Some(ts) = f.timestamp {
                let slot = &mut first_feedback[*c as usize];
                if *slot == NONE || ts < *slot {
                    *slot = ts;
                }
            }
        }

        for (c, fact) in facts.conversations.iter_mut().enumerate() {
            // A conversation known only from its feedback starts with it.
            let derived_start = if first[c] != NONE { first[c] } else { first_feedback[c] };
            fact.started = explicit_start[c].unwrap_or(derived_start);
            fact.ended = explicit_end[c].unwrap_or(last[c]);
        }
        facts.feedback = feedback
            .into_iter()
            .map(|(c, f)| {
                let conv = &facts.conversations[c as usize];
                let fallback = if conv.ended != NONE { conv.ended } else { conv.started };
                FeedbackFact {
                    ts: f.timestamp.unwrap_or(fallback),
                    conversation: c,
                    rating: rating_code(Some(f.rating)),
                    row: f.id,
                    has_comment: flag(f.has_comment),
                    _pad: [0; 2],
                }
            })
            .collect();

        facts.messages.sort_by_key(|m| m.ts);
        facts.exchanges.sort_by_key(|e| e.ts);
        // Ties in time in order of conversation (row ids here): as
        // [`Facts::merged`] orders them, so that merged facts are built ones.
        facts.actions.sort_by_key(|a| (a.ts, a.conversation));
        facts.feedback.sort_by_key(|f| (f.ts, f.row));
        facts.foreign_costs.sort_by_key(|f| (f.ts, f.conversation));
        for f in &facts.feedback {
            if f.ts != NONE {
                facts.conversations[f.conversation as usize].latest_rating = f.rating;
            }
        }
        facts.renumber_by_start();
        facts.span = facts.compute_span();
        facts.groups = Groups::build(&facts.messages, &facts.exchanges);
        facts
    }
}

impl Facts {
    /// Numbers conversations in order of their start, and users in order of
    /// their first conversation, so that the conversations of one stretch of
    /// time sit together: a scan over time then reads the per-conversation
    /// and per-user tables of a query nearly in order, not all over memory.
    fn renumber_by_start(&mut self) {
        self.renumber_conversations_by_start();
        let mut old_users = std::mem::take(&mut self.users);
        let mut new_user = vec![NO_USER; old_users.values.len()];
        for c in &self.conversations {
            let u = c.user;
            if u != NO_USER && new_user[u as usize] == NO_USER {
                new_user[u as usize] = self.users.intern(&std::mem::take(&mut old_users.values[u as usize]));
            }
        }
        let user = |u: u32| if u == NO_USER { NO_USER } else { new_user[u as usize] };
        for c in &mut self.conversations {
            c.user = user(c.user);
        }
        for m in &mut self.messages {
            m.user = user(m.user);
        }
        for e in &mut self.exchanges {
            e.user = user(e.user);
        }
    }

    /// Numbers conversations in order of their start (ties by row id, so
    /// that the numbering does not depend on the order they came in: built,
    /// or merged), in every table; returns each old number's new one.
    fn renumber_conversations_by_start(&mut self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.conversations.len() as u32).collect();
        order.sort_by_key(|&c| {
            let started = self.conversations[c as usize].started;
            (started == NONE, started, self.conversation_rows[c as usize])
        });
        let mut new_of = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old as usize] = new as u32;
        }
        let conversations = std::mem::take(&mut self.conversations);
        self.conversations = order.iter().map(|&old| conversations[old as usize]).collect();
        self.conversation_rows = order.iter().map(|&old| self.conversation_rows[old as usize]).collect();
        let mut ids = std::mem::take(&mut self.conversation_ids);
        self.conversation_ids =
            order.iter().map(|&old| std::mem::take(&mut ids[old as usize])).collect::<Vec<_>>().into();
        for m in &mut self.messages {
            m.conversation = new_of[m.conversation as usize];
        }
        for e in &mut self.exchanges {
            e.conversation = new_of[e.conversation as usize];
        }
        for a in &mut self.actions {
            a.conversation = new_of[a.conversation as usize];
        }
        for f in &mut self.feedback {
            f.conversation = new_of[f.conversation as usize];
        }
        for f in &mut self.foreign_costs {
            f.conversation = new_of[f.conversation as usize];
        }
        for c in self.message_conversations.iter_mut().filter(|c| **c != NO_CONVERSATION) {
            *c = new_of[*c as usize];
        }
        for (_, c) in &mut self.message_rows {
            *c = new_of[*c as usize];
        }
        new_of
    }

    /// These facts with those of some conversations replaced: `new` holds
    /// the facts of every conversation that changed (new ones included),
    /// built from the store's rows of those conversations only; whatever
    /// these facts held of them is dropped. The result is what building
    /// from every row gives (names may be numbered otherwise).
    pub fn merged(mut self, new: Facts) -> Facts {
        debug_assert!(self.delta.is_empty() && new.delta.is_empty(), "facts with a second run are folded first");
        self.outcomes.clear();
        self.filter_columns.clear();
        let mut replaced_rows = new.conversation_rows.clone();
        replaced_rows.sort_unstable();
        let replaced = |row: &i64| replaced_rows.binary_search(row).is_ok();
        let models = self.models.intern_all(new.models.values.iter().map(String::as_str));
        let users = self.users.intern_all(new.users.values.iter().map(String::as_str));
        let names = self.names.intern_all(new.names.values.iter().map(String::as_str));
        let action_names = self.action_names.intern_all(new.action_names.values.iter().map(String::as_str));
        let user = |u: u32| if u == NO_USER { NO_USER } else { users[u as usize] };
        let model = |m: u32| if m == NO_MODEL { NO_MODEL } else { models[m as usize] };

        // Conversations are numbered by start (ties by row id) as a build
        // numbers them: those kept are in that order already, so the new
        // ones are merged in among them, and each conversation's final
        // number is known before any row is touched. Every table is then
        // renumbered in the one pass that drops the replaced rows, and the
        // new rows merged in place: no table is copied whole.
        let key = |c: &ConversationFact, row: i64| (c.started == NONE, c.started, row);
        let kept: Vec<u32> =
            (0..self.conversations.len() as u32).filter(|&c| !replaced(&self.conversation_rows[c as usize])).collect();
        let in_order = kept.windows(2).all(|w| {
            let (a, b) = (w[0] as usize, w[1] as usize);
            key(&self.conversations[a], self.conversation_rows[a])
                <= key(&self.conversations[b], self.conversation_rows[b])
        });
        if !in_order {
            // Not numbered by start (facts are, built or merged; but this is
            // cheap to be sure of): numbered so, every table with them.
            let new_of = self.renumber_conversations_by_start();
            for q in &mut self.insights.questions {
                q.conversation = new_of[q.conversation as usize];
            }
            for a in &mut self.insights.fallback_answers {
                a.conversation = new_of[a.conversation as usize];
            }
            self.groups = Groups::build(&self.messages, &self.exchanges);
            return self.merged(new);
        }
        let mut added: Vec<u32> = (0..new.conversations.len() as u32).collect();
        added.sort_by_key(|&c| key(&new.conversations[c as usize], new.conversation_rows[c as usize]));
        // Old number → final one (u32::MAX when replaced); new number → final one.
        let mut old_to = vec![u32::MAX; self.conversations.len()];
        let mut new_to = vec![u32::MAX; new.conversations.len()];
        // Where each added conversation goes, in final order.
        let mut added_at = Vec::with_capacity(added.len());
        let (mut k, mut a) = (0, 0);
        while k < kept.len() || a < added.len() {
            let at = (k + a) as u32;
            let take_old = a == added.len()
                || (k < kept.len() && {
                    let (o, n) = (kept[k] as usize, added[a] as usize);
                    key(&self.conversations[o], self.conversation_rows[o])
                        <= key(&new.conversations[n], new.conversation_rows[n])
                });
            if take_old {
                old_to[kept[k] as usize] = at;
                k += 1;
            } else {
                new_to[added[a] as usize] = at;
                added_at.push(at as usize);
                a += 1;
            }
        }
        drop(kept);
        let keep = |c: &mut u32| {
            *c = old_to[*c as usize];
            *c != u32::MAX
        };
        let renamed = |c: usize| ConversationFact {
            user: user(new.conversations[c].user),
            country: names[new.conversations[c].country as usize],
            device: names[new.conversations[c].device as usize],
            source: names[new.conversations[c].source as usize],
            language: names[new.conversations[c].language as usize],
            environment: names[new.conversations[c].environment as usize],
            ..new.conversations[c]
        };
        let mut conversation_ids = std::mem::take(&mut self.conversation_ids).into_vec();
        let mut new_ids = new.conversation_ids;
        let kept_at = |c: usize| old_to[c] != u32::MAX;
        let conversations = std::mem::take(&mut self.conversations);
        let added_conversations = added.iter().map(|&c| renamed(c as usize)).collect();
        self.conversations = retained_placed(conversations, kept_at, added_conversations, &added_at);
        let conversation_rows = std::mem::take(&mut self.conversation_rows);
        let added_rows = added.iter().map(|&c| new.conversation_rows[c as usize]).collect();
        self.conversation_rows = retained_placed(conversation_rows, kept_at, added_rows, &added_at);
        retain_at(&mut conversation_ids, kept_at);
        interleave(
            &mut conversation_ids,
            added.iter().map(|&c| std::mem::take(&mut new_ids[c as usize])).collect(),
            &added_at,
            String::new,
        );
        self.conversation_ids = conversation_ids.into();
        let rows = &self.conversation_rows;
        let row_of = |c: u32| rows[c as usize];
        let new_conversation = |c: u32| new_to[c as usize];
        let currencies = self.currencies.intern_all(new.currencies.values.iter().map(String::as_str));

        // Every kind in time, ties by conversation row id (as built), the
        // rows of one conversation in the order they had: the kept rows
        // renumbered in the pass that drops the replaced ones, the new ones
        // merged in (in place when the rows are owned; read once from the
        // mapped facts and written once when they are read in place). The
        // messages on this thread, every other kind on another: each table
        // is a pass over memory, and the machine has another core.
        let old_messages = std::mem::take(&mut self.messages);
        let (old_exchanges, old_actions) = (std::mem::take(&mut self.exchanges), std::mem::take(&mut self.actions));
        let (old_feedback, old_foreign) = (std::mem::take(&mut self.feedback), std::mem::take(&mut self.foreign_costs));
        let old_message_conversations = std::mem::take(&mut self.message_conversations);
        let old_message_rows = std::mem::take(&mut self.message_rows);
        let old_insights = std::mem::take(&mut self.insights);
        let the_others = || {
            let added = new.exchanges.iter().map(|e| ExchangeFact {
                conversation: new_conversation(e.conversation),
                user: user(e.user),
                model: model(e.model),
                ..*e
            });
            let exchanges = retained_merged(
                old_exchanges,
                |e| keep(&mut e.conversation),
                added.collect(),
                |e| e.ts,
                |e| row_of(e.conversation),
            );
            let added = new.actions.iter().map(|a| ActionFact {
                conversation: new_conversation(a.conversation),
                name: action_names[a.name as usize],
                ..*a
            });
            let actions = retained_merged(
                old_actions,
                |a| keep(&mut a.conversation),
                added.collect(),
                |a| a.ts,
                |a| row_of(a.conversation),
            );
            let added =
                new.feedback.iter().map(|f| FeedbackFact { conversation: new_conversation(f.conversation), ..*f });
            let feedback =
                retained_merged(old_feedback, |f| keep(&mut f.conversation), added.collect(), |f| f.ts, |f| f.row);
            let added = new.foreign_costs.iter().map(|f| ForeignCostFact {
                conversation: new_conversation(f.conversation),
                currency: currencies[f.currency as usize],
                ..*f
            });
            let foreign_costs = retained_merged(
                old_foreign,
                |f| keep(&mut f.conversation),
                added.collect(),
                |f| f.ts,
                |f| row_of(f.conversation),
            );
            // Each message's conversation: the kept ones' renumbered, the
            // replaced ones' dropped, then the new ones' written over them;
            // row by row when both are (facts of some conversations only).
            let old = old_message_conversations;
            let renumbered = |c: u32| if c == NO_CONVERSATION { c } else { old_to[c as usize] };
            let (message_conversations, message_rows) = if old.is_empty() && new.message_conversations.is_empty() {
                let mut rows: Vec<(i64, u32)> = old_message_rows
                    .into_iter()
                    .map(|(row, c)| (row, renumbered(c)))
                    .filter(|&(row, c)| {
                        c != NO_CONVERSATION && new.message_rows.binary_search_by_key(&row, |&(r, _)| r).is_err()
                    })
                    .collect();
                rows.extend(new.message_rows.iter().map(|&(row, c)| (row, new_conversation(c))));
                rows.sort_unstable();
                (Vec::new(), rows)
            } else {
                let grown = new.message_conversations.len().saturating_sub(old.len());
                let mut message_conversations = if old.is_in_place() {
                    let mut v = Vec::with_capacity(old.len() + grown);
                    v.extend(old.iter().map(|&c| renumbered(c)));
                    v
                } else {
                    let mut v = old.into_vec_with_room(grown);
                    v.iter_mut().for_each(|c| *c = renumbered(*c));
                    v
                };
                let mut put = |row: i64, c: u32| {
                    let Ok(row) = usize::try_from(row) else { return };
                    if row >= message_conversations.len() {
                        message_conversations.resize(row + 1, NO_CONVERSATION);
                    }
                    message_conversations[row] = c;
                };
                for (row, c) in old_message_rows {
                    put(row, renumbered(c));
                }
                for (row, &c) in new.message_conversations.iter().enumerate().filter(|(_, c)| **c != NO_CONVERSATION) {
                    put(row as i64, new_conversation(c));
                }
                for &(row, c) in &new.message_rows {
                    put(row, new_conversation(c));
                }
                (message_conversations, Vec::new())
            };
            let insights = old_insights.merged(new.insights, &old_to, &new_to, row_of);
            (exchanges, actions, feedback, foreign_costs, message_conversations, message_rows, insights)
        };
        // The quarter hours where messages are taken out or put in are
        // noted on the way: only their groups are folded again.
        let mut changed: Vec<i64> = new.messages.iter().map(|m| super::groups::bucket_of(m.ts)).collect();
        let the_messages = |changed: &mut Vec<i64>| {
            let added = new.messages.iter().map(|m| MessageFact {
                conversation: new_conversation(m.conversation),
                user: user(m.user),
                model: model(m.model),
                ..*m
            });
            let renumbered = |m: &mut MessageFact| {
                m.conversation = old_to[m.conversation as usize];
                let kept = m.conversation != u32::MAX;
                if !kept {
                    changed.push(super::groups::bucket_of(m.ts));
                }
                kept
            };
            retained_merged(old_messages, renumbered, added.collect(), |m| m.ts, |m| row_of(m.conversation))
        };
        let (messages, (exchanges, actions, feedback, foreign_costs, message_conversations, message_rows, insights)) =
            std::thread::scope(|scope| {
                let others = scope.spawn(the_others);
                let messages = the_messages(&mut changed);
                (messages, others.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            });
        changed.sort_unstable();
        changed.dedup();
        let earlier = std::mem::take(&mut self.groups);

        let mut facts = Facts {
            conversations: self.conversations,
            conversation_rows: self.conversation_rows,
            conversation_ids: self.conversation_ids,
            models: self.models,
            users: self.users,
            names: self.names,
            action_names: self.action_names,
            messages,
            exchanges,
            actions,
            feedback,
            foreign_costs,
            currencies: self.currencies,
            span: None,
            groups: Groups::default(),
            message_conversations: message_conversations.into(),
            message_rows,
            insights,
            delta: Default::default(),
            outcomes: Default::default(),
            filter_columns: Default::default(),
        };
        facts.span = facts.compute_span();
        facts.groups = Groups::rebuild(earlier, |c| old_to[c as usize], &facts.messages, &facts.exchanges, &changed);
        facts
    }

    /// The earliest and latest instant of any fact: the ends of the
    /// messages, actions and feedback (sorted by time, those without one
    /// first) and every conversation's start and end.
    fn compute_span(&self) -> Option<(i64, i64)> {
        fn ends<T>(rows: &[T], ts: impl Fn(&T) -> i64) -> [i64; 2] {
            let first = rows.partition_point(|r| ts(r) == NONE);
            [rows.get(first).map_or(NONE, &ts), rows.last().map_or(NONE, &ts)]
        }
        let instants = ends(&self.messages, |m| m.ts)
            .into_iter()
            .chain(ends(&self.actions, |a| a.ts))
            .chain(ends(&self.feedback, |f| f.ts))
            .chain(self.conversations.iter().flat_map(|c| [c.started, c.ended]))
            .filter(|&t| t != NONE);
        instants.fold(None, |acc, t| match acc {
            None => Some((t, t)),
            Some((a, b)) => Some((a.min(t), b.max(t))),
        })
    }
}

/// Keeps the rows of `v` whose index `keep` says.
fn retain_at<T>(v: &mut Vec<T>, keep: impl Fn(usize) -> bool) {
    let mut i = 0;
    v.retain(|_| {
        i += 1;
        keep(i - 1)
    });
}

/// Pairs each agent message with the user message right before it.
///
/// Messages come sorted by conversation, then time, then file order. Only
/// user and agent messages take part: an exchange is a user message followed,
/// as the next of them, by an agent message. An agent message whose time the
/// file did not give (`time_unknown`) makes an exchange whose response time
/// is unknown (`NONE`).
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
                        response_us: if m.time_unknown { NONE } else { m.ts - p.ts },
                        model: m.model,
                        _pad: 0,
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

    #[test]
    fn interleave_puts_each_added_row_at_its_index_and_keeps_the_others_in_order() {
        let cases: &[(&[u32], &[u32], &[usize])] = &[
            (&[1, 2, 3], &[10, 20], &[0, 4]),
            (&[1, 2, 3], &[10, 20], &[3, 4]),
            (&[1, 2, 3], &[10, 20, 30], &[0, 1, 2]),
            (&[1, 2, 3], &[10], &[2]),
            (&[], &[10, 20], &[0, 1]),
            (&[1, 2], &[], &[]),
        ];
        for &(v, add, at) in cases {
            let mut got = v.to_vec();
            interleave(&mut got, add.to_vec(), at, || 0);
            let mut want = Vec::new();
            let (mut i, mut j) = (0, 0);
            while want.len() < v.len() + add.len() {
                if j < at.len() && at[j] == want.len() {
                    want.push(add[j]);
                    j += 1;
                } else {
                    want.push(v[i]);
                    i += 1;
                }
            }
            assert_eq!(got, want, "{v:?} with {add:?} at {at:?}");
        }
        let mut names = vec!["a".to_owned(), "c".to_owned()];
        interleave(&mut names, vec!["b".to_owned(), "d".to_owned()], &[1, 3], String::new);
        assert_eq!(names, ["a", "b", "c", "d"]);
    }

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
            time_unknown: false,
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

//! Messages folded per conversation and quarter hour, so that a dashboard
//! reads about one row per conversation instead of one per message.
//!
//! Every zone in use today is offset from UTC by a whole number of quarter
//! hours, and changes its offset on a quarter hour, so all messages of a UTC
//! quarter hour share their local day and hour. A query whose ends fall on
//! quarter hours, in such a zone, can therefore count whole groups; any
//! other query reads the messages one by one (`compute` chooses).

use super::rows::{ExchangeFact, MessageFact, NONE, NO_MODEL};
use crate::model::Side;

/// A quarter of an hour, in microseconds.
pub const BUCKET_US: i64 = 15 * 60 * 1_000_000;

/// The messages of one conversation in one quarter hour (those naming a
/// model split by model), with the exchanges whose agent message is among them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MessageGroup {
    /// The quarter hour's first instant (a group of one: its message's instant).
    pub bucket: i64,
    pub conversation: u32,
    pub user: u32,
    /// The model of `model_*` below, or `NO_MODEL`.
    pub model: u32,
    pub messages: u32,
    pub user_messages: u32,
    pub agent_messages: u32,
    pub prompt: u64,
    pub completion: u64,
    pub cost: f64,
    /// Of the above, the messages naming `model`, and their tokens and cost.
    pub model_messages: u32,
    pub model_prompt: u64,
    pub model_completion: u64,
    pub model_cost: f64,
    /// Some message naming `model` has tokens but no cost nor price.
    pub unpriced: bool,
    /// The exchanges; of them, `timed` have a response time (the others'
    /// answer has no time of its own). Their response times are
    /// `responses[first_response..][..timed]`; those of the next group start
    /// where these end.
    pub exchanges: u32,
    pub timed: u32,
    pub first_response: u32,
    pub response_sum: i64,
}

#[derive(Debug, Default, Clone)]
pub struct Groups {
    /// Sorted by quarter hour.
    pub rows: Vec<MessageGroup>,
    /// Each row's conversation again, packed: a filtered scan reads these
    /// and only the rows that pass.
    pub conversations: Vec<u32>,
    /// Response times in microseconds, each group's together.
    pub responses: Vec<i64>,
}

pub fn bucket_of(ts: i64) -> i64 {
    ts - ts.rem_euclid(BUCKET_US)
}

impl Groups {
    /// Folds time-sorted messages and exchanges.
    pub fn build(messages: &[MessageFact], exchanges: &[ExchangeFact]) -> Groups {
        let mut groups =
            Groups { rows: Vec::with_capacity(messages.len() / 4), conversations: Vec::new(), responses: Vec::new() };
        groups.responses.reserve_exact(exchanges.len());
        let mut order: Vec<u32> = Vec::new();
        let mut pending: Vec<(u32, i64)> = Vec::new();
        let (mut m, mut e) = (0, 0);
        while m < messages.len() {
            let bucket = bucket_of(messages[m].ts);
            let end = m + messages[m..].partition_point(|x| bucket_of(x.ts) == bucket);
            // This quarter hour's messages by conversation, those naming a model first, by model.
            order.clear();
            order.extend((m as u32)..(end as u32));
            order.sort_unstable_by_key(|&i| {
                let x = &messages[i as usize];
                (x.conversation, x.model == NO_MODEL, x.model)
            });
            // Its exchanges, by conversation; every one's agent message is in this quarter hour.
            let e_end = e + exchanges[e..].partition_point(|x| bucket_of(x.ts) == bucket);
            pending.clear();
            pending.extend(exchanges[e..e_end].iter().map(|x| (x.conversation, x.response_us)));
            pending.sort_by_key(|&(c, _)| c);
            let mut next_exchange = 0;

            let mut i = 0;
            while i < order.len() {
                let conversation = messages[order[i] as usize].conversation;
                let first_group = groups.rows.len();
                while i < order.len() && messages[order[i] as usize].conversation == conversation {
                    let x = &messages[order[i] as usize];
                    // Messages naming no model join the conversation's first group.
                    let group = if x.model == NO_MODEL && groups.rows.len() > first_group {
                        first_group
                    } else if groups.rows.len() > first_group && groups.rows[groups.rows.len() - 1].model == x.model {
                        groups.rows.len() - 1
                    } else {
                        groups.rows.push(MessageGroup::new(bucket, x));
                        groups.rows.len() - 1
                    };
                    groups.rows[group].add(x);
                    i += 1;
                }
                while next_exchange < pending.len() && pending[next_exchange].0 < conversation {
                    next_exchange += 1; // cannot happen: an exchange's agent message is a message
                }
                let g = &mut groups.rows[first_group];
                g.first_response = groups.responses.len() as u32;
                while next_exchange < pending.len() && pending[next_exchange].0 == conversation {
                    let response = pending[next_exchange].1;
                    g.exchanges += 1;
                    if response != NONE {
                        groups.responses.push(response);
                        g.timed += 1;
                        g.response_sum += response;
                    }
                    next_exchange += 1;
                }
            }
            m = end;
            e = e_end;
        }
        groups.conversations = groups.rows.iter().map(|g| g.conversation).collect();
        // Groups without exchanges point where the next ones start, so that
        // any run of groups finds its response times in one slice.
        let mut next = 0;
        for g in &mut groups.rows {
            if g.timed == 0 {
                g.first_response = next;
            } else {
                debug_assert_eq!(g.first_response, next);
                next = g.first_response + g.timed;
            }
        }
        groups
    }

    /// The response times of a run of consecutive `rows`.
    pub fn responses_of(&self, rows: &[MessageGroup]) -> &[i64] {
        match (rows.first(), rows.last()) {
            (Some(a), Some(b)) => &self.responses[a.first_response as usize..(b.first_response + b.timed) as usize],
            _ => &[],
        }
    }
}

impl MessageGroup {
    /// One message alone, at its own instant: what the exact way counts.
    pub fn of(m: &MessageFact) -> MessageGroup {
        let mut g = MessageGroup::new(m.ts, m);
        g.add(m);
        g
    }

    fn new(bucket: i64, first: &MessageFact) -> MessageGroup {
        MessageGroup {
            bucket,
            conversation: first.conversation,
            user: first.user,
            model: first.model,
            messages: 0,
            user_messages: 0,
            agent_messages: 0,
            prompt: 0,
            completion: 0,
            cost: 0.0,
            model_messages: 0,
            model_prompt: 0,
            model_completion: 0,
            model_cost: 0.0,
            unpriced: false,
            exchanges: 0,
            timed: 0,
            first_response: 0,
            response_sum: 0,
        }
    }

    fn add(&mut self, m: &MessageFact) {
        self.messages += 1;
        match m.side {
            Side::User => self.user_messages += 1,
            Side::Agent => self.agent_messages += 1,
            Side::Neither => {}
        }
        self.prompt += m.prompt_tokens;
        self.completion += m.completion_tokens;
        self.cost += m.cost;
        if m.model != NO_MODEL {
            debug_assert_eq!(m.model, self.model);
            self.model_messages += 1;
            self.model_prompt += m.prompt_tokens;
            self.model_completion += m.completion_tokens;
            self.model_cost += m.cost;
            self.unpriced |= m.unpriced;
        }
    }
}

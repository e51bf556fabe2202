//! Messages folded per conversation and quarter hour, so that a dashboard
//! reads about one row per conversation instead of one per message.
//!
//! Every zone in use today is offset from UTC by a whole number of quarter
//! hours, and changes its offset on a quarter hour, so all messages of a UTC
//! quarter hour share their local day and hour. A query whose ends fall on
//! quarter hours, in such a zone, can therefore count whole groups; any
//! other query reads the messages one by one (`compute` chooses).

use super::column::Column;
use super::rows::{ExchangeFact, MessageFact, NONE, NO_MODEL};
use crate::model::Side;
use std::ops::Range;

/// A quarter of an hour, in microseconds.
pub const BUCKET_US: i64 = 15 * 60 * 1_000_000;

/// The messages of one conversation in one quarter hour (those naming a
/// model split by model), with the exchanges whose agent message is among
/// them: each with the group of its agent message's model, those whose
/// answer names no model with the conversation's first group.
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct MessageGroup {
    /// The quarter hour's first instant (a group of one: its message's instant).
    pub bucket: i64,
    pub prompt: u64,
    pub completion: u64,
    pub cost: f64,
    /// Of the messages, those naming `model`: their tokens and cost.
    pub model_prompt: u64,
    pub model_completion: u64,
    pub model_cost: f64,
    pub response_sum: i64,
    pub conversation: u32,
    pub user: u32,
    /// The model of `model_*`, or `NO_MODEL`.
    pub model: u32,
    pub messages: u32,
    pub user_messages: u32,
    pub agent_messages: u32,
    pub model_messages: u32,
    /// The exchanges; of them, `timed` have a response time (the others'
    /// answer has no time of its own). Their response times are
    /// `responses[first_response..][..timed]`; those of the next group start
    /// where these end.
    pub exchanges: u32,
    pub timed: u32,
    pub first_response: u32,
    /// Some message naming `model` has tokens but no cost nor price (0 or 1).
    pub unpriced: u8,
    pub _pad: [u8; 3],
    /// Of the `timed` response times, the first `model_timed` are of
    /// exchanges whose agent message names `model` (the response times per
    /// model); the rest, of a conversation's first group only, of answers
    /// naming no model.
    pub model_timed: u32,
}

#[derive(Debug, Default, Clone)]
pub struct Groups {
    /// Sorted by quarter hour.
    pub rows: Column<MessageGroup>,
    /// Each row's conversation again, packed: a filtered scan reads these
    /// and only the rows that pass.
    pub conversations: Column<u32>,
    /// Response times in microseconds, each group's together.
    pub responses: Column<i64>,
}

/// What folding a quarter hour needs, kept between quarter hours.
#[derive(Default)]
struct Scratch {
    order: Vec<u32>,
    /// The quarter hour's exchanges: conversation, model, response time.
    pending: Vec<(u32, u32, i64)>,
    /// One conversation's exchanges: its group (from its first), whether
    /// the answer names no model, response time.
    placed: Vec<(u32, bool, i64)>,
}

pub fn bucket_of(ts: i64) -> i64 {
    ts - ts.rem_euclid(BUCKET_US)
}

impl Groups {
    /// Folds time-sorted messages and exchanges.
    pub fn build(messages: &[MessageFact], exchanges: &[ExchangeFact]) -> Groups {
        let mut groups = Groups {
            rows: Vec::with_capacity(messages.len() / 4).into(),
            conversations: Column::default(),
            responses: Column::default(),
        };
        groups.responses.to_mut().reserve_exact(exchanges.len());
        let mut scratch = Scratch::default();
        let (mut m, mut e) = (0, 0);
        while m < messages.len() {
            let bucket = bucket_of(messages[m].ts);
            let end = m + messages[m..].partition_point(|x| bucket_of(x.ts) == bucket);
            // Every exchange's agent message is in its quarter hour.
            let e_end = e + exchanges[e..].partition_point(|x| bucket_of(x.ts) == bucket);
            groups.push_bucket(bucket, &messages[m..end], &exchanges[e..e_end], &mut scratch);
            m = end;
            e = e_end;
        }
        groups.finish();
        groups
    }

    /// The groups of `messages` and `exchanges` (time-sorted), given
    /// `earlier` groups that are already theirs in every quarter hour but
    /// those of `changed` (sorted), once their conversations are numbered
    /// anew by `renumber`: only those quarter hours are folded again, and
    /// put in place of theirs in `earlier`'s own tables when they are owned
    /// (no table is copied: at a million conversations a copy's fresh
    /// memory costs more than the rest); when they are read in place (from
    /// the mapped facts), each is read once and written once, renumbered
    /// and spliced in the same pass.
    pub fn rebuild(
        mut earlier: Groups,
        renumber: impl Fn(u32) -> u32,
        messages: &[MessageFact],
        exchanges: &[ExchangeFact],
        changed: &[i64],
    ) -> Groups {
        let mut fresh = Groups::default();
        let mut scratch = Scratch::default();
        let mut row_cuts = Vec::with_capacity(changed.len());
        let mut response_cuts = Vec::with_capacity(changed.len());
        let (rows, responses) = (&earlier.rows, &earlier.responses);
        // Where a row's response times start (every row says, see `finish`).
        let response_at = |i: usize| rows.get(i).map_or(responses.len(), |r| r.first_response as usize);
        let in_bucket = |ts: i64, bucket: i64| bucket_of(ts).cmp(&bucket);
        for &bucket in changed {
            let lo = rows.partition_point(|r| r.bucket < bucket);
            let hi = lo + rows[lo..].partition_point(|r| r.bucket == bucket);
            let m = messages.partition_point(|x| in_bucket(x.ts, bucket).is_lt());
            let m_end = m + messages[m..].partition_point(|x| in_bucket(x.ts, bucket).is_eq());
            let e = exchanges.partition_point(|x| in_bucket(x.ts, bucket).is_lt());
            let e_end = e + exchanges[e..].partition_point(|x| in_bucket(x.ts, bucket).is_eq());
            let (fresh_rows, fresh_responses) = (fresh.rows.len(), fresh.responses.len());
            fresh.push_bucket(bucket, &messages[m..m_end], &exchanges[e..e_end], &mut scratch);
            row_cuts.push((lo..hi, fresh_rows..fresh.rows.len()));
            response_cuts.push((response_at(lo)..response_at(hi), fresh_responses..fresh.responses.len()));
        }
        if earlier.rows.is_in_place() || earlier.responses.is_in_place() {
            return Groups::spliced(&earlier, renumber, &row_cuts, &response_cuts, &fresh);
        }
        for g in earlier.rows.to_mut() {
            g.conversation = renumber(g.conversation);
        }
        splice_runs(earlier.rows.to_mut_with_room(fresh.rows.len()), &row_cuts, &fresh.rows);
        splice_runs(earlier.responses.to_mut_with_room(fresh.responses.len()), &response_cuts, &fresh.responses);
        let mut next = 0;
        for g in &mut earlier.rows {
            g.first_response = next;
            next += g.timed;
        }
        let Groups { rows, conversations, .. } = &mut earlier;
        *conversations = rows.iter().map(|g| g.conversation).collect();
        earlier
    }

    /// [`Groups::rebuild`]'s tables written anew in one pass over
    /// `earlier`'s: the runs kept between the cuts (renumbered), each cut's
    /// fresh rows in its place, each row's first response counted on the way.
    fn spliced(
        earlier: &Groups,
        renumber: impl Fn(u32) -> u32,
        row_cuts: &[(Range<usize>, Range<usize>)],
        response_cuts: &[(Range<usize>, Range<usize>)],
        fresh: &Groups,
    ) -> Groups {
        let cut_len = |cuts: &[(Range<usize>, Range<usize>)]| {
            cuts.iter().map(|(c, p)| p.len() as isize - c.len() as isize).sum::<isize>()
        };
        let row_count = (earlier.rows.len() as isize + cut_len(row_cuts)) as usize;
        let response_count = (earlier.responses.len() as isize + cut_len(response_cuts)) as usize;
        let mut rows: Vec<MessageGroup> = Vec::with_capacity(row_count);
        let mut conversations: Vec<u32> = Vec::with_capacity(row_count);
        let mut next = 0;
        let mut push = |g: &MessageGroup, conversation: u32| {
            rows.push(MessageGroup { conversation, first_response: next, ..*g });
            conversations.push(conversation);
            next += g.timed;
        };
        let mut from = 0;
        for (cut, put) in row_cuts {
            earlier.rows[from..cut.start].iter().for_each(|g| push(g, renumber(g.conversation)));
            fresh.rows[put.clone()].iter().for_each(|g| push(g, g.conversation));
            from = cut.end;
        }
        earlier.rows[from..].iter().for_each(|g| push(g, renumber(g.conversation)));
        let mut responses: Vec<i64> = Vec::with_capacity(response_count);
        let mut from = 0;
        for (cut, put) in response_cuts {
            responses.extend_from_slice(&earlier.responses[from..cut.start]);
            responses.extend_from_slice(&fresh.responses[put.clone()]);
            from = cut.end;
        }
        responses.extend_from_slice(&earlier.responses[from..]);
        Groups { rows: rows.into(), conversations: conversations.into(), responses: responses.into() }
    }

    /// Folds one quarter hour's messages and exchanges into rows.
    fn push_bucket(&mut self, bucket: i64, messages: &[MessageFact], exchanges: &[ExchangeFact], s: &mut Scratch) {
        // This quarter hour's messages by conversation, those naming a model
        // first, by model, then in time: a group's costs are then added up
        // in one order whatever else the quarter hour holds (groups folded
        // from a few conversations' messages, after an import, are those
        // folded from every conversation's).
        let order = &mut s.order;
        order.clear();
        order.extend(0..messages.len() as u32);
        order.sort_unstable_by_key(|&i| {
            let x = &messages[i as usize];
            (x.conversation, x.model == NO_MODEL, x.model, i)
        });
        // Its exchanges, by conversation.
        let pending = &mut s.pending;
        pending.clear();
        pending.extend(exchanges.iter().map(|x| (x.conversation, x.model, x.response_us)));
        pending.sort_by_key(|&(c, _, _)| c);
        let placed = &mut s.placed;
        let mut next_exchange = 0;
        let (rows, responses) = (self.rows.to_mut(), self.responses.to_mut());

        let mut i = 0;
        while i < order.len() {
            let conversation = messages[order[i] as usize].conversation;
            let first_group = rows.len();
            while i < order.len() && messages[order[i] as usize].conversation == conversation {
                let x = &messages[order[i] as usize];
                // Messages naming no model join the conversation's first group.
                let group = if x.model == NO_MODEL && rows.len() > first_group {
                    first_group
                } else if rows.len() > first_group && rows[rows.len() - 1].model == x.model {
                    rows.len() - 1
                } else {
                    rows.push(MessageGroup::new(bucket, x));
                    rows.len() - 1
                };
                rows[group].add(x);
                i += 1;
            }
            while next_exchange < pending.len() && pending[next_exchange].0 < conversation {
                next_exchange += 1; // cannot happen: an exchange's agent message is a message
            }
            // Each exchange with the group of its answer's model (there is
            // one: the answer is among the messages), those naming none with
            // the first group after its model's; in time order within each.
            placed.clear();
            while next_exchange < pending.len() && pending[next_exchange].0 == conversation {
                let (_, model, response) = pending[next_exchange];
                let named =
                    (model != NO_MODEL).then(|| rows[first_group..].iter().position(|g| g.model == model)).flatten();
                debug_assert!(model == NO_MODEL || named.is_some(), "an answer's model has a group");
                placed.push((named.unwrap_or(0) as u32, named.is_none(), response));
                next_exchange += 1;
            }
            placed.sort_by_key(|&(group, unnamed, _)| (group, unnamed));
            let mut at = 0;
            for (k, g) in rows[first_group..].iter_mut().enumerate() {
                g.first_response = responses.len() as u32;
                while at < placed.len() && placed[at].0 == k as u32 {
                    let (_, unnamed, response) = placed[at];
                    g.exchanges += 1;
                    if response != NONE {
                        responses.push(response);
                        g.timed += 1;
                        g.model_timed += u32::from(!unnamed);
                        g.response_sum += response;
                    }
                    at += 1;
                }
            }
        }
    }

    /// Packs the rows' conversations, and points groups without exchanges
    /// where the next ones start, so that any run of groups finds its
    /// response times in one slice.
    fn finish(&mut self) {
        self.conversations = self.rows.iter().map(|g| g.conversation).collect();
        let mut next = 0;
        for g in &mut self.rows {
            if g.timed == 0 {
                g.first_response = next;
            } else {
                debug_assert_eq!(g.first_response, next);
                next = g.first_response + g.timed;
            }
        }
    }

    /// The response times of a run of consecutive `rows`.
    pub fn responses_of(&self, rows: &[MessageGroup]) -> &[i64] {
        &self.responses[self.response_range(rows)]
    }

    /// Where [`Self::responses_of`] `rows` lie in `responses`.
    pub fn response_range(&self, rows: &[MessageGroup]) -> std::ops::Range<usize> {
        match (rows.first(), rows.last()) {
            (Some(a), Some(b)) => a.first_response as usize..(b.first_response + b.timed) as usize,
            _ => 0..0,
        }
    }
}

/// `v` with each run `cuts[k].0` (rising, apart) replaced by the rows
/// `fresh[cuts[k].1]`, in place: each run of rows between the cuts is moved
/// once, by at most what the cuts before it add or take away.
fn splice_runs<T: Copy>(v: &mut Vec<T>, cuts: &[(Range<usize>, Range<usize>)], fresh: &[T]) {
    let old_len = v.len();
    // The runs kept: where they are, and where they go.
    let mut kept = Vec::with_capacity(cuts.len() + 1);
    let mut puts = Vec::with_capacity(cuts.len());
    let (mut from, mut to) = (0, 0);
    for (cut, put) in cuts {
        debug_assert!(from <= cut.start && cut.start <= cut.end);
        kept.push((from..cut.start, to));
        to += cut.start - from;
        puts.push((to, put.clone()));
        to += put.len();
        from = cut.end;
    }
    kept.push((from..old_len, to));
    let new_len = to + (old_len - from);
    if new_len > old_len {
        let filler = *v.first().or(fresh.first()).expect("rows to grow by");
        v.resize(new_len, filler);
    }
    // Runs moving towards the start first, from the first; then those
    // moving towards the end, from the last: no run is written over before
    // it has moved.
    for (run, to) in kept.iter().filter(|(run, to)| *to < run.start) {
        v.copy_within(run.clone(), *to);
    }
    for (run, to) in kept.iter().rev().filter(|(run, to)| *to > run.start) {
        v.copy_within(run.clone(), *to);
    }
    for (to, put) in puts {
        v[to..to + put.len()].copy_from_slice(&fresh[put]);
    }
    v.truncate(new_len);
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
            unpriced: 0,
            exchanges: 0,
            timed: 0,
            first_response: 0,
            response_sum: 0,
            _pad: [0; 3],
            model_timed: 0,
        }
    }

    fn add(&mut self, m: &MessageFact) {
        self.messages += 1;
        match m.side() {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `splice_runs` by copying: the rows before each cut, then its fresh rows.
    fn spliced(v: &[u32], cuts: &[(Range<usize>, Range<usize>)], fresh: &[u32]) -> Vec<u32> {
        let mut out = Vec::new();
        let mut from = 0;
        for (cut, put) in cuts {
            out.extend_from_slice(&v[from..cut.start]);
            out.extend_from_slice(&fresh[put.clone()]);
            from = cut.end;
        }
        out.extend_from_slice(&v[from..]);
        out
    }

    #[test]
    fn runs_spliced_in_place_are_those_spliced_by_copying() {
        let v: Vec<u32> = (0..20).collect();
        let fresh: Vec<u32> = (100..110).collect();
        let cases: Vec<Vec<(Range<usize>, Range<usize>)>> = vec![
            // Growing, shrinking, both, at the ends, cuts that take or put nothing.
            vec![(2..3, 0..4), (10..10, 4..6)],
            vec![(0..5, 0..1), (8..15, 1..2)],
            vec![(1..2, 0..5), (5..12, 5..5), (15..16, 5..10)],
            vec![(0..0, 0..3), (20..20, 3..6)],
            vec![(0..20, 0..2)],
            vec![(3..9, 0..0)],
            vec![(4..4, 0..0)],
            vec![],
        ];
        for cuts in cases {
            let mut got = v.clone();
            splice_runs(&mut got, &cuts, &fresh);
            assert_eq!(got, spliced(&v, &cuts, &fresh), "{cuts:?}");
        }
        let mut empty: Vec<u32> = Vec::new();
        splice_runs(&mut empty, &[(0..0, 0..3)], &fresh);
        assert_eq!(empty, [100, 101, 102]);
    }
}

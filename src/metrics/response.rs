//! Response time per model (docs/metrics.md, `response_time_by_model`):
//! the exchanges whose agent message names a model, grouped by that model.

use super::delta::in_range2;
use super::facts::{Facts, NONE, NO_MODEL};
use super::percentile::percentiles;
use serde::Serialize;

/// One model's exchanges in a period and their response times.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ModelResponseTime {
    pub model: String,
    pub exchanges: u64,
    pub p50_response_time_ms: f64,
    pub p95_response_time_ms: f64,
}

/// The exchanges in `[from, to)` of conversations that pass, whose agent
/// message names a model and has a time of its own (an answer without one
/// gives no response time): per model (by name), the nearest-rank 50th and
/// 95th percentiles of their response times.
pub(crate) fn by_model(facts: &Facts, from: i64, to: i64, passes: &impl Fn(u32) -> bool) -> Vec<ModelResponseTime> {
    let mut times = TimesByModel::new(vec![Vec::new(); facts.models.values.len()]);
    for run in in_range2([&facts.exchanges, &facts.delta.exchanges], |e| e.ts, from, to) {
        for e in run {
            if e.model != NO_MODEL && e.response_us != NONE && passes(e.conversation) {
                times.push(e.model, e.response_us);
            }
        }
    }
    per_model(facts, &mut times)
}

/// Response times (microseconds) per model, in the order of `facts.models`:
/// in 4 bytes each where they fit (0 to about 71 minutes: at ten million
/// conversations a dashboard gathers tens of millions), the others apart.
pub(crate) struct TimesByModel {
    /// Per model, its response times that fit in 4 bytes.
    pub narrow: Vec<Vec<u32>>,
    /// Those that do not (below 0, or above `u32::MAX`), with their model.
    pub wide: Vec<(u32, i64)>,
}

impl TimesByModel {
    /// None yet, in `narrow`'s room (one vector per model).
    pub fn new(narrow: Vec<Vec<u32>>) -> TimesByModel {
        TimesByModel { narrow, wide: Vec::new() }
    }

    /// Adds response time `us` of model `model`.
    #[inline]
    pub fn push(&mut self, model: u32, us: i64) {
        self.extend(model, &[us]);
    }

    /// Adds response times `times` of model `model` (one or a few: pushed
    /// one by one, where a copy would be a call).
    #[inline]
    pub fn extend(&mut self, model: u32, times: &[i64]) {
        let narrow = &mut self.narrow[model as usize];
        for &us in times {
            match u32::try_from(us) {
                Ok(us) => narrow.push(us),
                Err(_) => self.wide.push((model, us)),
            }
        }
    }
}

/// The rows of [`by_model`] from the response times of each model, in any order.
pub(crate) fn per_model(facts: &Facts, times: &mut TimesByModel) -> Vec<ModelResponseTime> {
    let ms = |us: i64| us as f64 / 1000.0;
    let TimesByModel { narrow, wide } = times;
    let mut out: Vec<ModelResponseTime> = narrow
        .iter_mut()
        .enumerate()
        .filter_map(|(i, t)| {
            let wide: Vec<i64> = wide.iter().filter(|(m, _)| *m as usize == i).map(|&(_, us)| us).collect();
            let exchanges = (t.len() + wide.len()) as u64;
            let [p50, p95] = match (t.is_empty(), wide.is_empty()) {
                (true, true) => return None,
                (_, true) => percentiles(t, [0.50, 0.95]),
                // Rare: all of the model's together, in 8 bytes each.
                _ => percentiles(&mut t.iter().map(|&us| i64::from(us)).chain(wide).collect::<Vec<_>>(), [0.50, 0.95]),
            };
            Some(ModelResponseTime {
                model: facts.models.name(i as u32).to_owned(),
                exchanges,
                p50_response_time_ms: p50.map_or(0.0, ms),
                p95_response_time_ms: p95.map_or(0.0, ms),
            })
        })
        .collect();
    out.sort_by(|a, b| a.model.cmp(&b.model));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::rows::ExchangeFact;

    #[test]
    fn each_model_has_the_percentiles_of_its_own_timed_exchanges_and_unnamed_ones_are_left_out() {
        let mut facts = Facts::default();
        let (a, b) = (facts.models.intern("model-a"), facts.models.intern("model-b"));
        let exchange = |ts: i64, model: u32, ms: i64| ExchangeFact {
            ts,
            conversation: 0,
            user: 0,
            response_us: ms * 1000,
            model,
            _pad: 0,
        };
        // model-a: 100, 200, ..., 1000 ms; model-b: one exchange; one without a model.
        facts.exchanges = (1..=10).map(|i| exchange(i, a, i * 100)).collect();
        facts.exchanges.to_mut().push(exchange(11, b, 7));
        facts.exchanges.to_mut().push(exchange(12, NO_MODEL, 99_999));
        // An answer of model-b without a time of its own: no response time.
        facts.exchanges.to_mut().push(ExchangeFact { response_us: NONE, ..exchange(13, b, 0) });
        let rows = by_model(&facts, 0, 100, &|_| true);
        let summary: Vec<(&str, u64, f64, f64)> = rows
            .iter()
            .map(|r| (r.model.as_str(), r.exchanges, r.p50_response_time_ms, r.p95_response_time_ms))
            .collect();
        assert_eq!(summary, [("model-a", 10, 500.0, 1000.0), ("model-b", 1, 7.0, 7.0)]);
        assert!(by_model(&facts, 0, 11, &|_| false).is_empty(), "a conversation that does not pass counts nowhere");
        assert_eq!(by_model(&facts, 0, 6, &|_| true)[0].exchanges, 5, "only the exchanges in range");
    }

    #[test]
    fn response_times_that_do_not_fit_in_four_bytes_are_counted_with_the_others() {
        let mut facts = Facts::default();
        let c = facts.models.intern("model-c");
        let exchange =
            |ts: i64, us: i64| ExchangeFact { ts, conversation: 0, user: 0, response_us: us, model: c, _pad: 0 };
        // Microseconds: one below 0 (an answer stamped before its question),
        // one of about 58 days, three that fit.
        let times = [-5_000, 1_000, 2_000, 5_000_000_000_000, 3_000];
        facts.exchanges = times.iter().enumerate().map(|(i, &us)| exchange(i as i64, us)).collect();
        let rows = by_model(&facts, 0, 100, &|_| true);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].exchanges, 5);
        assert_eq!(rows[0].p50_response_time_ms, 2.0, "the 3rd of 5");
        assert_eq!(rows[0].p95_response_time_ms, 5_000_000_000.0, "the 5th of 5");
        let below_only = by_model(&facts, 0, 1, &|_| true);
        assert_eq!((below_only[0].exchanges, below_only[0].p50_response_time_ms), (1, -5.0), "only a wide one");
    }
}

//! Nearest-rank percentiles of many values, without sorting them.
//!
//! A dashboard asks for the 50th and 95th percentile of every response time
//! in its period (at ten million conversations, millions of them with two
//! filters), and again per model. Selecting each rank in place
//! (`select_nth_unstable`) reads and moves the values several times. Past
//! a few hundred thousand values, one pass does (as Floyd and Rivest's
//! selection): a sample of the values, sorted, says between which two
//! values each asked rank almost surely lies; one pass counts the values
//! below that interval and gathers those in it, a few percent of them,
//! among which the rank is then selected. Should the rank not lie in its
//! interval after all (values arranged against the sample), it is
//! selected in place, as below the threshold. Either way the value found is
//! the very one a sort would put at that rank.

/// Below this many values, each rank is selected in place.
const SAMPLED_FROM: usize = 1 << 18;

/// How many values are sampled.
const SAMPLE: usize = 1 << 14;

/// How many sampled values on each side of a rank's place in the sample
/// bound its interval: six standard deviations of where the rank falls
/// among 2^14 (at most 64), so that a rank misses its interval about once
/// in a billion.
const MARGIN: usize = 6 * 64;

/// Nearest rank: the value at position ⌈p·n⌉ (1-based) of the sorted values.
pub(crate) fn rank(p: f64, n: usize) -> usize {
    ((p * n as f64).ceil() as usize).clamp(1, n)
}

/// The nearest-rank percentiles `ps` (ascending) of `values` (response
/// times in microseconds: 8 bytes each, or 4 where they fit), which are
/// left in some other order.
pub(crate) fn percentiles<T: Copy + Ord + Into<i64>, const N: usize>(
    values: &mut [T],
    ps: [f64; N],
) -> [Option<i64>; N] {
    if values.is_empty() {
        return [None; N];
    }
    let ranks = ps.map(|p| rank(p, values.len()) - 1);
    let found = if values.len() < SAMPLED_FROM { None } else { sampled(&[values], ranks) };
    found.unwrap_or_else(|| selected(values, ranks).map(Into::into)).map(Some)
}

/// The nearest-rank percentiles `ps` (ascending) of the values of all
/// `parts` together, read where they lie (a dashboard's response times
/// without a filter are the kept facts' own, hundreds of megabytes at ten
/// million conversations: a copy is time and fresh memory). `None` when
/// they must be selected in place instead: too few of them for a sample,
/// or a rank not in its interval.
pub(crate) fn percentiles_in_place<const N: usize>(parts: &[&[i64]], ps: [f64; N]) -> Option<[Option<i64>; N]> {
    let n: usize = parts.iter().map(|p| p.len()).sum();
    if n < SAMPLED_FROM {
        return None;
    }
    sampled(parts, ps.map(|p| rank(p, n) - 1)).map(|found| found.map(Some))
}

/// The values at 0-based `ranks` (ascending) of the sorted values, each
/// selected only among the values above the previous one.
fn selected<T: Copy + Ord, const N: usize>(values: &mut [T], ranks: [usize; N]) -> [T; N] {
    let mut done = 0; // values[..done] are all ≤ values[done..]
    ranks.map(|k| {
        if k >= done {
            values[done..].select_nth_unstable(k - done);
            done = k;
        }
        values[k]
    })
}

/// [`selected`] over the values of every part, in one pass, with a
/// sample's help (see the module), or `None` when some rank is not in its
/// interval.
fn sampled<T: Copy + Into<i64>, const N: usize>(parts: &[&[T]], ranks: [usize; N]) -> Option<[i64; N]> {
    let n: usize = parts.iter().map(|p| p.len()).sum();
    // Evenly spaced: the values come in time order, and any order will do for being right.
    let mut sample: Vec<i64> = Vec::with_capacity(SAMPLE);
    let (mut part, mut start) = (0, 0); // the part the next sampled place is in, and where it starts
    for i in 0..SAMPLE {
        let at = i * n / SAMPLE;
        while at >= start + parts[part].len() {
            start += parts[part].len();
            part += 1;
        }
        sample.push(parts[part][at - start].into());
    }
    sample.sort_unstable();
    let bounds = ranks.map(|k| {
        // Open at either end: the smallest and largest values are rarely sampled.
        let at = k * SAMPLE / n;
        let lo = if at < MARGIN { i64::MIN } else { sample[at - MARGIN] };
        let hi = if at + MARGIN >= SAMPLE { i64::MAX } else { sample[at + MARGIN] };
        (lo, hi)
    });
    let mut below = [0usize; N];
    let mut inside: [Vec<i64>; N] = std::array::from_fn(|_| Vec::with_capacity(n / SAMPLE * (2 * MARGIN + 1)));
    for part in parts {
        for &v in *part {
            let v: i64 = v.into();
            for (w, &(lo, hi)) in bounds.iter().enumerate() {
                below[w] += usize::from(v < lo);
                // lo ≤ v ≤ hi, in one comparison.
                if (v.wrapping_sub(lo) as u64) <= (hi.wrapping_sub(lo) as u64) {
                    inside[w].push(v);
                }
            }
        }
    }
    let mut found = [0; N];
    for (w, &k) in ranks.iter().enumerate() {
        let within = k.checked_sub(below[w]).filter(|&i| i < inside[w].len())?;
        found[w] = *inside[w].select_nth_unstable(within).1;
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<i64> = (1..=20).rev().collect();
        assert_eq!(percentiles(&mut v, [0.5, 0.95]), [Some(10), Some(19)]);
        assert_eq!(percentiles(&mut [7], [0.5, 0.95]), [Some(7), Some(7)]);
        assert_eq!(percentiles::<i64, 1>(&mut [], [0.5]), [None]);
        let mut odd = vec![5, 1, 4, 2, 3];
        assert_eq!(percentiles(&mut odd, [0.5, 0.95]), [Some(3), Some(5)], "⌈0.5·5⌉ = 3rd, ⌈0.95·5⌉ = 5th");
    }

    /// A small generator of its own (xorshift), so that the cases are the same every run.
    fn values(n: usize, seed: u64, of: impl Fn(u64) -> i64) -> Vec<i64> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                of(x)
            })
            .collect()
    }

    #[test]
    fn one_pass_finds_the_values_a_sort_puts_at_each_rank() {
        let cases: Vec<(&str, Vec<i64>)> = vec![
            ("response times", values(300_001, 1, |x| (x % 90_000_000) as i64)),
            ("a few distinct values", values(70_000, 2, |x| (x % 5) as i64 * 1000)),
            ("all equal", vec![42; 10_000]),
            ("the extremes of i64", values(50_000, 3, |x| x as i64)),
            ("few ranges apart", values(40_000, 4, |x| -((x % 70_000) as i64))),
            ("one far above the rest", {
                let mut v = values(60_000, 5, |x| (x % 1000) as i64);
                v.push(i64::MAX);
                v
            }),
        ];
        let ps = [0.0, 0.01, 0.5, 0.95, 0.999, 1.0];
        for (what, v) in cases {
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let expected = ps.map(|p| sorted[rank(p, v.len()) - 1]);
            assert_eq!(sampled(&[&v], ps.map(|p| rank(p, v.len()) - 1)), Some(expected), "{what}: sampled");
            assert_eq!(selected(&mut v.clone(), ps.map(|p| rank(p, v.len()) - 1)), expected, "{what}: selected");
            assert_eq!(percentiles(&mut v.clone(), ps), expected.map(Some), "{what}");
        }
    }

    #[test]
    fn values_arranged_against_the_sample_are_still_right() {
        // The sampled places hold 0, every other value is 1_000: the
        // sample puts the median's interval at 0, where it is not.
        let n = SAMPLED_FROM;
        let sampled_places: std::collections::HashSet<usize> = (0..SAMPLE).map(|i| i * n / SAMPLE).collect();
        let mut v: Vec<i64> = (0..n).map(|i| if sampled_places.contains(&i) { 0 } else { 1_000 }).collect();
        assert_eq!(sampled(&[&v], [n / 2]), None, "the interval misses");
        assert_eq!(percentiles_in_place(&[&v[..9], &v[9..]], [0.5]), None, "the interval misses");
        assert_eq!(percentiles(&mut v, [0.5]), [Some(1_000)]);
    }

    #[test]
    fn more_values_than_are_selected_in_place_agree_with_a_sort() {
        let mut v = values(SAMPLED_FROM + 3, 6, |x| (x % 40_000_000) as i64);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        let n = v.len();
        assert_eq!(
            percentiles(&mut v, [0.50, 0.95]),
            [Some(sorted[rank(0.5, n) - 1]), Some(sorted[rank(0.95, n) - 1])]
        );
    }

    #[test]
    fn values_in_several_parts_read_where_they_lie_agree_with_a_sort() {
        let v = values(SAMPLED_FROM + 1_001, 7, |x| (x % 60_000_000) as i64);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        let n = v.len();
        let ps = [0.0, 0.5, 0.95, 1.0];
        let expected = ps.map(|p| Some(sorted[rank(p, n) - 1]));
        // Cut anywhere, empty parts among them, and all in one.
        let (a, rest) = v.split_at(1_000);
        let (b, c) = rest.split_at(SAMPLED_FROM / 3);
        assert_eq!(percentiles_in_place(&[a, &[], b, c, &[]], ps), Some(expected));
        assert_eq!(percentiles_in_place(&[&[], &v], ps), Some(expected));
        // Too few for a sample: to be selected in place.
        assert_eq!(percentiles_in_place(&[&v[..SAMPLED_FROM - 1]], ps), None);
        assert_eq!(percentiles_in_place::<1>(&[], [0.5]), None);
    }

    #[test]
    fn values_of_four_bytes_have_the_percentiles_of_the_same_values_of_eight() {
        for n in [1_000, SAMPLED_FROM + 17] {
            let wide = values(n, 8, |x| (x % 4_000_000_000) as i64);
            let mut narrow: Vec<u32> = wide.iter().map(|&v| u32::try_from(v).unwrap()).collect();
            let ps = [0.0, 0.5, 0.95, 1.0];
            assert_eq!(percentiles(&mut narrow, ps), percentiles(&mut wide.clone(), ps), "{n} values");
        }
    }
}

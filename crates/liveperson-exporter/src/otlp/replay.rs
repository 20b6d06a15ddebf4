//! Replaying a histogram's growth as observations.
//!
//! The OpenTelemetry SDK has no asynchronous histogram: a histogram only learns values one by one.
//! The store holds bucket counts and a sum, so each collection feeds the SDK the difference since
//! the last one as observations: every new observation of a bucket is recorded at one value inside
//! that bucket, the values chosen so that their total equals the growth of the sum. Bucket counts
//! and counts then match `/metrics` exactly and sums up to float rounding; min and max are not
//! exported (they would describe these stand-in values, not the real ones).

/// Values inside each bucket whose repeated observation reproduces `added` new observations per
/// bucket (bounds as in `bounds`, the last bucket up to `+Inf`) with a sum growing by `added_sum`.
/// Returns (value, how many times) pairs. Observations are assumed non-negative (durations).
pub fn observations(bounds: &[f64], added: &[u64], added_sum: f64) -> Vec<(f64, u64)> {
    debug_assert_eq!(added.len(), bounds.len() + 1);
    // Finite buckets as (count, lower, upper); the first starts at 0 (observations are >= 0).
    let finite: Vec<(u64, f64, f64)> = bounds
        .iter()
        .enumerate()
        .map(|(i, &hi)| {
            let lo = if i == 0 {
                0.0f64.min(hi)
            } else {
                bounds[i - 1]
            };
            (added[i], lo, hi)
        })
        .collect();
    let in_overflow = added[bounds.len()];
    let last = bounds.last().copied().unwrap_or(0.0);
    let (low, span): (f64, f64) = finite.iter().fold((0.0, 0.0), |(l, s), &(n, lo, hi)| {
        (l + n as f64 * lo, s + n as f64 * (hi - lo))
    });
    // Where inside its bucket every finite observation sits: 0 at the lower bound, 1 at the upper.
    let position = if span <= 0.0 {
        0.5
    } else if in_overflow == 0 {
        ((added_sum - low) / span).clamp(0.0, 1.0)
    } else {
        // Leave the +Inf bucket at least half of what exceeds the minimum it needs.
        let spare = added_sum - low - in_overflow as f64 * last;
        (spare / (2.0 * span)).clamp(0.0, 0.5)
    };
    let mut out = Vec::new();
    let mut finite_sum = 0.0;
    for (i, &(n, lo, hi)) in finite.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let mut v = lo + position * (hi - lo);
        // Keep the value inside (lo, hi]: the lower bound belongs to the bucket below.
        if i > 0 && v <= lo {
            v = lo.next_up();
        }
        v = v.min(hi);
        finite_sum += n as f64 * v;
        out.push((v, n));
    }
    if in_overflow > 0 {
        let v = ((added_sum - finite_sum) / in_overflow as f64).max(last.next_up());
        out.push((v, in_overflow));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket_of(bounds: &[f64], v: f64) -> usize {
        bounds.iter().position(|b| v <= *b).unwrap_or(bounds.len())
    }

    /// Replays `values` and checks the buckets and the sum of the stand-ins.
    fn check(bounds: &[f64], values: &[f64]) {
        let mut added = vec![0u64; bounds.len() + 1];
        for v in values {
            added[bucket_of(bounds, *v)] += 1;
        }
        let sum: f64 = values.iter().sum();
        let obs = observations(bounds, &added, sum);
        let mut replayed = vec![0u64; bounds.len() + 1];
        let mut replayed_sum = 0.0;
        for (v, n) in &obs {
            replayed[bucket_of(bounds, *v)] += n;
            replayed_sum += v * *n as f64;
        }
        assert_eq!(replayed, added, "{values:?} -> {obs:?}");
        assert!(
            (replayed_sum - sum).abs() <= 1e-9 * sum.max(1.0),
            "{replayed_sum} vs {sum}"
        );
    }

    #[test]
    fn stand_ins_keep_every_bucket_and_the_sum() {
        let b = [30.0, 60.0, 120.0, 300.0];
        check(&b, &[1.0, 2.0, 45.0]);
        check(&b, &[30.0, 60.0, 120.0]);
        check(&b, &[29.999, 30.001]);
        check(&b, &[500.0, 10_000.0, 1.0]);
        check(&b, &[300.001]);
        check(&b, &[0.0]);
        check(&b, &[59.0; 1000]);
        check(&b, &[0.5, 301.0, 302.0, 119.9, 61.0]);
    }

    #[test]
    fn nothing_added_records_nothing() {
        assert!(observations(&[1.0, 2.0], &[0, 0, 0], 0.0).is_empty());
    }
}

//! Counting LivePerson's rolling windows of 5-minute buckets (msgconversation, engactivity) into
//! exact counters.
//!
//! The watermark is the end of the last bucket counted. Each run asks for a timeframe covering the
//! watermark plus at least one whole bucket (a multiple of 5 minutes, at most 1440) with
//! `interval=5`, and counts exactly the buckets that end after the watermark and no later than
//! `now - settle_delay`, rounded down to 5 minutes; then the watermark moves there. A run that fails
//! counts nothing and moves nothing, so the next run asks for the same buckets again.
//!
//! The first run only sets the watermark (or, with `backfill`, sets it that far back); the
//! collector still makes one call then, so broken credentials show at once. A gap longer
//! than the API's 24-hour window cannot be asked for: its oldest buckets are skipped, logged and
//! reported by the caller.

use crate::clock::EpochMs;

/// A bucket's length.
pub const BUCKET_MS: i64 = 5 * 60_000;
/// The longest timeframe the APIs take, minutes.
pub const MAX_TIMEFRAME_MIN: i64 = 1440;

/// What one run asks for and counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// `timeframe` to request, minutes.
    pub timeframe_min: i64,
    /// Count buckets whose end is after this...
    pub after: EpochMs,
    /// ...and not after this (the new watermark).
    pub up_to: EpochMs,
    /// Buckets skipped because they were older than the API's window.
    pub skipped: u64,
}

/// The watermark of one collector.
#[derive(Debug, Clone)]
pub struct Watermark {
    end: Option<EpochMs>,
    settle_ms: i64,
    backfill_ms: i64,
}

fn floor5(t: EpochMs) -> EpochMs {
    t.div_euclid(BUCKET_MS) * BUCKET_MS
}

impl Watermark {
    /// A watermark counting buckets `settle_ms` after they end; the first run starts `backfill_ms`
    /// back (0: count only what ends after the start).
    pub fn new(settle_ms: i64, backfill_ms: i64) -> Self {
        Self {
            end: None,
            settle_ms,
            backfill_ms,
        }
    }

    /// The end of the last counted bucket.
    pub fn end(&self) -> Option<EpochMs> {
        self.end
    }

    /// What to ask for at `now`; `None` when there is nothing new to count (or on a first run
    /// without backfill, which only sets the watermark).
    pub fn plan(&mut self, now: EpochMs) -> Option<Plan> {
        let settled = floor5(now - self.settle_ms);
        let Some(mut after) = self.end else {
            let start = floor5(settled - self.backfill_ms.max(0));
            self.end = Some(start);
            if start >= settled {
                return None;
            }
            return self.plan(now);
        };
        if settled <= after {
            return None;
        }
        // The window reaches back to floor5(now - timeframe); the oldest bucket it can hold whole
        // starts there.
        let earliest_start = floor5(now - MAX_TIMEFRAME_MIN * 60_000) + BUCKET_MS;
        let mut skipped = 0;
        if after < earliest_start {
            skipped = ((earliest_start - after) / BUCKET_MS) as u64;
            after = earliest_start;
        }
        // Cover the first bucket to count, [after, after + 5 min), whole.
        let back_ms = now - after;
        let timeframe_min = ((back_ms + BUCKET_MS - 1) / BUCKET_MS * 5).clamp(5, MAX_TIMEFRAME_MIN);
        Some(Plan {
            timeframe_min,
            after,
            up_to: settled,
            skipped,
        })
    }

    /// Records that every bucket of `plan` was counted.
    pub fn commit(&mut self, plan: &Plan) {
        self.end = Some(plan.up_to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = 60_000;

    #[test]
    fn plans_cover_the_watermark_and_count_settled_buckets_once() {
        let t0 = 1_700_000_000_000 - 1_700_000_000_000 % (60 * M);
        let mut w = Watermark::new(2 * M, 0);
        // First run at t0+7m: settled = floor5(t0+5m) = t0+5m; only sets the watermark.
        assert_eq!(w.plan(t0 + 7 * M), None);
        assert_eq!(w.end(), Some(t0 + 5 * M));
        // At t0+13m, settled = t0+10m: count (t0+5m, t0+10m], timeframe covers [t0+5m, now).
        let p = w.plan(t0 + 13 * M).unwrap();
        assert_eq!(
            (p.after, p.up_to, p.timeframe_min, p.skipped),
            (t0 + 5 * M, t0 + 10 * M, 10, 0)
        );
        // Not committed (failed run): the same buckets are planned again.
        let again = w.plan(t0 + 14 * M).unwrap();
        assert_eq!((again.after, again.up_to), (t0 + 5 * M, t0 + 10 * M));
        w.commit(&again);
        assert_eq!(w.plan(t0 + 14 * M), None);
        // A long outage: only the last 24 hours can be asked for.
        let late = t0 + 30 * 60 * M;
        let p = w.plan(late).unwrap();
        assert_eq!(
            p.timeframe_min, 1435,
            "the oldest whole bucket the window can hold"
        );
        assert!(p.skipped > 0);
        assert_eq!(p.after, floor5(late - 1440 * M) + BUCKET_MS);
    }

    #[test]
    fn backfill_starts_back_in_time() {
        let t0 = 1_700_000_000_000 - 1_700_000_000_000 % (60 * M);
        let mut w = Watermark::new(0, 60 * M);
        let p = w.plan(t0).unwrap();
        assert_eq!((p.after, p.up_to, p.timeframe_min), (t0 - 60 * M, t0, 60));
    }
}

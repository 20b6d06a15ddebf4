//! Pure mapping from counted segments to the histogram and counter per skill and end reason.

use std::collections::BTreeMap;

use super::model::Segment;
use super::specs::{HANDLE_TIME, SEGMENTS};
use crate::collectors::values::id_text;
use crate::metrics::snapshot::{EmitError, SnapshotBuilder};

/// One histogram series: observations per bucket (the last is `+Inf`) and their sum.
#[derive(Debug, Clone)]
struct Hist {
    counts: Vec<u64>,
    sum: f64,
}

/// Handle-time histograms per (skill, end reason), over fixed bucket bounds.
#[derive(Debug, Clone)]
pub struct Histograms {
    bounds: Vec<f64>,
    series: BTreeMap<(String, &'static str), Hist>,
}

/// The `end_reason` label of a segment's `endReason`: LivePerson's documented values in
/// snake_case (one label vocabulary), and `other` for none or any value it does not document, so
/// an unknown value cannot grow the series.
pub fn end_reason_label(end_reason: Option<&str>) -> &'static str {
    match end_reason {
        Some("closedByConsumer") => "closed_by_consumer",
        Some("closedByAgent") => "closed_by_agent",
        Some("closedBySystem") => "closed_by_system",
        Some("agentTransfer") => "agent_transfer",
        Some("skillTransfer") => "skill_transfer",
        Some("backToQueue") => "back_to_queue",
        _ => "other",
    }
}

/// A segment's handle time in seconds; `None` when it is absent, null, negative or not finite,
/// and the segment must not be counted (nor marked counted: a later answer may carry the value).
pub fn handle_seconds(seg: &Segment) -> Option<f64> {
    seg.handle_ms
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
        .map(|ms| ms / 1000.0)
}

impl Histograms {
    /// Empty histograms with these upper bounds (seconds, increasing, without `+Inf`).
    pub fn new(bounds: Vec<f64>) -> Self {
        Self {
            bounds,
            series: BTreeMap::new(),
        }
    }

    /// The bucket upper bounds.
    pub fn bounds(&self) -> &[f64] {
        &self.bounds
    }

    /// Counts one segment with a valid handle time (see [`handle_seconds`]), under its skill and
    /// end reason ([`end_reason_label`]).
    pub fn observe(&mut self, seg: &Segment, seconds: f64) {
        let skill = id_text(&seg.skill);
        let reason = end_reason_label(seg.end_reason.as_deref());
        let n = self.bounds.len();
        let h = self.series.entry((skill, reason)).or_insert_with(|| Hist {
            counts: vec![0; n + 1],
            sum: 0.0,
        });
        let i = self.bounds.partition_point(|b| *b < seconds);
        h.counts[i] += 1;
        h.sum += seconds;
    }

    /// Adds every series' histogram and segment count for `account`.
    pub fn emit(&self, b: &mut SnapshotBuilder, account: &str) -> Result<(), EmitError> {
        for ((skill, reason), h) in &self.series {
            let buckets: Vec<(f64, u64)> = self
                .bounds
                .iter()
                .copied()
                .chain([f64::INFINITY])
                .zip(h.counts.iter().copied())
                .collect();
            let key = [account, skill, reason];
            b.add_histogram(&HANDLE_TIME, &key, buckets, h.sum)?;
            b.add(&SEGMENTS, &key, Some(h.counts.iter().sum::<u64>() as f64))?;
        }
        Ok(())
    }
}

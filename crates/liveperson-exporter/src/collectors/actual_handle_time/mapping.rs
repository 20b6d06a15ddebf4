//! Pure mapping from counted segments to the histogram and counter per skill and end reason, and
//! the opt-in histograms per agent and per agent group (capped).

use std::collections::BTreeMap;

use super::model::Segment;
use super::specs::{AGENT_GROUP_HANDLE_TIME, AGENT_HANDLE_TIME, HANDLE_TIME, SEGMENTS};
use crate::collectors::values::id_text;
use crate::metrics::snapshot::{EmitError, SnapshotBuilder};

/// One histogram series: observations per bucket (the last is `+Inf`) and their sum.
#[derive(Debug, Clone)]
struct Hist {
    counts: Vec<u64>,
    sum: f64,
}

/// Histogram series by key, over shared bucket bounds.
#[derive(Debug, Clone)]
struct Series<K>(BTreeMap<K, Hist>);

impl<K: Ord> Series<K> {
    fn observe(&mut self, bounds: &[f64], key: K, seconds: f64) {
        let h = self.0.entry(key).or_insert_with(|| Hist {
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
        });
        h.counts[bounds.partition_point(|b| *b < seconds)] += 1;
        h.sum += seconds;
    }
}

/// A hist's buckets as the snapshot takes them: (upper bound, observations), `+Inf` last.
fn buckets(bounds: &[f64], h: &Hist) -> Vec<(f64, u64)> {
    bounds
        .iter()
        .copied()
        .chain([f64::INFINITY])
        .zip(h.counts.iter().copied())
        .collect()
}

/// Which opt-in breakdowns to keep, and how many agents (groups) they may have.
#[derive(Debug, Clone, Copy, Default)]
pub struct Breakdowns {
    /// A histogram per agent.
    pub per_agent: bool,
    /// A histogram per agent group.
    pub per_agent_group: bool,
    /// Most agents (and most groups) with a histogram.
    pub max_agents: usize,
}

/// Handle-time histograms per (skill, end reason), and, opted into, per agent and per agent
/// group, over fixed bucket bounds.
#[derive(Debug, Clone)]
pub struct Histograms {
    bounds: Vec<f64>,
    by_skill: Series<(String, &'static str)>,
    breakdowns: Breakdowns,
    by_agent: Series<String>,
    by_group: Series<String>,
    /// Observations left out of `by_agent` and `by_group` by `max_agents`.
    over_limit: u64,
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
    /// Empty histograms with these upper bounds (seconds, increasing, without `+Inf`), per skill
    /// and end reason only.
    pub fn new(bounds: Vec<f64>) -> Self {
        Self::with_breakdowns(bounds, Breakdowns::default())
    }

    /// Empty histograms with these bounds and opt-in breakdowns.
    pub fn with_breakdowns(bounds: Vec<f64>, breakdowns: Breakdowns) -> Self {
        Self {
            bounds,
            by_skill: Series(BTreeMap::new()),
            breakdowns,
            by_agent: Series(BTreeMap::new()),
            by_group: Series(BTreeMap::new()),
            over_limit: 0,
        }
    }

    /// The bucket upper bounds.
    pub fn bounds(&self) -> &[f64] {
        &self.bounds
    }

    /// Counts one segment with a valid handle time (see [`handle_seconds`]), under its skill and
    /// end reason ([`end_reason_label`]), and, opted into, under its agent and its agent group
    /// (while there is room for a new one).
    pub fn observe(&mut self, seg: &Segment, seconds: f64) {
        let skill = id_text(&seg.skill);
        let reason = end_reason_label(seg.end_reason.as_deref());
        self.by_skill
            .observe(&self.bounds, (skill, reason), seconds);
        let max = self.breakdowns.max_agents;
        for (wanted, id, series) in [
            (self.breakdowns.per_agent, &seg.agent, &mut self.by_agent),
            (
                self.breakdowns.per_agent_group,
                &seg.group,
                &mut self.by_group,
            ),
        ] {
            let Some(id) = id.as_ref().map(id_text).filter(|_| wanted) else {
                continue;
            };
            if series.0.len() >= max && !series.0.contains_key(&id) {
                self.over_limit += 1;
                continue;
            }
            series.observe(&self.bounds, id, seconds);
        }
    }

    /// Observations the per-agent and per-group histograms left out; `None` without them.
    pub fn over_limit(&self) -> Option<u64> {
        let b = self.breakdowns;
        (b.per_agent || b.per_agent_group).then_some(self.over_limit)
    }

    /// Adds every series' histogram (and, per skill, segment count) for `account`.
    pub fn emit(&self, b: &mut SnapshotBuilder, account: &str) -> Result<(), EmitError> {
        for ((skill, reason), h) in &self.by_skill.0 {
            let key = [account, skill, reason];
            b.add_histogram(&HANDLE_TIME, &key, buckets(&self.bounds, h), h.sum)?;
            b.add(&SEGMENTS, &key, Some(h.counts.iter().sum::<u64>() as f64))?;
        }
        for (spec, series) in [
            (&AGENT_HANDLE_TIME, &self.by_agent),
            (&AGENT_GROUP_HANDLE_TIME, &self.by_group),
        ] {
            for (id, h) in &series.0 {
                b.add_histogram(spec, &[account, id], buckets(&self.bounds, h), h.sum)?;
            }
        }
        Ok(())
    }
}

//! The AHT catalogue: a handle-time histogram and a segment counter per skill and end reason, and
//! the opt-in histograms per agent and per agent group.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

/// Handle time per segment.
pub static HANDLE_TIME: MetricSpec = MetricSpec {
    name: "liveperson_skill_aht_segment_handle_time_seconds",
    help: "Actual handle time of closed agent segments, by skill and end reason",
    unit: Some(Unit::Seconds),
    kind: Kind::Histogram,
    labels: &["account_id", "skill_id", "end_reason"],
};

/// Segments counted.
pub static SEGMENTS: MetricSpec = MetricSpec {
    name: "liveperson_skill_aht_segments_total",
    help: "Closed agent segments counted, by skill and end reason",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "skill_id", "end_reason"],
};

/// Segment ids remembered for deduplication.
pub static TRACKED: MetricSpec = MetricSpec {
    name: "liveperson_aht_tracked_segments",
    help: "Segment ids the actual_handle_time collector remembers to count each segment once",
    unit: None,
    kind: Kind::Gauge,
    labels: &["account_id"],
};

/// Segments left uncounted, by reason.
pub static DROPPED: MetricSpec = MetricSpec {
    name: "liveperson_aht_dropped_segments_total",
    help: "Agent segments left uncounted: invalid_handle_time (totalHandleTimeMillis null, absent or negative; each segment once, and counted normally if a later answer has the value) or out_of_window (ending outside the asked window)",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "reason"],
};

/// Handle time per segment, per agent (opt-in: `per_agent`).
pub static AGENT_HANDLE_TIME: MetricSpec = MetricSpec {
    name: "liveperson_agent_aht_segment_handle_time_seconds",
    help: "Actual handle time of closed agent segments, by agent (opt-in, at most max_agents agents)",
    unit: Some(Unit::Seconds),
    kind: Kind::Histogram,
    labels: &["account_id", "agent_id"],
};

/// Handle time per segment, per agent group (opt-in: `per_agent_group`).
pub static AGENT_GROUP_HANDLE_TIME: MetricSpec = MetricSpec {
    name: "liveperson_agent_group_aht_segment_handle_time_seconds",
    help: "Actual handle time of closed agent segments, by the agent's group (opt-in, at most max_agents groups)",
    unit: Some(Unit::Seconds),
    kind: Kind::Histogram,
    labels: &["account_id", "agent_group_id"],
};

/// Segments left out of the per-agent or per-group histograms by the cap.
pub static OVER_LIMIT: MetricSpec = MetricSpec {
    name: "liveperson_aht_segments_over_agent_limit_total",
    help: "Segments left out of the per-agent (or per-agent-group) histograms because max_agents agents (groups) already have series; the per-skill histograms still count them",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id"],
};

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = &[
    &HANDLE_TIME,
    &SEGMENTS,
    &AGENT_HANDLE_TIME,
    &AGENT_GROUP_HANDLE_TIME,
    &TRACKED,
    &DROPPED,
    &OVER_LIMIT,
];

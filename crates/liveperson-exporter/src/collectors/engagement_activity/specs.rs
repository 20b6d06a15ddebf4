//! The engagement_activity catalogue: closed chats, their handling time and connected engagements per account, skill and agent (each level its own names), the
//! skipped buckets and the watermark.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

macro_rules! level_specs {
    ($module:ident, $what:literal, [$($label:literal),*], {
        closed: $closed:literal,
        handling: $handling:literal,
        connected: $connected:literal $(,)?
    }) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static CLOSED: MetricSpec = MetricSpec { name: $closed, help: concat!("Legacy chats closed, interactive or not (non-interactive includes abandoned), per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label,)* "interactive"] };
            pub static HANDLING: MetricSpec = MetricSpec { name: $handling, help: concat!("Handling time of closed legacy chats, interactive or not, per ", $what), unit: Some(Unit::Seconds), kind: Kind::Counter, labels: &["account_id", $($label,)* "interactive"] };
            pub static CONNECTED: MetricSpec = MetricSpec { name: $connected, help: concat!("Legacy chat engagements connected to an agent, per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label),*] };
        }
    };
}

level_specs!(account, "account", [], {
    closed: "liveperson_account_chats_closed_total",
    handling: "liveperson_account_chats_handling_seconds_total",
    connected: "liveperson_account_chats_connected_total",
});
level_specs!(skill, "skill", ["skill_id"], {
    closed: "liveperson_skill_chats_closed_total",
    handling: "liveperson_skill_chats_handling_seconds_total",
    connected: "liveperson_skill_chats_connected_total",
});
level_specs!(agent, "agent", ["agent_id"], {
    closed: "liveperson_agent_chats_closed_total",
    handling: "liveperson_agent_chats_handling_seconds_total",
    connected: "liveperson_agent_chats_connected_total",
});

/// Buckets older than the API's window that could not be counted.
pub static SKIPPED: MetricSpec = MetricSpec {
    name: "liveperson_engagement_activity_skipped_buckets_total",
    help: "5-minute buckets left uncounted because they were older than engactivity's 24-hour window",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id"],
};

/// Agents' buckets left out of the per-agent counters by `max_agents`.
pub static OVER_LIMIT: MetricSpec = MetricSpec {
    name: "liveperson_engagement_activity_agent_buckets_over_limit_total",
    help: "Per-agent figures of 5-minute buckets left out because max_agents agents already have series (the account and skill counters still count them); present with per_agent",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id"],
};

/// The counters' watermark.
pub static COUNTED_UNTIL: MetricSpec = MetricSpec {
    name: "liveperson_engagement_activity_counted_until_timestamp_seconds",
    help: "End of the last 5-minute bucket the engactivity counters include",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["account_id"],
};

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = &[
    &account::CLOSED,
    &account::HANDLING,
    &account::CONNECTED,
    &skill::CLOSED,
    &skill::HANDLING,
    &skill::CONNECTED,
    &agent::CLOSED,
    &agent::HANDLING,
    &agent::CONNECTED,
    &SKIPPED,
    &OVER_LIMIT,
    &COUNTED_UNTIL,
];

//! The messaging_conversation catalogue: resolved conversations and their handling time per account, skill, agent and agent group (each level its own names), the
//! skipped buckets and the watermark.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

macro_rules! level_specs {
    ($module:ident, $what:literal, [$($label:literal),*], {
        resolved: $resolved:literal,
        handling: $handling:literal $(,)?
    }) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static RESOLVED: MetricSpec = MetricSpec { name: $resolved, help: concat!("Messaging conversations resolved, by resolver (agent, consumer, system), per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label,)* "resolved_by"] };
            pub static HANDLING: MetricSpec = MetricSpec { name: $handling, help: concat!("Handling time of resolved messaging conversations, by resolver, per ", $what, " (msgconversation's undocumented unit: handling_time_unit, milliseconds unless set)"), unit: Some(Unit::Seconds), kind: Kind::Counter, labels: &["account_id", $($label,)* "resolved_by"] };
        }
    };
}

level_specs!(account, "account", [], {
    resolved: "liveperson_account_resolved_conversations_total",
    handling: "liveperson_account_resolved_conversations_handling_seconds_total",
});
level_specs!(skill, "skill", ["skill_id"], {
    resolved: "liveperson_skill_resolved_conversations_total",
    handling: "liveperson_skill_resolved_conversations_handling_seconds_total",
});
level_specs!(agent, "agent", ["agent_id"], {
    resolved: "liveperson_agent_resolved_conversations_total",
    handling: "liveperson_agent_resolved_conversations_handling_seconds_total",
});
level_specs!(agent_group, "agent group", ["agent_group_id"], {
    resolved: "liveperson_agent_group_resolved_conversations_total",
    handling: "liveperson_agent_group_resolved_conversations_handling_seconds_total",
});

/// Buckets older than the API's window that could not be counted.
pub static SKIPPED: MetricSpec = MetricSpec {
    name: "liveperson_messaging_conversation_skipped_buckets_total",
    help: "5-minute buckets left uncounted because they were older than msgconversation's 24-hour window",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id"],
};

/// Buckets whose handling times are implausible for the unit chosen.
pub static IMPLAUSIBLE: MetricSpec = MetricSpec {
    name: "liveperson_messaging_conversation_implausible_buckets_total",
    help: "5-minute buckets whose average handling time per agent-resolved conversation is under 1 s or over a day in handling_time_unit (the unit is probably wrong; the values are counted as read)",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id"],
};

/// Agents' buckets left out of the per-agent counters by `max_agents`.
pub static OVER_LIMIT: MetricSpec = MetricSpec {
    name: "liveperson_messaging_conversation_agent_buckets_over_limit_total",
    help: "Per-agent figures of 5-minute buckets left out because max_agents agents already have series (the account and skill counters still count them); present with per_agent",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id"],
};

/// The counters' watermark.
pub static COUNTED_UNTIL: MetricSpec = MetricSpec {
    name: "liveperson_messaging_conversation_counted_until_timestamp_seconds",
    help: "End of the last 5-minute bucket the msgconversation counters include",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["account_id"],
};

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = &[
    &account::RESOLVED,
    &account::HANDLING,
    &skill::RESOLVED,
    &skill::HANDLING,
    &agent::RESOLVED,
    &agent::HANDLING,
    &agent_group::RESOLVED,
    &agent_group::HANDLING,
    &SKIPPED,
    &OVER_LIMIT,
    &IMPLAUSIBLE,
    &COUNTED_UNTIL,
];

//! The Key Messaging Metrics catalogue: the same gauges and counters at three levels (skill, agent
//! group, account), each level its own metric names so no sum ever mixes levels.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

/// The metrics of one level.
#[derive(Debug)]
pub struct Level {
    /// Conversations by state.
    pub conversations: &'static MetricSpec,
    /// Overdue conversations by where they wait.
    pub overdue: &'static MetricSpec,
    /// Load of all logged-in agents.
    pub agent_load: &'static MetricSpec,
    /// Load of logged-in humans.
    pub human_agent_load: &'static MetricSpec,
    /// Load of online humans.
    pub human_online_load: &'static MetricSpec,
    /// Agents by status.
    pub agents: &'static MetricSpec,
    /// Free slots of online agents.
    pub available_slots: &'static MetricSpec,
    /// Current queue wait percentiles.
    pub queue_wait: &'static MetricSpec,
    /// Trailing-window average wait for an agent response.
    pub avg_wait: &'static MetricSpec,
    /// Trailing-window average wait for the first response.
    pub avg_wait_first_response: &'static MetricSpec,
    /// Trailing-window average time from assignment to response.
    pub avg_time_to_response: &'static MetricSpec,
    /// The same, first assignments only.
    pub avg_time_to_first_response_first_assignment: &'static MetricSpec,
    /// Closed conversations by closer.
    pub closed: &'static MetricSpec,
}

macro_rules! level {
    ($module:ident, $prefix:literal, $what:literal, [$($label:literal),*]) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static CONVERSATIONS: MetricSpec = MetricSpec { name: concat!($prefix, "_conversations"), help: concat!("Open conversations by state (assigned, unassigned, active, open) per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label,)* "state"] };
            pub static OVERDUE: MetricSpec = MetricSpec { name: concat!($prefix, "_overdue_conversations"), help: concat!("Conversations waiting for an agent reply past the response SLA, in queue or assigned, per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label,)* "state"] };
            pub static AGENT_LOAD: MetricSpec = MetricSpec { name: concat!($prefix, "_agent_load"), help: concat!("Busy slots over slots of logged-in agents, bots included, per ", $what), unit: Some(Unit::Ratio), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static HUMAN_AGENT_LOAD: MetricSpec = MetricSpec { name: concat!($prefix, "_human_agent_load"), help: concat!("Busy slots over slots of logged-in human agents per ", $what), unit: Some(Unit::Ratio), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static HUMAN_ONLINE_LOAD: MetricSpec = MetricSpec { name: concat!($prefix, "_human_online_load"), help: concat!("Busy slots over slots of online human agents per ", $what), unit: Some(Unit::Ratio), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static AGENTS: MetricSpec = MetricSpec { name: concat!($prefix, "_agents"), help: concat!("Logged-in agents by status (online, away, back_soon) per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label,)* "status"] };
            pub static AVAILABLE_SLOTS: MetricSpec = MetricSpec { name: concat!($prefix, "_available_slots"), help: concat!("Free conversation slots of online agents per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static QUEUE_WAIT: MetricSpec = MetricSpec { name: concat!($prefix, "_queue_wait"), help: concat!("Current wait of queued conversations at a percentile per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label,)* "percentile"] };
            pub static AVG_WAIT: MetricSpec = MetricSpec { name: concat!($prefix, "_avg_wait_time"), help: concat!("Average consumer wait for an agent response over the trailing window per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static AVG_WAIT_FIRST: MetricSpec = MetricSpec { name: concat!($prefix, "_avg_wait_time_first_response"), help: concat!("Average wait from conversation start to the first agent response over the trailing window per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static AVG_TTR: MetricSpec = MetricSpec { name: concat!($prefix, "_avg_time_to_response"), help: concat!("Average time from assignment to the agent's first response over the trailing window per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static AVG_TTFR_FIRST: MetricSpec = MetricSpec { name: concat!($prefix, "_avg_time_to_first_response_first_assignment"), help: concat!("Average time from a conversation's first assignment to its first response over the trailing window per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static CLOSED: MetricSpec = MetricSpec { name: concat!($prefix, "_closed_conversations"), help: concat!("Conversations closed, by closer (agent, consumer, system), per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label,)* "closed_by"] };
            pub static LEVEL: Level = Level {
                conversations: &CONVERSATIONS, overdue: &OVERDUE, agent_load: &AGENT_LOAD,
                human_agent_load: &HUMAN_AGENT_LOAD, human_online_load: &HUMAN_ONLINE_LOAD,
                agents: &AGENTS, available_slots: &AVAILABLE_SLOTS, queue_wait: &QUEUE_WAIT,
                avg_wait: &AVG_WAIT, avg_wait_first_response: &AVG_WAIT_FIRST,
                avg_time_to_response: &AVG_TTR,
                avg_time_to_first_response_first_assignment: &AVG_TTFR_FIRST, closed: &CLOSED,
            };
        }
    };
}

level!(skill, "liveperson_skill", "skill", ["skill_id"]);
level!(
    agent_group,
    "liveperson_agent_group",
    "agent group",
    ["agent_group_id"]
);
level!(account, "liveperson_account", "account", []);

/// Skill names.
pub static SKILL_INFO: MetricSpec = MetricSpec {
    name: "liveperson_skill",
    help: "Skill names (value 1)",
    unit: None,
    kind: Kind::Info,
    labels: &["account_id", "skill_id", "name"],
};

/// Agent group names.
pub static AGENT_GROUP_INFO: MetricSpec = MetricSpec {
    name: "liveperson_agent_group",
    help: "Agent group names (value 1)",
    unit: None,
    kind: Kind::Info,
    labels: &["account_id", "agent_group_id", "name"],
};

/// Per-agent status as a state set (agent_view, off by default).
pub static AGENT_STATUS: MetricSpec = MetricSpec {
    name: "liveperson_agent_status",
    help: "1 for the agent's current status (online, away, back_soon, offline), 0 for the others",
    unit: None,
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id", "status"],
};

/// Per-agent load (agent_view, off by default).
pub static AGENT_LOAD: MetricSpec = MetricSpec {
    name: "liveperson_agent_load",
    help: "Busy slots over the agent's slots",
    unit: Some(Unit::Ratio),
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id"],
};

/// Per-agent conversations (agent_view, off by default).
pub static AGENT_CONVERSATIONS: MetricSpec = MetricSpec {
    name: "liveperson_agent_conversations",
    help: "Conversations of the agent by state (assigned, active)",
    unit: None,
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id", "state"],
};

macro_rules! all_of {
    ($($m:ident),*) => {
        [$(
            &$m::CONVERSATIONS, &$m::OVERDUE, &$m::AGENT_LOAD, &$m::HUMAN_AGENT_LOAD,
            &$m::HUMAN_ONLINE_LOAD, &$m::AGENTS, &$m::AVAILABLE_SLOTS, &$m::QUEUE_WAIT,
            &$m::AVG_WAIT, &$m::AVG_WAIT_FIRST, &$m::AVG_TTR, &$m::AVG_TTFR_FIRST, &$m::CLOSED,
        )*]
    };
}

/// Every metric of the collector.
pub static ALL: [&MetricSpec; 44] = {
    let levels: [&MetricSpec; 39] = all_of!(skill, agent_group, account);
    let mut out: [&MetricSpec; 44] = [&SKILL_INFO; 44];
    let mut i = 0;
    while i < 39 {
        out[i] = levels[i];
        i += 1;
    }
    out[39] = &SKILL_INFO;
    out[40] = &AGENT_GROUP_INFO;
    out[41] = &AGENT_STATUS;
    out[42] = &AGENT_LOAD;
    out[43] = &AGENT_CONVERSATIONS;
    out
};

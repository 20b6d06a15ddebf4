//! The Key Messaging Metrics catalogue: the same gauges and counters at three levels (skill, agent
//! group, account), each level its own metric names so no sum ever mixes levels.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

/// The metrics of one level.
#[derive(Debug)]
pub struct LevelMetrics {
    /// Open conversations (assigned and unassigned).
    pub open: &'static MetricSpec,
    /// Conversations assigned to agents.
    pub assigned: &'static MetricSpec,
    /// Assigned conversations with recent activity (a subset of assigned).
    pub active: &'static MetricSpec,
    /// Conversations waiting in queue for an agent.
    pub unassigned: &'static MetricSpec,
    /// Overdue conversations by where they wait.
    pub overdue: &'static MetricSpec,
    /// Load of all logged-in agents.
    pub agent_load: &'static MetricSpec,
    /// Load of logged-in humans.
    pub human_agent_load: &'static MetricSpec,
    /// Load of online humans.
    pub human_online_load: &'static MetricSpec,
    /// Load of away humans.
    pub human_away_load: &'static MetricSpec,
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
    ($module:ident, $what:literal, [$($label:literal),*], {
        open: $open:literal,
        assigned: $assigned:literal,
        active: $active:literal,
        unassigned: $unassigned:literal,
        overdue: $overdue:literal,
        agent_load: $agent_load:literal,
        human_agent_load: $human_agent_load:literal,
        human_online_load: $human_online_load:literal,
        human_away_load: $human_away_load:literal,
        agents: $agents:literal,
        available_slots: $available_slots:literal,
        queue_wait: $queue_wait:literal,
        avg_wait: $avg_wait:literal,
        avg_wait_first: $avg_wait_first:literal,
        avg_ttr: $avg_ttr:literal,
        avg_ttfr_first: $avg_ttfr_first:literal,
        closed: $closed:literal $(,)?
    }) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static OPEN: MetricSpec = MetricSpec { name: $open, help: concat!("Open conversations (assigned and unassigned, started in the last 30 days) per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static ASSIGNED: MetricSpec = MetricSpec { name: $assigned, help: concat!("Conversations assigned to an agent per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static ACTIVE: MetricSpec = MetricSpec { name: $active, help: concat!("Assigned conversations that are active (awaiting an agent reply or with recent messages), a subset of assigned, per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static UNASSIGNED: MetricSpec = MetricSpec { name: $unassigned, help: concat!("Conversations waiting in queue for an agent (KMM's view; queue health has the breakdown) per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static OVERDUE: MetricSpec = MetricSpec { name: $overdue, help: concat!("Conversations waiting for an agent reply past the response SLA, in queue or assigned, per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label,)* "state"] };
            pub static AGENT_LOAD: MetricSpec = MetricSpec { name: $agent_load, help: concat!("Busy slots over slots of logged-in agents, bots included, per ", $what), unit: Some(Unit::Ratio), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static HUMAN_AGENT_LOAD: MetricSpec = MetricSpec { name: $human_agent_load, help: concat!("Busy slots over slots of logged-in human agents per ", $what), unit: Some(Unit::Ratio), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static HUMAN_ONLINE_LOAD: MetricSpec = MetricSpec { name: $human_online_load, help: concat!("Busy slots over slots of online human agents per ", $what), unit: Some(Unit::Ratio), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static HUMAN_AWAY_LOAD: MetricSpec = MetricSpec { name: $human_away_load, help: concat!("Busy slots over slots of away human agents (conversations still assigned to them) per ", $what), unit: Some(Unit::Ratio), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static AGENTS: MetricSpec = MetricSpec { name: $agents, help: concat!("Logged-in agents by status (online, away, back_soon) per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label,)* "status"] };
            pub static AVAILABLE_SLOTS: MetricSpec = MetricSpec { name: $available_slots, help: concat!("Free conversation slots of online agents per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static QUEUE_WAIT: MetricSpec = MetricSpec { name: $queue_wait, help: concat!("Current wait of queued conversations at a percentile (50, 90) per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label,)* "percentile"] };
            pub static AVG_WAIT: MetricSpec = MetricSpec { name: $avg_wait, help: concat!("Average consumer wait for an agent response over the trailing window per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static AVG_WAIT_FIRST: MetricSpec = MetricSpec { name: $avg_wait_first, help: concat!("Average wait from conversation start to the first agent response over the trailing window per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static AVG_TTR: MetricSpec = MetricSpec { name: $avg_ttr, help: concat!("Average time from assignment to the agent's first response over the trailing window per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static AVG_TTFR_FIRST: MetricSpec = MetricSpec { name: $avg_ttfr_first, help: concat!("Average time from a conversation's first assignment to its first response over the trailing window per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label),*] };
            pub static CLOSED: MetricSpec = MetricSpec { name: $closed, help: concat!("Conversations closed, by closer (agent, consumer, system), per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label,)* "closed_by"] };
            pub static LEVEL: LevelMetrics = LevelMetrics {
                open: &OPEN, assigned: &ASSIGNED, active: &ACTIVE, unassigned: &UNASSIGNED,
                overdue: &OVERDUE, agent_load: &AGENT_LOAD,
                human_agent_load: &HUMAN_AGENT_LOAD, human_online_load: &HUMAN_ONLINE_LOAD,
                human_away_load: &HUMAN_AWAY_LOAD,
                agents: &AGENTS, available_slots: &AVAILABLE_SLOTS, queue_wait: &QUEUE_WAIT,
                avg_wait: &AVG_WAIT, avg_wait_first_response: &AVG_WAIT_FIRST,
                avg_time_to_response: &AVG_TTR,
                avg_time_to_first_response_first_assignment: &AVG_TTFR_FIRST, closed: &CLOSED,
            };
        }
    };
}

level!(skill, "skill", ["skill_id"], {
    open: "liveperson_skill_open_conversations",
    assigned: "liveperson_skill_assigned_conversations",
    active: "liveperson_skill_active_conversations",
    unassigned: "liveperson_skill_unassigned_conversations",
    overdue: "liveperson_skill_overdue_conversations",
    agent_load: "liveperson_skill_agent_load_ratio",
    human_agent_load: "liveperson_skill_human_agent_load_ratio",
    human_online_load: "liveperson_skill_human_online_load_ratio",
    human_away_load: "liveperson_skill_human_away_load_ratio",
    agents: "liveperson_skill_agents",
    available_slots: "liveperson_skill_available_slots",
    queue_wait: "liveperson_skill_queue_wait_seconds",
    avg_wait: "liveperson_skill_avg_wait_time_seconds",
    avg_wait_first: "liveperson_skill_avg_wait_time_first_response_seconds",
    avg_ttr: "liveperson_skill_avg_time_to_response_seconds",
    avg_ttfr_first: "liveperson_skill_avg_time_to_first_response_first_assignment_seconds",
    closed: "liveperson_skill_closed_conversations_total",
});
level!(agent_group, "agent group", ["agent_group_id"], {
    open: "liveperson_agent_group_open_conversations",
    assigned: "liveperson_agent_group_assigned_conversations",
    active: "liveperson_agent_group_active_conversations",
    unassigned: "liveperson_agent_group_unassigned_conversations",
    overdue: "liveperson_agent_group_overdue_conversations",
    agent_load: "liveperson_agent_group_agent_load_ratio",
    human_agent_load: "liveperson_agent_group_human_agent_load_ratio",
    human_online_load: "liveperson_agent_group_human_online_load_ratio",
    human_away_load: "liveperson_agent_group_human_away_load_ratio",
    agents: "liveperson_agent_group_agents",
    available_slots: "liveperson_agent_group_available_slots",
    queue_wait: "liveperson_agent_group_queue_wait_seconds",
    avg_wait: "liveperson_agent_group_avg_wait_time_seconds",
    avg_wait_first: "liveperson_agent_group_avg_wait_time_first_response_seconds",
    avg_ttr: "liveperson_agent_group_avg_time_to_response_seconds",
    avg_ttfr_first: "liveperson_agent_group_avg_time_to_first_response_first_assignment_seconds",
    closed: "liveperson_agent_group_closed_conversations_total",
});
level!(account, "account", [], {
    open: "liveperson_account_open_conversations",
    assigned: "liveperson_account_assigned_conversations",
    active: "liveperson_account_active_conversations",
    unassigned: "liveperson_account_unassigned_conversations",
    overdue: "liveperson_account_overdue_conversations",
    agent_load: "liveperson_account_agent_load_ratio",
    human_agent_load: "liveperson_account_human_agent_load_ratio",
    human_online_load: "liveperson_account_human_online_load_ratio",
    human_away_load: "liveperson_account_human_away_load_ratio",
    agents: "liveperson_account_agents",
    available_slots: "liveperson_account_available_slots",
    queue_wait: "liveperson_account_queue_wait_seconds",
    avg_wait: "liveperson_account_avg_wait_time_seconds",
    avg_wait_first: "liveperson_account_avg_wait_time_first_response_seconds",
    avg_ttr: "liveperson_account_avg_time_to_response_seconds",
    avg_ttfr_first: "liveperson_account_avg_time_to_first_response_first_assignment_seconds",
    closed: "liveperson_account_closed_conversations_total",
});

/// Skill names.
pub static SKILL_INFO: MetricSpec = MetricSpec {
    name: "liveperson_skill_info",
    help: "Skill names (value 1)",
    unit: None,
    kind: Kind::Info,
    labels: &["account_id", "skill_id", "name"],
};

/// Agent group names.
pub static AGENT_GROUP_INFO: MetricSpec = MetricSpec {
    name: "liveperson_agent_group_info",
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
    name: "liveperson_agent_load_ratio",
    help: "Busy slots over the agent's slots",
    unit: Some(Unit::Ratio),
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id"],
};

/// Per-agent assigned conversations (agent_view, off by default).
pub static AGENT_ASSIGNED: MetricSpec = MetricSpec {
    name: "liveperson_agent_assigned_conversations",
    help: "Conversations assigned to the agent",
    unit: None,
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id"],
};

/// Per-agent active conversations (agent_view, off by default).
pub static AGENT_ACTIVE: MetricSpec = MetricSpec {
    name: "liveperson_agent_active_conversations",
    help: "Assigned conversations of the agent that are active, a subset of assigned",
    unit: None,
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id"],
};

/// When each agent's current status began (agent_view, off by default).
pub static AGENT_STATUS_SINCE: MetricSpec = MetricSpec {
    name: "liveperson_agent_status_start_timestamp_seconds",
    help: "Unix time the agent's current status began (time in status: time() minus this)",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id"],
};

/// When each agent's current status reason began (agent_view, off by default).
pub static AGENT_REASON_SINCE: MetricSpec = MetricSpec {
    name: "liveperson_agent_status_reason_start_timestamp_seconds",
    help: "Unix time the agent's current status reason began, labelled with the reason; absent when the status has no reason",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id", "status_reason_id"],
};

/// Each agent's configured maximum of concurrent conversations (agent_view, off by default).
pub static AGENT_MAX_SLOTS: MetricSpec = MetricSpec {
    name: "liveperson_agent_max_slots",
    help: "The agent's configured maximum of concurrent conversations",
    unit: None,
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id"],
};

/// Agents agent_view could not serve (beyond its 1,000-row cap even per group and status).
pub static AGENTS_NOT_VIEWED: MetricSpec = MetricSpec {
    name: "liveperson_agent_view_agents_not_collected",
    help: "Logged-in agents at the last run without series: beyond agent_view's 1,000 rows per query even asked per agent group and status, or beyond max_agents (0 when every agent was collected)",
    unit: None,
    kind: Kind::Gauge,
    labels: &["account_id"],
};

/// Loads implausible for the unit chosen.
pub static IMPLAUSIBLE_LOADS: MetricSpec = MetricSpec {
    name: "liveperson_key_messaging_metrics_implausible_loads_total",
    help: "Loads read above 5 as a ratio in load_unit (the unit is probably wrong: percentages read as ratios; the values are exported as read)",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id"],
};

/// The metrics of the given levels, then the given others.
macro_rules! all_of {
    ([$($m:ident),*], [$($other:expr),* $(,)?]) => {
        &[
            $(
                &$m::OPEN, &$m::ASSIGNED, &$m::ACTIVE, &$m::UNASSIGNED, &$m::OVERDUE,
                &$m::AGENT_LOAD, &$m::HUMAN_AGENT_LOAD, &$m::HUMAN_ONLINE_LOAD, &$m::HUMAN_AWAY_LOAD, &$m::AGENTS, &$m::AVAILABLE_SLOTS, &$m::QUEUE_WAIT,
                &$m::AVG_WAIT, &$m::AVG_WAIT_FIRST, &$m::AVG_TTR, &$m::AVG_TTFR_FIRST, &$m::CLOSED,
            )*
            $($other),*
        ]
    };
}

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = all_of!(
    [skill, agent_group, account],
    [
        &SKILL_INFO,
        &AGENT_GROUP_INFO,
        &AGENT_STATUS,
        &AGENT_LOAD,
        &AGENT_ASSIGNED,
        &AGENT_ACTIVE,
        &AGENT_STATUS_SINCE,
        &AGENT_REASON_SINCE,
        &AGENT_MAX_SLOTS,
        &AGENTS_NOT_VIEWED,
        &IMPLAUSIBLE_LOADS,
    ]
);

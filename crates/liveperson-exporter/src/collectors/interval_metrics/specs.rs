//! The interval-metrics catalogue: the same counters at three grouping levels (skill, skill and
//! agent, agent group), each level its own names.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

/// The counters of one grouping level.
#[derive(Debug)]
pub struct LevelMetrics {
    /// Handle time by model.
    pub handle_time: &'static MetricSpec,
    /// Handled conversations by model.
    pub handled: &'static MetricSpec,
    /// Replied conversations.
    pub replied: &'static MetricSpec,
    /// Consumer messages.
    pub consumer_messages: &'static MetricSpec,
    /// Agent messages.
    pub agent_messages: &'static MetricSpec,
    /// Work time.
    pub work_time: &'static MetricSpec,
    /// Queue arrivals (skill grouping only).
    pub arrivals: Option<&'static MetricSpec>,
    /// Closed conversations (skill grouping only).
    pub closed: Option<&'static MetricSpec>,
}

macro_rules! level {
    ($module:ident, $what:literal, [$($label:literal),*], $arrivals:expr, $closed:expr, {
        handle_time: $handle_time:literal,
        handled: $handled:literal,
        replied: $replied:literal,
        consumer_messages: $consumer_messages:literal,
        agent_messages: $agent_messages:literal,
        work_time: $work_time:literal $(,)?
    }) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static HANDLE_TIME: MetricSpec = MetricSpec { name: $handle_time, help: concat!("Agent handle time of finished 15-minute intervals, by handle-time model (IFT, EHT), per ", $what), unit: Some(Unit::Seconds), kind: Kind::Counter, labels: &["account_id", $($label,)* "handle_time_model"] };
            pub static HANDLED: MetricSpec = MetricSpec { name: $handled, help: concat!("Conversations handled in finished 15-minute intervals, by handle-time model, per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label,)* "handle_time_model"] };
            pub static REPLIED: MetricSpec = MetricSpec { name: $replied, help: concat!("Conversations an agent replied to in finished 15-minute intervals per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label),*] };
            pub static CONSUMER_MESSAGES: MetricSpec = MetricSpec { name: $consumer_messages, help: concat!("Consumer messages in finished 15-minute intervals per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label),*] };
            pub static AGENT_MESSAGES: MetricSpec = MetricSpec { name: $agent_messages, help: concat!("Agent messages in finished 15-minute intervals per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label),*] };
            pub static WORK_TIME: MetricSpec = MetricSpec { name: $work_time, help: concat!("Agent work time (conversations assigned) in finished 15-minute intervals per ", $what), unit: Some(Unit::Seconds), kind: Kind::Counter, labels: &["account_id", $($label),*] };
            pub static LEVEL: LevelMetrics = LevelMetrics {
                handle_time: &HANDLE_TIME, handled: &HANDLED, replied: &REPLIED,
                consumer_messages: &CONSUMER_MESSAGES, agent_messages: &AGENT_MESSAGES,
                work_time: &WORK_TIME, arrivals: $arrivals, closed: $closed,
            };
        }
    };
}

level!(skill, "skill", ["skill_id"], Some(&SKILL_ARRIVALS), Some(&SKILL_CLOSED), {
    handle_time: "liveperson_skill_wfm_handle_time_seconds_total",
    handled: "liveperson_skill_wfm_handled_conversations_total",
    replied: "liveperson_skill_wfm_replied_conversations_total",
    consumer_messages: "liveperson_skill_wfm_consumer_messages_total",
    agent_messages: "liveperson_skill_wfm_agent_messages_total",
    work_time: "liveperson_skill_wfm_work_time_seconds_total",
});
level!(skill_agent, "skill and agent", ["skill_id", "agent_id"], None, None, {
    handle_time: "liveperson_skill_agent_wfm_handle_time_seconds_total",
    handled: "liveperson_skill_agent_wfm_handled_conversations_total",
    replied: "liveperson_skill_agent_wfm_replied_conversations_total",
    consumer_messages: "liveperson_skill_agent_wfm_consumer_messages_total",
    agent_messages: "liveperson_skill_agent_wfm_agent_messages_total",
    work_time: "liveperson_skill_agent_wfm_work_time_seconds_total",
});
level!(agent_group, "agent group", ["agent_group_id"], None, None, {
    handle_time: "liveperson_agent_group_wfm_handle_time_seconds_total",
    handled: "liveperson_agent_group_wfm_handled_conversations_total",
    replied: "liveperson_agent_group_wfm_replied_conversations_total",
    consumer_messages: "liveperson_agent_group_wfm_consumer_messages_total",
    agent_messages: "liveperson_agent_group_wfm_agent_messages_total",
    work_time: "liveperson_agent_group_wfm_work_time_seconds_total",
});

/// Arrivals per skill.
pub static SKILL_ARRIVALS: MetricSpec = MetricSpec {
    name: "liveperson_skill_wfm_arrivals_total",
    help: "Conversations entering the skill's queue (new, transferred, back to queue) in finished 15-minute intervals",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "skill_id"],
};

/// Closed conversations per skill.
pub static SKILL_CLOSED: MetricSpec = MetricSpec {
    name: "liveperson_skill_wfm_closed_conversations_total",
    help: "Conversations closed in finished 15-minute intervals per skill",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "skill_id"],
};

/// The watermark of each grouping.
pub static COUNTED_UNTIL: MetricSpec = MetricSpec {
    name: "liveperson_wfm_counted_until_timestamp_seconds",
    help: "End of the last 15-minute interval the interval-metrics counters of a grouping include",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["account_id", "grouping"],
};

/// Intervals older than the API's 14 days that could not be counted.
pub static SKIPPED: MetricSpec = MetricSpec {
    name: "liveperson_wfm_skipped_intervals_total",
    help: "15-minute intervals left uncounted because they were older than interval-metrics' 14-day limit",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "grouping"],
};

/// The metrics of the given levels, then the given others.
macro_rules! all_of {
    ([$($m:ident),*], [$($other:expr),* $(,)?]) => {
        &[
            $(
                &$m::HANDLE_TIME, &$m::HANDLED, &$m::REPLIED, &$m::CONSUMER_MESSAGES,
                &$m::AGENT_MESSAGES, &$m::WORK_TIME,
            )*
            $($other),*
        ]
    };
}

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = all_of!(
    [skill, skill_agent, agent_group],
    [&SKILL_ARRIVALS, &SKILL_CLOSED, &COUNTED_UNTIL, &SKIPPED]
);

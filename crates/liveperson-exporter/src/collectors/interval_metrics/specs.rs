//! The interval-metrics catalogue: the same counters at three grouping levels (skill, skill and
//! agent, agent group), each level its own names.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

/// The counters of one grouping level.
#[derive(Debug)]
pub struct Level {
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
    ($module:ident, $prefix:literal, $what:literal, [$($label:literal),*], $arrivals:expr, $closed:expr) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static HANDLE_TIME: MetricSpec = MetricSpec { name: concat!($prefix, "_handle_time"), help: concat!("Agent handle time of finished 15-minute intervals, by handle-time model (IFT, EHT), per ", $what), unit: Some(Unit::Seconds), kind: Kind::Counter, labels: &["account_id", $($label,)* "handle_time_model"] };
            pub static HANDLED: MetricSpec = MetricSpec { name: concat!($prefix, "_handled_conversations"), help: concat!("Conversations handled in finished 15-minute intervals, by handle-time model, per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label,)* "handle_time_model"] };
            pub static REPLIED: MetricSpec = MetricSpec { name: concat!($prefix, "_replied_conversations"), help: concat!("Conversations an agent replied to in finished 15-minute intervals per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label),*] };
            pub static CONSUMER_MESSAGES: MetricSpec = MetricSpec { name: concat!($prefix, "_consumer_messages"), help: concat!("Consumer messages in finished 15-minute intervals per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label),*] };
            pub static AGENT_MESSAGES: MetricSpec = MetricSpec { name: concat!($prefix, "_agent_messages"), help: concat!("Agent messages in finished 15-minute intervals per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label),*] };
            pub static WORK_TIME: MetricSpec = MetricSpec { name: concat!($prefix, "_work_time"), help: concat!("Agent work time (conversations assigned) in finished 15-minute intervals per ", $what), unit: Some(Unit::Seconds), kind: Kind::Counter, labels: &["account_id", $($label),*] };
            pub static LEVEL: Level = Level {
                handle_time: &HANDLE_TIME, handled: &HANDLED, replied: &REPLIED,
                consumer_messages: &CONSUMER_MESSAGES, agent_messages: &AGENT_MESSAGES,
                work_time: &WORK_TIME, arrivals: $arrivals, closed: $closed,
            };
        }
    };
}

level!(
    skill,
    "liveperson_skill_wfm",
    "skill",
    ["skill_id"],
    Some(&SKILL_ARRIVALS),
    Some(&SKILL_CLOSED)
);
level!(
    skill_agent,
    "liveperson_skill_agent_wfm",
    "skill and agent",
    ["skill_id", "agent_id"],
    None,
    None
);
level!(
    agent_group,
    "liveperson_agent_group_wfm",
    "agent group",
    ["agent_group_id"],
    None,
    None
);

/// Arrivals per skill.
pub static SKILL_ARRIVALS: MetricSpec = MetricSpec {
    name: "liveperson_skill_wfm_arrivals",
    help: "Conversations entering the skill's queue (new, transferred, back to queue) in finished 15-minute intervals",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "skill_id"],
};

/// Closed conversations per skill.
pub static SKILL_CLOSED: MetricSpec = MetricSpec {
    name: "liveperson_skill_wfm_closed_conversations",
    help: "Conversations closed in finished 15-minute intervals per skill",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "skill_id"],
};

/// The watermark of each grouping.
pub static COUNTED_UNTIL: MetricSpec = MetricSpec {
    name: "liveperson_wfm_counted_until_timestamp",
    help: "End of the last 15-minute interval the interval-metrics counters of a grouping include",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["account_id", "grouping"],
};

/// Intervals older than the API's 14 days that could not be counted.
pub static SKIPPED: MetricSpec = MetricSpec {
    name: "liveperson_wfm_skipped_intervals",
    help: "15-minute intervals left uncounted because they were older than interval-metrics' 14-day limit",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "grouping"],
};

macro_rules! all_of {
    ($($m:ident),*) => {
        [$(&$m::HANDLE_TIME, &$m::HANDLED, &$m::REPLIED, &$m::CONSUMER_MESSAGES, &$m::AGENT_MESSAGES, &$m::WORK_TIME,)*]
    };
}

/// Every metric of the collector.
pub static ALL: [&MetricSpec; 22] = {
    let levels: [&MetricSpec; 18] = all_of!(skill, skill_agent, agent_group);
    let mut out: [&MetricSpec; 22] = [&SKIPPED; 22];
    let mut i = 0;
    while i < 18 {
        out[i] = levels[i];
        i += 1;
    }
    out[18] = &SKILL_ARRIVALS;
    out[19] = &SKILL_CLOSED;
    out[20] = &COUNTED_UNTIL;
    out[21] = &SKIPPED;
    out
};

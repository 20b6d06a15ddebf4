//! `engagement_activity`: closed legacy chats (interactive and not), their handling time and
//! connected engagements as exact counters, from engactivity's 5-minute buckets (CSDS
//! `leDataReporting`, OAuth 1.0a), per account, skill and (optionally) agent. Handling times are
//! seconds, as documented. See [`super::rolling::buckets`] for the counting rule.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

use super::machinery::Entry;
use super::rolling::{Counted, RollingApi, build};

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
    &COUNTED_UNTIL,
];

static COUNTED: [Counted; 5] = [
    Counted {
        field: "totalInteractiveChats",
        scale: 1.0,
        label: Some("true"),
        specs: [&account::CLOSED, &skill::CLOSED, &agent::CLOSED],
    },
    Counted {
        field: "totalNonInteractiveChats",
        scale: 1.0,
        label: Some("false"),
        specs: [&account::CLOSED, &skill::CLOSED, &agent::CLOSED],
    },
    Counted {
        field: "totalHandlingTime",
        scale: 1.0,
        label: Some("true"),
        specs: [&account::HANDLING, &skill::HANDLING, &agent::HANDLING],
    },
    Counted {
        field: "nonInteractiveTotalHandlingTime",
        scale: 1.0,
        label: Some("false"),
        specs: [&account::HANDLING, &skill::HANDLING, &agent::HANDLING],
    },
    Counted {
        field: "connectedEngagements",
        scale: 1.0,
        label: None,
        specs: [&account::CONNECTED, &skill::CONNECTED, &agent::CONNECTED],
    },
];

static API: RollingApi = RollingApi {
    api: "engactivity",
    path: "engactivity",
    post: false,
    counted: &COUNTED,
    skipped: &SKIPPED,
    counted_until: &COUNTED_UNTIL,
    all: ALL,
};

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "engagement_activity",
    about: "Engagement activity (legacy chat): closed chats, handling time and connected engagements as exact counters per account, skill and agent",
    metrics: ALL,
    needs_oauth1: true,
    build: |section, path, problems| build(&API, section, path, problems),
};

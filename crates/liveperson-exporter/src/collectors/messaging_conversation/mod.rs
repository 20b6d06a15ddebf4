//! `messaging_conversation`: resolved messaging conversations and their handling time as exact
//! counters, from msgconversation's 5-minute buckets (CSDS `leDataReporting`, OAuth 1.0a), per
//! account, skill and (optionally) agent. See [`super::rolling::buckets`] for the counting rule.
//!
//! Handling times: LivePerson does not document the unit; the only client code that reads them
//! divides by 1000, so they are read as milliseconds (the simulator serves milliseconds).

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

use super::machinery::Entry;
use super::rolling::{Counted, RollingApi, build};

macro_rules! level_specs {
    ($module:ident, $what:literal, [$($label:literal),*], {
        resolved: $resolved:literal,
        handling: $handling:literal $(,)?
    }) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static RESOLVED: MetricSpec = MetricSpec { name: $resolved, help: concat!("Messaging conversations resolved, by resolver (agent, consumer, system), per ", $what), unit: None, kind: Kind::Counter, labels: &["account_id", $($label,)* "resolved_by"] };
            pub static HANDLING: MetricSpec = MetricSpec { name: $handling, help: concat!("Handling time of resolved messaging conversations, by resolver, per ", $what, " (msgconversation's undocumented unit read as milliseconds)"), unit: Some(Unit::Seconds), kind: Kind::Counter, labels: &["account_id", $($label,)* "resolved_by"] };
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

/// Buckets older than the API's window that could not be counted.
pub static SKIPPED: MetricSpec = MetricSpec {
    name: "liveperson_messaging_conversation_skipped_buckets_total",
    help: "5-minute buckets left uncounted because they were older than msgconversation's 24-hour window",
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
    &SKIPPED,
    &COUNTED_UNTIL,
];

macro_rules! counted {
    ($field:literal, $scale:expr, $label:literal, $m:ident) => {
        Counted {
            field: $field,
            scale: $scale,
            label: Some($label),
            specs: [&account::$m, &skill::$m, &agent::$m],
        }
    };
}

static COUNTED: [Counted; 6] = [
    counted!("resolvedConversations_byCCP", 1.0, "agent", RESOLVED),
    counted!(
        "resolvedConversations_byConsumer",
        1.0,
        "consumer",
        RESOLVED
    ),
    counted!("resolvedConversations_bySystem", 1.0, "system", RESOLVED),
    counted!(
        "totalHandlingTime_resolvedConversations_byCCP",
        0.001,
        "agent",
        HANDLING
    ),
    counted!(
        "totalHandlingTime_resolvedConversations_byConsumer",
        0.001,
        "consumer",
        HANDLING
    ),
    counted!(
        "totalHandlingTime_resolvedConversations_bySystem",
        0.001,
        "system",
        HANDLING
    ),
];

static API: RollingApi = RollingApi {
    api: "msgconversation",
    path: "msgconversation",
    post: true,
    counted: &COUNTED,
    skipped: &SKIPPED,
    counted_until: &COUNTED_UNTIL,
    all: ALL,
};

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "messaging_conversation",
    about: "Messaging conversation: resolved conversations and handling time by resolver as exact counters per account, skill and agent",
    metrics: ALL,
    needs_oauth1: true,
    build: |section, path, problems| build(&API, section, path, problems),
};

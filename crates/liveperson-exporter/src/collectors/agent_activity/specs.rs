//! The agent activity catalogue: time in status, logins, logouts and status changes per agent or per
//! agent group (each level its own names), the opt-in agent names, and the replay's watermark.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

macro_rules! level_specs {
    ($module:ident, $what:literal, $label:literal, {
        status_seconds: $status_seconds:literal,
        logins: $logins:literal,
        logouts: $logouts:literal,
        status_changes: $status_changes:literal $(,)?
    }) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static STATUS_SECONDS: MetricSpec = MetricSpec {
                name: $status_seconds,
                help: concat!(
                    "Time spent in each status (online, back_soon, away; away by status_reason_id) per ",
                    $what,
                    ", up to the settle horizon"
                ),
                unit: Some(Unit::Seconds),
                kind: Kind::Counter,
                labels: &["account_id", $label, "status", "status_reason_id"],
            };
            pub static LOGINS: MetricSpec = MetricSpec {
                name: $logins,
                help: concat!("Logins per ", $what),
                unit: None,
                kind: Kind::Counter,
                labels: &["account_id", $label],
            };
            pub static LOGOUTS: MetricSpec = MetricSpec {
                name: $logouts,
                help: concat!("Logouts per ", $what),
                unit: None,
                kind: Kind::Counter,
                labels: &["account_id", $label],
            };
            pub static STATUS_CHANGES: MetricSpec = MetricSpec {
                name: $status_changes,
                help: concat!("Status changes per ", $what),
                unit: None,
                kind: Kind::Counter,
                labels: &["account_id", $label],
            };
        }
    };
}

level_specs!(agent, "agent", "agent_id", {
    status_seconds: "liveperson_agent_activity_status_seconds_total",
    logins: "liveperson_agent_activity_logins_total",
    logouts: "liveperson_agent_activity_logouts_total",
    status_changes: "liveperson_agent_activity_status_changes_total",
});
level_specs!(agent_group, "agent group", "agent_group_id", {
    status_seconds: "liveperson_agent_group_activity_status_seconds_total",
    logins: "liveperson_agent_group_activity_logins_total",
    logouts: "liveperson_agent_group_activity_logouts_total",
    status_changes: "liveperson_agent_group_activity_status_changes_total",
});

/// Opt-in agent names.
pub static AGENT_INFO: MetricSpec = MetricSpec {
    name: "liveperson_agent_info",
    help: "Agent names and logins (value 1); personal data, off unless agent_info is set",
    unit: None,
    kind: Kind::Info,
    labels: &["account_id", "agent_id", "agent_group_id", "login", "name"],
};

/// Away reason names.
pub static STATUS_REASON_INFO: MetricSpec = MetricSpec {
    name: "liveperson_status_reason_info",
    help: "Names of the custom away reasons (value 1), as status changes name them",
    unit: None,
    kind: Kind::Info,
    labels: &["account_id", "status_reason_id", "name"],
};

/// The counters' watermark.
pub static COUNTED_UNTIL: MetricSpec = MetricSpec {
    name: "liveperson_agent_activity_counted_until_timestamp_seconds",
    help: "The settle horizon up to which agent activity has been replayed",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["account_id"],
};

/// Records dropped instead of replayed.
pub static DROPPED: MetricSpec = MetricSpec {
    name: "liveperson_agent_activity_dropped_records_total",
    help: "Status-change records dropped instead of replayed: out_of_window (outside the asked window) or unreadable_time",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "reason"],
};

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = &[
    &agent::STATUS_SECONDS,
    &agent::LOGINS,
    &agent::LOGOUTS,
    &agent::STATUS_CHANGES,
    &agent_group::STATUS_SECONDS,
    &agent_group::LOGINS,
    &agent_group::LOGOUTS,
    &agent_group::STATUS_CHANGES,
    &AGENT_INFO,
    &STATUS_REASON_INFO,
    &COUNTED_UNTIL,
    &DROPPED,
];

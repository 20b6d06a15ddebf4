//! The messaging queue health catalogue, per skill and for the account.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

/// The metrics of one level.
#[derive(Debug)]
pub struct LevelMetrics {
    /// Unassigned conversations by kind.
    pub unassigned: &'static MetricSpec,
    /// Wait-time statistics.
    pub wait: &'static MetricSpec,
    /// Overdue conversations.
    pub overdue: &'static MetricSpec,
}

macro_rules! level {
    ($module:ident, $what:literal, [$($label:literal),*], {
        unassigned: $unassigned:literal,
        wait: $wait:literal,
        overdue: $overdue:literal $(,)?
    }) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static UNASSIGNED: MetricSpec = MetricSpec { name: $unassigned, help: concat!("Unassigned conversations in queue by kind (all, actionable, not_actionable, actionable_during_transfer, actionable_consumer_last_message, not_actionable_during_transfer, first_time_consumer) per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label,)* "kind"] };
            pub static WAIT: MetricSpec = MetricSpec { name: $wait, help: concat!("Wait of unassigned conversations opened in the last 24 hours, by statistic (avg_new, avg_after_transfer, max, p50, p90) per ", $what), unit: Some(Unit::Seconds), kind: Kind::Gauge, labels: &["account_id", $($label,)* "stat"] };
            pub static OVERDUE: MetricSpec = MetricSpec { name: $overdue, help: concat!("Conversations past their response SLA, in queue or assigned, per ", $what), unit: None, kind: Kind::Gauge, labels: &["account_id", $($label,)* "state"] };
            pub static LEVEL: LevelMetrics = LevelMetrics { unassigned: &UNASSIGNED, wait: &WAIT, overdue: &OVERDUE };
        }
    };
}

level!(skill, "skill", ["skill_id"], {
    unassigned: "liveperson_skill_queue_conversations",
    wait: "liveperson_skill_queue_wait_for_assignment_seconds",
    overdue: "liveperson_skill_queue_overdue_conversations",
});
level!(account, "account", [], {
    unassigned: "liveperson_account_queue_conversations",
    wait: "liveperson_account_queue_wait_for_assignment_seconds",
    overdue: "liveperson_account_queue_overdue_conversations",
});

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = &[
    &skill::UNASSIGNED,
    &skill::WAIT,
    &skill::OVERDUE,
    &account::UNASSIGNED,
    &account::WAIT,
    &account::OVERDUE,
];

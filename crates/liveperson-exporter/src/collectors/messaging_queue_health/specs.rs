//! The messaging queue health catalogue, per skill and for the account. Every metric is named
//! `..._queue_health_...` after its source, beside KMM's own queue figures (the README says which
//! to use for what). The API's total and its subsets (actionable, during transfer, ...) are each
//! a metric of their own: no label mixes a total with its subsets.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

/// The metrics of one level.
#[derive(Debug)]
pub struct LevelMetrics {
    /// Unassigned conversations (LivePerson's total, which its own example shows larger than
    /// actionable plus not actionable, so it is a metric of its own).
    pub unassigned: &'static MetricSpec,
    /// The unassigned ones awaiting a brand response.
    pub actionable: &'static MetricSpec,
    /// The unassigned ones not awaiting a brand response.
    pub not_actionable: &'static MetricSpec,
    /// The actionable ones that entered the queue by a transfer or back-to-queue.
    pub actionable_during_transfer: &'static MetricSpec,
    /// The not-actionable ones that entered the queue by a transfer or back-to-queue.
    pub not_actionable_during_transfer: &'static MetricSpec,
    /// The actionable ones where the consumer wrote last.
    pub actionable_consumer_last_message: &'static MetricSpec,
    /// The unassigned ones of first-time consumers.
    pub first_time_consumer: &'static MetricSpec,
    /// Wait-for-assignment percentiles.
    pub wait: &'static MetricSpec,
    /// The longest wait for assignment.
    pub max_wait: &'static MetricSpec,
    /// Average wait for assignment of new conversations.
    pub avg_wait_new: &'static MetricSpec,
    /// Average wait for assignment after a transfer.
    pub avg_wait_after_transfer: &'static MetricSpec,
    /// Overdue conversations.
    pub overdue: &'static MetricSpec,
}

macro_rules! gauge {
    ($name:literal, $help:literal, $what:literal, [$($label:literal),*], $unit:expr) => {
        MetricSpec { name: $name, help: concat!($help, " per ", $what), unit: $unit, kind: Kind::Gauge, labels: &["account_id", $($label),*] }
    };
}

macro_rules! level {
    ($module:ident, $what:literal, [$($label:literal),*], {
        unassigned: $unassigned:literal,
        actionable: $actionable:literal,
        not_actionable: $not_actionable:literal,
        actionable_during_transfer: $actionable_during_transfer:literal,
        not_actionable_during_transfer: $not_actionable_during_transfer:literal,
        actionable_consumer_last_message: $actionable_consumer_last_message:literal,
        first_time_consumer: $first_time_consumer:literal,
        wait: $wait:literal,
        max_wait: $max_wait:literal,
        avg_wait_new: $avg_wait_new:literal,
        avg_wait_after_transfer: $avg_wait_after_transfer:literal,
        overdue: $overdue:literal $(,)?
    }) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static UNASSIGNED: MetricSpec = gauge!($unassigned, "Unassigned conversations in queue", $what, [$($label),*], None);
            pub static ACTIONABLE: MetricSpec = gauge!($actionable, "Unassigned conversations awaiting a brand response (actionable)", $what, [$($label),*], None);
            pub static NOT_ACTIONABLE: MetricSpec = gauge!($not_actionable, "Unassigned conversations not awaiting a brand response", $what, [$($label),*], None);
            pub static ACTIONABLE_DURING_TRANSFER: MetricSpec = gauge!($actionable_during_transfer, "Actionable unassigned conversations that entered the queue by a transfer or back-to-queue", $what, [$($label),*], None);
            pub static NOT_ACTIONABLE_DURING_TRANSFER: MetricSpec = gauge!($not_actionable_during_transfer, "Not-actionable unassigned conversations that entered the queue by a transfer or back-to-queue", $what, [$($label),*], None);
            pub static ACTIONABLE_CONSUMER_LAST_MESSAGE: MetricSpec = gauge!($actionable_consumer_last_message, "Actionable unassigned conversations whose last message is the consumer's", $what, [$($label),*], None);
            pub static FIRST_TIME_CONSUMER: MetricSpec = gauge!($first_time_consumer, "Unassigned conversations of first-time consumers", $what, [$($label),*], None);
            pub static WAIT: MetricSpec = gauge!($wait, "Wait for assignment of unassigned conversations opened in the last 24 hours, at a percentile (50, 90),", $what, [$($label,)* "percentile"], Some(Unit::Seconds));
            pub static MAX_WAIT: MetricSpec = gauge!($max_wait, "Longest wait for assignment of unassigned conversations opened in the last 24 hours", $what, [$($label),*], Some(Unit::Seconds));
            pub static AVG_WAIT_NEW: MetricSpec = gauge!($avg_wait_new, "Average wait for assignment of new unassigned conversations opened in the last 24 hours", $what, [$($label),*], Some(Unit::Seconds));
            pub static AVG_WAIT_AFTER_TRANSFER: MetricSpec = gauge!($avg_wait_after_transfer, "Average wait for assignment of conversations back in queue after a transfer or back-to-queue, opened in the last 24 hours,", $what, [$($label),*], Some(Unit::Seconds));
            pub static OVERDUE: MetricSpec = gauge!($overdue, "Conversations past their response SLA, in queue or assigned (state),", $what, [$($label,)* "state"], None);
            pub static LEVEL: LevelMetrics = LevelMetrics {
                unassigned: &UNASSIGNED,
                actionable: &ACTIONABLE,
                not_actionable: &NOT_ACTIONABLE,
                actionable_during_transfer: &ACTIONABLE_DURING_TRANSFER,
                not_actionable_during_transfer: &NOT_ACTIONABLE_DURING_TRANSFER,
                actionable_consumer_last_message: &ACTIONABLE_CONSUMER_LAST_MESSAGE,
                first_time_consumer: &FIRST_TIME_CONSUMER,
                wait: &WAIT,
                max_wait: &MAX_WAIT,
                avg_wait_new: &AVG_WAIT_NEW,
                avg_wait_after_transfer: &AVG_WAIT_AFTER_TRANSFER,
                overdue: &OVERDUE,
            };
        }
    };
}

level!(skill, "skill", ["skill_id"], {
    unassigned: "liveperson_skill_queue_health_unassigned_conversations",
    actionable: "liveperson_skill_queue_health_actionable_conversations",
    not_actionable: "liveperson_skill_queue_health_not_actionable_conversations",
    actionable_during_transfer: "liveperson_skill_queue_health_actionable_during_transfer_conversations",
    not_actionable_during_transfer: "liveperson_skill_queue_health_not_actionable_during_transfer_conversations",
    actionable_consumer_last_message: "liveperson_skill_queue_health_actionable_consumer_last_message_conversations",
    first_time_consumer: "liveperson_skill_queue_health_first_time_consumer_conversations",
    wait: "liveperson_skill_queue_health_wait_for_assignment_seconds",
    max_wait: "liveperson_skill_queue_health_max_wait_for_assignment_seconds",
    avg_wait_new: "liveperson_skill_queue_health_avg_wait_for_assignment_new_seconds",
    avg_wait_after_transfer: "liveperson_skill_queue_health_avg_wait_for_assignment_after_transfer_seconds",
    overdue: "liveperson_skill_queue_health_overdue_conversations",
});
level!(account, "account", [], {
    unassigned: "liveperson_account_queue_health_unassigned_conversations",
    actionable: "liveperson_account_queue_health_actionable_conversations",
    not_actionable: "liveperson_account_queue_health_not_actionable_conversations",
    actionable_during_transfer: "liveperson_account_queue_health_actionable_during_transfer_conversations",
    not_actionable_during_transfer: "liveperson_account_queue_health_not_actionable_during_transfer_conversations",
    actionable_consumer_last_message: "liveperson_account_queue_health_actionable_consumer_last_message_conversations",
    first_time_consumer: "liveperson_account_queue_health_first_time_consumer_conversations",
    wait: "liveperson_account_queue_health_wait_for_assignment_seconds",
    max_wait: "liveperson_account_queue_health_max_wait_for_assignment_seconds",
    avg_wait_new: "liveperson_account_queue_health_avg_wait_for_assignment_new_seconds",
    avg_wait_after_transfer: "liveperson_account_queue_health_avg_wait_for_assignment_after_transfer_seconds",
    overdue: "liveperson_account_queue_health_overdue_conversations",
});

/// The metrics of the given levels.
macro_rules! all_of {
    ($($m:ident),*) => {
        &[$(
            &$m::UNASSIGNED, &$m::ACTIONABLE, &$m::NOT_ACTIONABLE, &$m::ACTIONABLE_DURING_TRANSFER,
            &$m::NOT_ACTIONABLE_DURING_TRANSFER, &$m::ACTIONABLE_CONSUMER_LAST_MESSAGE,
            &$m::FIRST_TIME_CONSUMER, &$m::WAIT, &$m::MAX_WAIT, &$m::AVG_WAIT_NEW,
            &$m::AVG_WAIT_AFTER_TRANSFER, &$m::OVERDUE,
        )*]
    };
}

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = all_of!(skill, account);

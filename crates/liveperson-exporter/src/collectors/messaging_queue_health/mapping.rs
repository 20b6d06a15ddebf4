//! Pure mapping from a queue-health answer to samples: ms to seconds, -1 to no sample.

use super::model::Values;
use super::specs::LevelMetrics;
use crate::collectors::values::Reading;
use crate::metrics::snapshot::{EmitError, SnapshotBuilder};

/// Adds one skill's (or the account's) values; `key` is the account id and, per skill, its id.
pub fn values(
    b: &mut SnapshotBuilder,
    level: &LevelMetrics,
    key: &[&str],
    v: &Values,
) -> Result<(), EmitError> {
    let get = |name: &str| v.get(name).and_then(Reading::value);
    let with = |extra: &'static str| {
        let mut k = key.to_vec();
        k.push(extra);
        k
    };
    for (kind, name) in [
        ("all", "unassignedConversations"),
        ("actionable", "actionableConversations"),
        ("not_actionable", "notActionableConversations"),
        ("actionable_during_transfer", "actionableAndDuringTransfer"),
        (
            "actionable_consumer_last_message",
            "actionableAndConsumerLastMessage",
        ),
        (
            "not_actionable_during_transfer",
            "notActionableDuringTransfer",
        ),
        (
            "first_time_consumer",
            "unassignedConversationsAndFirstTimeConsumer",
        ),
    ] {
        b.add(level.unassigned, &with(kind), get(name))?;
    }
    for (stat, name) in [
        ("avg_new", "avgWaitTimeForAgentAssignment_NewConversation"),
        (
            "avg_after_transfer",
            "avgWaitTimeForAgentAssignment_AfterTransfer",
        ),
        ("max", "maxWaitTimeForAgentAssignment"),
        ("p50", "waitTimeForAgentAssignment_50thPercentile"),
        ("p90", "waitTimeForAgentAssignment_90thPercentile"),
    ] {
        b.add(level.wait, &with(stat), get(name).map(|ms| ms / 1000.0))?;
    }
    for (state, name) in [
        ("in_queue", "overdueConversationsInQueue"),
        ("assigned", "overdueConversationsAssigned"),
    ] {
        b.add(level.overdue, &with(state), get(name))?;
    }
    Ok(())
}

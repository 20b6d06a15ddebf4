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
    let seconds = |name: &str| get(name).map(|ms| ms / 1000.0);
    let with = |extra: &'static str| {
        let mut k = key.to_vec();
        k.push(extra);
        k
    };
    for (spec, name) in [
        (level.unassigned, "unassignedConversations"),
        (level.actionable, "actionableConversations"),
        (level.not_actionable, "notActionableConversations"),
        (
            level.actionable_during_transfer,
            "actionableAndDuringTransfer",
        ),
        (
            level.not_actionable_during_transfer,
            "notActionableDuringTransfer",
        ),
        (
            level.actionable_consumer_last_message,
            "actionableAndConsumerLastMessage",
        ),
        (
            level.first_time_consumer,
            "unassignedConversationsAndFirstTimeConsumer",
        ),
    ] {
        b.add(spec, key, get(name))?;
    }
    for (percentile, name) in [
        ("50", "waitTimeForAgentAssignment_50thPercentile"),
        ("90", "waitTimeForAgentAssignment_90thPercentile"),
    ] {
        b.add(level.wait, &with(percentile), seconds(name))?;
    }
    b.add(
        level.max_wait,
        key,
        seconds("maxWaitTimeForAgentAssignment"),
    )?;
    b.add(
        level.avg_wait_new,
        key,
        seconds("avgWaitTimeForAgentAssignment_NewConversation"),
    )?;
    b.add(
        level.avg_wait_after_transfer,
        key,
        seconds("avgWaitTimeForAgentAssignment_AfterTransfer"),
    )?;
    for (state, name) in [
        ("in_queue", "overdueConversationsInQueue"),
        ("assigned", "overdueConversationsAssigned"),
    ] {
        b.add(level.overdue, &with(state), get(name))?;
    }
    Ok(())
}

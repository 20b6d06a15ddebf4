//! Pure mapping from Key Messaging Metrics answers to samples: names, units (ms to seconds; loads
//! in the unit chosen, checked for plausibility), and "no data" (absent, null or -1) to no sample.

use super::model::Metrics;
use super::specs::LevelMetrics;
use crate::collectors::values::count;
use crate::metrics::snapshot::{EmitError, SnapshotBuilder};

/// A number, unless it is absent, not a number or negative ("no data" is -1).
pub fn num(m: &Metrics, key: &str) -> Option<f64> {
    m.get(key)?.value()
}

const MS: f64 = 1000.0;

/// Loads above this ratio are implausible: agents hold more than five times their slots only
/// when the unit is wrong (percentages read as ratios).
pub const MAX_PLAUSIBLE_LOAD: f64 = 5.0;

/// Reads loads in the unit chosen (`load_unit`: LivePerson calls them percentages but its
/// examples show ratios) and counts those implausible as ratios.
#[derive(Debug, Clone, Copy)]
pub struct Loads {
    /// Ratio per unit read: 1 for ratios, 0.01 for percentages.
    pub scale: f64,
    /// Loads read above [`MAX_PLAUSIBLE_LOAD`] (still exported as read).
    pub implausible: u64,
}

impl Loads {
    /// A load as a ratio, counted if implausible.
    pub fn read(&mut self, v: Option<f64>) -> Option<f64> {
        let ratio = v.map(|v| v * self.scale);
        if ratio.is_some_and(|r| r > MAX_PLAUSIBLE_LOAD) {
            self.implausible += 1;
        }
        ratio
    }
}

/// Adds the current-value and trailing-window gauges of one group (or the account) at `level`.
/// `key` holds the account id and, below account level, the group's id.
pub fn current(
    b: &mut SnapshotBuilder,
    level: &LevelMetrics,
    key: &[&str],
    m: &Metrics,
    loads: &mut Loads,
) -> Result<(), EmitError> {
    let with = |extra: &'static str| {
        let mut k = key.to_vec();
        k.push(extra);
        k
    };
    for (spec, name) in [
        (level.open, "openConversations"),
        (level.assigned, "assignedConversations"),
        (level.active, "activeConversations"),
        (level.unassigned, "unassignedConversations"),
    ] {
        b.add(spec, key, num(m, name))?;
    }
    for (state, name) in [
        ("in_queue", "overdueConversationsInQueue"),
        ("assigned", "overdueConversationsAssigned"),
    ] {
        b.add(level.overdue, &with(state), num(m, name))?;
    }
    for (spec, name) in [
        (level.agent_load, "agentLoad"),
        (level.human_agent_load, "humanAgentLoad"),
        (level.human_online_load, "humanOnlineLoad"),
        (level.human_away_load, "humanAwayLoad"),
    ] {
        b.add(spec, key, loads.read(num(m, name)))?;
    }
    for (status, name) in [
        ("online", "onlineAgents"),
        ("away", "awayAgents"),
        ("back_soon", "backSoonAgents"),
    ] {
        b.add(level.agents, &with(status), num(m, name))?;
    }
    b.add(level.available_slots, key, num(m, "availableSlots"))?;
    for (q, name) in [
        ("50", "queueWaitTime50thPercentile"),
        ("90", "queueWaitTime90thPercentile"),
    ] {
        b.add(level.queue_wait, &with(q), num(m, name).map(|v| v / MS))?;
    }
    for (spec, name) in [
        (level.avg_wait, "avgWaitTime"),
        (level.avg_wait_first_response, "avgWaitTimeFirstResponse"),
        (level.avg_time_to_response, "avgTimeToResponse"),
        (
            level.avg_time_to_first_response_first_assignment,
            "avgTimeToFirstResponseFirstAssignment",
        ),
    ] {
        b.add(spec, key, num(m, name).map(|v| v / MS))?;
    }
    Ok(())
}

/// The `closed_by` label values.
pub const CLOSERS: [&str; 4] = crate::metrics::vocabulary::ACTORS;

/// Closed conversations in one window, by closer (`agent`, `consumer`, `system`), and `unknown`:
/// what LivePerson's total `closedConversations` holds beyond the breakdown, so that a total sent
/// without its breakdown is still counted and the closers always add up to the total. A missing
/// value counts as none; a value that is there but not a count (null, -1, text) is `Err` with its
/// field, and the caller counts nothing of the answer.
pub fn closed(m: &Metrics) -> Result<[(&'static str, f64); 4], &'static str> {
    let agent = count(m, "closedByAgent")?;
    let consumer = count(m, "closedByConsumer")?;
    let system = count(m, "autoClosed")?;
    let total = count(m, "closedConversations")?;
    let unknown = (total - agent - consumer - system).max(0.0);
    Ok([
        ("agent", agent),
        ("consumer", consumer),
        ("system", system),
        ("unknown", unknown),
    ])
}

/// An agent-view status as a label value.
pub fn status_label(s: &str) -> Option<&'static str> {
    match s {
        "ONLINE" => Some("online"),
        "AWAY" => Some("away"),
        "BACK_SOON" => Some("back_soon"),
        "OFFLINE" => Some("offline"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minus_one_and_missing_are_no_data() {
        let m: Metrics =
            serde_json::from_value(json!({"a": -1, "b": 2.5, "c": null, "d": "3"})).unwrap();
        assert_eq!(num(&m, "a"), None);
        assert_eq!(num(&m, "b"), Some(2.5));
        assert_eq!(num(&m, "c"), None);
        assert_eq!(num(&m, "d"), Some(3.0));
        assert_eq!(num(&m, "e"), None);
    }
}

//! The replay, pure: status-change records in, counters of time in each state, logins, logouts
//! and state changes out, per agent or per agent group.
//!
//! Records are sorted per agent by time and sequence number (pages may split an agent's records
//! and need not be in order); a record at or before the agent's last replayed one is skipped (a
//! window boundary the server includes on both sides). Each agent's open state is carried between
//! calls and accrues time when the next record closes it or [`Replay::accrue_all`] moves it to a
//! window's end. Statuses: online, back_soon (LivePerson's "occupied") and away, away broken down by
//! status reason id; a
//! reason of 0, -1, null or "" is no reason.

use std::collections::{BTreeMap, HashMap};

use super::model::Record;
use super::specs::{AGENT_INFO, STATUS_REASON_INFO, agent, agent_group};
use crate::clock::EpochMs;
use crate::collectors::values::{id_text, status_reason_id};
use crate::metrics::snapshot::{EmitError, SnapshotBuilder};

/// Most away reasons named: an account configures a handful, so more is an upstream gone wrong,
/// and their names must not grow without bound.
pub const MAX_REASONS: usize = 1000;
/// Longest reason name kept, in characters.
const MAX_REASON_NAME: usize = 100;

/// One agent's replay state.
#[derive(Debug, Clone, Default)]
struct AgentState {
    group: String,
    login: String,
    name: String,
    /// The open state (label, reason) and the time it is counted from.
    open: Option<((&'static str, String), EpochMs)>,
    /// The last replayed record's (time, sequence number), the order records replay in.
    last: Option<(EpochMs, i64)>,
}

/// Which counter a total belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Counter {
    State,
    Logins,
    Logouts,
    StateChanges,
}

/// Records [`Replay::replay`] dropped, by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    /// Outside the asked window.
    pub out_of_window: u64,
    /// Without a readable time.
    pub unreadable_time: u64,
}

/// Counter key: (agent or group id, counter, state, reason).
type Key = (String, Counter, &'static str, String);

/// The replayed totals and every agent's open state.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    by_group: bool,
    agents: HashMap<String, AgentState>,
    /// Exact totals: milliseconds for state time, counts for the rest. Integers, so a total does
    /// not depend on how the time was split into windows (a run that failed and a later one that
    /// catches up give the same figure as two successful runs).
    totals: BTreeMap<Key, i64>,
    /// Away reason names by id, the newest name seen (at most [`MAX_REASONS`]).
    reason_names: BTreeMap<String, String>,
}

impl Replay {
    /// An empty replay whose series are per agent group (`by_group`) or per agent.
    pub fn new(by_group: bool) -> Self {
        Self {
            by_group,
            ..Self::default()
        }
    }

    fn bump(&mut self, who: &str, counter: Counter, state: &'static str, reason: &str, v: i64) {
        let total = self
            .totals
            .entry((who.to_string(), counter, state, reason.to_string()))
            .or_default();
        *total = total.saturating_add(v);
    }

    /// The series an agent's counts go to: the agent, or its group.
    fn who(&self, agent: &str, group: &str) -> String {
        if self.by_group { group } else { agent }.to_string()
    }

    /// Closes the agent's open state at `at`, adding its time.
    fn accrue(&mut self, agent: &str, at: EpochMs) {
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        let Some(((state, reason), since)) = a.open.as_mut().filter(|(_, since)| at > *since)
        else {
            return;
        };
        let (state, reason, ms) = (*state, reason.clone(), at - *since);
        *since = at;
        let group = a.group.clone();
        let who = self.who(agent, &group);
        self.bump(&who, Counter::State, state, &reason, ms);
    }

    /// Every agent's open state accrues up to `to` (a window's end: no record before it is
    /// missing).
    pub fn accrue_all(&mut self, to: EpochMs) {
        let agents: Vec<String> = self.agents.keys().cloned().collect();
        for a in agents {
            self.accrue(&a, to);
        }
    }

    /// Replays the `records` asked for the window `[from, to]`; returns what it dropped instead:
    /// records outside the window (LivePerson answering more than was asked must not add time
    /// that other windows count) and records with an unreadable time. A record at `to` comes
    /// again with the next window and is skipped there as already replayed.
    pub fn replay(&mut self, records: Vec<Record>, (from, to): (EpochMs, EpochMs)) -> Dropped {
        let mut dropped = Dropped::default();
        let mut parsed: Vec<(String, EpochMs, i64, Record)> = Vec::with_capacity(records.len());
        for r in records {
            let Ok(t) = chrono::DateTime::parse_from_rfc3339(&r.time) else {
                dropped.unreadable_time += 1;
                continue;
            };
            let t = t.timestamp_millis();
            if !(from..=to).contains(&t) {
                dropped.out_of_window += 1;
                continue;
            }
            parsed.push((id_text(&r.agent_id), t, r.seq.unwrap_or(0), r));
        }
        parsed.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
        for (agent, t, seq, r) in parsed {
            let a = self.agents.entry(agent.clone()).or_default();
            if a.last.is_some_and(|last| (t, seq) <= last) {
                continue;
            }
            a.last = Some((t, seq));
            a.group = r
                .group_id
                .as_ref()
                .map(id_text)
                .unwrap_or_else(|| "-1".into());
            a.login = r.login.clone().unwrap_or_default();
            a.name = r.name.clone().unwrap_or_default();
            let group = a.group.clone();
            let who = self.who(&agent, &group);
            match r.status_type {
                3 => self.bump(&who, Counter::Logins, "", "", 1),
                4 => {
                    self.accrue(&agent, t);
                    if let Some(a) = self.agents.get_mut(&agent) {
                        a.open = None;
                    }
                    self.bump(&who, Counter::Logouts, "", "", 1);
                }
                1 => {
                    self.accrue(&agent, t);
                    self.bump(&who, Counter::StateChanges, "", "", 1);
                    let state = match r.sub_type {
                        Some(2) => Some(("online", String::new())),
                        // LivePerson's "occupied" is KMM's BACK_SOON ("Back in 5"): one status vocabulary.
                        Some(3) => Some(("back_soon", String::new())),
                        Some(4) => {
                            let id = r
                                .reason
                                .as_ref()
                                .and_then(status_reason_id)
                                .unwrap_or_default();
                            self.name_reason(&id, r.reason_text.as_deref());
                            Some(("away", id))
                        }
                        _ => None,
                    };
                    if let Some(a) = self.agents.get_mut(&agent) {
                        a.open = state.map(|s| (s, t));
                    }
                }
                _ => {}
            }
        }
        dropped
    }

    /// Remembers the name of away reason `id` (the newest name wins: a reason renamed in
    /// LivePerson keeps its id).
    fn name_reason(&mut self, id: &str, name: Option<&str>) {
        let Some(name) = name
            .map(str::trim)
            .filter(|n| !n.is_empty() && !id.is_empty())
        else {
            return;
        };
        let name: String = name.chars().take(MAX_REASON_NAME).collect();
        if let Some(known) = self.reason_names.get_mut(id) {
            *known = name;
        } else if self.reason_names.len() < MAX_REASONS {
            self.reason_names.insert(id.to_string(), name);
        }
    }

    /// Adds the counters of `account`, the away reasons' names (and, with `agent_info`, every
    /// agent's names).
    pub fn emit(
        &self,
        b: &mut SnapshotBuilder,
        account: &str,
        agent_info: bool,
    ) -> Result<(), EmitError> {
        let (state, logins, logouts, changes) = if self.by_group {
            (
                &agent_group::STATUS_SECONDS,
                &agent_group::LOGINS,
                &agent_group::LOGOUTS,
                &agent_group::STATUS_CHANGES,
            )
        } else {
            (
                &agent::STATUS_SECONDS,
                &agent::LOGINS,
                &agent::LOGOUTS,
                &agent::STATUS_CHANGES,
            )
        };
        for ((who, counter, st, reason), v) in &self.totals {
            let key = [account, who.as_str()];
            let n = Some(*v as f64);
            match counter {
                Counter::State => {
                    b.add(state, &[account, who, st, reason], Some(*v as f64 / 1000.0))?
                }
                Counter::Logins => b.add(logins, &key, n)?,
                Counter::Logouts => b.add(logouts, &key, n)?,
                Counter::StateChanges => b.add(changes, &key, n)?,
            }
        }
        for (id, name) in &self.reason_names {
            b.add(&STATUS_REASON_INFO, &[account, id, name], Some(1.0))?;
        }
        if agent_info {
            for (id, a) in &self.agents {
                b.add(
                    &AGENT_INFO,
                    &[account, id, &a.group, &a.login, &a.name],
                    Some(1.0),
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Replay {
        fn replay_all(&mut self, records: Vec<Record>) {
            self.replay(records, (EpochMs::MIN, EpochMs::MAX));
        }
    }
    use crate::collectors::agent_activity::specs::ALL;
    use serde_json::json;

    /// A record of `agent` in group 7 at minute `min` past 10:00 with sequence `seq`.
    fn rec(agent: i64, min: u32, seq: i64, status_type: i64, sub: Option<i64>) -> Record {
        serde_json::from_value(json!({
            "agentId": agent,
            "agentGroupId": 7,
            "time": format!("2026-01-05T10:{min:02}:00.000Z"),
            "sequenceNumber": seq,
            "statusType": status_type,
            "statusSubType": sub,
            "statusReasonId": if sub == Some(4) { json!(12) } else { json!(-1) },
        }))
        .unwrap()
    }

    fn at(min: u32) -> EpochMs {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-01-05T10:{min:02}:00Z"))
            .unwrap()
            .timestamp_millis()
    }

    fn value(
        r: &Replay,
        spec: &'static crate::metrics::catalogue::MetricSpec,
        key: &[&str],
    ) -> Option<f64> {
        let mut b = SnapshotBuilder::new(ALL);
        r.emit(&mut b, "1", false).unwrap();
        b.build().value(spec, key)
    }

    #[test]
    fn away_reasons_are_named_by_their_newest_name_and_bounded() {
        let away = |min: u32, id: i64, text: &str| -> Record {
            serde_json::from_value(json!({
                "agentId": 5, "time": format!("2026-01-05T10:{min:02}:00.000Z"),
                "sequenceNumber": 1, "statusType": 1, "statusSubType": 4,
                "statusReasonId": id, "statusReasonText": text,
            }))
            .unwrap()
        };
        let mut r = Replay::new(false);
        r.replay_all(vec![
            away(1, 3, "Lunch"),
            away(2, 3, "Lunch break"),
            away(3, 0, ""),
        ]);
        let info =
            |r: &Replay, id: &str, name: &str| value(r, &STATUS_REASON_INFO, &["1", id, name]);
        assert_eq!(
            info(&r, "3", "Lunch break"),
            Some(1.0),
            "renamed: the newest name"
        );
        assert_eq!(info(&r, "3", "Lunch"), None);
        assert_eq!(r.reason_names.len(), 1, "no reason (0, \"\") has no name");
        let many: Vec<Record> = (0..MAX_REASONS as i64 + 10)
            .map(|i| {
                let mut rec = away(4, i + 10, "x");
                rec.seq = Some(i + 2);
                rec
            })
            .collect();
        r.replay_all(many);
        assert_eq!(r.reason_names.len(), MAX_REASONS);
    }

    #[test]
    fn records_outside_the_window_are_dropped_and_counted() {
        let mut r = Replay::new(false);
        let dropped = r.replay(
            vec![rec(5, 10, 1, 1, Some(2)), rec(5, 30, 0, 4, None)],
            (at(0), at(20)),
        );
        assert_eq!(
            dropped.out_of_window, 1,
            "the logout at 10:30 is outside 10:00-10:20"
        );
        assert_eq!(r.agents["5"].last.map(|l| l.0), Some(at(10)));
    }

    #[test]
    fn states_accrue_time_until_the_next_record_or_the_window_end() {
        let mut r = Replay::new(false);
        // Out of order, as pages may deliver them.
        r.replay_all(vec![
            rec(5, 10, 1, 1, Some(4)),
            rec(5, 0, 0, 3, None),
            rec(5, 0, 1, 1, Some(2)),
        ]);
        r.accrue_all(at(25));
        let online = value(&r, &agent::STATUS_SECONDS, &["1", "5", "online", ""]);
        assert_eq!(online, Some(600.0));
        let away = value(&r, &agent::STATUS_SECONDS, &["1", "5", "away", "12"]);
        assert_eq!(away, Some(900.0));
        assert_eq!(value(&r, &agent::LOGINS, &["1", "5"]), Some(1.0));
        assert_eq!(value(&r, &agent::STATUS_CHANGES, &["1", "5"]), Some(2.0));
        // A logout closes the open state; a record seen again is skipped.
        r.replay_all(vec![rec(5, 10, 1, 1, Some(4)), rec(5, 30, 0, 4, None)]);
        r.accrue_all(at(40));
        let away = value(&r, &agent::STATUS_SECONDS, &["1", "5", "away", "12"]);
        assert_eq!(away, Some(1200.0));
        assert_eq!(value(&r, &agent::LOGOUTS, &["1", "5"]), Some(1.0));
        assert_eq!(value(&r, &agent::STATUS_CHANGES, &["1", "5"]), Some(2.0));
    }

    #[test]
    fn by_group_sums_the_group_s_agents() {
        let mut r = Replay::new(true);
        r.replay_all(vec![rec(5, 0, 0, 1, Some(2)), rec(6, 0, 0, 1, Some(2))]);
        r.accrue_all(at(1));
        let online = value(&r, &agent_group::STATUS_SECONDS, &["1", "7", "online", ""]);
        assert_eq!(online, Some(120.0));
        assert_eq!(
            value(&r, &agent::STATUS_SECONDS, &["1", "5", "online", ""]),
            None
        );
    }
}

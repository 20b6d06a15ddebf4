//! `agent_activity`: agent status changes (`status-changes?v=2`, CSDS `agentActivityDomain`)
//! replayed into counters of time in each state, logins, logouts and state changes.
//!
//! Records show up to about an hour after they happen. The collector therefore counts only up to
//! a settle horizon (`now - settle`, default 1 hour): each run reads the records of
//! `[watermark, horizon)` (every page, offset paging of up to 5000 following
//! `_metadata.references`), sorts each agent's records by time and sequence (pages may split an
//! agent's records and need not be in order), skips any already replayed, replays them, and moves the watermark to the horizon. Each agent's open state is
//! carried across runs and accrues time up to the horizon, so the counters advance every run.
//!
//! A record is identified by agent, time and sequence number. The session id cannot serve: it is
//! -1 on the first two records of every session, so (agent, session, sequence) repeats.
//!
//! An agent's time is counted from its first record after the exporter starts (what state it was
//! in before is unknown). States: online, occupied (back soon) and away, away broken down by
//! reason id; a reason of 0, -1, null or "" is no reason. Series are per agent, or per agent group
//! with `by: agent_group`; names only through the opt-in `liveperson_agent_info`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::machinery::{Built, CollectCtx, CollectError, Entry, read_section};
use super::paging::{OffsetPages, Rest, Step};
use super::values::id_text;
use crate::clock::EpochMs;
use crate::config::{Problems, join};
use crate::lp::Call;
use crate::metrics::catalogue::{Kind, MetricSpec, Unit};
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::service::Service;

macro_rules! level_specs {
    ($module:ident, $what:literal, $label:literal, {
        state_seconds: $state_seconds:literal,
        logins: $logins:literal,
        logouts: $logouts:literal,
        state_changes: $state_changes:literal $(,)?
    }) => {
        #[allow(missing_docs)]
        pub mod $module {
            use super::*;
            pub static STATE_SECONDS: MetricSpec = MetricSpec {
                name: $state_seconds,
                help: concat!(
                    "Time spent in each state (online, occupied, away; away by reason id) per ",
                    $what,
                    ", up to the settle horizon"
                ),
                unit: Some(Unit::Seconds),
                kind: Kind::Counter,
                labels: &["account_id", $label, "state", "reason"],
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
            pub static STATE_CHANGES: MetricSpec = MetricSpec {
                name: $state_changes,
                help: concat!("State changes per ", $what),
                unit: None,
                kind: Kind::Counter,
                labels: &["account_id", $label],
            };
        }
    };
}

level_specs!(agent, "agent", "agent_id", {
    state_seconds: "liveperson_agent_activity_state_seconds_total",
    logins: "liveperson_agent_activity_logins_total",
    logouts: "liveperson_agent_activity_logouts_total",
    state_changes: "liveperson_agent_activity_state_changes_total",
});
level_specs!(agent_group, "agent group", "agent_group_id", {
    state_seconds: "liveperson_agent_group_activity_state_seconds_total",
    logins: "liveperson_agent_group_activity_logins_total",
    logouts: "liveperson_agent_group_activity_logouts_total",
    state_changes: "liveperson_agent_group_activity_state_changes_total",
});

/// Opt-in agent names.
pub static AGENT_INFO: MetricSpec = MetricSpec {
    name: "liveperson_agent_info",
    help: "Agent names and logins (value 1); personal data, off unless agent_info is set",
    unit: None,
    kind: Kind::Info,
    labels: &["account_id", "agent_id", "agent_group_id", "login", "name"],
};

/// The counters' watermark.
pub static COUNTED_UNTIL: MetricSpec = MetricSpec {
    name: "liveperson_agent_activity_counted_until_timestamp_seconds",
    help: "The settle horizon up to which agent activity has been replayed",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["account_id"],
};

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = &[
    &agent::STATE_SECONDS,
    &agent::LOGINS,
    &agent::LOGOUTS,
    &agent::STATE_CHANGES,
    &agent_group::STATE_SECONDS,
    &agent_group::LOGINS,
    &agent_group::LOGOUTS,
    &agent_group::STATE_CHANGES,
    &AGENT_INFO,
    &COUNTED_UNTIL,
];

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "agent_activity",
    about: "Agent activity: time in each state (by away reason), logins, logouts and state changes per agent or agent group, replayed from status changes",
    metrics: ALL,
    needs_oauth1: false,
    build,
};

collector_settings! {
    struct Settings (interval: Duration::from_secs(300), timeout: Duration::from_secs(240)) {
        /// Replay only records older than this (LivePerson's latency is about 1 hour).
        #[serde(with = "humantime_serde")]
        settle: Duration,
        /// Series per `agent` or per `agent_group`.
        by: String,
        /// Export `liveperson_agent_info` with names and logins.
        agent_info: bool,
        /// Records per page (at most 5000).
        page_size: u32,
    }
    defaults {
        settle: Duration::from_secs(3600),
        by: "agent".into(),
        agent_info: false,
        page_size: 5000,
    }
}

fn build(section: Value, path: &str, problems: &mut Problems) -> Option<Built> {
    let (s, schedule) = read_section::<Settings>(section, path, problems)?;
    let by_group = match s.by.as_str() {
        "agent" => false,
        "agent_group" => true,
        _ => {
            problems.add(join(path, "by"), "agent or agent_group");
            false
        }
    };
    if !(1..=5000).contains(&s.page_size) {
        problems.add(join(path, "page_size"), "must be between 1 and 5000");
    }
    Some(Built {
        enabled: s.enabled,
        schedule,
        collector: Box::new(Activity {
            settle_ms: s.settle.as_millis() as i64,
            by_group,
            agent_info: s.agent_info,
            page_size: s.page_size,
            watermark: None,
            agents: HashMap::new(),
            totals: BTreeMap::new(),
        }),
    })
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(rename = "_metadata", default)]
    metadata: Metadata,
    #[serde(rename = "stateChanges", default)]
    records: Vec<Record>,
}

#[derive(Debug, Default, Deserialize)]
struct Metadata {
    #[serde(default)]
    references: Vec<Reference>,
}

#[derive(Debug, Deserialize)]
struct Reference {
    rel: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Record {
    #[serde(rename = "agentId")]
    agent_id: Value,
    #[serde(rename = "agentGroupId")]
    group_id: Option<Value>,
    #[serde(rename = "agentLoginName")]
    login: Option<String>,
    #[serde(rename = "agentUserName")]
    name: Option<String>,
    time: String,
    #[serde(rename = "sequenceNumber")]
    seq: Option<i64>,
    #[serde(rename = "statusType")]
    status_type: i64,
    #[serde(rename = "statusSubType")]
    sub_type: Option<i64>,
    #[serde(rename = "statusReasonId")]
    reason: Option<Value>,
}

/// A reason id, or `None` for 0, -1, null and "".
fn reason(v: &Option<Value>) -> Option<String> {
    let s = id_text(v.as_ref()?);
    (!matches!(s.as_str(), "0" | "-1" | "" | "null" | "\"\"")).then_some(s)
}

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

/// Counter key: (agent or group id, counter name, state, reason).
type Key = (String, &'static str, &'static str, String);

struct Activity {
    settle_ms: i64,
    by_group: bool,
    agent_info: bool,
    page_size: u32,
    watermark: Option<EpochMs>,
    agents: HashMap<String, AgentState>,
    totals: BTreeMap<Key, f64>,
}

fn rfc3339(t: EpochMs) -> String {
    chrono::DateTime::from_timestamp_millis(t)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// The longest window the API takes.
const MONTH: i64 = 30 * 24 * 3_600_000;

impl Activity {
    async fn fetch(
        &self,
        ctx: &CollectCtx,
        account: &str,
        from: EpochMs,
        to: EpochMs,
    ) -> Result<Vec<Record>, CollectError> {
        let mut out = Vec::new();
        let mut pages = OffsetPages::new(self.page_size as u64);
        loop {
            let offset = pages.offset();
            let call = Call {
                api: "status_changes",
                service: Service::AgentActivityDomain,
                method: Method::GET,
                path: format!("/api/v2/account/{account}/status-changes"),
                query: vec![
                    ("v".into(), "2".into()),
                    ("source".into(), "lp_exporter".into()),
                    ("from".into(), rfc3339(from)),
                    ("to".into(), rfc3339(to)),
                    ("limit".into(), self.page_size.to_string()),
                    ("offset".into(), offset.to_string()),
                ],
                body: None,
                bearer_ok: true,
            };
            let page: Page = ctx.client.json(&call).await?;
            let next = page.metadata.references.iter().any(|r| r.rel == "next");
            let step = pages.step(page.records.len(), Rest::NextLink(next));
            out.extend(page.records);
            if step != Step::More {
                return Ok(out);
            }
        }
    }

    fn bump(
        &mut self,
        who: &str,
        counter: &'static str,
        state: &'static str,
        reason: &str,
        v: f64,
    ) {
        *self
            .totals
            .entry((who.to_string(), counter, state, reason.to_string()))
            .or_default() += v;
    }

    /// Closes the agent's open state at `at`, adding its time.
    fn accrue(&mut self, agent: &str, at: EpochMs) {
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        let who = if self.by_group {
            a.group.clone()
        } else {
            agent.to_string()
        };
        if let Some(((state, reason), since)) = a.open.as_mut()
            && at > *since
        {
            let (state, reason, ms) = (*state, reason.clone(), at - *since);
            *since = at;
            self.bump(&who, "state", state, &reason, ms as f64 / 1000.0);
        }
    }

    fn replay(&mut self, mut records: Vec<Record>) {
        let mut parsed: Vec<(String, EpochMs, i64, Record)> = records
            .drain(..)
            .filter_map(|r| {
                let t = chrono::DateTime::parse_from_rfc3339(&r.time)
                    .ok()?
                    .timestamp_millis();
                Some((id_text(&r.agent_id), t, r.seq.unwrap_or(0), r))
            })
            .collect();
        parsed.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
        for (agent, t, seq, r) in parsed {
            let a = self.agents.entry(agent.clone()).or_default();
            // Already replayed (a window boundary the server includes on both sides).
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
            let who = if self.by_group {
                a.group.clone()
            } else {
                agent.clone()
            };
            match r.status_type {
                3 => self.bump(&who, "logins", "", "", 1.0),
                4 => {
                    self.accrue(&agent, t);
                    self.agents.get_mut(&agent).expect("present").open = None;
                    self.bump(&who, "logouts", "", "", 1.0);
                }
                1 => {
                    self.accrue(&agent, t);
                    self.bump(&who, "state_changes", "", "", 1.0);
                    let state = match r.sub_type {
                        Some(2) => Some(("online", String::new())),
                        Some(3) => Some(("occupied", String::new())),
                        Some(4) => Some(("away", reason(&r.reason).unwrap_or_default())),
                        _ => None,
                    };
                    self.agents.get_mut(&agent).expect("present").open = state.map(|s| (s, t));
                }
                _ => {}
            }
        }
    }

    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let horizon = ctx.now() - self.settle_ms;
        let mut from = *self.watermark.get_or_insert(horizon);
        while from < horizon {
            let to = horizon.min(from + MONTH);
            let records = self.fetch(ctx, &account, from, to).await?;
            self.replay(records);
            // Open states accrue up to the window's end: no record before it is missing.
            let agents: Vec<String> = self.agents.keys().cloned().collect();
            for a in agents {
                self.accrue(&a, to);
            }
            from = to;
            self.watermark = Some(to);
        }
        let mut b = SnapshotBuilder::new(ALL);
        let level = if self.by_group {
            &agent_group::STATE_SECONDS
        } else {
            &agent::STATE_SECONDS
        };
        let (logins, logouts, changes) = if self.by_group {
            (
                &agent_group::LOGINS,
                &agent_group::LOGOUTS,
                &agent_group::STATE_CHANGES,
            )
        } else {
            (&agent::LOGINS, &agent::LOGOUTS, &agent::STATE_CHANGES)
        };
        for ((who, counter, state, reason), v) in &self.totals {
            let key = [account.as_str(), who.as_str()];
            match *counter {
                "state" => b.add(level, &[&account, who, state, reason], Some(*v))?,
                "logins" => b.add(logins, &key, Some(*v))?,
                "logouts" => b.add(logouts, &key, Some(*v))?,
                _ => b.add(changes, &key, Some(*v))?,
            }
        }
        if self.agent_info {
            for (id, a) in &self.agents {
                b.add(
                    &AGENT_INFO,
                    &[&account, id, &a.group, &a.login, &a.name],
                    Some(1.0),
                )?;
            }
        }
        b.add(
            &COUNTED_UNTIL,
            &[&account],
            self.watermark.map(|t| t as f64 / 1000.0),
        )?;
        Ok(b.build())
    }
}

collector_via_run!(Activity);

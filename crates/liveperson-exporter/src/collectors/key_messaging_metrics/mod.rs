//! `key_messaging_metrics`: the Key Messaging Metrics `metrics` API (CSDS `agentManagerWorkspace`)
//! grouped by skill and by agent group, plus its account-level `all` section; optionally
//! `agent_view` for per-agent status. agent_view serves at most 1,000 rows per query (offset +
//! limit), so an account with more logged-in agents is asked per agent group, a group with more
//! per status, and a status with more from both ends of the list (sorted by agent id); agents
//! still beyond that are logged and counted (`liveperson_agent_view_agents_not_collected`).
//!
//! Each run asks, per grouping and following offset paging to the end:
//! 1. current values and trailing-window averages over `[now - window, now]`;
//! 2. closed-conversation counts over the minutes not counted yet: `[watermark, settled)`, where
//!    `settled` is `now - settle_delay` rounded down to the minute. The time filter is sent as
//!    `from = watermark`, `to = settled - 1 ms`, which LivePerson rounds out to exactly those
//!    minutes. Only after every page of every grouping has arrived are the counts added and the
//!    watermark moved, so a failed run counts nothing and the next run asks for the same minutes
//!    again: each minute is counted exactly once.
//!
//! Counters start at zero when the exporter starts (no back-fill). A gap longer than the API's
//! 24-hour window is skipped with a warning.

pub mod mapping;
pub mod model;
pub mod specs;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::machinery::{Built, CollectCtx, CollectError, Entry, read_section};
use super::paging::{OffsetPages, Rest, Step};
use super::values::{Reading, id_text, status_reason_id};
use crate::clock::{EpochMs, duration_ms};
use crate::config::{Problems, join};
use crate::liveperson::{ApiError, Call};
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::metrics::vocabulary::STATUSES;
use crate::service::Service;
use mapping::{Loads, MAX_PLAUSIBLE_LOAD};
use model::{AgentRecord, AgentViewResponse, Group, Metrics, MetricsResponse};
use specs::LevelMetrics;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;
/// KMM returns at most 50 keys per page and never beyond offset + limit = 1000.
const PAGE: u64 = 50;
const MAX_KEYS: u64 = 1000;

const CURRENT: [&str; 16] = [
    "assigned_conversations",
    "unassigned_conversations",
    "active_conversations",
    "open_conversations",
    "overdue_conversations_in_queue",
    "overdue_conversations_assigned",
    "agent_load",
    "human_agent_load",
    "human_online_load",
    "online_agents",
    "away_agents",
    "back_soon_agents",
    "available_slots",
    "queue_wait_time_50th_percentile",
    "queue_wait_time_90th_percentile",
    "human_away_load",
];
const AVERAGES: [&str; 4] = [
    "avg_wait_time",
    "avg_wait_time_first_response",
    "avg_time_to_response",
    "avg_time_to_first_response_first_assignment",
];
const CLOSED: [&str; 4] = [
    "closed_conversations",
    "closed_by_agent",
    "closed_by_consumer",
    "auto_closed",
];

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "key_messaging_metrics",
    about: "Key Messaging Metrics: queue, load, agents, response times and closed conversations per skill, agent group and account",
    metrics: specs::ALL,
    needs_oauth1: false,
    build,
};

collector_settings! {
    /// Config section `collectors.key_messaging_metrics`.
    struct Settings (interval: Duration::from_secs(60), timeout: Duration::from_secs(50)) {
        /// Trailing window of the average response and wait times.
        #[serde(with = "humantime_serde")]
        window: Duration,
        /// How long after a minute ends its closed conversations are counted (source latency).
        #[serde(with = "humantime_serde")]
        settle_delay: Duration,
        /// Groupings to query: `skill`, `agent_group`.
        group_by: Vec<String>,
        /// Also query `agent_view` for per-agent status (and since when, with its reason), load,
        /// conversations and slots.
        agent_view: bool,
        /// Most agents with agent_view series; the rest are counted in
        /// `liveperson_agent_view_agents_not_collected` and logged.
        max_agents: usize,
        /// The unit LivePerson sends loads in: `ratio` (what its examples show: 1.18, 0.133)
        /// or `percent` (what its docs call them).
        load_unit: LoadUnit,
    }
    defaults {
        window: Duration::from_secs(3600),
        settle_delay: Duration::from_secs(120),
        group_by: vec!["skill".into(), "agent_group".into()],
        agent_view: false,
        max_agents: 5000,
        load_unit: LoadUnit::Ratio,
    }
}

/// A unit loads may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum LoadUnit {
    Ratio,
    Percent,
}

fn build(section: Value, path: &str, problems: &mut Problems) -> Option<Built> {
    let (s, schedule) = read_section::<Settings>(section, path, problems)?;
    if s.window < Duration::from_secs(60) || s.window > Duration::from_secs(86_400) {
        problems.add(join(path, "window"), "must be between 1m and 24h");
    }
    let mut groupings = Vec::new();
    for (i, g) in s.group_by.iter().enumerate() {
        match g.as_str() {
            "skill" => groupings.push(Grouping::Skill),
            "agent_group" => groupings.push(Grouping::AgentGroup),
            other => problems.add(
                format!("{}[{i}]", join(path, "group_by")),
                format!("unknown grouping {other} (skill, agent_group)"),
            ),
        }
    }
    Some(Built {
        enabled: s.enabled,
        schedule,
        collector: Box::new(KeyMessagingMetrics {
            window_ms: duration_ms(s.window),
            settle_ms: duration_ms(s.settle_delay),
            groupings,
            agent_view: s.agent_view,
            max_agents: s.max_agents,
            load_scale: match s.load_unit {
                LoadUnit::Ratio => 1.0,
                LoadUnit::Percent => 0.01,
            },
            implausible_loads: 0,
            watermark: None,
            closed: BTreeMap::new(),
        }),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Grouping {
    Skill,
    AgentGroup,
}

impl Grouping {
    fn field(self) -> &'static str {
        match self {
            Grouping::Skill => "skillId",
            Grouping::AgentGroup => "agentGroupId",
        }
    }

    fn level(self) -> &'static LevelMetrics {
        match self {
            Grouping::Skill => &specs::skill::LEVEL,
            Grouping::AgentGroup => &specs::agent_group::LEVEL,
        }
    }
}

/// Whose closed conversations a counter holds: the account, or a skill or agent group by id.
type Owner = (Option<Grouping>, String);

struct KeyMessagingMetrics {
    window_ms: i64,
    settle_ms: i64,
    groupings: Vec<Grouping>,
    agent_view: bool,
    max_agents: usize,
    /// Ratio per load unit read.
    load_scale: f64,
    /// Loads read implausibly high, so far.
    implausible_loads: u64,
    /// End of the last counted minute.
    watermark: Option<EpochMs>,
    /// Closed conversations counted so far, by owner and closer.
    closed: BTreeMap<(Owner, &'static str), f64>,
}

/// One `metrics` query, paged by offset.
struct MetricsQuery<'a> {
    grouping: Grouping,
    /// Ask for the account-level `all` section too.
    with_all: bool,
    from: EpochMs,
    to: EpochMs,
    current: &'a [&'a str],
    by_time: &'a [&'a str],
}

impl MetricsQuery<'_> {
    fn call(&self, account: &str, offset: u64) -> Call {
        let mut sections = vec!["groupBy"];
        if self.with_all {
            sections.push("all");
        }
        Call {
            api: "kmm_metrics",
            service: Service::AgentManagerWorkspace,
            method: Method::POST,
            path: format!("/manager_workspace/api/account/{account}/metrics"),
            query: vec![
                ("offset".into(), offset.to_string()),
                ("limit".into(), PAGE.to_string()),
            ],
            body: Some(json!({
                "filters": {"time": {"from": self.from, "to": self.to}},
                "metricsToRetrieveCurrentValue": self.current,
                "metricsToRetrieveByTime": self.by_time,
                "responseSections": sections,
                "groupBy": self.grouping.field(),
            })),
            bearer_ok: true,
        }
    }
}

/// Every group of a grouping (following paging) and the `all` section of its first page.
async fn all_pages(
    ctx: &CollectCtx,
    make: impl Fn(u64) -> Call,
) -> Result<(Vec<Group>, Option<Metrics>), ApiError> {
    let mut groups = Vec::new();
    let mut all = None;
    let mut pages = OffsetPages::new(PAGE).capped(MAX_KEYS);
    loop {
        let page: MetricsResponse = ctx.client.json(&make(pages.offset())).await?;
        if pages.is_first() {
            all = page.all;
        }
        let got = page.group_by.map(|g| g.groups).unwrap_or_default();
        let n = got.len();
        groups.extend(got);
        let total = page.metadata.count.unwrap_or(0);
        match pages.step(n, Rest::Total(total)) {
            Step::More => {}
            Step::Done => break,
            Step::Capped => {
                tracing::warn!(
                    total,
                    "KMM serves at most {MAX_KEYS} groups; the rest are not collected"
                );
                break;
            }
        }
    }
    Ok((groups, all))
}

impl KeyMessagingMetrics {
    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let now = ctx.now();
        let mut b = SnapshotBuilder::new(specs::ALL);
        let settled = (now - self.settle_ms).div_euclid(MINUTE) * MINUTE;
        let mut from = *self.watermark.get_or_insert(settled);
        if settled - from > DAY {
            tracing::warn!(
                account = %account,
                skipped_minutes = (settled - DAY - from) / MINUTE,
                "closed-conversation gap longer than 24 hours; the oldest minutes are skipped"
            );
            from = settled - DAY;
        }
        // By owner: a group the answer lists twice is counted once.
        let mut new_closed: BTreeMap<Owner, Metrics> = BTreeMap::new();
        let mut loads = Loads {
            scale: self.load_scale,
            implausible: 0,
        };
        // The agent groups listed, to ask agent_view per group when it has too many agents.
        let mut agent_groups: Vec<String> = Vec::new();
        for (i, &g) in self.groupings.iter().enumerate() {
            let first = i == 0;
            let current = MetricsQuery {
                grouping: g,
                with_all: first,
                from: now - self.window_ms,
                to: now,
                current: &CURRENT,
                by_time: &AVERAGES,
            };
            let (groups, all) = all_pages(ctx, |offset| current.call(&account, offset)).await?;
            let level = g.level();
            let info = match g {
                Grouping::Skill => &specs::SKILL_INFO,
                Grouping::AgentGroup => &specs::AGENT_GROUP_INFO,
            };
            if g == Grouping::AgentGroup {
                agent_groups.extend(groups.iter().map(|grp| grp.key.clone()));
            }
            for grp in &groups {
                mapping::current(
                    &mut b,
                    level,
                    &[&account, &grp.key],
                    &grp.metrics,
                    &mut loads,
                )?;
                // A known skill or group has closed-conversation counters from the start, at 0.
                for closer in mapping::CLOSERS {
                    self.closed
                        .entry(((Some(g), grp.key.clone()), closer))
                        .or_default();
                }
                if let Some(name) = grp.key_description.as_deref().filter(|n| *n != "NA") {
                    b.add(info, &[&account, &grp.key, name], Some(1.0))?;
                }
            }
            if let Some(all) = &all {
                mapping::current(&mut b, &specs::account::LEVEL, &[&account], all, &mut loads)?;
                for closer in mapping::CLOSERS {
                    self.closed
                        .entry(((None, String::new()), closer))
                        .or_default();
                }
            }
            if settled > from {
                let closed = MetricsQuery {
                    grouping: g,
                    with_all: first,
                    from,
                    to: settled - 1,
                    current: &[],
                    by_time: &CLOSED,
                };
                let (groups, all) = all_pages(ctx, |offset| closed.call(&account, offset)).await?;
                for x in groups {
                    new_closed.entry((Some(g), x.key)).or_insert(x.metrics);
                }
                if let Some(all) = all {
                    new_closed.entry((None, String::new())).or_insert(all);
                }
            }
        }
        if self.agent_view {
            self.agents(ctx, &account, now, &agent_groups, &mut b, &mut loads)
                .await?;
        }
        if loads.implausible > 0 {
            tracing::warn!(account = %account, loads = loads.implausible, "loads above {MAX_PLAUSIBLE_LOAD} as a ratio: key_messaging_metrics.load_unit is probably wrong");
        }
        self.implausible_loads += loads.implausible;
        b.add(
            &specs::IMPLAUSIBLE_LOADS,
            &[&account],
            Some(self.implausible_loads as f64),
        )?;
        // Every request succeeded and every count is a count: count the new minutes, then move
        // the watermark.
        let mut counts = Vec::with_capacity(new_closed.len());
        for (owner, m) in &new_closed {
            let by_closer =
                mapping::closed(m).map_err(|field| ApiError::not_a_count("kmm_metrics", field))?;
            counts.push((owner, by_closer));
        }
        for (owner, by_closer) in counts {
            for (closer, n) in by_closer {
                *self.closed.entry((owner.clone(), closer)).or_default() += n;
            }
        }
        if settled > from {
            self.watermark = Some(settled);
        }
        for (((grouping, key), closer), total) in &self.closed {
            match grouping {
                Some(g) => b.add(g.level().closed, &[&account, key, closer], Some(*total))?,
                None => b.add(
                    specs::account::LEVEL.closed,
                    &[&account, closer],
                    Some(*total),
                )?,
            }
        }
        Ok(b.build())
    }

    /// Every logged-in agent's status, load and conversations. agent_view serves at most 1,000
    /// rows per query (offset + limit), so a larger account is asked per agent group (the groups
    /// this run listed), and a group beyond the cap per status; what is still beyond it is
    /// counted and logged.
    async fn agents(
        &self,
        ctx: &CollectCtx,
        account: &str,
        now: EpochMs,
        agent_groups: &[String],
        b: &mut SnapshotBuilder,
        loads: &mut Loads,
    ) -> Result<(), CollectError> {
        let mut todo = vec![AgentFilter::default()];
        let mut not_viewed = 0;
        let mut sink = AgentSink {
            b,
            account,
            room: self.max_agents,
            over: 0,
            loads,
        };
        while let Some(filter) = todo.pop() {
            let narrower = filter.narrower(agent_groups);
            let beyond = self
                .agent_pages(ctx, account, now, &filter, narrower.is_some(), &mut sink)
                .await?;
            if beyond == 0 {
                continue;
            }
            match narrower {
                Some(narrower) => todo.extend(narrower),
                None => not_viewed += beyond,
            }
        }
        if not_viewed > 0 {
            tracing::warn!(
                account = %account,
                agents = not_viewed,
                "agent_view serves at most {MAX_KEYS} agents per query, even per agent group and status; these are not collected"
            );
        }
        if sink.over > 0 {
            tracing::warn!(
                account = %account,
                agents = sink.over,
                max_agents = self.max_agents,
                "agents beyond key_messaging_metrics.max_agents have no agent_view series"
            );
        }
        let not_collected = not_viewed + sink.over;
        sink.b.add(
            &specs::AGENTS_NOT_VIEWED,
            &[account],
            Some(not_collected as f64),
        )?;
        Ok(())
    }

    /// The agents `filter` selects, page by page, into `b`; returns how many are beyond what
    /// the queries serve. If one query cannot serve them all and it `can_narrow`, nothing is
    /// added (they will be asked for more narrowly); otherwise the other end of the list is read
    /// too (sorted by agent id the other way), which serves up to twice the cap.
    async fn agent_pages(
        &self,
        ctx: &CollectCtx,
        account: &str,
        now: EpochMs,
        filter: &AgentFilter,
        can_narrow: bool,
        sink: &mut AgentSink<'_>,
    ) -> Result<u64, CollectError> {
        let query = AgentQuery {
            account,
            now,
            filter,
        };
        let first = query.page(ctx, 0, "agentId:asc").await?;
        let total = first.metadata.count.unwrap_or(0);
        if total > MAX_KEYS && can_narrow {
            return Ok(total);
        }
        sink.add(&first.records)?;
        let mut read = first.records.len() as u64;
        let mut pages = OffsetPages::new(PAGE).capped(MAX_KEYS);
        let mut step = pages.step(first.records.len(), Rest::Total(total));
        while step == Step::More {
            let page = query.page(ctx, pages.offset(), "agentId:asc").await?;
            sink.add(&page.records)?;
            read += page.records.len() as u64;
            step = pages.step(page.records.len(), Rest::Total(total));
        }
        if step != Step::Capped {
            return Ok(0);
        }
        // The rest, from the other end: at most the cap again.
        let rest = total.saturating_sub(read);
        let wanted = rest.min(MAX_KEYS);
        let mut pages = OffsetPages::new(PAGE).capped(MAX_KEYS);
        let mut got = 0;
        while got < wanted {
            let page = query.page(ctx, pages.offset(), "agentId:desc").await?;
            let take = page.records.len().min((wanted - got) as usize);
            sink.add(&page.records[..take])?;
            got += take as u64;
            if pages.step(page.records.len(), Rest::Total(total)) != Step::More {
                break;
            }
        }
        Ok(rest - got)
    }
}

/// One agent_view query: an account's agents that a filter selects.
struct AgentQuery<'a> {
    account: &'a str,
    now: EpochMs,
    filter: &'a AgentFilter,
}

impl AgentQuery<'_> {
    /// The page at `offset`, sorted by `sort`.
    async fn page(
        &self,
        ctx: &CollectCtx,
        offset: u64,
        sort: &str,
    ) -> Result<AgentViewResponse, CollectError> {
        let mut filters = json!({"time": {"from": self.now - MINUTE, "to": self.now}});
        if let Some(g) = &self.filter.group {
            filters["agentGroupIds"] = json!([g]);
        }
        if let Some(st) = self.filter.status {
            filters["effectiveAgentStatus"] = json!([st]);
        }
        let call = Call {
            api: "kmm_agent_view",
            service: Service::AgentManagerWorkspace,
            method: Method::POST,
            path: format!("/manager_workspace/api/account/{}/agent_view", self.account),
            query: vec![
                ("offset".into(), offset.to_string()),
                ("limit".into(), PAGE.to_string()),
                ("sort".into(), sort.to_string()),
            ],
            body: Some(json!({
                "filters": filters,
                "includeAgentMetadata": false,
                "metricsToRetrieveCurrentValue": [
                    "agent_current_status", "agent_current_status_start_time",
                    "agent_current_status_reason", "agent_current_status_reason_start_time",
                    "agent_load", "assigned_conversations", "active_conversations", "max_slots",
                ],
            })),
            bearer_ok: true,
        };
        Ok(ctx.client.json(&call).await?)
    }
}

/// Where agent_view's records go: the snapshot, up to `max_agents` agents a run.
struct AgentSink<'a> {
    b: &'a mut SnapshotBuilder,
    account: &'a str,
    /// Agents that may still get series this run.
    room: usize,
    /// Agents left out for want of room.
    over: u64,
    /// How loads are read.
    loads: &'a mut Loads,
}

impl AgentSink<'_> {
    /// Adds agents' status (since when, with its reason), load, conversations and slots.
    fn add(&mut self, records: &[AgentRecord]) -> Result<(), CollectError> {
        let (b, account) = (&mut *self.b, self.account);
        for r in records {
            if self.room == 0 {
                self.over += 1;
                continue;
            }
            self.room -= 1;
            let id = id_text(&r.agent_id);
            let key = [account, id.as_str()];
            if let Some(current) = r.status.as_deref().and_then(mapping::status_label) {
                for st in STATUSES {
                    let v = (st == current) as u8 as f64;
                    b.add(&specs::AGENT_STATUS, &[account, &id, st], Some(v))?;
                }
            }
            let value = |v: &Option<Reading>| v.as_ref().and_then(Reading::value);
            let seconds =
                |v: &Option<Reading>| value(v).filter(|ms| *ms > 0.0).map(|ms| ms / 1000.0);
            b.add(&specs::AGENT_LOAD, &key, self.loads.read(value(&r.load)))?;
            b.add(&specs::AGENT_ASSIGNED, &key, value(&r.assigned))?;
            b.add(&specs::AGENT_ACTIVE, &key, value(&r.active))?;
            b.add(&specs::AGENT_MAX_SLOTS, &key, value(&r.max_slots))?;
            b.add(&specs::AGENT_STATUS_SINCE, &key, seconds(&r.status_since))?;
            if let Some(reason) = r.reason_id.as_ref().and_then(status_reason_id) {
                b.add(
                    &specs::AGENT_REASON_SINCE,
                    &[account, &id, &reason],
                    seconds(&r.reason_since),
                )?;
            }
        }
        Ok(())
    }
}

/// Which agents one agent_view query asks for: all logged-in ones, one agent group's, or one
/// group's in one status.
#[derive(Debug, Clone, Default)]
struct AgentFilter {
    group: Option<String>,
    status: Option<&'static str>,
}

impl AgentFilter {
    /// The queries that split this one, if it can be split (`groups`: the account's agent groups).
    fn narrower(&self, groups: &[String]) -> Option<Vec<AgentFilter>> {
        match (&self.group, self.status) {
            (None, _) if !groups.is_empty() => Some(
                groups
                    .iter()
                    .map(|g| AgentFilter {
                        group: Some(g.clone()),
                        status: None,
                    })
                    .collect(),
            ),
            (Some(g), None) => Some(
                ["ONLINE", "AWAY", "BACK_SOON"]
                    .into_iter()
                    .map(|st| AgentFilter {
                        group: Some(g.clone()),
                        status: Some(st),
                    })
                    .collect(),
            ),
            _ => None,
        }
    }
}

collector_via_run!(KeyMessagingMetrics);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_agent_view_record_gives_status_since_and_no_reason() {
        let body: AgentViewResponse = serde_json::from_str(include_str!(
            "../../../../../tests/fixtures/liveperson/kmm-agent-view.json"
        ))
        .unwrap();
        let mut b = SnapshotBuilder::new(specs::ALL);
        let mut loads = Loads {
            scale: 1.0,
            implausible: 0,
        };
        let mut sink = AgentSink {
            b: &mut b,
            account: "1",
            room: 10,
            over: 0,
            loads: &mut loads,
        };
        sink.add(&body.records).unwrap();
        let snap = b.build();
        let agent = ["1", "2434634412"];
        assert_eq!(
            snap.value(&specs::AGENT_STATUS_SINCE, &agent),
            Some(1_597_063_917.599)
        );
        assert_eq!(
            snap.value(&specs::AGENT_STATUS, &["1", "2434634412", "online"]),
            Some(1.0)
        );
        assert_eq!(snap.value(&specs::AGENT_ACTIVE, &agent), Some(4.0));
        // "NA": no reason, so no reason series.
        assert!(!snap.families.contains_key(specs::AGENT_REASON_SINCE.name));
        // The example asked no max_slots: configuredMaxSlots is only in its metadata.
        assert_eq!(snap.value(&specs::AGENT_MAX_SLOTS, &agent), None);
    }
}

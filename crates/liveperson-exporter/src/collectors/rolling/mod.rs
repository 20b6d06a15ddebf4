//! One collector for both rolling-window APIs (msgconversation, engactivity): each describes its
//! counted fields as data ([`RollingApi`]); this module asks for the buckets the watermark plans
//! ([`super::rolling::buckets`]) and adds them to counters per account, skill and, optionally, agent.

pub mod buckets;
pub mod model;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::machinery::{Built, CollectCtx, CollectError, read_section};
use super::values::{Readings, count};
use crate::clock::duration_ms;
use crate::config::{Problems, join};
use crate::liveperson::{ApiError, Call};
use crate::metrics::catalogue::MetricSpec;
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::service::Service;
use buckets::Watermark;
use model::BucketValues;

/// The unit of a counted field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldUnit {
    /// A count.
    Count,
    /// Seconds, as documented.
    Seconds,
    /// A time in a unit LivePerson does not document: the collector's `handling_time_unit`
    /// (milliseconds unless set).
    UndocumentedTime,
}

/// One counted field of the API's metric object.
#[derive(Debug)]
pub struct Counted {
    /// Field name in the API's metric object.
    pub field: &'static str,
    /// Its unit.
    pub unit: FieldUnit,
    /// Value of the metric's last label (`resolved_by`, `interactive`), if it has one.
    pub label: Option<&'static str>,
    /// The metric at account, skill and agent level.
    pub specs: [&'static MetricSpec; 3],
    /// The metric per agent group, if the API filters by agent group (`groupIds`).
    pub group: Option<&'static MetricSpec>,
}

/// A self-check of an undocumented time unit: the average time per counted item (a time field
/// over a count field, in the account's totals of a bucket) must lie within `range` seconds,
/// or the unit chosen is probably wrong; such buckets are counted in `spec` and logged.
#[derive(Debug)]
pub struct Plausibility {
    /// The count field.
    pub count: &'static str,
    /// The time field, in [`FieldUnit::UndocumentedTime`].
    pub time: &'static str,
    /// Plausible averages, seconds.
    pub range: (f64, f64),
    /// Buckets outside it.
    pub spec: &'static MetricSpec,
}

/// A rolling-window API as data.
#[derive(Debug)]
pub struct RollingApi {
    /// API name for accounting.
    pub api: &'static str,
    /// Last path segment (`msgconversation`).
    pub path: &'static str,
    /// Whether POST with a JSON body is documented (for long agent lists).
    pub post: bool,
    /// The counted fields.
    pub counted: &'static [Counted],
    /// Buckets older than the API's window that could not be counted.
    pub skipped: &'static MetricSpec,
    /// Agents' buckets the per-agent counters left out (`max_agents`).
    pub over_limit: &'static MetricSpec,
    /// End of the last counted bucket.
    pub counted_until: &'static MetricSpec,
    /// The self-check of its undocumented time unit, if it has one.
    pub plausibility: Option<Plausibility>,
    /// Every metric the collector declares.
    pub all: &'static [&'static MetricSpec],
}

/// Agent lists longer than this go in a POST body.
const GET_AGENT_IDS: usize = 50;

collector_settings! {
    struct Settings (interval: Duration::from_secs(60), timeout: Duration::from_secs(50)) {
        /// A bucket is counted this long after it ends (LivePerson's source latency).
        #[serde(with = "humantime_serde")]
        settle_delay: Duration,
        /// On start, count this far back (at most 24h); 0 counts from the start.
        #[serde(with = "humantime_serde")]
        backfill: Duration,
        /// Per-agent series.
        per_agent: bool,
        /// Most agents with series; further agents are left out (and logged).
        max_agents: usize,
        /// Only these agents (ids); empty means all.
        agent_ids: Vec<String>,
        /// Also series per agent group, for these groups (ids; one more request each per run).
        agent_groups: Vec<String>,
        /// The unit of the handling times LivePerson does not document: `milliseconds` (what
        /// LivePerson's own dashboards read) or `seconds`.
        handling_time_unit: Option<TimeUnit>,
    }
    defaults {
        settle_delay: Duration::from_secs(300),
        backfill: Duration::ZERO,
        per_agent: false,
        max_agents: 500,
        agent_ids: Vec::new(),
        agent_groups: Vec::new(),
        handling_time_unit: None,
    }
}

/// A time unit an undocumented field may be read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Milliseconds.
    Milliseconds,
    /// Seconds.
    Seconds,
}

/// Base units per unit of a field; `time_scale` is the seconds per undocumented time unit.
fn scale(unit: FieldUnit, time_scale: f64) -> f64 {
    match unit {
        FieldUnit::Count | FieldUnit::Seconds => 1.0,
        FieldUnit::UndocumentedTime => time_scale,
    }
}

/// Most agent groups one rolling collector asks for (each costs a request per run).
const MAX_AGENT_GROUPS: usize = 50;

/// Reads a rolling collector's config section.
pub fn build(
    api: &'static RollingApi,
    section: Value,
    path: &str,
    problems: &mut Problems,
) -> Option<Built> {
    let (s, schedule) = read_section::<Settings>(section, path, problems)?;
    if s.backfill > Duration::from_secs(86_400) {
        problems.add(join(path, "backfill"), "must be at most 24h");
    }
    if s.settle_delay > Duration::from_secs(6 * 3600) {
        problems.add(join(path, "settle_delay"), "must be at most 6h");
    }
    let has_groups = api.counted.iter().any(|c| c.group.is_some());
    if !s.agent_groups.is_empty() && !has_groups {
        problems.add(
            join(path, "agent_groups"),
            format!("{} has no agent-group filter", api.api),
        );
    }
    if s.agent_groups.len() > MAX_AGENT_GROUPS {
        problems.add(
            join(path, "agent_groups"),
            format!("at most {MAX_AGENT_GROUPS} groups (each is a request per run)"),
        );
    }
    for (i, g) in s.agent_groups.iter().enumerate() {
        let digits = g.strip_prefix('-').unwrap_or(g);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            problems.add(
                format!("{}[{i}]", join(path, "agent_groups")),
                "an agent group id (digits; -1 is the main group)",
            );
        }
    }
    let has_undocumented = api
        .counted
        .iter()
        .any(|c| c.unit == FieldUnit::UndocumentedTime);
    if s.handling_time_unit.is_some() && !has_undocumented {
        problems.add(
            join(path, "handling_time_unit"),
            format!("{} documents its units", api.api),
        );
    }
    let time_scale = match s.handling_time_unit.unwrap_or(TimeUnit::Milliseconds) {
        TimeUnit::Milliseconds => 0.001,
        TimeUnit::Seconds => 1.0,
    };
    Some(Built {
        enabled: s.enabled,
        schedule,
        collector: Box::new(RollingWindow {
            api,
            watermark: Watermark::new(duration_ms(s.settle_delay), duration_ms(s.backfill)),
            per_agent: s.per_agent,
            max_agents: s.max_agents,
            agent_ids: s.agent_ids,
            agent_groups: s.agent_groups,
            time_scale,
            implausible: 0,
            over_limit: 0,
            totals: BTreeMap::new(),
            agents: BTreeSet::new(),
            skipped: 0,
            answered: false,
        }),
    })
}

/// Breakdown of a counter: account, skill, agent or agent group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Breakdown {
    Account = 0,
    Skill = 1,
    Agent = 2,
    AgentGroup = 3,
}

/// What one request asks for: the account with its skills (and agents), or one agent group.
#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    Main,
    Group(&'a str),
}

struct RollingWindow {
    api: &'static RollingApi,
    watermark: Watermark,
    per_agent: bool,
    max_agents: usize,
    agent_ids: Vec<String>,
    agent_groups: Vec<String>,
    /// Seconds per unit of [`FieldUnit::UndocumentedTime`] fields.
    time_scale: f64,
    /// Buckets the plausibility check flagged.
    implausible: u64,
    /// Agents' buckets left out of the per-agent counters.
    over_limit: u64,
    /// Counted totals by (level, key, counted-field index).
    totals: BTreeMap<(Breakdown, String, usize), f64>,
    /// Agents with series (at most `max_agents`).
    agents: BTreeSet<String>,
    skipped: u64,
    /// Whether LivePerson has answered a call yet (credentials and access work).
    answered: bool,
}

impl RollingWindow {
    fn call(&self, account: &str, timeframe_min: i64, scope: Scope<'_>) -> Call {
        let agents = if self.agent_ids.is_empty() {
            "all".to_string()
        } else {
            self.agent_ids.join(",")
        };
        let mut params = vec![
            ("v".to_string(), "1".to_string()),
            ("timeframe".to_string(), timeframe_min.to_string()),
            ("interval".to_string(), "5".to_string()),
        ];
        match scope {
            Scope::Main => {
                params.push(("skillIds".to_string(), "all".to_string()));
                if self.per_agent {
                    params.push(("agentIds".to_string(), agents));
                }
            }
            // Neither skills nor agents: the answer's totals are the group's.
            Scope::Group(g) => params.push(("groupIds".to_string(), g.to_string())),
        }
        let path = format!("/operations/api/account/{account}/{}", self.api.path);
        let long = self.api.post
            && self.agent_ids.len() > GET_AGENT_IDS
            && self.per_agent
            && matches!(scope, Scope::Main);
        if long {
            let body: serde_json::Map<String, Value> = params
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            Call {
                api: self.api.api,
                service: Service::LeDataReporting,
                method: Method::POST,
                path,
                query: vec![("v".into(), "1".into())],
                body: Some(Value::Object(body)),
                bearer_ok: false,
            }
        } else {
            Call {
                api: self.api.api,
                service: Service::LeDataReporting,
                method: Method::GET,
                path,
                query: params,
                body: None,
                bearer_ok: false,
            }
        }
    }

    /// Every counted field of `values` is absent or a count; `Err` names the first that is not.
    fn check_counts(&self, values: &BucketValues) -> Result<(), &'static str> {
        let maps = values
            .total
            .iter()
            .chain(values.skills.values())
            .chain(values.agents.values());
        for m in maps {
            for c in self.api.counted {
                count(m, c.field)?;
            }
        }
        Ok(())
    }

    /// Whether a bucket's totals are implausible for the time unit chosen (see [`Plausibility`]).
    fn implausible(&self, values: &BucketValues) -> bool {
        let (Some(p), Some(t)) = (&self.api.plausibility, &values.total) else {
            return false;
        };
        let n = count(t, p.count).unwrap_or(0.0);
        let seconds = count(t, p.time).unwrap_or(0.0) * self.time_scale;
        n > 0.0 && !(p.range.0..=p.range.1).contains(&(seconds / n))
    }

    /// One request's buckets that the plan counts: each bucket once, all of them there, and
    /// every counted field a count; `Err` otherwise (nothing of the answer may be counted).
    async fn fetch(
        &self,
        ctx: &CollectCtx,
        call: &Call,
        plan: &buckets::Plan,
    ) -> Result<Vec<BucketValues>, CollectError> {
        let answer = ctx.client.send(call).await?;
        let parsed = model::parse(&answer.body).map_err(|e| ApiError::Decode {
            api: self.api.api,
            detail: e.to_string(),
        })?;
        // By bucket end: a bucket the answer lists twice is counted once.
        let mut by_end: BTreeMap<i64, BucketValues> = BTreeMap::new();
        for (end, v) in parsed
            .into_iter()
            .filter(|(end, _)| *end > plan.after && *end <= plan.up_to)
        {
            by_end.entry(end).or_insert(v);
        }
        let fresh: Vec<BucketValues> = by_end.into_values().collect();
        let expected = ((plan.up_to - plan.after) / buckets::BUCKET_MS) as usize;
        if fresh.len() != expected {
            return Err(ApiError::Decode {
                api: self.api.api,
                detail: format!(
                    "{} of {expected} expected buckets in the answer",
                    fresh.len()
                ),
            }
            .into());
        }
        // A counted field that is there but not a count (null, negative, text) makes the
        // whole answer suspect: nothing is added and the watermark stays, so the buckets are
        // asked for again. An absent field is a bucket without that activity (0).
        for v in &fresh {
            self.check_counts(v)
                .map_err(|field| ApiError::not_a_count(self.api.api, field))?;
        }
        Ok(fresh)
    }

    /// Adds one agent group's buckets (their account-level totals, filtered to the group).
    fn add_group(&mut self, values: &BucketValues, group: &str) {
        let Some(m) = &values.total else {
            return;
        };
        for (i, c) in self.api.counted.iter().enumerate() {
            if c.group.is_some() {
                let v = count(m, c.field).unwrap_or(0.0) * scale(c.unit, self.time_scale);
                *self
                    .totals
                    .entry((Breakdown::AgentGroup, group.to_string(), i))
                    .or_default() += v;
            }
        }
    }

    fn add(&mut self, values: &BucketValues, account: &str) {
        let time_scale = self.time_scale;
        let add = |totals: &mut BTreeMap<_, f64>, level: Breakdown, key: &str, m: &Readings| {
            for (i, c) in self.api.counted.iter().enumerate() {
                // Checked before anything is added (`check_counts`).
                let v = count(m, c.field).unwrap_or(0.0) * scale(c.unit, time_scale);
                *totals.entry((level, key.to_string(), i)).or_default() += v;
            }
        };
        if let Some(t) = &values.total {
            add(&mut self.totals, Breakdown::Account, account, t);
        }
        for (skill, m) in &values.skills {
            add(&mut self.totals, Breakdown::Skill, skill, m);
        }
        if self.per_agent {
            for (agent, m) in &values.agents {
                if !self.agents.contains(agent) {
                    if self.agents.len() >= self.max_agents {
                        if self.over_limit == 0 {
                            tracing::warn!(collector = self.api.path, agent = %agent, max = self.max_agents, "agents left out of the per-agent series: max_agents reached");
                        }
                        self.over_limit += 1;
                        continue;
                    }
                    self.agents.insert(agent.clone());
                }
                add(&mut self.totals, Breakdown::Agent, agent, m);
            }
        }
    }

    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let now = ctx.now();
        let plan = self.watermark.plan(now);
        if plan.is_none() && !self.answered {
            // A first run that only sets the watermark still asks for the newest bucket, so wrong
            // credentials or a missing permission show at once instead of as a false `up 1`.
            let answer = ctx
                .client
                .send(&self.call(&account, 5, Scope::Main))
                .await?;
            model::parse(&answer.body).map_err(|e| ApiError::Decode {
                api: self.api.api,
                detail: e.to_string(),
            })?;
            self.answered = true;
        }
        if let Some(plan) = plan {
            let main = self.call(&account, plan.timeframe_min, Scope::Main);
            let fresh = self.fetch(ctx, &main, &plan).await?;
            let mut groups = Vec::with_capacity(self.agent_groups.len());
            for g in &self.agent_groups {
                let call = self.call(&account, plan.timeframe_min, Scope::Group(g));
                groups.push((g.clone(), self.fetch(ctx, &call, &plan).await?));
            }
            // Every request of the run succeeded: count, then move the watermark.
            let implausible = fresh.iter().filter(|v| self.implausible(v)).count() as u64;
            if implausible > 0 {
                tracing::warn!(collector = self.api.path, account = %account, buckets = implausible, "average handling time per resolved conversation implausible for handling_time_unit: the unit is probably wrong");
                self.implausible += implausible;
            }
            for v in &fresh {
                self.add(v, &account);
            }
            for (g, values) in &groups {
                for v in values {
                    self.add_group(v, g);
                }
            }
            if plan.skipped > 0 {
                tracing::warn!(collector = self.api.path, account = %account, buckets = plan.skipped, "gap longer than the API's 24-hour window: oldest buckets skipped");
                self.skipped += plan.skipped;
            }
            self.watermark.commit(&plan);
            self.answered = true;
        }
        let mut b = SnapshotBuilder::new(self.api.all);
        for ((level, key, i), v) in &self.totals {
            let c = &self.api.counted[*i];
            let mut labels: Vec<&str> = vec![&account];
            if *level != Breakdown::Account {
                labels.push(key);
            }
            labels.extend(c.label);
            let spec = match level {
                Breakdown::AgentGroup => c.group,
                other => Some(c.specs[*other as usize]),
            };
            if let Some(spec) = spec {
                b.add(spec, &labels, Some(*v))?;
            }
        }
        if let Some(p) = &self.api.plausibility {
            b.add(p.spec, &[&account], Some(self.implausible as f64))?;
        }
        if self.per_agent {
            b.add(
                self.api.over_limit,
                &[&account],
                Some(self.over_limit as f64),
            )?;
        }
        b.add(self.api.skipped, &[&account], Some(self.skipped as f64))?;
        b.add(
            self.api.counted_until,
            &[&account],
            self.watermark.end().map(|t| t as f64 / 1000.0),
        )?;
        Ok(b.build())
    }
}

collector_via_run!(RollingWindow);

//! `agent_activity`: agent status changes (`status-changes?v=2`, CSDS `agentActivityDomain`)
//! replayed into counters of time in each status, logins, logouts and status changes.
//!
//! Records show up to about an hour after they happen. The collector therefore counts only up to
//! a settle horizon (`now - settle`, default 1 hour): each run reads the records of
//! `[watermark, horizon)` (every page, offset paging of up to 5000 following
//! `_metadata.references`), sorts each agent's records by time and sequence (pages may split an
//! agent's records and need not be in order), skips any already replayed, replays them, and moves the watermark to the horizon. Each agent's open state is
//! carried across runs and accrues time up to the horizon, so the counters advance every run.
//!
//! Records outside the asked window are dropped and counted (`..._dropped_records_total`), as are
//! records without a readable time: a
//! server answering more than was asked must not add time another window counts. The first run
//! only sets the watermark, but still makes one call, so broken credentials show at once.
//!
//! A record is identified by agent, time and sequence number. The session id cannot serve: it is
//! -1 on the first two records of every session, so (agent, session, sequence) repeats.
//!
//! An agent's time is counted from its first record after the exporter starts (what state it was
//! in before is unknown). Statuses: online, back_soon (LivePerson's "occupied", its "Back in 5") and
//! away, away broken down by status reason id; a reason of 0, -1, null or "" is no reason. Series are per agent, or per agent group
//! with `by: agent_group`; names only through the opt-in `liveperson_agent_info`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

pub mod mapping;
pub mod model;
pub mod specs;

use super::machinery::{Built, CollectCtx, CollectError, Entry, read_section};
use super::paging::{OffsetPages, Rest, Step};
use crate::clock::{EpochMs, duration_ms};
use crate::config::{Problems, join};
use crate::liveperson::Call;
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::service::Service;
use mapping::{Dropped, Replay};
use model::{Page, Record};
use specs::{ALL, COUNTED_UNTIL, DROPPED};

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "agent_activity",
    about: "Agent activity: time in each status (by away reason), logins, logouts and status changes per agent or agent group, replayed from status changes",
    metrics: ALL,
    needs_oauth1: false,
    build,
};

/// What the series are per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum By {
    Agent,
    AgentGroup,
}

collector_settings! {
    struct Settings (interval: Duration::from_secs(300), timeout: Duration::from_secs(240)) {
        /// Replay only records older than this (LivePerson's latency is about 1 hour).
        #[serde(with = "humantime_serde")]
        settle: Duration,
        /// Series per `agent` or per `agent_group`.
        by: By,
        /// Export `liveperson_agent_info` with names and logins.
        agent_info: bool,
        /// Records per page (at most 5000).
        page_size: u32,
    }
    defaults {
        settle: Duration::from_secs(3600),
        by: By::Agent,
        agent_info: false,
        page_size: 5000,
    }
}

fn build(section: Value, path: &str, problems: &mut Problems) -> Option<Built> {
    let (s, schedule) = read_section::<Settings>(section, path, problems)?;
    if s.settle > Duration::from_secs(86_400) {
        problems.add(join(path, "settle"), "must be at most 24h");
    }
    if !(1..=5000).contains(&s.page_size) {
        problems.add(join(path, "page_size"), "must be between 1 and 5000");
    }
    Some(Built {
        enabled: s.enabled,
        schedule,
        collector: Box::new(AgentActivity {
            settle_ms: duration_ms(s.settle),
            agent_info: s.agent_info,
            page_size: s.page_size,
            watermark: None,
            replay: Replay::new(s.by == By::AgentGroup),
            dropped: Dropped::default(),
            answered: false,
        }),
    })
}

struct AgentActivity {
    settle_ms: i64,
    agent_info: bool,
    page_size: u32,
    watermark: Option<EpochMs>,
    replay: Replay,
    /// Records dropped instead of replayed.
    dropped: Dropped,
    /// Whether LivePerson has answered a call yet (credentials and access work).
    answered: bool,
}

fn rfc3339(t: EpochMs) -> String {
    chrono::DateTime::from_timestamp_millis(t)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// The longest window the API takes.
const MONTH: i64 = 30 * 24 * 3_600_000;

impl AgentActivity {
    /// Every record of `[from, to]`; with `first_page_only`, just the first page.
    async fn fetch(
        &self,
        ctx: &CollectCtx,
        account: &str,
        (from, to): (EpochMs, EpochMs),
        first_page_only: bool,
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
            if step != Step::More || first_page_only {
                return Ok(out);
            }
        }
    }

    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let horizon = ctx.now() - self.settle_ms;
        let mut from = *self.watermark.get_or_insert(horizon);
        if from >= horizon && !self.answered {
            // The first run only sets the watermark; it still asks for the last minute before it
            // (and drops the answer), so wrong credentials or a missing permission show at once
            // instead of as a false `up 1`.
            self.fetch(ctx, &account, (horizon - 60_000, horizon), true)
                .await?;
        }
        while from < horizon {
            let to = horizon.min(from + MONTH);
            let records = self.fetch(ctx, &account, (from, to), false).await?;
            let dropped = self.replay.replay(records, (from, to));
            if dropped != Dropped::default() {
                tracing::warn!(account = %account, out_of_window = dropped.out_of_window, unreadable_time = dropped.unreadable_time, "status changes dropped");
                self.dropped.out_of_window += dropped.out_of_window;
                self.dropped.unreadable_time += dropped.unreadable_time;
            }
            self.replay.accrue_all(to);
            from = to;
            self.watermark = Some(to);
        }
        self.answered = true;
        let mut b = SnapshotBuilder::new(ALL);
        self.replay.emit(&mut b, &account, self.agent_info)?;
        b.add(
            &COUNTED_UNTIL,
            &[&account],
            self.watermark.map(|t| t as f64 / 1000.0),
        )?;
        for (reason, n) in [
            ("out_of_window", self.dropped.out_of_window),
            ("unreadable_time", self.dropped.unreadable_time),
        ] {
            b.add(&DROPPED, &[&account, reason], Some(n as f64))?;
        }
        Ok(b.build())
    }
}

collector_via_run!(AgentActivity);

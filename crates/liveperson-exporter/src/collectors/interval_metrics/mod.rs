//! `interval_metrics`: the Agent Activity interval-metrics API (WFM; CSDS `agentActivityDomain`)
//! turned into counters advanced once per finished 15-minute interval.
//!
//! Per grouping, the watermark is the start of the first interval not counted yet. Each run asks for
//! the intervals from the watermark to the last one that has ended, in windows of at most a day
//! (the API's limit), for every configured handle-time model, following `nextPageKey` (or the
//! `offset` of `refs.next`) until both are absent (pages may be empty in between). A first run with
//! nothing finished yet still asks for the last finished interval, so broken credentials show. A 202 lists each interval's status:
//! the window then shrinks to the intervals before the first one not `Done`, and the rest waits for
//! a later run. Only when every model's pages of a window have arrived are they added and the
//! watermark moved, so each (interval, grouping key, model) is counted exactly once.
//!
//! Handle time and handled conversations depend on the model and carry `handle_time_model`; the
//! other counts do not, and are taken from the first model's answer only. The skill grouping asks
//! `includeBotSkills` (unless `include_bot_skills: false`), so the arrivals and closes of skills
//! only bots serve are counted too.

pub mod mapping;
pub mod model;
pub mod specs;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::machinery::{Built, CollectCtx, CollectError, Entry, read_section};
use crate::clock::{EpochMs, duration_ms};
use crate::config::{Problems, join};
use crate::liveperson::{ApiError, Call};
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::service::Service;
use mapping::{Grouping, Totals};
use model::{InProgress, Page};

const QUARTER: i64 = 15 * 60_000;
const DAY: i64 = 24 * 60 * 60_000;
/// How far back the API answers.
const MAX_AGE: i64 = 14 * DAY;

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "interval_metrics",
    about: "Interval metrics (WFM): handle time (IFT, EHT), handled and replied conversations, messages, work time, arrivals and closes as counters per finished 15-minute interval",
    metrics: specs::ALL,
    needs_oauth1: false,
    build,
};

collector_settings! {
    struct Settings (interval: Duration::from_secs(300), timeout: Duration::from_secs(240)) {
        /// Handle-time models: IFT, EHT.
        models: Vec<HandleTimeModel>,
        /// Groupings: skill, skill_agent, agent_group.
        groupings: Vec<Grouping>,
        /// On start, count this far back (at most 14 days); 0 counts from the interval running at start.
        #[serde(with = "humantime_serde")]
        backfill: Duration,
        /// Rows per page (at most 500).
        page_size: u32,
        /// Intervals are asked for this long after they end (LivePerson's processing time); a 202
        /// still defers any that are not done.
        #[serde(with = "humantime_serde")]
        settle_delay: Duration,
        /// The `skill` grouping asks `includeBotSkills`, so arrivals and closed conversations of
        /// skills only bots serve (bot-fronted skills) are counted; without it LivePerson drops
        /// every interval without human handle or work time.
        include_bot_skills: bool,
    }
    defaults {
        models: vec![HandleTimeModel::Ift, HandleTimeModel::Eht],
        groupings: vec![Grouping::Skill],
        backfill: Duration::ZERO,
        page_size: 500,
        settle_delay: Duration::from_secs(600),
        include_bot_skills: true,
    }
}

/// A handle-time model: the API names it in capitals, the `handle_time_model` label in lower case
/// (one label vocabulary: every value is snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
enum HandleTimeModel {
    /// Interaction-focused time.
    #[serde(rename = "IFT")]
    Ift,
    /// Estimated handle time.
    #[serde(rename = "EHT")]
    Eht,
}

impl HandleTimeModel {
    /// The API's name, as the `handleTimeModel` parameter takes it.
    fn api_name(self) -> &'static str {
        match self {
            HandleTimeModel::Ift => "IFT",
            HandleTimeModel::Eht => "EHT",
        }
    }

    /// The `handle_time_model` label value.
    fn label(self) -> &'static str {
        match self {
            HandleTimeModel::Ift => "ift",
            HandleTimeModel::Eht => "eht",
        }
    }
}

fn build(section: Value, path: &str, problems: &mut Problems) -> Option<Built> {
    let (s, schedule) = read_section::<Settings>(section, path, problems)?;
    let mut models = Vec::new();
    for (i, m) in s.models.iter().enumerate() {
        if models.contains(m) {
            problems.add(
                format!("{}[{i}]", join(path, "models")),
                "IFT or EHT, once each",
            );
        } else {
            models.push(*m);
        }
    }
    if models.is_empty() {
        problems.add(join(path, "models"), "at least one of IFT, EHT");
    }
    let mut groupings = Vec::new();
    for g in s.groupings {
        if !groupings.contains(&g) {
            groupings.push(g);
        }
    }
    if duration_ms(s.backfill) > MAX_AGE {
        problems.add(join(path, "backfill"), "must be at most 14 days");
    }
    if !(1..=500).contains(&s.page_size) {
        problems.add(join(path, "page_size"), "must be between 1 and 500");
    }
    Some(Built {
        enabled: s.enabled,
        schedule,
        collector: Box::new(IntervalMetrics {
            models,
            groupings: groupings
                .into_iter()
                .map(|g| GroupingState {
                    grouping: g,
                    watermark: None,
                    backfill_from: None,
                    caught_up: false,
                    skipped: 0,
                })
                .collect(),
            backfill_ms: duration_ms(s.backfill),
            settle_ms: duration_ms(s.settle_delay),
            page_size: s.page_size,
            include_bot_skills: s.include_bot_skills,
            run_windows: (0, std::time::Duration::ZERO),
            totals: Totals::default(),
            answered: false,
        }),
    })
}

struct GroupingState {
    grouping: Grouping,
    /// Start of the first interval not counted yet.
    watermark: Option<EpochMs>,
    /// Where the configured backfill started, if there is one.
    backfill_from: Option<EpochMs>,
    /// Whether the backfill has been counted to the end once (later 202s do not undo that).
    caught_up: bool,
    skipped: u64,
}

impl GroupingState {
    /// How much of the backfill is counted, when `last_ended` is the newest interval to count:
    /// 1 once the watermark is past it; `None` without a backfill.
    fn backfill_progress(&self, last_ended: EpochMs) -> Option<f64> {
        let from = self.backfill_from?;
        let done = self.watermark.unwrap_or(from) - from;
        let all = last_ended + QUARTER - from;
        Some(if self.caught_up || all <= 0 {
            1.0
        } else {
            (done as f64 / all as f64).min(1.0)
        })
    }
}

struct IntervalMetrics {
    models: Vec<HandleTimeModel>,
    groupings: Vec<GroupingState>,
    backfill_ms: i64,
    settle_ms: i64,
    page_size: u32,
    include_bot_skills: bool,
    /// The windows counted in the current run, and the longest one's duration: a run starts
    /// no further window it could not finish before its deadline.
    run_windows: (u32, std::time::Duration),
    totals: Totals,
    /// Whether LivePerson has answered a call yet (credentials and access work).
    answered: bool,
}

/// Which page to ask for next.
enum NextPage {
    First,
    /// `pageKey` from `nextPageKey`.
    Key(String),
    /// `offset` and `limit` from `refs.next`.
    Offset {
        offset: u64,
        limit: Option<u64>,
    },
}

/// The `offset` and `limit` of a `refs.next` link (a path with a query, or a full URL).
fn offset_of(link: &Value) -> Option<(u64, Option<u64>)> {
    let base = reqwest::Url::parse("http://liveperson.invalid/").ok()?;
    let url = base.join(link.as_str()?).ok()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    Some((param("offset")?, param("limit")))
}

/// A window's answer for one model: its rows, or the start of the first interval not done.
enum Fetched {
    Rows(Vec<model::Row>),
    NotDoneFrom(EpochMs),
}

fn floor_q(t: EpochMs) -> EpochMs {
    t.div_euclid(QUARTER) * QUARTER
}

impl IntervalMetrics {
    /// One model's rows for the intervals starting in `[from, to]`, following every page.
    ///
    /// LivePerson documents `toL` as inclusive; it is sent as the last millisecond before the
    /// interval after `to`, which selects the same intervals if it is read as exclusive, and is
    /// never a zero-width window. Rows are filtered to the window again when they are added.
    /// Pages are followed by `nextPageKey`, or, as the docs' own example pages, by the `offset`
    /// and `limit` of `refs.next`.
    async fn fetch(
        &self,
        ctx: &CollectCtx,
        account: &str,
        g: Grouping,
        (model, first_model): (&str, bool),
        (from, to): (EpochMs, EpochMs),
    ) -> Result<Fetched, CollectError> {
        // The first model's answer carries every counted metric (arrivals and closed only by
        // skill); the others only the two that depend on the model.
        let asked = match (first_model, g) {
            (false, _) => 2,
            (true, Grouping::Skill) => mapping::COUNTED.len(),
            (true, _) => 6,
        };
        let metrics = mapping::COUNTED[..asked].join(",");
        let mut rows = Vec::new();
        let mut next = NextPage::First;
        loop {
            let mut query = vec![
                ("v".to_string(), "1".to_string()),
                ("source".to_string(), "lp_exporter".to_string()),
                ("fromL".to_string(), from.to_string()),
                ("toL".to_string(), (to + QUARTER - 1).to_string()),
                ("handleTimeModel".to_string(), model.to_string()),
                ("metrics".to_string(), metrics.clone()),
                ("grouping".to_string(), g.api_value().to_string()),
                ("pageSize".to_string(), self.page_size.to_string()),
            ];
            // Only by skill: bot-only rows carry arrivals and closes, which only the skill
            // grouping counts; per agent they would add series of bots at zero.
            if self.include_bot_skills && g == Grouping::Skill {
                query.push(("includeBotSkills".to_string(), "true".to_string()));
            }
            match &next {
                NextPage::First => {}
                NextPage::Key(k) => query.push(("pageKey".to_string(), k.clone())),
                NextPage::Offset { offset, limit } => {
                    query.push(("offset".to_string(), offset.to_string()));
                    query.extend(limit.map(|l| ("limit".to_string(), l.to_string())));
                }
            }
            let call = Call {
                api: "interval_metrics",
                service: Service::AgentActivityDomain,
                method: Method::GET,
                path: format!("/api/account/{account}/interval-metrics"),
                query,
                body: None,
                bearer_ok: true,
            };
            let answer = ctx.client.send(&call).await?;
            if answer.status == 202 {
                let p: InProgress = answer.json(call.api)?;
                // Only the asked intervals matter; if none of them is listed as not done, the
                // answer says nothing to narrow the window by, and it waits for a later run.
                let first_not_done = p
                    .intervals
                    .iter()
                    .filter(|i| i.status != "Done")
                    .filter_map(|i| chrono::DateTime::parse_from_rfc3339(&i.from).ok())
                    .map(|t| t.timestamp_millis())
                    .filter(|t| (from..=to).contains(t))
                    .min()
                    .unwrap_or(from);
                return Ok(Fetched::NotDoneFrom(first_not_done));
            }
            let page: Page = answer.json(call.api)?;
            rows.extend(page.intervals);
            let paging = page.metadata.paging;
            next = match (paging.next_page_key, paging.refs.get("next")) {
                (Some(k), _) => NextPage::Key(k),
                (None, None) => return Ok(Fetched::Rows(rows)),
                (None, Some(link)) => {
                    let after = match next {
                        NextPage::Offset { offset, .. } => Some(offset),
                        _ => None,
                    };
                    offset_of(link)
                        .filter(|(o, _)| after.is_none_or(|a| *o > a))
                        .map(|(offset, limit)| NextPage::Offset { offset, limit })
                        .ok_or_else(|| ApiError::Decode {
                            api: call.api,
                            detail: "refs.next with neither nextPageKey nor a growing offset"
                                .into(),
                        })?
                }
            };
        }
    }

    /// Counts one grouping's finished intervals; returns after each committed window or when
    /// nothing more is finished.
    /// The start of the last interval that ended at least `settle_ms` before `now`.
    fn last_ended(&self, now: EpochMs) -> EpochMs {
        floor_q(now - self.settle_ms) - QUARTER
    }

    async fn count_grouping(
        &mut self,
        ctx: &CollectCtx,
        account: &str,
        idx: usize,
        now: EpochMs,
    ) -> Result<(), CollectError> {
        let g = self.groupings[idx].grouping;
        let last_ended = self.last_ended(now);
        let state = &mut self.groupings[idx];
        if state.watermark.is_none() && self.backfill_ms > 0 {
            state.backfill_from = Some(floor_q(now - self.backfill_ms));
        }
        let start = *state
            .watermark
            .get_or_insert(floor_q(now - self.backfill_ms));
        let mut from = start;
        // The API answers only the last 14 days.
        let oldest = floor_q(now - MAX_AGE) + QUARTER;
        if from < oldest {
            let n = ((oldest - from) / QUARTER) as u64;
            tracing::warn!(
                grouping = g.name(),
                intervals = n,
                "intervals older than 14 days skipped"
            );
            self.groupings[idx].skipped += n;
            from = oldest;
            self.groupings[idx].watermark = Some(from);
        }
        while from <= last_ended {
            // A long catch-up (a backfill) is counted a window at a time, each committed on its
            // own; a run stops before a window it may not finish in time, and succeeds with what
            // it counted: the next run goes on from there.
            let (windows, longest) = self.run_windows;
            let left = crate::liveperson::run_scope::remaining();
            if windows > 0 && left.is_some_and(|left| left < 2 * longest) {
                tracing::info!(account = %account, grouping = g.name(), counted_until = from, "interval_metrics: the run's time is up; the next run counts on");
                return Ok(());
            }
            let began = std::time::Instant::now();
            let mut to = last_ended.min(from + DAY - QUARTER);
            let answers = 'window: loop {
                let mut answers = Vec::new();
                for (i, m) in self.models.iter().enumerate() {
                    match self
                        .fetch(ctx, account, g, (m.api_name(), i == 0), (from, to))
                        .await?
                    {
                        Fetched::Rows(rows) => answers.push((m.label(), i == 0, rows)),
                        // Narrowing always shrinks the window, so this loop ends.
                        Fetched::NotDoneFrom(t) if t > from && floor_q(t) - QUARTER < to => {
                            to = floor_q(t) - QUARTER;
                            continue 'window;
                        }
                        Fetched::NotDoneFrom(_) => return Ok(()),
                    }
                }
                break answers;
            };
            self.answered = true;
            if let Some(name) = answers
                .iter()
                .find_map(|(_, _, rows)| mapping::invalid_metric(rows))
            {
                return Err(ApiError::not_a_count("interval_metrics", name).into());
            }
            for (m, first, rows) in answers {
                self.totals.add(account, g, (m, first), (from, to), &rows);
            }
            from = to + QUARTER;
            self.groupings[idx].watermark = Some(from);
            self.run_windows = (windows + 1, longest.max(began.elapsed()));
            let state = &mut self.groupings[idx];
            if let Some(done) = state.backfill_progress(last_ended) {
                state.caught_up |= done >= 1.0;
                if done < 1.0 || windows > 0 {
                    tracing::info!(
                        account = %account,
                        grouping = g.name(),
                        counted_until = from,
                        "interval_metrics backfill {:.0}% counted",
                        done * 100.0
                    );
                }
            }
        }
        Ok(())
    }

    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let now = ctx.now();
        self.run_windows = (0, std::time::Duration::ZERO);
        for i in 0..self.groupings.len() {
            self.count_grouping(ctx, &account, i, now).await?;
        }
        if !self.answered {
            // The first run without backfill has nothing finished to count; it still asks for
            // the last finished interval (and drops it), so wrong credentials or a missing
            // permission show at once instead of as a false `up 1`.
            let last = self.last_ended(now);
            if let (Some(g), Some(m)) = (self.groupings.first(), self.models.first()) {
                self.fetch(
                    ctx,
                    &account,
                    g.grouping,
                    (m.api_name(), true),
                    (last, last),
                )
                .await?;
            }
            self.answered = true;
        }
        let mut b = SnapshotBuilder::new(specs::ALL);
        self.totals.emit(&mut b)?;
        for g in &self.groupings {
            let name = g.grouping.name();
            b.add(
                &specs::COUNTED_UNTIL,
                &[&account, name],
                g.watermark.map(|t| t as f64 / 1000.0),
            )?;
            b.add(&specs::SKIPPED, &[&account, name], Some(g.skipped as f64))?;
        }
        let last_ended = self.last_ended(now);
        let progress = self
            .groupings
            .iter()
            .filter_map(|g| g.backfill_progress(last_ended))
            .reduce(f64::min);
        if let Some(done) = progress {
            b.backfill(done);
        }
        Ok(b.build())
    }
}

collector_via_run!(IntervalMetrics);

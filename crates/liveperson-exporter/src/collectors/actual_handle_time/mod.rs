//! `actual_handle_time`: closed agent segments from the AHT API (`agent-segments`, CSDS
//! `agentActivityDomain`, OAuth 1.0a) as a histogram of handle time per skill and end reason.
//!
//! Segments show up to 24 hours after they close (the API's completeness horizon), in any order.
//! Each run re-reads every segment that closed within the horizon (plus two run intervals of
//! margin, so a segment that shows late in a run's paging is still read by the next), following
//! offset paging (500 per page) to the end, and counts each segment id once. Ids are remembered
//! only while the window can still return them, so memory is bounded by the segments of one
//! window. Segments that closed before the exporter started (minus `backfill`) are not counted.
//! A segment without a valid handle time (null, absent, negative) is neither counted nor marked
//! counted, so a later answer with the value counts it; it is logged and counted as dropped once.
//! Segments outside the asked window are dropped and counted too.

use std::collections::HashMap;
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
use crate::metrics::catalogue::MetricSpec;
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::service::Service;
use mapping::Histograms;
use model::{Page, Segment};
use specs::{ALL, DROPPED, HANDLE_TIME, TRACKED};

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "actual_handle_time",
    about: "Actual handle time: a histogram of closed agent segments' handle time per skill and end reason, each segment counted once",
    metrics: ALL,
    needs_oauth1: true,
    build,
};

collector_settings! {
    struct Settings (interval: Duration::from_secs(900), timeout: Duration::from_secs(600)) {
        /// How long after closing a segment can still appear (LivePerson: 24 hours).
        #[serde(with = "humantime_serde")]
        horizon: Duration,
        /// On start, count segments that closed this long before (at most the horizon).
        #[serde(with = "humantime_serde")]
        backfill: Duration,
        /// Histogram bucket upper bounds, seconds.
        buckets: Vec<f64>,
    }
    defaults {
        horizon: Duration::from_secs(86_400),
        backfill: Duration::ZERO,
        buckets: vec![
            30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0, 7200.0,
        ],
    }
}

/// The API's longest window.
const WEEK: Duration = Duration::from_secs(7 * 86_400);

fn build(section: Value, path: &str, problems: &mut Problems) -> Option<Built> {
    let (s, schedule) = read_section::<Settings>(section, path, problems)?;
    let window = s.horizon + 2 * s.interval;
    if s.horizon < Duration::from_secs(3600) || window > WEEK {
        problems.add(
            join(path, "horizon"),
            "must be at least 1h, and with two intervals at most 7 days",
        );
    }
    if s.backfill > s.horizon {
        problems.add(join(path, "backfill"), "must be at most the horizon");
    }
    let ordered = s.buckets.windows(2).all(|w| w[0] < w[1]);
    if s.buckets.is_empty() || !ordered || s.buckets.iter().any(|b| !b.is_finite() || *b <= 0.0) {
        problems.add(
            join(path, "buckets"),
            "must be positive, finite and increasing",
        );
    }
    Some(Built {
        enabled: s.enabled,
        schedule,
        collector: Box::new(ActualHandleTime {
            window_ms: duration_ms(window),
            backfill_ms: duration_ms(s.backfill),
            start: None,
            seen: HashMap::new(),
            invalid: HashMap::new(),
            invalid_count: 0,
            out_of_window: 0,
            hist: Histograms::new(s.buckets),
        }),
    })
}

/// Rows per page (the API's maximum).
const PAGE: u64 = 500;

struct ActualHandleTime {
    window_ms: i64,
    backfill_ms: i64,
    /// Segments that closed before this are not counted.
    start: Option<EpochMs>,
    /// Counted segment ids and their close times, for as long as the window can return them.
    seen: HashMap<String, EpochMs>,
    /// Segment ids seen without a valid handle time (not counted, not in `seen`), likewise.
    invalid: HashMap<String, EpochMs>,
    /// Distinct segments seen without a valid handle time.
    invalid_count: u64,
    /// Segments answered outside the asked window.
    out_of_window: u64,
    hist: Histograms,
}

impl ActualHandleTime {
    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let now = ctx.now();
        let start = *self.start.get_or_insert(now - self.backfill_ms);
        let from = (now - self.window_ms).max(start);
        // Read everything first: a failed run adds nothing.
        let mut fresh: Vec<Segment> = Vec::new();
        let mut pages = OffsetPages::new(PAGE);
        loop {
            let offset = pages.offset();
            let call = Call {
                api: "agent_segments",
                service: Service::AgentActivityDomain,
                method: Method::GET,
                path: format!("/api/account/{account}/agent-segments"),
                query: vec![
                    ("source".into(), "lp_exporter".into()),
                    ("fromMillis".into(), from.to_string()),
                    ("toMillis".into(), now.to_string()),
                    ("limit".into(), PAGE.to_string()),
                    ("offset".into(), offset.to_string()),
                ],
                body: None,
                bearer_ok: false,
            };
            let page: Page = ctx.client.json(&call).await?;
            let rest = Rest::Total(page.pagination.count.unwrap_or(0));
            let step = pages.step(page.segments.len(), rest);
            fresh.extend(page.segments);
            if step != Step::More {
                break;
            }
        }
        let (mut newly_invalid, mut stray) = (0, 0);
        for seg in fresh {
            // A segment outside the asked window may be one the window has left, counted before
            // and no longer remembered: it must not count again.
            if seg.end < from || seg.end > now {
                stray += 1;
                continue;
            }
            if seg.end < start || self.seen.contains_key(&seg.id) {
                continue;
            }
            match mapping::handle_seconds(&seg) {
                Some(seconds) => {
                    self.hist.observe(&seg, seconds);
                    self.seen.insert(seg.id, seg.end);
                }
                None => {
                    if self.invalid.insert(seg.id, seg.end).is_none() {
                        newly_invalid += 1;
                    }
                }
            }
        }
        if newly_invalid > 0 {
            tracing::warn!(account = %account, segments = newly_invalid, "segments without a valid totalHandleTimeMillis left uncounted");
            self.invalid_count += newly_invalid;
        }
        if stray > 0 {
            tracing::warn!(account = %account, segments = stray, "segments outside the asked window dropped");
            self.out_of_window += stray;
        }
        // Ids the window no longer reaches cannot come back.
        self.seen.retain(|_, end| *end >= from);
        self.invalid.retain(|_, end| *end >= from);

        let mut b = SnapshotBuilder::new(ALL);
        self.hist.emit(&mut b, &account)?;
        b.add(&TRACKED, &[&account], Some(self.seen.len() as f64))?;
        for (reason, n) in [
            ("invalid_handle_time", self.invalid_count),
            ("out_of_window", self.out_of_window),
        ] {
            b.add(&DROPPED, &[&account, reason], Some(n as f64))?;
        }
        Ok(b.build())
    }
}

impl super::machinery::Collector for ActualHandleTime {
    fn collect<'a>(
        &'a mut self,
        ctx: &'a CollectCtx,
    ) -> futures_util::future::BoxFuture<'a, Result<Arc<Snapshot>, CollectError>> {
        futures_util::FutureExt::boxed(self.run(ctx))
    }

    fn histogram_bounds(&self) -> Vec<(&'static MetricSpec, Vec<f64>)> {
        vec![(&HANDLE_TIME, self.hist.bounds().to_vec())]
    }
}

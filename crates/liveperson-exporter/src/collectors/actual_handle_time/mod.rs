//! `actual_handle_time`: closed agent segments from the AHT API (`agent-segments`, CSDS
//! `agentActivityDomain`, OAuth 1.0a) as a histogram of handle time per skill and end reason, and,
//! opted into (`per_agent`, `per_agent_group`), per agent and per agent group, at most
//! `max_agents` of each.
//!
//! Segments show up to 24 hours after they close (the API's completeness horizon), in any order,
//! and the API can only be asked by close time. The first run reads the whole window (the horizon
//! plus two run intervals of margin, so a segment that shows late in a run's reading is still
//! within the next run's reach); after failed runs the window reaches back from the last complete
//! read, so nothing that showed meanwhile falls out of it. After that a run reads what closed since the last run, and
//! re-reads an earlier span only where LivePerson's own count (`pagination.count`, one small
//! request) says segments showed late: it compares the count of the whole earlier window with
//! the segments it has seen there and halves the spans that differ (one count per halving: the
//! second half has what the first does not), down to 15 minutes or one page. The counting is exact whatever the lateness; what a run costs depends on how spread the
//! late segments are (an offline pipeline that publishes hour by hour makes it a handful of
//! requests). Pages after a span's first are asked a few at a time.
//!
//! Each segment id is counted once. Ids are remembered only while the window can still return
//! them, so memory is bounded by the segments of one window. Segments that closed before the
//! exporter started (minus `backfill`) are not counted. A segment without a valid handle time
//! (null, absent, negative) is not counted, and its span is read again each run (its count does
//! not match), so a later answer with the value counts it; it is logged and counted as dropped
//! once. Segments outside the asked span are dropped and counted too.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

pub mod mapping;
pub mod model;
pub mod specs;

use super::machinery::{Built, CollectCtx, CollectError, Entry, read_section};
use crate::clock::{EpochMs, duration_ms};
use crate::config::{Problems, join};
use crate::liveperson::Call;
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::service::Service;
use mapping::{Breakdowns, Histograms};
use model::{Page, Segment};
use specs::{ALL, DROPPED, OVER_LIMIT, TRACKED};

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
        /// Also a histogram per agent (for coaching; one series set per agent).
        per_agent: bool,
        /// Also a histogram per agent group.
        per_agent_group: bool,
        /// Most agents (and most agent groups) with a histogram; segments of others are counted
        /// in `liveperson_aht_segments_over_agent_limit_total` (and per skill as always).
        max_agents: usize,
    }
    defaults {
        horizon: Duration::from_secs(86_400),
        backfill: Duration::ZERO,
        buckets: vec![
            30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0, 7200.0,
        ],
        per_agent: false,
        per_agent_group: false,
        max_agents: 500,
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
            read_until: None,
            seen: HashMap::new(),
            closes: BTreeMap::new(),
            invalid_count: 0,
            out_of_window: 0,
            hist: Histograms::with_breakdowns(
                s.buckets,
                Breakdowns {
                    per_agent: s.per_agent,
                    per_agent_group: s.per_agent_group,
                    max_agents: s.max_agents,
                },
            ),
        }),
    })
}

/// Rows per page (the API's maximum).
const PAGE: u64 = 500;
/// A span whose count changed is read whole once it is this narrow (or its segments fit a page),
/// rather than split further.
const NARROWEST_MS: i64 = 15 * 60_000;
/// Pages of one span asked at once after its first page (the client's bounds for the service
/// apply on top).
const CONCURRENT_PAGES: usize = 4;

struct ActualHandleTime {
    /// The horizon plus two run intervals, so that a segment that shows late in a run's reading
    /// is still within the next run's reach.
    window_ms: i64,
    backfill_ms: i64,
    /// Segments that closed before this are not counted.
    start: Option<EpochMs>,
    /// Every segment that closed up to here and showed by then has been read (the last run's now).
    read_until: Option<EpochMs>,
    /// Segments seen within the horizon, by id: counted, or (`false`) seen without a valid
    /// handle time, not counted until an answer has one. Ids are kept as 64-bit hashes:
    /// a collision among the ~500,000 segments a day of a 10,000-agent account has a chance of
    /// about 1 in 10^8.
    seen: HashMap<u64, Seen>,
    /// How many counted segments closed at each moment, to count a span. Segments without a
    /// valid handle time are left out, so their span keeps being read until one has it.
    closes: BTreeMap<EpochMs, u32>,
    /// Distinct segments seen without a valid handle time.
    invalid_count: u64,
    /// Segments answered outside the asked window.
    out_of_window: u64,
    hist: Histograms,
}

/// A segment seen.
#[derive(Debug, Clone, Copy)]
struct Seen {
    end: EpochMs,
    counted: bool,
}

/// A span of close times, both ends included (as the API reads `fromMillis` and `toMillis`).
type Span = (EpochMs, EpochMs);

fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same id always gives the same hash within the process.
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// Where `span` is halved: the end of the quarter hour nearest its middle, so that the spans
/// read whole are the clock's quarter hours, as an hourly pipeline publishes them (a span that
/// straddled a published hour and an old one would be read for both); the plain middle when no
/// quarter hour ends inside.
fn split_point((from, to): Span) -> EpochMs {
    let middle = from + (to - from) / 2;
    let aligned = (middle + NARROWEST_MS / 2).div_euclid(NARROWEST_MS) * NARROWEST_MS - 1;
    if (from..to).contains(&aligned) {
        aligned
    } else {
        middle
    }
}

impl ActualHandleTime {
    /// The agent-segments call for `span`, `limit` rows from `offset`.
    fn call(account: &str, (from, to): Span, limit: u64, offset: u64) -> Call {
        Call {
            api: "agent_segments",
            service: Service::AgentActivityDomain,
            method: Method::GET,
            path: format!("/api/account/{account}/agent-segments"),
            query: vec![
                ("source".into(), "lp_exporter".into()),
                ("fromMillis".into(), from.to_string()),
                ("toMillis".into(), to.to_string()),
                ("limit".into(), limit.to_string()),
                ("offset".into(), offset.to_string()),
            ],
            body: None,
            bearer_ok: false,
        }
    }

    /// How many segments of `span` LivePerson has now.
    async fn count(ctx: &CollectCtx, account: &str, span: Span) -> Result<u64, CollectError> {
        let page: Page = ctx.client.json(&Self::call(account, span, 1, 0)).await?;
        Ok(page.pagination.count.unwrap_or(0))
    }

    /// Every segment of `span`: the first page, then the rest a few pages at a time.
    async fn read(
        ctx: &CollectCtx,
        account: &str,
        span: Span,
        into: &mut Vec<Segment>,
    ) -> Result<(), CollectError> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        let first: Page = ctx.client.json(&Self::call(account, span, PAGE, 0)).await?;
        let total = first.pagination.count.unwrap_or(0);
        let more = !first.segments.is_empty();
        into.extend(first.segments);
        if !more {
            return Ok(());
        }
        let offsets = (1..).map(|n| n * PAGE).take_while(|o| *o < total);
        let pages: Vec<Page> = stream::iter(offsets)
            .map(|offset| async move {
                ctx.client
                    .json::<Page>(&Self::call(account, span, PAGE, offset))
                    .await
            })
            .buffered(CONCURRENT_PAGES)
            .try_collect()
            .await?;
        into.extend(pages.into_iter().flat_map(|p| p.segments));
        Ok(())
    }

    /// Segments of `span` already counted.
    fn known(&self, (from, to): Span) -> u64 {
        self.closes.range(from..=to).map(|(_, n)| *n as u64).sum()
    }

    /// The spans of `verified` whose count LivePerson changed since they were read, found by
    /// comparing counts and halving the spans that differ. Halving asks for the first half's
    /// count only: the second half's is what remains of the whole's. (A segment that shows
    /// between the two requests can make that remainder look unchanged; the next run's count of
    /// the window finds it.)
    async fn changed(
        &self,
        ctx: &CollectCtx,
        account: &str,
        verified: Span,
    ) -> Result<Vec<Span>, CollectError> {
        let mut changed = Vec::new();
        // Spans to check, with LivePerson's count when it is already known.
        let mut todo = vec![(verified, None)];
        while let Some(((from, to), count)) = todo.pop() {
            let known = self.known((from, to));
            if known == 0 && count.is_none() {
                // Nothing seen here: reading costs what counting would.
                changed.push((from, to));
                continue;
            }
            let now = match count {
                Some(n) => n,
                None => Self::count(ctx, account, (from, to)).await?,
            };
            if now == known {
                continue;
            }
            if to - from <= NARROWEST_MS || now <= PAGE {
                changed.push((from, to));
                continue;
            }
            let mid = split_point((from, to));
            let first = Self::count(ctx, account, (from, mid)).await?;
            todo.push(((mid + 1, to), Some(now.saturating_sub(first))));
            todo.push(((from, mid), Some(first)));
        }
        Ok(changed)
    }

    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let now = ctx.now();
        let start = *self.start.get_or_insert(now - self.backfill_ms);
        // Whatever showed since the last complete read closed at most a window before it: after
        // failed runs the window reaches back from that read, not from now, so a segment that
        // showed meanwhile is not left behind (as far as the API's one-week window allows).
        let last_read = self.read_until.map_or(now, |until| until.min(now));
        let from = (last_read - self.window_ms)
            .max(now - duration_ms(WEEK))
            .max(start);
        // Read everything first: a failed run adds nothing.
        let mut spans = Vec::new();
        match self.read_until.filter(|until| *until >= from) {
            // What closed since the last run is new; what closed before and within the horizon
            // is read again only where LivePerson's count says segments showed late.
            Some(until) => {
                if until < now {
                    spans.push((until + 1, now));
                }
                spans.extend(self.changed(ctx, &account, (from, until)).await?);
            }
            None => spans.push((from, now)),
        }
        let mut fresh: Vec<(Segment, Span)> = Vec::new();
        for span in spans {
            let mut segments = Vec::new();
            Self::read(ctx, &account, span, &mut segments).await?;
            fresh.extend(segments.into_iter().map(|s| (s, span)));
        }

        let (mut newly_invalid, mut stray) = (0, 0);
        let over_limit_before = self.hist.over_limit().unwrap_or(0);
        for (seg, (asked_from, asked_to)) in fresh {
            // A segment outside the asked span may be one the horizon has left, counted before
            // and no longer remembered: it must not count again.
            if seg.end < asked_from || seg.end > asked_to {
                stray += 1;
                continue;
            }
            if seg.end < start {
                continue;
            }
            let id = id_hash(&seg.id);
            let before = self.seen.get(&id).copied();
            if before.is_some_and(|s| s.counted) {
                continue;
            }
            let seconds = mapping::handle_seconds(&seg);
            match seconds {
                Some(seconds) => {
                    self.hist.observe(&seg, seconds);
                    *self.closes.entry(seg.end).or_default() += 1;
                }
                // Still without a valid value.
                None if before.is_some() => continue,
                None => newly_invalid += 1,
            }
            self.seen.insert(
                id,
                Seen {
                    end: seg.end,
                    counted: seconds.is_some(),
                },
            );
        }
        if newly_invalid > 0 {
            tracing::warn!(account = %account, segments = newly_invalid, "segments without a valid totalHandleTimeMillis left uncounted");
            self.invalid_count += newly_invalid;
        }
        if stray > 0 {
            tracing::warn!(account = %account, segments = stray, "segments outside the asked window dropped");
            self.out_of_window += stray;
        }
        let over_limit = self.hist.over_limit().unwrap_or(0) - over_limit_before;
        if over_limit > 0 {
            tracing::warn!(account = %account, segments = over_limit, "segments of agents (or groups) beyond actual_handle_time.max_agents left out of the per-agent histograms");
        }
        self.read_until = Some(now);
        // Segments the horizon has left cannot show again.
        self.seen.retain(|_, s| s.end >= from);
        self.closes = self.closes.split_off(&from);

        let mut b = SnapshotBuilder::new(ALL);
        self.hist.emit(&mut b, &account)?;
        let counted = self.seen.values().filter(|s| s.counted).count();
        b.add(&TRACKED, &[&account], Some(counted as f64))?;
        for (reason, n) in [
            ("invalid_handle_time", self.invalid_count),
            ("out_of_window", self.out_of_window),
        ] {
            b.add(&DROPPED, &[&account, reason], Some(n as f64))?;
        }
        b.add(
            &OVER_LIMIT,
            &[&account],
            self.hist.over_limit().map(|n| n as f64),
        )?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_halved_at_the_end_of_a_quarter_hour() {
        const Q: i64 = NARROWEST_MS;
        // A day from 10:07 splits where a quarter hour ends near its middle.
        let from = 10 * 4 * Q + 7 * 60_000;
        let to = from + 96 * Q;
        let mid = split_point((from, to));
        assert_eq!((mid + 1) % Q, 0);
        assert!((mid - (from + to) / 2).abs() <= Q / 2);
        // Halving an aligned hour gives aligned halves, down to whole quarter hours.
        assert_eq!(split_point((4 * Q, 8 * Q - 1)), 6 * Q - 1);
        assert_eq!(split_point((4 * Q, 6 * Q - 1)), 5 * Q - 1);
        // No quarter hour ends inside: the plain middle.
        assert_eq!(split_point((Q + 10, Q + 20)), Q + 15);
    }
}

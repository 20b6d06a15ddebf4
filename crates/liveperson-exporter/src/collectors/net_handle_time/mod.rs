//! `net_handle_time`: LivePerson's NHT (CSDS `leDataReporting`, `nht?v=2`, OAuth 1.0a) as gauges
//! per skill for the latest complete interval that has data.
//!
//! NHT shows an hour about 8 hours after it ends. Each run asks for the last `lookback` (default
//! 24 h, at most 7 days) in `interval`-minute intervals, paging over skills 10 at a time, and
//! exports each skill's newest interval with data, with that interval's start as a gauge. A field
//! of -1 (and 0 for the duration averages and the net handle time, which one doc revision uses for
//! "no data" and which no real interval has) gives no sample; a skill without any interval gives
//! no series at all, and a skill that two pages both list is one skill. Durations are read as
//! seconds (undocumented; the simulator serves seconds).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

pub mod mapping;
pub mod model;
pub mod specs;

use super::machinery::{Built, CollectCtx, CollectError, Entry, read_section};
use super::paging::{OffsetPages, Rest, Step};
use super::values::id_text;
use crate::clock::duration_ms;
use crate::config::{Problems, join};
use crate::liveperson::Call;
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::service::Service;
use model::{Answer, Interval};
use specs::ALL;

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "net_handle_time",
    about: "Net handle time: NHT, durations, arrivals, handled segments, messages and load per skill for the latest complete hour with data",
    metrics: ALL,
    needs_oauth1: true,
    build,
};

collector_settings! {
    struct Settings (interval: Duration::from_secs(900), timeout: Duration::from_secs(120)) {
        /// How far back to look for each skill's latest interval with data (at most 7 days).
        #[serde(with = "humantime_serde")]
        lookback: Duration,
        /// NHT interval, minutes: 15, 30 or 60.
        nht_interval: u32,
    }
    defaults {
        lookback: Duration::from_secs(86_400),
        nht_interval: 60,
    }
}

fn build(section: Value, path: &str, problems: &mut Problems) -> Option<Built> {
    let (s, schedule) = read_section::<Settings>(section, path, problems)?;
    if s.lookback < Duration::from_secs(3600) || s.lookback > Duration::from_secs(7 * 86_400) {
        problems.add(join(path, "lookback"), "must be between 1h and 7 days");
    }
    if ![15, 30, 60].contains(&s.nht_interval) {
        problems.add(join(path, "nht_interval"), "must be 15, 30 or 60");
    }
    Some(Built {
        enabled: s.enabled,
        schedule,
        collector: Box::new(NetHandleTime {
            lookback_ms: duration_ms(s.lookback),
            interval: s.nht_interval,
        }),
    })
}

struct NetHandleTime {
    lookback_ms: i64,
    interval: u32,
}

/// Skills per page (the API's maximum).
const PAGE: u64 = 10;

impl NetHandleTime {
    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let now = ctx.now();
        // Intervals by skill over every page: a skill that a page repeats is one skill.
        let mut skills: BTreeMap<String, Vec<Interval>> = BTreeMap::new();
        let mut pages = OffsetPages::new(PAGE);
        loop {
            let offset = pages.offset();
            let call = Call {
                api: "nht",
                service: Service::LeDataReporting,
                method: Method::GET,
                path: format!("/operations/api/account/{account}/nht"),
                query: vec![
                    ("v".into(), "2".into()),
                    ("source".into(), "lp_exporter".into()),
                    ("fromMillis".into(), (now - self.lookback_ms).to_string()),
                    ("toMillis".into(), now.to_string()),
                    ("interval".into(), self.interval.to_string()),
                    ("limit".into(), PAGE.to_string()),
                    ("offset".into(), offset.to_string()),
                ],
                body: None,
                bearer_ok: false,
            };
            let page: Answer = ctx.client.json(&call).await?;
            let rest = Rest::Total(page.metadata.count.unwrap_or(0));
            let step = pages.step(page.skills.len(), rest);
            for skill in page.skills {
                skills
                    .entry(id_text(&skill.skill_id))
                    .or_default()
                    .extend(skill.intervals);
            }
            if step != Step::More {
                break;
            }
        }
        let mut b = SnapshotBuilder::new(ALL);
        for (id, intervals) in &skills {
            mapping::latest(&mut b, &account, id, intervals)?;
        }
        Ok(b.build())
    }
}

collector_via_run!(NetHandleTime);

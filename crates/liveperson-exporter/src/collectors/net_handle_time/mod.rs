//! `net_handle_time`: LivePerson's NHT (CSDS `leDataReporting`, `nht?v=2`, OAuth 1.0a) as gauges
//! per skill for the latest complete interval that has data.
//!
//! NHT shows an hour about 8 hours after it ends. Each run asks for the last `lookback` (default
//! 24 h, at most 7 days) in `interval`-minute intervals, paging over skills 10 at a time, and
//! exports each skill's newest interval with data, with that interval's start as a gauge. A field
//! of -1 (and 0 for the duration averages and the net handle time, which one doc revision uses for
//! "no data" and which no real interval has) gives no sample; a skill without any interval gives no series at all. Durations are
//! read as seconds (undocumented; the simulator serves seconds).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::machinery::{Built, CollectCtx, CollectError, Entry, read_section};
use super::paging::{OffsetPages, Rest, Step};
use super::values::{id_text, value};
use crate::config::{Problems, join};
use crate::lp::Call;
use crate::metrics::catalogue::{Kind, MetricSpec, Unit};
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::service::Service;

macro_rules! gauge {
    ($name:ident, $metric:literal, $help:literal, $unit:expr) => {
        #[allow(missing_docs)]
        pub static $name: MetricSpec = MetricSpec {
            name: $metric,
            help: $help,
            unit: $unit,
            kind: Kind::Gauge,
            labels: &["account_id", "skill_id"],
        };
    };
}

gauge!(
    NET_HANDLE_TIME,
    "liveperson_skill_nht_net_handle_time_seconds",
    "Net handle time (estimated human effort per agent segment) of the skill's latest complete NHT interval with data",
    Some(Unit::Seconds)
);
gauge!(
    AVG_SEGMENT_DURATION,
    "liveperson_skill_nht_avg_agent_segment_duration_seconds",
    "Average agent segment duration in the skill's latest complete NHT interval with data",
    Some(Unit::Seconds)
);
gauge!(
    AVG_TIME_IN_QUEUE,
    "liveperson_skill_nht_avg_time_in_queue_seconds",
    "Average time in queue in the skill's latest complete NHT interval with data",
    Some(Unit::Seconds)
);
gauge!(
    AVG_SEGMENT_WORK_TIME,
    "liveperson_skill_nht_avg_segment_work_time_seconds",
    "Average segment work time in the skill's latest complete NHT interval with data",
    Some(Unit::Seconds)
);
gauge!(
    ARRIVALS,
    "liveperson_skill_nht_arrivals",
    "Segments entering the skill's queue in its latest complete NHT interval with data",
    None
);
gauge!(
    HANDLED_SEGMENTS,
    "liveperson_skill_nht_handled_segments",
    "Agent segments handled in the hour of the skill's latest complete NHT interval with data",
    None
);
gauge!(
    MESSAGES_SENT,
    "liveperson_skill_nht_messages_sent",
    "Agent messages sent in the hour of the skill's latest complete NHT interval with data",
    None
);
gauge!(
    AVAILABLE_LOAD,
    "liveperson_skill_nht_avg_available_load_ratio",
    "Average available agent load in the hour of the skill's latest complete NHT interval with data",
    Some(Unit::Ratio)
);
gauge!(
    INTERVAL_START,
    "liveperson_skill_nht_interval_start_timestamp_seconds",
    "Start of the NHT interval the skill's nht gauges describe",
    Some(Unit::Seconds)
);

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = &[
    &NET_HANDLE_TIME,
    &AVG_SEGMENT_DURATION,
    &AVG_TIME_IN_QUEUE,
    &AVG_SEGMENT_WORK_TIME,
    &ARRIVALS,
    &HANDLED_SEGMENTS,
    &MESSAGES_SENT,
    &AVAILABLE_LOAD,
    &INTERVAL_START,
];

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
        collector: Box::new(Nht {
            lookback_ms: s.lookback.as_millis() as i64,
            interval: s.nht_interval,
        }),
    })
}

#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(rename = "_metadata", default)]
    metadata: Metadata,
    #[serde(rename = "skillInfo", default)]
    skills: Vec<SkillInfo>,
}

#[derive(Debug, Default, Deserialize)]
struct Metadata {
    count: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct SkillInfo {
    #[serde(rename = "skillId")]
    skill_id: Value,
    #[serde(rename = "metricsByIntervals", default)]
    intervals: Vec<serde_json::Map<String, Value>>,
}

struct Nht {
    lookback_ms: i64,
    interval: u32,
}

/// The value fields of an NHT interval.
const FIELDS: [&str; 9] = [
    "arrivals",
    "avgTimeInQueue",
    "totalAgentSegmentDuration",
    "avgAgentSegmentDuration",
    "avgAvailableLoad",
    "messagesSent",
    "handledSegments",
    "avgSegmentWorkTime",
    "netHandleTime",
];

/// Skills per page (the API's maximum).
const PAGE: u64 = 10;

impl Nht {
    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let now = ctx.now();
        let mut b = SnapshotBuilder::new(ALL);
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
            for skill in &page.skills {
                let id = id_text(&skill.skill_id);
                self.latest(&mut b, &account, &id, &skill.intervals)?;
            }
            let rest = Rest::Total(page.metadata.count.unwrap_or(0));
            if pages.step(page.skills.len(), rest) != Step::More {
                return Ok(b.build());
            }
        }
    }

    fn latest(
        &self,
        b: &mut SnapshotBuilder,
        account: &str,
        skill: &str,
        intervals: &[serde_json::Map<String, Value>],
    ) -> Result<(), CollectError> {
        let field = |m: &serde_json::Map<String, Value>, k: &str| m.get(k).and_then(value);
        // Averages and NHT of 0 mean "no data" in one documented revision.
        let avg = |m: &serde_json::Map<String, Value>, k: &str| field(m, k).filter(|v| *v > 0.0);
        let has_data =
            |m: &&serde_json::Map<String, Value>| FIELDS.iter().any(|k| field(m, k).is_some());
        let Some(m) = intervals
            .iter()
            .filter(has_data)
            .max_by_key(|m| m.get("epochTimestamp").and_then(Value::as_i64).unwrap_or(0))
        else {
            return Ok(());
        };
        let key = [account, skill];
        b.add(&NET_HANDLE_TIME, &key, avg(m, "netHandleTime"))?;
        b.add(
            &AVG_SEGMENT_DURATION,
            &key,
            avg(m, "avgAgentSegmentDuration"),
        )?;
        b.add(&AVG_TIME_IN_QUEUE, &key, avg(m, "avgTimeInQueue"))?;
        b.add(&AVG_SEGMENT_WORK_TIME, &key, avg(m, "avgSegmentWorkTime"))?;
        b.add(&ARRIVALS, &key, field(m, "arrivals"))?;
        b.add(&HANDLED_SEGMENTS, &key, field(m, "handledSegments"))?;
        b.add(&MESSAGES_SENT, &key, field(m, "messagesSent"))?;
        b.add(&AVAILABLE_LOAD, &key, field(m, "avgAvailableLoad"))?;
        b.add(
            &INTERVAL_START,
            &key,
            m.get("epochTimestamp")
                .and_then(Value::as_i64)
                .map(|t| t as f64 / 1000.0),
        )?;
        Ok(())
    }
}

collector_via_run!(Nht);

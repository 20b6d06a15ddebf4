//! Net handle time: `GET|POST /operations/api/account/{a}/nht` on `leDataReporting`.
//!
//! - The window comes as `fromDate`/`toDate` (UTC without a zone, `2021-07-05T05:00:00`) or as
//!   `fromMillis`/`toMillis`, never both, and spans at most 7 days. Selected are the intervals of
//!   `interval` minutes (15, 30 or 60, clock-aligned) whose start lies in `[from, to]`: LivePerson's
//!   example returns both 09:00 and 10:00 for 09:00 to 10:00.
//! - An interval shows once the clock hour containing it ended `nht_delay_ms` (default 8 hours) ago,
//!   because its hourly fields need the whole hour. Intervals in which nothing happened on the skill
//!   are left out; fields without data are -1.
//! - The values are the ground-truth definition ([`crate::truth::NhtTruth`]), rounded to two
//!   decimals as LivePerson shows them.
//! - v2 pages over skills (`limit` ≤ 10, `offset`) and adds `_metadata`; v1 lists every skill.

use serde_json::{Value, json};

use super::{Check, Ctx, Params, Reply, id_list, offset_limit, offset_references, time_param};
use crate::clock::EpochMs;

const HOUR_MS: i64 = 60 * 60 * 1000;

fn parse_naive(s: &str) -> Option<EpochMs> {
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

fn naive(t: EpochMs, seconds: bool) -> String {
    let f = if seconds {
        "%Y-%m-%dT%H:%M:%S"
    } else {
        "%Y-%m-%dT%H:%M"
    };
    chrono::DateTime::from_timestamp_millis(t)
        .map(|d| d.format(f).to_string())
        .unwrap_or_default()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn or_minus_one_f(v: Option<f64>) -> Value {
    v.map_or(json!(-1), |x| json!(round2(x)))
}

/// `GET|POST /operations/api/account/{a}/nht`.
pub fn nht(ctx: &Ctx<'_>) -> Reply {
    let p: &Params = ctx.params;
    let mut c = Check::default();
    let v2 = c.version_1_or_2(p);
    c.source(p, false);
    let from = time_param(&mut c, p, "fromDate", "fromMillis", parse_naive);
    let to = time_param(&mut c, p, "toDate", "toMillis", parse_naive);
    match (from, to) {
        (Some(f), Some(t)) if t < f => c.fail("toDate: must not be before fromDate"),
        (Some(f), Some(t)) if t - f > 7 * 24 * HOUR_MS => {
            c.fail("toDate: the time window must not exceed 1 week")
        }
        (None, _) if c.causes.is_empty() => c.fail("fromDate: must not be null"),
        (_, None) if c.causes.is_empty() => c.fail("toDate: must not be null"),
        _ => {}
    }
    let interval = c.int(p, "interval", Some(60), 15, 60).unwrap_or(60);
    if ![15, 30, 60].contains(&interval) {
        c.fail("interval: must be one of 15, 30, 60");
    }
    let (offset, limit) = offset_limit(&mut c, p, 10, 10);
    let skill_ids = id_list(&mut c, p, "skillIds").flatten();
    if !c.causes.is_empty() {
        return Err(c.causes);
    }
    let (from, to) = (from.unwrap_or_default(), to.unwrap_or_default());

    let e = ctx.engine;
    let w = &e.world;
    let mut skills: Vec<u32> = match &skill_ids {
        None => (0..w.skills.len() as u32).collect(),
        Some(ids) => ids.iter().filter_map(|&id| w.skill_index(id)).collect(),
    };
    skills.sort_by_key(|&s| w.skills[s as usize].id);
    skills.dedup();
    let step = interval * 60_000;
    let visible_before = ctx.now - e.timing.nht_delay_ms;
    let starts: Vec<EpochMs> = (0..)
        .map(|i| from - from.rem_euclid(step) + i * step)
        .take_while(|&s| s <= to && s - s.rem_euclid(HOUR_MS) + HOUR_MS <= visible_before)
        .collect();
    let page: &[u32] = if v2 {
        let lo = (offset as usize).min(skills.len());
        &skills[lo..(lo + limit as usize).min(skills.len())]
    } else {
        &skills
    };
    let info: Vec<Value> = page
        .iter()
        .map(|&s| {
            let intervals: Vec<Value> = starts
                .iter()
                .map(|&t| (t, e.truth_nht(s, t, interval)))
                .filter(|(_, n)| !n.empty)
                .map(|(t, n)| {
                    json!({
                        "timestamp": naive(t, false),
                        "epochTimestamp": t,
                        "arrivals": super::or_minus_one(n.arrivals),
                        "avgTimeInQueue": or_minus_one_f(n.avg_time_in_queue_s),
                        "totalAgentSegmentDuration": super::or_minus_one(n.total_agent_segment_duration_s),
                        "avgAgentSegmentDuration": or_minus_one_f(n.avg_agent_segment_duration_s),
                        "avgAvailableLoad": or_minus_one_f(n.avg_available_load),
                        "messagesSent": super::or_minus_one(n.messages_sent),
                        "handledSegments": super::or_minus_one(n.handled_segments),
                        "avgSegmentWorkTime": or_minus_one_f(n.avg_segment_work_time_s),
                        "netHandleTime": or_minus_one_f(n.net_handle_time_s),
                    })
                })
                .collect();
            json!({"skillId": w.skills[s as usize].id, "metricsByIntervals": intervals})
        })
        .collect();
    let mut body = json!({
        "timeframe": {
            "fromDate": naive(from, true),
            "toDate": naive(to, true),
            "fromMillis": from,
            "toMillis": to,
        },
        "interval": interval,
        "skillInfo": info,
    });
    if v2 {
        let total = skills.len() as u64;
        body["_metadata"] = json!({
            "count": total,
            "references": offset_references(ctx, total, offset, limit, true),
        });
    }
    Ok((200, body))
}

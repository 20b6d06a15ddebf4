//! Pure mapping from one skill's NHT intervals to its gauges: the newest interval with any data,
//! -1 as no data, and 0 as no data for the averages and the net handle time (one documented
//! revision uses it so, and no real interval has it).

use super::model::Interval;
use super::specs::{
    ARRIVALS, AVAILABLE_LOAD, AVG_SEGMENT_DURATION, AVG_SEGMENT_WORK_TIME, AVG_TIME_IN_QUEUE,
    HANDLED_SEGMENTS, INTERVAL_START, MESSAGES_SENT, NET_HANDLE_TIME,
};
use crate::collectors::values::Reading;
use crate::metrics::snapshot::{EmitError, SnapshotBuilder};

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

/// Adds the gauges of `skill`'s newest interval with data; nothing when none has data.
pub fn latest(
    b: &mut SnapshotBuilder,
    account: &str,
    skill: &str,
    intervals: &[Interval],
) -> Result<(), EmitError> {
    let field = |m: &Interval, k: &str| m.get(k).and_then(Reading::value);
    let avg = |m: &Interval, k: &str| field(m, k).filter(|v| *v > 0.0);
    let has_data = |m: &&Interval| FIELDS.iter().any(|k| field(m, k).is_some());
    let Some(m) = intervals.iter().filter(has_data).max_by_key(|m| {
        m.get("epochTimestamp")
            .and_then(Reading::whole)
            .unwrap_or(0)
    }) else {
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
            .and_then(Reading::whole)
            .map(|t| t as f64 / 1000.0),
    )?;
    Ok(())
}

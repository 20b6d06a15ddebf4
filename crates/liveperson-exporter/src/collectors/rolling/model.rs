//! The answers of the rolling-window APIs (msgconversation, engactivity) as LivePerson documents
//! them: 5-minute intervals, each with the account's totals and the values per skill and per agent.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::clock::EpochMs;

/// The values of one bucket, by level and key: the account total, per skill and per agent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BucketValues {
    /// Sum over skills (the account).
    pub total: Option<BTreeMap<String, Value>>,
    /// Per skill id.
    pub skills: BTreeMap<String, BTreeMap<String, Value>>,
    /// Per agent id.
    pub agents: BTreeMap<String, BTreeMap<String, Value>>,
}

/// The answer: its 5-minute intervals.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "metricsByIntervals", default)]
    intervals: Vec<Interval>,
}

/// One interval: its end and its data.
#[derive(Debug, Deserialize)]
struct Interval {
    timestamp: Value,
    #[serde(rename = "metricsData", default)]
    data: Value,
}

/// `metricsTotals`, also spelled `metricsTotal`.
fn totals(v: &Value) -> Option<BTreeMap<String, Value>> {
    let t = v.get("metricsTotals").or_else(|| v.get("metricsTotal"))?;
    serde_json::from_value(t.clone()).ok()
}

fn per_key(
    v: Option<&Value>,
    inner: impl Fn(&Value) -> Option<BTreeMap<String, Value>>,
) -> BTreeMap<String, BTreeMap<String, Value>> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, x)| Some((k.clone(), inner(x)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Parses the interval envelope into (bucket end, values). The interval data may or may not be
/// wrapped in `metricsData` (both forms appear in LivePerson's examples).
pub fn parse(body: &[u8]) -> Result<Vec<(EpochMs, BucketValues)>, serde_json::Error> {
    let env: Envelope = serde_json::from_slice(body)?;
    let mut out = Vec::new();
    for i in env.intervals {
        let Some(end) = i
            .timestamp
            .as_i64()
            .or_else(|| i.timestamp.as_str()?.parse().ok())
        else {
            continue;
        };
        let d = &i.data;
        let skills_root = d.get("skillsMetricsPerAgent");
        out.push((
            end,
            BucketValues {
                total: skills_root.and_then(totals).or_else(|| totals(d)),
                skills: per_key(skills_root.and_then(|s| s.get("metricsPerSkill")), totals),
                agents: per_key(
                    d.get("agentsMetrics")
                        .and_then(|a| a.get("metricsPerAgent")),
                    |x| serde_json::from_value(x.clone()).ok(),
                ),
            },
        ));
    }
    Ok(out)
}

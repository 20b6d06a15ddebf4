//! The answers of the rolling-window APIs (msgconversation, engactivity) as LivePerson documents
//! them: 5-minute intervals, each with the account's totals and the values per skill and per agent.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::clock::EpochMs;
use crate::collectors::values::{Reading, Readings};

/// The values of one bucket, by level and key: the account total, per skill and per agent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BucketValues {
    /// Sum over skills (the account).
    pub total: Option<Readings>,
    /// Per skill id.
    pub skills: BTreeMap<String, Readings>,
    /// Per agent id.
    pub agents: BTreeMap<String, Readings>,
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
    timestamp: Reading,
    #[serde(rename = "metricsData", default)]
    data: Option<Data>,
}

/// `metricsTotals`, which the docs also spell `metricsTotal`.
#[derive(Debug, Default, Deserialize)]
struct Totals {
    #[serde(rename = "metricsTotals", alias = "metricsTotal")]
    totals: Option<Readings>,
}

/// One interval's data.
#[derive(Debug, Default, Deserialize)]
struct Data {
    #[serde(rename = "skillsMetricsPerAgent")]
    skills: Option<SkillsRoot>,
    #[serde(rename = "agentsMetrics")]
    agents: Option<AgentsRoot>,
    // Not `#[serde(flatten)]` of [`Totals`]: flattening buffers the whole object as a tree.
    #[serde(rename = "metricsTotals", alias = "metricsTotal")]
    totals: Option<Readings>,
}

/// `skillsMetricsPerAgent`: the account's totals and each skill's.
#[derive(Debug, Deserialize)]
struct SkillsRoot {
    #[serde(rename = "metricsTotals", alias = "metricsTotal")]
    totals: Option<Readings>,
    #[serde(rename = "metricsPerSkill")]
    per_skill: Option<BTreeMap<String, Totals>>,
}

/// `agentsMetrics`: each agent's values.
#[derive(Debug, Deserialize)]
struct AgentsRoot {
    #[serde(rename = "metricsPerAgent")]
    per_agent: Option<BTreeMap<String, Readings>>,
}

/// Parses the interval envelope into (bucket end, values), decoding the numbers straight into
/// [`Readings`] (no tree of JSON values, so a large answer costs a small multiple of its size).
pub fn parse(body: &[u8]) -> Result<Vec<(EpochMs, BucketValues)>, serde_json::Error> {
    let env: Envelope = serde_json::from_slice(body)?;
    let mut out = Vec::with_capacity(env.intervals.len());
    for i in env.intervals {
        let Some(end) = i.timestamp.whole() else {
            continue;
        };
        let d = i.data.unwrap_or_default();
        let (skills_total, per_skill) = match d.skills {
            Some(s) => (s.totals, s.per_skill.unwrap_or_default()),
            None => (None, BTreeMap::new()),
        };
        out.push((
            end,
            BucketValues {
                total: skills_total.or(d.totals),
                skills: per_skill
                    .into_iter()
                    .filter_map(|(k, t)| Some((k, t.totals?)))
                    .collect(),
                agents: d.agents.and_then(|a| a.per_agent).unwrap_or_default(),
            },
        ));
    }
    Ok(out)
}

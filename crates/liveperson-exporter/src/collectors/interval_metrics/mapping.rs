//! Pure mapping from interval rows to counters: which ids a grouping keys rows by, and how one
//! handle-time model's rows of a window add to the totals (model-dependent fields from every
//! model, the others from the first model only; rows outside the asked-for window ignored, and a
//! row listed twice counted once).

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::Row;
use super::specs::{self, LevelMetrics};
use crate::clock::EpochMs;
use crate::collectors::values::{count, required_id};
use crate::metrics::catalogue::MetricSpec;
use crate::metrics::snapshot::{EmitError, SnapshotBuilder};

/// How interval rows are grouped: the config's names (snake case) and the API's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// Per skill.
    Skill,
    /// Per skill and agent.
    SkillAgent,
    /// Per agent group.
    AgentGroup,
}

impl Grouping {
    /// The config's and the labels' name.
    pub fn name(self) -> &'static str {
        match self {
            Grouping::Skill => "skill",
            Grouping::SkillAgent => "skill_agent",
            Grouping::AgentGroup => "agent_group",
        }
    }

    /// The API's `groupBy` value.
    pub fn api_value(self) -> &'static str {
        match self {
            Grouping::Skill => "skill",
            Grouping::SkillAgent => "skill,agent",
            Grouping::AgentGroup => "agentGroup",
        }
    }

    /// The metrics of its level.
    pub fn level(self) -> &'static LevelMetrics {
        match self {
            Grouping::Skill => &specs::skill::LEVEL,
            Grouping::SkillAgent => &specs::skill_agent::LEVEL,
            Grouping::AgentGroup => &specs::agent_group::LEVEL,
        }
    }

    /// The row's key labels, if it has the ids the grouping needs.
    pub fn key(self, row: &Row) -> Option<Vec<String>> {
        let id = |v: &Option<Value>| required_id(v.as_ref());
        Some(match self {
            Grouping::Skill => vec![id(&row.skill_id)?],
            Grouping::SkillAgent => vec![id(&row.skill_id)?, id(&row.agent_id)?],
            Grouping::AgentGroup => vec![id(&row.agent_group_id)?],
        })
    }
}

/// The metrics a row's counters are read from: the two that depend on the handle-time model,
/// then the model-independent ones, then the two LivePerson gives only when grouping by skill.
pub const COUNTED: [&str; 8] = [
    "handleTime",
    "handledConversations",
    "repliedConversations",
    "consumerMessages",
    "agentMessages",
    "workTime",
    "arrivals",
    "closedConversations",
];

/// The first counted metric of a row that is present but not a non-negative number (null, -1,
/// text): such an answer is not counted at all, so the window is asked for again. An absent
/// metric is 0.
pub fn invalid_metric(rows: &[Row]) -> Option<&'static str> {
    rows.iter().find_map(|r| {
        COUNTED
            .into_iter()
            .find_map(|name| count(&r.metrics, name).err())
    })
}

/// Counter key: the spec's name and its label values.
type Key = (&'static str, Vec<String>);

/// Every counter's total so far.
#[derive(Debug, Default)]
pub struct Totals(BTreeMap<Key, (&'static MetricSpec, f64)>);

impl Totals {
    /// Adds one model's rows of the window `[from, to]` (interval starts).
    pub fn add(
        &mut self,
        account: &str,
        g: Grouping,
        (model, first): (&'static str, bool),
        (from, to): (EpochMs, EpochMs),
        rows: &[Row],
    ) {
        let level = g.level();
        // An (interval, key) that the answer lists twice is counted once.
        let mut counted = std::collections::HashSet::new();
        for r in rows {
            // Rows outside the asked-for window (a server rounding differently) are not ours.
            if r.timeframe.from_l < from || r.timeframe.from_l > to {
                continue;
            }
            let Some(key) = g.key(r) else {
                continue;
            };
            if !counted.insert((r.timeframe.from_l, key.clone())) {
                continue;
            }
            // Checked before anything is added (`invalid_metric`).
            let get = |name: &'static str| count(&r.metrics, name).unwrap_or(0.0);
            let mut bump = |spec: &'static MetricSpec, extra: Option<&str>, v: f64| {
                let mut labels = vec![account.to_string()];
                labels.extend(key.iter().cloned());
                labels.extend(extra.map(str::to_string));
                self.0.entry((spec.name, labels)).or_insert((spec, 0.0)).1 += v;
            };
            bump(level.handle_time, Some(model), get("handleTime"));
            bump(level.handled, Some(model), get("handledConversations"));
            if first {
                bump(level.replied, None, get("repliedConversations"));
                bump(level.consumer_messages, None, get("consumerMessages"));
                bump(level.agent_messages, None, get("agentMessages"));
                bump(level.work_time, None, get("workTime"));
                if let Some(spec) = level.arrivals {
                    bump(spec, None, get("arrivals"));
                }
                if let Some(spec) = level.closed {
                    bump(spec, None, get("closedConversations"));
                }
            }
        }
    }

    /// Adds every total to `b`.
    pub fn emit(&self, b: &mut SnapshotBuilder) -> Result<(), EmitError> {
        for ((_, labels), (spec, v)) in &self.0 {
            let l: Vec<&str> = labels.iter().map(String::as_str).collect();
            b.add(spec, &l, Some(*v))?;
        }
        Ok(())
    }
}

//! NHT's answer (`nht?v=2`) as LivePerson documents it: skills, each with its intervals' fields.

use serde::Deserialize;
use serde_json::Value;

use crate::collectors::values::Readings;

/// One page of skills.
#[derive(Debug, Deserialize)]
pub struct Answer {
    /// Paging metadata.
    #[serde(rename = "_metadata", default)]
    pub metadata: Metadata,
    /// The page's skills.
    #[serde(rename = "skillInfo", default)]
    pub skills: Vec<SkillInfo>,
}

/// Paging metadata.
#[derive(Debug, Default, Deserialize)]
pub struct Metadata {
    /// Skills in all pages.
    pub count: Option<u64>,
}

/// One skill and its intervals.
#[derive(Debug, Deserialize)]
pub struct SkillInfo {
    /// The skill id (a number or a string).
    #[serde(rename = "skillId")]
    pub skill_id: Value,
    /// Each interval's fields by name (`epochTimestamp`, `netHandleTime`, ...).
    #[serde(rename = "metricsByIntervals", default)]
    pub intervals: Vec<Interval>,
}

/// One interval's fields by name.
pub type Interval = Readings;

//! Interval-metrics response bodies, as documented (200 page and 202 status list). No logic.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::collectors::values::Readings;

/// A 200 page.
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    /// Paging metadata.
    #[serde(default)]
    pub metadata: Metadata,
    /// Rows of this page.
    #[serde(default)]
    pub intervals: Vec<Row>,
}

/// `metadata`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Metadata {
    /// Cursor paging.
    #[serde(default)]
    pub paging: Paging,
}

/// `metadata.paging`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Paging {
    /// Key of the next page; absent on the last one.
    #[serde(rename = "nextPageKey")]
    pub next_page_key: Option<String>,
    /// Links; `next` absent on the last page.
    #[serde(default)]
    pub refs: BTreeMap<String, Value>,
}

/// One row: an interval and a grouping key.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    /// The interval.
    pub timeframe: Timeframe,
    /// Skill id (a number, or a string in one documented example).
    #[serde(rename = "skillId")]
    pub skill_id: Option<Value>,
    /// Agent id.
    #[serde(rename = "agentId")]
    pub agent_id: Option<Value>,
    /// Agent group id.
    #[serde(rename = "agentGroupId")]
    pub agent_group_id: Option<Value>,
    /// Values by metric name.
    #[serde(default)]
    pub metrics: Readings,
}

/// An interval's bounds.
#[derive(Debug, Clone, Deserialize)]
pub struct Timeframe {
    /// Start, epoch ms.
    #[serde(rename = "fromL")]
    pub from_l: i64,
}

/// A 202 answer.
#[derive(Debug, Clone, Deserialize)]
pub struct InProgress {
    /// Each asked-for interval and its status.
    #[serde(default)]
    pub intervals: Vec<IntervalStatus>,
}

/// One interval's status in a 202 answer.
#[derive(Debug, Clone, Deserialize)]
pub struct IntervalStatus {
    /// Start, RFC 3339 (the documented example repeats wrong `fromL` values, so this is read).
    pub from: String,
    /// `Done` or `In Progress`.
    pub status: String,
}

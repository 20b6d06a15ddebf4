//! The agent-segments answer (AHT) as LivePerson documents it.

use serde::Deserialize;
use serde_json::Value;

/// One page of segments.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// The page's segments.
    #[serde(default)]
    pub segments: Vec<Segment>,
    /// Paging metadata.
    #[serde(default)]
    pub pagination: Pagination,
}

/// Paging metadata.
#[derive(Debug, Default, Deserialize)]
pub struct Pagination {
    /// Segments in all pages.
    pub count: Option<u64>,
}

/// One closed agent segment.
#[derive(Debug, Deserialize)]
pub struct Segment {
    /// Its id, unique per segment.
    #[serde(rename = "segmentId")]
    pub id: String,
    /// When it closed, epoch milliseconds.
    #[serde(rename = "endTimeL")]
    pub end: i64,
    /// The skill (a number or a string).
    #[serde(rename = "skillId")]
    pub skill: Value,
    /// The agent.
    #[serde(rename = "agentId")]
    pub agent: Option<Value>,
    /// The agent's group.
    #[serde(rename = "groupId")]
    pub group: Option<Value>,
    /// Why it ended (the docs spell the key both ways).
    #[serde(rename = "endReason", alias = "EndReason")]
    pub end_reason: Option<String>,
    /// Its handle time, milliseconds.
    #[serde(rename = "totalHandleTimeMillis")]
    pub handle_ms: Option<f64>,
}

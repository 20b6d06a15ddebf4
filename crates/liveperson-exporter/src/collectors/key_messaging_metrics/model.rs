//! Key Messaging Metrics response bodies, as documented (`metrics` and `agent_view`). No logic.

use serde::Deserialize;
use serde_json::Value;

use crate::collectors::values::{Reading, Readings};

/// `metrics` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct MetricsResponse {
    /// Paging metadata; `count` is the number of groups.
    #[serde(default)]
    pub metadata: Metadata,
    /// Per-group values, when `groupBy` was asked for.
    #[serde(rename = "groupBy")]
    pub group_by: Option<GroupBy>,
    /// Whole-account values, when `all` was asked for.
    pub all: Option<Metrics>,
}

/// Paging metadata.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Metadata {
    /// Number of groups (metrics) or agents (agent_view) in total.
    pub count: Option<u64>,
}

/// `groupBy` section.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupBy {
    /// The groups of this page.
    #[serde(default)]
    pub groups: Vec<Group>,
}

/// One skill or agent group.
#[derive(Debug, Clone, Deserialize)]
pub struct Group {
    /// Skill or agent-group id, as a string.
    pub key: String,
    /// Its name, or "NA".
    #[serde(rename = "keyDescription")]
    pub key_description: Option<String>,
    /// Its values.
    #[serde(default)]
    pub metrics: Metrics,
}

/// Metric values by response name; kept loose because absent, -1 and null all mean "no data".
pub type Metrics = Readings;

/// `agent_view` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct AgentViewResponse {
    /// Paging metadata.
    #[serde(default)]
    pub metadata: Metadata,
    /// Agents of this page.
    #[serde(rename = "agentViewRecords", default)]
    pub records: Vec<AgentRecord>,
}

/// One agent in `agent_view`.
#[derive(Debug, Clone, Deserialize)]
pub struct AgentRecord {
    /// Agent id (a string in the docs, a number in some answers).
    #[serde(rename = "agentId")]
    pub agent_id: Value,
    /// ONLINE, BACK_SOON, AWAY or OFFLINE.
    #[serde(rename = "agentCurrentStatus")]
    pub status: Option<String>,
    /// Load, ratio.
    #[serde(rename = "agentLoad")]
    pub load: Option<Reading>,
    /// Conversations assigned.
    #[serde(rename = "assignedConversations")]
    pub assigned: Option<Reading>,
    /// Conversations active.
    #[serde(rename = "activeConversations")]
    pub active: Option<Reading>,
    /// When the current status began, epoch ms.
    #[serde(rename = "agentCurrentStatusStartTime")]
    pub status_since: Option<Reading>,
    /// The current status's custom reason id, "NA" for none.
    #[serde(rename = "agentCurrentStatusReasonId")]
    pub reason_id: Option<Value>,
    /// When the current reason began, epoch ms.
    #[serde(rename = "agentCurrentStatusReasonStartTime")]
    pub reason_since: Option<Reading>,
    /// The agent's configured maximum of concurrent conversations (asked as `max_slots`).
    #[serde(rename = "configuredMaxSlots")]
    pub max_slots: Option<Reading>,
}

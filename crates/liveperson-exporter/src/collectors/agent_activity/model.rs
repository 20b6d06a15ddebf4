//! The status-changes answer (`status-changes?v=2`) as LivePerson documents it.

use serde::Deserialize;
use serde_json::Value;

/// One page of records.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// Paging metadata.
    #[serde(rename = "_metadata", default)]
    pub metadata: Metadata,
    /// The page's records.
    #[serde(rename = "stateChanges", default)]
    pub records: Vec<Record>,
}

/// Paging metadata.
#[derive(Debug, Default, Deserialize)]
pub struct Metadata {
    /// Links to other pages (`rel: "next"` when one follows).
    #[serde(default)]
    pub references: Vec<Reference>,
}

/// A link to another page.
#[derive(Debug, Deserialize)]
pub struct Reference {
    /// Its relation (`next`, `prev`, `self`).
    pub rel: String,
}

/// One status change of one agent.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    /// The agent (a number or a string).
    #[serde(rename = "agentId")]
    pub agent_id: Value,
    /// The agent's group.
    #[serde(rename = "agentGroupId")]
    pub group_id: Option<Value>,
    /// The agent's login name (personal data).
    #[serde(rename = "agentLoginName")]
    pub login: Option<String>,
    /// The agent's user name (personal data).
    #[serde(rename = "agentUserName")]
    pub name: Option<String>,
    /// When it happened (RFC 3339).
    pub time: String,
    /// Order among records of the same time.
    #[serde(rename = "sequenceNumber")]
    pub seq: Option<i64>,
    /// 1 state change, 3 login, 4 logout.
    #[serde(rename = "statusType")]
    pub status_type: i64,
    /// For a state change: 2 online, 3 back soon, 4 away.
    #[serde(rename = "statusSubType")]
    pub sub_type: Option<i64>,
    /// The away reason's id.
    #[serde(rename = "statusReasonId")]
    pub reason: Option<Value>,
    /// The away reason's name ("Lunch"), as configured in LivePerson.
    #[serde(rename = "statusReasonText")]
    pub reason_text: Option<String>,
}

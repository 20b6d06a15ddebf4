//! Messaging current queue health response body, as documented. No logic.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::collectors::values::Readings;

/// `msgqueuehealth/current` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct QueueHealthResponse {
    /// Per skill id (string keys).
    #[serde(rename = "skillsMetrics", default)]
    pub skills: BTreeMap<String, Values>,
    /// Account totals; the docs spell it `metricsTotal` and sometimes `metricsTotals`.
    #[serde(rename = "metricsTotal", alias = "metricsTotals")]
    pub total: Option<Values>,
}

/// Values by name; absent, null and -1 mean "no data".
pub type Values = Readings;

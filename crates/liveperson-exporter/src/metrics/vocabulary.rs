//! The label vocabulary: every label name the exporter uses, what it means, and the values it may
//! take. One thing has one label name and one set of values across all collectors (an agent's
//! status is `status="back_soon"` whether KMM or agent activity reports it), every value is
//! snake_case, and no label mixes a total with its subsets. Collectors take their closed value
//! sets from here; a test holds every emitted series to it, and the README's label table is
//! rendered from it ([`render_markdown_table`]).

use std::fmt::Write as _;

/// Agent statuses, as KMM names them (ONLINE, AWAY, BACK_SOON, OFFLINE) and agent activity's
/// status types map onto them (its "occupied" is BACK_SOON, "Back in 5").
pub const STATUSES: [&str; 4] = ["online", "away", "back_soon", "offline"];
/// Who closed or resolved a conversation; `unknown` when LivePerson gave a total without saying
/// who (the total less the breakdown).
pub const ACTORS: [&str; 4] = ["agent", "consumer", "system", "unknown"];
/// Yes or no.
pub const BOOLEANS: [&str; 2] = ["true", "false"];
/// Where a conversation past its SLA is.
pub const CONVERSATION_STATES: [&str; 2] = ["in_queue", "assigned"];
/// The percentiles LivePerson reports waits at (`quantile` is reserved for summaries).
pub const PERCENTILES: [&str; 2] = ["50", "90"];
/// How an agent segment ended (AHT's `endReason`), `other` for none or an undocumented one.
pub const END_REASONS: [&str; 7] = [
    "closed_by_agent",
    "closed_by_consumer",
    "closed_by_system",
    "agent_transfer",
    "skill_transfer",
    "back_to_queue",
    "other",
];
/// The handle-time models of interval metrics.
pub const HANDLE_TIME_MODELS: [&str; 2] = ["ift", "eht"];
/// What interval-metrics rows are grouped by.
pub const GROUPINGS: [&str; 3] = ["skill", "agent", "agent_group"];
/// Why a record, segment or connection was dropped.
pub const DROP_REASONS: [&str; 8] = [
    "invalid_handle_time",
    "out_of_window",
    "unreadable_time",
    "refused",
    "evicted",
    "header_timeout",
    "idle_timeout",
    "tls_error",
];
/// An OTLP export's result.
pub const RESULTS: [&str; 2] = ["success", "failure"];
/// The exporter's HTTP handlers.
pub const HANDLERS: [&str; 6] = ["metrics", "healthz", "readyz", "status", "reload", "other"];
/// Values that two label names share without meaning the same thing, each with why: every other
/// value two labels share comes from one shared set and means the same under both.
pub const HOMONYMS: &[(&str, &str)] = &[
    ("other", "the catch-all of end_reason and handler"),
    (
        "agent",
        "closed_by/resolved_by: the agent acted; grouping: rows per agent",
    ),
];

/// What values a label takes.
#[derive(Debug, Clone, Copy)]
pub enum Values {
    /// One of these.
    Closed(&'static [&'static str]),
    /// One of a domain's values, listed by a function (an enum of the code).
    Domain(fn() -> Vec<&'static str>),
    /// A LivePerson id: digits, possibly negative (`-1`, LivePerson's "none"), or empty where
    /// the label has no value for a series.
    Id,
    /// A number.
    Number,
    /// Free text (names, versions, the exporter's own identifiers).
    Text,
}

impl Values {
    /// The closed set, if the values are one.
    pub fn closed(&self) -> Option<Vec<&'static str>> {
        match self {
            Values::Closed(v) => Some(v.to_vec()),
            Values::Domain(f) => Some(f()),
            Values::Id | Values::Number | Values::Text => None,
        }
    }

    /// Whether `v` is one of the values.
    pub fn admits(&self, v: &str) -> bool {
        match self {
            Values::Closed(_) | Values::Domain(_) => self.closed().is_some_and(|c| c.contains(&v)),
            Values::Id => {
                let digits = v.strip_prefix('-').unwrap_or(v);
                v.is_empty() || (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            }
            Values::Number => v.parse::<f64>().is_ok(),
            Values::Text => true,
        }
    }
}

/// One label name.
#[derive(Debug, Clone, Copy)]
pub struct Label {
    /// The name.
    pub name: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// Its values.
    pub values: Values,
}

fn error_types() -> Vec<&'static str> {
    crate::error_type::ErrorType::all().collect()
}

/// Every label name, in the order of the README's table.
#[rustfmt::skip]
pub static LABELS: &[Label] = &[
    Label { name: "account_id", meaning: "LivePerson account (site) id", values: Values::Id },
    Label { name: "skill_id", meaning: "skill id (`-1`: no skill, LivePerson's \"Unassigned\")", values: Values::Id },
    Label { name: "agent_group_id", meaning: "agent group id (`-1`: the main group)", values: Values::Id },
    Label { name: "agent_id", meaning: "agent (user) id", values: Values::Id },
    Label { name: "status", meaning: "an agent's status; agent activity's \"occupied\" is `back_soon`", values: Values::Closed(&STATUSES) },
    Label { name: "status_reason_id", meaning: "the custom reason of an away status (empty: none); names in `liveperson_status_reason_info`", values: Values::Id },
    Label { name: "state", meaning: "where a conversation past its SLA is", values: Values::Closed(&CONVERSATION_STATES) },
    Label { name: "closed_by", meaning: "who closed a conversation (system: auto-closed; unknown: in LivePerson's total, not in its breakdown)", values: Values::Closed(&ACTORS) },
    Label { name: "resolved_by", meaning: "who resolved a conversation (agent: LivePerson's CCP)", values: Values::Closed(&ACTORS) },
    Label { name: "interactive", meaning: "a legacy chat had at least one exchange", values: Values::Closed(&BOOLEANS) },
    Label { name: "percentile", meaning: "the percentile of a wait (`quantile` is reserved for summaries)", values: Values::Closed(&PERCENTILES) },
    Label { name: "end_reason", meaning: "how an agent segment ended", values: Values::Closed(&END_REASONS) },
    Label { name: "handle_time_model", meaning: "interval metrics' handle-time model", values: Values::Closed(&HANDLE_TIME_MODELS) },
    Label { name: "grouping", meaning: "what interval-metrics rows are grouped by", values: Values::Closed(&GROUPINGS) },
    Label { name: "reason", meaning: "why a record, segment or connection was dropped", values: Values::Closed(&DROP_REASONS) },
    Label { name: "name", meaning: "a display name (of a skill, agent group, agent or status reason)", values: Values::Text },
    Label { name: "login", meaning: "an agent's login name (personal data, opt-in)", values: Values::Text },
    Label { name: "le", meaning: "a histogram bucket's upper bound", values: Values::Text },
    Label { name: "collector", meaning: "a collector's name", values: Values::Text },
    Label { name: "error_type", meaning: "why a collector run failed", values: Values::Domain(error_types) },
    Label { name: "api", meaning: "a LivePerson API the exporter calls", values: Values::Text },
    Label { name: "code", meaning: "an HTTP status code (`error`: no response)", values: Values::Text },
    Label { name: "service", meaning: "a CSDS service name, as LivePerson spells it", values: Values::Text },
    Label { name: "result", meaning: "an OTLP export's result", values: Values::Closed(&RESULTS) },
    Label { name: "metric", meaning: "a metric's exposed name", values: Values::Text },
    Label { name: "handler", meaning: "an endpoint of the exporter", values: Values::Closed(&HANDLERS) },
    Label { name: "index", meaning: "this replica's shard index", values: Values::Number },
    Label { name: "count", meaning: "the number of shards", values: Values::Number },
    Label { name: "version", meaning: "the exporter's version", values: Values::Text },
    Label { name: "revision", meaning: "the source revision the exporter was built from", values: Values::Text },
];

/// The vocabulary entry of a label name.
pub fn label(name: &str) -> Option<&'static Label> {
    LABELS.iter().find(|l| l.name == name)
}

/// The README's label table.
pub fn render_markdown_table() -> String {
    let mut out = String::from("| Label | Means | Values |\n|---|---|---|\n");
    for l in LABELS {
        let values = match l.values.closed() {
            Some(v) => v
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", "),
            None => match l.values {
                Values::Id => "id".to_string(),
                Values::Number => "number".to_string(),
                _ => "text".to_string(),
            },
        };
        let _ = writeln!(out, "| `{}` | {} | {values} |", l.name, l.meaning);
    }
    out
}

//! The metric catalogue: every metric the exporter can emit, declared once as data.
//!
//! A [`MetricSpec`] names a metric family by its base name (without unit and without the `_total` or
//! `_info` suffix), with its help, unit, kind and label names. The exposed name is derived from it
//! ([`MetricSpec::exposed_name`]), so the unit and suffix rules live in one place. Collectors can only
//! emit samples of specs they declared (see [`super::snapshot::SnapshotBuilder`]); the README's
//! metrics table is rendered from here ([`render_markdown_table`]) and a test keeps it in sync.

use std::fmt::Write as _;

/// The kind of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A value that goes up and down; replaced on each collection.
    Gauge,
    /// A monotonically increasing total; exposed with `_total`.
    Counter,
    /// Constant 1 with descriptive labels; exposed with `_info`.
    Info,
    /// Cumulative buckets with `le`, plus `_sum` and `_count`.
    Histogram,
}

impl Kind {
    /// The OpenMetrics type name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
            Kind::Info => "info",
            Kind::Histogram => "histogram",
        }
    }
}

/// The base unit of a metric, part of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Seconds (converted from the milliseconds most APIs send).
    Seconds,
    /// A ratio 0..1 (converted from percentages where an API sends them).
    Ratio,
}

impl Unit {
    /// The unit's name suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Ratio => "ratio",
        }
    }
}

/// One declared metric family.
#[derive(Debug, PartialEq, Eq)]
pub struct MetricSpec {
    /// Base name, `liveperson_` prefixed, without unit or kind suffix.
    pub name: &'static str,
    /// Help text (one sentence, no trailing period).
    pub help: &'static str,
    /// Unit, if the value has one.
    pub unit: Option<Unit>,
    /// Kind.
    pub kind: Kind,
    /// Label names, in the order samples give their values.
    pub labels: &'static [&'static str],
}

impl MetricSpec {
    /// The family name as exposed: base name plus unit (`liveperson_queue_wait_seconds`).
    pub fn family_name(&self) -> String {
        match self.unit {
            Some(u) => format!("{}_{}", self.name, u.as_str()),
            None => self.name.to_string(),
        }
    }

    /// The sample name as exposed: the family name plus `_total` for counters and `_info` for
    /// info metrics.
    pub fn exposed_name(&self) -> String {
        let family = self.family_name();
        match self.kind {
            Kind::Gauge | Kind::Histogram => family,
            Kind::Counter => format!("{family}_total"),
            Kind::Info => format!("{family}_info"),
        }
    }
}

/// Checks the naming rules of one spec; returns the problems found.
pub fn naming_problems(spec: &MetricSpec) -> Vec<String> {
    let mut out = Vec::new();
    let n = spec.name;
    let valid = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if !n.starts_with("liveperson_") {
        out.push(format!("{n}: must start with liveperson_"));
    }
    if !valid(n) {
        out.push(format!("{n}: must be lower snake case"));
    }
    for suffix in [
        "_total",
        "_info",
        "_seconds",
        "_ratio",
        "_ms",
        "_milliseconds",
        "_percent",
    ] {
        if n.ends_with(suffix) {
            out.push(format!("{n}: the base name must not end in {suffix}"));
        }
    }
    if spec.help.is_empty() || spec.help.ends_with('.') {
        out.push(format!(
            "{n}: help must be a sentence without a final period"
        ));
    }
    for l in spec.labels {
        if !valid(l) || l.starts_with("__") {
            out.push(format!("{n}: label {l} is not a valid label name"));
        }
    }
    // The exporter's own metrics describe the process; every other metric belongs to an account.
    if !n.starts_with("liveperson_exporter_") && spec.labels.first() != Some(&"account_id") {
        out.push(format!("{n}: the first label must be account_id"));
    }
    out
}

/// The README table of `specs`, grouped under their collector names.
pub fn render_markdown_table(groups: &[(&str, &[&MetricSpec])]) -> String {
    let mut out = String::from("| Metric | Type | Labels | Description |\n|---|---|---|---|\n");
    for (group, specs) in groups {
        let _ = writeln!(out, "| **{group}** | | | |");
        for s in *specs {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                s.exposed_name(),
                s.kind.as_str(),
                s.labels
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                s.help
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposed_names_follow_unit_and_kind() {
        let s = MetricSpec {
            name: "liveperson_closed_conversations",
            help: "Conversations closed",
            unit: None,
            kind: Kind::Counter,
            labels: &["account_id"],
        };
        assert_eq!(s.exposed_name(), "liveperson_closed_conversations_total");
        let g = MetricSpec {
            name: "liveperson_queue_wait",
            help: "Wait",
            unit: Some(Unit::Seconds),
            kind: Kind::Gauge,
            labels: &["account_id"],
        };
        assert_eq!(g.exposed_name(), "liveperson_queue_wait_seconds");
        assert!(naming_problems(&g).is_empty());
        let bad = MetricSpec {
            name: "lp_wait_ms",
            help: "Wait.",
            unit: None,
            kind: Kind::Gauge,
            labels: &["skill"],
        };
        assert_eq!(
            naming_problems(&bad).len(),
            4,
            "{:?}",
            naming_problems(&bad)
        );
    }
}

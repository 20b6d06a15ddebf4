//! The metric catalogue: every metric the exporter can emit, declared once as data.
//!
//! A [`MetricSpec`] names a metric by its full exposed name, written out where it is declared
//! (`liveperson_skill_agent_load_ratio`, `liveperson_skill_closed_conversations_total`,
//! `liveperson_skill_info`), so a name seen on a dashboard or in an alert is found by grep. The
//! forms the encoders need are derived from it ([`MetricSpec::family_name`],
//! [`MetricSpec::base_name`]), and [`naming_problems`] checks that the suffixes agree with the
//! declared unit and kind. Collectors can only emit samples of specs they declared (see
//! [`super::snapshot::SnapshotBuilder`]); the README's metrics table is rendered from here
//! ([`render_markdown_table`]) and a test keeps it in sync.

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
    /// Bytes.
    Bytes,
}

impl Unit {
    /// The unit's name suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Ratio => "ratio",
            Unit::Bytes => "bytes",
        }
    }
}

/// One declared metric family.
#[derive(Debug, PartialEq, Eq)]
pub struct MetricSpec {
    /// The exposed name: `liveperson_` prefixed, with the unit (`_seconds`, `_ratio`) and the
    /// kind's suffix (`_total` for counters, `_info` for info metrics); a histogram's
    /// `_bucket`, `_sum` and `_count` samples add theirs to it.
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
    /// The kind's suffix of the exposed name.
    fn kind_suffix(&self) -> &'static str {
        match self.kind {
            Kind::Gauge | Kind::Histogram => "",
            Kind::Counter => "_total",
            Kind::Info => "_info",
        }
    }

    /// The exposed name (`liveperson_skill_closed_conversations_total`).
    pub fn exposed_name(&self) -> &'static str {
        self.name
    }

    /// The family's name without the kind's suffix (`liveperson_skill_closed_conversations`,
    /// `liveperson_skill` for `liveperson_skill_info`): the key families are ordered by.
    pub fn family_name(&self) -> &'static str {
        self.name
            .strip_suffix(self.kind_suffix())
            .unwrap_or(self.name)
    }

    /// The family name without its unit (`liveperson_skill_queue_wait` for
    /// `liveperson_skill_queue_wait_seconds`): what encoders that add the unit themselves take.
    pub fn base_name(&self) -> &'static str {
        let family = self.family_name();
        match self.unit {
            Some(u) => family
                .strip_suffix(u.as_str())
                .and_then(|f| f.strip_suffix('_'))
                .unwrap_or(family),
            None => family,
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
    // The standard process metrics every Prometheus client exposes keep their names.
    if !n.starts_with("liveperson_") && !n.starts_with("process_") {
        out.push(format!(
            "{n}: must start with liveperson_ (or be a standard process_ metric)"
        ));
    }
    if !valid(n) {
        out.push(format!("{n}: must be lower snake case"));
    }
    let kind_suffix = spec.kind_suffix();
    if !n.ends_with(kind_suffix) {
        out.push(format!(
            "{n}: a {} must end in {kind_suffix}",
            spec.kind.as_str()
        ));
    }
    let family = spec.family_name();
    match spec.unit {
        Some(u) if !family.ends_with(&format!("_{}", u.as_str())) => out.push(format!(
            "{n}: its unit must end the name (before {kind_suffix:?}): _{}",
            u.as_str()
        )),
        _ => {}
    }
    let base = spec.base_name();
    for suffix in [
        "_total",
        "_info",
        "_seconds",
        "_ratio",
        "_bytes",
        "_ms",
        "_milliseconds",
        "_percent",
    ] {
        if base.ends_with(suffix) {
            out.push(format!(
                "{n}: {suffix} is a unit or kind suffix its declaration does not give"
            ));
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
    let own = n.starts_with("liveperson_exporter_") || n.starts_with("process_");
    if !own && spec.labels.first() != Some(&"account_id") {
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
    fn derived_names_drop_the_kind_and_the_unit() {
        let s = MetricSpec {
            name: "liveperson_closed_conversations_total",
            help: "Conversations closed",
            unit: None,
            kind: Kind::Counter,
            labels: &["account_id"],
        };
        assert_eq!(s.family_name(), "liveperson_closed_conversations");
        assert_eq!(s.base_name(), "liveperson_closed_conversations");
        assert!(naming_problems(&s).is_empty());
        let g = MetricSpec {
            name: "liveperson_queue_wait_seconds",
            help: "Wait",
            unit: Some(Unit::Seconds),
            kind: Kind::Gauge,
            labels: &["account_id"],
        };
        assert_eq!(g.family_name(), "liveperson_queue_wait_seconds");
        assert_eq!(g.base_name(), "liveperson_queue_wait");
        assert!(naming_problems(&g).is_empty());
        let h = MetricSpec {
            name: "liveperson_handle_time_seconds_total",
            help: "Handle time",
            unit: Some(Unit::Seconds),
            kind: Kind::Counter,
            labels: &["account_id"],
        };
        assert_eq!(h.family_name(), "liveperson_handle_time_seconds");
        assert_eq!(h.base_name(), "liveperson_handle_time");
        let i = MetricSpec {
            name: "liveperson_skill_info",
            help: "Skill names",
            unit: None,
            kind: Kind::Info,
            labels: &["account_id"],
        };
        assert_eq!(i.family_name(), "liveperson_skill");
        assert!(naming_problems(&i).is_empty());
    }

    #[test]
    fn names_that_disagree_with_their_declaration_are_problems() {
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
        // A counter without _total, a unit missing from the name, a unit suffix not declared.
        for (name, unit, kind) in [
            ("liveperson_closed", None, Kind::Counter),
            ("liveperson_wait", Some(Unit::Seconds), Kind::Gauge),
            ("liveperson_load_ratio", None, Kind::Gauge),
            ("liveperson_skill", None, Kind::Info),
        ] {
            let s = MetricSpec {
                name,
                help: "h",
                unit,
                kind,
                labels: &["account_id"],
            };
            assert_eq!(
                naming_problems(&s).len(),
                1,
                "{name}: {:?}",
                naming_problems(&s)
            );
        }
    }
}

//! OpenTelemetry names and units of catalogue metrics, following the OpenTelemetry specification's
//! Prometheus compatibility rules, so that a standard OTLP-to-Prometheus translation gives back
//! exactly the names `/metrics` serves.
//!
//! The rule: the `liveperson_` (or `liveperson_exporter_`) namespace becomes `liveperson.` (or
//! `liveperson.exporter.`); the unit goes into the instrument's unit (`s` for seconds, `1` for
//! ratios) instead of the name; counters carry no `_total` (they are monotonic sums); info metrics
//! keep their `_info` suffix (gauges of value 1). Translating back (dots to underscores, `s` adds
//! `_seconds`, `1` on a gauge adds `_ratio`, a monotonic sum adds `_total`) gives the `/metrics`
//! name.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

/// The instrument name of `spec`.
pub fn otel_name(spec: &MetricSpec) -> String {
    let name = spec.base_name();
    let dotted = if let Some(rest) = name.strip_prefix("liveperson_exporter_") {
        format!("liveperson.exporter.{rest}")
    } else if let Some(rest) = name.strip_prefix("liveperson_") {
        format!("liveperson.{rest}")
    } else {
        name.to_string()
    };
    match spec.kind {
        Kind::Info => format!("{dotted}_info"),
        Kind::Gauge | Kind::Counter | Kind::Histogram => dotted,
    }
}

/// The instrument unit of `spec` (UCUM): `s`, `1`, `By`, or empty.
pub fn otel_unit(spec: &MetricSpec) -> &'static str {
    match spec.unit {
        Some(Unit::Seconds) => "s",
        Some(Unit::Ratio) => "1",
        Some(Unit::Bytes) => "By",
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &'static str, unit: Option<Unit>, kind: Kind) -> MetricSpec {
        MetricSpec {
            name,
            help: "h",
            unit,
            kind,
            labels: &[],
        }
    }

    #[test]
    fn namespace_becomes_dotted_and_units_leave_the_name() {
        let wait = spec(
            "liveperson_skill_wait_time_seconds",
            Some(Unit::Seconds),
            Kind::Gauge,
        );
        assert_eq!(otel_name(&wait), "liveperson.skill_wait_time");
        assert_eq!(otel_unit(&wait), "s");
        let closed = spec(
            "liveperson_skill_closed_conversations_total",
            None,
            Kind::Counter,
        );
        assert_eq!(otel_name(&closed), "liveperson.skill_closed_conversations");
        assert_eq!(otel_unit(&closed), "");
        let up = spec("liveperson_exporter_collector_up", None, Kind::Gauge);
        assert_eq!(otel_name(&up), "liveperson.exporter.collector_up");
        let info = spec("liveperson_skill_info", None, Kind::Info);
        assert_eq!(otel_name(&info), "liveperson.skill_info");
        let load = spec(
            "liveperson_skill_agent_load_ratio",
            Some(Unit::Ratio),
            Kind::Gauge,
        );
        assert_eq!(otel_unit(&load), "1");
    }
}

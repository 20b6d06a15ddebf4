//! Encodes snapshots into the bytes `/metrics` serves, once per change rather than once per scrape.
//!
//! prometheus-client writes OpenMetrics 1.0 text. The Prometheus 0.0.4 text form is derived from that
//! output line by line: counters are declared under their sample names (`x_total`), `# UNIT` lines
//! and the `# EOF` marker go. Info metrics are `x_info` gauges of value 1 in both forms. Both forms are
//! gzipped here too, so a scrape is a copy of ready bytes.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit as PcUnit};

use super::catalogue::{Kind, MetricSpec};
use super::snapshot::{HistogramSample, Sample, Snapshot};

/// OpenMetrics content type.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Prometheus text content type.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The encoded forms of one exposition. `Bytes` are reference-counted: a scrape hands them to the
/// response without copying.
#[derive(Debug, Clone, Default)]
pub struct Exposition {
    /// OpenMetrics 1.0 text, ending in `# EOF`.
    pub openmetrics: Bytes,
    /// The same, gzipped.
    pub openmetrics_gzip: Bytes,
    /// Prometheus 0.0.4 text.
    pub text: Bytes,
    /// The same, gzipped.
    pub text_gzip: Bytes,
}

/// All snapshots' families, merged by name (one family may have samples from several accounts).
#[derive(Debug)]
struct Merged(Vec<Arc<Snapshot>>);

impl prometheus_client::collector::Collector for Merged {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut families: BTreeMap<&'static str, (&'static MetricSpec, Vec<&Sample>)> =
            BTreeMap::new();
        let mut histograms: BTreeMap<&'static str, Vec<&HistogramSample>> = BTreeMap::new();
        for snap in &self.0 {
            for f in snap.families.values() {
                families
                    .entry(f.spec.family_name())
                    .or_insert_with(|| (f.spec, Vec::new()))
                    .1
                    .extend(&f.samples);
                histograms
                    .entry(f.spec.family_name())
                    .or_default()
                    .extend(&f.histograms);
            }
        }
        for (family, (spec, samples)) in &families {
            let unit = spec.unit.map(|u| PcUnit::Other(u.as_str().to_string()));
            // Info metrics go out as `x_info` gauges of value 1, the form every Prometheus
            // version (and promtool) reads in both formats.
            // prometheus-client adds the unit and `_total` itself, so it is given the base name.
            let (name, kind) = match spec.kind {
                Kind::Gauge => (spec.base_name(), MetricType::Gauge),
                Kind::Counter => (spec.base_name(), MetricType::Counter),
                Kind::Info => (spec.name, MetricType::Gauge),
                Kind::Histogram => (spec.base_name(), MetricType::Histogram),
            };
            let mut metric = encoder.encode_descriptor(name, spec.help, unit.as_ref(), kind)?;
            for s in samples {
                let labels: Vec<(&str, &str)> = spec
                    .labels
                    .iter()
                    .copied()
                    .zip(s.labels.iter().map(String::as_str))
                    .collect();
                match spec.kind {
                    Kind::Gauge | Kind::Info => {
                        metric.encode_family(&labels)?.encode_gauge(&s.value)?
                    }
                    Kind::Counter => metric
                        .encode_family(&labels)?
                        .encode_counter::<NoLabelSet, f64, f64>(&s.value, None)?,
                    Kind::Histogram => {}
                }
            }
            for h in histograms.get(family).into_iter().flatten() {
                let labels: Vec<(&str, &str)> = spec
                    .labels
                    .iter()
                    .copied()
                    .zip(h.labels.iter().map(String::as_str))
                    .collect();
                metric
                    .encode_family(&labels)?
                    .encode_histogram::<NoLabelSet>(h.sum, h.count(), &h.buckets, None)?;
            }
        }
        Ok(())
    }
}

fn gzip(bytes: &[u8]) -> Bytes {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("writing to memory");
    Bytes::from(e.finish().expect("writing to memory"))
}

/// Rewrites OpenMetrics text as Prometheus 0.0.4 text.
fn to_prometheus_text(openmetrics: &str, kinds: &HashMap<&'static str, Kind>) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find(|p| line.starts_with(p));
        match meta {
            Some(prefix) => {
                let rest = &line[prefix.len()..];
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let (name, tail) = match kinds.get(name) {
                    Some(Kind::Counter) => (format!("{name}_total"), tail.to_string()),
                    _ => (name.to_string(), tail.to_string()),
                };
                out.push_str(prefix);
                out.push_str(&name);
                out.push(' ');
                out.push_str(&tail);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Encodes `snapshots` (whose series must be distinct) in both formats, plain and gzipped.
pub fn encode(snapshots: Vec<Arc<Snapshot>>) -> Exposition {
    let kinds: HashMap<&'static str, Kind> = snapshots
        .iter()
        .flat_map(|s| s.families.values())
        .map(|f| (f.spec.family_name(), f.spec.kind))
        .collect();
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Merged(snapshots)));
    let mut om = String::new();
    prometheus_client::encoding::text::encode(&mut om, &registry).expect("writing to a String");
    let text = to_prometheus_text(&om, &kinds);
    Exposition {
        openmetrics_gzip: gzip(om.as_bytes()),
        text_gzip: gzip(text.as_bytes()),
        openmetrics: Bytes::from(om),
        text: Bytes::from(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::catalogue::Unit;
    use crate::metrics::snapshot::SnapshotBuilder;

    static WAIT: MetricSpec = MetricSpec {
        name: "liveperson_test_wait_seconds",
        help: "Wait",
        unit: Some(Unit::Seconds),
        kind: Kind::Gauge,
        labels: &["account_id", "skill_id"],
    };
    static CLOSED: MetricSpec = MetricSpec {
        name: "liveperson_test_closed_total",
        help: "Closed",
        unit: None,
        kind: Kind::Counter,
        labels: &["account_id"],
    };
    static SKILL: MetricSpec = MetricSpec {
        name: "liveperson_test_skill_info",
        help: "Skill names",
        unit: None,
        kind: Kind::Info,
        labels: &["account_id", "skill_id", "name"],
    };
    static ALL: &[&MetricSpec] = &[&WAIT, &CLOSED, &SKILL];

    fn snap(account: &str, wait: f64) -> Arc<Snapshot> {
        let mut b = SnapshotBuilder::new(ALL);
        b.add(&WAIT, &[account, "7"], Some(wait)).unwrap();
        b.add(&WAIT, &[account, "8"], None).unwrap();
        b.add(&CLOSED, &[account], Some(3.0)).unwrap();
        b.add(&SKILL, &[account, "7", "Sales \"EU\""], Some(1.0))
            .unwrap();
        b.build()
    }

    #[test]
    fn both_formats_merge_families_across_snapshots() {
        let e = encode(vec![snap("1", 1.5), snap("2", 2.0)]);
        let om = String::from_utf8(e.openmetrics.to_vec()).unwrap();
        let expected_om = "\
# HELP liveperson_test_closed Closed
# TYPE liveperson_test_closed counter
liveperson_test_closed_total{account_id=\"1\"} 3.0
liveperson_test_closed_total{account_id=\"2\"} 3.0
# HELP liveperson_test_skill_info Skill names
# TYPE liveperson_test_skill_info gauge
liveperson_test_skill_info{account_id=\"1\",skill_id=\"7\",name=\"Sales \\\"EU\\\"\"} 1.0
liveperson_test_skill_info{account_id=\"2\",skill_id=\"7\",name=\"Sales \\\"EU\\\"\"} 1.0
# HELP liveperson_test_wait_seconds Wait
# TYPE liveperson_test_wait_seconds gauge
# UNIT liveperson_test_wait_seconds seconds
liveperson_test_wait_seconds{account_id=\"1\",skill_id=\"7\"} 1.5
liveperson_test_wait_seconds{account_id=\"2\",skill_id=\"7\"} 2.0
# EOF
";
        assert_eq!(om, expected_om);
        let text = String::from_utf8(e.text.to_vec()).unwrap();
        assert!(text.contains("# TYPE liveperson_test_closed_total counter\n"));
        assert!(text.contains("# TYPE liveperson_test_skill_info gauge\n"));
        assert!(!text.contains("# UNIT") && !text.contains("# EOF"));
        let mut unzipped = String::new();
        use std::io::Read as _;
        flate2::read::GzDecoder::new(&e.text_gzip[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, text);
    }
}

//! What the benchmarks share: a synthetic exporter content of 200 accounts with 1,000 series
//! each, in five families of the real catalogue (key messaging metrics' per-skill and per-group
//! families), so that OTLP exports them too; and this process's CPU time and resident memory.
#![allow(dead_code)]

use std::sync::Arc;

use liveperson_exporter::collectors::REGISTRY;
use liveperson_exporter::metrics::catalogue::{Kind, MetricSpec};
use liveperson_exporter::metrics::snapshot::{Snapshot, SnapshotBuilder};

pub const ACCOUNTS: usize = 200;
pub const SERIES_PER_ACCOUNT: usize = 1_000;
const FAMILIES: usize = 5;

/// The collector whose families are used, and five of its families with more than one label.
fn families() -> (&'static [&'static MetricSpec], Vec<&'static MetricSpec>) {
    let entry = REGISTRY
        .iter()
        .find(|e| e.name == "key_messaging_metrics")
        .expect("key_messaging_metrics");
    let chosen = entry
        .metrics
        .iter()
        .copied()
        .filter(|s| s.kind != Kind::Histogram && s.labels.len() > 1)
        .take(FAMILIES)
        .collect();
    (entry.metrics, chosen)
}

/// One account's snapshot of `SERIES_PER_ACCOUNT` series; `round` changes the values.
pub fn snapshot(account: usize, round: u64) -> Arc<Snapshot> {
    let id = (70_000_001 + account).to_string();
    let (declared, chosen) = families();
    let mut b = SnapshotBuilder::new(declared);
    for spec in &chosen {
        for i in 0..SERIES_PER_ACCOUNT / FAMILIES {
            let values: Vec<String> = spec
                .labels
                .iter()
                .map(|l| match *l {
                    "account_id" => id.clone(),
                    other => format!("{other}-{i}"),
                })
                .collect();
            let labels: Vec<&str> = values.iter().map(String::as_str).collect();
            let v = (i as u64 * 7 + round) as f64;
            b.add(spec, &labels, Some(v)).unwrap();
        }
    }
    b.build()
}

/// User plus system CPU seconds of this process so far (Linux: `/proc/self/stat`, in the kernel's
/// fixed 100 ticks per second).
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    (fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap()) / 100.0
}

/// Resident memory of this process, MB.
pub fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

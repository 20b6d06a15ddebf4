//! Cost of re-encoding the exposition (both formats, plain and gzipped) as the store does after
//! every run, for 10,000 and 140,000 series, against a baseline in the same run: writing the same
//! samples as bare `name{labels} value` lines with `format!`. Run with
//! `cargo bench --bench exposition`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use liveperson_exporter::metrics::catalogue::{Kind, MetricSpec, Unit};
use liveperson_exporter::metrics::exposition::encode;
use liveperson_exporter::metrics::snapshot::{Snapshot, SnapshotBuilder};

static GAUGE: MetricSpec = MetricSpec {
    name: "liveperson_bench_load",
    help: "Load",
    unit: Some(Unit::Ratio),
    kind: Kind::Gauge,
    labels: &["account_id", "agent_id", "state"],
};
static COUNTER: MetricSpec = MetricSpec {
    name: "liveperson_bench_state",
    help: "State",
    unit: Some(Unit::Seconds),
    kind: Kind::Counter,
    labels: &["account_id", "agent_id", "state"],
};
static ALL: [&MetricSpec; 2] = [&GAUGE, &COUNTER];

fn snapshot(series: usize) -> Arc<Snapshot> {
    let mut b = SnapshotBuilder::new(&ALL);
    for i in 0..series / 2 {
        let agent = (1_000_000_000 + i).to_string();
        b.add(
            &GAUGE,
            &["70000001", &agent, "online"],
            Some(i as f64 / 7.0),
        )
        .unwrap();
        b.add(
            &COUNTER,
            &["70000001", &agent, "away"],
            Some(i as f64 * 3.5),
        )
        .unwrap();
    }
    b.build()
}

fn baseline(s: &Snapshot) -> String {
    let mut out = String::new();
    for f in s.families.values() {
        for x in &f.samples {
            let _ = write!(out, "{}{{", f.spec.exposed_name());
            for (k, v) in f.spec.labels.iter().zip(&x.labels) {
                let _ = write!(out, "{k}=\"{v}\",");
            }
            let _ = writeln!(out, "}} {}", x.value);
        }
    }
    out
}

fn time<T>(runs: u32, f: impl Fn() -> T) -> f64 {
    let t = Instant::now();
    for _ in 0..runs {
        black_box(f());
    }
    t.elapsed().as_secs_f64() / runs as f64
}

fn main() {
    for series in [10_000, 140_000] {
        let s = snapshot(series);
        let runs = if series > 50_000 { 5 } else { 30 };
        let base = time(runs, || baseline(&s));
        let enc = time(runs, || encode(vec![s.clone()]));
        let e = encode(vec![s.clone()]);
        println!(
            "{series} series: encode (OpenMetrics + 0.0.4 + both gzipped) {:.1} ms, baseline format! {:.1} ms, ratio {:.1}x; text {} KB, gzip {} KB",
            enc * 1e3,
            base * 1e3,
            enc / base,
            e.text.len() / 1024,
            e.text_gzip.len() / 1024
        );
    }
}

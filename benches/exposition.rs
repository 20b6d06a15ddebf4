//! What publishing one collector's snapshot costs when the exporter holds 200,000 series (200
//! accounts of 1,000 series in five families), against a baseline in the same run: re-encoding
//! every snapshot, as the store did before it assembled the exposition from pieces. Also the
//! bytes of each form. Run with `cargo bench --bench exposition`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use liveperson_exporter::metrics::exposition::{Assembler, Format};
use liveperson_exporter::metrics::pieces::encode;
use liveperson_exporter::metrics::snapshot::Snapshot;

#[path = "support/mod.rs"]
mod support;
use support::{ACCOUNTS, SERIES_PER_ACCOUNT, snapshot};

fn key(account: usize) -> (u8, String, &'static str) {
    (0, account.to_string(), "bench")
}

fn main() {
    let snapshots: Vec<Arc<Snapshot>> = (0..ACCOUNTS).map(|a| snapshot(a, 0)).collect();
    let mut assembler = Assembler::default();
    for (a, s) in snapshots.iter().enumerate() {
        assembler.set(key(a), encode(s));
    }
    let e = Arc::new(assembler.assemble());
    let plain = e.len(Format::Text, false);

    // Publishing one snapshot: its pieces, then the exposition from the pieces.
    let rounds = 50;
    let started = Instant::now();
    for round in 1..=rounds {
        let account = round as usize % ACCOUNTS;
        let fresh = snapshot(account, round);
        assembler.set(key(account), encode(&fresh));
        black_box(assembler.assemble());
    }
    let publish = started.elapsed().as_secs_f64() / rounds as f64;
    // Subtract building the snapshot, which the collector does, not the store.
    let started = Instant::now();
    for round in 1..=rounds {
        black_box(snapshot(round as usize % ACCOUNTS, round));
    }
    let build = started.elapsed().as_secs_f64() / rounds as f64;
    let publish = publish - build;

    // Baseline: every snapshot re-encoded, as a full rebuild does.
    let started = Instant::now();
    let mut full = Assembler::default();
    for (a, s) in snapshots.iter().enumerate() {
        full.set(key(a), encode(s));
    }
    black_box(full.assemble());
    let rebuild = started.elapsed().as_secs_f64();

    println!(
        "publish one snapshot at {} series: {:.2} ms; full re-encode (baseline): {:.1} ms; ratio {:.3}",
        ACCOUNTS * SERIES_PER_ACCOUNT,
        publish * 1e3,
        rebuild * 1e3,
        publish / rebuild
    );
    println!(
        "forms: text {} KB, OpenMetrics {} KB, text gzip {} KB, OpenMetrics gzip {} KB",
        plain / 1024,
        e.len(Format::OpenMetrics, false) / 1024,
        e.len(Format::Text, true) / 1024,
        e.len(Format::OpenMetrics, true) / 1024
    );
}

//! What one OTLP export costs when the exporter holds 200,000 series (200 accounts of 1,000
//! series in five families), against a baseline in the same run: one full publish, encoding every
//! snapshot and assembling the exposition. Costs are CPU seconds of the whole process (encoding
//! runs on the blocking pool), exports go over OTLP/HTTP to a loopback receiver that discards
//! them; also the memory the OTLP pipeline adds. Run with `cargo bench --bench otlp_export`.

use std::sync::Arc;
use std::time::Duration;

use liveperson_exporter::clock::SystemClock;
use liveperson_exporter::metrics::exposition::Assembler;
use liveperson_exporter::metrics::pieces::encode;
use liveperson_exporter::otlp::OtlpConfig;
use liveperson_exporter::otlp::config::Protocol;
use liveperson_exporter::self_metrics::Identity;
use liveperson_exporter::store::Store;
use liveperson_exporter::traffic::Traffic;

#[path = "support/mod.rs"]
mod support;
use support::{ACCOUNTS, SERIES_PER_ACCOUNT, cpu_seconds, rss_mb, snapshot};

/// A loopback OTLP/HTTP receiver that accepts and discards every export; its metrics URL.
async fn receiver() -> String {
    let app = axum::Router::new()
        .route(
            "/v1/metrics",
            axum::routing::post(|_body: axum::body::Bytes| async {
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            }),
        )
        // An export of 200,000 points is tens of megabytes.
        .layer(axum::extract::DefaultBodyLimit::disable());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/metrics", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::main]
async fn main() {
    let traffic = Arc::new(Traffic::default());
    let store = Arc::new(Store::new(
        Arc::new(SystemClock),
        traffic.clone(),
        Duration::from_secs(300),
        Identity::default(),
    ));
    let snapshots: Vec<_> = (0..ACCOUNTS).map(|a| snapshot(a, 0)).collect();
    for (a, s) in snapshots.iter().enumerate() {
        store.publish(&a.to_string(), "bench", &Ok(s.clone()), Duration::ZERO);
    }
    store.settled().await;

    // Baseline: one full publish, every snapshot encoded and the exposition assembled.
    let rounds = 3;
    let before = cpu_seconds();
    for _ in 0..rounds {
        let mut full = Assembler::default();
        for (a, s) in snapshots.iter().enumerate() {
            full.set((0, a.to_string(), "bench"), encode(s));
        }
        std::hint::black_box(full.assemble());
    }
    let publish = (cpu_seconds() - before) / rounds as f64;

    let rss_before = rss_mb();
    let cfg = OtlpConfig {
        enabled: true,
        protocol: Protocol::HttpProtobuf,
        endpoint: receiver().await,
        interval: Duration::from_secs(3600),
        timeout: Duration::from_secs(60),
        cardinality_limit: 1_000_000,
        ..OtlpConfig::default()
    };
    let sink =
        liveperson_exporter::otlp::start(&cfg, store.clone(), traffic, Arc::new(SystemClock))
            .unwrap();
    // The first export creates every series in the SDK; the ones after are the steady state.
    sink.flush().await.unwrap();
    let before = cpu_seconds();
    for _ in 0..rounds {
        sink.flush().await.unwrap();
    }
    let export = (cpu_seconds() - before) / rounds as f64;
    let rss_after = rss_mb();
    println!(
        "at {} series: one OTLP export {:.3} CPU-s, one full publish (baseline) {:.3} CPU-s, ratio {:.2} (goal: at most 1.5); OTLP adds {:.0} MB RSS",
        ACCOUNTS * SERIES_PER_ACCOUNT,
        export,
        publish,
        export / publish,
        rss_after - rss_before
    );
    sink.shutdown().await.unwrap();
}

//! The whole binary: `demo` prints its start line, becomes ready, serves both exposition formats
//! (gzipped when asked), and stops cleanly on SIGTERM.

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn demo_serves_metrics_and_stops_on_sigterm() {
    let (mut child, start) = crate::support::spawn_demo(
        Command::new(env!("CARGO_BIN_EXE_liveperson-exporter")).args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--speed",
            "5",
        ]),
    );
    let metrics = start["exporter"].as_str().unwrap().to_string();
    assert!(metrics.starts_with("http://127.0.0.1:"), "{start}");
    assert!(
        start["simulator"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(start["accounts"][0], "70000001");
    let base = metrics.trim_end_matches("/metrics").to_string();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        liveperson_exporter::liveperson::install_tls_provider();
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let r = http.get(format!("{base}/readyz")).send().await.unwrap();
            if r.status() == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "never ready");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let r = http
            .get(&metrics)
            .header("Accept", "application/openmetrics-text; version=1.0.0")
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/openmetrics-text")
        );
        let mut om = String::new();
        flate2::read::GzDecoder::new(&r.bytes().await.unwrap()[..])
            .read_to_string(&mut om)
            .unwrap();
        assert!(om.ends_with("# EOF\n"));
        assert!(
            om.contains("liveperson_account_agents{account_id=\"70000001\",status=\"online\"}")
        );
        let text_of = |url: String| {
            let http = http.clone();
            async move { http.get(url).send().await.unwrap().text().await.unwrap() }
        };
        let text = text_of(metrics.clone()).await;
        assert!(text.contains("# TYPE liveperson_account_closed_conversations_total counter"));
        // The status page shows each collector's backfill: the demo's interval_metrics has one.
        let mut page = String::new();
        for _ in 0..100 {
            page = text_of(format!("{base}/")).await;
            if page.contains("<td>done</td>") || page.contains("% counted</td>") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(page.contains("<th>backfill</th>"), "{page}");
        assert!(
            page.contains("<td>done</td>") || page.contains("% counted</td>"),
            "interval_metrics' backfill: {page}"
        );
        assert!(
            http.get(format!("{base}/healthz"))
                .send()
                .await
                .unwrap()
                .status()
                == 200
        );
    });

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "clean exit: {status:?}");
}

/// The README's container example: `demo --listen 0.0.0.0:9477`. The exporter accepts any address;
/// the embedded simulator stays on loopback. (Only loopback is connected to.)
#[test]
fn demo_listens_on_any_address_with_the_simulator_on_loopback() {
    let (child, start) = crate::support::spawn_demo(
        Command::new(env!("CARGO_BIN_EXE_liveperson-exporter")).args([
            "demo",
            "--listen",
            "0.0.0.0:0",
        ]),
    );
    let _child = crate::support::KillOnDrop(child);
    let exporter: reqwest::Url = start["exporter"].as_str().unwrap().parse().unwrap();
    assert_eq!(exporter.host_str(), Some("0.0.0.0"), "{start}");
    let simulator: reqwest::Url = start["simulator"].as_str().unwrap().parse().unwrap();
    assert_eq!(simulator.host_str(), Some("127.0.0.1"), "{start}");
    let port = exporter.port().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        liveperson_exporter::liveperson::install_tls_provider();
        reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
}

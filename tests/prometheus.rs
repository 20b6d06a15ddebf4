//! The exposition against the real Prometheus tools (Debian's `prometheus` package, installed by
//! `.ci/run`): `promtool check metrics` finds nothing in the Prometheus text form, and a real
//! Prometheus scrapes the exporter on loopback (it asks for OpenMetrics), ingests every sample and
//! answers a gauge and a counter with the exporter's values, which equal the ground truth.

use std::process::{Command, Stdio};
use std::time::Duration;

use liveperson_exporter::app;
use liveperson_exporter::collectors::key_messaging_metrics::specs as kmm;
use liveperson_sim::truth::{Scope, UserTypes};
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig};
use serde_json::Value;

const MINUTE: i64 = 60_000;

fn tool(name: &str) -> String {
    let found = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "{name} is not installed: apt-get install -y prometheus"
    );
    name.to_string()
}

async fn query(http: &reqwest::Client, prom: &str, q: &str) -> Option<f64> {
    let r = http
        .get(format!("{prom}/api/v1/query"))
        .query(&[("query", q)])
        .send()
        .await
        .ok()?;
    let v: Value = r.json().await.ok()?;
    v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[tokio::test]
async fn promtool_and_a_real_prometheus_read_the_demo_exporter() {
    let promtool = tool("promtool");
    // crate::support::start_prometheus runs it; this names the install when it is missing.
    tool("prometheus");

    let mut sim_cfg = SimConfig::for_tests(41);
    sim_cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * 3_600_000);
    let sim = simulator::start(sim_cfg).await.unwrap();
    let cfg = crate::demo::demo_config(&sim);
    let exporter = app::start(app::Checked::new(cfg).unwrap(), sim.shared.clock.clone())
        .await
        .unwrap();
    let store = exporter.store.clone();
    // The numbers are checked against a collector's snapshot, not only its encoded pieces.
    store.keep_snapshots(true);
    // Let the collectors run for a few simulated minutes so counters have counted something.
    let clock = sim.clock().unwrap().clone();
    let start = sim.now();
    for step in 1..=6 {
        let mut changes = store.changes();
        clock.advance(MINUTE);
        // Every collector's interval is at most a minute: each runs once per step.
        tokio::time::timeout(Duration::from_secs(30), async {
            while store.stats().iter().any(|s| s.runs < step) {
                changes.changed().await.unwrap();
            }
        })
        .await
        .unwrap_or_else(|_| panic!("collectors did not run: {:?}", store.stats()));
    }
    store.settled().await;
    let acct = sim.account_ids()[0].clone();

    // promtool lints the Prometheus text form.
    let http = reqwest::Client::new();
    let url = format!("http://{}/metrics", exporter.addr);
    let text = http.get(&url).send().await.unwrap().text().await.unwrap();
    let mut child = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let findings =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && findings.trim().is_empty(),
        "promtool: {findings}"
    );
    let om = http
        .get(&url)
        .header("Accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let om_samples = om
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count();

    // A real Prometheus scrapes it every second.
    let dir = std::env::temp_dir().join(format!("lpx-prom-{}", std::process::id()));
    let (_prom, prom) = crate::support::start_prometheus(
        &dir,
        &format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: liveperson\n    static_configs:\n      - targets: ['{}']\n",
            exporter.addr
        ),
    );
    let gauge_q = format!("liveperson_account_agents{{account_id=\"{acct}\",status=\"online\"}}");
    let counter_q = format!(
        "liveperson_account_closed_conversations_total{{account_id=\"{acct}\",closed_by=\"agent\"}}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let (gauge, counter, up, scraped) = loop {
        let got = (
            query(&http, &prom, &gauge_q).await,
            query(&http, &prom, &counter_q).await,
            query(&http, &prom, "up{job=\"liveperson\"}").await,
            query(&http, &prom, "scrape_samples_scraped{job=\"liveperson\"}").await,
        );
        if let (Some(g), Some(c), Some(u), Some(n)) = got {
            break (g, c, u, n);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Prometheus has no data: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(up, 1.0, "the scrape (OpenMetrics) succeeded");
    assert_eq!(
        scraped as usize, om_samples,
        "every OpenMetrics sample was ingested"
    );

    let snap = store.snapshot(&acct, "key_messaging_metrics").unwrap();
    let settled = |t: i64| (t - MINUTE).div_euclid(MINUTE) * MINUTE;
    let (online, closed_by_agent) = {
        let e = sim.engine(&acct);
        // The first run, after the first step, set the watermark; the last one counted up to
        // its settled minute.
        let window = e.truth_window(
            Scope::All,
            UserTypes::ALL,
            settled(start + MINUTE),
            settled(sim.now()),
        );
        (
            e.truth_current(Scope::All, UserTypes::ALL).online_agents,
            window.closed_by_agent,
        )
    };
    assert_eq!(gauge, online as f64);
    assert_eq!(
        snap.value(&kmm::account::AGENTS, &[&acct, "online"]),
        Some(gauge)
    );
    assert_eq!(counter, closed_by_agent as f64);
    assert!(counter > 0.0, "conversations were closed");

    // While Prometheus keeps scraping, simulated time moves on: increase() over a counting
    // collector's counter sees the new buckets.
    let increase_q = format!(
        "increase(liveperson_account_resolved_conversations_total{{account_id=\"{acct}\",resolved_by=\"agent\"}}[20s])"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        clock.advance(5 * MINUTE);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        if query(&http, &prom, &increase_q)
            .await
            .is_some_and(|v| v > 0.0)
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "increase() never rose"
        );
    }
    exporter.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

//! The LivePerson client as collectors see it: a failing collector shows `up 0` with its error type
//! while the other keeps working, OAuth 2.0 accounts use Sentinel bearer tokens and refresh once on
//! 401, and a response over the size cap fails the run as `too_large`.

use std::time::Duration;

use crate::support::{exporter_config, one_collector};
use liveperson_exporter::app;
use liveperson_sim::faults::{Api, FaultSpec};

use super::sim;

async fn wait_runs(store: &liveperson_exporter::store::Store, collector: &str, runs: u64) {
    let mut changes = store.changes();
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if store
                .stats()
                .iter()
                .any(|s| s.collector == collector && s.runs >= runs)
            {
                // And the exposition shows those runs.
                return store.settled().await;
            }
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{collector} did not reach {runs} runs"));
}

#[tokio::test]
async fn a_failing_collector_shows_up_0_and_its_error_type_while_the_other_works() {
    let s = sim(35, 40, 6).await;
    let mut cfg = exporter_config(&s);
    cfg.http.request_timeout = Duration::from_millis(300);
    for a in &mut cfg.accounts {
        for c in a.collectors.values_mut() {
            c["interval"] = "10s".into();
            c["timeout"] = "8s".into();
        }
        a.collectors.get_mut("key_messaging_metrics").unwrap()["agent_view"] = true.into();
        for name in ["messaging_conversation", "engagement_activity"] {
            a.collectors.get_mut(name).unwrap()["per_agent"] = true.into();
        }
        a.collectors.get_mut("interval_metrics").unwrap()["groupings"] =
            serde_json::json!(["skill", "skill_agent", "agent_group"]);
        // The opt-in breakdowns too, so that every declared metric shows.
        let groups: Vec<String> = s
            .engine(&a.id)
            .world
            .groups
            .iter()
            .map(|g| g.id.to_string())
            .collect();
        a.collectors.get_mut("messaging_conversation").unwrap()["agent_groups"] =
            serde_json::json!(groups);
        let aht = a.collectors.get_mut("actual_handle_time").unwrap();
        aht["per_agent"] = true.into();
        aht["per_agent_group"] = true.into();
    }
    let exporter = app::start(app::Checked::new(cfg).unwrap(), s.shared.clock.clone())
        .await
        .unwrap();
    let base = format!("http://{}", exporter.addr);
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let (http, url) = (http.clone(), format!("{base}{path}"));
        async move {
            let r = http.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (code, body) = get("/readyz").await;
    assert_eq!(code, 503, "not ready before the first runs");
    assert!(body.contains("key_messaging_metrics"), "{body}");
    let clock = s.clock().unwrap().clone();
    clock.advance(10_000);
    for c in liveperson_exporter::collectors::REGISTRY {
        wait_runs(&exporter.store, c.name, 1).await;
    }
    let (code, body) = get("/readyz").await;
    assert_eq!(code, 200, "{body}");
    let acct = s.account_ids()[0].clone();
    let up = |text: &str, collector: &str| {
        let line = format!(
            "liveperson_exporter_collector_up{{collector=\"{collector}\",account_id=\"{acct}\"}} "
        );
        text.lines()
            .find_map(|l| l.strip_prefix(&line))
            .map(|v| v.parse::<f64>().unwrap())
    };
    let cases: [(FaultSpec, &str); 4] = [
        (
            FaultSpec {
                down: true,
                ..FaultSpec::default()
            },
            "server_error",
        ),
        (
            FaultSpec {
                malformed_next: 1,
                ..FaultSpec::default()
            },
            "decode",
        ),
        (
            FaultSpec {
                fail_next: vec![401],
                ..FaultSpec::default()
            },
            "auth",
        ),
        (
            FaultSpec {
                latency_ms: 1_000,
                ..FaultSpec::default()
            },
            "timeout",
        ),
    ];
    for (i, (fault, error_type)) in cases.into_iter().enumerate() {
        s.faults().clear();
        s.faults().set(Api::KmmMetrics, fault);
        // The other collector meets a 429, retries and stays up.
        s.faults().set(
            Api::QueueHealthCurrent,
            FaultSpec {
                rate_limit_next: 1,
                retry_after_s: None,
                ..FaultSpec::default()
            },
        );
        clock.advance(10_000);
        let runs = 2 + i as u64;
        wait_runs(&exporter.store, "key_messaging_metrics", runs).await;
        wait_runs(&exporter.store, "messaging_queue_health", runs).await;
        let (_, text) = get("/metrics").await;
        assert_eq!(
            up(&text, "key_messaging_metrics"),
            Some(0.0),
            "{error_type}"
        );
        assert_eq!(
            up(&text, "messaging_queue_health"),
            Some(1.0),
            "{error_type}"
        );
        let errors = format!(
            "liveperson_exporter_collector_errors_total{{collector=\"key_messaging_metrics\",account_id=\"{acct}\",error_type=\"{error_type}\"}} 1.0"
        );
        assert!(text.contains(&errors), "{error_type}: no {errors}");
        // The failed collector's counters and (still fresh) gauges stay.
        assert!(text.contains("liveperson_account_closed_conversations_total{"));
        assert!(text.contains("liveperson_skill_agents{"));
    }
    s.faults().clear();
    clock.advance(10_000);
    wait_runs(&exporter.store, "key_messaging_metrics", 6).await;
    let (_, text) = get("/metrics").await;
    assert_eq!(up(&text, "key_messaging_metrics"), Some(1.0));
    // Every declared metric has been produced by now (agent activity needs a settled hour and
    // one of two label sets: tests/exporter_activity.rs covers it; the OTLP self metrics need
    // OTLP: tests/otlp.rs covers them).
    let families: Vec<&'static liveperson_exporter::metrics::catalogue::MetricSpec> =
        liveperson_exporter::collectors::REGISTRY
            .iter()
            .filter(|e| e.name != "agent_activity")
            .flat_map(|e| e.metrics.iter().copied())
            .chain(liveperson_exporter::self_metrics::ALL.iter().copied())
            .filter(|s| !s.name.starts_with("liveperson_exporter_otlp_"))
            .collect();
    for spec in families {
        let name = match spec.kind {
            liveperson_exporter::metrics::catalogue::Kind::Histogram => {
                format!("{}_count{{", spec.exposed_name())
            }
            _ => format!("{}{{", spec.exposed_name()),
        };
        assert!(
            text.contains(&name),
            "{} never produced",
            spec.exposed_name()
        );
    }
    // The landing page lists each collector with its state and last error type.
    let (code, page) = get("/").await;
    assert_eq!(code, 200);
    assert!(page.contains("key_messaging_metrics") && page.contains("messaging_queue_health"));
    assert!(
        page.contains("timeout:"),
        "the last error before recovery is gone once up: {page}"
    );
    exporter.stop().await;
}

#[tokio::test]
async fn oauth2_accounts_use_sentinel_bearer_tokens_and_refresh_once_on_401() {
    let s = sim(37, 40, 6).await;
    let mut cfg = exporter_config(&s);
    let creds = s.shared.credentials.oauth2.clone();
    cfg.accounts[0].auth = liveperson_exporter::config::Auth::OAuth2 {
        client_id: liveperson_exporter::config::Secret::new(&creds.client_id),
        client_secret: liveperson_exporter::config::Secret::new(&creds.client_secret),
    };
    // The other collectors' APIs take OAuth 1.0a only.
    for name in [
        "messaging_queue_health",
        "messaging_conversation",
        "engagement_activity",
        "net_handle_time",
        "actual_handle_time",
    ] {
        cfg.accounts[0]
            .collectors
            .insert(name.into(), serde_json::json!({"enabled": false}));
    }
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let snap = c.run().await;
    assert!(snap.series() > 100);
    // A 401 makes the client fetch a new token and try once more.
    s.faults().set(
        Api::KmmMetrics,
        FaultSpec {
            fail_next: vec![401],
            ..FaultSpec::default()
        },
    );
    c.run().await;
    let v = c.traffic.view();
    let acct = s.account_ids()[0].clone();
    let n = |api: &'static str, code: &str| {
        v.requests
            .get(&(acct.clone(), api, code.to_string()))
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(
        n("sentinel", "200"),
        2,
        "one token, then one refresh after the 401"
    );
    assert_eq!(n("kmm_metrics", "401"), 1);
    // Two 401s in a row are an auth error.
    s.faults().set(
        Api::KmmMetrics,
        FaultSpec {
            fail_next: vec![401, 401],
            ..FaultSpec::default()
        },
    );
    let r = c.try_run().await;
    assert_eq!(r.unwrap_err().error_type().as_str(), "auth");
}

#[tokio::test]
async fn a_response_over_the_size_cap_fails_the_run_as_too_large() {
    let s = sim(38, 40, 6).await;
    let mut cfg = exporter_config(&s);
    cfg.http.max_response_bytes = 2_000;
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let r = c.try_run().await;
    assert_eq!(r.unwrap_err().error_type().as_str(), "too_large");
    let mut c = one_collector(&s, &exporter_config(&s), "key_messaging_metrics");
    c.run().await;
}

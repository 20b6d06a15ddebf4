//! Reloading a running exporter process, as an operator does it: a secret file fixed on disk is
//! picked up without a restart and without resetting counters; SIGHUP with an invalid
//! configuration keeps the old one running; SIGHUP and `POST /-/reload` apply a new one, starting
//! added accounts and removing the series of removed ones; a rotated OTLP header secret file is sent
//! to the receiver by a new OTLP pipeline in the same process. (SIGTERM with the final OTLP export to
//! an independent receiver is in `scripts/otlp-rotel.sh`.)

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{
    account_yaml, config_with, free_port, run_exporter, scrape_until, temp_dir, two_accounts, value,
};

/// Replaces `path`'s content the way a Kubernetes Secret or ConfigMap update does: a new file
/// renamed over the old.
fn replace(path: &Path, content: &str) {
    let next = path.with_extension("next");
    std::fs::write(&next, content).unwrap();
    std::fs::rename(&next, path).unwrap();
}

/// A plain HTTP client.
fn client() -> reqwest::Client {
    liveperson_exporter::liveperson::install_tls_provider();
    reqwest::Client::new()
}

/// A request for the exporter's `/metrics`.
fn metrics(port: u16) -> reqwest::RequestBuilder {
    client().get(format!("http://127.0.0.1:{port}/metrics"))
}

/// The exporter's `/metrics` text.
async fn scrape(port: u16) -> String {
    metrics(port).send().await.unwrap().text().await.unwrap()
}

/// The sum of every series of `name` whose labels contain `label`.
fn sum(text: &str, name: &str, label: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn up(account: &str) -> String {
    format!(
        "liveperson_exporter_collector_up{{collector=\"messaging_queue_health\",account_id=\"{account}\"}}"
    )
}

/// Scrapes until `ok` holds for the exposition, at most `within`; the last exposition.
async fn wait_for(port: u16, within: Duration, what: &str, ok: impl Fn(&str) -> bool) -> String {
    scrape_until(
        || metrics(port),
        within,
        |text| {
            ok(text)
                .then_some(())
                .ok_or_else(|| format!("{what} did not happen"))
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_file_fixed_on_disk_ends_the_auth_errors_without_a_restart() {
    let sim = two_accounts(1801).await;
    let [a, b] = [&sim.account_ids()[0], &sim.account_ids()[1]].map(|s| s.to_string());
    let dir = temp_dir("secret-rotation");
    let secret = dir.join("token_secret");
    std::fs::write(&secret, "a-wrong-secret\n").unwrap();
    let port = free_port();
    let config = dir.join("config.yaml");
    std::fs::write(
        &config,
        config_with(
            port,
            "secret_file_check_interval: 1s",
            &[
                account_yaml(
                    &sim,
                    &a,
                    Some(&format!("token_secret_file: {}", secret.display())),
                ),
                account_yaml(&sim, &b, None),
            ],
        ),
    )
    .unwrap();
    let mut exporter = run_exporter("", &["--config", config.to_str().unwrap()], port);
    let pid = exporter.0.id();
    let auth_errors = format!(
        "liveperson_exporter_collector_errors_total{{collector=\"messaging_queue_health\",account_id=\"{a}\",error_type=\"auth\"}}"
    );
    let before = wait_for(port, Duration::from_secs(20), "an auth error", |t| {
        value(t, &auth_errors).is_some_and(|n| n >= 2.0) && value(t, &up(&b)) == Some(1.0)
    })
    .await;
    assert_eq!(value(&before, &up(&a)), Some(0.0));
    let requests_of_b = sum(&before, "liveperson_exporter_api_requests_total", &b);

    replace(
        &secret,
        &format!("{}\n", sim.shared.credentials.oauth1.token_secret),
    );
    // One collector interval (2 s) after the next file check (1 s), with room for the run itself.
    let after = wait_for(port, Duration::from_secs(5), "recovery", |t| {
        value(t, &up(&a)) == Some(1.0)
    })
    .await;
    let errors_after = value(&after, &auth_errors).unwrap();
    assert!(
        errors_after >= value(&before, &auth_errors).unwrap(),
        "the counters were not reset"
    );
    assert!(sum(&after, "liveperson_exporter_api_requests_total", &b) >= requests_of_b);
    assert_eq!(
        value(
            &after,
            "liveperson_exporter_config_last_reload_successful{}"
        ),
        Some(1.0)
    );
    let settled = wait_for(port, Duration::from_secs(10), "two more runs", |t| {
        sum(t, "liveperson_exporter_api_requests_total", &a) > 0.0 && value(t, &up(&a)) == Some(1.0)
    })
    .await;
    assert_eq!(
        value(&settled, &auth_errors),
        Some(errors_after),
        "no auth error after the fix"
    );
    assert!(
        exporter.0.try_wait().unwrap().is_none() && exporter.0.id() == pid,
        "the same process, never restarted"
    );
    // The lifecycle endpoint is off unless enabled.
    let post = client()
        .post(format!("http://127.0.0.1:{port}/-/reload"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);
    let _ = std::fs::remove_dir_all(&dir);
}

fn sighup(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn reloads_apply_a_valid_configuration_and_refuse_an_invalid_one_whole() {
    let sim = two_accounts(1802).await;
    let [a, b] = [&sim.account_ids()[0], &sim.account_ids()[1]].map(|s| s.to_string());
    let dir = temp_dir("reload");
    let port = free_port();
    let config = dir.join("config.yaml");
    let lifecycle = "web: {enable_lifecycle: true}";
    std::fs::write(
        &config,
        config_with(port, lifecycle, &[account_yaml(&sim, &a, None)]),
    )
    .unwrap();
    let exporter = run_exporter("", &["--config", config.to_str().unwrap()], port);
    let pid = exporter.0.id();
    let requests_of_a = |t: &str| sum(t, "liveperson_exporter_api_requests_total", &a);
    let first = wait_for(port, Duration::from_secs(20), "a first run", |t| {
        value(t, &up(&a)) == Some(1.0)
    })
    .await;
    let loaded_at = value(
        &first,
        "liveperson_exporter_config_last_reload_success_timestamp_seconds{}",
    )
    .unwrap();

    // An invalid configuration (a second account with a misspelt key) is refused as a whole.
    let mut broken = account_yaml(&sim, &b, None);
    broken = broken.replace("csds_url", "csds_ulr");
    replace(
        &config,
        &config_with(port, lifecycle, &[account_yaml(&sim, &a, None), broken]),
    );
    sighup(pid);
    let refused = wait_for(port, Duration::from_secs(10), "the refusal", |t| {
        value(t, "liveperson_exporter_config_last_reload_successful{}") == Some(0.0)
    })
    .await;
    assert!(
        !refused.contains(&format!("account_id=\"{b}\"")),
        "nothing of it applied"
    );
    let still = wait_for(
        port,
        Duration::from_secs(10),
        "more runs of the old config",
        |t| requests_of_a(t) > requests_of_a(&refused),
    )
    .await;
    assert_eq!(value(&still, &up(&a)), Some(1.0));
    assert_eq!(
        value(
            &still,
            "liveperson_exporter_config_last_reload_success_timestamp_seconds{}"
        ),
        Some(loaded_at)
    );

    // The fixed file through POST /-/reload: the added account starts, the first keeps its counters.
    replace(
        &config,
        &config_with(
            port,
            lifecycle,
            &[account_yaml(&sim, &a, None), account_yaml(&sim, &b, None)],
        ),
    );
    let before = scrape(port).await;
    let post = client()
        .post(format!("http://127.0.0.1:{port}/-/reload"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200, "{}", post.text().await.unwrap());
    let both = wait_for(port, Duration::from_secs(10), "the added account", |t| {
        value(t, &up(&b)) == Some(1.0)
    })
    .await;
    assert_eq!(
        value(&both, "liveperson_exporter_config_last_reload_successful{}"),
        Some(1.0)
    );
    assert!(requests_of_a(&both) >= requests_of_a(&before), "not reset");

    // SIGHUP with the first account removed: its series go.
    replace(
        &config,
        &config_with(port, lifecycle, &[account_yaml(&sim, &b, None)]),
    );
    sighup(pid);
    let after = wait_for(port, Duration::from_secs(10), "the removal", |t| {
        !t.contains(&format!("account_id=\"{a}\""))
    })
    .await;
    assert_eq!(value(&after, &up(&b)), Some(1.0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a loopback OTLP/HTTP receiver saw: the `x-api-key` of every export, in order.
type Keys = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// An OTLP/HTTP receiver on loopback that answers every export with 200 and records its
/// `x-api-key` header; its metrics URL.
async fn key_recording_receiver() -> (String, Keys) {
    use axum::http::HeaderMap;
    let keys = Keys::default();
    let seen = keys.clone();
    let app = axum::Router::new().route(
        "/v1/metrics",
        axum::routing::post(move |headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                let key = headers
                    .get("x-api-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                seen.lock().unwrap().push(key);
                // An empty ExportMetricsServiceResponse.
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/metrics", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, keys)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_otlp_header_file_is_sent_without_a_restart() {
    let sim = two_accounts(1909).await;
    let dir = temp_dir("otlp-key");
    let key_file = dir.join("api-key");
    replace(&key_file, "first-key");
    let (url, keys) = key_recording_receiver().await;
    let port = free_port();
    let config = dir.join("config.yaml");
    std::fs::write(
        &config,
        config_with(
            port,
            &format!(
                "secret_file_check_interval: 1s\n\
                 otlp:\n  enabled: true\n  protocol: http/protobuf\n  endpoint: {url}\n  \
                 interval: 500ms\n  headers:\n    X-Api-Key_file: {}\n",
                key_file.display()
            ),
            &[account_yaml(&sim, &sim.account_ids()[0], None)],
        ),
    )
    .unwrap();
    let mut exporter = run_exporter("", &["--config", config.to_str().unwrap()], port);
    let pid = exporter.0.id();
    let sent = |key: &str| keys.lock().unwrap().iter().filter(|k| *k == key).count();
    let deadline = Instant::now() + Duration::from_secs(20);
    while sent("first-key") == 0 {
        assert!(Instant::now() < deadline, "no export with the first key");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    replace(&key_file, "second-key");
    let deadline = Instant::now() + Duration::from_secs(20);
    while sent("second-key") < 2 {
        assert!(
            Instant::now() < deadline,
            "the rotated key never reached the receiver: {:?}",
            keys.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Once the new key is in use the old one is gone (the old pipeline's one last export may
    // still carry it), and the process is the same.
    let keys_now = keys.lock().unwrap().clone();
    let first_new = keys_now.iter().position(|k| k == "second-key").unwrap();
    let old_after = keys_now[first_new..]
        .iter()
        .filter(|k| *k == "first-key")
        .count();
    assert!(old_after <= 1, "{keys_now:?}");
    assert!(
        keys_now
            .iter()
            .all(|k| k == "first-key" || k == "second-key")
    );
    assert!(exporter.0.try_wait().unwrap().is_none());
    assert_eq!(exporter.0.id(), pid);
    let text = scrape(port).await;
    assert_eq!(
        value(&text, "liveperson_exporter_config_last_reload_successful{}"),
        Some(1.0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

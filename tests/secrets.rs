//! Secrets never reach the logs: `once` at trace level against the simulator, with one account whose
//! token secret is wrong (so errors are logged too), prints no credential and no signature.

use std::process::Command;

use liveperson_sim::world::AccountSpec;
use liveperson_sim::{self as simulator, ClockMode, SimConfig};

#[tokio::test]
async fn no_secret_appears_in_logs_or_output() {
    let mut cfg = SimConfig::for_tests(51);
    cfg.clock = ClockMode::Scaled(1.0);
    cfg.history_ms = 3_600_000;
    cfg.accounts.push(AccountSpec {
        id: "70000002".into(),
        agents: 10,
        skills: 2,
        groups: 2,
    });
    let sim = simulator::start(cfg).await.unwrap();
    let keys = sim.shared.credentials.oauth1.clone();
    let wrong = "wrong-token-secret-8d1f";
    let config = format!(
        "listen: 127.0.0.1:0
log: {{level: trace}}
http:
  retry: {{server_error_waits: [10ms], rate_limited_wait: 10ms}}
accounts:
  - id: \"70000001\"
    csds_url: {csds}
    auth: {{oauth1: {{consumer_key: {ck}, consumer_secret: {cs}, token: {tk}, token_secret: {ts}}}}}
  - id: \"70000002\"
    csds_url: {csds}
    auth: {{oauth1: {{consumer_key: {ck}, consumer_secret: {cs}, token: {tk}, token_secret: {wrong}}}}}
",
        csds = sim.csds_url(),
        ck = keys.consumer_key,
        cs = keys.consumer_secret,
        tk = keys.token,
        ts = keys.token_secret,
    );
    let dir = std::env::temp_dir().join(format!("lpx-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.yaml");
    std::fs::write(&file, config).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_liveperson-exporter"))
            .args(["once", "--config"])
            .arg(&file)
            .env("RUST_LOG", "trace")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the wrong secret fails one account: {stderr}"
    );
    assert!(stdout.contains("liveperson_account_agents{account_id=\"70000001\""));
    assert!(
        stderr.contains("70000002/key_messaging_metrics")
            && stderr.contains("authentication refused"),
        "{stderr}"
    );
    assert!(stderr.lines().count() > 20, "trace logging was on");
    for secret in [
        keys.consumer_secret.as_str(),
        keys.token_secret.as_str(),
        keys.token.as_str(),
        wrong,
        "oauth_signature",
    ] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} leaked"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

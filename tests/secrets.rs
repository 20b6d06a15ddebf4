//! Secrets never reach the logs: `once` at trace level against the simulator, with one account whose
//! token secret is wrong (so errors are logged too), prints no credential and no signature; and a
//! secret in the wrong place (a number, a mistyped environment variable, an OTLP URL) is not echoed.

use std::process::Command;

#[tokio::test]
async fn no_secret_appears_in_logs_or_output() {
    let sim = crate::support::two_accounts(51).await;
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

/// Runs the binary with `args` and `env` for at most `for_at_most`, then stops it; its stderr.
fn stderr_of(args: &[&str], env: &[(&str, &str)], for_at_most: std::time::Duration) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_liveperson-exporter"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + for_at_most;
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn misplaced_secrets_are_not_echoed() {
    let dir = std::env::temp_dir().join(format!("lpx-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let quick = std::time::Duration::from_secs(20);

    // A numeric secret is a type error that names the key, not the value.
    let numeric = dir.join("numeric.yaml");
    std::fs::write(
        &numeric,
        "accounts:\n  - id: \"1\"\n    auth: {oauth1: {consumer_key: k, consumer_secret: 98765432123, \
         token: t, token_secret: ts}}\n",
    )
    .unwrap();
    let path = numeric.to_str().unwrap();
    let err = stderr_of(&["check-config", "--config", path], &[], quick);
    assert!(
        err.contains("accounts[0].auth.oauth1.consumer_secret: invalid type: integer"),
        "{err}"
    );
    assert!(!err.contains("98765432123"), "{err}");

    // A mistyped accounts variable is not echoed whole.
    let err = stderr_of(
        &["check-config", "--config", path],
        &[(
            "LIVEPERSON_EXPORTER_ACCOUNTS",
            "[{id: 1, auth: {oauth1: {consumer_secret: envS3cretValue}}}",
        )],
        quick,
    );
    assert!(err.contains("accounts: invalid type"), "{err}");
    assert!(!err.contains("envS3cretValue"), "{err}");

    // An OTLP endpoint's user info is not logged, at start or when exports fail (nothing listens
    // on loopback port 9; CSDS is refused the same way).
    let otlp = dir.join("otlp.yaml");
    std::fs::write(
        &otlp,
        "listen: 127.0.0.1:0\n\
         log: {level: debug}\n\
         otlp: {enabled: true, interval: 1s, timeout: 500ms, \
                endpoint: \"http://collector:otlpPassw0rd@127.0.0.1:9/v1/metrics\"}\n\
         accounts:\n  - id: \"1\"\n    csds_url: http://127.0.0.1:9\n    \
         auth: {oauth1: {consumer_key: k, consumer_secret: s, token: t, token_secret: ts}}\n",
    )
    .unwrap();
    let err = stderr_of(
        &["run", "--config", otlp.to_str().unwrap()],
        &[],
        std::time::Duration::from_secs(4),
    );
    assert!(err.contains("pushing metrics over OTLP"), "{err}");
    assert!(err.contains("OTLP export failed"), "{err}");
    assert!(!err.contains("otlpPassw0rd"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

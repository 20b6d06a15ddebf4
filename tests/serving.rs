//! The serving side as a user runs it, the binary against the simulator on loopback: TLS and basic
//! auth from an exporter-toolkit web config (a replaced certificate is served without a restart),
//! bad web configs refused naming the key, and slow or idle clients that cannot starve `/metrics`
//! and `/healthz` under a pod's low open-file limit; the server's self metrics count each.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{
    exporter_config, free_port, https_client, issue_certificate, run_exporter, scrape_until,
    simulator, temp_dir, value,
};

#[tokio::test(flavor = "multi_thread")]
async fn tls_and_basic_auth_from_a_web_config_and_a_replaced_certificate_is_served() {
    let sim = simulator(1701).await;
    let dir = temp_dir("tls");
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    let first_ca = issue_certificate(&cert, &key, &["localhost", "127.0.0.1"]);
    let hash = bcrypt::hash("scrape-pass", 4).unwrap();
    std::fs::write(
        dir.join("web.yml"),
        format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS12\n\
             basic_auth_users:\n  prometheus: {hash}\n\
             http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
        ),
    )
    .unwrap();
    let port = free_port();
    std::fs::write(dir.join("config.yaml"), exporter_config(&sim, port, "")).unwrap();
    let config = dir.join("config.yaml");
    let web = dir.join("web.yml");
    let _exporter = run_exporter(
        "",
        &[
            "--config",
            config.to_str().unwrap(),
            "--web.config.file",
            web.to_str().unwrap(),
        ],
        port,
    );
    let url = |path: &str| format!("https://localhost:{port}{path}");
    let client = https_client(&first_ca);

    let ok = client
        .get(url("/metrics"))
        .basic_auth("prometheus", Some("scrape-pass"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["x-frame-options"], "deny");
    assert!(
        ok.text()
            .await
            .unwrap()
            .contains("liveperson_exporter_build_info")
    );
    for (user, password) in [("prometheus", "wrong"), ("other", "scrape-pass")] {
        let refused = client
            .get(url("/metrics"))
            .basic_auth(user, Some(password))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401, "{user}");
        assert_eq!(
            refused.headers()["www-authenticate"],
            "Basic realm=\"liveperson-exporter\""
        );
    }
    for path in ["/healthz", "/readyz", "/"] {
        let anonymous = client.get(url(path)).send().await.unwrap();
        assert_eq!(
            anonymous.status(),
            401,
            "every endpoint needs the password: {path}"
        );
    }

    // Plain HTTP on the TLS port gets no metrics: Go's answer to it, then the connection closes.
    let mut plain = TcpStream::connect(("127.0.0.1", port)).unwrap();
    plain
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    plain
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = plain.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.0 400 Bad Request") && !answer.contains("liveperson_"),
        "{answer}"
    );

    // A new certificate from another CA is served without a restart.
    let second_ca = issue_certificate(&cert, &key, &["localhost", "127.0.0.1"]);
    let rotated = https_client(&second_ca);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = rotated
            .get(url("/healthz"))
            .basic_auth("prometheus", Some("scrape-pass"))
            .send()
            .await;
        if r.as_ref().is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate was never served: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let old = https_client(&first_ca).get(url("/healthz")).send().await;
    assert!(old.is_err(), "the old certificate is no longer served");

    // The self metrics count it all, as of the next publish: the refused passwords, the anonymous
    // probes, the plain-HTTP client and the handshakes against the old certificate.
    scrape_until(
        || {
            rotated
                .get(url("/metrics"))
                .basic_auth("prometheus", Some("scrape-pass"))
        },
        Duration::from_secs(10),
        |text| {
            let value = |series: &str| value(text, series).unwrap_or(0.0);
            let refused =
                value("liveperson_exporter_http_requests_total{handler=\"metrics\",code=\"401\"}");
            let anonymous =
                value("liveperson_exporter_http_requests_total{handler=\"readyz\",code=\"401\"}");
            let tls_errors =
                value("liveperson_exporter_http_connections_dropped_total{reason=\"tls_error\"}");
            (refused >= 2.0 && anonymous >= 1.0 && tls_errors >= 2.0)
                .then_some(())
                .ok_or_else(|| {
                    format!(
                        "401 on /metrics {refused}, on /readyz {anonymous}, TLS errors {tls_errors}"
                    )
                })
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_web_configs_are_refused_naming_the_key() {
    let dir = temp_dir("webcfg");
    let config = dir.join("config.yaml");
    std::fs::write(
        &config,
        "accounts:\n  - id: \"1\"\n    auth: {oauth1: {consumer_key: a, consumer_secret: b, token: c, token_secret: d}}\n",
    )
    .unwrap();
    let good_hash = bcrypt::hash("x", 4).unwrap();
    let cases: &[(&str, String, &str)] = &[
        (
            "unknown key",
            "tls_server_config:\n  cert_flie: a.crt\n".into(),
            "tls_server_config.cert_flie: unknown key",
        ),
        (
            "TLS 1.1",
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: TLS11\n"
                .into(),
            "tls_server_config.min_version: TLS 1.0 and 1.1 are not supported",
        ),
        (
            "missing certificate file",
            "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n".into(),
            "tls_server_config.cert_file: cannot read missing.crt",
        ),
        (
            "unverified client certificates",
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: RequireAnyClientCert\n"
                .into(),
            "tls_server_config.client_auth_type: not supported",
        ),
        (
            "plain-text password",
            "basic_auth_users:\n  alice: hunter2\n".into(),
            "basic_auth_users.alice: must be a bcrypt hash",
        ),
        (
            "a header a web config may not set",
            format!("basic_auth_users:\n  bob: {good_hash}\nhttp_server_config:\n  headers:\n    Server: x\n"),
            "http_server_config.headers.Server: not a header a web config may set",
        ),
        (
            "HTTP/2",
            "http_server_config:\n  http2: true\n".into(),
            "http_server_config.http2: this server speaks HTTP/1.1 only",
        ),
    ];
    for (what, web, expected) in cases {
        let file = dir.join("web.yml");
        std::fs::write(&file, web).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_liveperson-exporter"))
            .args(["check-config", "--config"])
            .arg(&config)
            .arg("--web.config.file")
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!("{}: {expected}", file.display())),
            "{what}: {stderr}"
        );
        assert!(
            !stderr.contains("hunter2"),
            "{what}: a password is never echoed"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sends a request on a fresh connection and reads the status line, within `within`.
fn status_of(port: u16, path: &str, within: Duration) -> Result<String, std::io::Error> {
    let mut s = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), within)?;
    s.set_read_timeout(Some(within))?;
    s.set_write_timeout(Some(within))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    Ok(String::from_utf8_lossy(&head).to_string())
}

/// Whether the server has closed `s` (a read sees the end or an error instead of waiting).
fn closed(s: &TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut buf = [0u8; 4096];
    let mut reader = s;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return false,
            Err(_) => return true,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_and_idle_clients_do_not_starve_scrapes_or_probes() {
    let sim = simulator(1702).await;
    let dir = temp_dir("bounds");
    let port = free_port();
    let config = dir.join("config.yaml");
    std::fs::write(
        &config,
        exporter_config(
            &sim,
            port,
            "web: {header_read_timeout: 2s, idle_timeout: 3s}",
        ),
    )
    .unwrap();
    // A pod's low open-file limit: 256, so at most 128 client connections.
    let _exporter = run_exporter(
        "ulimit -n 256 &&",
        &["--config", config.to_str().unwrap()],
        port,
    );
    let attack = tokio::task::spawn_blocking(move || {
        let mut idle = Vec::new();
        for _ in 0..300 {
            // A client that scrapes once, then keeps its connection open and silent.
            let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
                continue;
            };
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            idle.push(s);
        }
        let mut slow = Vec::new();
        for _ in 0..300 {
            // Slowloris: a request head that never ends.
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n");
                slow.push(s);
            }
        }
        (idle, slow)
    });
    let (idle, mut slow) = attack.await.unwrap();
    assert!(
        idle.len() + slow.len() > 256,
        "more clients than file descriptors"
    );
    // The attack goes on (a header line a second from every slow client) while scrapes come.
    let started = Instant::now();
    let mut probes = 0;
    while started.elapsed() < Duration::from_secs(4) {
        for s in &mut slow {
            let _ = s.write_all(b"X-Slow: 1\r\n");
        }
        for path in ["/metrics", "/healthz"] {
            let status = status_of(port, path, Duration::from_secs(2));
            assert!(
                status.as_ref().is_ok_and(|s| s.ends_with("200")),
                "{path} did not answer 200 within 2 s under the attack: {status:?}"
            );
            probes += 1;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(probes >= 8);
    // Idle connections are closed within the idle timeout, slow heads within the header timeout.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let open_idle = idle.iter().filter(|s| !closed(s)).count();
    let open_slow = slow.iter().filter(|s| !closed(s)).count();
    assert_eq!(
        (open_idle, open_slow),
        (0, 0),
        "connections left open past their timeouts"
    );

    // The self metrics tell an SRE what happened (as of the next publish): every attack
    // connection dropped by the server, the probes counted as answered, few connections open.
    let attackers = (idle.len() + slow.len()) as f64;
    liveperson_exporter::liveperson::install_tls_provider();
    let client = reqwest::Client::new();
    scrape_until(
        || client.get(format!("http://127.0.0.1:{port}/metrics")),
        Duration::from_secs(10),
        |text| {
            let value = |series: &str| value(text, series);
            let dropped: f64 = ["refused", "evicted", "header_timeout", "idle_timeout"]
                .iter()
                .filter_map(|r| {
                    value(&format!(
                        "liveperson_exporter_http_connections_dropped_total{{reason=\"{r}\"}}"
                    ))
                })
                .sum();
            let healthz =
                value("liveperson_exporter_http_requests_total{handler=\"healthz\",code=\"200\"}");
            let open = value("liveperson_exporter_http_connections_open{}");
            (dropped >= attackers
                && healthz.is_some_and(|n| n >= (probes / 2) as f64)
                && open.is_some_and(|n| n < 10.0))
            .then_some(())
            .ok_or_else(|| {
                format!("dropped {dropped} of {attackers}, healthz {healthz:?}, open {open:?}")
            })
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

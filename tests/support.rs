//! Helpers of the binary's tests: child processes (the demo binary, Prometheus) on loopback.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

use liveperson_sim::{self as simulator, ClockMode, SimConfig, Simulator};
use serde_json::Value;

/// A child process (a test's server) killed when dropped.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the binary with `args` (a `demo`, with any environment set on `cmd`) and reads the JSON
/// line it prints once serving.
pub fn spawn_demo(cmd: &mut Command) -> (Child, Value) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let start = serde_json::from_str(&line).expect("the demo's one JSON start line");
    (child, start)
}

/// Starts Debian's `prometheus` on a free loopback port with `config` (prometheus.yml) and its
/// data in `dir`; returns it with its base URL.
pub fn start_prometheus(dir: &Path, config: &str) -> (KillOnDrop, String) {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("prometheus.yml");
    std::fs::write(&file, config).unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", file.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus is installed: apt-get install -y prometheus");
    (KillOnDrop(child), format!("http://127.0.0.1:{port}"))
}

/// A simulator running in real time, for the exporter process to poll.
pub async fn simulator(seed: u64) -> Simulator {
    let mut cfg = SimConfig::for_tests(seed);
    cfg.clock = ClockMode::Scaled(1.0);
    cfg.history_ms = 3_600_000;
    simulator::start(cfg).await.unwrap()
}

/// Every collector but queue health, which the binary's tests turn off to keep runs short.
pub const OTHER_THAN_QUEUE_HEALTH: [&str; 7] = [
    "key_messaging_metrics",
    "messaging_conversation",
    "engagement_activity",
    "interval_metrics",
    "net_handle_time",
    "actual_handle_time",
    "agent_activity",
];

/// One account of `sim` in an exporter configuration, polling queue health only (every 2 s), with
/// the simulator's credentials, or `token_secret` (YAML, e.g. `token_secret_file: /path`) in place
/// of its token secret.
pub fn account_yaml(sim: &Simulator, id: &str, token_secret: Option<&str>) -> String {
    let k = &sim.shared.credentials.oauth1;
    let mut collectors =
        String::from("      messaging_queue_health: {interval: 2s, timeout: 1s}\n");
    for c in OTHER_THAN_QUEUE_HEALTH {
        collectors.push_str(&format!("      {c}: {{enabled: false}}\n"));
    }
    let ts = token_secret.map_or_else(|| format!("token_secret: {}", k.token_secret), String::from);
    format!(
        "  - id: \"{id}\"\n    csds_url: {csds}\n    \
         auth: {{oauth1: {{consumer_key: {ck}, consumer_secret: {cs}, token: {tk}, {ts}}}}}\n    \
         collectors:\n{collectors}",
        csds = sim.csds_url(),
        ck = k.consumer_key,
        cs = k.consumer_secret,
        tk = k.token,
    )
}

/// An exporter configuration on `port` with `extra` top-level YAML and `accounts` (from
/// [`account_yaml`]).
pub fn config_with(port: u16, extra: &str, accounts: &[String]) -> String {
    format!(
        "listen: 127.0.0.1:{port}\n{extra}\naccounts:\n{}",
        accounts.concat()
    )
}

/// A real-time simulator with a second, small account (`70000002`) beside the first.
pub async fn two_accounts(seed: u64) -> Simulator {
    let mut cfg = SimConfig::for_tests(seed);
    cfg.clock = ClockMode::Scaled(1.0);
    cfg.history_ms = 3_600_000;
    cfg.accounts.push(liveperson_sim::world::AccountSpec {
        id: "70000002".into(),
        agents: 10,
        skills: 2,
        groups: 2,
    });
    simulator::start(cfg).await.unwrap()
}

/// An exporter configuration polling `sim`'s first account (queue health only) on `port`, with
/// `extra` top-level YAML.
pub fn exporter_config(sim: &Simulator, port: u16, extra: &str) -> String {
    config_with(
        port,
        extra,
        &[account_yaml(sim, &sim.account_ids()[0], None)],
    )
}

/// Starts `liveperson-exporter run` with `args` through `sh` (so `ulimit` can apply first) and
/// waits until its port accepts connections.
pub fn run_exporter(shell_prefix: &str, args: &[&str], port: u16) -> KillOnDrop {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{shell_prefix} exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_liveperson-exporter"))
        .arg("run")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = KillOnDrop(cmd.spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            child.0.try_wait().unwrap().is_none(),
            "the exporter exited at start"
        );
        assert!(Instant::now() < deadline, "the exporter never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lpx-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A CA and a server certificate for `names` (DNS names or IP addresses) signed by it, written as
/// `cert` and `key` files; returns the CA's PEM.
pub fn issue_certificate(cert: &Path, key: &Path, names: &[&str]) -> String {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    // Written next to the target and renamed over it, as a Kubernetes Secret update swaps files.
    for (path, pem) in [(cert, leaf.pem()), (key, leaf_key.serialize_pem())] {
        let next = path.with_extension("next");
        std::fs::write(&next, pem).unwrap();
        std::fs::rename(&next, path).unwrap();
    }
    ca.pem()
}

/// An HTTPS client that trusts only `ca`.
pub fn https_client(ca: &str) -> reqwest::Client {
    liveperson_exporter::liveperson::install_tls_provider();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.as_bytes()).unwrap()])
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// The value of the series `name{labels}` (labels as exposed) in an exposition, if present.
pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Asks `request` (a `/metrics` scrape) until `check` accepts the exposition, at most `within`;
/// the accepted exposition. `check` says what it still misses, for the failure message.
pub async fn scrape_until(
    request: impl Fn() -> reqwest::RequestBuilder,
    within: Duration,
    check: impl Fn(&str) -> Result<(), String>,
) -> String {
    let deadline = Instant::now() + within;
    loop {
        let text = request().send().await.unwrap().text().await.unwrap();
        match check(&text) {
            Ok(()) => return text,
            Err(missing) => assert!(Instant::now() < deadline, "after {within:?}: {missing}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

//! The simulator's commands: `simulate` (a simulated LivePerson on loopback) and `demo` (the
//! simulator and the exporter in one process). This is the only place the exporter meets the
//! simulator outside the tests.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use liveperson_exporter::app;
use liveperson_exporter::config::Auth;
use liveperson_sim::{self as simulator, ClockMode, SimConfig, world::AccountSpec};

use crate::shutdown_signal;

// `demo`: the simulator and the exporter in one process (a plain comment: clap would show a doc
// comment in --help).
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Address of the exporter's /metrics (any address, e.g. 0.0.0.0:9477 in a container); the
    /// embedded simulator always listens on loopback.
    #[arg(long, default_value = "127.0.0.1:9477")]
    listen: SocketAddr,
    /// Clock speed of the simulated contact center (and of the collectors' schedule).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Seed of the simulated contact center.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated time to start at (RFC 3339, e.g. 2026-11-17T14:00:00Z for a busy afternoon);
    /// default: now. The simulated contact center is quiet at night (UTC).
    #[arg(long, value_parser = parse_start)]
    start: Option<i64>,
    /// Also push over OTLP, set up by the standard OTEL_EXPORTER_OTLP_* variables (default
    /// http/protobuf to http://localhost:4318/v1/metrics); the endpoint must be loopback.
    #[arg(long)]
    otlp: bool,
}

// `simulate`: a simulated LivePerson on loopback.
#[derive(clap::Args)]
pub struct SimulateArgs {
    /// Address of the CSDS and admin listener; each service gets its own port on the same IP.
    #[arg(long, default_value = "127.0.0.1:8480")]
    listen: SocketAddr,
    /// Seed: the same seed gives the same contact center and the same responses.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of accounts.
    #[arg(long, default_value_t = 1)]
    accounts: u32,
    /// Agents per account (humans and bots).
    #[arg(long, default_value_t = 120)]
    agents: u32,
    /// Skills per account.
    #[arg(long, default_value_t = 12)]
    skills: u32,
    /// Agent groups per account (including the root "Main Group").
    #[arg(long, default_value_t = 6)]
    groups: u32,
    /// Clock speed: 1 is real time, 60 runs a simulated minute per second.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Hours of history simulated before serving (at most 336, 14 days).
    #[arg(long, default_value_t = 24)]
    history_hours: u32,
    /// Simulated time to start at (RFC 3339); default: now.
    #[arg(long, value_parser = parse_start)]
    start: Option<i64>,
}

/// An RFC 3339 time as epoch milliseconds.
fn parse_start(s: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("expected an RFC 3339 time like 2026-11-17T14:00:00Z: {e}"))
}

fn simulate_config(a: &SimulateArgs) -> anyhow::Result<SimConfig> {
    if !a.listen.ip().is_loopback() {
        bail!("--listen must be a loopback address, got {}", a.listen);
    }
    if !(a.speed > 0.0 && a.speed.is_finite()) {
        bail!("--speed must be a positive number");
    }
    if a.history_hours > 14 * 24 {
        bail!("--history-hours must be at most 336 (14 days)");
    }
    let mut cfg = SimConfig::for_tests(a.seed);
    cfg.listen = a.listen;
    cfg.clock = match a.start {
        Some(start) => ClockMode::ScaledFrom(start, a.speed),
        None => ClockMode::Scaled(a.speed),
    };
    cfg.history_ms = a.history_hours as i64 * 3_600_000;
    cfg.accounts = (0..a.accounts.max(1))
        .map(|i| AccountSpec {
            id: format!("{}", 70_000_001 + i as u64),
            agents: a.agents.max(1),
            skills: a.skills.max(1),
            groups: a.groups.max(1),
        })
        .collect();
    Ok(cfg)
}

/// Serves the simulator until SIGTERM or Ctrl-C, after printing its start line.
pub async fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    let cfg = simulate_config(&args)?;
    let sim = simulator::start(cfg)
        .await
        .with_context(|| format!("starting the simulator on {}", args.listen))?;
    // One JSON line on stdout, so scripts can find the ports, accounts and demo credentials.
    println!("{}", sim.start_line());
    tracing::info!(csds = %sim.csds_url(), "simulator ready");
    shutdown_signal().await;
    tracing::info!("simulator stopping");
    Ok(())
}

/// The demo's OTLP settings: from the standard variables, to a loopback endpoint only.
fn demo_otlp() -> anyhow::Result<liveperson_exporter::otlp::OtlpConfig> {
    use liveperson_exporter::otlp::config;
    let mut problems = liveperson_exporter::config::Problems::default();
    let otlp = config::read(
        serde_json::json!({"enabled": true}),
        &config::process_env,
        &mut problems,
    );
    if let Some(p) = problems.0.first() {
        bail!("{p}");
    }
    let host = reqwest::Url::parse(&otlp.endpoint)?
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        bail!(
            "the demo pushes OTLP to loopback only, got {}",
            otlp.endpoint
        );
    }
    Ok(otlp)
}

/// Runs the simulator and the exporter on its accounts until SIGTERM or Ctrl-C, after printing
/// their URLs.
pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let sim_args = SimulateArgs {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        seed: args.seed,
        accounts: 1,
        agents: 120,
        skills: 12,
        groups: 6,
        speed: args.speed,
        history_hours: 24,
        start: args.start,
    };
    let sim = simulator::start(simulate_config(&sim_args)?)
        .await
        .context("starting the simulator")?;
    let mut cfg = app::demo_config(
        args.listen,
        &sim.csds_url(),
        &sim.account_ids(),
        oauth1(&sim.shared.credentials.oauth1),
    );
    if args.otlp {
        cfg.otlp = demo_otlp()?;
    }
    let checked = app::Checked::new(cfg).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the demo configuration: {}", lines.join("; "))
    })?;
    let exporter = app::start(checked, sim.shared.clock.clone())
        .await
        .with_context(|| format!("starting the exporter on {}", args.listen))?;
    println!(
        "{}",
        serde_json::json!({
            "exporter": format!("http://{}/metrics", exporter.addr),
            "simulator": sim.csds_url(),
            "accounts": sim.account_ids(),
        })
    );
    tracing::info!(metrics = %format!("http://{}/metrics", exporter.addr), "demo ready");
    shutdown_signal().await;
    exporter.stop().await;
    Ok(())
}

/// The simulator's OAuth 1.0a keys as exporter credentials.
fn oauth1(keys: &liveperson_sim::auth::OAuth1Keys) -> Auth {
    Auth::oauth1(
        &keys.consumer_key,
        &keys.consumer_secret,
        &keys.token,
        &keys.token_secret,
    )
}

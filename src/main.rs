//! The `liveperson-exporter` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use liveperson_exporter::app;
use liveperson_exporter::clock::{SharedClock, SystemClock};
use liveperson_exporter::config::{self, Config};
use liveperson_exporter::simulator::{self, ClockMode, SimConfig, world::AccountSpec};

#[derive(Parser)]
#[command(
    version,
    about = "LivePerson contact-center metrics for Prometheus and OpenTelemetry"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Collect on schedule and serve /metrics (the default).
    Run(ConfigArgs),
    /// Check a configuration: exit 0, or exit 2 listing every problem with its key path.
    CheckConfig(ConfigArgs),
    /// Collect every enabled collector once, print the exposition, exit 1 if any failed.
    Once(ConfigArgs),
    /// Serve a simulated LivePerson (CSDS, Sentinel and the metrics APIs) on loopback.
    Simulate(SimulateArgs),
    /// The simulator and the exporter in one process, with demo credentials.
    Demo(DemoArgs),
}

#[derive(clap::Args, Default)]
struct ConfigArgs {
    /// Configuration file (YAML, or TOML by its .toml extension); the environment
    /// (LIVEPERSON_EXPORTER_*, `__` for nesting) overrides it.
    #[arg(long, short, env = "LIVEPERSON_EXPORTER_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
struct DemoArgs {
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

#[derive(clap::Args)]
struct SimulateArgs {
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

async fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
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

fn load(args: &ConfigArgs) -> Result<Config, Vec<config::Problem>> {
    app::check(args.config.as_deref())
}

fn report(problems: &[config::Problem]) -> ExitCode {
    eprintln!("configuration has {} problem(s):", problems.len());
    for p in problems {
        eprintln!("  {p}");
    }
    ExitCode::from(2)
}

fn init_logs(log: &config::LogConfig) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| log.level.as_str().into());
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter);
    if log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(cfg: Config, clock: SharedClock) -> anyhow::Result<()> {
    let accounts: Vec<String> = cfg.accounts.iter().map(|a| a.id.clone()).collect();
    tracing::info!(
        shard = cfg.shard.index,
        shards = cfg.shard.count,
        accounts = %accounts.join(","),
        configured = cfg.configured_accounts,
        "polling {} of {} configured account(s)",
        accounts.len(),
        cfg.configured_accounts
    );
    let exporter = app::start(cfg, clock).await?;
    tracing::info!(addr = %exporter.addr, "serving /metrics");
    shutdown_signal().await;
    tracing::info!("stopping");
    exporter.stop().await;
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

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
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
        &sim.shared.credentials.oauth1,
    );
    if args.otlp {
        cfg.otlp = demo_otlp()?;
    }
    let exporter = app::start(cfg, sim.shared.clock.clone())
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

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run(ConfigArgs::default()));
    let clock: SharedClock = Arc::new(SystemClock);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let result = match command {
        Command::CheckConfig(a) => {
            return match load(&a) {
                Ok(cfg) => {
                    if cfg.shard.count > 1 {
                        let ids: Vec<&str> = cfg.accounts.iter().map(|a| a.id.as_str()).collect();
                        println!(
                            "configuration ok: shard {} of {} polls {} of {} account(s): {}",
                            cfg.shard.index,
                            cfg.shard.count,
                            cfg.accounts.len(),
                            cfg.configured_accounts,
                            ids.join(", ")
                        );
                    } else {
                        println!("configuration ok: {} account(s)", cfg.accounts.len());
                    }
                    ExitCode::SUCCESS
                }
                Err(p) => report(&p),
            };
        }
        Command::Run(a) => match load(&a) {
            Ok(cfg) => {
                init_logs(&cfg.log);
                rt.block_on(run(cfg, clock))
            }
            Err(p) => return report(&p),
        },
        Command::Once(a) => match load(&a) {
            Ok(cfg) => {
                init_logs(&cfg.log);
                match rt.block_on(app::once(cfg, clock)) {
                    Ok((exposition, failures)) => {
                        use std::io::Write as _;
                        let _ = std::io::stdout().write_all(&exposition.text);
                        for f in &failures {
                            eprintln!("failed: {f}");
                        }
                        return if failures.is_empty() {
                            ExitCode::SUCCESS
                        } else {
                            ExitCode::FAILURE
                        };
                    }
                    Err(e) => Err(e),
                }
            }
            Err(p) => return report(&p),
        },
        Command::Simulate(a) => {
            init_logs(&config::LogConfig::default());
            rt.block_on(simulate(a))
        }
        Command::Demo(a) => {
            init_logs(&config::LogConfig::default());
            rt.block_on(demo(a))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

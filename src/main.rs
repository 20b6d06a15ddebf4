//! The `liveperson-exporter` command line.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use liveperson_exporter::simulator::{self, ClockMode, SimConfig, world::AccountSpec};

#[derive(Parser)]
#[command(
    version,
    about = "LivePerson contact-center metrics for Prometheus and OpenTelemetry"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a simulated LivePerson (CSDS, Sentinel and the metrics APIs) on loopback.
    Simulate(SimulateArgs),
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
    cfg.clock = ClockMode::Scaled(a.speed);
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

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        match cli.command {
            Command::Simulate(a) => simulate(a).await,
        }
    })
}

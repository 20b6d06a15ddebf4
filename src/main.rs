//! The `liveperson-exporter` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use demo::{DemoArgs, SimulateArgs};
use liveperson_exporter::app;
use liveperson_exporter::clock::{SharedClock, SystemClock};
use liveperson_exporter::config;

mod demo;
mod memory;

#[derive(Parser)]
#[command(
    name = "liveperson-exporter",
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
    /// Web config file in the Prometheus exporter-toolkit format (TLS, basic auth, headers);
    /// overrides web.config_file.
    #[arg(long = "web.config.file", value_name = "FILE")]
    web_config_file: Option<PathBuf>,
}

impl ConfigArgs {
    fn sources(&self) -> app::Sources {
        app::Sources {
            config: self.config.clone(),
            web_config_file: self.web_config_file.clone(),
        }
    }
}

fn load(args: &ConfigArgs) -> Result<app::Checked, Vec<config::Problem>> {
    app::check(&args.sources())
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
    // A panicking collector run is caught and reported as `error_type="internal"`; its panic goes
    // to the log once, in the log's format, instead of raw to stderr.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info.location().map(|l| l.to_string()).unwrap_or_default();
        tracing::error!(at = %at, "panic: {message}");
    }));
}

async fn run(checked: app::Checked, clock: SharedClock) -> anyhow::Result<()> {
    for c in checked.cautions() {
        tracing::warn!(key = %c.path, "{}", c.message);
    }
    let cfg = checked.config();
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
    let exporter = app::start(checked, clock).await?;
    tracing::info!(addr = %exporter.addr, "serving /metrics");
    #[cfg(unix)]
    reload_on_sighup(exporter.reloader())?;
    exporter
        .run(async {
            shutdown_signal().await;
            tracing::info!("stopping");
        })
        .await;
    Ok(())
}

/// SIGHUP reloads the configuration, as it does for Prometheus; the outcome is logged by the
/// reload itself.
#[cfg(unix)]
fn reload_on_sighup(
    reloader: tokio::sync::mpsc::Sender<liveperson_exporter::web::routes::ReloadRequest>,
) -> anyhow::Result<()> {
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the configuration");
            let (done, _) = tokio::sync::oneshot::channel();
            if reloader.send(done).await.is_err() {
                break;
            }
        }
    });
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = ctrl_c.await;
            return;
        };
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
    if matches!(
        command,
        Command::Run(_) | Command::Demo(_) | Command::Simulate(_)
    ) {
        memory::return_freed_memory();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let result = match command {
        Command::CheckConfig(a) => {
            return match load(&a) {
                Ok(checked) => {
                    for c in checked.cautions() {
                        eprintln!("caution: {c}");
                    }
                    let cfg = checked.config();
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
            Ok(checked) => {
                init_logs(&checked.config().log);
                rt.block_on(run(checked, clock))
            }
            Err(p) => return report(&p),
        },
        Command::Once(a) => match load(&a) {
            Ok(checked) => {
                init_logs(&checked.config().log);
                match rt.block_on(app::once(checked, clock)) {
                    Ok((exposition, failures)) => {
                        use std::io::Write as _;
                        let text = exposition.to_vec(
                            liveperson_exporter::metrics::exposition::Format::Text,
                            false,
                        );
                        let _ = std::io::stdout().write_all(&text);
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
            rt.block_on(demo::simulate(a))
        }
        Command::Demo(a) => {
            init_logs(&config::LogConfig::default());
            rt.block_on(demo::demo(a))
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

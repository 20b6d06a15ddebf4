//! Assembly: the one door to a checked configuration ([`check`], giving a [`Checked`]), and from
//! it to a running exporter ([`start`]: collectors, HTTP server, OTLP) that reloads itself
//! ([`Exporter::run`]: SIGHUP or `POST /-/reload` through [`Exporter::reloader`], and changed
//! secret files) and stops within `shutdown_timeout` ([`Exporter::stop`]); or to one collection
//! of everything ([`once`]). The configuration the demo runs ([`demo_config`]) lives here too; it
//! knows the simulator only by its URL and credentials.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::clock::SharedClock;
use crate::collectors::{CollectCtx, Planned, plan};
use crate::config::stamps::FileStamps;
use crate::config::{AccountConfig, Auth, Config, Problem};
use crate::fleet::Fleet;
use crate::liveperson::{AccountClient, LivePerson};
use crate::otlp::Sink;
use crate::scheduler::run_once;
use crate::store::Store;
use crate::traffic::Traffic;
use crate::web::config::Source;
use crate::web::routes::ReloadRequest;

/// Where the configuration comes from: the file (if any; the environment always applies) and the
/// `--web.config.file` flag, which overrides `web.config_file`. A reload reads them again (an
/// in-memory configuration, [`Checked::new`], has no sources: a reload reads the environment).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The configuration file.
    pub config: Option<PathBuf>,
    /// The web config file given on the command line.
    pub web_config_file: Option<PathBuf>,
}

/// A configuration with every enabled collector of every account built from it, and its web
/// config read: what `check-config` checks is exactly what `run` and `once` start, and the
/// collectors are planned once.
pub struct Checked {
    config: Config,
    planned: Vec<Planned>,
    web: Arc<Source>,
    sources: Sources,
}

impl Checked {
    /// Plans the collectors of an in-memory configuration (the demo's, the tests') and reads
    /// its web config file, if it names one.
    pub fn new(config: Config) -> Result<Self, Vec<Problem>> {
        finish(config, Vec::new(), Sources::default())
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Settings that work but cost information: a collector timeout that LivePerson's retry waits
    /// (`http.retry`) do not fit in. Such a run stops retrying early and fails with the cause it
    /// was retrying, where a longer timeout would have ridden the outage out.
    pub fn cautions(&self) -> Vec<Problem> {
        let retry = &self.config.http.retry;
        let chain = retry.server_error_waits.iter().sum::<std::time::Duration>()
            + retry.rate_limited_wait * retry.rate_limited_retries;
        self.planned
            .iter()
            .filter(|p| p.built.schedule.timeout <= chain)
            .map(|p| Problem {
                path: crate::config::join(
                    &crate::config::join(&self.config.accounts[p.account].path, "collectors"),
                    &format!("{}.timeout", p.entry.name),
                ),
                message: format!(
                    "{:?} does not fit the retry waits of http.retry.server_error_waits and \
                     http.retry.rate_limited_wait x rate_limited_retries ({chain:?} in all): \
                     retries that would outlast the run are skipped",
                    p.built.schedule.timeout
                ),
            })
            .collect()
    }
}

/// The one door to a checked configuration: loads the file and the environment, reads the web
/// config and plans every collector, reporting every problem of the file, the web config and every
/// collector section at once.
pub fn check(sources: &Sources) -> Result<Checked, Vec<Problem>> {
    let (mut config, problems) = crate::config::load(sources.config.as_deref());
    if let Some(file) = &sources.web_config_file {
        config.web.config_file = Some(file.clone());
    }
    finish(config, problems, sources.clone())
}

fn finish(
    config: Config,
    mut problems: Vec<Problem>,
    sources: Sources,
) -> Result<Checked, Vec<Problem>> {
    let web = match config.web.config_file.as_deref().map(Source::read) {
        None => Some(Source::none()),
        Some(Ok(source)) => Some(source),
        Some(Err(more)) => {
            problems.extend(more.0);
            None
        }
    };
    match (plan(&config), web) {
        (Ok(planned), Some(web)) if problems.is_empty() => Ok(Checked {
            config,
            planned,
            web: Arc::new(web),
            sources,
        }),
        (Ok(_), _) => Err(problems),
        (Err(more), _) => {
            problems.extend(more);
            Err(problems)
        }
    }
}

/// A running exporter.
pub struct Exporter {
    /// The address `/metrics` is served on.
    pub addr: SocketAddr,
    /// Snapshots and statistics.
    pub store: Arc<Store>,
    /// The OTLP pipeline, when enabled.
    pub otlp: Option<Sink>,
    sources: Sources,
    /// The configuration in force (settings that need a restart keep their running values).
    config: Config,
    traffic: Arc<Traffic>,
    clock: SharedClock,
    secret_files: FileStamps,
    fleet: Fleet,
    stop: CancellationToken,
    server: JoinHandle<()>,
    reload_tx: mpsc::Sender<ReloadRequest>,
    reload_rx: mpsc::Receiver<ReloadRequest>,
}

/// Keeps in `new` the running values of the settings a reload cannot change in a running process;
/// returns the keys whose values differed.
fn keep_restart_only(running: &Config, new: &mut Config) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if new.listen != running.listen {
        changed.push("listen");
        new.listen = running.listen;
    }
    if new.metrics_endpoint != running.metrics_endpoint {
        changed.push("metrics_endpoint");
        new.metrics_endpoint = running.metrics_endpoint;
    }
    if new.web != running.web {
        changed.push("web");
        new.web = running.web.clone();
    }
    if new.log != running.log {
        changed.push("log");
        new.log = running.log.clone();
    }
    changed
}

impl Exporter {
    /// Where reload requests go: `POST /-/reload` uses it, and the binary sends one per SIGHUP.
    pub fn reloader(&self) -> mpsc::Sender<ReloadRequest> {
        self.reload_tx.clone()
    }

    /// Reads the configuration again from its sources and applies it (see [`crate::fleet`]). An
    /// invalid one is refused as a whole and the running one stays; either way the outcome is
    /// logged and exposed as `liveperson_exporter_config_last_reload_successful`.
    pub async fn reload(&mut self) -> Result<(), String> {
        let checked = match check(&self.sources) {
            Ok(c) => c,
            Err(problems) => {
                for p in &problems {
                    tracing::error!(problem = %p, "configuration not reloaded, the old one keeps running");
                }
                self.store.reloaded(false);
                return Err(problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"));
            }
        };
        for c in checked.cautions() {
            tracing::warn!(key = %c.path, "{}", c.message);
        }
        let Checked {
            config: mut new,
            planned,
            ..
        } = checked;
        // What needs a restart keeps its running value, so the next reload compares with it.
        for key in keep_restart_only(&self.config, &mut new) {
            tracing::warn!(key, "changed; takes effect at the next restart");
        }
        // A changed OTLP section (a rotated header secret, too) needs a new pipeline; it is built
        // before anything changes, so a failure refuses the reload.
        let otlp_changed = new.otlp != self.config.otlp;
        let next_otlp = match (otlp_changed && new.otlp.enabled)
            .then(|| self.start_otlp(&new.otlp))
            .transpose()
        {
            Ok(sink) => sink,
            Err(e) => {
                tracing::error!(error = %e, "configuration not reloaded, the old one keeps running");
                self.store.reloaded(false);
                return Err(e.to_string());
            }
        };
        if otlp_changed {
            self.replace_otlp(next_otlp);
            if !new.otlp.enabled {
                self.store.keep_snapshots(false);
            }
        }
        let changes = self.fleet.apply(&new, planned).await;
        self.store.reconfigure(identity(&new), new.gauge_max_age);
        self.secret_files = FileStamps::of(new.secret_files());
        self.config = new;
        self.store.reloaded(true);
        tracing::info!(
            kept = changes.kept,
            reconnected = changes.reconnected,
            started = changes.started,
            stopped = changes.stopped,
            "configuration reloaded"
        );
        Ok(())
    }

    /// A new OTLP pipeline over this exporter's store.
    fn start_otlp(&self, cfg: &crate::otlp::OtlpConfig) -> anyhow::Result<Sink> {
        crate::otlp::start(
            cfg,
            self.store.clone(),
            self.traffic.clone(),
            self.clock.clone(),
        )
    }

    /// Puts `next` in place of the running OTLP pipeline, which exports what it has one last time
    /// in the background. The new pipeline's streams start afresh (a new start time), which OTLP
    /// backends read as a counter reset.
    fn replace_otlp(&mut self, next: Option<Sink>) {
        let starts = next.is_some();
        let old = std::mem::replace(&mut self.otlp, next);
        match (old, starts) {
            (Some(old), _) => {
                tracing::info!(restarted = starts, "OTLP: the running pipeline stops");
                tokio::spawn(async move {
                    if let Err(e) = old.shutdown().await {
                        tracing::warn!(error = %e, "OTLP: the replaced pipeline's final export failed");
                    }
                });
            }
            (None, true) => tracing::info!("OTLP: push started by the reloaded configuration"),
            (None, false) => {}
        }
    }

    /// Serves reload requests and reloads when a secret file changes, until `until` completes;
    /// then stops (see [`Exporter::stop`]).
    pub async fn run(mut self, until: impl std::future::Future<Output = ()>) {
        tokio::pin!(until);
        let mut every = self.config.secret_file_check_interval;
        let mut tick = checker(every);
        loop {
            tokio::select! {
                _ = &mut until => break,
                Some(request) = self.reload_rx.recv() => {
                    let outcome = self.reload().await;
                    let _ = request.send(outcome);
                }
                _ = tick.tick() => {
                    if self.secret_files.changed() {
                        tracing::info!("a secret file changed: reloading");
                        let _ = self.reload().await;
                    }
                }
            }
            if every != self.config.secret_file_check_interval {
                every = self.config.secret_file_check_interval;
                tick = checker(every);
            }
        }
        self.stop().await;
    }

    /// Stops within `shutdown_timeout`: collectors stop at once (a run in flight is cancelled and
    /// counts nothing), OTLP pushes what it has not exported yet (the collectors' last results
    /// included) once, and the server finishes the requests in progress and closes.
    pub async fn stop(self) {
        let deadline = tokio::time::Instant::now() + self.config.shutdown_timeout;
        self.stop.cancel();
        self.fleet.stop().await;
        if let Some(sink) = self.otlp {
            match tokio::time::timeout_at(deadline, sink.shutdown()).await {
                Ok(Ok(())) => tracing::info!("OTLP: final export done"),
                Ok(Err(e)) => tracing::warn!(error = %e, "OTLP: final export failed"),
                Err(_) => tracing::warn!("OTLP: final export cut off by shutdown_timeout"),
            }
        }
        let mut server = self.server;
        if tokio::time::timeout_at(deadline, &mut server)
            .await
            .is_err()
        {
            tracing::warn!("connections still open at shutdown_timeout: closing them");
            server.abort();
        }
    }
}

/// A ticker for the secret-file check.
fn checker(every: std::time::Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// Who the exporter is among its replicas, for the self metrics.
fn identity(cfg: &Config) -> crate::self_metrics::Identity {
    crate::self_metrics::Identity {
        shard: cfg.shard,
        accounts: cfg.accounts.iter().map(|a| a.id.clone()).collect(),
    }
}

/// The store the collectors publish to, for `cfg`.
fn new_store(cfg: &Config, clock: &SharedClock, traffic: &Arc<Traffic>) -> Store {
    Store::new(
        clock.clone(),
        traffic.clone(),
        cfg.gauge_max_age,
        identity(cfg),
    )
}

/// Starts collecting and serving. Errors are a failed bind or OTLP set-up.
pub async fn start(checked: Checked, clock: SharedClock) -> anyhow::Result<Exporter> {
    let Checked {
        config: cfg,
        planned,
        web,
        sources,
    } = checked;
    let traffic = Arc::new(Traffic::default());
    let store = Arc::new(new_store(&cfg, &clock, &traffic));
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let otlp = if cfg.otlp.enabled {
        Some(crate::otlp::start(
            &cfg.otlp,
            store.clone(),
            traffic.clone(),
            clock.clone(),
        )?)
    } else {
        None
    };
    let stop = CancellationToken::new();
    let mut fleet = Fleet::new(
        traffic.clone(),
        store.clone(),
        clock.clone(),
        stop.child_token(),
    );
    fleet.apply(&cfg, planned).await;
    let (reload_tx, reload_rx) = mpsc::channel(4);
    let router = crate::web::routes::router(crate::web::routes::Routes {
        store: store.clone(),
        serve_metrics: cfg.metrics_endpoint,
        max_requests: cfg.web.max_requests,
        reload: cfg.web.enable_lifecycle.then(|| reload_tx.clone()),
    });
    let server = tokio::spawn(crate::web::serve::serve(
        listener,
        router,
        web,
        cfg.web.limits(),
        traffic.serving(),
        stop.child_token(),
    ));
    Ok(Exporter {
        addr,
        store,
        otlp,
        sources,
        secret_files: FileStamps::of(cfg.secret_files()),
        config: cfg,
        traffic,
        clock,
        fleet,
        stop,
        server,
        reload_tx,
        reload_rx,
    })
}

/// Runs every enabled collector once; returns the exposition (both formats) and the failures
/// (`account/collector: error`).
pub async fn once(
    checked: Checked,
    clock: SharedClock,
) -> anyhow::Result<(Arc<crate::metrics::exposition::Exposition>, Vec<String>)> {
    let Checked {
        config: cfg,
        planned,
        ..
    } = checked;
    let traffic = Arc::new(Traffic::default());
    let store = new_store(&cfg, &clock, &traffic);
    let lp = Arc::new(LivePerson::new(cfg.http.clone(), traffic));
    let clients: Vec<Arc<AccountClient>> = cfg
        .accounts
        .iter()
        .map(|a| Arc::new(AccountClient::new(lp.clone(), a.clone())))
        .collect();
    let mut failures = Vec::new();
    for mut p in planned {
        let client = clients[p.account].clone();
        let ctx = CollectCtx {
            client: client.clone(),
            clock: clock.clone(),
        };
        let (result, took) =
            run_once(p.built.collector.as_mut(), &ctx, p.built.schedule.timeout).await;
        if let Err(e) = &result {
            failures.push(format!("{}/{}: {e}", client.account_id(), p.entry.name));
        }
        store.publish(client.account_id(), p.entry.name, &result, took);
    }
    store.settled().await;
    Ok((store.exposition(), failures))
}

/// The configuration `demo` runs: every simulated account with the simulator's `auth`, CSDS at
/// `csds_url`, every collector on short intervals so the numbers move while you watch, with the
/// opt-in per-agent views (agent_view, agent_info) on so every dashboard panel has data.
pub fn demo_config(listen: SocketAddr, csds_url: &str, accounts: &[String], auth: Auth) -> Config {
    let collectors = serde_json::json!({
        "key_messaging_metrics": {"interval": "30s", "timeout": "25s", "settle_delay": "1m", "agent_view": true},
        "messaging_queue_health": {"interval": "15s", "timeout": "10s"},
        "messaging_conversation": {"interval": "1m", "timeout": "50s", "settle_delay": "2m", "backfill": "1h"},
        "engagement_activity": {"interval": "1m", "timeout": "50s", "settle_delay": "2m", "backfill": "1h"},
        "interval_metrics": {"interval": "1m", "timeout": "50s", "backfill": "2h"},
        "net_handle_time": {"interval": "1m", "timeout": "50s"},
        "actual_handle_time": {"interval": "1m", "timeout": "50s", "backfill": "2h"},
        "agent_activity": {"interval": "1m", "timeout": "50s", "agent_info": true},
    });
    Config {
        listen,
        configured_accounts: accounts.len(),
        accounts: accounts
            .iter()
            .enumerate()
            .map(|(i, id)| AccountConfig {
                path: format!("accounts[{i}]"),
                id: id.clone(),
                csds_url: csds_url.to_string(),
                domains: Default::default(),
                auth: auth.clone(),
                collectors: collectors
                    .as_object()
                    .expect("object")
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
            .collect(),
        ..Config::default()
    }
}

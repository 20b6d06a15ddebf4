//! Assembly: the one door to a checked configuration ([`check`], giving a [`Checked`]), and from
//! it to running clients, collectors, scheduler and HTTP server ([`start`]), or to one collection
//! of everything ([`once`]). The configuration the demo runs ([`demo_config`]) lives here too; it
//! knows the simulator only by its URL and credentials.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::SharedClock;
use crate::collectors::{CollectCtx, Planned, plan};
use crate::config::{AccountConfig, Auth, Config, HttpConfig, LogConfig, Problem};
use crate::liveperson::{AccountClient, LivePerson};
use crate::otlp::Sink;
use crate::scheduler::{Task, run_once, spawn};
use crate::store::Store;
use crate::traffic::Traffic;

/// A configuration with every enabled collector of every account built from it: what
/// `check-config` checks is exactly what `run` and `once` start, and the collectors are planned
/// once.
pub struct Checked {
    config: Config,
    planned: Vec<Planned>,
}

impl Checked {
    /// Plans the collectors of an in-memory configuration (the demo's, the tests').
    pub fn new(config: Config) -> Result<Self, Vec<Problem>> {
        let planned = plan(&config)?;
        Ok(Self { config, planned })
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

/// The one door to a checked configuration: loads the file and the environment and plans every
/// collector, reporting every problem of the file and of every collector section at once.
pub fn check(path: Option<&std::path::Path>) -> Result<Checked, Vec<Problem>> {
    let (config, mut problems) = crate::config::load(path);
    match plan(&config) {
        Ok(planned) if problems.is_empty() => Ok(Checked { config, planned }),
        Ok(_) => Err(problems),
        Err(more) => {
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
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    server: JoinHandle<()>,
}

impl Exporter {
    /// Stops the collectors (a run in flight is cancelled and counts nothing), then pushes what
    /// OTLP has not exported yet (the collectors' last results included), then stops the server.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        if let Some(sink) = self.otlp {
            match sink.shutdown().await {
                Ok(()) => tracing::info!("OTLP: final export done"),
                Err(e) => tracing::warn!(error = %e, "OTLP: final export failed"),
            }
        }
        let _ = self.server.await;
    }
}

/// Collector tasks, the store they publish to, the traffic counters and the bounds of the
/// histograms they emit.
struct Prepared {
    tasks: Vec<Task>,
    store: Store,
    traffic: Arc<Traffic>,
    histogram_bounds: BTreeMap<&'static str, Vec<f64>>,
}

/// Every account's collector tasks (on one HTTP client and its traffic counters), and the store
/// they publish to.
fn prepare(checked: Checked, clock: &SharedClock) -> (Config, Prepared) {
    let Checked {
        config: cfg,
        planned,
    } = checked;
    let traffic = Arc::new(Traffic::default());
    let lp = Arc::new(LivePerson::new(cfg.http.clone(), traffic.clone()));
    let clients: Vec<Arc<AccountClient>> = cfg
        .accounts
        .iter()
        .map(|a| Arc::new(AccountClient::new(lp.clone(), a.clone())))
        .collect();
    let histogram_bounds = crate::collectors::histogram_bounds(&planned);
    let tasks = planned
        .into_iter()
        .map(|p| Task {
            name: p.entry.name,
            collector: p.built.collector,
            schedule: p.built.schedule,
            client: clients[p.account].clone(),
        })
        .collect();
    let store = Store::new(
        clock.clone(),
        traffic.clone(),
        cfg.gauge_max_age,
        crate::self_metrics::Identity {
            shard: cfg.shard,
            accounts: cfg.accounts.iter().map(|a| a.id.clone()).collect(),
        },
    );
    let prepared = Prepared {
        tasks,
        store,
        traffic,
        histogram_bounds,
    };
    (cfg, prepared)
}

/// Starts collecting and serving. Errors are a failed bind or OTLP set-up.
pub async fn start(checked: Checked, clock: SharedClock) -> anyhow::Result<Exporter> {
    let (
        cfg,
        Prepared {
            tasks,
            store,
            traffic,
            histogram_bounds,
        },
    ) = prepare(checked, &clock);
    let store = Arc::new(store);
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let otlp = if cfg.otlp.enabled {
        Some(crate::otlp::start(
            &cfg.otlp,
            store.clone(),
            traffic,
            clock.clone(),
            histogram_bounds,
        )?)
    } else {
        None
    };
    let (shutdown, rx) = watch::channel(false);
    let tasks = spawn(tasks, store.clone(), clock, rx.clone());
    let router = crate::http::router(store.clone(), cfg.metrics_endpoint);
    let mut stop = rx;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await;
    });
    Ok(Exporter {
        addr,
        store,
        otlp,
        shutdown,
        tasks,
        server,
    })
}

/// Runs every enabled collector once; returns the exposition (both formats) and the failures
/// (`account/collector: error`).
pub async fn once(
    checked: Checked,
    clock: SharedClock,
) -> anyhow::Result<(Arc<crate::metrics::exposition::Exposition>, Vec<String>)> {
    let (_, Prepared { tasks, store, .. }) = prepare(checked, &clock);
    let mut failures = Vec::new();
    for mut t in tasks {
        let ctx = CollectCtx {
            client: t.client.clone(),
            clock: clock.clone(),
        };
        let (result, took) = run_once(t.collector.as_mut(), &ctx, t.schedule.timeout).await;
        if let Err(e) = &result {
            failures.push(format!("{}/{}: {e}", t.client.account_id(), t.name));
        }
        store.publish(t.client.account_id(), t.name, &result, took);
    }
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
        metrics_endpoint: true,
        otlp: crate::otlp::OtlpConfig::default(),
        log: LogConfig::default(),
        http: HttpConfig::default(),
        gauge_max_age: std::time::Duration::from_secs(300),
        shard: crate::shard::Shard::default(),
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
    }
}

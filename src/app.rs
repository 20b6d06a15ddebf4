//! Assembly: from a checked [`Config`] to running clients, collectors, scheduler and HTTP server
//! ([`start`]), or to one collection of everything ([`once`]). The demo configuration for the
//! embedded simulator lives here too ([`demo_config`]).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::SharedClock;
use crate::collectors::{CollectCtx, plan};
use crate::config::{AccountConfig, Auth, Config, HttpConfig, LogConfig, Problem, Secret};
use crate::lp::{AccountClient, Lp};
use crate::scheduler::{Task, run_once, spawn};
use crate::store::Store;
use crate::telemetry::Telemetry;

/// Loads and checks a configuration the way `check-config` does: every problem of the file and of
/// every collector section at once.
pub fn check(path: Option<&std::path::Path>) -> Result<Config, Vec<Problem>> {
    let (cfg, mut problems) = crate::config::load(path);
    if let Err(more) = plan(&cfg) {
        problems.extend(more);
    }
    if problems.is_empty() {
        Ok(cfg)
    } else {
        Err(problems)
    }
}

/// A running exporter.
pub struct Exporter {
    /// The address `/metrics` is served on.
    pub addr: SocketAddr,
    /// Snapshots and statistics.
    pub store: Arc<Store>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    server: JoinHandle<()>,
}

impl Exporter {
    /// Stops the collectors and the server and waits for them.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        let _ = self.server.await;
    }
}

/// Every account's collector tasks (on one HTTP client and its traffic counters), and the store
/// they publish to.
fn prepare(cfg: &Config, clock: &SharedClock) -> anyhow::Result<(Vec<Task>, Store)> {
    let telemetry = Arc::new(Telemetry::default());
    let lp = Arc::new(Lp::new(cfg.http.clone(), telemetry.clone()));
    let clients: Vec<Arc<AccountClient>> = cfg
        .accounts
        .iter()
        .map(|a| Arc::new(AccountClient::new(lp.clone(), a.clone())))
        .collect();
    let planned = plan(cfg).map_err(|p: Vec<Problem>| {
        let lines: Vec<String> = p.iter().map(|x| x.to_string()).collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })?;
    let tasks = planned
        .into_iter()
        .map(|p| Task {
            name: p.entry.name,
            collector: p.built.collector,
            schedule: p.built.schedule,
            client: clients[p.account].clone(),
        })
        .collect();
    Ok((
        tasks,
        Store::new(clock.clone(), telemetry, cfg.gauge_max_age),
    ))
}

/// Starts collecting and serving. Errors are configuration problems or a failed bind.
pub async fn start(cfg: Config, clock: SharedClock) -> anyhow::Result<Exporter> {
    let (tasks, store) = prepare(&cfg, &clock)?;
    let store = Arc::new(store);
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let (shutdown, rx) = watch::channel(false);
    let tasks = spawn(tasks, store.clone(), clock, rx.clone());
    let router = crate::http::router(store.clone());
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
        shutdown,
        tasks,
        server,
    })
}

/// Runs every enabled collector once; returns the Prometheus text and the failures
/// (`account/collector: error`).
pub async fn once(cfg: Config, clock: SharedClock) -> anyhow::Result<(String, Vec<String>)> {
    let (tasks, store) = prepare(&cfg, &clock)?;
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
    let text = String::from_utf8(store.exposition().text.to_vec()).expect("UTF-8");
    Ok((text, failures))
}

/// The configuration `demo` runs: every simulated account with the demo OAuth 1.0a keys, CSDS at
/// `csds_url`, every collector on short intervals so the numbers move while you watch.
pub fn demo_config(
    listen: SocketAddr,
    csds_url: &str,
    accounts: &[String],
    keys: &crate::simulator::auth::OAuth1Keys,
) -> Config {
    let collectors = serde_json::json!({
        "key_messaging_metrics": {"interval": "30s", "timeout": "25s", "settle_delay": "1m"},
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
        log: LogConfig::default(),
        http: HttpConfig::default(),
        gauge_max_age: std::time::Duration::from_secs(300),
        accounts: accounts
            .iter()
            .enumerate()
            .map(|(i, id)| AccountConfig {
                path: format!("accounts[{i}]"),
                id: id.clone(),
                csds_url: csds_url.to_string(),
                domains: Default::default(),
                auth: Auth::OAuth1 {
                    consumer_key: Secret::new(&keys.consumer_key),
                    consumer_secret: Secret::new(&keys.consumer_secret),
                    token: Secret::new(&keys.token),
                    token_secret: Secret::new(&keys.token_secret),
                },
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

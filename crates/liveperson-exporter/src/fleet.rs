//! The running collectors of every account, and how a new configuration changes them.
//!
//! [`Fleet::apply`] brings the running set to a planned one with as little disturbance as
//! possible: a collector whose section and account connection did not change keeps running
//! untouched (its counters and watermarks stay, its schedule goes on); rotated credentials are put
//! into the account's client in place; a collector whose account connection (CSDS URL, domains,
//! the shared `http` settings) changed is restarted with its state kept; one whose own section
//! changed starts afresh (its counters start over, which Prometheus reads as a counter reset);
//! added ones start, and removed ones stop and their series go.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::clock::SharedClock;
use crate::collectors::Planned;
use crate::config::{AccountConfig, Config};
use crate::liveperson::{AccountClient, LivePerson};
use crate::scheduler::{Task, spawn};
use crate::store::Store;
use crate::traffic::Traffic;

/// A collector task that is running.
struct Running {
    section: Value,
    client: Arc<AccountClient>,
    stop: CancellationToken,
    handle: JoinHandle<Task>,
}

impl Running {
    /// Stops it and gives its task back (`None` if the task ended abnormally).
    async fn stop(self) -> Option<Task> {
        self.stop.cancel();
        self.handle.await.ok()
    }
}

/// What [`Fleet::apply`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Changes {
    /// Collectors left running untouched.
    pub kept: usize,
    /// Collectors restarted with their state (their account's connection changed).
    pub reconnected: usize,
    /// Collectors started afresh (new, or their section changed).
    pub started: usize,
    /// Collectors stopped for good.
    pub stopped: usize,
}

/// The running collectors and the clients they call LivePerson with.
pub struct Fleet {
    lp: Option<Arc<LivePerson>>,
    traffic: Arc<Traffic>,
    store: Arc<Store>,
    clock: SharedClock,
    stop: CancellationToken,
    clients: BTreeMap<String, Arc<AccountClient>>,
    running: BTreeMap<(String, &'static str), Running>,
}

/// Whether a client made for `old` serves `new` (the credentials are swapped in place).
fn same_connection(old: &AccountConfig, new: &AccountConfig) -> bool {
    old.csds_url == new.csds_url && old.domains == new.domains
}

impl Fleet {
    /// An empty fleet; its tasks stop when `stop` is cancelled.
    pub fn new(
        traffic: Arc<Traffic>,
        store: Arc<Store>,
        clock: SharedClock,
        stop: CancellationToken,
    ) -> Self {
        Self {
            lp: None,
            traffic,
            store,
            clock,
            stop,
            clients: BTreeMap::new(),
            running: BTreeMap::new(),
        }
    }

    /// Brings the running collectors to `planned` (made from `cfg`).
    pub async fn apply(&mut self, cfg: &Config, planned: Vec<Planned>) -> Changes {
        let mut changes = Changes::default();
        let lp = match &self.lp {
            Some(lp) if *lp.config() == cfg.http => lp.clone(),
            _ => {
                let lp = Arc::new(LivePerson::new(cfg.http.clone(), self.traffic.clone()));
                self.lp = Some(lp.clone());
                lp
            }
        };
        let mut clients = BTreeMap::new();
        for account in &cfg.accounts {
            let client = match self.clients.get(&account.id) {
                Some(old)
                    if Arc::ptr_eq(old.live_person(), &lp)
                        && same_connection(old.account(), account) =>
                {
                    old.set_auth(&account.auth).await;
                    old.clone()
                }
                _ => Arc::new(AccountClient::new(lp.clone(), account.clone())),
            };
            clients.insert(account.id.clone(), client);
        }
        let mut running = std::mem::take(&mut self.running);
        for p in planned {
            let account = &cfg.accounts[p.account];
            let key = (account.id.clone(), p.entry.name);
            let section = account
                .collectors
                .get(p.entry.name)
                .cloned()
                .unwrap_or(Value::Null);
            let client = clients[&account.id].clone();
            let mut task = Task {
                name: p.entry.name,
                collector: p.built.collector,
                schedule: p.built.schedule,
                client: client.clone(),
            };
            if let Some(old) = running.remove(&key) {
                if old.section == section && Arc::ptr_eq(&old.client, &client) {
                    self.running.insert(key, old);
                    changes.kept += 1;
                    continue;
                }
                let same_section = old.section == section;
                if let Some(old_task) = old.stop().await
                    && same_section
                {
                    task.collector = old_task.collector;
                    changes.reconnected += 1;
                } else {
                    changes.started += 1;
                }
            } else {
                changes.started += 1;
            }
            let stop = self.stop.child_token();
            let handle = spawn(task, self.store.clone(), self.clock.clone(), stop.clone());
            self.running.insert(
                key,
                Running {
                    section,
                    client,
                    stop,
                    handle,
                },
            );
        }
        for ((account, name), old) in running {
            old.stop().await;
            self.store.forget(&account, name);
            changes.stopped += 1;
        }
        for gone in self.clients.keys().filter(|id| !clients.contains_key(*id)) {
            self.traffic.forget(gone);
        }
        self.clients = clients;
        changes
    }

    /// Stops every collector (runs in flight are cancelled) and waits for them.
    pub async fn stop(self) {
        self.stop.cancel();
        for (_, r) in self.running {
            let _ = r.handle.await;
        }
    }
}

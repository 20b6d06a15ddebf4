//! The store: the latest snapshot and run statistics of every (account, collector), and the
//! exposition encoded from them.
//!
//! Every finished run calls [`Store::publish`], which re-encodes the exposition at once (both
//! formats, plain and gzipped) and swaps it in together with the snapshots it was encoded from
//! ([`Published`]); `/metrics` only copies ready bytes and never waits on LivePerson, and the OTLP
//! sink reads the very same snapshots. A failed run keeps the collector's last snapshot: its counters stay, its gauges stay
//! until `gauge_max_age` after the last success and are then dropped.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use parking_lot::Mutex;
use tokio::sync::watch;

use crate::clock::{EpochMs, SharedClock, duration_ms};
use crate::collectors::CollectError;
use crate::metrics::exposition::{Exposition, encode};
use crate::metrics::snapshot::Snapshot;
use crate::self_metrics::{self, RunStats};
use crate::traffic::Traffic;

/// What the store exposes at one moment: the snapshots (collectors' and the self metrics) and the
/// exposition encoded from exactly them.
#[derive(Debug, Default)]
pub struct Published {
    /// The exposed snapshots.
    pub snapshots: Vec<Arc<Snapshot>>,
    /// Their encoding for `/metrics`.
    pub exposition: Arc<Exposition>,
}

#[derive(Debug, Default)]
struct Slot {
    stats: RunStats,
    snapshot: Option<Arc<Snapshot>>,
}

/// Snapshots, run statistics and the current exposition.
pub struct Store {
    clock: SharedClock,
    traffic: Arc<Traffic>,
    identity: Mutex<self_metrics::Identity>,
    config_status: Mutex<self_metrics::ConfigStatus>,
    gauge_max_age_ms: AtomicI64,
    slots: Mutex<BTreeMap<(String, &'static str), Slot>>,
    published: ArcSwap<Published>,
    generation: watch::Sender<u64>,
}

impl Store {
    /// An empty store.
    pub fn new(
        clock: SharedClock,
        traffic: Arc<Traffic>,
        gauge_max_age: Duration,
        identity: self_metrics::Identity,
    ) -> Self {
        let loaded_ms = clock.now_ms();
        let store = Self {
            clock,
            traffic,
            identity: Mutex::new(identity),
            config_status: Mutex::new(self_metrics::ConfigStatus {
                last_reload_successful: true,
                loaded_ms,
            }),
            gauge_max_age_ms: AtomicI64::new(duration_ms(gauge_max_age)),
            slots: Mutex::new(BTreeMap::new()),
            published: ArcSwap::from_pointee(Published::default()),
            generation: watch::channel(0).0,
        };
        store.rebuild();
        store
    }

    /// Takes a reloaded configuration's identity (the accounts polled) and gauge age.
    pub fn reconfigure(&self, identity: self_metrics::Identity, gauge_max_age: Duration) {
        *self.identity.lock() = identity;
        self.gauge_max_age_ms
            .store(duration_ms(gauge_max_age), Ordering::Relaxed);
    }

    /// Records a reload's outcome.
    pub fn reloaded(&self, applied: bool) {
        let mut status = self.config_status.lock();
        status.last_reload_successful = applied;
        if applied {
            status.loaded_ms = self.clock.now_ms();
        }
        drop(status);
        self.rebuild();
    }

    /// Forgets a collector that no longer runs (its account or section was removed): its series
    /// and statistics go with the next rebuild.
    pub fn forget(&self, account: &str, collector: &'static str) {
        self.slots.lock().remove(&(account.to_string(), collector));
    }

    /// Declares a collector that will run, so readiness waits for it.
    pub fn register(&self, account: &str, collector: &'static str) {
        self.slots
            .lock()
            .entry((account.to_string(), collector))
            .or_insert_with(|| Slot {
                stats: RunStats {
                    collector,
                    account: account.to_string(),
                    ..RunStats::default()
                },
                snapshot: None,
            });
    }

    /// Records a finished run and re-encodes the exposition.
    pub fn publish(
        &self,
        account: &str,
        collector: &'static str,
        result: &Result<Arc<Snapshot>, CollectError>,
        duration: Duration,
    ) {
        self.register(account, collector);
        {
            let mut slots = self.slots.lock();
            let slot = slots
                .get_mut(&(account.to_string(), collector))
                .expect("registered");
            slot.stats.last_duration_s = duration.as_secs_f64();
            slot.stats.runs += 1;
            match result {
                Ok(snap) => {
                    slot.stats.last_ok = Some(true);
                    slot.stats.last_success_ms = Some(self.clock.now_ms());
                    slot.snapshot = Some(snap.clone());
                }
                Err(e) => {
                    slot.stats.last_ok = Some(false);
                    *slot
                        .stats
                        .errors
                        .entry(e.error_type().as_str())
                        .or_default() += 1;
                    slot.stats.last_error = Some((e.error_type().as_str(), e.to_string()));
                }
            }
        }
        self.rebuild();
    }

    /// Counts runs skipped because a run was still going.
    pub fn skipped(&self, account: &str, collector: &'static str, n: u64) {
        self.register(account, collector);
        if let Some(s) = self.slots.lock().get_mut(&(account.to_string(), collector)) {
            s.stats.skipped += n;
        }
        self.rebuild();
    }

    /// The snapshot a slot exposes now: all of it while fresh, its counters once stale.
    fn exposed(&self, slot: &Slot, now: EpochMs) -> Option<Arc<Snapshot>> {
        let snap = slot.snapshot.as_ref()?;
        let fresh = slot
            .stats
            .last_success_ms
            .is_some_and(|t| now - t <= self.gauge_max_age_ms.load(Ordering::Relaxed));
        Some(if fresh || slot.stats.last_ok == Some(true) {
            snap.clone()
        } else {
            Arc::new(snap.counters_only())
        })
    }

    /// Re-encodes the exposition from the current snapshots.
    pub fn rebuild(&self) {
        let now = self.clock.now_ms();
        let mut snaps = Vec::new();
        let mut stats = Vec::new();
        {
            let mut slots = self.slots.lock();
            for slot in slots.values_mut() {
                let exposed = self.exposed(slot, now);
                slot.stats.series = exposed.as_ref().map_or(0, |s| s.series());
                stats.push(slot.stats.clone());
                snaps.extend(exposed);
            }
        }
        let identity = self.identity.lock().clone();
        let status = *self.config_status.lock();
        match self_metrics::snapshot(&identity, &status, &stats, &self.traffic.view()) {
            Ok(s) => snaps.push(s),
            Err(e) => tracing::error!(error = %e, "self metrics"),
        }
        let exposition = Arc::new(encode(snaps.clone()));
        self.published.store(Arc::new(Published {
            snapshots: snaps,
            exposition,
        }));
        self.generation.send_modify(|g| *g += 1);
    }

    /// The current exposition.
    pub fn exposition(&self) -> Arc<Exposition> {
        self.published.load().exposition.clone()
    }

    /// The current snapshots with their exposition.
    pub fn published(&self) -> Arc<Published> {
        self.published.load_full()
    }

    /// Run statistics of every collector.
    pub fn stats(&self) -> Vec<RunStats> {
        self.slots
            .lock()
            .values()
            .map(|s| s.stats.clone())
            .collect()
    }

    /// The last snapshot of a collector, if it has succeeded.
    pub fn snapshot(&self, account: &str, collector: &str) -> Option<Arc<Snapshot>> {
        self.slots
            .lock()
            .iter()
            .find(|((a, c), _)| a == account && *c == collector)
            .and_then(|(_, s)| s.snapshot.clone())
    }

    /// `Ok` once every registered collector has succeeded once; otherwise the ones still waiting.
    pub fn ready(&self) -> Result<(), String> {
        let waiting: Vec<String> = self
            .slots
            .lock()
            .values()
            .filter(|s| s.stats.last_success_ms.is_none())
            .map(|s| format!("{}/{}", s.stats.account, s.stats.collector))
            .collect();
        if waiting.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "waiting for a first successful run of: {}",
                waiting.join(", ")
            ))
        }
    }

    /// A receiver that changes whenever the exposition is rebuilt (tests wait on it).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::liveperson::ApiError;
    use crate::metrics::catalogue::{Kind, MetricSpec};
    use crate::metrics::snapshot::SnapshotBuilder;

    static G: MetricSpec = MetricSpec {
        name: "liveperson_test_gauge",
        help: "Gauge",
        unit: None,
        kind: Kind::Gauge,
        labels: &["account_id"],
    };
    static C: MetricSpec = MetricSpec {
        name: "liveperson_test_counter_total",
        help: "Counter",
        unit: None,
        kind: Kind::Counter,
        labels: &["account_id"],
    };
    static ALL: &[&MetricSpec] = &[&G, &C];

    #[test]
    fn a_failing_collector_keeps_counters_and_drops_gauges_after_max_age() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let store = Store::new(
            clock.clone(),
            Arc::default(),
            Duration::from_secs(300),
            self_metrics::Identity::default(),
        );
        let mut b = SnapshotBuilder::new(ALL);
        b.add(&G, &["1"], Some(5.0)).unwrap();
        b.add(&C, &["1"], Some(7.0)).unwrap();
        store.publish("1", "test", &Ok(b.build()), Duration::ZERO);
        let text = || String::from_utf8(store.exposition().text.to_vec()).unwrap();
        assert!(text().contains("liveperson_test_gauge{account_id=\"1\"} 5.0"));
        let failed = Err(CollectError::Api(ApiError::Timeout { api: "x" }));
        clock.advance(299_000);
        store.publish("1", "test", &failed, Duration::ZERO);
        assert!(text().contains("liveperson_test_gauge{"), "still fresh");
        clock.advance(2_000);
        store.publish("1", "test", &failed, Duration::ZERO);
        assert!(!text().contains("liveperson_test_gauge{"), "too old");
        assert!(text().contains("liveperson_test_counter_total{account_id=\"1\"} 7.0"));
        assert!(
            text().contains(
                "liveperson_exporter_collector_up{collector=\"test\",account_id=\"1\"} 0.0"
            )
        );
        assert!(store.ready().is_ok(), "it has succeeded once");
    }
}

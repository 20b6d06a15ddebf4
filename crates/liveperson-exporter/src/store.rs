//! The store: the latest snapshot and run statistics of every (account, collector), and the
//! exposition assembled from them.
//!
//! A finished run hands its result to [`Store::publish`], which records it and wakes the store's
//! assembler thread; the collector's task pays nothing more. The assembler encodes what changed
//! (the new snapshots, the self metrics of their accounts, the global self metrics) into pieces,
//! rebuilds the blocks of the families those touch ([`Assembler`]) and swaps in the new exposition
//! together with the snapshots it came from ([`Published`]). Publishes that arrive meanwhile are
//! taken together by its next round, and it rests between rounds for four times as long as the
//! last one took (at most a second): assembling stays off the async workers, costs what changed,
//! and never takes more than a fifth of a core however many accounts publish. `/metrics` streams
//! ready bytes and never waits on LivePerson; the OTLP sink reads the very same snapshots.
//!
//! A failed run keeps the collector's last snapshot: its counters stay, its gauges stay until
//! `gauge_max_age` after the last success and are then dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use parking_lot::{Condvar, Mutex};
use tokio::sync::watch;

use crate::clock::{EpochMs, SharedClock, duration_ms};
use crate::collectors::CollectError;
use crate::metrics::exposition::{Assembler, Exposition, SourceKey};
use crate::metrics::pieces::{self, Encoded};
use crate::metrics::snapshot::Snapshot;
use crate::self_metrics::{self, RunStats};
use crate::traffic::Traffic;

/// What the store exposes at one moment: the snapshots (collectors' and the self metrics) and the
/// exposition assembled from exactly them.
#[derive(Debug, Default)]
pub struct Published {
    /// The exposed snapshots, each with where it comes from.
    pub snapshots: Vec<(SourceKey, Arc<Snapshot>)>,
    /// Their exposition for `/metrics`.
    pub exposition: Arc<Exposition>,
}

/// Longest rest between two assemblies.
const MAX_REST: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
struct Slot {
    stats: RunStats,
    /// The last snapshot, until the assembler has encoded it; after that only while snapshots
    /// are kept (for OTLP): the exposition needs just its pieces.
    snapshot: Option<Arc<Snapshot>>,
    /// Series of the last snapshot: whole, and its counters only.
    series: (usize, usize),
    /// The snapshot changed since it was last encoded.
    changed: bool,
    /// Whether the exposition shows the snapshot whole (else its counters only); `None` before
    /// the first success.
    shown: Option<bool>,
    /// What OTLP reads of it (whole or counters only), while snapshots are kept.
    shown_snapshot: Option<Arc<Snapshot>>,
}

/// What the assembler is asked to do.
#[derive(Debug, Default)]
struct Work {
    /// Requests made so far; the assembler reports the last one it covered in `done`.
    requested: u64,
    /// Accounts whose self metrics changed.
    accounts: BTreeSet<String>,
    /// Collectors forgotten since the last round.
    forgotten: Vec<(String, &'static str)>,
    stop: bool,
}

/// What the store's handle and its assembler thread share.
struct Shared {
    clock: SharedClock,
    traffic: Arc<Traffic>,
    identity: Mutex<self_metrics::Identity>,
    config_status: Mutex<self_metrics::ConfigStatus>,
    gauge_max_age_ms: AtomicI64,
    /// Whether collectors' snapshots are kept after encoding (OTLP reads them).
    keep_snapshots: AtomicBool,
    slots: Mutex<BTreeMap<(String, &'static str), Slot>>,
    work: Mutex<Work>,
    wake: Condvar,
    published: ArcSwap<Published>,
    generation: watch::Sender<u64>,
    done: watch::Sender<u64>,
}

/// Snapshots, run statistics and the current exposition.
pub struct Store {
    shared: Arc<Shared>,
}

impl Drop for Store {
    fn drop(&mut self) {
        self.shared.work.lock().stop = true;
        self.shared.wake.notify_one();
    }
}

impl Store {
    /// An empty store, its exposition already assembled, and its assembler thread started.
    pub fn new(
        clock: SharedClock,
        traffic: Arc<Traffic>,
        gauge_max_age: Duration,
        identity: self_metrics::Identity,
    ) -> Self {
        let loaded_ms = clock.now_ms();
        let shared = Arc::new(Shared {
            clock,
            traffic,
            identity: Mutex::new(identity),
            config_status: Mutex::new(self_metrics::ConfigStatus {
                last_reload_successful: true,
                loaded_ms,
            }),
            gauge_max_age_ms: AtomicI64::new(duration_ms(gauge_max_age)),
            keep_snapshots: AtomicBool::new(false),
            slots: Mutex::new(BTreeMap::new()),
            work: Mutex::new(Work::default()),
            wake: Condvar::new(),
            published: ArcSwap::from_pointee(Published::default()),
            generation: watch::channel(0).0,
            done: watch::channel(0).0,
        });
        let mut rounds = Rounds::default();
        rounds.assemble(&shared, BTreeSet::new(), Vec::new());
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("assembler".into())
            .spawn(move || rounds.run(&worker))
            .expect("spawning the assembler thread");
        Self { shared }
    }

    /// Asks the assembler for a new exposition, with `account`'s self metrics renewed.
    fn request(&self, account: Option<&str>) {
        let mut work = self.shared.work.lock();
        work.requested += 1;
        if let Some(a) = account
            && !work.accounts.contains(a)
        {
            work.accounts.insert(a.to_string());
        }
        drop(work);
        self.shared.wake.notify_one();
    }

    /// Takes a reloaded configuration's identity (the accounts polled) and gauge age.
    pub fn reconfigure(&self, identity: self_metrics::Identity, gauge_max_age: Duration) {
        *self.shared.identity.lock() = identity;
        self.shared
            .gauge_max_age_ms
            .store(duration_ms(gauge_max_age), Ordering::Relaxed);
        self.request(None);
    }

    /// Whether collectors' snapshots are kept after they are encoded, for a reader of
    /// [`Published::snapshots`] (OTLP). Off, the store holds only their encoded pieces, and
    /// `Published` carries the self metrics' snapshots only. Turned on, a collector's snapshot
    /// is there again from its next run.
    pub fn keep_snapshots(&self, keep: bool) {
        if self.shared.keep_snapshots.swap(keep, Ordering::Relaxed) != keep {
            self.request(None);
        }
    }

    /// Records a reload's outcome.
    pub fn reloaded(&self, applied: bool) {
        let mut status = self.shared.config_status.lock();
        status.last_reload_successful = applied;
        if applied {
            status.loaded_ms = self.shared.clock.now_ms();
        }
        drop(status);
        self.request(None);
    }

    /// Forgets a collector that no longer runs (its account or section was removed): its series
    /// and statistics go with the next exposition.
    pub fn forget(&self, account: &str, collector: &'static str) {
        let key = (account.to_string(), collector);
        if self.shared.slots.lock().remove(&key).is_some() {
            self.shared.work.lock().forgotten.push(key);
            self.request(Some(account));
        }
    }

    /// Declares a collector that will run, so readiness waits for it.
    pub fn register(&self, account: &str, collector: &'static str) {
        let mut slots = self.shared.slots.lock();
        let key = (account.to_string(), collector);
        if slots.contains_key(&key) {
            return;
        }
        slots.insert(
            key,
            Slot {
                stats: RunStats {
                    collector,
                    account: account.to_string(),
                    ..RunStats::default()
                },
                ..Slot::default()
            },
        );
        drop(slots);
        self.request(Some(account));
    }

    /// Records a finished run; the next exposition shows it.
    pub fn publish(
        &self,
        account: &str,
        collector: &'static str,
        result: &Result<Arc<Snapshot>, CollectError>,
        duration: Duration,
    ) {
        self.register(account, collector);
        {
            let mut slots = self.shared.slots.lock();
            let slot = slots
                .get_mut(&(account.to_string(), collector))
                .expect("registered");
            slot.stats.last_duration_s = duration.as_secs_f64();
            slot.stats.runs += 1;
            match result {
                Ok(snap) => {
                    slot.stats.last_ok = Some(true);
                    slot.stats.last_success_ms = Some(self.shared.clock.now_ms());
                    slot.series = (snap.series(), snap.counter_series());
                    slot.stats.backfill = snap.backfill;
                    slot.snapshot = Some(snap.clone());
                    slot.changed = true;
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
        self.request(Some(account));
    }

    /// Counts runs skipped because a run was still going.
    pub fn skipped(&self, account: &str, collector: &'static str, n: u64) {
        self.register(account, collector);
        if let Some(s) = self
            .shared
            .slots
            .lock()
            .get_mut(&(account.to_string(), collector))
        {
            s.stats.skipped += n;
        }
        self.request(Some(account));
    }

    /// Waits until the exposition shows everything recorded before the call.
    pub async fn settled(&self) {
        let target = self.shared.work.lock().requested;
        let mut done = self.shared.done.subscribe();
        let _ = done.wait_for(|d| *d >= target).await;
    }

    /// The current exposition.
    pub fn exposition(&self) -> Arc<Exposition> {
        self.shared.published.load().exposition.clone()
    }

    /// The current snapshots with their exposition.
    pub fn published(&self) -> Arc<Published> {
        self.shared.published.load_full()
    }

    /// Run statistics of every collector.
    pub fn stats(&self) -> Vec<RunStats> {
        self.shared
            .slots
            .lock()
            .values()
            .map(|s| s.stats.clone())
            .collect()
    }

    /// The last snapshot of a collector, if it has succeeded and snapshots are kept (or the
    /// assembler has not encoded it yet).
    pub fn snapshot(&self, account: &str, collector: &str) -> Option<Arc<Snapshot>> {
        self.shared
            .slots
            .lock()
            .iter()
            .find(|((a, c), _)| a == account && *c == collector)
            .and_then(|(_, s)| s.snapshot.clone())
    }

    /// `Ok` once every registered collector has succeeded once; otherwise the ones still waiting.
    pub fn ready(&self) -> Result<(), String> {
        let waiting: Vec<String> = self
            .shared
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

    /// A receiver that changes whenever a new exposition is swapped in (tests wait on it).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.shared.generation.subscribe()
    }
}

/// The assembler thread's own state: the pieces and blocks, and the self-metric snapshots.
#[derive(Default)]
struct Rounds {
    assembler: Assembler,
    /// Each collector's last snapshot, encoded whole (its counters-only form is a selection).
    encoded: BTreeMap<(String, &'static str), Encoded>,
    /// Each account's self-metrics snapshot.
    accounts: BTreeMap<String, Arc<Snapshot>>,
    done: u64,
}

/// Source keys: collectors first, then accounts' self metrics, then the global ones (no family
/// has samples from two kinds of source).
const COLLECTOR: u8 = 0;
const ACCOUNT: u8 = 1;
const GLOBAL: u8 = 2;

/// Whether a slot's snapshot is shown whole (fresh, or its last run succeeded) rather than its
/// counters only.
fn whole(slot: &Slot, now: EpochMs, max_age_ms: i64) -> bool {
    slot.stats.last_ok == Some(true)
        || slot
            .stats
            .last_success_ms
            .is_some_and(|t| now - t <= max_age_ms)
}

impl Rounds {
    /// Assembles whenever asked, resting between rounds, until the store is dropped.
    fn run(mut self, shared: &Shared) {
        loop {
            let (target, accounts, forgotten) = {
                let mut work = shared.work.lock();
                while work.requested == self.done && !work.stop {
                    shared.wake.wait(&mut work);
                }
                if work.stop {
                    return;
                }
                (
                    work.requested,
                    std::mem::take(&mut work.accounts),
                    std::mem::take(&mut work.forgotten),
                )
            };
            let started = Instant::now();
            self.assemble(shared, accounts, forgotten);
            self.done = target;
            shared.done.send_replace(target);
            let rest = (started.elapsed() * 4).min(MAX_REST);
            let mut work = shared.work.lock();
            if !work.stop {
                shared.wake.wait_for(&mut work, rest);
            }
            if work.stop {
                return;
            }
        }
    }

    /// One round: encodes the changed snapshots and self metrics and swaps in the exposition.
    fn assemble(
        &mut self,
        shared: &Shared,
        mut accounts: BTreeSet<String>,
        forgotten: Vec<(String, &'static str)>,
    ) {
        let now = shared.clock.now_ms();
        let max_age_ms = shared.gauge_max_age_ms.load(Ordering::Relaxed);
        let mut changed = Vec::new();
        let mut snapshots = Vec::new();
        let mut runs: BTreeMap<String, Vec<RunStats>> = BTreeMap::new();
        for (account, collector) in forgotten {
            self.assembler
                .remove(&(COLLECTOR, account.clone(), collector));
            self.encoded.remove(&(account.clone(), collector));
            accounts.insert(account);
        }
        let keep = shared.keep_snapshots.load(Ordering::Relaxed);
        {
            let mut slots = shared.slots.lock();
            for ((account, collector), slot) in slots.iter_mut() {
                let has_snapshot = slot.changed || slot.shown.is_some();
                let wanted = has_snapshot.then(|| whole(slot, now, max_age_ms));
                if slot.changed || wanted != slot.shown {
                    // A new snapshot goes to the encoder; a switch to counters only (or back)
                    // selects from the pieces already encoded.
                    let fresh = if slot.changed {
                        slot.snapshot.clone()
                    } else {
                        None
                    };
                    slot.changed = false;
                    slot.shown = wanted;
                    slot.stats.series = match wanted {
                        Some(true) => slot.series.0,
                        Some(false) => slot.series.1,
                        None => 0,
                    };
                    slot.shown_snapshot = None;
                    changed.push(((account.clone(), *collector), fresh, wanted));
                    accounts.insert(account.clone());
                }
                if !keep {
                    slot.snapshot = None;
                    slot.shown_snapshot = None;
                    continue;
                }
                if slot.shown_snapshot.is_none()
                    && let (Some(snapshot), Some(w)) = (&slot.snapshot, slot.shown)
                {
                    slot.shown_snapshot = Some(if w {
                        snapshot.clone()
                    } else {
                        Arc::new(snapshot.counters_only())
                    });
                }
                if let Some(shown) = &slot.shown_snapshot {
                    let key = (COLLECTOR, account.clone(), *collector);
                    snapshots.push((key, shown.clone()));
                }
            }
            for account in &accounts {
                let of_account: Vec<RunStats> = slots
                    .range((account.clone(), "")..)
                    .take_while(|((a, _), _)| a == account)
                    .map(|(_, s)| s.stats.clone())
                    .collect();
                runs.insert(account.clone(), of_account);
            }
        }
        for (slot, fresh, wanted) in changed {
            if let Some(snapshot) = fresh {
                self.encoded.insert(slot.clone(), pieces::encode(&snapshot));
            }
            let key = (COLLECTOR, slot.0.clone(), slot.1);
            match (wanted, self.encoded.get(&slot)) {
                (Some(true), Some(encoded)) => self.assembler.set(key, encoded.clone()),
                (Some(false), Some(encoded)) => self.assembler.set(key, encoded.counters_only()),
                _ => self.assembler.remove(&key),
            }
        }
        for (account, runs) in runs {
            let key = (ACCOUNT, account.clone(), "");
            if runs.is_empty() {
                self.assembler.remove(&key);
                self.accounts.remove(&account);
                continue;
            }
            let view = shared.traffic.account_view(&account);
            match self_metrics::account_snapshot(&account, &runs, &view) {
                Ok(s) => {
                    self.assembler.set(key, pieces::encode(&s));
                    self.accounts.insert(account, s);
                }
                Err(e) => tracing::error!(error = %e, "self metrics"),
            }
        }
        snapshots.extend(
            self.accounts
                .iter()
                .map(|(account, s)| ((ACCOUNT, account.clone(), ""), s.clone())),
        );
        let identity = shared.identity.lock().clone();
        let status = *shared.config_status.lock();
        let (otlp, serving) = shared.traffic.global_view();
        match self_metrics::global_snapshot(&identity, &status, otlp.as_ref(), serving.as_ref()) {
            Ok(s) => {
                let key = (GLOBAL, String::new(), "");
                self.assembler.set(key.clone(), pieces::encode(&s));
                snapshots.push((key, s));
            }
            Err(e) => tracing::error!(error = %e, "self metrics"),
        }
        let exposition = Arc::new(self.assembler.assemble());
        shared.published.store(Arc::new(Published {
            snapshots,
            exposition,
        }));
        shared.generation.send_modify(|g| *g += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::liveperson::ApiError;
    use crate::metrics::catalogue::{Kind, MetricSpec};
    use crate::metrics::exposition::Format;
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

    #[tokio::test]
    async fn a_collectors_backfill_progress_is_a_self_metric() {
        let store = Store::new(
            Arc::new(ManualClock::new(1_000_000)),
            Arc::default(),
            Duration::from_secs(300),
            self_metrics::Identity::default(),
        );
        let mut b = SnapshotBuilder::new(ALL);
        b.add(&C, &["1"], Some(7.0)).unwrap();
        b.backfill(0.25);
        store.publish("1", "test", &Ok(b.build()), Duration::ZERO);
        store.settled().await;
        let text = String::from_utf8(store.exposition().to_vec(Format::Text, false)).unwrap();
        assert!(text.contains(
            "liveperson_exporter_collector_backfill_progress_ratio{collector=\"test\",account_id=\"1\"} 0.25"
        ));
        assert_eq!(store.stats()[0].backfill, Some(0.25));
    }

    #[tokio::test]
    async fn a_failing_collector_keeps_counters_and_drops_gauges_after_max_age() {
        for keep in [false, true] {
            failing_collector_keeps_counters(keep).await;
        }
    }

    /// The exposition (from pieces) and, when kept, the published snapshot agree.
    async fn failing_collector_keeps_counters(keep: bool) {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let store = Store::new(
            clock.clone(),
            Arc::default(),
            Duration::from_secs(300),
            self_metrics::Identity::default(),
        );
        store.keep_snapshots(keep);
        let mut b = SnapshotBuilder::new(ALL);
        b.add(&G, &["1"], Some(5.0)).unwrap();
        b.add(&C, &["1"], Some(7.0)).unwrap();
        store.publish("1", "test", &Ok(b.build()), Duration::ZERO);
        let text = || {
            let e = store.exposition();
            String::from_utf8(e.to_vec(Format::Text, false)).unwrap()
        };
        store.settled().await;
        assert!(text().contains("liveperson_test_gauge{account_id=\"1\"} 5.0"));
        let failed = Err(CollectError::Api(ApiError::Timeout { api: "x" }));
        clock.advance(299_000);
        store.publish("1", "test", &failed, Duration::ZERO);
        store.settled().await;
        assert!(text().contains("liveperson_test_gauge{"), "still fresh");
        clock.advance(2_000);
        store.publish("1", "test", &failed, Duration::ZERO);
        store.settled().await;
        assert!(!text().contains("liveperson_test_gauge{"), "too old");
        let published = store.published();
        let families: Vec<Vec<&str>> = published
            .snapshots
            .iter()
            .filter(|(k, _)| k.2 == "test")
            .map(|(_, s)| s.families.keys().copied().collect())
            .collect();
        let want: Vec<Vec<&str>> = if keep {
            vec![vec!["liveperson_test_counter_total"]]
        } else {
            vec![]
        };
        assert_eq!(families, want, "keep {keep}");
        assert_eq!(store.stats()[0].series, 1, "the counter only");
        assert!(text().contains("liveperson_test_counter_total{account_id=\"1\"} 7.0"));
        assert!(
            text().contains(
                "liveperson_exporter_collector_up{collector=\"test\",account_id=\"1\"} 0.0"
            )
        );
        assert!(store.ready().is_ok(), "it has succeeded once");
    }
}

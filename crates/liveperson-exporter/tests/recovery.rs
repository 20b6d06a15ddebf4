//! A failing collector is visible and comes back by itself, in real time with the production
//! retry policy: after a 429 storm every collector succeeds again within max(2 x interval, 60 s);
//! a run cut short by its timeout while retrying reports what it was retrying; a run that panics
//! is `internal` and the collector keeps its schedule; shutdown does not wait for a run in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::support::{exporter_config, one_collector, start_sim};
use liveperson_exporter::app;
use liveperson_exporter::collectors::{CollectCtx, CollectError, Collector, Schedule};
use liveperson_exporter::config::{Config, HttpConfig};
use liveperson_exporter::metrics::snapshot::Snapshot;
use liveperson_exporter::scheduler::{Task, run_once, spawn};
use liveperson_exporter::store::Store;
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::{ClockMode, SimConfig, Simulator};

/// The simulator on a real-time clock, without its own rate limits.
async fn real_time_sim(seed: u64) -> Simulator {
    let mut cfg = SimConfig::for_tests(seed);
    cfg.clock = ClockMode::Scaled(1.0);
    cfg.limits.per_minute = 1_000_000;
    cfg.limits.max_concurrent = 1_000;
    start_sim(cfg).await
}

/// Only the collectors on LivePerson's leDataReporting service (one pacing lane), every
/// `interval`, with the production HTTP settings.
fn le_data_reporting_only(sim: &Simulator, interval: &str, timeout: &str) -> Config {
    let mut cfg = exporter_config(sim);
    cfg.http = HttpConfig::default();
    cfg.accounts.truncate(1);
    let on = [
        "messaging_queue_health",
        "messaging_conversation",
        "engagement_activity",
        "net_handle_time",
    ];
    for (name, section) in cfg.accounts[0].collectors.iter_mut() {
        if on.contains(&name.as_str()) {
            section["interval"] = interval.into();
            section["timeout"] = timeout.into();
        } else {
            section["enabled"] = false.into();
        }
    }
    cfg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_429_storm_every_collector_is_back_within_two_intervals_or_a_minute() {
    let sim = real_time_sim(1601).await;
    let apis = [
        Api::QueueHealthCurrent,
        Api::MsgConversation,
        Api::EngActivity,
        Api::Nht,
    ];
    let storm = FaultSpec {
        always_status: Some(429),
        ..FaultSpec::default()
    };
    for api in apis {
        sim.faults().set(api, storm.clone());
    }
    let interval = Duration::from_secs(10);
    let cfg = le_data_reporting_only(&sim, "10s", "9s");
    let exporter = app::start(app::Checked::new(cfg).unwrap(), sim.shared.clock.clone())
        .await
        .unwrap();
    let account = sim.account_ids()[0].clone();

    // Thirty seconds of 429s: the pacing backs off as far as it goes, runs time out waiting.
    tokio::time::sleep(Duration::from_secs(30)).await;
    let limited = sim.shared.accounting.total(Api::QueueHealthCurrent);
    assert!(limited >= 1, "the storm was met: {limited} requests");
    sim.faults().clear();
    let burst_over = Instant::now();
    let bound = (2 * interval).max(Duration::from_secs(60));
    let recovered = sim.shared.clock.now_ms();
    loop {
        let stats = exporter.store.stats();
        let back = stats
            .iter()
            .filter(|s| s.account == account)
            .all(|s| s.last_ok == Some(true) && s.last_success_ms >= Some(recovered));
        if back {
            break;
        }
        assert!(
            burst_over.elapsed() < bound,
            "not every collector succeeded within {bound:?} of LivePerson's recovery: {:?}",
            stats
                .iter()
                .map(|s| (s.collector, s.last_ok, s.last_error.clone()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "recovery | 30 s of 429 on every leDataReporting API | every collector back {:?} after it",
        burst_over.elapsed()
    );
    exporter.stop().await;
}

#[tokio::test]
async fn a_run_cut_short_while_retrying_reports_the_cause() {
    let sim = real_time_sim(1602).await;
    sim.faults().set(
        Api::QueueHealthCurrent,
        FaultSpec {
            down: true,
            ..FaultSpec::default()
        },
    );
    // LivePerson's waits (5, 10, 15 s) do not fit in a 2 s run.
    let mut cfg = exporter_config(&sim);
    cfg.http = HttpConfig::default();
    let mut qh = one_collector(&sim, &cfg, "messaging_queue_health");
    let (result, took) = run_once(qh.collector.as_mut(), &qh.ctx, Duration::from_secs(2)).await;
    let err = result.unwrap_err();
    assert_eq!(err.error_type().as_str(), "server_error", "{err}");
    assert!(took < Duration::from_secs(2), "gave up at once: {took:?}");
}

/// Panics on its first run, succeeds afterwards.
struct PanicsOnce(Arc<AtomicU32>);

impl Collector for PanicsOnce {
    fn collect<'a>(
        &'a mut self,
        _: &'a CollectCtx,
    ) -> futures_util::future::BoxFuture<'a, Result<Arc<Snapshot>, CollectError>> {
        let run = self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            assert!(run > 0, "a bug on the first run");
            Ok(Arc::new(Snapshot::default()))
        })
    }
}

/// One hand-made collector scheduled on a real-time simulator: its store, the stop switch and
/// its task.
struct Scheduled {
    store: Arc<Store>,
    stop: tokio_util::sync::CancellationToken,
    handle: tokio::task::JoinHandle<Task>,
    _sim: Simulator,
}

async fn schedule_one(
    seed: u64,
    name: &'static str,
    collector: Box<dyn Collector>,
    timeout: Duration,
) -> Scheduled {
    let sim = real_time_sim(seed).await;
    let cfg = exporter_config(&sim);
    let qh = one_collector(&sim, &cfg, "messaging_queue_health");
    let clock = sim.shared.clock.clone();
    let store = Arc::new(Store::new(
        clock.clone(),
        qh.traffic.clone(),
        Duration::from_secs(300),
        Default::default(),
    ));
    let stop = tokio_util::sync::CancellationToken::new();
    let handle = spawn(
        Task {
            name,
            collector,
            schedule: Schedule {
                interval: Duration::from_secs(1),
                timeout,
            },
            client: qh.ctx.client.clone(),
        },
        store.clone(),
        clock,
        stop.clone(),
    );
    Scheduled {
        store,
        stop,
        handle,
        _sim: sim,
    }
}

#[tokio::test]
async fn a_panicking_run_is_internal_and_the_collector_runs_again() {
    let runs = Arc::new(AtomicU32::new(0));
    let Scheduled {
        store,
        stop,
        handle,
        ..
    } = schedule_one(
        1603,
        "panics_once",
        Box::new(PanicsOnce(runs.clone())),
        Duration::from_secs(1),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while runs.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "the collector never ran again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stats = store.stats();
    let s = stats.iter().find(|s| s.collector == "panics_once").unwrap();
    assert_eq!(s.errors.get("internal"), Some(&1), "{s:?}");
    assert_eq!(s.last_ok, Some(true), "{s:?}");
    stop.cancel();
    handle.await.expect("the task itself never panicked");
}

/// A run that never ends (a collector stuck on a slow LivePerson).
struct NeverEnds(Arc<AtomicU32>);

impl Collector for NeverEnds {
    fn collect<'a>(
        &'a mut self,
        _: &'a CollectCtx,
    ) -> futures_util::future::BoxFuture<'a, Result<Arc<Snapshot>, CollectError>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn shutdown_cancels_a_run_in_flight() {
    let started = Arc::new(AtomicU32::new(0));
    let Scheduled {
        store,
        stop,
        handle,
        ..
    } = schedule_one(
        1604,
        "never_ends",
        Box::new(NeverEnds(started.clone())),
        Duration::from_secs(600),
    )
    .await;
    while started.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("the task stopped without waiting for its 10-minute run timeout")
        .expect("the task itself never panicked");
    let stats = store.stats();
    let s = stats.iter().find(|s| s.collector == "never_ends").unwrap();
    assert_eq!(s.runs, 0, "a cancelled run is not a finished run: {s:?}");
}

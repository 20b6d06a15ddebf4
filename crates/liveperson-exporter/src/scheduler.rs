//! The scheduler: each (account, collector) runs in its own task on its own interval, on the shared
//! [`Clock`](crate::clock::Clock), with a per-run timeout. Runs of one collector never overlap: a
//! run that outlasts its interval makes the ticks it covered count as skipped. Runs are
//! supervised: a panic is an `internal` failure of that run, never the end of the task, and the
//! run's deadline reaches the retry loop through [`run_scope`]. Stopping a task cancels its run in flight
//! and gives the collector back.
//!
//! Start times are spread by a fixed offset per (account, collector) (up to a tenth of the
//! interval, at most 5 s), so collectors do not hit LivePerson in lockstep, and restarts keep the
//! same spread.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::clock::{SharedClock, duration_ms};
use crate::collectors::{CollectCtx, CollectError, Collector, Schedule};
use crate::liveperson::{AccountClient, run_scope};
use crate::metrics::snapshot::Snapshot;
use crate::store::Store;

/// Runs `collector` once with `timeout` (real time: it bounds waiting on the network). A run cut
/// off by the timeout reports the cause it was retrying; a run that panics is an internal error
/// and the collector stays scheduled (the panic is logged by the panic hook, once).
pub async fn run_once(
    collector: &mut dyn Collector,
    ctx: &CollectCtx,
    timeout: Duration,
) -> (Result<Arc<Snapshot>, CollectError>, Duration) {
    let started = Instant::now();
    let run = AssertUnwindSafe(collector.collect(ctx)).catch_unwind();
    let result = match run_scope::within(timeout, run).await {
        Ok(Ok(r)) => r,
        Ok(Err(_panic)) => Err(CollectError::Panicked),
        Err(cut) => Err(CollectError::RunTimeout {
            after: timeout,
            cause: cut.cause,
        }),
    };
    (result, started.elapsed())
}

fn spread_ms(account: &str, collector: &str, interval: Duration) -> i64 {
    let h = account
        .bytes()
        .chain(collector.bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
    let max = (interval.as_millis() as u64 / 10).clamp(1, 5000);
    (h % max) as i64
}

/// One collector's task.
pub struct Task {
    /// Registry name.
    pub name: &'static str,
    /// The instance.
    pub collector: Box<dyn Collector>,
    /// Its schedule.
    pub schedule: Schedule,
    /// Its account's client.
    pub client: Arc<AccountClient>,
}

/// Starts `task`; it stops when `stop` is cancelled (a run in flight is cancelled and counts
/// nothing) and hands the task back, its collector's state intact, so a reload can keep it.
pub fn spawn(
    task: Task,
    store: Arc<Store>,
    clock: SharedClock,
    stop: CancellationToken,
) -> JoinHandle<Task> {
    store.register(task.client.account_id(), task.name);
    // The first run is due relative to the start, not to when the task gets to run.
    let first =
        clock.now_ms() + spread_ms(task.client.account_id(), task.name, task.schedule.interval);
    tokio::spawn(async move {
        let Task {
            name,
            mut collector,
            schedule,
            client,
        } = task;
        let account = client.account_id().to_string();
        let interval = duration_ms(schedule.interval);
        let ctx = CollectCtx {
            client,
            clock: clock.clone(),
        };
        let mut next = first;
        loop {
            tokio::select! {
                _ = clock.sleep_until(next) => {}
                _ = stop.cancelled() => break,
            }
            // Stopping cancels a run in flight: it counts nothing (a run commits only what it has
            // finished reading), and stopping never waits for a run timeout.
            let (result, took) = tokio::select! {
                r = run_once(collector.as_mut(), &ctx, schedule.timeout) => r,
                _ = stop.cancelled() => break,
            };
            if let Err(e) = &result {
                tracing::warn!(collector = name, account = %account, error_type = e.error_type().as_str(), error = %e, "collection failed");
            } else {
                tracing::debug!(collector = name, account = %account, took_ms = took.as_millis() as u64, "collected");
            }
            store.publish(&account, name, &result, took);
            next += interval;
            let now = clock.now_ms();
            if now >= next {
                let missed = (now - next) / interval + 1;
                store.skipped(&account, name, missed as u64);
                next += missed * interval;
            }
        }
        Task {
            name,
            collector,
            schedule,
            client: ctx.client,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_stable_and_bounded() {
        let i = Duration::from_secs(60);
        let a = spread_ms("1", "kmm", i);
        assert_eq!(a, spread_ms("1", "kmm", i));
        assert!((0..5000).contains(&a));
        assert!(spread_ms("1", "kmm", Duration::from_secs(2)) < 200);
    }
}

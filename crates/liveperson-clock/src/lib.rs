//! Time source shared by the simulator, the scheduler and the collectors.
//!
//! Everything that asks "what time is it?" or "wake me at time T" goes through a [`Clock`], so tests
//! can step time by hand ([`ManualClock`]) and the demo can run faster than real time
//! ([`ScaledClock`]). Times are milliseconds since the Unix epoch (`i64`), the unit every LivePerson
//! API uses.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since 1970-01-01 UTC.
pub type EpochMs = i64;

/// A boxed future returned by [`Clock::sleep_until`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of the current time that can also wait for a future time.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now_ms(&self) -> EpochMs;

    /// Completes once [`Clock::now_ms`] has reached `deadline`.
    fn sleep_until(&self, deadline: EpochMs) -> Sleep;

    /// Waits `ms` milliseconds of this clock's time.
    fn sleep(&self, ms: i64) -> Sleep {
        self.sleep_until(self.now_ms().saturating_add(ms))
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

fn system_now_ms() -> EpochMs {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The machine's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> EpochMs {
        system_now_ms()
    }

    fn sleep_until(&self, deadline: EpochMs) -> Sleep {
        let wait = (deadline - system_now_ms()).max(0) as u64;
        Box::pin(tokio::time::sleep(Duration::from_millis(wait)))
    }
}

/// Wall-clock time running `speed` times faster than real time from a starting point.
///
/// `speed` 60 makes one real second one simulated minute; the demo uses it to show a day of contact
/// center traffic in minutes.
#[derive(Debug, Clone)]
pub struct ScaledClock {
    origin_real: Instant,
    origin_ms: EpochMs,
    speed: f64,
}

impl ScaledClock {
    /// A clock that reads `start_ms` now and then advances `speed` times faster than real time.
    pub fn new(start_ms: EpochMs, speed: f64) -> Self {
        assert!(
            speed > 0.0 && speed.is_finite(),
            "clock speed must be positive"
        );
        Self {
            origin_real: Instant::now(),
            origin_ms: start_ms,
            speed,
        }
    }

    /// A clock starting at the current wall-clock time.
    pub fn starting_now(speed: f64) -> Self {
        Self::new(system_now_ms(), speed)
    }
}

impl Clock for ScaledClock {
    fn now_ms(&self) -> EpochMs {
        let elapsed = self.origin_real.elapsed().as_secs_f64() * 1000.0 * self.speed;
        self.origin_ms + elapsed as i64
    }

    fn sleep_until(&self, deadline: EpochMs) -> Sleep {
        let wait_sim = (deadline - self.now_ms()).max(0) as f64;
        // Round up so that a wake-up never lands before the deadline.
        let wait_real = (wait_sim / self.speed).ceil() as u64;
        Box::pin(tokio::time::sleep(Duration::from_millis(wait_real)))
    }
}

/// A clock that only moves when a test tells it to.
#[derive(Debug)]
pub struct ManualClock {
    now: tokio::sync::watch::Sender<EpochMs>,
}

impl ManualClock {
    /// A clock standing at `start_ms`.
    pub fn new(start_ms: EpochMs) -> Self {
        Self {
            now: tokio::sync::watch::Sender::new(start_ms),
        }
    }

    /// Moves the clock forward by `ms` and wakes every sleeper whose deadline has passed.
    pub fn advance(&self, ms: i64) {
        assert!(ms >= 0, "a manual clock never goes backwards");
        self.now.send_modify(|now| *now += ms);
    }

    /// Moves the clock to `t` (which must not be in its past).
    pub fn set(&self, t: EpochMs) {
        self.now.send_modify(|now| {
            assert!(t >= *now, "a manual clock never goes backwards");
            *now = t;
        });
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> EpochMs {
        *self.now.borrow()
    }

    fn sleep_until(&self, deadline: EpochMs) -> Sleep {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            // `wait_for` checks the current value first, so a deadline already passed returns at once.
            let _ = rx.wait_for(|now| *now >= deadline).await;
        })
    }
}

/// A duration in milliseconds, saturating at the largest [`EpochMs`] instead of wrapping.
pub fn duration_ms(d: Duration) -> EpochMs {
    EpochMs::try_from(d.as_millis()).unwrap_or(EpochMs::MAX)
}

/// Wall-clock milliseconds, for the few places that must use real time whatever the simulated clock
/// says (OAuth 1.0a timestamps are checked against real time).
pub fn wall_clock_ms() -> EpochMs {
    system_now_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_only_when_advanced_past_deadline() {
        let clock = Arc::new(ManualClock::new(1_000));
        let sleeper = tokio::spawn({
            let c = clock.clone();
            async move { c.sleep_until(5_000).await }
        });
        clock.advance(3_000);
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke before the deadline");
        clock.advance(1_000);
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("sleeper not woken")
            .unwrap();
        assert_eq!(clock.now_ms(), 5_000);
    }

    #[test]
    fn scaled_clock_runs_faster_than_real_time() {
        let clock = ScaledClock::new(0, 1000.0);
        std::thread::sleep(Duration::from_millis(20));
        // 20 ms of real time is at least 20 s of clock time at speed 1000.
        assert!(clock.now_ms() >= 20_000, "{}", clock.now_ms());
    }
}

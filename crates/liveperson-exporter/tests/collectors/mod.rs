//! Each collector against the simulator's ground truth, one file per collector (the two rolling-window
//! APIs share `rolling`, as they share the collector), and the simulated account most of them use.

/// Actual handle time segments.
mod actual_handle_time;
/// Agent activity time in state.
mod agent_activity;
/// The LivePerson client seen through collectors: failures, OAuth 2.0, size cap.
mod client;
/// Interval metrics (WFM) counters.
mod interval_metrics;
/// Key Messaging Metrics gauges, counters and agent view.
mod key_messaging_metrics;
/// Messaging current queue health gauges.
mod messaging_queue_health;
/// Net handle time gauges.
mod net_handle_time;
/// msgconversation and engactivity counters.
mod rolling;

use liveperson_sim::world::AccountSpec;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig, Simulator};

/// An hour in milliseconds.
pub const HOUR: i64 = 3_600_000;
/// A minute in milliseconds.
pub const MINUTE: i64 = 60_000;

/// A simulated account of `agents` and `skills` (5 groups) at Monday 14:00 on a manual clock.
pub async fn sim(seed: u64, agents: u32, skills: u32) -> Simulator {
    sim_with_groups(seed, agents, skills, 5).await
}

/// [`sim`] with `groups` agent groups.
pub async fn sim_with_groups(seed: u64, agents: u32, skills: u32, groups: u32) -> Simulator {
    let mut cfg = SimConfig::for_tests(seed);
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * HOUR);
    // NHT shows an hour half an hour after it ends, so the 6 simulated hours have some.
    cfg.timing.nht_delay_ms = HOUR / 2;
    cfg.accounts[0] = AccountSpec {
        id: "70000001".into(),
        agents,
        skills,
        groups,
    };
    simulator::start(cfg).await.expect("simulator")
}

/// Milliseconds as seconds.
pub fn secs(ms: Option<f64>) -> Option<f64> {
    ms.map(|v| v / 1000.0)
}

/// A count as a sample value.
pub fn count(n: u64) -> Option<f64> {
    Some(n as f64)
}

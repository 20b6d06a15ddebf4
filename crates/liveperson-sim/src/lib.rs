//! A simulated LivePerson: a living contact center behind every API the exporter scrapes.
//!
//! [`world`] generates an account's skills, groups and agents from a seed; [`engine`] moves them
//! through time and writes [`records`]; [`truth`] defines the exact quantities the APIs are computed
//! from; [`api`] shapes them into LivePerson's documented JSON; [`server`] serves them on loopback
//! with [`auth`], [`faults`] and the [`admin`] endpoints. The simulator never uses the exporter's
//! response types: it builds its JSON on its own, so a misunderstanding of the documented shapes
//! cannot hide on both sides at once.
//!
//! Start it in-process with [`start`] (tests) or as `liveperson-exporter simulate` (scripts, demo).
//!
//! This crate depends on the clock only ([`clock`], the `liveperson-clock` crate), never on the
//! exporter: the compiler keeps the two independent.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use liveperson_clock as clock;

pub mod admin;
pub mod api;
pub mod auth;
pub mod engine;
pub mod faults;
pub mod records;
pub mod server;
pub mod state;
pub mod truth;
pub mod world;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};
use serde_json::{Value, json};

use crate::clock::{EpochMs, ManualClock, ScaledClock, SharedClock, SystemClock};
use engine::{Engine, Timing};
use faults::{Accounting, Faults, Limiter, Limits};
use server::Listener;
use state::{Credentials, Shared};
use world::{AccountSpec, World};

/// Where the simulator's time comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockMode {
    /// Stands still at the given time until stepped (tests).
    Manual(EpochMs),
    /// Wall-clock time, `speed` times faster (1.0 = real time).
    Scaled(f64),
    /// Starts at the given time, then runs `speed` times faster than real time (a fixed moment of
    /// the day, whatever the wall clock says: the demo's `--start`).
    ScaledFrom(EpochMs, f64),
}

/// How to start the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address of the CSDS and admin listener; services bind ephemeral ports on the same IP.
    pub listen: SocketAddr,
    /// Seed of everything random.
    pub seed: u64,
    /// The accounts.
    pub accounts: Vec<AccountSpec>,
    /// How much past to simulate before serving, ms (default 24 h; at most 14 days).
    pub history_ms: i64,
    /// Delays and retention.
    pub timing: Timing,
    /// Time source.
    pub clock: ClockMode,
    /// Accepted credentials.
    pub credentials: Credentials,
    /// Lifetime of Sentinel tokens, seconds.
    pub token_ttl_s: i64,
    /// Per-account limits.
    pub limits: Limits,
}

/// 2026-01-05T00:00:00Z, a Monday: where manual clocks start unless told otherwise.
pub const DEFAULT_MANUAL_START: EpochMs = 1_767_571_200_000;

impl SimConfig {
    /// A small account on a manual clock, for tests.
    pub fn for_tests(seed: u64) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed,
            accounts: vec![AccountSpec {
                id: "70000001".into(),
                agents: 40,
                skills: 8,
                groups: 4,
            }],
            history_ms: 6 * 60 * 60 * 1000,
            timing: Timing::default(),
            clock: ClockMode::Manual(DEFAULT_MANUAL_START),
            credentials: Credentials::default(),
            token_ttl_s: 3600,
            limits: Limits::default(),
        }
    }
}

/// A running simulator.
pub struct Simulator {
    /// CSDS and admin listener.
    pub addr: SocketAddr,
    /// State shared with the listeners.
    pub shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Builds the accounts, simulates their history, and starts serving.
pub async fn start(cfg: SimConfig) -> std::io::Result<Simulator> {
    let (clock, manual): (SharedClock, Option<Arc<ManualClock>>) = match cfg.clock {
        ClockMode::Manual(t) => {
            let m = Arc::new(ManualClock::new(t));
            (m.clone(), Some(m))
        }
        ClockMode::Scaled(1.0) => (Arc::new(SystemClock), None),
        ClockMode::Scaled(s) => (Arc::new(ScaledClock::starting_now(s)), None),
        ClockMode::ScaledFrom(t, s) => (Arc::new(ScaledClock::new(t, s)), None),
    };
    let now = clock.now_ms();
    let history = cfg.history_ms.clamp(0, 14 * 24 * 60 * 60 * 1000);
    let specs = cfg.accounts.clone();
    let (seed, timing) = (cfg.seed, cfg.timing.clone());
    let accounts = tokio::task::spawn_blocking(move || {
        specs
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let s = seed.wrapping_add(i as u64 * 0x9e37_79b9);
                let mut e = Engine::new(World::generate(spec, s), timing.clone(), s, now - history);
                e.advance_to(now);
                (spec.id.clone(), Mutex::new(e))
            })
            .collect::<BTreeMap<_, _>>()
    })
    .await
    .map_err(std::io::Error::other)?;
    let shared = Arc::new(Shared::new(
        clock,
        manual,
        accounts,
        cfg.credentials.clone(),
        cfg.seed,
        cfg.token_ttl_s,
        Limiter::new(cfg.limits),
    ));
    let mut tasks = Vec::new();
    let (addr, t) = server::bind(shared.clone(), Listener::Main, cfg.listen).await?;
    tasks.push(t);
    for l in [
        Listener::AgentActivity,
        Listener::DataReporting,
        Listener::ManagerWorkspace,
        Listener::Sentinel,
    ] {
        let (_, t) = server::bind(shared.clone(), l, SocketAddr::new(cfg.listen.ip(), 0)).await?;
        tasks.push(t);
    }
    Ok(Simulator {
        addr,
        shared,
        tasks,
    })
}

impl Simulator {
    /// `http://ip:port` of CSDS.
    pub fn csds_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The manual clock, when the simulator runs on one.
    pub fn clock(&self) -> Option<&Arc<ManualClock>> {
        self.shared.manual.as_ref()
    }

    /// The current simulated time.
    pub fn now(&self) -> EpochMs {
        self.shared.clock.now_ms()
    }

    /// Runtime fault injection.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Request accounting.
    pub fn requests(&self) -> &Accounting {
        &self.shared.accounting
    }

    /// Account ids.
    pub fn account_ids(&self) -> Vec<String> {
        self.shared.accounts.keys().cloned().collect()
    }

    /// `host:port` of each CSDS service.
    pub fn service_hosts(&self) -> BTreeMap<String, String> {
        self.shared.hosts.lock().clone()
    }

    /// The account's engine, advanced to the current time, for ground truth.
    pub fn engine(&self, account: &str) -> MutexGuard<'_, Engine> {
        let mut e = self.shared.accounts[account].lock();
        e.advance_to(self.now());
        e
    }

    /// The JSON line printed on start.
    pub fn start_line(&self) -> Value {
        json!({
            "listen": self.addr.to_string(),
            "csds": self.csds_url(),
            "services": self.service_hosts(),
            "accounts": self.account_ids(),
            "credentials": self.shared.credentials,
            "admin": format!("{}/_sim/", self.csds_url()),
        })
    }
}

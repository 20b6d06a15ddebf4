//! liveperson-exporter: LivePerson contact-center metrics for Prometheus and OpenTelemetry.
//!
//! The walk from a configuration to `/metrics` and OTLP, one module per step: [`config`] checks
//! the settings, [`app`] assembles the rest, [`scheduler`] runs each account's [`collectors`] on
//! their intervals, which call LivePerson through [`liveperson`] and publish snapshots ([`metrics`]) to
//! the [`store`]; [`web`] serves its encoded bytes and [`otlp`] pushes the same snapshots.
//! `ARCHITECTURE.md` at the repository root tells the whole walk.
//!
//! The crate does not depend on the LivePerson simulator (`liveperson-sim`); [`clock`] (the
//! `liveperson-clock` crate) is the time source both share.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use liveperson_clock as clock;

pub mod app;
pub mod collectors;
pub mod config;
pub mod error_type;
pub mod fleet;
pub mod liveperson;
pub mod metrics;
pub mod otlp;
pub mod process;
pub mod scheduler;
pub mod self_metrics;
pub mod service;
pub mod shard;
pub mod store;
pub mod traffic;
pub mod web;

//! liveperson-exporter: LivePerson contact-center metrics for Prometheus and OpenTelemetry.
//!
//! The crate holds the exporter and the LivePerson simulator it is developed and demonstrated
//! against ([`simulator`]). [`clock`] is the time source both share.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod clock;
pub mod collectors;
pub mod config;
pub mod http;
pub mod lp;
pub mod metrics;
pub mod otlp;
pub mod scheduler;
pub mod self_metrics;
pub mod shard;
pub mod simulator;
pub mod store;
pub mod telemetry;

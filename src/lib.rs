//! liveperson-exporter: LivePerson contact-center metrics for Prometheus and OpenTelemetry.
//!
//! The crate holds the exporter and the LivePerson simulator it is developed and demonstrated
//! against ([`simulator`]). [`clock`] is the time source both share.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;
pub mod config;
pub mod lp;
pub mod metrics;
pub mod simulator;
pub mod telemetry;

//! Metrics: the catalogue of what can be emitted, immutable snapshots of collected values, and
//! their encoding into the exposition formats.

pub mod catalogue;
pub mod exposition;
pub mod snapshot;

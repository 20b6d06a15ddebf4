//! Metrics: the catalogue of what can be emitted, immutable snapshots of collected values, their
//! encoding into pieces, and the exposition assembled from the pieces.

pub mod catalogue;
pub mod exposition;
pub mod pieces;
pub mod snapshot;

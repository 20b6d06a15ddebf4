//! Metrics: the catalogue of what can be emitted, immutable snapshots of collected values, their
//! encoding into pieces, the exposition assembled from the pieces, and the label vocabulary.

pub mod catalogue;
pub mod exposition;
pub mod pieces;
pub mod snapshot;
pub mod vocabulary;

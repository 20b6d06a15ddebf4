//! The exporter library's integration tests, one module per area; most run the exporter against the
//! simulator on a manual clock. Run with `cargo test -p liveperson-exporter`.

/// House rules: no import circle, the simulator independent of the exporter.
mod architecture;
/// The metric catalogue: naming rules, and the README's metrics table generated from it.
mod catalogue;
/// Each collector against the simulator's ground truth.
mod collectors;
/// Every collector against every upstream fault: the expected error, no panic, full recovery.
mod conformance;
/// The demo configuration for an in-process simulator.
mod demo;
/// The golden exposition of `once`, byte for byte.
mod golden;
/// A hostile upstream cannot steer or swamp the client.
mod hostile;
/// LivePerson's documented example bodies through each model and mapping.
mod mapping;
/// OTLP push to real receivers, equal to `/metrics`.
mod otlp;
/// Arbitrary values in documented bodies: no panic, no negative sample, no counter backwards.
mod properties;
/// Failing collectors come back by themselves: 429 bursts, cut-off retries, panics.
mod recovery;
/// Sharding of accounts over replicas.
mod sharding;
/// The simulator with the demo configuration, one collector by hand.
mod support;
/// One label vocabulary across collectors, and the README's label table generated from it.
mod vocabulary;

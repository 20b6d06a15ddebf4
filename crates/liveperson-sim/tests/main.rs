//! The simulator's integration tests, one module per area. Run with `cargo test -p liveperson-sim`.

/// Agent activity (status changes v1/v2, interval metrics, agent segments) against the truth.
mod agent_activity;
/// Every served API in LivePerson's documented shapes: CSDS, auth, limits, paging, faults.
mod api;
/// The documented examples, structure comparison, and a signed client.
mod support;

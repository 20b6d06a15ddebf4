//! The binary's and the deployment artifacts' tests, one module per area: the whole binary end to
//! end, its configuration checks, and the dashboards, alerts and chart shipped with it.

/// Prometheus rules: promtool checks and tests, and the Grafana copy of every alert.
mod alerts;
/// The whole binary: demo, both exposition formats, SIGTERM.
mod binary;
/// `check-config` on the shipped examples and on every fixture.
mod config;
/// The dashboards: schema, house rules, every panel query against a real Prometheus.
mod dashboards;
/// The demo configuration for an in-process simulator (shared with the exporter's tests).
#[path = "../crates/liveperson-exporter/tests/demo.rs"]
mod demo;
/// The Helm chart rendered, validated and hardened.
mod helm;
/// Reloads and secret rotation of a running process.
mod lifecycle;
/// promtool and a real Prometheus read the exporter's output.
mod prometheus;
/// No secret in logs or output.
mod secrets;
/// TLS, basic auth and connection bounds of the binary's server.
mod serving;
/// Child processes and the demo configuration.
mod support;

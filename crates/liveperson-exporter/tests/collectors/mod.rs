//! Each collector against the simulator's ground truth, one file per collector (the two rolling-window
//! APIs share `rolling`, as they share the collector).

/// Actual handle time segments.
mod actual_handle_time;
/// Agent activity time in state.
mod agent_activity;
/// Key Messaging Metrics and queue health gauges, and client behaviour seen through a collector.
mod current;
/// Interval metrics (WFM) counters.
mod interval_metrics;
/// Net handle time gauges.
mod net_handle_time;
/// msgconversation and engactivity counters.
mod rolling;

//! The exporter's own metrics (`liveperson_exporter_*`): build info, per collector and account
//! health, and LivePerson traffic. Rendered into a snapshot each time the exposition is rebuilt.

use crate::error_type::ErrorType;
use crate::metrics::catalogue::{Kind, MetricSpec, Unit};
use crate::metrics::snapshot::{EmitError, Snapshot, SnapshotBuilder};
use crate::traffic::{AccountTraffic, OtlpStats, ServingView};

use std::sync::Arc;

/// Build information.
pub static BUILD: MetricSpec = MetricSpec {
    name: "liveperson_exporter_build_info",
    help: "Exporter version and the source revision it was built from (value 1)",
    unit: None,
    kind: Kind::Info,
    labels: &["version", "revision"],
};
/// CPU time.
pub static PROCESS_CPU: MetricSpec = MetricSpec {
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds",
    unit: Some(Unit::Seconds),
    kind: Kind::Counter,
    labels: &[],
};
/// Resident memory.
pub static PROCESS_RESIDENT: MetricSpec = MetricSpec {
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes",
    unit: Some(Unit::Bytes),
    kind: Kind::Gauge,
    labels: &[],
};
/// Virtual memory.
pub static PROCESS_VIRTUAL: MetricSpec = MetricSpec {
    name: "process_virtual_memory_bytes",
    help: "Virtual memory size in bytes",
    unit: Some(Unit::Bytes),
    kind: Kind::Gauge,
    labels: &[],
};
/// Open file descriptors.
pub static PROCESS_OPEN_FDS: MetricSpec = MetricSpec {
    name: "process_open_fds",
    help: "Number of open file descriptors",
    unit: None,
    kind: Kind::Gauge,
    labels: &[],
};
/// The file descriptor limit.
pub static PROCESS_MAX_FDS: MetricSpec = MetricSpec {
    name: "process_max_fds",
    help: "Maximum number of open file descriptors",
    unit: None,
    kind: Kind::Gauge,
    labels: &[],
};
/// Start time.
pub static PROCESS_START: MetricSpec = MetricSpec {
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &[],
};
/// Collector health.
pub static UP: MetricSpec = MetricSpec {
    name: "liveperson_exporter_collector_up",
    help: "1 if the collector's last run succeeded, 0 if it failed",
    unit: None,
    kind: Kind::Gauge,
    labels: &["collector", "account_id"],
};
/// Last run duration.
pub static DURATION: MetricSpec = MetricSpec {
    name: "liveperson_exporter_collector_last_run_duration_seconds",
    help: "Duration of the collector's last run",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["collector", "account_id"],
};
/// Last success time.
pub static LAST_SUCCESS: MetricSpec = MetricSpec {
    name: "liveperson_exporter_collector_last_success_timestamp_seconds",
    help: "Unix time of the collector's last successful run",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &["collector", "account_id"],
};
/// Series the collector exposes.
pub static SERIES: MetricSpec = MetricSpec {
    name: "liveperson_exporter_collector_series",
    help: "Series the collector currently exposes",
    unit: None,
    kind: Kind::Gauge,
    labels: &["collector", "account_id"],
};
/// How much of a collector's backfill is counted.
pub static BACKFILL: MetricSpec = MetricSpec {
    name: "liveperson_exporter_collector_backfill_progress_ratio",
    help: "Share of the configured backfill the collector has counted (1 once caught up); present for collectors with a backfill",
    unit: Some(Unit::Ratio),
    kind: Kind::Gauge,
    labels: &["collector", "account_id"],
};
/// Runs skipped because the previous one was still going.
pub static SKIPPED: MetricSpec = MetricSpec {
    name: "liveperson_exporter_collector_skipped_runs_total",
    help: "Scheduled runs skipped because the previous run had not finished",
    unit: None,
    kind: Kind::Counter,
    labels: &["collector", "account_id"],
};
/// Failed runs by error type.
pub static ERRORS: MetricSpec = MetricSpec {
    name: "liveperson_exporter_collector_errors_total",
    help: "Failed collector runs by error type",
    unit: None,
    kind: Kind::Counter,
    labels: &["collector", "account_id", "error_type"],
};
/// LivePerson requests.
pub static REQUESTS: MetricSpec = MetricSpec {
    name: "liveperson_exporter_api_requests_total",
    help: "Requests to LivePerson by API and HTTP status code (error: no response)",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "api", "code"],
};
/// Retries.
pub static RETRIES: MetricSpec = MetricSpec {
    name: "liveperson_exporter_api_retries_total",
    help: "Requests to LivePerson retried after a 429, 5xx, timeout or broken connection",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "api"],
};
/// 429 answers.
pub static RATE_LIMITED: MetricSpec = MetricSpec {
    name: "liveperson_exporter_api_rate_limited_total",
    help: "429 answers from LivePerson",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "api"],
};
/// CSDS lookups.
pub static CSDS_LOOKUPS: MetricSpec = MetricSpec {
    name: "liveperson_exporter_csds_lookups_total",
    help: "CSDS domain lookups by service",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "service"],
};
/// Failed CSDS lookups.
pub static CSDS_FAILURES: MetricSpec = MetricSpec {
    name: "liveperson_exporter_csds_failures_total",
    help: "Failed CSDS domain lookups by service",
    unit: None,
    kind: Kind::Counter,
    labels: &["account_id", "service"],
};

/// OTLP exports.
pub static OTLP_EXPORTS: MetricSpec = MetricSpec {
    name: "liveperson_exporter_otlp_exports_total",
    help: "OTLP exports by result (success or failure); present when OTLP is enabled",
    unit: None,
    kind: Kind::Counter,
    labels: &["result"],
};
/// Last successful OTLP export.
pub static OTLP_LAST_SUCCESS: MetricSpec = MetricSpec {
    name: "liveperson_exporter_otlp_last_success_timestamp_seconds",
    help: "Unix time of the last successful OTLP export",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &[],
};
/// Series merged into the SDK's overflow point.
pub static OTLP_OVER_LIMIT: MetricSpec = MetricSpec {
    name: "liveperson_exporter_otlp_series_over_limit",
    help: "Series of a metric beyond otlp.cardinality_limit at the last OTLP collection, merged into an overflow point",
    unit: None,
    kind: Kind::Gauge,
    labels: &["metric"],
};

/// Open connections to the exporter's server.
pub static HTTP_OPEN: MetricSpec = MetricSpec {
    name: "liveperson_exporter_http_connections_open",
    help: "Connections open to the exporter's HTTP server (web.max_connections bounds them)",
    unit: None,
    kind: Kind::Gauge,
    labels: &[],
};
/// Connections the server closed before its client did.
pub static HTTP_DROPPED: MetricSpec = MetricSpec {
    name: "liveperson_exporter_http_connections_dropped_total",
    help: "Connections the exporter's HTTP server closed or refused, by reason (refused, evicted, header_timeout, idle_timeout, tls_error)",
    unit: None,
    kind: Kind::Counter,
    labels: &["reason"],
};
/// Requests answered by the server.
pub static HTTP_REQUESTS: MetricSpec = MetricSpec {
    name: "liveperson_exporter_http_requests_total",
    help: "Requests the exporter's HTTP server answered, by handler (metrics, healthz, readyz, status, reload, other) and status code",
    unit: None,
    kind: Kind::Counter,
    labels: &["handler", "code"],
};

/// This replica's shard.
pub static SHARD: MetricSpec = MetricSpec {
    name: "liveperson_exporter_shard_info",
    help: "This replica's shard: index of count (value 1)",
    unit: None,
    kind: Kind::Info,
    labels: &["index", "count"],
};
/// The accounts this shard polls.
pub static SHARD_ACCOUNT: MetricSpec = MetricSpec {
    name: "liveperson_exporter_shard_account_info",
    help: "An account this replica's shard polls (value 1)",
    unit: None,
    kind: Kind::Info,
    labels: &["account_id"],
};

/// Whether the last configuration reload worked.
pub static RELOAD_OK: MetricSpec = MetricSpec {
    name: "liveperson_exporter_config_last_reload_successful",
    help: "1 if the last configuration reload (SIGHUP, POST /-/reload or a changed secret file) was applied, 0 if it was refused",
    unit: None,
    kind: Kind::Gauge,
    labels: &[],
};
/// When the configuration was last loaded.
pub static RELOAD_TIME: MetricSpec = MetricSpec {
    name: "liveperson_exporter_config_last_reload_success_timestamp_seconds",
    help: "Unix time the configuration in force was loaded (at start or by the last successful reload)",
    unit: Some(Unit::Seconds),
    kind: Kind::Gauge,
    labels: &[],
};

/// Every self metric.
pub static ALL: &[&MetricSpec] = &[
    &BUILD,
    &PROCESS_CPU,
    &PROCESS_RESIDENT,
    &PROCESS_VIRTUAL,
    &PROCESS_OPEN_FDS,
    &PROCESS_MAX_FDS,
    &PROCESS_START,
    &RELOAD_OK,
    &RELOAD_TIME,
    &SHARD,
    &SHARD_ACCOUNT,
    &UP,
    &DURATION,
    &LAST_SUCCESS,
    &SERIES,
    &BACKFILL,
    &SKIPPED,
    &ERRORS,
    &REQUESTS,
    &RETRIES,
    &RATE_LIMITED,
    &CSDS_LOOKUPS,
    &CSDS_FAILURES,
    &OTLP_EXPORTS,
    &OTLP_LAST_SUCCESS,
    &OTLP_OVER_LIMIT,
    &HTTP_OPEN,
    &HTTP_DROPPED,
    &HTTP_REQUESTS,
];

/// Who this exporter is among its replicas: its shard and the accounts it polls.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// The shard.
    pub shard: crate::shard::Shard,
    /// Ids of the accounts the shard polls.
    pub accounts: Vec<String>,
}

/// The state of the configuration in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigStatus {
    /// Whether the last reload was applied (true until one is refused).
    pub last_reload_successful: bool,
    /// When the configuration in force was loaded, epoch ms.
    pub loaded_ms: i64,
}

/// What the store knows about one collector of one account.
#[derive(Debug, Clone, Default)]
pub struct RunStats {
    /// Collector name.
    pub collector: &'static str,
    /// Account id.
    pub account: String,
    /// Runs finished.
    pub runs: u64,
    /// Whether a run has finished yet, and whether the last one succeeded.
    pub last_ok: Option<bool>,
    /// Last run duration, seconds.
    pub last_duration_s: f64,
    /// Last success, epoch ms.
    pub last_success_ms: Option<i64>,
    /// Series of the last exposed snapshot.
    pub series: usize,
    /// Skipped runs.
    pub skipped: u64,
    /// Failures by error type.
    pub errors: std::collections::BTreeMap<&'static str, u64>,
    /// The most recent error's type and message (kept after recovery, for the status page).
    pub last_error: Option<(&'static str, String)>,
    /// How much of the collector's backfill is counted (0 to 1), if it has one.
    pub backfill: Option<f64>,
}

/// The self metrics that belong to no account: build, configuration, shard, OTLP and the server.
pub fn global_snapshot(
    identity: &Identity,
    config: &ConfigStatus,
    otlp: Option<&OtlpStats>,
    serving: Option<&ServingView>,
) -> Result<Arc<Snapshot>, EmitError> {
    let mut b = SnapshotBuilder::new(ALL);
    b.add(
        &BUILD,
        &[env!("CARGO_PKG_VERSION"), env!("LIVEPERSON_BUILD_REVISION")],
        Some(1.0),
    )?;
    if let Some(p) = crate::process::read() {
        b.add(&PROCESS_CPU, &[], Some(p.cpu_seconds))?;
        b.add(&PROCESS_RESIDENT, &[], Some(p.resident_bytes))?;
        b.add(&PROCESS_VIRTUAL, &[], Some(p.virtual_bytes))?;
        b.add(&PROCESS_OPEN_FDS, &[], Some(p.open_fds))?;
        b.add(&PROCESS_MAX_FDS, &[], p.max_fds)?;
        b.add(&PROCESS_START, &[], Some(p.start_time_seconds))?;
    }
    b.add(
        &RELOAD_OK,
        &[],
        Some(config.last_reload_successful as u8 as f64),
    )?;
    b.add(&RELOAD_TIME, &[], Some(config.loaded_ms as f64 / 1000.0))?;
    let (index, count) = (
        identity.shard.index.to_string(),
        identity.shard.count.to_string(),
    );
    b.add(&SHARD, &[&index, &count], Some(1.0))?;
    for account in &identity.accounts {
        b.add(&SHARD_ACCOUNT, &[account], Some(1.0))?;
    }
    if let Some(otlp) = otlp {
        let [success, failure] = crate::metrics::vocabulary::RESULTS;
        b.add(&OTLP_EXPORTS, &[success], Some(otlp.succeeded as f64))?;
        b.add(&OTLP_EXPORTS, &[failure], Some(otlp.failed as f64))?;
        b.add(
            &OTLP_LAST_SUCCESS,
            &[],
            otlp.last_success_ms.map(|t| t as f64 / 1000.0),
        )?;
        for (metric, n) in &otlp.over_limit {
            b.add(&OTLP_OVER_LIMIT, &[metric], Some(*n as f64))?;
        }
    }
    if let Some(serving) = serving {
        b.add(&HTTP_OPEN, &[], Some(serving.open as f64))?;
        for (reason, n) in serving.dropped {
            b.add(&HTTP_DROPPED, &[reason], Some(n as f64))?;
        }
        for ((handler, code), n) in &serving.requests {
            b.add(
                &HTTP_REQUESTS,
                &[handler, &code.to_string()],
                Some(*n as f64),
            )?;
        }
    }
    Ok(b.build())
}

/// One account's self metrics: its collectors' runs (`runs`, all of `account`) and its traffic.
pub fn account_snapshot(
    account: &str,
    runs: &[RunStats],
    traffic: &AccountTraffic,
) -> Result<Arc<Snapshot>, EmitError> {
    let mut b = SnapshotBuilder::new(ALL);
    for r in runs {
        let key = [r.collector, r.account.as_str()];
        if let Some(ok) = r.last_ok {
            b.add(&UP, &key, Some(ok as u8 as f64))?;
            b.add(&DURATION, &key, Some(r.last_duration_s))?;
        }
        b.add(
            &LAST_SUCCESS,
            &key,
            r.last_success_ms.map(|t| t as f64 / 1000.0),
        )?;
        b.add(&SERIES, &key, Some(r.series as f64))?;
        b.add(&BACKFILL, &key, r.backfill)?;
        b.add(&SKIPPED, &key, Some(r.skipped as f64))?;
        let mut errors: std::collections::BTreeMap<&str, u64> =
            ErrorType::all().map(|t| (t, 0)).collect();
        errors.extend(&r.errors);
        for (t, n) in errors {
            b.add(&ERRORS, &[r.collector, &r.account, t], Some(n as f64))?;
        }
    }
    for ((api, code), n) in &traffic.requests {
        b.add(&REQUESTS, &[account, api, code], Some(*n as f64))?;
    }
    for (api, n) in &traffic.retries {
        b.add(&RETRIES, &[account, api], Some(*n as f64))?;
    }
    for (api, n) in &traffic.rate_limited {
        b.add(&RATE_LIMITED, &[account, api], Some(*n as f64))?;
    }
    for (service, (n, failed)) in &traffic.csds_lookups {
        b.add(&CSDS_LOOKUPS, &[account, service], Some(*n as f64))?;
        b.add(&CSDS_FAILURES, &[account, service], Some(*failed as f64))?;
    }
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::Traffic;

    #[test]
    fn failure_and_throttling_counters_start_at_zero() {
        let traffic = Traffic::default();
        traffic.request("7", "kmm_metrics", Some(200));
        let mut run = RunStats {
            collector: "key_messaging_metrics",
            account: "7".into(),
            last_ok: Some(false),
            ..RunStats::default()
        };
        run.errors.insert("rate_limited", 2);
        let s = account_snapshot("7", &[run], &traffic.account_view("7")).unwrap();
        let key = ["key_messaging_metrics", "7"];
        for t in ErrorType::all() {
            let want = if t == "rate_limited" { 2.0 } else { 0.0 };
            assert_eq!(s.value(&ERRORS, &[key[0], key[1], t]), Some(want), "{t}");
        }
        assert_eq!(s.value(&RATE_LIMITED, &["7", "kmm_metrics"]), Some(0.0));
        assert_eq!(s.value(&RETRIES, &["7", "kmm_metrics"]), Some(0.0));
        traffic.request("7", "kmm_metrics", Some(429));
        let s = account_snapshot("7", &[], &traffic.account_view("7")).unwrap();
        assert_eq!(s.value(&RATE_LIMITED, &["7", "kmm_metrics"]), Some(1.0));
    }
}

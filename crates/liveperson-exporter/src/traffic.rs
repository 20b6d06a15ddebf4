//! The exporter's own counters about its traffic: LivePerson requests by API and status code,
//! retries, rate-limited answers, CSDS lookups and failures (updated by the client), and OTLP
//! exports (updated by the OTLP sink). The store renders them into the `liveperson_exporter_*`
//! families.

use std::collections::BTreeMap;

use parking_lot::Mutex;

/// Key of per-API counters: account id and API name.
type ApiKey = (String, &'static str);

/// Traffic counters, shared by every account's client.
#[derive(Debug, Default)]
pub struct Traffic {
    requests: Mutex<BTreeMap<(String, &'static str, String), u64>>,
    retries: Mutex<BTreeMap<ApiKey, u64>>,
    rate_limited: Mutex<BTreeMap<ApiKey, u64>>,
    csds_lookups: Mutex<BTreeMap<ApiKey, (u64, u64)>>,
    otlp: Mutex<Option<OtlpStats>>,
}

/// What the OTLP sink reports about its exports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtlpStats {
    /// Successful exports.
    pub succeeded: u64,
    /// Failed exports.
    pub failed: u64,
    /// Epoch ms of the last successful export.
    pub last_success_ms: Option<i64>,
    /// Series beyond the cardinality limit at the last collection, by metric (OTLP name).
    pub over_limit: BTreeMap<String, u64>,
}

/// A copy of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrafficView {
    /// Requests by (account, api, code); code is the HTTP status or `error` for transport errors.
    pub requests: BTreeMap<(String, &'static str, String), u64>,
    /// Retries by (account, api).
    pub retries: BTreeMap<ApiKey, u64>,
    /// 429 answers by (account, api).
    pub rate_limited: BTreeMap<ApiKey, u64>,
    /// CSDS lookups and failures by (account, service).
    pub csds_lookups: BTreeMap<ApiKey, (u64, u64)>,
    /// OTLP export statistics, when OTLP is enabled.
    pub otlp: Option<OtlpStats>,
}

impl Traffic {
    /// Drops the counters of an account that is no longer polled.
    pub fn forget(&self, account: &str) {
        self.requests.lock().retain(|(a, _, _), _| a != account);
        self.retries.lock().retain(|(a, _), _| a != account);
        self.rate_limited.lock().retain(|(a, _), _| a != account);
        self.csds_lookups.lock().retain(|(a, _), _| a != account);
    }

    /// Counts one response (or `None` for a transport error).
    pub fn request(&self, account: &str, api: &'static str, status: Option<u16>) {
        let code = status.map_or_else(|| "error".to_string(), |s| s.to_string());
        *self
            .requests
            .lock()
            .entry((account.to_string(), api, code))
            .or_default() += 1;
        // Retries and 429s of an API start at zero with its first request, so their first
        // occurrence shows as an increase instead of a new series.
        *self
            .rate_limited
            .lock()
            .entry((account.to_string(), api))
            .or_default() += (status == Some(429)) as u64;
        self.retries
            .lock()
            .entry((account.to_string(), api))
            .or_default();
    }

    /// Counts one retry.
    pub fn retry(&self, account: &str, api: &'static str) {
        *self
            .retries
            .lock()
            .entry((account.to_string(), api))
            .or_default() += 1;
    }

    /// Counts one CSDS lookup of `service`, failed or not.
    pub fn csds_lookup(&self, account: &str, service: &'static str, failed: bool) {
        let mut m = self.csds_lookups.lock();
        let e = m.entry((account.to_string(), service)).or_default();
        e.0 += 1;
        e.1 += failed as u64;
    }

    /// Marks OTLP as enabled, so its statistics are exposed (from zero).
    pub fn otlp_enabled(&self) {
        self.otlp.lock().get_or_insert_with(OtlpStats::default);
    }

    /// Counts one OTLP export; `now_ms` is the time of a success.
    pub fn otlp_export(&self, ok: bool, now_ms: i64) {
        let mut g = self.otlp.lock();
        let s = g.get_or_insert_with(OtlpStats::default);
        if ok {
            s.succeeded += 1;
            s.last_success_ms = Some(now_ms);
        } else {
            s.failed += 1;
        }
    }

    /// Records the series beyond the cardinality limit of each metric at the last collection;
    /// returns the metrics that were not over it before. A metric that was over it once keeps its
    /// figure, at 0 once back under, so an alert on it can resolve.
    pub fn otlp_over_limit(&self, over: &BTreeMap<String, u64>) -> Vec<String> {
        let mut g = self.otlp.lock();
        let known = &mut g.get_or_insert_with(OtlpStats::default).over_limit;
        let newly = over
            .keys()
            .filter(|m| known.get(*m).copied().unwrap_or(0) == 0)
            .cloned()
            .collect();
        for n in known.values_mut() {
            *n = 0;
        }
        known.extend(over.iter().map(|(m, n)| (m.clone(), *n)));
        newly
    }

    /// A copy of every counter.
    pub fn view(&self) -> TrafficView {
        TrafficView {
            requests: self.requests.lock().clone(),
            retries: self.retries.lock().clone(),
            rate_limited: self.rate_limited.lock().clone(),
            csds_lookups: self.csds_lookups.lock().clone(),
            otlp: self.otlp.lock().clone(),
        }
    }
}

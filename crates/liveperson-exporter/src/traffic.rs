//! The exporter's own counters about its traffic: LivePerson requests by API and status code,
//! retries, rate-limited answers, CSDS lookups and failures (updated by the client), OTLP exports
//! (updated by the OTLP sink), and what its own server serves: open connections, connections it
//! dropped by reason, requests by handler and status code (updated by [`crate::web::serve`]). The
//! store renders them into the `liveperson_exporter_*` families.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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
    serving: Arc<ServingStats>,
}

/// Why the server closed a connection before its client did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// `web.max_connections` reached with every connection busy: closed at once.
    Refused,
    /// Closed to make room for a new one at `web.max_connections`: it waited longest.
    Evicted,
    /// A request head (or the TLS handshake) did not arrive within `web.header_read_timeout`.
    HeaderTimeout,
    /// No next request within `web.idle_timeout`.
    IdleTimeout,
    /// The TLS handshake failed (plain HTTP on the TLS port included).
    TlsError,
}

impl Dropped {
    /// Every reason, in the order exposed.
    pub const ALL: [Dropped; 5] = [
        Dropped::Refused,
        Dropped::Evicted,
        Dropped::HeaderTimeout,
        Dropped::IdleTimeout,
        Dropped::TlsError,
    ];

    /// The `reason` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Dropped::Refused => "refused",
            Dropped::Evicted => "evicted",
            Dropped::HeaderTimeout => "header_timeout",
            Dropped::IdleTimeout => "idle_timeout",
            Dropped::TlsError => "tls_error",
        }
    }
}

/// What the exporter's server counts. Nothing is exposed until the server runs (`once` serves
/// nothing).
#[derive(Debug, Default)]
pub struct ServingStats {
    serving: AtomicBool,
    open: AtomicU64,
    dropped: [AtomicU64; Dropped::ALL.len()],
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl ServingStats {
    /// The server started: its figures are exposed from now on.
    pub fn started(&self) {
        self.serving.store(true, Ordering::Relaxed);
    }

    /// A connection was accepted.
    pub fn opened(&self) {
        self.open.fetch_add(1, Ordering::Relaxed);
    }

    /// An accepted connection ended.
    pub fn closed(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    /// The server closed a connection (or refused it) for `why`.
    pub fn dropped(&self, why: Dropped) {
        self.dropped[why as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// A request to `handler` was answered with `code`.
    pub fn answered(&self, handler: &'static str, code: u16) {
        *self.requests.lock().entry((handler, code)).or_default() += 1;
    }

    fn view(&self) -> Option<ServingView> {
        self.serving.load(Ordering::Relaxed).then(|| ServingView {
            open: self.open.load(Ordering::Relaxed),
            dropped: Dropped::ALL
                .map(|d| (d.as_str(), self.dropped[d as usize].load(Ordering::Relaxed))),
            requests: self.requests.lock().clone(),
        })
    }
}

/// A copy of the server's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServingView {
    /// Connections open.
    pub open: u64,
    /// Connections dropped, by reason.
    pub dropped: [(&'static str, u64); Dropped::ALL.len()],
    /// Requests by (handler, status code).
    pub requests: BTreeMap<(&'static str, u16), u64>,
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
    /// The server's figures, once it runs.
    pub serving: Option<ServingView>,
}

/// One account's counters, in the order they are exposed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountTraffic {
    /// Requests by (api, code).
    pub requests: Vec<((&'static str, String), u64)>,
    /// Retries by api.
    pub retries: Vec<(&'static str, u64)>,
    /// 429 answers by api.
    pub rate_limited: Vec<(&'static str, u64)>,
    /// CSDS lookups and failures by service.
    pub csds_lookups: Vec<(&'static str, (u64, u64))>,
}

impl Traffic {
    /// What the server counts, shared with it.
    pub fn serving(&self) -> Arc<ServingStats> {
        self.serving.clone()
    }

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

    /// A copy of one account's counters.
    pub fn account_view(&self, account: &str) -> AccountTraffic {
        fn of<K: Clone + Ord, V: Clone>(
            map: &BTreeMap<(String, K), V>,
            account: &str,
            from: K,
        ) -> Vec<(K, V)> {
            map.range((account.to_string(), from)..)
                .take_while(|((a, _), _)| a == account)
                .map(|((_, k), v)| (k.clone(), v.clone()))
                .collect()
        }
        AccountTraffic {
            requests: self
                .requests
                .lock()
                .range((account.to_string(), "", String::new())..)
                .take_while(|((a, _, _), _)| a == account)
                .map(|((_, api, code), n)| ((*api, code.clone()), *n))
                .collect(),
            retries: of(&self.retries.lock(), account, ""),
            rate_limited: of(&self.rate_limited.lock(), account, ""),
            csds_lookups: of(&self.csds_lookups.lock(), account, ""),
        }
    }

    /// A copy of the counters that belong to no account: OTLP's and the server's.
    pub fn global_view(&self) -> (Option<OtlpStats>, Option<ServingView>) {
        (self.otlp.lock().clone(), self.serving.view())
    }

    /// A copy of every counter.
    pub fn view(&self) -> TrafficView {
        TrafficView {
            requests: self.requests.lock().clone(),
            retries: self.retries.lock().clone(),
            rate_limited: self.rate_limited.lock().clone(),
            csds_lookups: self.csds_lookups.lock().clone(),
            otlp: self.otlp.lock().clone(),
            serving: self.serving.view(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dropped_connection_reason_is_in_the_vocabulary() {
        for d in Dropped::ALL {
            assert!(crate::metrics::vocabulary::DROP_REASONS.contains(&d.as_str()));
        }
    }
}

//! Fault injection, request accounting and per-account limits of the simulated APIs.
//!
//! Faults are set per API (by its [`Api::name`]) at runtime, from tests through the Rust handle or
//! from scripts through `PUT /_sim/faults/{api}`. "Next N" faults are consumed one request at a time,
//! so a test can say exactly which requests fail; rates draw from a seeded generator.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

/// The simulated APIs, as request accounting and fault injection name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    /// CSDS domain API.
    Csds,
    /// Sentinel OAuth 2.0 token endpoint.
    Sentinel,
    /// Key messaging metrics: metrics.
    KmmMetrics,
    /// Key messaging metrics: agent_view.
    KmmAgentView,
    /// Messaging current queue health.
    QueueHealthCurrent,
    /// Messaging conversation.
    MsgConversation,
    /// Engagement activity (legacy chat).
    EngActivity,
    /// Agent activity interval metrics.
    IntervalMetrics,
    /// Agent activity status changes.
    StatusChanges,
    /// Actual handle time agent segments.
    AgentSegments,
    /// Net handle time.
    Nht,
}

impl Api {
    /// Every API.
    pub const ALL: [Api; 11] = [
        Api::Csds,
        Api::Sentinel,
        Api::KmmMetrics,
        Api::KmmAgentView,
        Api::QueueHealthCurrent,
        Api::MsgConversation,
        Api::EngActivity,
        Api::IntervalMetrics,
        Api::StatusChanges,
        Api::AgentSegments,
        Api::Nht,
    ];

    /// Stable name used in accounting and the admin endpoints.
    pub fn name(self) -> &'static str {
        match self {
            Api::Csds => "csds",
            Api::Sentinel => "sentinel",
            Api::KmmMetrics => "kmm_metrics",
            Api::KmmAgentView => "kmm_agent_view",
            Api::QueueHealthCurrent => "msg_queue_health_current",
            Api::MsgConversation => "msgconversation",
            Api::EngActivity => "engactivity",
            Api::IntervalMetrics => "interval_metrics",
            Api::StatusChanges => "status_changes",
            Api::AgentSegments => "agent_segments",
            Api::Nht => "nht",
        }
    }

    /// The API with that name.
    pub fn from_name(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether the docs allow an OAuth 2.0 bearer token for this API (KMM and the agent-activity
    /// service); the others take OAuth 1.0a only.
    pub fn accepts_bearer(self) -> bool {
        matches!(
            self,
            Api::KmmMetrics | Api::KmmAgentView | Api::IntervalMetrics | Api::StatusChanges
        )
    }
}

/// The faults configured for one API. Absent fields mean "no fault".
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSpec {
    /// Answer the next requests with these statuses, one per request, in order (500, 503, 429, ...).
    pub fail_next: Vec<u16>,
    /// Probability of answering a request with 500 or 503 (even split).
    pub error_rate: f64,
    /// Answer the next N requests with 429 (a burst).
    pub rate_limit_next: u32,
    /// `Retry-After` seconds sent with injected 429s.
    pub retry_after_s: Option<u64>,
    /// Added latency per request, ms (real time).
    pub latency_ms: u64,
    /// Answer the next N requests with a 200 whose body is not valid JSON.
    pub malformed_next: u32,
    /// Probability of a malformed body.
    pub malformed_rate: f64,
    /// Cut the next N response bodies off mid-transfer (the connection drops).
    pub truncate_next: u32,
    /// interval-metrics: answer the next N requests with 202 and per-interval status.
    pub force_202_next: u32,
    /// interval-metrics: insert an empty page (count 0, with a next page) between data pages.
    pub empty_pages: bool,
    /// Every request answered 503 (the service is down).
    pub down: bool,
    /// Every request answered with this status (401, 403, 500, ...) and a JSON error body.
    pub always_status: Option<u16>,
    /// Every successful answer's body spoilt this way.
    pub body: Option<BodyFault>,
    /// Windowed APIs (status changes, agent segments, interval metrics) also answer records up
    /// to six hours outside the asked window.
    pub out_of_window: bool,
    /// interval-metrics: page with `limit`/`offset` and `refs.next`, without `nextPageKey`, as the
    /// docs' own example does.
    pub offset_paging: bool,
    /// interval-metrics: read `to` as exclusive (intervals that start before it), the other
    /// possible reading of the docs.
    pub to_exclusive: bool,
    /// Successful answers leave these fields out wherever they occur (a breakdown LivePerson
    /// does not send, e.g. `closedByAgent` beside `closedConversations`).
    pub omit_fields: Vec<String>,
    /// Successful answers multiply these numeric fields by these factors wherever they occur
    /// (a unit LivePerson may send otherwise, e.g. loads as percentages: `{"agentLoad": 100}`).
    pub scale_fields: std::collections::BTreeMap<String, f64>,
}

/// How a successful answer's body is spoilt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFault {
    /// Half the body, then text that is not JSON.
    Malformed,
    /// Half the body, then the connection drops.
    Truncated,
    /// 200 with no body at all.
    Empty,
    /// 200 with an HTML page (a proxy's error page).
    Html,
    /// 200 with a body that never ends.
    Endless,
    /// The real body, a few bytes at a time, slower than any request timeout.
    Slow,
    /// A `Content-Length` of a terabyte.
    HugeLength,
    /// 302 to another path on the same host.
    Redirect,
    /// 200 with JSON nested 100,000 arrays deep.
    DeepNesting,
    /// The real body with every number replaced by `null`.
    Nulls,
    /// The real body with every number replaced by `true` and every string by `[]`.
    WrongTypes,
    /// The real body with every element of every array listed twice.
    Duplicates,
}

/// What to do with one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// Delay before answering.
    pub latency: Duration,
    /// Answer with this status instead of serving.
    pub status: Option<u16>,
    /// `Retry-After` seconds with an injected 429.
    pub retry_after_s: Option<u64>,
    /// Serve, then garble the body.
    pub malformed: bool,
    /// Serve, then cut the body off.
    pub truncate: bool,
    /// interval-metrics: answer 202.
    pub force_202: bool,
    /// interval-metrics: insert empty pages.
    pub empty_pages: bool,
    /// interval-metrics: page by `limit`/`offset`.
    pub offset_paging: bool,
    /// Spoil the body this way.
    pub body: Option<BodyFault>,
    /// Windowed APIs: answer records outside the window too.
    pub out_of_window: bool,
    /// interval-metrics: `to` is exclusive.
    pub to_exclusive: bool,
    /// Fields left out of a successful answer.
    pub omit_fields: Vec<String>,
    /// Fields of a successful answer multiplied by a factor.
    pub scale_fields: std::collections::BTreeMap<String, f64>,
}

/// Runtime fault configuration of every API.
#[derive(Debug)]
pub struct Faults {
    specs: Mutex<(HashMap<Api, FaultSpec>, Xoshiro256PlusPlus)>,
}

impl Faults {
    /// No faults; rates draw from a generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            specs: Mutex::new((
                HashMap::new(),
                Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xfa17),
            )),
        }
    }

    /// Replaces the faults of `api`.
    pub fn set(&self, api: Api, spec: FaultSpec) {
        self.specs.lock().0.insert(api, spec);
    }

    /// Changes the faults of `api` in place.
    pub fn update(&self, api: Api, f: impl FnOnce(&mut FaultSpec)) {
        f(self.specs.lock().0.entry(api).or_default());
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.specs.lock().0.clear();
    }

    /// The current faults, by API name.
    pub fn snapshot(&self) -> BTreeMap<&'static str, FaultSpec> {
        self.specs
            .lock()
            .0
            .iter()
            .map(|(a, s)| (a.name(), s.clone()))
            .collect()
    }

    /// Decides the fate of one request to `api`, consuming "next N" faults.
    pub fn decide(&self, api: Api) -> Decision {
        let mut guard = self.specs.lock();
        let (specs, rng) = &mut *guard;
        let Some(s) = specs.get_mut(&api) else {
            return Decision::default();
        };
        let mut d = Decision {
            latency: Duration::from_millis(s.latency_ms),
            empty_pages: s.empty_pages,
            offset_paging: s.offset_paging,
            to_exclusive: s.to_exclusive,
            retry_after_s: s.retry_after_s,
            body: s.body,
            out_of_window: s.out_of_window,
            omit_fields: s.omit_fields.clone(),
            scale_fields: s.scale_fields.clone(),
            ..Decision::default()
        };
        if s.down {
            d.status = Some(503);
        } else if let Some(status) = s.always_status {
            d.status = Some(status);
        } else if !s.fail_next.is_empty() {
            d.status = Some(s.fail_next.remove(0));
        } else if s.rate_limit_next > 0 {
            s.rate_limit_next -= 1;
            d.status = Some(429);
        } else if s.error_rate > 0.0 && rng.random_bool(s.error_rate.min(1.0)) {
            d.status = Some(if rng.random_bool(0.5) { 500 } else { 503 });
        } else if s.truncate_next > 0 {
            s.truncate_next -= 1;
            d.truncate = true;
        } else if s.malformed_next > 0 {
            s.malformed_next -= 1;
            d.malformed = true;
        } else if s.malformed_rate > 0.0 && rng.random_bool(s.malformed_rate.min(1.0)) {
            d.malformed = true;
        } else if s.force_202_next > 0 {
            s.force_202_next -= 1;
            d.force_202 = true;
        }
        d
    }
}

/// One line of request accounting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCount {
    /// Account id ("" for requests that name none).
    pub account: String,
    /// API name.
    pub api: String,
    /// HTTP status answered.
    pub status: u16,
    /// Number of requests.
    pub count: u64,
}

/// Requests answered, by account, API and status.
#[derive(Debug, Default)]
pub struct Accounting {
    counts: Mutex<BTreeMap<(String, Api, u16), u64>>,
}

impl Accounting {
    /// Counts one answered request.
    pub fn record(&self, account: &str, api: Api, status: u16) {
        *self
            .counts
            .lock()
            .entry((account.to_string(), api, status))
            .or_default() += 1;
    }

    /// All counts.
    pub fn snapshot(&self) -> Vec<RequestCount> {
        self.counts
            .lock()
            .iter()
            .map(|((account, api, status), &count)| RequestCount {
                account: account.clone(),
                api: api.name().to_string(),
                status: *status,
                count,
            })
            .collect()
    }

    /// Requests to `api` (any account, any status).
    pub fn total(&self, api: Api) -> u64 {
        self.counts
            .lock()
            .iter()
            .filter(|((_, a, _), _)| *a == api)
            .map(|(_, c)| c)
            .sum()
    }

    /// Requests to `api` for `account` answered with `status`.
    pub fn count(&self, account: &str, api: Api, status: u16) -> u64 {
        self.counts
            .lock()
            .get(&(account.to_string(), api, status))
            .copied()
            .unwrap_or(0)
    }

    /// Forgets all counts.
    pub fn reset(&self) {
        self.counts.lock().clear();
    }
}

/// Per-account limits, as LivePerson enforces them server-side (numbers are not published; these
/// are the simulator's defaults).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Limits {
    /// Requests in flight per account and API.
    pub max_concurrent: u32,
    /// Requests per minute (real time) per account and API.
    pub per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_concurrent: 8,
            per_minute: 1200,
        }
    }
}

/// Requests in flight, start of the current minute, and requests in it.
type Usage = (u32, Instant, u32);

/// Enforces [`Limits`]; a request over either limit gets 429.
#[derive(Debug)]
pub struct Limiter {
    limits: Limits,
    state: Mutex<HashMap<(String, Api), Usage>>,
}

/// Releases a concurrency slot when dropped.
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a Limiter,
    key: (String, Api),
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(e) = self.limiter.state.lock().get_mut(&self.key) {
            e.0 = e.0.saturating_sub(1);
        }
    }
}

impl Limiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// A permit for one request, or `None` when the account is over a limit.
    pub fn acquire(&self, account: &str, api: Api) -> Option<Permit<'_>> {
        let key = (account.to_string(), api);
        let mut state = self.state.lock();
        let now = Instant::now();
        let e = state.entry(key.clone()).or_insert((0, now, 0));
        if now.duration_since(e.1) >= Duration::from_secs(60) {
            e.1 = now;
            e.2 = 0;
        }
        if e.0 >= self.limits.max_concurrent || e.2 >= self.limits.per_minute {
            return None;
        }
        e.0 += 1;
        e.2 += 1;
        Some(Permit { limiter: self, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_n_faults_are_consumed_in_order() {
        let f = Faults::new(1);
        f.set(
            Api::Nht,
            FaultSpec {
                fail_next: vec![500, 503],
                rate_limit_next: 1,
                malformed_next: 1,
                ..FaultSpec::default()
            },
        );
        let got: Vec<_> = (0..5).map(|_| f.decide(Api::Nht)).collect();
        assert_eq!(got[0].status, Some(500));
        assert_eq!(got[1].status, Some(503));
        assert_eq!(got[2].status, Some(429));
        assert!(got[3].malformed && got[3].status.is_none());
        assert_eq!(got[4], Decision::default());
        assert_eq!(f.decide(Api::Csds), Decision::default());
    }

    #[test]
    fn limiter_answers_429_past_concurrency() {
        let l = Limiter::new(Limits {
            max_concurrent: 2,
            per_minute: 100,
        });
        let a = l.acquire("1", Api::Nht);
        let b = l.acquire("1", Api::Nht);
        assert!(a.is_some() && b.is_some());
        assert!(l.acquire("1", Api::Nht).is_none());
        assert!(l.acquire("2", Api::Nht).is_some(), "limits are per account");
        drop(a);
        assert!(l.acquire("1", Api::Nht).is_some());
    }
}

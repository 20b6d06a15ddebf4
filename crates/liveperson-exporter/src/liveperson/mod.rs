//! The LivePerson client: CSDS discovery, authentication, LivePerson's retry policy, per account and
//! service pacing, and request accounting. Collectors describe a call ([`Call`]) and get the
//! decoded body back; everything about talking to LivePerson is decided here.
//!
//! - Domains come from CSDS per account and service, cached for `http.csds_ttl` and dropped when a
//!   connection to the domain fails; config `domains` override them. Services are reached with the
//!   CSDS URL's scheme.
//! - OAuth 1.0a signs every call; OAuth 2.0 accounts send a Sentinel bearer token to the APIs whose
//!   docs allow it (refreshed once on a 401) and cannot call the others.
//! - Retries (backon): 4xx never; 429 after `Retry-After` or at least `rate_limited_wait`, and the
//!   account and service slow down (each 429 doubles a spacing between requests that decays with
//!   time and shrinks with successes); 5xx, timeouts and broken connections at `server_error_waits` (5, 10, 15 s).
//! - Each account and service has a concurrency bound and a requests-per-minute quota (governor).
//! - Every body (CSDS, Sentinel, APIs) is read under `http.max_response_bytes` while it streams;
//!   redirects are never followed (a 3xx is an error); a CSDS `baseURI` must be `host[:port]`.
//! - Retries never start a wait that outlasts the current run ([`run_scope`]).

pub mod auth;
pub mod error;
pub mod run_scope;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{ConstantBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use parking_lot::Mutex;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use strum::EnumCount;
use tokio::sync::Semaphore;

pub use error::ApiError;

use crate::config::{AccountConfig, Auth, HttpConfig};
use crate::service::Service;
use crate::traffic::Traffic;

/// One API call, as a collector describes it.
#[derive(Debug, Clone)]
pub struct Call {
    /// API name for accounting and errors (`kmm_metrics`).
    pub api: &'static str,
    /// CSDS service that serves it.
    pub service: Service,
    /// HTTP method.
    pub method: Method,
    /// Path on the service's domain, starting with `/`.
    pub path: String,
    /// Query parameters (decoded).
    pub query: Vec<(String, String)>,
    /// JSON body, for POST.
    pub body: Option<serde_json::Value>,
    /// Whether the docs allow a bearer token for this API.
    pub bearer_ok: bool,
}

/// A successful answer: the status (200, or 202 where an API uses it) and the body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body decoded as `T`.
    pub fn json<T: DeserializeOwned>(&self, api: &'static str) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| ApiError::Decode {
            api,
            detail: e.to_string(),
        })
    }
}

/// Spacing between request starts of one account and service, which LivePerson's 429s widen.
///
/// Each 429 doubles the spacing (from 250 ms, at most 10 s); it halves every
/// [`Pacer::HALF_LIFE`] without a 429, and each success shrinks it by a quarter, so pacing
/// recovers with time even when nothing gets through. A start is claimed only at the moment the
/// request goes out, never reserved ahead: a waiting run that is cancelled or times out leaves no
/// slot behind that would push later requests back.
///
/// It runs on tokio's clock, so tests can pause time.
#[derive(Debug)]
struct Pacer {
    state: Mutex<PacerState>,
}

#[derive(Debug, Clone, Copy)]
struct PacerState {
    /// Spacing as of `since`.
    spacing: Duration,
    /// When `spacing` was last set.
    since: tokio::time::Instant,
    /// When the last request went out.
    last_start: Option<tokio::time::Instant>,
}

impl PacerState {
    /// The spacing at `now`, decayed since it was set.
    fn spacing_at(&self, now: tokio::time::Instant) -> Duration {
        let halvings = now.saturating_duration_since(self.since).as_secs_f64()
            / Pacer::HALF_LIFE.as_secs_f64();
        let s = self.spacing.mul_f64(0.5f64.powf(halvings.min(64.0)));
        if s < Pacer::NEGLIGIBLE {
            Duration::ZERO
        } else {
            s
        }
    }

    fn set(&mut self, spacing: Duration, now: tokio::time::Instant) {
        self.spacing = spacing;
        self.since = now;
    }
}

impl Pacer {
    const MIN_STEP: Duration = Duration::from_millis(250);
    const MAX: Duration = Duration::from_secs(10);
    const HALF_LIFE: Duration = Duration::from_secs(10);
    const NEGLIGIBLE: Duration = Duration::from_millis(20);

    fn new() -> Self {
        Self {
            state: Mutex::new(PacerState {
                spacing: Duration::ZERO,
                since: tokio::time::Instant::now(),
                last_start: None,
            }),
        }
    }

    /// Waits until a request may start and claims that start.
    async fn start(&self) {
        loop {
            let due = {
                let mut s = self.state.lock();
                let now = tokio::time::Instant::now();
                let due = s.last_start.map_or(now, |last| last + s.spacing_at(now));
                if due <= now {
                    s.last_start = Some(now);
                    return;
                }
                due
            };
            tokio::time::sleep_until(due).await;
        }
    }

    fn rate_limited(&self) {
        let mut s = self.state.lock();
        let now = tokio::time::Instant::now();
        let doubled = (s.spacing_at(now) * 2).clamp(Self::MIN_STEP, Self::MAX);
        s.set(doubled, now);
    }

    fn succeeded(&self) {
        let mut s = self.state.lock();
        let now = tokio::time::Instant::now();
        let shrunk = s.spacing_at(now) * 3 / 4;
        s.set(shrunk, now);
    }

    /// The current spacing (for tests and the landing page).
    fn spacing(&self) -> Duration {
        self.state.lock().spacing_at(tokio::time::Instant::now())
    }
}

/// Bounds for one account and service.
#[derive(Debug)]
struct Lane {
    concurrency: Semaphore,
    quota: DefaultDirectRateLimiter,
    pacer: Pacer,
}

/// What a failed attempt means for the retry loop.
#[derive(Debug)]
enum Attempt {
    /// Retry after the policy's wait for 5xx, timeouts and broken connections.
    Transient(ApiError),
    /// Retry after at least this long (429).
    RateLimited(Option<Duration>),
    /// Do not retry.
    Final(ApiError),
}

/// Makes rustls use the ring crypto provider (the only one compiled in). Needed once per process
/// before any HTTP client is built; calling it again is harmless.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The LivePerson side every account shares: one HTTP client, its settings and the traffic
/// counters.
#[derive(Debug)]
pub struct LivePerson {
    http: reqwest::Client,
    cfg: HttpConfig,
    traffic: Arc<Traffic>,
}

impl LivePerson {
    /// A client with `cfg`'s timeout, counting into `traffic`.
    pub fn new(cfg: HttpConfig, traffic: Arc<Traffic>) -> Self {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(cfg.request_timeout)
            .connect_timeout(cfg.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("liveperson-exporter/", env!("CARGO_PKG_VERSION")))
            // Go only where LivePerson says: a 3xx is an answer, never followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a TLS backend is compiled in");
        Self { http, cfg, traffic }
    }

    /// The settings it was built with.
    pub fn config(&self) -> &HttpConfig {
        &self.cfg
    }
}

/// One account's view of LivePerson.
#[derive(Debug)]
pub struct AccountClient {
    lp: Arc<LivePerson>,
    account: AccountConfig,
    /// The credentials in force: the account's, until a reload rotates them.
    auth: arc_swap::ArcSwap<Auth>,
    scheme: &'static str,
    domains: Mutex<HashMap<Service, (String, Instant)>>,
    token: auth::TokenCache,
    /// One lane per service, indexed by `Service as usize`.
    lanes: [Lane; Service::COUNT],
}

fn transport(api: &'static str, e: &reqwest::Error) -> ApiError {
    if e.is_timeout() {
        ApiError::Timeout { api }
    } else {
        // The error's own text may contain the URL; keep to its kind.
        let kind = if e.is_connect() {
            "connect"
        } else if e.is_body() || e.is_decode() {
            "body"
        } else {
            "request"
        };
        ApiError::Connect {
            api,
            detail: kind.to_string(),
        }
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// CSDS's answer for one service.
#[derive(serde::Deserialize)]
struct CsdsAnswer {
    #[serde(rename = "baseURI")]
    base_uri: Option<String>,
}

/// Whether a CSDS `baseURI` is only a host and an optional port, as LivePerson documents it: no
/// scheme, path, query, fragment or user info that could send a signed request elsewhere.
fn is_host_port(s: &str) -> bool {
    let plain = !s
        .chars()
        .any(|c| c.is_whitespace() || "/?#@\\%".contains(c));
    plain
        && reqwest::Url::parse(&format!("http://{s}"))
            .is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty()))
}

/// A short, secret-free summary of an error body (LivePerson's `causes` or `message`).
fn detail(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = match (&v["causes"], &v["message"]) {
        (serde_json::Value::Array(c), _) if !c.is_empty() => c
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        (_, serde_json::Value::String(m)) => m.clone(),
        _ => String::new(),
    };
    text.chars().take(300).collect()
}

impl AccountClient {
    /// A client for `account`.
    pub fn new(lp: Arc<LivePerson>, account: AccountConfig) -> Self {
        let per_minute = NonZeroU32::new(lp.cfg.requests_per_minute.max(1)).expect("nonzero");
        let lanes = std::array::from_fn(|_| Lane {
            concurrency: Semaphore::new(lp.cfg.max_concurrency.max(1) as usize),
            quota: RateLimiter::direct(Quota::per_minute(per_minute).allow_burst(per_minute)),
            pacer: Pacer::new(),
        });
        let scheme = if account.csds_url.starts_with("http://") {
            "http"
        } else {
            "https"
        };
        Self {
            lp,
            auth: arc_swap::ArcSwap::from_pointee(account.auth.clone()),
            account,
            scheme,
            domains: Mutex::new(HashMap::new()),
            token: auth::TokenCache::default(),
            lanes,
        }
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.account.id
    }

    /// The shared LivePerson side it calls through.
    pub fn live_person(&self) -> &Arc<LivePerson> {
        &self.lp
    }

    /// The account's settings (with the credentials it was created with).
    pub fn account(&self) -> &AccountConfig {
        &self.account
    }

    /// Puts rotated credentials in force for the next request (a cached bearer token is dropped
    /// when they differ). The client's pacing, CSDS answers and the collectors' state stay.
    pub async fn set_auth(&self, auth: &Auth) {
        if **self.auth.load() != *auth {
            self.auth.store(Arc::new(auth.clone()));
            self.token.forget().await;
        }
    }

    /// The current 429 spacing of a service's requests.
    pub fn pacing(&self, service: Service) -> Duration {
        self.lane(service).pacer.spacing()
    }

    fn lane(&self, service: Service) -> &Lane {
        &self.lanes[service as usize]
    }

    /// `scheme://host[:port]` of a service: the config override, the cached CSDS answer, or a
    /// fresh CSDS lookup.
    pub async fn base_url(&self, service: Service) -> Result<String, ApiError> {
        if let Some(d) = self.account.domains.get(&service) {
            return Ok(format!("{}://{d}", self.scheme));
        }
        if let Some((d, at)) = self.domains.lock().get(&service)
            && at.elapsed() < self.lp.cfg.csds_ttl
        {
            return Ok(d.clone());
        }
        let url = format!(
            "{}/api/account/{}/service/{service}/baseURI.json",
            self.account.csds_url, self.account.id
        );
        let result = async {
            let resp = self
                .lp
                .http
                .get(&url)
                .query(&[("version", "1.0")])
                .send()
                .await
                .map_err(|e| e.to_string());
            self.lp.traffic.request(
                &self.account.id,
                "csds",
                resp.as_ref().ok().map(|r| r.status().as_u16()),
            );
            let resp = resp?;
            if resp.status().is_redirection() {
                return Err(format!(
                    "redirect (HTTP {}) not followed",
                    resp.status().as_u16()
                ));
            }
            if !resp.status().is_success() {
                return Err(format!("HTTP {}", resp.status().as_u16()));
            }
            let body = self
                .read_capped("csds", resp)
                .await
                .map_err(|e| e.to_string())?;
            let answer: CsdsAnswer = serde_json::from_slice(&body)
                .map_err(|e| format!("not a CSDS answer (line {})", e.line()))?;
            let host = answer
                .base_uri
                .filter(|s| !s.is_empty())
                .ok_or_else(|| "no baseURI in the answer".to_string())?;
            if !is_host_port(&host) {
                return Err("baseURI is not a host[:port]".to_string());
            }
            Ok(host)
        }
        .await;
        self.lp
            .traffic
            .csds_lookup(&self.account.id, service.name(), result.is_err());
        let host = result.map_err(|detail| ApiError::Csds {
            service: service.name(),
            detail: detail.replace(&self.account.csds_url, "<csds>"),
        })?;
        let base = format!("{}://{host}", self.scheme);
        self.domains
            .lock()
            .insert(service, (base.clone(), Instant::now()));
        Ok(base)
    }

    async fn bearer(&self, force: bool, api: &'static str) -> Result<String, ApiError> {
        let auth = self.auth.load_full();
        let Auth::OAuth2 {
            client_id,
            client_secret,
        } = &*auth
        else {
            return Err(ApiError::AuthUnsupported { api });
        };
        let base = self.base_url(Service::Sentinel).await?;
        let url = format!(
            "{base}/sentinel/api/v2/account/{}/app/token",
            self.account.id
        );
        let token = self
            .token
            .get(force, || async {
                let resp = self
                    .lp
                    .http
                    .post(&url)
                    .query(&[("v", "1.0")])
                    .form(&[
                        ("client_id", client_id.expose()),
                        ("client_secret", client_secret.expose()),
                        ("grant_type", "client_credentials"),
                    ])
                    .send()
                    .await
                    .map_err(|e| transport("sentinel", &e))?;
                let status = resp.status().as_u16();
                self.lp
                    .traffic
                    .request(&self.account.id, "sentinel", Some(status));
                if (300..400).contains(&status) {
                    return Err(ApiError::Redirect {
                        api: "sentinel",
                        status,
                    });
                }
                if status != 200 {
                    return Err(ApiError::Auth {
                        api: "sentinel",
                        status,
                    });
                }
                self.read_capped("sentinel", resp).await
            })
            .await?;
        Ok(format!("Bearer {}", token.expose()))
    }

    async fn authorization(
        &self,
        call: &Call,
        url: &str,
        refresh: bool,
    ) -> Result<String, ApiError> {
        match &**self.auth.load() {
            Auth::OAuth1 {
                consumer_key,
                consumer_secret,
                token,
                token_secret,
            } => Ok(auth::oauth1_header(
                call.method.as_str(),
                url,
                &call.query,
                consumer_key,
                consumer_secret,
                token,
                token_secret,
            )),
            Auth::OAuth2 { .. } if call.bearer_ok => self.bearer(refresh, call.api).await,
            Auth::OAuth2 { .. } => Err(ApiError::AuthUnsupported { api: call.api }),
        }
    }

    async fn read_capped(
        &self,
        api: &'static str,
        mut resp: reqwest::Response,
    ) -> Result<Vec<u8>, ApiError> {
        let limit = self.lp.cfg.max_response_bytes;
        let announced = resp.content_length();
        if announced.is_some_and(|n| n > limit) {
            return Err(ApiError::TooLarge { api, limit });
        }
        // Sized once when the length is announced, so the buffer does not double its way up.
        let mut body = Vec::with_capacity(announced.unwrap_or(0) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport(api, &e))? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(ApiError::TooLarge { api, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn attempt(&self, call: &Call) -> Result<Answer, Attempt> {
        let service = call.service;
        let base = self.base_url(service).await.map_err(Attempt::Transient)?;
        let url = format!("{base}{}", call.path);
        let lane = self.lane(service);
        let _permit = lane.concurrency.acquire().await.expect("never closed");
        lane.quota.until_ready().await;
        lane.pacer.start().await;
        let mut refreshed = false;
        loop {
            let auth = self
                .authorization(call, &url, refreshed)
                .await
                .map_err(Attempt::Final)?;
            let mut req = self
                .lp
                .http
                .request(call.method.clone(), &url)
                .query(&call.query)
                .header(reqwest::header::AUTHORIZATION, auth);
            if let Some(b) = &call.body {
                req = req.json(b);
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    self.lp.traffic.request(&self.account.id, call.api, None);
                    if e.is_connect() {
                        // The domain may have moved: ask CSDS again next time.
                        self.domains.lock().remove(&service);
                    }
                    return Err(Attempt::Transient(transport(call.api, &e)));
                }
            };
            let status = resp.status();
            self.lp
                .traffic
                .request(&self.account.id, call.api, Some(status.as_u16()));
            match status {
                s if s.is_success() => {
                    lane.pacer.succeeded();
                    let body = self
                        .read_capped(call.api, resp)
                        .await
                        .map_err(|e| match e {
                            ApiError::TooLarge { .. } => Attempt::Final(e),
                            other => Attempt::Transient(other),
                        })?;
                    return Ok(Answer {
                        status: s.as_u16(),
                        body,
                    });
                }
                StatusCode::UNAUTHORIZED
                    if !refreshed && matches!(**self.auth.load(), Auth::OAuth2 { .. }) =>
                {
                    refreshed = true;
                }
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    return Err(Attempt::Final(ApiError::Auth {
                        api: call.api,
                        status: status.as_u16(),
                    }));
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    lane.pacer.rate_limited();
                    return Err(Attempt::RateLimited(retry_after(&resp)));
                }
                s if s.is_redirection() => {
                    return Err(Attempt::Final(ApiError::Redirect {
                        api: call.api,
                        status: s.as_u16(),
                    }));
                }
                s if s.is_server_error() => {
                    return Err(Attempt::Transient(ApiError::Server {
                        api: call.api,
                        status: s.as_u16(),
                    }));
                }
                s => {
                    let body = self.read_capped(call.api, resp).await.unwrap_or_default();
                    return Err(Attempt::Final(ApiError::Client {
                        api: call.api,
                        status: s.as_u16(),
                        detail: detail(&body),
                    }));
                }
            }
        }
    }

    /// Performs `call` with LivePerson's retry policy; the answer is 2xx.
    pub async fn send(&self, call: &Call) -> Result<Answer, ApiError> {
        let retry = &self.lp.cfg.retry;
        let mut transient_left = retry.server_error_waits.iter();
        let mut rate_limited_left = retry.rate_limited_retries;
        let outcome = (|| self.attempt(call))
            .retry(
                ConstantBuilder::default()
                    .with_delay(Duration::ZERO)
                    .without_max_times(),
            )
            .sleep(tokio::time::sleep)
            .when(|a| !matches!(a, Attempt::Final(_)))
            .adjust(|a, _| {
                let wait = match a {
                    Attempt::Transient(_) => transient_left.next().copied(),
                    Attempt::RateLimited(after) if rate_limited_left > 0 => {
                        rate_limited_left -= 1;
                        let min = retry.rate_limited_wait;
                        Some(
                            after
                                .map_or(min, |d| d.max(min))
                                .min(retry.max_rate_limited_wait),
                        )
                    }
                    _ => None,
                };
                let cause = match a {
                    Attempt::Transient(e) | Attempt::Final(e) => e.clone(),
                    Attempt::RateLimited(_) => ApiError::RateLimited { api: call.api },
                };
                // A wait the run cannot outlast ends the retries now, with their cause.
                let wait = wait.filter(|w| run_scope::remaining().is_none_or(|left| *w < left));
                if wait.is_some() {
                    run_scope::retrying(&cause);
                    self.lp.traffic.retry(&self.account.id, call.api);
                }
                wait
            })
            .await;
        outcome.map_err(|a| match a {
            Attempt::Transient(e) | Attempt::Final(e) => e,
            Attempt::RateLimited(_) => ApiError::RateLimited { api: call.api },
        })
    }

    /// Performs `call` and decodes a 200 body as `T`.
    pub async fn json<T: DeserializeOwned>(&self, call: &Call) -> Result<T, ApiError> {
        self.send(call).await?.json(call.api)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pacing_decays_with_time_and_a_cancelled_wait_keeps_no_slot() {
        let p = Pacer::new();
        for _ in 0..8 {
            p.rate_limited();
        }
        assert_eq!(p.spacing(), Pacer::MAX);
        // Without any success, the spacing halves every half-life.
        tokio::time::advance(Pacer::HALF_LIFE).await;
        assert_eq!(p.spacing(), Pacer::MAX / 2);
        tokio::time::advance(Pacer::HALF_LIFE * 10).await;
        assert_eq!(p.spacing(), Duration::ZERO);

        for _ in 0..8 {
            p.rate_limited();
        }
        p.start().await;
        // Many runs start waiting and give up: none of them moves the next start back.
        for _ in 0..20 {
            let _ = tokio::time::timeout(Duration::from_millis(100), p.start()).await;
        }
        let before = tokio::time::Instant::now();
        p.start().await;
        assert!(
            before.elapsed() < Pacer::MAX,
            "waited {:?} after cancelled waits",
            before.elapsed()
        );
    }

    #[test]
    fn only_a_host_and_port_is_a_base_uri() {
        for ok in [
            "va.data.liveperson.net",
            "127.0.0.1:8443",
            "[::1]:80",
            "host-1.example",
        ] {
            assert!(is_host_port(ok), "{ok}");
        }
        for bad in [
            "",
            "host/path",
            "host:80/evil",
            "host?x=1",
            "host#f",
            "user:pw@host",
            "http://host",
            "ho st",
            "host:port",
        ] {
            assert!(!is_host_port(bad), "{bad}");
        }
    }
}

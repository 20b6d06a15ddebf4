//! Configuration: defaults < file (YAML or TOML) < environment (`LIVEPERSON_EXPORTER_`, `__` for
//! nesting), merged with figment and checked strictly.
//!
//! Every problem is collected with its key path (`accounts[0].auth.oauth1.consumer_secret`) and
//! reported at once: unknown keys (found with `serde_ignored`), type errors (located with
//! `serde_path_to_error`, one per section), and rule violations. Each account and each collector
//! section is read on its own, so one bad section does not hide the others' problems.
//!
//! The rooms: [`problems`] (key-path problems, typed reading), [`secret`] (inline, `_env` or
//! `_file` secrets) and [`stamps`] (whether files changed) are the ground floor and import nothing
//! above them; this file is the tree
//! ([`Config`]) and its reading ([`load`]). Each collector reads its own section (see
//! `collectors::plan`); `app::check` is the one door to a checked configuration.

pub mod problems;
pub mod secret;
pub mod stamps;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml, Yaml};
use serde::Deserialize;
use serde_json::Value;

pub use problems::{Problem, Problems, join, or_empty, typed, without_values};
pub use secret::Secret;
use secret::{RawSecret, resolve_secret};

use crate::otlp::config::OtlpConfig;
use crate::service::Service;
use crate::shard::Shard;
use crate::web::WebSettings;

/// The public CSDS (domain API) host.
pub const PUBLIC_CSDS_URL: &str = "https://api.liveperson.net";
/// Environment prefix of configuration overrides.
pub const ENV_PREFIX: &str = "LIVEPERSON_EXPORTER_";

/// Log settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    /// `error`, `warn`, `info`, `debug` or `trace` (or an `EnvFilter` directive).
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// Whether `filter` is a log level or comma-separated `target=level` directives. A bare word that
/// is not a level would be read as a target name and silence every other log line, so it is a
/// problem here.
fn is_log_filter(filter: &str) -> bool {
    const LEVELS: [&str; 6] = ["error", "warn", "info", "debug", "trace", "off"];
    let level = |l: &str| LEVELS.contains(&l.trim().to_ascii_lowercase().as_str());
    !filter.trim().is_empty()
        && filter.split(',').all(|d| match d.split_once('=') {
            Some((target, l)) => !target.trim().is_empty() && level(l),
            None => level(d),
        })
}

/// Retry waits, LivePerson's documented policy by default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct RetryConfig {
    /// Waits before the retries of a 500 or 503 (three retries at 5, 10 and 15 s).
    #[serde(deserialize_with = "durations")]
    pub server_error_waits: Vec<Duration>,
    /// Shortest wait after a 429 without `Retry-After` (LivePerson: at least 1 s).
    #[serde(with = "humantime_serde")]
    pub rate_limited_wait: Duration,
    /// Longest wait honoured from a `Retry-After` header.
    #[serde(with = "humantime_serde")]
    pub max_rate_limited_wait: Duration,
    /// Retries of a 429 before the request fails.
    pub rate_limited_retries: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            server_error_waits: vec![
                Duration::from_secs(5),
                Duration::from_secs(10),
                Duration::from_secs(15),
            ],
            rate_limited_wait: Duration::from_secs(1),
            max_rate_limited_wait: Duration::from_secs(60),
            rate_limited_retries: 3,
        }
    }
}

fn durations<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
    let v: Vec<humantime_serde::Serde<Duration>> = Deserialize::deserialize(d)?;
    Ok(v.into_iter().map(|x| x.into_inner()).collect())
}

/// HTTP client settings, shared by all accounts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// Timeout of one HTTP request.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Largest response body accepted, bytes.
    pub max_response_bytes: u64,
    /// How long a CSDS answer is cached.
    #[serde(with = "humantime_serde")]
    pub csds_ttl: Duration,
    /// Requests in flight per account and service.
    pub max_concurrency: u32,
    /// Requests per minute per account and service (before any 429 slow-down).
    pub requests_per_minute: u32,
    /// Retry policy.
    pub retry: RetryConfig,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(20),
            max_response_bytes: 32 << 20,
            csds_ttl: Duration::from_secs(3600),
            max_concurrency: 4,
            requests_per_minute: 120,
            retry: RetryConfig::default(),
        }
    }
}

/// How an account authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// OAuth 1.0a (HMAC-SHA1), accepted by every API.
    OAuth1 {
        /// App key.
        consumer_key: Secret,
        /// App secret.
        consumer_secret: Secret,
        /// Access token.
        token: Secret,
        /// Access token secret.
        token_secret: Secret,
    },
    /// OAuth 2.0 client credentials (Sentinel); a bearer token where the docs allow one, otherwise
    /// collectors that need OAuth 1.0a report an auth error.
    OAuth2 {
        /// Client id.
        client_id: Secret,
        /// Client secret.
        client_secret: Secret,
    },
}

impl Auth {
    /// Every secret of the credentials.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Auth::OAuth1 {
                consumer_key,
                consumer_secret,
                token,
                token_secret,
            } => vec![consumer_key, consumer_secret, token, token_secret],
            Auth::OAuth2 {
                client_id,
                client_secret,
            } => vec![client_id, client_secret],
        }
    }

    /// OAuth 1.0a credentials from their four values.
    pub fn oauth1(
        consumer_key: &str,
        consumer_secret: &str,
        token: &str,
        token_secret: &str,
    ) -> Self {
        Auth::OAuth1 {
            consumer_key: Secret::new(consumer_key),
            consumer_secret: Secret::new(consumer_secret),
            token: Secret::new(token),
            token_secret: Secret::new(token_secret),
        }
    }
}

/// One account.
#[derive(Debug, Clone)]
pub struct AccountConfig {
    /// Where it is in the file (`accounts[2]`), for messages about it.
    pub path: String,
    /// LivePerson account (site) id.
    pub id: String,
    /// CSDS base URL; services are reached with its scheme.
    pub csds_url: String,
    /// Per-service `host[:port]` overrides of CSDS answers.
    pub domains: BTreeMap<Service, String>,
    /// Credentials.
    pub auth: Auth,
    /// Raw collector sections by collector name, read by the collector registry.
    pub collectors: BTreeMap<String, Value>,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of `/metrics`, `/healthz`, `/readyz` and `/`.
    pub listen: SocketAddr,
    /// Whether `/metrics` is served (off for a push-only sidecar; the health endpoints stay).
    pub metrics_endpoint: bool,
    /// The serving side: web config file, connection bounds, lifecycle endpoint.
    pub web: WebSettings,
    /// How long stopping may take, final OTLP export included.
    pub shutdown_timeout: Duration,
    /// How often secret files (`*_file`) are checked for changes; a change reloads.
    pub secret_file_check_interval: Duration,
    /// OTLP push.
    pub otlp: OtlpConfig,
    /// Logging.
    pub log: LogConfig,
    /// HTTP client.
    pub http: HttpConfig,
    /// How long a failing collector's last gauges stay exposed.
    pub gauge_max_age: Duration,
    /// This replica's shard.
    pub shard: Shard,
    /// Number of accounts in the configuration, this shard's and the others'.
    pub configured_accounts: usize,
    /// The accounts this shard polls (all of them with one shard).
    pub accounts: Vec<AccountConfig>,
}

impl Config {
    /// The files secrets were read from (`*_file`), to re-read them when they change.
    pub fn secret_files(&self) -> Vec<std::path::PathBuf> {
        let mut files: Vec<std::path::PathBuf> = self
            .accounts
            .iter()
            .flat_map(|a| a.auth.secrets())
            .chain(self.otlp.headers.iter().map(|(_, s)| s))
            .filter_map(|s| s.file().map(Path::to_path_buf))
            .collect();
        files.sort();
        files.dedup();
        files
    }
}

#[derive(Deserialize)]
struct Top {
    #[serde(default = "default_listen")]
    listen: SocketAddr,
    #[serde(default = "yes")]
    metrics_endpoint: bool,
    #[serde(default)]
    web: Value,
    #[serde(default = "default_shutdown_timeout", with = "humantime_serde")]
    shutdown_timeout: Duration,
    #[serde(
        default = "default_secret_file_check_interval",
        with = "humantime_serde"
    )]
    secret_file_check_interval: Duration,
    #[serde(default)]
    otlp: Value,
    #[serde(default)]
    log: Value,
    #[serde(default)]
    http: Value,
    #[serde(default = "default_gauge_max_age", with = "humantime_serde")]
    gauge_max_age: Duration,
    #[serde(default)]
    shard: Value,
    #[serde(default)]
    accounts: Vec<Value>,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 9477))
}

fn yes() -> bool {
    true
}

fn default_gauge_max_age() -> Duration {
    Duration::from_secs(300)
}

/// Well under Kubernetes' default grace period of 30 s (the chart gives 5 s more than this).
fn default_shutdown_timeout() -> Duration {
    Duration::from_secs(15)
}

fn default_secret_file_check_interval() -> Duration {
    Duration::from_secs(10)
}

#[derive(Deserialize)]
struct RawAccount {
    id: Value,
    #[serde(default = "default_csds")]
    csds_url: String,
    #[serde(default)]
    domains: BTreeMap<String, String>,
    auth: RawAuth,
    #[serde(default)]
    collectors: BTreeMap<String, Value>,
}

fn default_csds() -> String {
    PUBLIC_CSDS_URL.to_string()
}

#[derive(Deserialize)]
struct RawAuth {
    oauth1: Option<RawOAuth1>,
    oauth2: Option<RawOAuth2>,
}

macro_rules! raw_secrets {
    ($name:ident { $($field:ident, $env:ident, $file:ident;)* }) => {
        #[derive(Deserialize)]
        struct $name {
            $(
                $field: Option<String>,
                $env: Option<String>,
                $file: Option<String>,
            )*
        }
        impl $name {
            fn secrets(self) -> Vec<(&'static str, RawSecret)> {
                vec![$((
                    stringify!($field),
                    RawSecret { value: self.$field, env: self.$env, file: self.$file },
                )),*]
            }
        }
    };
}

raw_secrets!(RawOAuth1 {
    consumer_key, consumer_key_env, consumer_key_file;
    consumer_secret, consumer_secret_env, consumer_secret_file;
    token, token_env, token_file;
    token_secret, token_secret_env, token_secret_file;
});

raw_secrets!(RawOAuth2 {
    client_id, client_id_env, client_id_file;
    client_secret, client_secret_env, client_secret_file;
});

fn read_auth(raw: RawAuth, base: &str, problems: &mut Problems) -> Option<Auth> {
    let mut resolve = |section: &str, secrets: Vec<(&'static str, RawSecret)>| {
        let mut out = Vec::new();
        for (name, s) in secrets {
            out.push(resolve_secret(
                s,
                &join(&join(base, section), name),
                problems,
            ));
        }
        out.into_iter().collect::<Option<Vec<Secret>>>()
    };
    match (raw.oauth1, raw.oauth2) {
        (Some(o), None) => {
            let [consumer_key, consumer_secret, token, token_secret] =
                <[Secret; 4]>::try_from(resolve("oauth1", o.secrets())?).ok()?;
            Some(Auth::OAuth1 {
                consumer_key,
                consumer_secret,
                token,
                token_secret,
            })
        }
        (None, Some(o)) => {
            let [client_id, client_secret] =
                <[Secret; 2]>::try_from(resolve("oauth2", o.secrets())?).ok()?;
            Some(Auth::OAuth2 {
                client_id,
                client_secret,
            })
        }
        (None, None) => {
            problems.add(base, "give oauth1 or oauth2 credentials");
            None
        }
        (Some(_), Some(_)) => {
            problems.add(base, "give oauth1 or oauth2 credentials, not both");
            None
        }
    }
}

fn read_account(v: Value, base: &str, problems: &mut Problems) -> Option<AccountConfig> {
    let raw: RawAccount = typed(v, base, problems)?;
    let id = match raw.id {
        Value::String(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()) => s,
        Value::Number(n) => n.to_string(),
        _ => {
            problems.add(
                join(base, "id"),
                "must be an account id (letters and digits)",
            );
            String::new()
        }
    };
    if !(raw.csds_url.starts_with("https://") || raw.csds_url.starts_with("http://")) {
        problems.add(join(base, "csds_url"), "must be an http:// or https:// URL");
    }
    let mut domains = BTreeMap::new();
    for (k, v) in raw.domains {
        match k.parse::<Service>() {
            Ok(service) => {
                domains.insert(service, v);
            }
            Err(_) => problems.add(
                join(&join(base, "domains"), &k),
                format!("unknown service (known: {})", Service::names().join(", ")),
            ),
        }
    }
    let auth = read_auth(raw.auth, &join(base, "auth"), problems)?;
    Some(AccountConfig {
        path: base.to_string(),
        id,
        csds_url: raw.csds_url.trim_end_matches('/').to_string(),
        domains,
        auth,
        collectors: raw.collectors,
    })
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            metrics_endpoint: true,
            web: WebSettings::default(),
            shutdown_timeout: default_shutdown_timeout(),
            secret_file_check_interval: default_secret_file_check_interval(),
            otlp: OtlpConfig::default(),
            log: LogConfig::default(),
            http: HttpConfig::default(),
            gauge_max_age: default_gauge_max_age(),
            shard: Shard::default(),
            configured_accounts: 0,
            accounts: Vec::new(),
        }
    }
}

/// Merges defaults, the file at `path` (if any) and the `LIVEPERSON_EXPORTER_` environment, and
/// reads the result. The configuration comes back even with problems (the parts that could be read),
/// so later checks can report their problems too; it is usable only when there are none.
pub fn load(path: Option<&Path>) -> (Config, Vec<Problem>) {
    let (cfg, problems) = read(path);
    (cfg.unwrap_or_default(), problems.0)
}

fn read(path: Option<&Path>) -> (Option<Config>, Problems) {
    let mut problems = Problems::default();
    let mut figment = Figment::new();
    if let Some(p) = path {
        if !p.exists() {
            problems.add("config", format!("{}: no such file", p.display()));
            return (None, problems);
        }
        figment = if p.extension().is_some_and(|e| e == "toml") {
            figment.merge(Toml::file_exact(p))
        } else {
            figment.merge(Yaml::file_exact(p))
        };
    }
    // LIVEPERSON_EXPORTER_CONFIG names the file itself (a command-line option), not a key.
    figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__").ignore(&["config"]));
    let merged: Value = match figment.extract() {
        Ok(v) => v,
        Err(e) => {
            for err in e {
                let at = err.path.join(".");
                problems.add(
                    if at.is_empty() { "config".into() } else { at },
                    without_values(&err.kind.to_string()),
                );
            }
            return (None, problems);
        }
    };
    let merged = if merged.is_null() {
        Value::Object(Default::default())
    } else {
        merged
    };
    let Some(top) = typed::<Top>(merged, "", &mut problems) else {
        return (None, problems);
    };
    let log = typed::<LogConfig>(or_empty(top.log), "log", &mut problems).unwrap_or_default();
    if !is_log_filter(&log.level) {
        problems.add(
            "log.level",
            "must be a level (error, warn, info, debug, trace, off) or target=level directives, \
             comma-separated",
        );
    }
    if !["text", "json"].contains(&log.format.as_str()) {
        problems.add("log.format", "must be text or json");
    }
    let web = typed::<WebSettings>(or_empty(top.web), "web", &mut problems).unwrap_or_default();
    for (key, zero) in [
        ("web.max_connections", web.max_connections == 0),
        ("web.max_requests", web.max_requests == 0),
        ("web.header_read_timeout", web.header_read_timeout.is_zero()),
        ("web.idle_timeout", web.idle_timeout.is_zero()),
        ("shutdown_timeout", top.shutdown_timeout.is_zero()),
        (
            "secret_file_check_interval",
            top.secret_file_check_interval.is_zero(),
        ),
    ] {
        if zero {
            problems.add(key, "must be above 0");
        }
    }
    let http = typed::<HttpConfig>(or_empty(top.http), "http", &mut problems).unwrap_or_default();
    if http.max_concurrency == 0 {
        problems.add("http.max_concurrency", "must be at least 1");
    }
    if http.requests_per_minute == 0 {
        problems.add("http.requests_per_minute", "must be at least 1");
    }
    let otlp =
        crate::otlp::config::read(top.otlp, &crate::otlp::config::process_env, &mut problems);
    if !top.metrics_endpoint && !otlp.enabled {
        problems.add(
            "metrics_endpoint",
            "with /metrics off, otlp.enabled must be true, or nothing is exported",
        );
    }
    if top.accounts.is_empty() {
        problems.add("accounts", "at least one account is required");
    }
    let mut accounts = Vec::new();
    for (i, a) in top.accounts.into_iter().enumerate() {
        let base = format!("accounts[{i}]");
        if let Some(acc) = read_account(a, &base, &mut problems) {
            if accounts.iter().any(|x: &AccountConfig| x.id == acc.id) {
                problems.add(
                    join(&base, "id"),
                    format!("account {} appears twice", acc.id),
                );
            }
            accounts.push(acc);
        }
    }
    // Every account is checked above, whichever shard polls it: the replicas share one file.
    let hostname = std::env::var("HOSTNAME").ok().or_else(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
    });
    let shard = crate::shard::read(top.shard, hostname.as_deref(), &mut problems);
    let configured_accounts = accounts.len();
    accounts.retain(|a| shard.owns(&a.id));
    let cfg = Config {
        listen: top.listen,
        metrics_endpoint: top.metrics_endpoint,
        web,
        shutdown_timeout: top.shutdown_timeout,
        secret_file_check_interval: top.secret_file_check_interval,
        otlp,
        log,
        http,
        gauge_max_age: top.gauge_max_age,
        shard,
        configured_accounts,
        accounts,
    };
    (Some(cfg), problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_levels_and_directives_are_accepted_other_words_are_not() {
        for ok in [
            "info",
            "DEBUG",
            "warn,liveperson_exporter=debug",
            "hyper=off, info",
        ] {
            assert!(is_log_filter(ok), "{ok}");
        }
        for bad in ["", "verbose", "info,loud", "x=verbose", "=debug"] {
            assert!(!is_log_filter(bad), "{bad}");
        }
    }
}

//! The `otlp` configuration section, and how it combines with the standard OpenTelemetry
//! environment variables.
//!
//! Precedence, per setting: a value in the configuration (file or `LIVEPERSON_EXPORTER_OTLP__*`)
//! wins, like code-level settings in any OpenTelemetry SDK; otherwise the standard variable
//! (`OTEL_EXPORTER_OTLP_METRICS_*` before `OTEL_EXPORTER_OTLP_*`); otherwise the specification's
//! default. An endpoint from `OTEL_EXPORTER_OTLP_ENDPOINT` gets `/v1/metrics` appended for HTTP, as
//! the specification says; an endpoint from the configuration or the metrics-specific variable is
//! used as it is, so an HTTP one must be the full URL. Headers from
//! `OTEL_EXPORTER_OTLP_METRICS_HEADERS` and `OTEL_EXPORTER_OTLP_HEADERS`, and resource attributes
//! from `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` (comma-separated `key=value`, values
//! percent-decoded), join the configured ones; a configured key wins.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::config::problems::{Problems, join, or_empty, typed};
use crate::config::secret::{RawSecret, Secret, resolve_secret};

/// OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// gRPC (tonic), default port 4317.
    Grpc,
    /// Protobuf over HTTP (`/v1/metrics`), default port 4318.
    HttpProtobuf,
}

impl Protocol {
    /// The specification's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
        }
    }
}

/// Aggregation temporality of exported sums and histograms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temporality {
    /// Totals since the exporter started (the default; what Prometheus expects).
    Cumulative,
    /// Changes since the previous export.
    Delta,
    /// The specification's `lowmemory`: delta for synchronous counters and histograms,
    /// cumulative for the rest.
    LowMemory,
}

/// Payload compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// None.
    None,
    /// gzip.
    Gzip,
}

/// The resolved `otlp` section.
#[derive(Debug, Clone, PartialEq)]
pub struct OtlpConfig {
    /// Whether metrics are pushed.
    pub enabled: bool,
    /// Transport.
    pub protocol: Protocol,
    /// Full endpoint URL (for HTTP including `/v1/metrics`).
    pub endpoint: String,
    /// Extra request headers (e.g. an API key).
    pub headers: Vec<(String, Secret)>,
    /// Time between exports.
    pub interval: Duration,
    /// Timeout of one export.
    pub timeout: Duration,
    /// Temporality.
    pub temporality: Temporality,
    /// Compression.
    pub compression: Compression,
    /// Resource attributes: the configured ones over `OTEL_SERVICE_NAME` over
    /// `OTEL_RESOURCE_ATTRIBUTES`; they override the defaults (`service.name`, `service.version`).
    pub resource_attributes: BTreeMap<String, String>,
    /// Series per metric sent apart before the rest are merged into one overflow point.
    pub cardinality_limit: usize,
}

impl Default for OtlpConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            protocol: Protocol::HttpProtobuf,
            endpoint: default_endpoint(Protocol::HttpProtobuf).into(),
            headers: Vec::new(),
            interval: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            temporality: Temporality::Cumulative,
            compression: Compression::None,
            resource_attributes: BTreeMap::new(),
            cardinality_limit: DEFAULT_CARDINALITY_LIMIT,
        }
    }
}

/// Default of `cardinality_limit`: far above any real account, far below what would exhaust memory.
pub const DEFAULT_CARDINALITY_LIMIT: usize = 100_000;

#[derive(Deserialize, Default)]
struct RawOtlp {
    #[serde(default)]
    enabled: bool,
    endpoint: Option<String>,
    protocol: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default, with = "humantime_serde")]
    interval: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    timeout: Option<Duration>,
    temporality: Option<String>,
    compression: Option<String>,
    #[serde(default)]
    resource_attributes: BTreeMap<String, String>,
    cardinality_limit: Option<usize>,
}

/// `url` for logs and messages: user info (`user:password@`) replaced by `***@`.
pub fn without_user_info(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_password(None);
            let _ = u.set_username("***");
            u.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => "<unparsable endpoint>".to_string(),
    }
}

fn default_endpoint(p: Protocol) -> &'static str {
    match p {
        Protocol::Grpc => "http://localhost:4317",
        Protocol::HttpProtobuf => "http://localhost:4318/v1/metrics",
    }
}

/// A setting from the configuration, else the first set variable of `vars`; with where it came from.
fn pick(
    configured: Option<String>,
    key: &str,
    vars: &[&str],
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    if let Some(v) = configured {
        return Some((v, format!("otlp.{key}")));
    }
    vars.iter().find_map(|var| {
        env(var)
            .filter(|v| !v.is_empty())
            .map(|v| (v, var.to_string()))
    })
}

fn millis(
    configured: Option<Duration>,
    key: &str,
    vars: &[&str],
    default: Duration,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Problems,
) -> Duration {
    if let Some(d) = configured {
        if d.is_zero() {
            problems.add(format!("otlp.{key}"), "must be more than 0");
        }
        return d;
    }
    match pick(None, key, vars, env) {
        Some((v, var)) => match v.trim().parse::<u64>() {
            Ok(ms) if ms > 0 => Duration::from_millis(ms),
            _ => {
                problems.add(var, "must be a positive number of milliseconds");
                default
            }
        },
        None => default,
    }
}

fn valid_url(u: &str) -> bool {
    (u.starts_with("http://") || u.starts_with("https://"))
        && reqwest::Url::parse(u).is_ok_and(|p| p.host_str().is_some())
}

/// Reads the `otlp` section (`Value::Null` when absent), with `env` as the process environment.
pub fn read(
    section: Value,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Problems,
) -> OtlpConfig {
    let Some(raw) = typed::<RawOtlp>(or_empty(section), "otlp", problems) else {
        return OtlpConfig::default();
    };
    if !raw.enabled {
        // The OTEL_* variables may be meant for another program; they matter only when enabled.
        return OtlpConfig::default();
    }
    let protocol = match pick(
        raw.protocol,
        "protocol",
        &[
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ],
        env,
    ) {
        None => Protocol::HttpProtobuf,
        Some((v, at)) => match v.as_str() {
            "grpc" => Protocol::Grpc,
            "http/protobuf" => Protocol::HttpProtobuf,
            _ => {
                problems.add(at, "must be grpc or http/protobuf");
                Protocol::HttpProtobuf
            }
        },
    };
    let endpoint = if let Some(e) = raw.endpoint {
        if !valid_url(&e) {
            problems.add("otlp.endpoint", "must be an http:// or https:// URL");
        } else if protocol == Protocol::HttpProtobuf && !e.ends_with("/v1/metrics") {
            problems.add(
                "otlp.endpoint",
                "an http/protobuf endpoint is used as given, so it must be the full URL ending in \
                 /v1/metrics (e.g. http://localhost:4318/v1/metrics)",
            );
        }
        e
    } else if let Some(e) = env("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT").filter(|e| !e.is_empty()) {
        if !valid_url(&e) {
            problems.add(
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "must be an http:// or https:// URL",
            );
        }
        e
    } else if let Some(e) = env("OTEL_EXPORTER_OTLP_ENDPOINT").filter(|e| !e.is_empty()) {
        if !valid_url(&e) {
            problems.add(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "must be an http:// or https:// URL",
            );
        }
        match protocol {
            Protocol::Grpc => e,
            Protocol::HttpProtobuf => format!("{}/v1/metrics", e.trim_end_matches('/')),
        }
    } else {
        default_endpoint(protocol).to_string()
    };
    let mut headers = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for key in raw.headers.keys() {
        let name = key
            .strip_suffix("_env")
            .or_else(|| key.strip_suffix("_file"))
            .unwrap_or(key);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    for name in names {
        let path = join("otlp.headers", name);
        let get = |suffix: &str| raw.headers.get(&format!("{name}{suffix}")).cloned();
        let secret = RawSecret {
            value: get(""),
            env: get("_env"),
            file: get("_file"),
        };
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            problems.add(&path, "not a valid header name");
            continue;
        }
        if let Some(value) = resolve_secret(secret, &path, problems) {
            if reqwest::header::HeaderValue::from_str(value.expose()).is_err() {
                // The value is a secret: say what is wrong without showing it.
                problems.add(&path, "the value is not a valid header value");
            } else {
                headers.push((name.to_ascii_lowercase(), value));
            }
        }
    }
    for var in [
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
        "OTEL_EXPORTER_OTLP_HEADERS",
    ] {
        for (name, value) in key_values(env, var, problems) {
            let name = name.to_ascii_lowercase();
            if headers.iter().any(|(n, _)| *n == name) {
                continue;
            }
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
                || reqwest::header::HeaderValue::from_str(&value).is_err()
            {
                // Values may be secrets: name the header only.
                problems.add(var, format!("header {name} is not a valid header"));
                continue;
            }
            headers.push((name, Secret::new(value)));
        }
    }
    let mut resource_attributes = raw.resource_attributes;
    if let Some(name) = env("OTEL_SERVICE_NAME").filter(|n| !n.is_empty()) {
        resource_attributes
            .entry("service.name".into())
            .or_insert(name);
    }
    for (k, v) in key_values(env, "OTEL_RESOURCE_ATTRIBUTES", problems) {
        resource_attributes.entry(k).or_insert(v);
    }
    let interval = millis(
        raw.interval,
        "interval",
        &["OTEL_METRIC_EXPORT_INTERVAL"],
        Duration::from_secs(60),
        env,
        problems,
    );
    let timeout = millis(
        raw.timeout,
        "timeout",
        &[
            "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ],
        Duration::from_secs(10),
        env,
        problems,
    );
    let temporality = match pick(
        raw.temporality,
        "temporality",
        &["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"],
        env,
    ) {
        None => Temporality::Cumulative,
        Some((v, at)) => match v.to_ascii_lowercase().as_str() {
            "cumulative" => Temporality::Cumulative,
            "delta" => Temporality::Delta,
            "lowmemory" => Temporality::LowMemory,
            _ => {
                problems.add(at, "must be cumulative, delta or lowmemory");
                Temporality::Cumulative
            }
        },
    };
    let compression = match pick(
        raw.compression,
        "compression",
        &[
            "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
            "OTEL_EXPORTER_OTLP_COMPRESSION",
        ],
        env,
    ) {
        None => Compression::None,
        Some((v, at)) => match v.as_str() {
            "none" => Compression::None,
            "gzip" => Compression::Gzip,
            _ => {
                problems.add(at, "must be none or gzip");
                Compression::None
            }
        },
    };
    let cardinality_limit = raw.cardinality_limit.unwrap_or(DEFAULT_CARDINALITY_LIMIT);
    if !(1..=10_000_000).contains(&cardinality_limit) {
        problems.add("otlp.cardinality_limit", "must be between 1 and 10000000");
    }
    OtlpConfig {
        enabled: true,
        protocol,
        endpoint,
        headers,
        interval,
        timeout,
        temporality,
        compression,
        resource_attributes,
        cardinality_limit,
    }
}

/// The `key=value` entries of variable `var` (W3C baggage style: comma-separated, values
/// percent-decoded). A malformed entry is a problem naming the variable and the entry's position,
/// never its text (it may hold a secret).
fn key_values(
    env: &dyn Fn(&str) -> Option<String>,
    var: &str,
    problems: &mut Problems,
) -> Vec<(String, String)> {
    let Some(text) = env(var) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, entry) in text.split(',').enumerate() {
        if entry.trim().is_empty() {
            continue;
        }
        let parsed = entry.split_once('=').and_then(|(k, v)| {
            let k = k.trim();
            let v = percent_encoding::percent_decode_str(v.trim())
                .decode_utf8()
                .ok()?;
            (!k.is_empty()).then(|| (k.to_string(), v.into_owned()))
        });
        match parsed {
            Some(kv) => out.push(kv),
            None => problems.add(var, format!("entry {} is not key=value", i + 1)),
        }
    }
    out
}

/// The process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_endpoints_carry_no_user_info() {
        assert_eq!(
            without_user_info("https://user:s3cret@collector:4318/v1/metrics"),
            "https://***@collector:4318/v1/metrics"
        );
        assert_eq!(
            without_user_info("http://127.0.0.1:4317"),
            "http://127.0.0.1:4317"
        );
    }
    use serde_json::json;

    fn read_with(section: Value, vars: &[(&str, &str)]) -> (OtlpConfig, Vec<String>) {
        let env = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let mut problems = Problems::default();
        let cfg = read(section, &env, &mut problems);
        (cfg, problems.0.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn standard_variables_fill_what_the_config_leaves_open() {
        let (c, p) = read_with(
            json!({"enabled": true}),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
                ("OTEL_METRIC_EXPORT_INTERVAL", "15000"),
                ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
                ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta"),
            ],
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.protocol, Protocol::HttpProtobuf);
        assert_eq!(c.endpoint, "http://collector:4318/v1/metrics");
        assert_eq!(c.interval, Duration::from_secs(15));
        assert_eq!(c.timeout, Duration::from_millis(2500));
        assert_eq!(c.temporality, Temporality::Delta);

        let (c, _) = read_with(
            json!({"enabled": true}),
            &[
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ],
        );
        assert_eq!(
            (c.protocol, c.endpoint.as_str()),
            (Protocol::Grpc, "http://collector:4317")
        );
        let (c, _) = read_with(
            json!({"enabled": true}),
            &[(
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "http://collector:9999/custom",
            )],
        );
        assert_eq!(c.endpoint, "http://collector:9999/custom", "used as given");
        let (c, _) = read_with(json!({"enabled": true, "protocol": "grpc"}), &[]);
        assert_eq!(c.endpoint, "http://localhost:4317");
    }

    #[test]
    fn the_config_wins_over_the_environment() {
        let (c, p) = read_with(
            json!({"enabled": true, "protocol": "grpc", "endpoint": "http://127.0.0.1:4317",
                   "interval": "5s", "temporality": "cumulative"}),
            &[
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://elsewhere:4318"),
                ("OTEL_METRIC_EXPORT_INTERVAL", "1000"),
                ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"),
            ],
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.protocol, Protocol::Grpc);
        assert_eq!(c.endpoint, "http://127.0.0.1:4317");
        assert_eq!(c.interval, Duration::from_secs(5));
        assert_eq!(c.temporality, Temporality::Cumulative);
    }

    #[test]
    fn bad_settings_name_their_key_or_variable() {
        let (_, p) = read_with(
            json!({"enabled": true, "endpoint": "http://localhost:4318", "cardinality_limit": 0,
                   "headers": {"x-key": "a\nb", "bad name": "v", "x-token_env": "UNSET_VAR"}}),
            &[
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
                ("OTEL_METRIC_EXPORT_INTERVAL", "soon"),
            ],
        );
        let want = [
            "OTEL_EXPORTER_OTLP_PROTOCOL: must be grpc or http/protobuf",
            "otlp.endpoint: an http/protobuf endpoint is used as given",
            "otlp.headers.bad name: not a valid header name",
            "otlp.headers.x-key: the value is not a valid header value",
            "otlp.headers.x-token_env: environment variable UNSET_VAR is not set",
            "OTEL_METRIC_EXPORT_INTERVAL: must be a positive number of milliseconds",
            "otlp.cardinality_limit: must be between 1 and 10000000",
        ];
        for w in want {
            assert!(p.iter().any(|x| x.starts_with(w)), "missing {w} in {p:?}");
        }
        assert_eq!(p.len(), want.len(), "{p:?}");
        assert!(
            !p.iter().any(|x| x.contains("a\nb")),
            "no secret in messages"
        );
    }

    #[test]
    fn headers_and_resource_attributes_from_the_environment_join_the_configured_ones() {
        let (c, p) = read_with(
            json!({"enabled": true, "headers": {"x-team": "ops"},
                   "resource_attributes": {"deployment.environment": "prod"}}),
            &[
                (
                    "OTEL_EXPORTER_OTLP_HEADERS",
                    "x-team=other, Authorization=Bearer%20tok,x-b=1",
                ),
                ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-b=2"),
                ("OTEL_SERVICE_NAME", "lp-eu"),
                (
                    "OTEL_RESOURCE_ATTRIBUTES",
                    "service.name=ignored,deployment.environment=dev,k8s.pod.name=p%2D1",
                ),
            ],
        );
        assert!(p.is_empty(), "{p:?}");
        let headers: Vec<(&str, &str)> = c
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        assert_eq!(
            headers,
            [
                ("x-team", "ops"),
                ("x-b", "2"),
                ("authorization", "Bearer tok")
            ]
        );
        let resource: Vec<(&str, &str)> = c
            .resource_attributes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            resource,
            [
                ("deployment.environment", "prod"),
                ("k8s.pod.name", "p-1"),
                ("service.name", "lp-eu")
            ]
        );

        let (_, p) = read_with(
            json!({"enabled": true}),
            &[(
                "OTEL_EXPORTER_OTLP_HEADERS",
                "authorization=s3cret-value,novalue",
            )],
        );
        assert_eq!(p, ["OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value"]);
    }

    #[test]
    fn disabled_ignores_the_environment() {
        let (c, p) = read_with(Value::Null, &[("OTEL_EXPORTER_OTLP_PROTOCOL", "nonsense")]);
        assert!(p.is_empty() && !c.enabled);
    }
}

//! The web config file, in the Prometheus exporter-toolkit format (`--web.config.file`): TLS,
//! basic-auth users with bcrypt hashes, response headers and a request rate limit. Reading it
//! checks everything a running server would trip over later (the certificate and key parse and
//! match, the client CA parses, every hash is a bcrypt hash), so `check-config` and a reload
//! refuse a bad file as a whole, naming the key.
//!
//! Supported exactly as exporter-toolkit documents them: `tls_server_config.{cert, cert_file,
//! key, key_file, client_ca, client_ca_file, client_auth_type, min_version, max_version,
//! cipher_suites, prefer_server_cipher_suites, curve_preferences}`, `http_server_config.{http2,
//! headers}`, `basic_auth_users` and `rate_limit.{interval, burst}`. What rustls or this server
//! cannot do is refused, not ignored: TLS 1.0/1.1, `RequestClientCert` and
//! `RequireAnyClientCert` (they accept unverified client certificates), `client_allowed_sans`,
//! the P-521 curve and cipher suites outside rustls' TLS 1.2 set, and `http2: true` (the server
//! speaks HTTP/1.1).

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use parking_lot::Mutex;

use axum::http::{HeaderName, HeaderValue};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use serde_json::Value;

use crate::config::problems::{Problems, join, or_empty, typed};
use crate::config::secret::Secret;
use crate::config::stamps::FileStamps;

/// How often at most the web config's files are checked for changes.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The headers exporter-toolkit lets a web config set, with the values it accepts (`None`: any).
const HEADERS: [(&str, Option<&[&str]>); 5] = [
    ("Content-Security-Policy", None),
    ("X-Frame-Options", Some(&["deny", "sameorigin"])),
    ("X-Content-Type-Options", Some(&["nosniff"])),
    ("X-XSS-Protection", None),
    ("Strict-Transport-Security", None),
];

/// Go's names of the client-auth policies; the two that accept unverified certificates are refused.
const CLIENT_AUTH: [&str; 5] = [
    "NoClientCert",
    "RequestClientCert",
    "RequireAnyClientCert",
    "VerifyClientCertIfGiven",
    "RequireAndVerifyClientCert",
];

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawFile {
    tls_server_config: Value,
    http_server_config: Value,
    basic_auth_users: BTreeMap<String, String>,
    rate_limit: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawTls {
    cert: Option<String>,
    cert_file: Option<String>,
    key: Option<String>,
    key_file: Option<String>,
    client_ca: Option<String>,
    client_ca_file: Option<String>,
    client_auth_type: Option<String>,
    client_allowed_sans: Option<Vec<String>>,
    min_version: Option<String>,
    max_version: Option<String>,
    cipher_suites: Option<Vec<String>>,
    prefer_server_cipher_suites: Option<bool>,
    curve_preferences: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawHttp {
    http2: Option<bool>,
    headers: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawRateLimit {
    #[serde(with = "humantime_serde")]
    interval: Option<Duration>,
    burst: Option<u32>,
}

/// A checked web config, ready to serve with.
#[derive(Clone, Default)]
pub struct WebConfig {
    /// The TLS server configuration; `None` serves plain HTTP.
    pub tls: Option<Arc<ServerConfig>>,
    /// Basic-auth users and their bcrypt hashes; empty means no authentication.
    pub users: BTreeMap<String, Secret>,
    /// Headers added to every response.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The request rate limit (`rate_limit`): a token bucket of `burst`, refilled one request
    /// per `interval`.
    pub limiter: Option<Arc<DefaultDirectRateLimiter>>,
    /// The files it was read from (the web config and the files it names), to notice changes.
    pub files: Vec<PathBuf>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("tls", &self.tls.is_some())
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .field("headers", &self.headers)
            .field("rate_limit", &self.limiter.is_some())
            .finish()
    }
}

/// Reads and checks the web config at `path`. Problems name the file and the key.
pub fn read(path: &Path) -> Result<WebConfig, Problems> {
    let mut problems = Problems::default();
    let config = read_into(path, &mut problems);
    for p in &mut problems.0 {
        p.path = format!("{}: {}", path.display(), p.path);
    }
    match config {
        Some(c) if problems.0.is_empty() => Ok(c),
        _ => Err(problems),
    }
}

fn read_into(path: &Path, problems: &mut Problems) -> Option<WebConfig> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            problems.add("web config", format!("cannot read: {}", e.kind()));
            return None;
        }
    };
    use figment::providers::Format as _;
    let value: Value =
        match figment::Figment::from(figment::providers::Yaml::string(&text)).extract::<Value>() {
            Ok(v) => or_empty(v),
            Err(e) => {
                problems.add(
                    "web config",
                    crate::config::problems::without_values(&e.kind.to_string()),
                );
                return None;
            }
        };
    let raw: RawFile = typed(value, "", problems)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut files = vec![path.to_path_buf()];
    let tls = read_tls(raw.tls_server_config, base, &mut files, problems);
    let headers = read_http(raw.http_server_config, problems);
    let limiter = typed::<RawRateLimit>(or_empty(raw.rate_limit), "rate_limit", problems).and_then(
        |r| match (r.interval, r.burst) {
            (None, None) => None,
            (Some(i), _) if i.is_zero() => None,
            (Some(interval), Some(burst)) if burst > 0 => {
                let quota = Quota::with_period(interval)?.allow_burst(NonZeroU32::new(burst)?);
                Some(Arc::new(RateLimiter::direct(quota)))
            }
            _ => {
                problems.add(
                    "rate_limit",
                    "give interval and a burst of at least 1 (interval 0 turns it off)",
                );
                None
            }
        },
    );
    let mut users = BTreeMap::new();
    for (user, hash) in raw.basic_auth_users {
        let key = join("basic_auth_users", &user);
        if user.contains(':') || user.is_empty() {
            problems.add(key, "a user name cannot be empty or contain ':'");
        } else if !is_bcrypt(&hash) {
            problems.add(
                key,
                "must be a bcrypt hash ($2a$, $2b$ or $2y$; e.g. htpasswd -nBC 10 \"\")",
            );
        } else {
            users.insert(user, Secret::new(hash));
        }
    }
    Some(WebConfig {
        tls,
        users,
        headers: headers.unwrap_or_default(),
        limiter,
        files,
    })
}

/// Whether `hash` is a bcrypt hash the verifier can use (its cost and salt parse), without
/// quoting it in any message.
fn is_bcrypt(hash: &str) -> bool {
    hash.len() == 60
        && ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
        && hash.parse::<bcrypt::HashParts>().is_ok()
}

fn read_http(v: Value, problems: &mut Problems) -> Option<Vec<(HeaderName, HeaderValue)>> {
    let raw: RawHttp = typed(or_empty(v), "http_server_config", problems)?;
    if raw.http2 == Some(true) {
        problems.add(
            "http_server_config.http2",
            "this server speaks HTTP/1.1 only: leave http2 out or set it to false",
        );
    }
    let mut out = Vec::new();
    for (name, value) in raw.headers {
        let key = join("http_server_config.headers", &name);
        let Some((canonical, allowed)) =
            HEADERS.iter().find(|(h, _)| h.eq_ignore_ascii_case(&name))
        else {
            problems.add(
                key,
                format!(
                    "not a header a web config may set (one of: {})",
                    HEADERS.map(|h| h.0).join(", ")
                ),
            );
            continue;
        };
        if value.is_empty() {
            continue;
        }
        if let Some(allowed) = allowed
            && !allowed.iter().any(|a| a.eq_ignore_ascii_case(&value))
        {
            problems.add(key, format!("must be one of: {}", allowed.join(", ")));
            continue;
        }
        match (
            HeaderName::from_bytes(canonical.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            (Ok(n), Ok(v)) => out.push((n, v)),
            _ => problems.add(key, "not a valid header value"),
        }
    }
    Some(out)
}

/// PEM text given inline (`<name>`) or as a file (`<name>_file`, relative to the web config's
/// directory, as exporter-toolkit resolves it); exactly one of them.
fn pem_source(
    inline: Option<String>,
    file: Option<String>,
    name: &str,
    base: &Path,
    files: &mut Vec<PathBuf>,
    problems: &mut Problems,
) -> Option<(Vec<u8>, String)> {
    let key = join("tls_server_config", name);
    match (inline, file) {
        (Some(_), Some(_)) => {
            problems.add(key, format!("give {name} or {name}_file, not both"));
            None
        }
        (Some(text), None) => Some((text.into_bytes(), key)),
        (None, Some(f)) => {
            let path = base.join(&f);
            let key = format!("{key}_file");
            files.push(path.clone());
            match std::fs::read(&path) {
                Ok(bytes) => Some((bytes, key)),
                Err(e) => {
                    problems.add(key, format!("cannot read {f}: {}", e.kind()));
                    None
                }
            }
        }
        (None, None) => None,
    }
}

fn version(v: Option<&str>, key: &str, problems: &mut Problems) -> Option<u8> {
    match v {
        None | Some("") => None,
        Some("TLS12") => Some(12),
        Some("TLS13") => Some(13),
        Some("TLS10" | "TLS11") => {
            problems.add(
                key,
                "TLS 1.0 and 1.1 are not supported (rustls): use TLS12 or TLS13",
            );
            None
        }
        Some(_) => {
            problems.add(key, "must be TLS12 or TLS13");
            None
        }
    }
}

fn read_tls(
    v: Value,
    base: &Path,
    files: &mut Vec<PathBuf>,
    problems: &mut Problems,
) -> Option<Arc<ServerConfig>> {
    if v.is_null() {
        return None;
    }
    let raw: RawTls = typed(v, "tls_server_config", problems)?;
    let before = problems.0.len();
    let key = |k: &str| join("tls_server_config", k);
    let cert = pem_source(raw.cert, raw.cert_file, "cert", base, files, problems);
    let private = pem_source(raw.key, raw.key_file, "key", base, files, problems);
    let ca = pem_source(
        raw.client_ca,
        raw.client_ca_file,
        "client_ca",
        base,
        files,
        problems,
    );
    if raw.client_allowed_sans.is_some() {
        problems.add(
            key("client_allowed_sans"),
            "not supported: restrict clients by the CA in client_ca_file",
        );
    }
    let min = version(raw.min_version.as_deref(), &key("min_version"), problems).unwrap_or(12);
    let max = version(raw.max_version.as_deref(), &key("max_version"), problems).unwrap_or(13);
    if min > max {
        problems.add(key("min_version"), "is above max_version");
    }
    let provider = provider(
        raw.cipher_suites.as_deref(),
        raw.curve_preferences.as_deref(),
        problems,
    );
    let auth = raw.client_auth_type.as_deref().unwrap_or("NoClientCert");
    if !CLIENT_AUTH.contains(&auth) {
        problems.add(
            key("client_auth_type"),
            format!("must be one of: {}", CLIENT_AUTH.join(", ")),
        );
    } else if ["RequestClientCert", "RequireAnyClientCert"].contains(&auth) {
        problems.add(
            key("client_auth_type"),
            "not supported: it accepts unverified client certificates; use \
             RequireAndVerifyClientCert or VerifyClientCertIfGiven",
        );
    } else if auth != "NoClientCert" && ca.is_none() {
        problems.add(key("client_ca_file"), format!("required by {auth}"));
    }
    let (Some((cert, cert_key)), Some((private, private_key))) = (cert, private) else {
        problems.add(
            key("cert_file"),
            "TLS needs a certificate and a key (cert_file and key_file, or cert and key)",
        );
        return None;
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert)
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    if chain.is_empty() {
        problems.add(cert_key, "no PEM certificate in it");
    }
    // The key's parse error would quote nothing secret, but say only what is wrong anyway.
    let private = PrivateKeyDer::from_pem_slice(&private).ok();
    if private.is_none() {
        problems.add(&private_key, "no PEM private key in it");
    }
    let verifier = match (auth, ca) {
        ("NoClientCert", _) | (_, None) => None,
        (_, Some((pem, ca_key))) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(&pem).flatten() {
                if roots.add(c).is_err() {
                    problems.add(&ca_key, "a certificate in it is not a valid CA certificate");
                }
            }
            if roots.is_empty() {
                problems.add(&ca_key, "no PEM certificate in it");
                None
            } else {
                let b = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider.clone(),
                );
                let b = if auth == "VerifyClientCertIfGiven" {
                    b.allow_unauthenticated()
                } else {
                    b
                };
                b.build()
                    .map_err(|e| problems.add(&ca_key, format!("{e}")))
                    .ok()
            }
        }
    };
    if problems.0.len() > before {
        return None;
    }
    let versions: Vec<&'static rustls::SupportedProtocolVersion> =
        [(12, &rustls::version::TLS12), (13, &rustls::version::TLS13)]
            .into_iter()
            .filter(|(v, _)| (min..=max).contains(v))
            .map(|(_, p)| p)
            .collect();
    let builder =
        match ServerConfig::builder_with_provider(provider).with_protocol_versions(&versions) {
            Ok(b) => b,
            Err(e) => {
                problems.add(key("cipher_suites"), format!("{e}"));
                return None;
            }
        };
    let builder = match verifier {
        Some(v) => builder.with_client_cert_verifier(v),
        None => builder.with_no_client_auth(),
    };
    match builder.with_single_cert(chain, private?) {
        Ok(mut config) => {
            config.ignore_client_order = raw.prefer_server_cipher_suites.unwrap_or(true);
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Some(Arc::new(config))
        }
        Err(e) => {
            problems.add(
                private_key,
                format!("does not fit the certificate or is not usable: {e}"),
            );
            None
        }
    }
}

/// The ring provider, narrowed to the named TLS 1.2 cipher suites (TLS 1.3 suites are not
/// configurable, as in Go) and the named curves, in the given order.
fn provider(
    suites: Option<&[String]>,
    curves: Option<&[String]>,
    problems: &mut Problems,
) -> Arc<CryptoProvider> {
    let mut p = rustls::crypto::ring::default_provider();
    if let Some(names) = suites.filter(|n| !n.is_empty()) {
        let (tls13, tls12): (Vec<_>, Vec<_>) = p
            .cipher_suites
            .iter()
            .partition(|s| s.version() == &rustls::version::TLS13);
        let mut chosen: Vec<_> = tls13.into_iter().copied().collect();
        for (i, name) in names.iter().enumerate() {
            // Go also knows the ChaCha20 suites without the `_SHA256` suffix.
            match tls12.iter().find(|s| {
                let iana = format!("{:?}", s.suite());
                iana == *name || iana.strip_suffix("_SHA256") == Some(name.as_str())
            }) {
                Some(s) => chosen.push(**s),
                None => problems.add(
                    format!("tls_server_config.cipher_suites[{i}]"),
                    format!(
                        "not a supported TLS 1.2 cipher suite (supported: {})",
                        tls12
                            .iter()
                            .map(|s| format!("{:?}", s.suite()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
        p.cipher_suites = chosen;
    }
    if let Some(names) = curves.filter(|n| !n.is_empty()) {
        let mut chosen = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let group: Option<&'static dyn rustls::crypto::SupportedKxGroup> = match name.as_str() {
                "X25519" => Some(rustls::crypto::ring::kx_group::X25519),
                "CurveP256" => Some(rustls::crypto::ring::kx_group::SECP256R1),
                "CurveP384" => Some(rustls::crypto::ring::kx_group::SECP384R1),
                _ => None,
            };
            match group {
                Some(g) => chosen.push(g),
                None => problems.add(
                    format!("tls_server_config.curve_preferences[{i}]"),
                    "not supported (supported: X25519, CurveP256, CurveP384)",
                ),
            }
        }
        p.kx_groups = chosen;
    }
    Arc::new(p)
}

/// The web config in force, re-read when the file or a file it names changes, as exporter-toolkit
/// does, so a rotated certificate is served without a restart. A changed file that does not check
/// out is logged and the last good config stays.
pub struct Source {
    path: Option<PathBuf>,
    current: ArcSwap<WebConfig>,
    checked: Mutex<(Instant, FileStamps)>,
}

impl Source {
    /// Plain HTTP, no authentication: no web config file.
    pub fn none() -> Self {
        Self {
            path: None,
            current: ArcSwap::from_pointee(WebConfig::default()),
            checked: Mutex::new((Instant::now(), FileStamps::default())),
        }
    }

    /// The web config at `path`, read and checked.
    pub fn read(path: &Path) -> Result<Self, Problems> {
        let config = read(path)?;
        let stamps = FileStamps::of(&config.files);
        Ok(Self {
            path: Some(path.to_path_buf()),
            current: ArcSwap::from_pointee(config),
            checked: Mutex::new((Instant::now(), stamps)),
        })
    }

    /// The file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The config in force, after re-reading it if its files changed (checked at most once a second).
    pub fn current(&self) -> Arc<WebConfig> {
        if let Some(path) = &self.path {
            let mut checked = self.checked.lock();
            if checked.0.elapsed() >= CHECK_EVERY {
                checked.0 = Instant::now();
                if checked.1.changed() {
                    match read(path) {
                        Ok(config) => {
                            checked.1 = FileStamps::of(&config.files);
                            self.current.store(Arc::new(config));
                            tracing::info!(file = %path.display(), "web config re-read");
                        }
                        Err(problems) => {
                            // Retried when the files change again.
                            let files = self.current.load().files.clone();
                            checked.1 = FileStamps::of(&files);
                            for p in problems.0 {
                                tracing::error!(problem = %p, "web config not re-read, the last good one stays");
                            }
                        }
                    }
                }
            }
        }
        self.current.load_full()
    }
}

//! Helpers of the simulator's tests: LivePerson's documented examples (vendored in the workspace's
//! `tests/fixtures/liveperson/`), a JSON key-structure comparison against them, and a client that
//! signs its requests with the demo OAuth 1.0a keys.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use liveperson_sim::auth::{hmac_sha1_signature, signature_base_string};
use liveperson_sim::state::Credentials;
use liveperson_sim::{SimConfig, Simulator, start};
use serde_json::Value;

/// The documented example `name` from the workspace's `tests/fixtures/liveperson/`.
pub fn example(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/liveperson")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("example is JSON")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn walk(v: &Value, path: String, out: &mut BTreeSet<String>) {
    out.insert(format!("{path}:{}", kind(v)));
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                // Ids as map keys are strings of digits (or -1); they stand for any id.
                let k = if k
                    .trim_start_matches('-')
                    .chars()
                    .all(|c| c.is_ascii_digit())
                {
                    "<id>"
                } else {
                    k
                };
                walk(x, format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) => {
            for x in a {
                walk(x, format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

/// Every key path with its JSON type (`.a.b[].c:number`).
pub fn paths(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(v, String::new(), &mut out);
    out
}

/// Asserts that `ours` has every key path of `documented` with the same type, and nothing else
/// except the listed `extra` paths (each a documented deviation).
pub fn assert_same_structure(ours: &Value, documented: &Value, extra: &[&str]) {
    let (o, d) = (paths(ours), paths(documented));
    let missing: Vec<_> = d.difference(&o).collect();
    let added: Vec<_> = o
        .difference(&d)
        .filter(|p| !extra.iter().any(|e| p.starts_with(e)))
        .collect();
    assert!(
        missing.is_empty() && added.is_empty(),
        "structure differs from the documented example\nmissing: {missing:#?}\nadded: {added:#?}"
    );
}

/// A simulator and a client that signs its requests with the demo OAuth 1.0a keys.
pub struct Sim {
    pub sim: Simulator,
    pub http: reqwest::Client,
    pub account: String,
    nonce: std::sync::atomic::AtomicU64,
}

pub async fn sim(cfg: SimConfig) -> Sim {
    install_tls_provider();
    let sim = start(cfg).await.expect("simulator starts");
    let account = sim.account_ids()[0].clone();
    Sim {
        sim,
        http: reqwest::Client::new(),
        account,
        nonce: 0.into(),
    }
}

impl Sim {
    /// `http://host:port` of a CSDS service.
    pub fn base(&self, service: &str) -> String {
        format!("http://{}", self.sim.service_hosts()[service])
    }

    /// An OAuth 1.0a header for a request with these (decoded) query parameters.
    pub fn oauth1(
        &self,
        method: &str,
        url: &str,
        query: &[(&str, &str)],
        secret: Option<&str>,
    ) -> String {
        let creds = Credentials::default().oauth1;
        let n = self
            .nonce
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ts = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs())
        .to_string();
        let oauth: Vec<(String, String)> = vec![
            ("oauth_consumer_key".into(), creds.consumer_key.clone()),
            ("oauth_token".into(), creds.token.clone()),
            ("oauth_signature_method".into(), "HMAC-SHA1".into()),
            ("oauth_timestamp".into(), ts),
            ("oauth_nonce".into(), format!("n{n}x{}", std::process::id())),
            ("oauth_version".into(), "1.0".into()),
        ];
        let params: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let base = signature_base_string(method, url, &params, &oauth);
        let sig = hmac_sha1_signature(
            &base,
            &creds.consumer_secret,
            secret.unwrap_or(&creds.token_secret),
        );
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let mut parts: Vec<String> = oauth
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", enc(v)))
            .collect();
        parts.push(format!("oauth_signature=\"{}\"", enc(&sig)));
        format!("OAuth {}", parts.join(", "))
    }

    /// A signed GET of `path` on `service`; returns status and body text.
    pub async fn get(&self, service: &str, path: &str, query: &[(&str, &str)]) -> (u16, String) {
        let url = format!("{}{}", self.base(service), path);
        let auth = self.oauth1("GET", &url, query, None);
        let r = self
            .http
            .get(&url)
            .query(query)
            .header("Authorization", auth)
            .send()
            .await
            .expect("request");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// A signed GET of a full URL, returning the raw response (for headers and broken bodies).
    pub async fn get_raw(&self, url: &str, query: &[(&str, &str)]) -> reqwest::Response {
        let auth = self.oauth1("GET", url, query, None);
        self.http
            .get(url)
            .query(query)
            .header("Authorization", auth)
            .send()
            .await
            .expect("request")
    }

    /// A signed GET parsed as JSON.
    pub async fn get_json(
        &self,
        service: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> (u16, Value) {
        let (s, t) = self.get(service, path, query).await;
        (
            s,
            serde_json::from_str(&t).unwrap_or_else(|e| panic!("{e}: {t}")),
        )
    }

    /// A signed POST with a JSON body.
    pub async fn post_json(
        &self,
        service: &str,
        path: &str,
        query: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value) {
        let url = format!("{}{}", self.base(service), path);
        let auth = self.oauth1("POST", &url, query, None);
        let r = self
            .http
            .post(&url)
            .query(query)
            .header("Authorization", auth)
            .json(body)
            .send()
            .await
            .expect("request");
        let s = r.status().as_u16();
        let t = r.text().await.unwrap_or_default();
        (
            s,
            serde_json::from_str(&t).unwrap_or_else(|e| panic!("{e}: {t}")),
        )
    }

    /// Path of an account-level API.
    pub fn path(&self, template: &str) -> String {
        template.replace("{a}", &self.account)
    }
}

impl Sim {
    /// A signed GET of a full URL with its query (a paging link), parsed as JSON.
    pub async fn get_link(&self, href: &str) -> (u16, Value) {
        let (url, query) = href.split_once('?').unwrap_or((href, ""));
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let query: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = self.get_raw(url, &query).await;
        let s = r.status().as_u16();
        let t = r.text().await.unwrap_or_default();
        (
            s,
            serde_json::from_str(&t).unwrap_or_else(|e| panic!("{e}: {t}")),
        )
    }

    /// Asserts that each query gets 400 with the documented agent-activity error body.
    pub async fn assert_rejected(&self, service: &str, path: &str, queries: &[Vec<(&str, &str)>]) {
        let documented = example("agent-activity-error-400.json");
        for q in queries {
            let (status, body) = self.get_json(service, path, q).await;
            assert_eq!(status, 400, "{q:?} must be rejected: {body}");
            assert_same_structure(&body, &documented, &[]);
        }
    }
}

/// The `href` of the link with relation `rel` in a `[{rel, href}]` list.
pub fn rel<'a>(refs: &'a Value, rel: &str) -> Option<&'a str> {
    refs.as_array()?
        .iter()
        .find(|r| r["rel"] == rel)
        .and_then(|r| r["href"].as_str())
}

/// rustls' ring provider for the test client (reqwest is built without a default provider).
fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

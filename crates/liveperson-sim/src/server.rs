//! The simulator's HTTP side: one loopback listener for CSDS and the admin endpoints, and one per
//! CSDS service, each serving only its own service's APIs.
//!
//! Every API request goes through the same pipeline: account check, per-account limits (429),
//! injected faults, authentication, the API builder (on a blocking thread, with the account's
//! engine advanced to the clock's time), body faults, and request accounting.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::api::{self, Ctx, Params, bad_request_body, csds};
use super::auth::{AuthProblem, verify_oauth1};
use super::faults::{Api, BodyFault, Decision};
use crate::clock::wall_clock_ms;
use crate::state::Shared;

/// Which listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// CSDS and `/_sim/`.
    Main,
    /// `agentActivityDomain`.
    AgentActivity,
    /// `leDataReporting`.
    DataReporting,
    /// `agentManagerWorkspace`.
    ManagerWorkspace,
    /// `sentinel`.
    Sentinel,
}

impl Listener {
    /// The CSDS service name.
    pub fn service(self) -> Option<&'static str> {
        match self {
            Listener::Main => None,
            Listener::AgentActivity => Some("agentActivityDomain"),
            Listener::DataReporting => Some("leDataReporting"),
            Listener::ManagerWorkspace => Some("agentManagerWorkspace"),
            Listener::Sentinel => Some("sentinel"),
        }
    }
}

/// Binds a listener on `addr` and serves it until the task is dropped.
pub async fn bind(
    shared: Arc<Shared>,
    listener: Listener,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let tcp = TcpListener::bind(addr).await?;
    let local = tcp.local_addr()?;
    if let Some(service) = listener.service() {
        shared
            .hosts
            .lock()
            .insert(service.to_string(), local.to_string());
    }
    let app = Router::new()
        .fallback(dispatch)
        .with_state((shared, listener));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(tcp, app).await {
            tracing::error!(error = %e, "simulator listener stopped");
        }
    });
    Ok((local, task))
}

fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response()
}

fn error_body(status: u16) -> Value {
    match status {
        429 => json!({"message": "Too Many Requests"}),
        500 => json!({
            "internalCode": "00000000-0000-4000-8000-00000000f500",
            "message": "The server encountered an unexpected condition that prevented it from fulfilling the request"
        }),
        503 => json!({"message": "Service Unavailable"}),
        _ => json!({"message": "error"}),
    }
}

fn unauthorized(problem: AuthProblem) -> Value {
    json!({
        "reason": format!("oauth_problem={}&oauth_problem_advice=the request could not be authenticated", problem.as_str()),
        "message": "The server will not process the request because it is unauthorized. This attempt has been logged"
    })
}

fn decode_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The request as the pipeline needs it.
struct Incoming {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
    base_url: String,
}

type Builder = fn(&Ctx<'_>) -> api::Reply;

async fn dispatch(
    State((shared, listener)): State<(Arc<Shared>, Listener)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_ascii_lowercase();
    let req = Incoming {
        path: uri.path().to_string(),
        query: decode_pairs(uri.query().unwrap_or("")),
        base_url: format!("http://{host}"),
        method,
        headers,
        body,
    };
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let m = &req.method;
    match (listener, segs.as_slice()) {
        (Listener::Main, ["_sim", rest @ ..]) => {
            let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
            super::admin::handle(&shared, m, &rest, &req.query, &req.body).await
        }
        (Listener::Main, ["api", "account", a, "service", name, "baseURI.json"])
            if m == Method::GET =>
        {
            let (a, name) = (a.to_string(), name.to_string());
            csds_request(&shared, &req, a, Some(name))
        }
        (Listener::Main, ["api", "account", a, "service", "baseURI.json"]) if m == Method::GET => {
            csds_request(&shared, &req, a.to_string(), None)
        }
        (Listener::Sentinel, ["sentinel", "api", "v2", "account", a, "app", "token"])
        | (Listener::Sentinel, ["sentinel", "api", "account", a, "app", "token"])
            if m == Method::POST =>
        {
            sentinel(&shared, &req, a)
        }
        _ => match route(listener, &segs, m) {
            Some((api, account, build)) => {
                let account = account.to_string();
                serve(shared.clone(), api, account, req, build).await
            }
            None => json_response(
                404,
                &json!({"message": format!("no such API on this host: {} {}", req.method, req.path)}),
            ),
        },
    }
}

/// The metrics API a request addresses: which one, for which account, and its response builder.
fn route<'a>(listener: Listener, segs: &[&'a str], m: &Method) -> Option<(Api, &'a str, Builder)> {
    let (get, post) = (m == Method::GET, m == Method::POST);
    let found: (Api, &str, Builder) = match (listener, segs) {
        (Listener::ManagerWorkspace, ["manager_workspace", "api", "account", a, "metrics"])
            if post =>
        {
            (Api::KmmMetrics, a, api::kmm::metrics)
        }
        (Listener::ManagerWorkspace, ["manager_workspace", "api", "account", a, "agent_view"])
            if post =>
        {
            (Api::KmmAgentView, a, api::kmm::agent_view)
        }
        (Listener::DataReporting, ["operations", "api", "account", a, rest @ ..]) => match rest {
            ["msgqueuehealth", "current"] if get => (
                Api::QueueHealthCurrent,
                a,
                api::queue_health::current as Builder,
            ),
            ["msgconversation"] if get || post => {
                (Api::MsgConversation, a, api::windows::msgconversation)
            }
            ["engactivity"] if get => (Api::EngActivity, a, api::windows::engactivity),
            ["nht"] if get || post => (Api::Nht, a, api::nht::nht),
            _ => return None,
        },
        (Listener::AgentActivity, ["api", "account", a, "interval-metrics"]) if get => (
            Api::IntervalMetrics,
            a,
            api::interval_metrics::interval_metrics,
        ),
        (Listener::AgentActivity, ["api", "v2", "account", a, "status-changes"]) if get => {
            (Api::StatusChanges, a, api::status_changes::status_changes)
        }
        (Listener::AgentActivity, ["api", "account", a, "agent-segments"]) if get => {
            (Api::AgentSegments, a, api::agent_segments::agent_segments)
        }
        _ => return None,
    };
    Some(found)
}

fn csds_request(
    shared: &Shared,
    req: &Incoming,
    account: String,
    service: Option<String>,
) -> Response {
    let d = shared.faults.decide(Api::Csds);
    let (status, body) = if let Some(st) = d.status {
        (st, error_body(st))
    } else if !shared.accounts.contains_key(&account) {
        (401, json!({"message": "invalid site"}))
    } else {
        let hosts = shared.hosts.lock().clone();
        let params = Params(req.query.clone());
        let r = match &service {
            Some(s) => csds::one(&account, s, &hosts, &params),
            None => csds::all(&account, &hosts, &params),
        };
        r.unwrap_or_else(|causes| (400, bad_request_body(&causes)))
    };
    shared.accounting.record(&account, Api::Csds, status);
    json_response(status, &body)
}

fn sentinel(shared: &Shared, req: &Incoming, account: &str) -> Response {
    let d = shared.faults.decide(Api::Sentinel);
    let form = decode_pairs(std::str::from_utf8(&req.body).unwrap_or(""));
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let (status, body) = if let Some(st) = d.status {
        (st, error_body(st))
    } else if get("grant_type") != Some("client_credentials") {
        (400, json!({"error": "unsupported_grant_type"}))
    } else if !shared.accounts.contains_key(account)
        || get("client_id") != Some(shared.credentials.oauth2.client_id.as_str())
        || get("client_secret") != Some(shared.credentials.oauth2.client_secret.as_str())
    {
        (401, json!({"error": "invalid_client"}))
    } else {
        let now_s = shared.clock.now_ms() / 1000;
        let token = shared.tokens.issue(
            account,
            &shared.credentials.oauth2.client_id,
            now_s,
            shared.token_ttl_s,
        );
        (200, json!({"access_token": token, "token_type": "Bearer"}))
    };
    shared.accounting.record(account, Api::Sentinel, status);
    json_response(status, &body)
}

/// Checks the request's credentials; `Err` carries the 401 problem.
fn authenticate(
    shared: &Shared,
    api: Api,
    account: &str,
    req: &Incoming,
) -> Result<(), AuthProblem> {
    let header = req
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or(AuthProblem::ParameterAbsent)?;
    if let Some(token) = header.strip_prefix("Bearer ") {
        if !api.accepts_bearer() {
            return Err(AuthProblem::BearerNotAccepted);
        }
        let now_s = shared.clock.now_ms() / 1000;
        return if shared.tokens.check(token.trim(), account, now_s) {
            Ok(())
        } else {
            Err(AuthProblem::TokenRejected)
        };
    }
    let mut params = req.query.clone();
    let form = req
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        params.extend(decode_pairs(std::str::from_utf8(&req.body).unwrap_or("")));
    }
    let url = format!("{}{}", req.base_url, req.path);
    // OAuth timestamps are real time, whatever the simulated clock says.
    let now_s = wall_clock_ms() / 1000;
    let v = verify_oauth1(
        req.method.as_str(),
        &url,
        &params,
        header,
        &shared.credentials.oauth1,
        Some(now_s),
        600,
    )?;
    let mut nonces = shared.nonces.lock();
    nonces.retain(|_, ts| (now_s - *ts).abs() <= 900);
    if nonces
        .insert(format!("{}:{}", v.timestamp, v.nonce), v.timestamp)
        .is_some()
    {
        return Err(AuthProblem::NonceUsed);
    }
    Ok(())
}

/// Turns a JSON object body (the POST form of GET APIs) into parameters; values are sent as strings
/// or numbers.
fn params_with_json_body(req: &Incoming) -> Params {
    let mut p = req.query.clone();
    if req.method == Method::POST
        && let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&req.body)
    {
        for (k, v) in map {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            p.push((k, v));
        }
    }
    Params(p)
}

fn garble(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes[..bytes.len() / 2].to_vec();
    out.extend_from_slice(b"<<not json>>");
    out
}

async fn serve(
    shared: Arc<Shared>,
    api: Api,
    account: String,
    req: Incoming,
    build: Builder,
) -> Response {
    if !shared.accounts.contains_key(&account) {
        shared.accounting.record(&account, api, 401);
        return json_response(401, &unauthorized(AuthProblem::ConsumerKeyUnknown));
    }
    let Some(_permit) = shared.limiter.acquire(&account, api) else {
        shared.accounting.record(&account, api, 429);
        return json_response(429, &error_body(429));
    };
    let decision = shared.faults.decide(api);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    if let Some(st) = decision.status {
        shared.accounting.record(&account, api, st);
        let mut resp = json_response(st, &error_body(st));
        if let (429, Some(s)) = (st, decision.retry_after_s) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, s.to_string().parse().expect("digits"));
        }
        return resp;
    }
    if let Err(problem) = authenticate(&shared, api, &account, &req) {
        shared.accounting.record(&account, api, 401);
        return json_response(401, &unauthorized(problem));
    }
    let params = params_with_json_body(&req);
    let shared2 = shared.clone();
    let account2 = account.clone();
    let decision2 = decision.clone();
    let result = tokio::task::spawn_blocking(move || {
        let now = shared2.clock.now_ms();
        let mut engine = shared2.accounts[&account2].lock();
        engine.advance_to(now);
        let ctx = Ctx {
            engine: &engine,
            now,
            params: &params,
            body: &req.body,
            base_url: &req.base_url,
            path: &req.path,
            faults: &decision2,
        };
        build(&ctx)
    })
    .await;
    let (status, body) = match result {
        Ok(Ok(ok)) => ok,
        Ok(Err(causes)) => (400, bad_request_body(&causes)),
        Err(_) => (500, error_body(500)),
    };
    shared.accounting.record(&account, api, status);
    finish(status, &body, &decision)
}

/// `v` with every number replaced by `null` (`Nulls`), every number by `true` and every string by
/// `[]` (`WrongTypes`), or every array element listed twice (`Duplicates`).
fn spoil(v: &Value, how: BodyFault) -> Value {
    match (v, how) {
        (Value::Number(_), BodyFault::Nulls) => Value::Null,
        (Value::Number(_), BodyFault::WrongTypes) => Value::Bool(true),
        (Value::String(_), BodyFault::WrongTypes) => Value::Array(Vec::new()),
        (Value::Array(a), BodyFault::Duplicates) => Value::Array(
            a.iter()
                .flat_map(|x| {
                    let x = spoil(x, how);
                    [x.clone(), x]
                })
                .collect(),
        ),
        (Value::Array(a), _) => Value::Array(a.iter().map(|x| spoil(x, how)).collect()),
        (Value::Object(m), _) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), spoil(x, how))).collect())
        }
        (other, _) => other.clone(),
    }
}

/// Removes the fields `d.omit_fields` names from every object in `v`, and multiplies those
/// `d.scale_fields` names.
fn reshape(v: &mut Value, d: &Decision) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !d.omit_fields.contains(k));
            for (k, x) in m.iter_mut() {
                let factor = d.scale_fields.get(k).copied();
                match (factor, x.as_f64()) {
                    (Some(f), Some(n)) if n >= 0.0 => *x = serde_json::json!(n * f),
                    _ => reshape(x, d),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| reshape(x, d)),
        _ => {}
    }
}

/// A streamed body of `chunks`, each after `pause`.
fn streamed(
    status: u16,
    content_type: &'static str,
    chunks: impl futures_util::Stream<Item = Bytes> + Send + 'static,
    pause: std::time::Duration,
) -> Response {
    use futures_util::StreamExt;
    let stream = chunks.then(move |c| async move {
        tokio::time::sleep(pause).await;
        Ok::<Bytes, std::io::Error>(c)
    });
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from_stream(stream))
        .expect("valid response")
}

/// A successful answer spoilt by a [`BodyFault`].
fn spoilt(status: u16, body: &Value, how: BodyFault) -> Response {
    let json = "application/json";
    match how {
        BodyFault::Malformed | BodyFault::Truncated => {
            let d = Decision {
                malformed: how == BodyFault::Malformed,
                truncate: how == BodyFault::Truncated,
                ..Decision::default()
            };
            finish(status, body, &d)
        }
        BodyFault::Empty => (StatusCode::OK, [(header::CONTENT_TYPE, json)], "").into_response(),
        BodyFault::Html => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1><p>upstream unavailable</p></body></html>",
        )
            .into_response(),
        BodyFault::Endless => {
            let head = futures_util::stream::iter([Bytes::from_static(b"{\"data\":[")]);
            let chunk = Bytes::from("0,".repeat(32 * 1024));
            let rest = futures_util::stream::repeat_with(move || chunk.clone());
            use futures_util::StreamExt;
            streamed(200, json, head.chain(rest), std::time::Duration::ZERO)
        }
        BodyFault::Slow => {
            let bytes = serde_json::to_vec(body).unwrap_or_default();
            let chunks: Vec<Bytes> = bytes.chunks(16).map(Bytes::copy_from_slice).collect();
            streamed(
                status,
                json,
                futures_util::stream::iter(chunks),
                std::time::Duration::from_millis(250),
            )
        }
        BodyFault::HugeLength => {
            let bytes = Bytes::from(serde_json::to_vec(body).unwrap_or_default());
            let mut r = streamed(
                status,
                json,
                futures_util::stream::iter([bytes]),
                std::time::Duration::ZERO,
            );
            r.headers_mut().insert(
                header::CONTENT_LENGTH,
                (1u64 << 40).to_string().parse().expect("digits"),
            );
            r
        }
        BodyFault::Redirect => {
            (StatusCode::FOUND, [(header::LOCATION, "/_redirected")], "").into_response()
        }
        BodyFault::DeepNesting => {
            let depth = 100_000;
            let text = "[".repeat(depth) + &"]".repeat(depth);
            (StatusCode::OK, [(header::CONTENT_TYPE, json)], text).into_response()
        }
        BodyFault::Nulls | BodyFault::WrongTypes | BodyFault::Duplicates => {
            json_response(status, &spoil(body, how))
        }
    }
}

fn finish(status: u16, body: &Value, d: &Decision) -> Response {
    let reshaped = !d.omit_fields.is_empty() || !d.scale_fields.is_empty();
    if reshaped && (200..300).contains(&status) {
        let mut body = body.clone();
        reshape(&mut body, d);
        let d = Decision {
            omit_fields: Vec::new(),
            scale_fields: Default::default(),
            ..d.clone()
        };
        return finish(status, &body, &d);
    }
    if let Some(how) = d.body.filter(|_| (200..300).contains(&status)) {
        return spoilt(status, body, how);
    }
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    if d.malformed {
        return (
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            [(header::CONTENT_TYPE, "application/json")],
            garble(&bytes),
        )
            .into_response();
    }
    if d.truncate {
        // Send half the body, then fail the stream: the connection drops mid-response.
        let half = Bytes::from(bytes[..bytes.len() / 2].to_vec());
        use futures_util::StreamExt;
        // The pause lets the headers and the first half reach the client before the failure.
        let stream = futures_util::stream::iter([Ok::<Bytes, std::io::Error>(half)]).chain(
            futures_util::stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Err(std::io::Error::other("simulated truncation"))
            }),
        );
        return Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from_stream(stream))
            .expect("valid response");
    }
    json_response(status, body)
}

//! The exporter's HTTP endpoints: `/metrics` (OpenMetrics when asked for, Prometheus text otherwise,
//! gzipped when accepted), `/healthz`, `/readyz`, a small landing page at `/`, and `POST /-/reload`
//! when the lifecycle endpoint is enabled. A push-only exporter (`metrics_endpoint: false`) keeps
//! everything but `/metrics`, which then answers 404. At most `web.max_requests` scrapes are
//! served at once (until their bodies are written); more get 503, as node_exporter's
//! `--web.max-requests` does. Authentication and connection bounds are the server's
//! ([`super::serve`]).

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::body::Guarded;
use crate::collectors::REGISTRY;
use crate::metrics::exposition::{Format, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};
use crate::store::Store;

/// A request to reload the configuration, answered with the outcome (the problems, if refused).
pub type ReloadRequest = oneshot::Sender<Result<(), String>>;

/// What the routes serve from.
#[derive(Clone)]
pub struct Routes {
    /// Snapshots and statistics.
    pub store: Arc<Store>,
    /// Whether `/metrics` is served.
    pub serve_metrics: bool,
    /// Scrapes served at once (`web.max_requests`).
    pub max_requests: usize,
    /// Where `POST /-/reload` sends its requests; `None` leaves the endpoint off.
    pub reload: Option<mpsc::Sender<ReloadRequest>>,
}

#[derive(Clone)]
struct RouteState {
    store: Arc<Store>,
    scrapes: Arc<Semaphore>,
    reload: Option<mpsc::Sender<ReloadRequest>>,
}

/// The routes.
pub fn router(routes: Routes) -> Router {
    let Routes {
        store,
        serve_metrics,
        max_requests,
        reload,
    } = routes;
    let metrics_route = if serve_metrics {
        get(metrics)
    } else {
        get(|| async {
            (
                StatusCode::NOT_FOUND,
                "/metrics is turned off (metrics_endpoint: false); metrics are pushed over OTLP\n",
            )
        })
    };
    Router::new()
        .route("/metrics", metrics_route)
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/-/reload", post(reload_config))
        .route("/", get(landing))
        .with_state(RouteState {
            store,
            scrapes: Arc::new(Semaphore::new(max_requests.max(1))),
            reload,
        })
}

/// `POST /-/reload`: reloads the configuration and answers when it is done, like Prometheus.
async fn reload_config(State(state): State<RouteState>) -> Response {
    let Some(reload) = state.reload else {
        return (
            StatusCode::FORBIDDEN,
            "the lifecycle endpoint is off (web.enable_lifecycle: false)\n",
        )
            .into_response();
    };
    let (tx, rx) = oneshot::channel();
    if reload.send(tx).await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    }
    match rx.await {
        Ok(Ok(())) => (StatusCode::OK, "configuration reloaded\n").into_response(),
        Ok(Err(problems)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("configuration not reloaded, the old one keeps running:\n{problems}\n"),
        )
            .into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response(),
    }
}

fn accepts(headers: &HeaderMap, name: header::HeaderName, what: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(what))
}

async fn metrics(State(state): State<RouteState>, headers: HeaderMap) -> Response {
    // The permit is held until the body is written, so slow readers count too.
    let Ok(permit) = state.scrapes.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many concurrent scrapes (web.max_requests)\n",
        )
            .into_response();
    };
    let e = state.store.exposition();
    let om = accepts(&headers, header::ACCEPT, "application/openmetrics-text");
    let gz = accepts(&headers, header::ACCEPT_ENCODING, "gzip");
    let (ctype, format) = if om {
        (OPENMETRICS_CONTENT_TYPE, Format::OpenMetrics)
    } else {
        (TEXT_CONTENT_TYPE, Format::Text)
    };
    let body = Body::new(Guarded::new(Body::new(e.body(format, gz)), permit));
    let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, ctype)], body).into_response();
    if gz {
        resp.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    resp.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Encoding"),
    );
    resp
}

async fn readyz(State(state): State<RouteState>) -> Response {
    match state.store.ready() {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")).into_response(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn landing(State(RouteState { store, .. }): State<RouteState>) -> Html<String> {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>liveperson-exporter</title>\
         <style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.2em .8em;text-align:left}}\
         .bad{{color:#b00}}</style></head><body><h1>liveperson-exporter {}</h1>\
         <p><a href=\"/metrics\">/metrics</a> · <a href=\"/readyz\">/readyz</a> · \
         <a href=\"/healthz\">/healthz</a></p><table><tr><th>account</th><th>collector</th>\
         <th>status</th><th>last success</th><th>last run</th><th>series</th><th>backfill</th>\
         <th>last error</th></tr>",
        env!("CARGO_PKG_VERSION")
    );
    for s in store.stats() {
        let status = match s.last_ok {
            None => "waiting",
            Some(true) => "up",
            Some(false) => "down",
        };
        let last = s.last_success_ms.map_or("never".to_string(), |t| {
            chrono::DateTime::from_timestamp_millis(t)
                .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default()
        });
        let err = s
            .last_error
            .as_ref()
            .map(|(t, m)| format!("{t}: {}", escape(m)))
            .unwrap_or_default();
        let about = REGISTRY
            .iter()
            .find(|e| e.name == s.collector)
            .map_or("", |e| e.about);
        let backfill = match s.backfill {
            Some(done) if done < 1.0 => format!("{:.0}% counted", done * 100.0),
            Some(_) => "done".to_string(),
            None => String::new(),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td title=\"{}\">{}</td><td class=\"{}\">{status}</td><td>{last}</td>\
             <td>{:.3} s</td><td>{}</td><td>{backfill}</td><td>{err}</td></tr>",
            escape(&s.account),
            escape(about),
            s.collector,
            if status == "down" { "bad" } else { "" },
            s.last_duration_s,
            s.series,
        );
    }
    h.push_str("</table></body></html>\n");
    Html(h)
}

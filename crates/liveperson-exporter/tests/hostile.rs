//! A hostile upstream on loopback cannot steer or swamp the client: a CSDS `baseURI` with a path
//! is refused, an endless CSDS body is cut at the size cap, and a redirect from an API is an
//! answer, never followed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use liveperson_exporter::clock::{SharedClock, SystemClock};
use liveperson_exporter::collectors::{CollectCtx, plan};
use liveperson_exporter::config::{Auth, Config};
use liveperson_exporter::liveperson::{AccountClient, LivePerson};
use liveperson_exporter::scheduler::run_once;
use liveperson_exporter::traffic::Traffic;

/// What the fake CSDS answers.
#[derive(Clone, Copy)]
enum Csds {
    /// `baseURI` with a path and query after this server's address.
    PathInBaseUri,
    /// A body that never ends.
    Endless,
    /// This server's own address.
    Plain,
}

#[derive(Clone)]
struct Fake {
    csds: Csds,
    addr: String,
    /// Requests that reached the redirect's target.
    followed: Arc<AtomicUsize>,
}

async fn csds(State(f): State<Fake>, Path((_, service)): Path<(String, String)>) -> Response {
    match f.csds {
        Csds::PathInBaseUri => axum::Json(serde_json::json!({
            "service": service,
            "baseURI": format!("{}/evil?x=1", f.addr),
        }))
        .into_response(),
        Csds::Endless => {
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let stream =
                futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
            Body::from_stream(stream).into_response()
        }
        Csds::Plain => {
            axum::Json(serde_json::json!({"service": service, "baseURI": f.addr})).into_response()
        }
    }
}

/// Starts the fake on a free loopback port.
async fn fake(csds_mode: Csds) -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let f = Fake {
        csds: csds_mode,
        addr: addr.clone(),
        followed: Arc::new(AtomicUsize::new(0)),
    };
    let followed = f.followed.clone();
    let app = Router::new()
        .route(
            "/api/account/{account}/service/{service}/baseURI.json",
            get(csds),
        )
        .route(
            "/followed",
            any(move || {
                let followed = followed.clone();
                async move {
                    followed.fetch_add(1, Ordering::SeqCst);
                    "{}"
                }
            }),
        )
        // Every API answers with a redirect to /followed.
        .fallback(any(move || {
            let addr = addr.clone();
            async move {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, format!("http://{addr}/followed"))],
                )
            }
        }))
        .with_state(f.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    f
}

/// Runs the KMM collector of one account whose CSDS is the fake; returns its error type.
async fn kmm_error(f: &Fake) -> String {
    let mut cfg: Config = liveperson_exporter::app::demo_config(
        "127.0.0.1:0".parse().unwrap(),
        &format!("http://{}", f.addr),
        &["1".to_string()],
        Auth::oauth1("k", "s", "t", "ts"),
    );
    cfg.http.max_response_bytes = 1 << 20;
    // Longer than the run: an uncapped endless body would end the run as a timeout.
    cfg.http.request_timeout = Duration::from_secs(120);
    cfg.http.retry.server_error_waits = vec![Duration::from_millis(5); 3];
    let traffic = Arc::new(Traffic::default());
    let lp = Arc::new(LivePerson::new(cfg.http.clone(), traffic));
    let mut planned = plan(&cfg).unwrap();
    let kmm = planned
        .iter_mut()
        .find(|p| p.entry.name == "key_messaging_metrics")
        .unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let ctx = CollectCtx {
        client: Arc::new(AccountClient::new(lp, cfg.accounts[0].clone())),
        clock,
    };
    let (result, _) = run_once(kmm.built.collector.as_mut(), &ctx, Duration::from_secs(30)).await;
    result.unwrap_err().error_type().as_str().to_string()
}

#[tokio::test]
async fn a_base_uri_with_a_path_is_a_csds_error() {
    let f = fake(Csds::PathInBaseUri).await;
    assert_eq!(kmm_error(&f).await, "csds");
    assert_eq!(f.followed.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_endless_csds_body_is_cut_at_the_cap() {
    let f = fake(Csds::Endless).await;
    assert_eq!(kmm_error(&f).await, "csds");
}

#[tokio::test]
async fn a_redirect_is_never_followed() {
    let f = fake(Csds::Plain).await;
    assert_eq!(kmm_error(&f).await, "redirect");
    assert_eq!(f.followed.load(Ordering::SeqCst), 0);
}

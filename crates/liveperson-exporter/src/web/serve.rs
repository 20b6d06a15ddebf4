//! The server: accepts connections, speaks TLS when the web config says so, checks the rate limit
//! and basic auth, adds the configured headers, and bounds what clients can hold.
//!
//! The bounds, so that slow or idle clients cannot starve scrapes and probes:
//! - a request head (and before the first request, the TLS handshake) must arrive within
//!   `header_read_timeout` of its first byte, and a new connection must start within it too;
//! - a connection that waits for its next request longer than `idle_timeout` is closed;
//! - at most `max_connections` are open (and no more than half the open-file limit, raised to
//!   its hard limit at start as Go does). At the cap, the connection that has waited longest
//!   without a request in progress is closed to make room (as nginx reuses idle keep-alive
//!   connections); when every connection is busy, the new one is refused. When accepting fails for
//!   lack of file descriptors, a waiting connection is closed as well.
//!
//! A connection is busy from the moment a request head is complete until its response body is
//! written or dropped; only then do the idle and header clocks run.
//!
//! Open connections, connections dropped by reason and requests by handler and code are counted
//! ([`ServingStats`]) for the self metrics.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

use super::basic_auth::BasicAuth;
use super::body::Guarded;
use super::config::{Source, WebConfig};
use crate::traffic::{Dropped, ServingStats};

/// Connection bounds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most.
    pub max_connections: usize,
    /// Time to send a request head (from its first byte, or from the connection's start).
    pub header_read_timeout: Duration,
    /// Time a connection may wait for its next request.
    pub idle_timeout: Duration,
}

/// Where a connection is in its life.
struct State {
    /// Requests whose responses are not yet written.
    busy: usize,
    /// Whether it has served a request (before that, its first must come within the header timeout).
    served: bool,
    /// When it last became idle: accepted, or its last response written.
    idle_since: Instant,
    /// When the first byte after that arrived.
    head_since: Option<Instant>,
    /// Closed to make room.
    evicted: bool,
}

struct Conn {
    state: Mutex<State>,
    wake: Notify,
}

impl Conn {
    fn new() -> Self {
        Self {
            state: Mutex::new(State {
                busy: 0,
                served: false,
                idle_since: Instant::now(),
                head_since: None,
                evicted: false,
            }),
            wake: Notify::new(),
        }
    }

    /// When it is to be closed unless something happens first, and why; `None` while busy.
    fn deadline(&self, limits: &Limits) -> Option<(Instant, Dropped)> {
        let s = self.state.lock();
        if s.evicted {
            Some((Instant::now(), Dropped::Evicted))
        } else if s.busy > 0 {
            None
        } else if let Some(t) = s.head_since {
            Some((t + limits.header_read_timeout, Dropped::HeaderTimeout))
        } else if s.served {
            Some((s.idle_since + limits.idle_timeout, Dropped::IdleTimeout))
        } else {
            Some((
                s.idle_since + limits.header_read_timeout,
                Dropped::HeaderTimeout,
            ))
        }
    }

    fn read_some(&self) {
        let mut s = self.state.lock();
        if s.busy == 0 && s.head_since.is_none() {
            s.head_since = Some(Instant::now());
            drop(s);
            self.wake.notify_one();
        }
    }

    fn begin(self: &Arc<Self>) -> Busy {
        let mut s = self.state.lock();
        s.busy += 1;
        s.served = true;
        s.head_since = None;
        drop(s);
        self.wake.notify_one();
        Busy(self.clone())
    }
}

/// A request in progress on a connection; dropping it (with the response body) ends it.
struct Busy(Arc<Conn>);

impl Drop for Busy {
    fn drop(&mut self) {
        let mut s = self.0.state.lock();
        s.busy -= 1;
        if s.busy == 0 {
            s.idle_since = Instant::now();
        }
        drop(s);
        self.0.wake.notify_one();
    }
}

/// The open connections.
#[derive(Default)]
struct Conns {
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    next: AtomicU64,
}

impl Conns {
    fn add(&self) -> (u64, Arc<Conn>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn::new());
        self.open.lock().insert(id, conn.clone());
        (id, conn)
    }

    fn remove(&self, id: u64) {
        self.open.lock().remove(&id);
    }

    fn len(&self) -> usize {
        self.open.lock().len()
    }

    /// Closes the connection that has waited longest without a request in progress; false if
    /// every connection is busy.
    fn evict_longest_waiting(&self) -> bool {
        let open = self.open.lock();
        let victim = open
            .values()
            .filter_map(|c| {
                let s = c.state.lock();
                (s.busy == 0 && !s.evicted).then_some((s.idle_since, c))
            })
            .min_by_key(|(since, _)| *since)
            .map(|(_, c)| c.clone());
        drop(open);
        match victim {
            Some(c) => {
                c.state.lock().evicted = true;
                c.wake.notify_one();
                true
            }
            None => false,
        }
    }
}

/// A stream that tells its connection when bytes arrive.
struct Watched<S> {
    inner: S,
    conn: Arc<Conn>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.conn.read_some();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Warnings about clients, at most one every ten seconds per kind.
struct Warnings {
    last: Mutex<HashMap<&'static str, Instant>>,
}

impl Warnings {
    fn warn(&self, kind: &'static str, message: &str) {
        let mut last = self.last.lock();
        let now = Instant::now();
        if last
            .get(kind)
            .is_none_or(|t| now.duration_since(*t) >= Duration::from_secs(10))
        {
            last.insert(kind, now);
            tracing::warn!(kind, "{message}");
        }
    }
}

/// What every connection shares.
struct Shared {
    router: Router,
    web: Arc<Source>,
    auth: BasicAuth,
    limits: Limits,
    conns: Conns,
    warnings: Warnings,
    stats: Arc<ServingStats>,
    stop: CancellationToken,
}

/// The connection cap: `configured`, but at most half the open-file limit, which is first raised
/// to its hard limit. The rest stays for LivePerson and OTLP connections.
fn connection_cap(configured: usize) -> usize {
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(u64::MAX);
    let room = usize::try_from(files / 2).unwrap_or(usize::MAX).max(1);
    if configured > room {
        tracing::warn!(
            max_connections = configured,
            open_file_limit = files,
            "web.max_connections is above half the open-file limit; serving at most {room}"
        );
        room
    } else {
        configured
    }
}

/// Serves `router` on `listener` until `stop` is cancelled; then stops accepting, lets requests in
/// progress finish and closes idle connections. Returns when every connection is closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    web: Arc<Source>,
    mut limits: Limits,
    stats: Arc<ServingStats>,
    stop: CancellationToken,
) {
    limits.max_connections = connection_cap(limits.max_connections.max(1));
    stats.started();
    let shared = Arc::new(Shared {
        router,
        web,
        auth: BasicAuth::default(),
        limits,
        conns: Conns::default(),
        warnings: Warnings {
            last: Mutex::default(),
        },
        stats,
        stop,
    });
    let tracker = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shared.stop.cancelled() => break,
        };
        match accepted {
            Ok((stream, _)) => {
                // A response is many ready pieces: send each at once instead of letting Nagle's
                // algorithm wait for the client's delayed ACK (40 ms per response).
                let _ = stream.set_nodelay(true);
                if shared.conns.len() >= limits.max_connections
                    && !shared.conns.evict_longest_waiting()
                {
                    shared.stats.dropped(Dropped::Refused);
                    shared.warnings.warn(
                        "refused",
                        "web.max_connections reached and every connection busy: refusing new ones",
                    );
                    continue;
                }
                let (id, conn) = shared.conns.add();
                shared.stats.opened();
                let shared = shared.clone();
                tracker.spawn(async move {
                    if let Err(why) = connection(stream, conn, &shared).await {
                        shared.stats.dropped(why);
                    }
                    shared.conns.remove(id);
                    shared.stats.closed();
                });
            }
            Err(e) if is_per_connection(&e) => {}
            Err(e) => {
                // Most likely out of file descriptors: make room and try again shortly.
                shared.conns.evict_longest_waiting();
                shared.warnings.warn(
                    "accept",
                    &format!("cannot accept connections ({e}); closing the longest-waiting one"),
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    drop(listener);
    tracker.close();
    tracker.wait().await;
}

/// Accept errors that concern one connection only (it went before it was accepted).
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// Returns when the connection is to be closed, and why: its deadline passed while nothing
/// changed it.
async fn until_expired(conn: &Conn, limits: &Limits) -> Dropped {
    loop {
        // Registered before the deadline is read, so no change in between is missed.
        let woken = conn.wake.notified();
        match conn.deadline(limits) {
            Some((at, why)) if at <= Instant::now() => return why,
            Some((at, _)) => tokio::select! {
                _ = tokio::time::sleep_until(at) => {}
                _ = woken => {}
            },
            None => woken.await,
        }
    }
}

/// What a plain-HTTP client on a TLS port is told, as Go's servers tell it.
const PLAIN_ON_TLS: &[u8] =
    b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

/// Serves one connection until it closes; `Err` says why the server closed it.
async fn connection(
    stream: TcpStream,
    conn: Arc<Conn>,
    shared: &Arc<Shared>,
) -> Result<(), Dropped> {
    let web = shared.web.current();
    let io = Watched {
        inner: stream,
        conn: conn.clone(),
    };
    let Some(tls) = web.tls.clone() else {
        return http(TokioIo::new(io), conn, shared).await;
    };
    let handshake = async move {
        let mut first = [0u8; 1];
        // A TLS handshake starts with a handshake record (22); anything else is not TLS.
        match io.inner.peek(&mut first).await {
            // The client left before saying anything.
            Ok(0) | Err(_) => return Ok(None),
            Ok(_) if first[0] != 22 => {
                let mut io = io;
                let _ = tokio::io::AsyncWriteExt::write_all(&mut io, PLAIN_ON_TLS).await;
                return Err(Dropped::TlsError);
            }
            Ok(_) => {}
        }
        match tokio_rustls::TlsAcceptor::from(tls).accept(io).await {
            Ok(tls) => Ok(Some(tls)),
            Err(_) => Err(Dropped::TlsError),
        }
    };
    let accepted = tokio::select! {
        s = handshake => s?,
        _ = tokio::time::sleep(shared.limits.header_read_timeout) => return Err(Dropped::HeaderTimeout),
        why = until_expired(&conn, &shared.limits) => return Err(why),
        _ = shared.stop.cancelled() => None,
    };
    match accepted {
        Some(tls) => http(TokioIo::new(tls), conn, shared).await,
        None => Ok(()),
    }
}

async fn http<I>(io: I, conn: Arc<Conn>, shared: &Arc<Shared>) -> Result<(), Dropped>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = {
        let (conn, shared) = (conn.clone(), shared.clone());
        hyper::service::service_fn(move |req: Request<Incoming>| {
            let busy = conn.begin();
            let shared = shared.clone();
            async move {
                let response = answer(&shared, req).await;
                Ok::<_, Infallible>(response.map(|b| Body::new(Guarded::new(b, busy))))
            }
        })
    };
    let served = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        // The header and idle clocks are this module's, above.
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(served);
    let mut stopping = false;
    loop {
        tokio::select! {
            _ = served.as_mut() => return Ok(()),
            why = until_expired(&conn, &shared.limits) => return Err(why),
            _ = shared.stop.cancelled(), if !stopping => {
                stopping = true;
                served.as_mut().graceful_shutdown();
            }
        }
    }
}

/// One request: rate limit, authentication, the route, the configured headers.
async fn answer(shared: &Shared, req: Request<Incoming>) -> Response<Body> {
    let web: Arc<WebConfig> = shared.web.current();
    let handler = handler(req.uri().path());
    let mut response = if web.limiter.as_ref().is_some_and(|l| l.check().is_err()) {
        (
            StatusCode::TOO_MANY_REQUESTS,
            "rate limited (web config rate_limit)\n",
        )
            .into_response()
    } else if !shared.auth.allows(&web.users, req.headers()).await {
        let mut r = (StatusCode::UNAUTHORIZED, "unauthorized\n").into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"liveperson-exporter\""),
        );
        r
    } else {
        match shared.router.clone().oneshot(req.map(Body::new)).await {
            Ok(r) => r,
            Err(never) => match never {},
        }
    };
    for (name, value) in &web.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    shared.stats.answered(handler, response.status().as_u16());
    response
}

/// The `handler` label of a request path: one value per endpoint, so clients probing other paths
/// add no series.
fn handler(path: &str) -> &'static str {
    match path {
        "/metrics" => "metrics",
        "/healthz" => "healthz",
        "/readyz" => "readyz",
        "/" => "status",
        "/-/reload" => "reload",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handler_label_is_in_the_vocabulary() {
        for path in ["/metrics", "/healthz", "/readyz", "/", "/-/reload", "/x"] {
            assert!(crate::metrics::vocabulary::HANDLERS.contains(&handler(path)));
        }
    }
}

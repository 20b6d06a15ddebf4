//! OTLP push against receivers built from the official `opentelemetry-proto` definitions, over gRPC
//! (a tonic server) and HTTP/protobuf (an axum route decoding the protobuf body): every data point
//! must equal the `/metrics` sample of the same snapshot, under both temporalities; more than 2,000
//! series of one metric must arrive without overflow; a shutdown must deliver the pending export;
//! and an unreachable endpoint must only be counted and logged.
//!
//! The OTLP-to-Prometheus name mapping here is written from the specification, independently of
//! the exporter's own naming code: dots become underscores, unit `s` adds `_seconds`, unit `1` on a
//! gauge adds `_ratio`, a monotonic sum adds `_total`, a histogram becomes cumulative `_bucket{le}`
//! series plus `_sum` and `_count`.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use liveperson_exporter::app::{self, Exporter};
use liveperson_exporter::otlp::OtlpConfig;
use liveperson_exporter::otlp::config::{Protocol, Temporality};
use liveperson_sim::{ClockMode, DEFAULT_MANUAL_START, SimConfig};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as NumberValue;
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, Metric};
use parking_lot::Mutex;
use prost::Message as _;
use tokio::sync::Notify;

const MINUTE: i64 = 60_000;

/// Every request a receiver got.
#[derive(Default)]
struct Received {
    requests: Mutex<Vec<ExportMetricsServiceRequest>>,
    arrived: Notify,
}

impl Received {
    fn push(&self, r: ExportMetricsServiceRequest) {
        self.requests.lock().push(r);
        self.arrived.notify_waiters();
    }

    fn count(&self) -> usize {
        self.requests.lock().len()
    }
}

struct Grpc(Arc<Received>);

#[tonic::async_trait]
impl MetricsService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.0.push(request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// Starts a receiver on loopback; returns the endpoint URL the exporter is given.
async fn receiver(protocol: Protocol) -> (String, Arc<Received>) {
    let received = Arc::new(Received::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    match protocol {
        Protocol::Grpc => {
            let service = MetricsServiceServer::new(Grpc(received.clone()))
                .max_decoding_message_size(256 << 20);
            tokio::spawn(
                tonic::transport::Server::builder()
                    .add_service(service)
                    .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
            );
            (format!("http://{addr}"), received)
        }
        Protocol::HttpProtobuf => {
            let r = received.clone();
            let route = axum::routing::post(move |body: axum::body::Bytes| {
                let r = r.clone();
                async move {
                    let request = ExportMetricsServiceRequest::decode(body).expect("protobuf");
                    r.push(request);
                    (
                        [("content-type", "application/x-protobuf")],
                        ExportMetricsServiceResponse::default().encode_to_vec(),
                    )
                }
            });
            let app = axum::Router::new()
                .route("/v1/metrics", route)
                .layer(axum::extract::DefaultBodyLimit::disable());
            tokio::spawn(async move { axum::serve(listener, app).await });
            (format!("http://{addr}/v1/metrics"), received)
        }
    }
}

/// A sample key: Prometheus name and sorted labels (`le` normalised as a number).
type Key = (String, Vec<(String, String)>);

fn key(name: String, mut labels: Vec<(String, String)>) -> Key {
    for l in &mut labels {
        if l.0 == "le" {
            let v: f64 = if l.1 == "+Inf" {
                f64::INFINITY
            } else {
                l.1.parse().unwrap()
            };
            l.1 = format!("{v}");
        }
    }
    labels.sort();
    (name, labels)
}

/// Parses the Prometheus text format: every sample line.
fn parse_text(text: &str) -> BTreeMap<Key, f64> {
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), Vec::new()),
            Some((n, rest)) => {
                let body = rest.strip_suffix('}').unwrap();
                let mut labels = Vec::new();
                let mut chars = body.chars().peekable();
                while chars.peek().is_some() {
                    let k: String = chars.by_ref().take_while(|c| *c != '=').collect();
                    assert_eq!(chars.next(), Some('"'));
                    let mut v = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => v.push(match chars.next().unwrap() {
                                'n' => '\n',
                                c => c,
                            }),
                            '"' => break,
                            c => v.push(c),
                        }
                    }
                    if chars.peek() == Some(&',') {
                        chars.next();
                    }
                    labels.push((k, v));
                }
                (n.to_string(), labels)
            }
        };
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap(),
        };
        assert!(
            out.insert(key(name, labels), value).is_none(),
            "duplicate: {line}"
        );
    }
    out
}

fn attrs(kvs: &[opentelemetry_proto::tonic::common::v1::KeyValue]) -> Vec<(String, String)> {
    kvs.iter()
        .map(|kv| {
            let v = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(AnyValue::StringValue(s)) => s.clone(),
                Some(AnyValue::BoolValue(b)) => b.to_string(),
                other => panic!("unexpected attribute value {other:?}"),
            };
            (kv.key.clone(), v)
        })
        .collect()
}

fn number(v: &Option<NumberValue>) -> f64 {
    match v {
        Some(NumberValue::AsDouble(d)) => *d,
        Some(NumberValue::AsInt(i)) => *i as f64,
        None => panic!("data point without value"),
    }
}

/// Prometheus samples from OTLP requests: gauges from the last request; sums and histograms from
/// the last request when cumulative, added up over all requests when delta. Also returns the
/// temporalities seen.
fn samples_from_otlp(
    requests: &[ExportMetricsServiceRequest],
) -> (BTreeMap<Key, f64>, HashSet<i32>) {
    let mut out = BTreeMap::new();
    let mut temporalities = HashSet::new();
    let last = requests.len() - 1;
    for (i, request) in requests.iter().enumerate() {
        for m in request
            .resource_metrics
            .iter()
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
        {
            add_metric(m, i == last, &mut out, &mut temporalities);
        }
    }
    (out, temporalities)
}

fn add_metric(
    m: &Metric,
    is_last: bool,
    out: &mut BTreeMap<Key, f64>,
    temporalities: &mut HashSet<i32>,
) {
    let mut name = m.name.replace('.', "_");
    match m.unit.as_str() {
        "s" => name.push_str("_seconds"),
        "1" if matches!(m.data, Some(Data::Gauge(_))) => name.push_str("_ratio"),
        "By" => name.push_str("_bytes"),
        "" => {}
        u => panic!("unexpected unit {u}"),
    }
    let delta = AggregationTemporality::Delta as i32;
    match m.data.as_ref().expect("data") {
        Data::Gauge(g) => {
            if is_last {
                for p in &g.data_points {
                    out.insert(key(name.clone(), attrs(&p.attributes)), number(&p.value));
                }
            }
        }
        Data::Sum(s) => {
            assert!(s.is_monotonic, "{name}: counters are monotonic sums");
            temporalities.insert(s.aggregation_temporality);
            if s.aggregation_temporality != delta && !is_last {
                return;
            }
            for p in &s.data_points {
                let k = key(format!("{name}_total"), attrs(&p.attributes));
                *out.entry(k).or_default() += number(&p.value);
            }
        }
        Data::Histogram(h) => {
            temporalities.insert(h.aggregation_temporality);
            if h.aggregation_temporality != delta && !is_last {
                return;
            }
            for p in &h.data_points {
                let labels = attrs(&p.attributes);
                assert!(p.min.is_none() && p.max.is_none(), "no stand-in min/max");
                let mut cumulative = 0u64;
                for (i, n) in p.bucket_counts.iter().enumerate() {
                    cumulative += n;
                    let le = p
                        .explicit_bounds
                        .get(i)
                        .map_or("+Inf".to_string(), |b| b.to_string());
                    let mut l = labels.clone();
                    l.push(("le".into(), le));
                    *out.entry(key(format!("{name}_bucket"), l)).or_default() += cumulative as f64;
                }
                *out.entry(key(format!("{name}_count"), labels.clone()))
                    .or_default() += p.count as f64;
                *out.entry(key(format!("{name}_sum"), labels)).or_default() +=
                    p.sum.unwrap_or_default();
            }
        }
        other => panic!("{name}: unexpected data {other:?}"),
    }
}

/// Asserts both sample sets hold the same series with the same values. Sums of replayed histogram
/// stand-ins and added-up deltas may differ in the last bits; everything else must be exact.
fn assert_same(otlp: &BTreeMap<Key, f64>, prom: &BTreeMap<Key, f64>, exact: bool) {
    let only_prom: Vec<_> = prom.keys().filter(|k| !otlp.contains_key(*k)).collect();
    let only_otlp: Vec<_> = otlp.keys().filter(|k| !prom.contains_key(*k)).collect();
    assert!(
        only_prom.is_empty() && only_otlp.is_empty(),
        "series differ\nonly on /metrics ({}): {:?}\nonly in OTLP ({}): {:?}",
        only_prom.len(),
        &only_prom[..only_prom.len().min(10)],
        only_otlp.len(),
        &only_otlp[..only_otlp.len().min(10)]
    );
    for (k, want) in prom {
        let got = otlp[k];
        let tolerance = if exact && !k.0.ends_with("_sum") {
            0.0
        } else {
            1e-9 * want.abs().max(1.0)
        };
        assert!(
            (got - want).abs() <= tolerance,
            "{k:?}: OTLP {got} vs /metrics {want}"
        );
    }
}

struct Setup {
    sim: liveperson_sim::Simulator,
    exporter: Exporter,
    received: Arc<Received>,
    http: reqwest::Client,
}

fn otlp_config(protocol: Protocol, endpoint: String, temporality: Temporality) -> OtlpConfig {
    OtlpConfig {
        enabled: true,
        protocol,
        endpoint,
        // Exports happen when the test flushes (or stops), not on a timer.
        interval: Duration::from_secs(3600),
        // Generous: an export that times out under a loaded test machine is retried by the SDK,
        // and the receiver would see two requests for one export.
        timeout: Duration::from_secs(60),
        temporality,
        ..OtlpConfig::default()
    }
}

/// A simulator with `skills` skills on a manual clock, a receiver, and the exporter pushing to it;
/// `tweak` adjusts the exporter's configuration last.
async fn setup(
    protocol: Protocol,
    temporality: Temporality,
    skills: u32,
    tweak: impl FnOnce(&mut liveperson_exporter::config::Config),
) -> Setup {
    let (endpoint, received) = receiver(protocol).await;
    let mut sim_cfg = SimConfig::for_tests(61);
    sim_cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * 3_600_000);
    sim_cfg.accounts[0].skills = skills;
    let sim = crate::support::start_sim(sim_cfg).await;
    let mut cfg = crate::support::exporter_config(&sim);
    cfg.otlp = otlp_config(protocol, endpoint, temporality);
    tweak(&mut cfg);
    let exporter = app::start(app::Checked::new(cfg).unwrap(), sim.shared.clock.clone())
        .await
        .unwrap();
    Setup {
        sim,
        exporter,
        received,
        http: reqwest::Client::new(),
    }
}

impl Setup {
    /// Advances the simulated clock a minute at a time, `n` times; after each minute every
    /// collector has succeeded at the new time and the store has been quiet for a while (no run
    /// still going), so an export and a scrape that follow read the same publication.
    async fn steps(&self, n: u64) {
        let store = self.exporter.store.clone();
        let clock = self.sim.clock().unwrap().clone();
        for _ in 0..n {
            clock.advance(MINUTE);
            let now = self.sim.now();
            let mut changes = store.changes();
            tokio::time::timeout(Duration::from_secs(120), async {
                loop {
                    let done = store.stats().iter().all(|s| s.last_success_ms == Some(now));
                    if done {
                        // The exposition shows those runs (the assembler may be resting).
                        store.settled().await;
                    }
                    let quiet = tokio::time::timeout(Duration::from_millis(300), changes.changed())
                        .await
                        .is_err();
                    if done && quiet {
                        break;
                    }
                }
            })
            .await
            .unwrap_or_else(|_| panic!("collectors did not run: {:?}", store.stats()));
        }
    }

    /// The store's publication count.
    fn generation(&self) -> u64 {
        *self.exporter.store.changes().borrow()
    }

    async fn flush(&self) {
        let before = self.received.count();
        let generation = self.generation();
        self.exporter
            .otlp
            .as_ref()
            .unwrap()
            .flush()
            .await
            .expect("export succeeds");
        assert_eq!(self.received.count(), before + 1, "one request per export");
        assert_eq!(
            self.generation(),
            generation,
            "nothing was published meanwhile"
        );
    }

    /// `/metrics` now; the store must not have published since the last export.
    async fn metrics_text(&self, generation: u64) -> String {
        let url = format!("http://{}/metrics", self.exporter.addr);
        let r = self.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        assert_eq!(
            self.generation(),
            generation,
            "same publication as the export"
        );
        text
    }
}

/// The main property, for one protocol and temporality: after each of two exports, OTLP holds
/// exactly the `/metrics` samples.
async fn same_numbers(protocol: Protocol, temporality: Temporality) {
    let s = setup(protocol, temporality, 8, |_| {}).await;
    s.steps(4).await;
    let generation = s.generation();
    s.flush().await;
    let first = parse_text(&s.metrics_text(generation).await);
    let (otlp, temporalities) = samples_from_otlp(&s.received.requests.lock());
    let want = match temporality {
        Temporality::Delta => AggregationTemporality::Delta,
        _ => AggregationTemporality::Cumulative,
    } as i32;
    assert_eq!(temporalities, HashSet::from([want]));
    assert_same(&otlp, &first, temporality == Temporality::Cumulative);
    // Every kind of metric took part.
    for needle in ["_total", "_bucket", "_info", "_seconds", "_ratio"] {
        assert!(
            first.keys().any(|k| k.0.contains(needle)),
            "no {needle} sample"
        );
    }

    // Counters move on; the second export (a delta of the first, or a new total) still agrees.
    s.steps(3).await;
    let generation = s.generation();
    s.flush().await;
    let second = parse_text(&s.metrics_text(generation).await);
    assert_ne!(first, second, "the numbers moved");
    let (otlp, _) = samples_from_otlp(&s.received.requests.lock());
    assert_same(&otlp, &second, temporality == Temporality::Cumulative);

    // The resource names the service; account_id stays a data point attribute.
    let resource = attrs(
        &s.received.requests.lock()[0].resource_metrics[0]
            .resource
            .as_ref()
            .unwrap()
            .attributes,
    );
    assert!(resource.contains(&("service.name".into(), "liveperson-exporter".into())));
    assert!(!resource.iter().any(|(k, _)| k == "account_id"));
    s.exporter.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_cumulative_points_equal_the_metrics_endpoint() {
    same_numbers(Protocol::Grpc, Temporality::Cumulative).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_delta_points_add_up_to_the_metrics_endpoint() {
    same_numbers(Protocol::Grpc, Temporality::Delta).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_cumulative_points_equal_the_metrics_endpoint() {
    same_numbers(Protocol::HttpProtobuf, Temporality::Cumulative).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_delta_points_add_up_to_the_metrics_endpoint() {
    same_numbers(Protocol::HttpProtobuf, Temporality::Delta).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_2000_skills_lose_no_series_to_overflow() {
    let skills = 2_300;
    let s = setup(Protocol::Grpc, Temporality::Cumulative, skills, |cfg| {
        // Only the collector with per-skill series, so the run stays short.
        for a in &mut cfg.accounts {
            for e in liveperson_exporter::collectors::REGISTRY {
                if e.name != "messaging_queue_health" {
                    a.collectors
                        .insert(e.name.into(), serde_json::json!({"enabled": false}));
                }
            }
        }
    })
    .await;
    s.steps(1).await;
    let generation = s.generation();
    s.flush().await;
    let prom = parse_text(&s.metrics_text(generation).await);
    let (otlp, _) = samples_from_otlp(&s.received.requests.lock());
    // A metric with a series per skill.
    let per_skill = |m: &BTreeMap<Key, f64>| {
        m.keys()
            .filter(|k| k.0 == "liveperson_skill_queue_health_unassigned_conversations")
            .count()
    };
    assert!(
        per_skill(&prom) > 2_000,
        "the scenario needs more than 2,000 series of one metric, got {}",
        per_skill(&prom)
    );
    assert_eq!(per_skill(&otlp), per_skill(&prom));
    assert_same(&otlp, &prom, true);
    let requests = s.received.requests.lock();
    let overflow = requests
        .iter()
        .flat_map(|r| &r.resource_metrics)
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .any(|m| format!("{m:?}").contains("otel.metric.overflow"));
    assert!(!overflow, "no overflow point");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn series_beyond_the_cardinality_limit_are_counted() {
    let s = setup(Protocol::Grpc, Temporality::Cumulative, 8, |cfg| {
        cfg.otlp.cardinality_limit = 10
    })
    .await;
    s.steps(1).await;
    let generation = s.generation();
    s.flush().await;
    let prom = parse_text(&s.metrics_text(generation).await);
    let series = prom
        .keys()
        .filter(|k| k.0 == "liveperson_skill_queue_health_overdue_conversations")
        .count();
    assert!(series > 10);
    // The next publication reports what the last collection had to merge.
    s.steps(1).await;
    let generation = s.generation();
    let prom = parse_text(&s.metrics_text(generation).await);
    let over = prom[&key(
        "liveperson_exporter_otlp_series_over_limit".into(),
        vec![(
            "metric".into(),
            "liveperson.skill_queue_health_overdue_conversations".into(),
        )],
    )];
    assert_eq!(over, (series - 10) as f64);
    assert!(prom.contains_key(&key(
        "liveperson_exporter_otlp_last_success_timestamp_seconds".into(),
        vec![]
    )));
    let marked = s.received.requests.lock()[0]
        .resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .filter(|m| m.name == "liveperson.skill_queue_health_overdue_conversations")
        .any(|m| format!("{m:?}").contains("otel.metric.overflow"));
    assert!(marked, "the SDK marks what it merged");
    s.exporter.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_delivers_the_pending_export() {
    let s = setup(Protocol::HttpProtobuf, Temporality::Cumulative, 8, |_| {}).await;
    s.steps(2).await;
    let generation = s.generation();
    let want = parse_text(&s.metrics_text(generation).await);
    assert_eq!(
        s.received.count(),
        0,
        "the interval is an hour: nothing sent yet"
    );
    let received = s.received.clone();
    s.exporter.stop().await;
    assert_eq!(received.count(), 1, "the final export arrived");
    let (otlp, _) = samples_from_otlp(&received.requests.lock());
    assert_same(&otlp, &want, true);
}

/// A header value that must never be logged.
const OTLP_SECRET: &str = "Bearer otlp-secret-4f9a";

/// Log lines of this test process (set up by the one test that reads them).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_is_counted_and_logged_and_metrics_keep_working() {
    let logs = Logs::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter("liveperson_exporter=debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    // A port that was free a moment ago and has nobody listening now.
    let closed: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let endpoint = match protocol {
            Protocol::Grpc => format!("http://{closed}"),
            Protocol::HttpProtobuf => format!("http://{closed}/v1/metrics"),
        };
        let mut sim_cfg = SimConfig::for_tests(62);
        sim_cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * 3_600_000);
        let sim = crate::support::start_sim(sim_cfg).await;
        let mut cfg = crate::support::exporter_config(&sim);
        cfg.otlp = otlp_config(protocol, endpoint, Temporality::Cumulative);
        cfg.otlp.timeout = Duration::from_secs(2);
        cfg.otlp.headers = vec![(
            "authorization".into(),
            liveperson_exporter::config::Secret::new(OTLP_SECRET),
        )];
        let exporter = app::start(app::Checked::new(cfg).unwrap(), sim.shared.clock.clone())
            .await
            .unwrap();
        let sink = exporter.otlp.as_ref().unwrap();
        assert!(
            sink.flush().await.is_err(),
            "{protocol:?}: the export fails"
        );
        assert!(sink.flush().await.is_err());
        let text = String::from_utf8(logs.0.lock().clone()).unwrap();
        let failures_logged = text
            .lines()
            .filter(|l| {
                l.contains("WARN")
                    && l.contains("OTLP export failed")
                    && l.contains(&closed.to_string())
            })
            .count();
        assert!(
            failures_logged >= 2,
            "{protocol:?}: a warning per failed export:\n{text}"
        );
        assert!(
            !text.contains("otlp-secret"),
            "the header value is never logged"
        );
        logs.0.lock().clear();
        // The collectors' next publications show the failures (a round that was already under
        // way when they were counted may not); /metrics is served throughout.
        let failure = key(
            "liveperson_exporter_otlp_exports_total".into(),
            vec![("result".into(), "failure".into())],
        );
        let mut changes = exporter.store.changes();
        sim.clock().unwrap().advance(MINUTE);
        let url = format!("http://{}/metrics", exporter.addr);
        let samples = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                changes.changed().await.unwrap();
                let r = reqwest::get(&url).await.unwrap();
                assert_eq!(r.status(), 200);
                let samples = parse_text(&r.text().await.unwrap());
                let collectors_report = samples
                    .keys()
                    .any(|k| k.0 == "liveperson_exporter_collector_up");
                if samples.get(&failure) == Some(&2.0) && collectors_report {
                    break samples;
                }
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!("{protocol:?}: no publication shows the 2 failures and the collectors")
        });
        assert_eq!(
            samples[&key(
                "liveperson_exporter_otlp_exports_total".into(),
                vec![("result".into(), "success".into())],
            )],
            0.0
        );
        exporter.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_only_sidecar_serves_health_but_not_metrics() {
    let s = setup(Protocol::Grpc, Temporality::Cumulative, 8, |cfg| {
        cfg.metrics_endpoint = false
    })
    .await;
    s.steps(1).await;
    let get = |path: &str| reqwest::get(format!("http://{}{path}", s.exporter.addr));
    assert_eq!(get("/metrics").await.unwrap().status(), 404);
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    s.flush().await;
    let (otlp, _) = samples_from_otlp(&s.received.requests.lock());
    assert!(
        otlp.keys()
            .any(|k| k.0 == "liveperson_skill_queue_health_unassigned_conversations")
    );
    s.exporter.stop().await;
}

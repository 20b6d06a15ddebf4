//! OTLP push: the store's snapshots as OpenTelemetry metrics, exported over gRPC or HTTP/protobuf
//! by the OpenTelemetry SDK.
//!
//! Nothing is collected twice: every catalogue metric is an observable instrument whose callback
//! reads the snapshots the store published last, the same ones `/metrics` was encoded from
//! ([`crate::store::Published`]). Each collection starts by pinning that publication, so all
//! instruments of one export describe one moment. Gauges and info metrics are observable gauges,
//! counters observable (monotonic) counters; histograms, which the SDK only has as synchronous
//! instruments, are fed the growth since the previous collection ([`replay`]). Names and units
//! follow [`names`]. `account_id` stays a data point attribute, as on `/metrics`: one exporter
//! serves many accounts, while the resource describes the exporter process.
//!
//! Views raise the SDK's limit of 2,000 series per metric to `otlp.cardinality_limit`; series beyond
//! it are counted and logged here before the SDK merges them into its overflow point. Exports are
//! counted by result (`Counted`).

pub mod config;
pub mod names;
pub mod replay;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Histogram, Meter, MeterProvider as _};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{
    Aggregation, Instrument, InstrumentKind, PeriodicReader, SdkMeterProvider, Stream,
};
use parking_lot::Mutex;

use crate::clock::SharedClock;
use crate::metrics::catalogue::{Kind, MetricSpec};
use crate::store::{Published, Store};
use crate::traffic::Traffic;
use config::without_user_info;

pub use config::OtlpConfig;

/// A running OTLP pipeline.
pub struct Sink {
    provider: SdkMeterProvider,
}

impl Sink {
    /// Collects and exports now, waiting for the export to finish.
    pub async fn flush(&self) -> OTelSdkResult {
        let provider = self.provider.clone();
        // The SDK's flush blocks until its export thread is done; never block a runtime worker.
        tokio::task::spawn_blocking(move || provider.force_flush())
            .await
            .unwrap_or_else(|e| {
                Err(opentelemetry_sdk::error::OTelSdkError::InternalFailure(
                    e.to_string(),
                ))
            })
    }

    /// Exports what is pending one last time and stops.
    pub async fn shutdown(self) -> OTelSdkResult {
        let provider = self.provider;
        tokio::task::spawn_blocking(move || provider.shutdown())
            .await
            .unwrap_or_else(|e| {
                Err(opentelemetry_sdk::error::OTelSdkError::InternalFailure(
                    e.to_string(),
                ))
            })
    }
}

/// The exporter wrapped so that every export is counted and a failure logged.
struct Counted<E> {
    inner: E,
    traffic: Arc<Traffic>,
    clock: SharedClock,
    /// The endpoint for logs, without user info.
    endpoint: String,
    /// The endpoint as configured, to find it in error texts.
    secret_url: String,
}

impl<E: PushMetricExporter> PushMetricExporter for Counted<E> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let result = self.inner.export(metrics).await;
        match &result {
            Ok(()) => self.traffic.otlp_export(true, self.clock.now_ms()),
            Err(e) => {
                self.traffic.otlp_export(false, 0);
                // The error text may repeat the URL; neither carries its user info.
                let error = e.to_string().replace(&self.secret_url, &self.endpoint);
                tracing::warn!(endpoint = %self.endpoint, error = %error, "OTLP export failed");
            }
        }
        result
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> opentelemetry_sdk::metrics::Temporality {
        self.inner.temporality()
    }
}

/// A histogram series: metric base name and label values.
type SeriesKey = (&'static str, Vec<String>);

/// What the instruments' callbacks share: the pinned publication and the histogram feeds.
struct Reader {
    store: Arc<Store>,
    traffic: Arc<Traffic>,
    specs: Vec<&'static MetricSpec>,
    limit: usize,
    pinned: Mutex<Arc<Published>>,
    histograms: HashMap<&'static str, Histogram<f64>>,
    /// Per histogram series: the bucket counts and sum already fed to the SDK.
    fed: Mutex<HashMap<SeriesKey, (Vec<u64>, f64)>>,
}

impl Reader {
    /// Starts a collection: pins the store's current publication, feeds histogram growth and
    /// checks every metric against the cardinality limit.
    fn pin(&self) {
        let published = self.store.published();
        self.feed_histograms(&published);
        let mut series: BTreeMap<&'static str, usize> = BTreeMap::new();
        for snap in &published.snapshots {
            for (name, family) in &snap.families {
                *series.entry(name).or_default() += family.samples.len() + family.histograms.len();
            }
        }
        let over: BTreeMap<String, u64> = self
            .specs
            .iter()
            .filter_map(|spec| {
                let n = *series.get(spec.name)?;
                (n > self.limit).then(|| (names::otel_name(spec), (n - self.limit) as u64))
            })
            .collect();
        for metric in self.traffic.otlp_over_limit(&over) {
            tracing::warn!(metric = %metric, over = over[&metric], limit = self.limit,
                "OTLP: series beyond otlp.cardinality_limit are merged into the overflow point; raise the limit");
        }
        *self.pinned.lock() = published;
    }

    fn feed_histograms(&self, published: &Published) {
        let mut fed = self.fed.lock();
        for snap in &published.snapshots {
            for (name, family) in &snap.families {
                let Some(instrument) = self.histograms.get(name) else {
                    continue;
                };
                for h in &family.histograms {
                    let counts: Vec<u64> = h.buckets.iter().map(|b| b.1).collect();
                    // Every bucket's upper bound but the last one's, +Inf.
                    let Some((_, finite)) = h.buckets.split_last() else {
                        continue;
                    };
                    let bounds: Vec<f64> = finite.iter().map(|b| b.0).collect();
                    let entry = fed
                        .entry((name, h.labels.clone()))
                        .or_insert_with(|| (vec![0; counts.len()], 0.0));
                    if entry.0.len() != counts.len()
                        || entry.0.iter().zip(&counts).any(|(a, b)| a > b)
                    {
                        tracing::warn!(
                            metric = name,
                            "OTLP: histogram buckets changed or shrank; not fed"
                        );
                        continue;
                    }
                    let added: Vec<u64> = counts.iter().zip(&entry.0).map(|(n, o)| n - o).collect();
                    if added.iter().all(|n| *n == 0) {
                        continue;
                    }
                    let attrs = attributes(family.spec, &h.labels);
                    for (value, times) in replay::observations(&bounds, &added, h.sum - entry.1) {
                        for _ in 0..times {
                            instrument.record(value, &attrs);
                        }
                    }
                    *entry = (counts, h.sum);
                }
            }
        }
    }

    /// Calls `observe` for every sample of `spec` in the pinned publication.
    fn samples(&self, spec: &MetricSpec, mut observe: impl FnMut(f64, &[KeyValue])) {
        let pinned = self.pinned.lock().clone();
        for snap in &pinned.snapshots {
            if let Some(family) = snap.families.get(spec.name) {
                for s in &family.samples {
                    observe(s.value, &attributes(spec, &s.labels));
                }
            }
        }
    }
}

fn attributes(spec: &MetricSpec, values: &[String]) -> Vec<KeyValue> {
    spec.labels
        .iter()
        .zip(values)
        .map(|(k, v)| KeyValue::new(*k, v.clone()))
        .collect()
}

/// Registers one instrument per spec; the first one's callback pins each collection.
fn instruments(meter: &Meter, reader: &Arc<Reader>) {
    for (i, spec) in reader.specs.iter().copied().enumerate() {
        let name = names::otel_name(spec);
        let unit = names::otel_unit(spec);
        let r = reader.clone();
        let pins = i == 0;
        let callback = move |observe: &dyn Fn(f64, &[KeyValue])| {
            if pins {
                r.pin();
            }
            r.samples(spec, observe);
        };
        match spec.kind {
            Kind::Gauge | Kind::Info => {
                meter
                    .f64_observable_gauge(name)
                    .with_description(spec.help)
                    .with_unit(unit)
                    .with_callback(move |o| callback(&|v, a| o.observe(v, a)))
                    .build();
            }
            Kind::Counter => {
                meter
                    .f64_observable_counter(name)
                    .with_description(spec.help)
                    .with_unit(unit)
                    .with_callback(move |o| callback(&|v, a| o.observe(v, a)))
                    .build();
            }
            // Built before the reader (it owns them); fed by `pin`.
            Kind::Histogram => {}
        }
    }
}

/// Every metric the exporter can emit: its own first (the first instrument pins collections and
/// the self metrics always exist), then every collector's.
pub fn all_specs() -> Vec<&'static MetricSpec> {
    let mut out: Vec<&'static MetricSpec> = crate::self_metrics::ALL.to_vec();
    for entry in crate::collectors::REGISTRY {
        out.extend(entry.metrics.iter().copied());
    }
    out
}

/// Starts pushing the store's metrics as configured. `histogram_bounds` gives each histogram
/// metric's bucket bounds (one set per metric: an OTLP histogram stream has one).
pub fn start(
    cfg: &OtlpConfig,
    store: Arc<Store>,
    traffic: Arc<Traffic>,
    clock: SharedClock,
    histogram_bounds: BTreeMap<&'static str, Vec<f64>>,
) -> anyhow::Result<Sink> {
    use config::{Compression, Protocol, Temporality};
    // The HTTP exporter builds a rustls client, which needs the process's crypto provider.
    crate::liveperson::install_tls_provider();
    let temporality = match cfg.temporality {
        Temporality::Cumulative => opentelemetry_sdk::metrics::Temporality::Cumulative,
        Temporality::Delta => opentelemetry_sdk::metrics::Temporality::Delta,
        Temporality::LowMemory => opentelemetry_sdk::metrics::Temporality::LowMemory,
    };
    let compression = match cfg.compression {
        Compression::None => None,
        Compression::Gzip => Some(opentelemetry_otlp::Compression::Gzip),
    };
    let headers: HashMap<String, String> = cfg
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_string()))
        .collect();
    let builder = opentelemetry_otlp::MetricExporter::builder().with_temporality(temporality);
    let exporter = match cfg.protocol {
        Protocol::Grpc => {
            // Header names and values were validated with the configuration.
            let mut map = reqwest::header::HeaderMap::new();
            for (k, v) in &headers {
                map.insert(
                    reqwest::header::HeaderName::from_bytes(k.as_bytes())?,
                    reqwest::header::HeaderValue::from_str(v)?,
                );
            }
            let metadata =
                opentelemetry_otlp::tonic_types::metadata::MetadataMap::from_headers(map);
            let mut b = builder
                .with_tonic()
                .with_endpoint(&cfg.endpoint)
                .with_timeout(cfg.timeout)
                .with_metadata(metadata);
            if let Some(c) = compression {
                b = b.with_compression(c);
            }
            b.build()
        }
        Protocol::HttpProtobuf => {
            let mut b = builder
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_endpoint(&cfg.endpoint)
                .with_timeout(cfg.timeout)
                .with_headers(headers);
            if let Some(c) = compression {
                b = b.with_compression(c);
            }
            b.build()
        }
    }
    .map_err(|e| {
        let error = e
            .to_string()
            .replace(&cfg.endpoint, &without_user_info(&cfg.endpoint));
        anyhow::anyhow!("otlp: {error}")
    })?;
    traffic.otlp_enabled();
    let counted = Counted {
        inner: exporter,
        traffic: traffic.clone(),
        clock,
        endpoint: without_user_info(&cfg.endpoint),
        secret_url: cfg.endpoint.clone(),
    };
    let reader = PeriodicReader::builder(counted)
        .with_interval(cfg.interval)
        .build();

    let limit = cfg.cardinality_limit;
    let specs = all_specs();
    // Bucket bounds by instrument name.
    let bounds: HashMap<String, Vec<f64>> = specs
        .iter()
        .filter(|s| s.kind == Kind::Histogram)
        .map(|s| {
            let b = histogram_bounds.get(s.name).cloned().unwrap_or_default();
            (names::otel_name(s), b)
        })
        .collect();
    let view = move |i: &Instrument| {
        let mut stream = Stream::builder().with_cardinality_limit(limit);
        if i.kind() == InstrumentKind::Histogram {
            stream = stream.with_aggregation(Aggregation::ExplicitBucketHistogram {
                boundaries: bounds.get(i.name())?.clone(),
                // Min and max would describe replayed stand-ins, not real observations.
                record_min_max: false,
            });
        }
        stream.build().ok()
    };
    let provider = SdkMeterProvider::builder()
        .with_resource(resource(cfg))
        .with_view(view)
        .with_reader(reader)
        .build();
    let meter = provider.meter("liveperson-exporter");
    let histograms = specs
        .iter()
        .filter(|s| s.kind == Kind::Histogram)
        .map(|s| {
            let h = meter
                .f64_histogram(names::otel_name(s))
                .with_description(s.help)
                .with_unit(names::otel_unit(s))
                .build();
            (s.name, h)
        })
        .collect();
    let published = store.published();
    let reader = Arc::new(Reader {
        store,
        traffic,
        specs,
        limit,
        pinned: Mutex::new(published),
        histograms,
        fed: Mutex::new(HashMap::new()),
    });
    instruments(&meter, &reader);
    tracing::info!(endpoint = %without_user_info(&cfg.endpoint), protocol = cfg.protocol.as_str(),
        interval = ?cfg.interval, temporality = ?cfg.temporality, "pushing metrics over OTLP");
    Ok(Sink { provider })
}

/// The resource: what the SDK detects (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`), the
/// service name `liveperson-exporter` unless those name one, the version, and the configured
/// attributes over all of it.
fn resource(cfg: &OtlpConfig) -> Resource {
    let named_by_env = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|v| !v.is_empty())
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|v| {
            v.split(',')
                .any(|kv| kv.trim_start().starts_with("service.name="))
        });
    let mut b = Resource::builder();
    if !named_by_env {
        b = b.with_service_name("liveperson-exporter");
    }
    b.with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .with_attributes(
            cfg.resource_attributes
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
        )
        .build()
}

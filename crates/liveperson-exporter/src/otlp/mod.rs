//! OTLP push: the store's snapshots as OpenTelemetry metrics, over gRPC or HTTP/protobuf.
//!
//! Nothing is collected twice: each export encodes the snapshots the store published last, the
//! same ones `/metrics` was assembled from ([`crate::store::Published`]), so all metrics of one
//! export describe one moment. The request is written straight from the snapshots ([`encode`]):
//! no per-export copy of labels, no per-series hashing, and histograms are sent as the bucket
//! counts and sums they are. Gauges and info metrics are OTLP gauges, counters monotonic sums,
//! histograms explicit-bucket histograms; names and units follow [`names`]. `account_id` stays a
//! data point attribute, as on `/metrics`: one exporter serves many accounts, while the resource
//! describes the exporter process.
//!
//! One task per pipeline exports every `interval`, on [`Sink::flush`], and once more on
//! [`Sink::shutdown`]; encoding and compression run on the blocking pool, sending
//! ([`transport`]) on the runtime. Every export is counted by result and a failure logged;
//! series beyond `otlp.cardinality_limit` are counted and logged as they are merged.

pub mod config;
pub mod encode;
pub mod names;
pub mod transport;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};

use crate::clock::SharedClock;
use crate::metrics::catalogue::MetricSpec;
use crate::store::Store;
use crate::traffic::Traffic;
use config::without_user_info;
use encode::Encoder;
use transport::Transport;

pub use config::OtlpConfig;

/// Why an export failed (no secret in it).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ExportError(String);

enum Command {
    Flush(oneshot::Sender<Result<(), ExportError>>),
    Stop(oneshot::Sender<Result<(), ExportError>>),
}

/// A running OTLP pipeline.
pub struct Sink {
    commands: mpsc::Sender<Command>,
    task: tokio::task::JoinHandle<()>,
}

impl Sink {
    /// Exports now, waiting for the export to finish.
    pub async fn flush(&self) -> Result<(), ExportError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Flush(tx))
            .await
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    /// Exports one last time and stops.
    pub async fn shutdown(self) -> Result<(), ExportError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Stop(tx))
            .await
            .map_err(|_| stopped())?;
        let result = rx.await.map_err(|_| stopped())?;
        let _ = self.task.await;
        result
    }
}

fn stopped() -> ExportError {
    ExportError("the OTLP pipeline has stopped".into())
}

/// What one pipeline's task owns.
struct Pipeline {
    store: Arc<Store>,
    traffic: Arc<Traffic>,
    clock: SharedClock,
    limit: usize,
    encoder: Arc<Mutex<Encoder>>,
    transport: Arc<Transport>,
    /// The endpoint for logs, without user info.
    endpoint: String,
    /// The endpoint as configured, to find it in error texts.
    secret_url: String,
}

impl Pipeline {
    async fn export(&self) -> Result<(), ExportError> {
        let published = self.store.published();
        let now_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let encoder = self.encoder.clone();
        let transport = self.transport.clone();
        // Encoding 200k series takes milliseconds of CPU: not on a runtime worker.
        let (request, body) = tokio::task::spawn_blocking(move || {
            let request = encoder.lock().encode(published, now_ns);
            let body = transport.prepare(request.body.clone());
            (request, body)
        })
        .await
        .map_err(|e| ExportError(format!("encoding failed: {e}")))?;
        for metric in self.traffic.otlp_over_limit(&request.over_limit) {
            tracing::warn!(metric = %metric, over = request.over_limit[&metric], limit = self.limit,
                "OTLP: series beyond otlp.cardinality_limit are merged into the overflow point; raise the limit");
        }
        match self.transport.send(body).await {
            Ok(()) => {
                self.encoder.lock().succeeded(&request);
                self.traffic.otlp_export(true, self.clock.now_ms());
                Ok(())
            }
            Err(e) => {
                self.traffic.otlp_export(false, 0);
                // The error text may repeat the URL; neither carries its user info.
                let error = e.replace(&self.secret_url, &self.endpoint);
                tracing::warn!(endpoint = %self.endpoint, error = %error, "OTLP export failed");
                Err(ExportError(error))
            }
        }
    }

    async fn run(self, interval: Duration, mut commands: mpsc::Receiver<Command>) {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let _ = self.export().await;
                }
                command = commands.recv() => match command {
                    Some(Command::Flush(done)) => {
                        let _ = done.send(self.export().await);
                    }
                    Some(Command::Stop(done)) => {
                        let _ = done.send(self.export().await);
                        break;
                    }
                    None => break,
                },
            }
        }
    }
}

/// Every metric the exporter can emit: its own first, then every collector's.
pub fn all_specs() -> Vec<&'static MetricSpec> {
    let mut out: Vec<&'static MetricSpec> = crate::self_metrics::ALL.to_vec();
    for entry in crate::collectors::REGISTRY {
        out.extend(entry.metrics.iter().copied());
    }
    out
}

/// Starts pushing the store's metrics as configured.
pub fn start(
    cfg: &OtlpConfig,
    store: Arc<Store>,
    traffic: Arc<Traffic>,
    clock: SharedClock,
) -> anyhow::Result<Sink> {
    let transport = Transport::new(cfg).map_err(|e| {
        let error = e
            .to_string()
            .replace(&cfg.endpoint, &without_user_info(&cfg.endpoint));
        anyhow::anyhow!("otlp: {error}")
    })?;
    traffic.otlp_enabled();
    // Exports read the snapshots themselves, not only their encoded pieces.
    store.keep_snapshots(true);
    let encoder = Encoder::new(
        &all_specs(),
        cfg.temporality,
        cfg.cardinality_limit,
        &resource(cfg),
        ("liveperson-exporter", env!("CARGO_PKG_VERSION")),
    );
    let pipeline = Pipeline {
        store,
        traffic,
        clock,
        limit: cfg.cardinality_limit,
        encoder: Arc::new(Mutex::new(encoder)),
        transport: Arc::new(transport),
        endpoint: without_user_info(&cfg.endpoint),
        secret_url: cfg.endpoint.clone(),
    };
    let (commands, rx) = mpsc::channel(4);
    let task = tokio::spawn(pipeline.run(cfg.interval, rx));
    tracing::info!(endpoint = %without_user_info(&cfg.endpoint), protocol = cfg.protocol.as_str(),
        interval = ?cfg.interval, temporality = ?cfg.temporality, "pushing metrics over OTLP");
    Ok(Sink { commands, task })
}

/// The resource's attributes: `service.name` = `liveperson-exporter`, `service.version`, and
/// `service.instance.id` = the host name (the pod's name in Kubernetes), so that the self metrics
/// of several replicas stay apart in an OTLP backend; under the configured ones (which include
/// `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`, see [`config`]).
fn resource(cfg: &OtlpConfig) -> Vec<(String, String)> {
    let mut all = BTreeMap::from([
        (
            "service.name".to_string(),
            "liveperson-exporter".to_string(),
        ),
        (
            "service.version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
    ]);
    if let Some(host) = host_name() {
        all.insert("service.instance.id".to_string(), host);
    }
    all.extend(cfg.resource_attributes.clone());
    all.into_iter().collect()
}

/// This host's name: the kernel's (Linux), else `HOSTNAME`.
fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_names_this_instance_unless_configured() {
        let mut cfg = OtlpConfig::default();
        let attrs: BTreeMap<_, _> = resource(&cfg).into_iter().collect();
        let host = host_name().expect("a host name");
        assert_eq!(attrs.get("service.instance.id"), Some(&host));
        assert_eq!(attrs["service.name"], "liveperson-exporter");
        cfg.resource_attributes
            .insert("service.instance.id".into(), "replica-0".into());
        let attrs: BTreeMap<_, _> = resource(&cfg).into_iter().collect();
        assert_eq!(attrs["service.instance.id"], "replica-0");
    }
}

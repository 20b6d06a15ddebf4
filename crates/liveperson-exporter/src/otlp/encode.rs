//! One OTLP export request, encoded as protobuf straight from the published snapshots.
//!
//! The snapshots are immutable and their label values were built once, when the collector
//! published; an export reads them in place and writes each data point's bytes directly into the
//! request (prost's wire helpers), so nothing is copied into an intermediate tree and nothing is
//! hashed per series. Lengths are computed before bytes are written, which lets every message be
//! written once, in place: a metric's points are measured, then written; the outer messages
//! (request, resource, scope) go into room left at the front once all metrics are known.
//!
//! Temporality and cardinality are applied here:
//! - cumulative points start when this pipeline first saw their source (a collector, or the self
//!   metrics); gauges carry no start time;
//! - delta points are the growth since the last *successful* export, matched per source and
//!   series (the same series usually sits at the same index, else a lookup by labels); a value
//!   that fell is a reset and is sent whole; a failed export moves no baseline, so nothing is lost;
//! - a metric with more series than `limit` keeps the first `limit` and merges the rest into one
//!   point marked `otel.metric.overflow=true` (sums added, gauges the last value), like the SDK.
//!
//! Field numbers and order follow `opentelemetry/proto/metrics/v1/metrics.proto`; the unit tests
//! decode what is written here with the official `opentelemetry-proto` types.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use prost::encoding::{encode_varint, encoded_len_varint};

use super::config::Temporality;
use super::names;
use crate::metrics::catalogue::{Kind, MetricSpec};
use crate::metrics::exposition::SourceKey;
use crate::metrics::snapshot::{Family, HistogramSample, Snapshot};
use crate::store::Published;

/// Wire types used here.
const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;

/// `AggregationTemporality` values.
const DELTA: u64 = 1;
const CUMULATIVE: u64 = 2;

/// The attribute of an overflow point.
const OVERFLOW: &str = "otel.metric.overflow";

fn put_key(buf: &mut Vec<u8>, field: u32, wire: u32) {
    encode_varint(u64::from(field << 3 | wire), buf);
}

fn put_len(buf: &mut Vec<u8>, field: u32, len: usize) {
    put_key(buf, field, LEN);
    encode_varint(len as u64, buf);
}

fn put_str(buf: &mut Vec<u8>, field: u32, s: &str) {
    put_len(buf, field, s.len());
    buf.extend_from_slice(s.as_bytes());
}

fn put_fixed64(buf: &mut Vec<u8>, field: u32, v: u64) {
    put_key(buf, field, FIXED64);
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put_varint(buf: &mut Vec<u8>, field: u32, v: u64) {
    put_key(buf, field, VARINT);
    encode_varint(v, buf);
}

/// Bytes of a length-delimited field (number below 16) whose payload is `len` bytes.
fn field_len(len: usize) -> usize {
    1 + encoded_len_varint(len as u64) + len
}

/// A fixed64 or double field (number below 16).
const FIXED_FIELD: usize = 9;

/// `AnyValue{string_value}` of `v`, as a payload length.
fn string_value_len(v: &str) -> usize {
    field_len(v.len())
}

/// A `KeyValue` with a string value, as a payload length.
fn key_value_len(k: &str, v: &str) -> usize {
    field_len(k.len()) + field_len(string_value_len(v))
}

fn put_key_value(buf: &mut Vec<u8>, field: u32, k: &str, v: &str) {
    put_len(buf, field, key_value_len(k, v));
    put_str(buf, 1, k);
    put_len(buf, 2, string_value_len(v));
    put_str(buf, 1, v);
}

/// `KeyValue{otel.metric.overflow: true}` as a payload length: the key, and `AnyValue{bool_value}`.
fn overflow_len() -> usize {
    field_len(OVERFLOW.len()) + field_len(2)
}

fn put_overflow(buf: &mut Vec<u8>, field: u32) {
    put_len(buf, field, overflow_len());
    put_str(buf, 1, OVERFLOW);
    put_len(buf, 2, 2);
    put_varint(buf, 2, 1);
}

/// A resource or scope attribute list, encoded as `field` entries.
pub fn encode_attributes(buf: &mut Vec<u8>, field: u32, attributes: &[(String, String)]) {
    for (k, v) in attributes {
        put_key_value(buf, field, k, v);
    }
}

/// Whose attributes a point has.
#[derive(Clone, Copy)]
enum Labels<'a> {
    /// One series: its label values, in the spec's label order.
    Series(&'a [String]),
    /// The overflow point.
    Overflow,
}

/// A point's value.
enum Value<'a> {
    Number(f64),
    /// Per-bucket counts by upper bound (the last `+Inf`), and the sum.
    Histogram(Cow<'a, [(f64, u64)]>, f64),
}

/// One data point to write.
struct Point<'a> {
    labels: Labels<'a>,
    /// Start time; 0 (none) for gauges.
    start_ns: u64,
    value: Value<'a>,
}

impl Point<'_> {
    fn attributes_len(&self, spec: &MetricSpec) -> usize {
        match self.labels {
            Labels::Series(values) => spec
                .labels
                .iter()
                .zip(values)
                .map(|(k, v)| field_len(key_value_len(k, v)))
                .sum(),
            Labels::Overflow => field_len(overflow_len()),
        }
    }

    fn put_attributes(&self, buf: &mut Vec<u8>, field: u32, spec: &MetricSpec) {
        match self.labels {
            Labels::Series(values) => {
                for (k, v) in spec.labels.iter().zip(values) {
                    put_key_value(buf, field, k, v);
                }
            }
            Labels::Overflow => put_overflow(buf, field),
        }
    }

    /// The encoded `NumberDataPoint` or `HistogramDataPoint`, as a payload length.
    fn len(&self, spec: &MetricSpec) -> usize {
        let start = if self.start_ns > 0 { FIXED_FIELD } else { 0 };
        let times = start + FIXED_FIELD;
        match &self.value {
            Value::Number(_) => self.attributes_len(spec) + times + FIXED_FIELD,
            Value::Histogram(buckets, _) => {
                let bounds = buckets.len().saturating_sub(1);
                self.attributes_len(spec)
                    + times
                    + 2 * FIXED_FIELD
                    + field_len(8 * buckets.len())
                    + if bounds > 0 { field_len(8 * bounds) } else { 0 }
            }
        }
    }

    /// Writes the point's payload (without its own key and length).
    fn put(&self, buf: &mut Vec<u8>, spec: &MetricSpec, now_ns: u64) {
        match &self.value {
            Value::Number(v) => {
                // NumberDataPoint, in field order as prost writes it: start 2, time 3,
                // as_double 4, attributes 7.
                if self.start_ns > 0 {
                    put_fixed64(buf, 2, self.start_ns);
                }
                put_fixed64(buf, 3, now_ns);
                put_fixed64(buf, 4, v.to_bits());
                self.put_attributes(buf, 7, spec);
            }
            Value::Histogram(buckets, sum) => {
                // HistogramDataPoint: start 2, time 3, count 4, sum 5, bucket_counts 6 and
                // explicit_bounds 7 (both packed), attributes 9.
                if self.start_ns > 0 {
                    put_fixed64(buf, 2, self.start_ns);
                }
                put_fixed64(buf, 3, now_ns);
                put_fixed64(buf, 4, buckets.iter().map(|b| b.1).sum());
                put_fixed64(buf, 5, sum.to_bits());
                put_len(buf, 6, 8 * buckets.len());
                for b in buckets.iter() {
                    buf.extend_from_slice(&b.1.to_le_bytes());
                }
                if let Some((_, finite)) = buckets.split_last().filter(|(_, f)| !f.is_empty()) {
                    put_len(buf, 7, 8 * finite.len());
                    for b in finite {
                        buf.extend_from_slice(&b.0.to_bits().to_le_bytes());
                    }
                }
                self.put_attributes(buf, 9, spec);
            }
        }
    }
}

/// A metric's fixed parts, built once per pipeline.
struct Head {
    spec: &'static MetricSpec,
    name: String,
    unit: &'static str,
}

/// What one encoding produced.
pub struct Request {
    /// The `ExportMetricsServiceRequest` bytes.
    pub body: bytes::Bytes,
    /// Per OTLP metric name, series merged into its overflow point.
    pub over_limit: BTreeMap<String, u64>,
    /// What [`Encoder::succeeded`] records as the baseline if this request is delivered.
    published: Arc<Published>,
    now_ns: u64,
}

/// The encoder and what it remembers between exports.
pub struct Encoder {
    heads: Vec<Head>,
    temporality: Temporality,
    limit: usize,
    /// `Resource` and `InstrumentationScope` payloads.
    resource: Vec<u8>,
    scope: Vec<u8>,
    /// When this pipeline first saw each source: the start of its cumulative points.
    first_seen: HashMap<SourceKey, u64>,
    /// The snapshots of the last delivered export, and when it was made (delta baselines).
    delivered: HashMap<SourceKey, Arc<Snapshot>>,
    delivered_ns: u64,
    /// The size of the last request, to size the next one's buffer.
    last_size: usize,
}

/// Whether sums of this kind are sent as deltas under `t`: delta sends both counters and
/// histograms as deltas; lowmemory only histograms (the SDK's synchronous instruments).
fn is_delta(t: Temporality, kind: Kind) -> bool {
    match (t, kind) {
        (_, Kind::Gauge | Kind::Info) | (Temporality::Cumulative, _) => false,
        (Temporality::Delta, _) => true,
        (Temporality::LowMemory, k) => k == Kind::Histogram,
    }
}

impl Encoder {
    /// An encoder for `specs`, with the resource's attributes and the scope's name and version.
    pub fn new(
        specs: &[&'static MetricSpec],
        temporality: Temporality,
        limit: usize,
        resource: &[(String, String)],
        scope: (&str, &str),
    ) -> Self {
        let heads = specs
            .iter()
            .map(|spec| Head {
                spec,
                name: names::otel_name(spec),
                unit: names::otel_unit(spec),
            })
            .collect();
        let mut resource_buf = Vec::new();
        encode_attributes(&mut resource_buf, 1, resource);
        let mut scope_buf = Vec::new();
        put_str(&mut scope_buf, 1, scope.0);
        put_str(&mut scope_buf, 2, scope.1);
        Self {
            heads,
            temporality,
            limit: limit.max(1),
            resource: resource_buf,
            scope: scope_buf,
            first_seen: HashMap::new(),
            delivered: HashMap::new(),
            delivered_ns: 0,
            last_size: 0,
        }
    }

    /// Encodes `published` as of `now_ns` (Unix nanoseconds).
    pub fn encode(&mut self, published: Arc<Published>, now_ns: u64) -> Request {
        for (key, _) in &published.snapshots {
            self.first_seen.entry(key.clone()).or_insert(now_ns);
        }
        // Families by name, in publication order.
        let mut by_name: HashMap<&'static str, Vec<(&SourceKey, &Family)>> = HashMap::new();
        for (key, snap) in &published.snapshots {
            for (name, family) in &snap.families {
                by_name.entry(name).or_default().push((key, family));
            }
        }
        // Room for the outer messages' keys and lengths, written last.
        let room = field_len(self.resource.len()) + field_len(self.scope.len()) + 3 * 11;
        let mut buf = Vec::with_capacity(room + self.last_size + self.last_size / 8);
        buf.resize(room, 0);
        let mut over_limit = BTreeMap::new();
        let mut points = Vec::new();
        for head in &self.heads {
            let Some(families) = by_name.get(head.spec.name) else {
                continue;
            };
            points.clear();
            let merged = self.points(head.spec, families, now_ns, &mut points);
            if merged > 0 {
                over_limit.insert(head.name.clone(), merged);
            }
            if !points.is_empty() {
                self.put_metric(&mut buf, head, &points, now_ns);
            }
        }
        drop(points);
        let metrics = buf.len() - room;
        let mut outer = Vec::with_capacity(room);
        let scope_metrics = field_len(self.scope.len()) + metrics;
        let resource_metrics = field_len(self.resource.len()) + field_len(scope_metrics);
        // ExportMetricsServiceRequest.resource_metrics 1 > ResourceMetrics.resource 1,
        // .scope_metrics 2 > ScopeMetrics.scope 1, then the metrics (field 2) already written.
        put_len(&mut outer, 1, resource_metrics);
        put_len(&mut outer, 1, self.resource.len());
        outer.extend_from_slice(&self.resource);
        put_len(&mut outer, 2, scope_metrics);
        put_len(&mut outer, 1, self.scope.len());
        outer.extend_from_slice(&self.scope);
        let start = room - outer.len();
        buf[start..room].copy_from_slice(&outer);
        self.last_size = buf.len();
        let body = bytes::Bytes::from(buf).slice(start..);
        Request {
            body,
            over_limit,
            published,
            now_ns,
        }
    }

    /// Records a delivered request: its snapshots become the delta baselines, and sources no
    /// longer published are forgotten (one that comes back starts afresh).
    pub fn succeeded(&mut self, request: &Request) {
        let current: HashMap<&SourceKey, &Arc<Snapshot>> = request
            .published
            .snapshots
            .iter()
            .map(|(k, s)| (k, s))
            .collect();
        self.first_seen.retain(|k, _| current.contains_key(k));
        if self.temporality != Temporality::Cumulative {
            self.delivered = current
                .into_iter()
                .map(|(k, s)| (k.clone(), s.clone()))
                .collect();
            self.delivered_ns = request.now_ns;
        }
    }

    /// The points of one metric; returns how many series went into the overflow point.
    fn points<'a>(
        &self,
        spec: &'static MetricSpec,
        families: &[(&SourceKey, &'a Family)],
        now_ns: u64,
        out: &mut Vec<Point<'a>>,
    ) -> u64 {
        let delta = is_delta(self.temporality, spec.kind);
        let mut points = Capped {
            out,
            overflow: None,
            merged: 0,
            limit: self.limit,
            kind: spec.kind,
        };
        for (key, family) in families {
            let previous = if delta {
                self.delivered
                    .get(*key)
                    .and_then(|s| s.families.get(spec.name))
            } else {
                None
            };
            let start_ns = match spec.kind {
                Kind::Gauge | Kind::Info => 0,
                _ if delta && self.delivered.contains_key(*key) => self.delivered_ns,
                _ => self.first_seen.get(*key).copied().unwrap_or(now_ns),
            };
            let mut lookup = Baseline::new(previous);
            for (i, s) in family.samples.iter().enumerate() {
                let value = match lookup.sample(i, &s.labels) {
                    Some(before) if s.value >= before => s.value - before,
                    _ => s.value,
                };
                points.push(&s.labels, start_ns, Value::Number(value));
            }
            for (i, h) in family.histograms.iter().enumerate() {
                let (buckets, sum) = match lookup.histogram(i, &h.labels) {
                    Some(before) if grew(h, before) => {
                        let added = h.buckets.iter().zip(&before.buckets);
                        let added = added.map(|(a, b)| (a.0, a.1 - b.1)).collect();
                        (Cow::Owned(added), h.sum - before.sum)
                    }
                    _ => (Cow::Borrowed(h.buckets.as_slice()), h.sum),
                };
                points.push(&h.labels, start_ns, Value::Histogram(buckets, sum));
            }
        }
        points.finish()
    }

    fn put_metric(&self, buf: &mut Vec<u8>, head: &Head, points: &[Point], now_ns: u64) {
        let spec = head.spec;
        let point_lens: usize = points.iter().map(|p| field_len(p.len(spec))).sum();
        // Gauge: data_points 1. Sum: data_points 1, temporality 2, is_monotonic 3.
        // Histogram: data_points 1, temporality 2.
        let (data_field, data_len, temporality) = match spec.kind {
            Kind::Gauge | Kind::Info => (5, point_lens, None),
            Kind::Counter => (7, point_lens + 4, Some(self.temporality_of(spec.kind))),
            Kind::Histogram => (9, point_lens + 2, Some(self.temporality_of(spec.kind))),
        };
        let unit = if head.unit.is_empty() {
            0
        } else {
            field_len(head.unit.len())
        };
        let metric_len =
            field_len(head.name.len()) + field_len(spec.help.len()) + unit + field_len(data_len);
        // ScopeMetrics.metrics 2; Metric: name 1, description 2, unit 3, data (5, 7 or 9).
        put_len(buf, 2, metric_len);
        put_str(buf, 1, &head.name);
        put_str(buf, 2, spec.help);
        if !head.unit.is_empty() {
            put_str(buf, 3, head.unit);
        }
        put_len(buf, data_field, data_len);
        for p in points {
            put_len(buf, 1, p.len(spec));
            p.put(buf, spec, now_ns);
        }
        if let Some(t) = temporality {
            put_varint(buf, 2, t);
            if spec.kind == Kind::Counter {
                put_varint(buf, 3, 1);
            }
        }
    }

    fn temporality_of(&self, kind: Kind) -> u64 {
        if is_delta(self.temporality, kind) {
            DELTA
        } else {
            CUMULATIVE
        }
    }
}

/// A metric's points, at most `limit` series; the rest merged into one overflow point.
struct Capped<'a, 'o> {
    out: &'o mut Vec<Point<'a>>,
    overflow: Option<Point<'a>>,
    merged: u64,
    limit: usize,
    kind: Kind,
}

impl<'a> Capped<'a, '_> {
    fn push(&mut self, labels: &'a [String], start_ns: u64, value: Value<'a>) {
        if self.out.len() < self.limit {
            self.out.push(Point {
                labels: Labels::Series(labels),
                start_ns,
                value,
            });
            return;
        }
        self.merged += 1;
        let Some(o) = &mut self.overflow else {
            self.overflow = Some(Point {
                labels: Labels::Overflow,
                start_ns,
                value,
            });
            return;
        };
        o.start_ns = o.start_ns.min(start_ns);
        match (&mut o.value, value) {
            (Value::Number(total), Value::Number(v)) => match self.kind {
                // A gauge's overflow point shows the last value, as the SDK's does.
                Kind::Gauge | Kind::Info => *total = v,
                _ => *total += v,
            },
            // Histograms with other buckets cannot be added up; they are left out of the point.
            (Value::Histogram(total, sum), Value::Histogram(add, s))
                if total.len() == add.len()
                    && total.iter().zip(add.iter()).all(|(a, b)| a.0 == b.0) =>
            {
                for (t, a) in total.to_mut().iter_mut().zip(add.iter()) {
                    t.1 += a.1;
                }
                *sum += s;
            }
            _ => {}
        }
    }

    /// Adds the overflow point last; returns how many series it holds.
    fn finish(self) -> u64 {
        self.out.extend(self.overflow);
        self.merged
    }
}

/// Whether `h` grew from `before` without a reset (same buckets, no count fell).
fn grew(h: &HistogramSample, before: &HistogramSample) -> bool {
    h.buckets.len() == before.buckets.len()
        && h.buckets
            .iter()
            .zip(&before.buckets)
            .all(|(a, b)| a.0 == b.0 && a.1 >= b.1)
}

/// Finds a series' value in the family of the last delivered export: at the same index when the
/// labels there match (the usual case: a collector emits its series in a stable order), else by
/// a label index built on first need.
struct Baseline<'a> {
    family: Option<&'a Family>,
    samples: Option<HashMap<&'a [String], usize>>,
    histograms: Option<HashMap<&'a [String], usize>>,
}

impl<'a> Baseline<'a> {
    fn new(family: Option<&'a Family>) -> Self {
        Self {
            family,
            samples: None,
            histograms: None,
        }
    }

    fn sample(&mut self, i: usize, labels: &[String]) -> Option<f64> {
        let family = self.family?;
        if let Some(s) = family.samples.get(i).filter(|s| s.labels == labels) {
            return Some(s.value);
        }
        let index = self.samples.get_or_insert_with(|| {
            family
                .samples
                .iter()
                .enumerate()
                .map(|(i, s)| (s.labels.as_slice(), i))
                .collect()
        });
        index.get(labels).map(|&j| family.samples[j].value)
    }

    fn histogram(&mut self, i: usize, labels: &[String]) -> Option<&'a HistogramSample> {
        let family = self.family?;
        if let Some(h) = family.histograms.get(i).filter(|h| h.labels == labels) {
            return Some(h);
        }
        let index = self.histograms.get_or_insert_with(|| {
            family
                .histograms
                .iter()
                .enumerate()
                .map(|(i, h)| (h.labels.as_slice(), i))
                .collect()
        });
        index.get(labels).map(|&j| &family.histograms[j])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::catalogue::Unit;
    use crate::metrics::snapshot::SnapshotBuilder;
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Num;
    use prost::Message as _;

    static GAUGE: MetricSpec = MetricSpec {
        name: "liveperson_skill_queue_wait_seconds",
        help: "Queue wait.",
        unit: Some(Unit::Seconds),
        kind: Kind::Gauge,
        labels: &["account_id", "skill"],
    };
    static COUNTER: MetricSpec = MetricSpec {
        name: "liveperson_skill_closed_conversations_total",
        help: "Closed.",
        unit: None,
        kind: Kind::Counter,
        labels: &["account_id"],
    };
    static HISTOGRAM: MetricSpec = MetricSpec {
        name: "liveperson_skill_handle_time_seconds",
        help: "Handle time.",
        unit: Some(Unit::Seconds),
        kind: Kind::Histogram,
        labels: &["account_id"],
    };
    static DECLARED: [&MetricSpec; 3] = [&GAUGE, &COUNTER, &HISTOGRAM];

    fn snapshot(closed: f64, counts: [u64; 3], sum: f64, skills: usize) -> Arc<Snapshot> {
        let mut b = SnapshotBuilder::new(&DECLARED);
        for s in 0..skills {
            b.add(&GAUGE, &["7", &format!("s{s}")], Some(s as f64 + 0.5))
                .unwrap();
        }
        b.add(&COUNTER, &["7"], Some(closed)).unwrap();
        let buckets = vec![
            (1.0, counts[0]),
            (10.0, counts[1]),
            (f64::INFINITY, counts[2]),
        ];
        b.add_histogram(&HISTOGRAM, &["7"], buckets, sum).unwrap();
        b.build()
    }

    fn published(snap: Arc<Snapshot>) -> Arc<Published> {
        Arc::new(Published {
            snapshots: vec![((0, "7".into(), "c"), snap)],
            ..Published::default()
        })
    }

    fn encoder(t: Temporality, limit: usize) -> Encoder {
        Encoder::new(
            &DECLARED,
            t,
            limit,
            &[("service.name".into(), "x".into())],
            ("scope", "1.0"),
        )
    }

    fn decode(r: &Request) -> ExportMetricsServiceRequest {
        ExportMetricsServiceRequest::decode(r.body.clone()).expect("valid protobuf")
    }

    fn text(v: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
        match v.as_ref().and_then(|v| v.value.as_ref()) {
            Some(Any::StringValue(s)) => s.clone(),
            Some(Any::BoolValue(b)) => b.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_request_decodes_to_every_series_with_its_attributes() {
        let mut e = encoder(Temporality::Cumulative, 100);
        let r = e.encode(published(snapshot(5.0, [1, 2, 3], 40.0, 3)), 2_000);
        let req = decode(&r);
        let rm = &req.resource_metrics[0];
        let res = &rm.resource.as_ref().unwrap().attributes;
        assert_eq!(
            (res[0].key.as_str(), text(&res[0].value)),
            ("service.name", "x".into())
        );
        let sm = &rm.scope_metrics[0];
        let scope = sm.scope.as_ref().unwrap();
        assert_eq!(
            (scope.name.as_str(), scope.version.as_str()),
            ("scope", "1.0")
        );
        assert_eq!(sm.metrics.len(), 3);

        let gauge = &sm.metrics[0];
        assert_eq!(
            (
                gauge.name.as_str(),
                gauge.unit.as_str(),
                gauge.description.as_str()
            ),
            ("liveperson.skill_queue_wait", "s", "Queue wait.")
        );
        let Some(Data::Gauge(g)) = &gauge.data else {
            panic!()
        };
        assert_eq!(g.data_points.len(), 3);
        let p = &g.data_points[2];
        let attrs: Vec<(String, String)> = p
            .attributes
            .iter()
            .map(|kv| (kv.key.clone(), text(&kv.value)))
            .collect();
        assert_eq!(
            attrs,
            [
                ("account_id".into(), "7".into()),
                ("skill".into(), "s2".into())
            ]
        );
        assert_eq!((p.start_time_unix_nano, p.time_unix_nano), (0, 2_000));
        assert_eq!(p.value, Some(Num::AsDouble(2.5)));

        let Some(Data::Sum(s)) = &sm.metrics[1].data else {
            panic!()
        };
        assert!(s.is_monotonic);
        assert_eq!(s.aggregation_temporality, CUMULATIVE as i32);
        assert_eq!(s.data_points[0].value, Some(Num::AsDouble(5.0)));
        assert_eq!(s.data_points[0].start_time_unix_nano, 2_000);

        let Some(Data::Histogram(h)) = &sm.metrics[2].data else {
            panic!()
        };
        assert_eq!(h.aggregation_temporality, CUMULATIVE as i32);
        let p = &h.data_points[0];
        assert_eq!(p.bucket_counts, [1, 2, 3]);
        assert_eq!(p.explicit_bounds, [1.0, 10.0]);
        assert_eq!((p.count, p.sum, p.min, p.max), (6, Some(40.0), None, None));
        // Exactly the bytes prost writes for the decoded message: nothing extra, nothing lost.
        assert_eq!(req.encode_to_vec(), r.body.to_vec());
    }

    #[test]
    fn deltas_are_growth_since_the_last_delivered_export() {
        let mut e = encoder(Temporality::Delta, 100);
        let first = e.encode(published(snapshot(5.0, [1, 2, 3], 40.0, 1)), 1_000);
        e.succeeded(&first);
        // Not delivered: the baseline stays at the first export.
        let lost = e.encode(published(snapshot(7.0, [1, 3, 3], 45.0, 1)), 2_000);
        drop(lost);
        let third = e.encode(published(snapshot(9.0, [2, 3, 3], 46.0, 1)), 3_000);
        let req = decode(&third);
        let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
        let Some(Data::Gauge(g)) = &metrics[0].data else {
            panic!()
        };
        assert_eq!(
            g.data_points[0].value,
            Some(Num::AsDouble(0.5)),
            "a gauge is its value"
        );
        let Some(Data::Sum(s)) = &metrics[1].data else {
            panic!()
        };
        assert_eq!(s.aggregation_temporality, DELTA as i32);
        let p = &s.data_points[0];
        assert_eq!(
            (p.value, p.start_time_unix_nano),
            (Some(Num::AsDouble(4.0)), 1_000)
        );
        let Some(Data::Histogram(h)) = &metrics[2].data else {
            panic!()
        };
        assert_eq!(h.data_points[0].bucket_counts, [1, 1, 0]);
        assert_eq!(h.data_points[0].sum, Some(6.0));
        e.succeeded(&third);
        // A counter that fell was reset: its whole value is the growth.
        let reset = e.encode(published(snapshot(2.0, [0, 0, 1], 3.0, 1)), 4_000);
        let req = decode(&reset);
        let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
        let Some(Data::Sum(s)) = &metrics[1].data else {
            panic!()
        };
        assert_eq!(s.data_points[0].value, Some(Num::AsDouble(2.0)));
        let Some(Data::Histogram(h)) = &metrics[2].data else {
            panic!()
        };
        assert_eq!(h.data_points[0].bucket_counts, [0, 0, 1]);
    }

    #[test]
    fn series_beyond_the_limit_merge_into_one_marked_point() {
        let mut e = encoder(Temporality::Cumulative, 2);
        let r = e.encode(published(snapshot(5.0, [1, 2, 3], 40.0, 5)), 1_000);
        assert_eq!(
            r.over_limit,
            BTreeMap::from([("liveperson.skill_queue_wait".into(), 3)])
        );
        let req = decode(&r);
        let Some(Data::Gauge(g)) = &req.resource_metrics[0].scope_metrics[0].metrics[0].data else {
            panic!()
        };
        assert_eq!(g.data_points.len(), 3);
        let last = &g.data_points[2];
        assert_eq!(last.attributes.len(), 1);
        assert_eq!(
            (
                last.attributes[0].key.as_str(),
                text(&last.attributes[0].value)
            ),
            (OVERFLOW, "true".into())
        );
        assert_eq!(
            last.value,
            Some(Num::AsDouble(4.5)),
            "the last merged value"
        );
    }
}

//! Snapshots encoded piece by piece: each family of a snapshot becomes one [`Piece`], its sample
//! lines in text form (the same lines in OpenMetrics and in Prometheus 0.0.4 text), their deflate
//! compression and their CRC-32. The exposition is assembled from pieces ([`super::exposition`]),
//! so a new snapshot costs the encoding of its own samples only.
//!
//! prometheus-client writes every line (escaping, number formats). A family's header (`# HELP`,
//! `# TYPE`, `# UNIT`) is split from its samples and kept once per family, in both formats: the
//! 0.0.4 header declares counters under their sample name (`x_total`) and has no `# UNIT`.
//!
//! Pieces are deflated with a full flush each, from a fresh dictionary: the deflate streams of
//! any sequence of pieces concatenate into one valid stream (as pigz does), so the gzip forms are
//! assembled too, never recompressed whole.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use flate2::{Compress, Compression, FlushCompress};
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit as PcUnit};

use super::catalogue::{Kind, MetricSpec};
use super::snapshot::{Family, Snapshot};

/// Some exposition text, ready in both encodings a scrape may ask for.
#[derive(Debug, Clone, Default)]
pub struct Piece {
    /// The text.
    pub plain: Bytes,
    /// The text as deflate blocks ending in a full flush (empty for empty text).
    pub deflated: Bytes,
    /// CRC-32 of the text (with its length), combinable with the pieces around it.
    pub crc: crc32fast::Hasher,
}

impl Piece {
    /// `text`, deflated and checksummed.
    pub fn new(text: String) -> Self {
        let mut crc = crc32fast::Hasher::new();
        crc.update(text.as_bytes());
        Self {
            deflated: deflate(text.as_bytes()),
            plain: Bytes::from(text),
            crc,
        }
    }
}

/// Deflate blocks for `data`, ending byte-aligned after a full flush, so they can be followed by
/// any other such blocks. Empty data gives no bytes.
fn deflate(data: &[u8]) -> Bytes {
    if data.is_empty() {
        return Bytes::new();
    }
    let mut c = Compress::new(Compression::fast(), false);
    let mut out = Vec::with_capacity(data.len() / 4 + 64);
    loop {
        let consumed = c.total_in() as usize;
        c.compress_vec(&data[consumed..], &mut out, FlushCompress::Full)
            .expect("deflate into memory");
        // Done once all input is in and the flush fitted (room left in the buffer).
        if c.total_in() as usize == data.len() && out.len() < out.capacity() {
            // Kept for as long as the piece is: without the room reserved for a worse ratio.
            out.shrink_to_fit();
            return Bytes::from(out);
        }
        out.reserve(out.capacity().max(4096));
    }
}

/// A family's header in both formats.
#[derive(Debug, Clone)]
pub struct Header {
    /// OpenMetrics: `# HELP`, `# TYPE` and, with a unit, `# UNIT`.
    pub openmetrics: Piece,
    /// Prometheus 0.0.4 text: `# HELP` and `# TYPE`, counters under their `_total` name.
    pub text: Piece,
}

impl Header {
    /// The header of `spec`'s family.
    pub fn of(spec: &'static MetricSpec) -> Self {
        let mut empty = Snapshot::default();
        empty.families.insert(
            spec.name,
            Family {
                spec,
                samples: Vec::new(),
                histograms: Vec::new(),
            },
        );
        let openmetrics = encode_family(Of(Arc::new(empty), spec.name));
        let text = to_prometheus_header(&openmetrics, spec.kind);
        Self {
            openmetrics: Piece::new(openmetrics),
            text: Piece::new(text),
        }
    }
}

/// A snapshot encoded: one piece per family, by family name (the order families are exposed in).
#[derive(Debug, Clone, Default)]
pub struct Encoded {
    /// Family name -> (its spec, its samples' piece).
    pub families: BTreeMap<&'static str, (&'static MetricSpec, Piece)>,
}

impl Encoded {
    /// Only the counter and histogram families: what stays of a failed collector once its gauges
    /// are too old (the pieces are shared, not copied).
    pub fn counters_only(&self) -> Encoded {
        Encoded {
            families: self
                .families
                .iter()
                .filter(|(_, (spec, _))| matches!(spec.kind, Kind::Counter | Kind::Histogram))
                .map(|(name, f)| (*name, f.clone()))
                .collect(),
        }
    }
}

/// Encodes every family of `snapshot`.
pub fn encode(snapshot: &Arc<Snapshot>) -> Encoded {
    Encoded {
        families: snapshot
            .families
            .values()
            .map(|f| {
                let text = encode_family(Of(snapshot.clone(), f.spec.name));
                // The sample lines follow the header lines, which all start with '#'.
                let samples_at = text
                    .split_inclusive('\n')
                    .take_while(|l| l.starts_with('#'))
                    .map(str::len)
                    .sum::<usize>();
                (
                    f.spec.family_name(),
                    (f.spec, Piece::new(text[samples_at..].to_string())),
                )
            })
            .collect(),
    }
}

/// Label names with one series' values.
fn pairs<'a>(names: &'static [&'static str], values: &'a [String]) -> Vec<(&'static str, &'a str)> {
    names
        .iter()
        .copied()
        .zip(values.iter().map(String::as_str))
        .collect()
}

/// Writes `family` with prometheus-client's encoder.
fn write_family(family: &Family, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
    let spec = family.spec;
    let unit = spec.unit.map(|u| PcUnit::Other(u.as_str().to_string()));
    // Info metrics go out as `x_info` gauges of value 1, the form every Prometheus version
    // (and promtool) reads in both formats. prometheus-client adds the unit and `_total`
    // itself, so it is given the base name.
    let (name, kind) = match spec.kind {
        Kind::Gauge => (spec.base_name(), MetricType::Gauge),
        Kind::Counter => (spec.base_name(), MetricType::Counter),
        Kind::Info => (spec.name, MetricType::Gauge),
        Kind::Histogram => (spec.base_name(), MetricType::Histogram),
    };
    let mut metric = encoder.encode_descriptor(name, spec.help, unit.as_ref(), kind)?;
    for s in &family.samples {
        let labels = pairs(spec.labels, &s.labels);
        match spec.kind {
            Kind::Gauge | Kind::Info => metric.encode_family(&labels)?.encode_gauge(&s.value)?,
            Kind::Counter => metric
                .encode_family(&labels)?
                .encode_counter::<NoLabelSet, f64, f64>(&s.value, None)?,
            Kind::Histogram => {}
        }
    }
    for h in &family.histograms {
        let labels = pairs(spec.labels, &h.labels);
        metric
            .encode_family(&labels)?
            .encode_histogram::<NoLabelSet>(h.sum, h.count(), &h.buckets, None)?;
    }
    Ok(())
}

/// A family of a snapshot, by name, as the registry wants it: `'static`, without a copy.
#[derive(Debug)]
struct Of(Arc<Snapshot>, &'static str);

impl prometheus_client::collector::Collector for Of {
    fn encode(&self, encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        match self.0.families.get(self.1) {
            Some(f) => write_family(f, encoder),
            None => Ok(()),
        }
    }
}

/// The OpenMetrics text of one family: its header, then its samples.
fn encode_family(family: Of) -> String {
    let lines = family.0.families.get(family.1).map_or(0, |f| {
        f.samples.len()
            + f.histograms
                .iter()
                .map(|h| h.buckets.len() + 2)
                .sum::<usize>()
    });
    // Sized ahead: a sample line is rarely longer than this.
    let mut out = String::with_capacity((lines + 3) * 96);
    let mut registry = Registry::default();
    registry.register_collector(Box::new(family));
    prometheus_client::encoding::text::encode_registry(&mut out, &registry)
        .expect("writing to a String");
    out
}

/// An OpenMetrics family header rewritten as Prometheus 0.0.4 text: counters are declared under
/// their sample names (`x_total`) and `# UNIT` lines go.
fn to_prometheus_header(openmetrics: &str, kind: Kind) -> String {
    let mut out = String::with_capacity(openmetrics.len() + 16);
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || !line.starts_with('#') {
            continue;
        }
        let prefix = &line[..7];
        let rest = &line[7..];
        let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        out.push_str(prefix);
        out.push_str(name);
        if kind == Kind::Counter {
            out.push_str("_total");
        }
        out.push(' ');
        out.push_str(tail);
        out.push('\n');
    }
    out
}

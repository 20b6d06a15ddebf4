//! Snapshots: the immutable result of one collection, as samples of declared metric families.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::catalogue::MetricSpec;

/// One sample: label values in the order of its spec's label names, and a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Label values.
    pub labels: Vec<String>,
    /// Value, finite.
    pub value: f64,
}

/// One histogram series: label values, per-bucket (not cumulative) counts by upper bound, the
/// last bound being `+Inf`, and the sum of observations.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSample {
    /// Label values.
    pub labels: Vec<String>,
    /// (upper bound, observations in this bucket only).
    pub buckets: Vec<(f64, u64)>,
    /// Sum of observations.
    pub sum: f64,
}

impl HistogramSample {
    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.1).sum()
    }
}

/// The samples of one family.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// What the family is.
    pub spec: &'static MetricSpec,
    /// Its samples (gauges, counters, info).
    pub samples: Vec<Sample>,
    /// Its histogram series.
    pub histograms: Vec<HistogramSample>,
}

impl Family {
    /// Number of samples (a histogram series has one per bucket, its sum and its count).
    fn series(&self) -> usize {
        self.samples.len()
            + self
                .histograms
                .iter()
                .map(|h| h.buckets.len() + 2)
                .sum::<usize>()
    }
}

/// The immutable output of one collection: families keyed by base name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Families by base name.
    pub families: BTreeMap<&'static str, Family>,
    /// How much of the collector's backfill is counted, 0 to 1; `None` without a backfill.
    pub backfill: Option<f64>,
}

impl Snapshot {
    /// Number of samples (series).
    pub fn series(&self) -> usize {
        self.families.values().map(Family::series).sum()
    }

    /// Number of samples of counters and histograms: the series of [`Snapshot::counters_only`],
    /// counted without building it.
    pub fn counter_series(&self) -> usize {
        use super::catalogue::Kind;
        self.families
            .values()
            .filter(|f| matches!(f.spec.kind, Kind::Counter | Kind::Histogram))
            .map(Family::series)
            .sum()
    }

    /// The histogram series of `spec` whose label values are `labels`, if any.
    pub fn histogram(&self, spec: &MetricSpec, labels: &[&str]) -> Option<&HistogramSample> {
        self.families.get(spec.name)?.histograms.iter().find(|h| {
            h.labels.len() == labels.len() && h.labels.iter().zip(labels).all(|(a, b)| a == b)
        })
    }

    /// The value of the sample of `spec` whose label values are `labels`, if any.
    pub fn value(&self, spec: &MetricSpec, labels: &[&str]) -> Option<f64> {
        self.families.get(spec.name)?.samples.iter().find_map(|s| {
            (s.labels.len() == labels.len() && s.labels.iter().zip(labels).all(|(a, b)| a == b))
                .then_some(s.value)
        })
    }

    /// The same snapshot without gauges and info metrics (what a failed collector keeps once
    /// its gauges are too old); counters and histograms stay.
    pub fn counters_only(&self) -> Snapshot {
        use super::catalogue::Kind;
        Snapshot {
            families: self
                .families
                .iter()
                .filter(|(_, f)| matches!(f.spec.kind, Kind::Counter | Kind::Histogram))
                .map(|(k, f)| (*k, f.clone()))
                .collect(),
            backfill: self.backfill,
        }
    }
}

/// A sample a collector tried to emit that breaks its declaration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// The spec is not among the collector's declared metrics.
    #[error("metric {0} is not declared by this collector")]
    Undeclared(&'static str),
    /// Wrong number of label values.
    #[error("metric {name}: {got} label values for {want} labels")]
    Arity {
        /// Metric.
        name: &'static str,
        /// Label values given.
        got: usize,
        /// Labels declared.
        want: usize,
    },
}

/// Drops every item whose labels an earlier item has, without copying any labels.
fn keep_first_of_each<T>(items: &mut Vec<T>, labels: impl Fn(&T) -> &Vec<String>) {
    let keep: Vec<bool> = {
        let mut seen = std::collections::HashSet::with_capacity(items.len());
        items.iter().map(|x| seen.insert(labels(x))).collect()
    };
    let mut keep = keep.into_iter();
    items.retain(|_| keep.next().unwrap_or(true));
}

/// Builds a snapshot, accepting only samples of declared specs with the declared labels.
///
/// Non-finite values (and the -1 "no data" values, which mappings turn into `None` before they get
/// here) produce no sample: an absent series, never an invented number.
#[derive(Debug)]
pub struct SnapshotBuilder {
    declared: &'static [&'static MetricSpec],
    snapshot: Snapshot,
}

impl SnapshotBuilder {
    /// A builder for a collector that declared `declared`.
    pub fn new(declared: &'static [&'static MetricSpec]) -> Self {
        Self {
            declared,
            snapshot: Snapshot::default(),
        }
    }

    fn family(
        &mut self,
        spec: &'static MetricSpec,
        labels: &[&str],
    ) -> Result<&mut Family, EmitError> {
        if !self.declared.iter().any(|d| std::ptr::eq(*d, spec)) {
            return Err(EmitError::Undeclared(spec.name));
        }
        if labels.len() != spec.labels.len() {
            return Err(EmitError::Arity {
                name: spec.name,
                got: labels.len(),
                want: spec.labels.len(),
            });
        }
        Ok(self
            .snapshot
            .families
            .entry(spec.name)
            .or_insert_with(|| Family {
                spec,
                samples: Vec::new(),
                histograms: Vec::new(),
            }))
    }

    /// Adds a sample; `None` or a non-finite value adds nothing.
    pub fn add(
        &mut self,
        spec: &'static MetricSpec,
        labels: &[&str],
        value: Option<f64>,
    ) -> Result<(), EmitError> {
        let family = self.family(spec, labels)?;
        if let Some(value) = value.filter(|v| v.is_finite()) {
            family.samples.push(Sample {
                labels: labels.iter().map(|s| s.to_string()).collect(),
                value,
            });
        }
        Ok(())
    }

    /// Adds a histogram series (`buckets` per bucket, ending with `+Inf`).
    pub fn add_histogram(
        &mut self,
        spec: &'static MetricSpec,
        labels: &[&str],
        buckets: Vec<(f64, u64)>,
        sum: f64,
    ) -> Result<(), EmitError> {
        self.family(spec, labels)?.histograms.push(HistogramSample {
            labels: labels.iter().map(|s| s.to_string()).collect(),
            buckets,
            sum,
        });
        Ok(())
    }

    /// Reports how much of the collector's backfill is counted (0 to 1).
    pub fn backfill(&mut self, done: f64) {
        self.snapshot.backfill = Some(done.clamp(0.0, 1.0));
    }

    /// The finished snapshot. A series added twice (an answer that lists a row twice) is kept
    /// once, with its first value, so an exposition never holds duplicate series.
    pub fn build(mut self) -> Arc<Snapshot> {
        for f in self.snapshot.families.values_mut() {
            keep_first_of_each(&mut f.samples, |s| &s.labels);
            keep_first_of_each(&mut f.histograms, |h| &h.labels);
        }
        Arc::new(self.snapshot)
    }
}

//! One label vocabulary: every label of every metric is in `metrics::vocabulary`, every value the
//! collectors emit over three simulated hours (every collector, every opt-in, both agent-activity
//! levels) is one its vocabulary entry admits, and a value two label names share means the same
//! under both (it comes from one shared set, as `closed_by` and `resolved_by` share the actors),
//! unless it is a declared homonym. The README's label table is the vocabulary rendered (regenerate with
//! `UPDATE_README=1 cargo test -p liveperson-exporter vocabulary`).

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{exporter_config, one_collector};
use liveperson_exporter::collectors::REGISTRY;
use liveperson_exporter::metrics::catalogue::{Kind, MetricSpec};
use liveperson_exporter::metrics::snapshot::Snapshot;
use liveperson_exporter::metrics::vocabulary::{self, HOMONYMS, LABELS, Values};
use liveperson_exporter::self_metrics;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig};

const HOUR: i64 = 3_600_000;
const BEGIN: &str = "<!-- labels-table:begin (generated from metrics::vocabulary by crates/liveperson-exporter/tests/vocabulary.rs) -->\n";
const END: &str = "<!-- labels-table:end -->";

fn every_spec() -> impl Iterator<Item = &'static MetricSpec> {
    REGISTRY
        .iter()
        .flat_map(|e| e.metrics.iter().copied())
        .chain(self_metrics::ALL.iter().copied())
}

#[test]
fn every_label_name_is_in_the_vocabulary_and_every_entry_is_used() {
    let mut used = BTreeSet::new();
    for spec in every_spec() {
        for l in spec.labels {
            assert!(
                vocabulary::label(l).is_some(),
                "{}: label {l} is not in metrics::vocabulary",
                spec.name
            );
            used.insert(*l);
        }
        if spec.kind == Kind::Histogram {
            used.insert("le");
        }
    }
    for l in LABELS {
        assert!(
            used.contains(l.name),
            "vocabulary entry {} is unused",
            l.name
        );
    }
    let names: BTreeSet<_> = LABELS.iter().map(|l| l.name).collect();
    assert_eq!(names.len(), LABELS.len(), "a label name declared twice");
}

#[test]
fn closed_values_are_snake_case_and_a_shared_value_comes_from_one_shared_set() {
    let snake = |v: &str| {
        v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
    };
    let mut owners: BTreeMap<&str, Vec<(&str, Vec<&str>)>> = BTreeMap::new();
    for l in LABELS {
        let Some(set) = l.values.closed() else {
            continue;
        };
        for v in &set {
            assert!(snake(v), "{}: value {v:?} is not snake_case", l.name);
            owners.entry(v).or_default().push((l.name, set.clone()));
        }
    }
    let homonym = |v: &str| HOMONYMS.iter().any(|(h, _)| *h == v);
    for (v, labels) in owners.into_iter().filter(|(v, _)| !homonym(v)) {
        let (first, set) = &labels[0];
        for (other, other_set) in &labels[1..] {
            assert_eq!(
                set, other_set,
                "value {v:?} means something under {first} and something else under {other}"
            );
        }
    }
}

/// Every sample's (label, value) pairs, with the metric it came from.
fn label_values(s: &Snapshot, out: &mut BTreeMap<(String, String), String>) {
    for f in s.families.values() {
        let series = f
            .samples
            .iter()
            .map(|x| &x.labels)
            .chain(f.histograms.iter().map(|h| &h.labels));
        for labels in series {
            for (name, value) in f.spec.labels.iter().zip(labels) {
                out.entry((name.to_string(), value.clone()))
                    .or_insert_with(|| f.spec.name.to_string());
            }
        }
    }
}

#[tokio::test]
async fn every_emitted_label_value_is_one_its_vocabulary_entry_admits() {
    let mut cfg = SimConfig::for_tests(41);
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * HOUR);
    cfg.timing.nht_delay_ms = HOUR / 2;
    let sim = simulator::start(cfg).await.expect("simulator");
    let xc = exporter_config(&sim);
    let mut by_group = xc.clone();
    by_group.accounts[0]
        .collectors
        .get_mut("agent_activity")
        .unwrap()["by"] = "agent_group".into();
    let mut collectors: Vec<_> = REGISTRY
        .iter()
        .map(|e| one_collector(&sim, &xc, e.name))
        .collect();
    collectors.push(one_collector(&sim, &by_group, "agent_activity"));

    let clock = sim.clock().unwrap().clone();
    let mut seen = BTreeMap::new();
    for step in 0..7 {
        if step > 0 {
            clock.advance(HOUR / 2);
        }
        for c in &mut collectors {
            label_values(&*c.run().await, &mut seen);
        }
    }
    let mut names = BTreeSet::new();
    for ((name, value), metric) in &seen {
        let entry = vocabulary::label(name)
            .unwrap_or_else(|| panic!("{metric}: label {name} is not in the vocabulary"));
        assert!(
            entry.values.admits(value),
            "{metric}: {name}={value:?} is not a value of {name} ({:?})",
            entry.values
        );
        names.insert(name.as_str());
    }
    // The run covered the labels that carry meaning, not just the ids.
    for name in [
        "status",
        "status_reason_id",
        "state",
        "closed_by",
        "resolved_by",
        "interactive",
        "percentile",
        "end_reason",
        "handle_time_model",
        "grouping",
    ] {
        assert!(names.contains(name), "no series with {name} was emitted");
    }
    assert!(
        matches!(
            vocabulary::label("status").unwrap().values,
            Values::Closed(v) if v.contains(&"back_soon")
        ),
        "agent statuses are KMM's"
    );
}

#[test]
fn the_readme_label_table_is_current() {
    crate::support::readme_section_is(
        BEGIN,
        END,
        &vocabulary::render_markdown_table(),
        "UPDATE_README=1 cargo test -p liveperson-exporter vocabulary",
    );
}

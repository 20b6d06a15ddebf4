//! The metric catalogue: naming rules hold, names are unique, and the README's metrics table is
//! the catalogue rendered (regenerate with `UPDATE_README=1 cargo test -p liveperson-exporter catalogue`).

use std::collections::BTreeSet;

use liveperson_exporter::collectors::REGISTRY;
use liveperson_exporter::metrics::catalogue::{MetricSpec, naming_problems, render_markdown_table};
use liveperson_exporter::self_metrics;

const BEGIN: &str = "<!-- metrics-table:begin (generated from the catalogue by crates/liveperson-exporter/tests/catalogue.rs) -->\n";
const END: &str = "<!-- metrics-table:end -->";

fn groups() -> Vec<(&'static str, &'static [&'static MetricSpec])> {
    let mut g: Vec<(&str, &[&MetricSpec])> = REGISTRY.iter().map(|e| (e.name, e.metrics)).collect();
    g.push(("exporter (self)", self_metrics::ALL));
    g
}

#[test]
fn every_metric_follows_the_naming_rules_and_names_are_unique() {
    let mut names = BTreeSet::new();
    for (_, specs) in groups() {
        for s in specs {
            assert_eq!(naming_problems(s), Vec::<String>::new());
            assert!(
                names.insert(s.exposed_name()),
                "{} declared twice",
                s.exposed_name()
            );
        }
    }
    assert!(names.len() > 50);
}

/// Every source file of the exporter library, concatenated.
fn source_text(dir: &std::path::Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_text(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn every_metric_name_is_written_out_in_the_source() {
    // So that a name seen on a dashboard, in an alert or in the README is found by grep.
    let mut text = String::new();
    source_text(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut text,
    );
    for (_, specs) in groups() {
        for s in specs {
            assert!(
                text.contains(&format!("\"{}\"", s.name)),
                "{} is not written out in src/",
                s.name
            );
        }
    }
}

#[test]
fn the_readme_metrics_table_is_current() {
    crate::support::readme_section_is(
        BEGIN,
        END,
        &render_markdown_table(&groups()),
        "UPDATE_README=1 cargo test -p liveperson-exporter catalogue",
    );
}

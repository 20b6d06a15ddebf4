//! The Prometheus rules in `config/alerts/`: `promtool check rules` accepts them, `promtool test
//! rules` passes, every alert has a test where it fires and one where it stays silent, and every
//! `liveperson_` metric they read is in the catalogue.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use figment::Figment;
use figment::providers::{Format, Yaml};
use serde_json::Value;

fn alerts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/alerts")
}

fn yaml(name: &str) -> Value {
    Figment::from(Yaml::file_exact(alerts_dir().join(name)))
        .extract()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn promtool(args: &[&str]) {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(alerts_dir())
        .output()
        .expect("promtool is installed: apt-get install -y prometheus");
    assert!(
        out.status.success(),
        "promtool {args:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn promtool_checks_and_tests_the_rules() {
    promtool(&["check", "rules", "liveperson.rules.yml"]);
    promtool(&["test", "rules", "liveperson.rules.test.yml"]);
}

#[test]
fn every_alert_is_tested_firing_and_silent() {
    let rules = yaml("liveperson.rules.yml");
    let alerts: BTreeSet<String> = rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .filter_map(|r| r["alert"].as_str().map(String::from))
        .collect();
    assert!(alerts.len() >= 7, "{alerts:?}");
    let tests = yaml("liveperson.rules.test.yml");
    let cases: Vec<(String, bool)> = tests["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["alert_rule_test"].as_array().unwrap())
        .map(|c| {
            let fires = c["exp_alerts"].as_array().is_some_and(|a| !a.is_empty());
            (c["alertname"].as_str().unwrap().to_string(), fires)
        })
        .collect();
    for alert in &alerts {
        for fires in [true, false] {
            assert!(
                cases.contains(&(alert.clone(), fires)),
                "{alert}: no test where it {}",
                if fires { "fires" } else { "stays silent" }
            );
        }
        let runbook = std::fs::read_to_string(alerts_dir().join("README.md")).unwrap();
        assert!(
            runbook.contains(&format!("### {alert}")),
            "{alert}: no runbook section in config/alerts/README.md"
        );
    }
}

#[test]
fn every_metric_the_rules_read_is_in_the_catalogue() {
    let text = std::fs::read_to_string(alerts_dir().join("liveperson.rules.yml")).unwrap();
    let declared: BTreeSet<String> = liveperson_exporter::otlp::all_specs()
        .iter()
        .flat_map(|s| {
            let n = s.exposed_name();
            [
                n.clone(),
                format!("{n}_bucket"),
                format!("{n}_sum"),
                format!("{n}_count"),
            ]
        })
        .collect();
    let mut read = BTreeSet::new();
    for (i, _) in text.match_indices("liveperson_") {
        // Recording rules (`liveperson:...`) are not metrics; a name starts at a word boundary.
        if i > 0 && text.as_bytes()[i - 1].is_ascii_alphanumeric() {
            continue;
        }
        let name: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        read.insert(name);
    }
    assert!(read.len() >= 8, "{read:?}");
    for name in read {
        assert!(declared.contains(&name), "{name} is not in the catalogue");
    }
}

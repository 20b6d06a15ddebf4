//! The Prometheus rules in `config/alerts/`: `promtool check rules` accepts them, `promtool test
//! rules` passes, every alert has a test where it fires and one where it stays silent, and the
//! Grafana-managed copy in `dashboards/provisioning/alerting/` has the same alerts: queries,
//! thresholds, pending periods, labels and annotations. (tests/dashboards.rs checks the metric
//! names against the catalogue.)

use std::collections::{BTreeMap, BTreeSet};
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
fn every_runbook_url_is_an_absolute_link_to_its_runbook_section_under_the_charts_base() {
    let values: Value = Figment::from(Yaml::file_exact(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("helm/liveperson-exporter/values.yaml"),
    ))
    .extract()
    .unwrap();
    let base = values["prometheusRule"]["runbookBaseURL"].as_str().unwrap();
    assert!(base.starts_with("https://"), "{base}");
    let runbooks = std::fs::read_to_string(alerts_dir().join("README.md")).unwrap();
    let rules = yaml("liveperson.rules.yml");
    let mut n = 0;
    for r in rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
    {
        let Some(alert) = r["alert"].as_str() else {
            continue;
        };
        let url = r["annotations"]["runbook_url"].as_str().unwrap();
        assert_eq!(url, format!("{base}#{}", alert.to_lowercase()), "{alert}");
        // The fragment is the anchor GitHub gives the alert's heading.
        assert!(runbooks.contains(&format!("\n### {alert}\n")), "{alert}");
        n += 1;
    }
    assert!(n >= 7);
    // And every alert has its switch in the chart's values.
    let switches: BTreeSet<&str> = values["prometheusRule"]["alerts"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let alerts: BTreeSet<&str> = rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .filter_map(|r| r["alert"].as_str())
        .collect();
    assert_eq!(switches, alerts, "helm values prometheusRule.alerts");
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

/// Whitespace carries no meaning in PromQL.
fn compact(s: &str) -> String {
    s.split_whitespace().collect()
}

#[test]
fn grafana_alerts_match_the_prometheus_alerts() {
    let rules: Vec<Value> = yaml("liveperson.rules.yml")["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().clone())
        .collect();
    let records: BTreeMap<String, String> = rules
        .iter()
        .filter_map(|r| Some((r["record"].as_str()?.into(), r["expr"].as_str()?.into())))
        .collect();
    let grafana: Value = Figment::from(Yaml::file_exact(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("dashboards/provisioning/alerting/liveperson-alerts.yaml"),
    ))
    .extract()
    .unwrap();
    let grafana: BTreeMap<String, Value> = grafana["groups"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["title"].as_str().unwrap().to_string(), r.clone()))
        .collect();
    // Grafana provisioning reads `$$` as `$`; its `$values.B.Value` is Prometheus' `$value`.
    let unescape = |v: &Value| -> Value {
        serde_json::from_str(
            &v.to_string()
                .replace("$$", "$")
                .replace("$values.B.Value", "$value"),
        )
        .unwrap()
    };
    let alerts: Vec<&Value> = rules.iter().filter(|r| r["alert"].is_string()).collect();
    assert_eq!(alerts.len(), grafana.len());
    for alert in alerts {
        let name = alert["alert"].as_str().unwrap();
        let g = grafana
            .get(name)
            .unwrap_or_else(|| panic!("{name} not in Grafana"));
        assert_eq!(g["for"], alert["for"], "{name}");
        assert_eq!(g["labels"], alert["labels"], "{name}");
        assert_eq!(unescape(&g["annotations"]), alert["annotations"], "{name}");
        assert_eq!(g["condition"], "C", "{name}");
        // Query A, with the recording rules Grafana spells out folded back, then the threshold.
        let mut query = compact(g["data"][0]["model"]["expr"].as_str().unwrap());
        for (record, expr) in &records {
            query = query.replace(&format!("({})", compact(expr)), record);
        }
        let expr = compact(alert["expr"].as_str().unwrap());
        let rest = expr
            .strip_prefix(&query)
            .unwrap_or_else(|| panic!("{name}: Grafana asks {query}, Prometheus {expr}"));
        let evaluator = &g["data"][2]["model"]["conditions"][0]["evaluator"];
        let (op, threshold) = rest.split_at(1);
        assert_eq!(
            evaluator["type"],
            if op == ">" { "gt" } else { "lt" },
            "{name}"
        );
        let threshold = threshold.trim_start_matches("on()group_left()");
        let value: f64 = match records.get(threshold) {
            Some(v) => v
                .trim_start_matches("vector(")
                .trim_end_matches(')')
                .parse()
                .unwrap(),
            None => threshold.parse().unwrap(),
        };
        assert_eq!(evaluator["params"][0].as_f64(), Some(value), "{name}");
    }
}

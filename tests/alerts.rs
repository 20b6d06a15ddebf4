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
fn both_rule_files_say_what_alerts_yaml_says() {
    // The one source: each alert's query, comparison and threshold, and its texts.
    let source = yaml("alerts.yaml");
    let thresholds = &source["thresholds"];
    let records = &source["records"];
    let prometheus: Vec<Value> = yaml("liveperson.rules.yml")["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().clone())
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
    for (name, t) in thresholds.as_object().unwrap() {
        let record = format!("liveperson:threshold:{name}");
        let rule = prometheus.iter().find(|r| r["record"] == record.as_str());
        let want = format!("vector({})", t["value"]);
        assert_eq!(
            rule.and_then(|r| r["expr"].as_str()),
            Some(want.as_str()),
            "{record}"
        );
    }
    let alerts = source["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), grafana.len());
    for a in alerts {
        let name = a["name"].as_str().unwrap();
        let p = prometheus
            .iter()
            .find(|r| r["alert"] == name)
            .unwrap_or_else(|| panic!("{name} not in liveperson.rules.yml"));
        let g = grafana
            .get(name)
            .unwrap_or_else(|| panic!("{name} not in Grafana"));
        let (above, compare) = match (a.get("above"), a.get("below")) {
            (Some(c), None) => (true, c),
            (None, Some(c)) => (false, c),
            _ => panic!("{name}: above or below"),
        };
        let value = match compare.get("threshold") {
            Some(t) => thresholds[t.as_str().unwrap()]["value"].as_f64().unwrap(),
            None => compare["value"].as_f64().unwrap(),
        };
        let (query, prometheus_query) = match a["query"].get("record") {
            Some(r) => {
                let r = r.as_str().unwrap();
                (
                    compact(records[r].as_str().unwrap()),
                    format!("liveperson:{r}"),
                )
            }
            None => {
                let q = a["query"].as_str().unwrap();
                (compact(q), compact(q))
            }
        };
        // Prometheus: the query, then the comparison with the threshold's record or the value.
        let expr = compact(p["expr"].as_str().unwrap());
        let op = if above { ">" } else { "<" };
        let right = match compare.get("threshold") {
            Some(t) => format!(
                "on()group_left()liveperson:threshold:{}",
                t.as_str().unwrap()
            ),
            None => format!("{}", compare["value"]),
        };
        assert!(
            expr == format!("{prometheus_query}{op}{right}")
                || expr == format!("({prometheus_query}){op}{right}"),
            "{name}: {expr}"
        );
        // Grafana: the same query (a record spelt out), reduced, compared with the number.
        assert_eq!(
            compact(g["data"][0]["model"]["expr"].as_str().unwrap()),
            query,
            "{name}"
        );
        assert_eq!(g["condition"], "C", "{name}");
        let evaluator = &g["data"][2]["model"]["conditions"][0]["evaluator"];
        assert_eq!(evaluator["type"], if above { "gt" } else { "lt" }, "{name}");
        assert_eq!(evaluator["params"][0].as_f64(), Some(value), "{name}");
        // Texts, labels and the pending period, alike in both.
        for r in [p, g] {
            assert_eq!(r["for"], a["for"], "{name}");
            assert_eq!(r["labels"]["severity"], a["severity"], "{name}");
        }
        let ga = unescape(&g["annotations"]);
        for key in ["summary", "description"] {
            assert_eq!(p["annotations"][key], a[key], "{name} {key}");
            assert_eq!(ga[key], a[key], "{name} {key}");
        }
        assert_eq!(ga["runbook_url"], p["annotations"]["runbook_url"], "{name}");
    }
}

//! The Grafana dashboards in `dashboards/` and the Grafana-managed alerts beside them:
//! - `scripts/grafana.py --check` finds them up to date with their source;
//! - they validate against Grafana's dashboard schema, generated from npm `@grafana/schema` by
//!   `ts-json-schema-generator` and checked with `check-jsonschema` (and a broken copy does not);
//! - they keep the house rules: `datasource`, `account_id` and `skill` variables, no hard-coded
//!   data source, a description on every panel, units, links between the dashboards;
//! - every `liveperson_` metric a dashboard or rule reads is in the catalogue;
//! - against the demo at speed 60, scraped by a real Prometheus that loads the rules, every panel
//!   query of every dashboard returns at least one series, with the variables set to "All" and to
//!   the first account and skill their own queries return.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use figment::Figment;
use figment::providers::{Format, Yaml};
use serde_json::Value;

use crate::support::KillOnDrop;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dashboard_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("dashboards"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn dashboards() -> Vec<(String, Value)> {
    dashboard_files()
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, v)
        })
        .collect()
}

fn grafana_alerts() -> Value {
    Figment::from(Yaml::file_exact(
        root().join("dashboards/provisioning/alerting/liveperson-alerts.yaml"),
    ))
    .extract()
    .unwrap()
}

/// Every panel, rows' nested panels included.
fn panels(d: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for p in d["panels"].as_array().unwrap() {
        out.push(p);
        if let Some(nested) = p["panels"].as_array() {
            out.extend(nested);
        }
    }
    out
}

fn run(cmd: &mut Command, what: &str) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("{what} could not start ({e}); see .ci/run for the install"))
}

fn output_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn generated_grafana_files_are_up_to_date() {
    let o = run(
        Command::new("python3")
            .arg("scripts/grafana.py")
            .arg("--check")
            .current_dir(root()),
        "python3 scripts/grafana.py (needs PyYAML)",
    );
    assert!(o.status.success(), "{}", output_text(&o));
}

#[test]
fn dashboards_validate_against_grafana_schema() {
    let node = root().join("scripts/node-tools");
    let generator = node.join("node_modules/.bin/ts-json-schema-generator");
    assert!(
        generator.exists(),
        "run `npm ci --prefix scripts/node-tools` (scripts/test.sh does)"
    );
    let tmp = tempdir("schema");
    let schema = tmp.join("dashboard.schema.json");
    let o = run(
        Command::new(&generator)
            .args([
                "--path",
                "node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts",
                "--type",
                "Dashboard",
                "-o",
            ])
            .arg(&schema)
            .current_dir(&node),
        "ts-json-schema-generator",
    );
    assert!(o.status.success(), "{}", output_text(&o));

    let files = dashboard_files();
    assert_eq!(files.len(), 5, "{files:?}");
    let check = |files: &[PathBuf]| {
        run(
            Command::new("check-jsonschema")
                .arg("--schemafile")
                .arg(&schema)
                .args(files),
            "check-jsonschema (pip install check-jsonschema)",
        )
    };
    let o = check(&files);
    assert!(o.status.success(), "{}", output_text(&o));

    // The check bites: a misspelt panel key and a string schemaVersion are rejected.
    let (_, mut broken) = dashboards().remove(0);
    broken["schemaVersion"] = Value::from("42");
    broken["panels"][1]["gridPoss"] = broken["panels"][1]["gridPos"].clone();
    let bad = tmp.join("broken.json");
    std::fs::write(&bad, broken.to_string()).unwrap();
    let o = check(std::slice::from_ref(&bad));
    let text = output_text(&o);
    assert!(!o.status.success(), "{text}");
    assert!(text.contains("schemaVersion"), "{text}");
    assert!(text.contains("gridPoss"), "{text}");

    // "Current schema": the version Grafana's own default dashboard has in this package.
    let defaults =
        std::fs::read_dir(node.join("node_modules/@grafana/schema/dist/esm/raw/dashboard/x"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
            .find_map(|text| {
                let i = text.find("schemaVersion: ")?;
                text[i + 15..]
                    .split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .expect("defaultDashboard.schemaVersion in @grafana/schema");
    for (name, d) in dashboards() {
        assert_eq!(d["schemaVersion"], defaults, "{name}");
    }
}

#[test]
fn the_provisioned_data_source_leaves_an_existing_default_alone() {
    let text =
        std::fs::read_to_string(root().join("dashboards/provisioning/datasources/prometheus.yaml"))
            .unwrap();
    let doc: Value = Figment::from(Yaml::string(&text)).extract().unwrap();
    assert_eq!(doc["datasources"][0]["isDefault"], false, "{text}");
}

#[test]
fn dashboards_keep_the_house_rules() {
    let all = dashboards();
    let uids: BTreeSet<String> = all
        .iter()
        .map(|(_, d)| d["uid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(uids.len(), all.len(), "unique uids");
    for (name, d) in &all {
        let vars: BTreeMap<&str, &Value> = d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["name"].as_str().unwrap(), v))
            .collect();
        assert_eq!(vars["datasource"]["type"], "datasource", "{name}");
        assert_eq!(vars["datasource"]["query"], "prometheus", "{name}");
        for var in ["job", "instance", "account_id"] {
            let query = vars[var]["query"]["query"].as_str().unwrap();
            assert!(query.starts_with("label_values("), "{name} {var}: {query}");
        }
        // Skills and agent groups are picked by name and filter by id: the query's result
        // gives both, the regex takes the name as the text and the id as the value.
        for (var, id) in [("skill", "skill_id"), ("agent_group", "agent_group_id")] {
            let query = vars[var]["query"]["query"].as_str().unwrap();
            assert!(query.starts_with("query_result("), "{name} {var}: {query}");
            let regex = vars[var]["regex"].as_str().unwrap();
            assert!(
                regex.contains(&format!("{id}=\"(?<value>")) && regex.contains("name=\"(?<text>"),
                "{name} {var}: {regex}"
            );
        }
        // No data source is named by uid: everything goes through the variable.
        let text = d.to_string();
        for (i, _) in text.match_indices("\"uid\":\"") {
            let uid: String = text[i + 7..].chars().take_while(|c| *c != '"').collect();
            assert!(
                uid == "${datasource}" || uid == "-- Grafana --" || uids.contains(&uid),
                "{name}: hard-coded uid {uid}"
            );
        }
        assert!(
            d["links"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["type"] == "dashboards" && l["tags"][0] == "liveperson"),
            "{name}: no links to the other dashboards"
        );
        let mut ids = BTreeSet::new();
        for p in panels(d) {
            let title = p["title"].as_str().unwrap();
            assert!(
                ids.insert(p["id"].as_u64().unwrap()),
                "{name}: id of {title}"
            );
            let pos = &p["gridPos"];
            assert!(
                pos["x"].as_u64().unwrap() + pos["w"].as_u64().unwrap() <= 24,
                "{name}: {title}"
            );
            if p["type"] == "row" {
                continue;
            }
            assert!(
                p["description"].as_str().is_some_and(|s| s.len() > 20),
                "{name}: {title} has no description"
            );
            assert!(
                !p["targets"].as_array().unwrap().is_empty(),
                "{name}: {title}"
            );
            if matches!(p["type"].as_str(), Some("timeseries" | "gauge")) {
                assert!(
                    p["fieldConfig"]["defaults"]["unit"].is_string(),
                    "{name}: {title} has no unit"
                );
            }
            for link in p["links"].as_array().into_iter().flatten() {
                let url = link["url"].as_str().unwrap();
                let uid = url.trim_start_matches("/d/").split('?').next().unwrap();
                assert!(uids.contains(uid), "{name}: {title} links to {url}");
            }
        }
    }
}

/// The `liveperson_` metric names in a text (recording rules, `liveperson:...`, are not metrics).
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, _) in text.match_indices("liveperson_") {
        if i > 0 && text.as_bytes()[i - 1].is_ascii_alphanumeric() {
            continue;
        }
        let name: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        names.insert(name);
    }
    names
}

#[test]
fn every_metric_the_dashboards_and_rules_read_is_in_the_catalogue() {
    let declared: BTreeSet<String> = liveperson_exporter::otlp::all_specs()
        .iter()
        .flat_map(|s| {
            let n = s.exposed_name().to_string();
            [
                n.clone(),
                format!("{n}_bucket"),
                format!("{n}_sum"),
                format!("{n}_count"),
            ]
        })
        .collect();
    let mut sources: Vec<(String, String)> = dashboards()
        .into_iter()
        .map(|(name, d)| {
            // Only queries: descriptions may name things that are not metrics.
            let exprs: Vec<String> = panels(&d)
                .iter()
                .flat_map(|p| p["targets"].as_array().into_iter().flatten())
                .map(|t| t["expr"].as_str().unwrap().to_string())
                .chain(
                    d["templating"]["list"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|v| v["query"]["query"].as_str().map(String::from)),
                )
                .collect();
            (name, exprs.join("\n"))
        })
        .collect();
    sources.push((
        "config/alerts/liveperson.rules.yml".into(),
        std::fs::read_to_string(root().join("config/alerts/liveperson.rules.yml")).unwrap(),
    ));
    sources.push((
        "dashboards/provisioning/alerting/liveperson-alerts.yaml".into(),
        std::fs::read_to_string(
            root().join("dashboards/provisioning/alerting/liveperson-alerts.yaml"),
        )
        .unwrap(),
    ));
    for (source, text) in sources {
        let read = metric_names(&text);
        assert!(read.len() >= 5, "{source}: {read:?}");
        for name in read {
            // A regex prefix (`{__name__=~"liveperson_skill_.+"}`) must match declared metrics.
            let known = declared.contains(&name)
                || (name.ends_with('_') && declared.iter().any(|d| d.starts_with(&name)));
            assert!(known, "{source}: {name} is not in the catalogue");
        }
    }
}

// ------------------------------------------------------------------------------------------
// Every panel query against a real Prometheus scraping the demo
// ------------------------------------------------------------------------------------------

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "liveperson-dashboards-{tag}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Sets a panel query's variables the way Grafana would for this scrape interval (1 s); job,
/// instance and agent group are "All".
fn substitute(expr: &str, account: &str, skill: &str) -> String {
    expr.replace("$__rate_interval", "1m")
        .replace("$__range", "5m")
        .replace("$__interval", "15s")
        .replace("$account_id", account)
        .replace("$skill", skill)
        .replace("$job", ".*")
        .replace("$instance", ".*")
        .replace("$agent_group", ".*")
}

struct Prom {
    http: reqwest::Client,
    base: String,
}

impl Prom {
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .query(query)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap()
    }

    /// Series a query returns (`None` with the error when Prometheus rejects it).
    async fn series(&self, expr: &str, range: bool) -> Result<usize, String> {
        let now = chrono::Utc::now().timestamp();
        let (start, end) = ((now - 60).to_string(), now.to_string());
        let v = if range {
            self.get(
                "/api/v1/query_range",
                &[
                    ("query", expr),
                    ("start", &start),
                    ("end", &end),
                    ("step", "5"),
                ],
            )
            .await
        } else {
            self.get("/api/v1/query", &[("query", expr)]).await
        };
        if v["status"] != "success" {
            return Err(v.to_string());
        }
        Ok(v["data"]["result"].as_array().map_or(0, Vec::len))
    }

    async fn scalar(&self, expr: &str) -> Option<f64> {
        let v = self.get("/api/v1/query", &[("query", expr)]).await;
        v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }

    /// Values of a `query_result(expr)` variable query whose regex takes `label` as the value.
    async fn result_values(&self, query: &str, label: &str) -> Vec<String> {
        let expr = query
            .strip_prefix("query_result(")
            .and_then(|q| q.strip_suffix(')'))
            .unwrap();
        let v = self.get("/api/v1/query", &[("query", expr)]).await;
        v["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["metric"][label].as_str().map(String::from))
            .collect()
    }

    /// Values of a `label_values(selector, label)` variable query.
    async fn label_values(&self, query: &str) -> Vec<String> {
        let inner = query
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .unwrap();
        let (selector, label) = inner.rsplit_once(',').unwrap();
        let v = self
            .get(
                &format!("/api/v1/label/{}/values", label.trim()),
                &[("match[]", selector.trim())],
            )
            .await;
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }
}

/// An OTLP/HTTP receiver that accepts every export, so the demo's OTLP self metrics have data.
async fn otlp_sink() -> String {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/v1/metrics",
        post(|| async {
            (
                [("content-type", "application/x-protobuf")],
                Vec::<u8>::new(),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn start_demo(otlp: &str) -> (KillOnDrop, String) {
    let (child, start) = crate::support::spawn_demo(
        Command::new(env!("CARGO_BIN_EXE_liveperson-exporter"))
            // A weekday afternoon: the simulated contact center is busy, whatever time CI runs at.
            .args(["demo", "--listen", "127.0.0.1:0", "--speed", "60", "--otlp"])
            .args(["--start", "2026-11-17T14:00:00Z"])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlp)
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .env("OTEL_METRIC_EXPORT_INTERVAL", "1000")
            .env("RUST_LOG", "warn"),
    );
    let target = start["exporter"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .to_string();
    (KillOnDrop(child), target)
}

/// Prometheus scraping `target` every second, evaluating the rules file every second.
fn start_prometheus(target: &str, dir: &Path) -> (KillOnDrop, String) {
    let rules = root().join("config/alerts/liveperson.rules.yml");
    crate::support::start_prometheus(
        dir,
        &format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
             rule_files: [{rules:?}]\n\
             scrape_configs:\n  - job_name: liveperson\n    static_configs: [{{targets: [\"{target}\"]}}]\n"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_query_returns_series_from_a_real_prometheus() {
    liveperson_exporter::liveperson::install_tls_provider();
    let dir = tempdir("prometheus");
    let otlp = otlp_sink().await;
    let (_demo, target) = start_demo(&otlp);
    let (_prometheus, base) = start_prometheus(&target, &dir);
    let prom = Prom {
        http: reqwest::Client::new(),
        base,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !prom
        .http
        .get(format!("{}/-/ready", prom.base))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "Prometheus never became ready");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Enough samples: every collector of the demo succeeded, the rules evaluate, OTLP delivered,
    // and Prometheus holds 20 scrapes (rate windows of 1m need two).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let collectors_up = prom
            .scalar("count(liveperson_exporter_collector_up == 1)")
            .await;
        let scrapes = prom
            .scalar(r#"count_over_time(up{job="liveperson"}[5m])"#)
            .await;
        let otlp_ok = prom
            .scalar(r#"liveperson_exporter_otlp_exports_total{result="success"}"#)
            .await;
        let thresholds = prom.scalar("liveperson:threshold:agent_load_ratio").await;
        if collectors_up == Some(8.0)
            && scrapes.is_some_and(|n| n >= 20.0)
            && otlp_ok.is_some_and(|n| n > 0.0)
            && thresholds.is_some()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready: collectors up {collectors_up:?}, scrapes {scrapes:?}, OTLP {otlp_ok:?}, rules {thresholds:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let rules = prom.get("/api/v1/rules", &[]).await;
    for group in rules["data"]["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            assert_eq!(rule["health"], "ok", "{rule}");
        }
    }

    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, d) in dashboards() {
        let vars: BTreeMap<String, String> = d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| {
                Some((
                    v["name"].as_str()?.into(),
                    v["query"]["query"].as_str()?.into(),
                ))
            })
            .collect();
        for var in ["job", "instance"] {
            let values = prom.label_values(&substitute(&vars[var], "", "")).await;
            assert!(!values.is_empty(), "{name}: {var} has no values");
        }
        let accounts = prom
            .label_values(&substitute(&vars["account_id"], "", ""))
            .await;
        assert!(!accounts.is_empty(), "{name}: account_id has no values");
        let skills = prom
            .result_values(&substitute(&vars["skill"], &accounts[0], ""), "skill_id")
            .await;
        assert!(!skills.is_empty(), "{name}: skill has no values");
        let groups = prom
            .result_values(
                &substitute(&vars["agent_group"], &accounts[0], ""),
                "agent_group_id",
            )
            .await;
        assert!(!groups.is_empty(), "{name}: agent_group has no values");
        for p in panels(&d) {
            for t in p["targets"].as_array().into_iter().flatten() {
                let raw = t["expr"].as_str().unwrap();
                let range = t["range"].as_bool().unwrap_or(true);
                // "All" accounts and skills; then the first account with one skill at a time, as a
                // user picking a skill would (a skill may lack a figure, e.g. no queue time when
                // nothing queued: some single skill must have it).
                let mut outcomes = Vec::new();
                let all = prom.series(&substitute(raw, ".*", ".*"), range).await;
                checked += 1;
                if !matches!(all, Ok(n) if n > 0) {
                    outcomes.push(format!("all: {all:?}"));
                }
                let mut single = Ok(0);
                for skill in &skills {
                    single = prom
                        .series(&substitute(raw, &accounts[0], skill), range)
                        .await;
                    checked += 1;
                    if matches!(single, Ok(n) if n > 0) || !raw.contains("$skill") {
                        break;
                    }
                }
                if !matches!(single, Ok(n) if n > 0) {
                    outcomes.push(format!("one account, one skill: {single:?}"));
                }
                if !outcomes.is_empty() {
                    failures.push(format!(
                        "{name} / {} / {}: {}\n    {raw}",
                        p["title"].as_str().unwrap(),
                        t["refId"].as_str().unwrap(),
                        outcomes.join(", ")
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "{checked} queries");
    assert!(
        failures.is_empty(),
        "{} of {checked} panel queries returned no series:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The Grafana-managed alert queries are valid PromQL over the same data (some only return
    // series while their condition holds).
    for rule in grafana_alerts()["groups"][0]["rules"].as_array().unwrap() {
        let expr = rule["data"][0]["model"]["expr"].as_str().unwrap();
        let r = prom.series(&expr.replace("$$", "$"), false).await;
        assert!(r.is_ok(), "{}: {r:?}", rule["title"]);
    }
}

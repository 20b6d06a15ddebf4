//! The Helm chart in `helm/liveperson-exporter`, with the real `helm` and `kubernetes-validate`
//! (installed by `.ci/run`):
//! - `helm lint --strict` passes for every `ci/` values file, and `helm template` of each is valid
//!   Kubernetes (`kubernetes-validate --strict`) and hardened (non-root, read-only root, no
//!   capabilities, RuntimeDefault seccomp, probes on /healthz and /readyz);
//! - bad values files are rejected by the schema, naming the key;
//! - each mode renders its objects (push-only: no Service, ServiceMonitor or test pod; statefulset:
//!   shards = replicas; none: configuration only);
//! - the ServiceMonitor and PrometheusRule match the Prometheus Operator's CRD schemas, and the
//!   PrometheusRule holds exactly the rules of `config/alerts/liveperson.rules.yml`;
//! - the rendered config.yaml and Secret are accepted by the exporter's own `check-config`;
//! - the secured chart (web config from a Secret, a TLS Secret) runs the binary as its pod would,
//!   and its probes, ServiceMonitor and `helm test` command get their answers; the grace period is
//!   shutdown_timeout plus 5 s.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use figment::Figment;
use figment::providers::{Format, Yaml};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chart() -> PathBuf {
    root().join("helm/liveperson-exporter")
}

fn ci_values() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(chart().join("ci"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    files
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn helm(args: &[&str]) -> Output {
    Command::new("helm")
        .args(args)
        .current_dir(chart())
        .output()
        .expect("helm is installed (see .ci/run)")
}

/// `helm template` with `values` (and `--set` pairs): the rendered documents, parsed.
fn render(values: &Path, set: &[&str]) -> Vec<Value> {
    render_layers(&[values], set)
}

/// `helm template` with several values files, later ones overriding earlier ones.
fn render_layers(layers: &[&Path], set: &[&str]) -> Vec<Value> {
    let mut args = vec!["template", "lp", "."];
    for values in layers {
        args.extend(["-f", values.to_str().unwrap()]);
    }
    for s in set {
        args.extend(["--set", s]);
    }
    let o = helm(&args);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    out.split("\n---")
        .map(|doc| {
            Figment::from(Yaml::string(doc))
                .extract::<Value>()
                .unwrap_or_else(|e| panic!("{e}\n{doc}"))
        })
        .filter(|v| !v.is_null() && v.as_object().is_some_and(|o| !o.is_empty()))
        .collect()
}

fn kinds(docs: &[Value]) -> BTreeSet<String> {
    docs.iter()
        .map(|d| d["kind"].as_str().unwrap().to_string())
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", kinds(docs)))
}

fn ci(name: &str) -> PathBuf {
    chart().join("ci").join(name)
}

#[test]
fn lint_passes_for_every_ci_values_file() {
    for values in ci_values() {
        let o = helm(&["lint", "--strict", ".", "-f", values.to_str().unwrap()]);
        assert!(o.status.success(), "{}: {}", values.display(), text(&o));
    }
}

#[test]
fn rendered_manifests_are_valid_kubernetes_and_hardened() {
    let dir = std::env::temp_dir().join(format!("liveperson-helm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for values in ci_values() {
        let docs = render(&values, &[]);
        let name = values.file_name().unwrap().to_string_lossy().into_owned();
        let o = helm(&["template", "lp", ".", "-f", values.to_str().unwrap()]);
        let file = dir.join(&name);
        std::fs::write(&file, &o.stdout).unwrap();
        let v = Command::new("kubernetes-validate")
            .arg("--strict")
            .arg(&file)
            .output()
            .expect("kubernetes-validate is installed (pip install kubernetes-validate)");
        let report = text(&v);
        assert!(v.status.success(), "{name}: {report}");
        // Every object is checked, except the Prometheus Operator's kinds, which it has no schema
        // for (the PrometheusRule's rules are checked by promtool below).
        for d in &docs {
            let kind = d["kind"].as_str().unwrap();
            if matches!(kind, "ServiceMonitor" | "PrometheusRule") {
                continue;
            }
            let id = format!(
                "{}/{}",
                kind.to_lowercase(),
                d["metadata"]["name"].as_str().unwrap()
            );
            assert!(
                report.contains(&format!("passed for resource {id}")),
                "{name}: {id} not validated:\n{report}"
            );
        }
        for workload in docs
            .iter()
            .filter(|d| d["kind"] == "Deployment" || d["kind"] == "StatefulSet")
        {
            let pod = &workload["spec"]["template"]["spec"];
            assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{name}");
            assert_eq!(
                pod["securityContext"]["seccompProfile"]["type"],
                "RuntimeDefault"
            );
            assert_eq!(pod["automountServiceAccountToken"], false, "{name}");
            let c = &pod["containers"][0];
            assert_eq!(
                c["securityContext"]["readOnlyRootFilesystem"], true,
                "{name}"
            );
            assert_eq!(
                c["securityContext"]["allowPrivilegeEscalation"], false,
                "{name}"
            );
            assert_eq!(
                c["securityContext"]["capabilities"]["drop"][0], "ALL",
                "{name}"
            );
            assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz", "{name}");
            assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz", "{name}");
            assert!(c["resources"]["limits"]["memory"].is_string(), "{name}");
            assert_eq!(
                c["image"],
                format!("liveperson-exporter:{}", env!("CARGO_PKG_VERSION")),
                "{name}: the image tag defaults to appVersion"
            );
        }
    }
}

/// Runs `scripts/node-tools/validate-operator.mjs` on `objects`; its output and success.
fn validate_operator_objects(objects: &[Value], tag: &str) -> (bool, String) {
    let tools = root().join("scripts/node-tools");
    assert!(
        tools
            .join("node_modules/@kubernetes-models/prometheus-operator")
            .exists(),
        "run `npm ci --prefix scripts/node-tools` (scripts/test.sh does)"
    );
    let file = std::env::temp_dir().join(format!(
        "liveperson-operator-{tag}-{}.json",
        std::process::id()
    ));
    std::fs::write(&file, Value::from(objects.to_vec()).to_string()).unwrap();
    let o = Command::new("node")
        .arg("validate-operator.mjs")
        .arg(&file)
        .current_dir(&tools)
        .output()
        .expect("node is installed (see .ci/run)");
    (o.status.success(), text(&o))
}

#[test]
fn operator_objects_match_the_prometheus_operator_crds() {
    let mut checked = 0;
    for values in ci_values() {
        let docs = render(&values, &[]);
        let (ok, out) = validate_operator_objects(&docs, "ci");
        assert!(ok, "{}: {out}", values.display());
        checked += out.lines().filter(|l| l.starts_with("valid ")).count();
    }
    assert!(
        checked >= 3,
        "ServiceMonitors and PrometheusRules checked: {checked}"
    );
    // The check bites: an interval the operator's pattern refuses.
    let mut docs = render(&ci("deployment-values.yaml"), &[]);
    let monitor = docs
        .iter_mut()
        .find(|d| d["kind"] == "ServiceMonitor")
        .unwrap();
    monitor["spec"]["endpoints"][0]["interval"] = Value::from("30 seconds");
    let (ok, out) = validate_operator_objects(&docs, "bad");
    assert!(!ok, "{out}");
    assert!(
        out.contains("invalid servicemonitor/") && out.contains("interval"),
        "{out}"
    );
}

#[test]
fn chart_app_version_is_the_crate_version() {
    let chart: Value = Figment::from(Yaml::file_exact(chart().join("Chart.yaml")))
        .extract()
        .unwrap();
    assert_eq!(chart["appVersion"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn bad_values_are_rejected_by_the_schema_naming_the_key() {
    let cases = [
        ("bad-typo.yaml", "servicemonitor"),
        ("bad-deployment-replicas.yaml", "/replicas"),
        (
            "bad-push-only-servicemonitor.yaml",
            "/serviceMonitor/enabled",
        ),
        ("bad-account-auth.yaml", "/accounts/0/auth"),
        ("bad-config-accounts.yaml", "/config/accounts"),
        ("bad-shutdown-timeout.yaml", "/config/shutdown_timeout"),
        ("bad-alert-name.yaml", "LivePersonAgentLoadHi"),
        ("bad-runbook-base.yaml", "/prometheusRule/runbookBaseURL"),
        (
            "bad-web-plaintext-password.yaml",
            "/web/config/basic_auth_users/prometheus",
        ),
    ];
    for (file, key) in cases {
        let out = rejected(file);
        assert!(out.contains("schema"), "{file}: {out}");
        assert!(out.contains(key), "{file}: does not name {key}: {out}");
    }
}

/// Web values that pass the schema but contradict each other: rejected by the chart, naming the
/// key to set, before a pod would fail its probes.
#[test]
fn contradicting_web_values_are_rejected_naming_the_key() {
    for (file, key) in [
        ("bad-web-tls-over-http.yaml", "web.scheme"),
        ("bad-web-auth-without-probe-header.yaml", "web.probeHeaders"),
    ] {
        let out = rejected(file);
        assert!(out.contains(key), "{file}: does not name {key}: {out}");
    }
}

/// `helm template` of the fixture `file`, which must fail; its output.
fn rejected(file: &str) -> String {
    let values = root().join("tests/fixtures/helm").join(file);
    let o = helm(&["template", "lp", ".", "-f", values.to_str().unwrap()]);
    assert!(!o.status.success(), "{file} was accepted");
    text(&o)
}

#[test]
fn each_mode_renders_its_objects() {
    let deployment = render(&ci("deployment-values.yaml"), &[]);
    let want: BTreeSet<String> = [
        "ConfigMap",
        "Deployment",
        "NetworkPolicy",
        "Pod",
        "PodDisruptionBudget",
        "PrometheusRule",
        "Secret",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
    ]
    .map(String::from)
    .into();
    assert_eq!(kinds(&deployment), want);
    assert_eq!(find(&deployment, "Deployment")["spec"]["replicas"], 1);
    assert_eq!(
        find(&deployment, "Pod")["metadata"]["annotations"]["helm.sh/hook"],
        "test"
    );

    let push = render(&ci("push-only-values.yaml"), &[]);
    let push_kinds = kinds(&push);
    for absent in ["Service", "ServiceMonitor", "Pod", "Secret"] {
        assert!(!push_kinds.contains(absent), "push-only renders a {absent}");
    }
    let volumes = &find(&push, "Deployment")["spec"]["template"]["spec"]["volumes"];
    assert_eq!(volumes[1]["secret"]["secretName"], "liveperson-credentials");

    let sts = render(&ci("statefulset-values.yaml"), &[]);
    let set = find(&sts, "StatefulSet");
    assert_eq!(set["spec"]["replicas"], 3);
    let config = config_of(&sts);
    assert_eq!(config["shard"]["index"], "pod-ordinal");
    assert_eq!(config["shard"]["count"], 3);
    assert!(!kinds(&sts).contains("Deployment"));

    let sidecar = render(&ci("sidecar-values.yaml"), &[]);
    let only: BTreeSet<String> = ["ConfigMap", "Secret"].map(String::from).into();
    assert_eq!(kinds(&sidecar), only);
    assert_eq!(
        config_of(&sidecar)["otlp"]["endpoint"],
        "http://localhost:4317"
    );
}

fn config_of(docs: &[Value]) -> Value {
    let text = docs
        .iter()
        .find_map(|d| d["data"]["config.yaml"].as_str())
        .expect("the exporter's ConfigMap")
        .to_string();
    Figment::from(Yaml::string(&text)).extract().unwrap()
}

#[test]
fn dashboards_become_configmaps_for_grafanas_sidecar_when_switched_on() {
    let on = render(&ci("dashboards-and-alerts-values.yaml"), &[]);
    let maps: Vec<&Value> = on
        .iter()
        .filter(|d| d["kind"] == "ConfigMap" && d["metadata"]["labels"]["grafana_dashboard"] == "1")
        .collect();
    let mut bundled: Vec<PathBuf> = std::fs::read_dir(root().join("dashboards"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    bundled.sort();
    assert_eq!(maps.len(), bundled.len(), "one ConfigMap per dashboard");
    for file in &bundled {
        let name = file.file_name().unwrap().to_str().unwrap();
        let map = maps
            .iter()
            .find(|m| m["data"].get(name).is_some())
            .unwrap_or_else(|| panic!("no ConfigMap holds {name}"));
        let json: Value = serde_json::from_str(map["data"][name].as_str().unwrap()).unwrap();
        let want: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(json, want, "{name} as committed");
        assert_eq!(map["metadata"]["namespace"], "monitoring");
        assert_eq!(
            map["metadata"]["annotations"]["grafana_folder"],
            "Contact center"
        );
    }
    let off = render(&ci("deployment-values.yaml"), &[]);
    assert!(
        !off.iter()
            .any(|d| d["metadata"]["labels"]["grafana_dashboard"].is_string()),
        "no dashboards unless switched on"
    );
}

#[test]
fn alert_switches_thresholds_and_the_runbook_base_shape_the_prometheus_rule() {
    let docs = render(&ci("dashboards-and-alerts-values.yaml"), &[]);
    let spec = &find(&docs, "PrometheusRule")["spec"];
    let rules: Vec<&Value> = spec["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .collect();
    let alerts: BTreeSet<&str> = rules.iter().filter_map(|r| r["alert"].as_str()).collect();
    assert!(
        !alerts.contains("LivePersonRateLimited")
            && !alerts.contains("LivePersonAccountPolledTwice")
    );
    assert!(alerts.contains("LivePersonAgentLoadHigh") && alerts.len() >= 7);
    let record = |name: &str| {
        rules
            .iter()
            .find(|r| r["record"] == name)
            .map(|r| r["expr"].as_str().unwrap().to_string())
    };
    assert_eq!(
        record("liveperson:threshold:agent_load_ratio").as_deref(),
        Some("vector(0.8)")
    );
    assert_eq!(
        record("liveperson:threshold:queue_wait_p90_seconds").as_deref(),
        Some("vector(120)")
    );
    assert_eq!(
        record("liveperson:threshold:overdue_conversations").as_deref(),
        Some("vector(5)"),
        "unset: the file's"
    );
    for r in rules.iter().filter(|r| r["alert"].is_string()) {
        let alert = r["alert"].as_str().unwrap().to_lowercase();
        assert_eq!(
            r["annotations"]["runbook_url"],
            format!("https://wiki.example.com/liveperson/runbooks#{alert}")
        );
    }
    promtool_accepts(spec, "switched");
    // The pod's extension points.
    let pod = &find(&docs, "Deployment")["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    assert_eq!(c["envFrom"][0]["secretRef"]["name"], "lp-otlp-headers");
    assert!(
        c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/etc/ssl/proxy")
    );
    assert!(
        pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "proxy-ca")
    );
    let args = render(
        &ci("dashboards-and-alerts-values.yaml"),
        &["extraArgs[0]=--web.config.file=/w.yml"],
    );
    let args = &find(&args, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"];
    assert_eq!(
        args.as_array().unwrap().last().unwrap(),
        "--web.config.file=/w.yml"
    );
}

#[test]
fn the_chart_readme_parameters_are_the_values_files_own() {
    // readme-generator-for-helm renders the `## @param` comments of values.yaml into the README's
    // "Parameters" section, and fails on a value without one (or one without a value).
    let dir = std::env::temp_dir().join(format!("liveperson-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let committed = std::fs::read_to_string(chart().join("README.md")).unwrap();
    let copy = dir.join("README.md");
    std::fs::write(&copy, &committed).unwrap();
    let tool = root().join("scripts/node-tools/node_modules/.bin/readme-generator");
    let o = Command::new(&tool)
        .arg("--values")
        .arg(chart().join("values.yaml"))
        .arg("--readme")
        .arg(&copy)
        .output()
        .expect("readme-generator is installed (scripts/tools.sh: npm ci in scripts/node-tools)");
    assert!(o.status.success(), "{}", text(&o));
    let generated = std::fs::read_to_string(&copy).unwrap();
    if generated != committed {
        if std::env::var_os("UPDATE_README").is_some() {
            std::fs::write(chart().join("README.md"), &generated).unwrap();
        } else {
            panic!(
                "helm/liveperson-exporter/README.md is stale: run UPDATE_README=1 cargo test helm"
            );
        }
    }
}

#[test]
fn prometheus_rule_holds_exactly_the_alert_rules() {
    let docs = render(&ci("deployment-values.yaml"), &[]);
    let rule = find(&docs, "PrometheusRule");
    let rules: Value = Figment::from(Yaml::file_exact(
        root().join("config/alerts/liveperson.rules.yml"),
    ))
    .extract()
    .unwrap();
    assert_eq!(rule["spec"], rules);
    assert_eq!(
        rule["metadata"]["labels"]["release"],
        "kube-prometheus-stack"
    );
    promtool_accepts(&rule["spec"], "default");
}

/// `promtool check rules` accepts a PrometheusRule's spec: what the Operator will load.
fn promtool_accepts(spec: &Value, tag: &str) {
    let file =
        std::env::temp_dir().join(format!("liveperson-rule-{tag}-{}.json", std::process::id()));
    std::fs::write(&file, spec.to_string()).unwrap();
    let o = Command::new("promtool")
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .expect("promtool is installed: apt-get install -y prometheus");
    assert!(o.status.success(), "{tag}: {}", text(&o));
}

/// Writes a rendered Secret's keys as files in `dir`, as Kubernetes mounts them.
fn mount_secret(secret: &Value, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    use base64::Engine;
    for (key, value) in secret["data"].as_object().unwrap() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap())
            .unwrap();
        std::fs::write(dir.join(key), bytes).unwrap();
    }
}

fn check_config(config: &Value, dir: &Path, hostname: &str) -> Output {
    let file = dir.join("config.yaml");
    std::fs::write(&file, config.to_string()).unwrap();
    Command::new(env!("CARGO_BIN_EXE_liveperson-exporter"))
        .arg("check-config")
        .arg("--config")
        .arg(&file)
        .env("HOSTNAME", hostname)
        .output()
        .unwrap()
}

#[test]
fn the_exporter_accepts_the_rendered_config_and_credentials() {
    let dir = std::env::temp_dir().join(format!("liveperson-mount-{}", std::process::id()));
    let secrets = dir.join("secrets");
    let mount = format!("credentials.mountPath={}", secrets.display());
    let docs = render(&ci("deployment-values.yaml"), &[&mount]);
    mount_secret(find(&docs, "Secret"), &secrets);
    let o = check_config(
        &config_of(&docs),
        &dir,
        "lp-liveperson-exporter-5d8f7-x2x9z",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("configuration ok: 2 account(s)"),
        "{}",
        text(&o)
    );

    // A StatefulSet pod learns its shard from its ordinal; with existingSecret the files come from
    // the user's Secret, made here from the chart's naming rule.
    let docs = render(&ci("statefulset-values.yaml"), &[&mount]);
    let config = config_of(&docs);
    std::fs::remove_dir_all(&secrets).unwrap();
    std::fs::create_dir_all(&secrets).unwrap();
    for account in config["accounts"].as_array().unwrap() {
        for path in account["auth"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_object()
            .unwrap()
            .values()
        {
            std::fs::write(path.as_str().unwrap(), "x").unwrap();
        }
    }
    let mut polled = 0;
    for ordinal in 0..3 {
        let o = check_config(&config, &dir, &format!("lp-liveperson-exporter-{ordinal}"));
        let out = text(&o);
        assert!(o.status.success(), "{out}");
        assert!(
            out.contains(&format!("shard {ordinal} of 3 polls")),
            "{out}"
        );
        let n: usize = out
            .split(" polls ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        polled += n;
    }
    assert_eq!(
        polled, 6,
        "the three shards together poll the six accounts once"
    );
}

/// The secured chart as a pod runs it: the rendered args, config, web-config Secret and mounts
/// (a kubernetes.io/tls Secret as cert-manager writes it) run the real binary against the
/// simulator; the rendered probes, the ServiceMonitor's scheme, tlsConfig and basicAuth, and the
/// `helm test` command each get their answer, and the grace period covers shutdown_timeout.
#[tokio::test(flavor = "multi_thread")]
async fn the_secured_chart_serves_its_probes_servicemonitor_and_test_pod() {
    use crate::support::{
        OTHER_THAN_QUEUE_HEALTH, free_port, issue_certificate, run_exporter, simulator, temp_dir,
    };
    let sim = simulator(1601).await;
    let dir = temp_dir("helm-secured");
    let at = |sub: &str| dir.join(sub).to_str().unwrap().to_string();
    let id = sim.account_ids()[0].clone();
    // The pod's mounts, moved into `dir`; the account polls the simulator, queue health only.
    let mut collectors = String::new();
    for c in OTHER_THAN_QUEUE_HEALTH {
        collectors.push_str(&format!("      {c}: {{enabled: false}}\n"));
    }
    let overrides = dir.join("overrides.yaml");
    std::fs::write(
        &overrides,
        format!(
            "credentials: {{mountPath: {secrets}}}\n\
             web:\n  mountPath: {web}\n  tlsMountPath: {tls}\n  config:\n    tls_server_config:\n      \
             cert_file: {tls}/tls.crt\n      key_file: {tls}/tls.key\n\
             accounts:\n  - id: \"{id}\"\n    auth: oauth1\n    csds_url: {csds}\n    collectors:\n      \
             messaging_queue_health: {{interval: 2s, timeout: 1s}}\n{collectors}",
            secrets = at("secrets"),
            web = at("web"),
            tls = at("tls"),
            csds = sim.csds_url(),
        ),
    )
    .unwrap();
    let docs = render_layers(&[&ci("secured-values.yaml"), &overrides], &[]);
    let pod = &find(&docs, "Deployment")["spec"]["template"]["spec"];
    assert_eq!(
        pod["terminationGracePeriodSeconds"], 30,
        "shutdown_timeout 25s plus 5 s"
    );

    // What Kubernetes would mount.
    let port = free_port();
    let mut config = config_of(&docs);
    assert_eq!(config["listen"], "0.0.0.0:9477");
    config["listen"] = Value::from(format!("127.0.0.1:{port}"));
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(dir.join("config/config.yaml"), config.to_string()).unwrap();
    let web_secret = docs
        .iter()
        .find(|d| {
            d["kind"] == "Secret" && d["metadata"]["name"] == "lp-liveperson-exporter-web-config"
        })
        .expect("the chart stores the web config in a Secret");
    mount_secret(web_secret, &dir.join("web"));
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    let k = &sim.shared.credentials.oauth1;
    for (field, value) in [
        ("consumer_key", &k.consumer_key),
        ("consumer_secret", &k.consumer_secret),
        ("token", &k.token),
        ("token_secret", &k.token_secret),
    ] {
        std::fs::write(dir.join(format!("secrets/{id}.{field}")), value).unwrap();
    }
    std::fs::create_dir_all(dir.join("tls")).unwrap();
    let service = "lp-liveperson-exporter";
    let ca = issue_certificate(
        &dir.join("tls/tls.crt"),
        &dir.join("tls/tls.key"),
        &[service, "127.0.0.1"],
    );
    std::fs::write(dir.join("tls/ca.crt"), &ca).unwrap();

    // The container's args, with the ConfigMap's mount moved into `dir`.
    let container = &pod["containers"][0];
    let args: Vec<String> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a.as_str()
                .unwrap()
                .replace("/etc/liveperson-exporter/config/", &at("config/"))
        })
        .collect();
    assert_eq!(args[0], "run");
    assert!(args.contains(&"--web.config.file".to_string()), "{args:?}");
    let args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
    let _exporter = run_exporter("", &args, port);

    // The probes, as the kubelet sends them: its scheme and headers, no certificate check.
    liveperson_exporter::liveperson::install_tls_provider();
    let kubelet = reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    for probe in ["livenessProbe", "readinessProbe"] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["scheme"], "HTTPS", "{probe}");
        let url = format!("https://127.0.0.1:{port}{}", get["path"].as_str().unwrap());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let mut request = kubelet.get(&url);
            for h in get["httpHeaders"].as_array().unwrap() {
                request = request.header(h["name"].as_str().unwrap(), h["value"].as_str().unwrap());
            }
            let status = request.send().await.map(|r| r.status().as_u16());
            if status.as_ref().is_ok_and(|s| *s == 200) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{probe} never passed: {status:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let anonymous = kubelet.get(&url).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{probe} without its header");
    }

    // The ServiceMonitor's endpoint, as the Operator configures Prometheus: https, the CA from the
    // TLS Secret, the server name, and the scrape user from its Secret (`lp-scrape` holds
    // prometheus / scrape-pass, the user the ci values hash).
    let endpoint = &find(&docs, "ServiceMonitor")["spec"]["endpoints"][0];
    assert_eq!(endpoint["scheme"], "https");
    let tls = &endpoint["tlsConfig"];
    assert_eq!(tls["ca"]["secret"]["name"], "lp-liveperson-exporter-tls");
    let ca_file = dir
        .join("tls")
        .join(tls["ca"]["secret"]["key"].as_str().unwrap());
    let server = tls["serverName"].as_str().unwrap();
    assert_eq!(endpoint["basicAuth"]["username"]["name"], "lp-scrape");
    let prometheus = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(ca_file).unwrap()).unwrap()])
        .resolve(server, ([127, 0, 0, 1], port).into())
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    let url = format!(
        "{}://{server}:{port}{}",
        endpoint["scheme"].as_str().unwrap(),
        endpoint["path"].as_str().unwrap()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let body = loop {
        let scrape = prometheus
            .get(&url)
            .basic_auth("prometheus", Some("scrape-pass"))
            .send()
            .await
            .unwrap();
        assert_eq!(scrape.status(), 200);
        assert_eq!(scrape.headers()["x-content-type-options"], "nosniff");
        let body = scrape.text().await.unwrap();
        let up = format!(
            "liveperson_exporter_collector_up{{collector=\"messaging_queue_health\",account_id=\"{id}\"}} 1"
        );
        if body.contains(&up) {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "{up} never scraped");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(body.contains("liveperson_exporter_build_info"));

    // `helm test`'s command, its Service host pointed at the loopback port.
    let test_pod = docs
        .iter()
        .find(|d| d["kind"] == "Pod")
        .expect("the test pod");
    let command = test_pod["spec"]["containers"][0]["args"][0]
        .as_str()
        .unwrap()
        .replace(&format!("{service}:9477"), &format!("127.0.0.1:{port}"));
    assert!(command.contains("https://127.0.0.1:"), "{command}");
    let o = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .output()
        .expect("sh and curl are installed (see scripts/tools.sh)");
    assert!(o.status.success(), "{command}: {}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

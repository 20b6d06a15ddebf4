"""The alerts, from their one source, config/alerts/alerts.yaml: the Prometheus rules file
(liveperson.rules.yml) and the Grafana-managed rules (built with grafana-foundation-sdk's alerting
builders). Both are written from the same fields: the query, the comparison (above or below) and
the threshold, so nothing is parsed back out of PromQL."""

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from grafana_foundation_sdk.builders import alerting, expr, prometheus
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.alerting import RelativeTimeRange

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE = ROOT / "config" / "alerts" / "alerts.yaml"
RULES = ROOT / "config" / "alerts" / "liveperson.rules.yml"
GRAFANA_RULES = ROOT / "dashboards" / "provisioning" / "alerting" / "liveperson-alerts.yaml"
# The uid of the data source dashboards/provisioning/datasources/prometheus.yaml provisions; the
# Grafana-managed rules query it (dashboards use their `datasource` variable instead).
DATASOURCE_UID = "liveperson-prometheus"
# Where the runbooks are published (the Helm chart's prometheusRule.runbookBaseURL by default).
RUNBOOK_BASE = "https://github.com/liveperson-exporter/liveperson-exporter/blob/main/config/alerts/README.md"


@dataclass
class Alert:
    name: str
    query: str  # PromQL, or the name of a recording rule of `records`
    record: bool
    op: str  # ">" or "<"
    threshold: str | None  # a name of `thresholds`, or None for a plain value
    value: float
    for_: str
    severity: str
    summary: str
    description: str

    @property
    def runbook(self):
        return f"{RUNBOOK_BASE}#{self.name.lower()}"


@dataclass
class Spec:
    thresholds: dict  # name -> (value, help)
    records: dict  # name (without `liveperson:`) -> PromQL
    alerts: list


def number(v):
    v = float(v)
    return int(v) if v.is_integer() else v


def load():
    doc = yaml.safe_load(SOURCE.read_text())
    thresholds = {k: (number(v["value"]), v["help"]) for k, v in doc["thresholds"].items()}
    records = {k: " ".join(v.split()) for k, v in doc["records"].items()}
    alerts = []
    for a in doc["alerts"]:
        (side, compare), = [(k, a[k]) for k in ("above", "below") if k in a]
        query = a["query"]
        record = isinstance(query, dict)
        if record and query["record"] not in records:
            raise SystemExit(f"{SOURCE}: {a['name']} reads unknown record {query['record']}")
        threshold = compare.get("threshold")
        if threshold is not None and threshold not in thresholds:
            raise SystemExit(f"{SOURCE}: {a['name']} compares with unknown threshold {threshold}")
        alerts.append(
            Alert(
                name=a["name"],
                query=query["record"] if record else query.strip(),
                record=record,
                op=">" if side == "above" else "<",
                threshold=threshold,
                value=thresholds[threshold][0] if threshold else number(compare["value"]),
                for_=a["for"],
                severity=a["severity"],
                summary=a["summary"],
                description=a["description"],
            )
        )
    return Spec(thresholds, records, alerts)


# ---------------------------------------------------------------------------------------------
# Prometheus


def quoted(s):
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(s, ensure_ascii=False)


def block(s, indent):
    pad = " " * indent
    return "|\n" + "".join(pad + line + "\n" for line in s.splitlines())


def prometheus_expr(a: Alert):
    query = f"liveperson:{a.query}" if a.record else a.query
    if a.threshold:
        right = f"on() group_left() liveperson:threshold:{a.threshold}"
    else:
        right = str(a.value)
    if "\n" in query:
        inner = "".join("  " + line + "\n" for line in query.splitlines())
        return f"(\n{inner}) {a.op} {right}"
    return f"{query}\n  {a.op} {right}" if a.threshold else f"{query} {a.op} {right}"


def prometheus_rules(spec: Spec):
    out = [
        "# Prometheus rules for liveperson-exporter: thresholds, recording rules for the alerts, then alerts.",
        "# GENERATED from alerts.yaml by scripts/grafana.py: edit that file, then run the script.",
        "# The Helm chart's PrometheusRule is this file (its values switch alerts off, change thresholds",
        "# and move the runbook links); runbooks: README.md here.",
        "groups:",
        "  - name: liveperson-thresholds",
        "    rules:",
    ]
    for name, (value, help_) in spec.thresholds.items():
        out += [
            f"      # {help_}",
            f"      - record: liveperson:threshold:{name}",
            f"        expr: vector({value})",
        ]
    out += [
        "",
        "  # Recording rules and the alerts that read them share a group: a group evaluates its rules in",
        "  # order, so an alert sees the record of the same evaluation, not the one before.",
        "  - name: liveperson-alerts",
        "    rules:",
    ]
    for name, promql in spec.records.items():
        out += [f"      - record: liveperson:{name}", f"        expr: {promql}"]
    for a in spec.alerts:
        e = prometheus_expr(a)
        out += [
            "",
            f"      - alert: {a.name}",
            "        expr: " + (block(e, 10).rstrip("\n") if "\n" in e else e),
            f"        for: {a.for_}",
            "        labels:",
            f"          severity: {a.severity}",
            "        annotations:",
            f"          summary: {quoted(a.summary)}",
            f"          description: {quoted(a.description)}",
            f"          runbook_url: {quoted(a.runbook)}",
        ]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Grafana


def grafana_rule(spec: Spec, a: Alert):
    # Grafana cannot rely on Prometheus having loaded the recording rules: it runs their
    # expression instead.
    query = spec.records[a.query] if a.record else " ".join(a.query.split())
    uid = "lp-" + "".join("-" + c.lower() if c.isupper() else c for c in a.name.removeprefix("LivePerson")).lstrip("-")
    source = (
        alerting.Query("A")
        .datasource_uid(DATASOURCE_UID)
        .relative_time_range(RelativeTimeRange(from_val=900, to=0))
        .model(prometheus.Dataquery().expr(query).instant().editor_mode("code").ref_id("A"))
    )
    last = (
        alerting.Query("B")
        .datasource_uid("__expr__")
        .model(expr.TypeReduce().ref_id("B").expression("A").reducer("last").settings(expr.ExprTypeReduceSettings().mode("dropNN")))
    )
    compare = (
        alerting.Query("C")
        .datasource_uid("__expr__")
        .model(
            expr.TypeThreshold()
            .ref_id("C")
            .expression("B")
            .conditions(
                [
                    expr.ExprTypeThresholdConditions().evaluator(
                        expr.ExprTypeThresholdConditionsEvaluator()
                        .type("gt" if a.op == ">" else "lt")
                        .params([a.value])
                    )
                ]
            )
        )
    )
    annotations = {
        "summary": a.summary,
        # In Grafana `$value` describes every query; B holds the number compared.
        "description": a.description.replace("$value", "$values.B.Value"),
        "runbook_url": a.runbook,
    }
    return (
        alerting.Rule(a.name)
        .uid(uid)
        .condition("C")
        .queries([source, last, compare])
        .no_data_state("OK")
        .exec_err_state("Error")
        .for_val(a.for_)
        .labels({"severity": a.severity})
        .annotations(annotations)
        .is_paused(False)
        .org_id(1)
        .rule_group("liveperson")
        .build()
    )


def grafana_escape(value):
    """Grafana provisioning expands $VAR in every string; `$$` is a literal `$`."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: grafana_escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [grafana_escape(v) for v in value]
    return value


def grafana_rules(spec: Spec):
    rules = []
    for a in spec.alerts:
        rule = json.loads(json.dumps(grafana_rule(spec, a), cls=JSONEncoder))
        # The folder is named in the envelope; the API's folder uid has no place in the file.
        rule.pop("folderUID", None)
        rules.append(rule)
    # The file-provisioning envelope (the SDK models the API's rule group, not the file).
    doc = {
        "apiVersion": 1,
        "groups": [{"orgId": 1, "name": "liveperson", "folder": "LivePerson", "interval": "1m", "rules": rules}],
    }
    header = (
        "# Grafana-managed alert rules for liveperson-exporter: the alerts of\n"
        "# config/alerts/alerts.yaml, with their thresholds, for Grafana file provisioning.\n"
        "# GENERATED by scripts/grafana.py; edit alerts.yaml and run it again.\n"
        "# `$$` is a literal `$` (Grafana expands $VAR in provisioning files).\n"
        f"# The queries go to the data source with uid {DATASOURCE_UID} (datasources/prometheus.yaml).\n"
    )
    return header + yaml.safe_dump(grafana_escape(doc), sort_keys=False, width=1000, allow_unicode=True)


def outputs():
    spec = load()
    return {RULES: prometheus_rules(spec), GRAFANA_RULES: grafana_rules(spec)}

#!/usr/bin/env python3
"""Writes the Grafana side of liveperson-exporter from one place:

- the five dashboards in dashboards/*.json (Grafana dashboard JSON, schemaVersion 42), from
  lpgrafana/dashboards.py, and
- the alerts, from their one source config/alerts/alerts.yaml, as Prometheus rules
  (config/alerts/liveperson.rules.yml) and as Grafana-managed rules
  (dashboards/provisioning/alerting/liveperson-alerts.yaml), see lpgrafana/alerts.py.

Both are built with Grafana's own typed builders (grafana-foundation-sdk). Run it after changing
a dashboard or an alert or threshold in alerts.yaml:

    python3 scripts/grafana.py          # rewrite the files
    python3 scripts/grafana.py --check  # exit 1 if a file on disk differs (the test suite runs this)

Needs PyYAML and grafana-foundation-sdk (scripts/requirements.txt). Every dashboard query filters
by the `job`, `instance`, `account_id`, `skill` and `agent_group` variables where the metric has
those labels, and picks the data source through the `datasource` variable.
"""

import argparse
import sys
from pathlib import Path

from lpgrafana import alerts, dashboards

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = ROOT / "dashboards"


def outputs():
    files = dashboards.outputs(DASHBOARDS)
    files.update(alerts.outputs())
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="fail if a generated file is out of date")
    args = ap.parse_args()
    stale = []
    for path, text in outputs().items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        sys.exit(
            "out of date (run `python3 scripts/grafana.py` and commit): " + ", ".join(stale)
        )


if __name__ == "__main__":
    main()

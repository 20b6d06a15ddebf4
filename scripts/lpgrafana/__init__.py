"""The Grafana side of liveperson-exporter built with Grafana's own typed builders
(grafana-foundation-sdk): the dashboards (`panels`, the panel presets; `dashboards`, what each
dashboard shows) and the alerts in both their forms (`alerts`). `scripts/grafana.py` writes the
files."""

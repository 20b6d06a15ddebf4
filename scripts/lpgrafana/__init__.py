"""The Grafana side of liveperson-exporter built with Grafana's own typed builders
(grafana-foundation-sdk): so far the alerts, in both their forms (`alerts`). `scripts/grafana.py`
writes the files."""

#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and integration tests (the dashboards against
# Grafana's schema and a real Prometheus among them, the Helm chart with helm and
# kubernetes-validate), and the demo pushing OTLP to rotel.
# Needs prometheus/promtool, node/npm, helm and the Python tools of scripts/requirements.txt
# (.ci/run installs them all).
set -euo pipefail
cd "$(dirname "$0")/.."
# Grafana's dashboard schema comes from npm (@grafana/schema, ts-json-schema-generator), pinned
# by scripts/grafana-schema/package-lock.json.
if [ ! -x scripts/grafana-schema/node_modules/.bin/ts-json-schema-generator ]; then
  npm ci --prefix scripts/grafana-schema --no-audit --no-fund --loglevel=error
fi
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
# Benchmarks (benches/, run with `cargo bench`) are type-checked by clippy above, not run here.
cargo test --lib --bins --tests
# OTLP to an independent implementation (rotel), over gRPC and HTTP/protobuf.
bash scripts/otlp-rotel.sh

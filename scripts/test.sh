#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and integration tests (the dashboards against
# Grafana's schema and a real Prometheus among them, the Helm chart with helm, kubernetes-validate
# and the Prometheus Operator's CRD schemas), and the demo pushing OTLP to rotel.
# Needs prometheus/promtool, node/npm, helm and the Python tools of scripts/requirements.txt
# (.ci/run installs them all).
set -euo pipefail
cd "$(dirname "$0")/.."
# Node tools (Grafana's dashboard schema, the Prometheus Operator's CRD schemas), pinned by
# scripts/node-tools/package-lock.json; installed again when the lock file is newer.
tools=scripts/node-tools
if [ ! -f "$tools/node_modules/.package-lock.json" ] \
  || [ "$tools/package-lock.json" -nt "$tools/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
fi
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
# Benchmarks (benches/, run with `cargo bench`) are type-checked by clippy above, not run here.
cargo test --lib --bins --tests
# OTLP to an independent implementation (rotel), over gRPC and HTTP/protobuf.
bash scripts/otlp-rotel.sh

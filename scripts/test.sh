#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and integration tests (the dashboards against
# Grafana's schema and a real Prometheus among them, the Helm chart with helm, kubernetes-validate
# and the Prometheus Operator's CRD schemas), and the demo pushing OTLP to rotel.
# First finds or installs every tool those tests run (scripts/tools.sh: Debian's packages need
# root or sudo; the rest goes into .venv, .tools and scripts/node-tools/node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# Benchmarks (benches/, run with `cargo bench`) are type-checked by clippy above, not run here.
cargo test --workspace --lib --bins --tests
# OTLP to an independent implementation (rotel), over gRPC and HTTP/protobuf.
bash scripts/otlp-rotel.sh

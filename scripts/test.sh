#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and integration tests, and the demo pushing OTLP to
# rotel. Needs prometheus/promtool and rotel (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
# Benchmarks (benches/, run with `cargo bench`) are type-checked by clippy above, not run here.
cargo test --lib --bins --tests
# OTLP to an independent implementation (rotel), over gRPC and HTTP/protobuf.
bash scripts/otlp-rotel.sh

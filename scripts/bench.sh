#!/usr/bin/env bash
# The scale benchmark a newcomer can run: builds the release binary, installs nginx and wrk
# (Debian packages, for the /metrics comparison), then prints every figure with its baseline from
# the same run. Loopback only. Takes about an hour (the CPU per cycle is measured over 15 minutes
# per size); BENCH_WINDOW (seconds) and BENCH_SIZES (e.g. 10,50) shorten it.
#
#   cargo bench --bench exposition    publishing one snapshot at 200k series vs a full re-encode
#   cargo bench --bench memory        heap and RSS at 200k series vs the plain exposition
#   cargo bench --bench otlp_export   one OTLP export vs one full publish at 200k series
#   cargo bench --bench aht_requests  AHT requests per steady-state run vs the first (10,000 agents)
#   scripts/bench.py                  CPU per account per cycle at 10, 50 and 200 accounts; `once`
#                                     at 10 and 50; idle demo RSS; /metrics vs nginx (wrk)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_=""
  [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export BENCH_WINDOW="${BENCH_WINDOW:-900}"
cargo build --release --bin liveperson-exporter
for bench in exposition memory otlp_export aht_requests; do
  cargo bench --bench "$bench" 2>/dev/null | grep -v '^\s*Running\|Finished'
done
python3 scripts/bench.py "$@"

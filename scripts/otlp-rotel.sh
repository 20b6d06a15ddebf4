#!/usr/bin/env bash
# Pushes the demo's metrics to rotel, an independent OTLP implementation (`pip install rotel`), over
# gRPC and then over HTTP/protobuf, and checks rotel's debug log shows them arriving by each protocol.
# Then stops an exporter with SIGTERM while its collector waits on a LivePerson that never answers,
# and checks it exits within shutdown_timeout with its one final export received by rotel.
# Everything listens on loopback. Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

ROTEL="${ROTEL_AGENT:-$(python3 -c 'import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), "rotel-agent"))' 2>/dev/null || true)}"
if [ ! -x "$ROTEL" ]; then
  echo "rotel-agent not found: pip install rotel (or set ROTEL_AGENT)" >&2
  exit 1
fi
cargo build -q --bin liveperson-exporter
BIN=target/debug/liveperson-exporter

WORK="$(mktemp -d)" # kept for a look with KEEP_WORK=1
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
GRPC_PORT="$(free_port)"
HTTP_PORT="$(free_port)"

"$ROTEL" start --otlp-grpc-endpoint "127.0.0.1:$GRPC_PORT" --otlp-http-endpoint "127.0.0.1:$HTTP_PORT" \
  --exporter blackhole --debug-log metrics --debug-log-verbosity detailed \
  --log-file "$WORK/rotel-agent.log" >"$WORK/rotel.out" 2>&1 &
PIDS+=($!)

# Waits up to $2 seconds for the pattern $1 in rotel's output.
wait_for() {
  for _ in $(seq 1 "$2"); do
    if grep -q -- "$1" "$WORK/rotel.out"; then return 0; fi
    sleep 1
  done
  echo "rotel never showed: $1" >&2
  tail -n 40 "$WORK/rotel.out" >&2
  return 1
}
wait_for "Starting Rotel" 30

# One demo per protocol, told apart by a resource attribute.
push() { # protocol endpoint tag
  local from
  from=$(($(wc -c <"$WORK/rotel.out") + 1))
  OTEL_EXPORTER_OTLP_PROTOCOL="$1" OTEL_EXPORTER_OTLP_ENDPOINT="$2" OTEL_METRIC_EXPORT_INTERVAL=1000 \
    OTEL_RESOURCE_ATTRIBUTES="ci.protocol=$3" \
    "$BIN" demo --listen 127.0.0.1:0 --speed 60 --otlp >"$WORK/demo-$3.out" 2>"$WORK/demo-$3.err" &
  local pid=$!
  PIDS+=("$pid")
  wait_for "ci.protocol: Str($3)" 90
  sleep 3
  kill -TERM "$pid"
  wait "$pid"
  if grep -q "OTLP export failed" "$WORK/demo-$3.err"; then
    echo "the $3 demo logged failed exports:" >&2
    grep "OTLP export failed" "$WORK/demo-$3.err" | head -5 >&2
    return 1
  fi
  # What arrived while this demo ran: the catalogue's metrics with their OTLP names and units.
  tail -c "+$from" "$WORK/rotel.out" >"$WORK/rotel-$3.out"
  for want in \
    "ci.protocol: Str($3)" \
    "service.name: Str(liveperson-exporter)" \
    "Name: liveperson.skill_queue_health_unassigned_conversations" \
    "Name: liveperson.exporter.collector_up" \
    "Name: liveperson.skill_aht_segment_handle_time" \
    "DataType: Histogram" \
    "Unit: s" \
    "account_id: Str("; do
    grep -q -- "$want" "$WORK/rotel-$3.out" || { echo "over $1, rotel's log lacks: $want" >&2; return 1; }
  done
  echo "over $1: $(grep -c '^Metric #' "$WORK/rotel-$3.out") metrics in" \
    "$(grep -c '^ResourceMetrics #' "$WORK/rotel-$3.out") exports reached rotel"
}
push grpc "http://127.0.0.1:$GRPC_PORT" grpc
push http/protobuf "http://127.0.0.1:$HTTP_PORT" http
echo "rotel received the exporter's metrics over gRPC and HTTP/protobuf"

# SIGTERM during a run that would take minutes: a CSDS that accepts connections and never answers.
HOLE_PORT="$(free_port)"
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
held = []
while True:
    c, _ = s.accept(); held.append(c); print("accepted", flush=True)
' "$HOLE_PORT" >"$WORK/hole.out" 2>&1 &
PIDS+=($!)
cat >"$WORK/stop.yaml" <<YAML
listen: 127.0.0.1:0
shutdown_timeout: 5s
otlp: {enabled: true, protocol: grpc, endpoint: "http://127.0.0.1:$GRPC_PORT", interval: 1h}
accounts:
  - id: "1"
    csds_url: "http://127.0.0.1:$HOLE_PORT"
    auth: {oauth1: {consumer_key: a, consumer_secret: b, token: c, token_secret: d}}
    collectors:
      messaging_queue_health: {interval: 30s, timeout: 5m}
YAML
from=$(($(wc -c <"$WORK/rotel.out") + 1))
OTEL_RESOURCE_ATTRIBUTES="ci.protocol=shutdown" "$BIN" run --config "$WORK/stop.yaml" \
  >"$WORK/stop.out" 2>"$WORK/stop.err" &
pid=$!
PIDS+=("$pid")
for _ in $(seq 1 100); do grep -q accepted "$WORK/hole.out" && break; sleep 0.1; done
grep -q accepted "$WORK/hole.out" || { echo "no collector run reached the silent CSDS" >&2; exit 1; }
sleep 1
if grep -q "ci.protocol: Str(shutdown)" "$WORK/rotel.out"; then
  echo "an export arrived before SIGTERM (the interval is an hour)" >&2
  exit 1
fi
started=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
took_ms=$((($(date +%s%N) - started) / 1000000))
if [ "$took_ms" -gt 5000 ]; then
  echo "SIGTERM took $took_ms ms, over shutdown_timeout (5 s)" >&2
  exit 1
fi
grep -q "OTLP: final export done" "$WORK/stop.err" || { tail -n 20 "$WORK/stop.err" >&2; exit 1; }
wait_for "ci.protocol: Str(shutdown)" 10
tail -c "+$from" "$WORK/rotel.out" >"$WORK/rotel-shutdown.out"
grep -q "Name: liveperson.exporter.build_info" "$WORK/rotel-shutdown.out" ||
  { echo "the final export lacks the exporter's own metrics" >&2; exit 1; }
echo "SIGTERM during a stuck run: exited in $took_ms ms (shutdown_timeout 5 s), final OTLP export received by rotel"

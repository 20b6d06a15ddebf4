#!/usr/bin/env bash
# Pushes the demo's metrics to rotel, an independent OTLP implementation (`pip install rotel`), over
# gRPC and then over HTTP/protobuf, and checks rotel's debug log shows them arriving by each protocol.
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

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
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
    "Name: liveperson.skill_queue_conversations" \
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

#!/usr/bin/env python3
"""Peak memory of the exporter under each upstream fault: runs the release binary's `once` (every
collector, one account) against `simulate` on loopback with the fault set on every API, and prints
the child's peak RSS next to a run without faults (the baseline, in the same run).

Usage: cargo build --release && python3 scripts/fault-rss.py
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.request

BIN = os.path.join(os.path.dirname(__file__), "..", "target", "release", "liveperson-exporter")
APIS = [
    "kmm_metrics",
    "kmm_agent_view",
    "msg_queue_health_current",
    "msgconversation",
    "engactivity",
    "interval_metrics",
    "status_changes",
    "agent_segments",
    "nht",
]
FAULTS = [
    ("none (baseline)", {}),
    ("500", {"always_status": 500}),
    ("503 beyond retries", {"down": True}),
    ("429 storm", {"rate_limit_next": 100000}),
    ("401", {"always_status": 401}),
    ("403", {"always_status": 403}),
    ("timeout", {"latency_ms": 1500}),
    ("malformed JSON", {"body": "malformed"}),
    ("truncated body", {"body": "truncated"}),
    ("empty body", {"body": "empty"}),
    ("HTML with 200", {"body": "html"}),
    ("endless body", {"body": "endless"}),
    ("slow body", {"body": "slow"}),
    ("huge Content-Length", {"body": "huge_length"}),
    ("redirect", {"body": "redirect"}),
    ("deeply nested JSON", {"body": "deep_nesting"}),
    ("nulls", {"body": "nulls"}),
    ("wrong types", {"body": "wrong_types"}),
    ("duplicate records", {"body": "duplicates"}),
    ("out-of-window records", {"out_of_window": True}),
]


def put(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="PUT")
    req.add_header("Content-Type", "application/json")
    urllib.request.urlopen(req).read()


def delete(url):
    urllib.request.urlopen(urllib.request.Request(url, method="DELETE")).read()


def config(start, path):
    c = start["credentials"]["oauth1"]
    with open(path, "w") as f:
        f.write(
            f"""listen: 127.0.0.1:0
log: {{level: error}}
http:
  request_timeout: 1s
  retry: {{server_error_waits: [10ms, 10ms, 10ms], rate_limited_wait: 10ms, max_rate_limited_wait: 10ms}}
accounts:
  - id: "{start['accounts'][0]}"
    csds_url: {start['csds']}
    auth: {{oauth1: {{consumer_key: {c['consumer_key']}, consumer_secret: {c['consumer_secret']}, token: {c['token']}, token_secret: {c['token_secret']}}}}}
    collectors:
      interval_metrics: {{backfill: 2h}}
      actual_handle_time: {{backfill: 2h}}
      messaging_conversation: {{backfill: 1h}}
      engagement_activity: {{backfill: 1h}}
"""
        )


def peak_rss_mb(cfg):
    p = subprocess.Popen(
        [BIN, "once", "--config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(p.pid, 0)
    failed = [l for l in p.stderr.read().decode().splitlines() if l.startswith("failed:")]
    return usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), len(failed)


def main():
    sim = subprocess.Popen(
        [BIN, "simulate", "--listen", "127.0.0.1:0", "--agents", "400", "--skills", "40"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        start = json.loads(sim.stdout.readline())
        admin = start["admin"]
        with tempfile.TemporaryDirectory() as d:
            cfg = os.path.join(d, "config.yaml")
            config(start, cfg)
            print(f"{'fault':<24} {'peak RSS MB':>12} {'vs baseline':>12} {'exit':>5} {'failed':>7}")
            base = None
            for name, spec in FAULTS:
                delete(admin + "faults")
                for api in APIS:
                    if spec:
                        put(admin + "faults/" + api, spec)
                rss, code, failed = peak_rss_mb(cfg)
                base = base or rss
                print(f"{name:<24} {rss:>12.1f} {rss / base:>11.2f}x {code:>5} {failed:>7}")
                sys.stdout.flush()
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()

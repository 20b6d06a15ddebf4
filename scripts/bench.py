#!/usr/bin/env python3
"""The exporter's scale benchmark, run by scripts/bench.sh (which builds the release binary and
installs nginx and wrk first). Every figure is printed with its baseline from the same run:

  cycle    exporter CPU per account per collection cycle (one minute of the default schedule)
           at 10, 50 and 200 simulated accounts, with RSS against the plain exposition size;
  once     CPU of `once` at 10 and 50 accounts;
  idle     RSS of the idle demo;
  scrape   /metrics throughput and p99 against nginx serving the identical bytes (wrk, plain and
           gzip, 1/10/100 connections).

Everything runs on loopback. Usage: scripts/bench.py [cycle|once|idle|scrape ...] (default: all);
BENCH_WINDOW sets the seconds measured per size (default 900: every collector, the 15-minute
ones included, runs a whole number of times), BENCH_SIZES the account counts,
BENCH_SCRAPE_ACCOUNTS the accounts behind the scraped exposition (default 120: 100k+ series).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "liveperson-exporter")
TICK = os.sysconf("SC_CLK_TCK")
WINDOW = float(os.environ.get("BENCH_WINDOW", "900"))
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10,50,200").split(",")]
SCRAPE_ACCOUNTS = int(os.environ.get("BENCH_SCRAPE_ACCOUNTS", "120"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """User plus system CPU of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def get(url, headers=None, timeout=60):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


class Simulator:
    """`liveperson-exporter simulate` with `accounts` default-size accounts."""

    def __init__(self, accounts, history_hours=24):
        port = free_port()
        self.proc = subprocess.Popen(
            [BIN, "simulate", "--listen", f"127.0.0.1:{port}", "--accounts", str(accounts),
             "--history-hours", str(history_hours)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.start = json.loads(self.proc.stdout.readline())

    def config(self, port, collectors=""):
        k = self.start["credentials"]["oauth1"]
        auth = (f"{{oauth1: {{consumer_key: {k['consumer_key']}, consumer_secret: "
                f"{k['consumer_secret']}, token: {k['token']}, token_secret: {k['token_secret']}}}}}")
        lines = [f"listen: 127.0.0.1:{port}", "log: {level: warn}", "accounts:"]
        for a in self.start["accounts"]:
            lines.append(f"  - id: \"{a}\"\n    csds_url: {self.start['csds']}\n    auth: {auth}")
            if collectors:
                lines.append(collectors)
        return "\n".join(lines) + "\n"

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()


def write(dir_, name, text):
    path = os.path.join(dir_, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def wait_ready(port, proc, within):
    deadline = time.time() + within
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the exporter exited")
        try:
            if get(f"http://127.0.0.1:{port}/readyz", timeout=5)[0] == 200:
                return True
        except Exception:
            pass
        time.sleep(1)
    return False


def cycle():
    print(f"== CPU per account per cycle (one minute of the default schedule), {WINDOW:.0f} s measured per size")
    per = {}
    with tempfile.TemporaryDirectory() as d:
        for n in SIZES:
            sim = Simulator(n)
            port = free_port()
            cfg = write(d, f"cycle-{n}.yaml", sim.config(port))
            exporter = subprocess.Popen([BIN, "run", "--config", cfg],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                ready = wait_ready(port, exporter, 600)
                # Let the first runs' catch-up settle before measuring.
                time.sleep(10)
                before = cpu_seconds(exporter.pid)
                time.sleep(WINDOW)
                used = cpu_seconds(exporter.pid) - before
                _, body = get(f"http://127.0.0.1:{port}/metrics")
                rss = rss_mb(exporter.pid)
                series = sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))
                _, text = get(f"http://127.0.0.1:{port}/metrics")
                down = sum(1 for line in text.decode().splitlines()
                           if line.startswith("liveperson_exporter_collector_up{") and line.endswith(" 0.0"))
                per[n] = used / n / (WINDOW / 60)
                print(f"{n:4d} accounts: {series:7d} series, {used:6.2f} CPU-s in {WINDOW:.0f} s, "
                      f"{per[n] * 1000:6.1f} ms per account per cycle; RSS {rss:6.1f} MB, "
                      f"exposition {len(body) / 1e6:5.1f} MB (RSS/(3x+15 MB) "
                      f"{rss / (3 * len(body) / 1e6 + 15):.2f}); ready {ready}, collectors down {down}")
            finally:
                exporter.send_signal(signal.SIGTERM)
                exporter.wait()
                sim.stop()
    base = SIZES[0]
    for n in SIZES[1:]:
        print(f"ratio {n} vs {base} accounts: {per[n] / per[base]:.2f} (goal at 200: at most 1.5)")


def once():
    print("== `once` CPU")
    cost = {}
    with tempfile.TemporaryDirectory() as d:
        for n in (10, 50):
            sim = Simulator(n)
            cfg = write(d, f"once-{n}.yaml", sim.config(free_port()))
            start = os.times()
            subprocess.run([BIN, "once", "--config", cfg], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            end = os.times()
            cost[n] = (end.children_user - start.children_user) + (end.children_system - start.children_system)
            sim.stop()
            print(f"{n:4d} accounts: {cost[n]:.2f} CPU-s")
    print(f"ratio 50 vs 10 accounts: {cost[50] / cost[10]:.2f} (goal: at most 6.5)")


def idle():
    print("== idle demo RSS")
    port = free_port()
    demo = subprocess.Popen([BIN, "demo", "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, demo, 120)
        time.sleep(30)
        print(f"idle demo RSS: {rss_mb(demo.pid):.1f} MB (goal: at most 20 MB; node_exporter 18-20 MB)")
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait()


def wrk(url, connections, gzip):
    threads = str(min(2, connections))
    # A large exposition at 100 connections takes seconds per response: past wrk's default 2 s
    # timeout it would count as an error and leave the latency figures.
    args = ["wrk", "-t", threads, "-c", str(connections), "-d", "10s", "--timeout", "60s",
            "--latency", url]
    if gzip:
        args[1:1] = ["-H", "Accept-Encoding: gzip"]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    rps = p99 = None
    for line in out.splitlines():
        parts = line.split()
        if line.strip().startswith("Non-2xx"):
            raise SystemExit(f"{url} answered errors under wrk: {line.strip()}")
        if line.startswith("Requests/sec:"):
            rps = float(parts[1])
        if parts[:1] == ["99%"]:
            p99 = parts[1]
        if line.strip().startswith("Socket errors:") and "timeout 0" not in line:
            raise SystemExit(f"{url} timed out under wrk: {line.strip()}")
    return rps, p99


def to_ms(v):
    for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit) and v[: -len(unit)].replace(".", "").isdigit():
            return float(v[: -len(unit)]) * f
    return float("nan")


def scrape():
    print("== /metrics against nginx serving the identical bytes (wrk, 10 s each)")
    if not shutil.which("nginx") or not shutil.which("wrk"):
        raise SystemExit("nginx and wrk are needed (scripts/bench.sh installs them)")
    with tempfile.TemporaryDirectory() as d:
        sim = Simulator(SCRAPE_ACCOUNTS)
        port = free_port()
        # nginx has no cap on concurrent requests; the exporter's (web.max_requests, 40) would
        # answer 503 to part of 100 connections.
        cfg = write(d, "scrape.yaml", sim.config(port) + "web:\n  max_requests: 200\n")
        exporter = subprocess.Popen([BIN, "run", "--config", cfg],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nginx = None
        try:
            wait_ready(port, exporter, 600)
            _, plain = get(f"http://127.0.0.1:{port}/metrics")
            _, gz = get(f"http://127.0.0.1:{port}/metrics", {"Accept-Encoding": "gzip"})
            # The exposition keeps changing; nginx serves one copy of it, the exporter as many.
            os.makedirs(os.path.join(d, "www"))
            write(d, "www/metrics", plain.decode())
            with open(os.path.join(d, "www", "metrics.gz"), "wb") as f:
                f.write(gz)
            nport = free_port()
            conf = write(d, "nginx.conf", f"""
user root;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  gzip_static on;
  types {{ }}
  default_type "text/plain; version=0.0.4; charset=utf-8";
  server {{ listen 127.0.0.1:{nport}; root {d}/www; }}
}}
""")
            nginx = subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
            print(f"exposition: {len(plain) / 1e6:.1f} MB plain, {len(gz) / 1e6:.2f} MB gzip")
            for gzip in (False, True):
                for c in (1, 10, 100):
                    ours = wrk(f"http://127.0.0.1:{port}/metrics", c, gzip)
                    theirs = wrk(f"http://127.0.0.1:{nport}/metrics", c, gzip)
                    ratio = to_ms(ours[1]) / to_ms(theirs[1]) if ours[1] and theirs[1] else float("nan")
                    print(f"{'gzip ' if gzip else 'plain'} c={c:3d}: exporter {ours[0]} req/s p99 {ours[1]}; "
                          f"nginx {theirs[0]} req/s p99 {theirs[1]}; p99 ratio {ratio:.2f}")
        finally:
            if nginx:
                nginx.send_signal(signal.SIGQUIT)
                nginx.wait()
            exporter.send_signal(signal.SIGTERM)
            exporter.wait()
            sim.stop()


def main():
    parts = sys.argv[1:] or ["cycle", "once", "idle", "scrape"]
    for p in parts:
        {"cycle": cycle, "once": once, "idle": idle, "scrape": scrape}[p]()


if __name__ == "__main__":
    main()

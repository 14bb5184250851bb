#!/usr/bin/env bash
# Idempotent set-up of a development machine (Debian): JDK 17 + Maven for the embedded Kafka
# broker, the .venv with the project and its dev tools, and the cached Kafka jars.
# Fast when everything is already in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  echo "setup: apt-get install $*"
  [ -n "$apt_updated" ] || { as_root apt-get update -q; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  apt_install openjdk-17-jdk-headless maven
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  # Debian splits venv support (ensurepip) into its own package.
  "$python" -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
  echo "setup: creating .venv"
  "$python" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi

# Re-install only when pyproject.toml changed since the last successful install.
stamp=.venv/.yrdhub-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: pip install -e '.[dev]'"
  # The build backend is chatty even with -q; show its output only when the install fails.
  log=$(mktemp)
  .venv/bin/python -m pip install -q -e '.[dev]' >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  rm -f "$log"
  touch "$stamp"
fi

.venv/bin/python -c 'from services.hub.kafka_broker import ensure_kafka_jars; ensure_kafka_jars(print)'

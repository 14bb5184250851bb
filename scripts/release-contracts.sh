#!/usr/bin/env bash
# Releases the contracts: writes proto/releases/yrdhub-v<VERSION>.json, the buf
# image every later change is checked against (`buf breaking` in scripts/test.sh).
# Usage: scripts/release-contracts.sh 1.1.0   (then name the version in proto/CHANGELOG.md)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=${1:?usage: scripts/release-contracts.sh VERSION (e.g. 1.1.0)}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "VERSION must be X.Y.Z" >&2; exit 2; }
out=proto/releases/yrdhub-v$version.json
[ -e "$out" ] && { echo "$out exists: a release is never rewritten" >&2; exit 1; }
mkdir -p proto/releases
.venv/bin/buf lint proto
if latest=$(scripts/contracts-release.sh 2>/dev/null); then
  .venv/bin/buf breaking proto --against "$latest"
fi
# Without source info: comments may improve after a release; the image holds the shapes.
.venv/bin/buf build proto --exclude-source-info -o "$out"
echo "released the contracts as $out"

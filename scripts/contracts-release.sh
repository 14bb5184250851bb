#!/usr/bin/env bash
# Prints the image of the last released contracts (the highest version in
# proto/releases/), or fails when none was released.
set -euo pipefail
cd "$(dirname "$0")/.."
latest=$(ls proto/releases/yrdhub-v*.json 2>/dev/null | sort -V | tail -n 1)
[ -n "$latest" ] || { echo "no released contracts in proto/releases/" >&2; exit 1; }
echo "$latest"

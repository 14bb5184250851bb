#!/usr/bin/env bash
# Regenerates the Python code for proto/ into yrdhub/ (package yrdhub.v1 ==
# import path yrdhub.v1, so generated imports need no rewriting).
# Usage: scripts/gen-proto.sh [OUT_DIR]   (default: the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root}
py=${PYTHON:-$root/.venv/bin/python}
rm -rf "$out/yrdhub"
mkdir -p "$out/yrdhub/v1"
"$py" -m grpc_tools.protoc -I "$root/proto" \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" \
  "$root"/proto/yrdhub/v1/*.proto
# The clients' service config (retries, waiting for a restarting server) ships
# with the generated code, which is what clients import.
cp "$root/proto/yrdhub/v1/service_config.json" "$out/yrdhub/v1/service_config.json"
printf '"""Generated protobuf code for the yrdhub contracts (see proto/). Do not edit."""\n' > "$out/yrdhub/__init__.py"
printf '"""Generated from proto/yrdhub/v1. Do not edit; run scripts/gen-proto.sh."""\n' > "$out/yrdhub/v1/__init__.py"

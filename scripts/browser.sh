#!/usr/bin/env bash
# Installs Debian's Chromium and CJK fonts for the browser tests, if missing.
set -euo pipefail
if command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing chromium and fonts-noto-cjk (Debian)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null

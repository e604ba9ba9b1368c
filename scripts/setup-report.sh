#!/usr/bin/env bash
# Installs the charting libraries that HTML reports inline (report/package-lock.json), once.
set -euo pipefail
cd "$(dirname "$0")/../report"
[ -f node_modules/vega-embed/build/vega-embed.min.js ] && exit 0
if ! command -v npm > /dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends npm
fi
echo "setup: installing vega, vega-lite and vega-embed for reports"
npm ci --no-audit --no-fund

#!/usr/bin/env bash
# Installs what the browser tests need: Debian's Chromium (Playwright never downloads a
# browser here) and the e2e npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/chromium ]]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

if [[ ! -d e2e/node_modules/@playwright/test || e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]]; then
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

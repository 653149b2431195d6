#!/usr/bin/env bash
# Debian's Chromium for the MLflow UI check (npm run check:ui); puppeteer-core drives it and downloads no browser.
# Idempotent: nothing happens when a Chromium is already there (CHROME names another binary).
set -euo pipefail
chrome="${CHROME:-/usr/bin/chromium}"
if [ -x "$chrome" ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "no Chromium at $chrome: install Debian's chromium package (apt-get install -y chromium) or set CHROME" >&2
  exit 1
fi
echo "installing Debian's chromium package (about 155 MB) ..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

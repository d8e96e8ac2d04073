#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (which cannot download browsers here).
# Installs the chromium package when it is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is missing and we are not root: install Debian's 'chromium' package" >&2
  exit 1
fi
echo "installing Chromium from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2

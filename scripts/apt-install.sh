#!/usr/bin/env bash
# Install Debian packages the test run needs (Chromium, PostgreSQL, libfaketime), quietly, or say
# which ones to install when we are not root.  Usage: scripts/apt-install.sh package [package ...]
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages and we are not root: install $*" >&2
  exit 1
fi
echo "installing from Debian's packages: $*" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq "$@" >&2

#!/usr/bin/env bash
# The whole suite (both databases, browsers included) with the system clock moved by libfaketime:
# 400 days ahead, then 40 days back.  A test that only passes near the day it was written fails.
# Usage: scripts/test-clock.sh [offset ...]   (default: +400d -40d; libfaketime's FAKETIME syntax)
#
# Everything is installed first, on the real clock: apt refuses package lists "not valid yet"
# when the clock is behind.  Then each offset runs scripts/test.sh under LD_PRELOAD:
# - FAKETIME_DONT_FAKE_MONOTONIC=1: a faked monotonic clock leaves timed waits that never wake;
# - scripts/clock/ on PYTHONPATH: Python's time.sleep works around libfaketime 0.9.10's
#   clock_nanosleep bug (see scripts/clock/sitecustomize.py);
# - tests/browser/conftest.py starts Playwright's driver and Chromium unfaked (Node spins when
#   faked; Chromium stalls before its build date) and moves each page's clock with Playwright's
#   clock.install, so pages see the same day as the server.
set -euo pipefail
cd "$(dirname "$0")/.."
offsets=("$@")
[ ${#offsets[@]} -gt 0 ] || offsets=(+400d -40d)

find_lib() {
  local lib
  for lib in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
    [ -f "$lib" ] && { echo "$lib"; return 0; }
  done
  return 1
}

if ! lib=$(find_lib); then
  bash scripts/apt-install.sh libfaketime
  lib=$(find_lib)
fi
bash scripts/ensure-chromium.sh
bash scripts/test-postgres.sh install

status=0
for offset in "${offsets[@]}"; do
  echo "=== whole suite with the clock at $offset ==="
  LD_PRELOAD="$lib" FAKETIME="$offset" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    PYTHONPATH="$PWD/scripts/clock${PYTHONPATH:+:$PYTHONPATH}" \
    bash -c 'echo "clock reads: $(date -u +%FT%TZ)"; bash scripts/test.sh' || status=$?
done
exit $status

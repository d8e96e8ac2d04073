#!/usr/bin/env bash
# The whole suite: the frontend's tests and mypy on src/, then the Python suites on SQLite and on
# a PostgreSQL server started here.  A type error stops the run before the suites.
# Usage: scripts/test.sh [sqlite|postgres|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
status=0
bash scripts/ensure-chromium.sh
npm test --prefix frontend
echo "=== mypy (src/, [tool.mypy] in pyproject.toml) ==="
.venv/bin/mypy

if [ "$which" != postgres ]; then
  echo "=== test suite on SQLite ==="
  .venv/bin/pytest -m "not soak" tests || status=$?
fi

if [ "$which" != sqlite ]; then
  echo "=== test suite on PostgreSQL ==="
  url=$(bash scripts/test-postgres.sh start)
  trap 'bash scripts/test-postgres.sh stop' EXIT
  ACTIVEREACH_TEST_DATABASE_URL="$url" .venv/bin/pytest -m "not soak" tests || status=$?
fi
exit $status

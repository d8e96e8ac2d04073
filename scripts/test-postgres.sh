#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL server for the test suite on 127.0.0.1:${PGPORT:-55432}.
# Installs PostgreSQL from Debian's packages when no server binaries are present.
# Usage: scripts/test-postgres.sh start|stop   (prints the database URL on start)
set -euo pipefail
cmd=${1:-start}
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.tmp/${PG_NAME:-pgdata}"
port=${PGPORT:-55432}
# PG_DURABLE=1 keeps PostgreSQL's default durability (fsync, synchronous commit) for benchmarks;
# the test suite turns it off because it only needs correctness, not crash safety.
durable=${PG_DURABLE:-0}

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

if ! bin=$(find_bin); then
  echo "PostgreSQL server not found; installing it from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(find_bin)
fi

as_pg() {
  # PostgreSQL refuses to run as root; use the postgres system user when we are root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$root/.tmp"
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --home-dir "$root/.tmp" postgres
      chown postgres "$root/.tmp"
      chmod o+x "$root" "$root/.tmp" 2>/dev/null || true
    fi
    if [ -f "$data/postmaster.pid" ]; then
      as_pg "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
    cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 200
shared_buffers = 256MB
CONF
    if [ "$durable" != 1 ]; then
      printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >> "$data/postgresql.conf"
    fi
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/activereach_test"
    ;;
  stop)
    [ -d "$data" ] && as_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL server for the test suite on 127.0.0.1:${PGPORT:-55432}.
# Installs PostgreSQL from Debian's packages when no server binaries are present.
# Usage: scripts/test-postgres.sh install|start|stop   (prints the database URL on start)
#
# The data directory is made with mktemp under ${TMPDIR:-/tmp}, not inside the clone: as root the
# server runs as the `postgres` user, which cannot enter a clone under a private folder (mktemp -d,
# a home directory).  Its path is kept in .tmp/<name>.path so `stop` can find it and remove it.
set -euo pipefail
cmd=${1:-start}
root=$(cd "$(dirname "$0")/.." && pwd)
name=${PG_NAME:-pgdata}
pointer="$root/.tmp/$name.path"
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
  echo "PostgreSQL server not found" >&2
  bash "$root/scripts/apt-install.sh" postgresql
  bin=$(find_bin)
fi

as_pg() {
  # PostgreSQL refuses to run as root; use the postgres system user when we are root.  The
  # working directory moves to / first: the server's user may not be allowed into the clone.
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

stop_server() {
  [ -f "$pointer" ] || return 0
  local data
  data=$(cat "$pointer")
  if [ -d "$data" ]; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || \
      as_pg "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$data"
  fi
  rm -f "$pointer"
}

case "$cmd" in
  start)
    mkdir -p "$root/.tmp"
    stop_server
    data=$(mktemp -d "${TMPDIR:-/tmp}/activereach-$name.XXXXXX")
    echo "$data" > "$pointer"
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --no-create-home --home-dir / postgres
      chown postgres "$data"
    fi
    chmod 700 "$data"
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
    stop_server
    ;;
  install) ;;  # the binaries are in place (installed above when they were missing)
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac

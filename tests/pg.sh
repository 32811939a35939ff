#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests (CI and developers).
#
#   eval "$(bash tests/pg.sh start)"   # starts it, exports CALLQA_TEST_PG_URL
#   pytest tests/store                  # the store tests now also run against PostgreSQL
#   bash tests/pg.sh stop               # stops it and deletes its files
#
# Needs Debian's `postgresql` package (any major version). As root the server runs as the
# `postgres` user. Data live in $CALLQA_PG_DIR (default /tmp/callqa-pg), the server listens
# on 127.0.0.1:$CALLQA_PG_PORT (default 54329) only, with fsync off: for tests, never data.
set -euo pipefail

DIR=${CALLQA_PG_DIR:-/tmp/callqa-pg}
PORT=${CALLQA_PG_PORT:-54329}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$BIN" ]; then
  echo "tests/pg.sh: PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ -f "$DIR/data/postmaster.pid" ]; then
      as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --no-sync >"$DIR/initdb.log"
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" \
      start >/dev/null
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres callqa_test
    echo "export CALLQA_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/callqa_test"
    ;;
  stop)
    if [ -d "$DIR/data" ]; then
      as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null || true
    fi
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: tests/pg.sh start|stop" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# HTTP throughput of fieldcheck on SQLite and PostgreSQL, measured with wrk:
#   (a) GET /livez            - the floor: routing and the HTTP stack, no database
#   (b) GET /households/{id}  - a bearer token checked, one scoped read (a hot record: from the
#                               in-process read cache after the first request)
#   (c) the same with the cache off (FIELDCHECK_CACHE__TTL_MS=0): the database on every request
# Prints a table and writes it to bench/results-latest.txt.
#
# Environment:
#   BENCH_DURATION    wrk duration of each run (default 10s; keep it under the 15-minute access token)
#   BENCH_PG_URL      PostgreSQL URL for the postgres run; use an empty, throwaway database.
#                     Unset: a temporary cluster is started on port 55433 if pg_ctl is installed
#                     (Debian: /usr/lib/postgresql/*/bin), otherwise the postgres run is skipped.
#   CARGO_TARGET_DIR  where cargo builds (default /var/cache/fieldcheck/target)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DURATION=${BENCH_DURATION:-10s}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/fieldcheck/target}
BIN=$CARGO_TARGET_DIR/release/fieldcheck
RESULTS=$ROOT/bench/results-latest.txt
WRK_ARGS=(-t2 -c100 "-d$DURATION" --latency)
PG_PORT=55433

WORK=$(mktemp -d /tmp/fc-bench.XXXXXX)
SERVER_PID=""
PG_BIN=""
PG_DIR=""
PG_STARTED=""
ROWS=()
NOTES=()

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# initdb refuses to run as root: as root, run PostgreSQL tools as the postgres user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

cleanup() {
  stop_server
  if [ -n "$PG_STARTED" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  if [ -n "$PG_DIR" ]; then rm -rf "$PG_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Directory holding pg_ctl, initdb and createdb, newest version first.
find_pg_bin() {
  local p d
  if p=$(command -v pg_ctl 2>/dev/null); then
    dirname "$(readlink -f "$p")"
    return 0
  fi
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

# Starts a throwaway cluster on 127.0.0.1:$PG_PORT (socket in a temp dir under /tmp) and sets PG_URL.
start_pg() {
  PG_DIR=$(mktemp -d /tmp/fc-bench-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { NOTES+=("postgres skipped: no 'postgres' user to run initdb as"); return 1; }
    chown postgres:postgres "$PG_DIR"
  fi
  log "postgres: initdb in $PG_DIR (port $PG_PORT)"
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
    >"$WORK/initdb.log" 2>&1 || { tail -n 20 "$WORK/initdb.log" >&2; return 1; }
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null \
    || { as_pg tail -n 20 "$PG_DIR/postgres.log" >&2 || true; return 1; }
  PG_STARTED=1
  as_pg "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U postgres fieldcheck_bench || return 1
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/fieldcheck_bench"
}

wait_live() {
  local addr=$1 server_log=$2 i
  for i in $(seq 1 120); do
    if curl -fsS -o /dev/null "http://$addr/livez" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "server exited before answering /livez; last lines of its log:" >&2
      tail -n 30 "$server_log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "server did not answer /livez within 60 s; last lines of its log:" >&2
  tail -n 30 "$server_log" >&2
  return 1
}

# wrk output -> requests/sec
wrk_rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
# wrk --latency output -> p99 in milliseconds
wrk_p99_ms() {
  awk '$1 == "99%" {
    v = $2
    if (v ~ /us$/)      { sub(/us$/, "", v); v = v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v) }
    else if (v ~ /s$/)  { sub(/s$/, "", v);  v = v * 1000 }
    else if (v ~ /m$/)  { sub(/m$/, "", v);  v = v * 60000 }
    printf "%.2f", v
    exit
  }' "$1"
}
# wrk output -> count of non-2xx/3xx responses and socket errors
wrk_errors() {
  awk '/Non-2xx or 3xx responses:/ { n += $NF }
       /Socket errors:/ { for (i = 3; i <= NF; i++) { gsub(/,/, "", $i); if ($i ~ /^[0-9]+$/) n += $i } }
       END { print n + 0 }' "$1"
}

# bench_backend NAME PORT DATABASE_URL  (an empty DATABASE_URL means the default SQLite file)
# Starts the server (the command and environment after the first three arguments), signs in as
# the admin and picks a household: sets TOKEN and HOUSEHOLD.
start_server() {
  local name=$1 addr=$2 dir=$3
  shift 3
  log "$name: starting server on $addr"
  "$@" "$BIN" --data-dir "$dir/data" serve --bind "$addr" >>"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  wait_live "$addr" "$dir/server.log" || die "$name: server did not start"
  local login households
  login=$(curl -s -X POST "http://$addr/auth/login" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"fieldcheck-demo","device_id":"bench"}')
  TOKEN=$(printf '%s' "$login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') \
    || die "$name: login failed: $login"
  households=$(curl -s "http://$addr/households?limit=1" -H "Authorization: Bearer $TOKEN")
  HOUSEHOLD=$(printf '%s' "$households" | python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])') \
    || die "$name: no household in GET /households?limit=1: $households"
}

bench_backend() {
  local name=$1 port=$2 db_url=$3
  local addr=127.0.0.1:$port dir=$WORK/$name
  local -a run=(env -u FIELDCHECK_DATABASE_URL FIELDCHECK_MODE=development)
  if [ -n "$db_url" ]; then run+=("FIELDCHECK_DATABASE_URL=$db_url"); fi
  mkdir -p "$dir/data"

  log "$name: loading demo data"
  "${run[@]}" "$BIN" --data-dir "$dir/data" demo >"$dir/demo.log" 2>&1 \
    || { tail -n 30 "$dir/demo.log" >&2; die "$name: demo failed"; }

  start_server "$name" "$addr" "$dir" "${run[@]}"
  log "$name: wrk ${WRK_ARGS[*]} /livez"
  wrk "${WRK_ARGS[@]}" "http://$addr/livez" | tee "$dir/wrk-livez.txt"
  log "$name: wrk ${WRK_ARGS[*]} /households/$HOUSEHOLD"
  wrk "${WRK_ARGS[@]}" -H "Authorization: Bearer $TOKEN" "http://$addr/households/$HOUSEHOLD" \
    | tee "$dir/wrk-household.txt"
  stop_server

  # (c) The same read with the in-process cache off: every request reads the database (the
  # account, the household, its members, plan and measures), as the first read of a record does.
  start_server "$name" "$addr" "$dir" "${run[@]}" FIELDCHECK_CACHE__TTL_MS=0
  log "$name: wrk ${WRK_ARGS[*]} /households/$HOUSEHOLD, cache off"
  wrk "${WRK_ARGS[@]}" -H "Authorization: Bearer $TOKEN" "http://$addr/households/$HOUSEHOLD" \
    | tee "$dir/wrk-uncached.txt"
  stop_server

  local rps_a rps_b p99_b ratio rps_c p99_c err_a err_b err_c
  rps_a=$(wrk_rps "$dir/wrk-livez.txt")
  rps_b=$(wrk_rps "$dir/wrk-household.txt")
  p99_b=$(wrk_p99_ms "$dir/wrk-household.txt")
  rps_c=$(wrk_rps "$dir/wrk-uncached.txt")
  p99_c=$(wrk_p99_ms "$dir/wrk-uncached.txt")
  [ -n "$rps_a" ] && [ -n "$rps_b" ] && [ -n "$p99_b" ] && [ -n "$rps_c" ] && [ -n "$p99_c" ] \
    || die "$name: could not parse wrk output"
  ratio=$(awk -v a="$rps_a" -v b="$rps_b" 'BEGIN { if (a > 0) printf "%.3f", b / a; else print "-" }')
  ROWS+=("$(printf "$FMT" "$name" "$(printf '%.0f' "$rps_a")" "$(printf '%.0f' "$rps_b")" "$ratio" "$p99_b ms" \
    "$(printf '%.0f' "$rps_c")" "$p99_c ms")")

  err_a=$(wrk_errors "$dir/wrk-livez.txt")
  err_b=$(wrk_errors "$dir/wrk-household.txt")
  err_c=$(wrk_errors "$dir/wrk-uncached.txt")
  if [ "$err_a" -gt 0 ]; then NOTES+=("$name: /livez had $err_a non-2xx/3xx responses or socket errors"); fi
  if [ "$err_b" -gt 0 ]; then NOTES+=("$name: /households/{id} had $err_b non-2xx/3xx responses or socket errors"); fi
  if [ "$err_c" -gt 0 ]; then NOTES+=("$name: uncached /households/{id} had $err_c non-2xx/3xx responses or socket errors"); fi
}

FMT='%-10s %10s %14s %10s %14s %14s %14s\n'

# ---- tools and build -----------------------------------------------------------------------
for tool in cargo curl python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk \
    || { as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }
fi

log "building (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
cargo build --release --bin fieldcheck

# ---- runs ----------------------------------------------------------------------------------
bench_backend sqlite 18080 ""

PG_URL=""
if [ -n "${BENCH_PG_URL:-}" ]; then
  PG_URL=$BENCH_PG_URL
elif PG_BIN=$(find_pg_bin); then
  start_pg || { PG_URL=""; NOTES+=("postgres skipped: the temporary cluster did not start"); }
else
  NOTES+=("postgres skipped: set BENCH_PG_URL or install the PostgreSQL server (pg_ctl)")
fi
if [ -n "$PG_URL" ]; then
  bench_backend postgres 18081 "$PG_URL"
else
  ROWS+=("$(printf "$FMT" postgres - - - skipped - -)")
fi

# ---- report --------------------------------------------------------------------------------
{
  printf '# fieldcheck bench %s, commit %s, %s CPUs, wrk %s\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
    "$(nproc)" "${WRK_ARGS[*]}"
  printf '# (a) GET /livez   (b) GET /households/{id} with a bearer token   (c) (b) with [cache] ttl_ms = 0\n'
  printf "$FMT" backend "livez rps" "household rps" "ratio b/a" "household p99" "uncached rps" "uncached p99"
  printf '%s\n' "${ROWS[@]}"
  for note in ${NOTES[@]+"${NOTES[@]}"}; do printf 'note: %s\n' "$note"; done
} | tee "$RESULTS"
log "written to ${RESULTS#"$ROOT"/}"

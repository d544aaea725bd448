#!/usr/bin/env bash
# Property-based tests of the served contract (issue 12, item 17): Schemathesis generates requests
# from the OpenAPI document the server serves (GET /openapi.json) and fails on any 5xx and on any
# response that breaks the document (schema, status code, content type).
#
# One pass per demo role, each against its own server: the built binary, a fresh temporary data
# folder (SQLite, local blobs, demo data), a free loopback port. A fresh server per role means no
# pass sees what another one wrote (the admin pass may disable users, the office pass may move the
# cycle on), and each pass is reproducible alone. An "anonymous" pass covers the operations that
# need no token (health, the document, sign-in, refresh, logout); the role passes cover the rest.
#
# Nothing is excluded. Sign-in happens before a pass starts, so the failed sign-ins the fuzzer
# makes (and the lockout they trigger) cannot stop it. `POST /auth/logout` and `/auth/refresh`
# revoke refresh-token families only; the pass's access token stays valid. The one request that
# could end a pass's session, the admin disabling or demoting itself, is redirected by hooks.py.
#
#   tests/schemathesis/run.sh                       what ./dev test and ./dev schemathesis run
#   FIELDCHECK_FUZZ_API_SEED=7 tests/schemathesis/run.sh      another seed (default: fixed)
#   FIELDCHECK_FUZZ_API_EXAMPLES=50 ...             more generated cases per operation (default 8)
#   FIELDCHECK_FUZZ_API_ROLES="admin inspector1" ...          some passes only
#   FIELDCHECK_FUZZ_API_ARGS="--include-path /households" ... extra arguments for schemathesis run
#
# The knobs are FIELDCHECK_FUZZ_* because the server takes every other FIELDCHECK_* variable as a
# setting (and refuses unknown ones); the server is started without any of them anyway.
# Needs the built binary ($CARGO_TARGET_DIR/debug/fieldcheck, or FIELDCHECK_FUZZ_API_BIN) and
# python3 (3.9+); Schemathesis is installed from tests/schemathesis/requirements.txt (exact
# versions, hashes) into a virtualenv kept outside the clone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."

target="${CARGO_TARGET_DIR:-/var/cache/fieldcheck/target}"
bin="${FIELDCHECK_FUZZ_API_BIN:-$target/debug/fieldcheck}"
venv="${FIELDCHECK_FUZZ_API_VENV:-/var/cache/fieldcheck/venv-schemathesis}"
seed="${FIELDCHECK_FUZZ_API_SEED:-20261201}"
examples="${FIELDCHECK_FUZZ_API_EXAMPLES:-8}"
roles="${FIELDCHECK_FUZZ_API_ROLES:-anonymous admin office reviewer-longhua inspector1 surveyor1 assessee-longhua}"
reports="${FIELDCHECK_FUZZ_API_REPORTS:-$target/schemathesis}"
password=fieldcheck-demo

[ -x "$bin" ] || { echo "schemathesis: no server binary at $bin (build it first: cargo build --bin fieldcheck)" >&2; exit 2; }

# The virtualenv is rebuilt only when requirements.txt changes.
python="$(command -v python3.11 || command -v python3)"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing Schemathesis into $venv (once; later runs reuse it)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps \
    -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi
st="$venv/bin/schemathesis"

rm -rf "$reports"; mkdir -p "$reports"
work="$(mktemp -d /tmp/fieldcheck-schemathesis.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# The passes are independent, and one pass keeps about one core busy between Schemathesis and its
# server (each waits for the other), so $jobs of them run at once.
jobs="${FIELDCHECK_FUZZ_API_JOBS:-2}"

# Starts a server on a fresh data folder; sets $base and $server_pid. Its log goes to
# $reports/<pass>.server.log.
start_server() {
  local pass="$1" log="$reports/$1.server.log" data="$work/$1"
  mkdir -p "$data"
  # None of the caller's FIELDCHECK_* variables reach the server: it runs on its defaults (SQLite,
  # local blobs, demo data, development mode) with a long access-token lifetime, so a slow machine
  # cannot see a pass's token expire half-way.
  local unset=()
  while IFS= read -r name; do unset+=(-u "$name"); done < <(compgen -e | grep '^FIELDCHECK_' || true)
  env "${unset[@]}" FIELDCHECK_AUTH__ACCESS_TTL_SECS=7200 RUST_BACKTRACE=1 \
    "$bin" --data-dir "$data" serve --bind 127.0.0.1:0 >"$log" 2>&1 &
  server_pid=$!
  base=""
  for _ in $(seq 1 600); do
    base="$(grep -o -m1 'listening on http://[0-9.:]*' "$log" | cut -d' ' -f3 || true)"
    [ -n "$base" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server did not start:" >&2
  tail -20 "$log" >&2
  return 1
}

# Signs in; prints "<access token> <user id>".
sign_in() {
  "$venv/bin/python" - "$base" "$1" "$password" <<'PY'
import json, sys, urllib.request
base, user, password = sys.argv[1:]
def call(path, body=None, token=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)
token = call("/auth/login", {"username": user, "password": password, "device_id": "schemathesis"})["access_token"]
print(token, call("/me", token=token)["id"])
PY
}

# The operations that need no token (`security: []` in the served document), as one regex of
# operation ids: the anonymous pass takes them, the role passes leave them out.
public_ops() {
  "$venv/bin/python" - "$base" <<'PY'
import json, sys, urllib.request
doc = json.load(urllib.request.urlopen(sys.argv[1] + "/openapi.json", timeout=30))
ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()
       if isinstance(op, dict) and "operationId" in op and op.get("security") == []]
print("^(" + "|".join(sorted(ids)) + ")$")
PY
}

# One pass, in a subshell of its own; its outcome goes to $reports/<pass>.result: "ok" or what failed.
run_pass() {
  local pass="$1" out="$reports/$1.txt" t0=$SECONDS base
  server_pid=""  # global (in this pass's subshell): the EXIT trap runs after the function returned
  trap '[ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }' EXIT
  start_server "$pass" 2>"$out" || { echo "the server did not start" > "$reports/$pass.result"; return; }
  local public token=none self="" filter
  public="$(public_ops)"
  filter=(--include-operation-id-regex "$public")
  if [ "$pass" != anonymous ]; then
    read -r token self < <(sign_in "$pass") || true
    [ -n "$self" ] || { echo "could not sign in as $pass" > "$reports/$pass.result"; return; }
    filter=(--exclude-operation-id-regex "$public")
  fi
  local result=ok
  # shellcheck disable=SC2086  # FIELDCHECK_FUZZ_API_ARGS is a list of words
  FUZZ_API_TOKEN="$token" FUZZ_API_SELF_ID="$self" SCHEMATHESIS_HOOKS="$here/hooks.py" \
    "$st" --no-color --config-file "$here/schemathesis.toml" run "$base/openapi.json" \
      "${filter[@]}" --seed "$seed" --max-examples "$examples" \
      --report junit,ndjson --report-dir "$reports" \
      --report-junit-path "$reports/$pass.junit.xml" --report-ndjson-path "$reports/$pass.ndjson" \
      ${FIELDCHECK_FUZZ_API_ARGS:-} >"$out" 2>&1 || result="failures (see $out)"
  # A panic is a server error even when the client did not see a 5xx (one mid-stream, say).
  if grep -q 'panicked at' "$reports/$pass.server.log"; then
    [ "$result" = ok ] && result="" || result="$result; "
    result="${result}server panic (see $reports/$pass.server.log)"
  fi
  echo "$result, $((SECONDS - t0)) s, $(grep -Eo '[0-9]+ generated' "$out" | tail -1 || echo '0 generated')" \
    > "$reports/$pass.result"
}

started=$SECONDS
running=0
for pass in $roles; do
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
  (run_pass "$pass") &
  running=$((running + 1))
done
wait

failed=()
for pass in $roles; do
  result="$(cat "$reports/$pass.result" 2>/dev/null || echo "no result")"
  if [[ "$result" == ok,* ]]; then
    echo "schemathesis $pass: passed (${result#ok, })" >&2
  else
    echo "FAIL: schemathesis $pass: $result" >&2
    sed -n '/^=* \(FAILURES\|ERRORS\) =*$/,/^=* \(WARNINGS\|SUMMARY\) =*$/p' "$reports/$pass.txt" 2>/dev/null \
      | grep -v '^=* \(WARNINGS\|SUMMARY\) =*$' | head -120 >&2
    grep -m3 -A5 'panicked at' "$reports/$pass.server.log" >&2 2>/dev/null || true
    failed+=("$pass")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAIL: schemathesis found server errors or contract violations in: ${failed[*]}" >&2
  echo "      (seed $seed; reports in $reports; again: FIELDCHECK_FUZZ_API_ROLES=\"${failed[*]}\" FIELDCHECK_FUZZ_API_SEED=$seed tests/schemathesis/run.sh)" >&2
  exit 1
fi
echo "schemathesis: all passes clean in $((SECONDS - started)) s (seed $seed, $examples examples per operation)" >&2

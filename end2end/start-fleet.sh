#!/usr/bin/env bash
# A fleet for the browser tests (E2E_FLEET=1, see playwright.config.ts): two release
# instances on one fresh PostgreSQL database and one Redis, behind HAProxy on the port
# the tests use, round robin with no stickiness, so consecutive requests of one browser
# land on different instances. Each instance logs to .data/server-a.log and -b.log.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${E2E_PORT:-3100}"
a_port=$((port + 10))
b_port=$((port + 11))
data="$here/.data"
rm -rf "$data"
mkdir -p "$data"

# scripts/test drops databases named gatehouse_test_* left by earlier runs.
db="gatehouse_test_fleet_$(date +%s)_$$"
psql -h 127.0.0.1 -U postgres -d postgres -qc "create database \"$db\""
export E2E_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
# The CLI the tests run (createAdmin in tests/helpers.ts) needs the same database.
echo "$E2E_DATABASE_URL" >"$data/database-url"
export E2E_REDIS_URL="${E2E_REDIS_URL:-redis://127.0.0.1:6379}"
export GATEHOUSE_REDIS__KEY_PREFIX="$db"
export E2E_PUBLIC_PORT="$port" E2E_KEEP_DATA=1
# HAProxy adds X-Forwarded-For; trust it from the balancer only.
export GATEHOUSE_SERVER__TRUST_FORWARDED_FOR=true
export GATEHOUSE_SERVER__TRUSTED_PROXIES='["127.0.0.1/32"]'
# Longer than HAProxy needs to take a draining instance out (three checks, haproxy.sh).
export GATEHOUSE_OPERATIONS__SHUTDOWN_DRAIN=2s

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM

wait_ready() {
  for _ in $(seq 1 200); do
    curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "instance on port $1 did not become ready" >&2
  return 1
}

# One after the other: the first creates the development keys both then share.
E2E_PORT=$a_port E2E_LOG="$data/server-a.log" "$here/start-server.sh" &
pids+=($!)
wait_ready $a_port
E2E_PORT=$b_port E2E_LOG="$data/server-b.log" "$here/start-server.sh" &
pids+=($!)
wait_ready $b_port

"$here/fleet/haproxy.sh" "$port" "$data/haproxy.cfg" "$a_port" "$b_port" &
pids+=($!)
wait -n

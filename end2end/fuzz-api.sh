#!/usr/bin/env bash
# Property-based fuzzing of the JSON API with schemathesis (PyPI) against a running
# release server and its own OpenAPI document: no 5xx, every status code and response
# body as documented. Starts the server on a free port with a fresh SQLite database,
# gives schemathesis a user's and an admin's bearer token, and stops the server after.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
bin="${E2E_SERVER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/gatehouse}"
python="${GATEHOUSE_TEST_PYTHON:-python3}"
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
data="$(mktemp -d)"
base="http://127.0.0.1:$port"

export GATEHOUSE_CONFIG="$root/Leptos.toml"
export GATEHOUSE_SERVER__ADDRESS="127.0.0.1:$port"
export GATEHOUSE_SERVER__PUBLIC_URL="$base"
export GATEHOUSE_SERVER__DATA_DIR="$data"
export GATEHOUSE_SERVER__SITE_ROOT="${LEPTOS_SITE_ROOT:-$root/target/site}"
export GATEHOUSE_ACCOUNTS__REQUIRE_VERIFIED_EMAIL=false
# Thousands of generated logins come from one address; the per-account limit stays.
export GATEHOUSE_ACCOUNTS__LOGIN_ATTEMPTS_PER_IP_PER_MINUTE=0
export GATEHOUSE_ACCOUNTS__HASHES_PER_IP_PER_MINUTE=0
export GATEHOUSE_ACCOUNTS__MAILS_PER_IP_PER_MINUTE=0
export GATEHOUSE_ACCOUNTS__FAILED_LOGINS_BEFORE_DELAY=0
export GATEHOUSE_LOG="${GATEHOUSE_LOG:-warn}"
unset DATABASE_URL GATEHOUSE_JWT_PRIVATE_KEY

"$bin" serve >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

password="correct horse battery staple"
token() {
  curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"login\":\"$1\",\"password\":\"$password\"}" |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
curl -sf -o /dev/null -X POST "$base/api/v1/auth/signup" -H 'Content-Type: application/json' \
  -d "{\"username\":\"fuzzer\",\"email\":\"fuzzer@example.com\",\"password\":\"$password\"}"
echo "$password" | "$bin" create-admin --username fuzzadmin --email fuzzadmin@example.com >/dev/null

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
run() {
  schemathesis run "$base/api/v1/openapi.json" --url "$base" --checks "$checks" \
    --max-examples "${FUZZ_EXAMPLES:-40}" --seed "${FUZZ_SEED:-1}" --no-color "$@"
}
# As a user, leaving out the calls that end the session the rest depend on.
run -H "Authorization: Bearer $(token fuzzer)" --exclude-path-regex 'logout'
# As an admin, the admin endpoints (a fresh token: the user run may have changed things).
run -H "Authorization: Bearer $(token fuzzadmin)" --include-path-regex '^/api/v1/users'
echo "schemathesis: no server errors, and every answer as documented"

# Shared by scripts/run and scripts/test: installs what a fresh machine is missing.
# Sourced, not run. Every step is skipped when its tool is already there.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# One build cache outside the clone keeps repeated runs (and CI) fast; a clean clone
# still builds from scratch into it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatehouse/target}"
export PATH="$HOME/.cargo/bin:$PATH"
# Incremental caches help an editor loop, not a full test run, and cost gigabytes.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
CARGO_LEPTOS_VERSION=0.3.10
# Debian's binaryen (108) breaks wasm-bindgen's externref table; npm ships a current one.
BINARYEN_VERSION=132.0.0
TOOLS_DIR="$HOME/.cache/gatehouse/tools"
export PATH="$TOOLS_DIR/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

apt_install() {
  say "Installing $* (Debian packages)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The wasm target, cargo-leptos, wasm-bindgen at the version in Cargo.lock, wasm-opt.
# Node.js and npm are assumed (they are on every machine of this kind).
ensure_build_tools() {
  # webauthn-rs (passkeys) links OpenSSL: its headers and pkg-config must be there.
  if ! pkg-config --exists openssl 2>/dev/null; then
    apt_install libssl-dev pkg-config
  fi
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (compiles once, about 15 minutes)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  local wbg
  wbg="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$"; then
    say "Installing wasm-bindgen-cli $wbg (matches Cargo.lock; a few minutes)"
    # Not --locked: its own lock file names a yanked crate.
    cargo install wasm-bindgen-cli --version "$wbg" --force
  fi
  if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    say "Installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --no-save "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
}

# PostgreSQL and Redis answer on their usual local ports (the test suite uses both).
ensure_services() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    say "Starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    say "Starting Redis"
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
}

# The SMTP server the tests send to: aiosmtpd from PyPI.
ensure_mail_server() {
  if ! "${GATEHOUSE_TEST_PYTHON:-python3}" -c "import aiosmtpd" 2>/dev/null; then
    say "Installing aiosmtpd (test SMTP server, PyPI)"
    "${GATEHOUSE_TEST_PYTHON:-python3}" -m pip install --quiet --disable-pip-version-check aiosmtpd
  fi
}

# Python test tools from PyPI: PyJWT (the other-language check of our tokens, with
# cryptography for Ed25519) and schemathesis (API fuzzing against the OpenAPI document).
ensure_python_test_tools() {
  local py="${GATEHOUSE_TEST_PYTHON:-python3}"
  if ! "$py" -c "import jwt, cryptography" 2>/dev/null; then
    say "Installing PyJWT and cryptography (token verification test, PyPI)"
    "$py" -m pip install --quiet --disable-pip-version-check "pyjwt[crypto]>=2.8"
  fi
  if ! "$py" -c "import authlib, requests" 2>/dev/null; then
    say "Installing Authlib and requests (the OpenID Provider's Python client test, PyPI)"
    "$py" -m pip install --quiet --disable-pip-version-check "authlib==1.9.10" "requests>=2.31"
  fi
  if ! command -v schemathesis >/dev/null; then
    say "Installing schemathesis (API fuzzing, PyPI)"
    "$py" -m pip install --quiet --disable-pip-version-check "schemathesis>=4,<5"
  fi
}

# The fleet tests' load balancer: Debian's HAProxy (listening on 127.0.0.1 only).
ensure_fleet_tools() {
  if ! command -v haproxy >/dev/null; then
    apt_install haproxy
  fi
}

# Debian's Chromium and the npm packages of the browser tests.
ensure_browser_tools() {
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
  fi
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "Installing the npm packages of end2end/"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
}

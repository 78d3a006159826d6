#!/usr/bin/env bash
# Starts the built Gatehouse server for the browser tests: a fresh SQLite database, a
# 2-second access-token lifetime (so tests can watch the transparent refresh), mail to
# the test SMTP server (start-mail.sh), and the site assets cargo-leptos built.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
port="${E2E_PORT:-3100}"
# Where people reach it: this port, or the load balancer's in front of a fleet.
public_port="${E2E_PUBLIC_PORT:-$port}"
# A second instance (stricter settings, see playwright.config.ts) keeps its own folder;
# the instances of a fleet (start-fleet.sh) share one, which it prepares.
data="$here/${E2E_DATA:-.data}"
if [ -z "${E2E_KEEP_DATA:-}" ]; then
  rm -rf "$data"
fi
mkdir -p "$data"

bin="${E2E_SERVER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/gatehouse}"
if [ ! -x "$bin" ]; then
  echo "no server binary at $bin; build it with: cargo leptos build --release" >&2
  exit 1
fi

export GATEHOUSE_CONFIG="$root/Leptos.toml"
export GATEHOUSE_SERVER__ADDRESS="127.0.0.1:$port"
# Browsers accept passkeys only on a name, never on an IP address: people (and the
# tests) reach the server as localhost, while it binds 127.0.0.1.
export GATEHOUSE_SERVER__PUBLIC_URL="http://localhost:$public_port"
export GATEHOUSE_SERVER__DATA_DIR="$data"
export GATEHOUSE_SERVER__SITE_ROOT="${LEPTOS_SITE_ROOT:-$root/target/site}"
export GATEHOUSE_TOKENS__ACCESS_TTL=2s
export GATEHOUSE_MAIL__SMTP_HOST=127.0.0.1
export GATEHOUSE_MAIL__SMTP_PORT="${E2E_SMTP_PORT:-2526}"
export GATEHOUSE_MAIL__TLS=none
export GATEHOUSE_MAIL__RETRY_BASE=1s
# Every browser test logs in from 127.0.0.1: the per-address login limit would trip.
export GATEHOUSE_ACCOUNTS__LOGIN_ATTEMPTS_PER_IP_PER_MINUTE=0
export GATEHOUSE_ACCOUNTS__HASHES_PER_IP_PER_MINUTE=0
export GATEHOUSE_ACCOUNTS__MAILS_PER_IP_PER_MINUTE=0
# The login page offers "Email me a sign-in link" (sign-in-links.spec.ts).
export GATEHOUSE_ACCOUNTS__SIGN_IN_LINKS=true
# Google and GitHub both stand in as the local provider (start-oauth.sh).
oauth="http://127.0.0.1:${E2E_OAUTH_PORT:-4100}"
for name in GOOGLE GITHUB; do
  export "GATEHOUSE_OAUTH__${name}__CLIENT_ID=gatehouse-test"
  export "GATEHOUSE_OAUTH__${name}__AUTHORIZE_URL=$oauth/auth"
  export "GATEHOUSE_OAUTH__${name}__TOKEN_URL=$oauth/token"
  export "GATEHOUSE_OAUTH__${name}__SCOPES=[openid, email, profile]"
  export "GATEHOUSE_OAUTH_${name}_CLIENT_SECRET=gatehouse-test-secret"
done
export GATEHOUSE_OAUTH__GOOGLE__USERINFO_URL="$oauth/me"
export GATEHOUSE_OAUTH__GITHUB__USERINFO_URL="$oauth/user"
export GATEHOUSE_OAUTH__GITHUB__EMAILS_URL="$oauth/user/emails"
export GATEHOUSE_LOG="${GATEHOUSE_LOG:-warn}"
unset GATEHOUSE_JWT_PRIVATE_KEY GATEHOUSE_SMTP_USERNAME GATEHOUSE_SMTP_PASSWORD LEPTOS_SITE_ROOT
# SQLite in the data folder, unless a fleet names its PostgreSQL database and Redis.
export DATABASE_URL="${E2E_DATABASE_URL:-}"
export REDIS_URL="${E2E_REDIS_URL:-}"
# Everything the server prints also goes to a log that global-teardown.ts reads: a panic
# anywhere in it fails the run, even when every test passed.
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"
exec > >(tee "${E2E_LOG:-$data/server.log}") 2>&1
exec "$bin" serve

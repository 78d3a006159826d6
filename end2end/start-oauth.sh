#!/usr/bin/env bash
# The sign-in provider for the browser tests (oauth-provider.mjs), accepting the test
# server's callbacks for both provider names.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${E2E_PORT:-3100}"
base="http://localhost:$port/auth/oauth"
exec node "$here/oauth-provider.mjs" "${E2E_OAUTH_PORT:-4100}" "$base/google/callback,$base/github/callback"

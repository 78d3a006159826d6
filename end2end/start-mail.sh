#!/usr/bin/env bash
# A real SMTP server for the browser tests: aiosmtpd (PyPI) on 127.0.0.1, storing every
# message in a Maildir that the tests read.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$here/.mail"
exec "${GATEHOUSE_TEST_PYTHON:-python3}" -m aiosmtpd -n -l "127.0.0.1:${E2E_SMTP_PORT:-2526}" \
  -c aiosmtpd.handlers.Mailbox "$here/.mail"

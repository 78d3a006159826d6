#!/usr/bin/env bash
# Runs HAProxy in the foreground in front of Gatehouse instances, as an operator would:
# round robin without stickiness, health checks on /readyz (an instance that drains on
# SIGTERM leaves the rotation before it stops accepting), and a request that found no
# connection, or a connection closed without an answer, tried again on another instance.
# An instance leaves after three failed checks (about a second), not one: on a busy
# machine one slow check must not take every instance out at once.
# X-Served-By names the instance that answered (the fleet checks read it).
#
# Usage: haproxy.sh LISTEN_PORT CONFIG_FILE INSTANCE_PORT...
set -euo pipefail
listen="$1"
config="$2"
shift 2
{
  cat <<CFG
global
  maxconn 4096

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 10s
  timeout check 2s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
  option forwardfor

frontend gatehouse
  bind 127.0.0.1:$listen
  default_backend instances

backend instances
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fastinter 250ms downinter 500ms fall 3 rise 2
  http-response set-header X-Served-By %s
CFG
  n=0
  for port in "$@"; do
    n=$((n + 1))
    echo "  server instance$n 127.0.0.1:$port check"
  done
} >"$config"
haproxy -c -q -f "$config"
exec haproxy -db -f "$config"

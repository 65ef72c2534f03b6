#!/usr/bin/env bash
# Runs a command with the project's mock integrations API up on loopback; its URL is in MOCK_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
node tests/support/mock-server.mjs --port 0 >"$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
  grep -q '^MOCK_URL=' "$log" && break
  sleep 0.1
done
MOCK_URL=$(sed -n 's/^MOCK_URL=//p' "$log")
[ -n "$MOCK_URL" ] || { echo "mock server did not start" >&2; exit 1; }
export MOCK_URL
"$@"

#!/usr/bin/env bash
# Next.js test of the README's React snippet (examples/next): packs pkg/ as users get it (or
# $PKG_DIR), installs the tarball into examples/next (after `npm ci` of its lockfile), runs
# `next build`, which prerenders the 'use client' page in Node as every Next.js app does, serves
# it with `next start` (rewriting /api to the mock integrations API), and runs tests/next/ in
# Debian's Chromium. Both servers listen on free loopback ports and are always stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
app=examples/next
export NEXT_TELEMETRY_DISABLED=1

if [ ! -f "$app/node_modules/.package-lock.json" ] || [ "$app/package-lock.json" -nt "$app/node_modules/.package-lock.json" ]; then
  (cd "$app" && npm ci --no-audit --no-fund >/dev/null)
fi
scripts/install-pkg.sh "$app"

logs=$(mktemp -d)
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap stop EXIT

# Waits for a line matching $2 in log $1 (of process $3) and prints its first loopback URL.
url_from_log() {
  local log=$1 pattern=$2 pid=$3 url
  for _ in $(seq 300); do
    url=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "$pattern" | grep -oE 'http://127\.0\.0\.1:[0-9]+' | head -1 || true)
    [ -n "$url" ] && { echo "$url"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start:" >&2
  cat "$log" >&2
  return 1
}

node tests/support/mock-server.mjs --host 127.0.0.1 --port 0 >"$logs/mock.log" 2>&1 &
pids+=($!)
MOCK_URL=$(url_from_log "$logs/mock.log" '^MOCK_URL=' "${pids[-1]}")
export MOCK_URL

# next.config.mjs bakes the /api rewrite to MOCK_URL into the build. The log only on failure.
rm -rf "$app/.next"
if ! (cd "$app" && ./node_modules/.bin/next build) >"$logs/build.log" 2>&1; then
  cat "$logs/build.log" >&2
  echo "test-next: next build failed (it prerenders the README's React snippet in Node)" >&2
  exit 1
fi

(cd "$app" && exec ./node_modules/.bin/next start --hostname 127.0.0.1 --port 0) >"$logs/next.log" 2>&1 &
pids+=($!)
APP_URL=$(url_from_log "$logs/next.log" 'Local:' "${pids[-1]}")
export APP_URL

echo "app $APP_URL, mock API $MOCK_URL"
node --test --test-concurrency=1 tests/next/

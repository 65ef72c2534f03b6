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

source scripts/servers.sh
start_mock_api

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

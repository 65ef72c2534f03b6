#!/usr/bin/env bash
# Browser tests of the React example: packs pkg/ as users get it, installs the tarball into
# examples/react (after `npm ci` of its lockfile), builds the app with Vite, serves it with
# `vite preview` (which proxies /api to the mock integrations API), and runs tests/browser/ in
# Debian's Chromium through playwright-core. Both servers listen on free loopback ports and are
# always stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
app=examples/react

(cd "$app" && npm ci --no-audit --no-fund >/dev/null)
scripts/install-pkg.sh "$app"
(cd "$app" && ./node_modules/.bin/vite build --logLevel warn)

source scripts/servers.sh
start_mock_api

# vite.config.js reads MOCK_URL for its /api proxy. --port 0: the OS picks a free port.
(cd "$app" && NO_COLOR=1 exec ./node_modules/.bin/vite preview --host 127.0.0.1 --port 0 --strictPort) >"$logs/vite.log" 2>&1 &
pids+=($!)
APP_URL=$(url_from_log "$logs/vite.log" 'Local:' "${pids[-1]}")
export APP_URL

echo "app $APP_URL, mock API $MOCK_URL"
node --test --test-concurrency=1 tests/browser/

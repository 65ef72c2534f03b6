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

logs=$(mktemp -d)
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap stop EXIT

# Waits for a line matching $2 in log $1 and prints its first URL.
url_from_log() {
  local log=$1 pattern=$2 pid=$3 url
  for _ in $(seq 200); do
    # Colour codes may sit inside the words (CI=true turns them on): strip them first.
    url=$(sed 's/\x1b\[[0-9;]*m//g' "$log" 2>/dev/null | grep -E "$pattern" | grep -oE 'http://127\.0\.0\.1:[0-9]+' | head -1 || true)
    if [ -n "$url" ]; then
      echo "$url"
      return 0
    fi
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

# vite.config.js reads MOCK_URL for its /api proxy. --port 0: the OS picks a free port.
(cd "$app" && NO_COLOR=1 exec ./node_modules/.bin/vite preview --host 127.0.0.1 --port 0 --strictPort) >"$logs/vite.log" 2>&1 &
pids+=($!)
APP_URL=$(url_from_log "$logs/vite.log" 'Local:' "${pids[-1]}")
export APP_URL

echo "app $APP_URL, mock API $MOCK_URL"
node --test --test-concurrency=1 tests/browser/

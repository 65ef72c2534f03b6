#!/usr/bin/env bash
# Browser tests of the React example and of the slim entry: packs pkg/ as users get it, installs
# the tarball into examples/react and examples/slim (after `npm ci` of their lockfiles), builds
# the React app with Vite and the slim page with Vite and with webpack 5 (no configuration for the
# wasm file), serves them with `vite preview` (the React app's proxies /api to the mock
# integrations API; the slim pages call the mock directly), and runs tests/browser/ in Debian's
# Chromium through playwright-core. Every server listens on a free loopback port and is always stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
app=examples/react
slim=examples/slim

(cd "$app" && npm ci --no-audit --no-fund >/dev/null)
scripts/install-pkg.sh "$app"
(cd "$app" && ./node_modules/.bin/vite build --logLevel warn)

if [ ! -f "$slim/node_modules/.package-lock.json" ] || [ "$slim/package-lock.json" -nt "$slim/node_modules/.package-lock.json" ]; then
  (cd "$slim" && npm ci --no-audit --no-fund >/dev/null)
fi
scripts/install-pkg.sh "$slim"
rm -rf "$slim/dist" "$slim/webpack/dist"
(cd "$slim" && ./node_modules/.bin/vite build --logLevel warn)
(cd "$slim" && npm run --silent build:webpack -- --stats errors-warnings)

source scripts/servers.sh
start_mock_api

# vite.config.js reads MOCK_URL for its /api proxy. --port 0: the OS picks a free port.
(cd "$app" && NO_COLOR=1 exec ./node_modules/.bin/vite preview --host 127.0.0.1 --port 0 --strictPort) >"$logs/vite.log" 2>&1 &
pids+=($!)
APP_URL=$(url_from_log "$logs/vite.log" 'Local:' "${pids[-1]}")
export APP_URL

# Any static server would do for the slim pages; vite preview is at hand (--outDir: the folder it serves).
(cd "$slim" && NO_COLOR=1 exec ./node_modules/.bin/vite preview --outDir dist --host 127.0.0.1 --port 0 --strictPort) >"$logs/slim-vite.log" 2>&1 &
pids+=($!)
SLIM_VITE_URL=$(url_from_log "$logs/slim-vite.log" 'Local:' "${pids[-1]}")
(cd "$slim" && NO_COLOR=1 exec ./node_modules/.bin/vite preview --outDir webpack --host 127.0.0.1 --port 0 --strictPort) >"$logs/slim-webpack.log" 2>&1 &
pids+=($!)
SLIM_WEBPACK_URL=$(url_from_log "$logs/slim-webpack.log" 'Local:' "${pids[-1]}")
export SLIM_VITE_URL SLIM_WEBPACK_URL

echo "app $APP_URL, slim pages $SLIM_VITE_URL (Vite) $SLIM_WEBPACK_URL (webpack), mock API $MOCK_URL"
node --test --test-concurrency=1 tests/browser/

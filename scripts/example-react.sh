#!/usr/bin/env bash
# `make example-react`: installs the packed package into examples/react and starts the app
# (Vite dev server on 127.0.0.1) against the mock integrations API. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd examples/react && npm ci --no-audit --no-fund >/dev/null)
scripts/install-pkg.sh examples/react
scripts/with-mock-server.sh sh -c 'cd examples/react && exec ./node_modules/.bin/vite --host 127.0.0.1'

#!/usr/bin/env bash
# `make example-react`: installs the packed package into examples/react and starts the app
# (Vite dev server on 127.0.0.1) against the mock integrations API. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/pack-example
rm -f target/pack-example/*.tgz
tarball=$(npm pack ./pkg --pack-destination target/pack-example --silent | tail -1)
(cd examples/react && npm ci --no-audit --no-fund >/dev/null &&
  npm install --no-save --no-package-lock --no-audit --no-fund "../../target/pack-example/$tarball" >/dev/null)
scripts/with-mock-server.sh sh -c 'cd examples/react && exec ./node_modules/.bin/vite --host 127.0.0.1'

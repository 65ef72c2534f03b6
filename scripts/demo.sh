#!/usr/bin/env bash
# `make demo`: installs the packed package into examples/node and runs the demo against the
# mock integrations API on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/pack
rm -f target/pack/*.tgz
tarball=$(npm pack ./pkg --pack-destination target/pack --silent | tail -1)
(cd examples/node && npm install --no-save --no-package-lock --no-audit --no-fund "../../target/pack/$tarball" >/dev/null)
scripts/with-mock-server.sh node examples/node/demo.mjs

#!/usr/bin/env bash
# Packs pkg/ as users get it, installs the tarball into tests/js/node_modules, and runs the JS
# tests (ESM and CJS) against it and the mock integrations API.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/pack
rm -f target/pack/*.tgz
tarball=$(npm pack ./pkg --pack-destination target/pack --silent | tail -1)
(cd tests/js && npm install --no-save --no-package-lock --no-audit --no-fund "../../target/pack/$tarball" >/dev/null)
node --test --test-concurrency=1 tests/js/

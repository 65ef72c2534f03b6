#!/usr/bin/env bash
# Packs pkg/ as users get it, installs the tarball into tests/js/node_modules, and runs the JS
# tests (ESM and CJS) against it and the mock integrations API.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-pkg.sh tests/js
node --test --test-concurrency=1 tests/js/

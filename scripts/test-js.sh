#!/usr/bin/env bash
# Packs pkg/ as users get it, installs the tarball into tests/js/node_modules, and runs the JS
# tests (ESM and CJS) against it and the mock integrations API; then the ESM suites that talk to
# the mock API once more against integrations-client/slim, whose wasm checks a response on its
# text (tests/js/slim-run/: `integrations-client` resolves to the slim entry, loaded).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-pkg.sh tests/js
node --test --test-concurrency=1 tests/js/
cd tests/js
node --import ./slim-run/register.mjs --test --test-concurrency=1 \
  client.test.mjs hostile.test.mjs store.test.mjs refresh.test.mjs observe.test.mjs grants.test.mjs guards.test.mjs tokens.test.mjs

#!/usr/bin/env bash
# `make demo`: installs the packed package into examples/node and runs the demo against the
# mock integrations API on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-pkg.sh examples/node
scripts/with-mock-server.sh node examples/node/demo.mjs

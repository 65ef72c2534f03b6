#!/usr/bin/env bash
# Type-checks a strict consumer of the packed package (no skipLibCheck), with moduleResolution
# node16 (ESM and CJS) and bundler.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-pkg.sh tests/types
# No exported signature may use `any` (doc comments aside).
if grep -nE '(:\s*any\b|<any>|\bany\[\]|\|\s*any\b)' pkg/*.d.ts pkg/*.d.cts; then
  echo "types: an exported signature uses any" >&2
  exit 1
fi
node scripts/check-dts-docs.mjs pkg/integrations_client.d.ts pkg/error.d.ts pkg/index.d.ts pkg/react.d.ts pkg/slim.d.ts
for config in tests/types/tsconfig.*.json; do
  echo "tsc -p $config"
  tsc -p "$config"
done
echo "types: every consumer config type-checks"

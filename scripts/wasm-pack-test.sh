#!/usr/bin/env bash
# Runs tests/wasm.rs through wasm-pack, as Rust users do (README, "Running the wasm tests with
# wasm-pack"): `scripts/wasm-pack-test.sh --node` or `--headless --chrome`. Fails unless the run
# executed every #[wasm_bindgen_test] of the file: a Chrome run without run_in_browser or
# WASM_BINDGEN_USE_BROWSER=1 skips them all and still exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(grep -cE '^\s*#\[wasm_bindgen_test\b' tests/wasm.rs)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
wasm-pack test "$@" --mode no-install -- --test wasm 2>&1 | tee "$log"
# "test result: ok. 13 passed; ..." (colour codes stripped); no such line when all were skipped.
ran=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/test result: ok\./ { n += $4 } END { print n + 0 }')
if [ "$ran" -ne "$want" ]; then
  echo "wasm-pack-test: $ran of the $want tests in tests/wasm.rs ran (wasm-pack test $*)" >&2
  exit 1
fi
echo "wasm-pack-test: all $want tests in tests/wasm.rs ran (wasm-pack test $*)"

# integrations-client. The two commands that matter: `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

UNLZMA := CARGO_TARGET_DIR=target/unlzma cargo
UNLZMA_MANIFEST := --manifest-path unlzma/Cargo.toml

.PHONY: all test demo pkg bench tools lint test-native test-wasm-node test-wasm-browser test-budget test-js test-types test-browser test-next example-react clean

all: test

## Installs what is missing: wasm target, pinned wasm-bindgen CLI, npm devDependencies, Chromium.
tools:
	@scripts/install-tools.sh

## Everything, from a fresh machine.
test: tools lint test-native test-wasm-node test-wasm-browser pkg test-budget test-js test-types test-browser test-next
	@echo "make test: all layers passed"

lint: tools
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --features bytes -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
	$(UNLZMA) fmt --check $(UNLZMA_MANIFEST)
	$(UNLZMA) clippy --all-targets $(UNLZMA_MANIFEST) -- -D warnings
	$(UNLZMA) clippy --target wasm32-unknown-unknown $(UNLZMA_MANIFEST) -- -D warnings

test-native: tools
	cargo test
	$(UNLZMA) test $(UNLZMA_MANIFEST)

## tests/wasm.rs through wasm-pack, in Node and in headless Chromium; each fails unless every test ran.
test-wasm-node: tools
	scripts/with-mock-server.sh scripts/wasm-pack-test.sh --node

# WASM_BINDGEN_USE_BROWSER=1: without it (or run_in_browser) the Chrome run skips every test.
test-wasm-browser: tools
	scripts/with-mock-server.sh env WASM_BINDGEN_USE_BROWSER=1 scripts/wasm-pack-test.sh --headless --chrome --chromedriver /usr/bin/chromedriver

## The npm package in pkg/; fails when the default entry is over the 45 KB gzip budget (README, "Size").
pkg: tools
	node scripts/build-pkg.mjs

## The budget `make pkg` enforces (scripts/check-budget.mjs, 45 KB gzip): the entry is within it,
## and a copy padded 2 KB past it is over (so the check can fail; PKG_BUDGET_BYTES unset).
test-budget: pkg
	env -u PKG_BUDGET_BYTES node scripts/check-budget.mjs pkg/index.js
	node -e "const fs = require('fs'), crypto = require('crypto'); fs.writeFileSync('target/over-budget.js', fs.readFileSync('pkg/index.js', 'utf8') + '//' + crypto.randomBytes(2048).toString('base64'))"
	status=0; env -u PKG_BUDGET_BYTES node scripts/check-budget.mjs target/over-budget.js 2>/dev/null || status=$$?; \
	  [ $$status = 1 ] || { echo "check-budget: exit $$status for an entry over the 45 KB budget, not 1" >&2; exit 1; }

## JS tests against the packed tarball, through import and require.
test-js: pkg
	scripts/test-js.sh

## A strict TypeScript consumer of the packed package's types.
test-types: pkg
	scripts/test-types.sh

## The React example (examples/react) in Chromium, against the packed package and the mock API;
## and the slim entry's page (examples/slim) built by Vite and by webpack 5.
test-browser: pkg
	scripts/test-browser.sh

## The README's React and slim-entry snippets in a Next.js 15 app (examples/next): next build, next start, Chromium.
test-next: pkg
	scripts/test-next.sh

## Runs the React example app against the mock API (http://127.0.0.1:5173 by default).
example-react: pkg
	scripts/example-react.sh

## The main job: the Node example against the mock integrations API.
demo: pkg
	scripts/demo.sh

## The benchmarks against ky, axios, zod and swr, as ratios (writes BENCHMARKS.md).
bench: pkg
	cd bench && npm ci --no-audit --no-fund && node run.mjs

clean:
	rm -rf pkg target/pkg-build target/pack* tests/js/node_modules tests/types/node_modules examples/node/node_modules examples/react/node_modules examples/react/dist examples/next/node_modules examples/next/.next examples/slim/node_modules examples/slim/dist examples/slim/webpack/dist

## The deterministic simulator of the client core (src/client/sim.rs): SEEDS seeds (10000 by
## default), each a scenario against a faulty simulated server; a failure names its seed.
.PHONY: sim
sim:
	SIM_SEEDS=$(or $(SEEDS),10000) cargo test --release --lib client::sim -- --nocapture

## `make bench` side by side with the package of an earlier commit (BASELINE=<rev>, 209a36d by default),
## in one run: the weight, per-request, start-up and boundary sections measure both, interleaved.
## The baseline is built by its own scripts/build-pkg.mjs in a git worktree, target/baseline/src
## (node_modules linked from here; its wasm target dir seeded from ours the first time, so only
## what differs is compiled); a stamp skips the rebuild while BASELINE stays the same commit.
## Our side is a copy of pkg/ taken right after its build (target/baseline/now/pkg, BENCH_PKG),
## so that a rebuild of pkg/ during the run cannot mix two builds.
BASELINE ?= 209a36d
BASELINE_SRC := target/baseline/src
.PHONY: bench-baseline
bench-baseline: pkg
	rm -rf target/baseline/now && mkdir -p target/baseline/now && cp -a pkg target/baseline/now/pkg
	! grep -q __INTEGRATIONS_CLIENT_DECODER__ target/baseline/now/pkg/index.js || { echo "bench-baseline: pkg/ was being rebuilt while copied; rerun" >&2; exit 1; }
	rev=$$(git rev-parse --verify --quiet '$(BASELINE)^{commit}') || { echo "bench-baseline: BASELINE=$(BASELINE) is not a commit" >&2; exit 1; }; \
	top=$$(git -C $(BASELINE_SRC) rev-parse --show-toplevel 2>/dev/null || true); \
	here=$$(cd $(BASELINE_SRC) 2>/dev/null && pwd -P || true); \
	if [ -z "$$here" ] || [ "$$top" != "$$here" ] || [ "$$(git -C $(BASELINE_SRC) rev-parse HEAD)" != "$$rev" ]; then \
	  git worktree remove --force $(BASELINE_SRC) 2>/dev/null || rm -rf $(BASELINE_SRC); \
	  git worktree prune; \
	  rm -f target/baseline/built; \
	  git worktree add --detach $(BASELINE_SRC) $$rev; \
	fi; \
	ln -sfn $(CURDIR)/node_modules $(BASELINE_SRC)/node_modules; \
	if [ ! -d $(BASELINE_SRC)/target/pkg-wasm ] && [ -d target/pkg-wasm ]; then \
	  mkdir -p $(BASELINE_SRC)/target && cp -a target/pkg-wasm $(BASELINE_SRC)/target/pkg-wasm; \
	fi; \
	if [ "$$(cat target/baseline/built 2>/dev/null)" != "$$rev" ] || [ ! -f $(BASELINE_SRC)/pkg/index.js ]; then \
	  (cd $(BASELINE_SRC) && node scripts/build-pkg.mjs); \
	  echo "$$rev" > target/baseline/built; \
	fi
	cd bench && npm ci --no-audit --no-fund && BENCH_PKG=$(CURDIR)/target/baseline/now/pkg BENCH_BASELINE=$(BASELINE_SRC) node run.mjs

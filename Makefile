# integrations-client. The two commands that matter: `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

UNLZMA := CARGO_TARGET_DIR=target/unlzma cargo
UNLZMA_MANIFEST := --manifest-path unlzma/Cargo.toml
WASM_TEST := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target wasm32-unknown-unknown --test wasm
BROWSER := WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver

.PHONY: all test demo pkg bench tools lint test-native test-wasm-node test-wasm-browser test-js test-types test-browser example-react clean

all: test

## Installs what is missing: wasm target, pinned wasm-bindgen CLI, npm devDependencies, Chromium.
tools:
	@scripts/install-tools.sh

## Everything, from a fresh machine.
test: tools lint test-native test-wasm-node test-wasm-browser pkg test-js test-types test-browser
	@echo "make test: all layers passed"

lint: tools
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
	$(UNLZMA) fmt --check $(UNLZMA_MANIFEST)
	$(UNLZMA) clippy --all-targets $(UNLZMA_MANIFEST) -- -D warnings
	$(UNLZMA) clippy --target wasm32-unknown-unknown $(UNLZMA_MANIFEST) -- -D warnings

test-native: tools
	cargo test
	$(UNLZMA) test $(UNLZMA_MANIFEST)

test-wasm-node: tools
	scripts/with-mock-server.sh env $(WASM_TEST)

test-wasm-browser: tools
	scripts/with-mock-server.sh env $(BROWSER) $(WASM_TEST)

## The npm package in pkg/, and its weight.
pkg: tools
	node scripts/build-pkg.mjs

## JS tests against the packed tarball, through import and require.
test-js: pkg
	scripts/test-js.sh

## A strict TypeScript consumer of the packed package's types.
test-types: pkg
	scripts/test-types.sh

## The React example (examples/react) in Chromium, against the packed package and the mock API.
test-browser: pkg
	scripts/test-browser.sh

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
	rm -rf pkg target/pkg-build target/pack* tests/js/node_modules tests/types/node_modules examples/node/node_modules examples/react/node_modules examples/react/dist

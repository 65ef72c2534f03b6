#!/usr/bin/env bash
# Installs what the build and tests need, only what is missing, so that `make test` works on a
# fresh machine (see ../shared/TOOLCHAIN.md for why each piece is installed this way).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, as root or through sudo.
apt_install() {
  if [ "$(id -u)" = 0 ]; then apt=(apt-get); else apt=(sudo apt-get); fi
  "${apt[@]}" update
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y "$@"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
for component in clippy rustfmt; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

# The pinned nightly that builds the shipped wasm (scripts/build-pkg.mjs: std rebuilt for size,
# panic=immediate-abort). Tests, clippy and docs stay on stable. About 20 s fresh.
nightly=$(cat scripts/pkg-toolchain)
if ! rustup component list --toolchain "$nightly" --installed 2>/dev/null | grep -q '^rust-src' ||
  ! rustup target list --toolchain "$nightly" --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup toolchain install "$nightly" --profile minimal --component rust-src --target wasm32-unknown-unknown
fi

# The wasm-bindgen CLI must be exactly the version in Cargo.lock.
want=$(cargo metadata --format-version 1 --locked |
  node -e 'const m = JSON.parse(require("fs").readFileSync(0)); process.stdout.write(m.packages.find((p) => p.name === "wasm-bindgen").version)')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (about two minutes)"
  cargo install wasm-bindgen-cli --version "$want" --no-default-features --force
fi

# wasm-pack, for the wasm tests as Rust users run them (always with --mode no-install, which uses
# the wasm-bindgen-test-runner above instead of downloading one). About five minutes fresh.
if ! command -v wasm-pack >/dev/null; then
  cargo install wasm-pack --locked
fi

# npm devDependencies: wasm-opt (binaryen), esbuild, typescript, playwright-core, ...
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# build-pkg.mjs packs the wasm with CPython's lzma module (liblzma).
if ! python3 -c 'import lzma' 2>/dev/null; then
  apt_install python3
fi

# Debian's Chromium and its driver, for the browser tests (no browser downloads here).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt_install chromium chromium-driver
fi

#!/usr/bin/env bash
# Installs the packed package (pkg/ through `npm pack`, as users get it) into the folder $1,
# without touching its package.json or lockfile. PKG_DIR packs another build of the package instead.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$1
pack=target/pack/$(basename "$dest")
mkdir -p "$pack"
rm -f "$pack"/*.tgz
tarball=$(npm pack "${PKG_DIR:-./pkg}" --pack-destination "$pack" --silent | tail -1)
(cd "$dest" && npm install --no-save --no-package-lock --no-audit --no-fund "$OLDPWD/$pack/$tarball" >/dev/null)

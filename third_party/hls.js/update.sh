#!/usr/bin/env bash
# Replaces the vendored hls.js with a release from npm: third_party/hls.js/update.sh [VERSION]
# (default: the newest 1.x). Builds never download it: the minified build is committed here and
# embedded in the binary (src/http/assets.cpp), served at /assets/hls-<VERSION>.min.js.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${1:-1}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && npm pack --silent "hls.js@${version}" >/dev/null && tar xzf hls.js-*.tgz)
cp "$scratch/package/dist/hls.min.js" "$here/hls.min.js"
cp "$scratch/package/LICENSE" "$here/LICENSE"
node -p "require('$scratch/package/package.json').version" >"$here/VERSION"
echo "hls.js $(cat "$here/VERSION") in $here; rebuild to embed it"

#!/usr/bin/env bash
# Installs the Debian 12 packages seeder needs, and only those that are missing.
# One list for every consumer: scripts/dev (run/test), .ci/run and the Dockerfile.
#
#   scripts/install-deps.sh            build + test packages, sanitizer and fuzzing toolchain
#                                      included (default: scripts/dev, CI)
#   scripts/install-deps.sh --build    build + unit-test packages only (the Dockerfile)
#   scripts/install-deps.sh --runtime  shared libraries the seeder binary needs at run time
#   scripts/install-deps.sh --bench    build packages plus the benchmark baselines (nginx)
#   scripts/install-deps.sh --browser  build packages plus Chromium, chromedriver and ffmpeg
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config ca-certificates
  libtorrent-rasterbar-dev libboost-dev libssl-dev libsqlite3-dev
  libspdlog-dev libfmt-dev libcli11-dev libgtest-dev
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libswscale-dev
)
runtime_packages=(
  libtorrent-rasterbar2.0 libsqlite3-0 libspdlog1.10 libfmt9 libssl3 ca-certificates
  libavformat59 libavcodec59 libavutil57 libswresample4 libswscale6
)
# The asan preset and the fuzzers (clang + libFuzzer + sanitizer runtimes, lld to link them
# fast; CMake uses it for every build where it is found); ccache makes
# repeated `scripts/dev test` runs cheap on small machines; nginx-light for the scale-out test
# (three gateways behind the shipped deploy/nginx config); the browser test's headless
# Chromium, its WebDriver and ffmpeg (the test's H.264 film); mpv, the player the signed-link
# test opens a link with.
browser_packages=(chromium chromium-driver ffmpeg)
# python3 runs the churn soak (bench/churn_soak.py) that CTest includes; Node.js the pages' own
# scripts' tests (media_judgement_test).
test_packages=(clang lld libfuzzer-14-dev libclang-rt-14-dev ccache nginx-light python3 nodejs mpv
  "${browser_packages[@]}")
# Baselines and real clients: nginx (plain file server), ffmpeg (ffprobe + the test media), mpv.
bench_packages=(nginx-light curl ffmpeg mpv)

mode=${1:---test}
case "$mode" in
  --test) wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
  --build) wanted=("${build_packages[@]}") ;;
  --runtime) wanted=("${runtime_packages[@]}") ;;
  --bench) wanted=("${build_packages[@]}" "${bench_packages[@]}") ;;
  --browser) wanted=("${build_packages[@]}" "${browser_packages[@]}") ;;
  *) echo "install-deps: unknown mode '$mode' (use --test, --build, --runtime, --bench or --browser)" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "install-deps: missing packages and no root or sudo: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

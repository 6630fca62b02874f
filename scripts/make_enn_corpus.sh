#!/usr/bin/env bash
# Regenerates the .enn fuzz seed corpus (tests/fuzz/corpus/enn/): a few tiny
# valid models (valid_*: the current 2.0 layout; valid_v1_*: the same models
# in the 1.0 layout, which readers still load) and truncations of one,
# written by the format test itself
# (tests/fmt/test_format.c with ENN_WRITE_CORPUS set), so the seeds always
# match the current writer.
#
#   bash scripts/make_enn_corpus.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
[[ -f $build/CMakeCache.txt ]] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target fmt_test_format -j1 >/dev/null
out=$root/tests/fuzz/corpus/enn
mkdir -p "$out"
rm -f "$out"/*.enn
ENN_WRITE_CORPUS=$out "$build/fmt_test_format"
ls -l "$out"

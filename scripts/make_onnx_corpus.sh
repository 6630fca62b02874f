#!/usr/bin/env bash
# Regenerates the ONNX fuzz seed corpus (tests/fuzz/corpus/onnx/): three
# small valid models (shape arithmetic; a dozen CNN operators; a quantised
# QDQ / QLinearConv chain) and a truncation of each, written by the malformed-input test itself
# (tests/import/test_onnx_malformed.c with ENN_WRITE_ONNX_CORPUS set), so
# the seeds always match the builder the tests use.
#
#   bash scripts/make_onnx_corpus.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
[[ -f $build/CMakeCache.txt ]] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target import_test_onnx_malformed -j1 >/dev/null
out=$root/tests/fuzz/corpus/onnx
mkdir -p "$out"
rm -f "$out"/*.onnx
ENN_WRITE_ONNX_CORPUS=$out "$build/import_test_onnx_malformed" >/dev/null 2>&1
ls -l "$out"

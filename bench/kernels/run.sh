#!/usr/bin/env bash
# Kernel microbenchmarks on layer shapes of real networks
# (bench/kernels/kernel_bench.c: MobileNetV2 1.0/224 or ResNet-8 layers as
# one-node sessions, every kernel level the CPU has, thread CPU time).
#
# Usage: bench/kernels/run.sh [BUILD_DIR] [kernel_bench options]
#   e.g. bench/kernels/run.sh build --net resnet8 --cold
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-build}"
[ $# -gt 0 ] && shift
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target edgenn_static -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
"${CC:-cc}" -O2 -std=c11 -D_GNU_SOURCE -I"$root/include" -I"$root/src" "$root/bench/kernels/kernel_bench.c" \
  "$build/libedgenn.a" -lpthread -lm -lz -llzma -lstb -o "$build/kernel_bench"
exec "$build/kernel_bench" "$@"

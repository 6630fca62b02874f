#!/usr/bin/env bash
# Model benchmarks: `edgenn bench` on a fixed model list, 1 and 2 threads,
# medians of many runs after warm-up. Usage: bench/run.sh [BUILD_DIR]
# With PEERS=1 in the environment (`make bench PEERS=1`) it runs the peer
# comparison instead: bench/peers.sh (XNNPACK, PyTorch, ONNX Runtime,
# TFLite on the same models; see docs/benchmarks.md).
# DTYPES (space- or comma-separated: f32 f16 int8; default "f32" here,
# "f32 int8" for PEERS=1, which has no f16) picks the precisions, passed to
# `edgenn bench --dtype` (int8: quantised on the fly with synthetic
# calibration; f16: fp16 weights), e.g. `make bench DTYPES="f32 int8"`.
set -euo pipefail
build="${1:-build}"
if [ "${PEERS:-0}" = 1 ]; then
  exec bash "$(dirname "$0")/peers.sh" --build "$build"
fi
cli="$build/edgenn"
[ -x "$cli" ] || { echo "bench: $cli not built (run make)" >&2; exit 1; }
iters="${BENCH_ITERS:-50}"
dtypes="${DTYPES:-f32}"
dtypes="${dtypes//,/ }"
for d in $dtypes; do
  case "$d" in f32|f16|int8) ;; *) echo "bench: unknown dtype '$d' in DTYPES (f32, f16, int8)" >&2; exit 2 ;; esac
done
models=(
  "zoo:resnet8"
  "zoo:ds_cnn"
  "zoo:mobilenet_v2,width=0.35,res=96"
  "zoo:mobilenet_v2"
  "zoo:mobilenet_v3_large"
  "zoo:efficientnet_lite0"
  "zoo:resnet18"
)
printf '%-40s %5s %7s %10s %10s %10s %12s\n' model dtype threads p50_ms p90_ms min_ms GFLOP/s
for m in "${models[@]}"; do
  for t in 1 2; do
    for d in $dtypes; do
      json=$("$cli" bench "$m" --dtype "$d" --threads "$t" --warmup 3 --iters "$iters" --max-time 0 --json)
      p50=$(printf '%s' "$json" | tr -d '\n ' | sed -n 's/.*"p50":\([0-9.e+-]*\).*/\1/p')
      p90=$(printf '%s' "$json" | tr -d '\n ' | sed -n 's/.*"p90":\([0-9.e+-]*\).*/\1/p')
      mn=$(printf '%s' "$json" | tr -d '\n ' | sed -n 's/.*"min":\([0-9.e+-]*\).*/\1/p')
      macs=$(printf '%s' "$json" | tr -d '\n ' | sed -n 's/.*"macs":\([0-9]*\).*/\1/p')
      gf=$(awk -v m="$macs" -v t="$p50" 'BEGIN { if (t > 0) printf "%.2f", 2*m/(t*1e6); else print "-" }')
      printf '%-40s %5s %7s %10s %10s %10s %12s\n' "$m" "$d" "$t" "$p50" "$p90" "$mn" "$gf"
    done
  done
done

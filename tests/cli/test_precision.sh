#!/usr/bin/env bash
# Precision on the command line: `edgenn bench --dtype f32|f16|int8` (f16 =
# weights stored fp16; int8 = quantised on the fly with synthetic
# calibration, which the output must say) and the FP32 / FP16 / INT8 table
# of `edgenn demo`, with and without the data directory (accuracy from the
# MLPerf Tiny ResNet-8 float model on CIFAR-10, or "n/a (no data)").
#
# usage: test_precision.sh path/to/edgenn   (prints "N passed, N failed")
set -u

BIN=${1:?usage: test_precision.sh path/to/edgenn}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
  echo "not executable: $BIN"
  exit 1
fi
T="${ENN_TEST_TMP:-/tmp}/precision_test.$$"
rm -rf "$T"
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() {
  FAIL=$((FAIL + 1))
  echo "FAIL: $*"
}
check() { # check NAME CONDITION-COMMAND...
  local name=$1
  shift
  if "$@"; then ok; else bad "$name"; fi
}

# run_ok NAME ARGS...: exit 0, stdout in $T/out, stderr in $T/err.
run_ok() {
  local name=$1
  shift
  "$BIN" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq 0 ]; then ok; else bad "$name: exit $rc: $(head -c 300 "$T/err")"; fi
  return $rc
}

# run_err NAME WANT_RC ARGS...: exit WANT_RC, exactly one "edgenn: error:" line on stderr.
run_err() {
  local name=$1 want=$2
  shift 2
  "$BIN" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$T/err")
  if [ $rc -ne "$want" ]; then
    bad "$name: expected exit $want, got $rc: $(head -c 300 "$T/err")"
  elif [ "$lines" -ne 1 ] || ! grep -q '^edgenn: error: ' "$T/err"; then
    bad "$name: expected one 'edgenn: error:' line, got: $(head -c 300 "$T/err")"
  else
    ok
  fi
}

# json_num FILE KEY: the first number after "KEY": in FILE.
json_num() { grep -o "\"$2\": [-0-9.e+]*" "$1" | head -n 1 | sed 's/.*: //'; }
# le A B [FACTOR]: A <= FACTOR * B (floating point, awk).
le() { awk -v a="$1" -v b="$2" -v f="${3:-1}" 'BEGIN { exit !(a != "" && b != "" && a + 0 <= f * b) }'; }

BENCH=(--iters 3 --warmup 1 --max-time 2)

# ---------------------------------------------------------------- bench
if run_ok "bench f32 json" bench zoo:resnet8 "${BENCH[@]}" --json; then
  cp "$T/out" "$T/f32.json"
  check "bench f32: dtype key" grep -q '"dtype": "f32"' "$T/f32.json"
  check "bench f32: no calibration key" bash -c "! grep -q '\"calibration\"' '$T/f32.json'"
fi
if run_ok "bench f16 json" bench zoo:resnet8 "${BENCH[@]}" --dtype f16 --json; then
  cp "$T/out" "$T/f16.json"
  check "bench f16: dtype key" grep -q '"dtype": "f16"' "$T/f16.json"
  w32=$(json_num "$T/f32.json" weights_bytes)
  w16=$(json_num "$T/f16.json" weights_bytes)
  check "bench f16: weights $w16 <= 0.51 x f32 $w32" le "$w16" "$w32" 0.51
  check "bench f16: weights $w16 >= 0.49 x f32 $w32" le "$w32" "$w16" 2.05
  a32=$(json_num "$T/f32.json" peak_arena_bytes)
  a16=$(json_num "$T/f16.json" peak_arena_bytes)
  check "bench f16: same arena ($a16 vs $a32)" test "$a16" = "$a32"
  p32=$(json_num "$T/f32.json" persistent_bytes)
  p16=$(json_num "$T/f16.json" persistent_bytes)
  check "bench f16: persistent $p16 <= f32 $p32 (no second f32 copy)" le "$p16" "$p32" 1
fi
if run_ok "bench f16 text" bench zoo:resnet8 "${BENCH[@]}" --dtype fp16; then
  check "bench f16 text: says weights-only" grep -q '^precision .*weights-only FP16' "$T/out"
fi
if run_ok "bench int8 json" bench zoo:resnet8 "${BENCH[@]}" --dtype int8 --json; then
  check "bench int8: dtype key" grep -q '"dtype": "int8"' "$T/out"
  check "bench int8: calibration synthetic" grep -q '"calibration": "synthetic"' "$T/out"
  w8=$(json_num "$T/out" weights_bytes)
  check "bench int8: weights $w8 <= 0.3 x f32 ${w32:-}" le "$w8" "${w32:-0}" 0.3
fi
if run_ok "bench int8 text" bench zoo:ds_cnn "${BENCH[@]}" --dtype int8; then
  check "bench int8 text: says SYNTHETIC" grep -q 'SYNTHETIC calibration' "$T/out"
  check "bench int8 text: says speed only" grep -q 'for speed measurements only' "$T/out"
fi
# the reference kernels read the f32 copy made at load
ENN_ISA=ref run_ok "bench f16 under ENN_ISA=ref" bench zoo:lenet5 "${BENCH[@]}" --dtype f16
run_err "bench --dtype bogus" 2 bench zoo:lenet5 --dtype bogus
run_err "bench --dtype twice" 2 bench zoo:lenet5 --dtype f16 --dtype int8

# converting a model that is already quantised
DATA="${EDGENN_DATA:-${ENN_SOURCE_DIR:-.}/../shared/data}"
Q="$DATA/mlperf-tiny/image_classification/pretrainedResnet_quant.tflite"
if [ -f "$Q" ]; then
  run_err "bench f16 of an int8 model" 1 bench "$Q" --dtype f16
  check "bench f16 of an int8 model: says why" grep -q 'float32 graph' "$T/err"
  run_err "bench int8 of an int8 model" 1 bench "$Q" --dtype int8
else
  echo "note: $Q not found: int8-model error cases skipped"
fi

# ----------------------------------------------------------------- demo
# demo_rows FILE: the "precision" rows of a demo --json document.
demo_rows() { sed -n '/"precision": \[/,/^  \]/p' "$1" | grep '"dtype"'; }
# row FILE MODEL_SUBSTR DTYPE: that row.
row() { demo_rows "$1" | grep -F "$2" | grep -F "\"dtype\": \"$3\""; }
row_num() { row "$1" "$2" "$3" | grep -o "\"$4\": [-0-9.e+]*" | head -n 1 | sed 's/.*: //'; }

if EDGENN_DATA="$T/no-such-dir" run_ok "demo without data" demo --max-time 0.05 --iters 3 --json; then
  cp "$T/out" "$T/demo_nodata.json"
  n=$(demo_rows "$T/demo_nodata.json" | wc -l)
  check "demo without data: 6 precision rows (got $n)" test "$n" -eq 6
  check "demo without data: no error rows" bash -c "! grep -q '\"error\"' '$T/demo_nodata.json'"
  check "demo without data: accuracy n/a (no data)" bash -c \
    "grep '\"zoo:resnet8\"' '$T/demo_nodata.json' | grep -q 'n/a (no data)'"
  check "demo without data: top1 null" bash -c "! grep -q '\"top1\": [0-9]' '$T/demo_nodata.json'"
  check "demo without data: int8 synthetic" bash -c \
    "grep '\"dtype\": \"int8\"' '$T/demo_nodata.json' | grep -q '\"calibration\": \"synthetic\"'"
  for m in 'zoo:resnet8' 'mobilenet_v2'; do
    w32=$(row_num "$T/demo_nodata.json" "$m" f32 weights_bytes)
    w16=$(row_num "$T/demo_nodata.json" "$m" f16 weights_bytes)
    w8=$(row_num "$T/demo_nodata.json" "$m" int8 weights_bytes)
    check "demo $m: f16 weights $w16 <= 0.51 x $w32" le "$w16" "$w32" 0.51
    check "demo $m: int8 weights $w8 <= 0.3 x $w32" le "$w8" "$w32" 0.3
  done
fi
if EDGENN_DATA="$T/no-such-dir" run_ok "demo text without data" demo --max-time 0.05 --iters 3; then
  check "demo text: accuracy n/a (no data)" grep -q 'accuracy: n/a (no data)' "$T/out"
  check "demo text: f16 row" grep -Eq '^ +f16 ' "$T/out"
  check "demo text: says SYNTHETIC" grep -q 'SYNTHETIC' "$T/out"
fi

M="$DATA/mlperf-tiny/image_classification/pretrainedResnet.tflite"
if [ -f "$M" ] && [ -f "$DATA/cifar10/cifar-10-batches-bin/test_batch.bin" ]; then
  t0=$(date +%s)
  if run_ok "demo with data" demo --data "$DATA" --json; then
    t1=$(date +%s)
    echo "demo with data: $((t1 - t0)) s (meant to stay under ~60 s in a release build; not checked)"
    cp "$T/out" "$T/demo.json"
    k=MLPerf
    a32=$(row_num "$T/demo.json" $k f32 top1)
    a16=$(row_num "$T/demo.json" $k f16 top1)
    a8=$(row_num "$T/demo.json" $k int8 top1)
    echo "demo: ResNet-8 top-1 on 500 CIFAR-10 test images: f32 $a32, f16 $a16, int8 $a8"
    check "demo: f32 top-1 $a32 plausible (>= 0.8)" le 0.8 "$a32"
    check "demo: f16 top-1 $a16 within 0.01 of $a32" awk -v a="$a16" -v b="$a32" \
      'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 0.01) }'
    check "demo: int8 top-1 $a8 within 0.03 of $a32" awk -v a="$a8" -v b="$a32" \
      'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 0.03) }'
    check "demo: int8 calibrated on real images" bash -c \
      "grep 'MLPerf' '$T/demo.json' | grep '\"dtype\": \"int8\"' | grep -q 'cifar10-test'"
    check "demo: 500 samples scored" bash -c "grep 'MLPerf' '$T/demo.json' | grep -q '\"accuracy_samples\": 500'"
  fi
else
  echo "note: MLPerf ResNet-8 / CIFAR-10 not under $DATA: demo accuracy checks skipped"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]

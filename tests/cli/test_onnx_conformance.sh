#!/usr/bin/env bash
# ONNX conformance gate: `edgenn verify` over the ONNX per-operator suite
# (onnx-node-tests, 922 cases) and the backend suites (pytorch-converted,
# pytorch-operator, simple). Every case must pass or be reported
# unsupported; one failed case fails this test. (The "light" real-model
# cases take minutes and are run by scripts/onnx_conformance.py instead.)
# Data: $EDGENN_DATA or ../shared/data beside the source tree; skipped
# (exit 77) when absent, failed under EDGENN_REQUIRE_DATA=1.
set -u
cli="$1"
data="${EDGENN_DATA:-${ENN_SOURCE_DIR:-.}/../shared/data}"
node="$data/onnx-node-tests"
if [ ! -d "$node" ]; then
  if [ "${EDGENN_REQUIRE_DATA:-0}" = "1" ]; then echo "FAIL: $node is missing"; exit 1; fi
  echo "SKIP: $node not found (set EDGENN_DATA)"; exit 77
fi
dirs=("$node")
for d in pytorch-converted pytorch-operator simple; do
  [ -d "$data/onnx-backend-tests/$d" ] && dirs+=("$data/onnx-backend-tests/$d")
done
# the other commands take .onnx models and .pb tensors directly
tmp="${ENN_TEST_TMP:-/tmp}/onnx_conf.$$"
mkdir -p "$tmp"
case_dir="$data/onnx-backend-tests/pytorch-converted/test_Conv2d" # one input, NCHW
if [ -d "$case_dir" ]; then
  "$cli" info "$case_dir/model.onnx" >/dev/null || { echo "FAIL: info on an .onnx model"; exit 1; }
  "$cli" run "$case_dir/model.onnx" --input "$case_dir/test_data_set_0/input_0.pb" -o "$tmp/y.npy" >/dev/null ||
    { echo "FAIL: run with a .pb input"; exit 1; }
  [ -s "$tmp/y.npy" ] || { echo "FAIL: run wrote no output"; exit 1; }
  "$cli" convert "$case_dir/model.onnx" -o "$tmp/m.enn" >/dev/null || { echo "FAIL: convert .onnx -> .enn"; exit 1; }
  "$cli" run "$tmp/m.enn" --input "$case_dir/test_data_set_0/input_0.pb" -o "$tmp/y2.npy" >/dev/null &&
    cmp -s "$tmp/y.npy" "$tmp/y2.npy" || { echo "FAIL: the converted model computes something else"; exit 1; }
fi
rm -rf "$tmp"
out=$("$cli" verify --quiet "${dirs[@]}" 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 40
summary=$(printf '%s\n' "$out" | tail -n 1)
passed=$(printf '%s\n' "$summary" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
# the suite must really have run (a floor well below today's count)
if [ -z "$passed" ] || [ "$passed" -lt 250 ]; then echo "FAIL: too few passing cases ($summary)"; exit 1; fi
[ "$rc" -eq 0 ]

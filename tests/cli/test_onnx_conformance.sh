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
out=$("$cli" verify --quiet "${dirs[@]}" 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 40
summary=$(printf '%s\n' "$out" | tail -n 1)
passed=$(printf '%s\n' "$summary" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
# the suite must really have run (a floor well below today's count)
if [ -z "$passed" ] || [ "$passed" -lt 250 ]; then echo "FAIL: too few passing cases ($summary)"; exit 1; fi
[ "$rc" -eq 0 ]

#!/usr/bin/env bash
# `edgenn verify` on malformed cases: each one is reported (fail with a
# reason, or unsupported) and the run goes on; totals, JSON and the exit
# status agree. Cases are assembled in a temporary folder from ONNX node
# tests (skipped, exit 77, when the data is absent; failed under
# EDGENN_REQUIRE_DATA=1).
set -u
cli="$1"
data="${EDGENN_DATA:-${ENN_SOURCE_DIR:-.}/../shared/data}"
node="$data/onnx-node-tests"
if [ ! -d "$node/test_relu" ] || [ ! -d "$node/test_lrn" ]; then
  if [ "${EDGENN_REQUIRE_DATA:-0}" = "1" ]; then echo "FAIL: $node is missing"; exit 1; fi
  echo "SKIP: $node not found (set EDGENN_DATA)"; exit 77
fi
tmp="${ENN_TEST_TMP:-/tmp}/verify_cases.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
c="$tmp/cases"
mkdir -p "$c"
cp -r "$node/test_relu" "$c/a_good"
cp -r "$node/test_lrn" "$c/b_unsupported"
cp -r "$node/test_relu" "$c/c_garbage_model"; printf 'this is not a protobuf \377\377' > "$c/c_garbage_model/model.onnx"
cp -r "$node/test_relu" "$c/d_truncated_model"; head -c 20 "$node/test_relu/model.onnx" > "$c/d_truncated_model/model.onnx"
cp -r "$node/test_relu" "$c/e_missing_output"; rm "$c/e_missing_output/test_data_set_0/output_0.pb"
cp -r "$node/test_relu" "$c/f_wrong_values"; cp "$node/test_relu/test_data_set_0/input_0.pb" "$c/f_wrong_values/test_data_set_0/output_0.pb"
cp -r "$node/test_relu" "$c/g_garbage_input"; printf '\012\377\377' > "$c/g_garbage_input/test_data_set_0/input_0.pb"
mkdir -p "$c/h_empty_dir"
cp -r "$node/test_relu" "$c/i_no_data_sets"; rm -r "$c/i_no_data_sets/test_data_set_0"
cp -r "$node/test_relu" "$c/j_wrong_shape_input"; cp "$node/test_add_bcast/test_data_set_0/input_1.pb" "$c/j_wrong_shape_input/test_data_set_0/input_0.pb" 2>/dev/null || cp "$node/test_lrn/test_data_set_0/input_0.pb" "$c/j_wrong_shape_input/test_data_set_0/input_0.pb"

fail=0
json=$("$cli" verify --json "$c" 2>&1); rc=$?
printf '%s\n' "$json"
[ "$rc" -eq 1 ] || { echo "FAIL: exit status $rc, expected 1 (some cases fail)"; fail=1; }
want() { printf '%s\n' "$json" | grep -q "$1" || { echo "FAIL: missing $1"; fail=1; }; }
want '"passed": 1,'
want '"failed": 8,'
want '"unsupported": 1,'
want '"total": 10,'
want '"name": "a_good", "path": "[^"]*", "status": "pass", "max_abs_err": 0,'
want '"name": "b_unsupported", "path": "[^"]*", "status": "unsupported"'
for k in c_garbage_model d_truncated_model e_missing_output f_wrong_values g_garbage_input h_empty_dir i_no_data_sets j_wrong_shape_input; do
  want "\"name\": \"$k\", \"path\": \"[^\"]*\", \"status\": \"fail\""
done
want '"name": "f_wrong_values", "path": "[^"]*", "status": "fail", "max_abs_err": [1-9.]'
# text mode: one line per case plus the totals
lines=$("$cli" verify "$c" 2>&1 | wc -l)
[ "$lines" -eq 11 ] || { echo "FAIL: text mode printed $lines lines, expected 11"; fail=1; }
# only passing / unsupported cases: exit 0
"$cli" verify --quiet "$c/a_good" "$c/b_unsupported" >/dev/null || { echo "FAIL: exit status for pass + unsupported"; fail=1; }
# a bad command line
"$cli" verify >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no CASE must be a usage error"; fail=1; }
"$cli" verify --rtol x "$c" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: bad --rtol must be a usage error"; fail=1; }
[ "$fail" -eq 0 ] && echo "ok"
exit "$fail"

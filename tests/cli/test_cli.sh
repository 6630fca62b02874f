#!/usr/bin/env bash
# End-to-end tests of the `edgenn` tool: every command's happy path, the JSON
# keys other tools rely on, convert -> info / run round trips, and error paths
# (each must exit non-zero without a signal and print exactly one
# "edgenn: error:" line on stderr).
#
# usage: test_cli.sh path/to/edgenn      (scratch files go under $ENN_TEST_TMP)
set -u

BIN=${1:?usage: test_cli.sh path/to/edgenn}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
  echo "not executable: $BIN"
  exit 1
fi
T="${ENN_TEST_TMP:-/tmp}/cli_test.$$"
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
have_py=0
if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' >/dev/null 2>&1; then have_py=1; fi

# run_ok NAME ARGS...: exit 0, stdout in $T/out, stderr in $T/err.
run_ok() {
  local name=$1
  shift
  "$BIN" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq 0 ]; then ok; else bad "$name: exit $rc: $(head -c 300 "$T/err")"; fi
  return $rc
}

# run_err NAME ARGS...: non-zero, not a signal, exactly one "edgenn: error:" line on stderr.
run_err() {
  local name=$1
  shift
  "$BIN" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$T/err")
  if [ $rc -eq 0 ]; then
    bad "$name: expected failure, got exit 0"
  elif [ $rc -ge 128 ]; then
    bad "$name: killed by a signal (exit $rc): $(head -c 300 "$T/err")"
  elif [ "$lines" -ne 1 ]; then
    bad "$name: expected one stderr line, got $lines: $(head -c 300 "$T/err")"
  elif ! grep -q '^edgenn: error: ' "$T/err"; then
    bad "$name: stderr does not start with 'edgenn: error:': $(cat "$T/err")"
  else
    ok
  fi
}

# expect NAME PATTERN FILE: grep -E PATTERN in FILE.
expect() {
  if grep -Eq -- "$2" "$3" 2>/dev/null; then ok; else bad "$1: '$2' not in $(head -c 400 "$3" 2>/dev/null)"; fi
}

# json_keys NAME FILE KEY...: the document parses and has the (dotted) keys.
json_keys() {
  local name=$1 file=$2
  shift 2
  if [ $have_py -eq 1 ]; then
    if python3 - "$file" "$@" 2>/dev/null <<'EOF'; then ok; else bad "$name: JSON check failed (not JSON or keys missing)"; fi
import json, sys
d = json.load(open(sys.argv[1]))
missing = []
for k in sys.argv[2:]:
    x = d
    for part in k.split('.'):
        if not isinstance(x, dict) or part not in x:
            missing.append(k)
            break
        x = x[part]
if missing:
    print("missing keys:", missing)
    sys.exit(1)
EOF
  else
    local k
    for k in "$@"; do
      if grep -q "\"${k##*.}\"" "$file"; then ok; else bad "$name: key $k missing"; fi
    done
  fi
}

# json_get FILE EXPR: prints a value (python3 only).
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }

# mknpy PATH DESCR SHAPE DATAFILE: writes a .npy v1.0 by hand.
mknpy() {
  local path=$1 descr=$2 shape=$3 data=$4
  local d="{'descr': '$descr', 'fortran_order': False, 'shape': $shape, }"
  local total=$(((10 + ${#d} + 1 + 63) / 64 * 64))
  local hl=$((total - 10))
  {
    printf '\x93NUMPY\x01\x00'
    printf "\\x$(printf %02x $((hl & 255)))\\x$(printf %02x $((hl >> 8)))"
    printf '%s' "$d"
    printf '%*s' $((hl - ${#d} - 1)) ''
    printf '\n'
    cat "$data"
  } >"$path"
}

# Input data: 784 f32 values cycling through 1.0, -0.5, 0.25, -2.0, 0.75, 0.1.
: >"$T/x.bin"
for _ in $(seq 1 98); do
  printf '\x00\x00\x80\x3f\x00\x00\x00\xbf\x00\x00\x80\x3e\x00\x00\x00\xc0\x00\x00\x40\x3f\xcd\xcc\xcc\x3d\x00\x00\x80\x3f\x00\x00\x00\x00' >>"$T/x.bin"
done
mknpy "$T/x.npy" '<f4' '(1, 28, 28, 1)' "$T/x.bin"
head -c 3132 "$T/x.bin" >"$T/short.bin" # 783 values
mknpy "$T/x_wrongshape.npy" '<f4' '(1, 27, 29, 1)' "$T/short.bin"
mknpy "$T/x_rank3.npy" '<f4' '(1, 28, 28)' "$T/x.bin"
mknpy "$T/x_i32.npy" '<i4' '(1, 28, 28, 1)' "$T/x.bin"
mknpy "$T/x_trunc.npy" '<f4' '(1, 28, 28, 1)' "$T/short.bin"
printf 'this is not a numpy file at all\n' >"$T/garbage.npy"
head -c 4096 /dev/urandom >"$T/garbage.enn"
cp "$T/garbage.enn" "$T/garbage_noext"
for i in 0 1 2 3 4 5 6 7 8 9; do echo "class_name_$i"; done >"$T/labels.txt"

# ------------------------------------------------------------ help, version
run_ok "--help" --help && expect "--help lists commands" 'bench' "$T/out"
run_ok "--version" --version && expect "--version" '^edgenn [0-9]+\.[0-9]+\.[0-9]+' "$T/out"
for c in zoo info bench run convert demo; do
  run_ok "help $c" help "$c" && expect "help $c" "usage: edgenn $c" "$T/out"
  run_ok "$c --help" "$c" --help && expect "$c --help" "usage: edgenn $c" "$T/out"
done

# ---------------------------------------------------------------------- zoo
run_ok "zoo" zoo && expect "zoo lists lenet5" '^lenet5 ' "$T/out" && expect "zoo lists resnet8" '^resnet8 ' "$T/out"
if run_ok "zoo --json" zoo --json; then
  cp "$T/out" "$T/zoo.json"
  json_keys "zoo --json" "$T/zoo.json" architectures count
  if [ $have_py -eq 1 ]; then
    n=$(json_get "$T/zoo.json" 'sum(1 for a in d["architectures"] if a["params"] > 0 and a["macs"] > 0 and a["name"])')
    c=$(json_get "$T/zoo.json" 'd["count"]')
    if [ -n "$n" ] && [ "$n" = "$c" ] && [ "$n" -ge 1 ]; then ok; else bad "zoo --json: $n of $c architectures with params and MACs"; fi
  else
    expect "zoo --json" '"name": "lenet5"' "$T/zoo.json"
  fi
fi

# --------------------------------------------------------------------- info
run_ok "info text" info zoo:lenet5 && {
  expect "info layers" 'layers \(the graph as built/loaded' "$T/out"
  expect "info conv row" 'Conv2D' "$T/out"
  expect "info totals" '^totals \(the graph as built/loaded\)' "$T/out"
  expect "info session" 'optimised session.*peak arena' "$T/out"
}
if run_ok "info --json" info zoo:lenet5 --json; then
  cp "$T/out" "$T/info_zoo.json"
  json_keys "info --json" "$T/info_zoo.json" params macs weights_bytes peak_arena_bytes nodes inputs outputs layers
  if [ $have_py -eq 1 ]; then
    v=$(json_get "$T/info_zoo.json" 'd["inputs"][0]["shape"] == [1,28,28,1] and d["inputs"][0]["dtype"] == "f32" and d["params"] == sum(l["params"] for l in d["layers"]) and d["macs"] == sum(l["macs"] for l in d["layers"]) and d["peak_arena_bytes"] > 0')
    if [ "$v" = "True" ]; then ok; else bad "info --json: inconsistent values"; fi
  fi
fi

# -------------------------------------------------------------------- bench
if run_ok "bench --json" bench zoo:lenet5 --warmup 1 --iters 4 --json; then
  cp "$T/out" "$T/bench.json"
  json_keys "bench --json" "$T/bench.json" latency_ms.min latency_ms.p50 latency_ms.p90 latency_ms.p99 latency_ms.mean \
    throughput_ips peak_arena_bytes weights_bytes peak_rss_bytes macs threads iters
  if [ $have_py -eq 1 ]; then
    v=$(json_get "$T/bench.json" 'd["iters"] == 4 and d["threads"] == 1 and 0 < d["latency_ms"]["min"] <= d["latency_ms"]["p50"] <= d["latency_ms"]["p90"] <= d["latency_ms"]["p99"] and d["peak_rss_bytes"] > 0 and d["throughput_ips"] > 0')
    if [ "$v" = "True" ]; then ok; else bad "bench --json: inconsistent values"; fi
  fi
fi
run_ok "bench text" bench zoo:ds_cnn --warmup 1 --iters 3 --threads 2 && {
  expect "bench latency" '^latency +min .* p50 .* p90 .* p99 .* mean' "$T/out"
  expect "bench GFLOP/s" 'GFLOP/s' "$T/out"
  expect "bench threads" '2 threads' "$T/out"
}
run_ok "bench --profile" bench zoo:lenet5 --warmup 1 --iters 2 --profile && {
  expect "profile header" 'profile \(per run' "$T/out"
  expect "profile kernel" 'Conv2D +[a-z0-9_]+ ' "$T/out"
  expect "profile percent" '[0-9.]+%' "$T/out"
}
run_ok "bench --profile --json" bench zoo:lenet5 --iters 2 --profile --json && cp "$T/out" "$T/prof.json" &&
  json_keys "bench profile json" "$T/prof.json" profile latency_ms.p50
run_ok "bench --iters=2 --max-time=0" bench zoo:lenet5 --iters=2 --warmup=0 --max-time=0

# ---------------------------------------------------------- convert -> info
run_ok "convert" convert zoo:lenet5 -o "$T/lenet5.enn" && expect "convert says" 'wrote' "$T/out"
if [ -s "$T/lenet5.enn" ]; then ok; else bad "convert wrote nothing"; fi
if run_ok "info converted" info "$T/lenet5.enn" --json; then
  cp "$T/out" "$T/info_enn.json"
  if [ $have_py -eq 1 ]; then
    for k in params macs weights_bytes nodes peak_arena_bytes inputs outputs; do
      a=$(json_get "$T/info_zoo.json" "d['$k']")
      b=$(json_get "$T/info_enn.json" "d['$k']")
      if [ "$a" = "$b" ]; then ok; else bad "convert round trip: $k $a vs $b"; fi
    done
  else
    a=$(grep -o '"params": [0-9]*' "$T/info_zoo.json" | head -1)
    b=$(grep -o '"params": [0-9]*' "$T/info_enn.json" | head -1)
    if [ -n "$a" ] && [ "$a" = "$b" ]; then ok; else bad "convert round trip params: $a vs $b"; fi
  fi
fi
run_ok "convert .enn -> .enn" convert "$T/lenet5.enn" --output "$T/lenet5b.enn"
if cmp -s "$T/lenet5.enn" "$T/lenet5b.enn"; then ok; else bad "re-converting a .enn changed its bytes"; fi
run_ok "convert --optimize" convert zoo:resnet8 -o "$T/resnet8_opt.enn" --optimize
run_ok "info optimised" info "$T/resnet8_opt.enn"
cp "$T/lenet5.enn" "$T/lenet5_model.bin" 2>/dev/null
run_ok "model by magic (no .enn extension)" info "$T/lenet5_model.bin"

# ---------------------------------------------------------------------- run
run_ok "run summary" run zoo:lenet5 --input "$T/x.npy" && expect "run summary" "^output 0 '.*' f32 \[1,10\]: min .* argmax" "$T/out"
run_ok "run zoo -o" run zoo:lenet5 -i "$T/x.npy" -o "$T/out_zoo.npy"
run_ok "run enn -o" run "$T/lenet5.enn" --input="$T/x.npy" --output "$T/out_enn.npy"
if [ -s "$T/out_zoo.npy" ] && cmp -s "$T/out_zoo.npy" "$T/out_enn.npy"; then ok; else bad "zoo and converted .enn outputs differ"; fi
if [ "$(head -c 6 "$T/out_zoo.npy" 2>/dev/null | tail -c 5)" = "NUMPY" ]; then ok; else bad "run -o did not write a .npy"; fi
expect "output header" "'shape': \(1, 10\)" "$T/out_zoo.npy"
if ls "$T" | grep -q '\.tmp\.'; then bad "temporary files left behind: $(ls "$T")"; else ok; fi
run_ok "run --top --labels" run zoo:lenet5 -i "$T/x.npy" --top 3 --labels "$T/labels.txt" && {
  expect "top header" '^top 3 of output' "$T/out"
  expect "top rows" '^ +1 +[0-9]+ +[-0-9.e]+ +class_name_[0-9]$' "$T/out"
  if [ "$(grep -c 'class_name_' "$T/out")" = 3 ]; then ok; else bad "--top 3 did not print 3 labelled rows"; fi
}
run_ok "run --top 10" run zoo:lenet5 -i "$T/x.npy" --top 10
# the best class of --top 1 is the argmax of the summary
if run_ok "run --top 1" run zoo:lenet5 -i "$T/x.npy" --top 1; then
  top1=$(awk '$1 == "1" {print $2}' "$T/out")
  "$BIN" run zoo:lenet5 -i "$T/x.npy" >"$T/sum.txt" 2>/dev/null
  arg=$(sed -n 's/.*argmax \([0-9]*\).*/\1/p' "$T/sum.txt")
  if [ -n "$top1" ] && [ "$top1" = "$arg" ]; then ok; else bad "--top 1 class '$top1' vs argmax '$arg'"; fi
fi
# a different seed gives a different model and different outputs
run_ok "run other seed" run zoo:lenet5,seed=2 -i "$T/x.npy" -o "$T/out_seed2.npy"
if [ -s "$T/out_seed2.npy" ] && [ -s "$T/out_zoo.npy" ] && ! cmp -s "$T/out_zoo.npy" "$T/out_seed2.npy"; then ok; else bad "seed=2 output missing or identical to seed=1"; fi

# ------------------------------------------------------------------- demo
run_ok "demo" demo --iters 3 --max-time 0 && {
  for m in lenet5 resnet8 ds_cnn mobilenet_v2; do expect "demo row $m" "^$m" "$T/out"; done
  expect "demo header" 'params +MACs +weights +peak arena +p50 ms' "$T/out"
}

# ------------------------------------------------------------ error paths
run_err "no command"
run_err "unknown command" frobnicate
run_err "unknown top-level option" --frob
run_err "help unknown" help frobnicate
run_err "zoo extra argument" zoo extra
run_err "zoo unknown flag" zoo --fast
run_err "info no model" info
run_err "info missing file" info "$T/nonexistent.enn"
run_err "info garbage .enn" info "$T/garbage.enn"
run_err "info garbage no extension" info "$T/garbage_noext"
run_err "info directory" info "$T"
run_err "info empty spec" info ""
run_err "info unknown zoo" info zoo:no_such_net
run_err "info bad zoo option" info zoo:lenet5,width=abc
run_err "info two models" info zoo:lenet5 zoo:resnet8
head -c 200 "$T/lenet5.enn" >"$T/trunc.enn" 2>/dev/null
run_err "info truncated .enn" info "$T/trunc.enn"
run_err "bench --iters 0" bench zoo:lenet5 --iters 0
run_err "bench --iters abc" bench zoo:lenet5 --iters abc
run_err "bench --iters 5x" bench zoo:lenet5 --iters 5x
run_err "bench --iters huge" bench zoo:lenet5 --iters 99999999999999999999
run_err "bench --iters empty" bench zoo:lenet5 --iters=
run_err "bench --iters missing value" bench zoo:lenet5 --iters
run_err "bench --threads -1" bench zoo:lenet5 --threads -1
run_err "bench --threads 1.5" bench zoo:lenet5 --threads 1.5
run_err "bench --threads ' 2'" bench zoo:lenet5 --threads ' 2'
run_err "bench --warmup -3" bench zoo:lenet5 --warmup -3
run_err "bench --max-time nan" bench zoo:lenet5 --max-time nan
run_err "bench --json=1" bench zoo:lenet5 --json=1
run_err "bench repeated --iters" bench zoo:lenet5 --iters 2 --iters 3
run_err "bench unknown flag" bench zoo:lenet5 --fast
run_err "bench missing model" bench "$T/nonexistent.enn"
run_err "run missing --input" run zoo:lenet5
run_err "run wrong shape" run zoo:lenet5 --input "$T/x_wrongshape.npy"
expect "wrong shape names input, file and both shapes" "input '.*': '.*x_wrongshape.npy' is f32 \[1,27,29,1\] but the model expects f32 \[1,28,28,1\]" "$T/err"
run_err "run wrong rank" run zoo:lenet5 --input "$T/x_rank3.npy"
run_err "run wrong dtype" run zoo:lenet5 --input "$T/x_i32.npy"
expect "wrong dtype message" 'is i32 \[1,28,28,1\] but the model expects f32' "$T/err"
run_err "run missing input file" run zoo:lenet5 --input "$T/nonexistent.npy"
run_err "run garbage .npy" run zoo:lenet5 --input "$T/garbage.npy"
run_err "run truncated .npy" run zoo:lenet5 --input "$T/x_trunc.npy"
expect "truncated message" 'truncated' "$T/err"
run_err "run two inputs for one" run zoo:lenet5 --input "$T/x.npy" --input "$T/x.npy"
run_err "run --top 0" run zoo:lenet5 --input "$T/x.npy" --top 0
run_err "run --top too many" run zoo:lenet5 --input "$T/x.npy" --top 11
run_err "run --labels without --top" run zoo:lenet5 --input "$T/x.npy" --labels "$T/labels.txt"
run_err "run missing labels" run zoo:lenet5 --input "$T/x.npy" --top 1 --labels "$T/nonexistent.txt"
run_err "run output to missing dir" run zoo:lenet5 --input "$T/x.npy" -o "$T/no/such/dir/y.npy"
run_err "convert no -o" convert zoo:lenet5
run_err "convert wrong extension" convert zoo:lenet5 -o "$T/x.txt"
run_err "convert to missing dir" convert zoo:lenet5 -o "$T/no/such/dir/m.enn"
run_err "convert missing model" convert "$T/nonexistent.enn" -o "$T/m.enn"
run_err "demo extra argument" demo now
run_err "demo --iters 1" demo --iters 1

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]

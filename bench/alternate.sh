#!/usr/bin/env bash
# Alternating same-run comparison of edgenn with XNNPACK (or of two edgenn
# binaries / settings), the method of docs/benchmarks.md Runs 5-6: each
# round times A then B on the same model, p50 of N runs after warm-up;
# prints every round's p50s and ratio A/B, then the median ratio. On a
# shared machine single rounds swing +-15%: quote the median of >= 6.
#
#   bench/alternate.sh [--build DIR] [--rounds R] [--threads T] [--iters N]
#                      [--warmup W] [--xnn BIN] [--b-env 'VAR=value ...']
#                      [--duel] SPEC
#
# A = DIR/edgenn bench SPEC (default DIR build). B = XNNPACK through
# bench/xnnpack/xnn_bench.c (built here against DIR/libedgenn.a, or --xnn
# BIN), unless --b-env is given: then B is the same edgenn binary with
# those environment settings (e.g. --b-env ENN_PREFETCH=1, or
# --b-env 'ENN_ISA=avx2').
#
# --duel: each round is one `xnn_bench SPEC --duel` process, which
# alternates blocks of 10 edgenn and 10 XNNPACK runs in the same process
# (N runs each; xnn_bench.c's header): the two engines see the same minute
# of a shared host. Prints each round's p50s and ratio, then the median.
# Caveat: the two engines' weights then share the last-level cache; in
# quiet rounds XNNPACK's p50 was ~2% higher than in its own process and
# edgenn's unchanged, so quote both methods.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build" rounds=6 threads=1 iters=100 warmup=10 xnn="" benv="" spec="" duel=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --iters) iters="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --xnn) xnn="$2"; shift 2 ;;
    --b-env) benv="$2"; shift 2 ;;
    --duel) duel=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "alternate.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) spec="$1"; shift ;;
  esac
done
[ -n "$spec" ] || { echo "alternate.sh: no model SPEC (e.g. zoo:mobilenet_v2; see --help)" >&2; exit 2; }
cli="$build/edgenn"
[ -x "$cli" ] || { echo "alternate.sh: $cli not found: build first (make build)" >&2; exit 1; }
if [ -z "$benv" ] && [ -z "$xnn" ]; then
  [ -f /usr/include/xnnpack.h ] || { echo "alternate.sh: libxnnpack-dev is not installed (or pass --b-env)" >&2; exit 1; }
  xnn="$(mktemp -d)/xnn_bench"
  "${CC:-cc}" -O2 -std=c11 -D_GNU_SOURCE -I"$root/include" -I"$root/src" "$root/bench/xnnpack/xnn_bench.c" \
    "$build/libedgenn.a" -lXNNPACK -lpthreadpool -lpthread -lm -lz -llzma -lstb -o "$xnn"
fi
p50() { grep -o '"p50": [0-9.]*' | head -1 | awk '{print $2}'; }
ratios=()
[ "$duel" = 0 ] || [ -z "$benv" ] || { echo "alternate.sh: --duel compares with XNNPACK, not --b-env" >&2; exit 2; }
for r in $(seq 1 "$rounds"); do
  if [ "$duel" = 1 ]; then
    out=$("$xnn" "$spec" --duel --threads "$threads" --iters "$iters" --warmup "$warmup" --json)
    a=$(echo "$out" | grep -o '"edgenn": {"p50": [0-9.]*' | awk '{print $3}')
    b=$(echo "$out" | grep -o '"xnnpack": {"p50": [0-9.]*' | awk '{print $3}')
    q=$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.3f", a / b}')
    ratios+=("$q")
    echo "round $r (duel): edgenn $a ms  xnnpack $b ms  ratio $q"
    continue
  fi
  a=$("$cli" bench "$spec" --threads "$threads" --iters "$iters" --warmup "$warmup" --max-time 0 --json | p50)
  if [ -n "$benv" ]; then
    b=$(env $benv "$cli" bench "$spec" --threads "$threads" --iters "$iters" --warmup "$warmup" --max-time 0 --json | p50)
  else
    b=$("$xnn" "$spec" --threads "$threads" --iters "$iters" --warmup "$warmup" --json | p50)
  fi
  q=$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.3f", a / b}')
  ratios+=("$q")
  echo "round $r: A $a ms  B $b ms  A/B $q"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "median A/B over %d rounds: %.3f\n", NR, m}'

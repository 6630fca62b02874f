#!/usr/bin/env bash
# Runs every libFuzzer target (BUILD_DIR/fuzz_*) for SECONDS each.
#
#   bash tests/fuzz/run.sh BUILD_DIR [SECONDS]
#
# Target fuzz_<name> is seeded from tests/fuzz/corpus/<name>/ (or, failing
# that, corpus/<first word of name>/, so fuzz_enn_load uses corpus/enn/). The
# seeds are copied into BUILD_DIR/fuzz-work/<target>/corpus, which keeps what
# the fuzzer learns between runs without touching the checked-in corpus.
# Crash, leak and timeout reproducers land in BUILD_DIR/fuzz-work/<target>/;
# replay one with `BUILD_DIR/fuzz_<name> FILE`. tests/fuzz/fuzz_<name>.dict,
# when present, is passed as the libFuzzer dictionary. Exits non-zero if any
# target failed.
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR [SECONDS]}
secs=${2:-60}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

shopt -s nullglob
targets=()
for f in "$build"/fuzz_*; do
  [[ -f $f && -x $f ]] && targets+=("$f")
done
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "run.sh: no fuzz_* executables in $build (configure with -DENN_BUILD_FUZZ=ON and CC=clang)" >&2
  exit 1
fi

failed=()
for bin in "${targets[@]}"; do
  name=$(basename "$bin")
  short=${name#fuzz_}
  seeds=""
  for cand in "$short" "${short%%_*}"; do
    if [[ -d $here/corpus/$cand ]]; then
      seeds=$here/corpus/$cand
      break
    fi
  done
  work=$build/fuzz-work/$name
  mkdir -p "$work/corpus"
  if [[ -n $seeds ]]; then
    cp -f "$seeds"/* "$work/corpus/" 2>/dev/null || true
  fi
  extra=()
  [[ -f $here/$name.dict ]] && extra+=("-dict=$here/$name.dict")
  echo "=== $name: ${secs}s, seeds from ${seeds:-<none>} ==="
  set +e
  "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/" ${extra[@]+"${extra[@]}"} "$work/corpus" >"$work/log.txt" 2>&1
  rc=$?
  set -e
  tail -n 15 "$work/log.txt"
  if [[ $rc -ne 0 ]]; then
    echo "run.sh: $name FAILED (exit $rc); log: $work/log.txt" >&2
    for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
      echo "  reproducer: $a" >&2
    done
    failed+=("$name")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run.sh: failing targets: ${failed[*]}" >&2
  exit 1
fi
echo "run.sh: all ${#targets[@]} fuzz targets ran ${secs}s without a failure"

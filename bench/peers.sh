#!/usr/bin/env bash
# Peer benchmark: edgenn against the inference engines installable here, on
# the same models, in one run. Batch 1, 1 and 2 threads, median of >= 50
# timed runs after warm-up for every engine.
#
#   bench/peers.sh [--build DIR] [--no-build] [--iters N] [--warmup N]
#                  [--threads 1,2] [--models k1,k2,...] [--dtypes f32,int8]
#                  [--out DIR] [--no-install]
#
# --build DIR (default build) is configured and built first (targets edgenn,
# edgenn_static, peak); --no-build times the DIR/edgenn and
# DIR/libedgenn.a already there as they are (nothing is configured or
# rebuilt; an error if either is missing; the peak is left out without
# DIR/peak). Either way the binaries are copied to OUT/tools before the
# runs, so a rebuild of DIR during the benchmark cannot change or delete
# what is timed.
#
# Engines (a peer that cannot be installed or run is reported as n/a with
# the reason; the run goes on):
#   edgenn       `edgenn bench zoo:... --json` (this tree, BUILD/edgenn)
#   XNNPACK      Debian libxnnpack-dev, through bench/xnnpack/xnn_bench.c,
#                which translates edgenn's own optimised graph node by node
#                and checks its output against edgenn's
#   PyTorch      Debian python3-torch / python3-torchvision, frozen and
#                optimize_for_inference (bench/peers/py_peers.py)
#   ONNX Runtime PyPI onnxruntime in bench/.venv (made here from
#                /usr/bin/python3 --system-site-packages), on ONNX exports of
#                the PyTorch models
#   TFLite       PyPI ai-edge-litert (else tflite-runtime) in bench/.venv, on
#                the float .tflite files in shared/data (ResNet-8 only)
# int8 (--dtypes with int8; default f32,int8, also DTYPES="f32 int8" in the
# environment, e.g. `make bench PEERS=1 DTYPES=int8`):
#   edgenn       `edgenn bench zoo:... --dtype int8 --json` (synthetic
#                calibration) beside the same model's f32 run, and
#                `edgenn bench FILE.tflite` on the int8 .tflite files below
#   PyTorch      post-training static quantisation, per quantised engine
#                (x86, fbgemm, onednn, qnnpack: those the build supports),
#                FX graph mode and, where torchvision has a quantisable model,
#                eager mode with fused modules (bench/peers/int8_peers.py)
#   ONNX Runtime QDQ static quantisation (onnxruntime.quantization, needs the
#                onnx package, pip-installed in bench/.venv) of the float
#                export, s8s8 and u8s8; plus the ONNX zoo's int8 MobileNetV2
#   LiteRT       the int8 .tflite files in shared/data: MLPerf Tiny ResNet-8
#                (pretrainedResnet_quant.tflite), Coral MobileNetV2 1.0/224
#                (mobilenet_v2_1.0_224_quant.tflite, uint8)
# Models (keys): mobilenet_v2, mobilenet_v2_0.35_96, mobilenet_v3_large,
# efficientnet_lite0, resnet8, resnet18.
# Also measured: the fp32 FMA peak (bench/peak) and edgenn's thread-pool
# dispatch overhead (bench/pool). Output: a markdown table on stdout, raw
# results and OUT/peers.json (default OUT = BUILD/bench-peers).
# Missing Debian packages are installed with apt-get (sudo when not root)
# unless --no-install. Nothing here is needed to build or test edgenn.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
iters="${BENCH_ITERS:-50}"
warmup="${BENCH_WARMUP:-5}"
threads="1,2"
models="mobilenet_v2,mobilenet_v2_0.35_96,mobilenet_v3_large,efficientnet_lite0,resnet8,resnet18"
out=""
install=1
do_build=1
dtypes="${DTYPES:-f32,int8}"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$(cd "$2" 2>/dev/null && pwd || echo "$2")"; shift 2 ;;
    --iters) iters="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --dtypes) dtypes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-install) install=0; shift ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "peers.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$iters" =~ ^[0-9]+$ && "$iters" -ge 1 ]] || { echo "peers.sh: --iters must be a positive integer" >&2; exit 2; }
[[ "$warmup" =~ ^[0-9]+$ ]] || { echo "peers.sh: --warmup must be a non-negative integer" >&2; exit 2; }
out="${out:-$build/bench-peers}"
if [ "$do_build" = 0 ]; then # before anything is removed or installed
  for f in edgenn libedgenn.a; do
    [ -f "$build/$f" ] || { echo "peers.sh: --no-build: no $build/$f (build it first, or drop --no-build)" >&2; exit 1; }
  done
fi
dtypes="${dtypes// /,}"
want_f32=0 want_int8=0
IFS=',' read -r -a dtype_list <<< "$dtypes"
for d in "${dtype_list[@]}"; do
  case "$d" in
    f32) want_f32=1 ;;
    int8) want_int8=1 ;;
    "") ;;
    *) echo "peers.sh: unknown dtype '$d' (f32, int8)" >&2; exit 2 ;;
  esac
done
[ $((want_f32 + want_int8)) -ge 1 ] || { echo "peers.sh: --dtypes is empty" >&2; exit 2; }
data="${EDGENN_DATA:-$root/../shared/data}"
venv="$root/bench/.venv"
py=/usr/bin/python3
[ -x "$py" ] || py="$(command -v python3 || true)"
IFS=',' read -r -a model_list <<< "$models"
IFS=',' read -r -a thread_list <<< "$threads"
log() { printf '%s\n' "$*" >&2; }

# zoo spec of each model key (kept in step with bench/peers/models.py)
spec_of() {
  case "$1" in
    mobilenet_v2) echo "zoo:mobilenet_v2" ;;
    mobilenet_v2_0.35_96) echo "zoo:mobilenet_v2,width=0.35,res=96" ;;
    mobilenet_v3_large) echo "zoo:mobilenet_v3_large" ;;
    efficientnet_lite0) echo "zoo:efficientnet_lite0" ;;
    resnet8) echo "zoo:resnet8" ;;
    resnet18) echo "zoo:resnet18" ;;
    *) return 1 ;;
  esac
}
for m in "${model_list[@]}"; do spec_of "$m" >/dev/null || { echo "peers.sh: unknown model '$m'" >&2; exit 2; }; done

rm -rf "$out"
mkdir -p "$out/edgenn" "$out/xnnpack" "$out/tools"
[ "$want_int8" = 1 ] && mkdir -p "$out/int8/edgenn" "$out/int8/edgenn-f32" "$out/int8/edgenn-tflite"
na() { # engine model reason -> a JSON line in na.jsonl
  local why="${3//\"/\'}"
  printf '{"engine": "%s", "model": "%s", "na": "%s"}\n' "$1" "$2" "${why//$'\n'/ }" >> "$out/na.jsonl"
}
na_all() { for m in "${model_list[@]}"; do na "$1" "$m" "$2"; done; }
na8() { # engine model reason -> a JSON line in int8/na.jsonl
  local why="${3//\"/\'}"
  printf '{"engine": "%s", "model": "%s", "dtype": "int8", "na": "%s"}\n' "$1" "$2" "${why//$'\n'/ }" \
    >> "$out/int8/na.jsonl"
}
na8_all() { for m in "${model_list[@]}"; do na8 "$1" "$m" "$2"; done; }

# ------------------------------------------------------------ dependencies
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if [ "$install" = 1 ] && command -v apt-get >/dev/null; then
  want=(libxnnpack-dev libpthreadpool-dev python3-torch python3-torchvision python3-venv)
  missing=()
  for p in "${want[@]}"; do have_pkg "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
    log "peers: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q >&2 || true
    for p in "${missing[@]}"; do # one by one: a package this release lacks must not block the others
      $SUDO apt-get install -y -q --no-install-recommends "$p" >&2 || log "peers: could not install $p"
    done
  fi
fi
if [ ! -x "$venv/bin/python" ] && [ -n "$py" ]; then
  log "peers: creating $venv"
  "$py" -m venv --system-site-packages "$venv" >&2 || log "peers: could not create the venv"
fi
if [ -x "$venv/bin/python" ] && [ "$install" = 1 ]; then
  "$venv/bin/python" -c 'import onnxruntime' 2>/dev/null || "$venv/bin/pip" install -q onnxruntime >&2 ||
    log "peers: pip could not install onnxruntime"
  "$venv/bin/python" -c 'import ai_edge_litert' 2>/dev/null || "$venv/bin/python" -c 'import tflite_runtime' 2>/dev/null ||
    "$venv/bin/pip" install -q ai-edge-litert >&2 || "$venv/bin/pip" install -q tflite-runtime >&2 ||
    log "peers: pip could not install ai-edge-litert or tflite-runtime"
  if [ "$want_int8" = 1 ]; then # onnxruntime.quantization imports onnx
    "$venv/bin/python" -c 'import onnx' 2>/dev/null || "$venv/bin/pip" install -q onnx >&2 ||
      log "peers: pip could not install onnx (ONNX Runtime int8 needs it)"
  fi
fi

# ------------------------------------------------------------ build tools
cli="$build/edgenn"
lib="$build/libedgenn.a"
peak="$build/peak" # bench/peak, a CMake target (x86-64: AVX2 + AVX-512 kernels; AArch64: NEON)
if [ "$do_build" = 1 ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >&2 || { echo "peers.sh: cmake failed" >&2; exit 1; }
  fi
  if ! cmake --build "$build" --target edgenn edgenn_static -j "$(nproc 2>/dev/null || echo 2)" >&2; then
    [ -x "$cli" ] && [ -f "$lib" ] || { echo "peers.sh: building edgenn failed" >&2; exit 1; }
    log "peers: WARNING: the build failed; timing the edgenn already built in $build"
  fi
  cmake --build "$build" --target peak -j "$(nproc 2>/dev/null || echo 2)" >&2 || log "peers: peak did not build"
else
  [ -x "$cli" ] || { echo "peers.sh: --no-build: $cli is not executable" >&2; exit 1; }
  log "peers: --no-build: timing $cli as it is"
fi
tools="$out/tools"
# Snapshots: what is timed stays the same even if DIR is rebuilt meanwhile.
cp "$cli" "$tools/edgenn" && cp "$lib" "$tools/libedgenn.a" || { echo "peers.sh: cannot copy $cli / $lib to $tools" >&2; exit 1; }
cli="$tools/edgenn"
lib="$tools/libedgenn.a"
peak_ok=0
if [ -x "$peak" ] && cp "$peak" "$tools/peak"; then
  peak_ok=1
else
  log "peers: no $peak: the fp32 peak is left out"
fi
cc="${CC:-cc}"
cflags=(-O2 -std=c11 -D_GNU_SOURCE -I"$root/include" -I"$root/src")
"$cc" "${cflags[@]}" "$root/bench/pool/pool_bench.c" "$lib" -lpthread -lm -o "$tools/pool_bench" ||
  log "peers: pool_bench did not build"
xnn_ok=0
if [ "$want_f32" = 0 ]; then
  : # XNNPACK is timed in f32 only
elif [ -f /usr/include/xnnpack.h ] && [ -f /usr/include/pthreadpool.h ]; then
  if "$cc" "${cflags[@]}" "$root/bench/xnnpack/xnn_bench.c" "$lib" -lXNNPACK -lpthreadpool -lpthread -lm \
    -o "$tools/xnn_bench" 2> "$tools/xnn_build.log"; then
    xnn_ok=1
  else
    na_all xnnpack "driver did not build: $(head -c 200 "$tools/xnn_build.log")"
  fi
else
  na_all xnnpack "libxnnpack-dev / libpthreadpool-dev not installed"
fi

# ------------------------------------------------------------------- runs
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
max_t=1
for t in "${thread_list[@]}"; do [ "$t" -gt "$max_t" ] && max_t="$t"; done
if [ "$peak_ok" = 1 ]; then # measured before and after the runs; the report takes the higher
  log "peers: fp32 peak"
  "$tools/peak" --threads "$threads" --json > "$out/peak.json" || log "peers: peak failed"
fi
if [ -x "$tools/pool_bench" ] && [ "$max_t" -ge 2 ]; then
  pts=""
  for t in "${thread_list[@]}"; do [ "$t" -ge 2 ] && pts="${pts:+$pts,}$t"; done
  "$tools/pool_bench" --threads "$pts" --json > "$out/pool.json" || log "peers: pool_bench failed"
fi
# Engines take turns model by model, so a change in the machine's load
# during the run touches every engine's figures for a model alike.
margs=(--threads "$threads" --iters "$iters" --warmup "$warmup")
have_torch=0 have_ort=0 have_tfl=0
if [ -n "$py" ] && "$py" -c 'import torch, torchvision' 2>/dev/null; then have_torch=1
else na_all pytorch "python3-torch / python3-torchvision not importable"; fi
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import onnxruntime' 2>/dev/null; then have_ort=1
else na_all onnxruntime "onnxruntime not installable in $venv"; fi
if [ -x "$venv/bin/python" ] && { "$venv/bin/python" -c 'import ai_edge_litert' 2>/dev/null ||
  "$venv/bin/python" -c 'import tflite_runtime' 2>/dev/null; }; then have_tfl=1
else na_all tflite "neither ai-edge-litert nor tflite-runtime is installable in $venv"; fi
tfl="resnet8=$data/mlperf-tiny/image_classification/pretrainedResnet.tflite"
# int8 files run as they are (LiteRT and edgenn; ORT for the .onnx)
tfl8_of() {
  case "$1" in
    resnet8) echo "$data/mlperf-tiny/image_classification/pretrainedResnet_quant.tflite" ;;
    mobilenet_v2) echo "$data/coral-test-data/models/mobilenet_v2_1.0_224_quant.tflite" ;;
  esac
}
tfl8="" ort8="mobilenet_v2=$data/onnx-models/mobilenetv2-12-int8/mobilenetv2-12-int8.onnx"
for m in "${model_list[@]}"; do f="$(tfl8_of "$m")"; [ -n "$f" ] && tfl8="${tfl8:+$tfl8,}$m=$f"; done
have_ort8=0
if [ "$want_int8" = 1 ]; then
  [ "$have_torch" = 1 ] || na8_all pytorch "python3-torch / python3-torchvision not importable"
  if [ "$have_ort" = 1 ] && "$venv/bin/python" -c 'import onnx, onnxruntime.quantization' 2>/dev/null; then have_ort8=1
  else na8_all onnxruntime "onnxruntime with its quantization module (and onnx) not importable in $venv"; fi
  [ "$have_tfl" = 1 ] || na8_all tflite "neither ai-edge-litert nor tflite-runtime is installable in $venv"
fi
for m in "${model_list[@]}"; do
  spec="$(spec_of "$m")"
  "$cli" info "$spec" --json > "$out/edgenn/$m.info.json" 2>/dev/null || true
  if [ "$want_f32" = 1 ]; then
    for t in "${thread_list[@]}"; do
      log "peers: $m: edgenn, $t thread(s)"
      if ! "$cli" bench "$spec" --threads "$t" --warmup "$warmup" --iters "$iters" --max-time 0 --json \
        > "$out/edgenn/$m.t$t.json" 2> "$out/edgenn/$m.t$t.err"; then
        na edgenn "$m" "$(head -c 200 "$out/edgenn/$m.t$t.err")"
      fi
    done
    if [ "$xnn_ok" = 1 ]; then
      for t in "${thread_list[@]}"; do
        log "peers: $m: XNNPACK, $t thread(s)"
        check=()
        [ "$t" = "${thread_list[0]}" ] && check=(--check)
        if ! "$tools/xnn_bench" "$spec" --threads "$t" --warmup "$warmup" --iters "$iters" "${check[@]}" --json \
          > "$out/xnnpack/$m.t$t.json" 2> "$out/xnnpack/$m.t$t.err"; then
          rm -f "$out/xnnpack/$m.t$t.json"
          na xnnpack "$m" "$(head -c 200 "$out/xnnpack/$m.t$t.err")"
        fi
      done
    fi
    if [ "$have_torch" = 1 ]; then
      log "peers: $m: PyTorch (and the ONNX export)"
      "$py" "$root/bench/peers/py_peers.py" torch --models "$m" "${margs[@]}" --onnx-dir "$out/onnx" \
        >> "$out/pytorch.jsonl" 2>> "$out/pytorch.err" || log "peers: the PyTorch driver failed on $m"
    fi
    if [ "$have_ort" = 1 ]; then
      log "peers: $m: ONNX Runtime"
      "$venv/bin/python" "$root/bench/peers/py_peers.py" ort --models "$m" "${margs[@]}" --onnx-dir "$out/onnx" \
        >> "$out/onnxruntime.jsonl" 2>> "$out/onnxruntime.err" || log "peers: the ONNX Runtime driver failed on $m"
    fi
    if [ "$have_tfl" = 1 ]; then
      log "peers: $m: TFLite"
      "$venv/bin/python" "$root/bench/peers/py_peers.py" tflite --models "$m" "${margs[@]}" --tflite-map "$tfl" \
        >> "$out/tflite.jsonl" 2>> "$out/tflite.err" || log "peers: the TFLite driver failed on $m"
    fi
  fi # f32
  [ "$want_int8" = 1 ] || continue
  # int8: edgenn f32 and int8 back to back at each thread count, so their
  # ratio sees the same load; then the int8 .tflite file in edgenn
  o8="$out/int8"
  f8="$(tfl8_of "$m")"
  [ -n "$f8" ] && [ ! -f "$f8" ] && { na8 edgenn-tflite "$m" "$f8 not found"; f8=""; }
  for t in "${thread_list[@]}"; do
    for dt in f32 int8; do
      log "peers: $m: edgenn $dt (int8 table), $t thread(s)"
      d8="$o8/edgenn"; [ "$dt" = f32 ] && d8="$o8/edgenn-f32"
      if ! "$cli" bench "$spec" --dtype "$dt" --threads "$t" --warmup "$warmup" --iters "$iters" --max-time 0 \
        --json > "$d8/$m.t$t.json" 2> "$d8/$m.t$t.err"; then
        rm -f "$d8/$m.t$t.json"
        na8 "edgenn $dt" "$m" "$(head -c 200 "$d8/$m.t$t.err")"
      fi
    done
    if [ -n "$f8" ]; then
      log "peers: $m: edgenn on $(basename "$f8"), $t thread(s)"
      if ! "$cli" bench "$f8" --threads "$t" --warmup "$warmup" --iters "$iters" --max-time 0 --json \
        > "$o8/edgenn-tflite/$m.t$t.json" 2> "$o8/edgenn-tflite/$m.t$t.err"; then
        rm -f "$o8/edgenn-tflite/$m.t$t.json"
        na8 edgenn-tflite "$m" "$(head -c 200 "$o8/edgenn-tflite/$m.t$t.err")"
      fi
    fi
  done
  i8="$root/bench/peers/int8_peers.py"
  if [ "$have_torch" = 1 ]; then
    log "peers: $m: PyTorch int8"
    "$py" "$i8" torch --models "$m" "${margs[@]}" --onnx-dir "$out/onnx" \
      >> "$o8/pytorch.jsonl" 2>> "$o8/pytorch.err" || log "peers: the PyTorch int8 driver failed on $m"
  fi
  if [ "$have_ort8" = 1 ]; then
    log "peers: $m: ONNX Runtime int8"
    "$venv/bin/python" "$i8" ort --models "$m" "${margs[@]}" --onnx-dir "$out/onnx" --qdir "$o8/onnx" \
      --file-map "$ort8" >> "$o8/onnxruntime.jsonl" 2>> "$o8/onnxruntime.err" ||
      log "peers: the ONNX Runtime int8 driver failed on $m"
  fi
  if [ "$have_tfl" = 1 ]; then
    log "peers: $m: LiteRT int8"
    "$venv/bin/python" "$i8" tflite --models "$m" "${margs[@]}" --file-map "$tfl8" \
      >> "$o8/tflite.jsonl" 2>> "$o8/tflite.err" || log "peers: the LiteRT int8 driver failed on $m"
  fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
if [ "$peak_ok" = 1 ]; then
  "$tools/peak" --threads "$threads" --json > "$out/peak_end.json" || log "peers: peak failed"
fi

# ----------------------------------------------------------------- report
isa_src="$out/edgenn/${model_list[0]}.t${thread_list[0]}.json"
[ -f "$isa_src" ] || isa_src="$out/int8/edgenn/${model_list[0]}.t${thread_list[0]}.json"
isa="$(tr -d '\n' < "$isa_src" 2>/dev/null |
  sed -n 's/.*"isa": *"\([a-z0-9]*\)".*/\1/p')"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
json_list() { local s="" x; for x in "$@"; do s="${s:+$s, }\"$x\""; done; echo "[$s]"; }
cat > "$out/meta.json" <<EOF
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "commit": "$commit", "iters": $iters, "warmup": $warmup,
 "threads": [${threads}], "models": $(json_list "${model_list[@]}"),
 "dtypes": $(json_list "${dtype_list[@]}"), "isa": "${isa:-?}",
 "load_before": "$load_before", "load_after": "$load_after", "nproc": $(nproc 2>/dev/null || echo 0),
 "xnnpack_pkg": "$(dpkg-query -W -f='${Version}' libxnnpack0 2>/dev/null)"}
EOF
if [ -z "$py" ]; then
  echo "peers.sh: python3 is needed for the report; raw results are in $out" >&2
  exit 1
fi
"$py" "$root/bench/peers/report.py" --dir "$out" --json "$out/peers.json"
log "peers: results in $out (peers.json)"

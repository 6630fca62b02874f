#!/usr/bin/env bash
# scripts/onnx_dequantize.py on the ONNX-zoo MobileNetV2 int8 (QOperator)
# model: the float model it writes must
#   - have the expected structure (52 Conv, 35 ReLU6 = Clip re-inserted),
#   - match onnxruntime's float output through `edgenn run` (max abs error
#     <= 1e-4 * max|ref|) when onnxruntime is importable (the oracle for the
#     conversion; skipped part otherwise),
#   - agree with the int8 model it came from (both run by `edgenn run` on
#     the 3 Coral test images: same top-1 class, logits SQNR >= 10 dB;
#     measured 14-20 dB), and
#   - NOT agree once the activations are left out (--no-act: SQNR < 5 dB),
#     which shows the activation rule of the script is what makes it right.
# Needs ../shared/data (or $EDGENN_DATA) and a Python with numpy + onnx
# ($ENN_PYTHON, /usr/bin/python3 or bench/.venv/bin/python); skipped
# (exit 77) when either is missing, failed under EDGENN_REQUIRE_DATA=1.
set -u
cli="$1"
src="${ENN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
data="${EDGENN_DATA:-$src/../shared/data}"
q8="$data/onnx-models/mobilenetv2-12-int8/mobilenetv2-12-int8.onnx"
imgs=("$data/coral-test-data/images/cat.bmp" "$data/coral-test-data/images/bird.bmp"
      "$data/coral-test-data/images/grace_hopper.bmp")
skip() {
  if [ "${EDGENN_REQUIRE_DATA:-0}" = "1" ]; then echo "FAIL: $1"; exit 1; fi
  echo "SKIP: $1"; exit 77
}
for f in "$q8" "${imgs[@]}"; do [ -f "$f" ] || skip "$f not found (set EDGENN_DATA)"; done
py=""
for c in "${ENN_PYTHON:-}" /usr/bin/python3 "$src/bench/.venv/bin/python"; do
  if [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import numpy, onnx' >/dev/null 2>&1; then py="$c"; break; fi
done
[ -n "$py" ] || skip "no Python with numpy and onnx (Debian: python3-numpy python3-onnx)"
tmp="${ENN_TEST_TMP:-${TMPDIR:-/tmp}}/onnx_dequantize.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail=0
P=(--scale 1/255 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --resize 256 --center-crop 224)

msg=$("$py" "$src/scripts/onnx_dequantize.py" "$q8" "$tmp/f.onnx") || { echo "FAIL: conversion: $msg"; exit 1; }
echo "$msg"
case "$msg" in *"52 Conv, 35 activations"*) ;; *) echo "FAIL: expected 52 Conv, 35 activations"; fail=1 ;; esac
"$py" "$src/scripts/onnx_dequantize.py" "$q8" "$tmp/noact.onnx" --no-act >/dev/null || { echo "FAIL: --no-act conversion"; exit 1; }

i=0
for img in "${imgs[@]}"; do
  i=$((i + 1))
  for m in f noact; do
    "$cli" run "$tmp/$m.onnx" -i "$img" "${P[@]}" -o "$tmp/${m}_$i.npy" >/dev/null || { echo "FAIL: edgenn run $m.onnx $img"; exit 1; }
  done
  "$cli" run "$q8" -i "$img" "${P[@]}" -o "$tmp/q_$i.npy" >/dev/null || { echo "FAIL: edgenn run int8 $img"; exit 1; }
done

"$py" - "$tmp" "$i" <<'EOF' || fail=1
import sys, numpy as np
tmp, n = sys.argv[1], int(sys.argv[2])
bad = 0
for i in range(1, n + 1):
    f, q, z = (np.load('%s/%s_%d.npy' % (tmp, k, i)).ravel().astype(np.float64) for k in ('f', 'q', 'noact'))
    sq = 10 * np.log10((f ** 2).sum() / ((f - q) ** 2).sum())
    sz = 10 * np.log10((f ** 2).sum() / ((f - z) ** 2).sum())
    print('image %d: float top-1 %d, int8 top-1 %d, SQNR %.1f dB; without activations SQNR %.1f dB'
          % (i, f.argmax(), q.argmax(), sq, sz))
    if f.argmax() != q.argmax() or sq < 10:
        print('FAIL: image %d: the float model does not reproduce the int8 model' % i); bad = 1
    if sz > 5:
        print('FAIL: image %d: leaving the activations out should break the model' % i); bad = 1
sys.exit(bad)
EOF

# onnxruntime as the oracle of the float model (same preprocessed input).
if "$py" -c 'import onnxruntime' >/dev/null 2>&1; then
  "$py" - "$tmp" "$cli" <<'EOF' || fail=1
import sys, subprocess, numpy as np, onnxruntime as ort
tmp, cli = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32) * 1.5
np.save(tmp + '/x.npy', x)
ref = ort.InferenceSession(tmp + '/f.onnx', providers=['CPUExecutionProvider']).run(None, {'input': x})[0].ravel()
subprocess.run([cli, 'run', tmp + '/f.onnx', '-i', tmp + '/x.npy', '-o', tmp + '/y.npy'], check=True, stdout=subprocess.DEVNULL)
y = np.load(tmp + '/y.npy').ravel()
err = np.abs(y - ref).max() / np.abs(ref).max()
print('edgenn vs onnxruntime (float model): max abs err / max|ref| = %.2e' % err)
if y.shape != ref.shape or not err <= 1e-4:
    print('FAIL: edgenn and onnxruntime differ on the float model'); sys.exit(1)
EOF
else
  echo "note: onnxruntime not importable, oracle comparison skipped"
fi
[ "$fail" = 0 ] && echo "PASS" || exit 1

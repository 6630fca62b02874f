#!/usr/bin/env bash
# PyTorch parity (issue 3, "Must show" 2): every torchvision architecture
# that edgenn's zoo also has, with seeded random weights and non-trivial
# BatchNorm statistics, exported to ONNX (opset 13), run by `edgenn run`
# and compared with PyTorch's own output: max abs error <= 1e-4 * max|ref|.
# The work is done by scripts/torch_parity.py under Debian's python3-torch
# and python3-torchvision (/usr/bin/python3: a python3 earlier on PATH, a
# pyenv say, does not see Debian's modules). Those packages are not part of
# `make deps`; `.ci/run` installs them (scripts/install-deps.sh --ci).
# Skipped (exit 77) when they are missing, failed under EDGENN_REQUIRE_DATA=1.
set -u
cli="$1"
src="${ENN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
py=/usr/bin/python3
if ! [ -x "$py" ] || ! "$py" -c 'import numpy, torch, torchvision' >/dev/null 2>&1; then
  if [ "${EDGENN_REQUIRE_DATA:-0}" = "1" ]; then
    echo "FAIL: $py cannot import numpy, torch and torchvision (scripts/install-deps.sh --ci installs them)"
    exit 1
  fi
  echo "SKIP: $py cannot import numpy, torch and torchvision (Debian: python3-numpy python3-torch python3-torchvision)"
  exit 77
fi
tmp="${ENN_TEST_TMP:-${TMPDIR:-/tmp}}"
mkdir -p "$tmp"
exec "$py" "$src/scripts/torch_parity.py" "$cli" --tmp "$tmp"

#!/usr/bin/env bash
# Installs the Debian packages edgenn's build and tests need, if missing.
# Uses sudo when not root. Safe to run repeatedly (a no-op when all present).
# With --ci it also installs the Python oracles the CI tests need; with
# --aarch64 (also implied by --ci) the AArch64 cross toolchain and qemu-user
# that `make test-aarch64` builds and runs the tests with.
set -euo pipefail
pkgs=(gcc make cmake git pkg-config clang libclang-rt-14-dev xz-utils binutils liblzma-dev zlib1g-dev libstb-dev)
# --ci: also the outside oracles CI compares against (tests/cli/test_torch_parity.sh,
# test_onnx_dequantize.sh);
# not needed to build or for `make test`, which skips those tests without them.
aarch64_pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
for arg in "$@"; do
  case "$arg" in
    --ci) pkgs+=(python3 python3-numpy python3-torch python3-torchvision python3-onnx "${aarch64_pkgs[@]}") ;;
    --aarch64) pkgs+=("${aarch64_pkgs[@]}") ;;
    *) echo "edgenn: install-deps.sh: unknown option '$arg' (use --ci or --aarch64)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "edgenn: installing missing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "edgenn: error: need root or sudo to install: ${missing[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

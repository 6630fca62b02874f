#!/usr/bin/env bash
# Installs the Debian packages edgenn's build and tests need, if missing.
# Uses sudo when not root. Safe to run repeatedly (a no-op when all present).
# With --ci it also installs the Python oracles the CI tests need.
set -euo pipefail
pkgs=(gcc make cmake git pkg-config clang libclang-rt-14-dev xz-utils binutils liblzma-dev zlib1g-dev libstb-dev)
# --ci: also the outside oracles CI compares against (tests/cli/test_torch_parity.sh);
# not needed to build or for `make test`, which skips those tests without them.
if [ "${1:-}" = "--ci" ]; then pkgs+=(python3 python3-numpy python3-torch python3-torchvision); fi
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

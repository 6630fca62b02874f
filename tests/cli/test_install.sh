#!/usr/bin/env bash
# Installs the built library into a temporary prefix, then builds the
# desktop example against it twice: with find_package(edgenn) and with
# pkg-config (static link), and runs both.
set -u
cli="$1"
build=$(cd "$(dirname "$cli")" && pwd)
src="${ENN_SOURCE_DIR:?}"
if grep -q '^ENN_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: install test runs in the normal build (this is a sanitizer build)"; exit 77
fi
tmp="${ENN_TEST_TMP:-/tmp}/install-test.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass+1)); }
bad() { echo "FAIL $1"; fail=$((fail+1)); }

if cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1; then ok "cmake --install"; else bad "cmake --install"; cat "$tmp/install.log"; fi
for f in include/edgenn/edgenn.h include/edgenn/ops.def lib/libedgenn.a lib/pkgconfig/edgenn.pc lib/cmake/edgenn/edgennConfig.cmake; do
  ls "$tmp/prefix/$f" >/dev/null 2>&1 || ls "$tmp/prefix/lib"*/"${f#lib/}" >/dev/null 2>&1 && ok "installed $f" || bad "installed $f"
done

if cmake -S "$src/examples/desktop" -B "$tmp/ex" -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/ex.log" 2>&1 &&
   cmake --build "$tmp/ex" >>"$tmp/ex.log" 2>&1; then ok "find_package(edgenn) build"; else bad "find_package(edgenn) build"; cat "$tmp/ex.log"; fi
if "$tmp/ex/classify" | grep -q "top1: class"; then ok "find_package example runs"; else bad "find_package example runs"; fi

pcdir=$(dirname "$(ls "$tmp"/prefix/lib*/pkgconfig/edgenn.pc "$tmp"/prefix/lib/*/pkgconfig/edgenn.pc 2>/dev/null | head -1)")
if command -v pkg-config >/dev/null 2>&1; then
  libdir=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir edgenn)
  if cc -std=c11 "$src/examples/desktop/main.c" -o "$tmp/classify-pc" $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs edgenn) 2>"$tmp/pc.log" &&
     LD_LIBRARY_PATH="$libdir" "$tmp/classify-pc" | grep -q "top1: class"; then ok "pkg-config build + run (shared library)"; else bad "pkg-config build + run"; cat "$tmp/pc.log"; fi
  # the shared library exports the public API only
  so=$(ls "$libdir"/libedgenn.so.* 2>/dev/null | head -1)
  if [ -n "$so" ] && nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^enn_' | grep -v '^_' | grep -q .; then
    bad "libedgenn.so exports only enn_* symbols"; nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^enn_' | head
  else ok "libedgenn.so exports only enn_* symbols"; fi
  if [ -n "$so" ] && nm -D --defined-only "$so" | grep -q ' enn_ir_clone$'; then bad "internal symbols hidden"; else ok "internal symbols hidden"; fi
else
  bad "pkg-config missing (make deps installs it)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

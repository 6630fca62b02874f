# Cross-compiling edgenn for AArch64 Linux with Debian's cross toolchain
# (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross; scripts/install-deps.sh
# --aarch64) and running the tests under qemu-user (qemu-aarch64):
#
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
#   cmake --build build-aarch64 && (cd build-aarch64 && ctest)
#
# or `make test-aarch64`. ctest runs every test binary through
# CMAKE_CROSSCOMPILING_EMULATOR. No arm64 builds of zlib / liblzma / stb
# are installed for the cross compiler, so the dataset readers (and with
# them the edgenn tool) are left out: ENN_WITH_DATA=OFF. On a real board
# none of this is needed: `cmake -S . -B build` builds everything natively.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(ENN_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${ENN_CROSS_TRIPLE}-gcc)
set(ENN_CROSS_SYSROOT /usr/${ENN_CROSS_TRIPLE} CACHE PATH "Target root (libc, loader) for qemu -L")

# Look for target libraries and headers only in the target root; programs
# (bash, python3) come from the host.
set(CMAKE_FIND_ROOT_PATH ${ENN_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(ENN_QEMU_AARCH64 qemu-aarch64)
if(ENN_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${ENN_QEMU_AARCH64} -L ${ENN_CROSS_SYSROOT})
endif()

set(ENN_WITH_DATA OFF CACHE BOOL "Dataset readers (need zlib, liblzma, stb for the target)")

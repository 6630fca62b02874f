# edgenn — top-level driver. `make demo` and `make test` are the whole set-up
# on a fresh Debian 12 machine: the deps step installs missing packages.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
AARCH64_BUILD ?= build-aarch64
AARCH64_TESTS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
BUILD_TYPE ?= Release
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

.PHONY: all deps build test demo bench test-asan test-aarch64 fuzz fuzz-smoke clean install

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

demo: build
	./$(BUILD)/edgenn demo

bench: build
	bash bench/run.sh $(BUILD)

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_C_FLAGS_DEBUG=-g -O1" -DENN_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest -j $(JOBS) --output-on-failure

# AArch64: cross-compiled (cmake/aarch64-linux-gnu.cmake), every test run
# under qemu-aarch64 (ctest's emulator). AARCH64_TESTS is a ctest -R regex
# for a subset, e.g. `make test-aarch64 AARCH64_TESTS='^(kernels|rt)_'`.
test-aarch64:
	@bash scripts/install-deps.sh --aarch64
	cmake -S . -B $(AARCH64_BUILD) -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)
	cmake --build $(AARCH64_BUILD) -j $(JOBS)
	cd $(AARCH64_BUILD) && ctest -j $(JOBS) --output-on-failure $(if $(AARCH64_TESTS),-R '$(AARCH64_TESTS)')

# libFuzzer targets (clang): `make fuzz FUZZ_SECONDS=600` for a long run.
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DENN_BUILD_FUZZ=ON -DENN_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=20

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(AARCH64_BUILD)

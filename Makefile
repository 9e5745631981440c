# tmo: the two commands a newcomer types are `make run` and `make test`.
# This wraps CMake the way neovim's Makefile does; the build lives in build/.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
GENERATOR ?= Ninja
CTEST_JOBS ?= $(shell nproc)
DEMO_DIR ?= $(BUILD_DIR)/demo
TMO := $(BUILD_DIR)/bin/tmo
# Seconds each fuzz target runs in `make bench` (bench/fuzz.sh).
FUZZ_SECONDS ?= 60

.PHONY: all deps configure build run test test-unit test-latest bench format clean

all: build

deps:
	@./scripts/deps.sh

$(BUILD_DIR)/build.ninja $(BUILD_DIR)/Makefile:
	cmake -S . -B $(BUILD_DIR) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR)

# The main demo: a daemon with a medium team of simulated agents working for
# about 20 seconds on the embedded RocksDB log, tmo status, then the event
# stream. Each run starts from a fresh $(DEMO_DIR) (a stale daemon of an
# interrupted run is stopped first).
run: build
	-@$(TMO) down --data-dir $(DEMO_DIR) >/dev/null 2>&1
	rm -rf $(DEMO_DIR)
	$(TMO) demo --data-dir $(DEMO_DIR)

# The end-to-end tests drive the real Claude Code, Codex and Gemini CLIs
# (offline, against loopback models), at the versions pinned in
# tests/agent-cli-versions: scripts/agent-clis.sh installs them once into
# ~/.cache/agent-clis.
test: build
	@./scripts/agent-clis.sh
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(CTEST_JOBS)

# Only the in-process tests (ctest -L unit): seconds, no tmux, no daemon.
test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(CTEST_JOBS) -L unit

# The end-to-end tests against the newest release of each agent CLI (npm
# view, now), installed into the cache beside the pinned ones. A release
# that draws new screens fails here first: its fix is its profile.
test-latest: build
	@versions="$$(./scripts/agent-clis.sh --latest)" && \
	  echo "agent CLIs: $$versions" && \
	  cd $(BUILD_DIR) && env $$versions ctest --output-on-failure -L e2e

bench: build
	$(BUILD_DIR)/bin/tmo_bench
	$(BUILD_DIR)/bin/tmo_bench_cli
	$(BUILD_DIR)/bin/tmo_bench_actors
	$(BUILD_DIR)/bin/tmo_bench_tmux
	$(BUILD_DIR)/bin/tmo_bench_control
	$(BUILD_DIR)/bin/tmo_bench_faults
	$(BUILD_DIR)/bin/tmo_bench_approvals
	./bench/fuzz.sh $(BUILD_DIR) $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR)

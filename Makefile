# civicgrid front door. `make run` and `make test` work on a fresh Debian 12.
.PHONY: setup web build build-debug run test bench fuzz format clean

JOBS ?= $(shell nproc)
DB ?= sqlite:var/civicgrid.db
LISTEN ?= 127.0.0.1:8080
WEB ?= web/dist
SEED ?= 1
FUZZ_SECONDS ?= 60

setup:
	@scripts/setup

# The web pages (web/dist): npm ci from package-lock.json, then vite build.
web: setup
	@scripts/web

build: setup web
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-debug: setup web
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS)

# Builds the demo county on first start (reused afterwards) and serves it, with the web pages
# from $(WEB) when they have been built (else the API only; the startup log says which).
run: build
	@build/release/civicgrid demo --db $(DB) --profile guan --seed $(SEED) --if-empty
	@build/release/civicgrid serve --db $(DB) --listen $(LISTEN) $(if $(wildcard $(WEB)/index.html),--web $(WEB))

# Every suite, on SQLite and on a throwaway PostgreSQL, under ASan + UBSan.
test: build-debug
	@scripts/with-postgres ctest --preset debug -j $(JOBS)

bench: build
	@scripts/bench

# libFuzzer with coverage feedback, FUZZ_SECONDS per target, in a clang build of
# its own (build/fuzz); failing inputs land in fuzz/regressions/. Not part of test.
fuzz: setup
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz

format:
	@find src tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build web/dist

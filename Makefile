# The project's commands. The README's quick start is `make demo` and
# `make test`; both install what is missing first (scripts/setup.sh).
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown
CLI := target/release/sessiontrail

# Every crate at once is `--workspace`; a bare cargo command at the root
# covers the core crate alone.
.PHONY: help setup demo test lint codegen msrv test-native test-compat test-wasm pkg test-js test-e2e test-packaging bench www cli clean test-hook bench-hook test-view test-otlp fuzz test-www wheel test-py

help:
	@echo "make demo    record a session through the crate, the CLI and Node; show it and check it"
	@echo "make test    every test: lint, native, treeship interop, wasm (Node + Chromium), npm package, browser e2e"
	@echo "make bench   the benchmarks (see docs/benchmarks.md)"
	@echo "make pkg     assemble the npm package into pkg/"
	@echo "make wheel   build the Python wheel into target/wheels/"
	@echo "make codegen regenerate the files made from src/schema.rs"
	@echo "make www     serve the browser session recorder on localhost"

setup:
	@bash scripts/setup.sh

# Every file made from the event schema (src/schema.rs): the TypeScript
# event types, the recorder's field table, the Node wrapper's key order.
# `make lint` fails while a checked-in copy differs.
codegen:
	$(CARGO) xtask codegen

# Each crate built with the Rust it declares as `rust-version`.
msrv:
	bash scripts/msrv.sh

cli:
	$(CARGO) build --release -p sessiontrail-cli

demo: setup cli pkg
	@bash scripts/demo.sh

test: setup lint msrv test-native test-compat test-wasm pkg test-js test-e2e test-packaging test-hook test-view test-otlp test-www test-py
	@echo "make test: every suite passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) xtask codegen --check
	bash scripts/check-package.sh
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p sessiontrail -p sessiontrail-otlp --lib --target $(WASM_TARGET) -- -D warnings
	$(CARGO) clippy -p sessiontrail-wasm -p sessiontrail-otlp-wasm --lib --target $(WASM_TARGET) -- -D warnings
	$(CARGO) clippy -p sessiontrail-wasm --target $(WASM_TARGET) --test wasm_node --test wasm_browser -- -D warnings

test-native: cli
	$(CARGO) test --workspace --exclude treeship-compat

test-compat:
	$(CARGO) test -p treeship-compat

test-wasm:
	bash scripts/test-wasm.sh

pkg:
	bash scripts/build-pkg.sh

test-js: cli pkg
	SESSIONTRAIL_NO_BUILD=1 bash tests/js/run.sh

test-e2e: cli pkg
	bash tests/e2e/run.sh

# The packed tarball in a fresh project built by esbuild, Rollup, Bun, Vite
# and webpack, each page run in Chromium (tests/packaging/run.sh).
test-packaging: pkg
	bash tests/packaging/run.sh

# `sessiontrail view`: its HTTP API as a process (tests/view.rs, also part of
# test-native), then the page in Chromium (tests/e2e/viewer.test.js) and
# its session model in Node (tests/e2e/viewer-model.test.js).
test-view: cli pkg
	$(CARGO) test -p sessiontrail-cli --test view
	bash tests/e2e/run.sh viewer.test.js viewer-model.test.js

bench: setup cli pkg
	$(CARGO) run --release -p treeship-compat --bin bench
	SESSIONTRAIL_NO_BUILD=1 bash tests/js/run.sh bench
	node tests/e2e/bench.mjs
	bash scripts/bench-hook.sh
	node tests/e2e/viewer-bench.mjs
	bash scripts/bench-otlp.sh
	bash scripts/test-py.sh bench

# `sessiontrail hook`: its process tests (Claude Code and Gemini CLI fixtures)
# and the hook module's unit tests. test-native runs them too; this target
# runs only them.
test-hook:
	$(CARGO) test -p sessiontrail-cli --test hook_claude_code --test hook_gemini_cli --test import_claude_code --test hook_codex --test import_codex --test import_gemini_cli
	$(CARGO) test -p sessiontrail-cli --bin sessiontrail hook::

# One hook process against `true` and `sessiontrail append` (docs/benchmarks.md).
bench-hook:
	bash scripts/bench-hook.sh

# sessiontrail otlp against rotel, a real OpenTelemetry receiver (fetched
# from PyPI into target/rotel/ by the script).
test-otlp: cli
	bash scripts/fetch-rotel.sh
	$(CARGO) clippy -p sessiontrail-cli --test otlp_receiver -- -D warnings
	$(CARGO) test -p sessiontrail-cli --test otlp_receiver

# The Python wheel (abi3, CPython 3.9+) into target/wheels/, built by
# maturin from a venv in target/py/tools that the script makes itself.
wheel:
	bash scripts/build-wheel.sh

# The wheel installed into a fresh venv and tested with pytest, beside the
# CLI and the packed npm package (crates/sessiontrail-py/tests).
test-py: cli pkg
	bash scripts/test-py.sh

www: pkg
	node www/serve.mjs

# The long run of the fuzz and property tests (docs/format.md "Hardening"); a
# bounded run of the same tests is part of `cargo test`.
fuzz:
	PROPTEST_CASES=$${PROPTEST_CASES:-200000} $(CARGO) test --release --lib fuzz
	PROPTEST_CASES=$${PROPTEST_CASES:-20000} $(CARGO) test --release --test properties

clean:
	$(CARGO) clean
	rm -rf pkg

# The recorder page's labels against the event schema generated from
# src/schema.rs (www/event-schema.js, which `make lint` checks is
# current), in Node without a browser.
test-www:
	node --test tests/www/

# Værn: `make run` serves a demo on http://127.0.0.1:3000; `make test` runs everything.
# Both install what they need on a fresh machine (see scripts/install-tools.sh).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Read at compile time by Leptos; the same value for cargo and cargo-leptos keeps one
# build cache (see BUILD.md).
export LEPTOS_OUTPUT_NAME := vaern
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
E2E_PORT ?= 3300

.PHONY: run test tools tools-release e2e-deps fmt lint rust-test e2e build-debug mutants bench bench-wasm bench-sign-in bench-thread bench-thread-profile stix-validate bench-stix bench-upload bench-feed bench-search bench-dashboard taxii-venv

tools:
	scripts/install-tools.sh

tools-release:
	scripts/install-tools.sh --release

e2e-deps:
	scripts/install-e2e.sh

run: tools-release
	PATH="$(CURDIR)/tools/node_modules/.bin:$$PATH" cargo leptos build --release --precompress
	@if [ ! -f data/vaern.db ]; then "$(TARGET_DIR)/release/vaern" --data-dir data demo; \
	  else echo "Using the existing ./data (demo accounts: see README.md)."; fi
	@echo "Sign in at http://127.0.0.1:3000 as it-chef@aarhus.demo / demo-kommune-kodeord"
	@echo "(Aarhus Kommune); admin@kl.demo / demo-kl-adgangskode needs its TOTP code (README.md)."
	"$(TARGET_DIR)/release/vaern" --data-dir data serve --addr 127.0.0.1:3000 \
	  --site-root "$(CURDIR)/target/site"

fmt:
	cargo fmt --all --check

lint:
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p vaern-frontend --target wasm32-unknown-unknown -- -D warnings

# OASIS medallion (TAXII 2.1 server) and taxii2-client, which the integration tests start
# and run on loopback; VAERN_TAXII_VENV overrides where (scripts/install-taxii-venv.sh).
taxii-venv:
	scripts/install-taxii-venv.sh

# One process per test (nextest), in parallel: each integration test starts its own
# server.
rust-test: taxii-venv
	command -v cargo-nextest >/dev/null || cargo install --locked cargo-nextest
	cargo nextest run --no-fail-fast
	cargo test --doc

build-debug:
	cargo leptos build

e2e: build-debug
	cd e2e && VAERN_BIN="$(TARGET_DIR)/debug/vaern" VAERN_SITE_ROOT="$(CURDIR)/target/site" \
	  E2E_PORT=$(E2E_PORT) npx playwright test

test: tools e2e-deps fmt lint rust-test e2e stix-validate

# Simulated analysis-centre bundles checked with the OASIS STIX 2.1 validator (see
# scripts/stix-validate.sh); STIX_SEED picks another repeatable set of bundles.
STIX_SEED ?= 1
# Uses the binary of `build-debug` (the e2e build), so `make test` builds the server once.
stix-validate: build-debug
	dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	  "$(TARGET_DIR)/debug/vaern" simulate-soc --out "$$dir" --count 30 --size 100 \
	    --seed $(STIX_SEED) >/dev/null && \
	  scripts/stix-validate.sh "$$dir" core/tests/fixtures/stix

# Mutation testing of the access policy (slow; not part of `make test`).
mutants:
	command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
	cargo mutants --package vaern-core --file 'core/src/policy/**' --timeout 300

# Release wasm size, raw and brotli-compressed (target: <= 400 KB brotli).
bench-wasm: tools-release
	PATH="$(CURDIR)/tools/node_modules/.bin:$$PATH" cargo leptos build --release --precompress
	scripts/wasm-size.sh target/site/pkg

# Sign-in latency p50/p99 through the real server, against Argon2id verification alone.
bench-sign-in:
	cargo bench -p vaern-server --bench sign_in

# A 50-post forum thread for a signed-in member under 50 connections, against nginx serving
# the same HTML (targets: >= 25 % of nginx's req/s, p99 <= 20 ms), uncompressed and then with
# gzip on both sides; see scripts/bench-thread.sh.
bench-thread: tools-release
	scripts/install-bench.sh
	PATH="$(CURDIR)/tools/node_modules/.bin:$$PATH" cargo leptos build --release --precompress
	scripts/bench-thread.sh "$(TARGET_DIR)/release/vaern" "$(CURDIR)/target/site"
	BENCH_ENCODING=gzip scripts/bench-thread.sh "$(TARGET_DIR)/release/vaern" "$(CURDIR)/target/site"

bench: bench-wasm bench-sign-in bench-thread bench-thread-profile bench-stix bench-feed bench-upload \
  bench-search bench-dashboard

# Where one thread page's time goes (session, bell, forum query with policy, the rest).
bench-thread-profile:
	cargo bench -p vaern-server --bench thread_page

# STIX ingestion: 100,000 simulator objects as TAXII envelopes of 1,000 over HTTP, against
# the raw SQLite insert rate of the same rows (target: >= 20,000 objects/s).
bench-stix:
	cargo bench -p vaern-server --bench stix_ingest

# The dashboard, the alerts list with filters, the acknowledgement view and the alerts
# export over 1,000,000 alerts generated in-process (server/benches/dashboard.rs), against
# their peers without the policy or without streaming (targets: 50, 100 and 200 ms at p99;
# the export at flat memory).
bench-dashboard:
	cargo bench -p vaern-server --bench dashboard

# The outbound TAXII feed: 100,000 simulator objects read back in pages of 1,000 by a
# municipality's and a region's token, against raw SQLite pages without policy or cut;
# and the empty poll of a SIEM that is up to date.
bench-feed:
	cargo bench -p vaern-server --bench taxii_feed

# A library's files through a release server: one 1 GB upload and download against cp
# (targets: >= 50 % of cp each, <= 64 MB RSS above idle), then 50 concurrent audited
# downloads of a 10 MB document; see scripts/bench-upload.sh. Needs about 4 GB free.
bench-upload: tools-release
	scripts/install-bench.sh
	PATH="$(CURDIR)/tools/node_modules/.bin:$$PATH" cargo leptos build --release --precompress
	scripts/bench-upload.sh "$(TARGET_DIR)/release/vaern" "$(CURDIR)/target/site"

# Search over 1,000,000 posts of Danish text (BENCH_SEARCH_POSTS for fewer) for a member of
# 5 of 40 groups: tantivy with the access filter inside the query (median and p99 of the top
# 20 with counts and facets, index size, indexing rate from the outbox) against PostgreSQL
# full-text search (GIN over to_tsvector('danish', ...), same filter, corpus and queries) in
# the same run (targets: median <= 1 ms, p99 <= 20 ms, >= 10x PostgreSQL at p99). Installs
# wdanish and PostgreSQL and starts its own server; see scripts/bench-search.sh. Takes tens
# of minutes and needs about 8 GB free while it runs (deleted at the end).
bench-search:
	scripts/bench-search.sh

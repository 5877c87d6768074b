#!/usr/bin/env bash
# Installs the build tools Værn needs, each only when missing or at the wrong version:
# the wasm32 target, cargo-leptos, wasm-bindgen-cli at exactly the workspace's pinned
# wasm-bindgen, and (with --release) wasm-opt from npm's binaryen, never Debian's (its
# binaryen 108 breaks hydration).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
BINARYEN_VERSION=132.0.0

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  echo "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores)…"
  # --ignore-rust-version: a locked dependency asks for a newer rustc than it needs.
  cargo install --locked --ignore-rust-version cargo-leptos --version "$CARGO_LEPTOS_VERSION"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  echo "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION…"
  # Not --locked: its lock file names a crate version the registry does not serve.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [[ "${1:-}" == "--release" ]]; then
  if ! tools/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "${BINARYEN_VERSION%%.*}"; then
    echo "Installing wasm-opt (npm binaryen $BINARYEN_VERSION)…"
    mkdir -p tools
    npm install --prefix tools --no-save --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
  fi
fi

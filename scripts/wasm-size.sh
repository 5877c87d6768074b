#!/usr/bin/env bash
# Prints the size of the release wasm, raw and brotli-compressed, against the 400 KB target.
set -euo pipefail
pkg=${1:-target/site/pkg}
wasm=$(ls -S "$pkg"/*.wasm | head -n1)
raw=$(stat -c %s "$wasm")
if [[ -f "$wasm.br" ]]; then
  br=$(stat -c %s "$wasm.br")
else
  echo "no $wasm.br: build with --precompress" >&2
  exit 1
fi
awk -v w="$wasm" -v raw="$raw" -v br="$br" 'BEGIN {
  printf "wasm: %s\nraw: %d bytes (%.1f KB)\nbrotli: %d bytes (%.1f KB), target 400 KB, ratio to target %.2f\n",
    w, raw, raw / 1000, br, br / 1000, br / 400000 }'

#!/usr/bin/env bash
# Prints the size of the release wasm, raw and brotli-compressed, against the 400 KB target.
set -euo pipefail
pkg=${1:-target/site/pkg}
wasm=$(ls -S "$pkg"/*.wasm | head -n1)
raw=$(stat -c %s "$wasm")
if [[ -f "$wasm.br" ]]; then br=$(stat -c %s "$wasm.br"); else br=$(brotli -c -q 11 "$wasm" | wc -c); fi
echo "wasm: $wasm"
printf 'raw: %d bytes (%.1f KB)\nbrotli: %d bytes (%.1f KB), target 400 KB, ratio %.2f\n' \
  "$raw" "$(echo "$raw/1000" | bc -l)" "$br" "$(echo "$br/1000" | bc -l)" "$(echo "$br/400000" | bc -l)"

#!/usr/bin/env bash
# A library's file path under load, through a separate release server process:
#  1. one 1 GB upload and its download over HTTP, next to `cp` of the same file on the
#     same disk (with fsync, as the store syncs), and the server's peak RSS above idle
#     (targets: upload and download >= 50 % of cp, <= 64 MB above idle);
#  2. 50 concurrent downloads of one 10 MB document for BENCH_DURATION, each audited in
#     its transaction: total throughput and latency percentiles (wrk).
# Prints figures; exits 0 whenever the measurement ran, whatever they are.
#
# Usage: scripts/bench-upload.sh VAERN_BINARY SITE_ROOT   (`make bench-upload` builds both)
# Environment (all optional): BENCH_SIZE_MB=1024 BENCH_DURATION=10s BENCH_PORT=3420
#   BENCH_DIR=/var/tmp (where the data and the test files go: needs about 4 GB free)
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 VAERN_BINARY SITE_ROOT" >&2
  exit 2
fi
vaern_bin=$(realpath "$1")
site_root=$(realpath "$2")
SIZE_MB=${BENCH_SIZE_MB:-1024}
DURATION=${BENCH_DURATION:-10s}
PORT=${BENCH_PORT:-3420}
BASE=${BENCH_DIR:-/var/tmp}
EMAIL=it-chef@aarhus.demo
PASSWORD=demo-kommune-kodeord
SLUG=referencegruppen

die() {
  echo "bench-upload: $*" >&2
  exit 1
}
[[ -x "$vaern_bin" ]] || die "no executable at $vaern_bin"
command -v wrk >/dev/null || die "wrk is missing: run scripts/install-bench.sh"
command -v curl >/dev/null || die "curl is missing"
need_kb=$(( (SIZE_MB * 4 + 512) * 1024 ))
free_kb=$(df -Pk "$BASE" | awk 'NR == 2 { print $4 }')
(( free_kb >= need_kb )) || die "$BASE has $((free_kb / 1024)) MB free; this needs $((need_kb / 1024)) MB"

tmp=$(mktemp -d "$BASE/vaern-bench-upload.XXXXXX")
pid=
cleanup() {
  local status=$?
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if ((status)) && [[ -s "$tmp/vaern.log" ]]; then tail -n 20 "$tmp/vaern.log" >&2; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

seconds() { python3 -c "import time; print(time.monotonic())"; }
rate() { python3 -c "import sys; b, t = float(sys.argv[1]), float(sys.argv[2]); print(f'{b / t / 1e6:.0f} MB/s ({t:.2f} s)')" "$@"; }
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{b / a * 100:.0f} %')" "$@"; }
kb_of() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

# --- The file: a PDF header, then random bytes (the library sniffs the type) -------------
big="$tmp/big.pdf"
echo "Writing a ${SIZE_MB} MB test file…"
{ printf '%%PDF-1.7\n'; head -c "$((SIZE_MB * 1024 * 1024 - 9))" /dev/urandom; } >"$big"
size=$(stat -c %s "$big")
sync

# --- cp with fsync, the peer -----------------------------------------------------------------
start=$(seconds)
cp "$big" "$tmp/copy.pdf"
sync "$tmp/copy.pdf"
cp_time=$(python3 -c "print($(seconds) - $start)")
rm -f "$tmp/copy.pdf"

# --- The server ----------------------------------------------------------------------------
data="$tmp/data"
"$vaern_bin" --data-dir "$data" demo >"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log" >&2; die "vaern demo failed"; }
origin="http://127.0.0.1:$PORT"
VAERN_LOG=warn "$vaern_bin" --data-dir "$data" serve --addr "127.0.0.1:$PORT" \
  --site-root "$site_root" --max-upload-mb $((SIZE_MB * 2)) >"$tmp/vaern.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
  kill -0 "$pid" 2>/dev/null || die "vaern serve exited"
  curl -fsS -o /dev/null "$origin/sign-in" 2>/dev/null && break
  sleep 0.1
done
jar="$tmp/cookies.txt"
status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" -H "Origin: $origin" \
  -H 'Accept: application/json' --data-urlencode "email=$EMAIL" \
  --data-urlencode "password=$PASSWORD" "$origin/rpc/sign_in")
[[ "$status" == 2* ]] || die "sign-in answered HTTP $status"
cookie="vaern_session=$(awk '$6 == "vaern_session" { print $7 }' "$jar" | tail -n1)"
# Warm: one small request, then idle for a moment before reading the idle RSS.
curl -fsS -o /dev/null -H "Cookie: $cookie" "$origin/groups/$SLUG/library"
sleep 1
idle_kb=$(kb_of "$pid" VmRSS)

upload() { # file -> document id
  curl -sS -H "Cookie: $cookie" -H "Origin: $origin" -H 'Accept: application/json' \
    -F "file=@$1;type=application/octet-stream" "$origin/groups/$SLUG/library/upload" |
    python3 -c "import json, sys; print(json.load(sys.stdin)['documents'][0]['document_id'])"
}

echo "Uploading…"
start=$(seconds)
id=$(upload "$big") || die "the upload failed"
up_time=$(python3 -c "print($(seconds) - $start)")
echo "Downloading…"
start=$(seconds)
curl -fsS -H "Cookie: $cookie" -o "$tmp/back.pdf" "$origin/documents/$id/download"
sync "$tmp/back.pdf"
down_time=$(python3 -c "print($(seconds) - $start)")
peak_kb=$(kb_of "$pid" VmHWM)
cmp -s "$big" "$tmp/back.pdf" || die "the downloaded bytes differ from the uploaded ones"
rm -f "$tmp/back.pdf"

echo
echo "== One ${SIZE_MB} MB file ($size bytes)"
echo "cp + fsync:    $(rate "$size" "$cp_time")"
echo "upload:        $(rate "$size" "$up_time")   = $(ratio "$up_time" "$cp_time") of cp (target >= 50 %)"
echo "download:      $(rate "$size" "$down_time")   = $(ratio "$down_time" "$cp_time") of cp (target >= 50 %)"
echo "server RSS:    idle $((idle_kb / 1024)) MB, peak $((peak_kb / 1024)) MB, $(((peak_kb - idle_kb) / 1024)) MB above idle (target <= 64 MB)"

# --- 50 concurrent downloads of a 10 MB document ---------------------------------------------
ten="$tmp/ten.pdf"
{ printf '%%PDF-1.7\n'; head -c $((10 * 1024 * 1024 - 9)) /dev/urandom; } >"$ten"
small=$(upload "$ten") || die "the 10 MB upload failed"
before=$(python3 -c "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); print(db.execute(\"select (select count(*) from audit_log where action = 'document_download') + (select count(*) from audit_staged)\").fetchone()[0])" "$data/vaern.db")
echo
echo "== 50 connections downloading a 10 MB document for $DURATION (each download audited)"
wrk -t 2 -c 50 -d "$DURATION" --latency -H "Cookie: $cookie" "$origin/documents/$small/download" |
  tee "$tmp/wrk.txt" | grep -E 'Latency|50%|90%|99%|Requests/sec|Transfer/sec|requests in|Non-2xx'
requests=$(awk '/requests in/ { print $1 }' "$tmp/wrk.txt")
sleep 6 # the audit appender chains every 5 s
after=$(python3 -c "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); print(db.execute(\"select (select count(*) from audit_log where action = 'document_download') + (select count(*) from audit_staged)\").fetchone()[0])" "$data/vaern.db")
echo "audit rows for the downloads: $((after - before)) (wrk counted $requests completed requests)"

#!/usr/bin/env bash
# Throughput and p99 of a forum thread page with 50 posts, requested by a signed-in group
# member (session lookup, policy check and render on every request), next to nginx serving
# the byte-identical HTML as a static file in the same run with the same request headers.
# Targets: >= 25 % of nginx's requests/s and p99 <= 20 ms. Prints figures; exits 0 whenever
# the measurement ran, whatever they are.
#
# Usage: scripts/bench-thread.sh VAERN_BINARY SITE_ROOT   (`make bench-thread` builds both)
# Environment (all optional):
#   BENCH_CONNECTIONS=50 BENCH_DURATION=10s BENCH_WARMUP=2s BENCH_THREADS=2
#   BENCH_VAERN_PORT=3410 BENCH_NGINX_PORT=3411
#   BENCH_PATH=/groups/referencegruppen  benchmark that page instead of the 50-post thread
#   BENCH_KEEP=1                         keep the temp dir (data, logs, nginx root)
#   BENCH_ENCODING=gzip                  ask both servers for gzip (nginx: gzip on, level 1;
#                                        Værn: its fastest level); the default is identity
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 VAERN_BINARY SITE_ROOT" >&2
  exit 2
fi
vaern_bin=$(realpath "$1")
site_root=$(realpath "$2")

CONNECTIONS=${BENCH_CONNECTIONS:-50}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
THREADS=${BENCH_THREADS:-2}
VAERN_PORT=${BENCH_VAERN_PORT:-3410}
NGINX_PORT=${BENCH_NGINX_PORT:-3411}
EMAIL=it-chef@aarhus.demo
PASSWORD=demo-kommune-kodeord
GROUP_SLUG=referencegruppen
POSTS=50
# What the load asks for. The page itself is always fetched with identity (so that nginx
# serves the byte-identical HTML); with gzip both servers compress it per response.
ENCODING=${BENCH_ENCODING:-identity}
[[ "$ENCODING" == identity || "$ENCODING" == gzip ]] || {
  echo "BENCH_ENCODING must be identity or gzip" >&2
  exit 2
}
ACCEPT_ENCODING=identity

die() {
  echo "bench-thread: $*" >&2
  exit 1
}

[[ -x "$vaern_bin" ]] || die "no executable at $vaern_bin"
[[ -d "$site_root/pkg" ]] || die "no compiled site at $site_root (expected pkg/ in it)"
command -v wrk >/dev/null || die "wrk is missing: run scripts/install-bench.sh"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x "$nginx_bin" ]] || die "nginx is missing: run scripts/install-bench.sh"
command -v python3 >/dev/null || die "python3 is missing"
command -v curl >/dev/null || die "curl is missing"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$VAERN_PORT" "$NGINX_PORT"; do
  if port_in_use "$port"; then
    die "port $port is in use (set BENCH_VAERN_PORT / BENCH_NGINX_PORT)"
  fi
done

tmp=$(mktemp -d -t vaern-bench-thread.XXXXXX)
vaern_pid=
nginx_pid=
stop() {
  local pid=$1
  [[ -n "$pid" ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  stop "$vaern_pid"
  stop "$nginx_pid"
  wait 2>/dev/null || true
  if ((status)); then
    for log in "$tmp/vaern.log" "$tmp/nginx/error.log"; do
      if [[ -s "$log" ]]; then
        echo "--- last lines of $log" >&2
        tail -n 20 "$log" >&2
      fi
    done
  fi
  if [[ "${BENCH_KEEP:-}" == 1 ]]; then
    echo "Kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Data: a fresh demo with the 50-post thread ------------------------------------------
data="$tmp/data"
echo "Seeding the demo into $data…"
"$vaern_bin" --data-dir "$data" demo >"$tmp/demo.log" 2>&1 || {
  cat "$tmp/demo.log" >&2
  die "vaern demo failed"
}

if [[ -n "${BENCH_PATH:-}" ]]; then
  page=$BENCH_PATH
  echo "Page: $page (BENCH_PATH)"
else
  thread_id=$(python3 - "$data/vaern.db" "$POSTS" "$GROUP_SLUG" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
posts, slug = int(sys.argv[2]), sys.argv[3]
try:
    # Prefer the thread in the named group; any thread with exactly 50 posts otherwise.
    row = None
    try:
        row = db.execute(
            "select t.id from forum_threads t join user_groups g on g.id = t.group_id"
            " where g.slug = ? and (select count(*) from forum_posts p"
            " where p.thread_id = t.id) = ? limit 1", (slug, posts)).fetchone()
    except sqlite3.Error:
        pass
    if row is None:
        row = db.execute(
            "select t.id from forum_threads t where (select count(*) from forum_posts p"
            " where p.thread_id = t.id) = ? limit 1", (posts,)).fetchone()
except sqlite3.Error as e:
    sys.exit(f"the demo data has no forum ({e})")
if row is None:
    sys.exit(f"the demo data has no forum thread with exactly {posts} posts")
print(row[0])
EOF
  ) || die "cannot find the benchmark thread; does this build's demo seed the forum?"
  page="/threads/$thread_id"
  echo "Page: $page (the thread with $POSTS posts)"
fi

# --- Værn ----------------------------------------------------------------------------------
origin="http://127.0.0.1:$VAERN_PORT"
VAERN_LOG=warn RUST_LOG=warn "$vaern_bin" --data-dir "$data" serve \
  --addr "127.0.0.1:$VAERN_PORT" --site-root "$site_root" >"$tmp/vaern.log" 2>&1 &
vaern_pid=$!
for _ in $(seq 300); do
  kill -0 "$vaern_pid" 2>/dev/null || die "vaern serve exited"
  if curl -fsS -o /dev/null "$origin/sign-in" 2>/dev/null; then break; fi
  sleep 0.1
done
curl -fsS -o /dev/null "$origin/sign-in" || die "vaern did not answer $origin/sign-in within 30 s"

# Sign in as the hydrated sign-in form does: the `sign_in` server function, form-encoded,
# from our own origin (the origin check refuses other POSTs). The owner of the group has
# no second factor, so this one step gives a full session.
jar="$tmp/cookies.txt"
status=$(curl -sS -o "$tmp/sign-in.body" -w '%{http_code}' -c "$jar" -b "$jar" \
  -H "Origin: $origin" -H 'Accept: application/json' \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" \
  "$origin/rpc/sign_in")
[[ "$status" == 2* ]] || die "sign-in as $EMAIL answered HTTP $status: $(head -c 300 "$tmp/sign-in.body")"
session=$(awk '$6 == "vaern_session" { print $7 }' "$jar" | tail -n1)
[[ -n "$session" ]] || die "sign-in as $EMAIL set no vaern_session cookie"
cookie="vaern_session=$session"

# The page as the benchmark will ask for it; this exact HTML is what nginx serves.
webroot="$tmp/nginx/html"
mkdir -p "$webroot" "$tmp/nginx/tmp"
html="$webroot/index.html"
fetch() { # url out_body out_headers -> "status body_bytes header_bytes"
  curl -sS -o "$2" -D "$3" -w '%{http_code} %{size_download} %{size_header}\n' \
    -H "Cookie: $cookie" -H "Accept-Encoding: $ACCEPT_ENCODING" "$1"
}
read -r status raw vaern_header_bytes < <(fetch "$origin$page" "$html" "$tmp/vaern.headers")
if [[ "$status" != 200 ]]; then
  die "GET $page as $EMAIL answered HTTP $status, not 200 (not signed in, not a member, or no such page)"
fi
if grep -qi '^content-encoding:' "$tmp/vaern.headers"; then
  die "vaern compressed the page despite Accept-Encoding: $ACCEPT_ENCODING"
fi
articles=$( { grep -o '<article' "$html" || true; } | wc -l)
if [[ -z "${BENCH_PATH:-}" && "$articles" != "$POSTS" ]]; then
  echo "warning: the page has $articles <article> elements, not $POSTS" >&2
fi
gzip_bytes=$(gzip -6 -c "$html" | wc -c)

# --- nginx: the same bytes as a static file ------------------------------------------------
ngx="$tmp/nginx"
user_line=
# As root, nginx's workers would run as nobody, who cannot enter the 0700 temp dir.
if ((EUID == 0)); then user_line="user root;"; fi
cat >"$ngx/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 2;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    types { text/html html; }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    $(if [[ "$ENCODING" == gzip ]]; then echo "gzip on; gzip_comp_level 1;"; else echo "gzip off;"; fi)
    # Keep connections open like Værn does (nginx closes them after 1000 requests).
    keepalive_requests 1000000;
    client_body_temp_path $ngx/tmp/body;
    proxy_temp_path $ngx/tmp/proxy;
    fastcgi_temp_path $ngx/tmp/fastcgi;
    uwsgi_temp_path $ngx/tmp/uwsgi;
    scgi_temp_path $ngx/tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $webroot;
        location / { }
    }
}
EOF
"$nginx_bin" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" &
nginx_pid=$!
nginx_url="http://127.0.0.1:$NGINX_PORT/index.html"
for _ in $(seq 100); do
  kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited"
  if curl -fsS -o /dev/null "$nginx_url" 2>/dev/null; then break; fi
  sleep 0.1
done
read -r status _ nginx_header_bytes < <(fetch "$nginx_url" "$tmp/nginx.body" "$tmp/nginx.headers")
[[ "$status" == 200 ]] || die "nginx answered HTTP $status"
cmp -s "$html" "$tmp/nginx.body" || die "nginx does not serve the byte-identical page"

# --- Load ----------------------------------------------------------------------------------
# Exact figures from wrk's own summary; --latency still prints the distribution.
cat >"$tmp/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d status=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(99)))
end
EOF
load() { # name url duration
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --latency -s "$tmp/report.lua" \
    -H "Cookie: $cookie" -H "Accept-Encoding: $ENCODING" "$2"
}
# CPU seconds the Værn process has used so far (user + system), from /proc.
cpu_secs() {
  awk -v tck="$(getconf CLK_TCK)" '{ print ($14 + $15) / tck }' "/proc/$vaern_pid/stat"
}
# Body bytes of one response as the load asks for it.
sent_bytes() {
  curl -sS -o /dev/null -w '%{size_download}' -H "Cookie: $cookie" -H "Accept-Encoding: $ENCODING" "$1"
}
declare -A result
measure() { # name url
  echo
  echo "== $1: warm-up $WARMUP, then $DURATION with $CONNECTIONS connections, $THREADS wrk threads"
  load "$1" "$2" "$WARMUP" >/dev/null
  if [[ "$1" == vaern ]]; then cpu_before=$(cpu_secs); fi
  load "$1" "$2" "$DURATION" | tee "$tmp/wrk-$1.txt" | grep -v '^BENCH '
  if [[ "$1" == vaern ]]; then cpu_after=$(cpu_secs); fi
  result[$1]=$(grep '^BENCH ' "$tmp/wrk-$1.txt") || die "no summary from wrk for $1"
}
measure nginx "$nginx_url"
measure vaern "$origin$page"
nginx_sent=$(sent_bytes "$nginx_url")
vaern_sent=$(sent_bytes "$origin$page")

# The session held for the whole run?
read -r status _ _ < <(fetch "$origin$page" /dev/null /dev/null)
[[ "$status" == 200 ]] || echo "warning: after the run, $page answered HTTP $status, not 200" >&2

# --- Report --------------------------------------------------------------------------------
echo
python3 - "${result[nginx]}" "${result[vaern]}" "$page" "$raw" "$gzip_bytes" "$articles" \
  "$ACCEPT_ENCODING" "$nginx_header_bytes" "$vaern_header_bytes" "$CONNECTIONS" "$DURATION" \
  "$EMAIL" "$ENCODING" "$nginx_sent" "$vaern_sent" "$cpu_before" "$cpu_after" <<'EOF'
import os, sys
(nginx, vaern, page, raw, gz, articles, enc, nginx_hdr, vaern_hdr, conns,
 duration, email, load_enc, nginx_sent, vaern_sent, cpu_before, cpu_after) = sys.argv[1:]
raw, gz, nginx_hdr, vaern_hdr = int(raw), int(gz), int(nginx_hdr), int(vaern_hdr)
nginx_sent, vaern_sent = int(nginx_sent), int(vaern_sent)
cpu = float(cpu_after) - float(cpu_before)

def parse(line):
    return {k: int(v) for k, v in (f.split("=") for f in line.split()[1:])}

runs = {"nginx": parse(nginx), "vaern": parse(vaern)}
print(f"Page {page} for {email} (signed in, group member): {articles} <article> elements")
print(f"Page size: {raw} bytes raw (gzip -6 would make it {gz} bytes); the load asks for "
      f"Accept-Encoding: {load_enc}, and one response's body is then nginx {nginx_sent} B, "
      f"vaern {vaern_sent} B, plus headers (nginx {nginx_hdr} B, vaern {vaern_hdr} B; "
      f"B/response below is what wrk read, chunking included)")
print(f"{conns} connections for {duration}; wrk and both servers share this machine's "
      f"{os.cpu_count()} cores")
print()
print(f"{'server':<8}{'req/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'B/response':>12}{'errors':>8}")
for name, r in runs.items():
    rps = r["requests"] / (r["duration_us"] / 1e6)
    r["rps"] = rps
    errors = r["status"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    per = r["bytes"] / r["requests"] if r["requests"] else 0
    r["per"] = per
    print(f"{name:<8}{rps:>11.0f}{r['p50_us'] / 1000:>9.2f}{r['p99_us'] / 1000:>9.2f}"
          f"{per:>12.0f}{errors:>8}")
print()
n, v = runs["nginx"], runs["vaern"]
ratio = 100 * v["rps"] / n["rps"] if n["rps"] else 0
if v["requests"]:
    print(f"vaern CPU: {cpu:.2f} s over the measured run, "
          f"{1e6 * cpu / v['requests']:.0f} µs per page")
p99 = v["p99_us"] / 1000
print(f"vaern/nginx req/s: {ratio:.1f} %  (target >= 25 %: {'met' if ratio >= 25 else 'NOT met'})")
print(f"vaern p99: {p99:.2f} ms  (target <= 20 ms: {'met' if p99 <= 20 else 'NOT met'})")

for name, r in runs.items():
    if r["status"]:
        print(f"warning: {name}: {r['status']} non-2xx/3xx responses (wrk's Non-2xx or 3xx)",
              file=sys.stderr)
    if r["connect"] + r["read"] + r["write"] + r["timeout"]:
        print(f"warning: {name}: socket errors: connect {r['connect']}, read {r['read']}, "
              f"write {r['write']}, timeout {r['timeout']}", file=sys.stderr)
# wrk counts a 3xx (a redirect to sign-in) as success; the bytes per response tell.
expected = {"nginx": nginx_sent + nginx_hdr, "vaern": vaern_sent + vaern_hdr}
for name, r in runs.items():
    if r["requests"] and abs(r["per"] - expected[name]) > 0.1 * expected[name]:
        print(f"warning: {name}: {r['per']:.0f} bytes per response on average, expected about "
              f"{expected[name]}: not every response was the page", file=sys.stderr)
EOF

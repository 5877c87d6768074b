#!/usr/bin/env bash
# Search over 1,000,000 posts: tantivy with a member's access filter against PostgreSQL
# full-text search (GIN over to_tsvector('danish', …)) with the same filter, on the same
# corpus and queries in the same run, and the /search page over HTTP for the same queries
# (server/benches/search.rs says what is measured).
#
# Installs what it needs when missing (Debian's wdanish word list and postgresql; the
# package's own cluster is never started), checks free disk, starts a private PostgreSQL
# on a unix socket in a temp dir under BENCH_SEARCH_DIR, runs
# `cargo bench -p vaern-server --bench search` against it, then stops the server and
# deletes all the data. Prints figures; exits 0 whenever the measurement ran.
#
# Environment (all optional):
#   BENCH_SEARCH_POSTS=1000000       corpus size (e.g. 20000 for a quick run)
#   BENCH_SEARCH_SEED=18             the one seed of corpus and queries
#   BENCH_SEARCH_DIR=/var/cache/vaern/bench-search   where the data goes while it runs
#   BENCH_SEARCH_PG_MEMORY=4GB       PostgreSQL's shared_buffers
#   BENCH_SEARCH_HTTP=0              leave out the /search page over HTTP
#   BENCH_KEEP=1                     keep the data and the stopped cluster
set -euo pipefail

POSTS=${BENCH_SEARCH_POSTS:-1000000}
BASE=${BENCH_SEARCH_DIR:-/var/cache/vaern/bench-search}
PG_MEMORY=${BENCH_SEARCH_PG_MEMORY:-4GB}
WORDS=/usr/share/dict/danish
# Measured at 1M posts: SQLite with its outbox 1.3 GB, the tantivy index 0.4 GB (more
# while it merges), PostgreSQL's table 2.3 GB and GIN index 0.2 GB; asked for with a margin.
BYTES_PER_POST=8000

die() {
  echo "bench-search: $*" >&2
  exit 1
}

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [[ -n "$dir" && -x "$dir/postgres" ]] && echo "$dir"
}

install_missing() {
  local missing=() policy=/usr/sbin/policy-rc.d added_policy=0 status=0
  [[ -f "$WORDS" ]] || missing+=(wdanish)
  pg_bindir >/dev/null || missing+=(postgresql)
  ((${#missing[@]})) || return 0
  ((EUID == 0)) || die "needs ${missing[*]}: run as root or install them"
  apt-get update
  # Debian's postinst starts the package's own cluster; policy-rc.d 101 forbids that.
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" || status=$?
  if ((added_policy)); then rm -f "$policy"; fi
  return "$status"
}

work=
pg=
bindir=
pg_started=0
cleanup() {
  local status=$?
  if ((pg_started)); then
    runuser -u postgres -- "$bindir/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if ((status)) && [[ -n "$pg" && -s "$pg/log" ]]; then
    echo "--- last lines of the PostgreSQL log" >&2
    tail -n 20 "$pg/log" >&2
  fi
  if [[ -z "$work" ]]; then
    return
  elif [[ "${BENCH_KEEP:-}" == 1 ]]; then
    echo "Kept $work" >&2
  else
    rm -rf "$work"
  fi
}

# Starts a private server in "$pg": only a unix socket in the run's own directory; memory
# for the whole GIN index and table (a fair peer is a tuned one); no JIT, whose compile time
# would dwarf these queries; minimal WAL, so that the load into a table created in the same
# transaction writes none.
start_postgres() {
  mkdir -p "$pg"
  chown postgres:postgres "$pg"
  chmod 700 "$pg"
  runuser -u postgres -- "$bindir/initdb" -D "$pg/data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 || {
    cat "$work/initdb.log" >&2
    die "initdb failed"
  }
  cat >>"$pg/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$pg'
shared_buffers = '$PG_MEMORY'
effective_cache_size = '16GB'
work_mem = '64MB'
maintenance_work_mem = '1GB'
max_wal_size = '4GB'
wal_level = minimal
max_wal_senders = 0
jit = off
EOF
  runuser -u postgres -- "$bindir/pg_ctl" -D "$pg/data" -l "$pg/log" -w -t 120 start >/dev/null
  pg_started=1
  echo "PostgreSQL $("$bindir/postgres" --version | awk '{ print $3 }') on $pg (shared_buffers $PG_MEMORY)"
}

main() {
  cd "$(dirname "$0")/.."
  [[ "$POSTS" =~ ^[0-9]+$ ]] && ((POSTS > 0)) || die "BENCH_SEARCH_POSTS must be a positive number"

  install_missing
  bindir=$(pg_bindir) || die "no PostgreSQL server binaries under /usr/lib/postgresql"
  [[ -f "$WORDS" ]] || die "no word list at $WORDS"
  id postgres >/dev/null 2>&1 || die "no postgres user (it comes with Debian's postgresql)"

  mkdir -p "$BASE"
  local need free
  need=$((POSTS * BYTES_PER_POST))
  free=$(df -P -B1 "$BASE" | awk 'NR == 2 { print $4 }')
  echo "Free disk under $BASE: $((free / 1024 / 1024)) MB; this run needs about $((need / 1024 / 1024)) MB"
  ((free >= need)) || die "not enough free disk for $POSTS posts (set BENCH_SEARCH_POSTS lower or free space)"

  # Built before the server starts, so that compiling does not count against anything.
  cargo bench -p vaern-server --bench search --no-run

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  work=$(mktemp -d "$BASE/run.XXXXXX")
  chmod 755 "$work"
  pg="$work/pg"
  start_postgres

  BENCH_SEARCH_DIR="$work" BENCH_SEARCH_PG="host=$pg user=postgres dbname=postgres" \
    BENCH_SEARCH_WORDS="$WORDS" cargo bench -p vaern-server --bench search
}

# The whole file is read before any of it runs, so that editing it during a run of tens of
# minutes cannot make bash go on with other lines than it started with.
main "$@"

#!/usr/bin/env bash
# A throwaway PostgreSQL + pgvector on 127.0.0.1, for the tests and benchmarks of the DATABASE_URL path.
# Never used by the product itself.
#
#   scripts/test-postgres.sh start [DIR] [PORT]   create (or reuse) a cluster in DIR and start it on
#                                                 127.0.0.1:PORT; prints DATABASE_URL=postgres://… on stdout
#   scripts/test-postgres.sh stop [DIR]           stop it
#
# DIR defaults to $TRAJANUS_PG_TEST_DIR or /tmp/trajanus-pg-test, PORT to $TRAJANUS_PG_TEST_PORT or 54329.
# TRAJANUS_PG_TEST_OPTIONS adds server settings when it starts (e.g. "-c shared_buffers=1GB").
# What it lacks it installs from the OS packages when it may (root on Debian/Ubuntu: the PostgreSQL server
# and its headers, make, gcc), and it builds pgvector once from the tarball pinned in vendor/ (checked by
# SHA-256). Elsewhere (macOS, no root) it says what to install, or set TEST_DATABASE_URL instead.
# Everything but the DATABASE_URL line goes to stderr.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGVECTOR_TARBALL="$repo/vendor/pgvector-0.8.6.tar.gz"
PGVECTOR_SHA256=5743dac39fdfa740533cf95e71b033bd5513b71dda194b3cf19464ccbf76f3fb
PGVECTOR_VERSION=0.8.6

cmd=${1:-}
dir=${2:-${TRAJANUS_PG_TEST_DIR:-/tmp/trajanus-pg-test}}
port=${3:-${TRAJANUS_PG_TEST_PORT:-54329}}
say() { echo "test-postgres: $*" >&2; }
die() { say "$*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }
can_apt() { is_root && command -v apt-get >/dev/null; }

apt_updated=
apt_install() {
  can_apt || die "missing: $* — install them (Debian/Ubuntu: apt-get install $*), or set TEST_DATABASE_URL to a PostgreSQL >= 15 with pgvector"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then apt-get update -qq >&2; apt_updated=1; fi
  say "installing $*"
  apt-get install -y -qq "$@" >&2
}

# The newest installed server: Debian's layout first, then whatever pg_config on PATH names (Homebrew, source builds).
find_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; fi
}

ensure_server() {
  BIN=$(find_bindir)
  if [ -z "$BIN" ]; then apt_install postgresql; BIN=$(find_bindir); fi
  [ -n "$BIN" ] || die "no PostgreSQL server found after installing it"
  PG_CONFIG="$BIN/pg_config"
  [ -x "$PG_CONFIG" ] || PG_CONFIG=$(command -v pg_config || true)
}

ensure_pgvector() {
  local sharedir major
  if [ -n "$PG_CONFIG" ] && [ -x "$PG_CONFIG" ]; then sharedir=$("$PG_CONFIG" --sharedir); else sharedir=""; fi
  if [ -n "$sharedir" ] && [ -f "$sharedir/extension/vector--$PGVECTOR_VERSION.sql" ]; then return; fi
  major=$(basename "$(dirname "$BIN")")
  say "building pgvector $PGVECTOR_VERSION for PostgreSQL $major (once per machine)"
  if [ -z "$PG_CONFIG" ] || [ ! -x "$PG_CONFIG" ] || [ ! -f "$("$PG_CONFIG" --includedir-server)/postgres.h" ]; then
    apt_install "postgresql-server-dev-$major"
    PG_CONFIG="$BIN/pg_config"; [ -x "$PG_CONFIG" ] || PG_CONFIG=$(command -v pg_config)
  fi
  command -v make >/dev/null && { command -v gcc >/dev/null || command -v cc >/dev/null; } || apt_install make gcc
  echo "$PGVECTOR_SHA256  $PGVECTOR_TARBALL" | sha256sum -c --status 2>/dev/null \
    || die "$PGVECTOR_TARBALL is missing or does not match its pinned SHA-256"
  local src; src=$(mktemp -d)
  tar -xzf "$PGVECTOR_TARBALL" -C "$src" --strip-components=1
  # OPTFLAGS="": no -march=native, so the build also runs on another CPU of the same kind
  make -C "$src" -s -j"$(nproc 2>/dev/null || echo 2)" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >&2
  make -C "$src" -s install PG_CONFIG="$PG_CONFIG" >&2 || die "installing pgvector into $sharedir failed (no write access? run as root, or set TEST_DATABASE_URL)"
  rm -rf "$src"
}

# initdb and postgres refuse to run as root: use the packaged postgres account then.
as_owner() {
  if is_root; then
    id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' system user (Debian's postgresql package creates it)"
    su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    ensure_server
    ensure_pgvector
    mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
    if is_root; then chown -R postgres "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null \
        || as_owner "$BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      # durability off: a test cluster is thrown away, and fsync dominates small-transaction tests
      as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${TRAJANUS_PG_TEST_OPTIONS:-}" \
        start >&2 || { tail -n 20 "$dir/server.log" >&2; die "the server in $dir did not start (is port $port taken?)"; }
    fi
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    BIN=$(find_bindir)
    if [ -n "$BIN" ] && [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$BIN/pg_ctl" -D "$(cd "$dir" && pwd)/data" -m fast -w stop >&2 || true
    fi
    ;;
  *) echo "usage: $0 start|stop [DIR] [PORT]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# PostgreSQL + pgvector (>= 0.8) for tests and CI: install (idempotent) and a throwaway cluster.
# The recipe is DESIGN.md §3.
#
#   bash scripts/ci/postgres.sh install           # server + pgvector only
#   bash scripts/ci/postgres.sh start [ENV_FILE]  # install, then a throwaway cluster on 127.0.0.1
#   bash scripts/ci/postgres.sh stop  [ENV_FILE]  # stop that cluster and delete its directory
#
# `start` prints `DATABASE_URL=postgres://postgres@127.0.0.1:PORT/kinfinder_test` as its only
# line on stdout (progress goes to stderr) and writes a shell-sourceable ENV_FILE
# (default ${KINFINDER_PG_ENV:-/tmp/kinfinder-pg.env}) with DATABASE_URL, KINFINDER_PG_PORT,
# KINFINDER_PG_DIR and KINFINDER_PG_BIN. `stop` reads the same file.
# KINFINDER_PG_SETTINGS adds server settings to `start`, e.g. "-c shared_buffers=4GB" for a
# benchmark whose index must stay in the buffer pool.
# The file can also be sourced; it then only defines the kf_pg_* functions.
#
# Debian 12: the packaged postgresql-15 server, postgresql-server-dev-15 pinned to the server's
# version, and pgvector built from Debian's source package (suite trixie) fetched through a
# private apt configuration. The system's apt sources are never edited.
# Debian 13: postgresql-17 + postgresql-17-pgvector from the distribution.
# Always uses the versioned binaries in /usr/lib/postgresql/N/bin (not whatever is on PATH).
set -euo pipefail

KF_PG_DEFAULT_PORT="${KINFINDER_PG_PORT:-54329}"
KF_PG_DB=kinfinder_test
KF_APT_UPDATED="${KF_APT_UPDATED:-}"

kf_log() { printf '[postgres.sh] %s\n' "$*" >&2; }
kf_die() { kf_log "ERROR: $*"; exit 1; }

kf_pg_major() {
  local v=""
  [[ -r /etc/debian_version ]] && v=$(cat /etc/debian_version)
  case "$v" in
    13*|trixie*) echo 17 ;;
    *) echo 15 ;;
  esac
}

kf_pg_bin() { echo "/usr/lib/postgresql/$(kf_pg_major)/bin"; }

kf_need_root() {
  [[ $EUID -eq 0 ]] || kf_die "must run as root to $* (or install it by hand first)"
}

# apt-get update at most once per run (and only when something has to be installed).
kf_apt_update_once() {
  if [[ -z "$KF_APT_UPDATED" ]]; then
    kf_log "apt-get update"
    apt-get update -qq >&2
    KF_APT_UPDATED=1
  fi
}

kf_apt_install() {
  kf_need_root "apt-get install $*"
  kf_apt_update_once
  kf_log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive kf_quiet apt-get install -y -qq --no-install-recommends "$@"
}

# Run a command with its output kept in a log that is shown only when it fails.
kf_quiet() {
  local log rc=0
  log=$(mktemp /tmp/kinfinder-log.XXXXXX)
  "$@" >"$log" 2>&1 || rc=$?
  ((rc == 0)) || { kf_log "failed ($rc): $*"; cat "$log" >&2; }
  rm -f "$log"
  return "$rc"
}

kf_pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

# True when vector.control + vector.so of version >= 0.8 are installed for the server.
kf_vector_ok() {
  local bin=$1 control ver
  [[ -x "$bin/pg_config" ]] || return 1
  control="$("$bin/pg_config" --sharedir)/extension/vector.control"
  [[ -f "$control" && -f "$("$bin/pg_config" --pkglibdir)/vector.so" ]] || return 1
  ver=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$control")
  [[ -n "$ver" ]] && dpkg --compare-versions "$ver" ge 0.8
}

kf_pgvector_version() {
  local bin=$1
  sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$("$bin/pg_config" --sharedir)/extension/vector.control"
}

# Headers matching the installed server. Pinned, because an unpinned install would make apt
# upgrade the server as well; if that exact version is gone from the archive, take the newest
# server and headers together.
kf_install_server_dev_15() {
  local server dev
  server=$(kf_pkg_version postgresql-15)
  dev=$(kf_pkg_version postgresql-server-dev-15)
  [[ -n "$dev" && "$dev" == "$server" ]] && return 0
  if ! kf_apt_install "postgresql-server-dev-15=$server"; then
    kf_log "postgresql-server-dev-15=$server is not available; installing the newest server and headers together"
    kf_apt_install postgresql-15 postgresql-server-dev-15
  fi
}

# pgvector from Debian's trixie source package, built against PostgreSQL 15.
kf_build_pgvector() {
  local bin=$1 work
  kf_need_root "build and install pgvector"
  if ! command -v dpkg-source >/dev/null || ! command -v make >/dev/null || ! command -v gcc >/dev/null; then
    kf_apt_install dpkg-dev make gcc
  fi
  work=$(mktemp -d /tmp/kinfinder-pgvector.XXXXXX)
  chmod 755 "$work" # apt's download user (_apt) must be able to write here
  (
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    mkdir -p apt/lists/partial apt/parts apt/cache/archives/partial src
    # apt downloads as its sandbox user _apt, which must be able to write the target folder.
    if id _apt >/dev/null 2>&1; then chown _apt src; fi
    # A deb-src copy of the machine's own first Debian source, suite trixie.
    if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
      awk 'BEGIN{RS="";ORS="\n\n"} NR==1' /etc/apt/sources.list.d/debian.sources |
        sed -e 's/^Types: .*/Types: deb-src/' -e 's/^Suites: .*/Suites: trixie/' -e '/^#/d' \
          > apt/parts/trixie-src.sources
    elif [[ -r /etc/apt/sources.list ]]; then
      awk '$1=="deb" { for (i=2;i<=NF;i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print "deb-src " $i " trixie main"; exit } }' \
        /etc/apt/sources.list > apt/parts/trixie-src.list
    fi
    [[ -s apt/parts/trixie-src.sources || -s apt/parts/trixie-src.list ]] ||
      kf_die "cannot derive a Debian source from /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
    local o=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/apt/parts"
      -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
      -o Acquire::Languages=none -o APT::Get::List-Cleanup=0)
    kf_log "fetching Debian's pgvector source package (trixie)"
    kf_quiet apt-get -qq "${o[@]}" update
    (cd src && kf_quiet apt-get -qq "${o[@]}" source --download-only pgvector)
    # dpkg-source checks the files' hashes; it cannot check the .dsc's signature (no Debian
    # developer keyring here) and says so, which is fine: apt took the .dsc's hashes from the
    # signed trixie index.
    (cd src && kf_quiet dpkg-source -x pgvector_*.dsc)
    local dir
    dir=$(find src -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
    [[ -n "$dir" ]] || kf_die "pgvector source did not unpack"
    kf_log "building $(basename "$dir") against $("$bin/pg_config" --version)"
    # OPTFLAGS= (as Debian's own build): pgvector's default -march=native would tie the
    # installed library to this CPU; pgvector dispatches its SIMD paths at run time anyway.
    kf_quiet make -C "$dir" -j"$(nproc)" PG_CONFIG="$bin/pg_config" OPTFLAGS=
    kf_quiet make -C "$dir" install PG_CONFIG="$bin/pg_config" OPTFLAGS=
  )
}

kf_pg_install() {
  local major bin
  major=$(kf_pg_major)
  bin=$(kf_pg_bin)
  if [[ "$major" == 17 ]]; then
    local pkgs=()
    [[ -x "$bin/postgres" ]] || pkgs+=(postgresql-17)
    kf_vector_ok "$bin" || pkgs+=(postgresql-17-pgvector)
    ((${#pkgs[@]} == 0)) || kf_apt_install "${pkgs[@]}"
  else
    [[ -x "$bin/postgres" ]] || kf_apt_install postgresql-15
    if ! kf_vector_ok "$bin"; then
      kf_install_server_dev_15
      kf_build_pgvector "$bin"
    fi
  fi
  kf_vector_ok "$bin" || kf_die "pgvector >= 0.8 is not installed for $bin after the install step"
  kf_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') with pgvector $(kf_pgvector_version "$bin") ready"
}

# Run a command as the postgres user when we are root (initdb/postgres refuse to run as root).
kf_as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

kf_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

kf_write_env() {
  local file=$1; shift
  local tmp="$file.tmp.$$" kv
  : > "$tmp"
  for kv in "$@"; do printf '%s=%q\n' "${kv%%=*}" "${kv#*=}" >> "$tmp"; done
  mv -f "$tmp" "$file"
}

kf_pg_start() {
  local env_file=${1:-${KINFINDER_PG_ENV:-/tmp/kinfinder-pg.env}}
  local bin dir port url started=""
  # An earlier cluster recorded in the same file is stopped first, so none is leaked.
  [[ -f "$env_file" ]] && kf_pg_stop "$env_file"
  kf_pg_install
  bin=$(kf_pg_bin)
  dir=$(mktemp -d /tmp/kinfinder-pg.XXXXXX)
  mkdir -p "$dir/data" "$dir/sock"
  if [[ $EUID -eq 0 ]]; then chown -R postgres:postgres "$dir"; fi
  chmod 700 "$dir/data"
  # Recorded at once, so `stop` (e.g. a caller's EXIT trap) cleans up even if start fails below.
  kf_write_env "$env_file" "KINFINDER_PG_DIR=$dir" "KINFINDER_PG_BIN=$bin"
  kf_log "initdb $dir/data"
  kf_as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; kf_die "initdb failed"; }
  port=$KF_PG_DEFAULT_PORT
  local tries=0
  while ((tries < 50)); do
    if ! kf_port_busy "$port"; then
      if kf_as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -s \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir/sock -c maintenance_work_mem=256MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${KINFINDER_PG_SETTINGS:-}" \
        start >&2; then
        started=1
        break
      fi
      # Lost a race for the port: try the next one; anything else is fatal.
      grep -q 'could not bind\|Address already in use' "$dir/postgres.log" 2>/dev/null ||
        { tail -n 30 "$dir/postgres.log" >&2 || true; kf_die "postgres did not start"; }
    fi
    port=$((port + 1))
    tries=$((tries + 1))
  done
  [[ -n "$started" ]] || kf_die "no free port from $KF_PG_DEFAULT_PORT to $((KF_PG_DEFAULT_PORT + 49))"
  url="postgres://postgres@127.0.0.1:$port/$KF_PG_DB"
  kf_write_env "$env_file" "DATABASE_URL=$url" "KINFINDER_PG_PORT=$port" "KINFINDER_PG_DIR=$dir" "KINFINDER_PG_BIN=$bin"
  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
  "${psql[@]}" -d postgres -c "CREATE DATABASE $KF_PG_DB" >&2
  # Prove the extension loads in the test database, then drop it again so the project's
  # migrations still have to create it (as they must on a user's fresh database).
  local ext
  ext=$("${psql[@]}" -d "$KF_PG_DB" -At -c "CREATE EXTENSION vector" \
    -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'" -c "DROP EXTENSION vector")
  kf_log "cluster up: $url (pgvector $ext loads; data in $dir)"
  echo "DATABASE_URL=$url"
}

kf_pg_stop() {
  local env_file=${1:-${KINFINDER_PG_ENV:-/tmp/kinfinder-pg.env}}
  [[ -f "$env_file" ]] || { kf_log "no cluster recorded in $env_file"; return 0; }
  local dir bin
  # shellcheck disable=SC1090
  dir=$(unset KINFINDER_PG_DIR; . "$env_file"; echo "${KINFINDER_PG_DIR:-}")
  # shellcheck disable=SC1090
  bin=$(unset KINFINDER_PG_BIN; . "$env_file"; echo "${KINFINDER_PG_BIN:-}")
  if [[ -n "$dir" && -f "$dir/data/postmaster.pid" ]]; then
    kf_log "stopping cluster in $dir"
    kf_as_pg "${bin:-$(kf_pg_bin)}/pg_ctl" -D "$dir/data" -s -w -t 60 -m fast stop >&2 ||
      kf_log "pg_ctl stop failed (cluster already gone?)"
  fi
  case "$dir" in
    /tmp/kinfinder-pg.*) rm -rf "$dir" ;;
    "") ;;
    *) kf_log "not removing unexpected directory $dir" ;;
  esac
  rm -f "$env_file"
}

kf_pg_main() {
  local cmd=${1:-start}
  shift || true
  case "$cmd" in
    install) kf_pg_install ;;
    start) kf_pg_start "$@" ;;
    stop) kf_pg_stop "$@" ;;
    *) echo "usage: $0 install | start [ENV_FILE] | stop [ENV_FILE]" >&2; exit 2 ;;
  esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  kf_pg_main "$@"
fi

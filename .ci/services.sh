#!/usr/bin/env bash
# Starts throwaway Redis and PostgreSQL servers on 127.0.0.1 for the store
# contract tests (test/store), installing them from Debian's mirrors if needed.
#
#   bash .ci/services.sh                      # start; prints REDIS_URL=… and DATABASE_URL=…
#   eval "$(bash .ci/services.sh | sed 's/^/export /')"   # start and export in this shell
#   source .ci/services.sh                    # same: start and export
#   bash .ci/services.sh >> "$GITHUB_ENV"     # GitHub Actions
#   bash .ci/services.sh stop                 # stop both servers (data is thrown away anyway)
#
# Meant for a clean Debian machine, run as root (apt-get, and PostgreSQL runs as
# the `postgres` system user, which is created if missing). Also works as a
# normal user when both servers are already installed.
#
# Idempotent: servers already answering on their ports are left running.
# Quiet: on success stdout carries only the env lines; on failure a message and
# the relevant log go to stderr and the exit status is non-zero.
#
# Settings (environment):
#   PR_SERVICES_DIR  state directory (default /tmp/privacy-radar-services)
#   PR_REDIS_PORT    default 6390
#   PR_PG_PORT       default 5439
#   PR_PG_USER / PR_PG_PASSWORD / PR_PG_DB   default privacy_radar for all three
#                    (letters, digits and _ only: they go into the URL unescaped)

pr_services_main() {
  set -euo pipefail

  local dir="${PR_SERVICES_DIR:-/tmp/privacy-radar-services}"
  local redis_port="${PR_REDIS_PORT:-6390}"
  local pg_port="${PR_PG_PORT:-5439}"
  local pg_user="${PR_PG_USER:-privacy_radar}"
  local pg_password="${PR_PG_PASSWORD:-privacy_radar}"
  local pg_db="${PR_PG_DB:-privacy_radar}"
  local apt_updated=0

  fail() {
    echo "services.sh: $*" >&2
    exit 1
  }

  # Prints the last lines of a log file to stderr (for failure messages).
  show_log() {
    if [[ -f "$1" ]]; then
      echo "--- last lines of $1 ---" >&2
      tail -n 30 "$1" >&2 || true
    fi
  }

  apt_install() {
    [[ $EUID -eq 0 ]] || fail "$1 is not installed and installing it needs root (apt-get install -y $1)"
    command -v apt-get >/dev/null || fail "$1 is not installed and apt-get is not available"
    local log="$dir/apt.log"
    export DEBIAN_FRONTEND=noninteractive
    if [[ $apt_updated -eq 0 ]]; then
      apt-get update -qq >"$log" 2>&1 || { show_log "$log"; fail "apt-get update failed"; }
      apt_updated=1
    fi
    apt-get install -y -qq --no-install-recommends "$1" >>"$log" 2>&1 ||
      { show_log "$log"; fail "apt-get install $1 failed"; }
  }

  # Calls "$@" every 0.2 s until it succeeds; fails after ~30 s.
  wait_until() {
    local tries=150
    until "$@" >/dev/null 2>&1; do
      tries=$((tries - 1))
      [[ $tries -gt 0 ]] || return 1
      sleep 0.2
    done
  }

  # Whether anything accepts TCP connections on 127.0.0.1:$1.
  port_open() {
    { exec 4<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    exec 4<&- 4>&-
  }

  # --- Redis ----------------------------------------------------------------

  # PING over bash's /dev/tcp: needs no redis-cli and tells Redis from any other
  # program that happens to hold the port.
  redis_answers() {
    local reply
    { exec 3<>"/dev/tcp/127.0.0.1/$redis_port"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 1 reply <&3 || reply=''
    exec 3<&- 3>&-
    [[ "$reply" == $'+PONG\r' ]]
  }

  start_redis() {
    if redis_answers; then
      return 0
    fi
    ! port_open "$redis_port" ||
      fail "127.0.0.1:$redis_port is taken by something that is not Redis; stop it or set PR_REDIS_PORT"
    command -v redis-server >/dev/null || apt_install redis-server
    local rdir="$dir/redis"
    mkdir -p "$rdir"
    # No persistence (--save '' --appendonly no): the data is throwaway.
    redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes \
      --save '' --appendonly no --dir "$rdir" \
      --pidfile "$rdir/redis.pid" --logfile "$rdir/redis.log" >/dev/null 2>&1 ||
      { show_log "$rdir/redis.log"; fail "redis-server could not start on 127.0.0.1:$redis_port"; }
    wait_until redis_answers ||
      { show_log "$rdir/redis.log"; fail "Redis does not answer PING on 127.0.0.1:$redis_port"; }
  }

  stop_redis() {
    local pidfile="$dir/redis/redis.pid"
    if [[ -f "$pidfile" ]]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    fi
  }

  # --- PostgreSQL -------------------------------------------------------------

  local pg_bin=''

  # Newest /usr/lib/postgresql/N/bin, else the directory of `initdb` on PATH.
  find_pg_bin() {
    local candidate
    candidate="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$candidate" && -x "$candidate/initdb" ]]; then
      pg_bin="$candidate"
    elif command -v initdb >/dev/null; then
      pg_bin="$(dirname "$(readlink -f "$(command -v initdb)")")"
    else
      pg_bin=''
    fi
  }

  # PostgreSQL refuses to run as root: as root, run its tools as `postgres`.
  as_pg_user() {
    if [[ $EUID -eq 0 ]]; then
      runuser -u postgres -- "$@"
    else
      "$@"
    fi
  }

  pg_answers() {
    "$pg_bin/pg_isready" -q -t 2 -h 127.0.0.1 -p "$pg_port"
  }

  # Runs one SQL statement as the superuser over the cluster's private socket.
  pg_admin_sql() {
    as_pg_user "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/pg/socket" -p "$pg_port" \
      -U postgres -d postgres -tA -c "$1"
  }

  ensure_pg_user() {
    [[ $EUID -eq 0 ]] || return 0
    id -u postgres >/dev/null 2>&1 ||
      useradd --system --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin postgres ||
      fail "could not create the postgres system user"
  }

  start_postgres() {
    find_pg_bin
    if [[ -z "$pg_bin" ]]; then
      apt_install postgresql
      find_pg_bin
      [[ -n "$pg_bin" ]] || fail "postgresql was installed but initdb was not found"
    fi
    ensure_pg_user

    local pdir="$dir/pg"
    mkdir -p "$pdir/socket"
    [[ $EUID -ne 0 ]] || chown -R postgres: "$pdir"

    if ! pg_answers; then
      ! port_open "$pg_port" ||
        fail "127.0.0.1:$pg_port is taken by something that is not PostgreSQL; stop it or set PR_PG_PORT"
      if [[ ! -f "$pdir/data/PG_VERSION" ]]; then
        as_pg_user "$pg_bin/initdb" -D "$pdir/data" -U postgres -E UTF8 --locale=C \
          --auth-local=trust --auth-host=scram-sha-256 >"$pdir/initdb.log" 2>&1 ||
          { show_log "$pdir/initdb.log"; fail "initdb failed in $pdir/data"; }
      fi
      # fsync off: a throwaway test cluster, speed matters more than crash safety.
      as_pg_user "$pg_bin/pg_ctl" -D "$pdir/data" -l "$pdir/postgres.log" -w -t 30 \
        -o "-p $pg_port -k $pdir/socket -c listen_addresses=127.0.0.1 -c fsync=off" \
        start >/dev/null 2>&1 ||
        { show_log "$pdir/postgres.log"; fail "PostgreSQL could not start on 127.0.0.1:$pg_port"; }
      wait_until pg_answers ||
        { show_log "$pdir/postgres.log"; fail "PostgreSQL does not accept connections on 127.0.0.1:$pg_port"; }
    fi

    [[ -S "$pdir/socket/.s.PGSQL.$pg_port" ]] ||
      fail "something else answers on 127.0.0.1:$pg_port (no socket in $pdir/socket); stop it or set PR_PG_PORT"

    local sql_password="${pg_password//\'/\'\'}"
    if [[ -z "$(pg_admin_sql "SELECT 1 FROM pg_roles WHERE rolname = '$pg_user'")" ]]; then
      pg_admin_sql "CREATE ROLE \"$pg_user\" LOGIN PASSWORD '$sql_password'" >/dev/null ||
        fail "could not create role $pg_user"
    fi
    if [[ -z "$(pg_admin_sql "SELECT 1 FROM pg_database WHERE datname = '$pg_db'")" ]]; then
      pg_admin_sql "CREATE DATABASE \"$pg_db\" OWNER \"$pg_user\"" >/dev/null ||
        fail "could not create database $pg_db"
    fi
    # The real check: the URL we print works over TCP with the password.
    PGPASSWORD="$pg_password" "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U "$pg_user" \
      -d "$pg_db" -tA -c 'SELECT 1' >/dev/null 2>&1 ||
      fail "cannot log in as $pg_user to database $pg_db on 127.0.0.1:$pg_port"
  }

  stop_postgres() {
    find_pg_bin
    if [[ -n "$pg_bin" && -f "$dir/pg/data/postmaster.pid" ]]; then
      as_pg_user "$pg_bin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
  }

  # --- main -------------------------------------------------------------------

  mkdir -p "$dir"
  chmod 755 "$dir"
  case "${1:-start}" in
    start)
      start_redis
      start_postgres
      echo "REDIS_URL=redis://127.0.0.1:$redis_port"
      echo "DATABASE_URL=postgres://$pg_user:$pg_password@127.0.0.1:$pg_port/$pg_db"
      ;;
    stop)
      stop_redis
      stop_postgres
      ;;
    *)
      fail "unknown command '$1' (expected: start or stop)"
      ;;
  esac
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  # Sourced: run in a subshell so strict mode and `exit` stay out of the caller's
  # shell, then export what it printed. (Not inside `if`: that would disable -e.)
  pr_services_env="$(pr_services_main "$@")"
  pr_services_status=$?
  if [[ $pr_services_status -eq 0 ]]; then
    while IFS= read -r pr_services_line; do
      [[ -n "$pr_services_line" ]] && export "${pr_services_line?}"
    done <<<"$pr_services_env"
    printf '%s\n' "$pr_services_env"
  fi
  unset pr_services_env pr_services_line
  unset -f pr_services_main
  return "$pr_services_status"
else
  pr_services_main "$@"
fi

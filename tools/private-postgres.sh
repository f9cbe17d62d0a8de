#!/usr/bin/env bash
# A private PostgreSQL server for inkwell's `postgres` tests and benchmark:
# its own cluster in a temporary folder, listening on 127.0.0.1 only, on a
# free port, with its unix socket in that folder too; never the system's.
#
#   tools/private-postgres.sh start DIR    make DIR (empty or missing; under /tmp when run as
#                                          root: the postgres account must reach it), install
#                                          postgresql + libpq-dev (Debian) when missing, initdb,
#                                          start, create database inkwell_test; prints two lines:
#       INKWELL_TEST_POSTGRES=host=127.0.0.1 port=NNNN dbname=inkwell_test user=postgres
#       INKWELL_TEST_POSTGRES_CTL=/abs/path/tools/private-postgres.sh /abs/DIR
#   tools/private-postgres.sh stop DIR     pg_ctl stop -m fast, then remove DIR
#   tools/private-postgres.sh crash DIR    pg_ctl stop -m immediate (a crash: no checkpoint,
#                                          clients cut off); DIR is kept
#   tools/private-postgres.sh resume DIR   start the same cluster again, same port; waits
#                                          until it accepts connections (crash recovery included)
#   tools/private-postgres.sh restart DIR  crash + resume
# (DIR COMMAND works too: "$INKWELL_TEST_POSTGRES_CTL crash".)
#
# The caller exports the printed lines (values hold spaces; each line is one
# NAME=value):
#   while IFS= read -r line; do export "$line"; done < <(tools/private-postgres.sh start "$dir" | grep '^INKWELL_')
# tests/test_postgres.cpp reads INKWELL_TEST_POSTGRES (a libpq conninfo) and,
# for its kill-and-restart test, runs "$INKWELL_TEST_POSTGRES_CTL crash" and
# "$INKWELL_TEST_POSTGRES_CTL resume".
#
# As root (CI), initdb and the server run as the `postgres` account the
# Debian package creates (initdb refuses root): DIR is chowned to it. As a
# normal user they run as that user; sudo is used only to install packages.
# Authentication is `trust` for local and 127.0.0.1 connections: a throw-away
# server for tests and benchmarks, reachable only from this machine. It is
# durable (fsync, full_page_writes and synchronous_commit on, PostgreSQL's
# defaults), so the benchmark's figures hold for a real server.

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script="$script_dir/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=tools/ensure-packages.sh
source "$script_dir/ensure-packages.sh"

usage() {
    echo "usage: $0 start|stop|crash|resume|restart DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
command=$1
dir=$2
# INKWELL_TEST_POSTGRES_CTL is "<this script> <DIR>": the command comes last there.
case "$dir" in
    start | stop | crash | resume | restart)
        command=$2
        dir=$1
        ;;
esac

bin_dir() {
    local found
    found=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ -z "$found" ] || [ ! -x "$found/initdb" ]; then
        echo "error: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin" >&2
        return 1
    fi
    echo "$found"
}

# Runs a server command as the account that owns the cluster.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_is_free() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

pick_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if port_is_free "$port"; then
            echo "$port"
            return 0
        fi
    done
    echo "error: no free port found" >&2
    return 1
}

wait_ready() {
    local bin=$1 port=$2
    for _ in $(seq 1 300); do
        if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; then return 0; fi
        sleep 0.1
    done
    echo "error: the private PostgreSQL server on port $port did not become ready; its log:" >&2
    tail -n 30 "$dir/server.log" >&2 || true
    return 1
}

start() {
    ensure_packages postgresql libpq-dev >&2
    local bin port
    bin=$(bin_dir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -e "$dir/data" ]; then
        echo "error: $dir/data exists; stop it first or pick another folder" >&2
        return 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || { echo "error: no postgres account (is postgresql installed?)" >&2; return 1; }
        chown postgres: "$dir"
        chmod 700 "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            echo "error: the postgres account cannot write $dir (pick a folder under /tmp)" >&2
            return 1
        fi
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        return 1
    }
    port=$(pick_port)
    cat >>"$dir/data/postgresql.conf" <<EOF

# inkwell's private test server (tools/private-postgres.sh)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
# Durable, as a real server: what the benchmark measures is what production gets.
fsync = on
full_page_writes = on
synchronous_commit = on
max_connections = 40
# Tuned for bulk ingest (docs/postgres.md, "The server"): the hot month's
# indexes stay in memory, COPY's WAL is not flushed in 4 MB steps, and
# checkpoints (each followed by full-page images of every page touched) come
# every 4 GB of WAL or 30 minutes instead of every 1 GB or 5 minutes.
shared_buffers = 512MB
wal_buffers = 64MB
max_wal_size = 4GB
min_wal_size = 1GB
checkpoint_timeout = 30min
logging_collector = off
EOF
    echo "$port" >"$dir/port"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/port"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >&2
    wait_ready "$bin" "$port"
    "$bin/psql" -q -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE inkwell_test" >&2
    echo "INKWELL_TEST_POSTGRES=host=127.0.0.1 port=$port dbname=inkwell_test user=postgres"
    echo "INKWELL_TEST_POSTGRES_CTL=$script $dir"
}

stop_server() {
    local mode=$1 bin
    bin=$(bin_dir)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >&2 || true
    fi
}

resume() {
    local bin port
    bin=$(bin_dir)
    port=$(cat "$dir/port")
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 start >&2
    wait_ready "$bin" "$port"
}

case "$command" in
    start) start ;;
    stop)
        [ -d "$dir" ] || exit 0
        stop_server fast
        rm -rf "$dir"
        ;;
    crash) stop_server immediate ;;
    resume) resume ;;
    restart)
        stop_server immediate
        resume
        ;;
    *) usage ;;
esac

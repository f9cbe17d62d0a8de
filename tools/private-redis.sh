#!/usr/bin/env bash
# A private redis-server for inkwell's `redis` tests and benchmark: its own
# process, its files in a folder of the caller's, listening on 127.0.0.1 only,
# on a free port; never the system's.
#
#   tools/private-redis.sh start DIR   make DIR, install redis-server + redis-tools (Debian) when
#                                      missing, start a server there; prints two lines:
#       INKWELL_TEST_REDIS=127.0.0.1:NNNN
#       INKWELL_TEST_REDIS_SERVER=/usr/bin/redis-server
#   tools/private-redis.sh stop DIR    SHUTDOWN NOSAVE (then the pid, if it hangs), remove DIR
#
# The caller exports the printed lines:
#   while IFS= read -r line; do export "$line"; done < <(tools/private-redis.sh start "$dir" | grep '^INKWELL_')
# tests/test_redis.cpp reads INKWELL_TEST_REDIS; for its kill-and-restart
# test it starts a redis-server of its own (INKWELL_TEST_REDIS_SERVER, else
# redis-server on PATH) so that killing it touches nothing else.
#
# The server: bind 127.0.0.1, protected-mode yes, no RDB snapshots and no
# AOF (a throw-away server for tests), pidfile, log and working folder in DIR,
# daemonized. Works as root (CI) and as a user with sudo (sudo only installs
# packages; the server runs as the caller).
#
# The system's redis: Debian's package enables a redis-server service on
# port 6379. On a machine with systemd it starts when the package is
# installed; in a container without an init it does not. This script leaves
# it alone either way: the private server never uses port 6379's instance,
# its configuration or its data, so it neither needs it nor disturbs it
# (stop it yourself with `systemctl disable --now redis-server` if you do not
# want it).

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/ensure-packages.sh
source "$script_dir/ensure-packages.sh"

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
command=$1
dir=$2

server_bin() {
    local found
    found=$(command -v redis-server || true)
    [ -z "$found" ] && [ -x /usr/bin/redis-server ] && found=/usr/bin/redis-server
    if [ -z "$found" ]; then
        echo "error: redis-server not found" >&2
        return 1
    fi
    echo "$found"
}

cli_bin() {
    command -v redis-cli || { [ -x /usr/bin/redis-cli ] && echo /usr/bin/redis-cli; } || true
}

# A TCP port nobody listens on now (asked of the kernel: bind to port 0).
free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# PING through redis-cli until PONG (at most ~10 s).
wait_ready() {
    local port=$1 cli
    cli=$(cli_bin)
    for _ in $(seq 1 100); do
        if [ -n "$cli" ]; then
            [ "$("$cli" -h 127.0.0.1 -p "$port" PING 2>/dev/null || true)" = "PONG" ] && return 0
        else
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        fi
        sleep 0.1
    done
    return 1
}

start() {
    ensure_packages redis-server redis-tools >&2 || return 1
    local bin port
    bin=$(server_bin)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
        echo "error: a server of $dir is already running (pid $(cat "$dir/redis.pid"))" >&2
        return 1
    fi
    # The port may be taken between asking and binding: try a few.
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        rm -f "$dir/redis.log"
        "$bin" --bind 127.0.0.1 --port "$port" --protected-mode yes \
               --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" \
               --save "" --appendonly no >&2 || true
        if wait_ready "$port"; then
            echo "INKWELL_TEST_REDIS=127.0.0.1:$port"
            echo "INKWELL_TEST_REDIS_SERVER=$bin"
            echo "$port" >"$dir/port"
            return 0
        fi
        if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
    done
    echo "error: redis-server did not start; its log:" >&2
    cat "$dir/redis.log" >&2 2>/dev/null || true
    return 1
}

stop() {
    [ -d "$dir" ] || return 0
    local pid="" port="" cli
    [ -f "$dir/redis.pid" ] && pid=$(cat "$dir/redis.pid")
    [ -f "$dir/port" ] && port=$(cat "$dir/port")
    cli=$(cli_bin)
    if [ -n "$port" ] && [ -n "$cli" ]; then
        "$cli" -h 127.0.0.1 -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
    fi
    if [ -n "$pid" ]; then
        local i
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            if [ "$i" -eq 20 ]; then kill "$pid" 2>/dev/null || true; fi
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    fi
    rm -rf "$dir"
}

case "$command" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac

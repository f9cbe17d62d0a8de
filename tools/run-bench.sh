#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is missing, builds
# inkwell_bench (Release, g++, -j2) in build/bench and runs it. Arguments go
# to the benchmark, e.g.
#     bash tools/run-bench.sh --quick                 # under a minute
#     bash tools/run-bench.sh                         # the full run, ~5 minutes
#     bash tools/run-bench.sh --case text,jsonl --threads 1 > results.jsonl
#     bash tools/run-bench.sh --case categories64,categories1000 --threads 1 --rounds 9  # issue 4's bar
#     bash tools/run-bench.sh --case session_subscriber  # issue 5's bar, ~10 s
#     bash tools/run-bench.sh --case postgres,redis,platform_latency  # issue 6's bar, private servers
# stdout: one JSON object per result; stderr: progress, the table, the ratios
# inkwell/spdlog, 1,000 categories against 64 and the bars of issues 3, 4 and 5.
# The machine should be otherwise idle:
# the table prints the load average before and after.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source tools/ensure-packages.sh

# spdlog is what inkwell is measured against; Boost for the async buffer.
ensure_packages g++ cmake ninja-build libboost-dev libfmt-dev libspdlog-dev libpq-dev libhiredis-dev >&2

build_dir=build/bench
echo "== configure + build $build_dir (Release, Ninja)" >&2
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
      -DINKWELL_BUILD_TESTS=OFF -DINKWELL_BUILD_EXAMPLES=OFF -DINKWELL_BUILD_BENCH=ON -DINKWELL_BUILD_TOOLS=OFF >/dev/null
cmake --build "$build_dir" -j2 --target inkwell_bench >&2

# The server cases (postgres, redis, platform_latency; also part of a full
# run): private servers on 127.0.0.1 in a temporary folder, stopped at the
# end, unless INKWELL_TEST_POSTGRES / INKWELL_TEST_REDIS already name some.
wants_servers=0
case " $* " in
    *postgres*|*redis*|*platform*) wants_servers=1 ;;
esac
if [ "$wants_servers" = 0 ] && [[ " $* " != *" --case "* ]] && [[ " $* " != *" --quick "* ]]; then
    wants_servers=1
fi
server_root=""
stop_servers() {
    [ -n "$server_root" ] || return 0
    [ -d "$server_root/postgres" ] && bash tools/private-postgres.sh stop "$server_root/postgres" >/dev/null 2>&1
    [ -d "$server_root/redis" ] && bash tools/private-redis.sh stop "$server_root/redis" >/dev/null 2>&1
    rm -rf "$server_root"
}
trap stop_servers EXIT
if [ "$wants_servers" = 1 ] && { [ -z "${INKWELL_TEST_POSTGRES:-}" ] || [ -z "${INKWELL_TEST_REDIS:-}" ]; }; then
    server_root=$(mktemp -d "${TMPDIR:-/tmp}/inkwell-bench-servers.XXXXXX")
    chmod 755 "$server_root"
    for server in postgres redis; do
        while IFS= read -r line; do export "${line?}"; done < <(bash "tools/private-$server.sh" start \
            "$server_root/$server" 2>&1 | grep -E '^INKWELL_TEST_[A-Z_]+=' || true)
    done
fi

echo "== $build_dir/bench/inkwell_bench $*" >&2
"$build_dir/bench/inkwell_bench" "$@"

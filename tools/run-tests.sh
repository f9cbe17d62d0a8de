#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is missing, then
# builds and runs inkwell's whole test suite three times (Release, Ninja, -j2):
#     gcc     g++ 12, against include/           (build/gcc)
#     clang   clang++ 14, against include/       (build/clang)
#     single  g++ 12, against single_include/inkwell.hpp only (build/single)
# Every build uses -Wall -Wextra -Wpedantic -Werror. A build error does not
# stop the run: the tests whose executable could not be built count as failed,
# and a build with errors counts as one more failure.
# The tests labelled postgres and redis run against private servers this
# script starts first (tools/private-postgres.sh, tools/private-redis.sh:
# installed from Debian's packages when missing, on 127.0.0.1, in temporary
# folders) and stops at the end; a test that finds no server is skipped, and
# a skipped test counts as failed.
# Ends with the line `N passed, N failed` (totals over all runs) and exits
# non-zero on any failure.
#     bash tools/run-tests.sh              all three runs
#     bash tools/run-tests.sh gcc single   only these runs
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
source tools/ensure-packages.sh

ensure_packages g++ clang-14 cmake ninja-build python3 \
                libboost-dev libboost-test-dev libfmt-dev nlohmann-json3-dev libspdlog-dev zlib1g-dev libzstd-dev \
                libpq-dev libhiredis-dev libclang-rt-14-dev || exit 1

# Private servers for the postgres and redis tests, stopped however we exit.
server_root=$(mktemp -d "${TMPDIR:-/tmp}/inkwell-servers.XXXXXX")
chmod 755 "$server_root"
stop_servers() {
    [ -d "$server_root/postgres" ] && bash tools/private-postgres.sh stop "$server_root/postgres" >/dev/null 2>&1
    [ -d "$server_root/redis" ] && bash tools/private-redis.sh stop "$server_root/redis" >/dev/null 2>&1
    rm -rf "$server_root"
}
trap stop_servers EXIT
start_server() {  # name script: exports the INKWELL_TEST_* lines the script prints
    local name="$1" script="$2" out line
    echo "================ starting a private $name server"
    if ! out=$(bash "$script" start "$server_root/$name"); then
        echo "$out"
        echo "warning: the private $name server did not start; its tests will be skipped (and counted as failed)" >&2
        return
    fi
    while IFS= read -r line; do
        export "${line?}"
        echo "$line"
    done < <(grep -E '^INKWELL_TEST_[A-Z_]+=' <<<"$out")
}
start_server postgres tools/private-postgres.sh
start_server redis tools/private-redis.sh

jobs="${INKWELL_JOBS:-2}"
runs=("$@")
[ "${#runs[@]}" -eq 0 ] && runs=(gcc clang single)

total_passed=0
total_failed=0
summary=()
script_start=$SECONDS

run_suite() {
    local name="$1"
    shift
    local build_dir="build/$name" log="build/$name.ctest.log" start=$SECONDS
    local status="ok" passed=0 failed=0
    mkdir -p build

    echo
    echo "================ $name: configure $build_dir"
    if ! cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"; then
        summary+=("$(printf '%-7s configure FAILED' "$name")")
        total_failed=$((total_failed + 1))
        return
    fi

    echo "================ $name: build (-j$jobs)"
    local build_start=$SECONDS
    # -k 0: build everything that can be built, so one broken test file does
    # not hide the results of all the others.
    if ! cmake --build "$build_dir" -j "$jobs" -- -k 0; then
        status="build errors"
    fi
    local build_seconds=$((SECONDS - build_start))

    echo "================ $name: ctest"
    local test_start=$SECONDS
    ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 900 2>&1 | tee "$log"
    local test_seconds=$((SECONDS - test_start))

    # "100% tests passed, 0 tests failed out of 17"
    local line
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
        local out_of
        out_of=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
        passed=$((out_of - failed))
    else
        status="no test results"
        failed=1
    fi
    # A skipped test (no server, say) did not prove anything: it counts as failed.
    local skipped
    skipped=$(grep -cE '\*\*\*Skipped' "$log" || true)
    if [ "$skipped" -gt 0 ]; then
        failed=$((failed + skipped))
        passed=$((passed - skipped))
        status="$skipped skipped"
    fi
    # A build error counts as one failure even when no test depended on it
    # (an example, say), so that the final count never hides it.
    [ "$status" = "build errors" ] && failed=$((failed + 1))
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    summary+=("$(printf '%-7s %4d passed %4d failed   build %4ds  tests %4ds  total %4ds  %s' \
        "$name" "$passed" "$failed" "$build_seconds" "$test_seconds" "$((SECONDS - start))" "$status")")
}

for run in "${runs[@]}"; do
    case "$run" in
        gcc) run_suite gcc -DCMAKE_CXX_COMPILER=g++ ;;
        # ASan + UBSan (label asan) in the gcc run only; libFuzzer (label
        # fuzz) needs clang, so the fuzz targets run in the clang run.
        clang) run_suite clang -DCMAKE_CXX_COMPILER=clang++-14 -DINKWELL_ASAN_TESTS=OFF ;;
        # The examples already build against the single header in the other
        # runs (their *_single targets); here the whole suite does.
        single) run_suite single -DCMAKE_CXX_COMPILER=g++ -DINKWELL_TEST_SINGLE_HEADER=ON \
                          -DINKWELL_BUILD_EXAMPLES=OFF -DINKWELL_BUILD_BENCH=OFF -DINKWELL_ASAN_TESTS=OFF ;;
        *) echo "unknown run '$run' (known: gcc clang single)" >&2; exit 2 ;;
    esac
done

echo
echo "================ summary"
for line in "${summary[@]}"; do echo "$line"; done
echo "wall time: $((SECONDS - script_start)) s"
if [ "$total_failed" -eq 0 ]; then
    echo "RESULT: all tests passed"
else
    echo "RESULT: FAILED (see the ctest output above; logs in build/*.ctest.log)"
fi
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]

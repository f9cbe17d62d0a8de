#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is missing, builds
# inkwell_bench (Release, g++, -j2) in build/bench and runs it. Arguments go
# to the benchmark, e.g.
#     bash tools/run-bench.sh --quick                 # under a minute
#     bash tools/run-bench.sh                         # the full run, ~5 minutes
#     bash tools/run-bench.sh --case text,jsonl --threads 1 > results.jsonl
#     bash tools/run-bench.sh --case session_subscriber  # issue 5's bar, ~10 s
# stdout: one JSON object per result; stderr: progress, the table, the ratios
# inkwell/spdlog, 1,000 categories against 64 and the bars of issues 3, 4 and 5.
# The machine should be otherwise idle:
# the table prints the load average before and after.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source tools/ensure-packages.sh

# spdlog is what inkwell is measured against; Boost for the async buffer.
ensure_packages g++ cmake ninja-build libboost-dev libfmt-dev libspdlog-dev >&2

build_dir=build/bench
echo "== configure + build $build_dir (Release, Ninja)" >&2
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
      -DINKWELL_BUILD_TESTS=OFF -DINKWELL_BUILD_EXAMPLES=OFF -DINKWELL_BUILD_BENCH=ON >/dev/null
cmake --build "$build_dir" -j2 --target inkwell_bench >&2

echo "== $build_dir/bench/inkwell_bench $*" >&2
exec "$build_dir/bench/inkwell_bench" "$@"

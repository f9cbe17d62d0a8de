#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is missing, builds
# inkwell's demo (Release) and runs it. Arguments go to the demo, e.g.
#     bash tools/run-demo.sh --preset session --records 20000 --threads 4
# (session: ends with records logged, written, deduplicated, summaries,
# dropped and peak memory, and exits 1 when they do not add up)
#     bash tools/run-demo.sh --preset platform --postgres "host=db dbname=logs" --redis 10.0.0.5:6379
# (platform: needs the servers; tools/private-postgres.sh and
# tools/private-redis.sh start throw-away ones on 127.0.0.1)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source tools/ensure-packages.sh

# What building the demo needs (the test tools are run-tests.sh's business);
# zlib and libzstd for --compress gzip|zstd; libpq and hiredis for --preset platform.
ensure_packages g++ cmake ninja-build libboost-dev libfmt-dev zlib1g-dev libzstd-dev libpq-dev libhiredis-dev

build_dir=build/demo
echo "== configure + build $build_dir (Release, Ninja)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
      -DINKWELL_BUILD_TESTS=OFF -DINKWELL_BUILD_BENCH=OFF -DINKWELL_BUILD_EXAMPLES=ON -DINKWELL_BUILD_TOOLS=OFF >/dev/null
cmake --build "$build_dir" -j2 --target inkwell_demo

echo "== $build_dir/examples/inkwell_demo $*"
exec "$build_dir/examples/inkwell_demo" "$@"

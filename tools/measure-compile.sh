#!/usr/bin/env bash
# What including a logging library costs one source file: compiles (g++ -O2
# -std=c++20 -c) a file that logs one line to a file, through
#   - inkwell's single header (one preset): bench/compile_cost/inkwell_one_line.cpp
#   - inkwell's split headers (include/):   the same file
#   - spdlog header-only (Debian's libspdlog-dev): bench/compile_cost/spdlog_one_line.cpp
#   - spdlog's compiled library (the same file without SPDLOG_HEADER_ONLY)
# and prints wall seconds and peak memory (from /usr/bin/time -v), the median
# of RUNS compiles each (default 3). The bar for inkwell: <= 3 s and <= 250 MB.
#     bash tools/measure-compile.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source tools/ensure-packages.sh
ensure_packages g++ time python3 libfmt-dev libspdlog-dev

runs="${1:-3}"
compiler="${CXX:-g++}"
bar_seconds=3
bar_mb=250
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! python3 tools/amalgamate.py --check >/dev/null 2>&1; then
    echo "note: single_include/inkwell.hpp is stale or missing; measuring it as it is on disk" \
         "(run python3 tools/amalgamate.py to refresh)." >&2
fi

inkwell_src=bench/compile_cost/inkwell_one_line.cpp
spdlog_src=bench/compile_cost/spdlog_one_line.cpp

# The same inkwell file is measured through both header layouts, whichever
# name it includes: <inkwell.hpp> or <inkwell/inkwell.hpp> (forwarders below).
mkdir -p "$work/single_shim/inkwell" "$work/split_shim"
printf '#pragma once\n#include "%s"\n' "$PWD/single_include/inkwell.hpp" >"$work/single_shim/inkwell/inkwell.hpp"
printf '#pragma once\n#include "%s"\n' "$PWD/include/inkwell/inkwell.hpp" >"$work/split_shim/inkwell.hpp"

# name|source|extra flags
cases=(
    "inkwell (single_include)|$inkwell_src|-Isingle_include -I$work/single_shim"
    "inkwell (include/)|$inkwell_src|-Iinclude -I$work/split_shim"
    "spdlog header-only|$spdlog_src|-DSPDLOG_HEADER_ONLY -DSPDLOG_FMT_EXTERNAL"
    "spdlog compiled lib|$spdlog_src|-DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL"
)

# Median of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "$compiler -O2 -std=c++20 -c, median of $runs run(s); $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-26s %10s %10s %12s\n' "file" "wall s" "min s" "peak MB"
printf '%-26s %10s %10s %12s\n' "----" "------" "-----" "-------"
status=0
inkwell_verdict=""
for entry in "${cases[@]}"; do
    IFS='|' read -r name source flags <<<"$entry"
    if [ ! -f "$source" ]; then
        printf '%-26s %s\n' "$name" "skipped: $source does not exist"
        continue
    fi
    : >"$work/wall" && : >"$work/rss"
    failed=0
    for _ in $(seq "$runs"); do
        # shellcheck disable=SC2086  # flags are words
        if ! /usr/bin/time -v "$compiler" -O2 -std=c++20 $flags -c "$source" -o "$work/out.o" \
                2>"$work/time.txt"; then
            failed=1
            break
        fi
        # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:03.21"
        sed -nE 's/.*Elapsed \(wall clock\) time.*: ([0-9:.]+)$/\1/p' "$work/time.txt" |
            awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }' >>"$work/wall"
        sed -nE 's/.*Maximum resident set size \(kbytes\): ([0-9]+)/\1/p' "$work/time.txt" >>"$work/rss"
    done
    if [ "$failed" -ne 0 ]; then
        printf '%-26s %s\n' "$name" "COMPILE FAILED:"
        sed 's/^/    /' "$work/time.txt" | grep -v '^\s*\(Command\|User\|System\|Percent\|Elapsed\|Average\|Maximum\|Major\|Minor\|Voluntary\|Involuntary\|Swaps\|File\|Socket\|Signals\|Page\|Exit\)' | head -20
        status=1
        continue
    fi
    wall=$(median <"$work/wall")
    min_wall=$(sort -n "$work/wall" | head -n 1)
    peak_mb=$(median <"$work/rss" | awk '{ printf "%.0f", $1 / 1024 }')
    printf '%-26s %10.2f %10.2f %12s\n' "$name" "$wall" "$min_wall" "$peak_mb"
    if [ "$name" = "inkwell (single_include)" ]; then
        if awk -v w="$wall" -v m="$peak_mb" -v bw="$bar_seconds" -v bm="$bar_mb" 'BEGIN { exit !(w <= bw && m <= bm) }'; then
            inkwell_verdict="inkwell (single_include): within the bar (<= ${bar_seconds} s, <= ${bar_mb} MB)"
        else
            inkwell_verdict="inkwell (single_include): OVER THE BAR (<= ${bar_seconds} s, <= ${bar_mb} MB)"
        fi
    fi
done
[ -n "$inkwell_verdict" ] && echo "$inkwell_verdict"
exit "$status"

#!/bin/sh
# Runs every benchmark in order; each prints its own figures and ratios.
build=$1
set -e
echo "# kyojo bench on $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
"$build/bench/bench_verify"
"$build/bench/bench_store" ${KYOJO_BENCH_RECORDS:-1000000}
sh bench/bench_net.sh "$build"
"$build/bench/bench_export" ${KYOJO_BENCH_RECORDS:-1000000} seeds/allowlist
sh bench/bench_apply.sh "$build"
"$build/bench/bench_search" ${KYOJO_BENCH_ARTICLES:-10000}
"$build/bench/bench_views" ${KYOJO_BENCH_RECORDS:-1000000} 1000

#!/bin/sh
# Builds each libFuzzer target with clang and runs it for $1 seconds,
# starting from the seed corpus in tests/fuzz/corpus/NAME (kept in git)
# and a scratch corpus in build/fuzz/NAME (not kept).
set -e
secs=$1; shift
out=build/fuzz
mkdir -p "$out"
gen=build/gen
mkdir -p "$gen"
sh tests/gen_taxonomy.sh seeds/taxonomy.tsv > "$gen/taxonomy.inc"
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -I. -I$gen $(pkg-config --cflags libcjson)"
PROTO="protocol/error.c protocol/utf8.c protocol/record.c protocol/json.c protocol/taxonomy.c protocol/indicator.c protocol/body.c protocol/seal.c protocol/armor.c protocol/frame.c protocol/scope.c node/config.c node/http_conf.c node/search_text.c"
KEYS="$(ls keys/*.c | grep -v card.c)"
LIBS="-lsodium -lcjson -lidn2 -lunistring"
status=0
for f in "$@"; do
	name=${f#fuzz_}
	echo "== $f: building"
	clang $CFLAGS $PROTO $KEYS "tests/fuzz/$f.c" $LIBS -o "$out/$f"
	mkdir -p "$out/corpus-$name"
	echo "== $f: running ${secs}s"
	if "$out/$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 "$out/corpus-$name" "tests/fuzz/corpus/$name" \
	    > "$out/$f.log" 2>&1; then
		grep -E 'stat::number_of_executed_units|stat::new_units_added' "$out/$f.log" | sed "s/^/   /"
		echo "== $f: ok, no crash in ${secs}s"
	else
		tail -30 "$out/$f.log"
		echo "== $f: FAILED (crash input saved in the current directory)"
		status=1
	fi
done
exit $status

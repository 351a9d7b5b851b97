#!/bin/sh
# crash: kill -9 a store writer at random moments, again and again on the
# same store; after every kill the store must pass fsck, hold every
# batch the writer acknowledged, and show no half-written batch.
#
#   KYOJO_BUILD        build directory (default: build)
#   KYOJO_CRASH_KILLS  how many kills (default 20)
#   KYOJO_CRASH_SEED   seed of the kill delays (default: the pid)
set -u
build=${KYOJO_BUILD:-build}
writer=$build/tests/crashwriter
kills=${KYOJO_CRASH_KILLS:-20}
seed=${KYOJO_CRASH_SEED:-$$}
[ -x "$writer" ] || { echo "crash: $writer not built"; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/kyojo-crash-XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
acked=$dir/acked
: > "$acked"

fail() {
	echo "crash: $1 (seed $seed)"
	[ -s "$dir/verify" ] && sed 's/^/  /' "$dir/verify"
	[ -s "$dir/err" ] && sed 's/^/  writer: /' "$dir/err"
	exit 1
}

i=0
while [ "$i" -lt "$kills" ]; do
	i=$((i + 1))
	delay=$(awk -v s="$seed" -v i="$i" \
	    'BEGIN { srand(s * 1000 + i); printf "%.2f", 0.05 + rand() * 0.45 }')
	"$writer" "$dir" 7 >> "$acked" 2> "$dir/err" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	status=$?
	# 137: killed by us.  Anything else: the writer stopped by itself.
	[ "$status" -eq 137 ] || fail "writer exited with $status before kill $i"
	"$writer" "$dir" 7 --verify "$acked" > "$dir/verify" 2>&1 ||
	    fail "store damaged after kill $i (after ${delay} s)"
done
"$writer" "$dir" 7 --verify "$acked" --full > "$dir/verify" 2>&1 ||
    fail "full check failed after $kills kills"
echo "crash: $kills kills, $(wc -l < "$acked") acknowledged batches; $(cat "$dir/verify" | sed 's/^crashwriter: //')"
exit 0

#!/bin/sh
# bench_apply: live apply into the kernel's firewall, in a network
# namespace of its own (the host's firewall is never touched).
#
#   full     N entries (default 100000) into empty sets, nft and ipset, as
#            a ratio to loading the very same transaction directly with
#            `nft -f` / `ipset restore` (the kernel's floor);
#   delta    1,000 changes (500 entries gone, 500 new) to those N: once
#            as a one-shot apply (which reads the kernel's set first),
#            once under --watch (against the set it applied last).  Next
#            to them, ipset: the same delta script loaded by `ipset
#            restore`; nft: `nft -f` adding one element, which nft 1.0.6
#            cannot do without first fetching the whole set (kyojo sends
#            its deltas over netlink instead);
#   memory   peak RSS of the apply path at BIG entries (default 1000000):
#            ipset: a full load, then a reconcile that holds the desired set
#            and the kernel's set at once; nft: a load onto the N above
#            (reading a million back would take the kernel minutes).
#
# The desired set comes from a list (--from), so the figures are those of
# the apply path alone; the store walk is the export iterator's
# (bench_export).
set -u
BUILD=${1:-build}
KYOJO="$BUILD/kyojo"
N=${KYOJO_BENCH_APPLY:-100000}
BIG=${KYOJO_BENCH_APPLY_BIG:-1000000}
NS="kybench-$$"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/kyojo-bench-apply.XXXXXX")
WATCH=""

cleanup() {
	[ -n "$WATCH" ] && kill "$WATCH" 2>/dev/null && wait "$WATCH" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! ip netns add "$NS" 2>/dev/null; then
	echo "apply: SKIPPED: network namespaces not permitted"
	exit 0
fi
in_ns() { ip netns exec "$NS" "$@"; }
ms() { date +%s%3N; }
die() { echo "apply: FAILED: $*" >&2; exit 1; }

# gen FILE COUNT FIRST: COUNT distinct entries from index FIRST on: nine
# in ten IPv4 /24s, one in ten IPv6 /64s, timeouts spread over an hour.
gen() {
	awk -v n="$2" -v f="$3" 'BEGIN {
		for (i = f; i < f + n; i++)
			if (i % 10 == 9)
				printf "2a0c:%x:%x::/64 %d\n", 4096 + int(i / 65536), i % 65536, 86400 + i % 3600
			else
				printf "%d.%d.%d.0/24 %d\n", 11 + int(i / 65536), int(i / 256) % 256, i % 256, 86400 + i % 3600
	}' > "$1"
}

# apply ARGS...: one `kyojo firewall apply` in the namespace; its wall
# time in ms on stdout, its output in $DIR/out.
apply() {
	_t0=$(ms)
	in_ns "$KYOJO" firewall apply "$@" > "$DIR/out" 2>&1 || die "$(cat "$DIR/out")"
	echo $(($(ms) - _t0))
}

# floor TOOL SCRIPT: wall ms of loading SCRIPT with the tool itself.
floor() {
	_t0=$(ms)
	if [ "$1" = nft ]; then
		in_ns nft -f "$2" || die "nft -f $2"
	else
		in_ns ipset -exist restore < "$2" || die "ipset restore $2"
	fi
	echo $(($(ms) - _t0))
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
field() { sed -n "s/.*$1 \([0-9.]*\) $2.*/\1/p" "$DIR/out" | tail -1; }

gen "$DIR/full.txt" "$N" 0
# The delta: the first 500 entries gone, 500 new ones.
tail -n +501 "$DIR/full.txt" > "$DIR/delta.txt"
gen "$DIR/new.txt" 500 "$N"
cat "$DIR/new.txt" >> "$DIR/delta.txt"
: > "$DIR/empty.txt"
echo "# apply: $N entries ($(awk '/:/ { n++ } END { print n + 0 }' "$DIR/full.txt") IPv6) on $(nft --version 2>/dev/null), $(ipset --version 2>/dev/null | head -1), kernel $(uname -r)"

for b in nft ipset; do
	# Empty sets, the tables set up.
	in_ns "$KYOJO" firewall apply --backend "$b" --from "$DIR/empty.txt" >/dev/null ||
	    die "$b: setup"
	in_ns "$KYOJO" firewall apply --backend "$b" --from "$DIR/full.txt" --dry-run \
	    > "$DIR/full.$b" 2>/dev/null || die "$b: dry run"
	f=$(floor "$b" "$DIR/full.$b")
	in_ns "$KYOJO" firewall apply --backend "$b" --from "$DIR/empty.txt" >/dev/null ||
	    die "$b: emptying"
	t=$(apply --backend "$b" --from "$DIR/full.txt" -v)
	echo "apply: $b full load of $N entries        $t ms, floor ($b alone) $f ms: ratio $(ratio "$t" "$f") (target <= 2000 ms)"

	if [ "$b" = nft ]; then
		echo "add element inet kyojo block4 { 45.0.0.0/24 timeout 60s }" > "$DIR/one.nft"
		fd=$(floor nft "$DIR/one.nft")
		vs="nft -f of one element $fd ms"
	else
		in_ns "$KYOJO" firewall apply --backend "$b" --from "$DIR/delta.txt" --dry-run \
		    > "$DIR/delta.$b" 2>/dev/null || die "$b: delta dry run"
		fd=$(floor "$b" "$DIR/delta.$b")
		vs="floor $fd ms"
	fi
	apply --backend "$b" --from "$DIR/full.txt" >/dev/null
	t=$(apply --backend "$b" --from "$DIR/delta.txt" -v)
	rd=$(field "kernel read in" ms)
	echo "apply: $b delta of 1000, one-shot         $t ms (reading the kernel's set: $rd ms), $vs"

	apply --backend "$b" --from "$DIR/full.txt" >/dev/null
	cp "$DIR/full.txt" "$DIR/watched.txt"
	: > "$DIR/watch.log"
	# Not through in_ns: $! must be the watcher itself (ip netns exec
	# execs it), not a subshell that a kill would leave it behind.
	ip netns exec "$NS" "$KYOJO" firewall apply --backend "$b" \
	    --from "$DIR/watched.txt" --watch --interval 1 -v >> "$DIR/watch.log" 2>&1 &
	WATCH=$!
	i=0
	while [ "$(grep -c 'in set' "$DIR/watch.log")" -lt 1 ] && [ $i -lt 600 ]; do
		sleep 0.1; i=$((i + 1))
	done
	cp "$DIR/delta.txt" "$DIR/watched.new"
	mv "$DIR/watched.new" "$DIR/watched.txt"
	i=0
	while [ "$(grep -c 'in set' "$DIR/watch.log")" -lt 2 ] && [ $i -lt 600 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill "$WATCH"; wait "$WATCH" 2>/dev/null; WATCH=""
	cp "$DIR/watch.log" "$DIR/out"
	grep -q "+500 -500 ~0" "$DIR/out" || die "$b: watch did not apply the delta: $(tail -3 "$DIR/out")"
	t=$(field "applied in" ms)
	tx=$(field "transaction" ms)
	echo "apply: $b delta of 1000, --watch          $t ms (list $N lines read, diffed; transaction $tx ms; $vs) (target <= 100 ms)"
done

gen "$DIR/big.txt" "$BIG" 0
apply --backend ipset --from "$DIR/big.txt" -v >/dev/null
r1=$(field "peak RSS" MB)
t=$(apply --backend ipset --from "$DIR/big.txt" -v)
r2=$(field "peak RSS" MB)
echo "apply: ipset $BIG entries: peak RSS $r1 MB loading, $r2 MB reconciling ($t ms) (target <= 64 MB)"
t=$(apply --backend nft --from "$DIR/big.txt" -v)
r1=$(field "peak RSS" MB)
echo "apply: nft $BIG entries: peak RSS $r1 MB loading ($t ms; the batch is held whole until the kernel takes it, and the desired set lends it its memory meanwhile; a reconcile would first read the set back, and the kernel dumps an interval set in time quadratic in its size) (target <= 64 MB)"

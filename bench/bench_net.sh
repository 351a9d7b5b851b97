#!/bin/sh
# bench_net: real kyojod processes on loopback.
#
#   catch-up     a node holding N records (default 100000), a fresh peer
#                pulls them all: records/s as a ratio to the single-core
#                ingest rate measured by bench_fill on the same records,
#                and frame bytes as a ratio to the record bytes;
#   in-sync      bytes of one anti-entropy exchange on a synced link;
#   propagation  a mesh of MESH nodes (default 50), degree 4: for 100
#                records submitted at one node, time until every node
#                holds each one (p50, p99) and record copies received per
#                node per record;
#   idle         CPU and private memory of an idle node with IDLE records
#                (default 1000000).
#
# Runs in a network namespace when it can (so loopback carries nothing
# else), otherwise on the host's loopback.
set -u
BUILD=${1:-build}
KYOJO_BUILD=$BUILD
export KYOJO_BUILD
N=${KYOJO_BENCH_CATCHUP:-100000}
MESH=${KYOJO_BENCH_MESH:-50}
IDLE=${KYOJO_BENCH_IDLE:-1000000}
. tests/sh/lib.sh

ms() { date +%s%3N; }

peer_sum() {	# NODE FIELD: sum of a per-peer counter in kyojo status
	"$KYOJO" status -d "$ROOT/$1" --json |
	    awk -v f="\"$2\":" '$1 == f { gsub(/,/, "", $2); s += $2 } END { print s + 0 }'
}

echo "== catch-up: $N records from one peer"
node_init src 1
node_init dst 2
pair src dst
fill=$("$BUILD/bench/bench_fill" "$ROOT/src/store" "$N" 1) || fail "fill"
echo "   $fill"
ingest=$(echo "$fill" | sed -n 's/.*: \([0-9]*\) records\/s ingest/\1/p')
recbytes=$(echo "$fill" | sed -n 's/.*records (\([0-9]*\) bytes).*/\1/p')
node_start src
t0=$(ms)
node_start dst
wait_until 600 has dst "$N" || fail "dst did not catch up"
t1=$(ms)
rate=$((N * 1000 / (t1 - t0)))
bytes=$(peer_sum dst bytes_in)
# TCP payload bytes dst's socket received (ZMTP, CURVE boxes and frames:
# everything but TCP/IP headers); whichever side dialed.
wire=$(ss -tinH state established "( sport = :$((PORT_BASE + 2)) or dport = :$((PORT_BASE + 1)) )" 2>/dev/null |
    sed -n 's/.*bytes_received:\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
echo "   $N records in $((t1 - t0)) ms: $rate records/s; single-core ingest $ingest records/s"
awk -v r="$rate" -v i="$ingest" 'BEGIN { printf "   catch-up / ingest ratio %.2f (target >= 0.80)\n", r / i }'
awk -v b="$bytes" -v r="$recbytes" 'BEGIN { printf "   frame bytes received %d for %d record bytes: ratio %.3f\n", b, r, b / r }'
awk -v w="$wire" -v r="$recbytes" 'BEGIN { if (w > 0) printf "   wire bytes (TCP payload, CURVE included) %d: ratio %.3f (target <= 1.10)\n", w, w / r;
    else print "   wire bytes: ss could not read the socket" }'

echo "== in-sync exchange"
# The dialing side restarts: the link comes up between two synced nodes.
node_stop dst
node_start dst
sleep 3
echo "   reconnect to an in-sync peer: $(peer_sum dst bytes_out) bytes sent, $(peer_sum dst bytes_in) bytes received in frames, one round trip (target <= 512 each way)"
node_stop dst
node_stop src

echo "== propagation: $MESH nodes, degree 4"
i=0
while [ $i -lt "$MESH" ]; do node_init "m$i" $((10 + i)); i=$((i + 1)); done
i=0
while [ $i -lt "$MESH" ]; do
	pair "m$i" "m$(((i + 1) % MESH))"
	pair "m$i" "m$(((i + 7) % MESH))"
	i=$((i + 1))
done
i=0
while [ $i -lt "$MESH" ]; do node_start "m$i" -vv; i=$((i + 1)); done
sleep 8
before=0; i=0
while [ $i -lt "$MESH" ]; do before=$((before + $(peer_sum "m$i" received))); i=$((i + 1)); done
k=0
while [ $k -lt 100 ]; do
	"$KYOJO" submit -d "$ROOT/m0" ipv4 "198.51.100.$((k + 1))" >/dev/null || fail "submit"
	sleep 0.05
	k=$((k + 1))
done
origin=$(tail -1 "$ROOT/m0/public.key" | cut -c1-16)
wait_until 60 sh -c "[ \$(cat '$ROOT'/m*/kyojod.log | grep -c 'stored $origin') -ge $((100 * MESH)) ]" ||
    echo "   (not every node logged every record)"
after=0; i=0
while [ $i -lt "$MESH" ]; do after=$((after + $(peer_sum "m$i" received))); i=$((i + 1)); done
cat "$ROOT"/m*/kyojod.log | grep "stored $origin" |
    awk '{ seq = $5; t = $7; if (!(seq in first) || t < first[seq]) first[seq] = t;
	   if (t > last[seq]) last[seq] = t; n[seq]++ }
	 END { for (s in first) if (s > 1) print last[s] - first[s], n[s] }' |
    sort -n > "$ROOT/lat.txt"
awk -v mesh="$MESH" '{ l[NR] = $1; if ($2 < mesh) short++ }
    END { printf "   time until all %d nodes hold a record: p50 %d ms, p99 %d ms (target p99 <= 1000), %d records not everywhere\n",
	mesh, l[int(NR * 0.5) + 1], l[int(NR * 0.99) + 1], short + 0 }' "$ROOT/lat.txt"
awk -v a="$after" -v b="$before" -v m="$MESH" 'BEGIN {
    printf "   copies received per node per record: %.2f (target <= 1.5)\n", (a - b) / (100 * (m - 1)) }'
i=0
while [ $i -lt "$MESH" ]; do node_stop "m$i"; i=$((i + 1)); done

echo "== idle: a node with $IDLE records"
node_init idle 5
fill=$("$BUILD/bench/bench_fill" "$ROOT/idle/store" "$IDLE" 10) || fail "fill idle"
echo "   $fill"
node_start idle
sleep 5
pid=$(cat "$ROOT/idle.pid")
c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep 20
c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
priv=$(awk '/^Private_(Clean|Dirty)/ { s += $2 } END { print s }' "/proc/$pid/smaps_rollup")
rss=$(awk '/^Rss/ { print $2 }' "/proc/$pid/smaps_rollup")
tck=$(getconf CLK_TCK)
awk -v c="$((c1 - c0))" -v t="$tck" 'BEGIN { printf "   CPU over 20 s idle: %.2f%%\n", c / t / 20 * 100 }'
echo "   RSS $((rss / 1024)) MB, of which private $((priv / 1024)) MB (target private <= 64 MB); the rest is the LMDB map, shared page cache"
node_stop idle

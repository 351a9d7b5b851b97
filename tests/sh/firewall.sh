#!/bin/sh
# Live apply into a real kernel firewall.  Two network namespaces joined
# by a veth pair: a "gateway" where `kyojo firewall apply` runs, and a
# "client" with source addresses inside and outside the exported
# prefixes.  A real kyojod holds the records.  nftables first, then
# ipset with iptables rules: exported prefixes are dropped whole, their
# neighbours pass, a retraction unblocks, killing the watcher or kyojod
# never empties a set, and drift is repaired.  nft elements go over
# netlink: adjacent prefixes, prefixes at the top of the address space and
# ranges added by hand are read back and deleted exactly.
#
# The addresses are public-looking on purpose (44.31.16.0/20,
# 2a0c:b641:100::/64): documentation ranges are allowlisted by the export
# policy and would never reach a firewall.  They exist only inside the
# namespaces.
. tests/sh/lib.sh

PROBE="$BUILD/tests/fwprobe"
GW="kyfw-gw-$$"
CL="kyfw-cl-$$"
WATCH=""

fw_cleanup() {
	[ -n "$WATCH" ] && kill "$WATCH" 2>/dev/null && wait "$WATCH" 2>/dev/null
	ip netns del "$GW" 2>/dev/null
	ip netns del "$CL" 2>/dev/null
	cleanup
}
trap fw_cleanup EXIT
trap 'exit 1' INT TERM

fwfail() {
	[ -f "$ROOT/watch.log" ] && { echo "--- watch.log" >&2; tail -20 "$ROOT/watch.log" >&2; }
	fail "$@"
}

if ! ip netns add "$GW" 2>/dev/null; then
	echo "firewall: SKIPPED: network namespaces not permitted" >&2
	echo "firewall: SKIPPED: network namespaces not permitted"
	exit 0
fi
ip netns add "$CL" || fail "ip netns add $CL"

gw() { ip netns exec "$GW" "$@"; }

# reach SRC DST: 0 when a TCP SYN from SRC got an answer, 1 when it was
# dropped; any other outcome fails the test.
reach() {
	ip netns exec "$CL" "$PROBE" "$1" "$2" 9 2>"$ROOT/probe.err"
	_rc=$?
	[ "$_rc" -le 1 ] || fwfail "fwprobe $1 -> $2: $(cat "$ROOT/probe.err")"
	return "$_rc"
}

# in_set PATTERN: the kernel's set lists PATTERN (nft or ipset, by $BACKEND).
in_set() {
	if [ "$BACKEND" = nft ]; then
		gw nft list table inet kyojo 2>/dev/null | grep -q "$1"
	else
		gw ipset save 2>/dev/null | grep -q "$1"
	fi
}

watch_start() {
	: > "$ROOT/watch.log"
	ip netns exec "$GW" "$KYOJO" firewall apply -d "$ROOT/a" --backend "$BACKEND" \
	    --watch --interval 1 --repair 2 >>"$ROOT/watch.log" 2>&1 &
	WATCH=$!
	wait_until 10 grep -q "in set" "$ROOT/watch.log" || fwfail "the watcher did not apply"
}

watch_kill() {
	kill -9 "$WATCH"
	wait "$WATCH" 2>/dev/null
	WATCH=""
}

apply_once() {
	gw "$KYOJO" firewall apply -d "$ROOT/a" --backend "$BACKEND" > "$ROOT/apply.out" 2>&1 ||
	    fwfail "apply --backend $BACKEND: $(cat "$ROOT/apply.out")"
	cat "$ROOT/apply.out"
}

ip -n "$GW" link add g0 type veth peer name c0 netns "$CL" || fail "veth"
ip -n "$GW" addr add 44.31.0.1/16 dev g0
ip -n "$GW" addr add 2a0c:b641::1/32 dev g0 nodad
for a in 44.31.16.5/16 44.31.17.9/16 44.31.40.5/16; do
	ip -n "$CL" addr add "$a" dev c0
done
for a in 2a0c:b641:100::5/32 2a0c:b641:200::5/32; do
	ip -n "$CL" addr add "$a" dev c0 nodad
done
for n in "$GW" "$CL"; do
	ip -n "$n" link set lo up
done
ip -n "$GW" link set g0 up
ip -n "$CL" link set c0 up

echo "firewall: every client address reaches the gateway before any apply"
for s in 44.31.16.5 44.31.17.9 44.31.40.5; do
	wait_until 5 reach "$s" 44.31.0.1 || fwfail "$s cannot reach the gateway"
done
for s in 2a0c:b641:100::5 2a0c:b641:200::5; do
	wait_until 5 reach "$s" 2a0c:b641::1 || fwfail "$s cannot reach the gateway"
done

node_init a 1
# The shipped allowlist, from the source tree (not installed here).
sed -i "s|^allowlist_dir .*|allowlist_dir \"$(pwd)/seeds/allowlist\"|" "$ROOT/a/kyojod.conf"
node_start a
id20=$("$KYOJO" submit -d "$ROOT/a" cidr4 44.31.16.0/20 \
    --category intrusion-attempts:brute-force) || fail "submit /20"
"$KYOJO" submit -d "$ROOT/a" ipv4 44.31.17.9 >/dev/null || fail "submit /32"
"$KYOJO" submit -d "$ROOT/a" cidr6 2a0c:b641:100::/64 >/dev/null || fail "submit /64"
# Documentation space is on the shipped allowlist: never in a firewall.
"$KYOJO" submit -d "$ROOT/a" cidr4 198.51.100.0/24 >/dev/null || fail "submit allowlisted"

BACKEND=nft
echo "firewall: nft: a /20 and a /64 are dropped whole, the neighbours pass"
apply_once | grep -q '^nft: +2 -0 ~0 (renewed), 2 in set' ||
    fwfail "first apply: $(cat "$ROOT/apply.out")"
reach 44.31.16.5 44.31.0.1 && fwfail "a source inside the exported /20 got through"
reach 44.31.17.9 44.31.0.1 && fwfail "the /32 inside the /20 got through"
reach 44.31.40.5 44.31.0.1 || fwfail "a neighbour outside the /20 was dropped"
reach 2a0c:b641:100::5 2a0c:b641::1 && fwfail "a source inside the exported /64 got through"
reach 2a0c:b641:200::5 2a0c:b641::1 || fwfail "a neighbour outside the /64 was dropped"
in_set '198.51.100' && fwfail "an allowlisted network reached the firewall"
apply_once | grep -q '^nft: +0 -0 ~0 (renewed), 2 in set' ||
    fwfail "a second apply changed something: $(cat "$ROOT/apply.out")"

echo "firewall: nft: a retraction unblocks within seconds (--watch)"
watch_start
"$KYOJO" retract -d "$ROOT/a" "$id20" >/dev/null || fail "retract"
wait_until 10 reach 44.31.16.5 44.31.0.1 || fwfail "the retraction did not unblock the /20"
reach 44.31.17.9 44.31.0.1 && fwfail "the /32 of its own record was unblocked too"
reach 2a0c:b641:100::5 2a0c:b641::1 && fwfail "the /64 was unblocked"

echo "firewall: nft: killing the watcher or kyojod leaves the set in place"
watch_kill
in_set '2a0c:b641:100::/64' || fwfail "the set lost the /64 when the watcher was killed"
in_set '44.31.17.9' || fwfail "the set lost the /32 when the watcher was killed"
ip netns exec "$GW" "$KYOJO" firewall apply -d "$ROOT/a" --backend nft --watch \
    --interval 1 --repair 2 >"$ROOT/watch.log" 2>&1 &
WATCH=$!
i=0
while [ $i -lt 10 ]; do	# while it starts: never empty
	in_set '2a0c:b641:100::/64' || fwfail "the set was emptied during a restart"
	i=$((i + 1))
done
wait_until 10 grep -q "in set" "$ROOT/watch.log" || fwfail "the watcher did not restart"
grep -q '^kyojo firewall: nft: +0 -0 ~0 (renewed), 2 in set' "$ROOT/watch.log" ||
    fwfail "the restarted watcher rewrote the set"
node_stop a KILL
in_set '2a0c:b641:100::/64' || fwfail "the set lost the /64 when kyojod was killed"
reach 2a0c:b641:100::5 2a0c:b641::1 && fwfail "the /64 got through after kyojod was killed"
node_start a

echo "firewall: nft: drift is repaired (an element deleted, then the table)"
gw nft delete element inet kyojo block6 '{ 2a0c:b641:100::/64 }' || fail "nft delete element"
wait_until 30 in_set '2a0c:b641:100::/64' || fwfail "the deleted element did not come back"
grep -q 'drift' "$ROOT/watch.log" || fwfail "the repair was not logged"
gw nft delete table inet kyojo || fail "nft delete table"
wait_until 30 in_set '44.31.17.9' || fwfail "the deleted table did not come back"
reach 2a0c:b641:100::5 2a0c:b641::1 && fwfail "the /64 got through after the repair"
watch_kill
gw nft delete table inet kyojo || fail "nft delete table"

echo "firewall: nft: many deletions rewrite the set within one transaction"
awk 'BEGIN { for (i = 1; i <= 40; i++) printf "45.%d.0.0/16 3600\n", i }' > "$ROOT/list40"
echo "45.7.0.0/16 3600" > "$ROOT/list1"
gw "$KYOJO" firewall apply --from "$ROOT/list40" | grep -q '^nft: +40 -0 ~0 (renewed), 40 in set' ||
    fwfail "--from a list of 40"
gw "$KYOJO" firewall apply --from "$ROOT/list1" -v > "$ROOT/apply.out" 2>&1 || fwfail "--from a list of 1"
grep -q '^nft: +0 -39 ~0 (renewed), 1 in set' "$ROOT/apply.out" &&
    grep -q 'rewritten whole' "$ROOT/apply.out" || fwfail "no rewrite: $(cat "$ROOT/apply.out")"
in_set '45.7.0.0/16 timeout' || fwfail "the kept entry was lost by the rewrite"
in_set '45.8.0.0/16' && fwfail "a deleted entry survived the rewrite"
gw nft delete table inet kyojo || fail "nft delete table"

echo "firewall: nft: adjacent prefixes, the top of the space, a range added by hand"
cat > "$ROOT/edges" <<EOF
44.31.16.0/24 3600
44.31.17.0/24 3600
255.255.255.0/24 3600
ffff::/16 3600
2a0c:b641:100::/64 3600
EOF
gw "$KYOJO" firewall apply --from "$ROOT/edges" | grep -q '^nft: +5 -0 ~0 (renewed), 5 in set' ||
    fwfail "--from the edge cases"
gw "$KYOJO" firewall apply --from "$ROOT/edges" | grep -q '^nft: +0 -0 ~0 (renewed), 5 in set' ||
    fwfail "the edge cases did not read back as written"
in_set '255.255.255.0/24' && in_set 'ffff::/16' || fwfail "a prefix at the top is not listed as one"
reach 44.31.16.5 44.31.0.1 && fwfail "the first of two adjacent /24s got through"
reach 44.31.17.9 44.31.0.1 && fwfail "the second of two adjacent /24s got through"
reach 44.31.40.5 44.31.0.1 || fwfail "a neighbour of the adjacent /24s was dropped"
gw nft add element inet kyojo block4 '{ 45.0.0.1-45.0.0.9 }' || fail "nft add a range"
grep -v '^44.31.16.0/24' "$ROOT/edges" > "$ROOT/edges2"
gw "$KYOJO" firewall apply --from "$ROOT/edges2" -v > "$ROOT/apply.out" 2>&1 || fwfail "edges2"
grep -q '^nft: +0 -2 ~0 (renewed), 4 in set' "$ROOT/apply.out" ||
    fwfail "deleting one of two adjacent prefixes and a range: $(cat "$ROOT/apply.out")"
grep -q 'rewritten whole' "$ROOT/apply.out" && fwfail "a small deletion rewrote the set"
reach 44.31.16.5 44.31.0.1 || fwfail "the deleted /24 still drops"
reach 44.31.17.9 44.31.0.1 && fwfail "its adjacent /24 went with it"
in_set '45.0.0.1' && fwfail "the range added by hand survived"
in_set '255.255.255.0/24' || fwfail "the prefix at the top went"
gw nft delete table inet kyojo || fail "nft delete table"

echo "firewall: nft: a large load lends the desired set's memory and restores it"
# 65,536 /24s: big enough that building the batch gives pages of the
# desired set back (fw_nft.c); the set must come back intact, so the
# same list applied again changes nothing and a kept entry still drops.
awk 'BEGIN { for (i = 0; i < 65536; i++)
    printf "46.%d.%d.0/24 3600\n", int(i / 256), i % 256 }' > "$ROOT/big"
echo "44.31.17.0/24 3600" >> "$ROOT/big"
gw "$KYOJO" firewall apply --from "$ROOT/big" > "$ROOT/apply.out" 2>&1 ||
    fwfail "a load of 65537: $(cat "$ROOT/apply.out")"
grep -q '^nft: +65537 -0 ~0 (renewed), 65537 in set' "$ROOT/apply.out" ||
    fwfail "a load of 65537: $(cat "$ROOT/apply.out")"
gw "$KYOJO" firewall apply --from "$ROOT/big" > "$ROOT/apply.out" 2>&1 ||
    fwfail "the same load again: $(cat "$ROOT/apply.out")"
grep -q '^nft: +0 -0 ~0 (renewed), 65537 in set' "$ROOT/apply.out" ||
    fwfail "the same load again changed the set: $(cat "$ROOT/apply.out")"
reach 44.31.17.9 44.31.0.1 && fwfail "an entry of the large load got through"
gw nft delete table inet kyojo || fail "nft delete table"

if ! command -v iptables >/dev/null || ! command -v ip6tables >/dev/null; then
	echo "firewall: SKIPPED the ipset part: iptables not installed" >&2
	echo "firewall: all passed"
	exit 0
fi
BACKEND=ipset
echo "firewall: ipset: a /20 and a /64 are dropped whole, the neighbours pass"
id20=$("$KYOJO" submit -d "$ROOT/a" cidr4 44.31.16.0/20) || fail "submit /20 again"
apply_once | grep -q '^ipset: +2 -0 ~0 (renewed), 2 in set' ||
    fwfail "first ipset apply: $(cat "$ROOT/apply.out")"
gw iptables -I INPUT -m set --match-set kyojo4 src -j DROP || fail "iptables"
gw ip6tables -I INPUT -m set --match-set kyojo6 src -j DROP || fail "ip6tables"
reach 44.31.16.5 44.31.0.1 && fwfail "ipset: a source inside the /20 got through"
reach 44.31.40.5 44.31.0.1 || fwfail "ipset: a neighbour outside the /20 was dropped"
reach 2a0c:b641:100::5 2a0c:b641::1 && fwfail "ipset: a source inside the /64 got through"
reach 2a0c:b641:200::5 2a0c:b641::1 || fwfail "ipset: a neighbour outside the /64 was dropped"
in_set '198.51.100' && fwfail "ipset: an allowlisted network reached the firewall"

echo "firewall: ipset: a retraction unblocks; killing the watcher leaves the sets"
"$KYOJO" retract -d "$ROOT/a" "$id20" >/dev/null || fail "retract"
apply_once | grep -q '^ipset: +1 -1 ~0 (renewed), 2 in set' ||
    fwfail "ipset apply after the retraction: $(cat "$ROOT/apply.out")"
reach 44.31.16.5 44.31.0.1 || fwfail "ipset: the retraction did not unblock the /20"
reach 44.31.17.9 44.31.0.1 && fwfail "ipset: the /32 was unblocked too"
watch_start
watch_kill
in_set 'add kyojo6 2a0c:b641:100::/64' || fwfail "ipset: kyojo6 lost the /64 when the watcher was killed"
reach 2a0c:b641:100::5 2a0c:b641::1 && fwfail "ipset: the /64 got through after the kill"
echo "firewall: all passed"

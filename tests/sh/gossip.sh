#!/bin/sh
# Real kyojod processes on loopback: propagation along a line, exact
# catch-up after an outage, refusal of unknown keys, forged records and
# oversized frames, TLP scoping, and a kill -9 in the middle of catch-up.
. tests/sh/lib.sh

count_origin() {	# NODE ORIGIN_NODE: records of that origin held by NODE
	"$KYOJO" list -d "$ROOT/$1" --origin "$(cat "$ROOT/$2/public.key" | tail -1)" \
	    --limit 0 --json | grep -c '"id"'
}

node_init a 1; node_init b 2; node_init c 3
pair a b; pair b c
node_start a; node_start b; node_start c

echo "gossip: a record submitted at A reaches C through B"
id=$("$KYOJO" submit -d "$ROOT/a" ipv4 203.0.113.9 \
    --category intrusion-attempts:brute-force --note "SSH総当たり") ||
    fail "submit at a"
wait_until 15 "$KYOJO" show -d "$ROOT/c" "$id" || fail "record did not reach c"
"$KYOJO" show -d "$ROOT/c" "$id" | grep -q 'SSH総当たり' || fail "body lost on the way"

echo "gossip: C offline, 10000 records at A, C catches up exactly"
node_stop c
i=0; : > "$ROOT/bulk.txt"
while [ $i -lt 10000 ]; do
	# Documentation space (RFC 3849): big enough, and never real.
	printf 'ipv6 2001:db8::%x\n' $((i + 1)) >> "$ROOT/bulk.txt"
	i=$((i + 1))
done
"$KYOJO" submit -d "$ROOT/a" --file "$ROOT/bulk.txt" --category \
    information-gathering:scanner > "$ROOT/bulk.ids" || fail "bulk submit"
[ "$(wc -l < "$ROOT/bulk.ids")" -eq 10000 ] || fail "bulk submit answered $(wc -l < "$ROOT/bulk.ids") ids"
want=$(count_origin a a)
n=$(records a)
wait_until 120 has b "$n" || fail "b did not get all $n indicators"
node_start c
wait_until 180 has c "$n" || fail "c did not catch up"
got=$(count_origin c a)
[ "$got" -eq "$want" ] || fail "c holds $got records of a, a holds $want"
"$KYOJO" fsck -d "$ROOT/c" >/dev/null || fail "fsck of c after catch-up"

echo "gossip: a key that is not in the keyring cannot connect"
node_init x 4
"$KYOJO" peer add -d "$ROOT/x" "$ROOT/c.card" >/dev/null || fail "x trusts c"
node_start x
wait_until 20 sh -c "'$KYOJO' status -d '$ROOT/c' --json | grep -q '\"zap_refused\":[[:space:]]*[1-9]'" ||
    fail "c did not refuse x"
"$KYOJO" status -d "$ROOT/x" --json | grep -q '"state":[[:space:]]*"up"' &&
    fail "x linked with c without being trusted"
node_stop x

echo "gossip: forged records are refused and counted"
node_init i 5
pair i b
"$BUILD/tests/inject" "$ROOT/i" "$ROOT/b.card" forged || fail "inject forged"
wait_until 5 sh -c "'$KYOJO' status -d '$ROOT/b' --json | grep -q '\"rejects\":[[:space:]]*\([2-9]\|[1-9][0-9]\)'" ||
    fail "b did not count the forged records"
"$KYOJO" search -d "$ROOT/b" 1.0.16.146 --json | grep -q '"id"' &&
    fail "a forged record was stored"

echo "gossip: oversized frames do not grow the receiver's memory"
pid=$(cat "$ROOT/b.pid")
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
"$BUILD/tests/inject" "$ROOT/i" "$ROOT/b.card" oversized || fail "inject oversized"
"$BUILD/tests/inject" "$ROOT/i" "$ROOT/b.card" garbage || fail "inject garbage"
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
[ $((rss1 - rss0)) -lt 16384 ] || fail "b grew from ${rss0} kB to ${rss1} kB"
"$KYOJO" status -d "$ROOT/b" >/dev/null || fail "b stopped answering"

echo "gossip: RED and AMBER bodies are readable only where they are sealed to"
bkey=$(sed -n 2p "$ROOT/b/public.key")
red=$("$KYOJO" submit -d "$ROOT/a" domain red-secret.example --tlp RED \
    --to "$bkey") || fail "submit red"
amber=$("$KYOJO" submit -d "$ROOT/a" domain amber-secret.example --tlp AMBER \
    --to "$bkey") || fail "submit amber"
clear=$("$KYOJO" submit -d "$ROOT/a" domain clear-public.example --tlp CLEAR) || fail "submit clear"
wait_until 15 "$KYOJO" show -d "$ROOT/c" "$clear" || fail "clear record did not reach c"
wait_until 15 "$KYOJO" show -d "$ROOT/c" "$amber" || fail "amber record did not reach c"
for v in red-secret amber-secret; do
	grep -rqa "$v" "$ROOT/c/store" && fail "$v plaintext found in c's store"
done
"$KYOJO" show -d "$ROOT/c" "$red" --json | grep -q '"stub":[[:space:]]*true' ||
    fail "c holds more than a stub of the RED record"
"$KYOJO" show -d "$ROOT/b" "$amber" | grep -q amber-secret || fail "b cannot read AMBER"
"$KYOJO" show -d "$ROOT/a" "$red" | grep -q red-secret || fail "a lost its own RED record"

echo "gossip: kill -9 in the middle of a catch-up converges"
node_stop c
i=0; : > "$ROOT/bulk2.txt"
while [ $i -lt 20000 ]; do
	echo "domain h$i.scan.example" >> "$ROOT/bulk2.txt"
	i=$((i + 1))
done
"$KYOJO" submit -d "$ROOT/a" --file "$ROOT/bulk2.txt" > /dev/null || fail "bulk2"
want=$(count_origin a a)
n=$(records a)
wait_until 120 has b "$n" || fail "b did not get bulk2"
node_start c
sleep 0.5
node_stop c KILL
node_start c
wait_until 180 has c "$n" || fail "c did not converge after kill -9"
[ "$(count_origin c a)" -eq "$want" ] || fail "c holds a different count after kill -9"
"$KYOJO" fsck -d "$ROOT/c" >/dev/null || fail "fsck of c after kill -9"
echo "gossip: a node restored from an old backup does not fork its chain"
node_stop a
cp -a "$ROOT/a" "$ROOT/a.backup"
node_start a
"$KYOJO" submit -d "$ROOT/a" domain after-backup.example >/dev/null || fail "submit"
wait_until 15 sh -c "'$KYOJO' search -d '$ROOT/b' after-backup.example | grep -q indicator" ||
    fail "b did not get the record made after the backup"
node_stop a
rm -rf "$ROOT/a"
mv "$ROOT/a.backup" "$ROOT/a"
node_start a
id=$("$KYOJO" submit -d "$ROOT/a" domain after-restore.example) || fail "submit after restore"
wait_until 15 "$KYOJO" show -d "$ROOT/b" "$id" || fail "record after restore did not reach b"
for n in a b; do
	"$KYOJO" stats -d "$ROOT/$n" --json | grep -q '"forked_origins":[[:space:]]*0' ||
	    fail "$n flags an equivocation: the restored node forked its chain"
done
"$KYOJO" search -d "$ROOT/a" after-backup.example | grep -q indicator ||
    fail "the restored node did not learn its own newer record"

echo "gossip: all passed"

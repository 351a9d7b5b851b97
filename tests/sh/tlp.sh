#!/bin/sh
# TLP with real nodes.  A, R, B form a triangle and C hangs off B.
# AMBER from A sealed to B: R and C carry the ciphertext whole but cannot
# read it; B reads it.  RED from A to B: only B, over the direct link,
# gets the body; R and C hold the stub (header and signature) only.
. tests/sh/lib.sh

node_init a 1
node_init r 2
node_init b 3
node_init c 4
pair a r
pair r b
pair a b
pair b c
for n in a r b c; do node_start $n; done
bkey=$(sed -n 2p "$ROOT/b/public.key")
ckey=$(sed -n 2p "$ROOT/c/public.key")

# shown NODE ID: the record as the node holds it (JSON), or fails.
shown() { "$KYOJO" show -d "$ROOT/$1" "$2" --json; }
held() { shown "$1" "$2" >/dev/null 2>&1; }

amber=$("$KYOJO" submit -d "$ROOT/a" ipv4 45.33.32.101 --tlp amber \
    --to "$bkey" --category malicious-code:c2-server) || fail "submit amber"
for n in r b c; do
	wait_until 20 held $n "$amber" || fail "$n did not get the AMBER record"
done
shown b "$amber" | grep -q '"value":[[:space:]]*"45.33.32.101"' ||
    fail "B cannot read AMBER sealed to it: $(shown b "$amber")"
"$KYOJO" search -d "$ROOT/b" 45.33.32.101 | grep -q "$amber" ||
    fail "B's index does not find the AMBER value"
for n in r c; do
	shown $n "$amber" | grep -q '"stub":[[:space:]]*false' ||
	    fail "$n did not carry the AMBER ciphertext whole"
	shown $n "$amber" | grep -q '45.33.32.101' &&
	    fail "$n reads AMBER not sealed to it: $(shown $n "$amber")"
	"$KYOJO" search -d "$ROOT/$n" 45.33.32.101 | grep -q "$amber" &&
	    fail "$n indexed a value it cannot read"
done
# AMBER without recipients is refused before anything is signed.
"$KYOJO" submit -d "$ROOT/a" ipv4 45.33.32.102 --tlp amber 2>"$ROOT/err" &&
    fail "AMBER without --to was signed"
grep -q "name them with --to" "$ROOT/err" || fail "amber: $(cat "$ROOT/err")"
# RED needs a direct link to each recipient: c is not a's peer.
"$KYOJO" submit -d "$ROOT/a" ipv4 45.33.32.103 --tlp red --to "$ckey" \
    2>"$ROOT/err" && fail "RED to a non-peer was signed"
grep -q "RED goes only over direct links" "$ROOT/err" ||
    fail "red: $(cat "$ROOT/err")"

red=$("$KYOJO" submit -d "$ROOT/a" ipv4 45.33.32.104 --tlp red \
    --to "$bkey" --category malicious-code:c2-server) || fail "submit red"
for n in r b c; do
	wait_until 20 held $n "$red" || fail "$n does not hold the RED record"
done
wait_until 20 sh -c "'$KYOJO' show -d '$ROOT/b' $red --json |
    grep -q '45.33.32.104'" || fail "B cannot read RED: $(shown b "$red")"
for n in r c; do
	shown $n "$red" | grep -q '"stub":[[:space:]]*true' ||
	    fail "RED body crossed to $n: $(shown $n "$red")"
done
exit 0

#!/bin/sh
# Communities end to end with real kyojod processes: a coordinator's
# roster admits two members (their links come up only once they are on
# it), their reports count as two organizations toward k, and a new
# roster version without one member cuts its link and stops its report
# from counting.  An anonymous report from one member reaches the other
# signed by the coordinator, with no trace of the member who sent it.
. tests/sh/lib.sh

node_init c 1
node_init m1 2
node_init m2 3
mkdir "$ROOT/allow"
: > "$ROOT/allow/none.txt"
sed -i "s|^allowlist_dir .*|allowlist_dir \"$ROOT/allow\"|" "$ROOT/c/kyojod.conf"
for m in m1 m2; do
	"$KYOJO" peer add -d "$ROOT/$m" "$ROOT/c.card" --trust coordinator \
	    >/dev/null || fail "peer add $m"
done
node_start c
node_start m1
node_start m2

# links_up NODE: how many of its links are up.
links_up() {
	"$KYOJO" status -d "$ROOT/$1" --json | grep -o '"state":[[:space:]]*"up"' |
	    wc -l
}
up_is() { [ "$(links_up "$1")" -eq "$2" ]; }

sleep 1
up_is c 0 || fail "c linked to members before any roster"
"$KYOJO" roster add -d "$ROOT/c" --community kanto "$ROOT/m1.card" \
    --name "山田製作所" >/dev/null || fail "roster add m1"
"$KYOJO" roster add -d "$ROOT/c" --community kanto "$ROOT/m2.card" \
    --name "鈴木商店" >/dev/null || fail "roster add m2"
wait_until 30 up_is c 2 || fail "members not linked after the roster: $(links_up c)"
"$KYOJO" roster list -d "$ROOT/c" | grep -q "kanto  version 2  2 members" ||
    fail "roster list: $("$KYOJO" roster list -d "$ROOT/c")"
# The members honour their coordinator's roster too.
wait_until 20 sh -c "'$KYOJO' roster list -d '$ROOT/m1' | grep -q 鈴木商店" ||
    fail "m1 does not hold the roster"

# Anonymous: m1 seals a report to c; m2 receives it from c alone.
anon=45.33.32.88
"$KYOJO" submit -d "$ROOT/m1" ipv4 $anon --category fraud:phishing \
    --note "seen at our mail gateway" --anonymous > "$ROOT/anon.out" ||
    fail "anonymous submit"
grep -q "sealed and sent to coordinator" "$ROOT/anon.out" ||
    fail "anonymous submit: $(cat "$ROOT/anon.out")"
# Scrubbed before it is sealed: an internal value never leaves m1.
"$KYOJO" submit -d "$ROOT/m1" ipv4 10.1.2.3 --anonymous 2>"$ROOT/err" &&
    fail "an internal address was sent anonymously"
grep -q "private address" "$ROOT/err" || fail "anonymous scrub: $(cat "$ROOT/err")"
found() { "$KYOJO" search -d "$ROOT/m2" $anon --json | grep -q '"id"'; }
wait_until 20 found || fail "the anonymous report did not reach m2"
# public.key: a version line, then the key in hex.
m1key=$(sed -n 2p "$ROOT/m1/public.key")
ckey=$(sed -n 2p "$ROOT/c/public.key")
[ ${#m1key} -eq 64 ] && [ ${#ckey} -eq 64 ] || fail "keys: '$m1key' '$ckey'"
"$KYOJO" search -d "$ROOT/m2" $anon --json > "$ROOT/anon.json"
for id in $(grep -o '"id":[[:space:]]*"[0-9a-f]*"' "$ROOT/anon.json" |
    grep -o '[0-9a-f]\{64\}'); do
	"$KYOJO" show -d "$ROOT/m2" "$id" --json > "$ROOT/anon.rec"
	grep -q "\"origin\":[[:space:]]*\"$ckey\"" "$ROOT/anon.rec" ||
	    fail "anonymous report not signed by the coordinator: $(cat "$ROOT/anon.rec")"
	grep -qi "$m1key\|山田" "$ROOT/anon.rec" &&
	    fail "anonymous report carries the member: $(cat "$ROOT/anon.rec")"
done
"$KYOJO" search -d "$ROOT/m1" $anon --json > "$ROOT/m1.json"
grep -q "$m1key" "$ROOT/m1.json" && fail "m1 signed its anonymous report"

v=45.33.32.77
"$KYOJO" submit -d "$ROOT/m1" ipv4 $v --category malicious-code:c2-server \
    >/dev/null || fail "submit m1"
"$KYOJO" submit -d "$ROOT/m2" ipv4 $v --category malicious-code:c2-server \
    >/dev/null || fail "submit m2"
explain() { "$KYOJO" export -d "$ROOT/c" --explain $v; }
wait_until 20 explain || fail "two members' reports not exported: $(explain)"

"$KYOJO" roster remove -d "$ROOT/c" --community kanto "$ROOT/m2.card" \
    >/dev/null || fail "roster remove m2"
wait_until 20 up_is c 1 || fail "revoked member still linked: $(links_up c)"
explain >/dev/null && fail "a revoked member's report still counts: $(explain)"
explain | grep -q "fewer than export_k" || fail "explain: $(explain)"
grep -q "no longer trusted, on a roster or listed; link closed" \
    "$ROOT/c/kyojod.log" || fail "no log line for the cut link"
exit 0

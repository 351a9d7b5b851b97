#!/bin/sh
# kyojo export end to end, against a real kyojod: the summary and the
# cursor on stderr, --explain naming the allowlist entry and the missing
# origins, --since after a retraction, the refusals, and a missing
# allowlist directory failing closed.  The node's allowlist_dir points
# at a list of this test's own, since the demo addresses are
# documentation ranges that the shipped list refuses.
. tests/sh/lib.sh

A="$ROOT/a"
node_init a 1
mkdir "$ROOT/allow"
printf '8.8.8.8\ndns.example\n' > "$ROOT/allow/test.txt"
sed -i "s|^allowlist_dir .*|allowlist_dir \"$ROOT/allow\"|;
    s|^#own_networks .*|own_networks \"192.0.2.0/28\"|" "$A/kyojod.conf"
node_start a

submit() {
	"$KYOJO" submit -d "$A" "$1" "$2" --category malicious-code:c2-server
}
submit ipv4 198.51.100.23 >/dev/null || fail "submit"
submit cidr4 198.51.96.0/20 >/dev/null || fail "submit"
submit domain login-bank.example >/dev/null || fail "submit"
submit ipv4 8.8.8.8 >/dev/null || fail "submit"
# Our own network is refused before anything is signed (scrub.h).
submit ipv4 192.0.2.5 2>"$ROOT/err" && fail "own network was signed"
grep -q "own network (192.0.2.0/28)" "$ROOT/err" || fail "own: $(cat "$ROOT/err")"
gone=$(submit ipv4 198.51.100.24) || fail "submit"

"$KYOJO" export -d "$A" --format nft --output "$ROOT/full.nft" \
    2>"$ROOT/err" || fail "export nft: $(cat "$ROOT/err")"
grep -q "exported 3; refused: other-type 1, allowlisted 1" "$ROOT/err" ||
    fail "summary: $(cat "$ROOT/err")"
cursor=$(sed -n 's/^cursor \([0-9]*\)$/\1/p' "$ROOT/err")
[ -n "$cursor" ] || fail "no cursor: $(cat "$ROOT/err")"
grep -q "198.51.96.0/20 timeout" "$ROOT/full.nft" || fail "nft: no /20"
grep -q "8.8.8.8\|192.0.2.5" "$ROOT/full.nft" && fail "nft: allowlisted value"
[ -e "$ROOT/full.nft.kyojo-tmp" ] && fail "temporary file left"

"$KYOJO" export -d "$A" --explain 8.8.8.8 > "$ROOT/explain" &&
    fail "--explain 8.8.8.8 should exit 1"
grep -q "not exported (allowlisted).*8.8.8.8/32 (.*test.txt:1)" \
    "$ROOT/explain" || fail "explain: $(cat "$ROOT/explain")"
"$KYOJO" export -d "$A" --explain 192.0.2.5 | grep -q "own_networks" ||
    fail "explain own_networks"	# a value nobody reported, explained
"$KYOJO" export -d "$A" --explain 198.51.100.23 | grep -q "exported" ||
    fail "explain 198.51.100.23"

"$KYOJO" retract -d "$A" "$gone" >/dev/null || fail "retract"
"$KYOJO" export -d "$A" --format json --since "$cursor" > "$ROOT/delta" \
    2>"$ROOT/err" || fail "delta: $(cat "$ROOT/err")"
grep -q '"op":"del","type":"ipv4","value":"198.51.100.24"' "$ROOT/delta" ||
    fail "delta: $(cat "$ROOT/delta")"
grep -q "0 added, 1 removed since cursor $cursor" "$ROOT/err" ||
    fail "delta summary: $(cat "$ROOT/err")"

"$KYOJO" export -d "$A" --format rpz --since "$cursor" 2>"$ROOT/err" &&
    fail "rpz --since should be refused"
grep -q "cannot express a removal" "$ROOT/err" || fail "rpz: $(cat "$ROOT/err")"
"$KYOJO" export -d "$A" --format json --since 1 2>"$ROOT/err" &&
    fail "a cursor older than the journal should be refused"
grep -q "take a full export" "$ROOT/err" || fail "old: $(cat "$ROOT/err")"
"$KYOJO" export -d "$A" --format nosuch 2>/dev/null && fail "unknown format"

# The real parser takes the file, where namespaces can be made.
if command -v nft >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	unshare -n nft -f "$ROOT/full.nft" || fail "nft -f refused the export"
fi

sed -i "s|^allowlist_dir .*|allowlist_dir \"$ROOT/none\"|" "$A/kyojod.conf"
"$KYOJO" export -d "$A" --format plain 2>"$ROOT/err" >/dev/null &&
    fail "an export without its allowlist should fail"
grep -q "allowlist_dir: no such directory" "$ROOT/err" ||
    fail "missing allowlist: $(cat "$ROOT/err")"
echo "export: all passed"

#!/bin/sh
# Scrubbing in the submit path of a real kyojod: internal values are
# refused with the reason and nothing is signed; notes are redacted before
# signing; --dry-run shows the text as it would be signed and signs nothing.
. tests/sh/lib.sh

node_init a 1
# A real node: documentation values are refused too.
sed -i 's/^accept_documentation .*/accept_documentation 0/;
    s/^#*own_domains .*/own_domains "yamada-seisakusho.jp"/' "$ROOT/a/kyojod.conf"
node_start a

refused() {	# TYPE VALUE REASON
	"$KYOJO" submit -d "$ROOT/a" "$1" "$2" 2>"$ROOT/err" &&
	    fail "$2 was signed"
	grep -qF "$3" "$ROOT/err" || fail "$2: $(cat "$ROOT/err")"
}
refused ipv4 192.168.1.5 "private address (RFC 1918)"
refused ipv4 127.0.0.1 "loopback"
refused cidr6 fd00::/8 "unique local"
refused domain fileserver.local ".local"
refused domain vpn.yamada-seisakusho.jp "own domain"
refused url "http://intranet/login" "single-label"
refused ipv4 192.0.2.7 "documentation"
[ "$(records a)" = 0 ] || fail "refused values were stored: $(records a)"

note="担当 鈴木 suzuki@yamada-seisakusho.jp / 携帯 090-1234-5678 / 社内 10.0.3.4"
"$KYOJO" submit -d "$ROOT/a" ipv4 45.33.32.156 --note "$note" --dry-run \
    > "$ROOT/dry" || fail "dry run"
grep -q "担当 鈴木 \[redacted:email\] / 携帯 \[redacted:phone\] / 社内 \[redacted:ip\]" \
    "$ROOT/dry" || fail "dry run text: $(cat "$ROOT/dry")"
grep -q "3 redactions" "$ROOT/dry" || fail "dry run list: $(cat "$ROOT/dry")"
grep -q "nothing was signed" "$ROOT/dry" || fail "dry run: $(cat "$ROOT/dry")"
[ "$(records a)" = 0 ] || fail "a dry run stored a record"

id=$("$KYOJO" submit -d "$ROOT/a" ipv4 45.33.32.156 --note "$note") ||
    fail "submit with a note"
"$KYOJO" show -d "$ROOT/a" "$id" --json > "$ROOT/rec"
grep -q "suzuki@\|090-1234\|10.0.3.4" "$ROOT/rec" &&
    fail "the signed note kept what scrubbing removes: $(cat "$ROOT/rec")"
grep -q "redacted:email" "$ROOT/rec" || fail "signed note: $(cat "$ROOT/rec")"
exit 0

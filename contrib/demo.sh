#!/bin/sh
# make demo: a small region on loopback, in a temporary directory.
#
# One coordinator and three SMEs, each a real kyojod, linked in a ring.
# An SME submits the demo indicators; they arrive everywhere; one SME goes
# offline, misses new reports, comes back and catches up; a firewall
# export shows what two members reported; scrubbing refuses internal
# values; the coordinator shares a Japanese playbook that another SME
# finds by searching; a roster makes the region a community and one SME
# reports anonymously through the coordinator; then everything stops and
# the directory is removed.
set -u
BUILD=${KYOJO_BUILD:-build}
KYOJO="$BUILD/kyojo"
KYOJOD="$BUILD/kyojod"
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/kyojo-demo.XXXXXX")
PORT=$((17400 + $$ % 500))
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

start() {	# NAME
	"$KYOJOD" -d "$ROOT/$1" 2>>"$ROOT/$1.log" &
	echo $! > "$ROOT/$1.pid"
	PIDS="$PIDS $!"
	i=0
	while [ ! -S "$ROOT/$1/control.sock" ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

stop() {	# NAME
	kill "$(cat "$ROOT/$1.pid")" 2>/dev/null
	wait "$(cat "$ROOT/$1.pid")" 2>/dev/null
}

indicators() {	# NAME: indicator records held
	"$KYOJO" stats -d "$ROOT/$1" --json |
	    sed -n 's/.*"indicator":[[:space:]]*\([0-9]*\).*/\1/p'
}

wait_until() {	# SECONDS COMMAND...: polls every 0.1 s
	_n=$(($1 * 10)); shift
	until "$@"; do
		[ $_n -le 0 ] && return 1
		_n=$((_n - 1)); sleep 0.1
	done
}

wait_count() {	# NAME COUNT
	i=0
	while [ "$(indicators "$1")" -lt "$2" ] && [ $i -lt 200 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(indicators "$1")" -ge "$2" ]
}

# The demo data uses documentation addresses (RFC 5737, RFC 3849) and
# example domains, which the shipped allowlist never exports.  The demo
# nodes get the same lists without those entries, so the export step has
# something to show.
mkdir -p "$ROOT/allowlist"
for f in seeds/allowlist/*.txt; do
	grep -v -E '^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8::|example|test|invalid)' \
	    "$f" > "$ROOT/allowlist/$(basename "$f")"
done

NODES="coordinator yamada suzuki tanaka"
say "Four nodes on 127.0.0.1: a regional coordinator and three SMEs"
n=0
for node in $NODES; do
	case $node in
	coordinator) name="関東地域セキュリティ連絡会"; sector=csirt ;;
	yamada) name="山田製作所"; sector=fsirt ;;
	suzuki) name="鈴木商店"; sector=csirt ;;
	tanaka) name="田中ソフト"; sector=psirt ;;
	esac
	"$KYOJO" init -d "$ROOT/$node" --name "$name" --region kanto \
	    --sector $sector --listen "tcp://127.0.0.1:$((PORT + n))" >/dev/null ||
	    die "init $node"
	# The demo's indicators are documentation addresses (RFC 5737),
	# which a real node refuses to sign and to export.
	sed -i "s|^allowlist_dir.*|allowlist_dir \"$ROOT/allowlist\"|;
	    s|^accept_documentation .*|accept_documentation 1|" \
	    "$ROOT/$node/kyojod.conf"
	"$KYOJO" card -d "$ROOT/$node" > "$ROOT/$node.card"
	printf '  %-12s %-28s %s\n' "$node" "$name" \
	    "$(sed -n 's/^# fingerprint: *//p' "$ROOT/$node.card")"
	n=$((n + 1))
done

say "Pairing neighbours in a ring (each side checks the other's fingerprint)"
set -- $NODES
prev=$4
for node in $NODES; do
	"$KYOJO" peer add -d "$ROOT/$node" "$ROOT/$prev.card" >/dev/null || die "pair"
	"$KYOJO" peer add -d "$ROOT/$prev" "$ROOT/$node.card" >/dev/null || die "pair"
	echo "  $prev <-> $node"
	prev=$node
done

say "Starting four kyojod processes"
for node in $NODES; do start "$node"; done
sleep 1
"$KYOJO" peer list -d "$ROOT/coordinator" || die "peer list"

say "yamada reports what it saw (seeds/demo/indicators.tsv), as typed by people"
total=0
while IFS='	' read -r type value category confidence note; do
	case $type in ''|'#'*) continue ;; esac
	id=$("$KYOJO" submit -d "$ROOT/yamada" "$type" "$value" \
	    --category "$category" --confidence "$confidence" --note "$note") ||
	    die "submit $value"
	stored=$("$KYOJO" show -d "$ROOT/yamada" "$id" --json |
	    sed -n 's/^[[:space:]]*"value":[[:space:]]*"\(.*\)",*$/\1/p')
	printf '  %-7s %-44s -> %s\n' "$type" "$value" "$stored"
	total=$((total + 1))
done < seeds/demo/indicators.tsv

say "Each record travels the ring: signed by yamada, checked at every hop"
for node in $NODES; do
	wait_count "$node" "$total" || die "$node did not receive everything"
	printf '  %-12s holds %s indicators\n' "$node" "$(indicators "$node")"
done
echo "  tanaka searching 例え.テスト finds:"
"$KYOJO" search -d "$ROOT/tanaka" '例え.テスト' | sed 's/^/    /'

say "tanaka goes offline; yamada and suzuki keep reporting"
stop tanaka
"$KYOJO" submit -d "$ROOT/yamada" ipv4 192.0.2.200 --category \
    intrusion-attempts:brute-force --note "RDP への総当たり（夜間）" >/dev/null
"$KYOJO" submit -d "$ROOT/suzuki" domain 'ＰＡＹ-ＣＨＥＣＫ.example' --category \
    fraud:phishing --note "決済確認を装うSMS" >/dev/null
"$KYOJO" submit -d "$ROOT/suzuki" url 'https://pay-check.example/login?id=1' \
    --category fraud:phishing >/dev/null
total=$((total + 3))
wait_count coordinator "$total" || die "coordinator missed records"
printf '  coordinator holds %s, tanaka (offline) holds %s\n' \
    "$(indicators coordinator)" "$(indicators tanaka)"

say "tanaka restarts and catches up exactly"
start tanaka
wait_count tanaka "$total" || die "tanaka did not catch up"
printf '  tanaka holds %s indicators\n' "$(indicators tanaka)"
"$KYOJO" fsck -d "$ROOT/tanaka" | sed 's/^/  /'

say "suzuki saw three of them too (a sighting: \"we saw it too\")"
for v in "ipv4 203.0.113.45" "cidr4 198.51.100.0/24" "domain login-bank.example"; do
	"$KYOJO" sight -d "$ROOT/suzuki" $v >/dev/null || die "sight $v"
	echo "  $v"
done
sleep 1

say "What tanaka's firewall receives: only what two members reported (export_k 2)"
"$KYOJO" export -d "$ROOT/tanaka" --format nft 2>"$ROOT/export.err" | sed 's/^/  /'
sed 's/^/  /' "$ROOT/export.err"
echo "  and why the others are held back:"
"$KYOJO" export -d "$ROOT/tanaka" --explain 2001:db8::8:800:200c:417a | sed 's/^/    /'
"$KYOJO" export -d "$ROOT/tanaka" --explain 8.8.8.8 2>&1 | sed 's/^/    /'

say "Nothing internal leaves: scrubbed before anything is signed"
"$KYOJO" submit -d "$ROOT/yamada" ipv4 192.168.10.5 2>&1 | sed 's/^/  /'
"$KYOJO" submit -d "$ROOT/yamada" domain fileserver.local 2>&1 | sed 's/^/  /'
echo "  a note, as it would be signed (--dry-run signs nothing):"
"$KYOJO" submit -d "$ROOT/yamada" ipv4 203.0.113.46 --dry-run \
    --note "担当 山田 yamada@yamada-seisakusho.jp 携帯 090-1234-5678" |
    sed -n '2p;4,6p' | sed 's/^/    /'

say "Know-how: the coordinator shares a playbook; tanaka searches it in Japanese"
"$KYOJO" article add -d "$ROOT/coordinator" \
    seeds/articles/ransomware-first-response.ja.md >/dev/null ||
    die "article add"
found() { "$KYOJO" article search -d "$ROOT/tanaka" 初動 >"$ROOT/found" 2>&1; }
wait_until 20 found || die "tanaka cannot find the article"
sed 's/^/  /' "$ROOT/found" | head -6

say "A community: the coordinator's roster admits the members"
for node in yamada suzuki tanaka; do
	"$KYOJO" roster add -d "$ROOT/coordinator" --community kanto \
	    "$ROOT/$node.card" --name "$node" >/dev/null || die "roster add"
	"$KYOJO" peer add -d "$ROOT/$node" "$ROOT/coordinator.card" \
	    --trust coordinator >/dev/null || die "trust coordinator"
done
on_roster() { "$KYOJO" roster list -d "$ROOT/yamada" | grep -q "3 members"; }
wait_until 20 on_roster || die "yamada does not hold the roster"
"$KYOJO" roster list -d "$ROOT/yamada" | sed 's/^/  /'

say "yamada reports anonymously: the coordinator republishes under its own key"
"$KYOJO" submit -d "$ROOT/yamada" ipv4 203.0.113.99 --anonymous \
    --category malicious-code:c2-server | sed 's/^/  /' || die "anonymous"
anon() { "$KYOJO" search -d "$ROOT/tanaka" 203.0.113.99 >"$ROOT/anon" 2>&1; }
wait_until 20 anon || die "the anonymous report did not reach tanaka"
echo "  tanaka holds it, signed by the coordinator (not by yamada):"
sed 's/^/    /' "$ROOT/anon"

say "Stopping the region"
for node in $NODES; do stop "$node"; done
PIDS=""
echo "  done; $ROOT removed"

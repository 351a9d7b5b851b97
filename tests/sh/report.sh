#!/bin/sh
# A coordinator's views end to end: three members (real kyojod processes
# on loopback, on the coordinator's roster) report the same indicators;
# the coordinator's `kyojo view` counts them as three members, its
# health view sees the three nodes linked, and `kyojo report --html`
# writes a page that Debian's chromium loads headless with no console
# error (no CSP violation, nothing fetched) and renders with its charts.
# The screenshots are kept in $BUILD/artifacts/.  Without chromium the
# browser part is skipped, loudly.
. tests/sh/lib.sh

ART="$BUILD/artifacts"
mkdir -p "$ART" || fail "mkdir $ART"

node_init c 1
node_init m1 2
node_init m2 3
node_init m3 4
sed -i 's|^region .*||; s|^view_k .*|view_k 3|' "$ROOT/c/kyojod.conf"
echo 'region "関東"' >> "$ROOT/c/kyojod.conf"
# The live dashboard: staff may read it, a firewall's token may not.
HPORT=$((PORT_BASE + 60))
TOK_STAFF="sT4fF7kQ2wE9rT5yU8iO1aZ3"
TOK_FW="fW2cV5bN8mQ1wE4rT7yU0iP6"
printf 'listen 127.0.0.1:%s\nconsumer staff %s report\nconsumer fw %s\n' \
    "$HPORT" "$TOK_STAFF" "$TOK_FW" > "$ROOT/c/http.conf"
chmod 600 "$ROOT/c/http.conf"
# The listener loads the export policy: the shipped allowlist.
sed -i "s|^allowlist_dir .*|allowlist_dir \"$PWD/seeds/allowlist\"|" \
    "$ROOT/c/kyojod.conf"
for m in m1 m2 m3; do
	"$KYOJO" peer add -d "$ROOT/$m" "$ROOT/c.card" --trust coordinator \
	    >/dev/null || fail "peer add $m"
done
node_start c
node_start m1
node_start m2
node_start m3
n=0
for m in m1 m2 m3; do
	n=$((n + 1))
	"$KYOJO" roster add -d "$ROOT/c" --community kanto "$ROOT/$m.card" \
	    --name "会員$n" >/dev/null || fail "roster add $m"
done

links_up() {
	"$KYOJO" status -d "$ROOT/$1" --json | grep -o '"state":[[:space:]]*"up"' |
	    wc -l
}
up_is() { [ "$(links_up "$1")" -eq "$2" ]; }
wait_until 30 up_is c 3 || fail "members not linked: $(links_up c)"

url='http://evil.example/<script>alert(1)</script>'
for m in m1 m2 m3; do
	"$KYOJO" submit -d "$ROOT/$m" ipv4 203.0.113.77 \
	    --category fraud:phishing --sector csirt >/dev/null ||
	    fail "submit $m"
	"$KYOJO" submit -d "$ROOT/$m" url "$url" --category fraud:phishing \
	    --sector fsirt >/dev/null || fail "submit url $m"
done
"$KYOJO" submit -d "$ROOT/m1" domain lonely.example \
    --category fraud:phishing --sector csirt >/dev/null ||
    fail "submit lonely"
wait_until 30 has c 7 || fail "coordinator holds $(records c) indicators"

# Three keys, three members: listed at k 3, not at the default k 5.
top=$("$KYOJO" view top -d "$ROOT/c" --k 3 --json) || fail "view top"
echo "$top" | grep -q '"value":[[:space:]]*"203.0.113.77"' ||
    fail "view top: $top"
echo "$top" | grep -q '"reporters":[[:space:]]*3' || fail "view top: $top"
echo "$top" | grep -q 'lonely.example' && fail "one member's report listed"
"$KYOJO" view top -d "$ROOT/c" --k 5 --json | grep -q '203.0.113.77' &&
    fail "listed below k 5"
# Without --k, the configured view_k (3 here) holds.
"$KYOJO" view top -d "$ROOT/c" --json | grep -q '203.0.113.77' ||
    fail "view_k 3 from kyojod.conf not used"
"$KYOJO" view top -d "$ROOT/c" --k 2 >/dev/null 2>&1 && fail "k 2 accepted"
"$KYOJO" view overview -d "$ROOT/c" --k 3 | grep -q '^fraud ' ||
    fail "view overview: $("$KYOJO" view overview -d "$ROOT/c" --k 3)"
"$KYOJO" view new -d "$ROOT/c" --k 3 --community kanto | grep -q 203.0.113.77 ||
    fail "view new"
health=$("$KYOJO" view health -d "$ROOT/c") || fail "view health"
[ "$(echo "$health" | grep -c '^linked ')" -eq 3 ] || fail "health: $health"
"$KYOJO" view health -d "$ROOT/m1" >/dev/null 2>&1 &&
    fail "a member may not see members' health"

# Publishing a view as a record, then merging the published views.
command -v curl >/dev/null || fail "curl is not installed (make deps)"
curl -s -D "$ROOT/dash.hdr" -u "staff:$TOK_STAFF" \
    "http://127.0.0.1:$HPORT/report.html?lang=ja" > "$ROOT/dash.html" ||
    fail "GET /report.html"
grep -q "^HTTP/1.1 200" "$ROOT/dash.hdr" || fail "report: $(head -1 "$ROOT/dash.hdr")"
grep -qi "^Content-Security-Policy: default-src 'none'" "$ROOT/dash.hdr" ||
    fail "report: no CSP: $(cat "$ROOT/dash.hdr")"
grep -q '地域セキュリティ状況レポート — 関東' "$ROOT/dash.html" ||
    fail "live report: no Japanese title"
grep -q '203.0.113.77' "$ROOT/dash.html" || fail "live report: no top indicator"
grep -q 'lonely.example' "$ROOT/dash.html" && fail "live report: one member listed"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "fw:$TOK_FW" \
    "http://127.0.0.1:$HPORT/report.html") || fail "curl fw"
[ "$code" = 403 ] || fail "a consumer without report got $code"

out=$("$KYOJO" view top -d "$ROOT/c" --k 3 --publish 2>&1) ||
    fail "publish: $out"
wait_until 10 sh -c "'$KYOJO' view top -d '$ROOT/c' --merge --json |
    grep -q 203.0.113.77" || fail "merge of the published view"
# The members hold the coordinator's view record too.
wait_until 20 sh -c "'$KYOJO' view top -d '$ROOT/m1' --merge |
    grep -q 203.0.113.77" || fail "member cannot merge the view"

"$KYOJO" report -d "$ROOT/c" --html "$ART/report.html" --lang ja --k 3 \
    --health || fail "report --html"
"$KYOJO" report -d "$ROOT/c" --html "$ART/report-en.html" --lang en --k 3 ||
    fail "report --html --lang en"
grep -q '<script' "$ART/report.html" && fail "markup from a value in the page"
grep -q '&lt;script&gt;' "$ART/report.html" || fail "the URL is not on the page"
grep -q '地域セキュリティ状況レポート — 関東' "$ART/report.html" ||
    fail "no Japanese title"

browser=""
for b in chromium chromium-browser; do
	command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
	echo "report: SKIPPED the browser check: chromium is not installed (tests/deps.sh installs it as root)" >&2
	exit 0
fi
# shoot LANG: a screenshot, the DOM and chromium's log of the page.
shoot() {
	_html="$ART/$1.html"
	_home="$ROOT/chromium-$1"
	mkdir -p "$_home"
	HOME="$_home" timeout 60 "$browser" --headless --no-sandbox --disable-gpu \
	    --no-first-run --user-data-dir="$_home" --enable-logging=stderr \
	    --v=0 --hide-scrollbars --window-size=1200,2000 \
	    --screenshot="$ART/$1.png" "file://$(realpath "$_html")" \
	    >"$ROOT/$1.shot.log" 2>&1
	_rc=$?
	HOME="$_home" timeout 60 "$browser" --headless --no-sandbox --disable-gpu \
	    --no-first-run --user-data-dir="$_home" --enable-logging=stderr \
	    --v=0 --dump-dom "file://$(realpath "$_html")" \
	    >"$ROOT/$1.dom" 2>"$ROOT/$1.dom.log"
	return $_rc
}
if ! shoot report; then
	if [ ! -s "$ART/report.png" ]; then
		echo "report: SKIPPED the browser check: $browser cannot run here:" >&2
		tail -5 "$ROOT/report.shot.log" >&2
		exit 0
	fi
fi
shoot report-en || fail "chromium on the English page"
for p in report report-en; do
	[ -s "$ART/$p.png" ] || fail "no screenshot $p.png"
	# A PNG of the page, with room for the charts.
	head -c 8 "$ART/$p.png" | od -An -c | grep -q 'P   N   G' ||
	    fail "$p.png is not a PNG"
	[ "$(wc -c < "$ART/$p.png")" -gt 20000 ] || fail "$p.png is nearly empty"
	# Console messages, CSP refusals and failed loads are logged as
	# CONSOLE lines or errors about the page.
	if grep -E 'CONSOLE|Refused to|Uncaught|ERR_FILE_NOT_FOUND|net::ERR' \
	    "$ROOT/$p.shot.log" "$ROOT/$p.dom.log"; then
		fail "console errors on $p.html"
	fi
	grep -q 'id="trend-chart"' "$ROOT/$p.dom" || fail "$p: no trend chart in the DOM"
	grep -q 'id="sector-chart"' "$ROOT/$p.dom" || fail "$p: no sector chart in the DOM"
	grep -q '<polyline' "$ROOT/$p.dom" || fail "$p: no trend line"
	grep -q '203.0.113.77' "$ROOT/$p.dom" || fail "$p: no top indicator"
done
grep -q 'id="health"' "$ROOT/report.dom" || fail "no health section"
echo "report: screenshots in $ART/report.png and $ART/report-en.png" >&2
exit 0

#!/bin/sh
# The HTTP pull listener of a real kyojod, fetched with curl: basic and
# X-Api-Key authentication, the plain lists, ETag and 304, gzip, the max
# cap and its header, the CrowdSec decisions stream with a retraction
# (startup answers name removals too), a capped stream, a reload of
# http.conf and the allowlist by SIGHUP, `kyojod -n`, and a restart.  Addresses are public-looking ones outside every
# special-use range, so the export policy's allowlist lets them through.
. tests/sh/lib.sh

command -v curl >/dev/null || fail "curl is not installed (make deps)"
HPORT=$((PORT_BASE + 60))
URL="http://127.0.0.1:$HPORT"
TOK_PA="pA7tQ2vX9kL3mZ8wR4yN6bJ1"
TOK_ALL="aL5sD8fG2hJ4kL6zX9cV1bN3"
TOK_CS="cS3xK9pQ7wE2rT5yU8iO1aZ4"
TOK_CSM="mX2cV5bN8mQ1wE4rT7yU0iP3"
TOK_LATE="lT6yH9jK2lZ5xC8vB1nM4qW7"

node_init h 1
# The shipped allowlist, from the source tree.
sed -i "s|^allowlist_dir .*|allowlist_dir \"$PWD/seeds/allowlist\"|" \
    "$ROOT/h/kyojod.conf"
cat > "$ROOT/h/http.conf" <<EOF
# pull endpoints of the test node
listen 127.0.0.1:$HPORT
consumer pa $TOK_PA max=3 tlp=AMBER
consumer all $TOK_ALL
consumer cs $TOK_CS crowdsec
consumer csm $TOK_CSM crowdsec max=3
EOF

echo "http: an http.conf that others may read is refused"
chmod 644 "$ROOT/h/http.conf"
"$KYOJOD" -d "$ROOT/h" > "$ROOT/refused.log" 2>&1 && fail "kyojod started"
grep -q "http.conf:0: readable or writable by others" "$ROOT/refused.log" ||
    fail "no reason given: $(cat "$ROOT/refused.log")"
chmod 600 "$ROOT/h/http.conf"

echo "http: kyojod -n checks http.conf"
"$KYOJOD" -n -d "$ROOT/h" > "$ROOT/n.out" 2>&1 || fail "-n: $(cat "$ROOT/n.out")"
grep -qx "configuration OK" "$ROOT/n.out" || fail "-n: $(cat "$ROOT/n.out")"
cp "$ROOT/h/http.conf" "$ROOT/http.conf.good"
echo "consumer bad short max=0" >> "$ROOT/h/http.conf"
"$KYOJOD" -n -d "$ROOT/h" > "$ROOT/n.out" 2>&1 && fail "-n passed a bad http.conf"
grep -q "http.conf:7: token shorter" "$ROOT/n.out" || fail "-n gave no line: $(cat "$ROOT/n.out")"
grep -q "configuration OK" "$ROOT/n.out" && fail "-n said OK"
cp "$ROOT/http.conf.good" "$ROOT/h/http.conf"
node_start h
grep -q "http: listening on 127.0.0.1:$HPORT" "$ROOT/h/kyojod.log" ||
    fail "the listener did not start"

submit() {	# TYPE VALUE CONFIDENCE: prints the record id
	"$KYOJO" submit -d "$ROOT/h" "$1" "$2" --confidence "$3" \
	    --category intrusion-attempts:brute-force || fail "submit $2"
}
id60=$(submit ipv4 44.31.16.60 60)
submit ipv4 44.31.16.70 70 >/dev/null
submit ipv4 44.31.16.80 80 >/dev/null
submit ipv4 44.31.16.90 90 >/dev/null
submit cidr4 44.31.32.0/20 95 >/dev/null
submit ipv6 2a0e:97c0:38f::1 75 >/dev/null
submit domain c2.badguys-kyojo.xyz 85 >/dev/null
submit url "http://c2.badguys-kyojo.xyz/gate.php" 85 >/dev/null

get() {	# curl with a time limit and errors shown
	curl -sS --max-time 20 "$@"
}
code() {	# HTTP status of a request
	get -o /dev/null -w '%{http_code}' "$@"
}

echo "http: 401 without credentials, with a wrong token, with a wrong key"
[ "$(code "$URL/lists/ipv4.txt")" = 401 ] || fail "no credentials: not 401"
get -D - -o /dev/null "$URL/lists/ipv4.txt" | grep -qi '^WWW-Authenticate: Basic' ||
    fail "401 without WWW-Authenticate"
[ "$(code -u "all:${TOK_PA}" "$URL/lists/ipv4.txt")" = 401 ] ||
    fail "another consumer's token was accepted"
[ "$(code -H "X-Api-Key: wrong-key-wrong-key-wrong" "$URL/lists/ipv4.txt")" = 401 ] ||
    fail "a wrong X-Api-Key was accepted"
grep -q "wrong token for consumer 'all'" "$ROOT/h/kyojod.log" ||
    fail "the failure was not logged by consumer name"

echo "http: the plain lists with basic auth"
get -u "all:$TOK_ALL" "$URL/lists/ipv4.txt" > "$ROOT/v4.txt" || fail "GET ipv4"
for v in 44.31.16.60 44.31.16.70 44.31.16.80 44.31.16.90 44.31.32.0/20; do
	grep -qx "$v" "$ROOT/v4.txt" || fail "$v missing from ipv4.txt"
done
[ "$(wc -l < "$ROOT/v4.txt")" -eq 5 ] || fail "ipv4.txt: $(cat "$ROOT/v4.txt")"
get -u "all:$TOK_ALL" "$URL/lists/ipv6.txt" | grep -qx '2a0e:97c0:38f::1' ||
    fail "ipv6.txt"
get -u "all:$TOK_ALL" "$URL/lists/domains.txt" | grep -qx 'c2.badguys-kyojo.xyz' ||
    fail "domains.txt"
get -u "all:$TOK_ALL" "$URL/lists/urls.txt" |
    grep -qx 'http://c2.badguys-kyojo.xyz/gate.php' || fail "urls.txt"
get -u "all:$TOK_ALL" "$URL/export/csv" | grep -q '^add,cidr4,44.31.32.0/20,' ||
    fail "/export/csv"
[ "$(code -u "all:$TOK_ALL" "$URL/export/nosuch")" = 404 ] || fail "no 404"

echo "http: ETag, and 304 on a matching If-None-Match"
etag=$(get -D - -o /dev/null -u "all:$TOK_ALL" "$URL/lists/ipv4.txt" |
    sed -n 's/^ETag: *\([^[:space:]]*\).*/\1/Ip')
[ -n "$etag" ] || fail "no ETag"
get -D "$ROOT/h304" -o "$ROOT/b304" -H "If-None-Match: $etag" \
    -u "all:$TOK_ALL" "$URL/lists/ipv4.txt" || fail "conditional GET"
head -1 "$ROOT/h304" | grep -q ' 304' || fail "not 304: $(head -1 "$ROOT/h304")"
[ ! -s "$ROOT/b304" ] || fail "304 with a body"
[ "$(code -H "If-None-Match: \"other\"" -u "all:$TOK_ALL" "$URL/lists/ipv4.txt")" = 200 ] ||
    fail "a different ETag did not give 200"

echo "http: gzip"
get -D "$ROOT/hgz" --compressed -u "all:$TOK_ALL" "$URL/lists/ipv4.txt" > "$ROOT/v4gz.txt" ||
    fail "GET with gzip"
grep -qi '^Content-Encoding: gzip' "$ROOT/hgz" || fail "not gzip-encoded"
cmp -s "$ROOT/v4.txt" "$ROOT/v4gz.txt" || fail "gzip body differs"
get -H 'Accept-Encoding: gzip' -u "all:$TOK_ALL" "$URL/lists/ipv4.txt" |
    gunzip | cmp -s - "$ROOT/v4.txt" || fail "raw gzip stream does not gunzip"

echo "http: max=3 keeps the highest confidence and says how many were left out"
get -D "$ROOT/hcap" -u "pa:$TOK_PA" "$URL/lists/ipv4.txt" > "$ROOT/cap.txt" || fail "capped GET"
sort "$ROOT/cap.txt" > "$ROOT/cap.sorted"
printf '44.31.16.80\n44.31.16.90\n44.31.32.0/20\n' | cmp -s - "$ROOT/cap.sorted" ||
    fail "capped list: $(cat "$ROOT/cap.txt")"
grep -qi '^X-Kyojo-Truncated: 2' "$ROOT/hcap" || fail "no X-Kyojo-Truncated: 2"
grep -q "pa: /lists/ipv4.txt: 3 entries sent, 2 left out by max=3" "$ROOT/h/kyojod.log" ||
    fail "truncation not logged"

echo "http: CrowdSec stream: startup, then a retraction in deleted"
[ "$(code -u "all:$TOK_ALL" "$URL/v1/decisions/stream?startup=true")" = 403 ] ||
    fail "a consumer not marked crowdsec got the stream"
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream?startup=true" > "$ROOT/cs1.json" ||
    fail "startup pull"
grep -q '"new":\[{' "$ROOT/cs1.json" || fail "startup: no new decisions"
grep -q '"scope":"Range","type":"ban","value":"44.31.32.0/20"' "$ROOT/cs1.json" ||
    fail "startup: the /20 is not a Range"
grep -q '"origin":"kyojo","scenario":"kyojo/intrusion-attempts:brute-force","scope":"Ip","type":"ban","value":"44.31.16.60"' \
    "$ROOT/cs1.json" || fail "startup: 44.31.16.60 missing: $(cat "$ROOT/cs1.json")"
grep -q '"duration":"[0-9]*h[0-9]*m[0-9]*s"' "$ROOT/cs1.json" || fail "duration format"
grep -q 'c2.badguys' "$ROOT/cs1.json" && fail "a domain in the CrowdSec stream"
[ "$(get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream?startup=false")" = \
    '{"new":[],"deleted":[]}' ] || fail "second pull is not empty"
"$KYOJO" retract -d "$ROOT/h" "$id60" >/dev/null || fail "retract"
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream?startup=false" > "$ROOT/cs2.json" ||
    fail "delta pull"
grep -q '"new":\[\],"deleted":\[{.*"value":"44.31.16.60"}\]' "$ROOT/cs2.json" ||
    fail "the retraction is not in deleted: $(cat "$ROOT/cs2.json")"

# new_has FILE VALUE, del_has FILE VALUE: VALUE is in "new" / "deleted".
new_has() { sed 's/,"deleted".*//' "$1" | grep -q "\"value\":\"$2\""; }
del_has() { sed 's/.*"deleted"//' "$1" | grep -q "\"value\":\"$2\""; }

echo "http: CrowdSec stream: startup=true names recent removals in deleted"
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream?startup=true" > "$ROOT/cs2s.json" ||
    fail "startup pull"
new_has "$ROOT/cs2s.json" 44.31.16.60 && fail "startup: a retracted value in new"
sed 's/.*"deleted"//' "$ROOT/cs2s.json" | grep -q '"duration":"0s".*"value":"44.31.16.60"' ||
    fail "startup: the retraction is not in deleted: $(cat "$ROOT/cs2s.json")"
del_has "$ROOT/cs2s.json" 44.31.16.90 && fail "startup: a current decision in deleted"
get -u "all:$TOK_ALL" "$URL/lists/ipv4.txt" | grep -qx 44.31.16.60 &&
    fail "a retracted value is still listed"
id175=$(submit ipv4 44.31.17.5 90)
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream" > "$ROOT/cs3.json" || fail "pull"
grep -q '"new":\[{.*"value":"44.31.17.5"}\],"deleted":\[\]' "$ROOT/cs3.json" ||
    fail "a new decision is not in new: $(cat "$ROOT/cs3.json")"
"$KYOJO" retract -d "$ROOT/h" "$id175" >/dev/null || fail "retract"
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream" > "$ROOT/cs3b.json" || fail "pull"
grep -q '"new":\[\],"deleted":\[{.*"value":"44.31.17.5"}\]' "$ROOT/cs3b.json" ||
    fail "a value added by a delta was not removed: $(cat "$ROOT/cs3b.json")"

pull_csm() {	# FILE [QUERY]: a pull of the capped bouncer, headers in FILE.h
	get -D "$1.h" -H "X-Api-Key: $TOK_CSM" "$URL/v1/decisions/stream$2" > "$1" ||
	    fail "csm pull"
}

echo "http: max= caps CrowdSec deltas at the cut-off of a full answer"
# Live: the /20 (95), .90, the IPv6 address (75), .80, .70; max=3 keeps
# 95, 90 and 80.
pull_csm "$ROOT/m1.json" "?startup=true"
for v in 44.31.32.0/20 44.31.16.90 44.31.16.80; do
	new_has "$ROOT/m1.json" "$v" || fail "capped startup: $v missing: $(cat "$ROOT/m1.json")"
done
for v in 44.31.16.70 2a0e:97c0:38f::1; do
	new_has "$ROOT/m1.json" "$v" && fail "capped startup: $v sent"
done
grep -qi '^X-Kyojo-Truncated: 2' "$ROOT/m1.json.h" || fail "capped startup: no X-Kyojo-Truncated: 2"
id1720=$(submit ipv4 44.31.17.20 85)
pull_csm "$ROOT/m2.json"
new_has "$ROOT/m2.json" 44.31.17.20 || fail "capped delta: the 85 is not new: $(cat "$ROOT/m2.json")"
del_has "$ROOT/m2.json" 44.31.16.80 ||
    fail "capped delta: the 80 that fell out is not deleted: $(cat "$ROOT/m2.json")"
grep -qi '^X-Kyojo-Truncated: 3' "$ROOT/m2.json.h" || fail "capped delta: no X-Kyojo-Truncated: 3"
grep -q "csm: decisions stream: .* left out by max=3 (kept confidence 85 and above)" \
    "$ROOT/h/kyojod.log" || fail "capped delta: truncation not logged"
submit ipv4 44.31.17.30 50 >/dev/null
pull_csm "$ROOT/m3.json"
new_has "$ROOT/m3.json" 44.31.17.30 && fail "capped delta: a value below the cut-off was added"
"$KYOJO" retract -d "$ROOT/h" "$id1720" >/dev/null || fail "retract"
pull_csm "$ROOT/m4.json"
del_has "$ROOT/m4.json" 44.31.17.20 || fail "capped delta: the retraction is not deleted"
new_has "$ROOT/m4.json" 44.31.16.80 ||
    fail "capped delta: the 80 back under the cap is not new: $(cat "$ROOT/m4.json")"

echo "http: SIGHUP reloads http.conf (consumers, tokens) and the export policy"
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream" > /dev/null || fail "pull"
sed -i "/^consumer pa /d" "$ROOT/h/http.conf"
echo "consumer late $TOK_LATE" >> "$ROOT/h/http.conf"
mkdir -p "$ROOT/h/allowlist.d"
echo "44.31.16.70	# ours after all" > "$ROOT/h/allowlist.d/local.txt"
kill -HUP "$(cat "$ROOT/h.pid")"
wait_until 10 grep -q "http: reload: 4 consumers" "$ROOT/h/kyojod.log" ||
    fail "no reload logged"
[ "$(code -u "late:$TOK_LATE" "$URL/lists/ipv4.txt")" = 200 ] || fail "a new consumer is refused"
[ "$(code -u "pa:$TOK_PA" "$URL/lists/ipv4.txt")" = 401 ] || fail "a removed consumer still gets in"
get -u "late:$TOK_LATE" "$URL/lists/ipv4.txt" | grep -qx 44.31.16.70 &&
    fail "a newly allowlisted value is still listed"
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream" > "$ROOT/cs5.json" || fail "pull"
grep -q '"new":\[\],"deleted":\[{.*"value":"44.31.16.70"}\]' "$ROOT/cs5.json" ||
    fail "the newly allowlisted value is not in deleted: $(cat "$ROOT/cs5.json")"
grep -q "cs: no earlier pull known" "$ROOT/h/kyojod.log" &&
    fail "the reload lost an unchanged consumer's position"
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream?startup=true" > "$ROOT/cs6.json" ||
    fail "startup pull"
del_has "$ROOT/cs6.json" 44.31.16.70 || fail "startup after the reload: not in deleted"
echo "consumer broken" >> "$ROOT/h/http.conf"
kill -HUP "$(cat "$ROOT/h.pid")"
wait_until 10 grep -q "http: reload: http.conf has errors" "$ROOT/h/kyojod.log" ||
    fail "a bad http.conf was not refused on reload"
[ "$(code -u "late:$TOK_LATE" "$URL/lists/ipv4.txt")" = 200 ] ||
    fail "a refused reload dropped the consumers in use"
sed -i '$d' "$ROOT/h/http.conf"

echo "http: after a restart, the first pull answers every current decision"
node_stop h
node_start h
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream" > "$ROOT/cs4.json" || fail "pull"
new_has "$ROOT/cs4.json" 44.31.16.90 || fail "not a full answer: $(cat "$ROOT/cs4.json")"
new_has "$ROOT/cs4.json" 44.31.16.60 && fail "retracted value in a full answer"
# The journal is on disk: a removal made before still reaches the bouncer.
del_has "$ROOT/cs4.json" 44.31.16.60 || fail "the removal is not in deleted after a restart"
grep -q "cs: no earlier pull known" "$ROOT/h/kyojod.log" || fail "not logged"

echo "http: no token ever reaches the log"
for t in "$TOK_PA" "$TOK_ALL" "$TOK_CS" "$TOK_CSM" "$TOK_LATE"; do
	grep -q "$t" "$ROOT/h/kyojod.log" && fail "a token is in the log"
done
echo "http: all passed"

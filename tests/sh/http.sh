#!/bin/sh
# The HTTP pull listener of a real kyojod, fetched with curl: basic and
# X-Api-Key authentication, the plain lists, ETag and 304, gzip, the max
# cap and its header, the CrowdSec decisions stream with a retraction,
# and a restart.  Addresses are public-looking ones outside every
# special-use range, so the export policy's allowlist lets them through.
. tests/sh/lib.sh

command -v curl >/dev/null || fail "curl is not installed (make deps)"
HPORT=$((PORT_BASE + 60))
URL="http://127.0.0.1:$HPORT"
TOK_PA="pA7tQ2vX9kL3mZ8wR4yN6bJ1"
TOK_ALL="aL5sD8fG2hJ4kL6zX9cV1bN3"
TOK_CS="cS3xK9pQ7wE2rT5yU8iO1aZ4"

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
EOF

echo "http: an http.conf that others may read is refused"
chmod 644 "$ROOT/h/http.conf"
"$KYOJOD" -d "$ROOT/h" > "$ROOT/refused.log" 2>&1 && fail "kyojod started"
grep -q "http.conf:0: readable or writable by others" "$ROOT/refused.log" ||
    fail "no reason given: $(cat "$ROOT/refused.log")"
chmod 600 "$ROOT/h/http.conf"
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

echo "http: after a restart, the first pull answers every current decision"
node_stop h
node_start h
get -H "X-Api-Key: $TOK_CS" "$URL/v1/decisions/stream" > "$ROOT/cs4.json" || fail "pull"
grep -q '"value":"44.31.16.90"' "$ROOT/cs4.json" || fail "not a full answer: $(cat "$ROOT/cs4.json")"
grep -q '"value":"44.31.16.60"' "$ROOT/cs4.json" && fail "retracted value in a full answer"
grep -q "cs: no earlier pull known" "$ROOT/h/kyojod.log" || fail "not logged"

echo "http: no token ever reaches the log"
for t in "$TOK_PA" "$TOK_ALL" "$TOK_CS"; do
	grep -q "$t" "$ROOT/h/kyojod.log" && fail "a token is in the log"
done
echo "http: all passed"

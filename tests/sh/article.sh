#!/bin/sh
# Know-how articles between two real kyojod processes: an article added
# at A is found at B after gossip (Japanese inside a sentence, English
# words), a new version replaces the old one, only the origin may replace
# or retract, retraction hides, history shows the chain, and indicators
# and articles point at each other through `kyojo show`.
. tests/sh/lib.sh

ids() {		# NODE QUERY...: the ids of the results, one a line
	_n=$1; shift
	"$KYOJO" article search -d "$ROOT/$_n" --json "$@" |
	    sed -n 's/^[[:space:]]*"id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p'
}

node_init a 1; node_init b 2
pair a b
node_start a; node_start b

cat > "$ROOT/v1.md" <<'EOF'
---
title: ランサムウェア感染時の初動対応
lang: ja
tags: [ransomware, 初動対応]
tlp: clear
date: 2026-11-27
---

# ランサムウェア感染時の初動対応

感染が疑われる端末はネットワークから切り離し、電源は切らずに担当者へ連絡します。
EOF

echo "article: a Japanese article added at A is found at B by a word inside a sentence"
"$KYOJO" article add -d "$ROOT/a" "$ROOT/v1.md" > "$ROOT/v1.id" 2> "$ROOT/v1.err" ||
    fail "article add: $(cat "$ROOT/v1.err")"
v1=$(cat "$ROOT/v1.id")
grep -q "ignoring the front matter key 'date'" "$ROOT/v1.err" ||
    fail "no warning about the unknown front matter key"
wait_until 15 "$KYOJO" article show -d "$ROOT/b" "$v1" || fail "the article did not reach b"
"$KYOJO" article search -d "$ROOT/b" 切り離し | grep -q '【切り離し】' ||
    fail "b: 切り離し not found inside the sentence"
"$KYOJO" article search -d "$ROOT/b" 初動 | grep -q 'ランサムウェア感染時の【初動】対応' ||
    fail "b: 初動 not found and marked"
[ "$(ids b 初動)" = "$v1" ] || fail "b: 初動 did not find exactly the article"
"$KYOJO" article show -d "$ROOT/b" "$(echo "$v1" | cut -c1-10)" |
    grep -q '電源は切らずに' || fail "b: article show by prefix lost the text"

echo "article: English words, folded and stemmed, with AND between them"
e1=$("$KYOJO" article add -d "$ROOT/a" seeds/articles/opnsense-alias.en.md) ||
    fail "add the OPNsense seed"
wait_until 15 "$KYOJO" article show -d "$ROOT/b" "$e1" || fail "the seed did not reach b"
[ "$(ids b ALIASES)" = "$e1" ] || fail "b: 'ALIASES' did not find the alias article"
[ "$(ids b opnsense refresh)" = "$e1" ] || fail "b: two words did not find it"
"$KYOJO" article search -d "$ROOT/b" opnsense 初動 | grep -q '^no article matches' ||
    fail "b: words from two articles matched one"

echo "article: a new version replaces the old one at both nodes"
sed 's/担当者へ連絡します。/担当者へ連絡します。復旧はバックアップの確認から始めます。/' \
    "$ROOT/v1.md" > "$ROOT/v2.md"
v2=$("$KYOJO" article add -d "$ROOT/a" "$ROOT/v2.md" \
    --supersedes "$(echo "$v1" | cut -c1-12)" 2>/dev/null) || fail "add version 2"
wait_until 15 "$KYOJO" article show -d "$ROOT/b" "$v2" || fail "version 2 did not reach b"
for n in a b; do
	[ "$(ids "$n" 初動)" = "$v2" ] || fail "$n: the old version is still found"
	[ "$("$KYOJO" article list -d "$ROOT/$n" | grep -c 感染時)" -eq 1 ] ||
	    fail "$n: list shows more than the newest version"
	[ "$("$KYOJO" article list -d "$ROOT/$n" --all | grep -c 感染時)" -eq 2 ] ||
	    fail "$n: list --all does not show both versions"
done
"$KYOJO" article history -d "$ROOT/b" "$v1" > "$ROOT/hist" || fail "history"
grep -q "1  $(echo "$v1" | cut -c1-16) .* superseded" "$ROOT/hist" &&
    grep -q "2  $(echo "$v2" | cut -c1-16) .* current" "$ROOT/hist" ||
    fail "history does not show the chain: $(cat "$ROOT/hist")"
"$KYOJO" article add -d "$ROOT/b" "$ROOT/v2.md" --supersedes "$v2" 2> "$ROOT/err" &&
    fail "b replaced a's article"
grep -q 'not an article of this node' "$ROOT/err" || fail "unclear refusal: $(cat "$ROOT/err")"

echo "article: an indicator and the article about it point at each other"
ind=$("$KYOJO" submit -d "$ROOT/a" ipv4 203.0.113.45 --tlp clear \
    --category intrusion-attempts:brute-force) || fail "submit"
printf 'Block 203.0.113.45 at the edge: it tried SSH passwords all night.\n' > "$ROOT/ssh.md"
art=$("$KYOJO" article add -d "$ROOT/a" "$ROOT/ssh.md" --title "SSH brute force" \
    --lang en --ref 203.0.113.45 --tlp clear) || fail "add with --ref VALUE"
wait_until 15 "$KYOJO" article show -d "$ROOT/b" "$art" || fail "the article did not reach b"
"$KYOJO" show -d "$ROOT/b" 203.0.113.45 > "$ROOT/show" || fail "show VALUE"
grep -q "$ind" "$ROOT/show" && grep -q 'SSH brute force' "$ROOT/show" ||
    fail "show VALUE lacks the record or the article: $(cat "$ROOT/show")"
"$KYOJO" show -d "$ROOT/b" "$ind" | grep -q 'SSH brute force' ||
    fail "show ID of the indicator lacks the article"
"$KYOJO" show -d "$ROOT/b" "$art" | grep -q "refs     $(echo "$ind" | cut -c1-16)  indicator" ||
    fail "show ID of the article lacks the indicator"

echo "article: retraction hides a version; withdraw hides the article"
"$KYOJO" retract -d "$ROOT/a" "$v2" >/dev/null || fail "retract version 2"
wait_until 15 sh -c "'$KYOJO' article history -d '$ROOT/b' '$v1' | grep -q retracted" ||
    fail "the retraction did not reach b"
[ "$(ids b 初動)" = "$v1" ] || fail "b: retracting the newest did not bring back the previous"
"$KYOJO" article search -d "$ROOT/b" バックアップ | grep -q '^no article matches' ||
    fail "b: the retracted text is still found"
"$KYOJO" article withdraw -d "$ROOT/b" "$v1" 2> "$ROOT/err" && fail "b withdrew a's article"
"$KYOJO" article withdraw -d "$ROOT/a" "$v1" --reason "古い手順" > "$ROOT/w" ||
    fail "withdraw"
[ "$(wc -l < "$ROOT/w")" -eq 1 ] || fail "withdraw retracted $(wc -l < "$ROOT/w") versions, not 1"
wait_until 15 sh -c "'$KYOJO' article search -d '$ROOT/b' 初動 | grep -q '^no article'" ||
    fail "b still finds the withdrawn article"
"$KYOJO" article show -d "$ROOT/b" "$v1" | grep -q 'retracted by its origin' ||
    fail "b: article show of a withdrawn version"

echo "article: clear errors"
printf '\202\240\202\242\n' > "$ROOT/sjis.md"
"$KYOJO" article add -d "$ROOT/a" "$ROOT/sjis.md" --title t --lang ja 2> "$ROOT/err" &&
    fail "a Shift_JIS file was accepted"
grep -q 'Shift_JIS' "$ROOT/err" || fail "unclear: $(cat "$ROOT/err")"
printf -- '---\ntitle: x\n' > "$ROOT/open.md"
"$KYOJO" article add -d "$ROOT/a" "$ROOT/open.md" 2> "$ROOT/err" && fail "an open front matter was accepted"
grep -q "open.md:1: front matter: no closing '---' line" "$ROOT/err" || fail "unclear: $(cat "$ROOT/err")"
"$KYOJO" article search -d "$ROOT/b" '、。' 2> "$ROOT/err" && fail "an empty query ran"
grep -q 'no words to search for' "$ROOT/err" || fail "unclear: $(cat "$ROOT/err")"

echo "article: reindex gives the same answers"
before=$(ids b opnsense)
"$KYOJO" article reindex -d "$ROOT/b" | grep -q '^indexed [0-9]* article versions' || fail "reindex"
[ "$(ids b opnsense)" = "$before" ] || fail "reindex changed the answer"
[ -z "$(ids b 初動)" ] || fail "reindex brought a withdrawn article back"

echo "article: all passed"

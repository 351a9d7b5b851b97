#!/bin/sh
# Prints the C initializer lines of protocol/taxonomy.c's table, one
# { "id", "en", "ja" }, per line of the taxonomy TSV named by $1.
# Fails with file:line: message on a malformed line, so a typo in the seed
# breaks the build instead of shipping a category nobody can match.
set -e
[ $# -eq 1 ] || { echo "usage: gen_taxonomy.sh taxonomy.tsv" >&2; exit 2; }
[ -r "$1" ] || { echo "gen_taxonomy.sh: cannot read $1" >&2; exit 1; }
# Bytes, not characters: the labels are UTF-8 and go through untouched.
LC_ALL=C awk -F '\t' -v file="$1" '
function fail(msg) {
	printf "%s:%d: %s\n", file, NR, msg > "/dev/stderr"
	bad = 1
	exit 1
}
# "?" is escaped too: -std=c11 turns "??(" and friends into trigraphs.
function cstr(s,    out, c, i) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\" || c == "\"" || c == "?")
			out = out "\\"
		out = out c
	}
	return "\"" out "\""
}
BEGIN {
	print "/* Generated from seeds/taxonomy.tsv by tests/gen_taxonomy.sh. */"
}
{ sub(/\r$/, "") }
/^#/ || /^[ \t]*$/ { next }
{
	if (NF != 3)
		fail("expected 3 tab-separated fields, got " NF)
	if ($1 !~ /^[a-z0-9]+(-[a-z0-9]+)*:[a-z0-9]+(-[a-z0-9]+)*$/)
		fail("id \"" $1 "\" is not class:type in lower-case a-z, 0-9, -")
	if ($2 == "" || $3 == "")
		fail("empty label")
	if ($2 ~ /[[:cntrl:]]/ || $3 ~ /[[:cntrl:]]/)
		fail("control character in a label")
	if ($1 in seen)
		fail("duplicate id " $1 " (first on line " seen[$1] ")")
	seen[$1] = NR
	printf "\t{ %s, %s, %s },\n", cstr($1), cstr($2), cstr($3)
	n++
}
END {
	if (bad)
		exit 1
	if (n == 0) {
		printf "%s: no entries\n", file > "/dev/stderr"
		exit 1
	}
}
' "$1"

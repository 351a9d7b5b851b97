#!/bin/sh
# protocol/ and keys/ keep no mutable state (STYLE habit 11): no object of
# theirs may define anything in .data or .bss.  Read-only tables (.rodata,
# .data.rel.ro) are fine.
build=${KYOJO_BUILD:-build}
bad=$(for o in "$build"/protocol/*.o "$build"/keys/*.o; do
	nm -f sysv --defined-only "$o" |
	    awk -F'|' -v o="$o" '$7 ~ /\.(data|bss)/ && $7 !~ /rel\.ro/ {
		gsub(/ /, "", $1); gsub(/ /, "", $7); print o ": " $1 " in " $7 }'
done)
[ -z "$bad" ] || { echo "mutable globals in protocol/ or keys/:"; echo "$bad"; exit 1; }
# A check that can never fail is no check: make sure it sees the objects.
ls "$build"/protocol/record.o "$build"/keys/ident.o >/dev/null || exit 1

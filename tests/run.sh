#!/bin/sh
# Runs every Check suite, then the shell tests; prints one summary line.
build=$1; shift
passed=0; failed=0; failures=""
for t in "$@"; do
	if "$build/tests/$t"; then passed=$((passed + 1))
	else failed=$((failed + 1)); failures="$failures $t"; fi
done
for s in tests/sh/*.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$s" .sh)
	[ "$name" = lib ] && continue	# sourced by the others
	if KYOJO_BUILD="$build" sh "$s"; then
		echo "$name: ok"; passed=$((passed + 1))
	else
		echo "$name: FAILED"; failed=$((failed + 1)); failures="$failures $name"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || { echo "failed:$failures"; exit 1; }

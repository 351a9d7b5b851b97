# Shared helpers for the shell tests and the demo: start real kyojod
# processes on loopback in a temporary directory, and wait for them.
# Source it; set KYOJO_BUILD (default build) first.

BUILD=${KYOJO_BUILD:-build}
KYOJO="$BUILD/kyojo"
KYOJOD="$BUILD/kyojod"
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/kyojo-test.XXXXXX")
# A port range per run, so two runs on one machine do not collide.
PORT_BASE=$((20000 + $$ % 20000))
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then echo "kept $ROOT"; else rm -rf "$ROOT"; fi
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	for f in "$ROOT"/*/kyojod.log; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
	done
	exit 1
}

# node_init NAME INDEX: a node listening on PORT_BASE+INDEX.  Tests
# submit documentation addresses (RFC 5737) and example names, which a
# real node refuses (docs/scrub.md): test nodes accept them.
node_init() {
	"$KYOJO" init -d "$ROOT/$1" --name "$1" \
	    --listen "tcp://127.0.0.1:$((PORT_BASE + $2))" >/dev/null ||
	    fail "init $1"
	sed -i 's/^accept_documentation .*/accept_documentation 1/' \
	    "$ROOT/$1/kyojod.conf"
	"$KYOJO" card -d "$ROOT/$1" > "$ROOT/$1.card" || fail "card $1"
}

# pair A B: each trusts the other's card.
pair() {
	"$KYOJO" peer add -d "$ROOT/$1" "$ROOT/$2.card" >/dev/null || fail "pair $1 $2"
	"$KYOJO" peer add -d "$ROOT/$2" "$ROOT/$1.card" >/dev/null || fail "pair $2 $1"
}

# node_start NAME [ARGS]: kyojod in the background; its pid in NAME.pid.
# (sh has no local variables: helpers use names prefixed with _.)
node_start() {
	_node=$1; shift
	"$KYOJOD" -d "$ROOT/$_node" "$@" >>"$ROOT/$_node/kyojod.log" 2>&1 &
	echo $! > "$ROOT/$_node.pid"
	PIDS="$PIDS $!"
	wait_until 10 test -S "$ROOT/$_node/control.sock" || fail "$_node did not start"
}

# node_stop NAME [SIGNAL]
node_stop() {
	_pid=$(cat "$ROOT/$1.pid")
	kill "-${2:-TERM}" "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	return 0
}

# wait_until SECONDS COMMAND...: polls every 0.1 s.
wait_until() {
	_limit=$(($1 * 10)); shift
	_i=0
	while [ $_i -lt $_limit ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# records NAME: how many records of kind indicator the node holds.
records() {
	"$KYOJO" stats -d "$ROOT/$1" --json |
	    sed -n 's/.*"indicator":[[:space:]]*\([0-9]*\).*/\1/p'
}

# has NAME COUNT: the node holds at least COUNT indicator records.
has() {
	[ "$(records "$1")" -ge "$2" ] 2>/dev/null
}

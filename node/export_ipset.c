/*
 * export_ipset.c - a file for `ipset restore`: hash:net sets kyojo4 and
 * kyojo6, matched with `-m set --match-set kyojo4 src -j DROP`.
 *
 * hash:net keeps real prefixes, and nested ones (a /24 and an address
 * inside it) are fine.  A full export fills kyojo4-new and kyojo6-new and
 * swaps them in: `swap` is atomic, so the live sets are never empty, and
 * iptables rules keep pointing at the same names.  A delta adds with
 * -exist (which also renews the timeout of an element already there) and
 * removes with `del ... -exist`, which is quiet when the element has
 * already timed out.
 *
 * The kernel takes timeouts up to 2147483 s (24.8 days); longer-lived
 * entries get that, and the next full export or apply renews them.
 */
#include <inttypes.h>

#include "node/export.h"

#define S_TIMEOUT_MAX	2147483u
#define S_MAXELEM	4194304u

static void
s_create(FILE *f, const char *set, const char *family)
{
	fprintf(f, "create %s hash:net family %s timeout 0 maxelem %u -exist\n",
	    set, family, S_MAXELEM);
}

static int
s_begin(struct export_out *o)
{
	char when[21];

	export_time(o->now, when);
	fprintf(o->f, "# kyojo export: ipset %s, cursor %" PRIu64 ", %s\n"
	    "# Load with: ipset restore < FILE\n",
	    o->delta ? "delta" : "full", o->cursor, when);
	s_create(o->f, "kyojo4", "inet");
	s_create(o->f, "kyojo6", "inet6");
	if (!o->delta) {
		s_create(o->f, "kyojo4-new", "inet");
		s_create(o->f, "kyojo6-new", "inet6");
		fprintf(o->f, "flush kyojo4-new\nflush kyojo6-new\n");
	}
	return 0;
}

static int
s_emit(struct export_out *o, int op, const struct export_entry *e)
{
	bool v6 = e->type == IT_IPV6 || e->type == IT_CIDR6;
	const char *set = o->delta ? (v6 ? "kyojo6" : "kyojo4") :
	    (v6 ? "kyojo6-new" : "kyojo4-new");
	uint64_t t = e->timeout < S_TIMEOUT_MAX ? e->timeout : S_TIMEOUT_MAX;

	if (op == EXPORT_DEL)
		fprintf(o->f, "del %s %s -exist\n", set, e->value);
	else
		fprintf(o->f, "add %s %s timeout %" PRIu64 " -exist\n", set,
		    e->value, t);
	return 0;
}

static int
s_end(struct export_out *o)
{
	if (!o->delta)
		fprintf(o->f, "swap kyojo4-new kyojo4\nswap kyojo6-new kyojo6\n"
		    "destroy kyojo4-new\ndestroy kyojo6-new\n");
	return 0;
}

const struct exporter export_ipset = {
	.name = "ipset",
	.summary = "ipset restore file: hash:net sets kyojo4/kyojo6, swapped in",
	.types = POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_IPV6) |
	    POLICY_TYPE_BIT(IT_CIDR4) | POLICY_TYPE_BIT(IT_CIDR6),
	.flags = EXPORTER_DELTA,
	.begin = s_begin,
	.emit = s_emit,
	.end = s_end,
};

/*
 * export_mikrotik.c - a RouterOS script for `/import`: address lists
 * named kyojo under /ip and /ipv6 firewall address-list, for a rule such
 * as `/ip firewall filter add chain=forward src-address-list=kyojo
 * action=drop`.
 *
 * RouterOS refuses to add an address a list already holds and stops the
 * script there, so each add falls back to setting the existing entry's
 * timeout.  A full export tags every entry it writes with its cursor in
 * the comment, and at the end removes the list's entries with another
 * tag: the list is replaced without the gap of the usual "remove all,
 * then add" scripts.  A delta removes with `remove [find ...]`, which is
 * quiet when the entry has already timed out.
 *
 * RouterOS stores an IPv6 address as its /128, so single IPv6 addresses
 * are written that way for `find` to match them.  Timeouts are capped at
 * RouterOS's largest, 35w3d13:13:56.
 */
#include <inttypes.h>
#include <stdbool.h>

#include "node/export.h"

#define S_TIMEOUT_MAX	21474836u	/* 35w3d13:13:56 */

/* 90061 -> "1d1h1m1s", the RouterOS time syntax. */
static void
s_duration(uint64_t t, char out[32])
{
	static const struct { unsigned secs; char unit; } u[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};
	size_t o = 0;

	if (t > S_TIMEOUT_MAX)
		t = S_TIMEOUT_MAX;
	if (t == 0)
		t = 1;
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (t / u[i].secs == 0)
			continue;
		o += (size_t)snprintf(out + o, 32 - o, "%" PRIu64 "%c",
		    t / u[i].secs, u[i].unit);
		t %= u[i].secs;
	}
}

static int
s_begin(struct export_out *o)
{
	char when[21];

	export_time(o->now, when);
	fprintf(o->f, "# kyojo export: mikrotik %s, cursor %" PRIu64 ", %s\n"
	    "# Load with: /import file-name=FILE\n",
	    o->delta ? "delta" : "full", o->cursor, when);
	return 0;
}

static int
s_emit(struct export_out *o, int op, const struct export_entry *e)
{
	bool v6 = e->type == IT_IPV6 || e->type == IT_CIDR6;
	const char *menu = v6 ? "/ipv6 firewall address-list" :
	    "/ip firewall address-list";
	const char *suffix = e->type == IT_IPV6 ? "/128" : "";
	char dur[32];

	if (op == EXPORT_DEL) {
		fprintf(o->f, "%s remove [find list=kyojo address=%s%s]\n",
		    menu, e->value, suffix);
		return 0;
	}
	s_duration(e->timeout, dur);
	fprintf(o->f, ":do { %s add list=kyojo address=%s%s timeout=%s "
	    "comment=\"kyojo %" PRIu64 "\" } on-error={ %s set [find "
	    "list=kyojo address=%s%s] timeout=%s comment=\"kyojo %" PRIu64
	    "\" }\n", menu, e->value, suffix, dur, o->cursor, menu, e->value,
	    suffix, dur, o->cursor);
	return 0;
}

static int
s_end(struct export_out *o)
{
	if (o->delta)
		return 0;
	fprintf(o->f, "/ip firewall address-list remove [find list=kyojo "
	    "comment!=\"kyojo %" PRIu64 "\"]\n", o->cursor);
	fprintf(o->f, "/ipv6 firewall address-list remove [find list=kyojo "
	    "comment!=\"kyojo %" PRIu64 "\"]\n", o->cursor);
	return 0;
}

const struct exporter export_mikrotik = {
	.name = "mikrotik",
	.summary = "RouterOS script: address list kyojo (/ip and /ipv6)",
	.types = POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_IPV6) |
	    POLICY_TYPE_BIT(IT_CIDR4) | POLICY_TYPE_BIT(IT_CIDR6),
	.flags = EXPORTER_DELTA,
	.begin = s_begin,
	.emit = s_emit,
	.end = s_end,
};

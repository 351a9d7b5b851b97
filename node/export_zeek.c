/*
 * export_zeek.c - a Zeek Intel framework file, tab-separated:
 *
 *     #fields	indicator	indicator_type	meta.source	meta.desc	meta.url
 *     198.51.100.7	Intel::ADDR	kyojo	malicious-code:c2-server, confidence 80, until 2026-12-27T09:00:00Z	-
 *
 * loaded with `redef Intel::read_files += { "/path/kyojo.intel" };`.
 * Zeek re-reads the file when it changes, so replace it with mv.  Zeek
 * sees URLs without their scheme, so they are written that way.  The
 * Intel framework has no per-item lifetime in the file and does not
 * remove items that disappear from it (that takes Intel::item_expiration
 * in Zeek), so --since is refused.
 */
#include <string.h>

#include "node/export.h"

static const char *
s_type(int type)
{
	switch (type) {
	case IT_IPV4: case IT_IPV6: return "Intel::ADDR";
	case IT_CIDR4: case IT_CIDR6: return "Intel::SUBNET";
	case IT_DOMAIN: case IT_HOSTNAME: return "Intel::DOMAIN";
	case IT_URL: return "Intel::URL";
	case IT_EMAIL: return "Intel::EMAIL";
	default: return "Intel::FILE_HASH";
	}
}

static int
s_begin(struct export_out *o)
{
	fprintf(o->f, "#fields\tindicator\tindicator_type\tmeta.source\t"
	    "meta.desc\tmeta.url\n");
	return 0;
}

static int
s_emit(struct export_out *o, int op, const struct export_entry *e)
{
	const char *v = e->value, *scheme;
	char until[21];

	(void)op;
	if (e->type == IT_URL && (scheme = strstr(v, "://")) != NULL)
		v = scheme + 3;
	export_time(e->until, until);
	fprintf(o->f, "%s\t%s\tkyojo\t%s, confidence %lld, until %s\t-\n", v,
	    s_type(e->type), e->category, (long long)e->confidence, until);
	return 0;
}

static int
s_end(struct export_out *o)
{
	(void)o;
	return 0;
}

const struct exporter export_zeek = {
	.name = "zeek",
	.summary = "Zeek Intel framework file (Intel::ADDR, SUBNET, DOMAIN, ...)",
	.types = POLICY_TYPES_ALL & ~POLICY_TYPE_BIT(IT_ASN),
	.flags = 0,
	.begin = s_begin,
	.emit = s_emit,
	.end = s_end,
};

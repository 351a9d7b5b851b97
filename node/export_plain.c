/*
 * export_plain.c - one value a line, nothing else: a Palo Alto external
 * dynamic list, a FortiGate threat feed, a pfSense/OPNsense URL table.
 *
 * No comments and no header, because each of those parsers treats an
 * unexpected line differently.  Appliances take one type per list (an
 * IP list, a domain list, a URL list), so pick the types with --type.
 * A list has no per-entry lifetime and no removals: the appliance
 * refetches the whole list, and --since is refused.
 */
#include <string.h>

#include "node/export.h"

static int
s_begin(struct export_out *o)
{
	(void)o;
	return 0;
}

static int
s_emit(struct export_out *o, int op, const struct export_entry *e)
{
	(void)op;
	fprintf(o->f, "%s\n", e->value);
	return 0;
}

static int
s_end(struct export_out *o)
{
	(void)o;
	return 0;
}

const struct exporter export_plain = {
	.name = "plain",
	.summary = "one value a line (Palo Alto EDL, FortiGate, pfSense)",
	.types = POLICY_TYPES_ALL & ~POLICY_TYPE_BIT(IT_ASN),
	.flags = 0,
	.begin = s_begin,
	.emit = s_emit,
	.end = s_end,
};

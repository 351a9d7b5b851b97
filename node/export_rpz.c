/*
 * export_rpz.c - a DNS Response Policy Zone (draft-vixie-dnsop-dns-rpz),
 * for BIND, Unbound, Knot Resolver or PowerDNS Recursor:
 *
 *     $TTL 300
 *     @ SOA localhost. hostmaster.localhost. (1795000000 3600 600 86400 300)
 *     @ NS localhost.
 *     evil.example CNAME .                  NXDOMAIN for the name
 *     *.evil.example CNAME .                and every name below it
 *     32.7.100.51.198.rpz-ip CNAME .        answers holding 198.51.100.7
 *     48.zz.db8.2001.rpz-ip CNAME .         answers inside 2001:db8::/48
 *
 * rpz-ip owners are the prefix length, then the address backwards:
 * octets for IPv4, 16-bit words for IPv6 with "zz" where RFC 5952 would
 * write "::".  The serial is the export time, so every new file is newer.
 * A zone file has no per-record lifetime and this one no removals; the
 * resolver reloads it whole (or by AXFR/IXFR from a primary), so --since
 * is refused.
 */
#include <inttypes.h>
#include <string.h>

#include "node/export.h"

static int
s_begin(struct export_out *o)
{
	char when[21];

	export_time(o->now, when);
	fprintf(o->f, "; kyojo export: rpz, cursor %" PRIu64 ", %s\n"
	    "$TTL 300\n@ SOA localhost. hostmaster.localhost. "
	    "(%" PRIu64 " 3600 600 86400 300)\n@ NS localhost.\n",
	    o->cursor, when, o->now & 0xffffffffu);
	return 0;
}

/* The rpz-ip owner of a network; out has room for 128 + 8 + 48 bytes. */
static void
s_rpz_ip(const struct indicator_net *n, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "%u", n->prefix);
	int zs = -1, zl = 0;

	if (n->family == 4) {
		for (int i = 3; i >= 0; i--)
			o += (size_t)snprintf(out + o, cap - o, ".%u", n->addr[i]);
		snprintf(out + o, cap - o, ".rpz-ip");
		return;
	}
	/* The longest run of two or more zero words, the first on a tie. */
	for (int i = 0; i < 8; ) {
		int j = i;

		while (j < 8 && n->addr[2 * j] == 0 && n->addr[2 * j + 1] == 0)
			j++;
		if (j - i > zl && j - i >= 2)
			zs = i, zl = j - i;
		i = j > i ? j : i + 1;
	}
	for (int i = 7; i >= 0; i--) {
		if (zs >= 0 && i >= zs && i < zs + zl) {
			if (i == zs)
				o += (size_t)snprintf(out + o, cap - o, ".zz");
			continue;
		}
		o += (size_t)snprintf(out + o, cap - o, ".%x",
		    n->addr[2 * i] << 8 | n->addr[2 * i + 1]);
	}
	snprintf(out + o, cap - o, ".rpz-ip");
}

static int
s_emit(struct export_out *o, int op, const struct export_entry *e)
{
	char owner[256];
	struct indicator_net n;

	(void)op;
	if (e->type == IT_DOMAIN || e->type == IT_HOSTNAME) {
		fprintf(o->f, "%s CNAME .\n*.%s CNAME .\n", e->value, e->value);
		return 0;
	}
	if (indicator_parse_net(e->type, e->value, &n) != 0)
		return KY_EINVAL;
	s_rpz_ip(&n, owner, sizeof(owner));
	fprintf(o->f, "%s CNAME .\n", owner);
	return 0;
}

static int
s_end(struct export_out *o)
{
	(void)o;
	return 0;
}

const struct exporter export_rpz = {
	.name = "rpz",
	.summary = "DNS RPZ zone: names (and below) and rpz-ip triggers",
	.types = POLICY_TYPE_BIT(IT_DOMAIN) | POLICY_TYPE_BIT(IT_HOSTNAME) |
	    POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_IPV6) |
	    POLICY_TYPE_BIT(IT_CIDR4) | POLICY_TYPE_BIT(IT_CIDR6),
	.flags = 0,
	.begin = s_begin,
	.emit = s_emit,
	.end = s_end,
};

/*
 * export_suricata.c - Suricata rules, and the dataset file they load.
 *
 * suricata: a rules file.  Addresses and prefixes go into the rules
 * themselves, S_CHUNK to an address list, as one rule for traffic from
 * them and one for traffic to them:
 *
 *     drop ip [198.51.100.7,203.0.113.0/24] any -> $HOME_NET any (msg:"KYOJO listed source, part 1"; sid:9100101; rev:1;)
 *     drop ip $HOME_NET any -> [198.51.100.7,203.0.113.0/24] any (msg:"KYOJO listed destination, part 1"; sid:9100102; rev:1;)
 *
 * (drop acts in IPS mode and alerts in IDS mode.)  Names are matched
 * through a string dataset, by three fixed rules that load
 * kyojo-domains.lst from the rules file's directory:
 *
 *     alert dns any any -> any any (msg:"KYOJO DNS query for a listed name"; dns.query; dataset:isset,kyojo-domains,type string,load kyojo-domains.lst; sid:9100001; rev:1;)
 *
 * and likewise tls.sni and http.host.  They alert rather than drop:
 * dropping a DNS query only makes the client retry; RPZ is the tool that
 * blocks names.  A dataset matches the exact name, not names below it.
 *
 * suricata-dataset: that file, one name a line in base64 (the dataset
 * "string" encoding).  Both files must be written and reloaded together
 * (suricatasc -c reload-rules); neither has per-entry lifetimes or
 * removals, so --since is refused.
 */
#include <inttypes.h>
#include <string.h>

#include <sodium.h>

#include "node/export.h"

#define S_CHUNK		1000
#define S_SID_NAMES	9100001u	/* the three dataset rules */
#define S_SID_LISTS	9100101u	/* two per address chunk from here */
#define S_DATASET	"dataset:isset,kyojo-domains,type string," \
			"load kyojo-domains.lst"

static int
s_begin(struct export_out *o)
{
	static const struct { const char *proto, *buf, *what; } r[] = {
		{ "dns", "dns.query", "DNS query for" },
		{ "tls", "tls.sni", "TLS SNI of" },
		{ "http", "http.host", "HTTP host of" },
	};
	char when[21];

	export_time(o->now, when);
	fprintf(o->f, "# kyojo export: suricata rules, cursor %" PRIu64
	    ", %s\n# Names: write kyojo-domains.lst next to this file with "
	    "kyojo export --format suricata-dataset.\n", o->cursor, when);
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		fprintf(o->f, "alert %s any any -> any any (msg:\"KYOJO %s a "
		    "listed name\"; %s; " S_DATASET "; sid:%u; rev:1;)\n",
		    r[i].proto, r[i].what, r[i].buf,
		    S_SID_NAMES + (unsigned)i);
	return 0;
}

static int
s_flush(struct export_out *o)
{
	uint64_t sid = S_SID_LISTS + 2 * o->part;

	if (o->buflen == 0)
		return 0;
	o->part++;
	fprintf(o->f, "drop ip [%s] any -> $HOME_NET any (msg:\"KYOJO listed "
	    "source, part %" PRIu64 "\"; sid:%" PRIu64 "; rev:1;)\n",
	    o->buf, o->part, sid);
	fprintf(o->f, "drop ip $HOME_NET any -> [%s] any (msg:\"KYOJO listed "
	    "destination, part %" PRIu64 "\"; sid:%" PRIu64 "; rev:1;)\n",
	    o->buf, o->part, sid + 1);
	o->buflen = 0;
	return 0;
}

static int
s_emit(struct export_out *o, int op, const struct export_entry *e)
{
	int rc;

	(void)op;
	if ((o->buflen > 0 && (rc = export_append(o, ",", 1)) != 0) ||
	    (rc = export_append(o, e->value, e->len)) != 0)
		return rc;
	/* entries counts every emit; a chunk is full every S_CHUNK. */
	if ((o->entries + 1) % S_CHUNK == 0)
		return s_flush(o);
	return 0;
}

static int
s_end(struct export_out *o)
{
	return s_flush(o);
}

const struct exporter export_suricata = {
	.name = "suricata",
	.summary = "Suricata rules: address lists, and dataset rules for names",
	.types = POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_IPV6) |
	    POLICY_TYPE_BIT(IT_CIDR4) | POLICY_TYPE_BIT(IT_CIDR6),
	.flags = 0,
	.begin = s_begin,
	.emit = s_emit,
	.end = s_end,
};

static int
s_ds_begin(struct export_out *o)
{
	(void)o;
	return 0;
}

static int
s_ds_emit(struct export_out *o, int op, const struct export_entry *e)
{
	char b64[sodium_base64_ENCODED_LEN(INDICATOR_VALUE_MAX,
	    sodium_base64_VARIANT_ORIGINAL)];

	(void)op;
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)e->value,
	    e->len, sodium_base64_VARIANT_ORIGINAL);
	fprintf(o->f, "%s\n", b64);
	return 0;
}

static int
s_ds_end(struct export_out *o)
{
	(void)o;
	return 0;
}

const struct exporter export_suricata_dataset = {
	.name = "suricata-dataset",
	.summary = "kyojo-domains.lst for the suricata rules (base64 names)",
	.types = POLICY_TYPE_BIT(IT_DOMAIN) | POLICY_TYPE_BIT(IT_HOSTNAME),
	.flags = 0,
	.begin = s_ds_begin,
	.emit = s_ds_emit,
	.end = s_ds_end,
};

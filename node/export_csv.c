/*
 * export_csv.c - RFC 4180 CSV with a header row:
 *
 *     op,type,value,until,timeout,confidence,category,tlp,origins,id
 *     add,ipv4,198.51.100.7,1798362000,2592000,80,malicious-code:c2-server,CLEAR,2,3f2a...
 *     del,ipv4,198.51.100.9,,,,,,1,
 *
 * until is unix seconds, timeout the seconds left.  A full export has
 * only "add" rows; a delta has "add" and "del" rows.  A field holding a
 * comma or a double quote (possible in URLs) is quoted.
 */
#include <inttypes.h>
#include <string.h>

#include "node/export.h"

static void
s_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int
s_begin(struct export_out *o)
{
	fprintf(o->f, "op,type,value,until,timeout,confidence,category,tlp,"
	    "origins,id\n");
	return 0;
}

static int
s_emit(struct export_out *o, int op, const struct export_entry *e)
{
	char id[2 * RECORD_ID_LEN + 1];

	fprintf(o->f, "%s,%s,", op == EXPORT_ADD ? "add" : "del",
	    indicator_type_name(e->type));
	s_field(o->f, e->value);
	if (op == EXPORT_DEL) {
		fprintf(o->f, ",,,,,,%" PRIu32 ",\n", e->origins);
		return 0;
	}
	record_hex(e->id, RECORD_ID_LEN, id);
	fprintf(o->f, ",%" PRIu64 ",%" PRIu64 ",%lld,", e->until, e->timeout,
	    (long long)e->confidence);
	s_field(o->f, e->category);
	fprintf(o->f, ",%s,%" PRIu32 ",%s\n", record_tlp_name(e->tlp),
	    e->origins, id);
	return 0;
}

static int
s_end(struct export_out *o)
{
	(void)o;
	return 0;
}

const struct exporter export_csv = {
	.name = "csv",
	.summary = "CSV: op,type,value,until,timeout,confidence,category,...",
	.types = POLICY_TYPES_ALL & ~POLICY_TYPE_BIT(IT_ASN),
	.flags = EXPORTER_DELTA,
	.begin = s_begin,
	.emit = s_emit,
	.end = s_end,
};

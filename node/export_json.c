/*
 * export_json.c - JSON Lines: one object per line, no enclosing array,
 * so a consumer can stream and a truncated file loses only its tail.
 *
 *     {"op":"add","type":"ipv4","value":"198.51.100.7","until":1798362000,"timeout":2592000,"confidence":80,"category":"malicious-code:c2-server","tlp":"CLEAR","origins":2,"id":"3f2a..."}
 *     {"op":"del","type":"ipv4","value":"198.51.100.9","expired":false,"origins":1}
 *
 * until is unix seconds; "expired" on a removal says the entry had ended
 * by itself (a consumer honouring until has dropped it already).
 */
#include <inttypes.h>

#include "node/export.h"

/* A JSON string: values are printable UTF-8, but URLs may hold '"' or '\'. */
static void
s_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int
s_begin(struct export_out *o)
{
	(void)o;
	return 0;
}

static int
s_emit(struct export_out *o, int op, const struct export_entry *e)
{
	char id[2 * RECORD_ID_LEN + 1];

	fprintf(o->f, "{\"op\":\"%s\",\"type\":\"%s\",\"value\":",
	    op == EXPORT_ADD ? "add" : "del", indicator_type_name(e->type));
	s_str(o->f, e->value);
	if (op == EXPORT_DEL) {
		fprintf(o->f, ",\"expired\":%s,\"origins\":%" PRIu32 "}\n",
		    e->expired ? "true" : "false", e->origins);
		return 0;
	}
	record_hex(e->id, RECORD_ID_LEN, id);
	fprintf(o->f, ",\"until\":%" PRIu64 ",\"timeout\":%" PRIu64
	    ",\"confidence\":%lld,\"category\":", e->until, e->timeout,
	    (long long)e->confidence);
	s_str(o->f, e->category);
	fprintf(o->f, ",\"tlp\":\"%s\",\"origins\":%" PRIu32 ",\"id\":\"%s\"}\n",
	    record_tlp_name(e->tlp), e->origins, id);
	return 0;
}

static int
s_end(struct export_out *o)
{
	(void)o;
	return 0;
}

const struct exporter export_json = {
	.name = "json",
	.summary = "JSON Lines: one object per entry",
	.types = POLICY_TYPES_ALL & ~POLICY_TYPE_BIT(IT_ASN),
	.flags = EXPORTER_DELTA,
	.begin = s_begin,
	.emit = s_emit,
	.end = s_end,
};

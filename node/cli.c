#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "node/cli.h"
#include "protocol/armor.h"
#include "protocol/json.h"
#include "protocol/record.h"

const char *
cli_default_dir(void)
{
	const char *home = getenv("KYOJO_HOME");

	return home != NULL && home[0] != '\0' ? home : "/var/lib/kyojo";
}

int
cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
	size_t cap = 4096, n = 0;
	uint8_t *b = NULL, *nb;
	ssize_t got;
	int rc = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return ky_from_errno(errno);
	for (;;) {
		if (b == NULL || n + 1 == cap) {
			if (b != NULL)
				cap *= 2;
			if ((nb = realloc(b, cap)) == NULL) {
				rc = KY_ENOMEM;
				break;
			}
			b = nb;
		}
		got = read(fd, b + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = ky_from_errno(errno);
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			rc = KY_ETOOBIG;
			break;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc != 0) {
		free(b);
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int
cli_read_record(const char *path, uint8_t **buf, size_t *len, const char **why)
{
	uint8_t *raw, *dec;
	size_t n, dn;
	int rc;

	/* Armor adds a third plus line ends; allow for it before decoding. */
	if ((rc = cli_read_file(path, RECORD_MAX_LEN * 2, &raw, &n)) != 0)
		return *why = ky_strerror(rc), rc;
	rc = armor_decode((const char *)raw, n, &dec, &dn, why);
	if (rc == KY_ENOTFOUND) {
		*buf = raw;
		*len = n;
		return 0;
	}
	free(raw);
	if (rc != 0)
		return rc;
	*buf = dec;
	*len = dn;
	return 0;
}

int
cli_fail(int status, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kyojo %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int
cli_usage(const struct cli_cmd *cmd)
{
	fprintf(stderr, "usage: kyojo %s\n", cmd->usage);
	return CLI_USAGE;
}

uint64_t
cli_now(void)
{
	return (uint64_t)time(NULL);
}

/*
 * Prints a dry run's answer: each text member exactly as it would be
 * signed (redactions marked in it), the list of redactions, then the
 * whole body.
 */
void
cli_print_dry_run(const cJSON *reply)
{
	static const char *const texts[] = { "title", "note", "body_md" };
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(reply, "body");
	const cJSON *reds = cJSON_GetObjectItemCaseSensitive(reply,
	    "redactions"), *r, *v;
	char *json;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(body,
		    texts[i])))
			printf("--- %s, as it would be signed ---\n%s\n",
			    texts[i], v->valuestring);
	printf("--- %d redaction%s ---\n", cJSON_GetArraySize(reds),
	    cJSON_GetArraySize(reds) == 1 ? "" : "s");
	cJSON_ArrayForEach(r, reds) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "member"),
		    *k = cJSON_GetObjectItemCaseSensitive(r, "kind"),
		    *o = cJSON_GetObjectItemCaseSensitive(r, "original"),
		    *w = cJSON_GetObjectItemCaseSensitive(r, "why");

		printf("%s: [redacted:%s] was \"%s\" (%s)\n",
		    cJSON_IsString(m) ? m->valuestring : "?",
		    cJSON_IsString(k) ? k->valuestring : "?",
		    cJSON_IsString(o) ? o->valuestring : "?",
		    cJSON_IsString(w) ? w->valuestring : "?");
	}
	json = cJSON_Print(body);
	printf("--- body (nothing was signed) ---\n%s\n", json ? json : "null");
	cJSON_free(json);
}

cJSON *
cli_record_json(const struct record *r)
{
	cJSON *o = cJSON_CreateObject(), *body = NULL;
	char hex[129];
	const char *why;

	record_hex(r->id, 32, hex);
	cJSON_AddStringToObject(o, "id", hex);
	cJSON_AddStringToObject(o, "kind", record_kind_name(r->h.kind));
	record_hex(r->h.origin, 32, hex);
	cJSON_AddStringToObject(o, "origin", hex);
	cJSON_AddNumberToObject(o, "seq", (double)r->h.seq);
	cJSON_AddStringToObject(o, "tlp", record_tlp_name(r->h.tlp));
	cJSON_AddStringToObject(o, "pap", record_pap_name(r->h.pap));
	cJSON_AddNumberToObject(o, "created", (double)r->h.created);
	cJSON_AddNumberToObject(o, "expires", (double)r->h.expires);
	cJSON_AddBoolToObject(o, "stub", record_is_stub(r));
	/* A sealed body this node could open is shown opened. */
	if (r->opened)
		cJSON_AddBoolToObject(o, "opened", true);
	if (r->body != NULL &&
	    json_parse_strict(r->body, r->h.body_len, &body, &why) != 0)
		body = NULL;
	cJSON_AddItemToObject(o, "body", body ? body : cJSON_CreateNull());
	return o;
}

void
cli_print_json(const cJSON *j)
{
	char *text = cJSON_Print(j);

	if (text != NULL)
		printf("%s\n", text);
	cJSON_free(text);
}

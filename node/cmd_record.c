/*
 * kyojo normalize, kyojo record sign|verify|dump: how an operator, or the
 * author of a second implementation, debugs the wire.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "keys/ident.h"
#include "keys/keyfile.h"
#include "node/cli.h"
#include "node/commands.h"
#include "protocol/body.h"
#include "protocol/indicator.h"
#include "protocol/record.h"

int
cmd_normalize(int argc, char **argv)
{
	char out[INDICATOR_VALUE_MAX + 1];
	const char *why = NULL;
	int type;

	if (argc != 3)
		return cli_usage(cli_find("normalize"));
	if ((type = indicator_type_from_name(argv[1])) < 0)
		return cli_fail(CLI_USAGE, "normalize", "unknown type '%s' (ipv4, "
		    "ipv6, cidr4, cidr6, domain, hostname, url, email, md5, "
		    "sha1, sha256, asn)", argv[1]);
	if (indicator_normalize(type, argv[2], strlen(argv[2]), out,
	    sizeof(out), &why) != 0) {
		printf("refused: %s\n", why);
		return CLI_FAIL;
	}
	printf("%s\n", out);
	return CLI_OK;
}

/* Parses an unsigned decimal option; false on junk or overflow. */
static bool
s_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static int
s_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "kind", required_argument, NULL, 'k' },
		{ "body", required_argument, NULL, 'b' },
		{ "tlp", required_argument, NULL, 't' },
		{ "pap", required_argument, NULL, 'p' },
		{ "seq", required_argument, NULL, 's' },
		{ "prev", required_argument, NULL, 'P' },
		{ "created", required_argument, NULL, 'c' },
		{ "expires", required_argument, NULL, 'e' },
		{ "community", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_header h = { .tlp = TLP_GREEN, .pap = PAP_GREEN, .seq = 1 };
	const char *dir = cli_default_dir(), *body_path = NULL, *why = NULL;
	bool have_expires = false;
	uint8_t *body = NULL, *out = NULL;
	struct ident *id = NULL;
	size_t body_len, out_len;
	cJSON *parsed;
	int c, v, rc;

	h.created = cli_now();
	while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'b': body_path = optarg; break;
		case 'k':
			if ((v = record_kind_from_name(optarg)) < 0)
				return cli_fail(CLI_USAGE, "record", "unknown kind '%s'", optarg);
			h.kind = (uint8_t)v;
			break;
		case 't':
			if ((v = record_tlp_from_name(optarg)) < 0)
				return cli_fail(CLI_USAGE, "record", "unknown TLP '%s'", optarg);
			h.tlp = (uint8_t)v;
			break;
		case 'p':
			if ((v = record_pap_from_name(optarg)) < 0)
				return cli_fail(CLI_USAGE, "record", "unknown PAP '%s'", optarg);
			h.pap = (uint8_t)v;
			break;
		case 's':
			if (!s_parse_u64(optarg, &h.seq))
				return cli_fail(CLI_USAGE, "record", "--seq: not a number");
			break;
		case 'c':
			if (!s_parse_u64(optarg, &h.created))
				return cli_fail(CLI_USAGE, "record", "--created: not a unix time");
			break;
		case 'e':
			if (!s_parse_u64(optarg, &h.expires))
				return cli_fail(CLI_USAGE, "record", "--expires: not a unix time");
			have_expires = true;
			break;
		case 'P':
			if (record_unhex(optarg, h.prev, sizeof(h.prev)) != 0)
				return cli_fail(CLI_USAGE, "record", "--prev: not 64 hex digits");
			break;
		case 'C':
			if (record_unhex(optarg, h.community, sizeof(h.community)) != 0)
				return cli_fail(CLI_USAGE, "record", "--community: not 64 hex digits");
			break;
		default:
			return cli_usage(cli_find("record"));
		}
	}
	if (h.kind == 0 || body_path == NULL || optind != argc)
		return cli_usage(cli_find("record"));
	if (!have_expires && !record_kind_may_be_permanent(h.kind))
		h.expires = h.created + 30 * 86400;
	if ((rc = cli_read_file(body_path, RECORD_BODY_MAX, &body, &body_len)) != 0)
		return cli_fail(CLI_USAGE, "record", "%s: %s", body_path,
		    ky_strerror(rc));
	/* Refuse here what every receiver would refuse. */
	if ((rc = body_parse(h.kind, body, body_len, &parsed, &why)) != 0) {
		free(body);
		return cli_fail(CLI_FAIL, "record", "%s: %s", body_path, why);
	}
	cJSON_Delete(parsed);
	if ((rc = keyfile_load_ident(dir, &id, &why)) != 0) {
		free(body);
		return cli_fail(CLI_USAGE, "record", "%s: %s", dir, why);
	}
	memcpy(h.origin, ident_public(id), RECORD_KEY_LEN);
	rc = record_encode(&h, body, body_len, ident_sign, id, &out, &out_len, &why);
	ident_destroy(&id);
	free(body);
	if (rc != 0)
		return cli_fail(CLI_FAIL, "record", "%s", why);
	rc = fwrite(out, 1, out_len, stdout) == out_len && fflush(stdout) == 0;
	free(out);
	return rc ? CLI_OK : cli_fail(CLI_USAGE, "record", "write failed");
}

/* Opens and fully checks a record file; prints the reason on failure. */
static int
s_check(const char *path, struct record *r, uint8_t **buf, const char **why)
{
	size_t len;
	cJSON *b;
	int rc;

	if ((rc = cli_read_record(path, buf, &len, why)) != 0)
		return rc;
	if ((rc = record_open(*buf, len, r, why)) != 0)
		return rc;
	if (r->body != NULL) {
		if ((rc = body_parse(r->h.kind, r->body, r->h.body_len, &b,
		    why)) != 0)
			return rc;
		cJSON_Delete(b);
	}
	return 0;
}

static int
s_verify(int argc, char **argv)
{
	char hex[65];
	const char *why = NULL;
	struct record r;
	uint8_t *buf = NULL;
	int rc;

	if (argc != 2)
		return cli_usage(cli_find("record"));
	rc = s_check(argv[1], &r, &buf, &why);
	if (rc != 0) {
		free(buf);
		printf("%s: refused: %s\n", argv[1], why);
		return CLI_FAIL;
	}
	record_hex(r.id, sizeof(r.id), hex);
	printf("%s: ok %s %s seq %" PRIu64 "%s\n", argv[1], hex,
	    record_kind_name(r.h.kind), r.h.seq, r.body ? "" : " (stub)");
	free(buf);
	return CLI_OK;
}

static void
s_add_hex(cJSON *o, const char *key, const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	record_hex(b, n, hex);
	cJSON_AddStringToObject(o, key, hex);
}

static int
s_dump(int argc, char **argv)
{
	const char *why = NULL, *vwhy = NULL;
	struct record r;
	uint8_t *buf = NULL;
	cJSON *o, *body = NULL;
	size_t len;
	char *text;
	int rc;

	if (argc != 2)
		return cli_usage(cli_find("record"));
	if ((rc = cli_read_record(argv[1], &buf, &len, &why)) != 0)
		return cli_fail(CLI_USAGE, "record", "%s: %s", argv[1], why);
	if ((rc = record_decode(buf, len, &r, &why)) != 0) {
		free(buf);
		return cli_fail(CLI_FAIL, "record", "%s: %s", argv[1], why);
	}
	o = cJSON_CreateObject();
	s_add_hex(o, "id", r.id, sizeof(r.id));
	cJSON_AddNumberToObject(o, "version", RECORD_VERSION);
	cJSON_AddStringToObject(o, "kind", record_kind_name(r.h.kind));
	cJSON_AddStringToObject(o, "tlp", record_tlp_name(r.h.tlp));
	cJSON_AddStringToObject(o, "pap", record_pap_name(r.h.pap));
	cJSON_AddNumberToObject(o, "flags", r.h.flags);
	s_add_hex(o, "origin", r.h.origin, sizeof(r.h.origin));
	cJSON_AddNumberToObject(o, "seq", (double)r.h.seq);
	s_add_hex(o, "prev", r.h.prev, sizeof(r.h.prev));
	s_add_hex(o, "community", r.h.community, sizeof(r.h.community));
	cJSON_AddNumberToObject(o, "created", (double)r.h.created);
	cJSON_AddNumberToObject(o, "expires", (double)r.h.expires);
	cJSON_AddNumberToObject(o, "body_len", r.h.body_len);
	s_add_hex(o, "body_hash", r.h.body_hash, sizeof(r.h.body_hash));
	s_add_hex(o, "signature", r.sig, RECORD_SIG_LEN);
	cJSON_AddBoolToObject(o, "stub", record_is_stub(&r));
	rc = record_verify(&r, &vwhy);
	if (rc == 0 && r.body != NULL)
		rc = body_parse(r.h.kind, r.body, r.h.body_len, &body, &vwhy);
	cJSON_AddBoolToObject(o, "verified", rc == 0);
	if (rc != 0)
		cJSON_AddStringToObject(o, "error", vwhy);
	cJSON_AddItemToObject(o, "body", body != NULL ? body : cJSON_CreateNull());
	text = cJSON_Print(o);
	cJSON_Delete(o);
	free(buf);
	if (text == NULL)
		return cli_fail(CLI_USAGE, "record", "out of memory");
	printf("%s\n", text);
	cJSON_free(text);
	return rc == 0 ? CLI_OK : CLI_FAIL;
}

int
cmd_record(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "sign") == 0)
		return s_sign(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return s_verify(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "dump") == 0)
		return s_dump(argc - 1, argv + 1);
	return cli_usage(cli_find("record"));
}

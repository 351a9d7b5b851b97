/*
 * kyojo fsck, stats, list, show, search, status: reading a node's store.
 *
 * These open the LMDB store read-only and work whether kyojod runs or
 * not; `status` adds the daemon's live view of its links when it runs.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "keys/ident.h"
#include "keys/keyfile.h"
#include "node/cli.h"
#include "node/commands.h"
#include "node/ctlclient.h"
#include "node/store.h"
#include "protocol/body.h"
#include "protocol/indicator.h"
#include "protocol/json.h"

struct read_opts {
	const char *dir;
	bool json;
	int kind;		/* 0: any */
	bool have_origin;
	uint8_t origin[32];
	long limit;		/* 0: no limit */
	int type;		/* search: 0: every type */
};

static const struct option s_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "kind", required_argument, NULL, 'k' },
	{ "origin", required_argument, NULL, 'o' },
	{ "limit", required_argument, NULL, 'l' },
	{ "type", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

/* Parses the shared options; returns -1 to go on, else an exit status. */
static int
s_parse(const char *cmd, int argc, char **argv, struct read_opts *o)
{
	char *end;
	int c;

	*o = (struct read_opts){ .dir = cli_default_dir(), .limit = 50 };
	while ((c = getopt_long(argc, argv, "d:", s_opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'j': o->json = true; break;
		case 'k':
			if ((o->kind = record_kind_from_name(optarg)) < 0)
				return cli_fail(CLI_USAGE, cmd, "unknown kind '%s'", optarg);
			break;
		case 'o':
			if (record_unhex(optarg, o->origin, 32) != 0)
				return cli_fail(CLI_USAGE, cmd, "--origin: not 64 hex digits");
			o->have_origin = true;
			break;
		case 'l':
			o->limit = strtol(optarg, &end, 10);
			if (*end != '\0' || o->limit < 0)
				return cli_fail(CLI_USAGE, cmd, "--limit: not a count");
			break;
		case 't':
			if ((o->type = indicator_type_from_name(optarg)) < 0)
				return cli_fail(CLI_USAGE, cmd, "unknown type '%s'", optarg);
			break;
		default:
			return cli_usage(cli_find(cmd));
		}
	}
	return -1;
}

static int
s_open(const char *cmd, const char *dir, struct store **s)
{
	char path[2048];
	const char *why = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/store", dir);
	if ((rc = store_open(path, STORE_RDONLY, s, &why)) != 0)
		return cli_fail(CLI_USAGE, cmd, "%s: %s", path,
		    why ? why : ky_strerror(rc));
	return 0;
}

static const char *
s_body_str(const cJSON *b, const char *key)
{
	const cJSON *v = b ? json_get(b, key) : NULL;

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* One line per record: id, kind, seq, TLP, then what it is about. */
static void
s_record_line(const struct record *r)
{
	char id[65], when[32];
	const char *why;
	cJSON *b = NULL;
	time_t t = (time_t)r->h.created;

	record_hex(r->id, 32, id);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", gmtime(&t));
	if (r->body != NULL &&
	    json_parse_strict(r->body, r->h.body_len, &b, &why) != 0)
		b = NULL;
	printf("%s %-10s %6" PRIu64 " %-12s %s  ", id,
	    record_kind_name(r->h.kind), r->h.seq, record_tlp_name(r->h.tlp),
	    when);
	if (b == NULL)
		printf("(stub: body not held)\n");
	else if (r->h.kind == RK_INDICATOR || json_get(b, "type") != NULL)
		printf("%s %s %s\n", s_body_str(b, "type"), s_body_str(b, "value"),
		    s_body_str(b, "category"));
	else if (r->h.kind == RK_ARTICLE)
		printf("[%s] %s\n", s_body_str(b, "lang"), s_body_str(b, "title"));
	else if (r->h.kind == RK_RETRACTION)
		printf("retracts %.16s\n", s_body_str(b, "ref"));
	else if (r->h.kind == RK_CARD)
		printf("card %s\n", s_body_str(b, "name"));
	else
		printf("%s\n", s_body_str(b, "name"));
	cJSON_Delete(b);
}

struct list_ctx {
	const struct read_opts *o;
	cJSON *arr;
	long shown;
};

static int
s_list_one(void *ctx, const struct record *r)
{
	struct list_ctx *c = ctx;

	if (c->o->kind != 0 && r->h.kind != c->o->kind)
		return 0;
	if (c->o->limit != 0 && c->shown >= c->o->limit)
		return 1;
	c->shown++;
	if (c->arr != NULL)
		cJSON_AddItemToArray(c->arr, cli_record_json(r));
	else
		s_record_line(r);
	return 0;
}

struct heads_ctx {
	struct store_txn *t;
	struct list_ctx *lc;
};

static int
s_list_origin(void *ctx, const struct store_head *h)
{
	struct heads_ctx *c = ctx;
	int rc = store_range(c->t, h->origin, 1, s_list_one, c->lc);

	return rc < 0 ? rc : (c->lc->o->limit != 0 && c->lc->shown >= c->lc->o->limit);
}

int
cmd_list(int argc, char **argv)
{
	struct read_opts o;
	struct list_ctx lc = { .o = &o };
	struct heads_ctx hc = { .lc = &lc };
	struct store *s = NULL;
	int rc;

	if ((rc = s_parse("list", argc, argv, &o)) >= 0)
		return rc;
	if (optind != argc)
		return cli_usage(cli_find("list"));
	if ((rc = s_open("list", o.dir, &s)) != 0)
		return rc;
	if (o.json)
		lc.arr = cJSON_CreateArray();
	if ((rc = store_read_begin(s, &hc.t)) == 0) {
		rc = o.have_origin ? store_range(hc.t, o.origin, 1, s_list_one, &lc) :
		    store_heads(hc.t, s_list_origin, &hc);
		store_read_end(&hc.t);
	}
	store_close(&s);
	if (rc < 0) {
		cJSON_Delete(lc.arr);
		return cli_fail(CLI_USAGE, "list", "%s", ky_strerror(rc));
	}
	if (lc.arr != NULL) {
		cli_print_json(lc.arr);
		cJSON_Delete(lc.arr);
	}
	return CLI_OK;
}

int
cmd_search(int argc, char **argv)
{
	char norm[INDICATOR_VALUE_MAX + 1];
	struct read_opts o;
	struct list_ctx lc = { .o = &o };
	struct store *s = NULL;
	struct store_txn *t;
	const char *why, *value;
	uint32_t origins;
	long matched_types = 0;
	int rc;

	if ((rc = s_parse("search", argc, argv, &o)) >= 0)
		return rc;
	if (argc - optind != 1)
		return cli_usage(cli_find("search"));
	value = argv[optind];
	o.limit = 0;
	if ((rc = s_open("search", o.dir, &s)) != 0)
		return rc;
	if (o.json)
		lc.arr = cJSON_CreateArray();
	if ((rc = store_read_begin(s, &t)) != 0) {
		store_close(&s);
		cJSON_Delete(lc.arr);
		return cli_fail(CLI_USAGE, "search", "%s", ky_strerror(rc));
	}
	/* The index holds normal forms: try the value as each type. */
	for (int type = 1; type <= IT_MAX; type++) {
		if (o.type != 0 && type != o.type)
			continue;
		if (indicator_normalize(type, value, strlen(value), norm,
		    sizeof(norm), &why) != 0)
			continue;
		origins = 0;
		if (store_value(t, type, norm, strlen(norm), s_list_one, &lc,
		    &origins) < 0 || origins == 0)
			continue;
		matched_types++;
		if (lc.arr == NULL)
			printf("# %s %s: reported by %u origin%s\n",
			    indicator_type_name(type), norm, origins,
			    origins == 1 ? "" : "s");
	}
	store_read_end(&t);
	store_close(&s);
	if (lc.arr != NULL) {
		cli_print_json(lc.arr);
		cJSON_Delete(lc.arr);
	} else if (matched_types == 0)
		printf("no record about %s\n", value);
	return CLI_OK;
}

static cJSON *
s_stats_json(const struct store_stats *st)
{
	cJSON *o = cJSON_CreateObject(), *k = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "records", (double)st->records);
	cJSON_AddNumberToObject(o, "stubs", (double)st->stubs);
	for (int i = 1; i <= RK_MAX; i++)
		cJSON_AddNumberToObject(k, record_kind_name((uint8_t)i),
		    (double)st->by_kind[i]);
	cJSON_AddItemToObject(o, "by_kind", k);
	cJSON_AddNumberToObject(o, "origins", (double)st->origins);
	cJSON_AddNumberToObject(o, "forked_origins", (double)st->forked);
	cJSON_AddNumberToObject(o, "retracted", (double)st->retracted);
	cJSON_AddNumberToObject(o, "cursor", (double)st->cursor);
	cJSON_AddNumberToObject(o, "disk_bytes", (double)st->disk_bytes);
	cJSON_AddNumberToObject(o, "file_bytes", (double)st->file_bytes);
	cJSON_AddNumberToObject(o, "used_bytes", (double)st->used_bytes);
	return o;
}

static int
s_read_stats(const char *cmd, const char *dir, struct store_stats *st)
{
	struct store *s = NULL;
	struct store_txn *t;
	int rc;

	if ((rc = s_open(cmd, dir, &s)) != 0)
		return rc;
	if ((rc = store_read_begin(s, &t)) == 0) {
		rc = store_stats(t, st);
		store_read_end(&t);
	}
	store_close(&s);
	if (rc != 0)
		return cli_fail(CLI_USAGE, cmd, "%s", ky_strerror(rc));
	return 0;
}

int
cmd_stats(int argc, char **argv)
{
	struct store_stats st;
	struct read_opts o;
	cJSON *j;
	int rc;

	if ((rc = s_parse("stats", argc, argv, &o)) >= 0)
		return rc;
	if (optind != argc)
		return cli_usage(cli_find("stats"));
	if ((rc = s_read_stats("stats", o.dir, &st)) != 0)
		return rc;
	if (o.json) {
		j = s_stats_json(&st);
		cli_print_json(j);
		cJSON_Delete(j);
		return CLI_OK;
	}
	printf("records   %" PRIu64 " (%" PRIu64 " stubs)\n", st.records, st.stubs);
	for (int i = 1; i <= RK_MAX; i++)
		printf("  %-11s %" PRIu64 "\n", record_kind_name((uint8_t)i),
		    st.by_kind[i]);
	printf("origins   %" PRIu64 " (%" PRIu64 " flagged for equivocation)\n",
	    st.origins, st.forked);
	printf("retracted %" PRIu64 "\ncursor    %" PRIu64 "\n", st.retracted,
	    st.cursor);
	printf("disk      %.1f MiB on disk, %.1f MiB in use\n",
	    st.disk_bytes / 1048576.0, st.used_bytes / 1048576.0);
	if (st.records > 0)
		printf("          %.0f bytes per record\n",
		    (double)st.disk_bytes / (double)st.records);
	return CLI_OK;
}

static void
s_problem(void *ctx, const char *problem)
{
	(void)ctx;
	printf("%s\n", problem);
}

int
cmd_fsck(int argc, char **argv)
{
	struct read_opts o;
	struct store *s = NULL;
	long problems;
	int rc;

	if ((rc = s_parse("fsck", argc, argv, &o)) >= 0)
		return rc;
	if (optind != argc)
		return cli_usage(cli_find("fsck"));
	if ((rc = s_open("fsck", o.dir, &s)) != 0)
		return rc;
	problems = store_fsck(s, 0, s_problem, NULL);
	store_close(&s);
	if (problems < 0)
		return cli_fail(CLI_USAGE, "fsck", "%s", ky_strerror((int)problems));
	if (problems > 0) {
		printf("fsck: %ld problem%s\n", problems, problems == 1 ? "" : "s");
		return CLI_FAIL;
	}
	printf("fsck: clean\n");
	return CLI_OK;
}

int
cmd_status(int argc, char **argv)
{
	char path[2048], hex[65], fp[KEY_FINGERPRINT_LEN];
	struct store_stats st;
	struct read_opts o;
	const char *why = NULL;
	cJSON *out, *req, *live = NULL;
	uint8_t pk[32];
	int rc;

	if ((rc = s_parse("status", argc, argv, &o)) >= 0)
		return rc;
	if (optind != argc)
		return cli_usage(cli_find("status"));
	snprintf(path, sizeof(path), "%s/%s", o.dir, KEYFILE_PUBLIC);
	if (keyfile_read_public(path, pk, &why) != 0)
		return cli_fail(CLI_USAGE, "status", "%s: %s", path, why);
	if ((rc = s_read_stats("status", o.dir, &st)) != 0)
		return rc;
	record_hex(pk, 32, hex);
	if (key_fingerprint(pk, fp) != 0)
		fp[0] = '\0';
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "status");
	if (ctlclient_call(o.dir, req, 5000, &live, &why) != 0)
		live = NULL;
	cJSON_Delete(req);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "key", hex);
	cJSON_AddStringToObject(out, "fingerprint", fp);
	cJSON_AddBoolToObject(out, "running", live != NULL);
	cJSON_AddItemToObject(out, "store", s_stats_json(&st));
	if (live != NULL)
		cJSON_AddItemToObject(out, "daemon", live);
	if (o.json) {
		cli_print_json(out);
	} else {
		const cJSON *peers = live ? json_get(live, "peers") : NULL, *p;

		printf("node        %s\nfingerprint %s\nkyojod      %s\n", hex, fp,
		    live ? "running" : "not running");
		printf("records     %" PRIu64 " from %" PRIu64 " origins, cursor %"
		    PRIu64 "\n", st.records, st.origins, st.cursor);
		cJSON_ArrayForEach(p, peers) {
			const cJSON *lag = json_get(p, "lag");
			char lagbuf[32] = "?";

			if (cJSON_IsNumber(lag))
				snprintf(lagbuf, sizeof(lagbuf), "%.0f", lag->valuedouble);
			printf("peer        %-16s %-9s lag %-8s %s\n",
			    s_body_str(p, "name"), s_body_str(p, "state"), lagbuf,
			    s_body_str(p, "endpoint"));
		}
	}
	cJSON_Delete(out);
	return CLI_OK;
}

/*
 * kyojo show VALUE|ID: what this node knows about one thing.
 *
 *   a record id        the record, and the articles that reference it
 *   an article id      the article and its versions (kyojo article show);
 *                      a unique prefix of 8 or more hex digits will do
 *   an indicator value every live record about it, by type, and the
 *                      articles that reference any of them
 *
 * Reads open the store directly and work while kyojod is down.  The
 * article index is brought up to date first; when it cannot be (another
 * user's node directory), records are still shown, with a warning.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "node/cli.h"
#include "node/commands.h"
#include "node/search.h"
#include "node/store.h"
#include "protocol/indicator.h"
#include "protocol/json.h"

#define NOTHING	(-1)	/* nothing found this way: try the next */

struct show {
	const char *dir;
	bool json;
	int type;			/* 0: every type */
	struct store *st;
	struct search *s;		/* NULL: no article index */
	cJSON *articles;		/* --json: the articles found */
	size_t narticles;
	uint8_t seen[256][32];		/* articles listed, to list each once */
	size_t nseen;
};

static const struct option s_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "type", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

/* The fields of a record, one a line, then its body. */
static void
s_record_text(const cJSON *j)
{
	const cJSON *v;
	char *body = cJSON_Print(json_get(j, "body"));

	cJSON_ArrayForEach(v, j) {
		if (cJSON_IsString(v))
			printf("%-9s %s\n", v->string, v->valuestring);
		else if (cJSON_IsNumber(v))
			printf("%-9s %.0f\n", v->string, v->valuedouble);
		else if (cJSON_IsBool(v))
			printf("%-9s %s\n", v->string, cJSON_IsTrue(v) ? "yes" : "no");
	}
	printf("body      %s\n", body ? body : "null");
	cJSON_free(body);
}

static const char *
s_str(const cJSON *o, const char *key)
{
	const cJSON *v = o != NULL ? json_get(o, key) : NULL;

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* One line per record, as `kyojo search` prints them. */
static int
s_record_line(void *ctx, const struct record *r)
{
	struct show *s = ctx;
	char id[65], when[32];
	time_t t = (time_t)r->h.created;
	const char *why;
	cJSON *b = NULL;

	if (s->json)
		return 0;
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
	else if (r->h.kind == RK_SIGHTING)
		printf("%s %s %s\n", s_str(b, "verdict"), s_str(b, "type"),
		    s_str(b, "value"));
	else
		printf("%s %s %s\n", s_str(b, "type"), s_str(b, "value"),
		    s_str(b, "category"));
	cJSON_Delete(b);
	return 0;
}

/* An article that references what is shown: listed once. */
static int
s_article(void *ctx, const struct search_doc *d)
{
	struct show *s = ctx;
	char hex[65], when[32];
	time_t t = (time_t)d->created;
	struct tm tm;

	for (size_t i = 0; i < s->nseen; i++)
		if (memcmp(s->seen[i], d->id, 32) == 0)
			return 0;
	if (s->nseen < sizeof(s->seen) / sizeof(s->seen[0]))
		memcpy(s->seen[s->nseen++], d->id, 32);
	record_hex(d->id, 32, hex);
	if (s->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", hex);
		cJSON_AddStringToObject(o, "title", d->title);
		cJSON_AddStringToObject(o, "lang", d->lang);
		cJSON_AddNumberToObject(o, "created", (double)d->created);
		cJSON_AddItemToArray(s->articles, o);
		s->narticles++;
		return 0;
	}
	if (s->narticles++ == 0)
		printf("# articles about it\n");
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d", &tm) == 0)
		snprintf(when, sizeof(when), "%" PRIu64, d->created);
	printf("%.16s  %s  %-3s %s\n", hex, when, d->lang, d->title);
	return 0;
}

/* The articles are extra: a failure to read them is a warning. */
static void
s_articles_rc(int rc)
{
	if (rc < 0)
		fprintf(stderr, "kyojo show: articles: %s\n", ky_strerror(rc));
}

/* Opens the article index, updated; on failure a warning and no index. */
static void
s_index(struct show *s)
{
	struct search_sync_stats ss;
	char path[2048];
	const char *why = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/search", s->dir);
	if ((rc = search_open(path, &s->s, &why)) == 0 &&
	    (rc = search_sync(s->s, s->st, &ss, &why)) == 0)
		return;
	fprintf(stderr, "kyojo show: %s: %s; articles are not shown\n", path,
	    why ? why : ky_strerror(rc));
	search_close(&s->s);
}

/* `kyojo article show` for an article id, after closing our handles:
 * one process must never open an LMDB environment twice. */
static int
s_as_article(struct show *s, const uint8_t id[32])
{
	char hex[65];
	char *av[] = { "article", "show", "-d", (char *)s->dir, hex,
	    s->json ? "--json" : NULL, NULL };

	record_hex(id, 32, hex);
	search_close(&s->s);
	store_close(&s->st);
	cJSON_Delete(s->articles);
	s->articles = NULL;
	return cmd_article(s->json ? 6 : 5, av);
}

/* A record by id.  NOTHING if there is none, else an exit status. */
static int
s_by_id(struct show *s, const uint8_t id[32])
{
	struct store_txn *t;
	struct record r;
	cJSON *j;
	int rc;

	if ((rc = store_read_begin(s->st, &t)) != 0)
		return cli_fail(CLI_USAGE, "show", "%s", ky_strerror(rc));
	if ((rc = store_get(t, id, &r)) != 0) {
		store_read_end(&t);
		return rc == KY_ENOTFOUND ? NOTHING :
		    cli_fail(CLI_USAGE, "show", "%s", ky_strerror(rc));
	}
	if (r.h.kind == RK_ARTICLE && s->s != NULL) {
		struct search_doc d;

		store_read_end(&t);
		if (search_get(s->s, id, &d) == 0)
			return s_as_article(s, id);
		if ((rc = store_read_begin(s->st, &t)) != 0 ||
		    (rc = store_get(t, id, &r)) != 0) {
			store_read_end(&t);
			return cli_fail(CLI_USAGE, "show", "%s", ky_strerror(rc));
		}
	}
	j = cli_record_json(&r);
	store_read_end(&t);
	if (!s->json)
		s_record_text(j);
	if (s->s != NULL)
		s_articles_rc(search_refs(s->s, id, s_article, s));
	if (s->json) {
		cJSON_AddItemToObject(j, "articles", s->articles);
		s->articles = NULL;
		cli_print_json(j);
	}
	cJSON_Delete(j);
	return CLI_OK;
}

struct value_ctx {
	cJSON *records;
	struct show *s;
	uint8_t ids[64][32];	/* records found, for their articles */
	size_t n;
};

static int
s_value_rec(void *ctx, const struct record *r)
{
	struct value_ctx *c = ctx;

	if (c->n < sizeof(c->ids) / sizeof(c->ids[0]))
		memcpy(c->ids[c->n++], r->id, 32);
	if (c->records != NULL)
		cJSON_AddItemToArray(c->records, cli_record_json(r));
	return s_record_line(c->s, r);
}

/* Everything about an indicator value.  NOTHING if nothing. */
static int
s_by_value(struct show *s, const char *value, cJSON *out)
{
	char norm[INDICATOR_VALUE_MAX + 1];
	cJSON *matches = out ? cJSON_AddArrayToObject(out, "matches") : NULL;
	struct store_txn *t;
	const char *why;
	bool found = false;
	int rc;

	for (int type = 1; type <= IT_MAX; type++) {
		struct value_ctx c = { .s = s };
		uint32_t origins = 0;
		cJSON *m = NULL;

		if ((s->type != 0 && type != s->type) ||
		    indicator_normalize(type, value, strlen(value), norm,
		    sizeof(norm), &why) != 0)
			continue;
		if (out != NULL) {
			m = cJSON_CreateObject();
			cJSON_AddStringToObject(m, "type", indicator_type_name(type));
			cJSON_AddStringToObject(m, "value", norm);
			c.records = cJSON_AddArrayToObject(m, "records");
		}
		if ((rc = store_read_begin(s->st, &t)) != 0) {
			cJSON_Delete(m);
			return cli_fail(CLI_USAGE, "show", "%s", ky_strerror(rc));
		}
		/* Count first, so the header comes before the records. */
		rc = store_value(t, type, norm, strlen(norm), NULL, NULL,
		    &origins);
		if (rc == 0 && origins > 0) {
			if (!s->json)
				printf("# %s %s: reported by %u origin%s\n",
				    indicator_type_name(type), norm, origins,
				    origins == 1 ? "" : "s");
			rc = store_value(t, type, norm, strlen(norm), s_value_rec,
			    &c, NULL);
		}
		store_read_end(&t);
		if (rc < 0) {
			cJSON_Delete(m);
			return cli_fail(CLI_USAGE, "show", "%s", ky_strerror(rc));
		}
		if (s->s != NULL) {
			size_t before = s->narticles;

			for (size_t i = 0; i < c.n; i++)
				s_articles_rc(search_refs(s->s, c.ids[i],
				    s_article, s));
			s_articles_rc(search_refs_value(s->s, type, norm,
			    s_article, s));
			found = found || s->narticles > before;
		}
		if (origins == 0 && m != NULL &&
		    cJSON_GetArraySize(c.records) == 0) {
			cJSON_Delete(m);
			continue;
		}
		found = found || origins > 0;
		if (m != NULL)
			cJSON_AddItemToArray(matches, m);
	}
	return found ? CLI_OK : NOTHING;
}

int
cmd_show(int argc, char **argv)
{
	struct show *s;
	char path[2048];
	const char *why = NULL, *arg;
	uint8_t id[32];
	cJSON *out = NULL;
	int c, rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return cli_fail(CLI_USAGE, "show", "out of memory");
	s->dir = cli_default_dir();
	optind = 0;
	while ((c = getopt_long(argc, argv, "d:", s_opts, NULL)) != -1) {
		switch (c) {
		case 'd': s->dir = optarg; break;
		case 'j': s->json = true; break;
		case 't':
			if ((s->type = indicator_type_from_name(optarg)) < 0) {
				free(s);
				return cli_fail(CLI_USAGE, "show", "unknown type "
				    "'%s'", optarg);
			}
			break;
		default:
			free(s);
			return cli_usage(cli_find("show"));
		}
	}
	if (argc - optind != 1) {
		free(s);
		return cli_usage(cli_find("show"));
	}
	arg = argv[optind];
	snprintf(path, sizeof(path), "%s/store", s->dir);
	if ((rc = store_open(path, STORE_RDONLY, &s->st, &why)) != 0) {
		free(s);
		return cli_fail(CLI_USAGE, "show", "%s: %s", path,
		    why ? why : ky_strerror(rc));
	}
	s_index(s);
	s->articles = cJSON_CreateArray();
	rc = NOTHING;
	/* 64 hex digits: a record id, else perhaps a sha256 value. */
	if (s->type == 0 && strlen(arg) == 64 && record_unhex(arg, id, 32) == 0)
		rc = s_by_id(s, id);
	if (rc == NOTHING) {
		if (s->json) {
			out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, "query", arg);
		}
		rc = s_by_value(s, arg, out);
		if (rc == 0 && out != NULL) {
			cJSON_AddItemToObject(out, "articles", s->articles);
			s->articles = NULL;
			cli_print_json(out);
		}
		cJSON_Delete(out);
	}
	/* Then an article id's prefix. */
	if (rc == NOTHING && s->s != NULL && search_resolve(s->s, arg, id) == 0)
		rc = s_as_article(s, id);
	if (rc == NOTHING)
		rc = cli_fail(CLI_FAIL, "show", "%s: no record, indicator or "
		    "article about it here", arg);
	cJSON_Delete(s->articles);
	search_close(&s->s);
	store_close(&s->st);
	free(s);
	return rc;
}

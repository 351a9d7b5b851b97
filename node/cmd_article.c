/*
 * kyojo article add|list|show|search|history|withdraw|reindex: know-how
 * articles.
 *
 * `add` reads a Markdown file (with optional front matter, search.h) and
 * asks kyojod to sign it (control op "article"); everything else reads
 * the store and the article index (DIR/search/) directly, after bringing
 * the index up to date with search_sync(), so it works while kyojod is
 * down.  The index is written by whoever runs kyojo: run it as the user
 * kyojod runs as.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <sodium.h>

#include "keys/keyfile.h"
#include "keys/keyring.h"
#include "node/cli.h"
#include "node/commands.h"
#include "node/ctlclient.h"
#include "node/search.h"
#include "node/store.h"
#include "protocol/indicator.h"
#include "protocol/json.h"
#include "protocol/utf8.h"

#define CONTROL_TIMEOUT_MS	30000
#define ARTICLE_MD_MAX		60000	/* leaves room for the JSON around it */

/* ---- opening a node ---- */

struct node {
	const char *dir;
	struct store *st;
	struct search *s;
	uint8_t self[32];
	bool have_self;
	struct keyring *kr;	/* names of origins; NULL if unreadable */
};

/*
 * A CLI run as root for a node owned by kyojod's user must not leave a
 * root-owned index behind, or the next run as that user could not write
 * it: hand DIR/search to the owner of DIR/store.
 */
static void
s_fix_owner(const char *dir, const char *sdir)
{
	static const char *const files[] = { "", "/data.mdb", "/lock.mdb" };
	char path[2048];
	struct stat st;

	if (geteuid() != 0)
		return;
	snprintf(path, sizeof(path), "%s/store", dir);
	if (stat(path, &st) != 0 || st.st_uid == 0)
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", sdir, files[i]);
		if (chown(path, st.st_uid, st.st_gid) != 0 && errno != ENOENT)
			fprintf(stderr, "kyojo: %s: cannot hand it to uid %u: %s\n",
			    path, (unsigned)st.st_uid, strerror(errno));
	}
}

static void
s_close(struct node *n)
{
	search_close(&n->s);
	store_close(&n->st);
	keyring_destroy(&n->kr);
}

/* Opens the store and the index of dir and, with sync, updates it. */
static int
s_open(const char *cmd, const char *dir, struct node *n, bool sync)
{
	char path[2048], spath[2048];
	struct search_sync_stats ss;
	const char *why = NULL;
	int rc, line;

	memset(n, 0, sizeof(*n));
	n->dir = dir;
	snprintf(path, sizeof(path), "%s/store", dir);
	if ((rc = store_open(path, STORE_RDONLY, &n->st, &why)) != 0)
		return cli_fail(CLI_USAGE, cmd, "%s: %s", path,
		    why ? why : ky_strerror(rc));
	snprintf(spath, sizeof(spath), "%s/search", dir);
	why = NULL;
	if ((rc = search_open(spath, &n->s, &why)) != 0) {
		s_close(n);
		return cli_fail(CLI_USAGE, cmd, "%s: %s", spath,
		    why ? why : ky_strerror(rc));
	}
	s_fix_owner(dir, spath);
	why = NULL;
	if (sync && (rc = search_sync(n->s, n->st, &ss, &why)) != 0) {
		s_close(n);
		return cli_fail(CLI_USAGE, cmd, "%s: updating the index: %s",
		    spath, why ? why : ky_strerror(rc));
	}
	snprintf(path, sizeof(path), "%s/%s", dir, KEYFILE_PUBLIC);
	n->have_self = keyfile_read_public(path, n->self, &why) == 0;
	snprintf(path, sizeof(path), "%s/keyring", dir);
	if (keyring_load(path, &n->kr, &line, &why) != 0)
		n->kr = NULL;
	return 0;
}

/* "this node", the keyring's name for the origin, or its key's start. */
static void
s_origin(const struct node *n, const uint8_t origin[32], char *out,
    size_t cap)
{
	const struct keyring_entry *e;
	char hex[65];

	record_hex(origin, 32, hex);
	if (n->have_self && memcmp(origin, n->self, 32) == 0)
		snprintf(out, cap, "this node");
	else if (n->kr != NULL && (e = keyring_find(n->kr, origin)) != NULL &&
	    e->note[0] != '\0')
		snprintf(out, cap, "%s (%.16s)", e->note, hex);
	else
		snprintf(out, cap, "%.16s", hex);
}

static void
s_when(uint64_t t, char *out, size_t cap, bool minutes)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, minutes ? "%Y-%m-%d %H:%M" : "%Y-%m-%d",
	    &tm) == 0)
		snprintf(out, cap, "%" PRIu64, t);
}

static const char *
s_state(const struct search_doc *d)
{
	if (d->flags & SEARCH_RETRACTED)
		return "retracted";
	if (d->flags & SEARCH_EXPIRED)
		return "expired";
	if (d->flags & SEARCH_SUPERSEDED)
		return "superseded";
	return "current";
}

/* Bold on a terminal that wants it; 【】 elsewhere. */
static bool
s_tty(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
	    term != NULL && strcmp(term, "dumb") != 0;
}

static cJSON *
s_doc_json(const struct node *n, const struct search_doc *d)
{
	cJSON *o = cJSON_CreateObject(), *tags;
	char hex[65];

	(void)n;
	record_hex(d->id, 32, hex);
	cJSON_AddStringToObject(o, "id", hex);
	cJSON_AddStringToObject(o, "title", d->title);
	cJSON_AddStringToObject(o, "lang", d->lang);
	tags = cJSON_AddArrayToObject(o, "tags");
	for (size_t i = 0; i < d->ntags; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(d->tags[i]));
	if (d->sector[0] != '\0')
		cJSON_AddStringToObject(o, "sector", d->sector);
	record_hex(d->origin, 32, hex);
	cJSON_AddStringToObject(o, "origin", hex);
	cJSON_AddNumberToObject(o, "created", (double)d->created);
	cJSON_AddStringToObject(o, "tlp", record_tlp_name(d->tlp));
	cJSON_AddStringToObject(o, "state", s_state(d));
	if (sodium_is_zero(d->supersedes, 32) == 0) {
		record_hex(d->supersedes, 32, hex);
		cJSON_AddStringToObject(o, "supersedes", hex);
	}
	cJSON_AddNumberToObject(o, "nrefs", d->nrefs);
	return o;
}

/* One line: id prefix, date, language, title, tags. */
static void
s_doc_line(const struct node *n, const struct search_doc *d, bool state)
{
	char hex[65], when[32];

	(void)n;
	record_hex(d->id, 32, hex);
	s_when(d->created, when, sizeof(when), false);
	printf("%.16s  %s  %-3s %s", hex, when, d->lang, d->title[0] ?
	    d->title : "(withdrawn)");
	for (size_t i = 0; i < d->ntags; i++)
		printf("%s#%s", i == 0 ? "  " : " ", d->tags[i]);
	if (state && !search_doc_visible(d))
		printf("  (%s)", s_state(d));
	printf("\n");
}

/* ---- option parsing ---- */

struct aopts {
	const char *dir;
	bool json, all, dry_run;
	long limit;
	const char *lang, *tag, *title, *sector, *tlp, *pap, *supersedes,
	    *reason;
	cJSON *tags, *refs;	/* --tag/--tags, --ref/--refs; NULL: none given */
	cJSON *to;		/* --to: recipients of a sealed (AMBER, RED) article */
};

enum {
	O_JSON = 256, O_ALL, O_LIMIT, O_LANG, O_TAG, O_TAGS, O_TITLE, O_SECTOR,
	O_TLP, O_PAP, O_SUPERSEDES, O_REF, O_REFS, O_REASON, O_DRY_RUN, O_TO,
};

static const struct option s_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, O_JSON },
	{ "all", no_argument, NULL, O_ALL },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "lang", required_argument, NULL, O_LANG },
	{ "tag", required_argument, NULL, O_TAG },
	{ "tags", required_argument, NULL, O_TAGS },
	{ "title", required_argument, NULL, O_TITLE },
	{ "sector", required_argument, NULL, O_SECTOR },
	{ "tlp", required_argument, NULL, O_TLP },
	{ "pap", required_argument, NULL, O_PAP },
	{ "supersedes", required_argument, NULL, O_SUPERSEDES },
	{ "ref", required_argument, NULL, O_REF },
	{ "refs", required_argument, NULL, O_REFS },
	{ "reason", required_argument, NULL, O_REASON },
	{ "dry-run", no_argument, NULL, O_DRY_RUN },
	{ "to", required_argument, NULL, O_TO },
	{ NULL, 0, NULL, 0 },
};

/* Adds the comma-separated items of s to *arr (created on first use). */
static void
s_add_list(cJSON **arr, const char *s, bool split)
{
	const char *p = s;

	if (*arr == NULL)
		*arr = cJSON_CreateArray();
	while (*p != '\0') {
		size_t n = split ? strcspn(p, ",") : strlen(p), a = 0, b = n;

		while (a < b && (p[a] == ' ' || p[a] == '\t'))
			a++;
		while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
			b--;
		if (b > a) {
			char *item = strndup(p + a, b - a);

			if (item != NULL)
				cJSON_AddItemToArray(*arr, cJSON_CreateString(item));
			free(item);
		}
		p += n;
		if (*p == ',')
			p++;
	}
}

static void
s_opts_clear(struct aopts *o)
{
	cJSON_Delete(o->tags);
	cJSON_Delete(o->refs);
	cJSON_Delete(o->to);
	o->tags = o->refs = o->to = NULL;
}

/* Whether name is one of the space-separated words of allowed. */
static bool
s_allowed(const char *allowed, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = allowed; *p != '\0'; p += strcspn(p, " "),
	    p += *p == ' ')
		if (strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* Parses options for subcommand cmd ("article add"); -1 to go on, else an
 * exit status. */
static int
s_parse(int argc, char **argv, struct aopts *o, const char *allowed)
{
	char *end;
	int c;

	*o = (struct aopts){ .dir = cli_default_dir(), .limit = -1 };
	optind = 0;
	while ((c = getopt_long(argc, argv, "d:", s_opts, NULL)) != -1) {
		const struct option *opt = NULL;

		for (const struct option *x = s_opts; x->name != NULL; x++)
			if (x->val == c)
				opt = x;
		if (c != 'd' && c != '?' && opt != NULL &&
		    !s_allowed(allowed, opt->name)) {
			s_opts_clear(o);
			return cli_fail(CLI_USAGE, "article", "--%s: not an option "
			    "of 'article %s'", opt->name, argv[0]);
		}
		switch (c) {
		case 'd': o->dir = optarg; break;
		case O_JSON: o->json = true; break;
		case O_ALL: o->all = true; break;
		case O_LIMIT:
			o->limit = strtol(optarg, &end, 10);
			if (*end != '\0' || o->limit < 1 || o->limit > 1000) {
				s_opts_clear(o);
				return cli_fail(CLI_USAGE, "article",
				    "--limit: a count from 1 to 1000");
			}
			break;
		case O_LANG: o->lang = optarg; break;
		case O_TAG: s_add_list(&o->tags, optarg, false); break;
		case O_TAGS: s_add_list(&o->tags, optarg, true); break;
		case O_TITLE: o->title = optarg; break;
		case O_SECTOR: o->sector = optarg; break;
		case O_TLP: o->tlp = optarg; break;
		case O_PAP: o->pap = optarg; break;
		case O_SUPERSEDES: o->supersedes = optarg; break;
		case O_REF: s_add_list(&o->refs, optarg, false); break;
		case O_REFS: s_add_list(&o->refs, optarg, true); break;
		case O_REASON: o->reason = optarg; break;
		case O_DRY_RUN: o->dry_run = true; break;
		case O_TO: s_add_list(&o->to, optarg, false); break;
		default:
			s_opts_clear(o);
			return cli_usage(cli_find("article"));
		}
	}
	return -1;
}

/* An article id given by the user: 64 hex digits or a unique prefix. */
static int
s_resolve(const struct node *n, const char *arg, uint8_t id[32])
{
	int rc = search_resolve(n->s, arg, id);

	if (rc == KY_EINVAL)
		return cli_fail(CLI_USAGE, "article", "%s: not an article id "
		    "(64 hex digits, or at least 8 of its first)", arg);
	if (rc == KY_EEXIST)
		return cli_fail(CLI_FAIL, "article", "%s: more than one article "
		    "id starts so: give more digits", arg);
	if (rc == KY_ENOTFOUND)
		return cli_fail(CLI_FAIL, "article", "%s: no such article here",
		    arg);
	if (rc != 0)
		return cli_fail(CLI_USAGE, "article", "%s", ky_strerror(rc));
	return 0;
}

/* ---- add ---- */

struct refs_ctx {
	cJSON *arr;
	size_t n;
};

static int
s_ref_rec(void *ctx, const struct record *r)
{
	struct refs_ctx *c = ctx;
	char hex[65];

	if (r->h.kind != RK_INDICATOR || cJSON_GetArraySize(c->arr) >= 256)
		return 0;
	record_hex(r->id, 32, hex);
	cJSON_AddItemToArray(c->arr, cJSON_CreateString(hex));
	c->n++;
	return 0;
}

/*
 * The refs of the request: record ids as they are, and indicator values
 * (--ref 203.0.113.45) as the ids of the live indicators about them.
 */
static int
s_refs(const char *dir, const cJSON *in, cJSON *out)
{
	struct refs_ctx c = { out, 0 };
	struct store *st = NULL;
	struct store_txn *t = NULL;
	char norm[INDICATOR_VALUE_MAX + 1], path[2048];
	const char *why = NULL;
	const cJSON *it;
	int rc = CLI_OK;

	cJSON_ArrayForEach(it, in) {
		const char *v = it->valuestring;
		uint8_t id[32];
		size_t before;

		if (strlen(v) == 64 && record_unhex(v, id, 32) == 0) {
			char hex[65];

			record_hex(id, 32, hex);
			cJSON_AddItemToArray(out, cJSON_CreateString(hex));
			continue;
		}
		if (st == NULL) {
			snprintf(path, sizeof(path), "%s/store", dir);
			if (store_open(path, STORE_RDONLY, &st, &why) != 0 ||
			    store_read_begin(st, &t) != 0) {
				rc = cli_fail(CLI_USAGE, "article", "%s: %s", path,
				    why ? why : "cannot read the store");
				break;
			}
		}
		before = c.n;
		for (int type = 1; type <= IT_MAX && rc == CLI_OK; type++)
			if (indicator_normalize(type, v, strlen(v), norm,
			    sizeof(norm), &why) == 0 &&
			    store_value(t, type, norm, strlen(norm), s_ref_rec,
			    &c, NULL) < 0)
				rc = cli_fail(CLI_USAGE, "article", "%s: cannot "
				    "read the store", path);
		if (rc != CLI_OK)
			break;
		if (c.n == before) {
			rc = cli_fail(CLI_FAIL, "article", "--ref %s: neither a "
			    "record id nor a value this node holds indicators "
			    "about", v);
			break;
		}
	}
	store_read_end(&t);
	store_close(&st);
	return rc;
}

static void
s_set_str(cJSON *req, const char *key, const char *opt, const char *fm)
{
	const char *v = opt != NULL ? opt : fm;

	if (v != NULL && v[0] != '\0')
		cJSON_AddStringToObject(req, key, v);
}

static int
s_add(int argc, char **argv)
{
	struct aopts o;
	struct search_fm *fm = NULL;
	const char *why = NULL, *path, *md, *lang;
	char title[BODY_TITLE_MAX + 1];
	cJSON *req = NULL, *reply = NULL, *arr;
	uint8_t *text = NULL;
	size_t len, line, mdlen;
	int rc;

	if ((rc = s_parse(argc, argv, &o, "title lang tag tags ref refs "
	    "sector tlp pap supersedes dry-run to")) >= 0)
		return rc;
	if (argc - optind != 1) {
		s_opts_clear(&o);
		return cli_usage(cli_find("article"));
	}
	path = argv[optind];
	if ((rc = cli_read_file(path, RECORD_BODY_MAX, &text, &len)) != 0) {
		rc = rc == KY_ETOOBIG ?
		    cli_fail(CLI_FAIL, "article", "%s: over 64 KiB: an article "
		    "is one signed record; split it", path) :
		    cli_fail(CLI_USAGE, "article", "%s: %s", path,
		    ky_strerror(rc));
		goto out;
	}
	if (!utf8_is_valid(text, len)) {
		rc = cli_fail(CLI_FAIL, "article", "%s: not UTF-8 text (a file "
		    "saved as Shift_JIS? convert it: iconv -f SHIFT_JIS -t "
		    "UTF-8)", path);
		goto out;
	}
	if ((fm = malloc(sizeof(*fm))) == NULL) {
		rc = cli_fail(CLI_USAGE, "article", "out of memory");
		goto out;
	}
	if (search_frontmatter((const char *)text, len, fm, &line, &why) != 0) {
		rc = cli_fail(CLI_FAIL, "article", "%s:%zu: %s", path, line, why);
		goto out;
	}
	if (fm->unknown[0] != '\0')
		fprintf(stderr, "kyojo article: %s:%zu: ignoring the front matter "
		    "key '%s' (known: title, lang, tags, refs, sector, tlp, pap, "
		    "supersedes)\n", path, fm->unknown_line, fm->unknown);
	md = (const char *)text + fm->body;
	mdlen = len - fm->body;
	while (mdlen > 0 && (md[mdlen - 1] == '\n' || md[mdlen - 1] == ' ' ||
	    md[mdlen - 1] == '\r' || md[mdlen - 1] == '\t'))
		mdlen--;
	if (mdlen == 0) {
		rc = cli_fail(CLI_FAIL, "article", "%s: the article has no text "
		    "after its front matter", path);
		goto out;
	}
	if (mdlen > ARTICLE_MD_MAX) {
		rc = cli_fail(CLI_FAIL, "article", "%s: %zu bytes of Markdown; "
		    "an article is one signed record of at most 64 KiB: split "
		    "it", path, mdlen);
		goto out;
	}
	if (o.title != NULL)
		snprintf(title, sizeof(title), "%s", o.title);
	else if (fm->title[0] != '\0')
		snprintf(title, sizeof(title), "%s", fm->title);
	else if (!search_md_title(md, mdlen, title, sizeof(title))) {
		rc = cli_fail(CLI_FAIL, "article", "%s: no title: give --title, "
		    "a 'title:' in the front matter, or a '# heading'", path);
		goto out;
	}
	lang = o.lang != NULL ? o.lang : fm->lang[0] != '\0' ? fm->lang : NULL;
	if (lang == NULL) {
		lang = search_guess_lang(md, mdlen);
		fprintf(stderr, "kyojo article: %s: no language given; taking "
		    "'%s' (use --lang)\n", path, lang);
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "article");
	cJSON_AddStringToObject(req, "title", title);
	cJSON_AddStringToObject(req, "lang", lang);
	{
		char *body = strndup(md, mdlen);

		if (body == NULL) {
			rc = cli_fail(CLI_USAGE, "article", "out of memory");
			goto out;
		}
		cJSON_AddStringToObject(req, "body_md", body);
		free(body);
	}
	if (o.tags != NULL) {
		cJSON_AddItemToObject(req, "tags", o.tags);
		o.tags = NULL;
	} else if (fm->ntags > 0) {
		arr = cJSON_AddArrayToObject(req, "tags");
		for (size_t i = 0; i < fm->ntags; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(fm->tags[i]));
	}
	if (o.refs != NULL || fm->nrefs > 0) {
		cJSON *in = o.refs;

		if (in == NULL) {
			in = cJSON_CreateArray();
			for (size_t i = 0; i < fm->nrefs; i++)
				cJSON_AddItemToArray(in,
				    cJSON_CreateString(fm->refs[i]));
		}
		o.refs = NULL;
		arr = cJSON_AddArrayToObject(req, "refs");
		rc = s_refs(o.dir, in, arr);
		cJSON_Delete(in);
		if (rc != CLI_OK)
			goto out;
	}
	s_set_str(req, "sector", o.sector, fm->sector);
	s_set_str(req, "tlp", o.tlp, fm->tlp);
	s_set_str(req, "pap", o.pap, fm->pap);
	if (o.supersedes != NULL || fm->supersedes[0] != '\0') {
		const char *sup = o.supersedes ? o.supersedes : fm->supersedes;
		struct node n;
		uint8_t id[32];
		char hex[65];

		if (strlen(sup) == 64) {
			cJSON_AddStringToObject(req, "supersedes", sup);
		} else {
			if ((rc = s_open("article", o.dir, &n, true)) != 0)
				goto out;
			rc = s_resolve(&n, sup, id);
			s_close(&n);
			if (rc != 0)
				goto out;
			record_hex(id, 32, hex);
			cJSON_AddStringToObject(req, "supersedes", hex);
		}
	}
	if (o.to != NULL) {
		cJSON_AddItemToObject(req, "to", o.to);
		o.to = NULL;
	}
	if (o.dry_run)
		cJSON_AddBoolToObject(req, "dry_run", true);
	rc = ctlclient_call(o.dir, req, CONTROL_TIMEOUT_MS, &reply, &why);
	if (rc != 0) {
		rc = cli_fail(CLI_FAIL, "article", "%s: %s", o.dir, why);
		goto out;
	}
	if (o.dry_run && cJSON_IsTrue(json_get(reply, "ok"))) {
		/* Scrubbed and checked, not signed. */
		cli_print_dry_run(reply);
		rc = CLI_OK;
		goto out;
	}
	{
		const cJSON *ok = json_get(reply, "ok"), *ids = json_get(reply,
		    "ids"), *err = json_get(reply, "error"), *id;

		if (!cJSON_IsTrue(ok) || !cJSON_IsArray(ids)) {
			rc = cli_fail(CLI_FAIL, "article", "refused: %s",
			    cJSON_IsString(err) ? err->valuestring :
			    "no reason given");
			goto out;
		}
		cJSON_ArrayForEach(id, ids)
			if (cJSON_IsString(id))
				printf("%s\n", id->valuestring);
	}
	rc = CLI_OK;
out:
	s_opts_clear(&o);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	free(text);
	free(fm);
	return rc;
}

/* ---- list ---- */

struct list_ctx {
	const struct node *n;
	const struct aopts *o;
	cJSON *arr;
	long shown;
};

static bool
s_matches(const struct aopts *o, const struct search_doc *d)
{
	size_t n;

	if (o->lang != NULL) {
		n = strlen(o->lang);
		if (strcasecmp(d->lang, o->lang) != 0 &&
		    !(strncasecmp(d->lang, o->lang, n) == 0 && d->lang[n] == '-'))
			return false;
	}
	if (o->tags != NULL) {
		const cJSON *t;

		cJSON_ArrayForEach(t, o->tags) {
			bool has = false;

			for (size_t i = 0; i < d->ntags; i++)
				has = has || strcasecmp(d->tags[i],
				    t->valuestring) == 0;
			if (!has)
				return false;
		}
	}
	return true;
}

static int
s_list_cb(void *ctx, const struct search_doc *d)
{
	struct list_ctx *c = ctx;

	if (!s_matches(c->o, d))
		return 0;
	if (c->shown >= c->o->limit)
		return 1;
	c->shown++;
	if (c->arr != NULL)
		cJSON_AddItemToArray(c->arr, s_doc_json(c->n, d));
	else
		s_doc_line(c->n, d, true);
	return 0;
}

static int
s_list(int argc, char **argv)
{
	struct aopts o;
	struct node n;
	struct list_ctx c = { .n = &n, .o = &o };
	int rc;

	if ((rc = s_parse(argc, argv, &o, "json all limit lang tag tags")) >= 0)
		return rc;
	if (o.limit < 0)
		o.limit = 50;
	if (argc != optind) {
		s_opts_clear(&o);
		return cli_usage(cli_find("article"));
	}
	if ((rc = s_open("article", o.dir, &n, true)) != 0) {
		s_opts_clear(&o);
		return rc;
	}
	if (o.json)
		c.arr = cJSON_CreateArray();
	rc = search_list(n.s, o.all ? SEARCH_ALL : 0, s_list_cb, &c);
	if (rc < 0)
		rc = cli_fail(CLI_USAGE, "article", "%s", ky_strerror(rc));
	else if (c.arr != NULL)
		cli_print_json(c.arr);
	else if (c.shown == 0)
		printf("no articles%s\n", o.lang || o.tags ? " match" : " yet");
	cJSON_Delete(c.arr);
	s_close(&n);
	s_opts_clear(&o);
	return rc < 0 ? rc : CLI_OK;
}

/* ---- search ---- */

static int
s_search(int argc, char **argv)
{
	struct search_query q = { 0 };
	struct search_hits h;
	struct aopts o;
	struct node n;
	const char *why = NULL;
	bool tty = s_tty();
	char *text = NULL;
	size_t tl = 0;
	int rc;

	if ((rc = s_parse(argc, argv, &o, "json all limit lang tag")) >= 0)
		return rc;
	if (argc == optind) {
		s_opts_clear(&o);
		return cli_usage(cli_find("article"));
	}
	for (int i = optind; i < argc; i++)
		tl += strlen(argv[i]) + 1;
	if ((text = calloc(1, tl + 1)) == NULL) {
		s_opts_clear(&o);
		return cli_fail(CLI_USAGE, "article", "out of memory");
	}
	for (int i = optind; i < argc; i++) {
		strcat(text, argv[i]);
		if (i + 1 < argc)
			strcat(text, " ");
	}
	if (!utf8_is_valid(text, strlen(text))) {
		free(text);
		s_opts_clear(&o);
		return cli_fail(CLI_USAGE, "article", "the query is not UTF-8 "
		    "(check the terminal's encoding)");
	}
	if ((rc = s_open("article", o.dir, &n, true)) != 0) {
		free(text);
		s_opts_clear(&o);
		return rc;
	}
	q.text = text;
	q.lang = o.lang;
	q.tag = o.tags != NULL ? cJSON_GetArrayItem(o.tags, 0)->valuestring :
	    NULL;
	q.limit = o.limit > 0 ? (size_t)o.limit : 10;
	q.all = o.all;
	q.open = tty && !o.json ? "\033[1m" : "【";
	q.close = tty && !o.json ? "\033[0m" : "】";
	if ((rc = search_query(n.s, n.st, &q, &h, &why)) != 0) {
		rc = cli_fail(rc == KY_EINVAL ? CLI_USAGE : CLI_FAIL, "article",
		    "%s", why ? why : ky_strerror(rc));
		goto out;
	}
	if (o.json) {
		cJSON *j = cJSON_CreateObject(), *arr;

		cJSON_AddStringToObject(j, "query", text);
		cJSON_AddNumberToObject(j, "total", (double)h.total);
		arr = cJSON_AddArrayToObject(j, "results");
		for (size_t i = 0; i < h.n; i++) {
			cJSON *r = s_doc_json(&n, &h.hit[i].doc);

			cJSON_AddNumberToObject(r, "score",
			    (double)(long)(h.hit[i].score * 1000) / 1000);
			cJSON_AddStringToObject(r, "snippet", h.hit[i].snippet);
			cJSON_AddItemToArray(arr, r);
		}
		cli_print_json(j);
		cJSON_Delete(j);
	} else if (h.total == 0) {
		printf("no article matches \"%s\"\n", text);
	} else {
		printf("%zu article%s match%s \"%s\"%s\n", h.total,
		    h.total == 1 ? "" : "s", h.total == 1 ? "es" : "", text,
		    h.n < h.total ? " (best first; --limit for more)" : "");
		for (size_t i = 0; i < h.n; i++) {
			const struct search_doc *d = &h.hit[i].doc;
			char hex[65], when[32], from[300];

			record_hex(d->id, 32, hex);
			s_when(d->created, when, sizeof(when), false);
			s_origin(&n, d->origin, from, sizeof(from));
			printf("\n%s%s%s\n", tty ? "\033[1m" : "", d->title,
			    tty ? "\033[0m" : "");
			printf("  %.16s  %s  %s  %s  from %s%s\n", hex, when,
			    d->lang, record_tlp_name(d->tlp), from,
			    search_doc_visible(d) ? "" : "  (superseded)");
			if (h.hit[i].snippet[0] != '\0')
				printf("  %s\n", h.hit[i].snippet);
		}
	}
	search_hits_clear(&h);
	rc = CLI_OK;
out:
	s_close(&n);
	free(text);
	s_opts_clear(&o);
	return rc;
}

/* ---- show and history ---- */

struct hist_ctx {
	const struct node *n;
	const uint8_t *mark;	/* the version asked about */
	cJSON *arr;
	size_t count, pos;	/* versions; 1-based position of mark */
	char newest[65];	/* hex id of the newest live version */
};

static int
s_hist_cb(void *ctx, const struct search_doc *d)
{
	struct hist_ctx *c = ctx;
	char hex[65], when[32];

	c->count++;
	record_hex(d->id, 32, hex);
	if (memcmp(d->id, c->mark, 32) == 0)
		c->pos = c->count;
	if (search_doc_visible(d))
		memcpy(c->newest, hex, sizeof(hex));
	if (c->arr != NULL) {
		cJSON_AddItemToArray(c->arr, s_doc_json(c->n, d));
		return 0;
	}
	s_when(d->created, when, sizeof(when), true);
	printf("  %2zu  %.16s  %s  %-10s %s%s\n", c->count, hex, when,
	    s_state(d), d->title[0] ? d->title : "(withdrawn)",
	    memcmp(d->id, c->mark, 32) == 0 ? "   <-" : "");
	return 0;
}

static int
s_history(int argc, char **argv)
{
	struct aopts o;
	struct node n;
	struct hist_ctx c = { .n = &n };
	uint8_t id[32];
	int rc;

	if ((rc = s_parse(argc, argv, &o, "json")) >= 0)
		return rc;
	if (argc - optind != 1)
		return cli_usage(cli_find("article"));
	if ((rc = s_open("article", o.dir, &n, true)) != 0)
		return rc;
	if ((rc = s_resolve(&n, argv[optind], id)) != 0)
		goto out;
	c.mark = id;
	if (o.json)
		c.arr = cJSON_CreateArray();
	else
		printf("versions, oldest first:\n");
	if ((rc = search_history(n.s, id, s_hist_cb, &c)) < 0) {
		rc = cli_fail(CLI_USAGE, "article", "%s", ky_strerror(rc));
		goto out;
	}
	if (c.arr != NULL)
		cli_print_json(c.arr);
	rc = CLI_OK;
out:
	cJSON_Delete(c.arr);
	s_close(&n);
	return rc;
}

static int
s_show(int argc, char **argv)
{
	struct aopts o;
	struct node n;
	struct search_doc d;
	struct hist_ctx c = { .n = &n };
	struct store_txn *t = NULL;
	struct record r;
	const cJSON *md = NULL, *refs = NULL, *it;
	cJSON *body = NULL;
	char hex[65], when[32], from[300];
	const char *why;
	uint8_t id[32];
	int rc;

	if ((rc = s_parse(argc, argv, &o, "json")) >= 0)
		return rc;
	if (argc - optind != 1)
		return cli_usage(cli_find("article"));
	if ((rc = s_open("article", o.dir, &n, true)) != 0)
		return rc;
	if ((rc = s_resolve(&n, argv[optind], id)) != 0)
		goto out;
	if ((rc = search_get(n.s, id, &d)) != 0) {
		rc = cli_fail(CLI_USAGE, "article", "%s", ky_strerror(rc));
		goto out;
	}
	if ((rc = store_read_begin(n.st, &t)) != 0) {
		rc = cli_fail(CLI_USAGE, "article", "%s", ky_strerror(rc));
		goto out;
	}
	if (store_get(t, id, &r) == 0 && r.body != NULL &&
	    json_parse_strict(r.body, r.h.body_len, &body, &why) == 0) {
		md = json_get(body, "body_md");
		refs = json_get(body, "refs");
	}
	c.mark = id;
	record_hex(id, 32, hex);
	if (o.json) {
		cJSON *j = s_doc_json(&n, &d), *ra = cJSON_AddArrayToObject(j,
		    "refs");

		cJSON_ArrayForEach(it, refs)
			if (cJSON_IsString(it))
				cJSON_AddItemToArray(ra,
				    cJSON_CreateString(it->valuestring));
		cJSON_AddStringToObject(j, "body_md", cJSON_IsString(md) ?
		    md->valuestring : "");
		c.arr = cJSON_AddArrayToObject(j, "history");
		rc = search_history(n.s, id, s_hist_cb, &c);
		cli_print_json(j);
		cJSON_Delete(j);
		c.arr = NULL;
		rc = rc < 0 ? cli_fail(CLI_USAGE, "article", "%s",
		    ky_strerror(rc)) : CLI_OK;
		goto out;
	}
	s_when(d.created, when, sizeof(when), true);
	s_origin(&n, d.origin, from, sizeof(from));
	printf("%s\n", d.title[0] ? d.title : "(withdrawn)");
	printf("id       %s\nfrom     %s\ncreated  %s\n", hex, from, when);
	printf("lang     %s   TLP %s%s%s\n", d.lang[0] ? d.lang : "-",
	    record_tlp_name(d.tlp), d.sector[0] ? "   sector " : "", d.sector);
	if (d.ntags > 0) {
		printf("tags    ");
		for (size_t i = 0; i < d.ntags; i++)
			printf(" #%s", d.tags[i]);
		printf("\n");
	}
	cJSON_ArrayForEach(it, refs) {
		uint8_t rid[32];
		struct record rr;
		bool held;

		if (!cJSON_IsString(it) ||
		    record_unhex(it->valuestring, rid, 32) != 0)
			continue;
		held = store_get(t, rid, &rr) == 0;
		printf("refs     %.16s  %s\n", it->valuestring, !held ?
		    "(not held here)" : rr.h.kind == RK_INDICATOR ?
		    "indicator" : record_kind_name(rr.h.kind));
	}
	printf("state    %s\n", s_state(&d));
	printf("\nversions, oldest first:\n");
	if ((rc = search_history(n.s, id, s_hist_cb, &c)) < 0) {
		rc = cli_fail(CLI_USAGE, "article", "%s", ky_strerror(rc));
		goto out;
	}
	if (!search_doc_visible(&d) && c.newest[0] != '\0' &&
	    (d.flags & SEARCH_SUPERSEDED))
		printf("the current version is %.16s\n", c.newest);
	printf("\n");
	if (cJSON_IsString(md))
		printf("%s\n", md->valuestring);
	else if (d.flags & SEARCH_GONE)
		printf("(%s by its origin: the text is no longer held)\n",
		    s_state(&d));
	else
		printf("(the text is not held here)\n");
	rc = CLI_OK;
out:
	cJSON_Delete(body);
	store_read_end(&t);
	s_close(&n);
	return rc;
}

/* ---- withdraw ---- */

struct withdraw_ctx {
	const struct node *n;
	uint8_t ids[64][32];
	size_t count;
	bool foreign;
};

static int
s_withdraw_cb(void *ctx, const struct search_doc *d)
{
	struct withdraw_ctx *c = ctx;

	if (!c->n->have_self || memcmp(d->origin, c->n->self, 32) != 0) {
		c->foreign = true;
		return 0;
	}
	if (!(d->flags & SEARCH_GONE) && c->count < 64)
		memcpy(c->ids[c->count++], d->id, 32);
	return 0;
}

static int
s_withdraw(int argc, char **argv)
{
	struct aopts o;
	struct node n;
	struct withdraw_ctx c = { .n = &n };
	uint8_t id[32];
	int rc, worst = CLI_OK;

	if ((rc = s_parse(argc, argv, &o, "reason")) >= 0)
		return rc;
	if (argc - optind != 1)
		return cli_usage(cli_find("article"));
	if ((rc = s_open("article", o.dir, &n, true)) != 0)
		return rc;
	if ((rc = s_resolve(&n, argv[optind], id)) != 0) {
		s_close(&n);
		return rc;
	}
	rc = search_history(n.s, id, s_withdraw_cb, &c);
	s_close(&n);
	if (rc < 0)
		return cli_fail(CLI_USAGE, "article", "%s", ky_strerror(rc));
	if (c.count == 0)
		return cli_fail(CLI_FAIL, "article", "%s: %s", argv[optind],
		    c.foreign ? "not an article of this node: only its origin "
		    "can retract it" : "every version is already withdrawn");
	for (size_t i = 0; i < c.count; i++) {
		cJSON *req = cJSON_CreateObject(), *reply = NULL;
		const char *why = NULL;
		const cJSON *ids, *err, *x;
		char hex[65];

		record_hex(c.ids[i], 32, hex);
		cJSON_AddStringToObject(req, "op", "retract");
		cJSON_AddStringToObject(req, "id", hex);
		if (o.reason != NULL)
			cJSON_AddStringToObject(req, "reason", o.reason);
		rc = ctlclient_call(o.dir, req, CONTROL_TIMEOUT_MS, &reply, &why);
		cJSON_Delete(req);
		if (rc != 0)
			return cli_fail(CLI_FAIL, "article", "%s: %s", o.dir, why);
		ids = json_get(reply, "ids");
		err = json_get(reply, "error");
		if (cJSON_IsTrue(json_get(reply, "ok")) && cJSON_IsArray(ids)) {
			cJSON_ArrayForEach(x, ids)
				if (cJSON_IsString(x))
					printf("%s\n", x->valuestring);
		} else
			worst = cli_fail(CLI_FAIL, "article", "%.16s: refused: %s",
			    hex, cJSON_IsString(err) ? err->valuestring :
			    "no reason given");
		cJSON_Delete(reply);
	}
	return worst;
}

/* ---- reindex ---- */

static int
s_reindex(int argc, char **argv)
{
	struct search_sync_stats ss;
	struct aopts o;
	struct node n;
	const char *why = NULL;
	struct timespec a, b;
	int rc;

	if ((rc = s_parse(argc, argv, &o, "")) >= 0)
		return rc;
	if (argc != optind)
		return cli_usage(cli_find("article"));
	if ((rc = s_open("article", o.dir, &n, false)) != 0)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = search_reindex(n.s, n.st, &ss, &why);
	clock_gettime(CLOCK_MONOTONIC, &b);
	s_close(&n);
	if (rc != 0)
		return cli_fail(CLI_USAGE, "article", "reindex: %s",
		    why ? why : ky_strerror(rc));
	printf("indexed %" PRIu64 " article versions from %" PRIu64
	    " changes in %.2f s", ss.indexed, ss.changes,
	    (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	if (ss.skipped > 0)
		printf(" (%" PRIu64 " held without a readable body: stubs)",
		    ss.skipped);
	printf("\n");
	return CLI_OK;
}

int
cmd_article(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} subs[] = {
		{ "add", s_add }, { "list", s_list }, { "search", s_search },
		{ "show", s_show }, { "history", s_history },
		{ "withdraw", s_withdraw }, { "reindex", s_reindex },
	};

	if (argc >= 2)
		for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
			if (strcmp(argv[1], subs[i].name) == 0)
				return subs[i].run(argc - 1, argv + 1);
	return cli_usage(cli_find("article"));
}

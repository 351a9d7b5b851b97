/*
 * cmd_view.c - `kyojo view` and `kyojo report`: a coordinator's views of
 * its region (node/view.h) as text, JSON, a signed view record, or one
 * HTML page.
 *
 * Both read the store directly (kyojod need not run); only --publish
 * and the health view talk to the daemon.
 */
#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "keys/keyfile.h"
#include "keys/keyring.h"
#include "node/cli.h"
#include "node/commands.h"
#include "node/community.h"
#include "node/config.h"
#include "node/ctlclient.h"
#include "node/report_html.h"
#include "node/view.h"
#include "node/view_record.h"
#include "protocol/indicator.h"
#include "protocol/taxonomy.h"

#define VIEW_TIMEOUT_MS	30000
#define ORIGINS_MAX	256

struct view_opts {
	const char *cmd;		/* "view" or "report" */
	const char *dir;
	int kind;
	struct view_params p;
	const char *community;		/* roster name */
	bool json, publish, merge, health;
	const char *tlp;
	int64_t ttl;
	const char *html;
	int lang;
	uint8_t origins[ORIGINS_MAX][32];
	size_t norigins;
};

/* What one invocation opened; s_close() releases it. */
struct view_env {
	struct store *s;
	struct store_txn *t;
	struct keyring *kr;
	struct rosters *rs;
	bool have_self;
	uint8_t self[32];
	uint8_t community[32];
	char region[101];
};

static const struct option s_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "since", required_argument, NULL, 's' },
	{ "until", required_argument, NULL, 'u' },
	{ "k", required_argument, NULL, 'k' },
	{ "top", required_argument, NULL, 'n' },
	{ "community", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ "publish", no_argument, NULL, 'P' },
	{ "tlp", required_argument, NULL, 't' },
	{ "ttl", required_argument, NULL, 'T' },
	{ "merge", no_argument, NULL, 'm' },
	{ "origin", required_argument, NULL, 'o' },
	{ "html", required_argument, NULL, 'h' },
	{ "lang", required_argument, NULL, 'l' },
	{ "health", no_argument, NULL, 'H' },
	{ NULL, 0, NULL, 0 },
};

/*
 * A time: unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), or a
 * span ago: 12h, 10d, 4w.  0 or -1.
 */
static int
s_time(const char *s, uint64_t now, uint64_t *out)
{
	struct tm tm;
	char *end;
	unsigned long long n;
	size_t len = strlen(s);

	if (len == 0 || !isdigit((unsigned char)s[0]))
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) != NULL &&
	    *end == '\0') {
		*out = (uint64_t)timegm(&tm);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) != NULL && *end == '\0') {
		*out = (uint64_t)timegm(&tm);
		return 0;
	}
	n = strtoull(s, &end, 10);
	if (*end == '\0') {
		*out = n;
		return 0;
	}
	if (end[1] != '\0')
		return -1;
	switch (*end) {
	case 'h': n *= 3600; break;
	case 'd': n *= 86400; break;
	case 'w': n *= VIEW_WEEK; break;
	default: return -1;
	}
	if (n > now)
		return -1;
	*out = now - n;
	return 0;
}

/* Parses the options; -1 to go on, else an exit status. */
static int
s_parse(struct view_opts *o, int argc, char **argv)
{
	char *end;
	long v;
	int c;

	o->dir = cli_default_dir();
	o->p.now = cli_now();
	o->lang = REPORT_EN;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:", s_opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 's':
		case 'u':
			if (s_time(optarg, o->p.now, c == 's' ? &o->p.since :
			    &o->p.until) != 0)
				return cli_fail(CLI_USAGE, o->cmd, "--%s: not a time "
				    "(unix seconds, 2024-05-01, or 4w ago)",
				    c == 's' ? "since" : "until");
			break;
		case 'k':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < VIEW_K_MIN || v > 1000000)
				return cli_fail(CLI_USAGE, o->cmd,
				    "--k: a count of members, at least %d",
				    VIEW_K_MIN);
			o->p.k = (uint32_t)v;
			break;
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > VIEW_ITEMS_MAX)
				return cli_fail(CLI_USAGE, o->cmd,
				    "--top: 1..%d", VIEW_ITEMS_MAX);
			o->p.top = (size_t)v;
			break;
		case 'c': o->community = optarg; break;
		case 'j': o->json = true; break;
		case 'P': o->publish = true; break;
		case 't': o->tlp = optarg; break;
		case 'T':
			if (config_parse_duration(optarg, &o->ttl) != 0)
				return cli_fail(CLI_USAGE, o->cmd,
				    "--ttl: not a duration (180d)");
			break;
		case 'm': o->merge = true; break;
		case 'o':
			if (o->norigins == ORIGINS_MAX ||
			    record_unhex(optarg, o->origins[o->norigins], 32) != 0)
				return cli_fail(CLI_USAGE, o->cmd,
				    "--origin: not 64 hex digits");
			o->norigins++;
			break;
		case 'h': o->html = optarg; break;
		case 'l':
			if ((o->lang = report_lang_from_name(optarg)) < 0)
				return cli_fail(CLI_USAGE, o->cmd,
				    "--lang: ja or en");
			break;
		case 'H': o->health = true; break;
		default:
			return cli_usage(cli_find(o->cmd));
		}
	}
	return -1;
}

static void
s_config_error(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;	/* the region name is optional: a view runs anyway */
}

/* Copies src into dst (cap bytes), cut before a whole character. */
static void
s_copy_utf8(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
s_close(struct view_env *e)
{
	store_read_end(&e->t);
	store_close(&e->s);
	rosters_free(&e->rs);
	keyring_destroy(&e->kr);
}

/* Opens the store, the keyring and the rosters of o->dir. */
static int
s_open(struct view_opts *o, struct view_env *e)
{
	char path[2048];
	const char *why = NULL;
	struct config *cfg;
	int line = 0, rc;

	memset(e, 0, sizeof(*e));
	if ((cfg = malloc(sizeof(*cfg))) != NULL) {
		config_defaults(cfg, o->dir);
		if (config_load(cfg, o->dir, s_config_error, NULL) >= 0) {
			s_copy_utf8(e->region, sizeof(e->region),
			    cfg->region[0] ? cfg->region : cfg->name);
			if (o->p.k == 0)	/* --k wins over view_k */
				o->p.k = (uint32_t)cfg->view_k;
		}
		free(cfg);
	}
	snprintf(path, sizeof(path), "%s/%s", o->dir, KEYFILE_PUBLIC);
	e->have_self = keyfile_read_public(path, e->self, &why) == 0;
	snprintf(path, sizeof(path), "%s/keyring", o->dir);
	if ((rc = keyring_load(path, &e->kr, &line, &why)) != 0)
		return cli_fail(CLI_USAGE, o->cmd, "%s:%d: %s", path, line,
		    why ? why : ky_strerror(rc));
	snprintf(path, sizeof(path), "%s/store", o->dir);
	if ((rc = store_open(path, STORE_RDONLY, &e->s, &why)) != 0) {
		s_close(e);
		return cli_fail(CLI_USAGE, o->cmd, "%s: %s", path,
		    why ? why : ky_strerror(rc));
	}
	if ((rc = store_read_begin(e->s, &e->t)) != 0 ||
	    (rc = community_load(e->t, e->kr, e->have_self ? e->self : NULL,
	    &e->rs)) != 0) {
		s_close(e);
		return cli_fail(CLI_FAIL, o->cmd, "%s", ky_strerror(rc));
	}
	o->p.rosters = e->rs;
	o->p.region = e->region;
	if (o->community != NULL) {
		const struct roster *found = NULL;

		for (size_t i = 0; i < rosters_count(e->rs); i++) {
			const struct roster *ro = rosters_at(e->rs, i);

			/* Our own roster of that name first. */
			if (strcmp(ro->name, o->community) == 0 && (found == NULL ||
			    (e->have_self && memcmp(ro->coordinator, e->self,
			    32) == 0)))
				found = ro;
		}
		if (found == NULL) {
			s_close(e);
			return cli_fail(CLI_USAGE, o->cmd, "--community: no roster "
			    "named '%s' here (kyojo roster list)", o->community);
		}
		memcpy(e->community, found->community, 32);
		o->p.community = e->community;
	}
	return 0;
}

/* kyojod's status answer, or NULL when it does not run. */
static cJSON *
s_status(const char *dir)
{
	cJSON *req = cJSON_CreateObject(), *reply = NULL;
	const char *why = NULL;

	cJSON_AddStringToObject(req, "op", "status");
	if (ctlclient_call(dir, req, 5000, &reply, &why) != 0 ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		cJSON_Delete(reply);
		reply = NULL;
	}
	cJSON_Delete(req);
	return reply;
}

/* --- text output ------------------------------------------------------- */

static const char *
s_date(uint64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return "-";
	strftime(buf, 32, "%Y-%m-%d", &tm);
	return buf;
}

/* A cell as text: the number, "-" when suppressed, "N+" a lower bound. */
static const char *
s_cell(const struct view_cell *c, bool reporters, char buf[32])
{
	if (c == NULL || (c->flags & VCELL_SUPPRESSED))
		return "-";
	snprintf(buf, 32, "%" PRIu64 "%s", reporters ? c->reporters :
	    c->records, c->flags & VCELL_PARTIAL ? "+" : "");
	return buf;
}

static void
s_header(const struct view *v)
{
	char a[32], b[32];

	printf("%s%s%s: %s .. %s (%" PRIu64 " weeks), k = %u\n",
	    view_kind_name(v->kind), v->region[0] ? " of " : "", v->region,
	    s_date(v->since, a), s_date(v->until - 1, b),
	    (v->until - v->since) / VIEW_WEEK, v->k);
	for (size_t i = 0; i < v->nregions; i++) {
		char hex[65];

		record_hex(v->regions[i].origin, 32, hex);
		printf("  region %-20s %.16s  %s .. %s\n",
		    v->regions[i].region[0] ? v->regions[i].region : "-", hex,
		    s_date(v->regions[i].since, a),
		    s_date(v->regions[i].until - 1, b));
	}
}

/* The column of t that is the period [start, end), or NULL. */
static const struct view_col *
s_col(const struct view_table *t, uint64_t start, uint64_t end)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (t->cols[c].start == start && t->cols[c].end == end)
			return &t->cols[c];
	return NULL;
}

static void
s_print_overview_table(const struct view *v, const struct view_table *t)
{
	const struct view_col *cur = s_col(t, v->since, v->until);
	const struct view_col *prev = s_col(t, v->prev_since, v->since);
	char a[32], b[32], c[32], e[32];

	printf("\n%-30s %9s %8s %9s %8s %8s\n", t->name, "reports", "members",
	    "previous", "members", "change");
	for (size_t r = 0; r < t->nrows; r++) {
		const struct view_cell *x = cur ? view_cell_get(t, t->rows[r], cur) : NULL;
		const struct view_cell *p = prev ? view_cell_get(t, t->rows[r], prev) : NULL;
		char change[32] = "-";

		if (x != NULL && p != NULL &&
		    !((x->flags | p->flags) & (VCELL_SUPPRESSED | VCELL_PARTIAL))) {
			if (p->records > 0)
				snprintf(change, sizeof(change), "%+.0f%%", 100.0 *
				    ((double)x->records - (double)p->records) /
				    (double)p->records);
			else if (x->records > 0)
				snprintf(change, sizeof(change), "new");
		}
		printf("%-30s %9s %8s %9s %8s %8s\n", t->rows[r],
		    s_cell(x, false, a), s_cell(x, true, b), s_cell(p, false, c),
		    s_cell(p, true, e), change);
	}
	/* Weekly reports, one column per week. */
	printf("\n%-30s", "reports per week from");
	for (size_t col = 0; col < t->ncols; col++)
		if (t->cols[col].end - t->cols[col].start == VIEW_WEEK)
			printf(" %6.5s", s_date(t->cols[col].start, a) + 5);
	printf("\n");
	for (size_t r = 0; r < t->nrows; r++) {
		printf("%-30s", t->rows[r]);
		for (size_t col = 0; col < t->ncols; col++)
			if (t->cols[col].end - t->cols[col].start == VIEW_WEEK)
				printf(" %6s", s_cell(&t->cells[r * t->ncols + col],
				    false, a));
		printf("\n");
	}
}

static void
s_print_items(const struct view *v)
{
	char a[32], b[32];

	if (v->nitems == 0) {
		printf("\nno indicator reported by %u or more members\n", v->k);
		return;
	}
	printf("\n%8s %8s  %-7s %-40s %-28s %-10s %-10s\n", "members",
	    "reports", "type", "value", "category", "first", "last");
	for (size_t i = 0; i < v->nitems; i++) {
		const struct view_item *it = &v->items[i];
		const char *plus = it->flags & VCELL_PARTIAL ? "+" : "";

		printf("%7" PRIu64 "%-1s %7" PRIu64 "%-1s  %-7s %-40s %-28s "
		    "%-10s %-10s\n", it->reporters, plus, it->records, plus,
		    indicator_type_name(it->type), it->value,
		    it->category[0] ? it->category : "-",
		    s_date(it->first_seen, a), s_date(it->last_seen, b));
		for (size_t j = 0; j < it->narticles; j++)
			printf("%18s article: %s (%s)\n", "",
			    it->articles[j].title, it->articles[j].lang);
	}
}

static void
s_print_counts(const struct view_table *t, const char *what)
{
	char a[32], b[32];

	printf("\n%-30s %9s %8s%s\n", t->name, what, "members",
	    t->truncated ? "   (rows under k left out)" : "");
	for (size_t r = 0; r < t->nrows; r++)
		printf("%-30s %9s %8s\n", t->rows[r],
		    s_cell(&t->cells[r * t->ncols], false, a),
		    s_cell(&t->cells[r * t->ncols], true, b));
}

static void
s_print(const struct view *v)
{
	const struct view_table *t;
	char a[32];

	s_header(v);
	switch (v->kind) {
	case VIEW_OVERVIEW:
		if ((t = view_table_get(v, "category")) != NULL)
			s_print_overview_table(v, t);
		if ((t = view_table_get(v, "sector")) != NULL)
			s_print_overview_table(v, t);
		break;
	case VIEW_TOP:
		s_print_items(v);
		break;
	case VIEW_NEW:
		s_print_items(v);
		if ((t = view_table_get(v, "new")) != NULL)
			s_print_counts(t, "new");
		break;
	case VIEW_KNOWHOW:
		for (size_t i = 0; i < v->ntables; i++)
			s_print_counts(&v->tables[i], "articles");
		break;
	case VIEW_HEALTH:
		if (!v->daemon_running)
			printf("kyojod is not running: link states are unknown\n");
		printf("\n%-8s %-10s %8s %-11s %-16s %s\n", "state", "link", "lag",
		    "last frame", "key", "member");
		for (size_t i = 0; i < v->nmembers; i++) {
			const struct view_member *m = &v->members[i];
			char hex[65], lag[24] = "-";

			record_hex(m->key, 32, hex);
			if (m->lag >= 0)
				snprintf(lag, sizeof(lag), "%" PRId64, m->lag);
			printf("%-8s %-10s %8s %-11s %.16s %s\n", m->state,
			    m->link, lag, s_date(m->last_seen, a), hex, m->name);
		}
		break;
	}
	if (v->kind != VIEW_HEALTH)
		printf("\n- suppressed: fewer than %u members, or derivable from "
		    "a total%s\n", v->k, v->nregions > 0 ?
		    "; N+ a lower bound (some region's part unknown)" : "");
}

static int
s_output(const struct view_opts *o, const struct view *v)
{
	cJSON *j;
	char *text;
	int rc;

	if (!o->json) {
		s_print(v);
		return CLI_OK;
	}
	if ((rc = view_to_json(v, false, &j)) != 0)
		return cli_fail(CLI_FAIL, o->cmd, "%s", ky_strerror(rc));
	text = cJSON_Print(j);
	cJSON_Delete(j);
	if (text == NULL)
		return cli_fail(CLI_FAIL, o->cmd, "out of memory");
	printf("%s\n", text);
	cJSON_free(text);
	return CLI_OK;
}

/* Sends v to kyojod to be signed as a view record. */
static int
s_publish(const struct view_opts *o, const struct view *v)
{
	cJSON *req, *reply = NULL;
	const cJSON *ids, *err;
	const char *why = NULL;
	int rc;

	if ((rc = view_record_request(v, o->tlp, o->ttl, &req, &why)) != 0)
		return cli_fail(CLI_FAIL, o->cmd, "%s", why ? why :
		    ky_strerror(rc));
	rc = ctlclient_call(o->dir, req, VIEW_TIMEOUT_MS, &reply, &why);
	cJSON_Delete(req);
	if (rc != 0)
		return cli_fail(CLI_FAIL, o->cmd, "%s: %s", o->dir, why ? why :
		    ky_strerror(rc));
	ids = cJSON_GetObjectItemCaseSensitive(reply, "ids");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")) &&
	    cJSON_IsArray(ids) && cJSON_IsString(ids->child)) {
		printf("%s\n", ids->child->valuestring);
		rc = CLI_OK;
	} else {
		err = cJSON_GetObjectItemCaseSensitive(reply, "error");
		rc = cli_fail(CLI_FAIL, o->cmd, "refused: %s",
		    cJSON_IsString(err) ? err->valuestring : "no reason given");
	}
	cJSON_Delete(reply);
	return rc;
}

int
cmd_view(int argc, char **argv)
{
	struct view_opts o = { .cmd = "view" };
	struct view_data *d = NULL;
	struct view_env e;
	struct view *v = NULL;
	const char *why = NULL;
	cJSON *status;
	int rc;

	if (argc < 2 || argv[1][0] == '-')
		return cli_usage(cli_find("view"));
	if ((o.kind = view_kind_from_name(argv[1])) < 0)
		return cli_fail(CLI_USAGE, "view", "unknown view '%s' (overview, "
		    "top, new, health, knowhow)", argv[1]);
	if ((rc = s_parse(&o, argc - 1, argv + 1)) >= 0)
		return rc;
	if (optind != argc - 1)
		return cli_usage(cli_find("view"));
	if (o.merge && (o.publish || o.kind == VIEW_HEALTH))
		return cli_fail(CLI_USAGE, "view", "--merge: of overview, top, "
		    "new or knowhow, and not published again");
	if (o.publish && o.kind == VIEW_HEALTH)
		return cli_fail(CLI_USAGE, "view", "the health view is never "
		    "published");
	if ((rc = s_open(&o, &e)) != 0)
		return rc;
	if (o.merge) {
		rc = view_merge(e.t, o.kind, o.norigins ? o.origins[0] : NULL,
		    o.norigins, &v, &why);
		if (v != NULL)
			v->generated = o.p.now;
	} else if (o.kind == VIEW_HEALTH) {
		if (!e.have_self) {
			rc = KY_ENOTFOUND;
			why = "no public.key: not a node directory";
		} else {
			status = s_status(o.dir);
			rc = view_health(e.rs, e.self, status, o.p.now, &v, &why);
			cJSON_Delete(status);
		}
	} else if ((rc = view_scan(e.t, &o.p, VIEW_NEED(o.kind), &d,
	    &why)) == 0) {
		rc = view_build(d, o.kind, &v);
		view_data_free(&d);
	}
	s_close(&e);
	if (rc != 0)
		return cli_fail(rc == KY_EINVAL || rc == KY_EPERM ? CLI_USAGE :
		    CLI_FAIL, "view", "%s", why ? why : ky_strerror(rc));
	rc = o.publish ? s_publish(&o, v) : s_output(&o, v);
	view_free(&v);
	return rc;
}

int
cmd_report(int argc, char **argv)
{
	struct view_opts o = { .cmd = "report" };
	struct report rep;
	struct view_env e;
	const char *why = NULL;
	cJSON *status = NULL;
	FILE *f;
	int rc;

	if ((rc = s_parse(&o, argc, argv)) >= 0)
		return rc;
	if (optind != argc || o.html == NULL || o.json || o.publish || o.merge)
		return cli_usage(cli_find("report"));
	if ((rc = s_open(&o, &e)) != 0)
		return rc;
	if (o.health && e.have_self)
		status = s_status(o.dir);
	rc = report_build(e.t, &o.p, o.health, status,
	    e.have_self ? e.self : NULL, &rep, &why);
	cJSON_Delete(status);
	s_close(&e);
	if (rc != 0)
		return cli_fail(rc == KY_EINVAL ? CLI_USAGE : CLI_FAIL, "report",
		    "%s", why ? why : ky_strerror(rc));
	if (strcmp(o.html, "-") == 0)
		f = stdout;
	else if ((f = fopen(o.html, "w")) == NULL) {
		report_clear(&rep);
		return cli_fail(CLI_FAIL, "report", "%s: cannot write", o.html);
	}
	rc = report_html_write(f, &rep, o.lang);
	if (f != stdout && fclose(f) != 0 && rc == 0)
		rc = KY_EIO;
	report_clear(&rep);
	if (rc != 0)
		return cli_fail(CLI_FAIL, "report", "%s: %s", o.html,
		    ky_strerror(rc));
	return CLI_OK;
}

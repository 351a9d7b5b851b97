/*
 * kyojo export: firewall and sensor feeds from the store, and --explain,
 * which says for one value why each record about it is or is not in
 * them.  Reads the store read-only, whether kyojod runs or not; writes
 * only the export journal (DIR/export/) and the output.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys/keyring.h"
#include "node/cli.h"
#include "node/commands.h"
#include "node/config.h"
#include "node/export.h"
#include "node/policy.h"
#include "node/store.h"

#define S_CMD "export"

struct s_opts {
	const char *dir;
	const struct exporter *x;	/* --format */
	bool have_since;
	uint64_t since;			/* --since */
	uint32_t types;			/* --type; 0: every type */
	const char *output;		/* --output; NULL: stdout */
	const char *explain;		/* --explain VALUE */
};

static const struct option s_longopts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "since", required_argument, NULL, 's' },
	{ "type", required_argument, NULL, 't' },
	{ "output", required_argument, NULL, 'o' },
	{ "explain", required_argument, NULL, 'e' },
	{ NULL, 0, NULL, 0 },
};

/* Type groups --type takes besides single type names. */
static const struct {
	const char *name;
	uint32_t types;
} s_groups[] = {
	{ "ip", POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_IPV6) |
	    POLICY_TYPE_BIT(IT_CIDR4) | POLICY_TYPE_BIT(IT_CIDR6) },
	{ "ip4", POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_CIDR4) },
	{ "ip6", POLICY_TYPE_BIT(IT_IPV6) | POLICY_TYPE_BIT(IT_CIDR6) },
	{ "name", POLICY_TYPE_BIT(IT_DOMAIN) | POLICY_TYPE_BIT(IT_HOSTNAME) },
	{ "hash", POLICY_TYPE_BIT(IT_MD5) | POLICY_TYPE_BIT(IT_SHA1) |
	    POLICY_TYPE_BIT(IT_SHA256) },
};

/* "ipv4,cidr4" or "ip,name" into a type mask; 0 on a bad name. */
static uint32_t
s_types(const char *list)
{
	char buf[256], *tok, *save = NULL;
	uint32_t mask = 0, m;
	int t;

	if (strlen(list) >= sizeof(buf))
		return 0;
	memcpy(buf, list, strlen(list) + 1);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		m = 0;
		if ((t = indicator_type_from_name(tok)) > 0)
			m = POLICY_TYPE_BIT(t);
		for (size_t i = 0; m == 0 && i < sizeof(s_groups) /
		    sizeof(s_groups[0]); i++)
			if (strcmp(s_groups[i].name, tok) == 0)
				m = s_groups[i].types;
		if (m == 0)
			return 0;
		mask |= m;
	}
	return mask;
}

static int
s_bad_format(const char *name)
{
	const struct exporter *x;

	fprintf(stderr, "kyojo export: unknown format '%s'; formats:\n", name);
	for (size_t i = 0; (x = export_at(i)) != NULL; i++)
		fprintf(stderr, "  %-17s %s\n", x->name, x->summary);
	return CLI_USAGE;
}

/* Returns -1 to go on, else an exit status. */
static int
s_parse(int argc, char **argv, struct s_opts *o)
{
	char *end;
	int c;

	*o = (struct s_opts){ .dir = cli_default_dir() };
	while ((c = getopt_long(argc, argv, "d:", s_longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'f':
			if ((o->x = export_find(optarg)) == NULL)
				return s_bad_format(optarg);
			break;
		case 's':
			errno = 0;
			o->since = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-')
				return cli_fail(CLI_USAGE, S_CMD, "--since: "
				    "expected a cursor printed by an earlier "
				    "export");
			o->have_since = true;
			break;
		case 't':
			if ((o->types = s_types(optarg)) == 0)
				return cli_fail(CLI_USAGE, S_CMD, "--type: "
				    "expected type names or ip, ip4, ip6, name, "
				    "hash, separated by commas");
			break;
		case 'o': o->output = optarg; break;
		case 'e': o->explain = optarg; break;
		default: return cli_usage(cli_find(S_CMD));
		}
	}
	if (optind != argc || (o->x == NULL && o->explain == NULL) ||
	    (o->explain != NULL && (o->have_since || o->output != NULL)))
		return cli_usage(cli_find(S_CMD));
	if (o->x != NULL && o->have_since && !(o->x->flags & EXPORTER_DELTA))
		return cli_fail(CLI_USAGE, S_CMD, "--since: the %s format "
		    "cannot express a removal; take a full export (the file "
		    "replaces the previous one)", o->x->name);
	if (o->x != NULL && o->types != 0 && (o->types & o->x->types) == 0)
		return cli_fail(CLI_USAGE, S_CMD, "--type: the %s format "
		    "carries none of those types", o->x->name);
	return -1;
}

static void
s_print_error(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "kyojo export: %s\n", msg);
}

/* The configuration and the policy; an exit status on failure. */
static int
s_load(const char *dir, struct config *cfg, struct policy *p)
{
	const char *why = NULL;
	int rc;

	if ((rc = config_load(cfg, dir, s_print_error, NULL)) != 0)
		return rc < 0 ? cli_fail(CLI_USAGE, S_CMD, "%s/kyojod.conf: %s",
		    dir, ky_strerror(rc)) : CLI_USAGE;
	if ((rc = policy_load(p, cfg, s_print_error, NULL, &why)) != 0)
		return cli_fail(CLI_USAGE, S_CMD, "%s%s", why,
		    rc > 0 ? ": nothing is exported until it is fixed" : "");
	return 0;
}

static int
s_open_store(const char *dir, struct store **s, struct store_txn **t)
{
	char path[CONFIG_PATH_MAX + 16];
	const char *why = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/store", dir);
	if ((rc = store_open(path, STORE_RDONLY, s, &why)) != 0)
		return cli_fail(CLI_USAGE, S_CMD, "%s: %s", path,
		    why ? why : ky_strerror(rc));
	if ((rc = store_read_begin(*s, t)) != 0) {
		store_close(s);
		return cli_fail(CLI_USAGE, S_CMD, "%s", ky_strerror(rc));
	}
	return 0;
}

/* --- --explain ----------------------------------------------------------- */

struct s_recs {
	struct record *v;	/* borrowed records, valid in the txn */
	size_t n, cap;
};

static int
s_take(void *ctx, const struct record *r)
{
	struct s_recs *rs = ctx;
	struct record *nv;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 16;

		if ((nv = realloc(rs->v, cap * sizeof(*nv))) == NULL)
			return KY_ENOMEM;
		rs->v = nv;
		rs->cap = cap;
	}
	rs->v[rs->n++] = *r;
	return 0;
}

static const char *
s_trust(const struct policy *p, const uint8_t *origin)
{
	const struct keyring_entry *e;

	if (p->have_self && memcmp(p->self, origin, RECORD_KEY_LEN) == 0)
		return "this node";
	if (p->keyring == NULL || (e = keyring_find(p->keyring, origin)) == NULL)
		return "not in the keyring";
	return keyring_trust_name(e->level);
}

/* The details a reason needs beyond its static why. */
static void
s_details(const struct policy *p, const struct record *r,
    const struct policy_verdict *v)
{
	char hex[2 * RECORD_ID_LEN + 1], when[21];
	const struct allowlist_entry *a = v->entry;

	switch (v->reason) {
	case POLICY_PASS:
		export_time(v->until, when);
		printf(" (until %s)", when);
		break;
	case POLICY_EXPIRED:
		export_time(policy_until(&r->h, r->id), when);
		printf(" (entry ended %s)", when);
		break;
	case POLICY_PAP:
		printf(" (PAP:%s)", record_pap_name(r->h.pap));
		break;
	case POLICY_TLP:
		printf(" (TLP:%s)", record_tlp_name(r->h.tlp));
		break;
	case POLICY_CONFIDENCE:
		printf(" (export_confidence is %" PRId64 ")", p->min_confidence);
		break;
	case POLICY_ALLOWLISTED:
		if (a != NULL && a->line > 0)
			printf(": %s (%s:%u)", a->text, a->source, a->line);
		else if (a != NULL)
			printf(": %s (%s)", a->text, a->source);
		break;
	case POLICY_VETOED:
		record_hex(v->veto_origin, 8, hex);
		printf(" (by %s..., %s)", hex, s_trust(p, v->veto_origin));
		break;
	case POLICY_REPORTERS:
		printf(": %" PRIu32 " of the %" PRIu32 " origins needed",
		    v->origins, p->k);
		break;
	case POLICY_MERGED:
		record_hex(v->id, 8, hex);
		printf(" (carried by %s...)", hex);
		break;
	default:
		break;
	}
}

static void
s_explain_record(const struct policy *p, const struct record *r,
    const struct policy_verdict *v)
{
	char id[2 * RECORD_ID_LEN + 1], origin[2 * RECORD_KEY_LEN + 1];

	record_hex(r->id, 8, id);
	record_hex(r->h.origin, 8, origin);
	printf("  %s... %s from %s... (%s) seq %" PRIu64 ": ", id,
	    record_kind_name(r->h.kind), origin, s_trust(p, r->h.origin),
	    r->h.seq);
	if (v->reason == POLICY_PASS)
		printf("exported");
	else if (v->reason == POLICY_NOT_INDICATOR)
		printf("%s", v->why);
	else
		printf("not exported (%s): %s", policy_reason_name(v->reason),
		    v->why);
	if (v->reason != POLICY_NOT_INDICATOR)
		s_details(p, r, v);
	printf("\n");
}

/* Explains one normalized value; *exported is set when it is. */
static int
s_explain_value(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, int type, const char *norm, uint64_t now,
    bool *exported)
{
	struct s_recs rs = { 0 };
	struct policy_verdict *v;
	int rc;

	if ((v = malloc(sizeof(*v))) == NULL)
		return KY_ENOMEM;
	if ((rc = policy_value(p, c, t, type, norm, strlen(norm), now, v)) != 0 ||
	    (rc = store_value(t, type, norm, strlen(norm), s_take, &rs,
	    NULL)) < 0)
		goto out;
	if (rs.n == 0 && v->reason != POLICY_ALLOWLISTED &&
	    v->reason != POLICY_WIDE && v->reason != POLICY_TYPE)
		goto out;
	printf("# %s %s: ", indicator_type_name(type), norm);
	if (v->reason == POLICY_PASS) {
		char hex[2 * RECORD_ID_LEN + 1];

		record_hex(v->id, 8, hex);
		printf("exported, carried by %s...", hex);
		*exported = true;
	} else {
		printf("not exported (%s): %s", policy_reason_name(v->reason),
		    v->why);
	}
	if (v->reason == POLICY_ALLOWLISTED || v->reason == POLICY_REPORTERS)
		s_details(p, NULL, v);
	printf("\n");
	if (rs.n == 0)
		printf("  no live record about it is held\n");
	for (size_t i = 0; i < rs.n; i++) {
		if ((rc = policy_check(p, c, t, &rs.v[i], now, v)) != 0)
			break;
		s_explain_record(p, &rs.v[i], v);
	}
out:
	free(rs.v);
	free(v);
	return rc < 0 ? rc : 0;
}

static int
s_explain(const struct s_opts *o, const struct policy *p, struct store_txn *t)
{
	char norm[INDICATOR_VALUE_MAX + 1];
	struct policy_consumer c = {
		.name = "firewall", .max_tlp = TLP_RED,
		.types = o->x != NULL ? o->x->types :
		    POLICY_TYPES_ALL & ~POLICY_TYPE_BIT(IT_ASN),
	};
	const char *why;
	bool exported = false, any = false;
	uint64_t now = cli_now();
	int rc;

	if (o->types != 0)
		c.types &= o->types;
	for (int type = 1; type <= IT_MAX; type++) {
		if (indicator_normalize(type, o->explain, strlen(o->explain),
		    norm, sizeof(norm), &why) != 0)
			continue;
		any = true;
		if ((rc = s_explain_value(p, &c, t, type, norm, now,
		    &exported)) != 0)
			return cli_fail(CLI_USAGE, S_CMD, "%s", ky_strerror(rc));
	}
	if (!any)
		return cli_fail(CLI_FAIL, S_CMD, "'%s' is not a valid value of "
		    "any indicator type", o->explain);
	printf("retracted records and swept expired ones are not listed: "
	    "only their stubs are held\n");
	return exported ? CLI_OK : CLI_FAIL;
}

/* --- export ------------------------------------------------------------- */

/* Opens the output: stdout, or FILE's temporary sibling. */
static int
s_output(const char *path, char *tmp, size_t cap, FILE **f)
{
	int fd;

	if (path == NULL) {
		*f = stdout;
		return 0;
	}
	snprintf(tmp, cap, "%s.kyojo-tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) < 0 || (*f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return cli_fail(CLI_USAGE, S_CMD, "%s: %s", tmp, strerror(errno));
	}
	return 0;
}

/* Replaces path with the finished temporary file, atomically. */
static int
s_commit(const char *path, const char *tmp, FILE *f, int rc)
{
	if (f == stdout)
		return rc;
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		rc = KY_EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = KY_EIO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = ky_from_errno(errno);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static int
s_export(const struct s_opts *o, const struct policy *p, struct store_txn *t)
{
	char path[CONFIG_PATH_MAX + 32], tmp[4096], summary[512];
	struct policy_consumer c = {
		.name = "firewall", .max_tlp = TLP_RED,
		.types = o->x->types & (o->types ? o->types : POLICY_TYPES_ALL),
	};
	struct export_journal *j = NULL;
	struct export_iter *it = NULL;
	uint64_t now = cli_now(), adds, dels;
	const char *why = NULL;
	FILE *f = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", o->dir, EXPORT_JOURNAL_DIR);
	if ((rc = export_journal_open(path, &j, &why)) != 0)
		return cli_fail(CLI_USAGE, S_CMD, "%s: %s (%s)", path, why,
		    ky_strerror(rc));
	rc = o->have_since ?
	    export_iter_delta(p, &c, t, now, j, o->since, &it) :
	    export_iter_full(p, &c, t, now, j, &it);
	if (rc == KY_EVERSION) {
		uint64_t since = export_journal_since(j);

		export_journal_close(&j);
		if (since == UINT64_MAX)
			return cli_fail(CLI_FAIL, S_CMD, "--since: no full "
			    "export has been journaled yet: take a full export");
		return cli_fail(CLI_FAIL, S_CMD, "--since %" PRIu64 ": the "
		    "export journal is complete only from cursor %" PRIu64
		    ", or the cursor is not from this node: take a full "
		    "export", o->since, since);
	}
	if (rc == 0 && (rc = s_output(o->output, tmp, sizeof(tmp), &f)) != 0) {
		export_iter_destroy(&it);
		export_journal_close(&j);
		return rc;
	}
	if (rc == 0)
		rc = s_commit(o->output, tmp, f, export_write(o->x, it, f, now));
	if (it != NULL) {
		export_iter_ops(it, &adds, &dels);
		if (o->have_since)
			fprintf(stderr, "kyojo export: %" PRIu64 " added, %" PRIu64
			    " removed since cursor %" PRIu64 "\n", adds, dels,
			    o->since);
		else {
			policy_counts_format(export_iter_counts(it), summary,
			    sizeof(summary));
			fprintf(stderr, "kyojo export: %s\n", summary);
		}
		if (rc == 0)
			fprintf(stderr, "cursor %" PRIu64 "\n",
			    export_iter_cursor(it));
	}
	export_iter_destroy(&it);
	export_journal_close(&j);
	if (rc != 0)
		return cli_fail(CLI_USAGE, S_CMD, "%s", ky_strerror(rc));
	return CLI_OK;
}

int
cmd_export(int argc, char **argv)
{
	struct s_opts o;
	struct config cfg;
	struct policy p;
	struct store *s = NULL;
	struct store_txn *t = NULL;
	int rc;

	if ((rc = s_parse(argc, argv, &o)) >= 0)
		return rc;
	if ((rc = s_load(o.dir, &cfg, &p)) != 0)
		return rc;
	if ((rc = s_open_store(o.dir, &s, &t)) != 0) {
		policy_clear(&p);
		return rc;
	}
	if ((rc = policy_load_rosters(&p, t)) != 0)
		rc = cli_fail(CLI_FAIL, S_CMD, "rosters: %s", ky_strerror(rc));
	else
		rc = o.explain != NULL ? s_explain(&o, &p, t) :
		    s_export(&o, &p, t);
	store_read_end(&t);
	store_close(&s);
	policy_clear(&p);
	return rc;
}

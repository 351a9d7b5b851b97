/*
 * kyojo firewall apply: feed this node's blocklist into the kernel's
 * firewall (nftables or ipset) and, with --watch, keep it there.
 *
 * The desired set comes from the store (or from a plain list, --from),
 * the kernel's set is read, and only the difference is written, in one
 * transaction (firewall.h).  --watch then follows the store's changes
 * cursor every --interval seconds and re-reads the kernel every
 * --repair seconds to undo drift: manual edits, a flushed ruleset, a
 * reboot.  Nothing here ever empties a set: stopping or killing this
 * command leaves the firewall as it was (fail-static).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/cli.h"
#include "node/commands.h"
#include "node/config.h"
#include "node/export.h"
#include "node/firewall.h"
#include "node/log.h"
#include "node/policy.h"
#include "node/store.h"
#include "protocol/indicator.h"

#define FW_INTERVAL_DEFAULT	2	/* seconds between looks at the store */
#define FW_REPAIR_DEFAULT	300	/* seconds between reads of the kernel */
#define FW_BACKOFF		10	/* seconds before retrying a failure */

struct fw_opts {
	const char *dir;		/* node directory */
	const char *backend;		/* "nft", "ipset" */
	const char *from;		/* a list instead of the store; NULL: store */
	bool watch;			/* keep following */
	bool dry_run;			/* print the transaction, change nothing */
	int verbose;			/* -v: timings of each phase */
	long interval;			/* --interval seconds */
	long repair;			/* --repair seconds */
};

/* Where the desired set comes from, and how to tell it changed. */
struct source {
	const struct fw_opts *o;
	struct store *store;		/* the store, read-only; NULL with --from */
	struct policy policy;		/* store: what may reach a firewall */
	bool have_policy;		/* policy is loaded */
	uint64_t cursor;		/* store: changes cursor of the last fill */
	struct stat st;			/* --from: the file at the last fill */
	size_t refused;			/* last fill: values fw_set_add refused */
};

static const struct option s_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "backend", required_argument, NULL, 'b' },
	{ "watch", no_argument, NULL, 'w' },
	{ "interval", required_argument, NULL, 'i' },
	{ "repair", required_argument, NULL, 'r' },
	{ "from", required_argument, NULL, 'f' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

/* --- the store as source ---------------------------------------------- */

static void
s_policy_error(void *ctx, const char *msg)
{
	(void)ctx;
	log_warnx("%s", msg);
}

/*
 * Loads the node's configuration and export policy (allowlist, keyring,
 * k, confidence) into src.  A policy with a bad allowlist line is
 * refused, as `kyojo export` refuses it: a typo could let an allowlisted
 * network through to the firewall.
 */
static int
s_policy_load(struct source *src)
{
	struct config cfg;
	struct policy p;
	const char *why = NULL;
	int rc;

	if ((rc = config_load(&cfg, src->o->dir, s_policy_error, NULL)) != 0) {
		log_warnx("%s/kyojod.conf: %s", src->o->dir,
		    rc < 0 ? ky_strerror(rc) : "refused");
		return rc < 0 ? rc : KY_EINVAL;
	}
	if ((rc = policy_load(&p, &cfg, s_policy_error, NULL, &why)) != 0) {
		log_warnx("export policy: %s", why ? why :
		    "bad allowlist lines: nothing is exported until they are fixed");
		return rc < 0 ? rc : KY_EINVAL;
	}
	if (src->have_policy)
		policy_clear(&src->policy);
	src->policy = p;
	src->have_policy = true;
	return 0;
}

/* Every IP entry the export policy lets out to this node's firewall,
 * through the same iterator as `kyojo export` and the pull endpoints. */
static int
s_fill_store(struct source *src, uint64_t now, struct fw_set *want,
    const char **why)
{
	static const struct policy_consumer c = {
		.name = "firewall", .max_tlp = TLP_RED,
		.types = POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_IPV6) |
		    POLICY_TYPE_BIT(IT_CIDR4) | POLICY_TYPE_BIT(IT_CIDR6),
	};
	const struct export_entry *e;
	struct export_iter *it = NULL;
	struct store_txn *t;
	const char *refusal;
	int op, rc;

	if ((rc = store_read_begin(src->store, &t)) != 0) {
		*why = "cannot read the store";
		return rc;
	}
	/* The cursor from the same snapshot: a change that lands during
	 * the walk moves it past this one and is seen next time.  Rosters
	 * may have changed since the last fill: k counts their members. */
	src->cursor = store_cursor(t);
	if ((rc = policy_load_rosters(&src->policy, t)) != 0) {
		store_read_end(&t);
		*why = "cannot read the rosters";
		return rc;
	}
	if ((rc = export_iter_full(&src->policy, &c, t, now, NULL, &it)) == 0) {
		while ((rc = export_iter_next(it, &op, &e)) == 1) {
			struct indicator_net net;

			if (op != EXPORT_ADD ||
			    indicator_parse_net(e->type, e->value, &net) != 0)
				continue;
			rc = fw_set_add(want, net.family, net.addr, net.prefix,
			    e->until > UINT32_MAX ? UINT32_MAX :
			    (uint32_t)e->until, &refusal);
			if (rc == KY_ENOMEM)
				break;
			src->refused += rc != 0;
		}
		export_iter_destroy(&it);
	}
	store_read_end(&t);
	if (rc < 0)
		*why = rc == KY_ENOMEM ? "out of memory" :
		    "cannot read the store";
	return rc < 0 ? rc : 0;
}

/* A change that may move the firewall: an indicator or a sighting
 * (a removed record is a stub, so its type is unknown: it counts). */
static int
s_change_matters(void *ctx, uint64_t cursor, int op, const struct record *r)
{
	(void)ctx;
	(void)cursor;
	(void)op;
	return r->h.kind == RK_INDICATOR || r->h.kind == RK_SIGHTING ||
	    r->h.kind == RK_ROSTER;
}

static int
s_store_changed(struct source *src, bool *changed)
{
	struct store_txn *t;
	uint64_t now_cursor;
	int rc;

	*changed = false;
	if ((rc = store_read_begin(src->store, &t)) != 0)
		return rc;
	now_cursor = store_cursor(t);
	if (now_cursor != src->cursor) {
		rc = store_changes(t, src->cursor, 0, s_change_matters, NULL);
		*changed = rc > 0;
		rc = rc < 0 ? rc : 0;
		if (rc == 0 && !*changed)
			src->cursor = now_cursor;	/* nothing of ours moved */
	}
	store_read_end(&t);
	return rc;
}

/* --- a list as source (--from) ------------------------------------------ */

/* Lines "PREFIX [TIMEOUT_SECONDS]"; '#' starts a comment.  One bad line
 * refuses the whole list: applying the rest would delete what it meant. */
static int
s_fill_file(struct source *src, uint64_t now, struct fw_set *want,
    const char **why)
{
	FILE *f = fopen(src->o->from, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int rc = 0;

	if (f == NULL) {
		*why = "cannot open the list";
		return KY_ENOTFOUND;
	}
	if (fstat(fileno(f), &src->st) != 0)
		memset(&src->st, 0, sizeof(src->st));
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		char *p = line, *tok, *end;
		unsigned long timeout = 0;
		struct fw_entry e;

		lineno++;
		p[strcspn(p, "#\r\n")] = '\0';
		if ((tok = strtok(p, " \t")) == NULL)
			continue;
		if ((rc = fw_entry_parse(tok, strlen(tok), &e, why)) != 0)
			break;
		if ((tok = strtok(NULL, " \t")) != NULL) {
			timeout = strtoul(tok, &end, 10);
			if (*end != '\0' || timeout == 0 || timeout > UINT32_MAX ||
			    strtok(NULL, " \t") != NULL) {
				*why = "expected PREFIX [TIMEOUT_SECONDS]";
				rc = KY_EINVAL;
				break;
			}
		}
		rc = fw_set_add(want, e.family, e.addr, e.prefix, timeout ?
		    (uint32_t)(now + timeout) : 0, why);
	}
	if (rc != 0)
		log_warnx("%s:%zu: %s", src->o->from, lineno, *why);
	free(line);
	fclose(f);
	return rc;
}

static int
s_file_changed(struct source *src, bool *changed)
{
	struct stat st;

	*changed = false;
	if (stat(src->o->from, &st) != 0)
		return 0;	/* being replaced: look again next time */
	*changed = st.st_ino != src->st.st_ino || st.st_size != src->st.st_size ||
	    st.st_mtim.tv_sec != src->st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != src->st.st_mtim.tv_nsec;
	return 0;
}

static int
s_fill(struct source *src, uint64_t now, struct fw_set *want,
    const char **why)
{
	src->refused = 0;
	return src->store != NULL ? s_fill_store(src, now, want, why) :
	    s_fill_file(src, now, want, why);
}

/* --- reconcile and report ------------------------------------------------- */

static void
s_report(const struct fw_opts *o, const struct fw_backend *b,
    const struct fw_report *r, size_t folded, size_t refused,
    double ms_fill, double ms_total)
{
	char line[256];

	snprintf(line, sizeof(line), "%s: +%zu -%zu ~%zu (renewed), %zu in set, "
	    "applied in %.0f ms", b->name, r->diff.add, r->diff.del,
	    r->diff.renew, r->in_set, ms_total);
	if (o->watch)
		log_info("%s", line);
	else if (!o->dry_run)
		printf("%s\n", line);
	else
		fprintf(stderr, "%s\n", line);
	if (o->verbose) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		log_info("desired set in %.1f ms (%zu folded into covering "
		    "prefixes, %zu refused); kernel %s in %.1f ms; transaction "
		    "%.1f ms%s%s; peak RSS %ld MB", ms_fill, folded, refused,
		    r->read ? "read" : "not read (last applied set)",
		    r->ms_read, r->ms_apply, r->full ? ", a set rewritten whole" : "",
		    r->attempts > 1 ? ", after a retry" : "",
		    ru.ru_maxrss / 1024);
	}
}

/*
 * Fills a desired set and reconciles the kernel with it (against *model
 * when have_model, else against the kernel).  On success the desired set
 * becomes *model; *read_ms gets the time a read of the kernel took.
 */
static int
s_cycle(const struct fw_opts *o, const struct fw_backend *b,
    const struct fw_conf *c, struct source *src, struct fw_set *model,
    bool *have_model, double *read_ms)
{
	struct fw_set want;
	struct fw_report r;
	const char *why = NULL;
	double t0 = firewall_ms(), t1;
	size_t folded;
	uint64_t now = cli_now();
	int rc;

	fw_set_init(&want);
	if ((rc = s_fill(src, now, &want, &why)) != 0) {
		log_warnx("desired set: %s; the kernel's set is left "
		    "as it is", why ? why : ky_strerror(rc));
		fw_set_clear(&want);
		return rc;
	}
	fw_set_merge(&want, &folded);
	t1 = firewall_ms();
	rc = firewall_reconcile(b, c, &want, *have_model ? model : NULL, now,
	    &r, &why);
	if (rc != 0) {
		log_warnx("%s; the kernel's set is left as it is",
		    why ? why : ky_strerror(rc));
		fw_set_clear(&want);
		fw_set_clear(model);
		*have_model = false;
		return rc;
	}
	fw_set_clear(model);
	*model = want;
	*have_model = true;
	if (r.read)
		*read_ms = r.ms_read;
	if (!o->watch || r.diff.add + r.diff.del + r.diff.renew > 0 ||
	    r.read)
		s_report(o, b, &r, folded, src->refused, t1 - t0,
		    firewall_ms() - t0);
	return 0;
}

/* Re-reads the kernel and writes back what differs from *model. */
static void
s_repair(const struct fw_backend *b, const struct fw_conf *c,
    struct fw_set *model, bool *have_model, double *read_ms)
{
	struct fw_report r;
	const char *why = NULL;
	int rc;

	rc = firewall_reconcile(b, c, model, NULL, cli_now(), &r, &why);
	if (rc != 0) {
		log_warnx("drift check: %s",
		    why ? why : ky_strerror(rc));
		fw_set_clear(model);
		*have_model = false;
		return;
	}
	*read_ms = r.ms_read;
	if (r.diff.add + r.diff.del + r.diff.renew > 0)
		log_warnx("%s: drift repaired: %zu entries were "
		    "missing, %zu were not ours, %zu had a wrong timeout; %zu in "
		    "set", b->name, r.diff.add, r.diff.del, r.diff.renew,
		    r.in_set);
	else
		log_debug("%s: drift check: the kernel's set is as "
		    "applied (%zu)", b->name, r.in_set);
}

/* Seconds to the next read of the kernel: --repair, stretched so that
 * reads take at most a twentieth of the time.  nft dumps an interval set
 * slowly (about 1 s at 100,000 elements here, minutes at 1,000,000). */
static uint64_t
s_repair_period(const struct fw_opts *o, double read_ms)
{
	uint64_t least = (uint64_t)(read_ms * 20 / 1000);

	return (uint64_t)o->repair > least ? (uint64_t)o->repair : least;
}

static int
s_watch(const struct fw_opts *o, const struct fw_backend *b,
    const struct fw_conf *c, struct source *src)
{
	struct fw_set model;
	bool have_model = false, changed;
	uint64_t next_repair = 0;
	double read_ms = 0;
	int rc;

	fw_set_init(&model);
	log_info("%s: following %s every %lds, checking the kernel "
	    "every %lds", b->name, o->from ? o->from : "the store",
	    o->interval, o->repair);
	for (;;) {
		uint64_t now = cli_now();

		changed = false;
		if (have_model) {
			rc = src->store ? s_store_changed(src, &changed) :
			    s_file_changed(src, &changed);
			if (rc != 0)
				log_warnx("store: %s", ky_strerror(rc));
		}
		if (have_model && now >= next_repair) {
			s_repair(b, c, &model, &have_model, &read_ms);
			next_repair = now + s_repair_period(o, read_ms);
			/* The allowlist, keyring and configuration are not in
			 * the changes feed: look at them on the same beat. */
			if (src->store != NULL && s_policy_load(src) == 0)
				changed = true;
		}
		if (!have_model || changed) {
			if (s_cycle(o, b, c, src, &model, &have_model,
			    &read_ms) != 0) {
				sleep(FW_BACKOFF);
				continue;
			}
			if (next_repair == 0)
				next_repair = now + s_repair_period(o, read_ms);
		}
		sleep((unsigned)o->interval);
	}
	return CLI_OK;
}

static int
s_apply(int argc, char **argv)
{
	struct fw_opts o = { .dir = cli_default_dir(), .backend = "nft",
	    .interval = FW_INTERVAL_DEFAULT, .repair = FW_REPAIR_DEFAULT };
	struct fw_conf conf = { 0 };
	struct source src = { .o = &o };
	const struct fw_backend *b;
	struct fw_set model;
	bool have_model = false;
	char path[2048], *end;
	const char *why = NULL;
	long v;
	int c, rc;

	while ((c = getopt_long(argc, argv, "d:v", s_opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dir = optarg; break;
		case 'b': o.backend = optarg; break;
		case 'w': o.watch = true; break;
		case 'f': o.from = optarg; break;
		case 'n': o.dry_run = true; break;
		case 'v': o.verbose++; break;
		case 'i':
		case 'r':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 86400)
				return cli_fail(CLI_USAGE, "firewall",
				    "--%s: seconds, 1..86400",
				    c == 'i' ? "interval" : "repair");
			*(c == 'i' ? &o.interval : &o.repair) = v;
			break;
		default:
			return cli_usage(cli_find("firewall"));
		}
	}
	if (optind != argc)
		return cli_usage(cli_find("firewall"));
	if ((b = firewall_backend(o.backend)) == NULL)
		return cli_fail(CLI_USAGE, "firewall", "--backend: expected nft "
		    "or ipset, not '%s'", o.backend);
	if (o.watch && o.dry_run)
		return cli_fail(CLI_USAGE, "firewall", "--dry-run applies once; "
		    "leave out --watch");
	log_init("kyojo firewall", o.verbose);
	if (o.dry_run)
		conf.dry_run = stdout;
	if (o.from == NULL) {
		if (s_policy_load(&src) != 0)
			return cli_fail(CLI_USAGE, "firewall", "%s: cannot load the "
			    "export policy; the kernel's set is left as it is",
			    o.dir);
		snprintf(path, sizeof(path), "%s/store", o.dir);
		if ((rc = store_open(path, STORE_RDONLY, &src.store, &why)) != 0) {
			policy_clear(&src.policy);
			return cli_fail(CLI_USAGE, "firewall", "%s: %s", path,
			    why ? why : ky_strerror(rc));
		}
	}
	if (o.watch)
		rc = s_watch(&o, b, &conf, &src);
	else {
		fw_set_init(&model);
		rc = s_cycle(&o, b, &conf, &src, &model, &have_model,
		    &(double){ 0 });
		fw_set_clear(&model);
		rc = rc == 0 ? CLI_OK : CLI_FAIL;
	}
	store_close(&src.store);
	if (src.have_policy)
		policy_clear(&src.policy);
	return rc;
}

int
cmd_firewall(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "apply") != 0)
		return cli_usage(cli_find("firewall"));
	return s_apply(argc - 1, argv + 1);
}

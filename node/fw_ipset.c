/*
 * fw_ipset.c - the ipset backend of the live firewall path.
 *
 * hash:net sets keep real prefixes (a /20 is one entry that matches all
 * 4,096 addresses), with per-entry timeouts.  ipset has no transaction
 * over several commands, so:
 *   - a large change (more than half the set, or more entries than the
 *     set may hold) fills FIREWALL_IPSET4 "-new" and swaps it in with
 *     `ipset swap`, which the kernel does atomically: readers see the
 *     old set or the new one, never a partial or empty one;
 *   - a small change is one `ipset -exist restore` of add and del lines.
 *     -exist makes each line idempotent (an add of a present entry
 *     renews its timeout; a del of an absent one is no error), so a
 *     change cut short is finished by the next reconcile, and no line
 *     ever empties the set.
 * The iptables/ip6tables rules that match the sets are the operator's:
 * contrib/ipset/README.md.
 */
#include <stdlib.h>
#include <string.h>

#include "node/firewall.h"
#include "node/fw_exec.h"
#include "node/log.h"

/* The kernel's limit: (UINT_MAX >> 1) / 1000 seconds (~24.8 days). */
#define IPSET_MAX_TIMEOUT	2147483u

#define IPSET_MAXELEM_MIN	65536u
#define IPSET_ERR_MAX		4096

static const char *
s_name(int family)
{
	return family == 4 ? FIREWALL_IPSET4 : FIREWALL_IPSET6;
}

static const char *
s_inet(int family)
{
	return family == 4 ? "inet" : "inet6";
}

/* The capacity a set holding n entries gets: room to double. */
static uint32_t
s_maxelem(const struct fw_conf *c, size_t n)
{
	uint32_t m = c->maxelem ? c->maxelem : IPSET_MAXELEM_MIN;

	while (m < 2 * n && m < (1u << 30))
		m *= 2;
	return m;
}

/* A hash size near n / 4: the kernel doubles a hash that fills up, and
 * each doubling rehashes every entry. */
static uint32_t
s_hashsize(size_t n)
{
	uint32_t h = 1024;

	while (h < n / 4 && h < (1u << 24))
		h *= 2;
	return h;
}

static int
s_restore(FILE *script, const char *what, const char **why)
{
	char *const argv[] = { "ipset", "-exist", "restore", NULL };
	char err[IPSET_ERR_MAX];
	int rc;

	if ((rc = fw_exec_run(argv, script, err, sizeof(err))) != 0) {
		firewall_log_tool("ipset", err);
		*why = rc == KY_ENOTFOUND ?
		    "ipset: not installed (not in PATH)" : what;
	}
	return rc;
}

static void
s_create(FILE *f, const char *name, int family, uint32_t hashsize,
    uint32_t maxelem)
{
	fprintf(f, "create %s hash:net family %s hashsize %u maxelem %u "
	    "timeout 0\n", name, s_inet(family), hashsize, maxelem);
}

/* Sets *have4 and *have6 when kyojo4 and kyojo6 exist. */
static int
s_existing(bool *have4, bool *have6, const char **why)
{
	char *const argv[] = { "ipset", "list", "-n", NULL };
	char err[IPSET_ERR_MAX], *line = NULL;
	size_t cap = 0;
	struct fw_proc p;
	int rc;

	*have4 = *have6 = false;
	if ((rc = fw_exec_start(&p, argv, NULL, 1)) != 0) {
		*why = rc == KY_ENOTFOUND ?
		    "ipset: not installed (not in PATH)" : "ipset: cannot start it";
		return rc;
	}
	while (getline(&line, &cap, p.out) > 0) {
		line[strcspn(line, "\n")] = '\0';
		*have4 |= strcmp(line, FIREWALL_IPSET4) == 0;
		*have6 |= strcmp(line, FIREWALL_IPSET6) == 0;
	}
	free(line);
	if ((rc = fw_exec_finish(&p, err, sizeof(err))) != 0) {
		firewall_log_tool("ipset", err);
		*why = "ipset: listing the sets failed";
	}
	return rc;
}

static int
s_ipset_setup(const struct fw_conf *c, const char **why)
{
	bool have4, have6;
	FILE *f;
	int rc;

	/* Only what is missing: `create -exist` still fails on a set
	 * whose size differs, as after a swap to a bigger one. */
	if ((rc = s_existing(&have4, &have6, why)) != 0 || (have4 && have6))
		return rc;
	if ((rc = fw_exec_tmpfile(&f)) != 0) {
		*why = "ipset: cannot create a temporary file";
		return rc;
	}
	if (!have4)
		s_create(f, FIREWALL_IPSET4, 4, 1024, s_maxelem(c, 0));
	if (!have6)
		s_create(f, FIREWALL_IPSET6, 6, 1024, s_maxelem(c, 0));
	rc = ferror(f) ? KY_EIO :
	    s_restore(f, "ipset: creating the sets failed", why);
	fclose(f);
	return rc;
}

/* The value after " key " in line, or 0. */
static unsigned long
s_option(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p != NULL ? strtoul(p + strlen(key), NULL, 10) : 0;
}

static int
s_read_one(const struct fw_conf *c, int family, uint64_t now,
    struct fw_set *have, const char **why)
{
	char *const argv[] = { "ipset", "save", (char *)s_name(family), NULL };
	char err[IPSET_ERR_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct fw_proc p;
	struct fw_entry e;
	int rc = 0, rc2;

	if ((rc = fw_exec_start(&p, argv, NULL, 1)) != 0) {
		*why = rc == KY_ENOTFOUND ?
		    "ipset: not installed (not in PATH)" : "ipset: cannot start it";
		return rc;
	}
	while (rc == 0 && (len = getline(&line, &cap, p.out)) > 0) {
		char *val, *end;

		if (strncmp(line, "create ", 7) == 0) {
			have->maxelem[family == 6] =
			    (uint32_t)s_option(line, " maxelem ");
			continue;
		}
		if (strncmp(line, "add ", 4) != 0)
			continue;
		/* "add NAME VALUE [timeout N] [...]" */
		if ((val = strchr(line + 4, ' ')) == NULL) {
			rc = KY_EMALFORMED;
			break;
		}
		val++;
		end = val + strcspn(val, " \n");
		if (fw_entry_parse(val, (size_t)(end - val), &e, why) != 0 ||
		    e.family != family) {
			rc = KY_EMALFORMED;
			break;
		}
		/* "timeout 0" and no timeout both mean: until deleted. */
		rc = fw_set_add(have, family, e.addr, e.prefix,
		    strstr(end, " timeout ") && s_option(end, " timeout ") ?
		    (uint32_t)(now + s_option(end, " timeout ")) : 0, why);
	}
	free(line);
	rc2 = fw_exec_finish(&p, err, sizeof(err));
	if (rc == KY_EMALFORMED)
		*why = "ipset: cannot parse the saved set";
	if (rc == 0 && rc2 != 0) {
		/* A dry run on a host without the sets is normal. */
		if (c->dry_run == NULL)
			firewall_log_tool("ipset", err);
		*why = "ipset: saving the set failed";
		rc = rc2;
	}
	return rc;
}

static int
s_ipset_read(const struct fw_conf *c, uint64_t now, struct fw_set *have,
    const char **why)
{
	int rc;

	if ((rc = s_read_one(c, 4, now, have, why)) != 0 ||
	    (rc = s_read_one(c, 6, now, have, why)) != 0)
		return rc;
	fw_set_sort(have);
	return 0;
}

/* True when family's change is best made as a new set swapped in. */
static bool
s_full(const struct fw_set *have, const struct fw_diff *d, int family)
{
	size_t held = 0, f = family == 6;

	for (size_t i = 0; i < have->n; i++)
		held += have->v[i].family == family && have->v[i].mark != FW_SKIP;
	if (d->changes[f] == 0)
		return false;
	return d->changes[f] > held / 2 ||
	    (have->maxelem[f] != 0 && d->want[f] > have->maxelem[f]);
}

static void
s_add(FILE *f, const char *set, const struct fw_entry *e, uint64_t now)
{
	char text[FW_ENTRY_TEXT];

	fw_entry_format(e, text);
	fprintf(f, "add %s %s timeout %u\n", set, text,
	    fw_entry_timeout(e, now, IPSET_MAX_TIMEOUT));
}

static void
s_write_full(FILE *f, const struct fw_conf *c, const struct fw_set *want,
    const struct fw_diff *d, int family, uint64_t now)
{
	char tmp[64];
	size_t n = d->want[family == 6];

	snprintf(tmp, sizeof(tmp), "%s-new", s_name(family));
	/* A -new left by a killed run may be smaller or hold stale
	 * entries; -exist makes this destroy harmless when there is none. */
	fprintf(f, "destroy %s\n", tmp);
	s_create(f, tmp, family, s_hashsize(n), s_maxelem(c, n));
	for (size_t i = 0; i < want->n; i++)
		if (want->v[i].family == family && want->v[i].mark != FW_SKIP)
			s_add(f, tmp, &want->v[i], now);
	fprintf(f, "swap %s %s\ndestroy %s\n", tmp, s_name(family), tmp);
}

static void
s_write_delta(FILE *f, const struct fw_set *want, const struct fw_set *have,
    int family, uint64_t now)
{
	char text[FW_ENTRY_TEXT];

	for (size_t i = 0; i < have->n; i++) {
		if (have->v[i].family != family || have->v[i].mark != FW_DEL)
			continue;
		fw_entry_format(&have->v[i], text);
		fprintf(f, "del %s %s\n", s_name(family), text);
	}
	/* A renewal is a plain add: under -exist it sets the timeout. */
	for (size_t i = 0; i < want->n; i++)
		if (want->v[i].family == family &&
		    (want->v[i].mark == FW_ADD || want->v[i].mark == FW_RENEW))
			s_add(f, s_name(family), &want->v[i], now);
}

static int
s_ipset_apply(const struct fw_conf *c, const struct fw_set *want,
    const struct fw_set *have, uint64_t now, struct fw_report *r,
    const char **why)
{
	FILE *f = c->dry_run;
	int rc = 0;

	if (f == NULL && (rc = fw_exec_tmpfile(&f)) != 0) {
		*why = "ipset: cannot create a temporary file";
		return rc;
	}
	for (int family = 4; family <= 6; family += 2) {
		if (s_full(have, &r->diff, family)) {
			s_write_full(f, c, want, &r->diff, family, now);
			r->full = true;
		} else {
			s_write_delta(f, want, have, family, now);
		}
	}
	if (ferror(f) || fflush(f) != 0) {
		*why = "ipset: cannot write the change";
		rc = KY_EIO;
	} else if (c->dry_run == NULL) {
		rc = s_restore(f, "ipset: the kernel refused the change", why);
	}
	if (c->dry_run == NULL)
		fclose(f);
	return rc;
}

const struct fw_backend fw_backend_ipset = {
	.name = "ipset",
	.max_timeout = IPSET_MAX_TIMEOUT,
	.setup = s_ipset_setup,
	.read = s_ipset_read,
	.apply = s_ipset_apply,
};

/*
 * firewall.c - reconcile the kernel's block sets with the desired set,
 * through one backend.  See firewall.h.
 */
#include <string.h>
#include <time.h>

#include "node/firewall.h"
#include "node/log.h"

/* Transactions tried before giving up: an element that expires between
 * the read and the commit makes the kernel refuse the whole batch, and a
 * fresh read a second later no longer lists it. */
#define FW_ATTEMPTS	3

/* Lines of a tool's error output worth logging. */
#define FW_LOG_LINES	8

static const struct fw_backend *const s_backends[] = {
	&fw_backend_nft,
	&fw_backend_ipset,
};

const struct fw_backend *
firewall_backend(const char *name)
{
	for (size_t i = 0; i < sizeof(s_backends) / sizeof(s_backends[0]); i++)
		if (strcmp(s_backends[i]->name, name) == 0)
			return s_backends[i];
	return NULL;
}

double
firewall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void
firewall_log_tool(const char *tool, const char *err)
{
	const char *p = err;

	for (int n = 0; *p != '\0' && n < FW_LOG_LINES; n++) {
		size_t len = strcspn(p, "\n");

		if (len > 0)
			log_warnx("%s: %.*s", tool, (int)len, p);
		p += len;
		if (*p == '\n')
			p++;
	}
}

/* One diff and, when it found work, one transaction. */
static int
s_apply(const struct fw_backend *b, const struct fw_conf *c,
    struct fw_set *want, struct fw_set *have, uint64_t now,
    struct fw_report *r, const char **why)
{
	double t0;
	int rc = 0;

	fw_set_diff(want, have, now, b->max_timeout, &r->diff);
	r->full = false;
	if (r->diff.add + r->diff.del + r->diff.renew > 0 || c->dry_run) {
		t0 = firewall_ms();
		r->attempts++;
		rc = b->apply(c, want, have, now, r, why);
		r->ms_apply += firewall_ms() - t0;
	}
	if (rc == 0) {
		fw_set_adopt(want, have, now, b->max_timeout);
		r->in_set = want->n;
	}
	return rc;
}

/* Setup, read, diff, apply; again on failure. */
static int
s_full(const struct fw_backend *b, const struct fw_conf *c,
    struct fw_set *want, uint64_t now, struct fw_report *r, const char **why)
{
	struct fw_set have;
	int rc = 0;

	fw_set_init(&have);
	for (unsigned i = 0; i < FW_ATTEMPTS; i++) {
		double t0 = firewall_ms();

		if (i > 0) {
			struct timespec pause = { 1, 0 };

			nanosleep(&pause, NULL);
			now++;
			fw_set_clear(&have);
		}
		r->read = true;
		if (c->dry_run == NULL && (rc = b->setup(c, why)) != 0)
			break;
		if ((rc = b->read(c, now, &have, why)) != 0 && c->dry_run) {
			/* Nothing to compare with: show the whole load. */
			fw_set_clear(&have);
			rc = 0;
		}
		r->ms_read += firewall_ms() - t0;
		if (rc != 0)
			break;
		if ((rc = s_apply(b, c, want, &have, now, r, why)) == 0 ||
		    rc == KY_ENOTFOUND || rc == KY_ENOMEM)
			break;
		log_warnx("%s transaction refused (%s); reading the "
		    "kernel's set again", b->name, *why);
	}
	fw_set_clear(&have);
	return rc;
}

int
firewall_reconcile(const struct fw_backend *b, const struct fw_conf *c,
    struct fw_set *want, struct fw_set *model, uint64_t now,
    struct fw_report *r, const char **why)
{
	int rc;

	memset(r, 0, sizeof(*r));
	*why = NULL;
	fw_set_merge(want, NULL);
	if (model == NULL)
		return s_full(b, c, want, now, r, why);
	fw_set_sort(model);
	if ((rc = s_apply(b, c, want, model, now, r, why)) == 0 ||
	    rc == KY_ENOTFOUND || rc == KY_ENOMEM)
		return rc;
	log_warnx("%s transaction refused (%s); reading the "
	    "kernel's set", b->name, *why);
	/* The model is wrong; freeing it first keeps the retry at two sets
	 * in memory. */
	fw_set_clear(model);
	return s_full(b, c, want, now, r, why);
}

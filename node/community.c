/*
 * community.c - the rosters this node honours, read from its store.
 *
 * Rosters are few and coordinators' chains short next to the whole
 * store, so each load walks the chains of the trusted coordinators; the
 * daemon reloads when a roster record arrives, the CLI once per command.
 */
#include <string.h>

#include "node/community.h"

struct s_walk {
	struct rosters *set;
	int rc;
};

static int
s_one(void *ctx, const struct record *r)
{
	struct s_walk *w = ctx;
	const char *why;
	int rc;

	if (r->h.kind != RK_ROSTER || r->body == NULL)
		return 0;
	/* A roster that does not parse is skipped: a later valid version
	 * still counts, and an earlier one stays in force. */
	rc = rosters_add(w->set, r, NULL, &why);
	if (rc == KY_ENOMEM)
		return w->rc = rc, 1;
	return 0;
}

static int
s_walk_origin(struct store_txn *t, const uint8_t *origin, struct s_walk *w)
{
	int rc = store_range(t, origin, 1, s_one, w);

	if (w->rc != 0)
		return w->rc;
	return rc < 0 ? rc : 0;
}

int
community_load(struct store_txn *t, const struct keyring *kr,
    const uint8_t *self, struct rosters **out)
{
	struct s_walk w = { .set = rosters_new() };
	int rc = 0;

	*out = NULL;
	if (w.set == NULL)
		return KY_ENOMEM;
	for (size_t i = 0; kr != NULL && i < keyring_count(kr) && rc == 0;
	    i++) {
		const struct keyring_entry *e = keyring_at(kr, i);

		if (e->level == TRUST_COORDINATOR)
			rc = s_walk_origin(t, e->pk, &w);
	}
	if (rc == 0 && self != NULL)
		rc = s_walk_origin(t, self, &w);
	if (rc != 0) {
		rosters_free(&w.set);
		return rc;
	}
	*out = w.set;
	return 0;
}

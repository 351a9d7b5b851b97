/*
 * view_health.c - members' health: which of a coordinator's members'
 * nodes are linked, lagging or silent (view.h).
 *
 * It reads only the coordinator's own rosters and the daemon's link
 * table (control op "status": per peer key, state, lag, last frame), so
 * it can say that a member's node is down without saying anything about
 * what that member reported.  It is for the coordinator's staff: never
 * published, never merged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/view_int.h"
#include "protocol/json.h"

/* The status answer's peers with their keys parsed once. */
struct s_peers {
	size_t n;
	uint8_t (*key)[32];
	const cJSON **peer;
};

static int
s_peers_load(const cJSON *status, struct s_peers *ps)
{
	const cJSON *peers = status != NULL ? json_get(status, "peers") : NULL;
	const cJSON *p, *k;
	size_t cap = (size_t)cJSON_GetArraySize(peers);

	memset(ps, 0, sizeof(*ps));
	if (cap == 0)
		return 0;
	if ((ps->key = calloc(cap, sizeof(*ps->key))) == NULL ||
	    (ps->peer = calloc(cap, sizeof(*ps->peer))) == NULL) {
		free(ps->key);
		return KY_ENOMEM;
	}
	cJSON_ArrayForEach(p, peers) {
		k = json_get(p, "key");
		if (cJSON_IsString(k) &&
		    record_unhex(k->valuestring, ps->key[ps->n], 32) == 0)
			ps->peer[ps->n++] = p;
	}
	return 0;
}

/* The status answer's entry for key, or NULL. */
static const cJSON *
s_peer(const struct s_peers *ps, const uint8_t key[32])
{
	for (size_t i = 0; i < ps->n; i++)
		if (memcmp(ps->key[i], key, 32) == 0)
			return ps->peer[i];
	return NULL;
}

static void
s_classify(struct view_member *m, const cJSON *status, const cJSON *peer,
    uint64_t now)
{
	const cJSON *state, *lag, *seen;

	m->lag = -1;
	if (status == NULL) {
		snprintf(m->link, sizeof(m->link), "none");
		snprintf(m->state, sizeof(m->state), "unknown");
		return;
	}
	if (peer == NULL) {
		snprintf(m->link, sizeof(m->link), "none");
		snprintf(m->state, sizeof(m->state), "silent");
		return;
	}
	state = json_get(peer, "state");
	lag = json_get(peer, "lag");
	seen = json_get(peer, "last_seen");
	snprintf(m->link, sizeof(m->link), "%s",
	    cJSON_IsString(state) ? state->valuestring : "down");
	if (cJSON_IsNumber(lag) && lag->valuedouble >= 0)
		m->lag = (int64_t)lag->valuedouble;
	if (cJSON_IsNumber(seen) && seen->valuedouble > 0)
		m->last_seen = (uint64_t)seen->valuedouble;
	if (strcmp(m->link, "up") != 0 ||
	    m->last_seen + VIEW_SILENT_AFTER < now)
		snprintf(m->state, sizeof(m->state), "silent");
	else if (m->lag < 0 || m->lag > VIEW_LAG_MAX)
		snprintf(m->state, sizeof(m->state), "lagging");
	else
		snprintf(m->state, sizeof(m->state), "linked");
}

static int
s_by_state(const void *a, const void *b)
{
	static const char *const order[] = { "silent", "lagging", "unknown",
	    "linked" };
	const struct view_member *x = a, *y = b;
	int i = 0, j = 0;

	while (i < 3 && strcmp(order[i], x->state) != 0)
		i++;
	while (j < 3 && strcmp(order[j], y->state) != 0)
		j++;
	if (i != j)
		return i - j;
	return strcmp(x->name, y->name);
}

int
view_health(const struct rosters *rs, const uint8_t self[32],
    const cJSON *status, uint64_t now, struct view **out, const char **why)
{
	struct s_peers ps;
	struct view *v;
	size_t cap = 0, own = 0;

	*out = NULL;
	for (size_t i = 0; rs != NULL && i < rosters_count(rs); i++) {
		const struct roster *ro = rosters_at(rs, i);

		if (memcmp(ro->coordinator, self, 32) == 0) {
			cap += ro->n;
			own++;
		}
	}
	if (own == 0)
		return *why = "members' health is a coordinator's view: this "
		    "node signs no roster", KY_EPERM;
	if ((v = view_new(VIEW_HEALTH)) == NULL)
		return KY_ENOMEM;
	v->k = VIEW_K_DEFAULT;
	v->since = view_week_floor(now);
	v->until = v->since + VIEW_WEEK;
	v->generated = now;
	v->daemon_running = status != NULL;
	if ((cap > 0 && (v->members = calloc(cap, sizeof(*v->members))) ==
	    NULL) || s_peers_load(status, &ps) != 0) {
		view_free(&v);
		return KY_ENOMEM;
	}
	for (size_t i = 0; i < rosters_count(rs); i++) {
		const struct roster *ro = rosters_at(rs, i);

		if (memcmp(ro->coordinator, self, 32) != 0)
			continue;
		for (size_t j = 0; j < ro->n; j++) {
			struct view_member *m;
			bool dup = false;

			/* A key on two of our rosters is one node. */
			for (size_t x = 0; x < v->nmembers && !dup; x++)
				dup = memcmp(v->members[x].key, ro->m[j].key,
				    32) == 0;
			if (dup || memcmp(ro->m[j].key, self, 32) == 0)
				continue;
			m = &v->members[v->nmembers++];
			memcpy(m->key, ro->m[j].key, 32);
			memcpy(m->name, ro->m[j].name, sizeof(m->name));
			s_classify(m, status, s_peer(&ps, m->key), now);
		}
	}
	free(ps.key);
	free(ps.peer);
	qsort(v->members, v->nmembers, sizeof(*v->members), s_by_state);
	*out = v;
	return 0;
}

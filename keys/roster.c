/*
 * roster.c - communities: coordinator-signed member lists (roster.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys/roster.h"
#include "protocol/body.h"
#include "protocol/json.h"

#define COMMUNITY_DOMAIN	"kyojo community v1"
#define REPORTER_DOMAIN		"kyojo reporter v1"

struct rosters {
	struct roster *r;	/* sorted by community id */
	size_t n, cap;
	uint8_t (*revoked)[32];	/* sorted; once listed, now dropped */
	size_t n_revoked, cap_revoked;
};

void
roster_community_id(const uint8_t coordinator[RECORD_KEY_LEN],
    const char *name, uint8_t out[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)COMMUNITY_DOMAIN,
	    sizeof(COMMUNITY_DOMAIN) - 1);
	crypto_generichash_update(&st, coordinator, RECORD_KEY_LEN);
	crypto_generichash_update(&st, (const uint8_t *)name, strlen(name));
	crypto_generichash_final(&st, out, 32);
}

/*
 * Members sharing a name are one organization: their reporter id hashes
 * (community, name).  A nameless member is its own reporter: its key.
 */
static void
s_reporter(const uint8_t community[32], struct roster_member *m)
{
	crypto_generichash_state st;

	if (m->name[0] == '\0') {
		memcpy(m->reporter, m->key, 32);
		return;
	}
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)REPORTER_DOMAIN,
	    sizeof(REPORTER_DOMAIN) - 1);
	crypto_generichash_update(&st, community, 32);
	crypto_generichash_update(&st, (const uint8_t *)m->name,
	    strlen(m->name));
	crypto_generichash_final(&st, m->reporter, 32);
}

static int
s_by_key(const void *a, const void *b)
{
	return memcmp(((const struct roster_member *)a)->key,
	    ((const struct roster_member *)b)->key, RECORD_KEY_LEN);
}

static int
s_members(const cJSON *members, struct roster *ro, const char **why)
{
	const cJSON *m;
	const char *key, *name;
	size_t i = 0;

	ro->n = (size_t)cJSON_GetArraySize(members);
	if (ro->n == 0)
		return 0;
	if ((ro->m = calloc(ro->n, sizeof(*ro->m))) == NULL)
		return KY_ENOMEM;
	cJSON_ArrayForEach(m, members) {
		key = name = NULL;
		/* body_parse checked the shapes already. */
		if (json_get_str(m, "key", 64, 1, &key) != 0 ||
		    json_get_str(m, "name", ROSTER_NAME_MAX, 0, &name) != 0 ||
		    record_unhex(key, ro->m[i].key, 32) != 0)
			return *why = "roster: bad member key", KY_EINVAL;
		if (name != NULL)
			memcpy(ro->m[i].name, name, strlen(name) + 1);
		s_reporter(ro->community, &ro->m[i]);
		i++;
	}
	qsort(ro->m, ro->n, sizeof(*ro->m), s_by_key);
	for (i = 1; i < ro->n; i++)
		if (memcmp(ro->m[i - 1].key, ro->m[i].key, 32) == 0)
			return *why = "roster: a member key is listed twice",
			    KY_EINVAL;
	return 0;
}

int
roster_parse(const struct record *r, struct roster *out, const char **why)
{
	const char *name = NULL;
	cJSON *root = NULL;
	int64_t version = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (r->h.kind != RK_ROSTER || r->body == NULL)
		return *why = "roster: not a whole roster record", KY_EINVAL;
	if ((rc = body_parse(RK_ROSTER, r->body, r->h.body_len, &root,
	    why)) != 0)
		return rc;
	if (json_get_str(root, "name", ROSTER_NAME_MAX, 1, &name) != 0 ||
	    json_get_int(root, "version", 1, JSON_INT_MAX, 1, &version) != 0) {
		cJSON_Delete(root);
		return *why = "roster: no name or version", KY_EINVAL;
	}
	memcpy(out->coordinator, r->h.origin, 32);
	memcpy(out->record_id, r->id, 32);
	memcpy(out->name, name, strlen(name) + 1);
	out->version = (uint64_t)version;
	roster_community_id(out->coordinator, out->name, out->community);
	if (memcmp(out->community, r->h.community, 32) != 0) {
		*why = "roster: header community is not the roster's id";
		rc = KY_EINVAL;
	} else {
		rc = s_members(json_get(root, "members"), out, why);
	}
	cJSON_Delete(root);
	if (rc != 0)
		roster_clear(out);
	return rc;
}

void
roster_clear(struct roster *ro)
{
	free(ro->m);
	memset(ro, 0, sizeof(*ro));
}

const struct roster_member *
roster_find(const struct roster *ro, const uint8_t key[RECORD_KEY_LEN])
{
	struct roster_member probe;

	if (ro->n == 0)
		return NULL;
	memcpy(probe.key, key, RECORD_KEY_LEN);
	return bsearch(&probe, ro->m, ro->n, sizeof(*ro->m), s_by_key);
}

struct rosters *
rosters_new(void)
{
	return calloc(1, sizeof(struct rosters));
}

void
rosters_free(struct rosters **p)
{
	if (p == NULL || *p == NULL)
		return;
	for (size_t i = 0; i < (*p)->n; i++)
		roster_clear(&(*p)->r[i]);
	free((*p)->r);
	free((*p)->revoked);
	free(*p);
	*p = NULL;
}

/*
 * Where a 32-byte key is, or would go (*found false), in n sorted
 * elements of size bytes that each begin with their key: the rosters
 * (community id first) and the revoked keys.
 */
static size_t
s_find(const void *base, size_t n, size_t size, const uint8_t key[32],
    bool *found)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = memcmp((const uint8_t *)base + mid * size, key, 32);

		if (cmp == 0)
			return *found = true, mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Index of community c in set, or where it would go (*found false). */
static size_t
s_slot(const struct rosters *set, const uint8_t c[32], bool *found)
{
	return s_find(set->r, set->n, sizeof(*set->r), c, found);
}

/* Where key is or would go in the revoked list. */
static size_t
s_revoked_slot(const struct rosters *set, const uint8_t key[32], bool *found)
{
	return s_find(set->revoked, set->n_revoked, 32, key, found);
}

static int
s_revoke(struct rosters *set, const uint8_t key[32])
{
	bool found;
	size_t at = s_revoked_slot(set, key, &found);

	if (found)
		return 0;
	if (set->n_revoked == set->cap_revoked) {
		size_t cap = set->cap_revoked ? set->cap_revoked * 2 : 16;
		uint8_t (*nr)[32] = realloc(set->revoked, cap * 32);

		if (nr == NULL)
			return KY_ENOMEM;
		set->revoked = nr;
		set->cap_revoked = cap;
	}
	memmove(set->revoked[at + 1], set->revoked[at],
	    (set->n_revoked - at) * 32);
	memcpy(set->revoked[at], key, 32);
	set->n_revoked++;
	return 0;
}

static void
s_unrevoke(struct rosters *set, const uint8_t key[32])
{
	bool found;
	size_t at = s_revoked_slot(set, key, &found);

	if (!found)
		return;
	memmove(set->revoked[at], set->revoked[at + 1],
	    (set->n_revoked - at - 1) * 32);
	set->n_revoked--;
}

/* Members of from that to (may be NULL) no longer lists are revoked. */
static int
s_revoke_dropped(struct rosters *set, const struct roster *from,
    const struct roster *to)
{
	int rc;

	for (size_t i = 0; i < from->n; i++)
		if ((to == NULL || roster_find(to, from->m[i].key) == NULL) &&
		    (rc = s_revoke(set, from->m[i].key)) != 0)
			return rc;
	return 0;
}

int
rosters_add(struct rosters *set, const struct record *r, bool *replaced,
    const char **why)
{
	struct roster ro;
	bool found;
	size_t at;
	int rc;

	if (replaced != NULL)
		*replaced = false;
	if ((rc = roster_parse(r, &ro, why)) != 0)
		return rc;
	at = s_slot(set, ro.community, &found);
	if (found) {
		/* An older version read after a newer one: whoever it
		 * lists that the newer does not was removed since. */
		if (set->r[at].version >= ro.version) {
			rc = s_revoke_dropped(set, &ro, &set->r[at]);
			roster_clear(&ro);
			return rc;
		}
		if ((rc = s_revoke_dropped(set, &set->r[at], &ro)) != 0) {
			roster_clear(&ro);
			return rc;
		}
		roster_clear(&set->r[at]);
		set->r[at] = ro;
	} else {
		if (set->n == set->cap) {
			size_t cap = set->cap ? set->cap * 2 : 4;
			struct roster *nr = realloc(set->r, cap * sizeof(*nr));

			if (nr == NULL) {
				roster_clear(&ro);
				return KY_ENOMEM;
			}
			set->r = nr;
			set->cap = cap;
		}
		memmove(&set->r[at + 1], &set->r[at],
		    (set->n - at) * sizeof(*set->r));
		set->r[at] = ro;
		set->n++;
	}
	for (size_t i = 0; i < set->r[at].n; i++)
		s_unrevoke(set, set->r[at].m[i].key);
	if (replaced != NULL)
		*replaced = true;
	return 0;
}

bool
rosters_is_revoked(const struct rosters *set,
    const uint8_t key[RECORD_KEY_LEN])
{
	static const uint8_t any[32];
	bool found;

	if (set == NULL)
		return false;
	(void)s_revoked_slot(set, key, &found);
	/* Dropped from one community but still in another: not revoked. */
	return found && !rosters_is_member(set, any, key);
}

size_t
rosters_count(const struct rosters *set)
{
	return set->n;
}

const struct roster *
rosters_at(const struct rosters *set, size_t i)
{
	return i < set->n ? &set->r[i] : NULL;
}

const struct roster *
rosters_get(const struct rosters *set, const uint8_t community[32])
{
	bool found;
	size_t at = s_slot(set, community, &found);

	return found ? &set->r[at] : NULL;
}

bool
rosters_is_member(const struct rosters *set, const uint8_t community[32],
    const uint8_t key[RECORD_KEY_LEN])
{
	static const uint8_t zero[32];
	const struct roster *ro;

	if (memcmp(community, zero, 32) != 0)
		return (ro = rosters_get(set, community)) != NULL &&
		    roster_find(ro, key) != NULL;
	for (size_t i = 0; i < set->n; i++)
		if (roster_find(&set->r[i], key) != NULL)
			return true;
	return false;
}

void
rosters_reporter(const struct rosters *set,
    const uint8_t key[RECORD_KEY_LEN], uint8_t out[32])
{
	const struct roster_member *m;

	for (size_t i = 0; set != NULL && i < set->n; i++)
		if ((m = roster_find(&set->r[i], key)) != NULL) {
			memcpy(out, m->reporter, 32);
			return;
		}
	memcpy(out, key, 32);
}

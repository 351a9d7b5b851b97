/*
 * roster.h - communities: coordinator-signed member lists.
 *
 * A community is named by its coordinator's key and a name; its id is
 * BLAKE2b-256("kyojo community v1" || coordinator key || name), so every
 * version of the roster, and every record scoped to the community, carries
 * the same id (header field community) however often members change.
 *
 * A roster record (kind 5) is signed by the coordinator; a higher version
 * replaces a lower one, so a new version removes members.  Only rosters of
 * keys this node trusts as coordinators count (the caller decides: see
 * node/community.h).
 *
 * Reporters.  k-anonymity and "k distinct reporters" count organizations,
 * not keys: roster entries that share a name are one member (one company
 * with five nodes is one reporter); an entry without a name is a member of
 * its own.  rosters_reporter() gives the 32-byte identity to count.
 *
 * Not thread-safe: build a struct rosters, then share it read-only.
 */
#ifndef KY_ROSTER_H
#define KY_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/error.h"
#include "protocol/record.h"

#define ROSTER_MEMBERS_MAX	10000
#define ROSTER_NAME_MAX		200

struct roster_member {
	uint8_t key[RECORD_KEY_LEN];	/* the member node's Ed25519 key */
	char name[ROSTER_NAME_MAX + 1];	/* organization; "" when none given */
	uint8_t reporter[32];		/* what counts toward k (see above) */
};

struct roster {
	uint8_t community[32];		/* roster_community_id(); stays first:
					   roster.c searches the set by it */
	uint8_t coordinator[RECORD_KEY_LEN];
	uint8_t record_id[RECORD_ID_LEN];	/* the roster record it came from */
	char name[ROSTER_NAME_MAX + 1];
	uint64_t version;
	size_t n;			/* members, sorted by key */
	struct roster_member *m;
};

/* A set of rosters: the latest version of each community. */
struct rosters;

/* The community id of (coordinator, name). */
void roster_community_id(const uint8_t coordinator[RECORD_KEY_LEN],
    const char *name, uint8_t out[32]) KY_NONNULL(1, 2, 3);

/*
 * Reads roster record r (kind 5, whole, already verified) into *out
 * (members malloc'd: free with roster_clear).  Refuses (KY_EINVAL, *why)
 * a roster whose header community is not its computed id, or one that
 * lists a key twice.  Errors also: KY_ENOMEM.
 */
int roster_parse(const struct record *r, struct roster *out,
    const char **why) KY_WUR KY_NONNULL(1, 2, 3);

void roster_clear(struct roster *ro);

/* The member entry for key, or NULL. */
const struct roster_member *roster_find(const struct roster *ro,
    const uint8_t key[RECORD_KEY_LEN]) KY_NONNULL(1, 2);

/* An empty set; NULL when out of memory. */
struct rosters *rosters_new(void);
void rosters_free(struct rosters **p);

/*
 * Adds roster record r to the set.  A lower or equal version of a
 * community already held is ignored (returns 0, *replaced false).
 * Errors: as roster_parse.
 */
int rosters_add(struct rosters *set, const struct record *r, bool *replaced,
    const char **why) KY_WUR KY_NONNULL(1, 2, 4);

size_t rosters_count(const struct rosters *set) KY_NONNULL(1);
const struct roster *rosters_at(const struct rosters *set, size_t i)
    KY_NONNULL(1);
/* The roster of community id, or NULL. */
const struct roster *rosters_get(const struct rosters *set,
    const uint8_t community[32]) KY_NONNULL(1, 2);

/* Whether key is a member of community (all zero: of any roster). */
bool rosters_is_member(const struct rosters *set,
    const uint8_t community[32], const uint8_t key[RECORD_KEY_LEN])
    KY_NONNULL(1, 2, 3);

/*
 * Whether key was on a version of some roster in the set and is on none
 * of the latest versions: a revoked member, whose reports no longer count.
 * set may be NULL (false).
 */
bool rosters_is_revoked(const struct rosters *set,
    const uint8_t key[RECORD_KEY_LEN]) KY_NONNULL(2);

/*
 * The identity that counts toward k for origin key: its member's reporter
 * id in the first roster (in community id order) that lists it, or the key
 * itself when no roster does.  set may be NULL (every key counts alone).
 */
void rosters_reporter(const struct rosters *set,
    const uint8_t key[RECORD_KEY_LEN], uint8_t out[32]) KY_NONNULL(2, 3);

#endif

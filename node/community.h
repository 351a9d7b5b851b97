/*
 * community.h - the rosters this node honours, read from its store.
 *
 * A roster counts when its origin is a key the keyring trusts as
 * coordinator (TRUST_COORDINATOR), or this node's own key (a coordinator
 * honours its own rosters).  The latest version of each community wins.
 */
#ifndef KY_COMMUNITY_H
#define KY_COMMUNITY_H

#include "keys/keyring.h"
#include "keys/roster.h"
#include "node/store.h"

/*
 * Builds *out (the caller's, rosters_free) from the roster records of
 * every coordinator in kr (may be NULL) and of self (may be NULL), as held
 * in t.  A roster that does not parse is skipped.  Errors: KY_ENOMEM,
 * KY_ECORRUPT.
 */
int community_load(struct store_txn *t, const struct keyring *kr,
    const uint8_t *self, struct rosters **out) KY_WUR;

#endif

/*
 * origins.h - a dense index of the origins this daemon has met.
 *
 * Gossip keeps per-link, per-origin state (what the peer holds, whether it
 * wants eager pushes); giving each origin a small integer lets that state
 * live in plain arrays.  Open addressing on the key's first bytes: origins
 * are Ed25519 keys, uniformly distributed.  Indexes are stable for the
 * daemon's lifetime.
 */
#ifndef KY_ORIGINS_H
#define KY_ORIGINS_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/error.h"

struct origins;

struct origins *origins_new(void);
void origins_destroy(struct origins **p);

/* The index of key, adding it if new; -1 on allocation failure. */
long origins_intern(struct origins *o, const uint8_t key[32]);
/* The index of key, or -1 if unknown. */
long origins_find(const struct origins *o, const uint8_t key[32]);
/* The key of index i, borrowed until the next origins_intern(). */
const uint8_t *origins_key(const struct origins *o, long i);
size_t origins_count(const struct origins *o);

#endif

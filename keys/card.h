/*
 * card.h - a node's public self-description, as a signed record.
 *
 * A card is a record of kind card in the node's own chain: `kyojo keygen`
 * writes seq 1, so every chain starts by proving which key it belongs to;
 * a later card (new endpoints, new name) is a later record of the chain.
 * The body: {"name", "endpoints": ["tcp://host:port"], "region", "sector"},
 * all optional.  The Curve25519 key that ZeroMQ uses is derived from the
 * origin key, so the card does not carry it.
 */
#ifndef KY_CARD_H
#define KY_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "keys/ident.h"
#include "protocol/error.h"
#include "protocol/record.h"

#define CARD_ENDPOINTS_MAX 8

struct card_info {
	char name[201];				/* optional, "" when absent */
	char region[101];			/* optional */
	char sector[8];				/* csirt, psirt, dsirt, fsirt or "" */
	char endpoints[CARD_ENDPOINTS_MAX][257];	/* tcp://host:port */
	int n_endpoints;			/* used entries of endpoints */
};

/*
 * Builds and signs a card record for id at (seq, prev) created at `created`.
 * *out is malloc'd, the caller's.  Errors: KY_EINVAL (why set), KY_ENOMEM.
 */
int card_build(struct ident *id, const struct card_info *info, uint64_t seq,
    const uint8_t *prev, uint64_t created, uint8_t **out, size_t *len,
    const char **why) KY_WUR;

/*
 * Verifies a card record (signature, hash, kind, body) and copies its
 * fields into *info and its origin key into pk.
 * Errors: any of record_open()'s, KY_EINVAL when it is not a whole card.
 */
int card_parse(const uint8_t *buf, size_t len, struct card_info *info,
    uint8_t pk[RECORD_KEY_LEN], const char **why) KY_WUR;

#endif

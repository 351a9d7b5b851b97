/*
 * anon.h - anonymous reporting through the community's coordinator.
 *
 * A member scrubs a submit or sight request as if it were to sign it,
 * seals what is left to its coordinator's X25519 key (crypto_box_seal:
 * anonymous sender, only the coordinator can open it) and sends it in a
 * SEALED frame over its direct link.  The
 * coordinator checks that the link's key is on one of its rosters,
 * rate-limits per member, opens the box, keeps only the fields a report
 * may carry, and signs the report under its own key, as an ISAC publishes
 * its members' reports.  What leaves the coordinator names the
 * coordinator only: no key, time or wording of the member's own.
 */
#ifndef KY_ANON_H
#define KY_ANON_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "node/daemon.h"

#define ANON_RATE_HOUR	120	/* sealed requests per member per hour */

/*
 * Member side: seals request req (op "submit" or "sight"; one report or
 * "items") to the coordinator named by req's "coordinator" (64 hex) or,
 * when absent, the only coordinator whose roster lists this node, and
 * sends it over the link to it.  coordinator_hex (65 bytes) gets the key.
 * Errors (KY_EINVAL, KY_ENOTFOUND, KY_EAGAIN..., *why): no such
 * coordinator, several to choose from, no link up to it, a value that does
 * not normalize, a request too big for one box.
 */
int anon_send(struct daemon *d, const char *op, const cJSON *req,
    char coordinator_hex[65], const char **why) KY_WUR;

/* Coordinator side: a SEALED frame that arrived on link l. */
void anon_on_sealed(struct daemon *d, struct link *l, const uint8_t *box,
    size_t len);

#endif

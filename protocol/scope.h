/*
 * scope.h - what of a record may cross one link: the one decision in the
 * send path, so TLP holds in code and not in good intentions.
 *
 *   CLEAR          whole, to anyone
 *   GREEN          whole to members of the record's community; a stub to
 *                  anyone else
 *   AMBER, AMBER+STRICT, RED
 *                  a stub only: header and signature, never the body.
 *                  Bodies for named recipients (sealed to their keys) are a
 *                  later protocol addition; until then the content stays on
 *                  the node that wrote it.
 *
 * Stubs leave so that every origin's hash chain stays whole at every node
 * (a gap would stall catch-up forever).  A stub shows that a record exists,
 * its markings, times and size, and the hash of its body; writers add a
 * random "salt" member to bodies that only travel as stubs, so the hash
 * cannot be confirmed by guessing the body.
 */
#ifndef KY_SCOPE_H
#define KY_SCOPE_H

#include <stdbool.h>

#include "record.h"

enum scope_send {
	SCOPE_STUB = 1,		/* header and signature only */
	SCOPE_WHOLE = 2,	/* the record as stored */
};

/* How the receiving peer stands to the record's community. */
struct scope_peer {
	bool member;	/* in the record's community (or the keyring, when
			   the record names no community) */
};

enum scope_send scope_decide(const struct record_header *h,
    const struct scope_peer *peer);

/* True when bodies of this TLP only ever travel as stubs. */
bool scope_tlp_is_private(uint8_t tlp);

#endif

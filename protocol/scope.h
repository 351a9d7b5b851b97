/*
 * scope.h - what of a record may cross one link: the one decision in the
 * send path, so TLP holds in code and not in good intentions.
 *
 *   CLEAR          whole, to anyone
 *   GREEN          whole to members of the record's community; a stub to
 *                  anyone else
 *   AMBER, AMBER+STRICT
 *                  whole when the body is sealed (encrypted to named
 *                  recipients, protocol/seal.h): relays carry ciphertext
 *                  they cannot read.  A retraction travels whole too (it
 *                  names only an id), so recipients prune.  Anything else
 *                  with these markings leaves as a stub.
 *   RED            whole only from its author, over the direct link, to a
 *                  recipient named in its sealed body; a stub everywhere
 *                  else.  A recipient never passes the body on (it is not
 *                  the author), so RED crosses at most one link.
 *
 * Stubs leave so that every origin's hash chain stays whole at every node
 * (a gap would stall catch-up forever).  A stub shows that a record exists,
 * its markings, times and size, and the hash of its body; writers add a
 * random "salt" member to private bodies, so the hash cannot be confirmed
 * by guessing the body.
 */
#ifndef KY_SCOPE_H
#define KY_SCOPE_H

#include <stdbool.h>

#include "record.h"

enum scope_send {
	SCOPE_STUB = 1,		/* header and signature only */
	SCOPE_WHOLE = 2,	/* the record as stored */
};

/* How the receiving peer and this node stand to the record. */
struct scope_peer {
	bool member;	/* peer is in the record's community (any admitted
			   peer, when the record names no community) */
	bool sealed;	/* the stored body is a sealed envelope */
	bool recipient;	/* peer is named in the sealed body */
	bool author;	/* this node wrote the record */
};

enum scope_send scope_decide(const struct record_header *h,
    const struct scope_peer *peer);

/* True when bodies of this TLP never travel readable past their
 * recipients (AMBER and stricter). */
bool scope_tlp_is_private(uint8_t tlp);

#endif

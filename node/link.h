/*
 * link.h - one gossip link to a peer, and what we know of that peer.
 *
 * Outbound links are ZeroMQ DEALER sockets (CURVE clients) that we dial;
 * inbound links are peers that dialed our ROUTER, addressed by routing id.
 * Both carry the same frames both ways.  For each origin, a link remembers
 * the highest contiguous seq the peer holds (as it told us, or as we sent
 * it), and whether it asked us to push that origin lazily (CHOKE): this is
 * all the pump needs to send exactly what the peer lacks.
 */
#ifndef KY_LINK_H
#define KY_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/error.h"

enum link_state {
	LINK_DOWN = 0,		/* not connected (outbound: dialing) */
	LINK_HELLO = 1,		/* connected, HELLO not yet answered */
	LINK_UP = 2,		/* HELLO exchanged; vectors flowing */
};

/* Per-origin flags. */
#define LO_CHOKED	0x01	/* peer wants only HAVE notes for this origin */
#define LO_WE_CHOKED	0x02	/* we asked the peer for HAVE notes only */
#define LO_NOTE		0x04	/* a HAVE note is due */

struct link {
	bool outbound;			/* we dial it (DEALER) */
	void *sock;			/* the DEALER, or the shared ROUTER */
	void *monitor;			/* outbound: PAIR reading socket events */
	uint8_t rid[256];		/* inbound: ROUTER routing id */
	size_t rid_len;
	char endpoint[257];		/* outbound: tcp://host:port */
	uint8_t key[32];		/* the peer's Ed25519 identity */
	bool key_known;			/* inbound: set by its first message */
	char name[64];			/* short label for logs: name or key prefix */
	enum link_state state;
	bool synced;			/* we know its vector (VECTOR or equal digest) */
	bool backlog;			/* the pump stopped short: scan all origins */
	uint32_t credit;		/* records we may still send it */
	uint32_t granted;		/* records it may still send us */
	uint32_t consumed;		/* records it sent since our last CREDIT */
	uint64_t *their;		/* by origin index: contiguous seq it holds */
	uint8_t *flags;			/* by origin index: LO_* */
	size_t n_origins;		/* entries in their/flags */
	uint64_t connected_at;		/* unix seconds of the last HELLO */
	uint64_t last_seen;		/* unix seconds of the last frame */
	uint64_t sent, received;	/* records, this run */
	uint64_t bytes_out, bytes_in;	/* frame bytes, this run */
	uint64_t dups;			/* records it sent that we had */
	uint64_t rejects;		/* frames or records refused */
	uint64_t redial_at;		/* unix s: dial afresh after a refused key */
	uint64_t rate_sec;		/* second being counted for peer_rate */
	uint64_t rate_count;		/* records received in that second */
	uint64_t penalty_until;		/* ignore it until then (unix s) */
	unsigned faults;		/* refusals in the current window */
	uint64_t fault_at;		/* unix seconds of the last refusal */
};

/* A link with empty state; NULL on allocation failure. */
struct link *link_new(bool outbound);
void link_destroy(struct link **p);

/* Makes sure the per-origin arrays cover n origins; 0 or KY_ENOMEM. */
int link_reserve(struct link *l, size_t n) KY_WUR;

/*
 * Sends one frame on the link, without blocking.  Returns 0, or KY_EFULL
 * when ZeroMQ's queue is full (the caller retries later), or KY_ESYS when
 * the peer is gone (the caller marks the link down).
 */
int link_send(struct link *l, const void *frame, size_t len) KY_WUR;

/* Forgets what the peer holds (it reconnected; its vector comes again). */
void link_reset(struct link *l);

/* Sets name from a card name, or from the key's fingerprint prefix. */
void link_set_name(struct link *l, const char *name);

#endif

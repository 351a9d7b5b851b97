/*
 * daemon.h - kyojod's one context: configuration, identity, store,
 * sockets, links and the batch being committed.
 *
 * kyojod is one process with one zmq_poll loop (loop.c).  Every handler is
 * short and non-blocking; records from peers and from local submissions
 * are collected into one batch, committed in one LMDB transaction, and
 * only then acknowledged (control replies) and forwarded (gossip pump).
 */
#ifndef KY_DAEMON_H
#define KY_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "keys/ident.h"
#include "keys/keyring.h"
#include "keys/roster.h"
#include "node/config.h"
#include "node/link.h"
#include "node/origins.h"
#include "node/store.h"
#include "node/zap.h"

#define DAEMON_LINKS_MAX	64	/* outbound + inbound links */
#define CREDIT_WINDOW		(2u << 20)	/* bytes a peer may have in flight */
#define OWN_HEAD_WAIT		10	/* seconds to wait for peers at start */
#define LAZY_GRACE_MS		150	/* wait for an eager copy before asking */
#define FAULTS_MAX		16	/* refusals before a link is ignored */
#define PENALTY_SECS		60	/* how long it is ignored */

/* An admitted key (keyring or honoured roster) with its derived curve
 * key, for the ZAP handler. */
struct trusted {
	uint8_t ed[32];
	uint8_t curve[32];
};

/* A peer the other side should dial (its key is smaller); we dial it
 * ourselves if no link with it is up by `at`, e.g. when it never added
 * our card. */
struct deferred {
	uint8_t key[32];
	char endpoint[257];
	char name[64];
	uint64_t at;		/* unix seconds */
};

/* Sealed reports one member sent in the current hour (anon.c). */
struct anon_count {
	uint8_t key[32];
	uint64_t hour;
	uint32_t n;
};

/* A control request held until our own head is confirmed. */
struct held {
	uint8_t rid[256];
	size_t rid_len;
	char *text;
};

/* A control request waiting for its records to be committed. */
struct waiter {
	uint8_t rid[256];		/* control ROUTER routing id */
	size_t rid_len;			/* 0: slot free */
	size_t remaining;		/* records not yet committed */
	int rc;				/* first failure, or 0 */
	const char *why;		/* its reason */
	char whybuf[300];		/* room for a composed reason */
	void *ids;			/* cJSON array of committed ids */
};

/* One record of the batch. */
struct pending {
	uint8_t *buf;			/* the record, malloc'd */
	size_t len;
	struct link *from;		/* the link it came on; NULL when submitted
					   here or when that link was dropped */
	bool own;			/* submitted here (from is NULL) */
	int waiter;			/* index into waiters, or -1 */
};

/* A HAVE note that showed a peer ahead of us, for LAZY_GRACE_MS. */
struct suspect {
	struct link *link;
	long origin;			/* origins.h index */
	uint64_t seq;			/* the seq the peer has */
	uint64_t at_ms;			/* when we heard it */
};

struct daemon {
	struct config cfg;
	struct ident *ident;
	uint8_t self[32];		/* our Ed25519 key */
	struct store *store;
	struct http *http;		/* HTTP pull listener; NULL when off */
	struct keyring *keyring;
	struct rosters *rosters;	/* honoured rosters (community.h) */
	struct scrub *scrub;		/* what may be signed (scrub.h) */
	char scrub_why[512];		/* room for a scrub refusal (SCRUB_WHY_MAX) */
	struct trusted *trusted;	/* admitted keys with curve keys */
	size_t n_trusted;
	void *zctx;
	struct zap *zap;
	void *router;			/* gossip listener, NULL without one */
	void *control;			/* control socket (ROUTER over ipc) */
	char control_path[CONFIG_PATH_MAX];
	struct link *links[DAEMON_LINKS_MAX];
	size_t n_links;
	struct origins *origins;
	uint64_t *contig;		/* by origin index: our contiguous head */
	uint8_t *dirty;			/* by origin index: advanced this round */
	long *dirty_list;		/* indexes with dirty set */
	uint64_t *rate_hour;		/* by origin: hour of created being counted */
	uint64_t *rate_count;		/* by origin: records created in that hour */
	size_t n_dirty, cap_origins;
	struct pending *batch;
	size_t n_batch, cap_batch;
	struct waiter *waiters;
	size_t n_waiters, cap_waiters;
	struct deferred *deferred;	/* peers we let dial us first */
	size_t n_deferred;
	struct held *held;		/* requests waiting for own_ready */
	size_t n_held;
	struct suspect *suspects;
	size_t n_suspects, cap_suspects;
	uint64_t own_next;		/* seq of our next record */
	uint8_t own_prev[32];		/* id of our last record */
	bool own_ready;			/* our head is confirmed by peers */
	uint64_t own_deadline;		/* or this time passed */
	uint64_t next_sync;		/* unix s of the next HELLO round */
	uint64_t stored, refused;	/* records, this run */
	bool trace;			/* log every stored record (-vv) */
	volatile sig_atomic_t stop;	/* SIGTERM, SIGINT */
	volatile sig_atomic_t reload;	/* SIGHUP */
	struct anon_count *anon;	/* sealed reports per member (anon.c) */
	size_t n_anon;
};

/* Milliseconds and seconds of the wall clock. */
uint64_t daemon_now_ms(void);
uint64_t daemon_now(void);

/* Grows the per-origin arrays (daemon and links) to cover origin i. */
int daemon_origin(struct daemon *d, const uint8_t key[32], long *idx) KY_WUR;

/* Queues a record for the next commit; takes ownership of *buf. */
int daemon_enqueue(struct daemon *d, uint8_t **buf, size_t len,
    struct link *from, int waiter) KY_WUR;

/* Commits the batch, answers waiters, updates heads, runs the pump. */
void daemon_commit(struct daemon *d);

/* The one daemon; signal handlers reach it through this. */
extern struct daemon *daemon_self;

/* Installs SIGTERM/SIGINT (stop), SIGHUP (reload), ignores SIGPIPE. */
void daemon_signals(void);

/* Fills the in-memory heads from the store (at start). */
int daemon_load_heads(struct daemon *d) KY_WUR;

/* Runs the loop until stop is set. */
void daemon_run(struct daemon *d);

/* submit.c */
void submit_reload_own(struct daemon *d);
void submit_tick(struct daemon *d);

/* gossip.c */
void gossip_on_frame(struct daemon *d, struct link *l, const uint8_t *buf,
    size_t len);
void gossip_link_up(struct daemon *d, struct link *l);
void gossip_hello(struct daemon *d, struct link *l, bool reply);
void gossip_pump(struct daemon *d);
/* Sends our just-committed RED record whole to its linked recipients. */
void gossip_direct(struct daemon *d, const uint8_t *rec, size_t len);
/* Whether key is in community (zero: any admitted peer); see gossip.c. */
bool gossip_in_community(const struct daemon *d, const uint8_t community[32],
    const uint8_t key[32]);
void gossip_tick(struct daemon *d);
void gossip_after_commit(struct daemon *d, struct link *from, const uint8_t
    origin[32], uint64_t seq, int rc);

/* control.c */
int control_open(struct daemon *d) KY_WUR;
void control_close(struct daemon *d);
void control_handle(struct daemon *d);
void control_record_done(struct daemon *d, int waiter, int rc,
    const char *why, const uint8_t id[32]);
void control_resume(struct daemon *d);

/* peers.c */
int peers_load(struct daemon *d) KY_WUR;
int peers_listen(struct daemon *d) KY_WUR;
bool peers_lookup(void *dctx, const uint8_t curve[32], uint8_t ed[32]);
void peers_events(struct daemon *d, struct link *l);
struct link *peers_inbound(struct daemon *d, const uint8_t *rid,
    size_t rid_len, const char *user_id);
void peers_drop(struct daemon *d, struct link *l);
void peers_tick(struct daemon *d);

#endif

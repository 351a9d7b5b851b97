/*
 * gossip.c - frames in, records out.
 *
 * Replication is one mechanism, not two: for every link and origin we know
 * the highest contiguous seq the peer holds, and the pump sends whatever
 * lies between that and our own head, in order, within the peer's credit.
 * A fresh record and a week of missed records take the same path.
 *
 * To keep copies near one per node in a mesh (epidemic broadcast trees),
 * a receiver that gets a record it already had asks that sender to CHOKE
 * the origin: the sender then only announces progress with HAVE notes.
 * When a HAVE shows a peer ahead of us and no eager copy arrives within
 * LAZY_GRACE_MS, we UNCHOKE that peer for the origin and it streams again.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "node/anon.h"
#include "node/daemon.h"
#include "node/log.h"
#include "protocol/frame.h"
#include "protocol/scope.h"
#include "protocol/seal.h"

/* One send buffer: a full RECORDS frame plus one record of slack. */
static uint8_t s_out[FRAME_MAX_LEN];

static void
s_fault(struct daemon *d, struct link *l, const char *why)
{
	uint64_t now = daemon_now();

	l->rejects++;
	/* Faults count within a window: an occasional bad record from a
	 * long-lived link is not a reason to drop it. */
	if (now - l->fault_at > PENALTY_SECS)
		l->faults = 0;
	l->fault_at = now;
	if (++l->faults == 1 || l->faults == FAULTS_MAX)
		log_warnx("peer %s: %s", l->name, why);
	if (l->faults >= FAULTS_MAX) {
		log_warnx("peer %s: %u faults, ignoring it for %d s",
		    l->name, l->faults, PENALTY_SECS);
		l->penalty_until = now + PENALTY_SECS;
		l->faults = 0;
		link_reset(l);
		(void)d;
	}
}

struct digest_ctx {
	crypto_generichash_state st;
	uint32_t n;
};

static int
s_digest_head(void *ctx, const struct store_head *h)
{
	struct digest_ctx *c = ctx;
	uint8_t be[8];

	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(h->contig >> (56 - 8 * i));
	crypto_generichash_update(&c->st, h->origin, 32);
	crypto_generichash_update(&c->st, be, 8);
	c->n++;
	return 0;
}

/* BLAKE2b-256 over (origin || contig) of every head, in key order. */
static int
s_digest(struct daemon *d, uint8_t digest[32], uint32_t *n)
{
	struct store_txn *t;
	struct digest_ctx c = { .n = 0 };
	int rc;

	crypto_generichash_init(&c.st, NULL, 0, 32);
	if ((rc = store_read_begin(d->store, &t)) != 0)
		return rc;
	rc = store_heads(t, s_digest_head, &c);
	store_read_end(&t);
	crypto_generichash_final(&c.st, digest, 32);
	*n = c.n;
	return rc;
}

void
gossip_hello(struct daemon *d, struct link *l, bool reply)
{
	struct frame_hello h = { .version = FRAME_VERSION,
	    .flags = reply ? HELLO_F_REPLY : 0 };
	uint8_t buf[128];
	size_t n;

	memcpy(h.key, d->self, 32);
	if (s_digest(d, h.digest, &h.n_origins) != 0) {
		log_warnx("cannot read heads for HELLO");
		return;
	}
	n = frame_hello(buf, sizeof(buf), &h);
	if (link_send(l, buf, n) != 0)
		log_debug("peer %s: HELLO not sent", l->name);
}

void
gossip_link_up(struct daemon *d, struct link *l)
{
	link_reset(l);
	l->state = LINK_HELLO;
	gossip_hello(d, l, false);
}

struct vec_ctx {
	struct daemon *d;
	struct link *l;
	size_t len;
	int rc;
};

static int
s_vector_head(void *ctx, const struct store_head *h)
{
	struct vec_ctx *c = ctx;
	struct frame_vector_entry e;

	memcpy(e.origin, h->origin, 32);
	e.contig = h->contig;
	if (!frame_vector_add(s_out, sizeof(s_out), &c->len, &e)) {
		frame_vector_finish(s_out, false);
		if ((c->rc = link_send(c->l, s_out, c->len)) != 0)
			return 1;
		c->len = frame_vector_begin(s_out, sizeof(s_out));
		(void)frame_vector_add(s_out, sizeof(s_out), &c->len, &e);
	}
	return 0;
}

static void
s_send_vector(struct daemon *d, struct link *l)
{
	struct vec_ctx c = { .d = d, .l = l };
	struct store_txn *t;

	if (store_read_begin(d->store, &t) != 0)
		return;
	c.len = frame_vector_begin(s_out, sizeof(s_out));
	if (store_heads(t, s_vector_head, &c) < 0)
		c.rc = KY_ECORRUPT;
	store_read_end(&t);
	if (c.rc == 0) {
		frame_vector_finish(s_out, true);
		c.rc = link_send(l, s_out, c.len);
	}
	if (c.rc != 0)
		log_debug("peer %s: VECTOR not sent", l->name);
}

static void
s_grant(struct link *l, uint32_t bytes)
{
	uint8_t buf[8];
	size_t n = frame_credit(buf, sizeof(buf), bytes);

	if (link_send(l, buf, n) == 0)
		l->granted += bytes;
}

static void
s_on_hello(struct daemon *d, struct link *l, const struct frame_hello *h)
{
	uint8_t mine[32];
	uint32_t n;

	if (memcmp(h->key, l->key, 32) != 0) {
		s_fault(d, l, "HELLO names a key other than the one it "
		    "authenticated with");
		return;
	}
	if (!(h->flags & HELLO_F_REPLY))
		gossip_hello(d, l, true);
	if (l->state != LINK_UP) {
		l->state = LINK_UP;
		l->connected_at = daemon_now();
		log_info("peer %s: linked (%s)", l->name,
		    l->outbound ? "outbound" : "inbound");
		s_grant(l, CREDIT_WINDOW - l->granted);
	}
	if (s_digest(d, mine, &n) != 0)
		return;
	if (memcmp(mine, h->digest, 32) == 0) {
		/* Equal digests prove equal vectors: nothing to send. */
		for (size_t i = 0; i < origins_count(d->origins); i++)
			if (l->their[i] < d->contig[i])
				l->their[i] = d->contig[i];
		l->synced = true;
		return;
	}
	s_send_vector(d, l);
}

static void
s_on_vector(struct daemon *d, struct link *l, const struct frame *f)
{
	struct frame_vector_entry e;
	size_t pos = 0;
	long i;

	while (frame_vector_next(f, &pos, &e)) {
		if (daemon_origin(d, e.origin, &i) != 0)
			return;
		l->their[i] = e.contig;
	}
	if (f->u.vector.flags & VECTOR_F_LAST) {
		l->synced = true;
		l->backlog = true;
	}
}

/* A record we already had: ask this sender for HAVE notes instead. */
static void
s_duplicate(struct link *l, long i, const uint8_t origin[32])
{
	uint8_t buf[64];
	size_t n;

	l->dups++;
	if (l->flags[i] & LO_WE_CHOKED)
		return;
	n = frame_note(buf, sizeof(buf), FT_CHOKE, origin, 0);
	if (link_send(l, buf, n) == 0)
		l->flags[i] |= LO_WE_CHOKED;
}

/*
 * Our own RED record just committed: it goes whole to each recipient we
 * are linked with now, whatever the pump believes the peer holds (it may
 * have the stub from another path already, or have choked our origin).
 */
void
gossip_direct(struct daemon *d, const uint8_t *rec, size_t len)
{
	static uint8_t frame[4 + RECORD_MAX_LEN + 16];
	uint8_t to[SEAL_RECIPIENTS_MAX][32];
	const char *why;
	size_t n = 0, flen;

	if (len <= RECORD_STUB_LEN || rec[6] != TLP_RED ||
	    seal_recipients(rec + RECORD_STUB_LEN, len - RECORD_STUB_LEN, to,
	    SEAL_RECIPIENTS_MAX, &n, &why) != 0)
		return;
	flen = frame_records_begin(frame, sizeof(frame));
	if (!frame_records_add(frame, sizeof(frame), &flen, rec, len))
		return;
	for (size_t k = 0; k < d->n_links; k++) {
		struct link *l = d->links[k];
		bool recipient = false;

		for (size_t i = 0; i < n && !recipient; i++)
			recipient = memcmp(to[i], l->key, 32) == 0;
		if (!recipient || l->state != LINK_UP || l->credit < flen)
			continue;
		if (link_send(l, frame, flen) == 0) {
			l->credit -= (uint32_t)flen;
			l->sent++;
		}
	}
}

void
gossip_after_commit(struct daemon *d, struct link *from,
    const uint8_t origin[32], uint64_t seq, int rc)
{
	long i = origins_find(d->origins, origin);

	(void)seq;
	/* Two peers sent the same record within one batch. */
	if (rc == KY_EDUP && i >= 0)
		s_duplicate(from, i, origin);
}

/*
 * Counts new records per origin by the hour they claim to be created in,
 * so a legitimate catch-up of old records is not throttled but a flood of
 * fresh ones is.
 */
static bool
s_origin_over_rate(struct daemon *d, long i, uint64_t created)
{
	uint64_t hour = created / 3600;

	if (hour > d->rate_hour[i]) {
		d->rate_hour[i] = hour;
		d->rate_count[i] = 0;
	}
	if (hour == d->rate_hour[i])
		return ++d->rate_count[i] > (uint64_t)d->cfg.origin_rate;
	return false;
}

static void
s_on_records(struct daemon *d, struct link *l, const struct frame *f,
    size_t frame_len)
{
	struct record_header h;
	const uint8_t *rec;
	const char *why;
	size_t pos = 0, len;
	uint64_t now = daemon_now();
	uint8_t *copy;
	long i;

	if (frame_len > l->granted) {
		s_fault(d, l, "sent more than its credit (flood)");
		return;
	}
	l->granted -= (uint32_t)frame_len;
	l->consumed += (uint32_t)frame_len;
	while (frame_records_next(f, &pos, &rec, &len)) {
		l->received++;
		if (record_header_unpack(rec, &h, &why) != 0) {
			s_fault(d, l, why);
			continue;
		}
		if (h.created > now + (uint64_t)d->cfg.max_future) {
			s_fault(d, l, "record created too far in the future");
			continue;
		}
		if (now != l->rate_sec) {
			l->rate_sec = now;
			l->rate_count = 0;
		}
		if (++l->rate_count > (uint64_t)d->cfg.peer_rate) {
			/* Anti-entropy brings back anything dropped here. */
			l->rejects++;
			continue;
		}
		if (daemon_origin(d, h.origin, &i) != 0)
			return;
		if (l->their[i] + 1 == h.seq)
			l->their[i] = h.seq;
		/* The cheap dedupe: no lookup, no signature check.  A whole
		 * RED record from its author's own link may fill a stub we
		 * got by another path first: the store tells (rare: RED
		 * comes whole only that way). */
		if (h.seq <= d->contig[i] &&
		    !(h.tlp == TLP_RED && len > RECORD_STUB_LEN &&
		    memcmp(l->key, h.origin, 32) == 0)) {
			s_duplicate(l, i, h.origin);
			continue;
		}
		if (s_origin_over_rate(d, i, h.created)) {
			s_fault(d, l, "origin over its rate (origin_rate)");
			continue;
		}
		if ((copy = malloc(len)) == NULL)
			return;
		memcpy(copy, rec, len);
		if (daemon_enqueue(d, &copy, len, l, -1) != 0) {
			free(copy);
			return;
		}
	}
}

static void
s_on_note(struct daemon *d, struct link *l, const struct frame *f)
{
	long i;

	if (daemon_origin(d, f->u.note.origin, &i) != 0)
		return;
	switch (f->type) {
	case FT_HAVE:
		if (f->u.note.seq > l->their[i])
			l->their[i] = f->u.note.seq;
		if (f->u.note.seq > d->contig[i]) {
			struct suspect *s;

			if (d->n_suspects == d->cap_suspects) {
				size_t cap = d->cap_suspects ? d->cap_suspects * 2 : 64;
				void *p = realloc(d->suspects, cap * sizeof(*s));

				if (p == NULL)
					return;
				d->suspects = p;
				d->cap_suspects = cap;
			}
			s = &d->suspects[d->n_suspects++];
			*s = (struct suspect){ .link = l, .origin = i,
			    .seq = f->u.note.seq, .at_ms = daemon_now_ms() };
		}
		break;
	case FT_CHOKE:
		l->flags[i] |= LO_CHOKED;
		break;
	case FT_UNCHOKE:
		l->flags[i] &= (uint8_t)~LO_CHOKED;
		if (f->u.note.seq >= 1 && l->their[i] >= f->u.note.seq)
			l->their[i] = f->u.note.seq - 1;
		l->backlog = true;
		break;
	}
}

void
gossip_on_frame(struct daemon *d, struct link *l, const uint8_t *buf,
    size_t len)
{
	struct frame f;
	const char *why = NULL;

	l->last_seen = daemon_now();
	l->bytes_in += len;
	if (l->penalty_until > l->last_seen)
		return;
	if (frame_decode(buf, len, &f, &why) != 0) {
		s_fault(d, l, why);
		return;
	}
	if (f.type != FT_HELLO && l->state != LINK_UP) {
		s_fault(d, l, "frame before HELLO");
		return;
	}
	switch (f.type) {
	case FT_HELLO:
		s_on_hello(d, l, &f.u.hello);
		break;
	case FT_VECTOR:
		s_on_vector(d, l, &f);
		break;
	case FT_RECORDS:
		s_on_records(d, l, &f, len);
		break;
	case FT_CREDIT:
		l->credit = f.u.credit > CREDIT_WINDOW * 4 - l->credit ?
		    CREDIT_WINDOW * 4 : l->credit + f.u.credit;
		l->backlog = true;
		break;
	case FT_HAVE:
	case FT_CHOKE:
	case FT_UNCHOKE:
		s_on_note(d, l, &f);
		break;
	case FT_SEALED:
		anon_on_sealed(d, l, f.u.sealed.box, f.u.sealed.len);
		break;
	}
}

/*
 * The pump fills one RECORDS frame at a time with one origin's run.  What
 * the peer holds (their[]) advances only once a frame was handed to
 * ZeroMQ: a frame that could not be sent is rebuilt from the store later,
 * so a full queue never loses a record.
 */
struct pump_ctx {
	struct daemon *d;
	struct link *l;
	long origin;
	size_t len;		/* bytes in s_out */
	uint64_t last;		/* seq of the last record in s_out */
	int rc;			/* KY_EFULL: stop this link */
};

/*
 * Whether key belongs to community: every admitted peer belongs to "no
 * community" (zero); a named one holds its roster's members and its
 * coordinator.  A community we hold no roster for has no members here.
 */
bool
gossip_in_community(const struct daemon *d, const uint8_t community[32],
    const uint8_t key[32])
{
	const struct roster *ro;

	if (sodium_is_zero(community, 32))
		return true;
	if (d->rosters == NULL || (ro = rosters_get(d->rosters, community)) ==
	    NULL)
		return false;
	return memcmp(ro->coordinator, key, 32) == 0 ||
	    roster_find(ro, key) != NULL;
}

/*
 * How link l and this node stand to record r, for scope_decide.  The
 * stored bytes (r->raw) are what is sent, so the envelope is read from
 * there: for a record this node could open, r->body is the plaintext.
 */
static void
s_scope_peer(const struct daemon *d, const struct link *l,
    const struct record *r, struct scope_peer *p)
{
	const uint8_t *body = r->raw + RECORD_STUB_LEN;
	size_t len = r->raw_len - RECORD_STUB_LEN;
	uint8_t to[SEAL_RECIPIENTS_MAX][32];
	const char *why;
	size_t n = 0;

	p->member = gossip_in_community(d, r->h.community, l->key);
	p->author = memcmp(r->h.origin, d->self, 32) == 0;
	/* Only kinds that are sealed at all count: a view or roster whose
	 * author starts it with "sealed" is not ciphertext. */
	p->sealed = r->raw_len > RECORD_STUB_LEN && seal_required(&r->h) &&
	    seal_is_envelope(body, len);
	p->recipient = false;
	if (p->sealed && r->h.tlp == TLP_RED && p->author &&
	    seal_recipients(body, len, to, SEAL_RECIPIENTS_MAX, &n, &why) == 0)
		for (size_t i = 0; i < n && !p->recipient; i++)
			p->recipient = memcmp(to[i], l->key, 32) == 0;
}

static int
s_flush(struct pump_ctx *c)
{
	uint16_t n = frame_records_count(s_out);

	if (n > 0 && (c->rc = link_send(c->l, s_out, c->len)) == 0) {
		c->l->credit -= (uint32_t)c->len;
		c->l->their[c->origin] = c->last;
		c->l->sent += n;
	}
	c->len = frame_records_begin(s_out, sizeof(s_out));
	return c->rc;
}

static int
s_pump_record(void *ctx, const struct record *r)
{
	struct pump_ctx *c = ctx;
	struct scope_peer peer = { .member = true };
	size_t len = r->raw_len;

	if (r->h.seq > c->d->contig[c->origin])
		return 1;	/* past our contiguous head: next time */
	s_scope_peer(c->d, c->l, r, &peer);
	if (scope_decide(&r->h, &peer) == SCOPE_STUB)
		len = RECORD_STUB_LEN;
	if ((c->len + 4 + len > FRAME_RECORDS_BYTES ||
	    frame_records_count(s_out) == FRAME_RECORDS_MAX) && s_flush(c) != 0)
		return 1;
	if (c->len + 4 + len > c->l->credit) {
		c->rc = KY_EFULL;	/* wait for CREDIT */
		return 1;
	}
	if (!frame_records_add(s_out, sizeof(s_out), &c->len, r->raw, len))
		return 1;
	c->last = r->h.seq;
	return 0;
}

static void
s_note(struct link *l, const uint8_t *origin, uint64_t seq)
{
	uint8_t buf[64];
	size_t n = frame_note(buf, sizeof(buf), FT_HAVE, origin, seq);

	if (link_send(l, buf, n) != 0)
		l->backlog = true;
}

static void
s_pump_link(struct daemon *d, struct link *l, struct store_txn *t)
{
	struct pump_ctx c = { .d = d, .l = l };
	bool full = l->backlog;
	size_t n = full ? origins_count(d->origins) : d->n_dirty;

	l->backlog = false;
	c.len = frame_records_begin(s_out, sizeof(s_out));
	for (size_t k = 0; k < n && c.rc == 0; k++) {
		long i = full ? (long)k : d->dirty_list[k];
		const uint8_t *origin = origins_key(d->origins, i);

		if (l->their[i] >= d->contig[i])
			continue;
		if (l->flags[i] & LO_CHOKED) {
			if (!full)
				s_note(l, origin, d->contig[i]);
			continue;
		}
		c.origin = i;
		if (store_range(t, origin, l->their[i] + 1, s_pump_record, &c) < 0)
			log_warnx("store: cannot read the records of an origin");
		/* Send what fits even when credit stopped us mid-run. */
		if (frame_records_count(s_out) > 0) {
			int stop = c.rc;

			c.rc = 0;
			if (s_flush(&c) == 0)
				c.rc = stop;
		}
	}
	if (c.rc != 0)
		l->backlog = true;	/* credit or queue ran out: resume later */
}

void
gossip_pump(struct daemon *d)
{
	struct store_txn *t;

	if (store_read_begin(d->store, &t) != 0)
		return;
	for (size_t k = 0; k < d->n_links; k++) {
		struct link *l = d->links[k];

		if (l->state == LINK_UP && l->synced &&
		    (l->backlog || d->n_dirty > 0))
			s_pump_link(d, l, t);
	}
	store_read_end(&t);
	for (size_t k = 0; k < d->n_dirty; k++)
		d->dirty[d->dirty_list[k]] = 0;
	d->n_dirty = 0;
}

void
gossip_tick(struct daemon *d)
{
	uint64_t now_ms = daemon_now_ms(), now = now_ms / 1000;
	size_t keep = 0;

	/* Lazy peers that are ahead of us: ask them to stream again. */
	for (size_t k = 0; k < d->n_suspects; k++) {
		struct suspect *s = &d->suspects[k];
		uint8_t buf[64];
		size_t n;

		if (d->contig[s->origin] >= s->seq)
			continue;
		if (now_ms - s->at_ms < LAZY_GRACE_MS) {
			d->suspects[keep++] = *s;
			continue;
		}
		if (s->link->state != LINK_UP)
			continue;
		n = frame_note(buf, sizeof(buf), FT_UNCHOKE,
		    origins_key(d->origins, s->origin), d->contig[s->origin] + 1);
		if (link_send(s->link, buf, n) == 0)
			s->link->flags[s->origin] &= (uint8_t)~LO_WE_CHOKED;
	}
	d->n_suspects = keep;
	/* Credit back what was committed, in large steps. */
	for (size_t k = 0; k < d->n_links; k++) {
		struct link *l = d->links[k];

		if (l->state == LINK_UP && l->consumed >= CREDIT_WINDOW / 4) {
			s_grant(l, l->consumed);
			l->consumed = 0;
		}
	}
	if (now >= d->next_sync) {
		uint8_t probe[8];
		size_t n = frame_credit(probe, sizeof(probe), 0);

		d->next_sync = now + (uint64_t)d->cfg.sync_interval;
		for (size_t k = 0; k < d->n_links; k++) {
			struct link *l = d->links[k];

			if (l->penalty_until != 0 && l->penalty_until <= now) {
				/* The penalty is over: start the link afresh. */
				l->penalty_until = 0;
				if (l->outbound)
					gossip_link_up(d, l);
			} else if (l->state != LINK_UP) {
				continue;
			} else if (l->outbound) {
				gossip_hello(d, l, false);
			} else if (link_send(l, probe, n) == KY_ESYS) {
				/* An inbound peer that went away; it will dial
				 * again and get a new link. */
				log_info("peer %s: gone", l->name);
			}
		}
	}
}

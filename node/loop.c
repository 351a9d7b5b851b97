/*
 * loop.c - kyojod's event loop, its batch and its commit.
 *
 * Each turn: wait in zmq_poll, then drain every readable socket without
 * blocking (up to batch_max records), commit what was collected in one
 * LMDB transaction, answer the control requests whose records are now on
 * disk, and let the pump forward them.  Nothing is acknowledged or
 * forwarded before its commit returned.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "node/daemon.h"
#include "node/http.h"
#include "node/log.h"
#include "protocol/record.h"

#define TICK_MS 50

uint64_t
daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
daemon_now(void)
{
	return (uint64_t)time(NULL);
}

int
daemon_origin(struct daemon *d, const uint8_t key[32], long *idx)
{
	long i = origins_intern(d->origins, key);
	size_t need;

	if (i < 0)
		return KY_ENOMEM;
	need = (size_t)i + 1;
	if (need > d->cap_origins) {
		size_t cap = d->cap_origins ? d->cap_origins * 2 : 256;
		uint64_t *contig = realloc(d->contig, cap * sizeof(*contig));
		uint8_t *dirty;
		uint64_t *hour, *count;
		long *list;

		if (contig == NULL)
			return KY_ENOMEM;
		d->contig = contig;
		if ((hour = realloc(d->rate_hour, cap * sizeof(*hour))) == NULL)
			return KY_ENOMEM;
		d->rate_hour = hour;
		if ((count = realloc(d->rate_count, cap * sizeof(*count))) == NULL)
			return KY_ENOMEM;
		d->rate_count = count;
		if ((dirty = realloc(d->dirty, cap)) == NULL)
			return KY_ENOMEM;
		d->dirty = dirty;
		if ((list = realloc(d->dirty_list, cap * sizeof(*list))) == NULL)
			return KY_ENOMEM;
		d->dirty_list = list;
		memset(d->contig + d->cap_origins, 0,
		    (cap - d->cap_origins) * sizeof(*contig));
		memset(d->dirty + d->cap_origins, 0, cap - d->cap_origins);
		memset(d->rate_hour + d->cap_origins, 0,
		    (cap - d->cap_origins) * sizeof(*hour));
		memset(d->rate_count + d->cap_origins, 0,
		    (cap - d->cap_origins) * sizeof(*count));
		d->cap_origins = cap;
	}
	for (size_t k = 0; k < d->n_links; k++)
		if (link_reserve(d->links[k], need) != 0)
			return KY_ENOMEM;
	*idx = i;
	return 0;
}

int
daemon_enqueue(struct daemon *d, uint8_t **buf, size_t len, struct link *from,
    int waiter)
{
	if (d->n_batch == d->cap_batch) {
		size_t cap = d->cap_batch ? d->cap_batch * 2 : 256;
		void *p = realloc(d->batch, cap * sizeof(*d->batch));

		if (p == NULL)
			return KY_ENOMEM;
		d->batch = p;
		d->cap_batch = cap;
	}
	d->batch[d->n_batch++] = (struct pending){ .buf = *buf, .len = len,
	    .from = from, .own = from == NULL, .waiter = waiter };
	*buf = NULL;
	return 0;
}

static int
s_load_head(void *ctx, const struct store_head *h)
{
	struct daemon *d = ctx;
	long i;

	if (daemon_origin(d, h->origin, &i) != 0)
		return 1;
	d->contig[i] = h->contig;
	return 0;
}

int
daemon_load_heads(struct daemon *d)
{
	struct store_txn *t;
	int rc;

	if ((rc = store_read_begin(d->store, &t)) != 0)
		return rc;
	rc = store_heads(t, s_load_head, d);
	store_read_end(&t);
	return rc;
}

/* -v -v: one line per stored record, for propagation measurements. */
static void
s_trace(const uint8_t origin[32], uint64_t seq)
{
	char hex[65];

	record_hex(origin, 32, hex);
	log_debug("stored %.16s %llu at %llu ms", hex, (unsigned long long)seq,
	    (unsigned long long)daemon_now_ms());
}

/* Reads our head for origin i back from the store after a commit. */
static void
s_refresh_head(struct daemon *d, struct store_txn *t, long i)
{
	struct store_head h;

	if (t == NULL || store_head(t, origins_key(d->origins, i), &h) != 0)
		return;
	if (h.contig > d->contig[i]) {
		d->contig[i] = h.contig;
		if (!d->dirty[i]) {
			d->dirty[i] = 1;
			d->dirty_list[d->n_dirty++] = i;
		}
	}
}

void
daemon_commit(struct daemon *d)
{
	const uint8_t **bufs;
	size_t *lens;
	struct store_result *res;
	size_t n = d->n_batch;
	struct store_txn *t = NULL;
	const char *bwhy = NULL;
	bool own_failed = false;
	int rc;

	if (n == 0)
		return;
	bufs = calloc(n, sizeof(*bufs));
	lens = calloc(n, sizeof(*lens));
	res = calloc(n, sizeof(*res));
	if (bufs == NULL || lens == NULL || res == NULL) {
		log_warnx("commit: out of memory, %zu records dropped", n);
		rc = KY_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		bufs[k] = d->batch[k].buf;
		lens[k] = d->batch[k].len;
	}
	rc = store_ingest(d->store, bufs, lens, n, daemon_now(), res, &bwhy);
	if (rc != 0)
		log_warnx("commit of %zu records failed: %s", n, bwhy);
	else if (store_read_begin(d->store, &t) != 0)
		t = NULL;
out:
	for (size_t k = 0; k < n; k++) {
		struct pending *p = &d->batch[k];
		struct record_header h;
		const char *why = NULL;
		int rrc = rc != 0 ? rc : res[k].rc;
		long i;

		if (rrc == 0)
			d->stored++;
		else if (rrc != KY_EDUP) {
			d->refused++;
			if (p->from != NULL && rc == 0) {
				p->from->rejects++;
				log_debug("peer %s: record refused: %s", p->from->name,
				    res[k].why ? res[k].why : ky_strerror(rrc));
			}
		}
		if (record_header_unpack(p->buf, &h, &why) == 0 &&
		    daemon_origin(d, h.origin, &i) == 0) {
			if (rrc == 0) {
				/* A new roster version admits or revokes
				 * members: re-read who may link. */
				if (h.kind == RK_ROSTER)
					d->reload = 1;
				if (p->own && h.tlp == TLP_RED)
					gossip_direct(d, p->buf, p->len);
				s_refresh_head(d, t, i);
				if (d->trace)
					s_trace(h.origin, h.seq);
			}
			if (p->from != NULL)
				gossip_after_commit(d, p->from, h.origin, h.seq, rrc);
		}
		if (p->own && rrc != 0 && rrc != KY_EDUP)
			own_failed = true;
		if (p->waiter >= 0) {
			uint8_t id[32];

			crypto_generichash(id, 32, p->buf, RECORD_HEADER_LEN, NULL, 0);
			control_record_done(d, p->waiter, rrc,
			    rc != 0 ? bwhy : res ? res[k].why : NULL, id);
		}
		free(p->buf);
	}
	store_read_end(&t);
	d->n_batch = 0;
	/* A record of ours that did not commit was never sent anywhere:
	 * its seq is free again. */
	if (own_failed)
		submit_reload_own(d);
	free(bufs);
	free(lens);
	free(res);
}

static void
s_on_signal(int sig)
{
	if (sig == SIGHUP)
		daemon_self->reload = 1;
	else
		daemon_self->stop = 1;
}

void
daemon_signals(void)
{
	struct sigaction sa = { .sa_handler = s_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Drains one gossip socket; returns false once the batch is full. */
static bool
s_drain_router(struct daemon *d)
{
	while (d->n_batch < (size_t)d->cfg.batch_max) {
		zmq_msg_t rid, msg;
		struct link *l;

		zmq_msg_init(&rid);
		if (zmq_msg_recv(&rid, d->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			return true;
		}
		zmq_msg_init(&msg);
		if (!zmq_msg_more(&rid) ||
		    zmq_msg_recv(&msg, d->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&msg);
			continue;
		}
		/* Skip any further parts: our frames are single-part. */
		while (zmq_msg_more(&msg)) {
			zmq_msg_t extra;

			zmq_msg_init(&extra);
			(void)zmq_msg_recv(&extra, d->router, ZMQ_DONTWAIT);
			zmq_msg_close(&extra);
			break;
		}
		l = peers_inbound(d, zmq_msg_data(&rid), zmq_msg_size(&rid),
		    zmq_msg_gets(&msg, "User-Id"));
		if (l != NULL)
			gossip_on_frame(d, l, zmq_msg_data(&msg), zmq_msg_size(&msg));
		zmq_msg_close(&rid);
		zmq_msg_close(&msg);
	}
	return false;
}

static bool
s_drain_dealer(struct daemon *d, struct link *l)
{
	while (d->n_batch < (size_t)d->cfg.batch_max) {
		zmq_msg_t msg;

		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, l->sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&msg);
			return true;
		}
		gossip_on_frame(d, l, zmq_msg_data(&msg), zmq_msg_size(&msg));
		zmq_msg_close(&msg);
	}
	return false;
}

void
daemon_run(struct daemon *d)
{
	zmq_pollitem_t items[3 + 2 * DAEMON_LINKS_MAX];
	struct link *owner[3 + 2 * DAEMON_LINKS_MAX];
	uint64_t next_tick = 0, next_sweep = 0;

	while (!d->stop) {
		size_t n = 0;
		uint64_t now_ms;
		long timeout;

		/* Before the poll set is built: a reload may drop links, and
		 * nothing of this round may point at them. */
		if (d->reload) {
			d->reload = 0;
			log_info("reloading peers, keyring and rosters");
			if (peers_load(d) != 0)
				log_warnx("reload failed; keeping the old peers");
			http_reload(&d->http, &d->cfg, d->store);
		}
		now_ms = daemon_now_ms();
		timeout = next_tick > now_ms ? (long)(next_tick - now_ms) : 0;

		items[n] = (zmq_pollitem_t){ .socket = zap_socket(d->zap), .events = ZMQ_POLLIN };
		owner[n++] = NULL;
		items[n] = (zmq_pollitem_t){ .socket = d->control, .events = ZMQ_POLLIN };
		owner[n++] = NULL;
		if (d->router != NULL) {
			items[n] = (zmq_pollitem_t){ .socket = d->router, .events = ZMQ_POLLIN };
			owner[n++] = NULL;
		}
		for (size_t k = 0; k < d->n_links; k++) {
			struct link *l = d->links[k];

			if (!l->outbound)
				continue;
			items[n] = (zmq_pollitem_t){ .socket = l->sock, .events = ZMQ_POLLIN };
			owner[n++] = l;
			items[n] = (zmq_pollitem_t){ .socket = l->monitor, .events = ZMQ_POLLIN };
			owner[n++] = l;
		}
		if (zmq_poll(items, (int)n, d->n_batch > 0 ? 0 : timeout) < 0 &&
		    errno != EINTR)
			fatal("zmq_poll");
		zap_handle(d->zap);
		for (size_t k = 0; k < n; k++) {
			if (!(items[k].revents & ZMQ_POLLIN))
				continue;
			if (items[k].socket == d->control)
				control_handle(d);
			else if (items[k].socket == d->router)
				(void)s_drain_router(d);
			else if (owner[k] != NULL && items[k].socket == owner[k]->monitor)
				peers_events(d, owner[k]);
			else if (owner[k] != NULL)
				(void)s_drain_dealer(d, owner[k]);
		}
		daemon_commit(d);
		control_resume(d);
		gossip_pump(d);
		now_ms = daemon_now_ms();
		if (now_ms >= next_tick) {
			next_tick = now_ms + TICK_MS;
			gossip_tick(d);
			submit_tick(d);
			peers_tick(d);
		}
		if (now_ms / 1000 >= next_sweep) {
			next_sweep = now_ms / 1000 + 60;
			size_t swept = 0;
			const char *why = NULL;

			if (store_sweep(d->store, now_ms / 1000, 10000, &swept,
			    &why) != 0)
				log_warnx("expiry sweep: %s", why);
			else if (swept > 0)
				log_debug("expiry sweep: %zu records pruned", swept);
		}
	}
	/* Finish the open batch before leaving: it may hold acknowledged
	 * work in progress that a client is waiting for. */
	daemon_commit(d);
}

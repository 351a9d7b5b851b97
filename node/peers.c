/*
 * peers.c - who we link with: the keyring (who may connect), the peer
 * cards in DIR/peers/ (whom we dial), and the sockets for both.
 *
 * Pairing is mutual: two operators exchange cards and read fingerprints
 * aloud, and each runs `kyojo peer add`.  When both sides could dial, only
 * the one with the smaller key does, so a pair shares one connection.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "keys/card.h"
#include "node/cli.h"
#include "node/community.h"
#include "node/daemon.h"
#include "node/log.h"
#include "protocol/frame.h"

#define HEARTBEAT_IVL_MS	5000
#define HEARTBEAT_TTL_MS	20000
#define RECONNECT_MIN_MS	200
#define RECONNECT_MAX_MS	10000
#define DIAL_WAIT		5	/* seconds a larger key waits to be dialed */
#define REDIAL_SECS		5	/* after a refusal: the peer may admit us
					   later (a roster, a keyring edit) */

static void s_dial_card(struct daemon *, const uint8_t [32], const char *,
    const char *);

bool
peers_lookup(void *dctx, const uint8_t curve[32], uint8_t ed[32])
{
	struct daemon *d = dctx;

	for (size_t i = 0; i < d->n_trusted; i++)
		if (sodium_memcmp(d->trusted[i].curve, curve, 32) == 0) {
			memcpy(ed, d->trusted[i].ed, 32);
			return true;
		}
	return false;
}

static int
s_socket_common(void *sock)
{
	int linger = 0, ivl = HEARTBEAT_IVL_MS, ttl = HEARTBEAT_TTL_MS,
	    hwm = 4096;
	int64_t maxmsg = FRAME_MAX_LEN;

	return zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger)) |
	    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) |
	    zmq_setsockopt(sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof(ivl)) |
	    zmq_setsockopt(sock, ZMQ_HEARTBEAT_TIMEOUT, &ttl, sizeof(ttl)) |
	    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) |
	    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
}

int
peers_listen(struct daemon *d)
{
	char secret[IDENT_Z85_LEN];
	int one = 1;

	if (d->cfg.listen[0] == '\0')
		return 0;
	if (ident_curve_secret_z85(d->ident, secret) != 0)
		return KY_ESYS;
	d->router = zmq_socket(d->zctx, ZMQ_ROUTER);
	if (d->router == NULL || s_socket_common(d->router) != 0 ||
	    zmq_setsockopt(d->router, ZMQ_CURVE_SERVER, &one, sizeof(one)) ||
	    zmq_setsockopt(d->router, ZMQ_CURVE_SECRETKEY, secret, 40) ||
	    zmq_setsockopt(d->router, ZMQ_ZAP_DOMAIN, "kyojo", 5) ||
	    zmq_setsockopt(d->router, ZMQ_ROUTER_MANDATORY, &one, sizeof(one))) {
		sodium_memzero(secret, sizeof(secret));
		return KY_ESYS;
	}
	sodium_memzero(secret, sizeof(secret));
	if (zmq_bind(d->router, d->cfg.listen) != 0) {
		log_warnx("cannot listen on %s: %s", d->cfg.listen,
		    zmq_strerror(errno));
		return KY_ESYS;
	}
	log_info("listening on %s", d->cfg.listen);
	return 0;
}

static int
s_dial(struct daemon *d, struct link *l, const uint8_t server_curve[32])
{
	static unsigned serial;
	char secret[IDENT_Z85_LEN], public[IDENT_Z85_LEN], mon[64];
	int one = 1, ivl = RECONNECT_MIN_MS, ivl_max = RECONNECT_MAX_MS;

	if (ident_curve_secret_z85(d->ident, secret) != 0)
		return KY_ESYS;
	ident_curve_public_z85(d->ident, public);
	l->sock = zmq_socket(d->zctx, ZMQ_DEALER);
	if (l->sock == NULL || s_socket_common(l->sock) != 0 ||
	    zmq_setsockopt(l->sock, ZMQ_IMMEDIATE, &one, sizeof(one)) ||
	    zmq_setsockopt(l->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl)) ||
	    zmq_setsockopt(l->sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max,
	    sizeof(ivl_max)) ||
	    zmq_setsockopt(l->sock, ZMQ_CURVE_SERVERKEY, server_curve, 32) ||
	    zmq_setsockopt(l->sock, ZMQ_CURVE_PUBLICKEY, public, 40) ||
	    zmq_setsockopt(l->sock, ZMQ_CURVE_SECRETKEY, secret, 40)) {
		sodium_memzero(secret, sizeof(secret));
		return KY_ESYS;
	}
	sodium_memzero(secret, sizeof(secret));
	snprintf(mon, sizeof(mon), "inproc://kyojo-monitor-%u", serial++);
	if (zmq_socket_monitor(l->sock, mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
	    ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0 ||
	    (l->monitor = zmq_socket(d->zctx, ZMQ_PAIR)) == NULL ||
	    zmq_connect(l->monitor, mon) != 0 ||
	    zmq_connect(l->sock, l->endpoint) != 0)
		return KY_ESYS;
	return 0;
}

void
peers_events(struct daemon *d, struct link *l)
{
	for (;;) {
		zmq_msg_t ev, addr;
		uint16_t event;

		zmq_msg_init(&ev);
		if (zmq_msg_recv(&ev, l->monitor, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&ev);
			return;
		}
		zmq_msg_init(&addr);
		if (zmq_msg_more(&ev))
			(void)zmq_msg_recv(&addr, l->monitor, 0);
		memcpy(&event, zmq_msg_data(&ev), sizeof(event));
		zmq_msg_close(&ev);
		zmq_msg_close(&addr);
		switch (event) {
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			log_debug("peer %s: connected to %s", l->name, l->endpoint);
			gossip_link_up(d, l);
			break;
		case ZMQ_EVENT_DISCONNECTED:
			if (l->state != LINK_DOWN)
				log_info("peer %s: disconnected", l->name);
			link_reset(l);
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
			l->rejects++;
			if (l->rejects == 1)
				log_warnx("peer %s: %s refused our key (is our card "
				    "in its keyring?)", l->name, l->endpoint);
			/* libzmq does not always retry a connection its
			 * peer refused (libzmq#3519); a fresh socket does. */
			if (l->redial_at == 0)
				l->redial_at = daemon_now() + REDIAL_SECS;
			break;
		}
	}
}

static int
s_add_link(struct daemon *d, struct link *l)
{
	if (d->n_links == DAEMON_LINKS_MAX)
		return KY_EFULL;
	if (link_reserve(l, d->cap_origins) != 0)
		return KY_ENOMEM;
	d->links[d->n_links++] = l;
	return 0;
}

void
peers_drop(struct daemon *d, struct link *l)
{
	for (size_t k = 0; k < d->n_links; k++) {
		if (d->links[k] != l)
			continue;
		d->links[k] = d->links[--d->n_links];
		/* Suspects, and records of the open batch, may still point
		 * at it (a reconnect drops the old link mid-round). */
		for (size_t s = 0; s < d->n_suspects; s++)
			if (d->suspects[s].link == l)
				d->suspects[s] = d->suspects[--d->n_suspects], s--;
		for (size_t b = 0; b < d->n_batch; b++)
			if (d->batch[b].from == l)
				d->batch[b].from = NULL;
		link_destroy(&l);
		return;
	}
}

struct link *
peers_inbound(struct daemon *d, const uint8_t *rid, size_t rid_len,
    const char *user_id)
{
	uint8_t key[32];
	struct link *l;

	if (rid_len > sizeof(l->rid) || user_id == NULL ||
	    record_unhex(user_id, key, sizeof(key)) != 0)
		return NULL;
	for (size_t k = 0; k < d->n_links; k++) {
		l = d->links[k];
		if (!l->outbound && l->rid_len == rid_len &&
		    memcmp(l->rid, rid, rid_len) == 0)
			return l;
	}
	/* A reconnect gets a new routing id: the old link is dead. */
	for (size_t k = 0; k < d->n_links; k++) {
		l = d->links[k];
		if (!l->outbound && memcmp(l->key, key, 32) == 0) {
			peers_drop(d, l);
			break;
		}
	}
	if ((l = link_new(false)) == NULL)
		return NULL;
	l->sock = d->router;
	memcpy(l->rid, rid, rid_len);
	l->rid_len = rid_len;
	memcpy(l->key, key, 32);
	l->key_known = true;
	l->state = LINK_HELLO;
	link_set_name(l, NULL);
	if (s_add_link(d, l) != 0) {
		link_destroy(&l);
		return NULL;
	}
	return l;
}

/* The rosters of our coordinators, as held in the store now. */
static int
s_load_rosters(struct daemon *d, const struct keyring *kr,
    struct rosters **out)
{
	struct store_txn *t;
	int rc;

	if ((rc = store_read_begin(d->store, &t)) != 0)
		return rc;
	rc = community_load(t, kr, d->self, out);
	store_read_end(&t);
	return rc;
}

static void
s_admit(struct trusted *t, size_t *n, const uint8_t ed[32])
{
	memcpy(t[*n].ed, ed, 32);
	if (crypto_sign_ed25519_pk_to_curve25519(t[*n].curve, ed) != 0)
		return;		/* not a usable key: never matches */
	(*n)++;
}

/*
 * The keys that may link with us: the keyring's, and the members of every
 * roster we honour (a coordinator admits members for all who trust it).
 * A roster version that drops a key takes it out here; peers_load() then
 * closes its link.
 */
static int
s_load_trust(struct daemon *d)
{
	char path[CONFIG_PATH_MAX + 16];
	const char *why = NULL;
	struct keyring *kr = NULL;
	struct rosters *ro = NULL;
	struct trusted *t;
	size_t n = 0, cap;
	int line = 0, rc;

	snprintf(path, sizeof(path), "%s/keyring", d->cfg.dir);
	if ((rc = keyring_load(path, &kr, &line, &why)) != 0) {
		log_warnx("%s:%d: %s", path, line, why ? why : ky_strerror(rc));
		return rc;
	}
	if ((rc = s_load_rosters(d, kr, &ro)) != 0) {
		log_warnx("rosters: %s", ky_strerror(rc));
		keyring_destroy(&kr);
		return rc;
	}
	cap = keyring_count(kr);
	for (size_t i = 0; i < rosters_count(ro); i++)
		cap += rosters_at(ro, i)->n;
	if ((t = calloc(cap ? cap : 1, sizeof(*t))) == NULL) {
		keyring_destroy(&kr);
		rosters_free(&ro);
		return KY_ENOMEM;
	}
	for (size_t i = 0; i < keyring_count(kr); i++)
		s_admit(t, &n, keyring_at(kr, i)->pk);
	for (size_t i = 0; i < rosters_count(ro); i++) {
		const struct roster *r = rosters_at(ro, i);

		for (size_t m = 0; m < r->n; m++)
			if (memcmp(r->m[m].key, d->self, 32) != 0)
				s_admit(t, &n, r->m[m].key);
	}
	free(d->trusted);
	d->trusted = t;
	d->n_trusted = n;
	keyring_destroy(&d->keyring);
	d->keyring = kr;
	rosters_free(&d->rosters);
	d->rosters = ro;
	return 0;
}

static bool
s_trusted_key(struct daemon *d, const uint8_t key[32])
{
	uint8_t ed[32], curve[32];

	if (crypto_sign_ed25519_pk_to_curve25519(curve, key) != 0)
		return false;
	return peers_lookup(d, curve, ed);
}

/* Dials the peer of one card file, unless a link already does. */
static void
s_card(struct daemon *d, const char *path, uint8_t (*seen)[32], size_t *n_seen)
{
	struct card_info info;
	uint8_t pk[32], *buf;
	const char *why = NULL;
	size_t len;

	if (cli_read_record(path, &buf, &len, &why) != 0) {
		log_warnx("%s: %s", path, why);
		return;
	}
	if (card_parse(buf, len, &info, pk, &why) != 0) {
		free(buf);
		log_warnx("%s: %s", path, why);
		return;
	}
	free(buf);
	if (*n_seen < DAEMON_LINKS_MAX)
		memcpy(seen[(*n_seen)++], pk, 32);
	if (!s_trusted_key(d, pk)) {
		log_warnx("%s: key not in the keyring; not dialing", path);
		return;
	}
	if (info.n_endpoints == 0)
		return;		/* it dials us */
	for (size_t k = 0; k < d->n_links; k++)
		if (d->links[k]->outbound && memcmp(d->links[k]->key, pk, 32) == 0)
			return;
	if (d->cfg.listen[0] != '\0' && memcmp(d->self, pk, 32) > 0) {
		/* The smaller key dials, so a pair shares one link. */
		struct deferred *p = realloc(d->deferred,
		    (d->n_deferred + 1) * sizeof(*p));

		if (p == NULL)
			return;
		d->deferred = p;
		p = &p[d->n_deferred++];
		memcpy(p->key, pk, 32);
		snprintf(p->endpoint, sizeof(p->endpoint), "%s", info.endpoints[0]);
		snprintf(p->name, sizeof(p->name), "%.63s", info.name);
		p->at = daemon_now() + DIAL_WAIT;
		return;
	}
	s_dial_card(d, pk, info.endpoints[0], info.name);
}

/* Opens an outbound link to a trusted peer. */
static void
s_dial_card(struct daemon *d, const uint8_t pk[32], const char *endpoint,
    const char *name)
{
	uint8_t curve[32];
	struct link *l;

	if ((l = link_new(true)) == NULL)
		return;
	memcpy(l->key, pk, 32);
	l->key_known = true;
	snprintf(l->endpoint, sizeof(l->endpoint), "%s", endpoint);
	link_set_name(l, name);
	if (crypto_sign_ed25519_pk_to_curve25519(curve, pk) != 0 ||
	    s_dial(d, l, curve) != 0 || s_add_link(d, l) != 0) {
		log_warnx("peer %s: cannot dial %s", l->name, l->endpoint);
		link_destroy(&l);
		return;
	}
	log_info("peer %s: dialing %s", l->name, l->endpoint);
}

/* Dials the deferred peers that did not dial us in time. */
void
peers_tick(struct daemon *d)
{
	uint64_t now = daemon_now();
	size_t keep = 0;

	for (size_t i = 0; i < d->n_deferred; i++) {
		struct deferred *p = &d->deferred[i];
		bool linked = false;

		for (size_t k = 0; k < d->n_links; k++)
			linked |= d->links[k]->state == LINK_UP &&
			    memcmp(d->links[k]->key, p->key, 32) == 0;
		if (linked)
			continue;	/* it dialed us: done */
		if (now < p->at) {
			d->deferred[keep++] = *p;
			continue;
		}
		log_info("peer %s: did not dial us; dialing it", p->name[0] ?
		    p->name : "(unnamed)");
		s_dial_card(d, p->key, p->endpoint, p->name);
	}
	d->n_deferred = keep;
	for (size_t k = 0; k < d->n_links; k++) {
		struct link *l = d->links[k];
		uint8_t key[32];
		char endpoint[sizeof(l->endpoint)], name[64];

		if (!l->outbound || l->redial_at == 0 || now < l->redial_at)
			continue;
		if (l->state == LINK_UP) {
			l->redial_at = 0;
			continue;
		}
		memcpy(key, l->key, 32);
		snprintf(endpoint, sizeof(endpoint), "%s", l->endpoint);
		snprintf(name, sizeof(name), "%s", l->name);
		peers_drop(d, l);	/* the last link moves to k */
		s_dial_card(d, key, endpoint, name);
		k--;
	}
}

int
peers_load(struct daemon *d)
{
	char dir[CONFIG_PATH_MAX + 16], path[CONFIG_PATH_MAX + 300];
	uint8_t seen[DAEMON_LINKS_MAX][32];
	size_t n_seen = 0;
	struct dirent *e;
	DIR *dp;
	int rc;

	if ((rc = s_load_trust(d)) != 0)
		return rc;
	d->n_deferred = 0;
	snprintf(dir, sizeof(dir), "%s/peers", d->cfg.dir);
	if ((dp = opendir(dir)) != NULL) {
		while ((e = readdir(dp)) != NULL) {
			size_t n = strlen(e->d_name);

			if (n < 5 || strcmp(e->d_name + n - 4, ".rec") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			s_card(d, path, seen, &n_seen);
		}
		closedir(dp);
	}
	/* Links to peers whose card or trust was removed go away. */
	for (size_t k = 0; k < d->n_links; k++) {
		struct link *l = d->links[k];
		bool keep = s_trusted_key(d, l->key);

		if (l->outbound) {
			bool listed = false;

			for (size_t s = 0; s < n_seen; s++)
				listed |= memcmp(seen[s], l->key, 32) == 0;
			keep &= listed;
		}
		if (!keep) {
			log_info("peer %s: no longer trusted, on a roster or "
			    "listed; link closed",
			    l->name);
			peers_drop(d, l);
			k--;
		}
	}
	return 0;
}

#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "node/log.h"
#include "node/zap.h"
#include "protocol/record.h"

#define ZAP_FRAMES 7		/* version .. credentials for CURVE */
#define REFUSED_LOG_MAX 256	/* distinct refused keys remembered for logging */

struct zap {
	void *sock;
	zap_lookup_fn lookup;
	void *ctx;
	uint64_t admitted, refused;
	uint8_t logged[REFUSED_LOG_MAX][32];	/* keys already logged */
	size_t n_logged;
};

int
zap_new(void *zmq_ctx, zap_lookup_fn lookup, void *ctx, struct zap **out)
{
	struct zap *z;
	int linger = 0;

	*out = NULL;
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return KY_ENOMEM;
	z->lookup = lookup;
	z->ctx = ctx;
	if ((z->sock = zmq_socket(zmq_ctx, ZMQ_REP)) == NULL ||
	    zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_bind(z->sock, "inproc://zeromq.zap.01") != 0) {
		if (z->sock)
			zmq_close(z->sock);
		free(z);
		return KY_ESYS;
	}
	*out = z;
	return 0;
}

void
zap_destroy(struct zap **p)
{
	if (*p == NULL)
		return;
	zmq_close((*p)->sock);
	free(*p);
	*p = NULL;
}

void *
zap_socket(struct zap *z)
{
	return z->sock;
}

static void
s_log_refused(struct zap *z, const uint8_t curve[32], const char *mech)
{
	char hex[65];

	for (size_t i = 0; i < z->n_logged; i++)
		if (memcmp(z->logged[i], curve, 32) == 0)
			return;
	if (z->n_logged < REFUSED_LOG_MAX)
		memcpy(z->logged[z->n_logged++], curve, 32);
	record_hex(curve, 32, hex);
	log_warnx("refused a %s connection from unknown curve key %s", mech, hex);
}

/* Reads one multipart request into frames; returns the frame count. */
static int
s_recv(void *sock, zmq_msg_t *frames, int max)
{
	int n = 0, more = 1;

	while (more) {
		zmq_msg_t tmp, *m = n < max ? &frames[n] : &tmp;

		zmq_msg_init(m);
		if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(m);
			break;
		}
		more = zmq_msg_more(m);
		if (m == &tmp)
			zmq_msg_close(m);
		n++;
	}
	return n;
}

static void
s_reply(void *sock, const zmq_msg_t *request_id, const char *code,
    const char *text, const char *user)
{
	zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(sock, zmq_msg_data((zmq_msg_t *)request_id),
	    zmq_msg_size((zmq_msg_t *)request_id), ZMQ_SNDMORE);
	zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
	zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(sock, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(sock, "", 0, 0);
}

void
zap_handle(struct zap *z)
{
	for (;;) {
		zmq_msg_t f[ZAP_FRAMES];
		uint8_t ed[32];
		char user[65] = "";
		int n = s_recv(z->sock, f, ZAP_FRAMES), have = n;
		bool ok = false;

		if (n == 0)
			return;
		if (have > ZAP_FRAMES)
			have = ZAP_FRAMES;
		/* Frames: version, request id, domain, address, routing id,
		 * mechanism, credentials.  libzmq always sends all seven;
		 * a REP socket must answer whatever came, so we do. */
		if (n == ZAP_FRAMES && zmq_msg_size(&f[5]) == 5 &&
		    memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
		    zmq_msg_size(&f[6]) == 32) {
			ok = z->lookup(z->ctx, zmq_msg_data(&f[6]), ed);
			if (ok)
				record_hex(ed, 32, user);
			else
				s_log_refused(z, zmq_msg_data(&f[6]), "CURVE");
		} else
			log_warnx("refused a connection without CURVE");
		if (n >= 2)
			s_reply(z->sock, &f[1], ok ? "200" : "400",
			    ok ? "OK" : "unknown key", user);
		else
			s_reply(z->sock, &f[0], "400", "malformed request", "");
		if (ok)
			z->admitted++;
		else
			z->refused++;
		for (int i = 0; i < have; i++)
			zmq_msg_close(&f[i]);
	}
}

uint64_t zap_admitted(const struct zap *z) { return z->admitted; }
uint64_t zap_refused(const struct zap *z) { return z->refused; }

/*
 * inject - a misbehaving peer, for the integration tests.
 *
 *     inject DIR CARD MODE
 *
 * Connects to the node of CARD with the identity in DIR (which that node
 * must trust), says HELLO, and then, by MODE:
 *   forged     a record claiming another origin, and one whose body does
 *              not match its hash; both must be refused and counted
 *   oversized  frames far over the size limit; the node must drop them
 *              without buffering them
 *   garbage    frames of unknown type and broken length
 * Exits 0 once everything was sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "keys/card.h"
#include "keys/keyfile.h"
#include "node/cli.h"
#include "protocol/frame.h"
#include "tests/testutil.h"

static void
s_die(const char *msg)
{
	fprintf(stderr, "inject: %s\n", msg);
	exit(2);
}

static void
s_send(void *sock, const void *buf, size_t len)
{
	if (zmq_send(sock, buf, len, 0) < 0)
		s_die("send failed");
}

/* Waits for the node's HELLO so the link is up before we misbehave. */
static void
s_handshake(void *sock, struct ident *id)
{
	struct frame_hello h = { .version = FRAME_VERSION };
	uint8_t buf[256];
	zmq_pollitem_t it = { .socket = sock, .events = ZMQ_POLLIN };

	memcpy(h.key, ident_public(id), 32);
	s_send(sock, buf, frame_hello(buf, sizeof(buf), &h));
	if (zmq_poll(&it, 1, 10000) <= 0)
		s_die("no HELLO from the node (is our key in its keyring?)");
	/* Drain what it sends: HELLO, CREDIT, VECTOR. */
	for (int i = 0; i < 50; i++) {
		if (zmq_recv(sock, buf, sizeof(buf), ZMQ_DONTWAIT) < 0)
			usleep(20000);
	}
}

static void
s_forged(void *sock, struct ident *me)
{
	struct ident *other = tu_ident(200);
	uint8_t frame[4096], *rec;
	size_t len, flen;

	/* 1: signed by us, but naming another origin. */
	rec = tu_indicator(me, 1, NULL, (uint64_t)time(NULL), 4242, &len);
	memcpy(rec + 12, ident_public(other), 32);
	flen = frame_records_begin(frame, sizeof(frame));
	if (!frame_records_add(frame, sizeof(frame), &flen, rec, len))
		s_die("frame");
	free(rec);
	/* 2: our own record with a body that does not match its hash. */
	rec = tu_indicator(me, 1, NULL, (uint64_t)time(NULL), 4343, &len);
	rec[len - 3] ^= 1;
	if (!frame_records_add(frame, sizeof(frame), &flen, rec, len))
		s_die("frame");
	free(rec);
	s_send(sock, frame, flen);
	ident_destroy(&other);
}

static void
s_oversized(void *sock)
{
	size_t n = 8u << 20;
	uint8_t *big = calloc(1, n);

	if (big == NULL)
		s_die("out of memory");
	big[0] = FT_RECORDS;
	for (int i = 0; i < 20; i++)
		(void)zmq_send(sock, big, n, ZMQ_DONTWAIT);
	free(big);
}

static void
s_garbage(void *sock)
{
	uint8_t junk[64] = { 0x7f, 1, 2, 3 };

	for (int i = 0; i < 40; i++) {
		junk[0] = i % 2 ? 0x7f : FT_VECTOR;	/* unknown; bad length */
		s_send(sock, junk, sizeof(junk));
	}
}

int
main(int argc, char **argv)
{
	char secret[IDENT_Z85_LEN], public[IDENT_Z85_LEN];
	const char *why = NULL;
	struct card_info info;
	uint8_t pk[32], curve[32], *buf;
	struct ident *id;
	size_t len;
	void *ctx, *sock;
	int linger = 2000;

	if (argc != 4 || sodium_init() < 0)
		s_die("usage: inject DIR CARD forged|oversized|garbage");
	if (keyfile_load_ident(argv[1], &id, &why) != 0)
		s_die(why);
	if (cli_read_record(argv[2], &buf, &len, &why) != 0 ||
	    card_parse(buf, len, &info, pk, &why) != 0 || info.n_endpoints == 0)
		s_die(why ? why : "card has no endpoint");
	free(buf);
	if (crypto_sign_ed25519_pk_to_curve25519(curve, pk) != 0 ||
	    ident_curve_secret_z85(id, secret) != 0)
		s_die("key conversion");
	ident_curve_public_z85(id, public);
	ctx = zmq_ctx_new();
	sock = zmq_socket(ctx, ZMQ_DEALER);
	zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, curve, 32);
	zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, public, 40);
	zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, 40);
	if (zmq_connect(sock, info.endpoints[0]) != 0)
		s_die("connect");
	s_handshake(sock, id);
	if (strcmp(argv[3], "forged") == 0)
		s_forged(sock, id);
	else if (strcmp(argv[3], "oversized") == 0)
		s_oversized(sock);
	else if (strcmp(argv[3], "garbage") == 0)
		s_garbage(sock);
	else
		s_die("unknown mode");
	usleep(300000);
	zmq_close(sock);
	zmq_ctx_term(ctx);
	ident_destroy(&id);
	return 0;
}

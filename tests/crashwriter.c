/*
 * crashwriter - a store writer to be killed (tests/sh/crash.sh).
 *
 *     crashwriter DIR SEED                       write until killed
 *     crashwriter DIR SEED --verify FILE [--full]
 *
 * The store is DIR/store.  The writer continues the chains of two origins
 * (identities SEED and SEED+1) from their heads in the store and ingests
 * batches forever: its own records in order, with retractions of its own
 * records now and then and some short-lived ones that the sweeper prunes;
 * the other origin's records shuffled into each batch (out-of-order
 * arrival) and some first as stubs, filled in by the next batch.  After
 * each commit returns, it prints the id (hex) of the batch's last record
 * on a line of its own and flushes: that line is the acknowledgement.
 * It starts with a 1 MiB map and 256-entry index runs, so kills also hit
 * map growth and index merges.
 *
 * --verify opens the store read-only and exits 0 only when fsck finds
 * nothing (QUICK: no Ed25519, unless --full), every id in FILE is held
 * (a last line without its newline was cut by the kill and is ignored),
 * and both chains are gapless (contiguous head == highest seq): a batch
 * is all there or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "node/store.h"
#include "tests/testutil.h"

#define T0	1700000000ull
#define BATCH_MAX 256
#define RING	64

struct chain {
	struct ident *id;
	uint64_t seq;			/* last seq stored or built */
	uint8_t prev[RECORD_ID_LEN];
	uint8_t ring[RING][RECORD_ID_LEN];	/* ids of recent seqs */
};

static void
s_die(const char *what, const char *why)
{
	fprintf(stderr, "crashwriter: %s: %s\n", what, why ? why : "?");
	exit(2);
}

static int
s_ring_fill(void *ctx, const struct record *r)
{
	struct chain *c = ctx;

	memcpy(c->ring[r->h.seq % RING], r->id, RECORD_ID_LEN);
	return 0;
}

/* Continues c from its head in the store. */
static void
s_resume(struct store *st, struct chain *c)
{
	struct store_txn *t;
	struct store_head h;
	int rc;

	if (store_read_begin(st, &t) != 0)
		s_die("read", "begin");
	rc = store_head(t, ident_public(c->id), &h);
	if (rc == 0) {
		if (h.contig != h.max)
			s_die("resume", "a gap in a chain this writer wrote");
		c->seq = h.max;
		memcpy(c->prev, h.last_id, RECORD_ID_LEN);
		if (store_range(t, ident_public(c->id), h.max > RING ?
		    h.max - RING + 1 : 1, s_ring_fill, c) != 0)
			s_die("resume", "range");
	} else if (rc != KY_ENOTFOUND) {
		s_die("resume", ky_strerror(rc));
	}
	store_read_end(&t);
}

static uint8_t *
s_make(struct chain *c, uint8_t kind, uint64_t expires, const char *body,
    size_t *len)
{
	uint64_t seq = c->seq + 1;
	uint8_t *r = tu_record(c->id, kind, TLP_CLEAR, seq, seq > 1 ? c->prev :
	    NULL, T0 + seq, expires, body, len);

	c->seq = seq;
	tu_id(r, c->prev);
	memcpy(c->ring[seq % RING], c->prev, RECORD_ID_LEN);
	return r;
}

static uint8_t *
s_indicator(struct chain *c, uint32_t n, uint64_t life, size_t *len)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"type\":\"ipv4\",\"value\":"
	    "\"10%u.%u.%u.%u\",\"category\":\"malicious-code:c2-server\","
	    "\"confidence\":60,\"note\":\"crash test\"}",
	    n % 10, (n >> 16) & 255, (n >> 8) & 255, n & 255);
	/* "10x." keeps the first octet in 100..109: never a private range. */
	return s_make(c, RK_INDICATOR, T0 + c->seq + 1 + life, body, len);
}

static uint8_t *
s_retraction(struct chain *c, uint64_t target, size_t *len)
{
	char hex[2 * RECORD_ID_LEN + 1], body[128];

	record_hex(c->ring[target % RING], RECORD_ID_LEN, hex);
	snprintf(body, sizeof(body), "{\"ref\":\"%s\"}", hex);
	return s_make(c, RK_RETRACTION, 0, body, len);
}

static _Noreturn void
s_write(const char *dir, uint8_t seed)
{
	struct store_result res[BATCH_MAX];
	uint8_t *recs[BATCH_MAX], *pending[BATCH_MAX];
	size_t lens[BATCH_MAX], plens[BATCH_MAX], npending = 0;
	struct chain own = { 0 }, peer = { 0 };
	struct store_opts opts = { .map_bytes = 1 << 20, .run_entries = 256 };
	struct store *st;
	const char *why;
	char hex[2 * RECORD_ID_LEN + 1];
	uint64_t batches = 0;

	srandom((unsigned)(time(NULL) ^ getpid()));
	/* A small map and small index runs, so that kills also land in
	 * map growth and in index merges. */
	if (store_open_opts(dir, STORE_CREATE, &opts, &st, &why) != 0)
		s_die("open", why);
	own.id = tu_ident(seed);
	peer.id = tu_ident((uint8_t)(seed + 1));
	s_resume(st, &own);
	s_resume(st, &peer);
	for (;;) {
		size_t n = 0, nown = 20 + (size_t)random() % 150;
		size_t npeer = (size_t)random() % 60;
		uint64_t now = T0 + own.seq;

		/* Last batch's stubs, whole this time: fills. */
		for (size_t i = 0; i < npending; i++) {
			recs[n] = pending[i];
			lens[n++] = plens[i];
		}
		npending = 0;
		for (size_t i = 0; i < nown; i++) {
			uint64_t s = own.seq + 1;

			if (s % 16 == 0 && s > 8)
				recs[n] = s_retraction(&own, s - 5, &lens[n]);
			else
				recs[n] = s_indicator(&own, (uint32_t)s,
				    s % 3 == 0 ? 20 : 30 * 86400, &lens[n]);
			n++;
		}
		/* The peer's records land at random places: out of order;
		 * every fifth goes as a stub now, whole in the next batch. */
		for (size_t i = 0; i < npeer; i++) {
			size_t len, at = (size_t)random() % (n + 1);
			uint8_t *r = s_indicator(&peer,
			    (uint32_t)(peer.seq + 1) | 0x800000u, 30 * 86400,
			    &len);
			bool stub = peer.seq % 5 == 0;

			if (at != n) {
				recs[n] = recs[at];
				lens[n] = lens[at];
			}
			recs[at] = r;
			lens[at] = stub ? RECORD_STUB_LEN : len;
			if (stub) {
				pending[npending] = r;
				plens[npending++] = len;
			}
			n++;
		}
		if (store_ingest(st, (const uint8_t *const *)recs, lens, n, now,
		    res, &why) != 0)
			s_die("ingest", why);
		for (size_t i = 0; i < n; i++)
			if (res[i].rc != 0)
				s_die("record refused", res[i].why);
		record_hex(res[n - 1].id, RECORD_ID_LEN, hex);
		printf("%s\n", hex);
		fflush(stdout);
		for (size_t i = 0; i < n; i++) {
			bool keep = false;

			for (size_t j = 0; j < npending; j++)
				keep |= recs[i] == pending[j];
			if (!keep)
				free(recs[i]);
		}
		if (++batches % 4 == 0 &&
		    store_sweep(st, now, 500, NULL, &why) != 0)
			s_die("sweep", why);
	}
}

static void
s_report(void *ctx, const char *problem)
{
	(void)ctx;
	fprintf(stderr, "crashwriter: fsck: %s\n", problem);
}

static int
s_verify(const char *dir, uint8_t seed, const char *file, bool full)
{
	struct store *st;
	struct store_txn *t;
	struct store_head h;
	struct record r;
	struct ident *ids[2];
	const char *why;
	char line[256];
	uint8_t id[RECORD_ID_LEN];
	size_t acked = 0, missing = 0;
	long problems;
	int bad = 0;
	FILE *f;

	if (store_open(dir, STORE_RDONLY, &st, &why) != 0) {
		/* Killed before the first commit: nothing may be acked. */
		if ((f = fopen(file, "r")) != NULL &&
		    fgets(line, sizeof(line), f) == NULL) {
			fclose(f);
			return 0;
		}
		s_die("open", why);
	}
	problems = store_fsck(st, full ? 0 : STORE_FSCK_QUICK, s_report, NULL);
	if (problems != 0) {
		fprintf(stderr, "crashwriter: fsck: %ld problems\n", problems);
		bad = 1;
	}
	if ((f = fopen(file, "r")) == NULL)
		s_die("open", file);
	if (store_read_begin(st, &t) != 0)
		s_die("read", "begin");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strlen(line) != 2 * RECORD_ID_LEN + 1 ||
		    line[2 * RECORD_ID_LEN] != '\n')
			continue;	/* cut by the kill */
		line[2 * RECORD_ID_LEN] = '\0';
		if (record_unhex(line, id, sizeof(id)) != 0)
			continue;
		acked++;
		if (store_get(t, id, &r) != 0) {
			fprintf(stderr, "crashwriter: acknowledged %s is "
			    "missing\n", line);
			missing++;
		}
	}
	fclose(f);
	ids[0] = tu_ident(seed);
	ids[1] = tu_ident((uint8_t)(seed + 1));
	for (int i = 0; i < 2; i++) {
		if (store_head(t, ident_public(ids[i]), &h) == 0 &&
		    h.contig != h.max) {
			fprintf(stderr, "crashwriter: chain %d: contiguous %llu, "
			    "highest %llu: half a batch is visible\n", i,
			    (unsigned long long)h.contig,
			    (unsigned long long)h.max);
			bad = 1;
		}
		ident_destroy(&ids[i]);
	}
	store_read_end(&t);
	store_close(&st);
	printf("crashwriter: %zu acknowledged, %zu missing, %ld fsck "
	    "problems\n", acked, missing, problems);
	return bad || missing ? 1 : 0;
}

int
main(int argc, char **argv)
{
	char *dir;
	int seed, rc;

	if (argc < 3 || (argc > 3 && (argc < 5 ||
	    strcmp(argv[3], "--verify") != 0))) {
		fprintf(stderr, "usage: crashwriter DIR SEED "
		    "[--verify FILE [--full]]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 2;
	seed = atoi(argv[2]);
	if (asprintf(&dir, "%s/store", argv[1]) < 0)
		return 2;
	if (argc == 3)
		s_write(dir, (uint8_t)seed);
	rc = s_verify(dir, (uint8_t)seed, argv[4],
	    argc > 5 && strcmp(argv[5], "--full") == 0);
	free(dir);
	return rc;
}

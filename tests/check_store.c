/*
 * check_store - the LMDB replica (node/store*.c).
 *
 * Each test makes its own store in a temporary directory.  Tests that
 * reach under the store (schema version, fsck) close it first and open
 * the environment with LMDB directly: one process must never hold one
 * environment open twice.  Debug with CK_FORK=no.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <lmdb.h>
#include <sodium.h>

#include "node/store.h"
#include "protocol/indicator.h"
#include "protocol/seal.h"
#include "tests/testutil.h"

#define T0 1700000000ull	/* "now" in every test */

/* One origin's chain as a test writes it. */
struct chain {
	struct ident *id;
	uint64_t seq;		/* last seq made */
	uint8_t prev[RECORD_ID_LEN];
};

static void
s_chain(struct chain *c, uint8_t seed)
{
	memset(c, 0, sizeof(*c));
	c->id = tu_ident(seed);
}

static void
s_ipv4(uint32_t n, char out[32])
{
	snprintf(out, 32, "%u.%u.%u.%u", 1 + (n >> 24) % 223, (n >> 16) & 255,
	    (n >> 8) & 255, n & 255);
}

/* The next record of c: kind with body, expiring at expires. */
static uint8_t *
s_next_rec(struct chain *c, uint8_t kind, uint64_t expires, const char *body,
    size_t *len)
{
	uint8_t *r;

	c->seq++;
	r = tu_record(c->id, kind, TLP_CLEAR, c->seq, c->seq > 1 ? c->prev :
	    NULL, T0 - 1000 + c->seq, expires, body, len);
	tu_id(r, c->prev);
	return r;
}

/* The next indicator of c, about value n (tu_indicator's ipv4 of n). */
static uint8_t *
s_next(struct chain *c, uint32_t n, size_t *len)
{
	uint8_t *r;

	c->seq++;
	r = tu_indicator(c->id, c->seq, c->seq > 1 ? c->prev : NULL,
	    T0 - 1000 + c->seq, n, len);
	tu_id(r, c->prev);
	return r;
}

/* An indicator about n that expires at expires (~300-byte body). */
static uint8_t *
s_next_exp(struct chain *c, uint32_t n, uint64_t expires, size_t *len)
{
	char body[512], v[32];

	s_ipv4(n, v);
	snprintf(body, sizeof(body), "{\"type\":\"ipv4\",\"value\":\"%s\","
	    "\"category\":\"malicious-code:c2-server\",\"confidence\":70,"
	    "\"note\":\"%s\"}", v, "Seen scanning the VPN gateway for two "
	    "days, then a burst of logins with leaked passwords; blocked at "
	    "the edge. Short-lived: the address is a rented VPS.");
	return s_next_rec(c, RK_INDICATOR, expires, body, len);
}

static uint8_t *
s_retraction(struct chain *c, const uint8_t target[RECORD_ID_LEN],
    size_t *len)
{
	char hex[2 * RECORD_ID_LEN + 1], body[160];

	record_hex(target, RECORD_ID_LEN, hex);
	snprintf(body, sizeof(body), "{\"ref\":\"%s\",\"reason\":\"mistake\"}",
	    hex);
	return s_next_rec(c, RK_RETRACTION, 0, body, len);
}

static struct store *
s_open_opts(const char *dir, unsigned flags, const struct store_opts *o)
{
	struct store *st = NULL;
	const char *why = NULL;
	int rc = store_open_opts(dir, flags, o, &st, &why);

	ck_assert_msg(rc == 0, "store_open: %s", why ? why : "?");
	return st;
}

static struct store *
s_open(const char *dir)
{
	return s_open_opts(dir, STORE_CREATE, NULL);
}

/* Ingests n records in one batch; asserts the batch committed. */
static void
s_batch(struct store *st, uint8_t **recs, size_t *lens, size_t n,
    struct store_result *res)
{
	const char *why = NULL;
	int rc = store_ingest(st, (const uint8_t *const *)recs, lens, n, T0,
	    res, &why);

	ck_assert_msg(rc == 0, "store_ingest: %s", why ? why : "?");
}

/* Ingests one record; returns its result code. */
static int
s_put(struct store *st, const uint8_t *rec, size_t len,
    struct store_result *res)
{
	struct store_result tmp;
	uint8_t *recs[1] = { (uint8_t *)rec };

	if (res == NULL)
		res = &tmp;
	s_batch(st, recs, &len, 1, res);
	return res->rc;
}

static void
s_put_ok(struct store *st, const uint8_t *rec, size_t len)
{
	struct store_result res;

	ck_assert_msg(s_put(st, rec, len, &res) == 0, "put: %s",
	    res.why ? res.why : "?");
}

/* A collector for iteration callbacks. */
struct seen {
	int n;
	uint64_t seq[256];
	uint8_t id[256][RECORD_ID_LEN];
	size_t len[256];
	int op[256];
	uint64_t cursor[256];
};

static int
s_collect(void *ctx, const struct record *r)
{
	struct seen *s = ctx;

	ck_assert_int_lt(s->n, 256);
	s->seq[s->n] = r->h.seq;
	memcpy(s->id[s->n], r->id, RECORD_ID_LEN);
	s->len[s->n] = r->raw_len;
	s->n++;
	return 0;
}

static int
s_collect_change(void *ctx, uint64_t cursor, int op, const struct record *r)
{
	struct seen *s = ctx;

	s->op[s->n] = op;
	s->cursor[s->n] = cursor;
	return s_collect(ctx, r);
}

static struct store_head
s_head(struct store *st, struct chain *c)
{
	struct store_txn *t;
	struct store_head h;

	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_head(t, ident_public(c->id), &h), 0);
	store_read_end(&t);
	return h;
}

/* The stored length of id, or -1 when not held. */
static long
s_stored_len(struct store *st, const uint8_t id[RECORD_ID_LEN])
{
	struct store_txn *t;
	struct record r;
	long len;

	ck_assert_int_eq(store_read_begin(st, &t), 0);
	len = store_get(t, id, &r) == 0 ? (long)r.raw_len : -1;
	store_read_end(&t);
	return len;
}

static uint32_t
s_value(struct store *st, uint32_t n, struct seen *seen)
{
	struct store_txn *t;
	uint32_t origins = 0;
	char v[32];

	s_ipv4(n, v);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_value(t, IT_IPV4, v, strlen(v),
	    seen ? s_collect : NULL, seen, &origins), 0);
	store_read_end(&t);
	return origins;
}

static void
s_problem(void *ctx, const char *problem)
{
	char *buf = ctx;

	if (buf != NULL && strlen(buf) + strlen(problem) + 2 < 4096) {
		strcat(buf, problem);
		strcat(buf, "\n");
	}
}

static long
s_fsck(struct store *st, unsigned flags, char *report)
{
	if (report != NULL)
		report[0] = '\0';
	return store_fsck(st, flags, s_problem, report);
}

static void
s_fsck_clean(struct store *st)
{
	char report[4096];
	long n = s_fsck(st, 0, report);

	ck_assert_msg(n == 0, "fsck: %ld problems:\n%s", n, report);
}

/* --- tests -------------------------------------------------------------- */

START_TEST(test_roundtrip)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_txn *t;
	struct store_result res[3];
	struct record r;
	struct chain a;
	uint8_t *recs[3], id[3][RECORD_ID_LEN];
	size_t lens[3];
	struct store_head h;

	s_chain(&a, 1);
	for (int i = 0; i < 3; i++) {
		recs[i] = s_next(&a, 100 + (uint32_t)i, &lens[i]);
		tu_id(recs[i], id[i]);
	}
	s_batch(st, recs, lens, 3, res);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(res[i].rc, 0);
		ck_assert_mem_eq(res[i].id, id[i], RECORD_ID_LEN);
	}
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(store_get(t, id[i], &r), 0);
		ck_assert_uint_eq(r.raw_len, lens[i]);
		ck_assert_mem_eq(r.raw, recs[i], lens[i]);
		ck_assert_int_eq(store_get_seq(t, ident_public(a.id),
		    (uint64_t)i + 1, &r), 0);
		ck_assert_mem_eq(r.id, id[i], RECORD_ID_LEN);
	}
	memset(id[0], 0xee, RECORD_ID_LEN);
	ck_assert_int_eq(store_get(t, id[0], &r), KY_ENOTFOUND);
	ck_assert_int_eq(store_get_seq(t, ident_public(a.id), 4, &r),
	    KY_ENOTFOUND);
	ck_assert_int_eq(store_head(t, ident_public(a.id), &h), 0);
	ck_assert_uint_eq(h.contig, 3);
	ck_assert_uint_eq(h.max, 3);
	ck_assert_mem_eq(h.last_id, id[2], RECORD_ID_LEN);
	ck_assert_uint_eq(h.flags, 0);
	store_read_end(&t);
	s_fsck_clean(st);
	store_close(&st);
	ck_assert_ptr_null(st);
	store_close(&st);
	/* Reopened, the records are still there. */
	st = s_open_opts(dir, 0, NULL);
	ck_assert_int_eq(s_stored_len(st, res[1].id), (long)lens[1]);
	store_close(&st);
	for (int i = 0; i < 3; i++)
		free(recs[i]);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/*
 * A copy with a broken signature but the same header is still a
 * duplicate: that answer can only come from the (origin, seq) lookup,
 * before any signature check, which would have said KY_EBADSIG.
 */
START_TEST(test_dup_before_verify)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_result res;
	struct chain a;
	uint8_t *r1, *copy, *r2;
	size_t l1, l2;

	s_chain(&a, 2);
	r1 = s_next(&a, 1, &l1);
	s_put_ok(st, r1, l1);
	ck_assert_int_eq(s_put(st, r1, l1, &res), KY_EDUP);
	copy = malloc(l1);
	memcpy(copy, r1, l1);
	copy[RECORD_HEADER_LEN + 5] ^= 0x40;		/* signature */
	copy[l1 - 3] ^= 0x01;				/* body */
	ck_assert_int_eq(s_put(st, copy, l1, &res), KY_EDUP);
	/* Control: the same damage at a new seq is caught by verify. */
	r2 = s_next(&a, 2, &l2);
	r2[RECORD_HEADER_LEN + 5] ^= 0x40;
	ck_assert_int_eq(s_put(st, r2, l2, &res), KY_EBADSIG);
	ck_assert_ptr_nonnull(res.why);
	r2[RECORD_HEADER_LEN + 5] ^= 0x40;
	r2[l2 - 3] ^= 0x01;
	ck_assert_int_eq(s_put(st, r2, l2, &res), KY_EBADHASH);
	r2[l2 - 3] ^= 0x01;
	s_put_ok(st, r2, l2);
	/* Twice in one batch: the second is a duplicate. */
	{
		uint8_t *r3 = s_next(&a, 3, &l2), *recs[2] = { r3, r3 };
		size_t lens[2] = { l2, l2 };
		struct store_result two[2];

		s_batch(st, recs, lens, 2, two);
		ck_assert_int_eq(two[0].rc, 0);
		ck_assert_int_eq(two[1].rc, KY_EDUP);
		free(r3);
	}
	s_fsck_clean(st);
	store_close(&st);
	free(r1);
	free(r2);
	free(copy);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_equivocation)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_result res;
	struct store_txn *t;
	struct seen seen = { 0 };
	struct record r;
	struct chain a, a2, b, b2;
	uint8_t *r1, *f1, *r2, *bad;
	size_t l1, lf, l2, lb;
	struct store_head h;

	s_chain(&a, 3);
	s_chain(&a2, 3);	/* the same key, another history */
	r1 = s_next(&a, 1, &l1);
	f1 = s_next(&a2, 999, &lf);
	s_put_ok(st, r1, l1);
	ck_assert_int_eq(s_put(st, f1, lf, &res), KY_EFORK);
	ck_assert_ptr_nonnull(res.why);
	h = s_head(st, &a);
	ck_assert_uint_eq(h.flags & STORE_HEAD_FORK, STORE_HEAD_FORK);
	ck_assert_uint_eq(h.contig, 1);
	/* Evidence is kept but never served as the record. */
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_get(t, res.id, &r), KY_ENOTFOUND);
	ck_assert_int_eq(store_range(t, ident_public(a.id), 1, s_collect,
	    &seen), 0);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_mem_eq(seen.id[0], a.prev, RECORD_ID_LEN);
	seen.n = 0;
	ck_assert_int_eq(store_forks(t, ident_public(a.id), s_collect, &seen),
	    0);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_mem_eq(seen.id[0], a2.prev, RECORD_ID_LEN);
	store_read_end(&t);
	ck_assert_uint_eq(s_value(st, 999, NULL), 0);
	/* Again: evidence already held. */
	ck_assert_int_eq(s_put(st, f1, lf, &res), KY_EDUP);
	/* The chain goes on past the fork. */
	r2 = s_next(&a, 2, &l2);
	s_put_ok(st, r2, l2);
	ck_assert_uint_eq(s_head(st, &a).contig, 2);
	/* A forged "fork" (bad signature) flags nothing. */
	s_chain(&b, 4);
	s_chain(&b2, 4);
	free(s_next(&b, 5, &lb));
	bad = s_next(&b, 6, &lb);
	s_put_ok(st, bad, lb);
	free(bad);
	free(s_next(&b2, 7, &lb));
	bad = s_next(&b2, 8, &lb);
	bad[RECORD_HEADER_LEN] ^= 1;
	ck_assert_int_eq(s_put(st, bad, lb, &res), KY_EBADSIG);
	ck_assert_uint_eq(s_head(st, &b).flags, 0);
	s_fsck_clean(st);
	store_close(&st);
	free(r1);
	free(f1);
	free(r2);
	free(bad);
	ident_destroy(&a.id);
	ident_destroy(&a2.id);
	ident_destroy(&b.id);
	ident_destroy(&b2.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_out_of_order)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_result res[6];
	struct chain a, b;
	uint8_t *r[6], id[6][RECORD_ID_LEN], *rev[3];
	size_t l[6], revl[3];
	struct store_head h;

	s_chain(&a, 5);
	for (int i = 0; i < 6; i++) {
		r[i] = s_next(&a, (uint32_t)i, &l[i]);
		tu_id(r[i], id[i]);
	}
	s_put_ok(st, r[2], l[2]);			/* seq 3 */
	h = s_head(st, &a);
	ck_assert_uint_eq(h.contig, 0);
	ck_assert_uint_eq(h.max, 3);
	s_put_ok(st, r[0], l[0]);			/* seq 1 */
	h = s_head(st, &a);
	ck_assert_uint_eq(h.contig, 1);
	ck_assert_uint_eq(h.max, 3);
	ck_assert_mem_eq(h.last_id, id[0], RECORD_ID_LEN);
	s_put_ok(st, r[1], l[1]);			/* seq 2 fills the gap */
	h = s_head(st, &a);
	ck_assert_uint_eq(h.contig, 3);
	ck_assert_uint_eq(h.max, 3);
	ck_assert_mem_eq(h.last_id, id[2], RECORD_ID_LEN);
	ck_assert_uint_eq(h.flags, 0);
	/* Reversed within one batch. */
	for (int i = 0; i < 3; i++) {
		rev[i] = r[5 - i];
		revl[i] = l[5 - i];
	}
	s_batch(st, rev, revl, 3, res);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(res[i].rc, 0);
	h = s_head(st, &a);
	ck_assert_uint_eq(h.contig, 6);
	ck_assert_mem_eq(h.last_id, id[5], RECORD_ID_LEN);
	/* A validly signed record whose prev is not the record we hold. */
	s_chain(&b, 6);
	{
		uint8_t *p;

		p = s_next(&b, 50, &l[0]);
		s_put_ok(st, p, l[0]);
		free(p);
		memset(b.prev, 0x77, RECORD_ID_LEN);
		p = s_next(&b, 51, &l[0]);
		ck_assert_int_eq(s_put(st, p, l[0], &res[0]), 0);
		ck_assert_uint_eq(res[0].flags & STORE_R_CHAIN, STORE_R_CHAIN);
		ck_assert_uint_eq(s_head(st, &b).flags & STORE_HEAD_CHAIN,
		    STORE_HEAD_CHAIN);
		free(p);
	}
	s_fsck_clean(st);
	store_close(&st);
	for (int i = 0; i < 6; i++)
		free(r[i]);
	ident_destroy(&a.id);
	ident_destroy(&b.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_range_order)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_result res[20];
	struct store_txn *t;
	struct seen seen = { 0 };
	struct chain a;
	uint8_t *r[20], *shuf[20];
	size_t l[20], shufl[20];

	s_chain(&a, 7);
	for (int i = 0; i < 20; i++)
		r[i] = s_next(&a, 1000 + (uint32_t)i, &l[i]);
	for (int i = 0; i < 20; i++) {
		int j = (i * 7) % 20;	/* a permutation of 0..19 */

		shuf[i] = r[j];
		shufl[i] = l[j];
	}
	s_batch(st, shuf, shufl, 10, res);
	s_batch(st, shuf + 10, shufl + 10, 10, res);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_range(t, ident_public(a.id), 5, s_collect,
	    &seen), 0);
	ck_assert_int_eq(seen.n, 16);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(seen.seq[i], (uint64_t)i + 5);
	/* An unknown origin has nothing. */
	seen.n = 0;
	ck_assert_int_eq(store_range(t, a.prev, 1, s_collect, &seen), 0);
	ck_assert_int_eq(seen.n, 0);
	store_read_end(&t);
	ck_assert_uint_eq(s_head(st, &a).contig, 20);
	store_close(&st);
	for (int i = 0; i < 20; i++)
		free(r[i]);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_value_index)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct seen seen = { 0 };
	struct chain a, b, c;
	uint8_t *p;
	size_t len;
	char v[32], body[200];

	s_chain(&a, 8);
	s_chain(&b, 9);
	s_chain(&c, 10);
	p = s_next(&a, 4242, &len);
	s_put_ok(st, p, len);
	free(p);
	ck_assert_uint_eq(s_value(st, 4242, NULL), 1);
	p = s_next(&b, 4242, &len);
	s_put_ok(st, p, len);
	free(p);
	ck_assert_uint_eq(s_value(st, 4242, NULL), 2);
	/* A sighting by type and value counts as a reporter. */
	s_ipv4(4242, v);
	snprintf(body, sizeof(body), "{\"type\":\"ipv4\",\"value\":\"%s\","
	    "\"verdict\":\"seen\",\"count\":3}", v);
	p = s_next_rec(&c, RK_SIGHTING, T0 + 86400, body, &len);
	s_put_ok(st, p, len);
	free(p);
	/* A second report from a makes more records, not more origins. */
	p = s_next(&a, 4242, &len);
	s_put_ok(st, p, len);
	free(p);
	ck_assert_uint_eq(s_value(st, 4242, &seen), 3);
	ck_assert_int_eq(seen.n, 4);
	ck_assert_uint_eq(s_value(st, 4243, NULL), 0);
	{
		struct store_txn *t;
		uint32_t o = 99;

		ck_assert_int_eq(store_read_begin(st, &t), 0);
		ck_assert_int_eq(store_value(t, 0, v, strlen(v), NULL, NULL,
		    &o), KY_EINVAL);
		ck_assert_int_eq(store_value(t, IT_IPV6, v, strlen(v), NULL,
		    NULL, &o), 0);
		ck_assert_uint_eq(o, 0);
		store_read_end(&t);
	}
	s_fsck_clean(st);
	store_close(&st);
	ident_destroy(&a.id);
	ident_destroy(&b.id);
	ident_destroy(&c.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_sweep_and_changes)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_txn *t;
	struct seen seen = { 0 };
	struct chain a;
	uint8_t *r1, *r2, *r3, id1[RECORD_ID_LEN], id2[RECORD_ID_LEN];
	size_t l1, l2, l3, swept;
	const char *why;
	uint64_t cursor;

	s_chain(&a, 11);
	r1 = s_next_exp(&a, 1, T0 + 100, &l1);
	r2 = s_next_exp(&a, 2, T0 + 200, &l2);
	r3 = s_next_exp(&a, 3, T0 + 300, &l3);
	tu_id(r1, id1);
	tu_id(r2, id2);
	s_put_ok(st, r1, l1);
	s_put_ok(st, r2, l2);
	s_put_ok(st, r3, l3);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_changes(t, 0, 0, s_collect_change, &seen), 0);
	cursor = store_cursor(t);
	store_read_end(&t);
	ck_assert_int_eq(seen.n, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(seen.op[i], STORE_OP_ADD);
		ck_assert_uint_eq(seen.seq[i], (uint64_t)i + 1);
	}
	ck_assert_uint_eq(cursor, seen.cursor[2]);
	/* Nothing has expired yet. */
	ck_assert_int_eq(store_sweep(st, T0 + 99, 0, &swept, &why), 0);
	ck_assert_uint_eq(swept, 0);
	ck_assert_int_eq(store_sweep(st, T0 + 250, 1, &swept, &why), 0);
	ck_assert_uint_eq(swept, 1);
	ck_assert_int_eq(s_stored_len(st, id1), RECORD_STUB_LEN);
	ck_assert_int_eq(s_stored_len(st, id2), (long)l2);
	ck_assert_uint_eq(s_value(st, 1, NULL), 0);
	ck_assert_uint_eq(s_value(st, 2, NULL), 1);
	ck_assert_int_eq(store_sweep(st, T0 + 250, 0, &swept, &why), 0);
	ck_assert_uint_eq(swept, 1);
	ck_assert_int_eq(s_stored_len(st, id2), RECORD_STUB_LEN);
	ck_assert_uint_eq(s_value(st, 2, NULL), 0);
	ck_assert_uint_eq(s_value(st, 3, NULL), 1);
	/* The feed after the cursor: two removals, stubs with their ids. */
	seen.n = 0;
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_changes(t, cursor, 0, s_collect_change, &seen),
	    0);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_int_eq(seen.op[0], STORE_OP_EXPIRE);
	ck_assert_mem_eq(seen.id[0], id1, RECORD_ID_LEN);
	ck_assert_uint_eq(seen.len[0], RECORD_STUB_LEN);
	ck_assert_int_eq(seen.op[1], STORE_OP_EXPIRE);
	ck_assert_mem_eq(seen.id[1], id2, RECORD_ID_LEN);
	ck_assert_uint_gt(seen.cursor[0], cursor);
	seen.n = 0;
	ck_assert_int_eq(store_changes(t, 0, 2, s_collect_change, &seen), 0);
	ck_assert_int_eq(seen.n, 2);
	store_read_end(&t);
	/* A late copy of an expired record stays a stub. */
	{
		struct store_result res;

		ck_assert_int_eq(store_ingest(st, (const uint8_t *const *)&r1,
		    &l1, 1, T0 + 250, &res, &why), 0);
		ck_assert_int_eq(res.rc, KY_EDUP);
		ck_assert_int_eq(s_stored_len(st, id1), RECORD_STUB_LEN);
	}
	/* Arriving already expired: stored as a stub. */
	{
		struct store_result res;
		uint8_t *old = s_next_exp(&a, 4, T0 - 1, &l1);

		ck_assert_int_eq(s_put(st, old, l1, &res), 0);
		ck_assert_uint_eq(res.flags & STORE_R_STUB, STORE_R_STUB);
		ck_assert_int_eq(s_stored_len(st, res.id), RECORD_STUB_LEN);
		ck_assert_uint_eq(s_value(st, 4, NULL), 0);
		free(old);
	}
	s_fsck_clean(st);
	store_close(&st);
	free(r1);
	free(r2);
	free(r3);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* Pruned bodies give their pages back: new records reuse them. */
START_TEST(test_prune_reclaims)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_result res[100];
	struct store_stats s0, s1, s2;
	struct store_txn *t;
	struct chain a;
	uint8_t *recs[100];
	size_t lens[100], swept;
	const char *why;

	s_chain(&a, 26);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_stats(t, &s0), 0);
	store_read_end(&t);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 30; i++) {
			for (int j = 0; j < 100; j++)
				recs[j] = s_next_exp(&a, (uint32_t)(round *
				    5000 + i * 100 + j), round == 0 ? T0 + 5000 :
				    T0 + 90000, &lens[j]);
			s_batch(st, recs, lens, 100, res);
			for (int j = 0; j < 100; j++)
				free(recs[j]);
		}
		ck_assert_int_eq(store_read_begin(st, &t), 0);
		ck_assert_int_eq(store_stats(t, round == 0 ? &s1 : &s2), 0);
		store_read_end(&t);
		if (round == 0) {
			ck_assert_int_eq(store_sweep(st, T0 + 5000, 0, &swept,
			    &why), 0);
			ck_assert_uint_eq(swept, 3000);
		}
	}
	ck_assert_uint_eq(s2.records, 6000);
	ck_assert_uint_eq(s2.stubs, 3000);
	/* Without reuse the second round (and the stubs the sweep wrote)
	 * would need as much room again as the first. */
	ck_assert_msg(s2.used_bytes - s1.used_bytes <
	    (s1.used_bytes - s0.used_bytes) * 3 / 4,
	    "used %llu, %llu, %llu bytes", (unsigned long long)s0.used_bytes,
	    (unsigned long long)s1.used_bytes,
	    (unsigned long long)s2.used_bytes);
	s_fsck_clean(st);
	store_close(&st);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_retraction)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_result res[2];
	struct store_txn *t;
	struct seen seen = { 0 };
	struct chain a, b;
	uint8_t *target, *ret, *foreign, tid[RECORD_ID_LEN];
	size_t lt, lr, lf;
	uint64_t cursor;

	s_chain(&a, 12);
	s_chain(&b, 13);
	target = s_next(&a, 77, &lt);
	tu_id(target, tid);
	s_put_ok(st, target, lt);
	ck_assert_uint_eq(s_value(st, 77, NULL), 1);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	cursor = store_cursor(t);
	store_read_end(&t);
	/* By another origin: stored, no effect. */
	foreign = s_retraction(&b, tid, &lf);
	ck_assert_int_eq(s_put(st, foreign, lf, &res[0]), 0);
	ck_assert_uint_eq(res[0].flags & STORE_R_RETRACT, 0);
	ck_assert_int_eq(s_stored_len(st, tid), (long)lt);
	ck_assert_uint_eq(s_value(st, 77, NULL), 1);
	/* By its own origin: the target becomes its stub. */
	ret = s_retraction(&a, tid, &lr);
	ck_assert_int_eq(s_put(st, ret, lr, &res[0]), 0);
	ck_assert_uint_eq(res[0].flags & STORE_R_RETRACT, STORE_R_RETRACT);
	ck_assert_int_eq(s_stored_len(st, tid), RECORD_STUB_LEN);
	ck_assert_uint_eq(s_value(st, 77, NULL), 0);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_changes(t, cursor, 0, s_collect_change, &seen),
	    0);
	store_read_end(&t);
	ck_assert_int_eq(seen.n, 3);	/* foreign add, add, retract */
	ck_assert_int_eq(seen.op[2], STORE_OP_RETRACT);
	ck_assert_mem_eq(seen.id[2], tid, RECORD_ID_LEN);
	/* The whole record again cannot bring the body back. */
	ck_assert_int_eq(s_put(st, target, lt, &res[0]), KY_EDUP);
	ck_assert_int_eq(s_stored_len(st, tid), RECORD_STUB_LEN);
	s_fsck_clean(st);
	store_close(&st);
	tu_rmrf(dir);

	/* The retraction first, the target later: still takes effect;
	 * and in one batch, retraction before target. */
	st = s_open(dir);
	s_put_ok(st, ret, lr);
	ck_assert_int_eq(s_put(st, target, lt, &res[0]), 0);
	ck_assert_uint_eq(res[0].flags & STORE_R_STUB, STORE_R_STUB);
	ck_assert_int_eq(s_stored_len(st, tid), RECORD_STUB_LEN);
	ck_assert_uint_eq(s_value(st, 77, NULL), 0);
	s_fsck_clean(st);
	store_close(&st);
	tu_rmrf(dir);
	st = s_open(dir);
	{
		uint8_t *recs[2] = { ret, target };
		size_t lens[2] = { lr, lt };

		s_batch(st, recs, lens, 2, res);
		ck_assert_int_eq(res[0].rc, 0);
		ck_assert_int_eq(res[1].rc, 0);
		ck_assert_uint_eq(res[1].flags & STORE_R_STUB, STORE_R_STUB);
		ck_assert_int_eq(s_stored_len(st, tid), RECORD_STUB_LEN);
	}
	/* A pending retraction by another origin does not hit the target. */
	{
		struct chain c;
		uint8_t *t2, *fr, t2id[RECORD_ID_LEN];
		size_t l2, lfr;

		s_chain(&c, 14);
		t2 = s_next(&c, 78, &l2);
		tu_id(t2, t2id);
		fr = s_retraction(&b, t2id, &lfr);
		s_put_ok(st, fr, lfr);
		s_put_ok(st, t2, l2);
		ck_assert_int_eq(s_stored_len(st, t2id), (long)l2);
		ck_assert_uint_eq(s_value(st, 78, NULL), 1);
		free(t2);
		free(fr);
		ident_destroy(&c.id);
	}
	s_fsck_clean(st);
	store_close(&st);
	free(target);
	free(ret);
	free(foreign);
	ident_destroy(&a.id);
	ident_destroy(&b.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_stubs)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_result res;
	struct store_txn *t;
	struct seen seen = { 0 };
	struct chain a;
	uint8_t *r, *r2, id[RECORD_ID_LEN], stub[RECORD_STUB_LEN];
	size_t l, l2;

	s_chain(&a, 15);
	r = s_next(&a, 55, &l);
	tu_id(r, id);
	memcpy(stub, r, RECORD_STUB_LEN);
	ck_assert_int_eq(s_put(st, stub, RECORD_STUB_LEN, &res), 0);
	ck_assert_uint_eq(res.flags & STORE_R_STUB, STORE_R_STUB);
	ck_assert_int_eq(s_stored_len(st, id), RECORD_STUB_LEN);
	ck_assert_uint_eq(s_value(st, 55, NULL), 0);
	ck_assert_uint_eq(s_head(st, &a).contig, 1);
	/* A stub with a broken signature is refused. */
	r2 = s_next(&a, 56, &l2);
	r2[RECORD_HEADER_LEN + 1] ^= 1;
	ck_assert_int_eq(s_put(st, r2, RECORD_STUB_LEN, &res), KY_EBADSIG);
	r2[RECORD_HEADER_LEN + 1] ^= 1;
	/* The whole record fills the stub in. */
	ck_assert_int_eq(s_put(st, r, l, &res), 0);
	ck_assert_uint_eq(res.flags & STORE_R_FILLED, STORE_R_FILLED);
	ck_assert_int_eq(s_stored_len(st, id), (long)l);
	ck_assert_uint_eq(s_value(st, 55, NULL), 1);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_changes(t, 0, 0, s_collect_change, &seen), 0);
	store_read_end(&t);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_int_eq(seen.op[0], STORE_OP_ADD);
	ck_assert_int_eq(seen.op[1], STORE_OP_FILL);
	ck_assert_uint_eq(seen.len[1], l);
	/* Now both the stub and the whole record are duplicates. */
	ck_assert_int_eq(s_put(st, stub, RECORD_STUB_LEN, &res), KY_EDUP);
	ck_assert_int_eq(s_put(st, r, l, &res), KY_EDUP);
	/* A fill whose body does not match the header's hash. */
	memcpy(stub, r2, RECORD_STUB_LEN);
	s_put_ok(st, stub, RECORD_STUB_LEN);
	r2[l2 - 2] ^= 1;
	ck_assert_int_eq(s_put(st, r2, l2, &res), KY_EBADHASH);
	ck_assert_int_eq(s_stored_len(st, res.id), RECORD_STUB_LEN);
	s_fsck_clean(st);
	store_close(&st);
	free(r);
	free(r2);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_bad_records_in_batch)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_result res[5];
	struct chain a;
	uint8_t junk[300], *good, *bad, *invalid, *recs[5];
	size_t lens[5], lg, lb, li;

	s_chain(&a, 16);
	memset(junk, 'x', sizeof(junk));
	good = s_next(&a, 1, &lg);
	bad = s_next(&a, 2, &lb);
	bad[RECORD_HEADER_LEN + 9] ^= 2;
	/* Validly signed, but confidence out of range: kept as a stub so
	 * the chain stays whole, the body refused with its reason. */
	invalid = s_next_rec(&a, RK_INDICATOR, T0 + 3600,
	    "{\"type\":\"ipv4\",\"value\":\"192.0.2.1\",\"category\":"
	    "\"malicious-code:c2-server\",\"confidence\":200}", &li);
	recs[0] = junk; lens[0] = sizeof(junk);
	recs[1] = good; lens[1] = lg;
	recs[2] = bad; lens[2] = lb;
	recs[3] = invalid; lens[3] = li;
	recs[4] = junk; lens[4] = 10;
	s_batch(st, recs, lens, 5, res);
	ck_assert_int_eq(res[0].rc, KY_EMALFORMED);
	ck_assert_ptr_nonnull(res[0].why);
	ck_assert_int_eq(res[1].rc, 0);
	ck_assert_int_eq(res[2].rc, KY_EBADSIG);
	ck_assert_int_eq(res[3].rc, KY_EINVAL);
	ck_assert_ptr_nonnull(strstr(res[3].why, "confidence"));
	ck_assert_uint_eq(res[3].flags & STORE_R_STUB, STORE_R_STUB);
	ck_assert_int_eq(s_stored_len(st, res[3].id), RECORD_STUB_LEN);
	ck_assert_int_eq(res[4].rc, KY_EMALFORMED);
	ck_assert_int_eq(s_stored_len(st, res[1].id), (long)lg);
	ck_assert_int_eq(s_stored_len(st, res[2].id), -1);
	ck_assert_uint_eq(s_head(st, &a).max, 3);
	ck_assert_uint_eq(s_head(st, &a).contig, 1);
	/* An empty batch is fine. */
	ck_assert_int_eq(store_ingest(st, NULL, NULL, 0, T0, res,
	    (const char **)&res[0].why), 0);
	s_fsck_clean(st);
	store_close(&st);
	free(good);
	free(bad);
	free(invalid);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* Tiny runs: many seals and merges; every lookup still works. */
START_TEST(test_index_runs)
{
	char *dir = tu_tmpdir("store");
	struct store_opts o = { .run_entries = 8 };
	struct store *st = s_open_opts(dir, STORE_CREATE, &o);
	struct store_stats stats;
	struct store_txn *t;
	struct store_result res[10];
	struct record r;
	struct chain a, b;
	uint8_t *recs[10], ids[400][RECORD_ID_LEN];
	size_t lens[10], swept;
	const char *why;
	int k = 0;

	s_chain(&a, 17);
	s_chain(&b, 18);
	for (int i = 0; i < 20; i++) {
		for (int j = 0; j < 10; j++) {
			/* Every value twice: once from a, once from b. */
			if (j % 2 == 0)
				recs[j] = s_next_exp(&a, (uint32_t)k / 2,
				    T0 + 10 + (uint64_t)k, &lens[j]);
			else
				recs[j] = s_next_exp(&b, (uint32_t)k / 2,
				    T0 + 10 + (uint64_t)k, &lens[j]);
			tu_id(recs[j], ids[k]);
			k++;
		}
		s_batch(st, recs, lens, 10, res);
		for (int j = 0; j < 10; j++) {
			ck_assert_int_eq(res[j].rc, 0);
			free(recs[j]);
		}
	}
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_stats(t, &stats), 0);
	ck_assert_uint_eq(stats.records, 200);
	ck_assert_uint_le(stats.index_runs, 2 * (3 * 5 + 1));
	for (int i = 0; i < k; i++)
		ck_assert_int_eq(store_get(t, ids[i], &r), 0);
	store_read_end(&t);
	for (uint32_t v = 0; v < 100; v++)
		ck_assert_uint_eq(s_value(st, v, NULL), 2);
	s_fsck_clean(st);
	/* Deletes reach entries in sealed and merged runs. */
	ck_assert_int_eq(store_sweep(st, T0 + 10 + 120, 0, &swept, &why), 0);
	ck_assert_uint_eq(swept, 121);
	for (uint32_t v = 0; v < 60; v++)
		ck_assert_uint_eq(s_value(st, v, NULL), 0);
	ck_assert_uint_eq(s_value(st, 60, NULL), 1);
	ck_assert_uint_eq(s_value(st, 61, NULL), 2);
	s_fsck_clean(st);
	store_close(&st);
	ident_destroy(&a.id);
	ident_destroy(&b.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_map_growth)
{
	char *dir = tu_tmpdir("store");
	struct store_opts o = { .map_bytes = 256 * 1024 };
	struct store *st = s_open_opts(dir, STORE_CREATE, &o);
	struct store_prof prof = { 0 };
	struct store_stats stats;
	struct store_txn *t;
	struct store_result res[100];
	struct chain a;
	uint8_t *recs[100];
	size_t lens[100];

	store_profile(st, &prof);
	s_chain(&a, 19);
	for (int i = 0; i < 20; i++) {
		for (int j = 0; j < 100; j++)
			recs[j] = s_next(&a, (uint32_t)(i * 100 + j), &lens[j]);
		s_batch(st, recs, lens, 100, res);
		for (int j = 0; j < 100; j++) {
			ck_assert_int_eq(res[j].rc, 0);
			free(recs[j]);
		}
	}
	ck_assert_uint_gt(prof.regrows, 0);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_stats(t, &stats), 0);
	/* While a read txn is open the map cannot grow: a clear refusal. */
	{
		const char *why;
		int rc = KY_OK;

		for (int i = 0; i < 50 && rc == KY_OK; i++) {
			for (int j = 0; j < 100; j++)
				recs[j] = s_next(&a, (uint32_t)(100000 + i * 100
				    + j), &lens[j]);
			rc = store_ingest(st, (const uint8_t *const *)recs,
			    lens, 100, T0, res, &why);
			for (int j = 0; j < 100; j++)
				free(recs[j]);
			if (rc != 0)
				a.seq -= 100;
		}
		ck_assert_int_eq(rc, KY_EFULL);
		ck_assert_ptr_nonnull(strstr(why, "read transaction"));
		ck_assert_int_eq(res[0].rc, KY_EFULL);
	}
	store_read_end(&t);
	ck_assert_uint_eq(stats.records, 2000);
	ck_assert_uint_gt(stats.map_bytes, o.map_bytes);
	ck_assert_uint_eq(s_head(st, &a).contig, a.seq);
	store_close(&st);
	/* Reopened with the tiny map again: the data is all there. */
	st = s_open_opts(dir, 0, &o);
	ck_assert_uint_eq(s_head(st, &a).contig, a.seq);
	s_fsck_clean(st);
	store_close(&st);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

static void
s_raw_env(const char *dir, MDB_env **env, MDB_txn **txn)
{
	ck_assert_int_eq(mdb_env_create(env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(*env, 128), 0);
	ck_assert_int_eq(mdb_env_open(*env, dir, 0, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(*env, NULL, 0, txn), 0);
}

START_TEST(test_schema_version)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	const char *why = NULL;
	uint8_t ver[4] = { 0, 0, 0, 7 };
	MDB_val k = { 7, "version" }, v = { 4, ver };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;

	store_close(&st);
	s_raw_env(dir, &env, &txn);
	ck_assert_int_eq(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	ck_assert_int_eq(mdb_put(txn, meta, &k, &v, 0), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	ck_assert_int_eq(store_open(dir, 0, &st, &why), KY_EVERSION);
	ck_assert_ptr_null(st);
	ck_assert_str_eq(why, "store schema version 7 is newer than this "
	    "kyojo (1): upgrade kyojo");
	ck_assert_int_eq(store_open(dir, STORE_RDONLY, &st, &why),
	    KY_EVERSION);
	/* No store at all. */
	tu_rmrf(dir);
	ck_assert_int_eq(store_open(dir, 0, &st, &why), KY_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(why, "no store"));
	free(dir);
}
END_TEST

/* A second process opens read-only while this one writes. */
START_TEST(test_read_only)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct chain a;
	uint8_t *p, first[RECORD_ID_LEN];
	size_t len;
	int status;
	pid_t pid;

	s_chain(&a, 20);
	for (int i = 0; i < 5; i++) {
		p = s_next(&a, (uint32_t)i, &len);
		if (i == 0)
			tu_id(p, first);
		s_put_ok(st, p, len);
		free(p);
	}
	p = s_next(&a, 5, &len);	/* seq 6, for the reader to try */
	if ((pid = fork()) == 0) {
		struct store *ro;
		struct store_txn *t;
		struct store_head h;
		struct store_result res;
		struct record r;
		const char *why;
		int bad = 0;

		if (store_open(dir, STORE_RDONLY, &ro, &why) != 0)
			_exit(10);
		if (store_read_begin(ro, &t) != 0)
			_exit(11);
		bad |= store_head(t, ident_public(a.id), &h) != 0 ||
		    h.contig != 5;
		bad |= store_get(t, first, &r) != 0;
		store_read_end(&t);
		bad |= store_ingest(ro, (const uint8_t *const *)&p, &len, 1,
		    T0, &res, &why) != KY_EPERM || res.rc != KY_EPERM;
		store_close(&ro);
		_exit(bad ? 12 : 0);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "reader exited with %d", WEXITSTATUS(status));
	s_put_ok(st, p, len);
	ck_assert_uint_eq(s_head(st, &a).contig, 6);
	store_close(&st);
	free(p);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A reader process adopts a map the writer has grown since it opened. */
START_TEST(test_reader_map_resized)
{
	char *dir = tu_tmpdir("store");
	struct store_opts o = { .map_bytes = 256 * 1024 };
	struct store *st = s_open_opts(dir, STORE_CREATE, &o);
	struct store_result res[100];
	struct chain a;
	uint8_t *recs[100], go;
	size_t lens[100];
	int status, up[2], down[2];
	pid_t pid;

	s_chain(&a, 25);
	recs[0] = s_next(&a, 0, &lens[0]);
	s_batch(st, recs, lens, 1, res);
	free(recs[0]);
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	if ((pid = fork()) == 0) {
		struct store *ro;
		struct store_txn *t;
		struct store_head h;
		const char *why;
		int rc;

		if (store_open_opts(dir, STORE_RDONLY, &o, &ro, &why) != 0)
			_exit(10);
		if (write(up[1], "r", 1) != 1 || read(down[0], &go, 1) != 1)
			_exit(11);
		/* The writer's map is now far beyond ours. */
		if ((rc = store_read_begin(ro, &t)) != 0)
			_exit(12);
		rc = store_head(t, ident_public(a.id), &h);
		store_read_end(&t);
		store_close(&ro);
		_exit(rc == 0 && h.contig == 2001 ? 0 : 13);
	}
	ck_assert_int_eq(read(up[0], &go, 1), 1);
	for (int i = 0; i < 20; i++) {
		for (int j = 0; j < 100; j++)
			recs[j] = s_next(&a, (uint32_t)(1 + i * 100 + j),
			    &lens[j]);
		s_batch(st, recs, lens, 100, res);
		for (int j = 0; j < 100; j++)
			free(recs[j]);
	}
	ck_assert_int_eq(write(down[1], "w", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "reader exited with %d", WEXITSTATUS(status));
	store_close(&st);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_fsck)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	char report[4096];
	struct chain a;
	uint8_t *p, lk[12] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2 };
	uint64_t rowid = 3;
	size_t len;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	uint8_t *copy;

	s_chain(&a, 21);
	for (int i = 0; i < 5; i++) {
		p = s_next(&a, (uint32_t)i, &len);
		s_put_ok(st, p, len);
		free(p);
	}
	s_fsck_clean(st);
	store_close(&st);
	/* Delete the log entry of (origin 1, seq 2). */
	s_raw_env(dir, &env, &txn);
	ck_assert_int_eq(mdb_dbi_open(txn, "log", 0, &dbi), 0);
	k.mv_data = lk;
	k.mv_size = sizeof(lk);
	ck_assert_int_eq(mdb_del(txn, dbi, &k, NULL), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	st = s_open_opts(dir, 0, NULL);
	ck_assert_int_gt(s_fsck(st, STORE_FSCK_QUICK, report), 0);
	ck_assert_msg(strstr(report, "log entry for seq 2 missing") != NULL,
	    "%s", report);
	ck_assert_msg(strstr(report, "head says") != NULL, "%s", report);
	store_close(&st);
	tu_rmrf(dir);

	/* A flipped byte in a stored body, then in a signature. */
	st = s_open(dir);
	a.seq = 0;
	for (int i = 0; i < 5; i++) {
		p = s_next(&a, (uint32_t)i, &len);
		s_put_ok(st, p, len);
		free(p);
	}
	store_close(&st);
	s_raw_env(dir, &env, &txn);
	ck_assert_int_eq(mdb_dbi_open(txn, "records", MDB_INTEGERKEY, &dbi), 0);
	k.mv_data = &rowid;
	k.mv_size = sizeof(rowid);
	ck_assert_int_eq(mdb_get(txn, dbi, &k, &v), 0);
	copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[v.mv_size - 50] ^= 1;	/* in the ASCII part of the note */
	v.mv_data = copy;
	ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	st = s_open_opts(dir, 0, NULL);
	ck_assert_int_eq(s_fsck(st, STORE_FSCK_QUICK, report), 1);
	ck_assert_msg(strstr(report, "body hash mismatch") != NULL, "%s",
	    report);
	store_close(&st);
	s_raw_env(dir, &env, &txn);
	ck_assert_int_eq(mdb_dbi_open(txn, "records", MDB_INTEGERKEY, &dbi), 0);
	copy[v.mv_size - 50] ^= 1;
	copy[RECORD_HEADER_LEN + 30] ^= 1;
	ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	st = s_open_opts(dir, 0, NULL);
	ck_assert_int_eq(s_fsck(st, STORE_FSCK_QUICK, report), 0);
	ck_assert_int_eq(s_fsck(st, 0, report), 1);
	ck_assert_msg(strstr(report, "bad signature") != NULL, "%s", report);
	store_close(&st);
	/* An index entry removed behind the store's back. */
	s_raw_env(dir, &env, &txn);
	ck_assert_int_eq(mdb_dbi_open(txn, "values.00", 0, &dbi), 0);
	{
		MDB_cursor *c;

		ck_assert_int_eq(mdb_cursor_open(txn, dbi, &c), 0);
		ck_assert_int_eq(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
		ck_assert_int_eq(mdb_cursor_del(c, 0), 0);
		mdb_cursor_close(c);
	}
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	st = s_open_opts(dir, 0, NULL);
	ck_assert_int_eq(s_fsck(st, STORE_FSCK_QUICK, report), 2);
	ck_assert_msg(strstr(report, "value index entry missing") != NULL,
	    "%s", report);
	ck_assert_msg(strstr(report, "4 entries, 5 expected") != NULL, "%s",
	    report);
	store_close(&st);
	free(copy);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_stats)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct store_stats stats;
	struct store_txn *t;
	struct chain a, b;
	uint8_t *p, stub[RECORD_STUB_LEN];
	size_t len;

	s_chain(&a, 22);
	s_chain(&b, 23);
	p = s_next(&a, 1, &len);
	s_put_ok(st, p, len);
	free(p);
	p = s_next(&b, 1, &len);
	memcpy(stub, p, sizeof(stub));
	s_put_ok(st, stub, sizeof(stub));
	free(p);
	p = s_next_rec(&a, RK_ARTICLE, 0, "{\"title\":\"t\",\"lang\":\"ja\","
	    "\"body_md\":\"本文\"}", &len);
	s_put_ok(st, p, len);
	free(p);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_stats(t, &stats), 0);
	store_read_end(&t);
	ck_assert_uint_eq(stats.records, 3);
	ck_assert_uint_eq(stats.stubs, 1);
	ck_assert_uint_eq(stats.by_kind[RK_INDICATOR], 2);
	ck_assert_uint_eq(stats.by_kind[RK_ARTICLE], 1);
	ck_assert_uint_eq(stats.origins, 2);
	ck_assert_uint_eq(stats.cursor, 3);
	ck_assert_uint_eq(stats.expiring, 1);
	ck_assert_uint_gt(stats.disk_bytes, 0);
	ck_assert_uint_ge(stats.file_bytes, stats.used_bytes);
	/* The article came after a stub: rowids are never reused. */
	s_fsck_clean(st);
	store_close(&st);
	ident_destroy(&a.id);
	ident_destroy(&b.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/*
 * A full disk: a 2 MiB tmpfs fills up; the batch that does not fit is
 * refused with KY_EFULL and everything acknowledged before stays
 * readable.  Needs mount(2) (root); skipped with a message otherwise.
 */
START_TEST(test_full_disk)
{
	char *dir = tu_tmpdir("full"), *sdir;
	struct store *st;
	struct store_txn *t;
	struct store_result res[40];
	struct record r;
	struct chain a;
	uint8_t *recs[40], (*acked)[RECORD_ID_LEN];
	size_t lens[40], nacked = 0;
	const char *why = NULL;
	int rc = 0, missing = 0;
	long problems;

	if (mount("tmpfs", dir, "tmpfs", 0, "size=2m") != 0) {
		printf("check_store: full-disk test skipped: cannot mount a "
		    "tmpfs (%s)\n", strerror(errno));
		tu_rmrf(dir);
		free(dir);
		return;
	}
	ck_assert_int_ge(asprintf(&sdir, "%s/store", dir), 0);
	st = s_open(sdir);
	acked = malloc(10000 * sizeof(*acked));
	s_chain(&a, 24);
	for (int i = 0; i < 250 && rc == 0; i++) {
		for (int j = 0; j < 40; j++)
			recs[j] = s_next(&a, (uint32_t)(i * 40 + j), &lens[j]);
		rc = store_ingest(st, (const uint8_t *const *)recs, lens, 40,
		    T0, res, &why);
		for (int j = 0; j < 40; j++) {
			if (rc == 0 && res[j].rc == 0)
				memcpy(acked[nacked++], res[j].id,
				    RECORD_ID_LEN);
			free(recs[j]);
		}
	}
	/* Reads keep working after the failed commit. */
	if (store_read_begin(st, &t) == 0) {
		for (size_t i = 0; i < nacked; i++)
			missing += store_get(t, acked[i], &r) != 0;
		store_read_end(&t);
	} else {
		missing = -1;
	}
	problems = store_fsck(st, STORE_FSCK_QUICK, NULL, NULL);
	store_close(&st);
	/* And after reopening. */
	if (rc == KY_EFULL) {
		st = s_open_opts(sdir, 0, NULL);
		ck_assert_int_eq(store_read_begin(st, &t), 0);
		for (size_t i = 0; i < nacked; i++)
			missing += store_get(t, acked[i], &r) != 0;
		store_read_end(&t);
		store_close(&st);
	}
	umount2(dir, MNT_DETACH);
	ck_assert_msg(rc == KY_EFULL, "expected KY_EFULL, got %d (%s)", rc,
	    why ? why : "-");
	ck_assert_ptr_nonnull(strstr(why, "disk full"));
	ck_assert_int_eq(res[0].rc, KY_EFULL);
	ck_assert_uint_gt(nacked, 100);
	ck_assert_int_eq(missing, 0);
	ck_assert_int_eq(problems, 0);
	free(acked);
	free(sdir);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* --- sealed bodies ------------------------------------------------------- */

static int
s_unbox(void *ctx, const uint8_t *box, size_t len, uint8_t *out)
{
	return ident_seal_open(ctx, box, len, out);
}

/* The opener a daemon sets: seal_open() with its own key. */
struct opener {
	struct ident *me;
	int calls;
};

static int
s_opener(void *ctx, const struct record *r, uint8_t **plain,
    size_t *plain_len)
{
	struct opener *o = ctx;
	const char *why;

	o->calls++;
	return seal_open(r->h.kind, r->body, r->h.body_len, ident_public(o->me),
	    s_unbox, o->me, plain, plain_len, &why);
}

/* An indicator body about n, in the clear, into buf. */
static const char *
s_plain_ind(uint32_t n, int confidence, char buf[512])
{
	char v[32];

	s_ipv4(n, v);
	snprintf(buf, 512, "{\"type\":\"ipv4\",\"value\":\"%s\",\"category\":"
	    "\"malicious-code:c2-server\",\"confidence\":%d,\"note\":"
	    "\"AMBER: seen in our VPN logs\"}", v, confidence);
	return buf;
}

/* The next record of c marked tlp, its body plain sealed to to[0..n). */
static uint8_t *
s_next_sealed(struct chain *c, uint8_t kind, uint8_t tlp, uint64_t expires,
    const char *plain, const uint8_t (*to)[32], size_t n, size_t *len)
{
	const char *why = NULL;
	uint8_t *env, *r;
	size_t elen;
	char *body;

	ck_assert_msg(seal_body(kind, (const uint8_t *)plain, strlen(plain),
	    to, n, &env, &elen, &why) == 0, "seal_body: %s", why);
	body = strndup((const char *)env, elen);
	c->seq++;
	r = tu_record(c->id, kind, tlp, c->seq, c->seq > 1 ? c->prev : NULL,
	    T0 - 1000 + c->seq, expires, body, len);
	tu_id(r, c->prev);
	free(env);
	free(body);
	return r;
}

/* What a read must hand out for an opened record. */
struct opened_want {
	const uint8_t *id;	/* only this record is checked */
	const char *plain;
	const uint8_t *raw;
	size_t raw_len;
	int n;			/* records checked */
};

static void
s_check_opened(struct opened_want *w, const struct record *r)
{
	struct record v;
	const char *why = NULL;

	ck_assert(r->opened);
	ck_assert_uint_eq(r->h.body_len, strlen(w->plain));
	ck_assert_mem_eq(r->body, w->plain, r->h.body_len);
	/* raw is still what was signed, and is what gossip forwards. */
	ck_assert_uint_eq(r->raw_len, w->raw_len);
	ck_assert_mem_eq(r->raw, w->raw, w->raw_len);
	ck_assert_int_eq(record_open(r->raw, r->raw_len, &v, &why), 0);
	ck_assert(!v.opened);
	ck_assert(seal_is_envelope(v.body, v.h.body_len));
	w->n++;
}

static int
s_opened_cb(void *ctx, const struct record *r)
{
	struct opened_want *w = ctx;

	if (memcmp(r->id, w->id, RECORD_ID_LEN) == 0)
		s_check_opened(w, r);
	return 0;
}

static int
s_opened_change(void *ctx, uint64_t cursor, int op, const struct record *r)
{
	(void)cursor;
	(void)op;
	return s_opened_cb(ctx, r);
}

/* The stored form of id: opened or not, and its body length as read. */
static bool
s_read_opened(struct store *st, const uint8_t id[RECORD_ID_LEN],
    uint32_t *body_len, long *raw_len)
{
	struct store_txn *t;
	struct record r;
	bool opened;

	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_get(t, id, &r), 0);
	opened = r.opened;
	if (body_len != NULL)
		*body_len = r.body != NULL ? r.h.body_len : 0;
	if (raw_len != NULL)
		*raw_len = (long)r.raw_len;
	store_read_end(&t);
	return opened;
}

static uint64_t
s_opened_count(struct store *st)
{
	struct store_stats stats;
	struct store_txn *t;

	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_stats(t, &stats), 0);
	store_read_end(&t);
	return stats.opened;
}

/*
 * A node that is a recipient opens sealed bodies: the value index finds
 * them, every read shows the plaintext while raw keeps the signed
 * envelope, and expiry and retraction take the plaintext away.
 */
START_TEST(test_sealed_opened)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct opener op = { .me = tu_ident(41) };
	struct ident *other = tu_ident(42);
	struct store_result res;
	struct store_txn *t;
	struct record r;
	struct chain a, b;
	struct opened_want w = { 0 };
	uint8_t to[2][32], only_other[1][32], *p, *q, id[RECORD_ID_LEN],
	    qid[RECORD_ID_LEN];
	char plain[512], plain2[512], bad[512];
	size_t len, qlen, swept;
	const char *why;
	uint32_t blen;
	long rlen;

	s_chain(&a, 40);
	s_chain(&b, 43);
	memcpy(to[0], ident_public(other), 32);
	memcpy(to[1], ident_public(op.me), 32);
	memcpy(only_other[0], ident_public(other), 32);
	store_set_opener(st, s_opener, &op);

	/* Addressed to us: opened and indexed. */
	s_plain_ind(5001, 80, plain);
	p = s_next_sealed(&a, RK_INDICATOR, TLP_AMBER, T0 + 100, plain, to, 2,
	    &len);
	tu_id(p, id);
	ck_assert_int_eq(s_put(st, p, len, &res), 0);
	ck_assert_uint_eq(res.flags & (STORE_R_SEALED | STORE_R_OPENED |
	    STORE_R_STUB), STORE_R_SEALED | STORE_R_OPENED);
	ck_assert_int_ge(op.calls, 1);
	w.id = id;
	w.plain = plain;
	w.raw = p;
	w.raw_len = len;
	ck_assert_uint_eq(s_value(st, 5001, NULL), 1);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	{
		char v[32];

		s_ipv4(5001, v);
		ck_assert_int_eq(store_value(t, IT_IPV4, v, strlen(v),
		    s_opened_cb, &w, NULL), 0);
	}
	ck_assert_int_eq(store_get(t, id, &r), 0);
	s_check_opened(&w, &r);
	ck_assert_int_eq(store_get_seq(t, ident_public(a.id), 1, &r), 0);
	s_check_opened(&w, &r);
	ck_assert_int_eq(store_range(t, ident_public(a.id), 1, s_opened_cb,
	    &w), 0);
	ck_assert_int_eq(store_changes(t, 0, 0, s_opened_change, &w), 0);
	store_read_end(&t);
	ck_assert_int_eq(w.n, 5);
	ck_assert_uint_eq(s_opened_count(st), 1);
	/* A late copy is a duplicate, before anything is opened again. */
	op.calls = 0;
	ck_assert_int_eq(s_put(st, p, len, &res), KY_EDUP);
	ck_assert_int_eq(op.calls, 0);

	/* Not addressed to us: kept whole for relaying, not indexed. */
	s_plain_ind(5003, 80, plain2);
	q = s_next_sealed(&a, RK_INDICATOR, TLP_RED, T0 + 5000, plain2,
	    only_other, 1, &qlen);
	tu_id(q, qid);
	ck_assert_int_eq(s_put(st, q, qlen, &res), 0);
	ck_assert_uint_eq(res.flags & (STORE_R_SEALED | STORE_R_OPENED |
	    STORE_R_STUB), STORE_R_SEALED);
	ck_assert(!s_read_opened(st, qid, &blen, &rlen));
	ck_assert_int_eq(rlen, (long)qlen);
	ck_assert_uint_eq(blen, qlen - RECORD_STUB_LEN);
	ck_assert_uint_eq(s_value(st, 5003, NULL), 0);
	free(q);

	/* Opened, but the plaintext is refused: whole, unopened. */
	s_plain_ind(5004, 200, bad);
	q = s_next_sealed(&a, RK_INDICATOR, TLP_AMBER_STRICT, T0 + 5000, bad,
	    to, 2, &qlen);
	tu_id(q, qid);
	ck_assert_int_eq(s_put(st, q, qlen, &res), 0);
	ck_assert_uint_eq(res.flags & (STORE_R_SEALED | STORE_R_OPENED |
	    STORE_R_STUB), STORE_R_SEALED);
	ck_assert_ptr_nonnull(strstr(res.why, "not opened"));
	ck_assert_ptr_nonnull(strstr(res.detail, "confidence"));
	ck_assert(!s_read_opened(st, qid, NULL, &rlen));
	ck_assert_int_eq(rlen, (long)qlen);
	ck_assert_uint_eq(s_value(st, 5004, NULL), 0);
	free(q);

	/* A plain body where a sealed one is due: refused, kept as stub. */
	b.seq = 1;
	q = tu_record(b.id, RK_INDICATOR, TLP_AMBER, b.seq, NULL, T0 - 999,
	    T0 + 5000, plain2, &qlen);
	tu_id(q, b.prev);
	ck_assert_int_eq(s_put(st, q, qlen, &res), KY_EINVAL);
	ck_assert_str_eq(res.why, "body: an AMBER, AMBER+STRICT or RED body "
	    "must be sealed");
	ck_assert_uint_eq(res.flags & STORE_R_STUB, STORE_R_STUB);
	free(q);

	/* A sealed sighting by type and value counts as a reporter. */
	{
		char sight[256], v[32];
		uint8_t *sr;
		size_t sl;

		s_ipv4(5001, v);
		snprintf(sight, sizeof(sight), "{\"type\":\"ipv4\",\"value\":"
		    "\"%s\",\"verdict\":\"seen\"}", v);
		sr = s_next_sealed(&b, RK_SIGHTING, TLP_AMBER, T0 + 5000,
		    sight, to, 2, &sl);
		ck_assert_int_eq(s_put(st, sr, sl, &res), 0);
		ck_assert_uint_eq(res.flags & STORE_R_OPENED, STORE_R_OPENED);
		ck_assert_uint_eq(s_value(st, 5001, NULL), 2);
		free(sr);
	}
	ck_assert_uint_eq(s_opened_count(st), 2);
	s_fsck_clean(st);

	/* Expiry takes the plaintext along. */
	ck_assert_int_eq(store_sweep(st, T0 + 100, 0, &swept, &why), 0);
	ck_assert_uint_eq(swept, 1);
	ck_assert(!s_read_opened(st, id, &blen, &rlen));
	ck_assert_int_eq(rlen, RECORD_STUB_LEN);
	ck_assert_uint_eq(blen, 0);
	ck_assert_uint_eq(s_value(st, 5001, NULL), 1);
	ck_assert_uint_eq(s_opened_count(st), 1);
	s_fsck_clean(st);

	/* So does a retraction by the origin. */
	s_plain_ind(5002, 70, plain2);
	q = s_next_sealed(&a, RK_INDICATOR, TLP_AMBER, T0 + 9000, plain2, to,
	    2, &qlen);
	tu_id(q, qid);
	s_put_ok(st, q, qlen);
	ck_assert_uint_eq(s_value(st, 5002, NULL), 1);
	ck_assert(s_read_opened(st, qid, NULL, NULL));
	ck_assert_uint_eq(s_opened_count(st), 2);
	free(q);
	q = s_retraction(&a, qid, &qlen);
	ck_assert_int_eq(s_put(st, q, qlen, &res), 0);
	ck_assert_uint_eq(res.flags & STORE_R_RETRACT, STORE_R_RETRACT);
	ck_assert(!s_read_opened(st, qid, NULL, &rlen));
	ck_assert_int_eq(rlen, RECORD_STUB_LEN);
	ck_assert_uint_eq(s_value(st, 5002, NULL), 0);
	ck_assert_uint_eq(s_opened_count(st), 1);
	free(q);
	s_fsck_clean(st);
	store_close(&st);

	/* A stub first, then the whole record: filled in and opened. */
	tu_rmrf(dir);
	st = s_open(dir);
	store_set_opener(st, s_opener, &op);
	ck_assert_int_eq(s_put(st, p, RECORD_STUB_LEN, &res), 0);
	ck_assert_uint_eq(s_value(st, 5001, NULL), 0);
	ck_assert_int_eq(s_put(st, p, len, &res), 0);
	ck_assert_uint_eq(res.flags & (STORE_R_FILLED | STORE_R_SEALED |
	    STORE_R_OPENED), STORE_R_FILLED | STORE_R_SEALED | STORE_R_OPENED);
	ck_assert_uint_eq(s_value(st, 5001, NULL), 1);
	w.n = 0;
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_get(t, id, &r), 0);
	s_check_opened(&w, &r);
	store_read_end(&t);
	s_fsck_clean(st);
	store_close(&st);

	/* A reader process sees the opened plaintext too, with no opener. */
	st = s_open_opts(dir, STORE_RDONLY, NULL);
	ck_assert(s_read_opened(st, id, &blen, NULL));
	ck_assert_uint_eq(blen, strlen(plain));
	ck_assert_uint_eq(s_value(st, 5001, NULL), 1);
	store_close(&st);

	free(p);
	ident_destroy(&op.me);
	ident_destroy(&other);
	ident_destroy(&a.id);
	ident_destroy(&b.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A relay, or a node without its opener: the ciphertext is kept whole
 * and forwarded as is, and nothing of it is indexed. */
START_TEST(test_sealed_relay)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct ident *me = tu_ident(45);
	struct store_result res;
	struct store_txn *t;
	struct record r;
	struct chain a;
	uint8_t to[1][32], *p, id[RECORD_ID_LEN];
	char plain[512];
	size_t len;
	const char *why;

	s_chain(&a, 44);
	memcpy(to[0], ident_public(me), 32);
	s_plain_ind(6001, 80, plain);
	p = s_next_sealed(&a, RK_INDICATOR, TLP_AMBER, T0 + 100, plain, to, 1,
	    &len);
	tu_id(p, id);
	ck_assert_int_eq(s_put(st, p, len, &res), 0);
	ck_assert_uint_eq(res.flags & (STORE_R_SEALED | STORE_R_OPENED |
	    STORE_R_STUB), STORE_R_SEALED);
	ck_assert_uint_eq(s_value(st, 6001, NULL), 0);
	ck_assert_uint_eq(s_opened_count(st), 0);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(store_get(t, id, &r), 0);
	ck_assert(!r.opened);
	ck_assert_uint_eq(r.raw_len, len);
	ck_assert_mem_eq(r.raw, p, len);
	ck_assert_ptr_eq(r.body, r.raw + RECORD_STUB_LEN);
	ck_assert_int_eq(record_verify(&r, &why), 0);
	store_read_end(&t);
	s_fsck_clean(st);
	/* An opener set later does not reach records already held. */
	{
		struct opener op = { .me = me };

		store_set_opener(st, s_opener, &op);
		ck_assert_int_eq(s_put(st, p, len, &res), KY_EDUP);
		ck_assert_int_eq(op.calls, 0);
		ck_assert_uint_eq(s_value(st, 6001, NULL), 0);
		store_set_opener(st, NULL, NULL);
	}
	/* Expiry prunes an unopened sealed body like any other. */
	ck_assert_int_eq(store_sweep(st, T0 + 100, 0, NULL, &why), 0);
	ck_assert_int_eq(s_stored_len(st, id), RECORD_STUB_LEN);
	s_fsck_clean(st);
	store_close(&st);
	free(p);
	ident_destroy(&me);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* Stores made before "opened" existed still open, read-only too; fsck
 * finds a plaintext left behind by a pruned record. */
START_TEST(test_sealed_schema)
{
	char *dir = tu_tmpdir("store");
	struct store *st = s_open(dir);
	struct opener op = { .me = tu_ident(47) };
	struct store_result res;
	struct chain a;
	uint8_t to[1][32], *p, id[RECORD_ID_LEN];
	char plain[512], report[4096];
	const char *why;
	size_t len;
	uint64_t rowid = 1;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { sizeof(rowid), &rowid }, v;

	s_chain(&a, 46);
	p = s_next(&a, 1, &len);
	s_put_ok(st, p, len);
	free(p);
	store_close(&st);
	s_raw_env(dir, &env, &txn);
	ck_assert_int_eq(mdb_dbi_open(txn, "opened", 0, &dbi), 0);
	ck_assert_int_eq(mdb_drop(txn, dbi, 1), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	/* Read-only: no "opened" at all, and that is fine. */
	st = s_open_opts(dir, STORE_RDONLY, NULL);
	ck_assert_uint_eq(s_value(st, 1, NULL), 1);
	ck_assert_uint_eq(s_opened_count(st), 0);
	s_fsck_clean(st);
	store_close(&st);
	/* Writable: created on open. */
	st = s_open_opts(dir, 0, NULL);
	store_set_opener(st, s_opener, &op);
	memcpy(to[0], ident_public(op.me), 32);
	s_plain_ind(7001, 80, plain);
	p = s_next_sealed(&a, RK_INDICATOR, TLP_RED,
	    T0 + 100, plain, to, 1, &len);
	tu_id(p, id);
	ck_assert_int_eq(s_put(st, p, len, &res), 0);
	ck_assert_uint_eq(res.flags & STORE_R_OPENED, STORE_R_OPENED);
	ck_assert(s_read_opened(st, id, NULL, NULL));
	ck_assert_uint_eq(s_opened_count(st), 1);
	s_fsck_clean(st);
	ck_assert_int_eq(store_sweep(st, T0 + 100, 0, NULL, &why), 0);
	ck_assert_uint_eq(s_opened_count(st), 0);
	s_fsck_clean(st);
	store_close(&st);
	/* Plaintexts left behind by hand: for the clear record (rowid 1),
	 * for the swept sealed one (rowid 2, a stub now), for no record. */
	s_raw_env(dir, &env, &txn);
	ck_assert_int_eq(mdb_dbi_open(txn, "opened", MDB_INTEGERKEY, &dbi), 0);
	v.mv_data = plain;
	v.mv_size = strlen(plain);
	for (uint64_t i = 0; i < 3; i++) {
		rowid = i < 2 ? i + 1 : 99;
		ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	st = s_open_opts(dir, 0, NULL);
	ck_assert_int_eq(s_fsck(st, STORE_FSCK_QUICK, report), 4);
	ck_assert_msg(strstr(report, "opened: plaintext of record 1, which "
	    "has no sealed body") != NULL, "%s", report);
	ck_assert_msg(strstr(report, "opened: plaintext of record 2, which "
	    "is only a stub (pruned)") != NULL, "%s", report);
	ck_assert_msg(strstr(report, "opened: plaintext of record 99, which "
	    "is not held") != NULL, "%s", report);
	ck_assert_msg(strstr(report, "opened: 3 plaintexts, 0 belong to "
	    "records") != NULL, "%s", report);
	store_close(&st);
	free(p);
	ident_destroy(&op.me);
	ident_destroy(&a.id);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

static Suite *
s_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_dup_before_verify);
	tcase_add_test(tc, test_equivocation);
	tcase_add_test(tc, test_out_of_order);
	tcase_add_test(tc, test_range_order);
	tcase_add_test(tc, test_value_index);
	tcase_add_test(tc, test_sweep_and_changes);
	tcase_add_test(tc, test_prune_reclaims);
	tcase_add_test(tc, test_retraction);
	tcase_add_test(tc, test_stubs);
	tcase_add_test(tc, test_bad_records_in_batch);
	tcase_add_test(tc, test_index_runs);
	tcase_add_test(tc, test_map_growth);
	tcase_add_test(tc, test_schema_version);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_reader_map_resized);
	tcase_add_test(tc, test_fsck);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_full_disk);
	tcase_add_test(tc, test_sealed_opened);
	tcase_add_test(tc, test_sealed_relay);
	tcase_add_test(tc, test_sealed_schema);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	sr = srunner_create(s_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * store_ingest.c - the batch writer: decode, dedupe, verify, parse and
 * index many records in one write transaction, then one commit.
 *
 * Cost model (docs/store.md has the figures): Ed25519 dominates, so what
 * is left must stay within a few microseconds per record.  Hence
 *   - a duplicate is recognised from the header bytes held at
 *     (origin, seq), before any hashing or signature check, and a record
 *     above the origin's highest seq needs no lookup at all;
 *   - heads are read once per batch into a small table and written once;
 *   - records, changes (and, in order, log and expiry) are appended with
 *     MDB_APPEND, which fills pages instead of splitting them in half;
 *   - the two random-key indexes go to small active runs (store_ix.c).
 */
#include <errno.h>
#include <stdlib.h>

#include <cJSON.h>
#include <sodium.h>

#include "node/store_int.h"
#include "protocol/body.h"
#include "protocol/json.h"
#include "protocol/seal.h"

/* One origin's head while a batch runs. */
struct hc {
	uint8_t origin[RECORD_KEY_LEN];
	struct head_v hv;
	bool used;		/* slot taken */
	bool exists;		/* in the heads db or created in this batch */
	bool dirty;		/* to be written at the end */
};

/* The last key of a database, to know when a put may append. */
struct lastkey {
	uint8_t key[16];
	size_t len;		/* 0: the database is empty */
};

/* Verification outcome kept across a retry after MDB_MAP_FULL. */
enum { V_UNKNOWN = 0, V_OK = 1, V_BAD = 2 };

struct batch {
	struct store *s;
	MDB_txn *txn;
	MDB_cursor *crec, *clog, *cexp, *cchg;
	struct lastkey log_last, exp_last;
	const uint8_t *const *bufs;
	const size_t *lens;
	size_t n;
	struct store_result *res;
	uint8_t *vstate;	/* V_* per record */
	const char **vwhy;	/* why of a V_BAD */
	int *vrc;		/* code of a V_BAD */
	struct hc *hc;		/* open-addressed, hcap slots */
	size_t hcap;
	uint64_t now;
	uint64_t next_row, next_chg;
	uint32_t next_onum;
	bool onum_dirty;
	struct ix_state ids, vals;
	bool any_retracted;	/* retracted db not empty: look ids up */
	struct store_prof *prof;
};

#define PROF_T0(b)	double t0_ = (b)->prof ? store_clock() : 0
#define PROF_ADD(b, f)	do { if ((b)->prof) { double t1_ = store_clock(); \
	(b)->prof->f += t1_ - t0_; t0_ = t1_; } } while (0)

static struct hc *
s_hc_slot(struct batch *b, const uint8_t origin[RECORD_KEY_LEN])
{
	size_t i = (size_t)u64_get(origin) & (b->hcap - 1);

	while (b->hc[i].used && memcmp(b->hc[i].origin, origin,
	    RECORD_KEY_LEN) != 0)
		i = (i + 1) & (b->hcap - 1);
	return &b->hc[i];
}

/* The cached head of origin, read from the db on first use. */
static int
s_head(struct batch *b, const uint8_t origin[RECORD_KEY_LEN], struct hc **out)
{
	struct hc *h = s_hc_slot(b, origin);
	int rc;

	if (!h->used) {
		h->used = true;
		memcpy(h->origin, origin, RECORD_KEY_LEN);
		rc = store_head_get(b->txn, b->s, origin, &h->hv);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		h->exists = rc == 0;
		if (!h->exists)
			memset(&h->hv, 0, sizeof(h->hv));
	}
	*out = h;
	return 0;
}

static void
s_log_key(uint8_t key[12], uint32_t onum, uint64_t seq)
{
	be32_put(key, onum);
	be64_put(key + 4, seq);
}

static int
s_lastkey(MDB_cursor *c, struct lastkey *lk)
{
	MDB_val k, v;
	int rc = mdb_cursor_get(c, &k, &v, MDB_LAST);

	lk->len = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (k.mv_size > sizeof(lk->key))
		return MDB_CORRUPTED;
	memcpy(lk->key, k.mv_data, k.mv_size);
	lk->len = k.mv_size;
	return 0;
}

/*
 * Appends when key sorts last (the usual case: pages stay full and the
 * put skips the search), else an ordinary insert.  Keys of one database
 * all have one length.
 */
static int
s_put_ordered(MDB_cursor *c, struct lastkey *lk, MDB_val *k, MDB_val *v)
{
	int rc;

	if (lk->len == 0 || memcmp(k->mv_data, lk->key, k->mv_size) > 0) {
		if ((rc = mdb_cursor_put(c, k, v, MDB_APPEND)) != 0)
			return rc;
		memcpy(lk->key, k->mv_data, k->mv_size);
		lk->len = k->mv_size;
		return 0;
	}
	return mdb_cursor_put(c, k, v, 0);
}

static int
s_change(struct batch *b, int op, uint64_t rowid)
{
	uint64_t cur = b->next_chg++, val = (uint64_t)op << CHG_OP_SHIFT | rowid;
	MDB_val k = { sizeof(cur), &cur }, v = { sizeof(val), &val };

	return mdb_cursor_put(b->cchg, &k, &v, MDB_APPEND);
}

static int
s_verify(struct batch *b, size_t i, const struct record *r)
{
	const char *why = NULL;

	if (b->vstate[i] == V_UNKNOWN) {
		PROF_T0(b);
		b->vrc[i] = record_verify(r, &why);
		b->vwhy[i] = why;
		b->vstate[i] = b->vrc[i] == 0 ? V_OK : V_BAD;
		PROF_ADD(b, verify);
	}
	if (b->vstate[i] == V_BAD) {
		b->res[i].rc = b->vrc[i];
		b->res[i].why = b->vwhy[i];
		return -1;
	}
	return 0;
}

/* Whether the target's own origin has retracted id. */
static int
s_is_retracted(struct batch *b, const uint8_t id[RECORD_ID_LEN],
    const uint8_t origin[RECORD_KEY_LEN], bool *yes)
{
	uint8_t key[2 * RECORD_ID_LEN];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	*yes = false;
	if (!b->any_retracted)
		return 0;
	memcpy(key, id, RECORD_ID_LEN);
	memcpy(key + RECORD_ID_LEN, origin, RECORD_KEY_LEN);
	rc = mdb_get(b->txn, b->s->retracted, &k, &v);
	*yes = rc == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Index entries of a record with a body: values (when it names one) and
 * expiry. */
static int
s_index_body(struct batch *b, const struct record *r, const cJSON *root,
    uint32_t onum, uint64_t rowid)
{
	uint8_t key[IX_KEY_MAX];
	const char *value;
	int type, rc;

	if (root != NULL && store_body_value(r, root, &type, &value) == 1) {
		store_vhash(b->s, type, value, strlen(value), key);
		be32_put(key + VHASH_LEN, onum);
		be64_put(key + VHASH_LEN + 4, rowid);
		if ((rc = store_ix_put(b->txn, &b->s->vals, &b->vals, key)) != 0)
			return rc;
	}
	if (r->h.expires != 0) {
		MDB_val k = { 16, key }, v = { 0, NULL };

		be64_put(key, r->h.expires);
		be64_put(key + 8, rowid);
		if ((rc = s_put_ordered(b->cexp, &b->exp_last, &k, &v)) != 0)
			return rc;
	}
	return 0;
}

static void
s_wipe(uint8_t **plain, size_t *len)
{
	if (*plain != NULL) {
		sodium_memzero(*plain, *len);
		free(*plain);
	}
	*plain = NULL;
	*len = 0;
}

/*
 * A sealed body, checked as an envelope already: asks the opener for the
 * plaintext and validates it as the kind's body.  When both pass, *root
 * is the plaintext's (it stands for the body in the indexes) and *plain
 * is to be kept in "opened"; otherwise both are NULL and the record is
 * kept unopened, as a relay keeps it.  Refusals only annotate res: the
 * envelope is valid and signed, so the record is stored whole either way.
 */
static void
s_unseal(struct batch *b, struct store_result *res, const struct record *r,
    cJSON **root, uint8_t **plain, size_t *plain_len)
{
	const char *why = NULL;

	*root = NULL;
	*plain = NULL;
	*plain_len = 0;
	res->flags |= STORE_R_SEALED;
	if (b->s->opener == NULL ||
	    b->s->opener(b->s->opener_ctx, r, plain, plain_len) != 0 ||
	    *plain == NULL) {
		*plain = NULL;	/* not for us: nothing was handed over */
		*plain_len = 0;
		return;
	}
	if (*plain_len == 0 || *plain_len > RECORD_BODY_MAX)
		why = "body: empty or over 64 KiB";
	else if (body_parse(r->h.kind, *plain, *plain_len, root, &why) == 0) {
		res->flags |= STORE_R_OPENED;
		return;
	}
	res->why = "sealed body stored whole but not opened: its plaintext "
	    "is refused (see detail)";
	res->detail = why;
	s_wipe(plain, plain_len);
}

/* Keeps an opened plaintext; rowids mostly grow, so mostly an append. */
static int
s_opened_put(struct batch *b, uint64_t rowid, const uint8_t *plain,
    size_t len)
{
	MDB_val k = { sizeof(rowid), &rowid }, v = { len, (void *)plain };
	int rc;

	if (!b->s->has_opened)
		return MDB_CORRUPTED;	/* a writable open always creates it */
	rc = mdb_put(b->txn, b->s->opened, &k, &v, MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		rc = mdb_put(b->txn, b->s->opened, &k, &v, 0);
	return rc;
}

/*
 * A retraction with a parsed body: prune the target if its origin wrote
 * this, or remember the id until the target arrives.
 */
static int
s_retract(struct batch *b, struct store_result *res, const struct record *r,
    const cJSON *root, uint64_t rowid)
{
	const cJSON *ref = json_get(root, "ref");
	uint8_t key[2 * RECORD_ID_LEN];
	uint64_t trow;
	struct record tr;
	struct hc *th;
	MDB_val tv, k = { sizeof(key), key }, v = { sizeof(rowid), &rowid };
	int rc;

	if (!cJSON_IsString(ref) ||
	    record_unhex(ref->valuestring, key, RECORD_ID_LEN) != 0)
		return 0;	/* body_validate let it through: cannot happen */
	memcpy(key + RECORD_ID_LEN, r->h.origin, RECORD_KEY_LEN);
	rc = store_id_find(b->txn, b->s, &b->ids, key, &trow, &tv);
	if (rc == MDB_NOTFOUND) {
		res->flags |= STORE_R_RETRACT;
		res->why = "retraction stored; its target is not held yet";
		b->any_retracted = true;
		return mdb_put(b->txn, b->s->retracted, &k, &v, 0);
	}
	if (rc != 0)
		return rc;
	if ((rc = store_decode_stored(&tv, &tr)) != 0)
		return rc;
	if (memcmp(tr.h.origin, r->h.origin, RECORD_KEY_LEN) != 0) {
		res->why = "retraction of another origin's record: "
		    "stored, no effect";
		return 0;
	}
	res->flags |= STORE_R_RETRACT;
	b->any_retracted = true;
	if ((rc = mdb_put(b->txn, b->s->retracted, &k, &v, 0)) != 0 ||
	    (rc = s_head(b, tr.h.origin, &th)) != 0)
		return rc;
	return store_prune(b->txn, b->s, &b->vals, trow, th->hv.onum,
	    STORE_OP_RETRACT, b->cchg, &b->next_chg, false);
}

/* Moves the head after storing r at seq; walks over a filled gap. */
static int
s_advance(struct batch *b, struct hc *h, const struct record *r,
    struct store_result *res)
{
	struct head_v *hv = &h->hv;
	uint8_t key[12], id[RECORD_ID_LEN];
	MDB_val k = { sizeof(key), key }, v, rv;
	int rc;

	h->dirty = true;
	if (r->h.seq > hv->max)
		hv->max = r->h.seq;
	if (r->h.seq != hv->contig + 1)
		return 0;
	if (hv->contig > 0 && memcmp(r->h.prev, hv->last_id,
	    RECORD_ID_LEN) != 0) {
		hv->flags |= STORE_HEAD_CHAIN;
		res->flags |= STORE_R_CHAIN;
	}
	hv->contig = r->h.seq;
	memcpy(hv->last_id, r->id, RECORD_ID_LEN);
	while (hv->max > hv->contig) {
		s_log_key(key, hv->onum, hv->contig + 1);
		if ((rc = mdb_get(b->txn, b->s->log, &k, &v)) == MDB_NOTFOUND)
			break;
		if (rc != 0)
			return rc;
		if (v.mv_size != 8)
			return MDB_CORRUPTED;
		if ((rc = store_rowid_get(b->txn, b->s, u64_get(v.mv_data),
		    &rv)) != 0)
			return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
		if (rv.mv_size < RECORD_STUB_LEN)
			return MDB_CORRUPTED;
		/* prev is at offset 52 of the header (docs/protocol.md). */
		if (memcmp((const uint8_t *)rv.mv_data + 52, hv->last_id,
		    RECORD_ID_LEN) != 0)
			hv->flags |= STORE_HEAD_CHAIN;
		crypto_generichash(id, sizeof(id), rv.mv_data,
		    RECORD_HEADER_LEN, NULL, 0);
		hv->contig++;
		memcpy(hv->last_id, id, RECORD_ID_LEN);
	}
	return 0;
}

/* The whole record for a stub we hold (same header, so same id). */
static int
s_fill(struct batch *b, size_t i, const struct record *r, uint64_t rowid,
    const MDB_val *stored, struct hc *h)
{
	struct store_result *res = &b->res[i];
	uint8_t stub[RECORD_STUB_LEN], hash[32], *plain = NULL;
	size_t plain_len = 0;
	cJSON *root = NULL;
	const char *why = NULL;
	bool retracted;
	MDB_val k = { sizeof(rowid), &rowid }, v;
	int rc;

	memcpy(stub, stored->mv_data, RECORD_STUB_LEN);
	/* The stored signature was verified and covers the body hash. */
	crypto_generichash(hash, sizeof(hash), r->body, r->h.body_len, NULL, 0);
	if (sodium_memcmp(hash, r->h.body_hash, sizeof(hash)) != 0) {
		res->rc = KY_EBADHASH;
		res->why = "record: body hash mismatch";
		return 0;
	}
	if (record_is_expired(&r->h, b->now)) {
		res->rc = KY_EDUP;
		res->why = "already held as a stub; the body has expired";
		return 0;
	}
	if ((rc = s_is_retracted(b, r->id, r->h.origin, &retracted)) != 0)
		return rc;
	if (retracted) {
		res->rc = KY_EDUP;
		res->why = "already held as a stub; retracted by its origin";
		return 0;
	}
	{
		PROF_T0(b);
		rc = body_parse_record(&r->h, r->body, r->h.body_len, &root,
		    &why);
		if (rc == 0 && seal_required(&r->h)) {
			cJSON_Delete(root);
			s_unseal(b, res, r, &root, &plain, &plain_len);
		}
		PROF_ADD(b, parse);
	}
	if (rc != 0) {
		res->rc = rc;
		res->why = why;
		return 0;
	}
	v.mv_size = r->raw_len;
	if ((rc = mdb_del(b->txn, b->s->stubs, &k, NULL)) != 0 ||
	    (rc = mdb_put(b->txn, b->s->records, &k, &v, MDB_RESERVE)) != 0)
		goto out;
	memcpy(v.mv_data, stub, RECORD_STUB_LEN);
	memcpy((uint8_t *)v.mv_data + RECORD_STUB_LEN, r->body, r->h.body_len);
	if ((rc = s_index_body(b, r, root, h->hv.onum, rowid)) != 0 ||
	    (plain != NULL && (rc = s_opened_put(b, rowid, plain,
	    plain_len)) != 0) ||
	    (rc = s_change(b, STORE_OP_FILL, rowid)) != 0)
		goto out;
	res->flags |= STORE_R_FILLED;
	if (res->why == NULL)
		res->why = "body filled in for a stub already held";
	if (r->h.kind == RK_RETRACTION)
		rc = s_retract(b, res, r, root, rowid);
out:
	s_wipe(&plain, &plain_len);
	cJSON_Delete(root);
	return rc;
}

/* A different record at an (origin, seq) we hold: evidence, once. */
static int
s_fork(struct batch *b, size_t i, const struct record *r, struct hc *h)
{
	uint8_t key[RECORD_KEY_LEN + 8 + RECORD_ID_LEN];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	memcpy(key, r->h.origin, RECORD_KEY_LEN);
	be64_put(key + RECORD_KEY_LEN, r->h.seq);
	memcpy(key + RECORD_KEY_LEN + 8, r->id, RECORD_ID_LEN);
	if ((rc = mdb_get(b->txn, b->s->forks, &k, &v)) == 0) {
		b->res[i].rc = KY_EDUP;
		b->res[i].why = "equivocation evidence already held";
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	if (s_verify(b, i, r) != 0)
		return 0;
	v.mv_data = (void *)r->raw;
	v.mv_size = r->raw_len;
	if ((rc = mdb_put(b->txn, b->s->forks, &k, &v, 0)) != 0)
		return rc;
	h->hv.flags |= STORE_HEAD_FORK;
	h->dirty = true;
	b->res[i].rc = KY_EFORK;
	b->res[i].why = "equivocation: origin signed another record at this "
	    "seq; kept as evidence, not served";
	return 0;
}

/* One record.  Refusals go to res[i]; a non-zero return fails the batch. */
static int
s_one(struct batch *b, size_t i)
{
	struct store_result *res = &b->res[i];
	struct record r;
	struct hc *h;
	cJSON *root = NULL;
	const char *why = NULL;
	uint8_t key[IX_KEY_MAX], *plain = NULL;
	size_t plain_len = 0;
	bool keep, retracted;
	uint64_t rowid;
	MDB_val k, v;
	int rc;

	{
		PROF_T0(b);
		rc = record_decode(b->bufs[i], b->lens[i], &r, &why);
		PROF_ADD(b, decode);
	}
	if (rc != 0) {
		res->rc = rc;
		res->why = why;
		return 0;
	}
	memcpy(res->id, r.id, RECORD_ID_LEN);
	{
		PROF_T0(b);
		if ((rc = s_head(b, r.h.origin, &h)) != 0)
			return rc;
		/* Above the highest seq held: new, no lookup needed. */
		if (h->exists && r.h.seq <= h->hv.max) {
			s_log_key(key, h->hv.onum, r.h.seq);
			k.mv_data = key;
			k.mv_size = 12;
			rc = mdb_get(b->txn, b->s->log, &k, &v);
			if (rc == 0) {
				MDB_val sv;

				if (v.mv_size != 8)
					return MDB_CORRUPTED;
				rowid = u64_get(v.mv_data);
				if ((rc = store_rowid_get(b->txn, b->s, rowid,
				    &sv)) != 0)
					return rc == MDB_NOTFOUND ?
					    MDB_CORRUPTED : rc;
				if (sv.mv_size < RECORD_STUB_LEN)
					return MDB_CORRUPTED;
				PROF_ADD(b, dedupe);
				if (memcmp(sv.mv_data, r.raw,
				    RECORD_HEADER_LEN) != 0)
					return s_fork(b, i, &r, h);
				if (sv.mv_size == RECORD_STUB_LEN &&
				    r.body != NULL)
					return s_fill(b, i, &r, rowid, &sv, h);
				res->rc = KY_EDUP;
				res->why = "already held";
				return 0;
			}
			if (rc != MDB_NOTFOUND)
				return rc;
		}
		PROF_ADD(b, dedupe);
	}
	if (s_verify(b, i, &r) != 0)
		return 0;

	keep = r.body != NULL;
	if (!keep)
		res->flags |= STORE_R_STUB;
	if (keep && record_is_expired(&r.h, b->now)) {
		keep = false;
		res->flags |= STORE_R_STUB;
		res->why = "expired on arrival: stored as a stub";
	}
	if (keep) {
		if ((rc = s_is_retracted(b, r.id, r.h.origin, &retracted)) != 0)
			return rc;
		if (retracted) {
			keep = false;
			res->flags |= STORE_R_STUB;
			res->why = "retracted by its origin: stored as a stub";
		}
	}
	if (keep) {
		PROF_T0(b);
		rc = body_parse_record(&r.h, r.body, r.h.body_len, &root, &why);
		if (rc == 0 && seal_required(&r.h)) {
			cJSON_Delete(root);
			s_unseal(b, res, &r, &root, &plain, &plain_len);
		}
		PROF_ADD(b, parse);
		if (rc != 0) {
			/* Signed by its origin, so keep the chain whole. */
			keep = false;
			res->rc = rc;
			res->why = why;
			res->flags |= STORE_R_STUB;
		}
	}

	PROF_T0(b);
	if (!h->exists) {
		if (b->next_onum == UINT32_MAX) {
			rc = MDB_MAP_FULL;
			goto out;
		}
		h->hv.onum = b->next_onum++;
		b->onum_dirty = true;
		h->exists = true;
		h->dirty = true;
	}
	rowid = b->next_row++;
	k.mv_data = &rowid;
	k.mv_size = sizeof(rowid);
	v.mv_data = (void *)r.raw;
	v.mv_size = r.raw_len;
	if (keep)
		rc = mdb_cursor_put(b->crec, &k, &v, MDB_APPEND);
	else
		rc = store_stub_put(b->txn, b->s, rowid, r.raw);
	if (rc != 0)
		goto out;
	s_log_key(key, h->hv.onum, r.h.seq);
	k.mv_data = key;
	k.mv_size = 12;
	v.mv_data = &rowid;
	v.mv_size = sizeof(rowid);
	if ((rc = s_put_ordered(b->clog, &b->log_last, &k, &v)) != 0)
		goto out;
	memcpy(key, r.id, ID_PREFIX_LEN);
	be64_put(key + ID_PREFIX_LEN, rowid);
	if ((rc = store_ix_put(b->txn, &b->s->ids, &b->ids, key)) != 0)
		goto out;
	if (keep && (rc = s_index_body(b, &r, root, h->hv.onum, rowid)) != 0)
		goto out;
	if (plain != NULL && (rc = s_opened_put(b, rowid, plain,
	    plain_len)) != 0)
		goto out;
	if ((rc = s_change(b, STORE_OP_ADD, rowid)) != 0)
		goto out;
	if ((rc = s_advance(b, h, &r, res)) != 0)
		goto out;
	if (keep && r.h.kind == RK_RETRACTION)
		rc = s_retract(b, res, &r, root, rowid);
	PROF_ADD(b, put);
out:
	s_wipe(&plain, &plain_len);
	cJSON_Delete(root);
	return rc;
}

static int
s_last_u64(MDB_cursor *c, uint64_t *next)
{
	MDB_val k, v;
	int rc = mdb_cursor_get(c, &k, &v, MDB_LAST);

	if (rc == MDB_NOTFOUND) {
		*next = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (k.mv_size != 8)
		return MDB_CORRUPTED;
	*next = u64_get(k.mv_data) + 1;
	return 0;
}

/* Rowids are never reused: one past the last record or stub. */
static int
s_next_row(struct batch *b)
{
	MDB_cursor *c;
	uint64_t stubs = 0;
	int rc;

	if ((rc = s_last_u64(b->crec, &b->next_row)) != 0 ||
	    (rc = mdb_cursor_open(b->txn, b->s->stubs, &c)) != 0)
		return rc;
	rc = s_last_u64(c, &stubs);
	mdb_cursor_close(c);
	if (rc == 0 && stubs > b->next_row)
		b->next_row = stubs;
	return rc;
}

static int
s_load(struct batch *b)
{
	struct store *s = b->s;
	MDB_val k = { 4, "onum" }, v;
	MDB_stat ms;
	int rc;

	if ((rc = mdb_cursor_open(b->txn, s->records, &b->crec)) != 0 ||
	    (rc = mdb_cursor_open(b->txn, s->log, &b->clog)) != 0 ||
	    (rc = mdb_cursor_open(b->txn, s->expiry, &b->cexp)) != 0 ||
	    (rc = mdb_cursor_open(b->txn, s->changes, &b->cchg)) != 0 ||
	    (rc = s_next_row(b)) != 0 ||
	    (rc = s_last_u64(b->cchg, &b->next_chg)) != 0 ||
	    (rc = s_lastkey(b->clog, &b->log_last)) != 0 ||
	    (rc = s_lastkey(b->cexp, &b->exp_last)) != 0 ||
	    (rc = store_ix_load(b->txn, s->meta, &s->ids, &b->ids)) != 0 ||
	    (rc = store_ix_load(b->txn, s->meta, &s->vals, &b->vals)) != 0 ||
	    (rc = mdb_stat(b->txn, s->retracted, &ms)) != 0)
		return rc;
	b->any_retracted = ms.ms_entries > 0;
	if ((rc = mdb_get(b->txn, s->meta, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	if (v.mv_size != 4)
		return MDB_CORRUPTED;
	b->next_onum = be32_get(v.mv_data);
	b->onum_dirty = false;
	return 0;
}

/* Writes what the batch cached: heads, the origin counter, index states. */
static int
s_flush(struct batch *b)
{
	struct store *s = b->s;
	uint8_t onum[4];
	bool changed = false;
	int rc;

	for (size_t i = 0; i < b->hcap; i++) {
		struct hc *h = &b->hc[i];
		MDB_val k = { RECORD_KEY_LEN, h->origin },
		    v = { sizeof(h->hv), &h->hv };

		if (h->used && h->dirty &&
		    (rc = mdb_put(b->txn, s->heads, &k, &v, 0)) != 0)
			return rc;
	}
	if (b->onum_dirty) {
		MDB_val k = { 4, "onum" }, v = { 4, onum };

		be32_put(onum, b->next_onum);
		if ((rc = mdb_put(b->txn, s->meta, &k, &v, 0)) != 0)
			return rc;
	}
	if ((rc = store_ix_seal(b->txn, &s->ids, &b->ids, s->run_entries,
	    &changed)) != 0 ||
	    (changed && (rc = store_ix_save(b->txn, s->meta, &s->ids,
	    &b->ids)) != 0))
		return rc;
	changed = false;
	if ((rc = store_ix_seal(b->txn, &s->vals, &b->vals, s->run_entries,
	    &changed)) != 0 ||
	    (changed && (rc = store_ix_save(b->txn, s->meta, &s->vals,
	    &b->vals)) != 0))
		return rc;
	return 0;
}

/* One try at the whole batch; MDB_MAP_FULL means grow and call again. */
static int
s_attempt(struct batch *b)
{
	int rc;

	memset(b->res, 0, b->n * sizeof(*b->res));
	memset(b->hc, 0, b->hcap * sizeof(*b->hc));
	b->crec = b->clog = b->cexp = b->cchg = NULL;
	if ((rc = store_wbegin(b->s, &b->txn)) != 0)
		return rc;
	if ((rc = s_load(b)) != 0)
		goto abort;
	for (size_t i = 0; i < b->n; i++)
		if ((rc = s_one(b, i)) != 0)
			goto abort;
	{
		PROF_T0(b);
		rc = s_flush(b);
		PROF_ADD(b, put);
	}
	if (rc != 0)
		goto abort;
	{
		PROF_T0(b);
		rc = mdb_txn_commit(b->txn);	/* aborts by itself on error */
		PROF_ADD(b, commit);
	}
	b->txn = NULL;
	return rc;
abort:
	mdb_txn_abort(b->txn);	/* closes the write txn's cursors */
	b->txn = NULL;
	return rc;
}

/* Merges full index runs in a transaction of their own, so that the
 * batch was acknowledged first. */
static int
s_merge(struct store *s, struct store_prof *prof)
{
	struct ix_state ids, vals;
	double t0 = prof ? store_clock() : 0;
	MDB_txn *txn;
	int rc;

	for (;;) {
		if ((rc = store_wbegin(s, &txn)) != 0)
			return rc;
		if ((rc = store_ix_load(txn, s->meta, &s->ids, &ids)) != 0 ||
		    (rc = store_ix_load(txn, s->meta, &s->vals, &vals)) != 0)
			goto abort;
		if (!store_ix_needs_merge(&ids) && !store_ix_needs_merge(&vals)) {
			mdb_txn_abort(txn);
			return 0;
		}
		if ((rc = store_ix_merge(txn, &s->ids, &ids)) != 0 ||
		    (rc = store_ix_save(txn, s->meta, &s->ids, &ids)) != 0 ||
		    (rc = store_ix_merge(txn, &s->vals, &vals)) != 0 ||
		    (rc = store_ix_save(txn, s->meta, &s->vals, &vals)) != 0)
			goto abort;
		rc = mdb_txn_commit(txn);
		if (rc == MDB_MAP_FULL && (rc = store_grow(s)) == 0)
			continue;
		break;
abort:
		mdb_txn_abort(txn);
		if (rc == MDB_MAP_FULL && (rc = store_grow(s)) == 0)
			continue;
		break;
	}
	if (prof != NULL && rc == 0) {
		prof->merge += store_clock() - t0;
		prof->merges++;
	}
	return rc;
}

int
store_ingest(struct store *s, const uint8_t *const *bufs, const size_t *lens,
    size_t n, uint64_t now, struct store_result *res, const char **why)
{
	struct batch b = { .s = s, .bufs = bufs, .lens = lens, .n = n,
	    .res = res, .now = now, .prof = s->prof };
	size_t cap = 16;
	int rc, code;

	*why = NULL;
	if (s->flags & STORE_RDONLY) {
		*why = "store opened read-only";
		code = KY_EPERM;
		goto fail_all;
	}
	if (n == 0)
		return 0;
	while (cap < 2 * n)
		cap *= 2;
	b.hcap = cap;
	b.hc = malloc(cap * sizeof(*b.hc));
	b.vstate = calloc(n, 1);
	b.vwhy = calloc(n, sizeof(*b.vwhy));
	b.vrc = calloc(n, sizeof(*b.vrc));
	if (b.hc == NULL || b.vstate == NULL || b.vwhy == NULL || b.vrc == NULL) {
		rc = ENOMEM;
		goto done;
	}
	if (b.prof != NULL)
		b.prof->records += n;
	while ((rc = s_attempt(&b)) == MDB_MAP_FULL) {
		if ((rc = store_grow(s)) != 0)
			break;
		if (b.prof != NULL)
			b.prof->regrows++;
	}
	if (rc == 0 && b.prof != NULL)
		b.prof->batches++;
done:
	free(b.hc);
	free(b.vstate);
	free(b.vwhy);
	free(b.vrc);
	if (rc == 0) {
		/* Acknowledged; a failed merge is retried next time. */
		if ((store_ix_needs_merge(&b.ids) ||
		    store_ix_needs_merge(&b.vals)) && s_merge(s, b.prof) != 0)
			*why = "batch stored; index merge postponed";
		return 0;
	}
	code = store_err(s, rc, why);
	if (rc == MDB_MAP_FULL && atomic_load(&s->readers) != 0)
		*why = "store map full and it cannot grow while this process "
		    "has a read transaction open";
fail_all:
	for (size_t i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		res[i].rc = code;
		res[i].why = *why;
	}
	return code;
}

/*
 * store_fsck.c - checking the store against itself, and its figures.
 *
 * fsck walks every database once in one snapshot.  Each record must
 * decode, hash and verify, and have every entry it implies (log, ids,
 * values, expiry); each entry (an opened plaintext too) must point at a
 * record that implies it;
 * the entry counts must match, so no entry is held twice; heads must
 * agree with the log.  Problems are reported one line each and counted;
 * fsck never repairs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cJSON.h>
#include <sodium.h>

#include "node/store_int.h"
#include "protocol/body.h"
#include "protocol/seal.h"

struct fsck {
	struct store *s;
	struct store_txn *t;
	MDB_txn *txn;
	unsigned flags;
	store_problem_fn cb;
	void *ctx;
	long problems;
	uint64_t records, vals_expected, exp_expected, opened;
};

static void __attribute__((format(printf, 2, 3)))
s_problem(struct fsck *f, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	f->problems++;
	if (f->cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	f->cb(f->ctx, buf);
}

static const char *
s_hex8(const uint8_t *p, char out[17])
{
	record_hex(p, 8, out);
	return out;
}

/* The record at rowid, decoded; 0, MDB_NOTFOUND or MDB_CORRUPTED. */
static int
s_rec(struct fsck *f, uint64_t rowid, struct record *r)
{
	MDB_val v;
	int rc;

	if ((rc = store_rowid_get(f->txn, f->s, rowid, &v)) != 0)
		return rc;
	return store_decode_stored(&v, r);
}

static int
s_check_record(struct fsck *f, uint64_t rowid, const MDB_val *v)
{
	uint8_t key[IX_KEY_MAX], hash[32], lk[12];
	struct head_v hv;
	struct record r;
	cJSON *root = NULL;
	const char *why, *value;
	char hex[17];
	MDB_val k, lv;
	int rc, type;

	f->records++;
	if (record_decode(v->mv_data, v->mv_size, &r, &why) != 0) {
		s_problem(f, "record %llu: does not decode: %s",
		    (unsigned long long)rowid, why);
		return 0;
	}
	if (!(f->flags & STORE_FSCK_QUICK)) {
		if (record_verify(&r, &why) != 0)
			s_problem(f, "record %llu (%s): %s",
			    (unsigned long long)rowid, s_hex8(r.id, hex), why);
	} else if (r.body != NULL) {
		crypto_generichash(hash, sizeof(hash), r.body, r.h.body_len,
		    NULL, 0);
		if (memcmp(hash, r.h.body_hash, sizeof(hash)) != 0)
			s_problem(f, "record %llu (%s): body hash mismatch",
			    (unsigned long long)rowid, s_hex8(r.id, hex));
	}
	if ((rc = store_head_get(f->txn, f->s, r.h.origin, &hv)) != 0) {
		if (rc != MDB_NOTFOUND)
			return rc;
		s_problem(f, "record %llu (%s): its origin has no head",
		    (unsigned long long)rowid, s_hex8(r.id, hex));
		return 0;
	}
	be32_put(lk, hv.onum);
	be64_put(lk + 4, r.h.seq);
	k.mv_data = lk;
	k.mv_size = sizeof(lk);
	rc = mdb_get(f->txn, f->s->log, &k, &lv);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (rc != 0 || lv.mv_size != 8 || u64_get(lv.mv_data) != rowid)
		s_problem(f, "record %llu (%s): log entry for seq %llu %s",
		    (unsigned long long)rowid, s_hex8(r.id, hex),
		    (unsigned long long)r.h.seq,
		    rc != 0 ? "missing" : "points elsewhere");
	memcpy(key, r.id, ID_PREFIX_LEN);
	be64_put(key + ID_PREFIX_LEN, rowid);
	if ((rc = store_ix_has(f->txn, &f->s->ids, &f->t->ids, key)) != 0) {
		if (rc != MDB_NOTFOUND)
			return rc;
		s_problem(f, "record %llu (%s): id index entry missing",
		    (unsigned long long)rowid, s_hex8(r.id, hex));
	}
	if (r.body == NULL)
		return 0;
	if (body_parse_record(&r.h, r.body, r.h.body_len, &root, &why) != 0) {
		s_problem(f, "record %llu (%s): stored body refused: %s",
		    (unsigned long long)rowid, s_hex8(r.id, hex), why);
		return 0;
	}
	if (seal_required(&r.h)) {
		MDB_val pv;

		/* The envelope checked out; the index follows the plaintext. */
		cJSON_Delete(root);
		root = NULL;
		if ((rc = store_opened_get(f->txn, f->s, rowid, &r, &pv)) == 0) {
			f->opened++;
			if (body_parse(r.h.kind, pv.mv_data, pv.mv_size, &root,
			    &why) != 0)
				s_problem(f, "record %llu (%s): opened plaintext "
				    "refused: %s", (unsigned long long)rowid,
				    s_hex8(r.id, hex), why);
		} else if (rc != MDB_NOTFOUND) {
			return rc;
		}
	}
	if (root != NULL && store_body_value(&r, root, &type, &value) == 1) {
		f->vals_expected++;
		store_vhash(f->s, type, value, strlen(value), key);
		be32_put(key + VHASH_LEN, hv.onum);
		be64_put(key + VHASH_LEN + 4, rowid);
		rc = store_ix_has(f->txn, &f->s->vals, &f->t->vals, key);
		if (rc == MDB_NOTFOUND)
			s_problem(f, "record %llu (%s): value index entry "
			    "missing", (unsigned long long)rowid,
			    s_hex8(r.id, hex));
		else if (rc != 0)
			goto out;
	}
	cJSON_Delete(root);
	root = NULL;
	if (r.h.expires != 0) {
		f->exp_expected++;
		be64_put(key, r.h.expires);
		be64_put(key + 8, rowid);
		k.mv_data = key;
		k.mv_size = 16;
		rc = mdb_get(f->txn, f->s->expiry, &k, &lv);
		if (rc == MDB_NOTFOUND)
			s_problem(f, "record %llu (%s): expiry entry missing",
			    (unsigned long long)rowid, s_hex8(r.id, hex));
		else if (rc != 0)
			goto out;
	}
	{
		uint8_t rk[2 * RECORD_ID_LEN];

		memcpy(rk, r.id, RECORD_ID_LEN);
		memcpy(rk + RECORD_ID_LEN, r.h.origin, RECORD_KEY_LEN);
		k.mv_data = rk;
		k.mv_size = sizeof(rk);
		rc = mdb_get(f->txn, f->s->retracted, &k, &lv);
		if (rc == 0)
			s_problem(f, "record %llu (%s): retracted by its origin "
			    "but its body is still held",
			    (unsigned long long)rowid, s_hex8(r.id, hex));
		else if (rc != MDB_NOTFOUND)
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

/* Whole records in records, stubs in stubs, no rowid in both. */
static int
s_pass_records(struct fsck *f, MDB_dbi dbi, bool stubs)
{
	MDB_cursor *c;
	MDB_val k, v, other;
	uint64_t rowid;
	int rc;

	if ((rc = mdb_cursor_open(f->txn, dbi, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8) {
			s_problem(f, "%s: key of %zu bytes", stubs ? "stubs" :
			    "records", k.mv_size);
			continue;
		}
		rowid = u64_get(k.mv_data);
		if (stubs != (v.mv_size == RECORD_STUB_LEN))
			s_problem(f, "%s: record %llu is %s",
			    stubs ? "stubs" : "records",
			    (unsigned long long)rowid,
			    stubs ? "not a stub" : "a stub");
		if (stubs) {
			if ((rc = mdb_get(f->txn, f->s->records, &k,
			    &other)) == 0)
				s_problem(f, "record %llu: held whole and as a "
				    "stub", (unsigned long long)rowid);
			else if (rc != MDB_NOTFOUND)
				break;
		}
		if ((rc = s_check_record(f, rowid, &v)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* One origin's log entries, as seen in log order. */
struct chain {
	uint32_t onum;
	uint64_t max, contig, count;
	uint8_t last_id[RECORD_ID_LEN];
	uint8_t origin[RECORD_KEY_LEN];
	bool have_origin;
};

static void
s_chain_done(struct fsck *f, const struct chain *ch)
{
	struct head_v hv;
	char hex[17];

	if (!ch->have_origin)
		return;
	if (store_head_get(f->txn, f->s, ch->origin, &hv) != 0 ||
	    hv.onum != ch->onum) {
		s_problem(f, "origin %s: log entries under number %u but its "
		    "head disagrees", s_hex8(ch->origin, hex), ch->onum);
		return;
	}
	if (hv.max != ch->max || hv.contig != ch->contig ||
	    memcmp(hv.last_id, ch->last_id, RECORD_ID_LEN) != 0)
		s_problem(f, "origin %s: head says contiguous %llu, highest "
		    "%llu; the log says %llu, %llu",
		    s_hex8(ch->origin, hex), (unsigned long long)hv.contig,
		    (unsigned long long)hv.max, (unsigned long long)ch->contig,
		    (unsigned long long)ch->max);
}

static int
s_pass_log(struct fsck *f)
{
	struct chain ch = { 0 };
	struct record r;
	MDB_cursor *c;
	MDB_val k, v;
	uint32_t onum;
	uint64_t seq, rowid;
	int rc;

	if ((rc = mdb_cursor_open(f->txn, f->s->log, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 12 || v.mv_size != 8) {
			s_problem(f, "log: entry of the wrong size");
			continue;
		}
		onum = be32_get(k.mv_data);
		seq = be64_get((const uint8_t *)k.mv_data + 4);
		rowid = u64_get(v.mv_data);
		if (ch.count == 0 || onum != ch.onum) {
			if (ch.count != 0)
				s_chain_done(f, &ch);
			memset(&ch, 0, sizeof(ch));
			ch.onum = onum;
		}
		ch.count++;
		ch.max = seq;
		if ((rc = s_rec(f, rowid, &r)) != 0) {
			if (rc != MDB_NOTFOUND && rc != MDB_CORRUPTED)
				break;
			s_problem(f, "log: origin number %u seq %llu points at "
			    "missing record %llu", onum,
			    (unsigned long long)seq, (unsigned long long)rowid);
			continue;
		}
		if (r.h.seq != seq || (ch.have_origin &&
		    memcmp(r.h.origin, ch.origin, RECORD_KEY_LEN) != 0)) {
			s_problem(f, "log: origin number %u seq %llu points at "
			    "another origin's or seq's record %llu", onum,
			    (unsigned long long)seq, (unsigned long long)rowid);
			continue;
		}
		if (!ch.have_origin) {
			memcpy(ch.origin, r.h.origin, RECORD_KEY_LEN);
			ch.have_origin = true;
		}
		if (seq == ch.contig + 1) {
			ch.contig = seq;
			memcpy(ch.last_id, r.id, RECORD_ID_LEN);
		}
	}
	if (ch.count != 0)
		s_chain_done(f, &ch);
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
s_pass_heads(struct fsck *f)
{
	struct head_v hv;
	MDB_cursor *c;
	MDB_val k, v, lv, mk;
	uint8_t lk[12], onum[4];
	char hex[17];
	uint32_t next_onum;
	int rc;

	mk.mv_data = "onum";
	mk.mv_size = 4;
	if ((rc = mdb_get(f->txn, f->s->meta, &mk, &v)) != 0 ||
	    v.mv_size != 4) {
		s_problem(f, "meta: origin counter missing");
		next_onum = UINT32_MAX;
	} else {
		memcpy(onum, v.mv_data, 4);
		next_onum = be32_get(onum);
	}
	if ((rc = mdb_cursor_open(f->txn, f->s->heads, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != RECORD_KEY_LEN || v.mv_size != sizeof(hv)) {
			s_problem(f, "heads: entry of the wrong size");
			continue;
		}
		memcpy(&hv, v.mv_data, sizeof(hv));
		if (hv.onum == 0 || hv.onum >= next_onum)
			s_problem(f, "origin %s: number %u not below the "
			    "counter %u", s_hex8(k.mv_data, hex), hv.onum,
			    next_onum);
		if (hv.contig > hv.max || hv.max == 0) {
			s_problem(f, "origin %s: head contiguous %llu, highest "
			    "%llu", s_hex8(k.mv_data, hex),
			    (unsigned long long)hv.contig,
			    (unsigned long long)hv.max);
			continue;
		}
		be32_put(lk, hv.onum);
		be64_put(lk + 4, hv.max);
		mk.mv_data = lk;
		mk.mv_size = sizeof(lk);
		if ((rc = mdb_get(f->txn, f->s->log, &mk, &lv)) == MDB_NOTFOUND)
			s_problem(f, "origin %s: no log entry at its highest "
			    "seq %llu", s_hex8(k.mv_data, hex),
			    (unsigned long long)hv.max);
		else if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Every entry of one index points at a record that implies it. */
static int
s_pass_ix(struct fsck *f, const struct ix *ix, const struct ix_state *st,
    bool values, uint64_t expected)
{
	struct ix_iter it;
	struct record r;
	struct head_v hv;
	const uint8_t *key;
	uint8_t want[IX_KEY_MAX], prev[IX_KEY_MAX];
	uint64_t count = 0, rowid;
	cJSON *root;
	const char *why, *value;
	char hex[17];
	int rc, type;

	if ((rc = store_ix_iter_open(&it, f->txn, ix, st, NULL, 0)) != 0)
		return rc;
	while ((rc = store_ix_iter_next(&it, &key)) == 0) {
		if (count > 0 && memcmp(prev, key, ix->klen) == 0)
			s_problem(f, "%s index: entry %s held twice", ix->name,
			    s_hex8(key, hex));
		memcpy(prev, key, ix->klen);
		count++;
		rowid = be64_get(key + ix->klen - 8);
		if ((rc = s_rec(f, rowid, &r)) != 0) {
			if (rc != MDB_NOTFOUND && rc != MDB_CORRUPTED)
				break;
			s_problem(f, "%s index: entry %s points at missing "
			    "record %llu", ix->name, s_hex8(key, hex),
			    (unsigned long long)rowid);
			continue;
		}
		if (!values) {
			if (memcmp(r.id, key, ID_PREFIX_LEN) != 0)
				s_problem(f, "ids index: entry %s points at "
				    "record %llu with another id",
				    s_hex8(key, hex), (unsigned long long)rowid);
			continue;
		}
		root = NULL;
		if (r.body != NULL && seal_required(&r.h)) {
			MDB_val pv;

			if (store_opened_get(f->txn, f->s, rowid, &r, &pv) == 0) {
				r.body = pv.mv_data;
				r.h.body_len = (uint32_t)pv.mv_size;
			} else {
				r.body = NULL;	/* unopened: nothing to index */
			}
		}
		if (r.body == NULL || body_parse(r.h.kind, r.body,
		    r.h.body_len, &root, &why) != 0 ||
		    store_body_value(&r, root, &type, &value) != 1 ||
		    store_head_get(f->txn, f->s, r.h.origin, &hv) != 0) {
			s_problem(f, "values index: entry %s points at record "
			    "%llu, which has no indexable body",
			    s_hex8(key, hex), (unsigned long long)rowid);
			cJSON_Delete(root);
			continue;
		}
		store_vhash(f->s, type, value, strlen(value), want);
		be32_put(want + VHASH_LEN, hv.onum);
		be64_put(want + VHASH_LEN + 4, rowid);
		cJSON_Delete(root);
		if (memcmp(want, key, ix->klen) != 0)
			s_problem(f, "values index: entry %s does not match "
			    "record %llu", s_hex8(key, hex),
			    (unsigned long long)rowid);
	}
	store_ix_iter_close(&it);
	if (rc != MDB_NOTFOUND)
		return rc;
	if (count != expected)
		s_problem(f, "%s index: %llu entries, %llu expected", ix->name,
		    (unsigned long long)count, (unsigned long long)expected);
	return 0;
}

static int
s_pass_expiry(struct fsck *f)
{
	struct record r;
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t rowid, count = 0;
	int rc;

	if ((rc = mdb_cursor_open(f->txn, f->s->expiry, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		count++;
		if (k.mv_size != 16) {
			s_problem(f, "expiry: key of the wrong size");
			continue;
		}
		rowid = be64_get((const uint8_t *)k.mv_data + 8);
		if ((rc = s_rec(f, rowid, &r)) != 0) {
			if (rc != MDB_NOTFOUND && rc != MDB_CORRUPTED)
				break;
			s_problem(f, "expiry: entry points at missing record "
			    "%llu", (unsigned long long)rowid);
			continue;
		}
		if (r.body == NULL || r.h.expires != be64_get(k.mv_data))
			s_problem(f, "expiry: entry for record %llu, which is "
			    "a stub or expires otherwise",
			    (unsigned long long)rowid);
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return rc;
	if (count != f->exp_expected)
		s_problem(f, "expiry: %llu entries, %llu expected",
		    (unsigned long long)count,
		    (unsigned long long)f->exp_expected);
	return 0;
}

static int
s_pass_changes(struct fsck *f)
{
	struct record r;
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t val, op;
	int rc;

	if ((rc = mdb_cursor_open(f->txn, f->s->changes, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8 || v.mv_size != 8) {
			s_problem(f, "changes: entry of the wrong size");
			continue;
		}
		val = u64_get(v.mv_data);
		op = val >> CHG_OP_SHIFT;
		if (op < STORE_OP_ADD || op > STORE_OP_RETRACT)
			s_problem(f, "changes: cursor %llu has op %llu",
			    (unsigned long long)u64_get(k.mv_data),
			    (unsigned long long)op);
		if ((rc = s_rec(f, val & CHG_ROW_MASK, &r)) != 0) {
			if (rc != MDB_NOTFOUND && rc != MDB_CORRUPTED)
				break;
			s_problem(f, "changes: cursor %llu points at missing "
			    "record %llu", (unsigned long long)u64_get(k.mv_data),
			    (unsigned long long)(val & CHG_ROW_MASK));
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Each entry names a retraction by the origin in its key.  That a held
 * target of that origin is a stub, the record pass has checked. */
static int
s_pass_retracted(struct fsck *f)
{
	struct record r;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(f->txn, f->s->retracted, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;

		if (k.mv_size != 2 * RECORD_ID_LEN || v.mv_size != 8) {
			s_problem(f, "retracted: entry of the wrong size");
			continue;
		}
		if ((rc = s_rec(f, u64_get(v.mv_data), &r)) != 0 ||
		    r.h.kind != RK_RETRACTION ||
		    memcmp(r.h.origin, key + RECORD_ID_LEN,
		    RECORD_KEY_LEN) != 0) {
			if (rc != 0 && rc != MDB_NOTFOUND &&
			    rc != MDB_CORRUPTED)
				break;
			s_problem(f, "retracted: entry does not point at a "
			    "retraction by its origin");
			rc = 0;
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * Each opened plaintext belongs to a whole sealed record: one that was
 * pruned (a stub now) or never held must have taken it along.  That each
 * such record's row is found and valid, the record pass has checked.
 */
static int
s_pass_opened(struct fsck *f)
{
	struct record r;
	MDB_cursor *c;
	MDB_val k, v, rv;
	uint64_t rowid, count = 0;
	int rc;

	if (!f->s->has_opened)
		return 0;
	if ((rc = mdb_cursor_open(f->txn, f->s->opened, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		count++;
		if (k.mv_size != 8) {
			s_problem(f, "opened: key of %zu bytes", k.mv_size);
			continue;
		}
		rowid = u64_get(k.mv_data);
		if ((rc = mdb_get(f->txn, f->s->records, &k, &rv)) != 0) {
			if (rc != MDB_NOTFOUND)
				break;
			rc = mdb_get(f->txn, f->s->stubs, &k, &rv);
			if (rc != 0 && rc != MDB_NOTFOUND)
				break;
			s_problem(f, "opened: plaintext of record %llu, which "
			    "is %s", (unsigned long long)rowid, rc == 0 ?
			    "only a stub (pruned)" : "not held");
			rc = 0;
			continue;
		}
		if (store_decode_stored(&rv, &r) != 0 || !seal_required(&r.h))
			s_problem(f, "opened: plaintext of record %llu, which "
			    "has no sealed body", (unsigned long long)rowid);
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return rc;
	if (count != f->opened)
		s_problem(f, "opened: %llu plaintexts, %llu belong to records",
		    (unsigned long long)count, (unsigned long long)f->opened);
	return 0;
}

static int
s_pass_forks(struct fsck *f)
{
	struct record r, held;
	struct head_v hv;
	MDB_cursor *c;
	MDB_val k, v, lv;
	uint8_t lk[12];
	const char *why;
	char hex[17];
	int rc;

	if ((rc = mdb_cursor_open(f->txn, f->s->forks, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;

		if (k.mv_size != RECORD_KEY_LEN + 8 + RECORD_ID_LEN ||
		    record_decode(v.mv_data, v.mv_size, &r, &why) != 0 ||
		    memcmp(key, r.h.origin, RECORD_KEY_LEN) != 0 ||
		    be64_get(key + RECORD_KEY_LEN) != r.h.seq ||
		    memcmp(key + RECORD_KEY_LEN + 8, r.id, RECORD_ID_LEN) != 0) {
			s_problem(f, "forks: entry does not match its record");
			continue;
		}
		if (!(f->flags & STORE_FSCK_QUICK) && record_verify(&r, &why))
			s_problem(f, "forks: evidence %s: %s", s_hex8(r.id, hex),
			    why);
		if (store_head_get(f->txn, f->s, r.h.origin, &hv) != 0 ||
		    !(hv.flags & STORE_HEAD_FORK)) {
			s_problem(f, "forks: evidence %s but its origin is not "
			    "flagged", s_hex8(r.id, hex));
			continue;
		}
		be32_put(lk, hv.onum);
		be64_put(lk + 4, r.h.seq);
		k.mv_data = lk;
		k.mv_size = sizeof(lk);
		if (mdb_get(f->txn, f->s->log, &k, &lv) != 0 || lv.mv_size != 8 ||
		    s_rec(f, u64_get(lv.mv_data), &held) != 0 ||
		    memcmp(held.id, r.id, RECORD_ID_LEN) == 0)
			s_problem(f, "forks: evidence %s does not conflict with "
			    "a held record", s_hex8(r.id, hex));
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

long
store_fsck(struct store *s, unsigned flags, store_problem_fn cb, void *ctx)
{
	struct fsck f = { .s = s, .flags = flags, .cb = cb, .ctx = ctx };
	int rc;

	if ((rc = store_read_begin(s, &f.t)) != 0)
		return rc;
	f.txn = f.t->txn;
	if ((rc = store_ix_load(f.txn, s->meta, &s->ids, &f.t->ids)) != 0 ||
	    (rc = store_ix_load(f.txn, s->meta, &s->vals, &f.t->vals)) != 0) {
		s_problem(&f, "meta: index state missing or damaged");
		store_read_end(&f.t);
		return f.problems;
	}
	f.t->ix_loaded = true;
	if ((rc = s_pass_records(&f, s->records, false)) != 0 ||
	    (rc = s_pass_records(&f, s->stubs, true)) != 0 ||
	    (rc = s_pass_log(&f)) != 0 ||
	    (rc = s_pass_heads(&f)) != 0 ||
	    (rc = s_pass_ix(&f, &s->ids, &f.t->ids, false, f.records)) != 0 ||
	    (rc = s_pass_ix(&f, &s->vals, &f.t->vals, true,
	    f.vals_expected)) != 0 ||
	    (rc = s_pass_expiry(&f)) != 0 ||
	    (rc = s_pass_changes(&f)) != 0 ||
	    (rc = s_pass_retracted(&f)) != 0 ||
	    (rc = s_pass_opened(&f)) != 0 ||
	    (rc = s_pass_forks(&f)) != 0) {
		store_read_end(&f.t);
		return store_err(s, rc, NULL);
	}
	store_read_end(&f.t);
	return f.problems;
}

int
store_stats(struct store_txn *t, struct store_stats *out)
{
	struct store *s = t->s;
	struct ix_state ids, vals;
	struct head_v hv;
	MDB_envinfo info;
	MDB_stat ms;
	MDB_cursor *c;
	MDB_val k, v;
	struct stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	for (int pass = 0; pass < 2; pass++) {
		if ((rc = mdb_cursor_open(t->txn, pass ? s->stubs : s->records,
		    &c)) != 0)
			return store_err(s, rc, NULL);
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			const uint8_t *p = v.mv_data;

			if (v.mv_size < RECORD_STUB_LEN) {
				rc = MDB_CORRUPTED;
				break;
			}
			out->records++;
			out->stubs += v.mv_size == RECORD_STUB_LEN;
			/* kind: the byte at offset 5 (docs/protocol.md). */
			if (p[5] <= RK_MAX)
				out->by_kind[p[5]]++;
		}
		mdb_cursor_close(c);
		if (rc != MDB_NOTFOUND)
			return store_err(s, rc, NULL);
	}
	if ((rc = mdb_cursor_open(t->txn, s->heads, &c)) != 0)
		return store_err(s, rc, NULL);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		out->origins++;
		if (v.mv_size == sizeof(hv)) {
			memcpy(&hv, v.mv_data, sizeof(hv));
			out->forked += (hv.flags & (STORE_HEAD_FORK |
			    STORE_HEAD_CHAIN)) != 0;
		}
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_err(s, rc, NULL);
	if ((rc = mdb_stat(t->txn, s->forks, &ms)) != 0)
		return store_err(s, rc, NULL);
	out->forks = ms.ms_entries;
	if ((rc = mdb_stat(t->txn, s->retracted, &ms)) != 0)
		return store_err(s, rc, NULL);
	out->retracted = ms.ms_entries;
	if ((rc = mdb_stat(t->txn, s->expiry, &ms)) != 0)
		return store_err(s, rc, NULL);
	out->expiring = ms.ms_entries;
	if (s->has_opened) {
		if ((rc = mdb_stat(t->txn, s->opened, &ms)) != 0)
			return store_err(s, rc, NULL);
		out->opened = ms.ms_entries;
	}
	out->cursor = store_cursor(t);
	if ((rc = store_ix_load(t->txn, s->meta, &s->ids, &ids)) != 0 ||
	    (rc = store_ix_load(t->txn, s->meta, &s->vals, &vals)) != 0)
		return store_err(s, rc, NULL);
	out->index_runs = store_ix_live(&ids) + store_ix_live(&vals);
	if (fstat(s->fd, &st) == 0) {
		out->file_bytes = (uint64_t)st.st_size;
		out->disk_bytes = (uint64_t)st.st_blocks * 512;
	}
	if (mdb_env_info(s->env, &info) == 0 &&
	    mdb_env_stat(s->env, &ms) == 0) {
		out->map_bytes = info.me_mapsize;
		out->used_bytes = (uint64_t)(info.me_last_pgno + 1) *
		    ms.ms_psize;
	}
	return 0;
}

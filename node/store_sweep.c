/*
 * store_sweep.c - taking bodies away: expiry and retraction.
 *
 * A pruned record keeps its header and signature (its stub): the origin's
 * chain stays whole and verifiable, a peer asking for that seq still gets
 * something that proves what it was, and a late copy of the whole record
 * is recognised as a duplicate instead of being stored again.  The body
 * leaves the value index and the expiry queue, the opened plaintext of a
 * sealed body goes with it, and the changes feed gets a removal so
 * exporters withdraw it.
 */
#include <cJSON.h>

#include "node/store_int.h"
#include "protocol/json.h"
#include "protocol/seal.h"

/*
 * Replaces record rowid by its stub and removes its body's index
 * entries and opened plaintext; appends op to the changes feed.  Nothing
 * for a stub.
 * expiry_done: the caller has already removed the expiry entry.
 */
int
store_prune(MDB_txn *txn, struct store *s, const struct ix_state *vals,
    uint64_t rowid, uint32_t onum, int op, MDB_cursor *changes,
    uint64_t *next_chg, bool expiry_done)
{
	uint8_t stub[RECORD_STUB_LEN], key[IX_KEY_MAX];
	struct record r;
	cJSON *root = NULL;
	const char *why, *value;
	uint64_t cur, val;
	MDB_val k = { sizeof(rowid), &rowid }, okey = { sizeof(rowid), &rowid },
	    v, pv;
	const uint8_t *body;
	size_t blen;
	bool opened = false;
	int rc, type;

	if ((rc = store_rowid_get(txn, s, rowid, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	if ((rc = store_decode_stored(&v, &r)) != 0)
		return rc;
	if (record_is_stub(&r))
		return 0;
	/* Copied now: the writes below may move or free the page r points
	 * into (LMDB's data is valid only until the next update). */
	memcpy(stub, r.raw, RECORD_STUB_LEN);
	/* What the value index holds came from the opened plaintext of a
	 * sealed body, or from the body; an unopened envelope has none. */
	body = r.body;
	blen = r.h.body_len;
	if ((rc = store_opened_get(txn, s, rowid, &r, &pv)) == 0) {
		opened = true;
		body = pv.mv_data;
		blen = pv.mv_size;
	} else if (rc != MDB_NOTFOUND) {
		return rc;
	} else if (seal_required(&r.h)) {
		body = NULL;
	}
	/* The body was validated on the way in; a parse failure here means
	 * the bytes changed on disk, which fsck reports.  The tree is a
	 * copy: the writes below may move the pages body points into. */
	if (body != NULL && json_parse_strict(body, blen, &root, &why) == 0 &&
	    store_body_value(&r, root, &type, &value) == 1) {
		store_vhash(s, type, value, strlen(value), key);
		be32_put(key + VHASH_LEN, onum);
		be64_put(key + VHASH_LEN + 4, rowid);
		rc = store_ix_del(txn, &s->vals, vals, key);
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto out;
	}
	if (!expiry_done && r.h.expires != 0) {
		MDB_val ek = { 16, key };

		be64_put(key, r.h.expires);
		be64_put(key + 8, rowid);
		rc = mdb_del(txn, s->expiry, &ek, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto out;
	}
	/* A pruned record leaves no plaintext behind. */
	if (opened && (rc = mdb_del(txn, s->opened, &okey, NULL)) != 0)
		goto out;
	if ((rc = mdb_del(txn, s->records, &k, NULL)) != 0 ||
	    (rc = store_stub_put(txn, s, rowid, stub)) != 0)
		goto out;
	cur = (*next_chg)++;
	val = (uint64_t)op << CHG_OP_SHIFT | rowid;
	k.mv_data = &cur;
	v.mv_data = &val;
	v.mv_size = sizeof(val);
	rc = mdb_cursor_put(changes, &k, &v, MDB_APPEND);
out:
	cJSON_Delete(root);
	return rc;
}

static int
s_sweep_txn(struct store *s, uint64_t now, size_t max, size_t *count)
{
	struct ix_state vals;
	struct head_v hv;
	struct record r;
	MDB_cursor *cexp = NULL, *cchg = NULL;
	MDB_txn *txn;
	MDB_val k, v;
	uint64_t next_chg = 1, rowid;
	int rc;

	*count = 0;
	if ((rc = store_wbegin(s, &txn)) != 0)
		return rc;
	if ((rc = store_ix_load(txn, s->meta, &s->vals, &vals)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->expiry, &cexp)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->changes, &cchg)) != 0)
		goto abort;
	if ((rc = mdb_cursor_get(cchg, &k, &v, MDB_LAST)) == 0)
		next_chg = u64_get(k.mv_data) + 1;
	else if (rc != MDB_NOTFOUND)
		goto abort;
	while (max == 0 || *count < max) {
		/* Each pass removes the first entry, so FIRST is the next. */
		if ((rc = mdb_cursor_get(cexp, &k, &v, MDB_FIRST)) != 0)
			break;
		if (k.mv_size != 16) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (be64_get(k.mv_data) > now)
			break;
		rowid = be64_get((const uint8_t *)k.mv_data + 8);
		if ((rc = mdb_cursor_del(cexp, 0)) != 0)
			break;
		if ((rc = store_rowid_get(txn, s, rowid, &v)) != 0 ||
		    (rc = store_decode_stored(&v, &r)) != 0 ||
		    (rc = store_head_get(txn, s, r.h.origin, &hv)) != 0) {
			rc = rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
			break;
		}
		if ((rc = store_prune(txn, s, &vals, rowid, hv.onum,
		    STORE_OP_EXPIRE, cchg, &next_chg, true)) != 0)
			break;
		(*count)++;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto abort;
	return mdb_txn_commit(txn);
abort:
	mdb_txn_abort(txn);
	return rc;
}

int
store_sweep(struct store *s, uint64_t now, size_t max, size_t *swept,
    const char **why)
{
	size_t count = 0;
	int rc;

	*why = NULL;
	if (swept != NULL)
		*swept = 0;
	if (s->flags & STORE_RDONLY)
		return *why = "store opened read-only", KY_EPERM;
	while ((rc = s_sweep_txn(s, now, max, &count)) == MDB_MAP_FULL)
		if ((rc = store_grow(s)) != 0)
			break;
	if (rc != 0)
		return store_err(s, rc, why);
	if (swept != NULL)
		*swept = count;
	return 0;
}

/*
 * export_journal.c - what each exported record carried, for removals.
 *
 * The store keeps only a stub of a retracted or expired record, so the
 * changes feed cannot say which value to unblock.  The journal can:
 *
 *   journal   origin (32) || seq (8, big-endian)  ->
 *             until (8, big-endian) || type (1) || value
 *   meta      "version" -> 1; "since" -> the cursor from which the
 *             journal is complete; "gc" -> time of the last sweep
 *
 * Keys are (origin, seq), not ids, because a full pass walks the store
 * in exactly that order: inserts append, and pages come out full.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "node/export_int.h"

#define S_VERSION	1
/* Virtual size: LMDB's file grows only as pages are used. */
#define S_MAP_BYTES	(sizeof(size_t) > 4 ? (size_t)1 << 34 : (size_t)1 << 30)

/*
 * Every write is one short transaction, so a journal may be shared by
 * the threads of one process (MDB_NOTLS: read transactions are not tied
 * to a thread).
 */
struct export_journal {
	MDB_env *env;
	MDB_dbi db;		/* journal */
	MDB_dbi meta;		/* meta */
	_Atomic uint64_t since;	/* cached "since"; UINT64_MAX: none */
};

static void
s_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
s_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* LMDB codes to ours, at the one boundary. */
static int
s_err(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
		return KY_ENOTFOUND;
	case MDB_MAP_FULL:
	case ENOSPC:
		return KY_EFULL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_VALSIZE:
		return KY_ECORRUPT;
	case MDB_VERSION_MISMATCH:
		return KY_EVERSION;
	case ENOMEM:
		return KY_ENOMEM;
	case EACCES:
	case EPERM:
	case EROFS:
		return KY_EPERM;
	default:
		return KY_EIO;
	}
}

static int
s_meta_get(MDB_txn *txn, MDB_dbi meta, const char *key, uint64_t *out)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	if ((rc = mdb_get(txn, meta, &k, &v)) != 0)
		return rc;
	if (v.mv_size != 8)
		return MDB_CORRUPTED;
	*out = s_get64(v.mv_data);
	return 0;
}

static int
s_meta_put(MDB_txn *txn, MDB_dbi meta, const char *key, uint64_t val)
{
	uint8_t b[8];
	MDB_val k = { strlen(key), (void *)key }, v = { 8, b };

	s_be64(b, val);
	return mdb_put(txn, meta, &k, &v, 0);
}

int
export_journal_open(const char *dir, struct export_journal **out,
    const char **why)
{
	struct export_journal *j;
	uint64_t version = 0, since;
	MDB_txn *txn = NULL;
	int rc;

	*out = NULL;
	*why = NULL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*why = "cannot create the export journal directory";
		return ky_from_errno(errno);
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return KY_ENOMEM;
	j->since = UINT64_MAX;
	if ((rc = mdb_env_create(&j->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(j->env, 2)) != 0 ||
	    (rc = mdb_env_set_mapsize(j->env, S_MAP_BYTES)) != 0 ||
	    (rc = mdb_env_open(j->env, dir, MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(j->env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "journal", MDB_CREATE, &j->db)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &j->meta)) != 0)
		goto fail;
	rc = s_meta_get(txn, j->meta, "version", &version);
	if (rc == MDB_NOTFOUND)
		rc = s_meta_put(txn, j->meta, "version", S_VERSION);
	else if (rc == 0 && version != S_VERSION) {
		*why = "export journal from another kyojo version: remove "
		    "DIR/export and take a full export";
		rc = MDB_VERSION_MISMATCH;
	}
	if (rc != 0)
		goto fail;
	if ((rc = s_meta_get(txn, j->meta, "since", &since)) == 0)
		j->since = since;
	else if (rc != MDB_NOTFOUND)
		goto fail;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	*out = j;
	return 0;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (*why == NULL)
		*why = "cannot open the export journal";
	if (j->env != NULL)
		mdb_env_close(j->env);
	free(j);
	return s_err(rc);
}

void
export_journal_close(struct export_journal **p)
{
	struct export_journal *j;

	if (p == NULL || (j = *p) == NULL)
		return;
	mdb_env_close(j->env);
	free(j);
	*p = NULL;
}

uint64_t
export_journal_since(struct export_journal *j)
{
	return j->since;
}

/* One exit path for a write transaction: any error aborts it. */
static int
s_end(MDB_txn *txn, int rc)
{
	if (rc != 0) {
		mdb_txn_abort(txn);
		return s_err(rc);
	}
	return s_err(mdb_txn_commit(txn));
}

int
export_journal_start(struct export_journal *j, uint64_t cursor)
{
	MDB_txn *txn;
	uint64_t since;
	int rc;

	if (j->since != UINT64_MAX)
		return 0;
	if ((rc = mdb_txn_begin(j->env, NULL, 0, &txn)) != 0)
		return s_err(rc);
	/* Another process may have started it meanwhile: keep the oldest. */
	rc = s_meta_get(txn, j->meta, "since", &since);
	if (rc == MDB_NOTFOUND) {
		since = cursor;
		rc = s_meta_put(txn, j->meta, "since", since);
	}
	if ((rc = s_end(txn, rc)) == 0)
		j->since = since;
	return rc;
}

int
export_journal_write(struct export_journal *j, const uint8_t *buf,
    size_t len)
{
	const uint8_t *p = buf, *end = buf + len;
	MDB_val k, v, old;
	MDB_txn *txn;
	size_t vlen;
	int rc;

	if ((rc = mdb_txn_begin(j->env, NULL, 0, &txn)) != 0)
		return s_err(rc);
	while (rc == 0 && p < end) {
		if ((size_t)(end - p) < EXPORT_JOURNAL_KEY + 2) {
			rc = MDB_CORRUPTED;
			break;
		}
		vlen = (size_t)p[EXPORT_JOURNAL_KEY] << 8 |
		    p[EXPORT_JOURNAL_KEY + 1];
		if (vlen < 9 || (size_t)(end - p) < EXPORT_JOURNAL_KEY + 2 +
		    vlen) {
			rc = MDB_CORRUPTED;
			break;
		}
		k = (MDB_val){ EXPORT_JOURNAL_KEY, (void *)p };
		v = (MDB_val){ vlen, (void *)(p + EXPORT_JOURNAL_KEY + 2) };
		p += EXPORT_JOURNAL_KEY + 2 + vlen;
		/* Re-exports find their entries there: no page is dirtied. */
		rc = mdb_get(txn, j->db, &k, &old);
		if (rc == 0 && old.mv_size == v.mv_size &&
		    memcmp(old.mv_data, v.mv_data, v.mv_size) == 0)
			continue;
		if (rc == 0 || rc == MDB_NOTFOUND)
			rc = mdb_put(txn, j->db, &k, &v, 0);
	}
	return s_end(txn, rc);
}

int
export_journal_get(struct export_journal *j, const uint8_t *origin,
    uint64_t seq, uint64_t *until, int *type, char *value, size_t cap,
    size_t *len)
{
	uint8_t key[EXPORT_JOURNAL_KEY];
	MDB_val k = { sizeof(key), key }, v;
	MDB_txn *txn;
	int rc;

	memcpy(key, origin, RECORD_KEY_LEN);
	s_be64(key + RECORD_KEY_LEN, seq);
	if ((rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn)) != 0)
		return s_err(rc);
	rc = mdb_get(txn, j->db, &k, &v);
	if (rc == 0 && (v.mv_size < 10 || v.mv_size - 9 >= cap))
		rc = MDB_CORRUPTED;
	if (rc == 0) {
		const uint8_t *p = v.mv_data;

		*until = s_get64(p);
		*type = p[8];
		*len = v.mv_size - 9;
		memcpy(value, p + 9, *len);
		value[*len] = '\0';
	}
	mdb_txn_abort(txn);
	return s_err(rc);
}

int
export_journal_gc(struct export_journal *j, uint64_t now)
{
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	MDB_val k, v;
	uint64_t last = 0;
	int rc;

	if ((rc = mdb_txn_begin(j->env, NULL, 0, &txn)) != 0)
		return s_err(rc);
	rc = s_meta_get(txn, j->meta, "gc", &last);
	if (rc == 0 && last + EXPORT_JOURNAL_GC > now)
		return s_end(txn, 0);
	if ((rc != 0 && rc != MDB_NOTFOUND) ||
	    (rc = mdb_cursor_open(txn, j->db, &c)) != 0)
		return s_end(txn, rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size < 9) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (s_get64(v.mv_data) <= now &&
		    (rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		rc = s_meta_put(txn, j->meta, "gc", now);
	return s_end(txn, rc);
}

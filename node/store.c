/*
 * store.c - opening the environment, the error mapping, read snapshots
 * and every read.  Writes live in store_ingest.c and store_sweep.c, the
 * index runs in store_ix.c, checks and figures in store_fsck.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include <cJSON.h>
#include <sodium.h>

#include "node/store_int.h"
#include "protocol/indicator.h"
#include "protocol/json.h"
#include "protocol/seal.h"

#define STORE_MAXDBS	(10 + 2 * IX_SLOTS + 4)
#if SIZE_MAX > 0xffffffffu
#define STORE_MAP_MAX	((size_t)1 << 40)	/* address space, not disk */
#else
#define STORE_MAP_MAX	((size_t)1 << 30)
#endif

#define XSTR(x) STR(x)
#define STR(x) #x
#define NEWER(n) "store schema version " #n " is newer than this kyojo (" \
	XSTR(STORE_SCHEMA_VERSION) "): upgrade kyojo"

/* Static, so a refusal needs no buffer; the numbers an operator sees. */
static const char *const s_newer[] = {
	[2] = NEWER(2), [3] = NEWER(3), [4] = NEWER(4), [5] = NEWER(5),
	[6] = NEWER(6), [7] = NEWER(7), [8] = NEWER(8), [9] = NEWER(9),
};

double
store_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A failed write with plenty of space left is an I/O error; LMDB turns a
 * short write into EIO, so a nearly full file system decides. */
static bool
s_disk_nearly_full(const struct store *s)
{
	struct statvfs sv;

	if (s == NULL || s->fd < 0 || fstatvfs(s->fd, &sv) != 0)
		return false;
	return (uint64_t)sv.f_bavail * sv.f_frsize < (8u << 20);
}

/* The one place where LMDB and errno codes become KY_E* codes. */
int
store_err(struct store *s, int rc, const char **why)
{
	const char *w;
	int code;

	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
		w = "not found", code = KY_ENOTFOUND;
		break;
	case MDB_KEYEXIST:
		w = "already exists", code = KY_EEXIST;
		break;
	case MDB_MAP_FULL:
		w = "store map full and it could not grow", code = KY_EFULL;
		break;
	case MDB_TXN_FULL:
		w = "batch too large for one transaction", code = KY_ETOOBIG;
		break;
	case MDB_DBS_FULL:
		w = "store index runs exhausted", code = KY_ECORRUPT;
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_DBI:
	case MDB_BAD_VALSIZE:
		w = "store data is corrupt (run kyojo fsck)", code = KY_ECORRUPT;
		break;
	case MDB_VERSION_MISMATCH:
		w = "store written by another LMDB version", code = KY_EVERSION;
		break;
	case MDB_PANIC:
		w = "store hit a fatal write error: reopen it", code = KY_EIO;
		break;
	case MDB_READERS_FULL:
		w = "too many store readers", code = KY_ESYS;
		break;
	case MDB_MAP_RESIZED:
		w = "store map grown by the writer; end open read "
		    "transactions and retry", code = KY_ESYS;
		break;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		w = "disk full: nothing of this transaction was stored",
		    code = KY_EFULL;
		break;
	case EIO:
		if (s_disk_nearly_full(s))
			w = "disk full: nothing of this transaction was stored",
			    code = KY_EFULL;
		else
			w = "store I/O error", code = KY_EIO;
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		w = "no permission on the store files", code = KY_EPERM;
		break;
	case ENOMEM:
		w = "out of memory (or map too large for the address space)",
		    code = KY_ENOMEM;
		break;
	case ENOENT:
		w = "store files missing", code = KY_ENOTFOUND;
		break;
	default:
		w = "store system error";
		code = rc > 0 ? ky_from_errno(rc) : KY_ESYS;
		if (code == KY_OK)
			code = KY_ESYS;
		break;
	}
	if (why != NULL)
		*why = w;
	return code;
}

int
store_wbegin(struct store *s, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, 0, txn);

	if (rc == MDB_MAP_RESIZED && atomic_load(&s->readers) == 0 &&
	    (rc = mdb_env_set_mapsize(s->env, 0)) == 0)
		rc = mdb_txn_begin(s->env, NULL, 0, txn);
	return rc;
}

/*
 * Doubles the map after MDB_MAP_FULL; the caller has aborted its txn.
 * The map is address space: the file grows only as pages are written.
 */
int
store_grow(struct store *s)
{
	MDB_envinfo info;
	size_t size;

	if (atomic_load(&s->readers) != 0)
		return MDB_MAP_FULL;
	if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > s->mapsize)
		s->mapsize = info.me_mapsize;
	if (s->mapsize >= STORE_MAP_MAX)
		return MDB_MAP_FULL;
	size = s->mapsize * 2;
	if (mdb_env_set_mapsize(s->env, size) != 0)
		return MDB_MAP_FULL;
	s->mapsize = size;
	return 0;
}

static const char *const s_core[] = {
	"records", "stubs", "log", "heads", "expiry", "changes", "forks",
	"retracted", "meta",
};

static int
s_open_dbs(struct store *s, MDB_txn *txn, bool create)
{
	MDB_dbi *core[] = { &s->records, &s->stubs, &s->log, &s->heads,
	    &s->expiry, &s->changes, &s->forks, &s->retracted, &s->meta };
	const unsigned cflags[] = { MDB_INTEGERKEY, MDB_INTEGERKEY, 0, 0, 0,
	    MDB_INTEGERKEY, 0, 0, 0 };
	unsigned extra = create ? MDB_CREATE : 0;
	char name[32];
	int rc;

	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		if ((rc = mdb_dbi_open(txn, s_core[i], cflags[i] | extra,
		    core[i])) != 0)
			return rc;
	for (int i = 0; i < IX_SLOTS; i++) {
		snprintf(name, sizeof(name), "ids.%02d", i);
		if ((rc = mdb_dbi_open(txn, name, extra, &s->ids.dbi[i])) != 0)
			return rc;
		snprintf(name, sizeof(name), "values.%02d", i);
		if ((rc = mdb_dbi_open(txn, name, extra, &s->vals.dbi[i])) != 0)
			return rc;
	}
	/*
	 * "opened" came after schema 1 was first written, and needs no
	 * version bump: a writable open adds it, and a reader of a store
	 * that has none yet simply has no opened plaintexts to show.
	 */
	rc = mdb_dbi_open(txn, "opened", MDB_INTEGERKEY | extra, &s->opened);
	if (rc == MDB_NOTFOUND && !create)
		return 0;
	if (rc != 0)
		return rc;
	s->has_opened = true;
	return 0;
}

static int
s_meta_get(MDB_txn *txn, const struct store *s, const char *key, MDB_val *v)
{
	MDB_val k = { strlen(key), (void *)key };

	return mdb_get(txn, s->meta, &k, v);
}

static int
s_meta_put(MDB_txn *txn, const struct store *s, const char *key,
    const void *data, size_t len)
{
	MDB_val k = { strlen(key), (void *)key }, v = { len, (void *)data };

	return mdb_put(txn, s->meta, &k, &v, 0);
}

/* A new store: version, the value-hash key, counters, index states. */
static int
s_init_meta(MDB_txn *txn, struct store *s)
{
	uint8_t ver[4], onum[4], vkey[VKEY_LEN];
	struct ix_state st;
	int rc;

	be32_put(ver, STORE_SCHEMA_VERSION);
	be32_put(onum, 1);
	randombytes_buf(vkey, sizeof(vkey));
	store_ix_init(&st);
	if ((rc = s_meta_put(txn, s, "version", ver, 4)) != 0 ||
	    (rc = s_meta_put(txn, s, "vkey", vkey, sizeof(vkey))) != 0 ||
	    (rc = s_meta_put(txn, s, "onum", onum, 4)) != 0 ||
	    (rc = store_ix_save(txn, s->meta, &s->ids, &st)) != 0 ||
	    (rc = store_ix_save(txn, s->meta, &s->vals, &st)) != 0)
		return rc;
	return 0;
}

/* Schema version and the value-hash key; 0 or a KY_E* with why. */
static int
s_check_meta(MDB_txn *txn, struct store *s, const char **why)
{
	MDB_val v;
	uint32_t ver;
	int rc;

	if ((rc = s_meta_get(txn, s, "version", &v)) != 0 || v.mv_size != 4)
		return *why = "store has no schema version (not a kyojo store?)",
		    KY_ECORRUPT;
	ver = be32_get(v.mv_data);
	if (ver > STORE_SCHEMA_VERSION) {
		*why = ver < sizeof(s_newer) / sizeof(s_newer[0]) &&
		    s_newer[ver] != NULL ? s_newer[ver] :
		    "store schema version is newer than this kyojo (" 
		    XSTR(STORE_SCHEMA_VERSION) "): upgrade kyojo";
		return KY_EVERSION;
	}
	if (ver != STORE_SCHEMA_VERSION)
		return *why = "store schema version unknown", KY_EVERSION;
	if ((rc = s_meta_get(txn, s, "vkey", &v)) != 0 ||
	    v.mv_size != VKEY_LEN)
		return *why = "store meta has no value key", KY_ECORRUPT;
	memcpy(s->vkey, v.mv_data, VKEY_LEN);
	return 0;
}

static int
s_setup(struct store *s, const char **why)
{
	bool rdonly = s->flags & STORE_RDONLY;
	MDB_txn *txn;
	MDB_val v;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, rdonly ? MDB_RDONLY : 0,
	    &txn)) != 0)
		return store_err(s, rc, why);
	if ((rc = s_open_dbs(s, txn, !rdonly)) != 0) {
		mdb_txn_abort(txn);
		if (rc == MDB_NOTFOUND)
			return *why = "store not initialized (run kyojo init)",
			    KY_ENOTFOUND;
		return store_err(s, rc, why);
	}
	if (!rdonly && s_meta_get(txn, s, "version", &v) == MDB_NOTFOUND) {
		MDB_stat ms;

		if ((rc = mdb_stat(txn, s->log, &ms)) != 0 ||
		    ms.ms_entries != 0) {
			mdb_txn_abort(txn);
			return *why = "store has records but no schema version",
			    KY_ECORRUPT;
		}
		if ((rc = s_init_meta(txn, s)) != 0) {
			mdb_txn_abort(txn);
			return store_err(s, rc, why);
		}
	}
	if ((rc = s_check_meta(txn, s, why)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	/* Committing (also a read txn) keeps the handles for the env. */
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_err(s, rc, why);
	return 0;
}

int
store_open_opts(const char *dir, unsigned flags, const struct store_opts *o,
    struct store **out, const char **why)
{
	unsigned eflags = MDB_NOTLS;
	struct store *s;
	char path[PATH_MAX];
	struct stat st;
	int rc, dead;

	*out = NULL;
	*why = NULL;
	if ((flags & STORE_RDONLY) && (flags & STORE_CREATE))
		return *why = "store: read-only and create", KY_EINVAL;
	if (flags & STORE_CREATE) {
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return store_err(NULL, errno, why);
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >=
	    sizeof(path))
		return *why = "store: path too long", KY_EINVAL;
	if (!(flags & STORE_CREATE) && stat(path, &st) != 0)
		return *why = (errno == ENOENT ?
		    "no store in this directory (run kyojo init)" :
		    "store: cannot stat data.mdb"), ky_from_errno(errno);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return *why = "store: out of memory", KY_ENOMEM;
	s->flags = flags;
	s->fd = -1;
	s->ids.name = "ids";
	s->ids.klen = ID_PREFIX_LEN + 8;
	s->vals.name = "values";
	s->vals.klen = VHASH_LEN + 4 + 8;
	s->mapsize = o && o->map_bytes ? o->map_bytes : STORE_MAP_INITIAL;
	s->run_entries = o && o->run_entries ? o->run_entries : IX_RUN_MAX;
	atomic_init(&s->spare, NULL);
	atomic_init(&s->readers, 0);
	if (sodium_init() < 0) {
		free(s);
		return *why = "store: libsodium failed to initialize", KY_ESYS;
	}
	/*
	 * Never MDB_WRITEMAP: writes into a sparse file through the map
	 * turn a full disk into SIGBUS instead of an error.  Never NOSYNC,
	 * MAPASYNC or NOMETASYNC: an acknowledged record must be on disk.
	 * NOTLS: read txns are not tied to a thread, so they can be reset
	 * and renewed, and one thread may hold several.
	 */
	if (flags & STORE_RDONLY)
		eflags |= MDB_RDONLY;
	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, s->mapsize)) != 0 ||
	    (rc = mdb_env_open(s->env, dir, eflags, 0600)) != 0) {
		rc = store_err(NULL, rc, why);
		store_close(&s);
		return rc;
	}
	(void)mdb_env_get_fd(s->env, &s->fd);
	(void)mdb_reader_check(s->env, &dead);
	if ((rc = s_setup(s, why)) != 0) {
		store_close(&s);
		return rc;
	}
	*out = s;
	return 0;
}

int
store_open(const char *dir, unsigned flags, struct store **out,
    const char **why)
{
	return store_open_opts(dir, flags, NULL, out, why);
}

void
store_close(struct store **p)
{
	struct store *s;
	struct store_txn *t;

	if (p == NULL || (s = *p) == NULL)
		return;
	if ((t = atomic_exchange(&s->spare, NULL)) != NULL) {
		mdb_txn_abort(t->txn);
		free(t);
	}
	if (s->env != NULL)
		mdb_env_close(s->env);
	free(s);
	*p = NULL;
}

void
store_profile(struct store *s, struct store_prof *p)
{
	s->prof = p;
}

void
store_set_opener(struct store *s, store_opener_fn fn, void *ctx)
{
	s->opener = fn;
	s->opener_ctx = fn != NULL ? ctx : NULL;
}

/* --- read snapshots ------------------------------------------------- */

int
store_read_begin(struct store *s, struct store_txn **out)
{
	struct store_txn *t;
	int rc;

	*out = NULL;
	if ((t = atomic_exchange(&s->spare, NULL)) != NULL) {
		rc = mdb_txn_renew(t->txn);
	} else {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return KY_ENOMEM;
		t->s = s;
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
		if (rc != 0)
			t->txn = NULL;
	}
	if (rc == MDB_MAP_RESIZED && atomic_load(&s->readers) == 0 &&
	    mdb_env_set_mapsize(s->env, 0) == 0) {
		if (t->txn != NULL)
			rc = mdb_txn_renew(t->txn);
		else
			rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
	}
	if (rc != 0) {
		if (t->txn != NULL)
			mdb_txn_abort(t->txn);
		free(t);
		return store_err(s, rc, NULL);
	}
	t->ix_loaded = false;
	atomic_fetch_add(&s->readers, 1);
	*out = t;
	return 0;
}

void
store_read_end(struct store_txn **p)
{
	struct store_txn *t, *none = NULL;
	struct store *s;

	if (p == NULL || (t = *p) == NULL)
		return;
	s = t->s;
	mdb_txn_reset(t->txn);
	atomic_fetch_sub(&s->readers, 1);
	if (!atomic_compare_exchange_strong(&s->spare, &none, t)) {
		mdb_txn_abort(t->txn);
		free(t);
	}
	*p = NULL;
}

static int
s_txn_ix(struct store_txn *t)
{
	int rc;

	if (t->ix_loaded)
		return 0;
	if ((rc = store_ix_load(t->txn, t->s->meta, &t->s->ids, &t->ids)) ||
	    (rc = store_ix_load(t->txn, t->s->meta, &t->s->vals, &t->vals)))
		return rc;
	t->ix_loaded = true;
	return 0;
}

/* --- shared helpers --------------------------------------------------- */

/* A record by rowid: whole ones in records, stubs in stubs. */
int
store_rowid_get(MDB_txn *txn, const struct store *s, uint64_t rowid,
    MDB_val *val)
{
	MDB_val k = { sizeof(rowid), &rowid };
	int rc = mdb_get(txn, s->records, &k, val);

	if (rc == MDB_NOTFOUND)
		rc = mdb_get(txn, s->stubs, &k, val);
	return rc;
}

/*
 * Stubs have a database of their own: a body pruned in place would
 * leave its record page two thirds empty for good (LMDB never repacks
 * a leaf), whereas a deleted record lets emptied pages merge and be
 * reused, and stubs pack 16 to a page.  New stubs have the highest
 * rowid and append; pruned ones mostly land at the end of a page.
 */
int
store_stub_put(MDB_txn *txn, const struct store *s, uint64_t rowid,
    const uint8_t stub[RECORD_STUB_LEN])
{
	MDB_val k = { sizeof(rowid), &rowid },
	    v = { RECORD_STUB_LEN, (void *)stub };
	int rc = mdb_put(txn, s->stubs, &k, &v, MDB_APPEND);

	if (rc == MDB_KEYEXIST)
		rc = mdb_put(txn, s->stubs, &k, &v, 0);
	return rc;
}

int
store_decode_stored(const MDB_val *v, struct record *r)
{
	const char *why;

	if (record_decode(v->mv_data, v->mv_size, r, &why) != 0)
		return MDB_CORRUPTED;
	return 0;
}

/*
 * The opened plaintext of whole record r at rowid, or MDB_NOTFOUND.  Only
 * sealed bodies can have one, so clear records cost no lookup.
 */
int
store_opened_get(MDB_txn *txn, const struct store *s, uint64_t rowid,
    const struct record *r, MDB_val *plain)
{
	MDB_val k = { sizeof(rowid), &rowid };
	int rc;

	if (!s->has_opened || r->body == NULL || !seal_required(&r->h))
		return MDB_NOTFOUND;
	if ((rc = mdb_get(txn, s->opened, &k, plain)) != 0)
		return rc;
	if (plain->mv_size == 0 || plain->mv_size > RECORD_BODY_MAX)
		return MDB_CORRUPTED;
	return 0;
}

/* A stored record as reads hand it out: an opened sealed body shows its
 * plaintext, raw stays the stored bytes (store.h, "Sealed bodies"). */
int
store_record_out(MDB_txn *txn, const struct store *s, uint64_t rowid,
    const MDB_val *v, struct record *r)
{
	MDB_val plain;
	int rc;

	if ((rc = store_decode_stored(v, r)) != 0)
		return rc;
	if ((rc = store_opened_get(txn, s, rowid, r, &plain)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	r->body = plain.mv_data;
	r->h.body_len = (uint32_t)plain.mv_size;
	r->opened = true;
	return 0;
}

int
store_head_get(MDB_txn *txn, const struct store *s,
    const uint8_t origin[RECORD_KEY_LEN], struct head_v *hv)
{
	MDB_val k = { RECORD_KEY_LEN, (void *)origin }, v;
	int rc;

	if ((rc = mdb_get(txn, s->heads, &k, &v)) != 0)
		return rc;
	if (v.mv_size != sizeof(*hv))
		return MDB_CORRUPTED;
	memcpy(hv, v.mv_data, sizeof(*hv));
	return 0;
}

/* The rowid and stored bytes of id, resolving id-prefix collisions by
 * hashing each candidate's header. */
int
store_id_find(MDB_txn *txn, const struct store *s, const struct ix_state *ids,
    const uint8_t id[RECORD_ID_LEN], uint64_t *rowid, MDB_val *val)
{
	struct ix_iter it;
	const uint8_t *key;
	uint8_t cand[RECORD_ID_LEN];
	int rc;

	if ((rc = store_ix_iter_open(&it, txn, &s->ids, ids, id,
	    ID_PREFIX_LEN)) != 0)
		return rc;
	while ((rc = store_ix_iter_next(&it, &key)) == 0) {
		*rowid = be64_get(key + ID_PREFIX_LEN);
		if ((rc = store_rowid_get(txn, s, *rowid, val)) != 0) {
			rc = rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
			break;
		}
		if (val->mv_size < RECORD_STUB_LEN) {
			rc = MDB_CORRUPTED;
			break;
		}
		crypto_generichash(cand, sizeof(cand), val->mv_data,
		    RECORD_HEADER_LEN, NULL, 0);
		if (memcmp(cand, id, RECORD_ID_LEN) == 0)
			break;
	}
	store_ix_iter_close(&it);
	return rc;
}

/* SipHash-2-4 keyed with the store's own secret: an outsider cannot pick
 * two values that share an index key. */
void
store_vhash(const struct store *s, int type, const char *value, size_t len,
    uint8_t out[VHASH_LEN])
{
	uint8_t buf[1 + INDICATOR_VALUE_MAX];

	if (len > INDICATOR_VALUE_MAX)
		len = INDICATOR_VALUE_MAX;
	buf[0] = (uint8_t)type;
	memcpy(buf + 1, value, len);
	crypto_shorthash(out, buf, 1 + len, s->vkey);
}

/* 1 with the type and value of an indexable body, 0 if it has none. */
int
store_body_value(const struct record *r, const cJSON *root, int *type,
    const char **value)
{
	const cJSON *t, *v;

	if (r->h.kind != RK_INDICATOR && r->h.kind != RK_SIGHTING)
		return 0;
	t = json_get(root, "type");
	v = json_get(root, "value");
	if (!cJSON_IsString(t) || !cJSON_IsString(v))
		return 0;
	if ((*type = indicator_type_from_name(t->valuestring)) < 0)
		return 0;
	*value = v->valuestring;
	return 1;
}

/* --- reads -------------------------------------------------------------- */

static int
s_rowid_record(struct store_txn *t, uint64_t rowid, struct record *out)
{
	MDB_val v;
	int rc;

	if ((rc = store_rowid_get(t->txn, t->s, rowid, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	return store_record_out(t->txn, t->s, rowid, &v, out);
}

int
store_get(struct store_txn *t, const uint8_t id[RECORD_ID_LEN],
    struct record *out)
{
	uint64_t rowid;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = s_txn_ix(t)) != 0 ||
	    (rc = store_id_find(t->txn, t->s, &t->ids, id, &rowid, &v)) != 0 ||
	    (rc = store_record_out(t->txn, t->s, rowid, &v, out)) != 0)
		return store_err(t->s, rc, NULL);
	return 0;
}

int
store_get_seq(struct store_txn *t, const uint8_t origin[RECORD_KEY_LEN],
    uint64_t seq, struct record *out)
{
	struct head_v hv;
	uint8_t key[12];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_head_get(t->txn, t->s, origin, &hv)) != 0)
		return store_err(t->s, rc, NULL);
	be32_put(key, hv.onum);
	be64_put(key + 4, seq);
	if ((rc = mdb_get(t->txn, t->s->log, &k, &v)) != 0)
		return store_err(t->s, rc, NULL);
	if (v.mv_size != 8)
		return KY_ECORRUPT;
	if ((rc = s_rowid_record(t, u64_get(v.mv_data), out)) != 0)
		return store_err(t->s, rc, NULL);
	return 0;
}

static void
s_head_out(const uint8_t *origin, const struct head_v *hv,
    struct store_head *out)
{
	memcpy(out->origin, origin, RECORD_KEY_LEN);
	out->contig = hv->contig;
	out->max = hv->max;
	memcpy(out->last_id, hv->last_id, RECORD_ID_LEN);
	out->flags = hv->flags;
}

int
store_head(struct store_txn *t, const uint8_t origin[RECORD_KEY_LEN],
    struct store_head *out)
{
	struct head_v hv;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_head_get(t->txn, t->s, origin, &hv)) != 0)
		return store_err(t->s, rc, NULL);
	s_head_out(origin, &hv, out);
	return 0;
}

int
store_heads(struct store_txn *t, store_head_fn cb, void *ctx)
{
	struct store_head h;
	struct head_v hv;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(t->txn, t->s->heads, &c)) != 0)
		return store_err(t->s, rc, NULL);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != RECORD_KEY_LEN || v.mv_size != sizeof(hv)) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&hv, v.mv_data, sizeof(hv));
		s_head_out(k.mv_data, &hv, &h);
		if ((rc = cb(ctx, &h)) != 0) {
			mdb_cursor_close(c);
			return rc;
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_err(t->s, rc, NULL);
}

int
store_range(struct store_txn *t, const uint8_t origin[RECORD_KEY_LEN],
    uint64_t from, store_record_fn cb, void *ctx)
{
	struct head_v hv;
	struct record r;
	uint8_t key[12];
	MDB_cursor *c;
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	if ((rc = store_head_get(t->txn, t->s, origin, &hv)) != 0)
		return rc == MDB_NOTFOUND ? 0 : store_err(t->s, rc, NULL);
	be32_put(key, hv.onum);
	be64_put(key + 4, from);
	if ((rc = mdb_cursor_open(t->txn, t->s->log, &c)) != 0)
		return store_err(t->s, rc, NULL);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 12 || be32_get(k.mv_data) != hv.onum)
			break;
		if (v.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if ((rc = s_rowid_record(t, u64_get(v.mv_data), &r)) != 0)
			break;
		if ((rc = cb(ctx, &r)) != 0) {
			mdb_cursor_close(c);
			return rc;
		}
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(t->s, rc, NULL);
}

int
store_value(struct store_txn *t, int type, const char *value, size_t len,
    store_record_fn cb, void *ctx, uint32_t *origins)
{
	uint8_t vh[VHASH_LEN];
	struct ix_iter it;
	struct record r;
	const uint8_t *key;
	uint32_t n = 0, last = 0;
	int rc;

	if (origins != NULL)
		*origins = 0;
	if (type < 1 || type > IT_MAX || len > INDICATOR_VALUE_MAX)
		return KY_EINVAL;
	if ((rc = s_txn_ix(t)) != 0)
		return store_err(t->s, rc, NULL);
	store_vhash(t->s, type, value, len, vh);
	if ((rc = store_ix_iter_open(&it, t->txn, &t->s->vals, &t->vals, vh,
	    VHASH_LEN)) != 0)
		return store_err(t->s, rc, NULL);
	/* Keys sort by onum, so each origin's entries are adjacent. */
	while ((rc = store_ix_iter_next(&it, &key)) == 0) {
		uint32_t onum = be32_get(key + VHASH_LEN);

		if (n == 0 || onum != last)
			n++;
		last = onum;
		if (cb == NULL)
			continue;
		if ((rc = s_rowid_record(t, be64_get(key + VHASH_LEN + 4),
		    &r)) != 0)
			break;
		if ((rc = cb(ctx, &r)) != 0) {
			store_ix_iter_close(&it);
			return rc;
		}
	}
	store_ix_iter_close(&it);
	if (rc != MDB_NOTFOUND)
		return store_err(t->s, rc, NULL);
	if (origins != NULL)
		*origins = n;
	return 0;
}

int
store_changes(struct store_txn *t, uint64_t after, size_t max,
    store_change_fn cb, void *ctx)
{
	uint64_t cur = after + 1, val;
	struct record r;
	MDB_cursor *c;
	MDB_val k = { sizeof(cur), &cur }, v;
	size_t count = 0;
	int rc;

	if ((rc = mdb_cursor_open(t->txn, t->s->changes, &c)) != 0)
		return store_err(t->s, rc, NULL);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (max != 0 && count++ >= max)
			break;
		if (k.mv_size != 8 || v.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		val = u64_get(v.mv_data);
		if ((rc = s_rowid_record(t, val & CHG_ROW_MASK, &r)) != 0)
			break;
		if ((rc = cb(ctx, u64_get(k.mv_data),
		    (int)(val >> CHG_OP_SHIFT), &r)) != 0) {
			mdb_cursor_close(c);
			return rc;
		}
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(t->s, rc, NULL);
}

uint64_t
store_cursor(struct store_txn *t)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t cur = 0;

	if (mdb_cursor_open(t->txn, t->s->changes, &c) != 0)
		return 0;
	if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
		cur = u64_get(k.mv_data);
	mdb_cursor_close(c);
	return cur;
}

int
store_forks(struct store_txn *t, const uint8_t *origin, store_record_fn cb,
    void *ctx)
{
	struct record r;
	MDB_cursor *c;
	MDB_val k = { RECORD_KEY_LEN, (void *)origin }, v;
	int rc;

	if ((rc = mdb_cursor_open(t->txn, t->s->forks, &c)) != 0)
		return store_err(t->s, rc, NULL);
	for (rc = mdb_cursor_get(c, &k, &v, origin ? MDB_SET_RANGE : MDB_FIRST);
	    rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (origin != NULL && (k.mv_size < RECORD_KEY_LEN ||
		    memcmp(k.mv_data, origin, RECORD_KEY_LEN) != 0))
			break;
		if ((rc = store_decode_stored(&v, &r)) != 0)
			break;
		if ((rc = cb(ctx, &r)) != 0) {
			mdb_cursor_close(c);
			return rc;
		}
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(t->s, rc, NULL);
}

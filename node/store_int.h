/*
 * store_int.h - what node/store*.c share; nothing else includes it.
 *
 * Internal functions return raw LMDB or errno codes (0, MDB_NOTFOUND,
 * MDB_MAP_FULL, ENOSPC ...), or -1 for "this record is refused" where
 * noted; the public functions turn them into KY_E* codes in one place,
 * store_err().
 */
#ifndef KY_STORE_INT_H
#define KY_STORE_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cJSON.h>
#include <lmdb.h>

#include "node/store.h"

/*
 * The id and value indexes are kept as sorted runs (store_ix.c): each
 * run is its own LMDB database ("slot").  New entries go into the small
 * active run; a full active run is sealed, and IX_FANOUT sealed runs of
 * one level are merged into one run of the next.  Lookups probe every
 * live run.  See docs/store.md for why.
 */
#define IX_SLOTS	32	/* databases per index */
#define IX_FANOUT	4	/* runs of one level merged together */
#define IX_RUN_MAX	16384	/* entries in the active run before it is sealed */
#define IX_FREE		0xff	/* level of an unused slot */
#define IX_KEY_MAX	24

#define ID_PREFIX_LEN	8	/* bytes of an id used as its index key */
#define VHASH_LEN	8	/* keyed BLAKE2b of (type, value) */
#define VKEY_LEN	16	/* the store's secret key for VHASH */

/* Persistent per index, in meta "ix.<name>". */
struct ix_state {
	uint8_t active;			/* slot of the active run */
	uint8_t level[IX_SLOTS];	/* level of each slot, or IX_FREE */
};

struct ix {
	const char *name;		/* "ids", "values" */
	size_t klen;			/* every key is this long; values are empty */
	MDB_dbi dbi[IX_SLOTS];
};

/* A merged walk over the live runs of one index, in key order. */
struct ix_iter {
	MDB_cursor *c[IX_SLOTS];	/* NULL: slot not live or exhausted */
	uint8_t key[IX_SLOTS][IX_KEY_MAX];	/* each cursor's current key */
	uint8_t out[IX_KEY_MAX];	/* the key last returned */
	uint8_t prefix[IX_KEY_MAX];
	size_t plen, klen;
	int n;				/* slots with a cursor */
};

/* On-disk value of heads[origin]. */
struct head_v {
	uint32_t onum;			/* the origin's local number (log, values) */
	uint32_t flags;			/* STORE_HEAD_* */
	uint64_t contig;
	uint64_t max;
	uint8_t last_id[RECORD_ID_LEN];
};

struct store {
	MDB_env *env;
	unsigned flags;			/* STORE_RDONLY ... */
	size_t mapsize;			/* current map size */
	uint32_t run_entries;		/* seal the active run at this size */
	int fd;				/* data.mdb, for stats */
	MDB_dbi records;	/* rowid (u64, INTEGERKEY, APPEND) -> whole record */
	MDB_dbi stubs;		/* rowid (u64, INTEGERKEY) -> stub (232 bytes) */
	MDB_dbi log;		/* onum(4) seq(8) BE -> rowid */
	MDB_dbi heads;		/* origin(32) -> struct head_v */
	MDB_dbi expiry;		/* expires(8) rowid(8) BE -> "" */
	MDB_dbi changes;	/* cursor (u64, INTEGERKEY, APPEND) -> op<<56 | rowid */
	MDB_dbi forks;		/* origin(32) seq(8) id(32) -> record bytes */
	MDB_dbi retracted;	/* target id(32) origin(32) -> retraction rowid */
	MDB_dbi meta;		/* "version", "vkey", "onum", "ix.*" */
	MDB_dbi opened;		/* rowid (u64, INTEGERKEY) -> plaintext of a sealed body */
	bool has_opened;	/* false: a read-only open of a store made before "opened" */
	struct ix ids;		/* id[0..8) rowid(8) */
	struct ix vals;		/* vhash(8) onum(4) rowid(8) */
	uint8_t vkey[VKEY_LEN];
	struct store_prof *prof;
	store_opener_fn opener;	/* NULL: keep sealed bodies unopened */
	void *opener_ctx;
	_Atomic(struct store_txn *) spare;	/* an ended read txn to renew */
	atomic_int readers;	/* read txns of this process now open */
};

struct store_txn {
	struct store *s;
	MDB_txn *txn;
	bool ix_loaded;
	struct ix_state ids, vals;
};

#define CHG_OP_SHIFT	56
#define CHG_ROW_MASK	((UINT64_C(1) << CHG_OP_SHIFT) - 1)

static inline void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static inline void
be64_put(uint8_t *p, uint64_t v)
{
	be32_put(p, v >> 32);
	be32_put(p + 4, (uint32_t)v);
}

static inline uint32_t
be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
be64_get(const uint8_t *p)
{
	return (uint64_t)be32_get(p) << 32 | be32_get(p + 4);
}

static inline uint64_t
u64_get(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* store.c */
int store_err(struct store *s, int rc, const char **why);
double store_clock(void);
int store_wbegin(struct store *s, MDB_txn **txn);
int store_grow(struct store *s);
int store_rowid_get(MDB_txn *txn, const struct store *s, uint64_t rowid,
    MDB_val *val);
int store_stub_put(MDB_txn *txn, const struct store *s, uint64_t rowid,
    const uint8_t stub[RECORD_STUB_LEN]);
int store_decode_stored(const MDB_val *v, struct record *r);
int store_opened_get(MDB_txn *txn, const struct store *s, uint64_t rowid,
    const struct record *r, MDB_val *plain);
int store_record_out(MDB_txn *txn, const struct store *s, uint64_t rowid,
    const MDB_val *v, struct record *r);
int store_head_get(MDB_txn *txn, const struct store *s,
    const uint8_t origin[RECORD_KEY_LEN], struct head_v *hv);
int store_id_find(MDB_txn *txn, const struct store *s,
    const struct ix_state *ids, const uint8_t id[RECORD_ID_LEN],
    uint64_t *rowid, MDB_val *val);
void store_vhash(const struct store *s, int type, const char *value,
    size_t len, uint8_t out[VHASH_LEN]);
int store_body_value(const struct record *r, const cJSON *root, int *type,
    const char **value);

/* store_ix.c */
int store_ix_load(MDB_txn *txn, MDB_dbi meta, const struct ix *ix,
    struct ix_state *st);
int store_ix_save(MDB_txn *txn, MDB_dbi meta, const struct ix *ix,
    const struct ix_state *st);
void store_ix_init(struct ix_state *st);
int store_ix_put(MDB_txn *txn, const struct ix *ix, const struct ix_state *st,
    const uint8_t *key);
int store_ix_del(MDB_txn *txn, const struct ix *ix, const struct ix_state *st,
    const uint8_t *key);
int store_ix_has(MDB_txn *txn, const struct ix *ix, const struct ix_state *st,
    const uint8_t *key);
int store_ix_seal(MDB_txn *txn, const struct ix *ix, struct ix_state *st,
    uint32_t run_entries, bool *changed);
bool store_ix_needs_merge(const struct ix_state *st);
int store_ix_merge(MDB_txn *txn, const struct ix *ix, struct ix_state *st);
unsigned store_ix_live(const struct ix_state *st);
int store_ix_iter_open(struct ix_iter *it, MDB_txn *txn, const struct ix *ix,
    const struct ix_state *st, const uint8_t *prefix, size_t plen);
int store_ix_iter_next(struct ix_iter *it, const uint8_t **key);
void store_ix_iter_close(struct ix_iter *it);

/* store_sweep.c */
int store_prune(MDB_txn *txn, struct store *s, const struct ix_state *vals,
    uint64_t rowid, uint32_t onum, int op, MDB_cursor *changes,
    uint64_t *next_chg, bool expiry_done);

#endif

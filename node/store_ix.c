/*
 * store_ix.c - the id and value indexes as sorted runs.
 *
 * Why runs: an id or a value hash is a random key.  In one big B-tree
 * every random insert dirties its own leaf page, so a batch of 5000
 * records rewrites ~5000 pages per index once the tree is large, and the
 * commit writes and syncs ~20 MB (measured: 10 us per record per index
 * on this VM, more than the whole budget).  Here a batch inserts into a
 * small active run of at most IX_RUN_MAX entries, whose few hundred
 * pages stay hot; full runs are sealed and merged IX_FANOUT at a time by
 * a sequential MDB_APPEND pass, which writes pages full.  Each entry is
 * rewritten about log4(N / IX_RUN_MAX) times, sequentially; a lookup
 * probes every live run (about 3 per level).
 *
 * Every run is its own named database ("ids.07"), so a merged run is
 * freed with one mdb_drop() instead of one delete per entry.  Keys are
 * fixed-length and unique (the rowid is part of the key), values empty.
 */
#include <stdio.h>

#include "node/store_int.h"

void
store_ix_init(struct ix_state *st)
{
	memset(st->level, IX_FREE, sizeof(st->level));
	st->active = 0;
	st->level[0] = 0;
}

static void
s_meta_key(const struct ix *ix, char *buf, size_t cap, MDB_val *k)
{
	int n = snprintf(buf, cap, "ix.%s", ix->name);

	k->mv_data = buf;
	k->mv_size = (size_t)n;
}

int
store_ix_load(MDB_txn *txn, MDB_dbi meta, const struct ix *ix,
    struct ix_state *st)
{
	char name[32];
	MDB_val k, v;
	int rc;

	s_meta_key(ix, name, sizeof(name), &k);
	if ((rc = mdb_get(txn, meta, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	if (v.mv_size != sizeof(*st))
		return MDB_CORRUPTED;
	memcpy(st, v.mv_data, sizeof(*st));
	if (st->active >= IX_SLOTS || st->level[st->active] != 0)
		return MDB_CORRUPTED;
	return 0;
}

int
store_ix_save(MDB_txn *txn, MDB_dbi meta, const struct ix *ix,
    const struct ix_state *st)
{
	char name[32];
	MDB_val k, v = { sizeof(*st), (void *)st };

	s_meta_key(ix, name, sizeof(name), &k);
	return mdb_put(txn, meta, &k, &v, 0);
}

unsigned
store_ix_live(const struct ix_state *st)
{
	unsigned n = 0;

	for (int i = 0; i < IX_SLOTS; i++)
		n += st->level[i] != IX_FREE;
	return n;
}

int
store_ix_put(MDB_txn *txn, const struct ix *ix, const struct ix_state *st,
    const uint8_t *key)
{
	MDB_val k = { ix->klen, (void *)key }, v = { 0, NULL };

	return mdb_put(txn, ix->dbi[st->active], &k, &v, 0);
}

/* Deletes key from whichever run holds it; MDB_NOTFOUND if none does. */
int
store_ix_del(MDB_txn *txn, const struct ix *ix, const struct ix_state *st,
    const uint8_t *key)
{
	MDB_val k = { ix->klen, (void *)key };
	int rc;

	for (int i = 0; i < IX_SLOTS; i++) {
		if (st->level[i] == IX_FREE)
			continue;
		if ((rc = mdb_del(txn, ix->dbi[i], &k, NULL)) != MDB_NOTFOUND)
			return rc;
	}
	return MDB_NOTFOUND;
}

/* 0 when some run holds key, else MDB_NOTFOUND (or an error). */
int
store_ix_has(MDB_txn *txn, const struct ix *ix, const struct ix_state *st,
    const uint8_t *key)
{
	MDB_val k = { ix->klen, (void *)key }, v;
	int rc;

	for (int i = 0; i < IX_SLOTS; i++) {
		if (st->level[i] == IX_FREE)
			continue;
		if ((rc = mdb_get(txn, ix->dbi[i], &k, &v)) != MDB_NOTFOUND)
			return rc;
	}
	return MDB_NOTFOUND;
}

static int
s_free_slot(const struct ix_state *st)
{
	for (int i = 0; i < IX_SLOTS; i++)
		if (st->level[i] == IX_FREE)
			return i;
	return -1;
}

/*
 * Seals a full active run and starts an empty one.  One free slot is
 * always left for a merge's output; without it (merges failing again
 * and again, say on a full disk) the active run just grows: slower
 * inserts, never a refusal.
 */
int
store_ix_seal(MDB_txn *txn, const struct ix *ix, struct ix_state *st,
    uint32_t run_entries, bool *changed)
{
	MDB_stat ms;
	int rc, slot;

	if ((rc = mdb_stat(txn, ix->dbi[st->active], &ms)) != 0)
		return rc;
	if (ms.ms_entries < run_entries)
		return 0;
	if (IX_SLOTS - store_ix_live(st) < 2 || (slot = s_free_slot(st)) < 0)
		return 0;
	st->active = (uint8_t)slot;
	st->level[slot] = 0;
	*changed = true;
	return 0;
}

/* The lowest level with IX_FANOUT sealed runs, or -1. */
static int
s_full_level(const struct ix_state *st)
{
	int count[256] = { 0 };

	for (int i = 0; i < IX_SLOTS; i++)
		if (st->level[i] != IX_FREE && i != st->active)
			count[st->level[i]]++;
	for (int l = 0; l < IX_FREE; l++)
		if (count[l] >= IX_FANOUT)
			return l;
	return -1;
}

bool
store_ix_needs_merge(const struct ix_state *st)
{
	return s_full_level(st) >= 0;
}

/*
 * Merges, level by level, every group of IX_FANOUT sealed runs into one
 * run of the next level: a merged walk appended in order to a free slot,
 * then the sources dropped.  Runs hold disjoint keys; a key found twice
 * is written once.
 */
int
store_ix_merge(MDB_txn *txn, const struct ix *ix, struct ix_state *st)
{
	struct ix_state src;
	struct ix_iter it;
	MDB_cursor *out = NULL;
	const uint8_t *key;
	int rc = 0, level, target;

	while ((level = s_full_level(st)) >= 0) {
		if ((target = s_free_slot(st)) < 0)
			return MDB_DBS_FULL;
		/* src: the runs to merge, as an index state of their own. */
		memset(src.level, IX_FREE, sizeof(src.level));
		src.active = (uint8_t)target;
		for (int i = 0, n = 0; i < IX_SLOTS && n < IX_FANOUT; i++)
			if (i != st->active && st->level[i] == level) {
				src.level[i] = (uint8_t)level;
				n++;
			}
		if ((rc = store_ix_iter_open(&it, txn, ix, &src, NULL, 0)) != 0)
			return rc;
		if ((rc = mdb_cursor_open(txn, ix->dbi[target], &out)) != 0)
			goto done;
		while ((rc = store_ix_iter_next(&it, &key)) == 0) {
			MDB_val k = { ix->klen, (void *)key }, v = { 0, NULL };

			rc = mdb_cursor_put(out, &k, &v, MDB_APPEND);
			if (rc != 0 && rc != MDB_KEYEXIST)
				goto done;
		}
		if (rc != MDB_NOTFOUND)
			goto done;
		store_ix_iter_close(&it);
		mdb_cursor_close(out);
		out = NULL;
		for (int i = 0; i < IX_SLOTS; i++)
			if (src.level[i] != IX_FREE && i != target) {
				if ((rc = mdb_drop(txn, ix->dbi[i], 0)) != 0)
					return rc;
				st->level[i] = IX_FREE;
			}
		st->level[target] = (uint8_t)(level + 1);
	}
	return 0;
done:
	store_ix_iter_close(&it);
	if (out != NULL)
		mdb_cursor_close(out);
	return rc;
}

/* Positions cursor i at its first key with the prefix, or drops it. */
static int
s_iter_load(struct ix_iter *it, int i, MDB_cursor_op op)
{
	MDB_val k, v;
	int rc;

	if (op == MDB_SET_RANGE) {
		k.mv_data = it->prefix;
		k.mv_size = it->plen;
	}
	rc = mdb_cursor_get(it->c[i], &k, &v, op);
	if (rc == 0 && k.mv_size != it->klen)
		rc = MDB_CORRUPTED;
	else if (rc == 0 && memcmp(k.mv_data, it->prefix, it->plen) != 0)
		rc = MDB_NOTFOUND;
	if (rc != 0) {
		mdb_cursor_close(it->c[i]);
		it->c[i] = NULL;
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	memcpy(it->key[i], k.mv_data, it->klen);
	return 0;
}

int
store_ix_iter_open(struct ix_iter *it, MDB_txn *txn, const struct ix *ix,
    const struct ix_state *st, const uint8_t *prefix, size_t plen)
{
	int rc;

	memset(it->c, 0, sizeof(it->c));
	it->klen = ix->klen;
	it->plen = plen;
	it->n = 0;
	if (plen > 0)
		memcpy(it->prefix, prefix, plen);
	for (int i = 0; i < IX_SLOTS; i++) {
		if (st->level[i] == IX_FREE)
			continue;
		if ((rc = mdb_cursor_open(txn, ix->dbi[i], &it->c[i])) != 0 ||
		    (rc = s_iter_load(it, i, plen > 0 ? MDB_SET_RANGE :
		    MDB_FIRST)) != 0) {
			store_ix_iter_close(it);
			return rc;
		}
		it->n = i + 1;
	}
	return 0;
}

/* The next key in order into *key (valid until the next call), or
 * MDB_NOTFOUND at the end. */
int
store_ix_iter_next(struct ix_iter *it, const uint8_t **key)
{
	int best = -1, rc;

	for (int i = 0; i < it->n; i++)
		if (it->c[i] != NULL && (best < 0 ||
		    memcmp(it->key[i], it->key[best], it->klen) < 0))
			best = i;
	if (best < 0)
		return MDB_NOTFOUND;
	memcpy(it->out, it->key[best], it->klen);
	if ((rc = s_iter_load(it, best, MDB_NEXT)) != 0)
		return rc;
	*key = it->out;
	return 0;
}

void
store_ix_iter_close(struct ix_iter *it)
{
	for (int i = 0; i < it->n; i++)
		if (it->c[i] != NULL) {
			mdb_cursor_close(it->c[i]);
			it->c[i] = NULL;
		}
	it->n = 0;
}

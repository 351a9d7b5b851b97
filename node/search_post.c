/*
 * search_post.c - posting lists: term -> (docnum, tf), in blocks.
 *
 * A posting list is a run of blocks, each one LMDB entry keyed
 * term || 0x00 || first docnum (big-endian), so the blocks of one term
 * are adjacent and in docnum order.  A block holds up to BLOCK_MAX bytes
 * of varint pairs (docnum - previous docnum, tf); the first delta is from
 * the docnum in the key.  Docnums only grow, so indexing appends to the
 * last block of each term.  About 2.5 bytes a posting instead of the 20
 * or more of one LMDB entry per (term, document): docs/search.md.
 *
 * Indexing gathers a batch of documents in memory first (struct
 * post_acc), then appends each term once, in term order, so a batch of
 * a thousand articles touches each posting list once and walks the
 * B-tree in order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node/search_int.h"

/* ---- varints ---- */

static size_t
s_varint_put(uint8_t *p, uint32_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Reads one varint at *i; false when it runs past end or over 32 bits. */
static bool
s_varint_get(const uint8_t *p, size_t len, size_t *i, uint32_t *v)
{
	uint32_t x = 0;

	for (unsigned shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (*i >= len)
			return false;
		b = p[(*i)++];
		if (shift == 28 && b > 0x0f)
			return false;
		x |= (uint32_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*v = x;
			return true;
		}
	}
	return false;
}

size_t
post_key(uint8_t *out, const char *term, size_t len, uint32_t doc)
{
	memcpy(out, term, len);
	out[len] = 0;
	be32_put(out + len + 1, doc);
	return len + 5;
}

uint32_t
post_key_doc(const MDB_val *k)
{
	return be32_get((const uint8_t *)k->mv_data + k->mv_size - 4);
}

int
post_decode(uint32_t first, const uint8_t *val, size_t len,
    struct posting **v, size_t *n, size_t *cap)
{
	uint32_t prev = first, delta, tf;
	size_t i = 0;

	while (i < len) {
		if (!s_varint_get(val, len, &i, &delta) ||
		    !s_varint_get(val, len, &i, &tf) ||
		    delta > UINT32_MAX - prev)
			return MDB_CORRUPTED;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 256;
			struct posting *nv = realloc(*v, nc * sizeof(*nv));

			if (nv == NULL)
				return ENOMEM;
			*v = nv;
			*cap = nc;
		}
		prev += delta;
		(*v)[(*n)++] = (struct posting){ prev, tf };
	}
	return 0;
}

/* ---- the accumulator ---- */

struct acc_term {
	char *term;		/* NUL-terminated */
	size_t len;
	uint32_t hash;
	struct posting *p;
	size_t n, cap;
};

struct post_acc {
	struct acc_term *slot;	/* open addressing; term NULL: free */
	size_t nslots;		/* a power of two */
	size_t used;
	size_t postings;	/* (term, docnum) pairs gathered */
};

static uint32_t
s_hash(const char *t, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)t[i]) * 16777619u;
	return h;
}

struct post_acc *
post_acc_new(void)
{
	struct post_acc *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->nslots = 4096;
	if ((a->slot = calloc(a->nslots, sizeof(*a->slot))) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

static void
s_acc_reset(struct post_acc *a)
{
	for (size_t i = 0; i < a->nslots; i++) {
		free(a->slot[i].term);
		free(a->slot[i].p);
	}
	memset(a->slot, 0, a->nslots * sizeof(*a->slot));
	a->used = 0;
	a->postings = 0;
}

void
post_acc_destroy(struct post_acc **pa)
{
	if (pa == NULL || *pa == NULL)
		return;
	s_acc_reset(*pa);
	free((*pa)->slot);
	free(*pa);
	*pa = NULL;
}

bool
post_acc_empty(const struct post_acc *a)
{
	return a->used == 0;
}

size_t
post_acc_postings(const struct post_acc *a)
{
	return a->postings;
}

static int
s_acc_grow(struct post_acc *a)
{
	size_t n = a->nslots * 2;
	struct acc_term *s = calloc(n, sizeof(*s));

	if (s == NULL)
		return ENOMEM;
	for (size_t i = 0; i < a->nslots; i++) {
		size_t j;

		if (a->slot[i].term == NULL)
			continue;
		for (j = a->slot[i].hash & (n - 1); s[j].term != NULL;
		    j = (j + 1) & (n - 1))
			;
		s[j] = a->slot[i];
	}
	free(a->slot);
	a->slot = s;
	a->nslots = n;
	return 0;
}

int
post_acc_add(struct post_acc *a, const char *term, size_t len,
    uint32_t doc, uint32_t weight)
{
	uint32_t h = s_hash(term, len);
	struct acc_term *e;
	size_t j;

	if ((a->used + 1) * 10 > a->nslots * 7 && s_acc_grow(a) != 0)
		return ENOMEM;
	for (j = h & (a->nslots - 1); a->slot[j].term != NULL;
	    j = (j + 1) & (a->nslots - 1))
		if (a->slot[j].hash == h && a->slot[j].len == len &&
		    memcmp(a->slot[j].term, term, len) == 0)
			break;
	e = &a->slot[j];
	if (e->term == NULL) {
		if ((e->term = malloc(len + 1)) == NULL)
			return ENOMEM;
		memcpy(e->term, term, len);
		e->term[len] = '\0';
		e->len = len;
		e->hash = h;
		a->used++;
	}
	if (e->n > 0 && e->p[e->n - 1].doc == doc) {
		e->p[e->n - 1].tf += weight;
		return 0;
	}
	if (e->n == e->cap) {
		size_t nc = e->cap ? e->cap * 2 : 4;
		struct posting *np = realloc(e->p, nc * sizeof(*np));

		if (np == NULL)
			return ENOMEM;
		e->p = np;
		e->cap = nc;
	}
	e->p[e->n++] = (struct posting){ doc, weight };
	a->postings++;
	return 0;
}

static int
s_term_cmp(const void *x, const void *y)
{
	const struct acc_term *a = *(const struct acc_term *const *)x;
	const struct acc_term *b = *(const struct acc_term *const *)y;
	int c = memcmp(a->term, b->term, a->len < b->len ? a->len : b->len);

	/* The key order of term || 0x00: a shorter prefix sorts first. */
	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/* Writes new blocks for p[0..n) of term, after prev's block if any. */
static int
s_append(MDB_txn *txn, MDB_dbi post, MDB_cursor *c, const struct acc_term *e)
{
	uint8_t key[TERM_MAX + 8], buf[BLOCK_MAX + 16], enc[10];
	MDB_val k, v;
	size_t i = 0, blen = 0, el;
	uint32_t prev = 0, first = 0;
	int rc;

	/* The last block of the term: the entry before term || 0 || ~0. */
	k.mv_size = post_key(key, e->term, e->len, UINT32_MAX);
	k.mv_data = key;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == e->len + 5 &&
	    memcmp(k.mv_data, e->term, e->len + 1) == 0 &&
	    v.mv_size < BLOCK_MAX) {
		struct posting *old = NULL;
		size_t on = 0, ocap = 0;

		first = post_key_doc(&k);
		if ((rc = post_decode(first, v.mv_data, v.mv_size, &old, &on,
		    &ocap)) != 0) {
			free(old);
			return rc;
		}
		prev = on > 0 ? old[on - 1].doc : first;
		free(old);
		memcpy(buf, v.mv_data, v.mv_size);
		blen = v.mv_size;
		if (e->p[0].doc <= prev && on > 0)
			return MDB_CORRUPTED;	/* docnums must grow */
	} else if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	else
		blen = 0;
	while (i < e->n) {
		if (blen == 0) {
			first = prev = e->p[i].doc;
		}
		el = s_varint_put(enc, e->p[i].doc - prev);
		el += s_varint_put(enc + el, e->p[i].tf > 0xffff ? 0xffff :
		    e->p[i].tf);
		if (blen > 0 && blen + el > BLOCK_MAX) {
			k.mv_size = post_key(key, e->term, e->len, first);
			k.mv_data = key;
			v.mv_size = blen;
			v.mv_data = buf;
			if ((rc = mdb_put(txn, post, &k, &v, 0)) != 0)
				return rc;
			blen = 0;
			continue;
		}
		memcpy(buf + blen, enc, el);
		blen += el;
		prev = e->p[i].doc;
		i++;
	}
	k.mv_size = post_key(key, e->term, e->len, first);
	k.mv_data = key;
	v.mv_size = blen;
	v.mv_data = buf;
	return mdb_put(txn, post, &k, &v, 0);
}

int
post_acc_flush(struct post_acc *a, MDB_txn *txn, MDB_dbi post)
{
	struct acc_term **order;
	MDB_cursor *c;
	size_t n = 0;
	int rc = 0;

	if (a->used == 0)
		return 0;
	if ((order = malloc(a->used * sizeof(*order))) == NULL)
		return ENOMEM;
	for (size_t i = 0; i < a->nslots; i++)
		if (a->slot[i].term != NULL)
			order[n++] = &a->slot[i];
	qsort(order, n, sizeof(*order), s_term_cmp);
	if ((rc = mdb_cursor_open(txn, post, &c)) == 0) {
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = s_append(txn, post, c, order[i]);
		mdb_cursor_close(c);
	}
	free(order);
	if (rc == 0)
		s_acc_reset(a);
	return rc;
}

/* ---- purging ---- */

static bool
s_in(const uint32_t *set, size_t n, uint32_t doc)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set[mid] == doc)
			return true;
		if (set[mid] < doc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* A block to rewrite (len 0: delete), gathered before any write so the
 * walk never sees its own changes. */
struct edit {
	uint8_t *key;
	size_t klen;
	uint8_t *val;
	size_t vlen;
};

/*
 * Removes gone docnums from every block.  Retractions are rare and a
 * retracted body must not survive as a bag of terms, so this walks the
 * whole postings database once per sync that removed something: about
 * 0.1 s for 10,000 articles (docs/search.md).
 */
int
post_purge(MDB_txn *txn, MDB_dbi post, const uint32_t *gone, size_t ngone)
{
	struct edit *ed = NULL;
	size_t ned = 0, edcap = 0, pn, pcap = 0;
	struct posting *p = NULL;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (ngone == 0)
		return 0;
	if ((rc = mdb_cursor_open(txn, post, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint32_t first, prev;
		size_t keep = 0, vlen = 0;
		uint8_t *val;
		bool hit = false;

		if (k.mv_size < 6) {
			rc = MDB_CORRUPTED;
			break;
		}
		first = post_key_doc(&k);
		pn = 0;
		if ((rc = post_decode(first, v.mv_data, v.mv_size, &p, &pn,
		    &pcap)) != 0)
			break;
		for (size_t i = 0; i < pn && !hit; i++)
			hit = s_in(gone, ngone, p[i].doc);
		if (!hit)
			continue;
		if ((val = malloc(v.mv_size + 1)) == NULL) {
			rc = ENOMEM;
			break;
		}
		prev = first;
		for (size_t i = 0; i < pn; i++) {
			if (s_in(gone, ngone, p[i].doc))
				continue;
			vlen += s_varint_put(val + vlen, p[i].doc - prev);
			vlen += s_varint_put(val + vlen, p[i].tf);
			prev = p[i].doc;
			keep++;
		}
		if (ned == edcap) {
			size_t nc = edcap ? edcap * 2 : 64;
			struct edit *ne = realloc(ed, nc * sizeof(*ne));

			if (ne == NULL) {
				free(val);
				rc = ENOMEM;
				break;
			}
			ed = ne;
			edcap = nc;
		}
		ed[ned].klen = k.mv_size;
		ed[ned].vlen = keep > 0 ? vlen : 0;
		ed[ned].val = val;
		if ((ed[ned].key = malloc(k.mv_size)) == NULL) {
			free(val);
			rc = ENOMEM;
			break;
		}
		memcpy(ed[ned].key, k.mv_data, k.mv_size);
		ned++;
	}
	mdb_cursor_close(c);
	free(p);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	for (size_t i = 0; i < ned; i++) {
		k.mv_data = ed[i].key;
		k.mv_size = ed[i].klen;
		v.mv_data = ed[i].val;
		v.mv_size = ed[i].vlen;
		if (rc == 0)
			rc = ed[i].vlen == 0 ? mdb_del(txn, post, &k, NULL) :
			    mdb_put(txn, post, &k, &v, 0);
		free(ed[i].key);
		free(ed[i].val);
	}
	free(ed);
	return rc;
}

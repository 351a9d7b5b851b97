/*
 * search_query.c - running a query: AND over terms, BM25 ranking, the
 * phrase check and the snippets.
 *
 * Scores live in two arrays indexed by docnum (a float and a count of
 * the terms a document matched so far), so a posting costs one norms
 * lookup and two array accesses and no hash table; 10,000 articles take
 * 50 KB.  Norms (length and state of every document) are read in place
 * from the map, 4096 documents per LMDB entry.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "node/search_int.h"
#include "protocol/json.h"

#define BM25_K1		1.2
#define BM25_B		0.75
#define PHRASE_MISS	0.5	/* score factor: a CJK phrase only as scattered bigrams */
#define POOL_MIN	30	/* candidates phrase-checked at least */

struct cand {
	uint32_t doc;
	float score;
};

struct run {
	MDB_txn *txn;
	const struct search *s;
	float *score;
	uint8_t *hits;
	uint32_t ndoc;		/* docnums allocated (array size) */
	double n, avgdl;	/* documents with postings; mean length */
	bool all;
	unsigned chunk;		/* norms chunk cached in norm */
	const uint8_t *norm;	/* NULL: not cached, or missing */
	struct posting *p;
	size_t np, pcap;
};

/* Length and flags of doc, from the norms. */
static bool
s_norm(struct run *r, uint32_t doc, double *len, unsigned *flags)
{
	unsigned chunk = doc / NORM_CHUNK;

	if (r->norm == NULL || chunk != r->chunk) {
		MDB_val k = { sizeof(chunk), &chunk }, v;

		r->norm = NULL;
		r->chunk = chunk;
		if (mdb_get(r->txn, r->s->norms, &k, &v) != 0 ||
		    v.mv_size != NORM_CHUNK * NORM_SIZE)
			return false;
		r->norm = v.mv_data;
	}
	{
		const uint8_t *e = r->norm + (size_t)(doc % NORM_CHUNK) *
		    NORM_SIZE;

		*len = (double)((unsigned)e[0] << 8 | e[1]);
		*flags = e[2];
	}
	return true;
}

/* Scores the postings in r->p for query term number i. */
static void
s_apply(struct run *r, size_t i, bool prefix)
{
	double df = (double)r->np, n = r->n > df ? r->n : df;
	double idf = log(1.0 + (n - df + 0.5) / (df + 0.5));

	for (size_t j = 0; j < r->np; j++) {
		uint32_t doc = r->p[j].doc;
		double len, tf = r->p[j].tf, w;
		unsigned flags;

		if (doc >= r->ndoc || !s_norm(r, doc, &len, &flags) ||
		    (flags & SEARCH_GONE) ||
		    (!r->all && (flags & SEARCH_SUPERSEDED)))
			continue;
		if (r->hits[doc] == i)
			r->hits[doc] = (uint8_t)(i + 1);
		else if (!(prefix && r->hits[doc] == i + 1))
			continue;
		w = idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B +
		    BM25_B * len / r->avgdl));
		r->score[doc] += (float)w;
	}
}

/*
 * Every posting list whose term is t (or, for a prefix term, starts with
 * t), one list at a time, scored as term i.
 */
static int
s_term(struct run *r, MDB_cursor *c, const struct query_term *t, size_t i)
{
	uint8_t key[TERM_MAX + 8], cur[TERM_MAX + 8];
	size_t curlen = 0;
	MDB_val k, v;
	int rc;

	k.mv_size = t->prefix ? t->len : post_key(key, t->term, t->len, 0);
	if (t->prefix)
		memcpy(key, t->term, t->len);
	k.mv_data = key;
	r->np = 0;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		size_t tl = k.mv_size - 5;

		if (k.mv_size < 6 || tl > TERM_MAX ||
		    (t->prefix ? tl <= t->len : tl != t->len) ||
		    memcmp(k.mv_data, t->term, t->len) != 0)
			break;
		if (t->prefix && (tl != curlen || memcmp(cur, k.mv_data, tl) != 0)) {
			/* The next term under the prefix: score the last. */
			if (r->np > 0)
				s_apply(r, i, true);
			r->np = 0;
			memcpy(cur, k.mv_data, tl);
			curlen = tl;
		}
		if ((rc = post_decode(post_key_doc(&k), v.mv_data, v.mv_size,
		    &r->p, &r->np, &r->pcap)) != 0)
			return rc;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (r->np > 0)
		s_apply(r, i, t->prefix);
	return 0;
}

static int
s_cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->doc < y->doc) - (x->doc > y->doc);	/* newer first */
}

static bool
s_lang_ok(const char *lang, const char *want)
{
	size_t n = strlen(want);

	return strcasecmp(lang, want) == 0 ||
	    (strncasecmp(lang, want, n) == 0 && lang[n] == '-');
}

static bool
s_filter_ok(const struct search_query *sq, const struct search_doc *d)
{
	if (sq->lang != NULL && !s_lang_ok(d->lang, sq->lang))
		return false;
	if (sq->tag != NULL) {
		for (size_t i = 0; i < d->ntags; i++)
			if (strcasecmp(d->tags[i], sq->tag) == 0)
				return true;
		return false;
	}
	return true;
}

/* The Markdown of an article record; *root is the caller's. */
static const char *
s_body_md(struct store_txn *t, const uint8_t *id, cJSON **root)
{
	struct record r;
	const cJSON *md;
	const char *why;

	*root = NULL;
	if (store_get(t, id, &r) != 0 || r.body == NULL ||
	    json_parse_strict(r.body, r.h.body_len, root, &why) != 0)
		return NULL;
	md = json_get(*root, "body_md");
	return cJSON_IsString(md) ? md->valuestring : NULL;
}

/* Whether the phrases of q occur whole in the title or body of d. */
static int
s_phrase_ok(const struct query *q, struct store_txn *t,
    const struct search_doc *d, struct fold *f, bool *ok)
{
	size_t tl = strlen(d->title), bl;
	const char *md;
	cJSON *root;
	char *text;
	int rc;

	*ok = true;
	if ((md = s_body_md(t, d->id, &root)) == NULL)
		return 0;
	bl = strlen(md);
	if ((text = malloc(tl + bl + 2)) == NULL) {
		cJSON_Delete(root);
		return ENOMEM;
	}
	memcpy(text, d->title, tl);
	text[tl] = '\n';
	memcpy(text + tl + 1, md, bl + 1);
	cJSON_Delete(root);
	if ((rc = fold_text(f, text, tl + bl + 1)) == 0)
		*ok = query_phrases_in(q, f);
	free(text);
	return rc;
}

static int
s_snippet(const struct query *q, const struct search_query *sq,
    struct store_txn *t, struct search_hit *h, struct fold *f)
{
	const char *md;
	cJSON *root;
	int rc;

	h->snippet[0] = '\0';
	if ((md = s_body_md(t, h->doc.id, &root)) == NULL)
		return 0;
	if ((rc = fold_text(f, md, strlen(md))) == 0)
		(void)query_snippet(q, md, f, sq->width ? sq->width : 100,
		    sq->open ? sq->open : "【", sq->close ? sq->close : "】",
		    h->snippet, sizeof(h->snippet));
	cJSON_Delete(root);
	return rc;
}

/* Ranks the candidates: filters, phrase check, snippets, into out. */
static int
s_results(struct run *r, const struct query *q,
    const struct search_query *sq, struct store *st, struct cand *cand,
    size_t ncand, struct search_hits *out)
{
	size_t limit = sq->limit ? sq->limit : 10, pool, npool = 0;
	bool filters = sq->lang != NULL || sq->tag != NULL,
	    phrases = query_has_phrases(q);
	struct search_doc *docs;
	struct store_txn *t = NULL;
	struct fold f = { 0 };
	int rc = 0;

	pool = phrases ? (limit * 3 > POOL_MIN ? limit * 3 : POOL_MIN) : limit;
	if (pool > ncand)
		pool = ncand;
	if ((docs = malloc((pool ? pool : 1) * sizeof(*docs))) == NULL)
		return ENOMEM;
	out->total = filters ? 0 : ncand;
	for (size_t i = 0; i < ncand; i++) {
		struct search_doc d;

		if (npool == pool && !filters)
			break;
		if ((rc = search_doc_read(r->txn, r->s, cand[i].doc, &d)) != 0)
			goto done;
		if (!s_filter_ok(sq, &d))
			continue;
		if (filters)
			out->total++;
		if (npool < pool) {
			cand[npool].doc = cand[i].doc;
			cand[npool].score = cand[i].score;
			docs[npool++] = d;
		}
	}
	if ((rc = store_read_begin(st, &t)) != 0)
		goto done;
	if (phrases) {
		for (size_t i = 0; i < npool; i++) {
			bool ok;

			if ((rc = s_phrase_ok(q, t, &docs[i], &f, &ok)) != 0)
				goto done;
			if (!ok)
				cand[i].score *= (float)PHRASE_MISS;
			cand[i].doc = (uint32_t)i;	/* now an index into docs */
		}
		if (npool > 1)
			qsort(cand, npool, sizeof(*cand), s_cand_cmp);
	} else
		for (size_t i = 0; i < npool; i++)
			cand[i].doc = (uint32_t)i;
	if (npool > limit)
		npool = limit;
	if ((out->hit = calloc(npool ? npool : 1, sizeof(*out->hit))) == NULL) {
		rc = ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < npool; i++) {
		struct search_hit *h = &out->hit[out->n++];

		h->doc = docs[cand[i].doc];
		h->score = cand[i].score;
		if ((rc = s_snippet(q, sq, t, h, &f)) != 0)
			goto done;
	}
done:
	store_read_end(&t);
	fold_clear(&f);
	free(docs);
	return rc;
}

int
search_query(struct search *s, struct store *st,
    const struct search_query *sq, struct search_hits *out, const char **why)
{
	struct run r = { .s = s, .all = sq->all };
	struct cand *cand = NULL;
	uint64_t next, ndocs, totlen;
	size_t ncand = 0;
	struct query *q;
	MDB_cursor *c;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((q = malloc(sizeof(*q))) == NULL)
		return *why = "out of memory", KY_ENOMEM;
	if ((rc = query_parse(sq->text, strlen(sq->text), q, why)) != 0) {
		free(q);
		return rc;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &r.txn)) != 0)
		goto fail;
	if ((rc = search_meta_u64(r.txn, s, "next", &next)) != 0 ||
	    (rc = search_meta_u64(r.txn, s, "ndocs", &ndocs)) != 0 ||
	    (rc = search_meta_u64(r.txn, s, "totlen", &totlen)) != 0)
		goto fail;
	r.ndoc = (uint32_t)next;
	r.n = (double)ndocs;
	r.avgdl = ndocs > 0 && totlen > 0 ? (double)totlen / (double)ndocs : 1;
	if (r.ndoc == 0)
		goto empty;
	r.score = calloc(r.ndoc, sizeof(*r.score));
	r.hits = calloc(r.ndoc, sizeof(*r.hits));
	if (r.score == NULL || r.hits == NULL) {
		rc = ENOMEM;
		goto fail;
	}
	if ((rc = mdb_cursor_open(r.txn, s->post, &c)) != 0)
		goto fail;
	for (size_t i = 0; i < q->nt && rc == 0; i++)
		rc = s_term(&r, c, &q->t[i], i);
	mdb_cursor_close(c);
	if (rc != 0)
		goto fail;
	for (uint32_t d = 0; d < r.ndoc; d++)
		ncand += r.hits[d] == q->nt;
	if (ncand > 0) {
		if ((cand = malloc(ncand * sizeof(*cand))) == NULL) {
			rc = ENOMEM;
			goto fail;
		}
		ncand = 0;
		for (uint32_t d = 0; d < r.ndoc; d++)
			if (r.hits[d] == q->nt)
				cand[ncand++] = (struct cand){ d, r.score[d] };
		qsort(cand, ncand, sizeof(*cand), s_cand_cmp);
	}
empty:
	rc = s_results(&r, q, sq, st, cand, ncand, out);
	if (rc != 0)
		goto fail;
	mdb_txn_abort(r.txn);
	free(cand);
	free(r.score);
	free(r.hits);
	free(r.p);
	free(q);
	return 0;
fail:
	if (r.txn != NULL)
		mdb_txn_abort(r.txn);
	free(cand);
	free(r.score);
	free(r.hits);
	free(r.p);
	free(q);
	search_hits_clear(out);
	return search_err(rc, why);
}

void
search_hits_clear(struct search_hits *h)
{
	free(h->hit);
	memset(h, 0, sizeof(*h));
}

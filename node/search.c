/*
 * search.c - the article index's environment, search_sync(), documents,
 * version chains and references.  Ranking lives in search_query.c,
 * posting lists in search_post.c, text in search_text.c.
 *
 * Databases of DIR/search/ (docs/search.md has the reasons):
 *   meta    "version" u32, "cursor" u64 (changes feed position),
 *           "first" (id of the store's first change: which store this
 *           is), "next" u32 (next docnum), "ndocs" u64 and "totlen" u64
 *           (documents with postings and their summed length: BM25)
 *   docs    docnum (u32, INTEGERKEY) -> packed document (s_doc_pack)
 *   ids     article id -> docnum
 *   post    term || 0 || docnum -> posting block (search_post.c)
 *   norms   docnum / NORM_CHUNK -> NORM_CHUNK x (u16 length, u8 flags, 0)
 *   chain   replaced id || replacing id -> empty
 *   refs    'i' || record id || docnum, 'v' || hash(type, value) || docnum
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <sodium.h>

#include "node/search_int.h"
#include "protocol/indicator.h"
#include "protocol/json.h"

#if SIZE_MAX > 0xffffffffu
#define SEARCH_MAP	((size_t)1 << 35)	/* address space; the file grows as used */
#else
#define SEARCH_MAP	((size_t)1 << 30)
#endif
/*
 * One write transaction takes at most SYNC_CHANGES changes (the store's
 * read transaction stays short) and ends early once SYNC_POSTINGS
 * postings wait in memory (about 16 bytes each).  Each commit rewrites
 * the last block of every posting list it touches, so a build in many
 * small transactions leaves the file about twice the size of its live
 * pages (LMDB reuses the rest later); big ones keep it compact.
 */
#define SYNC_CHANGES	65536
#define SYNC_POSTINGS	(8u << 20)
#define CHAIN_DEPTH_MAX	100000	/* versions walked; ids cannot form cycles */
#define VHASH_LEN	16

#define DOC_FIXED	117	/* bytes before the strings of a packed doc */

/* ---- errors ---- */

int
search_err(int rc, const char **why)
{
	const char *w;
	int code;

	if (rc <= 0 && rc > -100)
		return rc;		/* already a KY_E* code */
	switch (rc) {
	case MDB_NOTFOUND:
		w = "not found", code = KY_ENOTFOUND;
		break;
	case MDB_MAP_FULL:
		w = "search index full", code = KY_EFULL;
		break;
	case ENOSPC:
	case EDQUOT:
		w = "disk full", code = KY_EFULL;
		break;
	case ENOMEM:
		w = "out of memory", code = KY_ENOMEM;
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		w = "permission denied: run kyojo as the user kyojod runs as",
		    code = KY_EPERM;
		break;
	case EIO:
		w = "search index I/O error", code = KY_EIO;
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_BAD_VALSIZE:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_DBI:
		w = "search index is corrupt: run kyojo article reindex",
		    code = KY_ECORRUPT;
		break;
	default:
		w = "search index: system error", code = KY_ESYS;
		break;
	}
	if (why != NULL)
		*why = w;
	return code;
}

/* ---- small helpers ---- */

static void
be64_put(uint8_t *p, uint64_t v)
{
	be32_put(p, (uint32_t)(v >> 32));
	be32_put(p + 4, (uint32_t)v);
}

static uint64_t
be64_get(const uint8_t *p)
{
	return (uint64_t)be32_get(p) << 32 | be32_get(p + 4);
}

static bool
s_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static int
s_meta_get(MDB_txn *txn, const struct search *s, const char *key,
    uint64_t *v)
{
	MDB_val k = { strlen(key), (void *)key }, d;
	int rc;

	*v = 0;
	if ((rc = mdb_get(txn, s->meta, &k, &d)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (d.mv_size == 8)
		*v = be64_get(d.mv_data);
	else if (d.mv_size == 4)
		*v = be32_get(d.mv_data);
	else
		return MDB_CORRUPTED;
	return 0;
}

int
search_meta_u64(MDB_txn *txn, const struct search *s, const char *key,
    uint64_t *v)
{
	return s_meta_get(txn, s, key, v);
}

static int
s_meta_put(MDB_txn *txn, const struct search *s, const char *key,
    const void *val, size_t len)
{
	MDB_val k = { strlen(key), (void *)key }, d = { len, (void *)val };

	return mdb_put(txn, s->meta, &k, &d, 0);
}

static int
s_meta_put64(MDB_txn *txn, const struct search *s, const char *key,
    uint64_t v)
{
	uint8_t b[8];

	be64_put(b, v);
	return s_meta_put(txn, s, key, b, 8);
}

/* ---- documents ---- */

static int
s_doc_put(MDB_txn *txn, const struct search *s, uint32_t docnum,
    const struct search_doc *d)
{
	uint8_t buf[DOC_FIXED + SEARCH_LANG_MAX + SEARCH_SECTOR_MAX +
	    BODY_TITLE_MAX + BODY_TAGS_MAX * (BODY_TAG_MAX + 1)];
	size_t ll = strlen(d->lang), sl = strlen(d->sector),
	    tl = strlen(d->title), o = DOC_FIXED;
	MDB_val k = { sizeof(docnum), &docnum }, v;

	buf[0] = (uint8_t)d->flags;
	buf[1] = d->tlp;
	buf[2] = (uint8_t)((d->nrefs > 0xffff ? 0xffff : d->nrefs) >> 8);
	buf[3] = (uint8_t)(d->nrefs > 0xffff ? 0xff : d->nrefs);
	be32_put(buf + 4, d->length);
	be64_put(buf + 8, d->created);
	memcpy(buf + 16, d->id, 32);
	memcpy(buf + 48, d->origin, 32);
	memcpy(buf + 80, d->supersedes, 32);
	buf[112] = (uint8_t)ll;
	buf[113] = (uint8_t)sl;
	buf[114] = (uint8_t)(tl >> 8);
	buf[115] = (uint8_t)tl;
	buf[116] = (uint8_t)d->ntags;
	memcpy(buf + o, d->lang, ll), o += ll;
	memcpy(buf + o, d->sector, sl), o += sl;
	memcpy(buf + o, d->title, tl), o += tl;
	for (size_t i = 0; i < d->ntags; i++) {
		size_t n = strlen(d->tags[i]);

		buf[o++] = (uint8_t)n;
		memcpy(buf + o, d->tags[i], n);
		o += n;
	}
	v.mv_size = o;
	v.mv_data = buf;
	return mdb_put(txn, s->docs, &k, &v, 0);
}

/* Copies n bytes at *o of p (len) into dst (cap > n) as a string. */
static bool
s_take(const uint8_t *p, size_t len, size_t *o, size_t n, char *dst,
    size_t cap)
{
	if (n >= cap || *o + n > len)
		return false;
	memcpy(dst, p + *o, n);
	dst[n] = '\0';
	*o += n;
	return true;
}

int
search_doc_read(MDB_txn *txn, const struct search *s, uint32_t docnum,
    struct search_doc *d)
{
	MDB_val k = { sizeof(docnum), &docnum }, v;
	const uint8_t *p;
	size_t o = DOC_FIXED;
	int rc;

	if ((rc = mdb_get(txn, s->docs, &k, &v)) != 0)
		return rc;
	p = v.mv_data;
	if (v.mv_size < DOC_FIXED || p[116] > BODY_TAGS_MAX)
		return MDB_CORRUPTED;
	d->flags = p[0];
	d->tlp = p[1];
	d->nrefs = (uint32_t)p[2] << 8 | p[3];
	d->length = be32_get(p + 4);
	d->created = be64_get(p + 8);
	memcpy(d->id, p + 16, 32);
	memcpy(d->origin, p + 48, 32);
	memcpy(d->supersedes, p + 80, 32);
	d->ntags = p[116];
	if (!s_take(p, v.mv_size, &o, p[112], d->lang, sizeof(d->lang)) ||
	    !s_take(p, v.mv_size, &o, p[113], d->sector, sizeof(d->sector)) ||
	    !s_take(p, v.mv_size, &o, (size_t)p[114] << 8 | p[115], d->title,
	    sizeof(d->title)))
		return MDB_CORRUPTED;
	for (size_t i = 0; i < d->ntags; i++) {
		if (o >= v.mv_size || !s_take(p, v.mv_size, &o, p[o++],
		    d->tags[i], sizeof(d->tags[i])))
			return MDB_CORRUPTED;
	}
	return 0;
}

int
search_docnum(MDB_txn *txn, const struct search *s,
    const uint8_t id[RECORD_ID_LEN], uint32_t *docnum)
{
	MDB_val k = { RECORD_ID_LEN, (void *)id }, v;
	int rc;

	if ((rc = mdb_get(txn, s->ids, &k, &v)) != 0)
		return rc;
	if (v.mv_size != 4)
		return MDB_CORRUPTED;
	*docnum = be32_get(v.mv_data);
	return 0;
}

/* Sets the length and flags of docnum in its norms chunk. */
static int
s_norm_set(MDB_txn *txn, const struct search *s, uint32_t docnum,
    uint32_t length, unsigned flags)
{
	const size_t size = NORM_CHUNK * NORM_SIZE;
	unsigned int chunk = docnum / NORM_CHUNK;
	size_t at = (size_t)(docnum % NORM_CHUNK) * NORM_SIZE;
	MDB_val k = { sizeof(chunk), &chunk }, v;
	uint8_t *buf;
	int rc;

	if ((buf = malloc(size)) == NULL)
		return ENOMEM;
	if ((rc = mdb_get(txn, s->norms, &k, &v)) == 0 && v.mv_size == size)
		memcpy(buf, v.mv_data, size);
	else if (rc == 0 || rc == MDB_NOTFOUND)
		memset(buf, 0, size);
	else {
		free(buf);
		return rc;
	}
	if (length > 0xffff)
		length = 0xffff;
	buf[at] = (uint8_t)(length >> 8);
	buf[at + 1] = (uint8_t)length;
	buf[at + 2] = (uint8_t)flags;
	v.mv_size = size;
	v.mv_data = buf;
	rc = mdb_put(txn, s->norms, &k, &v, 0);
	free(buf);
	return rc;
}

static int
s_doc_flags(MDB_txn *txn, const struct search *s, uint32_t docnum,
    struct search_doc *d, unsigned flags)
{
	int rc;

	d->flags = flags;
	if ((rc = s_doc_put(txn, s, docnum, d)) != 0)
		return rc;
	return s_norm_set(txn, s, docnum, d->length, flags);
}

/*
 * Recomputes whether id is replaced: it is while a version that names it
 * in supersedes, by the same origin, is live or is itself replaced by a
 * live one.  A change walks back along the chain, since the state of
 * each older version depends on the newer ones.
 */
static int
s_recompute(MDB_txn *txn, const struct search *s, const uint8_t *start)
{
	uint8_t id[RECORD_ID_LEN], key[2 * RECORD_ID_LEN];
	struct search_doc d, n;
	MDB_cursor *c;
	MDB_val k, v;
	uint32_t dn, sn;
	unsigned flags;
	bool sup;
	int rc = 0;

	memcpy(id, start, sizeof(id));
	for (int depth = 0; depth < CHAIN_DEPTH_MAX && !s_zero(id, 32);
	    depth++) {
		if ((rc = search_docnum(txn, s, id, &dn)) == MDB_NOTFOUND)
			return 0;
		if (rc != 0 || (rc = search_doc_read(txn, s, dn, &d)) != 0)
			return rc;
		sup = false;
		if ((rc = mdb_cursor_open(txn, s->chain, &c)) != 0)
			return rc;
		memcpy(key, id, 32);
		memset(key + 32, 0, 32);
		k.mv_size = sizeof(key);
		k.mv_data = key;
		for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		    rc == 0 && !sup; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			if (k.mv_size != 64 || memcmp(k.mv_data, id, 32) != 0)
				break;
			if (search_docnum(txn, s, (uint8_t *)k.mv_data + 32,
			    &sn) != 0 || search_doc_read(txn, s, sn, &n) != 0)
				continue;
			if (memcmp(n.origin, d.origin, 32) != 0)
				continue;	/* only the author replaces */
			sup = (n.flags & SEARCH_GONE) == 0 ||
			    (n.flags & SEARCH_SUPERSEDED) != 0;
		}
		mdb_cursor_close(c);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		flags = sup ? d.flags | SEARCH_SUPERSEDED :
		    d.flags & ~SEARCH_SUPERSEDED;
		if (flags == d.flags)
			return 0;
		if ((rc = s_doc_flags(txn, s, dn, &d, flags)) != 0)
			return rc;
		memcpy(id, d.supersedes, sizeof(id));
	}
	return 0;
}

/* ---- the environment ---- */

static void
s_env_close(struct search *s)
{
	if (s->env != NULL)
		mdb_env_close(s->env);
	s->env = NULL;
}

/* Empties every database and stamps the schema version. */
static int
s_reset(MDB_txn *txn, const struct search *s)
{
	const MDB_dbi dbs[] = { s->meta, s->docs, s->ids, s->post, s->norms,
	    s->chain, s->refs };
	uint8_t v[4];
	int rc;

	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++)
		if ((rc = mdb_drop(txn, dbs[i], 0)) != 0)
			return rc;
	be32_put(v, SEARCH_SCHEMA_VERSION);
	return s_meta_put(txn, s, "version", v, 4);
}

static int
s_env_open(struct search *s)
{
	const struct { MDB_dbi *dbi; const char *name; unsigned flags; } dbs[] = {
		{ &s->meta, "meta", 0 },
		{ &s->docs, "docs", MDB_INTEGERKEY },
		{ &s->ids, "ids", 0 },
		{ &s->post, "post", 0 },
		{ &s->norms, "norms", MDB_INTEGERKEY },
		{ &s->chain, "chain", 0 },
		{ &s->refs, "refs", 0 },
	};
	MDB_txn *txn;
	uint64_t version;
	int rc, dead;

	if ((rc = mdb_env_create(&s->env)) != 0)
		return rc;
	if ((rc = mdb_env_set_maxdbs(s->env, 8)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, SEARCH_MAP)) != 0 ||
	    (rc = mdb_env_open(s->env, s->dir, MDB_NOMETASYNC | MDB_NOTLS,
	    0600)) != 0)
		goto fail;
	(void)mdb_reader_check(s->env, &dead);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++)
		if ((rc = mdb_dbi_open(txn, dbs[i].name,
		    dbs[i].flags | MDB_CREATE, dbs[i].dbi)) != 0) {
			mdb_txn_abort(txn);
			goto fail;
		}
	if ((rc = s_meta_get(txn, s, "version", &version)) != 0 ||
	    (version != SEARCH_SCHEMA_VERSION && (rc = s_reset(txn, s)) != 0)) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	return 0;
fail:
	s_env_close(s);
	return rc;
}

int
search_open(const char *dir, struct search **out, const char **why)
{
	return search_open_opts(dir, NULL, out, why);
}

int
search_open_opts(const char *dir, const struct search_opts *o,
    struct search **out, const char **why)
{
	struct search *s;
	char path[1100];
	int rc;

	*out = NULL;
	if (strlen(dir) >= sizeof(s->dir))
		return *why = "path too long", KY_EINVAL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return search_err(errno, why);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return *why = "out of memory", KY_ENOMEM;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->o.sync_changes = o && o->sync_changes ? o->sync_changes : SYNC_CHANGES;
	s->o.sync_postings = o && o->sync_postings ? o->sync_postings :
	    SYNC_POSTINGS;
	rc = s_env_open(s);
	if (rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ||
	    rc == MDB_VERSION_MISMATCH || rc == MDB_INCOMPATIBLE) {
		/* Derived data: start over rather than refuse. */
		snprintf(path, sizeof(path), "%s/data.mdb", dir);
		(void)unlink(path);
		snprintf(path, sizeof(path), "%s/lock.mdb", dir);
		(void)unlink(path);
		rc = s_env_open(s);
	}
	if (rc != 0) {
		free(s);
		return search_err(rc, why);
	}
	*out = s;
	return 0;
}

void
search_close(struct search **p)
{
	if (p == NULL || *p == NULL)
		return;
	s_env_close(*p);
	free(*p);
	*p = NULL;
}

/* ---- sync ---- */

struct sync {
	struct search *s;
	MDB_txn *w;
	struct store_txn *t;
	struct post_acc *acc;
	struct fold f;
	uint32_t *gone;			/* docnums removed in this chunk */
	size_t ngone, gcap;
	uint64_t last;			/* last changes cursor read */
	uint32_t next;			/* next docnum */
	uint64_t ndocs, totlen;
	struct search_sync_stats *st;
	int rc;				/* why the walk stopped */
};

struct terms_ctx {
	struct post_acc *acc;
	uint32_t doc, weight, length;
};

static int
s_term(void *ctx, const char *t, size_t len, size_t fa, size_t fb)
{
	struct terms_ctx *c = ctx;

	(void)fa;
	(void)fb;
	c->length += c->weight;
	return post_acc_add(c->acc, t, len, c->doc, c->weight);
}

static int
s_index_text(struct sync *c, struct terms_ctx *tc, const char *text,
    uint32_t weight)
{
	int rc;

	if ((rc = fold_text(&c->f, text, strlen(text))) != 0)
		return rc;
	tc->weight = weight;
	return text_terms(&c->f, s_term, tc);
}

static void
s_vhash(int type, const char *value, uint8_t out[VHASH_LEN])
{
	crypto_generichash_state st;
	uint8_t t = (uint8_t)type;

	crypto_generichash_init(&st, NULL, 0, VHASH_LEN);
	crypto_generichash_update(&st, &t, 1);
	crypto_generichash_update(&st, (const uint8_t *)value, strlen(value));
	crypto_generichash_final(&st, out, VHASH_LEN);
}

/* The type and value an indicator or sighting record is about. */
static bool
s_record_value(const struct record *r, uint8_t out[VHASH_LEN])
{
	const cJSON *type, *value;
	const char *why;
	cJSON *b;
	int t;
	bool ok = false;

	if (r->body == NULL || (r->h.kind != RK_INDICATOR &&
	    r->h.kind != RK_SIGHTING) ||
	    json_parse_strict(r->body, r->h.body_len, &b, &why) != 0)
		return false;
	type = json_get(b, "type");
	value = json_get(b, "value");
	if (cJSON_IsString(type) && cJSON_IsString(value) &&
	    (t = indicator_type_from_name(type->valuestring)) > 0) {
		s_vhash(t, value->valuestring, out);
		ok = true;
	}
	cJSON_Delete(b);
	return ok;
}

static int
s_ref_put(MDB_txn *txn, const struct search *s, uint8_t ns,
    const uint8_t *what, size_t len, uint32_t docnum)
{
	uint8_t key[1 + RECORD_ID_LEN + 4];
	MDB_val k = { 1 + len + 4, key }, v = { 0, key };

	key[0] = ns;
	memcpy(key + 1, what, len);
	be32_put(key + 1 + len, docnum);
	return mdb_put(txn, s->refs, &k, &v, 0);
}

/* The links of one reference of an article: by id, and by value when the
 * record is held now. */
static int
s_index_ref(struct sync *c, const char *hex, uint32_t docnum)
{
	uint8_t id[RECORD_ID_LEN], vh[VHASH_LEN];
	struct record r;
	int rc;

	if (strlen(hex) != 64 || record_unhex(hex, id, sizeof(id)) != 0)
		return 0;
	if ((rc = s_ref_put(c->w, c->s, 'i', id, sizeof(id), docnum)) != 0)
		return rc;
	if (store_get(c->t, id, &r) == 0 && s_record_value(&r, vh))
		return s_ref_put(c->w, c->s, 'v', vh, sizeof(vh), docnum);
	return 0;
}

static void
s_copy_str(char *dst, size_t cap, const cJSON *v)
{
	if (cJSON_IsString(v))
		snprintf(dst, cap, "%s", v->valuestring);
	else
		dst[0] = '\0';
}

static int
s_add_article(struct sync *c, const struct record *r)
{
	struct terms_ctx tc = { .acc = c->acc };
	const cJSON *v, *it;
	struct search_doc d;
	const char *why;
	uint8_t dn[4];
	uint32_t docnum;
	MDB_val k, val;
	cJSON *b;
	int rc;

	if (r->body == NULL) {
		c->st->skipped++;
		return 0;
	}
	if ((rc = search_docnum(c->w, c->s, r->id, &docnum)) == 0)
		return 0;
	if (rc != MDB_NOTFOUND)
		return rc;
	/* A sealed (AMBER, RED) article reaches us as plaintext when it was
	 * sealed to this node, and as its envelope otherwise: whatever does
	 * not parse as an article here is left out, not an error. */
	if (body_parse(RK_ARTICLE, r->body, r->h.body_len, &b, &why) != 0) {
		c->st->skipped++;
		return 0;
	}
	memset(&d, 0, sizeof(d));
	memcpy(d.id, r->id, 32);
	memcpy(d.origin, r->h.origin, 32);
	d.created = r->h.created;
	d.tlp = r->h.tlp;
	s_copy_str(d.title, sizeof(d.title), json_get(b, "title"));
	s_copy_str(d.lang, sizeof(d.lang), json_get(b, "lang"));
	s_copy_str(d.sector, sizeof(d.sector), json_get(b, "sector"));
	v = json_get(b, "supersedes");
	if (cJSON_IsString(v) &&
	    record_unhex(v->valuestring, d.supersedes, 32) != 0)
		memset(d.supersedes, 0, 32);	/* body.c allows only ids */
	cJSON_ArrayForEach(it, json_get(b, "tags"))
		if (d.ntags < BODY_TAGS_MAX && cJSON_IsString(it))
			s_copy_str(d.tags[d.ntags++], sizeof(d.tags[0]), it);
	docnum = tc.doc = c->next++;
	rc = s_index_text(c, &tc, d.title, WEIGHT_TITLE);
	for (size_t i = 0; rc == 0 && i < d.ntags; i++)
		rc = s_index_text(c, &tc, d.tags[i], WEIGHT_TAG);
	if (rc == 0)
		rc = s_index_text(c, &tc, json_get(b, "body_md")->valuestring,
		    WEIGHT_BODY);
	d.length = tc.length;
	cJSON_ArrayForEach(it, json_get(b, "refs")) {
		if (rc != 0)
			break;
		if (cJSON_IsString(it)) {
			d.nrefs++;
			rc = s_index_ref(c, it->valuestring, docnum);
		}
	}
	cJSON_Delete(b);
	if (rc != 0)
		return rc;
	be32_put(dn, docnum);
	k = (MDB_val){ 32, d.id };
	val = (MDB_val){ 4, dn };
	if ((rc = s_doc_put(c->w, c->s, docnum, &d)) != 0 ||
	    (rc = mdb_put(c->w, c->s->ids, &k, &val, 0)) != 0 ||
	    (rc = s_norm_set(c->w, c->s, docnum, d.length, 0)) != 0)
		return rc;
	if (!s_zero(d.supersedes, 32)) {
		uint8_t key[64];

		memcpy(key, d.supersedes, 32);
		memcpy(key + 32, d.id, 32);
		k = (MDB_val){ 64, key };
		val = (MDB_val){ 0, key };
		if ((rc = mdb_put(c->w, c->s->chain, &k, &val, 0)) != 0 ||
		    (rc = s_recompute(c->w, c->s, d.supersedes)) != 0)
			return rc;
	}
	/* Newer versions may have arrived first. */
	if ((rc = s_recompute(c->w, c->s, d.id)) != 0)
		return rc;
	c->ndocs++;
	c->totlen += d.length;
	c->st->indexed++;
	return 0;
}

static int
s_remove(struct sync *c, const uint8_t id[RECORD_ID_LEN], int op)
{
	struct search_doc d;
	uint32_t docnum;
	int rc;

	if ((rc = search_docnum(c->w, c->s, id, &docnum)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0 || (rc = search_doc_read(c->w, c->s, docnum, &d)) != 0)
		return rc;
	if (d.flags & SEARCH_GONE)
		return 0;
	/* The body is withdrawn: so are its title, tags and terms. */
	d.title[0] = d.lang[0] = d.sector[0] = '\0';
	d.ntags = 0;
	if ((rc = s_doc_flags(c->w, c->s, docnum, &d, d.flags |
	    (op == STORE_OP_RETRACT ? SEARCH_RETRACTED : SEARCH_EXPIRED))) != 0)
		return rc;
	if (c->ngone == c->gcap) {
		size_t n = c->gcap ? c->gcap * 2 : 64;
		uint32_t *g = realloc(c->gone, n * sizeof(*g));

		if (g == NULL)
			return ENOMEM;
		c->gone = g;
		c->gcap = n;
	}
	c->gone[c->ngone++] = docnum;
	c->ndocs -= c->ndocs > 0;
	c->totlen -= d.length <= c->totlen ? d.length : c->totlen;
	c->st->removed++;
	return s_recompute(c->w, c->s, d.supersedes);
}

/* An indicator that articles already reference: link them to its value
 * too, so the link outlives the indicator. */
static int
s_link_value(struct sync *c, const struct record *r)
{
	uint8_t key[1 + RECORD_ID_LEN + 4], vh[VHASH_LEN];
	uint32_t docs[64];
	size_t n = 0;
	MDB_cursor *cur;
	MDB_val k = { 1 + RECORD_ID_LEN, key }, v;
	int rc;

	key[0] = 'i';
	memcpy(key + 1, r->id, RECORD_ID_LEN);
	if ((rc = mdb_cursor_open(c->w, c->s->refs, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	    rc == 0 && n < sizeof(docs) / sizeof(docs[0]);
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != sizeof(key) ||
		    memcmp(k.mv_data, key, 1 + RECORD_ID_LEN) != 0)
			break;
		docs[n++] = post_key_doc(&k);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (n == 0 || !s_record_value(r, vh))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((rc = s_ref_put(c->w, c->s, 'v', vh, sizeof(vh),
		    docs[i])) != 0)
			return rc;
	return 0;
}

static int
s_change(void *ctx, uint64_t cursor, int op, const struct record *r)
{
	struct sync *c = ctx;
	int rc = 0;

	c->last = cursor;
	c->st->changes++;
	if (r->h.kind == RK_ARTICLE) {
		if (op == STORE_OP_ADD || op == STORE_OP_FILL)
			rc = s_add_article(c, r);
		else if (op == STORE_OP_RETRACT || op == STORE_OP_EXPIRE)
			rc = s_remove(c, r->id, op);
	} else if ((op == STORE_OP_ADD || op == STORE_OP_FILL) &&
	    r->body != NULL && (r->h.kind == RK_INDICATOR ||
	    r->h.kind == RK_SIGHTING))
		rc = s_link_value(c, r);
	if (rc != 0) {
		c->rc = rc;
		return 1;
	}
	/* 1: the chunk is full; the next transaction goes on from here. */
	return post_acc_postings(c->acc) >= c->s->o.sync_postings;
}

static int
s_first_cb(void *ctx, uint64_t cursor, int op, const struct record *r)
{
	(void)cursor;
	(void)op;
	memcpy(ctx, r->id, RECORD_ID_LEN);
	return 1;
}

/* Where the index stands: its cursor and the store it was made from. */
static int
s_position(MDB_txn *txn, const struct search *s, uint64_t *cursor,
    uint8_t first[RECORD_ID_LEN])
{
	MDB_val k = { 5, "first" }, v;
	int rc;

	if ((rc = s_meta_get(txn, s, "cursor", cursor)) != 0)
		return rc;
	memset(first, 0, RECORD_ID_LEN);
	if ((rc = mdb_get(txn, s->meta, &k, &v)) == 0 &&
	    v.mv_size == RECORD_ID_LEN)
		memcpy(first, v.mv_data, RECORD_ID_LEN);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
s_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The store's side: its newest cursor, and the id of its first change
 * (zero when empty), in a snapshot begun now. */
static int
s_store_position(struct store *st, struct store_txn **t, uint64_t *scur,
    uint8_t first[RECORD_ID_LEN])
{
	int rc;

	if ((rc = store_read_begin(st, t)) != 0)
		return rc;
	*scur = store_cursor(*t);
	memset(first, 0, RECORD_ID_LEN);
	if (*scur > 0 && (rc = store_changes(*t, 0, 1, s_first_cb,
	    first)) < 0) {
		store_read_end(t);
		return rc;
	}
	return 0;
}

/* One chunk of the changes feed in one write transaction.  *done is set
 * when the index reached the store's newest cursor. */
static int
s_sync_chunk(struct sync *c, struct store *st, bool *done)
{
	uint8_t sfirst[RECORD_ID_LEN], ifirst[RECORD_ID_LEN];
	uint64_t icur, scur, next;
	MDB_txn *r;
	int rc;

	*done = true;
	/* The common case, nothing new, takes no write lock. */
	if ((rc = s_store_position(st, &c->t, &scur, sfirst)) != 0)
		return rc;
	store_read_end(&c->t);
	if ((rc = mdb_txn_begin(c->s->env, NULL, MDB_RDONLY, &r)) != 0)
		return rc;
	rc = s_position(r, c->s, &icur, ifirst);
	mdb_txn_abort(r);
	if (rc != 0 || (icur == scur && memcmp(ifirst, sfirst, 32) == 0))
		return rc;
	/*
	 * The store snapshot is taken after the index's write lock: then it
	 * is at least as new as the one of any writer before us, and an
	 * index ahead of it means another store, not a slower snapshot.
	 */
	if ((rc = mdb_txn_begin(c->s->env, NULL, 0, &c->w)) != 0)
		return rc;
	if ((rc = s_store_position(st, &c->t, &scur, sfirst)) != 0) {
		mdb_txn_abort(c->w);
		c->w = NULL;
		return rc;
	}
	if ((rc = s_position(c->w, c->s, &icur, ifirst)) != 0)
		goto abort;
	if (icur > scur || (icur > 0 && memcmp(ifirst, sfirst, 32) != 0)) {
		/* Another store than the one indexed: start over. */
		if ((rc = s_reset(c->w, c->s)) != 0)
			goto abort;
		icur = 0;
		c->st->rebuilt = true;
	}
	if ((rc = s_meta_get(c->w, c->s, "next", &next)) != 0 ||
	    (rc = s_meta_get(c->w, c->s, "ndocs", &c->ndocs)) != 0 ||
	    (rc = s_meta_get(c->w, c->s, "totlen", &c->totlen)) != 0)
		goto abort;
	c->next = (uint32_t)next;
	c->last = icur;
	c->ngone = 0;
	c->rc = 0;
	if (icur < scur) {
		rc = store_changes(c->t, icur, c->s->o.sync_changes, s_change,
		    c);
		if (rc > 0)
			rc = c->rc;
		if (rc != 0)
			goto abort;
	}
	if ((rc = post_acc_flush(c->acc, c->w, c->s->post)) != 0)
		goto abort;
	if (c->ngone > 0) {
		qsort(c->gone, c->ngone, sizeof(c->gone[0]), s_cmp_u32);
		if ((rc = post_purge(c->w, c->s->post, c->gone, c->ngone)) != 0)
			goto abort;
	}
	if ((rc = s_meta_put64(c->w, c->s, "cursor", c->last)) != 0 ||
	    (rc = s_meta_put(c->w, c->s, "first", sfirst, 32)) != 0 ||
	    (rc = s_meta_put64(c->w, c->s, "next", c->next)) != 0 ||
	    (rc = s_meta_put64(c->w, c->s, "ndocs", c->ndocs)) != 0 ||
	    (rc = s_meta_put64(c->w, c->s, "totlen", c->totlen)) != 0)
		goto abort;
	rc = mdb_txn_commit(c->w);
	c->w = NULL;
	store_read_end(&c->t);
	/* No progress would loop forever: count it as the end. */
	*done = rc != 0 || c->last >= scur || c->last == icur;
	return rc;
abort:
	mdb_txn_abort(c->w);
	c->w = NULL;
	store_read_end(&c->t);
	return rc;
}

int
search_sync(struct search *s, struct store *st,
    struct search_sync_stats *stats, const char **why)
{
	struct search_sync_stats local;
	struct sync c = { .s = s };
	bool done = false;
	int rc = 0;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	c.st = stats;
	if ((c.acc = post_acc_new()) == NULL)
		return *why = "out of memory", KY_ENOMEM;
	while (!done && rc == 0)
		rc = s_sync_chunk(&c, st, &done);
	post_acc_destroy(&c.acc);
	fold_clear(&c.f);
	free(c.gone);
	if (rc != 0) {
		if (rc < 0 && rc > -100 && *why == NULL)
			*why = ky_strerror(rc);
		return search_err(rc, why);
	}
	return 0;
}

int
search_reindex(struct search *s, struct store *st,
    struct search_sync_stats *stats, const char **why)
{
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return search_err(rc, why);
	if ((rc = s_reset(txn, s)) != 0) {
		mdb_txn_abort(txn);
		return search_err(rc, why);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return search_err(rc, why);
	return search_sync(s, st, stats, why);
}

/* ---- reads ---- */

static int
s_read(struct search *s, MDB_txn **txn)
{
	return mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
}

int
search_get(struct search *s, const uint8_t id[RECORD_ID_LEN],
    struct search_doc *out)
{
	MDB_txn *txn;
	uint32_t dn;
	int rc;

	if ((rc = s_read(s, &txn)) != 0)
		return search_err(rc, NULL);
	if ((rc = search_docnum(txn, s, id, &dn)) == 0)
		rc = search_doc_read(txn, s, dn, out);
	mdb_txn_abort(txn);
	return search_err(rc, NULL);
}

static int
s_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
search_resolve(struct search *s, const char *hex, uint8_t id[RECORD_ID_LEN])
{
	size_t n = strlen(hex), found = 0;
	uint8_t pre[RECORD_ID_LEN] = { 0 };
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	if (n == 64)
		return record_unhex(hex, id, RECORD_ID_LEN) == 0 ? 0 : KY_EINVAL;
	if (n < 8 || n > 64)
		return KY_EINVAL;
	for (size_t i = 0; i < n; i++) {
		int x = s_nibble(hex[i]);

		if (x < 0)
			return KY_EINVAL;
		pre[i / 2] |= (uint8_t)(i % 2 ? x : x << 4);
	}
	if ((rc = s_read(s, &txn)) != 0)
		return search_err(rc, NULL);
	if ((rc = mdb_cursor_open(txn, s->ids, &c)) != 0) {
		mdb_txn_abort(txn);
		return search_err(rc, NULL);
	}
	k.mv_size = RECORD_ID_LEN;
	k.mv_data = pre;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kid = k.mv_data;

		if (k.mv_size != RECORD_ID_LEN || memcmp(kid, pre, n / 2) != 0 ||
		    (n % 2 && (kid[n / 2] & 0xf0) != pre[n / 2]))
			break;
		if (found++ == 0)
			memcpy(id, kid, RECORD_ID_LEN);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return search_err(rc, NULL);
	return found == 0 ? KY_ENOTFOUND : found > 1 ? KY_EEXIST : 0;
}

struct listed {
	uint64_t created;
	uint32_t docnum;
};

/* Newest first; ties: the later indexed first. */
static int
s_listed_cmp(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return (x->docnum < y->docnum) - (x->docnum > y->docnum);
}

static int
s_history_cmp(const void *a, const void *b)
{
	return -s_listed_cmp(a, b);
}

static int
s_listed_add(struct listed **l, size_t *n, size_t *cap, uint64_t created,
    uint32_t docnum)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct listed *nl = realloc(*l, nc * sizeof(*nl));

		if (nl == NULL)
			return ENOMEM;
		*l = nl;
		*cap = nc;
	}
	(*l)[(*n)++] = (struct listed){ created, docnum };
	return 0;
}

/*
 * Sorts l[0..n) with cmp and calls cb for each in that order, then ends
 * the read transaction and frees l.  Returns a KY_E* code or cb's value:
 * from here on, LMDB codes are never mixed with cb's.
 */
static int
s_emit(MDB_txn *txn, struct search *s, struct listed *l, size_t n,
    int (*cmp)(const void *, const void *), search_doc_fn cb, void *ctx)
{
	struct search_doc d;
	int rc = 0;

	if (n > 1)
		qsort(l, n, sizeof(*l), cmp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if ((rc = search_doc_read(txn, s, l[i].docnum, &d)) != 0)
			rc = search_err(rc, NULL);
		else
			rc = cb(ctx, &d);
	}
	mdb_txn_abort(txn);
	free(l);
	return rc;
}

int
search_list(struct search *s, unsigned flags, search_doc_fn cb, void *ctx)
{
	struct listed *l = NULL;
	size_t n = 0, cap = 0;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	if ((rc = s_read(s, &txn)) != 0)
		return search_err(rc, NULL);
	if ((rc = mdb_cursor_open(txn, s->docs, &c)) != 0)
		goto fail;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;
		uint32_t dn;

		if (k.mv_size != sizeof(dn) || v.mv_size < DOC_FIXED) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&dn, k.mv_data, sizeof(dn));
		if ((p[0] & SEARCH_GONE) || (!(flags & SEARCH_ALL) &&
		    (p[0] & SEARCH_SUPERSEDED)))
			continue;
		if ((rc = s_listed_add(&l, &n, &cap, be64_get(p + 8), dn)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		goto fail;
	return s_emit(txn, s, l, n, s_listed_cmp, cb, ctx);
fail:
	mdb_txn_abort(txn);
	free(l);
	return search_err(rc, NULL);
}

/* The docnums of the versions that name id in supersedes, by origin. */
static int
s_successors(MDB_txn *txn, struct search *s, MDB_cursor *c,
    const struct search_doc *d, struct listed **l, size_t *n, size_t *cap)
{
	uint8_t key[64];
	struct search_doc p;
	MDB_val k = { sizeof(key), key }, v;
	uint32_t pn;
	int rc;

	memcpy(key, d->id, 32);
	memset(key + 32, 0, 32);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 64 || memcmp(k.mv_data, d->id, 32) != 0)
			break;
		if (search_docnum(txn, s, (uint8_t *)k.mv_data + 32, &pn) != 0 ||
		    search_doc_read(txn, s, pn, &p) != 0 ||
		    memcmp(p.origin, d->origin, 32) != 0)
			continue;
		if ((rc = s_listed_add(l, n, cap, p.created, pn)) != 0)
			return rc;
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
search_history(struct search *s, const uint8_t id[RECORD_ID_LEN],
    search_doc_fn cb, void *ctx)
{
	struct listed *l = NULL;
	size_t n = 0, cap = 0;
	struct search_doc d, p;
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	uint32_t dn, pn;
	int rc;

	if ((rc = s_read(s, &txn)) != 0)
		return search_err(rc, NULL);
	if ((rc = search_docnum(txn, s, id, &dn)) != 0 ||
	    (rc = search_doc_read(txn, s, dn, &d)) != 0)
		goto fail;
	/* Back to the first version this index knows... */
	for (int depth = 0; depth < CHAIN_DEPTH_MAX &&
	    !s_zero(d.supersedes, 32); depth++) {
		if (search_docnum(txn, s, d.supersedes, &pn) != 0 ||
		    search_doc_read(txn, s, pn, &p) != 0 ||
		    memcmp(p.origin, d.origin, 32) != 0)
			break;
		dn = pn;
		d = p;
	}
	/* ...then every version descending from it, breadth first. */
	if ((rc = s_listed_add(&l, &n, &cap, d.created, dn)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->chain, &c)) != 0)
		goto fail;
	for (size_t i = 0; i < n && n < CHAIN_DEPTH_MAX; i++)
		if ((rc = search_doc_read(txn, s, l[i].docnum, &d)) != 0 ||
		    (rc = s_successors(txn, s, c, &d, &l, &n, &cap)) != 0)
			goto fail;
	mdb_cursor_close(c);
	return s_emit(txn, s, l, n, s_history_cmp, cb, ctx);
fail:
	if (c != NULL)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	free(l);
	return search_err(rc, NULL);
}

/* The visible articles under one refs prefix, newest first. */
static int
s_refs(struct search *s, const uint8_t *prefix, size_t plen,
    search_doc_fn cb, void *ctx)
{
	struct listed *l = NULL;
	size_t n = 0, cap = 0;
	struct search_doc d;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc;

	if ((rc = s_read(s, &txn)) != 0)
		return search_err(rc, NULL);
	if ((rc = mdb_cursor_open(txn, s->refs, &c)) != 0)
		goto fail;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint32_t dn;

		if (k.mv_size != plen + 4 || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		dn = post_key_doc(&k);
		if ((rc = search_doc_read(txn, s, dn, &d)) != 0)
			break;
		if (search_doc_visible(&d) &&
		    (rc = s_listed_add(&l, &n, &cap, d.created, dn)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	return s_emit(txn, s, l, n, s_listed_cmp, cb, ctx);
fail:
	mdb_txn_abort(txn);
	free(l);
	return search_err(rc, NULL);
}

int
search_refs(struct search *s, const uint8_t id[RECORD_ID_LEN],
    search_doc_fn cb, void *ctx)
{
	uint8_t p[1 + RECORD_ID_LEN];

	p[0] = 'i';
	memcpy(p + 1, id, RECORD_ID_LEN);
	return s_refs(s, p, sizeof(p), cb, ctx);
}

int
search_refs_value(struct search *s, int type, const char *value,
    search_doc_fn cb, void *ctx)
{
	uint8_t p[1 + VHASH_LEN];

	p[0] = 'v';
	s_vhash(type, value, p + 1);
	return s_refs(s, p, sizeof(p), cb, ctx);
}

/*
 * search_int.h - what node/search*.c share; nothing else includes it.
 *
 *   search_text.c   folding, terms, stemming, query parsing, snippets,
 *                   front matter (pure: no LMDB, no files)
 *   search_post.c   posting lists: the batch accumulator, block append,
 *                   decoding, purging removed articles
 *   search.c        the environment, search_sync(), documents, chains,
 *                   references
 *   search_query.c  ranking and results
 *
 * Internal functions return raw LMDB or errno codes (0, MDB_NOTFOUND,
 * MDB_MAP_FULL, ENOMEM ...); the public functions turn them into KY_E*
 * codes in one place, search_err().
 */
#ifndef KY_SEARCH_INT_H
#define KY_SEARCH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "node/search.h"

/*
 * Terms.  A term is a short byte string with a one-byte namespace:
 *   'w' word     a run of letters and digits outside CJK scripts, folded
 *                and lightly stemmed ("aliases" -> 'w' "alias")
 *   'b' bigram   two adjacent CJK characters ('b' "初動"), or the last
 *                character of a CJK run followed by TERM_END ('b' "動\1"),
 *                so every CJK character starts exactly one term and a
 *                one-character query is a prefix scan.
 * Terms never contain NUL: a posting key is term || 0x00 || docnum.
 */
#define TERM_WORD	'w'
#define TERM_CJK	'b'
#define TERM_END	'\1'
#define TERM_WORD_MAX	64	/* bytes of a word; longer ones are cut */
#define TERM_MAX	(1 + TERM_WORD_MAX + 1)	/* namespace, word or bigram, NUL */

/* Term weights: where a term occurs says how much it is about it. */
#define WEIGHT_BODY	1
#define WEIGHT_TAG	2
#define WEIGHT_TITLE	3

/* A posting block holds at most this many bytes of (delta, tf) varints. */
#define BLOCK_MAX	1000

/* Norms: per-document length and state for ranking, NORM_CHUNK at a time. */
#define NORM_CHUNK	4096
#define NORM_SIZE	4	/* u16 length (capped), u8 flags, u8 zero */

/* Text folded for matching: one entry per folded code point, with the
 * byte span of the source text it came from. */
struct fold {
	uint32_t *cp;		/* NFKC, case-folded code points */
	uint32_t *from;		/* source byte offset of its cluster */
	uint32_t *to;		/* source byte offset just past it */
	size_t n;		/* entries used */
	size_t cap;		/* entries allocated */
};

/* Folds src (len bytes of UTF-8; invalid bytes become U+FFFD) into f,
 * replacing what f held.  0 or ENOMEM. */
int fold_text(struct fold *f, const char *src, size_t len);
void fold_clear(struct fold *f);

/* Character classes of folded code points. */
bool text_is_cjk(uint32_t c);
bool text_is_word(uint32_t c);

/* Each term of f in order: term bytes (NUL-terminated, len without the
 * NUL) and the span [fa, fb) of fold entries it covers. */
typedef int (*term_fn)(void *ctx, const char *term, size_t len, size_t fa,
    size_t fb);
int text_terms(const struct fold *f, term_fn cb, void *ctx);

/* The light English stemmer, in place on an ASCII lower-case word;
 * returns the new length. */
size_t text_stem(char *w, size_t len);

/* A parsed query: terms to AND, and the runs snippets look for. */
#define QUERY_TERMS_MAX	48
#define QUERY_RUNS_MAX	16
#define QUERY_RUN_MAX	64	/* code points of one CJK run kept for matching */

struct query_term {
	char term[TERM_MAX];	/* the term, or the prefix of a prefix term */
	size_t len;
	bool prefix;		/* a one-character CJK query: every term starting so */
};

struct query_run {
	bool word;		/* a word (term holds it) or a CJK run (cp) */
	char term[TERM_MAX];	/* words: the stemmed term */
	size_t tlen;
	uint32_t cp[QUERY_RUN_MAX];	/* CJK: the folded characters */
	size_t n;
};

struct query {
	struct query_term t[QUERY_TERMS_MAX];
	size_t nt;
	struct query_run r[QUERY_RUNS_MAX];
	size_t nr;
};

/* Parses text into q.  0, or KY_EINVAL with *why ("query: no words"). */
int query_parse(const char *text, size_t len, struct query *q,
    const char **why);

/* Whether every CJK run of q of three or more characters occurs whole in
 * f: bigram matching alone cannot tell "初動対応" from "初動" and "対応"
 * far apart.  (Two characters are one bigram: an exact match.) */
bool query_phrases_in(const struct query *q, const struct fold *f);

/* True if q has a CJK run of three or more characters. */
bool query_has_phrases(const struct query *q);

/*
 * A passage of src (folded as f) of about width characters around the
 * place with the most distinct query runs, the matches wrapped in open
 * and close, white space collapsed, "…" where it was cut; into out (cap
 * bytes, NUL-terminated).  Returns the number of matches marked.
 */
size_t query_snippet(const struct query *q, const char *src,
    const struct fold *f, size_t width, const char *open, const char *close,
    char *out, size_t cap);

/* ---- posting lists (search_post.c) ---- */

struct post_acc;	/* postings gathered for one batch, in memory */

struct post_acc *post_acc_new(void);
void post_acc_destroy(struct post_acc **a);
/* Adds weight to (term, docnum); docnums must come in ascending order. */
int post_acc_add(struct post_acc *a, const char *term, size_t len,
    uint32_t docnum, uint32_t weight);
bool post_acc_empty(const struct post_acc *a);
/* (term, docnum) pairs gathered since the last flush. */
size_t post_acc_postings(const struct post_acc *a);
/* Appends everything gathered to the postings database and empties a. */
int post_acc_flush(struct post_acc *a, MDB_txn *txn, MDB_dbi post);

/* One decoded posting. */
struct posting {
	uint32_t doc;
	uint32_t tf;
};

/* Appends the postings of one block value to *v (grown as needed). */
int post_decode(uint32_t first, const uint8_t *val, size_t len,
    struct posting **v, size_t *n, size_t *cap);

/* Removes the docnums in gone (sorted, ngone) from every posting list. */
int post_purge(MDB_txn *txn, MDB_dbi post, const uint32_t *gone,
    size_t ngone);

/* Key helpers: term || 0 || docnum (big-endian). */
size_t post_key(uint8_t *out, const char *term, size_t len, uint32_t doc);
uint32_t post_key_doc(const MDB_val *k);

/* ---- the environment (search.c) ---- */

struct search {
	MDB_env *env;
	MDB_dbi meta, docs, ids, post, norms, chain, refs;
	struct search_opts o;	/* chunk sizes of search_sync() */
	char dir[1024];
};

/* LMDB/errno code to KY_E*; sets *why when why is not NULL. */
int search_err(int rc, const char **why);

/* Reads the packed document at docnum. */
int search_doc_read(MDB_txn *txn, const struct search *s, uint32_t docnum,
    struct search_doc *d);
/* The docnum of an article id. */
int search_docnum(MDB_txn *txn, const struct search *s,
    const uint8_t id[RECORD_ID_LEN], uint32_t *docnum);
/* Meta counters. */
int search_meta_u64(MDB_txn *txn, const struct search *s, const char *key,
    uint64_t *v);

/* Byte-order helpers. */
static inline void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static inline uint32_t
be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

#endif

/*
 * search.h - full-text search over know-how articles, their version
 * chains, and the links between articles and indicators.
 *
 * The index is a second LMDB environment, DIR/search/, derived from the
 * store and from nothing else: the store's schema stays as it is, and
 * `kyojo article reindex` (search_reindex) can rebuild it at any time.
 * search_sync() follows the store's changes feed (store.h) from the
 * cursor the index last reached: an article that is added or filled in
 * is indexed; one that is retracted or swept is removed.  The CLI calls
 * it before each query, as the daemon's user; the daemon never touches
 * the index.  docs/search.md has the layout and the reasons.
 *
 * What is indexed: article bodies (kind 3) that parse as articles.  A
 * stub, or a body that is not a valid article (a sealed body, later), is
 * skipped.  Text is folded with NFKC and Unicode case folding, so ＶＰＮ,
 * VPN and vpn are one word and half-width ｶﾀｶﾅ is カタカナ.  Japanese,
 * Chinese and Korean text has no spaces: it is indexed as overlapping
 * character bigrams, other scripts as words (lightly stemmed: "aliases"
 * finds "alias").
 *
 * Versions.  An article that names another in supersedes replaces it
 * when both have the same origin (a version chain has one author).  A
 * replaced version is SEARCH_SUPERSEDED while any newer version of its
 * chain is still live; queries and lists show only live, newest versions
 * unless asked for all.  Retracting the newest version therefore brings
 * the previous one back, which is also what a node that never saw the
 * retracted version's body would show; to withdraw a whole article,
 * retract every version (`kyojo article withdraw`).
 *
 * Errors: 0 or a negative KY_E* code (protocol/error.h), with *why set
 * where a function takes one.  Nothing here logs.
 *
 * Threads and processes: a struct search is used by one thread.  Any
 * number of processes may open one index; LMDB serializes their writers.
 */
#ifndef KY_SEARCH_H
#define KY_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/store.h"
#include "protocol/body.h"
#include "protocol/error.h"
#include "protocol/record.h"

#define SEARCH_SCHEMA_VERSION	1	/* meta "version"; another: rebuilt */

/* Document state (struct search_doc.flags). */
#define SEARCH_SUPERSEDED	0x1u	/* a newer live version of its chain is held */
#define SEARCH_RETRACTED	0x2u	/* retracted by its origin: body pruned */
#define SEARCH_EXPIRED		0x4u	/* expired and swept: body pruned */
#define SEARCH_GONE		(SEARCH_RETRACTED | SEARCH_EXPIRED)

#define SEARCH_LANG_MAX		35	/* bytes of a language tag (body.c) */
#define SEARCH_SECTOR_MAX	15

struct search;

/* What the index knows of one article version.  A gone version keeps
 * only its id, origin, created, supersedes and flags: its title and tags
 * were content, and the content is withdrawn. */
struct search_doc {
	uint8_t id[RECORD_ID_LEN];		/* the article record's id */
	uint8_t origin[RECORD_KEY_LEN];		/* its author */
	uint8_t supersedes[RECORD_ID_LEN];	/* the version it replaces; zero: none */
	uint64_t created;			/* unix seconds, from the header */
	uint8_t tlp;				/* enum record_tlp */
	unsigned flags;				/* SEARCH_* state */
	uint32_t length;			/* weighted terms (ranking) */
	uint32_t nrefs;				/* record ids it references */
	char lang[SEARCH_LANG_MAX + 1];		/* "ja", "en"; "" once gone */
	char sector[SEARCH_SECTOR_MAX + 1];	/* "" when none */
	char title[BODY_TITLE_MAX + 1];		/* "" once gone */
	size_t ntags;
	char tags[BODY_TAGS_MAX][BODY_TAG_MAX + 1];
};

/* True when d is the version to show: live and not replaced. */
static inline bool
search_doc_visible(const struct search_doc *d)
{
	return (d->flags & (SEARCH_GONE | SEARCH_SUPERSEDED)) == 0;
}

/*
 * Opens (creating, mode 0700) the index in dir, normally DIR/search.  An
 * index of another schema version, or one LMDB cannot read, is emptied:
 * the next search_sync() rebuilds it.  *out is the caller's, closed with
 * search_close().  Errors: KY_EPERM ("DIR/search: permission denied: run
 * as the user kyojod runs as"), KY_EIO, KY_ENOMEM, KY_ESYS.
 */
int search_open(const char *dir, struct search **out, const char **why)
    KY_WUR KY_NONNULL(1, 2, 3);

/* Tuning for search_open_opts(); zero fields take the defaults.  Tests
 * use tiny chunks to exercise a sync spread over many transactions. */
struct search_opts {
	size_t sync_changes;	/* changes per write transaction (65536) */
	size_t sync_postings;	/* postings held before a commit (8M) */
};

/* search_open() with options (o may be NULL). */
int search_open_opts(const char *dir, const struct search_opts *o,
    struct search **out, const char **why) KY_WUR KY_NONNULL(1, 3, 4);

/* Closes *s and sets it to NULL; nothing if NULL. */
void search_close(struct search **s);

/* What one search_sync() did. */
struct search_sync_stats {
	uint64_t changes;	/* changes feed entries read */
	uint64_t indexed;	/* article versions indexed */
	uint64_t removed;	/* versions retracted or swept */
	uint64_t skipped;	/* articles held as stubs, or bodies not indexable */
	bool rebuilt;		/* the index started over (new store, new schema) */
};

/*
 * Brings the index up to date with the store st (open read-only is
 * enough): reads the changes feed after the cursor the index holds, in
 * chunks of one write transaction each, so a crash loses at most the
 * chunk being written and a later sync redoes it.  A store that is not
 * the one indexed (replaced, restored from an older backup) makes the
 * index start over.  stats may be NULL.
 * Errors: KY_EFULL (disk full), KY_EIO, KY_ECORRUPT, KY_ENOMEM, or the
 * store's errors.
 */
int search_sync(struct search *s, struct store *st,
    struct search_sync_stats *stats, const char **why)
    KY_WUR KY_NONNULL(1, 2, 4);

/* Empties the index, then search_sync(). */
int search_reindex(struct search *s, struct store *st,
    struct search_sync_stats *stats, const char **why)
    KY_WUR KY_NONNULL(1, 2, 4);

/* Callbacks get a document that lives during the call.  Return 0 to go
 * on; any other value stops and is returned (use > 0 for "done"). */
typedef int (*search_doc_fn)(void *ctx, const struct search_doc *d);

/* The version with this id, visible or not.  Errors: KY_ENOTFOUND
 * (not an article this index holds), KY_ECORRUPT. */
int search_get(struct search *s, const uint8_t id[RECORD_ID_LEN],
    struct search_doc *out) KY_WUR KY_NONNULL(1, 2, 3);

/*
 * Resolves an id written as hex: 64 digits, or a unique prefix of at
 * least 8 of an article's id.  Errors: KY_EINVAL (not hex, too short),
 * KY_ENOTFOUND, KY_EEXIST (the prefix is not unique).
 */
int search_resolve(struct search *s, const char *hex,
    uint8_t id[RECORD_ID_LEN]) KY_WUR KY_NONNULL(1, 2, 3);

/* search_list() flags. */
#define SEARCH_ALL	0x1u	/* superseded versions too (gone ones never) */

/* Every visible version (all with SEARCH_ALL), newest first. */
int search_list(struct search *s, unsigned flags, search_doc_fn cb,
    void *ctx) KY_WUR KY_NONNULL(1, 3);

/*
 * The version chain that id belongs to, oldest first: every version the
 * index knows that is linked to it through supersedes by the same
 * origin, gone ones included.  Errors: KY_ENOTFOUND, KY_ECORRUPT, cb's.
 */
int search_history(struct search *s, const uint8_t id[RECORD_ID_LEN],
    search_doc_fn cb, void *ctx) KY_WUR KY_NONNULL(1, 2, 3);

/* The visible articles whose refs name the record id. */
int search_refs(struct search *s, const uint8_t id[RECORD_ID_LEN],
    search_doc_fn cb, void *ctx) KY_WUR KY_NONNULL(1, 2, 3);

/* The visible articles that reference any record about an indicator
 * value (normalized; enum indicator_type): the link survives the
 * indicator's expiry, as long as the record was held when either side
 * was indexed. */
int search_refs_value(struct search *s, int type, const char *value,
    search_doc_fn cb, void *ctx) KY_WUR KY_NONNULL(1, 3, 4);

/* A query. */
struct search_query {
	const char *text;	/* words and/or Japanese text, as typed */
	const char *lang;	/* NULL: any; else the language tag or its primary part */
	const char *tag;	/* NULL: any; else one tag it must carry */
	size_t limit;		/* results wanted (0: 10) */
	bool all;		/* superseded versions too */
	size_t width;		/* snippet width in characters (0: 100) */
	const char *open;	/* snippet match markers, e.g. "【" "】" */
	const char *close;
};

#define SEARCH_SNIPPET_MAX 1024	/* bytes of a snippet, markers included */

struct search_hit {
	struct search_doc doc;
	double score;		/* BM25, title and tags weighted up */
	char snippet[SEARCH_SNIPPET_MAX];	/* "" when the body could not be read */
};

struct search_hits {
	struct search_hit *hit;	/* best first */
	size_t n;		/* entries in hit */
	size_t total;		/* articles that matched, before limit and filters */
};

/*
 * Runs q over the index (search_sync() first to see the newest records);
 * bodies for snippets are read from st.  A document matches when it has
 * every word and every character bigram of the query.  Ranking is BM25
 * over words and bigrams, title and tags weighing more; a CJK phrase
 * that only matched as scattered bigrams ranks lower.  *out is the
 * caller's, emptied with search_hits_clear().
 * Errors: KY_EINVAL (why: "query: no words to search for"), KY_ENOMEM,
 * KY_ECORRUPT.
 */
int search_query(struct search *s, struct store *st,
    const struct search_query *q, struct search_hits *out, const char **why)
    KY_WUR KY_NONNULL(1, 2, 3, 4, 5);

void search_hits_clear(struct search_hits *h);

/* ---- article files ---- */

#define SEARCH_REFS_MAX 256	/* refs per article (docs/protocol.md) */

/*
 * The front matter of an article file: an optional block at its start,
 *
 *     ---
 *     title: ランサムウェア初動対応チェックリスト
 *     lang: ja
 *     tags: [ransomware, 初動対応]
 *     tlp: clear
 *     ---
 *
 * of "key: value" lines; values plain, "double-quoted" (\" \\ \n \t) or
 * 'single-quoted' ('' for '); lists as [a, b] or as "- item" lines below
 * the key.  Keys: title, lang, tags, refs, sector, tlp, pap, supersedes.
 * Others (date, author, ...) are ignored and the first is named in
 * unknown, so the CLI can warn about a typo.
 */
struct search_fm {
	char title[BODY_TITLE_MAX + 1];
	char lang[SEARCH_LANG_MAX + 1];
	char sector[SEARCH_SECTOR_MAX + 1];
	char tlp[16];
	char pap[16];
	char supersedes[65];
	size_t ntags;
	char tags[BODY_TAGS_MAX][BODY_TAG_MAX + 1];
	size_t nrefs;
	char refs[SEARCH_REFS_MAX][65];	/* as written: ids or indicator values */
	size_t body;			/* offset of the Markdown after the block */
	char unknown[32];		/* first unknown key, "" if none */
	size_t unknown_line;
};

/*
 * Parses the front matter of text (len bytes) into *fm (cleared first).
 * Text without a front matter block is all body.  Errors: KY_EINVAL with
 * *line (1-based) and *why ("front matter: no closing '---' line",
 * "tags: more than 16", "unterminated quoted string", ...).
 */
int search_frontmatter(const char *text, size_t len, struct search_fm *fm,
    size_t *line, const char **why) KY_WUR KY_NONNULL(1, 3, 4, 5);

/* The first Markdown heading ("# Title") of md, trimmed, into out (cap
 * bytes); false when there is none. */
bool search_md_title(const char *md, size_t len, char *out, size_t cap)
    KY_NONNULL(1, 3);

/* "ja" when text has kana or kanji, else "en": a guess for a missing --lang. */
const char *search_guess_lang(const char *text, size_t len) KY_NONNULL(1);

#endif

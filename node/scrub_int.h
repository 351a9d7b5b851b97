/*
 * scrub_int.h - what node/scrub.c (tables, indicators) and
 * node/scrub_text.c (free text) share.  Not an API.
 */
#ifndef KY_SCRUB_INT_H
#define KY_SCRUB_INT_H

#include <stdint.h>

#include "node/scrub.h"
#include "protocol/indicator.h"

#define S_NET_TEXT	50	/* "ffff:...:ffff/128" and its NUL, with room */

/* One configured network, with its text for the reasons. */
struct scrub_net {
	struct indicator_net net;	/* parsed */
	char text[S_NET_TEXT];		/* normal form, for "own network (TEXT)" */
};

/* One own domain or mail domain. */
struct scrub_name {
	char *name;		/* malloc'd normal form (A-labels) */
	size_t len;		/* bytes of name */
	bool mail;		/* from own_mail_domains */
};

/* One configured word, folded (scrub_fold) for matching. */
struct scrub_word {
	char *folded;		/* malloc'd, NUL-terminated */
	size_t len;		/* bytes of folded */
	int kind;		/* SCRUB_WORD, or SCRUB_HOST for an own IDN's U-label form */
	const char *why;	/* static */
};

struct scrub {
	struct scrub_net *nets;		/* own_networks */
	size_t n_nets;
	struct scrub_name *names;	/* own_domains, own_mail_domains; sorted */
	size_t n_names;
	struct scrub_word *words;	/* sorted by first byte, then longest first */
	size_t n_words;
	uint32_t first[257];		/* words[first[b] .. first[b + 1]) start with byte b */
	bool allow_doc;			/* scrub_allow_documentation() */
};

/* Text folded for matching, with where each folded byte came from. */
struct scrub_fold {
	char *s;		/* folded UTF-8, NUL-terminated */
	uint32_t *map;		/* map[i]: input offset of the character folded byte i comes from; map[n] = input length */
	size_t n;		/* folded bytes */
	size_t cap;		/* allocated bytes of s; map has cap + 1 entries */
};

/*
 * Folds len bytes of valid UTF-8 into f (emptied first): each character
 * to its NFKD form, lower-cased; dashes to '-', the ideographic full
 * stops to '.', "[.]" to '.'.  Returns 0 or KY_ENOMEM.
 */
int scrub_fold(const char *in, size_t len, struct scrub_fold *f);
void scrub_fold_clear(struct scrub_fold *f);

/* A span of the folded text to redact. */
struct scrub_span {
	size_t a, b;		/* folded bytes [a, b) */
	int kind;		/* enum scrub_kind */
	const char *why;	/* static */
};

/* One scrub_text() call: the folded text and the spans found so far. */
struct scrub_ctx {
	const struct scrub *s;
	const struct scrub_fold *f;
	const char *t;		/* f->s */
	size_t n;		/* f->n */
	struct scrub_span *v;	/* malloc'd */
	size_t nv, capv;	/* used, allocated */
	int err;		/* KY_ENOMEM once an add failed */
};

/* Whether folded byte i begins the fold of an input character. */
static inline bool
scrub_unit_start(const struct scrub_fold *f, size_t i)
{
	return i == 0 || i >= f->n || f->map[i] != f->map[i - 1];
}

/* Proposes folded bytes [a, b) for redaction; on ENOMEM sets c->err. */
void scrub_add(struct scrub_ctx *c, size_t a, size_t b, int kind,
    const char *why);

/* Runs every scanner of scrub_scan.c over c->t. */
void scrub_scan(struct scrub_ctx *c);

/*
 * For free text: the static reason when the address or network n must
 * be redacted (it lies inside an internal range without being that
 * whole range, or it overlaps an own network), else NULL.
 */
const char *scrub_text_net(const struct scrub *s, const struct indicator_net *n);

/*
 * For free text: the static reason when the host name (lower-case
 * ASCII, len bytes, at least two labels) is internal or the
 * organisation's, else NULL.
 */
const char *scrub_text_name(const struct scrub *s, const char *name,
    size_t len);

#endif

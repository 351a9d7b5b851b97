/*
 * search_text.c - text for the article index: folding, terms, queries,
 * snippets, and the front matter of article files.  Pure: no LMDB, no
 * files, no globals; the fuzz target links it alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>

#include "node/search_int.h"

/* ---- UTF-8 ---- */

/* Decodes one code point at s (n > 0 bytes left); returns the bytes it
 * took.  A byte that does not start a valid sequence is U+FFFD, one byte
 * long, so any input makes progress. */
static size_t
s_decode(const uint8_t *s, size_t n, uint32_t *c)
{
	uint32_t v;
	size_t len, i;

	if (s[0] < 0x80) {
		*c = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, v = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, v = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, v = s[0] & 0x07;
	else
		goto bad;
	if (n < len)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		v = v << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
	    (len == 4 && (v < 0x10000 || v > 0x10ffff)))
		goto bad;
	*c = v;
	return len;
bad:
	*c = 0xfffd;
	return 1;
}

/* Encodes c into out (4 bytes room); returns the length. */
static size_t
s_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* ---- classes ---- */

bool
text_is_cjk(uint32_t c)
{
	return (c >= 0x3041 && c <= 0x3098) ||	/* hiragana */
	    (c >= 0x309d && c <= 0x309f) ||	/* ゝゞゟ */
	    (c >= 0x30a1 && c <= 0x30fa) ||	/* katakana; not ・ */
	    (c >= 0x30fc && c <= 0x30ff) ||	/* ー ヽ ヾ ヿ */
	    (c >= 0x31f0 && c <= 0x31ff) ||
	    (c >= 0x3005 && c <= 0x3007) ||	/* 々 〆 〇 */
	    (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
	    (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3134f) ||
	    (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3131 && c <= 0x318e) ||
	    (c >= 0xac00 && c <= 0xd7a3);	/* hangul */
}

bool
text_is_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');
	if (text_is_cjk(c) || c == 0xfffd)
		return false;
	return uc_is_alnum(c) || uc_is_general_category(c, UC_CATEGORY_M);
}

/* Combining marks that fold into the character before them; a cluster
 * with one of them takes the slow path (ｶﾞ is カ + ﾞ, NFKC makes ガ). */
static bool
s_is_mark(uint32_t c)
{
	return (c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) ||
	    (c >= 0xfe20 && c <= 0xfe2f) || c == 0x3099 || c == 0x309a ||
	    c == 0xff9e || c == 0xff9f;
}

/* Characters that NFKC and case folding leave alone: most Japanese text
 * takes this path and never calls libunistring. */
static bool
s_is_stable(uint32_t c)
{
	return (c >= 0x3041 && c <= 0x3096) || (c >= 0x30a1 && c <= 0x30fa) ||
	    c == 0x30fc || (c >= 0x4e00 && c <= 0x9fff) ||
	    (c >= 0xac00 && c <= 0xd7a3) || c == 0x3001 || c == 0x3002;
}

/* ---- folding ---- */

void
fold_clear(struct fold *f)
{
	free(f->cp);
	free(f->from);
	free(f->to);
	memset(f, 0, sizeof(*f));
}

static int
s_fold_put(struct fold *f, uint32_t c, size_t from, size_t to)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		uint32_t *a = realloc(f->cp, cap * sizeof(*a)), *b, *d;

		if (a == NULL)
			return ENOMEM;
		f->cp = a;
		if ((b = realloc(f->from, cap * sizeof(*b))) == NULL)
			return ENOMEM;
		f->from = b;
		if ((d = realloc(f->to, cap * sizeof(*d))) == NULL)
			return ENOMEM;
		f->to = d;
		f->cap = cap;
	}
	f->cp[f->n] = c;
	f->from[f->n] = (uint32_t)from;
	f->to[f->n] = (uint32_t)to;
	f->n++;
	return 0;
}

int
fold_text(struct fold *f, const char *src, size_t len)
{
	const uint8_t *s = (const uint8_t *)src;
	uint8_t buf[128], *o;
	size_t i = 0, j, m, olen, k;
	uint32_t c, d;
	int rc;

	f->n = 0;
	if (len > UINT32_MAX)
		return EFBIG;
	while (i < len) {
		if (s[i] < 0x80) {
			c = s[i];
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if ((rc = s_fold_put(f, c, i, i + 1)) != 0)
				return rc;
			i++;
			continue;
		}
		j = i + s_decode(s + i, len - i, &c);
		while (j < len) {
			m = s_decode(s + j, len - j, &d);
			if (!s_is_mark(d))
				break;
			j += m;
		}
		if (c == 0xfffd || (j == i + s_decode(s + i, len - i, &d) &&
		    s_is_stable(c))) {
			if ((rc = s_fold_put(f, c, i, j)) != 0)
				return rc;
			i = j;
			continue;
		}
		olen = sizeof(buf);
		o = u8_casefold(s + i, j - i, NULL, UNINORM_NFKC, buf, &olen);
		if (o == NULL) {
			if (errno == ENOMEM)
				return ENOMEM;
			rc = s_fold_put(f, 0xfffd, i, j);
		} else {
			rc = 0;
			for (k = 0; k < olen && rc == 0; ) {
				k += s_decode(o + k, olen - k, &d);
				rc = s_fold_put(f, d, i, j);
			}
			if (o != buf)
				free(o);
		}
		if (rc != 0)
			return rc;
		i = j;
	}
	return 0;
}

/* ---- terms ---- */

size_t
text_stem(char *w, size_t n)
{
#define ENDS(s) (n >= sizeof(s) - 1 && memcmp(w + n - (sizeof(s) - 1), s, \
	sizeof(s) - 1) == 0)
	if (n <= 3 || w[n - 1] != 's')
		return n;
	for (size_t i = 0; i < n; i++)
		if (w[i] >= '0' && w[i] <= '9')
			return n;	/* "cves", "ipv4s": leave codes alone */
	if (ENDS("ies") && !ENDS("eies") && !ENDS("aies"))
		return w[n - 3] = 'y', n - 2;	/* policies -> policy */
	if (ENDS("sses") || ENDS("xes") || ENDS("ches") || ENDS("shes") ||
	    ENDS("zzes") || ENDS("iases"))
		return n - 2;			/* addresses, patches, aliases */
	if (ENDS("ss") || ENDS("us") || ENDS("is") || ENDS("ias"))
		return n;			/* address, virus, analysis, alias */
	return n - 1;				/* logs, files, updates */
#undef ENDS
}

int
text_terms(const struct fold *f, term_fn cb, void *ctx)
{
	char t[TERM_MAX + 4];
	size_t i = 0, j, k, len;
	bool ascii;
	int rc;

	while (i < f->n) {
		if (text_is_cjk(f->cp[i])) {
			for (j = i; j < f->n && text_is_cjk(f->cp[j]); j++)
				;
			for (k = i; k < j; k++) {
				t[0] = TERM_CJK;
				len = 1 + s_encode(f->cp[k], t + 1);
				if (k + 1 < j)
					len += s_encode(f->cp[k + 1], t + len);
				else
					t[len++] = TERM_END;
				t[len] = '\0';
				if ((rc = cb(ctx, t, len, k, k + 1 < j ? k + 2 :
				    k + 1)) != 0)
					return rc;
			}
			i = j;
		} else if (text_is_word(f->cp[i])) {
			t[0] = TERM_WORD;
			len = 1;
			ascii = true;
			for (j = i; j < f->n && text_is_word(f->cp[j]); j++) {
				char u[4];
				size_t ul = s_encode(f->cp[j], u);

				if (len + ul > 1 + TERM_WORD_MAX)
					continue;	/* cut, but span the whole word */
				memcpy(t + len, u, ul);
				len += ul;
				ascii = ascii && f->cp[j] < 0x80;
			}
			if (ascii)
				len = 1 + text_stem(t + 1, len - 1);
			t[len] = '\0';
			if ((rc = cb(ctx, t, len, i, j)) != 0)
				return rc;
			i = j;
		} else
			i++;
	}
	return 0;
}

/* ---- queries ---- */

static void
s_add_term(struct query *q, const char *t, size_t len, bool prefix)
{
	for (size_t i = 0; i < q->nt; i++)
		if (q->t[i].len == len && q->t[i].prefix == prefix &&
		    memcmp(q->t[i].term, t, len) == 0)
			return;
	if (q->nt == QUERY_TERMS_MAX || len >= TERM_MAX)
		return;		/* a pasted paragraph: its first terms decide */
	memcpy(q->t[q->nt].term, t, len);
	q->t[q->nt].term[len] = '\0';
	q->t[q->nt].len = len;
	q->t[q->nt].prefix = prefix;
	q->nt++;
}

struct qctx {
	struct query *q;
	const struct fold *f;
	struct query_run *run;	/* the CJK run being read; NULL: none or no room */
};

static int
s_query_term(void *ctx, const char *t, size_t len, size_t fa, size_t fb)
{
	struct qctx *c = ctx;
	struct query *q = c->q;
	bool starts;

	(void)fb;
	if (t[0] == TERM_WORD) {
		s_add_term(q, t, len, false);
		c->run = NULL;
		if (q->nr < QUERY_RUNS_MAX) {
			struct query_run *r = &q->r[q->nr++];

			memset(r, 0, sizeof(*r));
			r->word = true;
			memcpy(r->term, t, len + 1);
			r->tlen = len;
		}
		return 0;
	}
	/* A CJK run: its first term starts it; a one-character run (its
	 * only term ends in TERM_END) becomes a prefix query. */
	starts = fa == 0 || !text_is_cjk(c->f->cp[fa - 1]);
	if (starts) {
		c->run = NULL;
		if (q->nr < QUERY_RUNS_MAX) {
			c->run = &q->r[q->nr++];
			memset(c->run, 0, sizeof(*c->run));
		}
	}
	if (c->run != NULL && c->run->n < QUERY_RUN_MAX)
		c->run->cp[c->run->n++] = c->f->cp[fa];
	if (t[len - 1] != TERM_END)
		s_add_term(q, t, len, false);
	else if (starts)
		s_add_term(q, t, len - 1, true);
	return 0;
}

int
query_parse(const char *text, size_t len, struct query *q, const char **why)
{
	struct fold f = { 0 };
	struct qctx c = { q, &f, NULL };
	int rc;

	memset(q, 0, sizeof(*q));
	if ((rc = fold_text(&f, text, len)) != 0) {
		fold_clear(&f);
		return *why = "out of memory", KY_ENOMEM;
	}
	rc = text_terms(&f, s_query_term, &c);
	fold_clear(&f);
	if (rc != 0)
		return *why = "out of memory", KY_ENOMEM;
	if (q->nt == 0)
		return *why = "query: no words to search for", KY_EINVAL;
	return 0;
}

bool
query_has_phrases(const struct query *q)
{
	for (size_t i = 0; i < q->nr; i++)
		if (!q->r[i].word && q->r[i].n >= 3)
			return true;
	return false;
}

/* First occurrence at or after from of run r in f; f->n if none. */
static size_t
s_find_run(const struct query_run *r, const struct fold *f, size_t from)
{
	for (size_t i = from; i + r->n <= f->n; i++) {
		size_t k = 0;

		while (k < r->n && f->cp[i + k] == r->cp[k])
			k++;
		if (k == r->n)
			return i;
	}
	return f->n;
}

bool
query_phrases_in(const struct query *q, const struct fold *f)
{
	for (size_t i = 0; i < q->nr; i++)
		if (!q->r[i].word && q->r[i].n >= 3 &&
		    s_find_run(&q->r[i], f, 0) == f->n)
			return false;
	return true;
}

/* ---- snippets ---- */

#define MATCH_MAX 512

struct match {
	uint32_t a, b;		/* fold span */
	uint16_t run;		/* which query run */
};

struct mctx {
	const struct query *q;
	struct match *m;
	size_t n;
	uint32_t want;		/* runs to match by bigram (no exact hit) */
	bool words;		/* collecting words (else bigrams) */
};

static void
s_match_put(struct mctx *c, size_t a, size_t b, size_t run)
{
	if (c->n < MATCH_MAX)
		c->m[c->n++] = (struct match){ (uint32_t)a, (uint32_t)b,
		    (uint16_t)run };
}

static int
s_match_term(void *ctx, const char *t, size_t len, size_t fa, size_t fb)
{
	struct mctx *c = ctx;

	for (size_t i = 0; i < c->q->nr; i++) {
		const struct query_run *r = &c->q->r[i];

		if (c->words && r->word && r->tlen == len &&
		    memcmp(r->term, t, len) == 0)
			s_match_put(c, fa, fb, i);
		else if (!c->words && !r->word && (c->want >> i & 1) &&
		    t[0] == TERM_CJK && t[len - 1] != TERM_END) {
			char b[TERM_MAX + 4];

			for (size_t k = 0; k + 1 < r->n; k++) {
				size_t bl = 1;

				b[0] = TERM_CJK;
				bl += s_encode(r->cp[k], b + bl);
				bl += s_encode(r->cp[k + 1], b + bl);
				if (bl == len && memcmp(b, t, len) == 0) {
					s_match_put(c, fa, fb, i);
					break;
				}
			}
		}
	}
	return 0;
}

static int
s_match_cmp(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

/* Appends s to out if it fits, keeping room for tail bytes. */
static bool
s_put(char *out, size_t cap, size_t *o, const char *s, size_t n,
    size_t tail)
{
	if (*o + n + tail + 1 > cap)
		return false;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return true;
}

static bool
s_is_blank(uint32_t c)
{
	return c <= 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
	    c == 0x2029 || c == 0xfeff;
}

size_t
query_snippet(const struct query *q, const char *src, const struct fold *f,
    size_t width, const char *open, const char *close, char *out, size_t cap)
{
	struct match m[MATCH_MAX];
	struct mctx c = { q, m, 0, 0, true };
	size_t best = 0, best_runs = 0, best_n = 0, start, end, o = 0, k,
	    marked = 0, tail, mi, oi;
	uint32_t cur_end = 0, last_from = UINT32_MAX;
	bool in_mark = false, space = true, line_start = true;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (f->n == 0)
		return 0;
	/* Exact runs first; a run found nowhere falls back to its bigrams. */
	for (size_t i = 0; i < q->nr; i++) {
		const struct query_run *r = &q->r[i];
		size_t at, hits = 0;

		if (r->word || r->n == 0)
			continue;
		for (at = s_find_run(r, f, 0); at < f->n;
		    at = s_find_run(r, f, at + 1), hits++)
			s_match_put(&c, at, at + r->n, i);
		if (hits == 0 && r->n >= 2)
			c.want |= 1u << i;
	}
	(void)text_terms(f, s_match_term, &c);
	if (c.want != 0) {
		c.words = false;
		(void)text_terms(f, s_match_term, &c);
	}
	qsort(m, c.n, sizeof(m[0]), s_match_cmp);

	/* The window that holds the most distinct runs, then most matches. */
	for (size_t i = 0; i < c.n; i++) {
		uint32_t runs = 0;
		size_t cnt = 0, nr;

		for (size_t j = i; j < c.n && m[j].a < m[i].a + width * 4 / 5;
		    j++) {
			runs |= 1u << m[j].run;
			cnt++;
		}
		nr = (size_t)__builtin_popcount(runs);
		if (nr > best_runs || (nr == best_runs && cnt > best_n)) {
			best = i;
			best_runs = nr;
			best_n = cnt;
		}
	}
	start = c.n > 0 && m[best].a > width / 5 ? m[best].a - width / 5 : 0;
	end = start + width < f->n ? start + width : f->n;
	if (end - start < width && start > 0)
		start = end > width ? end - width : 0;
	/* Do not start in the middle of a word. */
	for (k = 0; k < 15 && start > 0 && start < f->n &&
	    text_is_word(f->cp[start - 1]) && text_is_word(f->cp[start]) &&
	    (c.n == 0 || start < m[best].a); k++)
		start++;

	tail = strlen(close) + 4;	/* a close marker and "…" */
	if (start > 0)
		(void)s_put(out, cap, &o, "…", 3, tail);
	mi = 0;
	for (oi = start; oi < end; oi++) {
		uint32_t cp = f->cp[oi];

		while (mi < c.n && m[mi].b <= oi)
			mi++;
		if (!in_mark && mi < c.n && m[mi].a <= oi) {
			/* Merge overlapping matches into one marked span. */
			cur_end = m[mi].b;
			for (size_t j = mi; j < c.n && m[j].a <= cur_end; j++)
				if (m[j].b > cur_end)
					cur_end = m[j].b;
			if (!s_put(out, cap, &o, open, strlen(open), tail))
				break;
			in_mark = true;
			marked++;
			space = false;
		}
		if (f->from[oi] != last_from) {
			last_from = f->from[oi];
			if (s_is_blank(cp)) {
				if (cp == '\n')
					line_start = true;
				if (!space && !in_mark &&
				    !s_put(out, cap, &o, " ", 1, tail))
					break;
				space = !in_mark;
			} else if (!in_mark && (cp == '*' || cp == '`' ||
			    (line_start && (cp == '#' || cp == '>')))) {
				/* Markdown markup, not text. */
			} else {
				if (!s_put(out, cap, &o, src + f->from[oi],
				    f->to[oi] - f->from[oi], tail))
					break;
				space = false;
				line_start = false;
			}
		}
		if (in_mark && oi + 1 >= cur_end) {
			(void)s_put(out, cap, &o, close, strlen(close), 4);
			in_mark = false;
		}
	}
	if (in_mark)
		(void)s_put(out, cap, &o, close, strlen(close), 4);
	while (o > 0 && out[o - 1] == ' ')
		out[--o] = '\0';
	if (oi < f->n)
		(void)s_put(out, cap, &o, "…", 3, 0);
	return marked;
}

/* ---- article files ---- */

#define FM_VALUE_MAX 1024

enum fm_key {
	FM_NONE = -1, FM_UNKNOWN = -2,
	FM_TITLE = 0, FM_LANG, FM_TAGS, FM_REFS, FM_SECTOR, FM_TLP, FM_PAP,
	FM_SUPERSEDES,
};

static const char *const s_fm_keys[] = {
	"title", "lang", "tags", "refs", "sector", "tlp", "pap", "supersedes",
};

struct fm_line {
	const char *p;		/* the line, without its end of line */
	size_t n;
};

/* The next line of text at *off; false at the end. */
static bool
s_next_line(const char *text, size_t len, size_t *off, struct fm_line *l)
{
	const char *nl;

	if (*off >= len)
		return false;
	l->p = text + *off;
	nl = memchr(l->p, '\n', len - *off);
	l->n = nl ? (size_t)(nl - l->p) : len - *off;
	*off += l->n + (nl != NULL);
	while (l->n > 0 && (l->p[l->n - 1] == '\r' || l->p[l->n - 1] == ' ' ||
	    l->p[l->n - 1] == '\t'))
		l->n--;
	return true;
}

static bool
s_is_fence(const struct fm_line *l, const char *mark)
{
	return l->n == 3 && memcmp(l->p, mark, 3) == 0;
}

/*
 * One scalar at p[0..n): quoted or plain.  A plain scalar inside a flow
 * list stops at ',' or ']'.  Writes a NUL-terminated value into out
 * (FM_VALUE_MAX + 1 bytes); *used gets the bytes consumed.
 */
static int
s_scalar(const char *p, size_t n, bool flow, char *out, size_t *used,
    const char **why)
{
	size_t i = 0, o = 0;

	if (n > 0 && (p[0] == '"' || p[0] == '\'')) {
		char q = p[0];

		for (i = 1; ; i++) {
			char ch;

			if (i >= n)
				return *why = "unterminated quoted string", KY_EINVAL;
			ch = p[i];
			if (ch == q) {
				if (q == '\'' && i + 1 < n && p[i + 1] == '\'') {
					i++;
				} else {
					i++;
					break;
				}
			} else if (q == '"' && ch == '\\') {
				if (++i >= n)
					return *why = "unterminated quoted string",
					    KY_EINVAL;
				switch (p[i]) {
				case '"': case '\\': case '/': ch = p[i]; break;
				case 'n': ch = '\n'; break;
				case 't': ch = '\t'; break;
				default:
					return *why = "unknown escape in a quoted "
					    "string (\\\" \\\\ \\n \\t)", KY_EINVAL;
				}
			}
			if (o == FM_VALUE_MAX)
				return *why = "value over 1024 bytes", KY_EINVAL;
			out[o++] = ch;
		}
	} else {
		for (; i < n; i++) {
			if (flow && (p[i] == ',' || p[i] == ']'))
				break;
			if (p[i] == '#' && i > 0 && (p[i - 1] == ' ' ||
			    p[i - 1] == '\t'))
				break;
			if (o == FM_VALUE_MAX)
				return *why = "value over 1024 bytes", KY_EINVAL;
			out[o++] = p[i];
		}
		while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
			o--;
	}
	if (memchr(out, '\0', o) != NULL)
		return *why = "a NUL byte in a value", KY_EINVAL;
	out[o] = '\0';
	*used = i;
	return 0;
}

static size_t
s_skip_space(const char *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/* Nothing but a comment may follow a value. */
static int
s_rest_empty(const char *p, size_t n, size_t i, const char **why)
{
	i = s_skip_space(p, n, i);
	if (i < n && p[i] != '#')
		return *why = "text after the value", KY_EINVAL;
	return 0;
}

static int
s_copy_field(char *dst, size_t cap, const char *v, const char *why_long,
    const char **why)
{
	size_t n = strlen(v);

	if (n >= cap)
		return *why = why_long, KY_EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

static int
s_list_item(struct search_fm *fm, int key, const char *v, const char **why)
{
	size_t n = strlen(v);

	if (key == FM_TAGS) {
		if (n == 0)
			return *why = "tags: an empty tag", KY_EINVAL;
		if (n > BODY_TAG_MAX)
			return *why = "tags: a tag over 64 bytes", KY_EINVAL;
		if (fm->ntags == BODY_TAGS_MAX)
			return *why = "tags: more than 16", KY_EINVAL;
		memcpy(fm->tags[fm->ntags++], v, n + 1);
		return 0;
	}
	if (n != 64 || strspn(v, "0123456789abcdefABCDEF") != 64)
		return *why = "refs: not a record id (64 hex digits)", KY_EINVAL;
	if (fm->nrefs == SEARCH_REFS_MAX)
		return *why = "refs: more than 256", KY_EINVAL;
	memcpy(fm->refs[fm->nrefs++], v, n + 1);
	return 0;
}

/* A list value: [a, b], or "a, b" written plainly. */
static int
s_list(struct search_fm *fm, int key, const char *p, size_t n,
    const char **why)
{
	char v[FM_VALUE_MAX + 1];
	size_t i = 0, used;
	int rc;

	if (n > 0 && p[0] == '[') {
		i = s_skip_space(p, n, 1);
		if (i < n && p[i] == ']')
			return s_rest_empty(p, n, i + 1, why);
		for (;;) {
			i = s_skip_space(p, n, i);
			if ((rc = s_scalar(p + i, n - i, true, v, &used,
			    why)) != 0)
				return rc;
			i = s_skip_space(p, n, i + used);
			if ((rc = s_list_item(fm, key, v, why)) != 0)
				return rc;
			if (i < n && p[i] == ',') {
				i++;
				continue;
			}
			if (i < n && p[i] == ']')
				return s_rest_empty(p, n, i + 1, why);
			return *why = "a list without its closing ']'", KY_EINVAL;
		}
	}
	if (n > 0 && (p[0] == '"' || p[0] == '\'')) {
		if ((rc = s_scalar(p, n, false, v, &used, why)) != 0 ||
		    (rc = s_rest_empty(p, n, used, why)) != 0)
			return rc;
		return s_list_item(fm, key, v, why);
	}
	while (i < n) {
		i = s_skip_space(p, n, i);
		if ((rc = s_scalar(p + i, n - i, true, v, &used, why)) != 0)
			return rc;
		i += used;
		if (v[0] != '\0' && (rc = s_list_item(fm, key, v, why)) != 0)
			return rc;
		if (i < n && p[i] == ']')
			return *why = "a ']' without its '['", KY_EINVAL;
		if (i < n && p[i] == ',')
			i++;
		else
			break;
	}
	return 0;
}

static int
s_scalar_field(struct search_fm *fm, int key, const char *p, size_t n,
    const char **why)
{
	char v[FM_VALUE_MAX + 1];
	size_t used;
	int rc;

	if ((rc = s_scalar(p, n, false, v, &used, why)) != 0 ||
	    (rc = s_rest_empty(p, n, used, why)) != 0)
		return rc;
	if (v[0] == '\0')
		return *why = "an empty value", KY_EINVAL;
	switch (key) {
	case FM_TITLE:
		return s_copy_field(fm->title, sizeof(fm->title), v,
		    "title: over 300 bytes", why);
	case FM_LANG:
		return s_copy_field(fm->lang, sizeof(fm->lang), v,
		    "lang: over 35 bytes", why);
	case FM_SECTOR:
		return s_copy_field(fm->sector, sizeof(fm->sector), v,
		    "sector: not csirt, psirt, dsirt or fsirt", why);
	case FM_TLP:
		return s_copy_field(fm->tlp, sizeof(fm->tlp), v,
		    "tlp: not a TLP marking", why);
	case FM_PAP:
		return s_copy_field(fm->pap, sizeof(fm->pap), v,
		    "pap: not a PAP marking", why);
	default:
		return s_copy_field(fm->supersedes, sizeof(fm->supersedes), v,
		    "supersedes: not a record id (64 hex digits)", why);
	}
}

int
search_frontmatter(const char *text, size_t len, struct search_fm *fm,
    size_t *line, const char **why)
{
	struct fm_line l;
	size_t off = 0, i, k, lineno = 1;
	unsigned seen = 0;
	int list = FM_NONE, key, rc;

	memset(fm, 0, sizeof(*fm));
	*line = 0;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	fm->body = off;
	if (!s_next_line(text, len, &off, &l) || !s_is_fence(&l, "---"))
		return 0;
	for (;;) {
		lineno++;
		if (!s_next_line(text, len, &off, &l)) {
			*line = 1;
			memset(fm, 0, sizeof(*fm));
			return *why = "front matter: no closing '---' line",
			    KY_EINVAL;
		}
		if (s_is_fence(&l, "---") || s_is_fence(&l, "..."))
			break;
		i = s_skip_space(l.p, l.n, 0);
		if (i == l.n || l.p[i] == '#')
			continue;
		if (l.p[i] == '-' && (i + 1 == l.n || l.p[i + 1] == ' ')) {
			char v[FM_VALUE_MAX + 1];
			size_t used;

			if (list == FM_UNKNOWN)
				continue;
			if (list == FM_NONE) {
				rc = KY_EINVAL;
				*why = "a list item without a list key above it";
				goto bad;
			}
			i = s_skip_space(l.p, l.n, i + 1);
			if ((rc = s_scalar(l.p + i, l.n - i, false, v, &used,
			    why)) != 0 ||
			    (rc = s_rest_empty(l.p, l.n, i + used, why)) != 0 ||
			    (rc = s_list_item(fm, list, v, why)) != 0)
				goto bad;
			continue;
		}
		if (i > 0) {
			if (list == FM_UNKNOWN)
				continue;	/* the value of an ignored key */
			rc = KY_EINVAL;
			*why = "an indented line where a key was expected";
			goto bad;
		}
		for (k = 0; k < l.n && ((l.p[k] >= 'a' && l.p[k] <= 'z') ||
		    (l.p[k] >= 'A' && l.p[k] <= 'Z') || l.p[k] == '_' ||
		    (k > 0 && ((l.p[k] >= '0' && l.p[k] <= '9') ||
		    l.p[k] == '-'))); k++)
			;
		if (k == 0 || k == l.n || l.p[k] != ':' ||
		    (k + 1 < l.n && l.p[k + 1] != ' ' && l.p[k + 1] != '\t')) {
			rc = KY_EINVAL;
			*why = "expected 'key: value'";
			goto bad;
		}
		key = FM_UNKNOWN;
		for (size_t j = 0; j < sizeof(s_fm_keys) / sizeof(s_fm_keys[0]);
		    j++)
			if (strlen(s_fm_keys[j]) == k &&
			    memcmp(s_fm_keys[j], l.p, k) == 0)
				key = (int)j;
		i = s_skip_space(l.p, l.n, k + 1);
		list = FM_NONE;
		if (key == FM_UNKNOWN) {
			if (fm->unknown[0] == '\0') {
				size_t n = k < sizeof(fm->unknown) ? k :
				    sizeof(fm->unknown) - 1;

				memcpy(fm->unknown, l.p, n);
				fm->unknown[n] = '\0';
				fm->unknown_line = lineno;
			}
			list = FM_UNKNOWN;
			continue;
		}
		if (seen & 1u << key) {
			rc = KY_EINVAL;
			*why = "a key given twice";
			goto bad;
		}
		seen |= 1u << key;
		if (key == FM_TAGS || key == FM_REFS) {
			if (i == l.n)
				list = key;
			else if ((rc = s_list(fm, key, l.p + i, l.n - i,
			    why)) != 0)
				goto bad;
		} else if ((rc = s_scalar_field(fm, key, l.p + i, l.n - i,
		    why)) != 0)
			goto bad;
	}
	/* The Markdown starts after the fence and any blank lines. */
	while (off < len && (text[off] == '\n' || text[off] == '\r'))
		off++;
	fm->body = off;
	return 0;
bad:
	*line = lineno;
	memset(fm, 0, sizeof(*fm));
	return rc;
}

bool
search_md_title(const char *md, size_t len, char *out, size_t cap)
{
	struct fm_line l;
	size_t off = 0, i, n;
	bool fence = false;

	if (cap == 0)
		return false;
	while (s_next_line(md, len, &off, &l)) {
		i = s_skip_space(l.p, l.n, 0);
		if (l.n - i >= 3 && (memcmp(l.p + i, "```", 3) == 0 ||
		    memcmp(l.p + i, "~~~", 3) == 0)) {
			fence = !fence;
			continue;
		}
		if (fence || i >= 4 || i == l.n || l.p[i] != '#')
			continue;
		for (n = 0; i < l.n && l.p[i] == '#'; i++, n++)
			;
		if (n > 6 || i == l.n || (l.p[i] != ' ' && l.p[i] != '\t'))
			continue;
		i = s_skip_space(l.p, l.n, i);
		n = l.n - i;
		while (n > 0 && l.p[i + n - 1] == '#')
			n--;	/* closing hashes: "## Title ##" */
		while (n > 0 && (l.p[i + n - 1] == ' ' || l.p[i + n - 1] == '\t'))
			n--;
		if (n == 0)
			continue;
		if (n >= cap) {
			n = cap - 1;
			while (n > 0 && ((uint8_t)l.p[i + n] & 0xc0) == 0x80)
				n--;	/* cut on a character boundary */
		}
		if (memchr(l.p + i, '\0', n) != NULL)
			continue;
		memcpy(out, l.p + i, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

const char *
search_guess_lang(const char *text, size_t len)
{
	const uint8_t *s = (const uint8_t *)text;
	uint32_t c;

	for (size_t i = 0; i < len; ) {
		i += s_decode(s + i, len - i, &c);
		if ((c >= 0x3041 && c <= 0x30ff) || (c >= 0x4e00 && c <= 0x9fff))
			return "ja";
	}
	return "en";
}

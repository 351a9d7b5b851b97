/*
 * scrub_text.c - redaction of free text (notes, articles).
 *
 * The text is folded once (scrub_fold) into a copy where full-width and
 * other compatibility forms are plain ASCII, with a map back to the
 * input.  Independent scanners (scrub_scan.c), each one linear pass over
 * the fold, propose spans; overlapping spans are merged, not dropped, so
 * a disagreement between scanners redacts more rather than less.  The
 * output copies the input byte for byte between the spans.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "node/scrub_int.h"
#include "protocol/utf8.h"

#define S_MARK_MAX	sizeof("[redacted:userinfo]")

static const char *const s_kinds[] = {
	[SCRUB_EMAIL] = "email",	[SCRUB_USERINFO] = "userinfo",
	[SCRUB_PHONE] = "phone",	[SCRUB_USER] = "user",
	[SCRUB_IP] = "ip",		[SCRUB_HOST] = "host",
	[SCRUB_WORD] = "word",
};

const char *
scrub_kind_name(int kind)
{
	return kind >= 1 && kind <= SCRUB_KIND_MAX ? s_kinds[kind] : NULL;
}

void
scrub_report_init(struct scrub_report *rep)
{
	memset(rep, 0, sizeof(*rep));
}

void
scrub_report_clear(struct scrub_report *rep)
{
	free(rep->hits);
	memset(rep, 0, sizeof(*rep));
}

/* --- folding ------------------------------------------------------------ */

static int
s_fold_grow(struct scrub_fold *f, size_t need)
{
	size_t cap = f->cap != 0 ? f->cap : 64;
	uint32_t *m;
	char *s;

	if (f->n + need + 1 <= f->cap)
		return 0;
	while (cap < f->n + need + 1)
		cap *= 2;
	if ((s = realloc(f->s, cap)) == NULL)
		return KY_ENOMEM;
	f->s = s;
	if ((m = realloc(f->map, (cap + 1) * sizeof(*m))) == NULL)
		return KY_ENOMEM;
	f->map = m;
	f->cap = cap;
	return 0;
}

/* Dashes people type between the digits of a phone number. */
static bool
s_is_dash(ucs4_t uc)
{
	return (uc >= 0x2010 && uc <= 0x2015) || uc == 0x2212 ||
	    uc == 0x30fc;
}

static void
s_fold_byte(struct scrub_fold *f, char c, size_t at)
{
	f->map[f->n] = (uint32_t)at;
	f->s[f->n++] = c;
}

int
scrub_fold(const char *in, size_t len, struct scrub_fold *f)
{
	const uint8_t *u = (const uint8_t *)in;

	f->n = 0;
	if (s_fold_grow(f, len) != 0)
		return KY_ENOMEM;
	for (size_t i = 0; i < len; ) {
		uint8_t buf[128], *r;
		size_t at = i, cap = sizeof(buf);
		ucs4_t uc;
		int k;

		if (u[i] < 0x80) {
			if (s_fold_grow(f, 1) != 0)
				return KY_ENOMEM;
			if (u[i] == '[' && len - i >= 3 && u[i + 1] == '.' &&
			    u[i + 2] == ']') {
				s_fold_byte(f, '.', at);
				i += 3;
			} else {
				s_fold_byte(f, (char)(u[i] >= 'A' && u[i] <= 'Z' ?
				    u[i] - 'A' + 'a' : u[i]), at);
				i++;
			}
			continue;
		}
		k = u8_mbtouc(&uc, u + i, len - i);
		i += (size_t)k;
		if (s_fold_grow(f, 4) != 0)
			return KY_ENOMEM;
		/* CJK ideographs have no decomposition: most of a Japanese text. */
		if ((uc >= 0x4e00 && uc <= 0x9fff) ||
		    (uc >= 0x3400 && uc <= 0x4dbf)) {
			for (int j = 0; j < k; j++)
				s_fold_byte(f, (char)u[at + (size_t)j], at);
			continue;
		}
		if ((r = u8_normalize(UNINORM_NFKD, u + at, (size_t)k, buf,
		    &cap)) == NULL)
			return KY_ENOMEM;
		if (s_fold_grow(f, 4 * cap) != 0) {
			if (r != buf)
				free(r);
			return KY_ENOMEM;
		}
		for (size_t j = 0; j < cap; ) {
			ucs4_t d;
			uint8_t enc[6];
			int m;

			j += (size_t)u8_mbtouc(&d, r + j, cap - j);
			d = uc_tolower(d);
			if (s_is_dash(d))
				d = '-';
			else if (d == 0x3002)	/* ideographic full stop */
				d = '.';
			m = u8_uctomb(enc, d, sizeof(enc));
			for (int x = 0; x < m; x++)
				s_fold_byte(f, (char)enc[x], at);
		}
		if (r != buf)
			free(r);
	}
	f->s[f->n] = '\0';
	f->map[f->n] = (uint32_t)len;
	return 0;
}

void
scrub_fold_clear(struct scrub_fold *f)
{
	free(f->s);
	free(f->map);
	memset(f, 0, sizeof(*f));
}

/* --- spans -------------------------------------------------------------- */

void
scrub_add(struct scrub_ctx *c, size_t a, size_t b, int kind, const char *why)
{
	struct scrub_span *v;

	if (c->err != 0 || a >= b)
		return;
	if (c->nv == c->capv) {
		size_t cap = c->capv != 0 ? 2 * c->capv : 64;

		if ((v = realloc(c->v, cap * sizeof(*v))) == NULL) {
			c->err = KY_ENOMEM;
			return;
		}
		c->v = v;
		c->capv = cap;
	}
	c->v[c->nv++] = (struct scrub_span){ a, b, kind, why };
}

/* --- output ------------------------------------------------------------- */

static int
s_span_cmp(const void *x, const void *y)
{
	const struct scrub_span *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b > b->b ? -1 : 1;
	return 0;
}

/* Sorts, widens each span to whole input characters, merges overlaps. */
static size_t
s_merge(struct scrub_ctx *c)
{
	size_t m = 0;

	for (size_t i = 0; i < c->nv; i++) {
		struct scrub_span *v = &c->v[i];

		while (v->a > 0 && !scrub_unit_start(c->f, v->a))
			v->a--;
		while (v->b < c->n && !scrub_unit_start(c->f, v->b))
			v->b++;
	}
	if (c->nv > 1)
		qsort(c->v, c->nv, sizeof(*c->v), s_span_cmp);
	for (size_t i = 0; i < c->nv; i++) {
		if (m > 0 && c->v[i].a < c->v[m - 1].b) {
			if (c->v[i].b > c->v[m - 1].b)
				c->v[m - 1].b = c->v[i].b;
			continue;
		}
		c->v[m++] = c->v[i];
	}
	return m;
}

static int
s_report(struct scrub_report *rep, const struct scrub_hit *h)
{
	struct scrub_hit *v;

	if (rep->n == rep->cap) {
		size_t cap = rep->cap != 0 ? 2 * rep->cap : 16;

		if ((v = realloc(rep->hits, cap * sizeof(*v))) == NULL)
			return KY_ENOMEM;
		rep->hits = v;
		rep->cap = cap;
	}
	rep->hits[rep->n++] = *h;
	return 0;
}

int
scrub_text(const struct scrub *s, const char *in, size_t len, char **out,
    size_t *out_len, struct scrub_report *rep)
{
	struct scrub_fold f = { 0 };
	struct scrub_ctx c = { 0 };
	size_t m, o = 0, from = 0;
	char *res = NULL;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (rep != NULL)
		rep->n = 0;
	if (len > SCRUB_TEXT_MAX)
		return KY_ETOOBIG;
	if (!utf8_is_valid(in, len))
		return KY_EINVAL;
	if ((rc = scrub_fold(in, len, &f)) != 0)
		goto out;
	c.s = s;
	c.f = &f;
	c.t = f.s;
	c.n = f.n;
	scrub_scan(&c);
	if ((rc = c.err) != 0)
		goto out;
	m = s_merge(&c);
	if ((res = malloc(len + m * S_MARK_MAX + 1)) == NULL) {
		rc = KY_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m; i++) {
		const struct scrub_span *v = &c.v[i];
		struct scrub_hit h = { v->kind, f.map[v->a], 0, 0, v->why };

		h.len = f.map[v->b] - h.off;
		memcpy(res + o, in + from, h.off - from);
		o += h.off - from;
		h.out_off = o;
		o += (size_t)sprintf(res + o, "[redacted:%s]",
		    scrub_kind_name(v->kind));
		from = h.off + h.len;
		if (rep != NULL && (rc = s_report(rep, &h)) != 0)
			goto out;
	}
	memcpy(res + o, in + from, len - from);
	o += len - from;
	res[o] = '\0';
	*out = res;
	*out_len = o;
	res = NULL;
out:
	free(res);
	free(c.v);
	scrub_fold_clear(&f);
	if (rc != 0 && rep != NULL)
		rep->n = 0;
	return rc;
}

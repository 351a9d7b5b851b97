/*
 * view_scan.c - one pass over the store for the views (view.h).
 *
 * The pass walks the changes feed (ADD entries: each record once, as it
 * is now) and reads three things from each body it holds: indicators
 * and sightings by value, articles.  A coordinator's store holds a
 * million records and a view must take well under two seconds on one
 * core, so indicator and sighting bodies are not built into cJSON trees:
 * s_fields() reads the few top-level members the views need straight
 * from the bytes.  Those bodies passed json_parse_strict() and their
 * validator when they were stored (a record whose body is refused is
 * kept as a stub), so the reader may assume strict JSON; anything it
 * does not expect sends the body through the full parser instead.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "node/view_int.h"
#include "protocol/body.h"
#include "protocol/indicator.h"
#include "protocol/json.h"
#include "protocol/taxonomy.h"

#define ARENA_CHUNK	(1u << 20)
#define FIELD_SHORT	72		/* type, category, sector, verdict, ref */

/* An origin held in the store: who counts for it. */
struct s_origin {
	uint8_t key[32];
	uint32_t rep;			/* reporter index */
	bool included;			/* a member of p->community (or no filter) */
};

struct s_scan {
	struct view_data *d;
	struct store_txn *t;
	struct s_origin *origins;
	size_t norigins, caporigins;
	uint32_t *oslots;		/* origin hash: index + 1 */
	size_t noslots;
	uint8_t (*reps)[32];		/* reporter identities, interned */
	size_t nreps, capreps;
	const struct s_origin *last;	/* cache: records come in runs */
	struct {
		char id[FIELD_SHORT];
		int16_t tax;		/* taxonomy index, -1: none */
		int16_t cls;		/* view_category_index() */
	} cats[64];			/* category ids seen, by hash */
	int rc;
};

/* The top-level members of an indicator or sighting body the views use. */
struct s_fields {
	char type[FIELD_SHORT], category[FIELD_SHORT], sector[FIELD_SHORT];
	char verdict[FIELD_SHORT], ref[FIELD_SHORT];
	char value[INDICATOR_VALUE_MAX + 1];
	int16_t tax, cls;		/* of category: s_classify() */
	size_t value_len;
	int64_t first_seen, last_seen;	/* -1: absent */
};

static uint64_t
s_hash(const void *buf, size_t n, uint64_t h)
{
	const uint8_t *p = buf;
	uint64_t w;

	/* A multiply-xorshift over 8 bytes at a time: the table holds
	 * values this node accepted, and a collision only costs a
	 * comparison. */
	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w ^ n) * UINT64_C(0xbf58476d1ce4e5b9);
	return h ^ (h >> 31);
}

static uint64_t
s_key64(const uint8_t *k)
{
	uint64_t v;

	memcpy(&v, k, sizeof(v));
	return v;
}

/* --- reading body members --------------------------------------------- */

static const uint8_t *
s_ws(const uint8_t *p, const uint8_t *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int
s_hex4(const uint8_t *p, const uint8_t *end, uint32_t *out)
{
	uint32_t v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		uint8_t c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9') v |= c - '0';
		else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
		else return -1;
	}
	*out = v;
	return 0;
}

static size_t
s_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decodes the JSON string at p (just after its opening quote) into out
 * (cap bytes, NUL-terminated; out may be NULL to skip).  Returns the
 * byte after the closing quote, or NULL when malformed or when it does
 * not fit (*len then says nothing).
 */
static const uint8_t *
s_string(const uint8_t *p, const uint8_t *end, char *out, size_t cap,
    size_t *len)
{
	const uint8_t *q = memchr(p, '"', (size_t)(end - p));
	size_t n = 0;
	char tmp[4];

	/* Most strings have no escape: find the quote, copy once. */
	if (q != NULL && memchr(p, '\\', (size_t)(q - p)) == NULL) {
		n = (size_t)(q - p);
		if (out != NULL) {
			if (n >= cap)
				return NULL;
			memcpy(out, p, n);
			out[n] = '\0';
		}
		if (len != NULL)
			*len = n;
		return q + 1;
	}
	while (p < end && *p != '"') {
		size_t w = 1;
		const char *src = (const char *)p;

		if (*p == '\\') {
			uint32_t cp, lo;

			if (++p >= end)
				return NULL;
			switch (*p) {
			case '"': case '\\': case '/': tmp[0] = (char)*p; break;
			case 'b': tmp[0] = '\b'; break;
			case 'f': tmp[0] = '\f'; break;
			case 'n': tmp[0] = '\n'; break;
			case 'r': tmp[0] = '\r'; break;
			case 't': tmp[0] = '\t'; break;
			case 'u':
				if (s_hex4(p + 1, end, &cp) != 0)
					return NULL;
				p += 4;
				if (cp >= 0xd800 && cp < 0xdc00) {
					if (end - p < 7 || p[1] != '\\' || p[2] != 'u' ||
					    s_hex4(p + 3, end, &lo) != 0 ||
					    lo < 0xdc00 || lo > 0xdfff)
						return NULL;
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					p += 6;
				}
				w = s_utf8(cp, tmp);
				break;
			default:
				return NULL;
			}
			src = tmp;
		}
		if (out != NULL) {
			if (n + w >= cap)
				return NULL;
			memcpy(out + n, src, w);
		}
		n += w;
		p++;
	}
	if (p >= end)
		return NULL;
	if (out != NULL)
		out[n] = '\0';
	if (len != NULL)
		*len = n;
	return p + 1;
}

/* Skips one JSON value of any type. */
static const uint8_t *
s_skip(const uint8_t *p, const uint8_t *end)
{
	int depth = 0;

	do {
		p = s_ws(p, end);
		if (p >= end)
			return NULL;
		if (*p == '"') {
			if ((p = s_string(p + 1, end, NULL, 0, NULL)) == NULL)
				return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			if (--depth < 0)
				return NULL;
			p++;
		} else if (*p == ',' || *p == ':') {
			if (depth == 0)
				return NULL;
			p++;
		} else {
			while (p < end && *p != ',' && *p != '}' && *p != ']' &&
			    *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
			    *p != ':')
				p++;
		}
	} while (depth > 0);
	return p;
}

static const uint8_t *
s_int(const uint8_t *p, const uint8_t *end, int64_t *out)
{
	bool neg = false;
	int64_t v = 0;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	while (p < end && *p >= '0' && *p <= '9') {
		if (v > JSON_INT_MAX / 10)
			return NULL;
		v = v * 10 + (*p++ - '0');
	}
	*out = neg ? -v : v;
	return p;
}

/*
 * Reads the members of f from body.  Returns 0, or -1 when the body is
 * not what a stored body can be (the caller then uses the full parser).
 */
static int
s_fields(const uint8_t *body, size_t len, struct s_fields *f)
{
	const uint8_t *p = body, *end = body + len;
	char key[16];
	size_t klen;

	f->type[0] = f->category[0] = f->sector[0] = f->verdict[0] = '\0';
	f->ref[0] = f->value[0] = '\0';
	f->value_len = 0;
	f->first_seen = f->last_seen = -1;
	p = s_ws(p, end);
	if (p >= end || *p++ != '{')
		return -1;
	for (;;) {
		char *dst = NULL;
		size_t cap = FIELD_SHORT, *dlen = NULL;
		int64_t *num = NULL;

		p = s_ws(p, end);
		if (p < end && *p == '}')
			break;
		if (p >= end || *p != '"')
			return -1;
		/* A key longer than ours is skipped, not stored. */
		{
			const uint8_t *q = s_string(p + 1, end, key, sizeof(key),
			    &klen);

			if (q == NULL) {
				if ((q = s_string(p + 1, end, NULL, 0, NULL)) == NULL)
					return -1;
				key[0] = '\0';
			}
			p = q;
		}
		p = s_ws(p, end);
		if (p >= end || *p++ != ':')
			return -1;
		p = s_ws(p, end);
		switch (key[0] != '\0' ? klen : 0) {
		case 3:
			if (memcmp(key, "ref", 3) == 0) dst = f->ref;
			break;
		case 4:
			if (memcmp(key, "type", 4) == 0) dst = f->type;
			break;
		case 5:
			if (memcmp(key, "value", 5) == 0) {
				dst = f->value;
				cap = sizeof(f->value);
				dlen = &f->value_len;
			}
			break;
		case 6:
			if (memcmp(key, "sector", 6) == 0) dst = f->sector;
			break;
		case 7:
			if (memcmp(key, "verdict", 7) == 0) dst = f->verdict;
			break;
		case 8:
			if (memcmp(key, "category", 8) == 0) dst = f->category;
			break;
		case 9:
			if (memcmp(key, "last_seen", 9) == 0) num = &f->last_seen;
			break;
		case 10:
			if (memcmp(key, "first_seen", 10) == 0) num = &f->first_seen;
			break;
		}
		if (dst != NULL) {
			if (p >= end || *p != '"' ||
			    (p = s_string(p + 1, end, dst, cap, dlen)) == NULL)
				return -1;
		} else if (num != NULL) {
			if ((p = s_int(p, end, num)) == NULL)
				return -1;
		} else if ((p = s_skip(p, end)) == NULL) {
			return -1;
		}
		p = s_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			break;
		return -1;
	}
	return 0;
}

/* The same members through the strict parser, for odd bodies. */
static int
s_fields_slow(uint8_t kind, const uint8_t *body, size_t len,
    struct s_fields *f)
{
	static const struct { const char *key; size_t off; size_t cap; } str[] = {
		{ "type", offsetof(struct s_fields, type), FIELD_SHORT },
		{ "category", offsetof(struct s_fields, category), FIELD_SHORT },
		{ "sector", offsetof(struct s_fields, sector), FIELD_SHORT },
		{ "verdict", offsetof(struct s_fields, verdict), FIELD_SHORT },
		{ "ref", offsetof(struct s_fields, ref), FIELD_SHORT },
		{ "value", offsetof(struct s_fields, value), INDICATOR_VALUE_MAX + 1 },
	};
	const char *why, *s;
	cJSON *root;

	if (body_parse(kind, body, len, &root, &why) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(str) / sizeof(str[0]); i++) {
		char *dst = (char *)f + str[i].off;

		s = NULL;
		dst[0] = '\0';
		if (json_get_str(root, str[i].key, str[i].cap - 1, 0, &s) == 0 &&
		    s != NULL)
			memcpy(dst, s, strlen(s) + 1);
	}
	f->value_len = strlen(f->value);
	f->first_seen = f->last_seen = -1;
	if (json_get_int(root, "first_seen", 0, JSON_INT_MAX, 0,
	    &f->first_seen) != 0 ||
	    json_get_int(root, "last_seen", 0, JSON_INT_MAX, 0,
	    &f->last_seen) != 0)
		f->first_seen = f->last_seen = -1;
	cJSON_Delete(root);
	return 0;
}

/* --- origins and reporters -------------------------------------------- */

static int
s_intern_rep(struct s_scan *s, const uint8_t rep[32], uint32_t *out)
{
	/* Reporters are few (about one per origin): a linear search over
	 * them runs once per origin, not per record. */
	for (size_t i = 0; i < s->nreps; i++)
		if (memcmp(s->reps[i], rep, 32) == 0) {
			*out = (uint32_t)i;
			return 0;
		}
	if (s->nreps == s->capreps) {
		size_t cap = s->capreps ? s->capreps * 2 : 64;
		uint8_t (*n)[32] = realloc(s->reps, cap * sizeof(*n));

		if (n == NULL)
			return KY_ENOMEM;
		s->reps = n;
		s->capreps = cap;
	}
	memcpy(s->reps[s->nreps], rep, 32);
	*out = (uint32_t)s->nreps++;
	return 0;
}

static int
s_head(void *ctx, const struct store_head *h)
{
	struct s_scan *s = ctx;
	struct s_origin *o;

	if (s->norigins == s->caporigins) {
		size_t cap = s->caporigins ? s->caporigins * 2 : 64;
		struct s_origin *n = realloc(s->origins, cap * sizeof(*n));

		if (n == NULL)
			return s->rc = KY_ENOMEM, 1;
		s->origins = n;
		s->caporigins = cap;
	}
	o = &s->origins[s->norigins++];
	memcpy(o->key, h->origin, 32);
	o->rep = 0;
	o->included = true;
	return 0;
}

/* Reporter and inclusion of every origin; the origin hash. */
static int
s_origins(struct s_scan *s)
{
	const struct view_params *p = &s->d->p;
	uint8_t rep[32];
	int rc;

	if ((rc = store_heads(s->t, s_head, s)) != 0)
		return s->rc != 0 ? s->rc : rc;
	s->noslots = 16;
	while (s->noslots < 2 * s->norigins)
		s->noslots *= 2;
	if ((s->oslots = calloc(s->noslots, sizeof(*s->oslots))) == NULL)
		return KY_ENOMEM;
	for (size_t i = 0; i < s->norigins; i++) {
		struct s_origin *o = &s->origins[i];
		size_t at = s_key64(o->key) & (s->noslots - 1);

		if (p->community != NULL)
			o->included = p->rosters != NULL &&
			    rosters_is_member(p->rosters, p->community, o->key);
		rosters_reporter(p->rosters, o->key, rep);
		if (o->included && (rc = s_intern_rep(s, rep, &o->rep)) != 0)
			return rc;
		while (s->oslots[at] != 0)
			at = (at + 1) & (s->noslots - 1);
		s->oslots[at] = (uint32_t)i + 1;
	}
	return 0;
}

static const struct s_origin *
s_origin_find(struct s_scan *s, const uint8_t key[32])
{
	size_t at;

	if (s->last != NULL && memcmp(s->last->key, key, 32) == 0)
		return s->last;
	for (at = s_key64(key) & (s->noslots - 1); s->oslots[at] != 0;
	    at = (at + 1) & (s->noslots - 1)) {
		const struct s_origin *o = &s->origins[s->oslots[at] - 1];

		if (memcmp(o->key, key, 32) == 0)
			return s->last = o;
	}
	return NULL;
}

/* --- values ----------------------------------------------------------- */

static char *
s_arena(struct view_data *d, size_t n)
{
	char *at;

	if (n > ARENA_CHUNK)
		return NULL;
	if (d->nchunks == 0 || d->chunk_used + n > ARENA_CHUNK) {
		char **c = realloc(d->chunks, (d->nchunks + 1) * sizeof(*c));

		if (c == NULL)
			return NULL;
		d->chunks = c;
		if ((c[d->nchunks] = malloc(ARENA_CHUNK)) == NULL)
			return NULL;
		d->nchunks++;
		d->chunk_used = 0;
	}
	at = d->chunks[d->nchunks - 1] + d->chunk_used;
	d->chunk_used += n;
	return at;
}

static int
s_grow_slots(struct view_data *d)
{
	size_t n = d->nslots ? d->nslots * 2 : 1u << 16;
	uint32_t *sl = calloc(n, sizeof(*sl));

	if (sl == NULL)
		return KY_ENOMEM;
	for (size_t i = 0; i < d->nvals; i++) {
		size_t at = d->vals[i].hash & (n - 1);

		while (sl[at] != 0)
			at = (at + 1) & (n - 1);
		sl[at] = (uint32_t)i + 1;
	}
	free(d->slots);
	d->slots = sl;
	d->nslots = n;
	return 0;
}

/* The entry of (type, value), made when new; NULL when out of memory. */
static struct vd_value *
s_value(struct view_data *d, int type, const char *value, size_t len)
{
	uint64_t h = s_hash(value, len, s_hash(&(uint8_t){ (uint8_t)type }, 1,
	    UINT64_C(0xcbf29ce484222325)));
	struct vd_value *v;
	size_t at;
	char *copy;

	if (2 * (d->nvals + 1) > d->nslots && s_grow_slots(d) != 0)
		return NULL;
	for (at = h & (d->nslots - 1); d->slots[at] != 0;
	    at = (at + 1) & (d->nslots - 1)) {
		v = &d->vals[d->slots[at] - 1];
		if (v->hash == h && v->type == type && v->len == len &&
		    memcmp(v->value, value, len) == 0)
			return v;
	}
	if (d->nvals == d->capvals) {
		size_t cap = d->capvals ? d->capvals * 2 : 4096;
		struct vd_value *nv = realloc(d->vals, cap * sizeof(*nv));

		if (nv == NULL)
			return NULL;
		d->vals = nv;
		d->capvals = cap;
	}
	if ((copy = s_arena(d, len + 1)) == NULL)
		return NULL;
	memcpy(copy, value, len);
	copy[len] = '\0';
	v = &d->vals[d->nvals];
	memset(v, 0, sizeof(*v));
	v->hash = h;
	v->value = copy;
	v->len = (uint32_t)len;
	v->type = (uint8_t)type;
	v->category = -1;
	v->first_reported = UINT64_MAX;
	v->caprep = VD_REPS_INLINE;
	d->slots[at] = (uint32_t)++d->nvals;
	return v;
}

static int
s_add_rep(struct vd_value *v, uint32_t rep)
{
	uint32_t *r = v->caprep > VD_REPS_INLINE ? v->reps : v->rep_inline;

	/* Records of one origin come together: try the last one first. */
	if (v->nrep > 0 && r[v->nrep - 1] == rep)
		return 0;
	for (uint32_t i = 0; i + 1 < v->nrep; i++)
		if (r[i] == rep)
			return 0;
	if (v->nrep == v->caprep) {
		uint32_t cap = v->caprep * 2, *n;

		if (v->caprep == VD_REPS_INLINE) {
			if ((n = malloc(cap * sizeof(*n))) == NULL)
				return KY_ENOMEM;
			memcpy(n, v->rep_inline, sizeof(v->rep_inline));
		} else if ((n = realloc(v->reps, cap * sizeof(*n))) == NULL) {
			return KY_ENOMEM;
		}
		v->reps = n;
		v->caprep = cap;
		r = n;
	}
	r[v->nrep++] = rep;
	return 0;
}

/* The taxonomy index of a category id, or -1. */
static int16_t
s_taxonomy_index(const char *cat)
{
	const struct taxonomy_entry *e = taxonomy_find(cat);

	for (size_t i = 0; e != NULL && i < taxonomy_count(); i++)
		if (taxonomy_at(i) == e)
			return (int16_t)i;
	return -1;
}

/* --- the pass --------------------------------------------------------- */

/*
 * The taxonomy index and class of f's category.  A million records name
 * a few dozen categories: each id is looked up once and remembered.
 */
static void
s_classify(struct s_scan *s, struct s_fields *f)
{
	size_t n = strlen(f->category), at = s_hash(f->category, n, 0) & 63;

	if (strcmp(s->cats[at].id, f->category) != 0) {
		memcpy(s->cats[at].id, f->category, n + 1);
		s->cats[at].tax = s_taxonomy_index(f->category);
		s->cats[at].cls = (int16_t)view_category_index(f->category);
	}
	f->tax = s->cats[at].tax;
	f->cls = s->cats[at].cls;
}

static int
s_overview(struct view_data *d, uint64_t created, const struct s_fields *f,
    uint32_t rep)
{
	size_t w, rows[2];

	if (created < d->prev_since || created >= d->until || f->cls < 0)
		return 0;
	w = (size_t)((created - d->prev_since) / VIEW_WEEK);
	rows[0] = (size_t)f->cls;
	rows[1] = d->ncat + (size_t)view_sector_index(f->sector);
	for (int i = 0; i < 2; i++) {
		size_t cell = w * d->ovrows + rows[i];

		d->ov_records[cell]++;
		d->ov_bits[cell * d->words + rep / 64] |= UINT64_C(1) << (rep % 64);
	}
	return 0;
}

/* An indicator, or a "seen" sighting, about (type, value). */
static int
s_report(struct view_data *d, const struct record *r, const struct s_fields *f,
    uint32_t rep)
{
	uint64_t created = r->h.created, first, last;
	struct vd_value *v;
	int type = indicator_type_from_name(f->type);

	if (type < 1 || f->value_len == 0)
		return 0;
	if ((v = s_value(d, type, f->value, f->value_len)) == NULL)
		return KY_ENOMEM;
	if (created < v->first_reported)
		v->first_reported = created;
	if (r->h.kind == RK_INDICATOR && v->category < 0)
		v->category = f->tax;
	if (created < d->since || created >= d->until)
		return 0;
	first = f->first_seen >= 0 ? (uint64_t)f->first_seen : created;
	last = f->last_seen >= 0 ? (uint64_t)f->last_seen : created;
	if (v->first_seen == 0 || first < v->first_seen)
		v->first_seen = first;
	if (last > v->last_seen)
		v->last_seen = last;
	v->records++;
	return s_add_rep(v, rep);
}

/* A sighting by record id: the value it names, from the record. */
static int
s_ref_value(struct s_scan *s, const char *ref, struct s_fields *f)
{
	uint8_t id[32];
	struct record target;

	if (record_unhex(ref, id, 32) != 0 ||
	    store_get(s->t, id, &target) != 0 || target.body == NULL ||
	    target.h.kind != RK_INDICATOR)
		return -1;
	if (s_fields(target.body, target.h.body_len, f) != 0 &&
	    s_fields_slow(RK_INDICATOR, target.body, target.h.body_len, f) != 0)
		return -1;
	f->verdict[0] = '\0';
	return 0;
}

static int
s_article(struct view_data *d, const struct record *r, uint32_t rep)
{
	const cJSON *tags, *refs, *it;
	const char *why, *title = NULL, *lang = NULL, *sup = NULL;
	struct vd_article *a;
	cJSON *root;
	size_t n;

	if (body_parse(RK_ARTICLE, r->body, r->h.body_len, &root, &why) != 0)
		return 0;
	if (d->narts == d->caparts) {
		size_t cap = d->caparts ? d->caparts * 2 : 64;
		struct vd_article *na = realloc(d->arts, cap * sizeof(*na));

		if (na == NULL)
			goto nomem;
		d->arts = na;
		d->caparts = cap;
	}
	a = &d->arts[d->narts];
	memset(a, 0, sizeof(*a));
	memcpy(a->id, r->id, 32);
	a->created = r->h.created;
	a->rep = rep;
	if (json_get_str(root, "title", BODY_TITLE_MAX, 1, &title) == 0)
		memcpy(a->title, title, strlen(title) + 1);
	if (json_get_str(root, "lang", 35, 1, &lang) == 0)
		memcpy(a->lang, lang, strlen(lang) + 1);
	if (json_get_str(root, "supersedes", 64, 0, &sup) == 0 && sup != NULL &&
	    record_unhex(sup, a->supersedes, 32) == 0)
		a->has_sup = true;
	tags = json_get(root, "tags");
	if ((n = (size_t)cJSON_GetArraySize(tags)) > 0) {
		if ((a->tags = calloc(n, sizeof(*a->tags))) == NULL)
			goto nomem;
		cJSON_ArrayForEach(it, tags)
			if (cJSON_IsString(it) &&
			    strlen(it->valuestring) <= BODY_TAG_MAX)
				memcpy(a->tags[a->ntags++], it->valuestring,
				    strlen(it->valuestring) + 1);
	}
	refs = json_get(root, "refs");
	if ((n = (size_t)cJSON_GetArraySize(refs)) > 0) {
		if ((a->refs = calloc(n, sizeof(*a->refs))) == NULL) {
			free(a->tags);
			goto nomem;
		}
		cJSON_ArrayForEach(it, refs)
			if (cJSON_IsString(it) &&
			    record_unhex(it->valuestring, a->refs[a->nrefs], 32) == 0)
				a->nrefs++;
	}
	d->narts++;
	cJSON_Delete(root);
	return 0;
nomem:
	cJSON_Delete(root);
	return KY_ENOMEM;
}

static int
s_change(void *ctx, uint64_t cursor, int op, const struct record *r)
{
	struct s_scan *s = ctx;
	struct view_data *d = s->d;
	const struct s_origin *o;
	struct s_fields f;
	int rc = 0;

	(void)cursor;
	/* Every record has exactly one ADD entry; its bytes are read as
	 * they are now (a stub once expired or retracted). */
	if (op != STORE_OP_ADD || r->body == NULL || r->h.created >= d->until)
		return 0;
	if (r->h.kind != RK_INDICATOR && r->h.kind != RK_SIGHTING &&
	    r->h.kind != RK_ARTICLE)
		return 0;
	if ((o = s_origin_find(s, r->h.origin)) == NULL || !o->included)
		return 0;
	if (r->h.kind == RK_ARTICLE) {
		if (d->what & (VIEW_NEED(VIEW_KNOWHOW) | VIEW_NEED(VIEW_TOP) |
		    VIEW_NEED(VIEW_NEW)))
			rc = s_article(d, r, o->rep);
		goto out;
	}
	/* Only the views asked for: knowhow alone reads articles only,
	 * the overview alone no sightings. */
	if (!(d->what & (VIEW_NEED(VIEW_OVERVIEW) | VIEW_NEED(VIEW_TOP) |
	    VIEW_NEED(VIEW_NEW))) || (r->h.kind == RK_SIGHTING &&
	    !(d->what & (VIEW_NEED(VIEW_TOP) | VIEW_NEED(VIEW_NEW)))))
		return 0;
	if (s_fields(r->body, r->h.body_len, &f) != 0 &&
	    s_fields_slow(r->h.kind, r->body, r->h.body_len, &f) != 0)
		return 0;
	f.tax = f.cls = -1;
	if (f.category[0] != '\0')
		s_classify(s, &f);
	if (r->h.kind == RK_SIGHTING) {
		if (strcmp(f.verdict, "seen") != 0)
			return 0;
		if (f.ref[0] != '\0' && s_ref_value(s, f.ref, &f) != 0)
			return 0;
	} else if (d->what & VIEW_NEED(VIEW_OVERVIEW)) {
		s_overview(d, r->h.created, &f, o->rep);
	}
	if (d->what & (VIEW_NEED(VIEW_TOP) | VIEW_NEED(VIEW_NEW)))
		rc = s_report(d, r, &f, o->rep);
out:
	if (rc != 0)
		return s->rc = rc, 1;
	return 0;
}

static int
s_by_id(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/*
 * After the pass: articles replaced by a later version stop counting,
 * and each article is attached to the values its refs name.
 */
static int
s_articles_after(struct s_scan *s)
{
	struct view_data *d = s->d;
	uint8_t (*sup)[32] = NULL;
	size_t nsup = 0;

	for (size_t i = 0; i < d->narts; i++)
		nsup += d->arts[i].has_sup;
	if (nsup > 0) {
		if ((sup = malloc(nsup * sizeof(*sup))) == NULL)
			return KY_ENOMEM;
		nsup = 0;
		for (size_t i = 0; i < d->narts; i++)
			if (d->arts[i].has_sup)
				memcpy(sup[nsup++], d->arts[i].supersedes, 32);
		qsort(sup, nsup, sizeof(*sup), s_by_id);
		for (size_t i = 0; i < d->narts; i++)
			d->arts[i].superseded = bsearch(d->arts[i].id, sup,
			    nsup, sizeof(*sup), s_by_id) != NULL;
		free(sup);
	}
	if (!(d->what & (VIEW_NEED(VIEW_TOP) | VIEW_NEED(VIEW_NEW))))
		return 0;
	for (size_t i = 0; i < d->narts; i++) {
		const struct vd_article *a = &d->arts[i];

		if (a->superseded)
			continue;
		for (size_t j = 0; j < a->nrefs; j++) {
			struct record target;
			struct s_fields f;
			struct vd_value *v;
			int type;

			if (store_get(s->t, a->refs[j], &target) != 0 ||
			    target.body == NULL ||
			    (target.h.kind != RK_INDICATOR &&
			    target.h.kind != RK_SIGHTING))
				continue;
			if (s_fields(target.body, target.h.body_len, &f) != 0 &&
			    s_fields_slow(target.h.kind, target.body,
			    target.h.body_len, &f) != 0)
				continue;
			if ((type = indicator_type_from_name(f.type)) < 1)
				continue;
			if ((v = s_value(d, type, f.value, f.value_len)) == NULL)
				return KY_ENOMEM;
			if (v->narticles < VIEW_ARTICLES_MAX &&
			    (v->narticles == 0 ||
			    v->articles[v->narticles - 1] != (uint32_t)i))
				v->articles[v->narticles++] = (uint32_t)i;
		}
	}
	return 0;
}

void
view_data_free(struct view_data **dp)
{
	struct view_data *d;

	if (dp == NULL || (d = *dp) == NULL)
		return;
	for (size_t i = 0; i < d->nvals; i++)
		if (d->vals[i].caprep > VD_REPS_INLINE)
			free(d->vals[i].reps);
	free(d->vals);
	free(d->slots);
	for (size_t i = 0; i < d->nchunks; i++)
		free(d->chunks[i]);
	free(d->chunks);
	for (size_t i = 0; i < d->narts; i++) {
		free(d->arts[i].tags);
		free(d->arts[i].refs);
	}
	free(d->arts);
	free(d->ov_records);
	free(d->ov_bits);
	free(d);
	*dp = NULL;
}

int
view_scan(struct store_txn *t, const struct view_params *p, unsigned what,
    struct view_data **out, const char **why)
{
	struct s_scan s = { .t = t };
	struct view_data *d;
	int rc;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return KY_ENOMEM;
	s.d = d;
	d->p = *p;
	d->what = what;
	if (d->p.k == 0)
		d->p.k = VIEW_K_DEFAULT;
	if (d->p.top == 0)
		d->p.top = VIEW_TOP_DEFAULT;
	if (d->p.top > VIEW_ITEMS_MAX)
		d->p.top = VIEW_ITEMS_MAX;
	if ((rc = view_period(&d->p, &d->since, &d->until, why)) != 0)
		goto out;
	d->p.since = d->since;
	d->p.until = d->until;
	d->prev_since = d->since >= d->until - d->since ?
	    d->since - (d->until - d->since) : 0;
	d->prev_since = view_week_floor(d->prev_since);
	d->nweeks = (size_t)((d->until - d->prev_since) / VIEW_WEEK);
	d->ncat = view_category_count();
	d->ovrows = d->ncat + VIEW_SECTORS;
	if ((rc = s_origins(&s)) != 0)
		goto out;
	d->nrep = s.nreps;
	d->words = (d->nrep + 63) / 64;
	if (d->words == 0)
		d->words = 1;
	if ((d->ov_records = calloc(d->nweeks * d->ovrows,
	    sizeof(*d->ov_records))) == NULL ||
	    (d->ov_bits = calloc(d->nweeks * d->ovrows * d->words,
	    sizeof(*d->ov_bits))) == NULL) {
		rc = KY_ENOMEM;
		goto out;
	}
	/*
	 * Values are at most one per record: size the table for the store
	 * once (the changes cursor counts every record) rather than copy it
	 * as it doubles.  Untouched pages of a large allocation cost
	 * nothing until used.
	 */
	if (what & (VIEW_NEED(VIEW_TOP) | VIEW_NEED(VIEW_NEW))) {
		size_t n = (size_t)store_cursor(t) + 1, slots = 1u << 16;

		while (slots < 2 * n)
			slots *= 2;
		if ((d->vals = malloc(n * sizeof(*d->vals))) == NULL ||
		    (d->slots = calloc(slots, sizeof(*d->slots))) == NULL) {
			rc = KY_ENOMEM;
			goto out;
		}
		d->capvals = n;
		d->nslots = slots;
	}
	rc = store_changes(t, 0, 0, s_change, &s);
	if (s.rc != 0)
		rc = s.rc;
	if (rc == 0)
		rc = s_articles_after(&s);
out:
	free(s.origins);
	free(s.oslots);
	free(s.reps);
	if (rc != 0) {
		if (rc == KY_ENOMEM)
			*why = "out of memory";
		else if (rc != KY_EINVAL)
			*why = ky_strerror(rc);
		view_data_free(&d);
		return rc;
	}
	*out = d;
	return 0;
}

/*
 * view_merge.c - combining regions' published views (view.h).
 *
 * The inputs are view records: only cells a region published, so the
 * merged view can reveal nothing a region hid.  A merged cell adds the
 * regions' published parts; where some region's part is unknown (it
 * suppressed the cell, did not cover that week, or left the row out of
 * a truncated table) the sum is a lower bound, VCELL_PARTIAL.  A cell
 * with no published part at all stays suppressed.
 */
#include <stdlib.h>
#include <string.h>

#include "node/view_int.h"
#include "protocol/json.h"

/* The latest view record of one origin. */
struct s_latest {
	uint8_t origin[32];
	uint8_t id[32];
	uint64_t created, seq;
	cJSON *body;
};

struct s_collect {
	const char *name;
	const uint8_t *origins;		/* filter; NULL: any */
	size_t norigins;
	struct s_latest *l;
	size_t n, cap;
	int rc;
};

static bool
s_wanted(const struct s_collect *c, const uint8_t origin[32])
{
	if (c->origins == NULL)
		return true;
	for (size_t i = 0; i < c->norigins; i++)
		if (memcmp(c->origins + 32 * i, origin, 32) == 0)
			return true;
	return false;
}

static int
s_consider(struct s_collect *c, const struct record *r)
{
	const char *why, *name = NULL;
	struct s_latest *l = NULL;
	cJSON *body;

	if (r->h.kind != RK_VIEW || r->body == NULL || !s_wanted(c, r->h.origin))
		return 0;
	if (body_parse(RK_VIEW, r->body, r->h.body_len, &body, &why) != 0)
		return 0;
	if (json_get_str(body, "view", 32, 1, &name) != 0 ||
	    strcmp(name, c->name) != 0) {
		cJSON_Delete(body);
		return 0;
	}
	for (size_t i = 0; i < c->n; i++)
		if (memcmp(c->l[i].origin, r->h.origin, 32) == 0)
			l = &c->l[i];
	if (l != NULL && (l->created > r->h.created ||
	    (l->created == r->h.created && l->seq > r->h.seq))) {
		cJSON_Delete(body);
		return 0;
	}
	if (l == NULL) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			struct s_latest *nl = realloc(c->l, cap * sizeof(*nl));

			if (nl == NULL) {
				cJSON_Delete(body);
				return KY_ENOMEM;
			}
			c->l = nl;
			c->cap = cap;
		}
		l = &c->l[c->n++];
		memset(l, 0, sizeof(*l));
	}
	cJSON_Delete(l->body);
	memcpy(l->origin, r->h.origin, 32);
	memcpy(l->id, r->id, 32);
	l->created = r->h.created;
	l->seq = r->h.seq;
	l->body = body;
	return 0;
}

static int
s_record(void *ctx, const struct record *r)
{
	struct s_collect *c = ctx;

	if ((c->rc = s_consider(c, r)) != 0)
		return 1;
	return 0;
}

static int
s_change(void *ctx, uint64_t cursor, int op, const struct record *r)
{
	(void)cursor;
	return op == STORE_OP_ADD ? s_record(ctx, r) : 0;
}

/* Index of key in a list of n keys, or n. */
static size_t
s_find_row(char (*rows)[VIEW_KEY_MAX + 1], size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n && strcmp(rows[i], key) != 0; i++)
		;
	return i;
}

static int
s_col_cmp(const void *a, const void *b)
{
	const struct view_col *x = a, *y = b;

	/* Weeks first, in order; then the longer period totals. */
	if (x->end - x->start != y->end - y->start)
		return x->end - x->start < y->end - y->start ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* The union of the rows and columns of table name across the inputs. */
static int
s_shape(struct view **in, size_t n, const char *name, char (**rows)[VIEW_KEY_MAX + 1],
    size_t *nrows, struct view_col **cols, size_t *ncols)
{
	size_t rcap = 0, ccap = 0;
	bool total = false;

	*rows = NULL;
	*cols = NULL;
	*nrows = *ncols = 0;
	for (size_t i = 0; i < n; i++) {
		const struct view_table *t = view_table_get(in[i], name);

		for (size_t r = 0; t != NULL && r < t->nrows; r++) {
			if (strcmp(t->rows[r], VIEW_TOTAL) == 0) {
				total = true;
				continue;
			}
			if (s_find_row(*rows, *nrows, t->rows[r]) < *nrows)
				continue;
			if (*nrows + 1 >= rcap) {
				void *p = realloc(*rows, (rcap = rcap * 2 + 16) *
				    sizeof(**rows));

				if (p == NULL)
					return KY_ENOMEM;
				*rows = p;
			}
			memcpy((*rows)[(*nrows)++], t->rows[r], VIEW_KEY_MAX + 1);
		}
		for (size_t c = 0; t != NULL && c < t->ncols; c++) {
			size_t j;

			for (j = 0; j < *ncols; j++)
				if ((*cols)[j].start == t->cols[c].start &&
				    (*cols)[j].end == t->cols[c].end)
					break;
			if (j < *ncols)
				continue;
			if (*ncols == ccap) {
				void *p = realloc(*cols, (ccap = ccap * 2 + 16) *
				    sizeof(**cols));

				if (p == NULL)
					return KY_ENOMEM;
				*cols = p;
			}
			(*cols)[(*ncols)++] = t->cols[c];
		}
	}
	/* The total row, when any region had one, stays last. */
	if (total) {
		if (*nrows + 1 > rcap) {
			void *p = realloc(*rows, (*nrows + 1) * sizeof(**rows));

			if (p == NULL)
				return KY_ENOMEM;
			*rows = p;
		}
		memset((*rows)[*nrows], 0, VIEW_KEY_MAX + 1);
		memcpy((*rows)[(*nrows)++], VIEW_TOTAL, sizeof(VIEW_TOTAL));
	}
	if (*ncols > 1)
		qsort(*cols, *ncols, sizeof(**cols), s_col_cmp);
	return 0;
}

static int
s_merge_table(struct view *out, struct view **in, size_t n, const char *name)
{
	char (*rows)[VIEW_KEY_MAX + 1];
	struct view_col *cols;
	struct view_table *t;
	size_t nr, nc;
	int rc;

	if ((rc = s_shape(in, n, name, &rows, &nr, &cols, &nc)) != 0 ||
	    nr == 0 || nc == 0)
		goto out;
	if ((t = view_add_table(out, name, nr, nc)) == NULL) {
		rc = KY_ENOMEM;
		goto out;
	}
	memcpy(t->rows, rows, nr * sizeof(*rows));
	memcpy(t->cols, cols, nc * sizeof(*cols));
	for (size_t r = 0; r < nr; r++)
		for (size_t c = 0; c < nc; c++) {
			struct view_cell *m = &t->cells[r * nc + c];
			bool unknown = false;

			for (size_t i = 0; i < n; i++) {
				const struct view_table *src =
				    view_table_get(in[i], name);
				const struct view_cell *sc;
				bool has_col = false;

				for (size_t j = 0; src != NULL && j < src->ncols; j++)
					has_col |= src->cols[j].start == cols[c].start &&
					    src->cols[j].end == cols[c].end;
				if (!has_col) {
					unknown = true;
					continue;
				}
				if ((sc = view_cell_get(src, rows[r], &cols[c])) == NULL) {
					/* A complete table lists every row it has. */
					unknown |= src->truncated;
					continue;
				}
				if (sc->flags & (VCELL_SUPPRESSED | VCELL_PARTIAL))
					unknown = true;
				if (sc->flags & VCELL_SUPPRESSED)
					continue;
				m->records += sc->records;
				m->reporters += sc->reporters;
				m->regions++;
			}
			if (unknown)
				m->flags = m->regions > 0 ? VCELL_PARTIAL :
				    VCELL_SUPPRESSED;
		}
	for (size_t i = 0; i < n; i++) {
		const struct view_table *src = view_table_get(in[i], name);

		t->truncated |= src != NULL && src->truncated;
	}
out:
	free(rows);
	free(cols);
	return rc;
}

static int
s_item_cmp(const void *a, const void *b)
{
	const struct view_item *x = a, *y = b;

	if (x->reporters != y->reporters)
		return x->reporters > y->reporters ? -1 : 1;
	if (x->records != y->records)
		return x->records > y->records ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return strcmp(x->value, y->value);
}

static int
s_merge_items(struct view *out, struct view **in, size_t n)
{
	size_t cap = 0;

	for (size_t i = 0; i < n; i++)
		cap += in[i]->nitems;
	if (cap == 0)
		return 0;
	if ((out->items = calloc(cap, sizeof(*out->items))) == NULL)
		return KY_ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < in[i]->nitems; j++) {
			const struct view_item *s = &in[i]->items[j];
			struct view_item *m = NULL;

			for (size_t x = 0; x < out->nitems && m == NULL; x++)
				if (out->items[x].type == s->type &&
				    strcmp(out->items[x].value, s->value) == 0)
					m = &out->items[x];
			if (m == NULL) {
				m = &out->items[out->nitems];
				*m = *s;
				m->narticles = 0;
				m->records = m->reporters = 0;
				m->first_seen = m->last_seen = 0;
				m->first_reported = 0;
				if ((m->value = strdup(s->value)) == NULL)
					return KY_ENOMEM;
				out->nitems++;
			}
			m->records += s->records;
			m->reporters += s->reporters;
			m->flags |= s->flags;
			if (s->first_seen != 0 && (m->first_seen == 0 ||
			    s->first_seen < m->first_seen))
				m->first_seen = s->first_seen;
			if (s->last_seen > m->last_seen)
				m->last_seen = s->last_seen;
			if (s->first_reported != 0 && (m->first_reported == 0 ||
			    s->first_reported < m->first_reported))
				m->first_reported = s->first_reported;
			if (m->category[0] == '\0')
				memcpy(m->category, s->category,
				    sizeof(m->category));
			for (size_t a = 0; a < s->narticles &&
			    m->narticles < VIEW_ARTICLES_MAX; a++) {
				bool dup = false;

				for (size_t b = 0; b < m->narticles; b++)
					dup |= memcmp(m->articles[b].id,
					    s->articles[a].id, 32) == 0;
				if (!dup)
					m->articles[m->narticles++] = s->articles[a];
			}
		}
	/* A region that did not list an item may still have reports of it,
	 * below its k or beyond its list: every merged count that not all
	 * regions listed is a lower bound. */
	for (size_t x = 0; x < out->nitems; x++) {
		size_t listed = 0;

		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < in[i]->nitems; j++)
				if (in[i]->items[j].type == out->items[x].type &&
				    strcmp(in[i]->items[j].value,
				    out->items[x].value) == 0)
					listed++;
		if (listed < n)
			out->items[x].flags |= VCELL_PARTIAL;
	}
	qsort(out->items, out->nitems, sizeof(*out->items), s_item_cmp);
	return 0;
}

int
view_merge(struct store_txn *t, int kind, const uint8_t *origins, size_t n,
    struct view **out, const char **why)
{
	struct s_collect c = { .origins = n > 0 ? origins : NULL,
	    .norigins = n };
	struct view **in = NULL, *v = NULL;
	static const char *const names[] = { "category", "sector", "new",
	    "lang", "tag" };
	int rc = 0;

	*out = NULL;
	if (kind < 1 || kind > VIEW_KIND_MAX || kind == VIEW_HEALTH)
		return *why = "only overview, top, new and knowhow merge",
		    KY_EINVAL;
	c.name = view_kind_name(kind);
	if (c.origins != NULL) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			rc = store_range(t, origins + 32 * i, 1, s_record, &c);
			rc = c.rc != 0 ? c.rc : rc;
		}
	} else {
		rc = store_changes(t, 0, 0, s_change, &c);
		rc = c.rc != 0 ? c.rc : rc;
	}
	if (rc == 0 && c.n == 0) {
		*why = "no view record of that name here";
		rc = KY_ENOTFOUND;
	}
	if (rc == 0 && ((in = calloc(c.n, sizeof(*in))) == NULL ||
	    (v = view_new(kind)) == NULL ||
	    (v->regions = calloc(c.n, sizeof(*v->regions))) == NULL))
		rc = KY_ENOMEM;
	for (size_t i = 0; i < c.n && rc == 0; i++) {
		struct view_region *r = &v->regions[i];

		if ((rc = view_from_json(c.l[i].body, &in[i], why)) != 0)
			break;
		memcpy(r->origin, c.l[i].origin, 32);
		memcpy(r->record_id, c.l[i].id, 32);
		memcpy(r->region, in[i]->region, sizeof(r->region));
		r->since = in[i]->since;
		r->until = in[i]->until;
		r->created = c.l[i].created;
		v->nregions++;
		if (i == 0 || in[i]->since < v->since)
			v->since = in[i]->since;
		if (in[i]->until > v->until)
			v->until = in[i]->until;
		if (i == 0 || in[i]->prev_since < v->prev_since)
			v->prev_since = in[i]->prev_since;
		if (in[i]->k > v->k)
			v->k = in[i]->k;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && rc == 0; i++)
		rc = s_merge_table(v, in, c.n, names[i]);
	if (rc == 0)
		rc = s_merge_items(v, in, c.n);
	for (size_t i = 0; i < c.n; i++) {
		cJSON_Delete(c.l[i].body);
		if (in != NULL)
			view_free(&in[i]);
	}
	free(c.l);
	free(in);
	if (rc != 0) {
		view_free(&v);
		if (rc == KY_ENOMEM)
			*why = "out of memory";
		return rc;
	}
	*out = v;
	return 0;
}

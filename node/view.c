/*
 * view.c - building the views from a pass over the store, suppressing
 * them for k, and writing and reading them as JSON (view.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/view_int.h"
#include "node/view_sup.h"
#include "protocol/indicator.h"
#include "protocol/json.h"
#include "protocol/taxonomy.h"

/*
 * The classes of the ENISA taxonomy (the part of a category id before
 * ':').  tests/check_views.c checks that every id of seeds/taxonomy.tsv
 * starts with one of these; a class added there and not here is counted
 * as "other" until it is added.
 */
static const char *const s_classes[] = {
	"abusive-content", "malicious-code", "information-gathering",
	"intrusion-attempts", "intrusions", "availability",
	"information-content-security", "fraud", "vulnerable", "other",
	"test",
};
#define NCLASSES (sizeof(s_classes) / sizeof(s_classes[0]))
#define CLASS_OTHER 9

const char *const view_sectors[VIEW_SECTORS] = {
	"csirt", "psirt", "dsirt", "fsirt", "none",
};

static const char *const s_kinds[] = {
	[VIEW_OVERVIEW] = "overview", [VIEW_TOP] = "top", [VIEW_NEW] = "new",
	[VIEW_HEALTH] = "health", [VIEW_KNOWHOW] = "knowhow",
};

size_t
view_category_count(void)
{
	return NCLASSES;
}

const char *
view_category_at(size_t i)
{
	return i < NCLASSES ? s_classes[i] : NULL;
}

int
view_category_index(const char *cat)
{
	const char *colon = strchr(cat, ':');
	size_t n = colon != NULL ? (size_t)(colon - cat) : strlen(cat);

	if (n == 0)
		return -1;
	for (size_t i = 0; i < NCLASSES; i++)
		if (s_classes[i][0] == cat[0] &&
		    strncmp(s_classes[i], cat, n) == 0 && s_classes[i][n] == '\0')
			return (int)i;
	return CLASS_OTHER;
}

int
view_sector_index(const char *sector)
{
	for (int i = 0; i < VIEW_SECTORS - 1; i++)
		if (strcmp(view_sectors[i], sector) == 0)
			return i;
	return VIEW_SECTORS - 1;
}

int
view_kind_from_name(const char *name)
{
	for (int i = 1; i <= VIEW_KIND_MAX; i++)
		if (strcmp(s_kinds[i], name) == 0)
			return i;
	return -1;
}

const char *
view_kind_name(int kind)
{
	return kind >= 1 && kind <= VIEW_KIND_MAX ? s_kinds[kind] : NULL;
}

uint64_t
view_week_floor(uint64_t t)
{
	if (t < VIEW_EPOCH_MONDAY)
		return 0;
	return t - (t - VIEW_EPOCH_MONDAY) % VIEW_WEEK;
}

static uint64_t
s_week_ceil(uint64_t t)
{
	uint64_t f = view_week_floor(t);

	return f == t ? t : f + VIEW_WEEK;
}

int
view_period(const struct view_params *p, uint64_t *since, uint64_t *until,
    const char **why)
{
	if (p->k != 0 && p->k < VIEW_K_MIN)
		return *why = "k: never below 3", KY_EINVAL;
	*until = p->until != 0 ? s_week_ceil(p->until) :
	    view_week_floor(p->now) + VIEW_WEEK;
	if (p->since != 0)
		*since = view_week_floor(p->since);
	else
		*since = *until >= VIEW_WEEKS_DEFAULT * VIEW_WEEK ?
		    *until - VIEW_WEEKS_DEFAULT * VIEW_WEEK : 0;
	if (*since >= *until)
		return *why = "the period ends before it starts", KY_EINVAL;
	if (*until - *since > (uint64_t)VIEW_WEEKS_MAX * VIEW_WEEK)
		return *why = "the period is longer than 53 weeks", KY_EINVAL;
	return 0;
}

/* --- plain data -------------------------------------------------------- */

struct view *
view_new(int kind)
{
	struct view *v = calloc(1, sizeof(*v));

	if (v != NULL)
		v->kind = kind;
	return v;
}

struct view_table *
view_add_table(struct view *v, const char *name, size_t nrows, size_t ncols)
{
	struct view_table *nt, *t;

	if (nrows == 0 || ncols == 0 || strlen(name) >= sizeof(t->name))
		return NULL;
	if ((nt = realloc(v->tables, (v->ntables + 1) * sizeof(*nt))) == NULL)
		return NULL;
	v->tables = nt;
	t = &v->tables[v->ntables];
	memset(t, 0, sizeof(*t));
	if ((t->rows = calloc(nrows, sizeof(*t->rows))) == NULL ||
	    (t->cols = calloc(ncols, sizeof(*t->cols))) == NULL ||
	    (t->cells = calloc(nrows * ncols, sizeof(*t->cells))) == NULL) {
		free(t->rows);
		free(t->cols);
		return NULL;
	}
	memcpy(t->name, name, strlen(name) + 1);
	t->nrows = nrows;
	t->ncols = ncols;
	v->ntables++;
	return t;
}

void
view_free(struct view **vp)
{
	struct view *v;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	for (size_t i = 0; i < v->ntables; i++) {
		free(v->tables[i].rows);
		free(v->tables[i].cols);
		free(v->tables[i].cells);
	}
	free(v->tables);
	for (size_t i = 0; i < v->nitems; i++)
		free(v->items[i].value);
	free(v->items);
	free(v->members);
	free(v->regions);
	free(v);
	*vp = NULL;
}

const struct view_table *
view_table_get(const struct view *v, const char *name)
{
	for (size_t i = 0; i < v->ntables; i++)
		if (strcmp(v->tables[i].name, name) == 0)
			return &v->tables[i];
	return NULL;
}

const struct view_cell *
view_cell_get(const struct view_table *t, const char *row,
    const struct view_col *col)
{
	for (size_t r = 0; r < t->nrows; r++) {
		if (strcmp(t->rows[r], row) != 0)
			continue;
		for (size_t c = 0; c < t->ncols; c++)
			if (t->cols[c].start == col->start &&
			    t->cols[c].end == col->end)
				return &t->cells[r * t->ncols + c];
	}
	return NULL;
}

static void
s_key(char dst[VIEW_KEY_MAX + 1], const char *src)
{
	size_t n = strlen(src);

	if (n > VIEW_KEY_MAX)
		n = VIEW_KEY_MAX;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static uint64_t
s_popcount(const uint64_t *bits, size_t words)
{
	uint64_t n = 0;

	for (size_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

static void
s_or(uint64_t *dst, const uint64_t *src, size_t words)
{
	for (size_t i = 0; i < words; i++)
		dst[i] |= src[i];
}

/* --- overview ---------------------------------------------------------- */

/*
 * One suppression problem for both tables: the rows are the categories,
 * the sectors and the shared total row; the columns are the weeks of
 * the previous period and of this one, then the two period totals.
 * Every record has one category and one sector, so both sets of rows
 * add up to the same total row, and the weekly totals link the tables.
 */
static int
s_overview(const struct view_data *d, struct view *v)
{
	size_t nw = d->nweeks, ncols = nw + 2;
	size_t half = (size_t)((d->since - d->prev_since) / VIEW_WEEK);
	size_t nr = d->ncat + VIEW_SECTORS + 1, tot = nr - 1, W = d->words;
	size_t *parts = NULL;
	uint64_t *bits = NULL;
	struct view_table *t;
	struct vsup sp;
	int rc;

	if ((rc = vsup_init(&sp, nr * ncols)) != 0)
		return rc;
	if ((bits = calloc(nr * ncols * W, sizeof(*bits))) == NULL ||
	    (parts = calloc(nr + ncols, sizeof(*parts))) == NULL) {
		rc = KY_ENOMEM;
		goto out;
	}
	/* Weekly cells, then the total row, then the period columns. */
	for (size_t w = 0; w < nw; w++)
		for (size_t r = 0; r < d->ovrows; r++) {
			size_t cell = w * d->ovrows + r, i = r * ncols + w;

			sp.cells[i].records = d->ov_records[cell];
			memcpy(bits + i * W, d->ov_bits + cell * W, W * 8);
			if (r < d->ncat) {
				sp.cells[tot * ncols + w].records +=
				    d->ov_records[cell];
				s_or(bits + (tot * ncols + w) * W, bits + i * W, W);
			}
		}
	for (size_t r = 0; r < nr; r++)
		for (size_t w = 0; w < nw; w++) {
			size_t c = r * ncols + nw + (w < half ? 0 : 1);

			sp.cells[c].records += sp.cells[r * ncols + w].records;
			s_or(bits + c * W, bits + (r * ncols + w) * W, W);
		}
	for (size_t i = 0; i < nr * ncols; i++)
		sp.cells[i].reporters = s_popcount(bits + i * W, W);
	/* Column equations: categories and sectors each add up to the total. */
	for (size_t c = 0; c < ncols && rc == 0; c++) {
		for (size_t r = 0; r < d->ncat; r++)
			parts[r] = r * ncols + c;
		rc = vsup_equation(&sp, tot * ncols + c, parts, d->ncat);
		for (size_t r = 0; r < VIEW_SECTORS && rc == 0; r++)
			parts[r] = (d->ncat + r) * ncols + c;
		if (rc == 0)
			rc = vsup_equation(&sp, tot * ncols + c, parts,
			    VIEW_SECTORS);
	}
	/* Row equations: the weeks of each period add up to its total. */
	for (size_t r = 0; r < nr && rc == 0; r++)
		for (size_t h = 0; h < 2 && rc == 0; h++) {
			size_t first = h == 0 ? 0 : half, n = h == 0 ? half :
			    nw - half;

			for (size_t w = 0; w < n; w++)
				parts[w] = r * ncols + first + w;
			rc = vsup_equation(&sp, r * ncols + nw + h, parts, n);
		}
	if (rc == 0)
		rc = vsup_run(&sp, d->p.k);
	for (int which = 0; which < 2 && rc == 0; which++) {
		size_t first = which == 0 ? 0 : d->ncat;
		size_t n = which == 0 ? d->ncat : VIEW_SECTORS;

		if ((t = view_add_table(v, which == 0 ? "category" : "sector",
		    n + 1, ncols)) == NULL) {
			rc = KY_ENOMEM;
			break;
		}
		for (size_t c = 0; c < ncols; c++) {
			if (c < nw) {
				t->cols[c].start = d->prev_since + c * VIEW_WEEK;
				t->cols[c].end = t->cols[c].start + VIEW_WEEK;
			} else {
				t->cols[c].start = c == nw ? d->prev_since : d->since;
				t->cols[c].end = c == nw ? d->since : d->until;
			}
		}
		for (size_t r = 0; r <= n; r++) {
			size_t src = r < n ? first + r : tot;

			s_key(t->rows[r], r < n ? (which == 0 ?
			    s_classes[r] : view_sectors[r]) : VIEW_TOTAL);
			for (size_t c = 0; c < ncols; c++) {
				const struct vsup_cell *sc =
				    &sp.cells[src * ncols + c];
				struct view_cell *vc = &t->cells[r * ncols + c];

				if (sc->suppressed) {
					vc->flags = VCELL_SUPPRESSED;
				} else {
					vc->records = sc->records;
					vc->reporters = sc->reporters;
				}
			}
		}
	}
out:
	vsup_clear(&sp);
	free(bits);
	free(parts);
	return rc;
}

/* --- top and new ------------------------------------------------------- */

static int
s_by_reporters(const void *a, const void *b)
{
	const struct vd_value *x = *(const struct vd_value *const *)a;
	const struct vd_value *y = *(const struct vd_value *const *)b;

	if (x->nrep != y->nrep)
		return x->nrep > y->nrep ? -1 : 1;
	if (x->records != y->records)
		return x->records > y->records ? -1 : 1;
	if (x->last_seen != y->last_seen)
		return x->last_seen > y->last_seen ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return strcmp(x->value, y->value);
}

static int
s_item(const struct view_data *d, const struct vd_value *src,
    struct view_item *it)
{
	const struct taxonomy_entry *e;

	memset(it, 0, sizeof(*it));
	if ((it->value = strdup(src->value)) == NULL)
		return KY_ENOMEM;
	it->type = src->type;
	if (src->category >= 0 &&
	    (e = taxonomy_at((size_t)src->category)) != NULL)
		memcpy(it->category, e->id, strlen(e->id) + 1);
	it->records = src->records;
	it->reporters = src->nrep;
	it->first_seen = src->first_seen;
	it->last_seen = src->last_seen;
	it->first_reported = src->first_reported;
	for (uint32_t i = 0; i < src->narticles; i++) {
		const struct vd_article *a = &d->arts[src->articles[i]];
		struct view_article *va = &it->articles[it->narticles++];

		memcpy(va->id, a->id, 32);
		memcpy(va->title, a->title, sizeof(va->title));
		memcpy(va->lang, a->lang, sizeof(va->lang));
	}
	return 0;
}

/* Lists up to top values that pass keep(), confirmed by k reporters. */
static int
s_items(const struct view_data *d, struct view *v,
    bool (*keep)(const struct view_data *, const struct vd_value *))
{
	const struct vd_value **sel;
	size_t n = 0;
	int rc = 0;

	if (d->nvals == 0)
		return 0;
	if ((sel = malloc(d->nvals * sizeof(*sel))) == NULL)
		return KY_ENOMEM;
	for (size_t i = 0; i < d->nvals; i++)
		if (d->vals[i].records > 0 && d->vals[i].nrep >= d->p.k &&
		    keep(d, &d->vals[i]))
			sel[n++] = &d->vals[i];
	qsort(sel, n, sizeof(*sel), s_by_reporters);
	if (n > d->p.top)
		n = d->p.top;
	if (n > 0 && (v->items = calloc(n, sizeof(*v->items))) == NULL)
		rc = KY_ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++)
		if ((rc = s_item(d, sel[i], &v->items[i])) == 0)
			v->nitems++;
	free(sel);
	return rc;
}

static bool
s_any(const struct view_data *d, const struct vd_value *x)
{
	(void)d; (void)x;
	return true;
}

static bool
s_is_new(const struct view_data *d, const struct vd_value *x)
{
	return x->first_reported >= d->since && x->first_reported < d->until;
}

/*
 * New values counted by category: rows are the classes, "none" (values
 * only sightings named) and the total, which they add up to.
 */
static int
s_new_table(const struct view_data *d, struct view *v)
{
	size_t nr = d->ncat + 2, tot = nr - 1, W = d->words;
	uint64_t *bits;
	size_t *parts;
	struct view_table *t;
	struct vsup sp;
	int rc;

	if ((rc = vsup_init(&sp, nr)) != 0)
		return rc;
	bits = calloc(nr * W, sizeof(*bits));
	parts = calloc(nr, sizeof(*parts));
	if (bits == NULL || parts == NULL) {
		rc = KY_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < d->nvals; i++) {
		const struct vd_value *x = &d->vals[i];
		const struct taxonomy_entry *e;
		size_t r = d->ncat;	/* none */
		const uint32_t *reps = vd_reps(x);

		if (x->records == 0 || !s_is_new(d, x))
			continue;
		if (x->category >= 0 &&
		    (e = taxonomy_at((size_t)x->category)) != NULL)
			r = (size_t)view_category_index(e->id);
		sp.cells[r].records++;
		sp.cells[tot].records++;
		for (uint32_t j = 0; j < x->nrep; j++) {
			bits[r * W + reps[j] / 64] |= UINT64_C(1) << (reps[j] % 64);
			bits[tot * W + reps[j] / 64] |= UINT64_C(1) << (reps[j] % 64);
		}
	}
	for (size_t r = 0; r < nr; r++) {
		sp.cells[r].reporters = s_popcount(bits + r * W, W);
		parts[r] = r;
	}
	if ((rc = vsup_equation(&sp, tot, parts, tot)) == 0)
		rc = vsup_run(&sp, d->p.k);
	if (rc == 0 && (t = view_add_table(v, "new", nr, 1)) == NULL)
		rc = KY_ENOMEM;
	for (size_t r = 0; r < nr && rc == 0; r++) {
		s_key(t->rows[r], r < d->ncat ? s_classes[r] :
		    r == d->ncat ? "none" : VIEW_TOTAL);
		if (sp.cells[r].suppressed) {
			t->cells[r].flags = VCELL_SUPPRESSED;
		} else {
			t->cells[r].records = sp.cells[r].records;
			t->cells[r].reporters = sp.cells[r].reporters;
		}
	}
	if (rc == 0) {
		t->cols[0].start = d->since;
		t->cols[0].end = d->until;
	}
out:
	vsup_clear(&sp);
	free(bits);
	free(parts);
	return rc;
}

/* --- knowhow ----------------------------------------------------------- */

struct s_group {
	char key[VIEW_KEY_MAX + 1];
	uint64_t count;
	uint64_t *bits;
};

static int
s_by_count(const void *a, const void *b)
{
	const struct s_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static struct s_group *
s_group(struct s_group **g, size_t *n, const char *key, size_t words)
{
	struct s_group *ng;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*g)[i].key, key) == 0)
			return &(*g)[i];
	if ((ng = realloc(*g, (*n + 1) * sizeof(*ng))) == NULL)
		return NULL;
	*g = ng;
	ng = &ng[(*n)++];
	memset(ng, 0, sizeof(*ng));
	s_key(ng->key, key);
	if ((ng->bits = calloc(words, sizeof(*ng->bits))) == NULL) {
		(*n)--;
		return NULL;
	}
	return ng;
}

static void
s_groups_free(struct s_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].bits);
	free(g);
}

static int
s_knowhow(const struct view_data *d, struct view *v)
{
	struct s_group *langs = NULL, *tags = NULL, *gr;
	size_t nl = 0, nt = 0, W = d->words, *parts = NULL, shown = 0;
	struct view_table *t;
	struct vsup sp = { 0 };
	int rc = 0;

	/* The total row first: the languages add up to it. */
	if (s_group(&langs, &nl, VIEW_TOTAL, W) == NULL)
		return KY_ENOMEM;
	for (size_t i = 0; i < d->narts && rc == 0; i++) {
		const struct vd_article *a = &d->arts[i];
		uint64_t bit = UINT64_C(1) << (a->rep % 64);

		if (a->superseded || a->created < d->since ||
		    a->created >= d->until)
			continue;
		langs[0].count++;
		langs[0].bits[a->rep / 64] |= bit;
		if ((gr = s_group(&langs, &nl, a->lang, W)) == NULL) {
			rc = KY_ENOMEM;
			break;
		}
		gr->count++;
		gr->bits[a->rep / 64] |= bit;
		for (size_t j = 0; j < a->ntags; j++) {
			if ((gr = s_group(&tags, &nt, a->tags[j], W)) == NULL) {
				rc = KY_ENOMEM;
				break;
			}
			gr->count++;
			gr->bits[a->rep / 64] |= bit;
		}
	}
	if (rc != 0)
		goto out;
	if (nl > 2)
		qsort(langs + 1, nl - 1, sizeof(*langs), s_by_count);
	if ((rc = vsup_init(&sp, nl)) != 0 ||
	    (parts = calloc(nl, sizeof(*parts))) == NULL) {
		rc = rc != 0 ? rc : KY_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nl; i++) {
		sp.cells[i].records = langs[i].count;
		sp.cells[i].reporters = s_popcount(langs[i].bits, W);
		parts[i] = i + 1;
	}
	if ((rc = vsup_equation(&sp, 0, parts, nl - 1)) == 0)
		rc = vsup_run(&sp, d->p.k);
	/* Languages: every one, the total last. */
	if (rc == 0 && (t = view_add_table(v, "lang", nl, 1)) == NULL)
		rc = KY_ENOMEM;
	for (size_t r = 0; r < nl && rc == 0; r++) {
		size_t src = r + 1 < nl ? r + 1 : 0;

		s_key(t->rows[r], langs[src].key);
		if (sp.cells[src].suppressed) {
			t->cells[r].flags = VCELL_SUPPRESSED;
		} else {
			t->cells[r].records = sp.cells[src].records;
			t->cells[r].reporters = sp.cells[src].reporters;
		}
	}
	if (rc == 0) {
		t->cols[0].start = d->since;
		t->cols[0].end = d->until;
	}
	/*
	 * Tags: an article has several, so they add up to nothing and need
	 * no complements; a tag used by fewer than k authors is left out
	 * altogether, since its name alone can say who wrote about what.
	 */
	if (rc == 0 && nt > 0) {
		for (size_t i = 0; i < nt; i++)
			if (s_popcount(tags[i].bits, W) < d->p.k)
				tags[i].count = 0;
		qsort(tags, nt, sizeof(*tags), s_by_count);
		while (shown < nt && shown < VIEW_TAGS_MAX &&
		    tags[shown].count > 0)
			shown++;
	}
	if (rc == 0 && shown > 0) {
		if ((t = view_add_table(v, "tag", shown, 1)) == NULL) {
			rc = KY_ENOMEM;
			goto out;
		}
		t->truncated = shown < nt;
		t->cols[0].start = d->since;
		t->cols[0].end = d->until;
		for (size_t r = 0; r < shown; r++) {
			s_key(t->rows[r], tags[r].key);
			t->cells[r].records = tags[r].count;
			t->cells[r].reporters = s_popcount(tags[r].bits, W);
		}
	}
out:
	vsup_clear(&sp);
	free(parts);
	s_groups_free(langs, nl);
	s_groups_free(tags, nt);
	return rc;
}

int
view_build(const struct view_data *d, int kind, struct view **out)
{
	struct view *v;
	int rc;

	*out = NULL;
	if (kind < 1 || kind > VIEW_KIND_MAX || kind == VIEW_HEALTH ||
	    !(d->what & VIEW_NEED(kind)))
		return KY_EINVAL;
	if ((v = view_new(kind)) == NULL)
		return KY_ENOMEM;
	v->k = d->p.k;
	v->since = d->since;
	v->until = d->until;
	v->prev_since = d->prev_since;
	v->generated = d->p.now;
	if (d->p.region != NULL)
		snprintf(v->region, sizeof(v->region), "%s", d->p.region);
	switch (kind) {
	case VIEW_OVERVIEW:	rc = s_overview(d, v); break;
	case VIEW_TOP:		rc = s_items(d, v, s_any); break;
	case VIEW_NEW:
		if ((rc = s_items(d, v, s_is_new)) == 0)
			rc = s_new_table(d, v);
		break;
	default:		rc = s_knowhow(d, v); break;
	}
	if (rc != 0) {
		view_free(&v);
		return rc;
	}
	*out = v;
	return 0;
}

/* --- JSON -------------------------------------------------------------- */

static cJSON *
s_num_or_null(const struct view_cell *c, bool reporters)
{
	if (c->flags & VCELL_SUPPRESSED)
		return cJSON_CreateNull();
	return cJSON_CreateNumber((double)(reporters ? c->reporters :
	    c->records));
}

static cJSON *
s_table_json(const struct view_table *t, bool for_record)
{
	cJSON *o = cJSON_CreateObject(), *cols, *rows, *recs, *reps;
	cJSON *partial = NULL;
	bool any_partial = false;

	cJSON_AddStringToObject(o, "name", t->name);
	cols = cJSON_AddArrayToObject(o, "cols");
	for (size_t c = 0; c < t->ncols; c++) {
		cJSON *p = cJSON_CreateArray();

		cJSON_AddItemToArray(p, cJSON_CreateNumber((double)t->cols[c].start));
		cJSON_AddItemToArray(p, cJSON_CreateNumber((double)t->cols[c].end));
		cJSON_AddItemToArray(cols, p);
	}
	rows = cJSON_AddArrayToObject(o, "rows");
	for (size_t r = 0; r < t->nrows; r++)
		cJSON_AddItemToArray(rows, cJSON_CreateString(t->rows[r]));
	recs = cJSON_AddArrayToObject(o, "records");
	reps = cJSON_AddArrayToObject(o, "reporters");
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		any_partial |= (t->cells[i].flags & VCELL_PARTIAL) != 0;
	if (any_partial && !for_record)
		partial = cJSON_CreateArray();
	for (size_t r = 0; r < t->nrows; r++) {
		cJSON *a = cJSON_CreateArray(), *b = cJSON_CreateArray();
		cJSON *pa = partial ? cJSON_CreateArray() : NULL;

		for (size_t c = 0; c < t->ncols; c++) {
			const struct view_cell *cell = &t->cells[r * t->ncols + c];

			cJSON_AddItemToArray(a, s_num_or_null(cell, false));
			cJSON_AddItemToArray(b, s_num_or_null(cell, true));
			if (pa != NULL)
				cJSON_AddItemToArray(pa, cJSON_CreateBool(
				    (cell->flags & VCELL_PARTIAL) != 0));
		}
		cJSON_AddItemToArray(recs, a);
		cJSON_AddItemToArray(reps, b);
		if (pa != NULL)
			cJSON_AddItemToArray(partial, pa);
	}
	if (partial != NULL)
		cJSON_AddItemToObject(o, "partial", partial);
	if (t->truncated)
		cJSON_AddBoolToObject(o, "truncated", true);
	return o;
}

static cJSON *
s_item_json(const struct view_item *it, bool for_record)
{
	cJSON *o = cJSON_CreateObject(), *arts;
	char hex[65];

	cJSON_AddStringToObject(o, "type", indicator_type_name(it->type));
	cJSON_AddStringToObject(o, "value", it->value);
	if (it->category[0] != '\0')
		cJSON_AddStringToObject(o, "category", it->category);
	cJSON_AddNumberToObject(o, "records", (double)it->records);
	cJSON_AddNumberToObject(o, "reporters", (double)it->reporters);
	if (it->first_seen != 0 && it->last_seen >= it->first_seen) {
		cJSON_AddNumberToObject(o, "first_seen", (double)it->first_seen);
		cJSON_AddNumberToObject(o, "last_seen", (double)it->last_seen);
	}
	if (it->first_reported != 0)
		cJSON_AddNumberToObject(o, "first_reported",
		    (double)it->first_reported);
	if (it->narticles > 0) {
		arts = cJSON_AddArrayToObject(o, "articles");
		for (size_t i = 0; i < it->narticles; i++) {
			cJSON *a = cJSON_CreateObject();

			record_hex(it->articles[i].id, 32, hex);
			cJSON_AddStringToObject(a, "id", hex);
			cJSON_AddStringToObject(a, "title", it->articles[i].title);
			if (it->articles[i].lang[0] != '\0')
				cJSON_AddStringToObject(a, "lang",
				    it->articles[i].lang);
			cJSON_AddItemToArray(arts, a);
		}
	}
	if (!for_record && (it->flags & VCELL_PARTIAL))
		cJSON_AddBoolToObject(o, "partial", true);
	return o;
}

static cJSON *
s_member_json(const struct view_member *m)
{
	cJSON *o = cJSON_CreateObject();
	char hex[65];

	record_hex(m->key, 32, hex);
	cJSON_AddStringToObject(o, "key", hex);
	cJSON_AddStringToObject(o, "name", m->name);
	cJSON_AddStringToObject(o, "state", m->state);
	cJSON_AddStringToObject(o, "link", m->link);
	if (m->lag >= 0)
		cJSON_AddNumberToObject(o, "lag", (double)m->lag);
	else
		cJSON_AddNullToObject(o, "lag");
	cJSON_AddNumberToObject(o, "last_seen", (double)m->last_seen);
	return o;
}

int
view_to_json(const struct view *v, bool for_record, cJSON **out)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char hex[65];

	*out = NULL;
	if (o == NULL)
		return KY_ENOMEM;
	cJSON_AddStringToObject(o, "view", view_kind_name(v->kind));
	cJSON_AddNumberToObject(o, "k", v->k);
	cJSON_AddNumberToObject(o, "since", (double)v->since);
	cJSON_AddNumberToObject(o, "until", (double)v->until);
	if (v->region[0] != '\0')
		cJSON_AddStringToObject(o, "region", v->region);
	if (v->ntables > 0) {
		a = cJSON_AddArrayToObject(o, "tables");
		for (size_t i = 0; i < v->ntables; i++)
			cJSON_AddItemToArray(a, s_table_json(&v->tables[i],
			    for_record));
	}
	if (v->nitems > 0 || (!for_record && v->kind != VIEW_OVERVIEW &&
	    v->kind != VIEW_KNOWHOW && v->kind != VIEW_HEALTH)) {
		a = cJSON_AddArrayToObject(o, "items");
		for (size_t i = 0; i < v->nitems; i++)
			cJSON_AddItemToArray(a, s_item_json(&v->items[i],
			    for_record));
	}
	if (!for_record) {
		cJSON_AddNumberToObject(o, "generated", (double)v->generated);
		if (v->kind == VIEW_OVERVIEW)
			cJSON_AddNumberToObject(o, "prev_since",
			    (double)v->prev_since);
		if (v->kind == VIEW_HEALTH) {
			cJSON_AddBoolToObject(o, "daemon_running",
			    v->daemon_running);
			a = cJSON_AddArrayToObject(o, "members");
			for (size_t i = 0; i < v->nmembers; i++)
				cJSON_AddItemToArray(a,
				    s_member_json(&v->members[i]));
		}
		if (v->nregions > 0) {
			a = cJSON_AddArrayToObject(o, "regions");
			for (size_t i = 0; i < v->nregions; i++) {
				const struct view_region *r = &v->regions[i];
				cJSON *ro = cJSON_CreateObject();

				record_hex(r->origin, 32, hex);
				cJSON_AddStringToObject(ro, "origin", hex);
				record_hex(r->record_id, 32, hex);
				cJSON_AddStringToObject(ro, "record", hex);
				cJSON_AddStringToObject(ro, "region", r->region);
				cJSON_AddNumberToObject(ro, "since", (double)r->since);
				cJSON_AddNumberToObject(ro, "until", (double)r->until);
				cJSON_AddNumberToObject(ro, "created",
				    (double)r->created);
				cJSON_AddItemToArray(a, ro);
			}
		}
	}
	*out = o;
	return 0;
}

static bool
s_get_u64(const cJSON *o, uint64_t *out)
{
	if (!cJSON_IsNumber(o) || o->valuedouble < 0 ||
	    o->valuedouble > (double)JSON_INT_MAX)
		return false;
	*out = (uint64_t)o->valuedouble;
	return true;
}

static int
s_table_from(struct view *v, const cJSON *j, const char **why)
{
	const cJSON *cols = json_get(j, "cols"), *rows = json_get(j, "rows");
	const cJSON *recs = json_get(j, "records"), *reps = json_get(j, "reporters");
	const cJSON *name = json_get(j, "name"), *c, *r, *ra, *pa;
	const cJSON *partial = json_get(j, "partial");
	struct view_table *t;
	size_t nr, nc, i = 0;

	if (!cJSON_IsString(name) || !cJSON_IsArray(cols) ||
	    !cJSON_IsArray(rows) || !cJSON_IsArray(recs) ||
	    !cJSON_IsArray(reps))
		return *why = "view: a table is not {name, cols, rows, records, "
		    "reporters}", KY_EINVAL;
	nr = (size_t)cJSON_GetArraySize(rows);
	nc = (size_t)cJSON_GetArraySize(cols);
	if ((size_t)cJSON_GetArraySize(recs) != nr ||
	    (size_t)cJSON_GetArraySize(reps) != nr)
		return *why = "view: a table's rows and cells disagree", KY_EINVAL;
	if ((t = view_add_table(v, name->valuestring, nr, nc)) == NULL)
		return nr == 0 || nc == 0 ? (*why = "view: an empty table",
		    KY_EINVAL) : KY_ENOMEM;
	t->truncated = cJSON_IsTrue(json_get(j, "truncated"));
	cJSON_ArrayForEach(c, cols) {
		if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) != 2 ||
		    !s_get_u64(c->child, &t->cols[i].start) ||
		    !s_get_u64(c->child->next, &t->cols[i].end))
			return *why = "view: a column is not [start, end]",
			    KY_EINVAL;
		i++;
	}
	i = 0;
	cJSON_ArrayForEach(r, rows) {
		if (!cJSON_IsString(r))
			return *why = "view: a row key is not a string", KY_EINVAL;
		s_key(t->rows[i++], r->valuestring);
	}
	ra = recs->child;
	r = reps->child;
	pa = cJSON_IsArray(partial) ? partial->child : NULL;
	for (size_t row = 0; row < nr; row++) {
		const cJSON *x, *y, *z;

		if (!cJSON_IsArray(ra) || !cJSON_IsArray(r) ||
		    (size_t)cJSON_GetArraySize(ra) != nc ||
		    (size_t)cJSON_GetArraySize(r) != nc)
			return *why = "view: a row has the wrong number of cells",
			    KY_EINVAL;
		x = ra->child;
		y = r->child;
		z = cJSON_IsArray(pa) ? pa->child : NULL;
		for (size_t col = 0; col < nc; col++) {
			struct view_cell *cell = &t->cells[row * nc + col];

			if (cJSON_IsNull(x) || cJSON_IsNull(y))
				cell->flags = VCELL_SUPPRESSED;
			else if (!s_get_u64(x, &cell->records) ||
			    !s_get_u64(y, &cell->reporters))
				return *why = "view: a cell is not a count",
				    KY_EINVAL;
			if (cJSON_IsTrue(z))
				cell->flags |= VCELL_PARTIAL;
			x = x->next;
			y = y->next;
			z = z != NULL ? z->next : NULL;
		}
		ra = ra->next;
		r = r->next;
		pa = pa != NULL ? pa->next : NULL;
	}
	return 0;
}

static int
s_item_from(struct view_item *it, const cJSON *j, const char **why)
{
	const char *type = NULL, *value = NULL, *cat = NULL;
	const cJSON *arts = json_get(j, "articles"), *a;
	int64_t n;

	memset(it, 0, sizeof(*it));
	if (json_get_str(j, "type", 16, 1, &type) != 0 ||
	    (it->type = indicator_type_from_name(type)) < 1 ||
	    json_get_str(j, "value", INDICATOR_VALUE_MAX, 1, &value) != 0)
		return *why = "view: an item without type and value", KY_EINVAL;
	if (json_get_str(j, "category", TAXONOMY_ID_MAX, 0, &cat) == 0 && cat != NULL)
		memcpy(it->category, cat, strlen(cat) + 1);
	if (json_get_int(j, "records", 0, JSON_INT_MAX, 1, &n) != 0)
		return *why = "view: an item without records", KY_EINVAL;
	it->records = (uint64_t)n;
	if (json_get_int(j, "reporters", 0, JSON_INT_MAX, 1, &n) != 0)
		return *why = "view: an item without reporters", KY_EINVAL;
	it->reporters = (uint64_t)n;
	n = 0;
	if (json_get_int(j, "first_seen", 0, JSON_INT_MAX, 0, &n) == 0)
		it->first_seen = (uint64_t)n;
	n = 0;
	if (json_get_int(j, "last_seen", 0, JSON_INT_MAX, 0, &n) == 0)
		it->last_seen = (uint64_t)n;
	n = 0;
	if (json_get_int(j, "first_reported", 0, JSON_INT_MAX, 0, &n) == 0)
		it->first_reported = (uint64_t)n;
	if (cJSON_IsTrue(json_get(j, "partial")))
		it->flags |= VCELL_PARTIAL;
	cJSON_ArrayForEach(a, arts) {
		const char *id = NULL, *title = NULL, *lang = NULL;
		struct view_article *va;

		if (it->narticles == VIEW_ARTICLES_MAX)
			break;
		if (json_get_str(a, "id", 64, 1, &id) != 0 ||
		    json_get_str(a, "title", BODY_TITLE_MAX, 1, &title) != 0)
			continue;
		va = &it->articles[it->narticles];
		if (record_unhex(id, va->id, 32) != 0)
			continue;
		memcpy(va->title, title, strlen(title) + 1);
		if (json_get_str(a, "lang", 35, 0, &lang) == 0 && lang != NULL)
			memcpy(va->lang, lang, strlen(lang) + 1);
		it->narticles++;
	}
	if ((it->value = strdup(value)) == NULL)
		return KY_ENOMEM;
	return 0;
}

int
view_from_json(const cJSON *j, struct view **out, const char **why)
{
	const cJSON *tables = json_get(j, "tables"), *items = json_get(j, "items");
	const cJSON *it;
	const char *name = NULL, *region = NULL;
	int64_t k, since, until;
	struct view *v;
	int kind, rc = 0;

	*out = NULL;
	if (json_get_str(j, "view", 32, 1, &name) != 0 ||
	    (kind = view_kind_from_name(name)) < 0 || kind == VIEW_HEALTH)
		return *why = "view: not a view this kyojo knows", KY_EINVAL;
	if (json_get_int(j, "k", VIEW_K_MIN, 1000000, 1, &k) != 0 ||
	    json_get_int(j, "since", 0, JSON_INT_MAX, 1, &since) != 0 ||
	    json_get_int(j, "until", since + 1, JSON_INT_MAX, 1, &until) != 0)
		return *why = "view: no k or period", KY_EINVAL;
	if ((v = view_new(kind)) == NULL)
		return KY_ENOMEM;
	v->k = (uint32_t)k;
	v->since = (uint64_t)since;
	v->until = (uint64_t)until;
	v->prev_since = v->since;
	if (json_get_str(j, "region", 100, 0, &region) == 0 && region != NULL)
		memcpy(v->region, region, strlen(region) + 1);
	cJSON_ArrayForEach(it, tables)
		if ((rc = s_table_from(v, it, why)) != 0)
			goto fail;
	/* The overview's first column starts the previous period. */
	for (size_t i = 0; i < v->ntables; i++)
		for (size_t c = 0; c < v->tables[i].ncols; c++)
			if (v->tables[i].cols[c].start < v->prev_since)
				v->prev_since = v->tables[i].cols[c].start;
	if (cJSON_GetArraySize(items) > 0) {
		size_t n = (size_t)cJSON_GetArraySize(items);

		if ((v->items = calloc(n, sizeof(*v->items))) == NULL) {
			rc = KY_ENOMEM;
			goto fail;
		}
		cJSON_ArrayForEach(it, items) {
			if ((rc = s_item_from(&v->items[v->nitems], it, why)) != 0) {
				free(v->items[v->nitems].value);
				goto fail;
			}
			v->nitems++;
		}
	}
	*out = v;
	return 0;
fail:
	view_free(&v);
	return rc;
}

/*
 * view_sup.c - primary and complementary cell suppression (view_sup.h).
 */
#include <stdlib.h>
#include <string.h>

#include "node/view_sup.h"

/* 2^61 - 1, a Mersenne prime: products fit in 128 bits. */
#define P61	((UINT64_C(1) << 61) - 1)

/* idx[0] is the total, idx[1..n) its parts. */
struct vsup_eq {
	size_t n;
	size_t *idx;
};

int
vsup_init(struct vsup *p, size_t ncells)
{
	memset(p, 0, sizeof(*p));
	if (ncells > 0 && (p->cells = calloc(ncells, sizeof(*p->cells))) == NULL)
		return KY_ENOMEM;
	p->ncells = ncells;
	return 0;
}

void
vsup_clear(struct vsup *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->neq; i++)
		free(p->eqs[i].idx);
	free(p->eqs);
	free(p->cells);
	memset(p, 0, sizeof(*p));
}

int
vsup_equation(struct vsup *p, size_t total, const size_t *parts,
    size_t nparts)
{
	struct vsup_eq *e;

	if (total >= p->ncells)
		return KY_EINVAL;
	for (size_t i = 0; i < nparts; i++)
		if (parts[i] >= p->ncells || parts[i] == total)
			return KY_EINVAL;
	if (p->neq == p->capeq) {
		size_t cap = p->capeq ? p->capeq * 2 : 16;
		struct vsup_eq *ne = realloc(p->eqs, cap * sizeof(*ne));

		if (ne == NULL)
			return KY_ENOMEM;
		p->eqs = ne;
		p->capeq = cap;
	}
	e = &p->eqs[p->neq];
	if ((e->idx = malloc((nparts + 1) * sizeof(*e->idx))) == NULL)
		return KY_ENOMEM;
	e->idx[0] = total;
	if (nparts > 0)
		memcpy(e->idx + 1, parts, nparts * sizeof(*parts));
	e->n = nparts + 1;
	p->neq++;
	return 0;
}

/* Whether cell a is a cheaper complement than cell b (b may be SIZE_MAX). */
static bool
s_cheaper(const struct vsup *p, size_t a, size_t b)
{
	const struct vsup_cell *x = &p->cells[a], *y;

	if (b == SIZE_MAX)
		return true;
	y = &p->cells[b];
	if (x->records != y->records)
		return x->records < y->records;
	if (x->reporters != y->reporters)
		return x->reporters < y->reporters;
	return a < b;
}

static bool
s_eligible(const struct vsup *p, size_t i)
{
	return !p->cells[i].suppressed && p->cells[i].records > 0;
}

/*
 * Step 2: no equation may keep exactly one suppressed cell.  Returns
 * whether anything was suppressed.
 */
static bool
s_lines(struct vsup *p)
{
	bool any = false, again = true;

	while (again) {
		again = false;
		for (size_t e = 0; e < p->neq; e++) {
			const struct vsup_eq *q = &p->eqs[e];
			size_t hidden = 0, best = SIZE_MAX;

			for (size_t i = 0; i < q->n; i++)
				hidden += p->cells[q->idx[i]].suppressed;
			if (hidden != 1)
				continue;
			/* The smallest part; the total only if no part will do. */
			for (size_t i = 1; i < q->n; i++)
				if (s_eligible(p, q->idx[i]) &&
				    s_cheaper(p, q->idx[i], best))
					best = q->idx[i];
			if (best == SIZE_MAX && s_eligible(p, q->idx[0]))
				best = q->idx[0];
			if (best == SIZE_MAX)
				continue;	/* cannot happen: see view_sup.h */
			p->cells[best].suppressed = true;
			any = again = true;
		}
	}
	return any;
}

static uint64_t
s_mul(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;
	uint64_t lo = (uint64_t)(r & P61), hi = (uint64_t)(r >> 61);
	uint64_t s = lo + hi;

	return s >= P61 ? s - P61 : s;
}

static uint64_t
s_sub(uint64_t a, uint64_t b)
{
	return a >= b ? a - b : a + P61 - b;
}

static uint64_t
s_inv(uint64_t a)
{
	uint64_t r = 1, e = P61 - 2;

	while (e > 0) {
		if (e & 1)
			r = s_mul(r, a);
		a = s_mul(a, a);
		e >>= 1;
	}
	return r;
}

/*
 * Marks in det[] (one per cell) the suppressed cells whose value the
 * published cells and the equations determine: cell j is determined
 * when the unit vector e_j lies in the row space of the equations
 * restricted to the unknown cells, which in reduced row echelon form
 * means j is a pivot column whose row is zero in every free column.
 * Returns the number of determined cells, or KY_ENOMEM.
 */
static long
s_audit(const struct vsup *p, bool *det)
{
	size_t *col = NULL, *cell = NULL, u = 0, m = 0, rank = 0;
	uint64_t *a = NULL;
	size_t *pivot = NULL;
	bool *is_pivot = NULL;
	long found = 0;

	memset(det, 0, p->ncells * sizeof(*det));
	if ((col = malloc((p->ncells + 1) * sizeof(*col))) == NULL ||
	    (cell = malloc((p->ncells + 1) * sizeof(*cell))) == NULL)
		goto nomem;
	for (size_t i = 0; i < p->ncells; i++) {
		col[i] = SIZE_MAX;
		if (p->cells[i].suppressed) {
			col[i] = u;
			cell[u++] = i;
		}
	}
	if (u == 0)
		goto out;
	if ((a = calloc((p->neq ? p->neq : 1) * u, sizeof(*a))) == NULL ||
	    (pivot = calloc(p->neq + 1, sizeof(*pivot))) == NULL ||
	    (is_pivot = calloc(u, sizeof(*is_pivot))) == NULL)
		goto nomem;
	for (size_t e = 0; e < p->neq; e++) {
		const struct vsup_eq *q = &p->eqs[e];
		uint64_t *row = a + m * u;
		bool any = false;

		for (size_t i = 0; i < q->n; i++) {
			size_t c = col[q->idx[i]];

			if (c == SIZE_MAX)
				continue;
			/* parts +1, the total -1 */
			row[c] = i == 0 ? s_sub(row[c], 1) : (row[c] + 1) % P61;
			any = true;
		}
		if (any)
			m++;
	}
	/* Reduced row echelon form. */
	for (size_t c = 0; c < u && rank < m; c++) {
		size_t r = rank;
		uint64_t inv;

		while (r < m && a[r * u + c] == 0)
			r++;
		if (r == m)
			continue;
		if (r != rank)
			for (size_t j = 0; j < u; j++) {
				uint64_t t = a[r * u + j];

				a[r * u + j] = a[rank * u + j];
				a[rank * u + j] = t;
			}
		inv = s_inv(a[rank * u + c]);
		for (size_t j = c; j < u; j++)
			a[rank * u + j] = s_mul(a[rank * u + j], inv);
		for (size_t i = 0; i < m; i++) {
			uint64_t f = a[i * u + c];

			if (i == rank || f == 0)
				continue;
			for (size_t j = c; j < u; j++)
				a[i * u + j] = s_sub(a[i * u + j],
				    s_mul(f, a[rank * u + j]));
		}
		pivot[rank++] = c;
		is_pivot[c] = true;
	}
	for (size_t r = 0; r < rank; r++) {
		bool alone = true;

		for (size_t j = 0; j < u && alone; j++)
			if (!is_pivot[j] && a[r * u + j] != 0)
				alone = false;
		if (alone) {
			det[cell[pivot[r]]] = true;
			found++;
		}
	}
out:
	free(a); free(pivot); free(is_pivot); free(col); free(cell);
	return found;
nomem:
	free(a); free(pivot); free(is_pivot); free(col); free(cell);
	return KY_ENOMEM;
}

bool
vsup_determined(const struct vsup *p, size_t i)
{
	bool *det, r;
	long n;

	if (i >= p->ncells || !p->cells[i].suppressed)
		return true;
	if ((det = calloc(p->ncells, sizeof(*det))) == NULL)
		return true;
	n = s_audit(p, det);
	r = n < 0 ? true : det[i];
	free(det);
	return r;
}

/* The cheapest complement for determined cell j: a published non-zero
 * cell sharing an equation with it, else any. */
static size_t
s_complement(const struct vsup *p, size_t j)
{
	size_t best = SIZE_MAX;

	for (size_t e = 0; e < p->neq; e++) {
		const struct vsup_eq *q = &p->eqs[e];
		bool has = false;

		for (size_t i = 0; i < q->n && !has; i++)
			has = q->idx[i] == j;
		for (size_t i = 0; has && i < q->n; i++)
			if (s_eligible(p, q->idx[i]) &&
			    s_cheaper(p, q->idx[i], best))
				best = q->idx[i];
	}
	for (size_t i = 0; best == SIZE_MAX && i < p->ncells; i++)
		if (s_eligible(p, i) && s_cheaper(p, i, best))
			best = i;
	return best;
}

int
vsup_run(struct vsup *p, uint32_t k)
{
	bool *det;
	long n;

	for (size_t i = 0; i < p->ncells; i++)
		if (p->cells[i].reporters > 0 && p->cells[i].reporters < k)
			p->cells[i].suppressed = true;
	if ((det = calloc(p->ncells + 1, sizeof(*det))) == NULL)
		return KY_ENOMEM;
	for (;;) {
		size_t j, c;

		(void)s_lines(p);
		if ((n = s_audit(p, det)) < 0) {
			free(det);
			return (int)n;
		}
		if (n == 0)
			break;
		for (j = 0; j < p->ncells && !det[j]; j++)
			;
		if ((c = s_complement(p, j)) == SIZE_MAX)
			break;		/* cannot happen: see view_sup.h */
		p->cells[c].suppressed = true;
	}
	free(det);
	return 0;
}

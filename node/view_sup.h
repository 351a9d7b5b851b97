/*
 * view_sup.h - cell suppression for published counts: primary (fewer
 * than k members) and complementary (derivable from published totals).
 *
 * A problem is a set of cells (each with a count of records and of
 * distinct reporters) and a set of additive equations "total = sum of
 * parts" over them: a table's row and column totals, and the totals two
 * tables share (the weekly totals of the category and sector tables are
 * the same cells).  Record counts add up, so a reader who knows a total
 * and all but one of its parts knows the last part; and combining
 * several equations can pin a cell that no single equation does.
 *
 * vsup_run():
 *   1. primary: every cell with 0 < reporters < k is suppressed;
 *   2. lines: every equation left with exactly one suppressed cell gets
 *      a second one, its smallest published non-zero cell (parts before
 *      the total), repeated until no equation has exactly one;
 *   3. audit: each suppressed cell is checked against the whole system
 *      of published equations (Gaussian elimination over the integers
 *      modulo a 61-bit prime, exact for these 0/1 systems); a cell whose
 *      value the system determines gets its smallest published non-zero
 *      neighbour suppressed, and step 2 runs again.
 * The loop only ever adds suppressions, so it ends; when every non-zero
 * cell is suppressed no cell can be determined (the system is then
 * homogeneous, and a determined cell would have to be zero).
 *
 * Zero cells are published: that no member reported something exposes
 * none.  A suppressed cell is therefore known to be non-zero, nothing
 * more.  Bounds a reader could draw from non-negativity (interval
 * disclosure) are not checked; with k >= 3 a suppressed cell already
 * hides at least three members or is a complement.
 */
#ifndef KY_VIEW_SUP_H
#define KY_VIEW_SUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/error.h"

struct vsup_cell {
	uint64_t records;	/* the additive count */
	uint64_t reporters;	/* distinct members: decides primary */
	bool suppressed;	/* out: no number may be published */
};

struct vsup {
	size_t ncells;
	struct vsup_cell *cells;	/* filled by the caller */
	size_t neq, capeq;
	struct vsup_eq *eqs;		/* see view_sup.c */
};

/* ncells cells, all zero and published.  Errors: KY_ENOMEM. */
int vsup_init(struct vsup *p, size_t ncells) KY_WUR KY_NONNULL(1);
void vsup_clear(struct vsup *p);

/*
 * Adds the equation cells[total] = sum of cells[parts[i]].  The caller
 * keeps the counts consistent with it.  Errors: KY_ENOMEM, KY_EINVAL
 * (an index out of range).
 */
int vsup_equation(struct vsup *p, size_t total, const size_t *parts,
    size_t nparts) KY_WUR KY_NONNULL(1);

/* Suppresses for k (see above).  Errors: KY_ENOMEM. */
int vsup_run(struct vsup *p, uint32_t k) KY_WUR KY_NONNULL(1);

/*
 * Whether the published cells and the equations determine the value of
 * cell i (always true for a published cell).  For tests and the audit.
 * Errors are reported as true (the safe answer).
 */
bool vsup_determined(const struct vsup *p, size_t i) KY_NONNULL(1);

#endif

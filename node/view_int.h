/*
 * view_int.h - what node/view*.c share; nothing else includes it.
 *
 * struct view_data is the result of one pass over the store
 * (view_scan.c), read by view.c to build each view.
 */
#ifndef KY_VIEW_INT_H
#define KY_VIEW_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "node/view.h"

#define VD_REPS_INLINE	3	/* reporters of a value kept without malloc */

/* One indicator value, over every record that names it. */
struct vd_value {
	uint64_t hash;			/* of type and value */
	const char *value;		/* in the data's arena, NUL-terminated */
	uint32_t len;
	uint8_t type;			/* enum indicator_type */
	int16_t category;		/* taxonomy index; -1: none seen */
	uint64_t first_reported;	/* earliest created, any time */
	/* In the period only: */
	uint64_t first_seen, last_seen;	/* 0: none */
	uint32_t records;
	uint32_t nrep, caprep;		/* distinct reporters */
	uint32_t rep_inline[VD_REPS_INLINE];
	uint32_t *reps;			/* rep_inline, or malloc'd past it */
	uint32_t narticles;
	uint32_t articles[VIEW_ARTICLES_MAX];	/* indexes into articles */
};

struct vd_article {
	uint8_t id[32];
	uint64_t created;
	uint32_t rep;			/* its reporter */
	bool superseded;		/* a later version replaces it */
	bool has_sup;
	uint8_t supersedes[32];
	char title[BODY_TITLE_MAX + 1];
	char lang[36];
	size_t ntags;
	char (*tags)[BODY_TAG_MAX + 1];
	size_t nrefs;
	uint8_t (*refs)[32];
};

struct view_data {
	struct view_params p;		/* the params, period rounded */
	unsigned what;			/* VIEW_NEED bits scanned for */
	uint64_t since, until, prev_since;
	size_t nweeks;			/* weeks from prev_since to until */
	size_t ncat;			/* view_category_count() */
	size_t nrep;			/* distinct reporters of included origins */
	size_t words;			/* uint64 words per reporter bitset */
	/* Overview: per week, per row (categories, then sectors). */
	size_t ovrows;
	uint64_t *ov_records;		/* [week][row] */
	uint64_t *ov_bits;		/* [week][row][words] */
	/* Values (top, new), an open-addressing table of indexes + 1. */
	struct vd_value *vals;
	size_t nvals, capvals;
	uint32_t *slots;
	size_t nslots;
	/* Arena of value strings. */
	char **chunks;
	size_t nchunks, chunk_used;
	/* Articles (knowhow, and top's references). */
	struct vd_article *arts;
	size_t narts, caparts;
};

/* The reporters of v in the period. */
static inline const uint32_t *
vd_reps(const struct vd_value *v)
{
	return v->caprep > VD_REPS_INLINE ? v->reps : v->rep_inline;
}

/* Index of the top-level category of taxonomy id cat ("fraud" for
 * "fraud:phishing"), or -1. */
int view_category_index(const char *cat);

/* Index of a sector row: csirt..fsirt 0..3, anything else 4 ("none"). */
int view_sector_index(const char *sector);

/* Week start (Monday 00:00 UTC) at or before t. */
uint64_t view_week_floor(uint64_t t);

/* view.c: an empty view of kind; NULL when out of memory. */
struct view *view_new(int kind);
/* Adds a table of nrows x ncols zero cells to v; NULL when out of memory. */
struct view_table *view_add_table(struct view *v, const char *name,
    size_t nrows, size_t ncols);

#endif

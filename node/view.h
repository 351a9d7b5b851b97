/*
 * view.h - a coordinator's views of its region: k-anonymous aggregates.
 *
 * A regional coordinator holds its members' records like every node.  The
 * views turn them into counts that never expose one member:
 *
 *   overview   indicator records and distinct reporters per week, by top
 *              category and by xSIRT sector, for the period and for the
 *              period of the same length before it (the trend);
 *   top        indicators by distinct reporters, with first and last seen
 *              and the articles that reference them;
 *   new        indicators first reported in the period: the confirmed
 *              ones (at least k reporters) listed, all of them counted by
 *              category;
 *   health     which members' nodes are linked, lagging or silent (the
 *              coordinator's own roster members; nothing they reported);
 *   knowhow    articles published, by language and by tag.
 *
 * Reporters are members, not keys: rosters_reporter() (keys/roster.h)
 * maps each origin to the organization that counts toward k.
 *
 * Suppression.  Every cell that counts fewer than k distinct reporters
 * (but not zero) is suppressed, and so is every cell whose value could be
 * derived from the published totals and the other published cells
 * (complementary suppression, view_sup.h).  A suppressed cell shows no
 * number, and nothing tells a reader whether it was suppressed for its
 * own sake or to protect another.  An indicator is listed only when at
 * least k reporters reported or sighted it.  k is at least VIEW_K_MIN.
 *
 * Periods are whole weeks, Monday 00:00 UTC to Monday 00:00 UTC, so two
 * views of overlapping periods share whole week cells rather than
 * slivers that could be subtracted from each other.
 *
 * What is counted.  Records whose body this node holds (CLEAR and GREEN
 * records of others, all of its own): stubs (RED and AMBER records of
 * others, expired or retracted records) carry no category or value and
 * are not counted.  Records are placed by their created time; "seen"
 * sightings count as reporting a value (as for export_k), false-positive
 * and expired ones do not.
 *
 * A struct view is plain data, built by the functions below or by
 * view_merge() and view_from_json(), freed with view_free().  Nothing
 * here logs; errors are negative KY_E* codes.
 */
#ifndef KY_VIEW_H
#define KY_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "keys/roster.h"
#include "node/store.h"
#include "protocol/body.h"
#include "protocol/error.h"

#define VIEW_K_DEFAULT	5		/* members a published cell needs */
#define VIEW_K_MIN	BODY_VIEW_K_MIN	/* never below 3 */
#define VIEW_WEEK	(7 * 86400)	/* seconds */
#define VIEW_EPOCH_MONDAY (4 * 86400)	/* 1970-01-05, a Monday */
#define VIEW_WEEKS_DEFAULT 4		/* default period: the last 4 weeks */
#define VIEW_WEEKS_MAX	53		/* longest period */
#define VIEW_TOP_DEFAULT 20		/* indicators in top and new */
#define VIEW_ITEMS_MAX	256		/* indicators a view can list */
#define VIEW_ARTICLES_MAX 8		/* articles named per indicator */
#define VIEW_TAGS_MAX	30		/* rows of the knowhow tag table */
#define VIEW_KEY_MAX	64		/* bytes of a row key */
#define VIEW_LAG_MAX	1000		/* records behind: more is "lagging" */
#define VIEW_SILENT_AFTER 600		/* seconds without a frame: "silent" */

/* The row key of a table's total row. */
#define VIEW_TOTAL	"*"

enum view_kind {
	VIEW_OVERVIEW = 1,
	VIEW_TOP,
	VIEW_NEW,
	VIEW_HEALTH,
	VIEW_KNOWHOW,
};
#define VIEW_KIND_MAX VIEW_KNOWHOW

/* view_cell flags. */
#define VCELL_SUPPRESSED 0x1u	/* no number is shown */
#define VCELL_PARTIAL	0x2u	/* merged: some region's part is unknown, so
				   the numbers are lower bounds */

struct view_cell {
	uint64_t records;	/* records; values (new); articles (knowhow) */
	uint64_t reporters;	/* distinct reporters (members) */
	uint32_t flags;		/* VCELL_* */
	uint32_t regions;	/* merged: regions whose part is known */
};

/* A period [start, end): one week, or a whole period (a total column). */
struct view_col {
	uint64_t start;
	uint64_t end;
};

struct view_table {
	char name[33];		/* "category", "sector", "new", "lang", "tag" */
	bool truncated;		/* rows left out (tags beyond VIEW_TAGS_MAX):
				   a missing row is unknown, not zero */
	size_t nrows, ncols;
	char (*rows)[VIEW_KEY_MAX + 1];	/* row keys; VIEW_TOTAL: the total */
	struct view_col *cols;
	struct view_cell *cells;	/* nrows * ncols, row by row */
};

struct view_article {
	uint8_t id[32];
	char title[BODY_TITLE_MAX + 1];
	char lang[36];
};

/* One indicator of top or new. */
struct view_item {
	int type;			/* enum indicator_type */
	char *value;			/* normal form, malloc'd */
	char category[65];		/* "" when only sightings named it */
	uint64_t records;		/* records about it in the period */
	uint64_t reporters;		/* distinct reporters in the period */
	uint64_t first_seen, last_seen;	/* from the bodies; 0: not given */
	uint64_t first_reported;	/* created time of its first record */
	uint32_t flags;			/* VCELL_PARTIAL when merged */
	size_t narticles;
	struct view_article articles[VIEW_ARTICLES_MAX];
};

/* One roster member of the health view. */
struct view_member {
	uint8_t key[32];
	char name[ROSTER_NAME_MAX + 1];	/* the roster's name for it */
	char link[16];			/* "up", "handshake", "down", "none" */
	char state[16];			/* "linked", "lagging", "silent", "unknown" */
	int64_t lag;			/* records behind us; -1: not known */
	uint64_t last_seen;		/* unix time of its last frame; 0: never */
};

/* One region that went into a merged view. */
struct view_region {
	uint8_t origin[32];		/* the coordinator that signed it */
	uint8_t record_id[32];		/* its view record */
	char region[101];
	uint64_t since, until, created;
};

struct view {
	int kind;			/* enum view_kind */
	uint32_t k;
	uint64_t since, until;		/* the period, whole weeks */
	uint64_t prev_since;		/* overview: the period before */
	uint64_t generated;		/* now, when it was computed */
	char region[101];
	size_t ntables;
	struct view_table *tables;
	size_t nitems;
	struct view_item *items;
	size_t nmembers;
	struct view_member *members;
	bool daemon_running;		/* health: the status came from kyojod */
	size_t nregions;		/* merged: regions; 0: computed here */
	struct view_region *regions;
};

/* What to compute, and over what. */
struct view_params {
	uint64_t now;			/* unix time */
	uint64_t since, until;		/* 0: the defaults (see view_period) */
	uint32_t k;			/* 0: VIEW_K_DEFAULT; else >= VIEW_K_MIN */
	size_t top;			/* 0: VIEW_TOP_DEFAULT; at most VIEW_ITEMS_MAX */
	const struct rosters *rosters;	/* reporter identities; NULL: each key */
	const uint8_t *community;	/* only members of it (32 bytes); NULL: all */
	const char *region;		/* the region's name, for the output */
};

/*
 * Rounds the period of p to whole weeks: since down, until up to a
 * Monday.  Defaults: until is the Monday after now, since is
 * VIEW_WEEKS_DEFAULT weeks before it.  Errors (KY_EINVAL, *why): since
 * not before until, a period over VIEW_WEEKS_MAX weeks, k below
 * VIEW_K_MIN.
 */
int view_period(const struct view_params *p, uint64_t *since,
    uint64_t *until, const char **why) KY_WUR KY_NONNULL(1, 2, 3, 4);

/* "overview" -> VIEW_OVERVIEW ...; -1 when unknown. */
int view_kind_from_name(const char *name) KY_NONNULL(1);
const char *view_kind_name(int kind);

/*
 * What one pass over the store gathered (view_scan.c); build as many
 * views from it as wanted, then view_data_free().
 */
struct view_data;

/* view_scan() "what" bits: the views the pass must gather for. */
#define VIEW_NEED(kind)	(1u << (kind))

/*
 * Reads every record of t once (the changes feed, ADD entries) and
 * gathers what the views in `what` need.  t must stay open until
 * view_scan returns; nothing borrowed from it is kept.
 * Errors: KY_EINVAL (*why: the period or k), KY_ENOMEM, KY_ECORRUPT.
 */
int view_scan(struct store_txn *t, const struct view_params *p,
    unsigned what, struct view_data **out, const char **why)
    KY_WUR KY_NONNULL(1, 2, 4, 5);
void view_data_free(struct view_data **d);

/*
 * Builds one view (overview, top, new or knowhow) from d, suppressed for
 * k.  *out is the caller's (view_free).  Errors: KY_EINVAL (a view d was
 * not scanned for, or health), KY_ENOMEM.
 */
int view_build(const struct view_data *d, int kind, struct view **out)
    KY_WUR KY_NONNULL(1, 3);

/*
 * The health view: the members of every roster this node (self) signs,
 * with what kyojod's control op "status" answered (status: its JSON, or
 * NULL when kyojod does not run) about their links.  Errors: KY_EPERM
 * (*why: this node signs no roster), KY_ENOMEM.
 */
int view_health(const struct rosters *rs, const uint8_t self[32],
    const cJSON *status, uint64_t now, struct view **out, const char **why)
    KY_WUR KY_NONNULL(2, 5, 6);

void view_free(struct view **v);

/* The table named name in v, or NULL. */
const struct view_table *view_table_get(const struct view *v,
    const char *name) KY_NONNULL(1, 2);
/* The cell at (row key, column) of t, or NULL. */
const struct view_cell *view_cell_get(const struct view_table *t,
    const char *row, const struct view_col *col) KY_NONNULL(1, 2, 3);

/*
 * v as JSON: the body of a view record (view_record.h) with, for the
 * CLI's --json, the local extras (merged regions, partial flags, the
 * health members).  *out is the caller's.  With for_record, the extras
 * are left out and only what the protocol defines is written.
 * Errors: KY_ENOMEM.
 */
int view_to_json(const struct view *v, bool for_record, cJSON **out)
    KY_WUR KY_NONNULL(1, 3);

/*
 * Reads a view back from JSON written by view_to_json() (a view record's
 * body, already validated by body_parse()).  Errors: KY_EINVAL with
 * *why, KY_ENOMEM.
 */
int view_from_json(const cJSON *j, struct view **out, const char **why)
    KY_WUR KY_NONNULL(1, 2, 3);

/*
 * Combines the latest view record named kind of each coordinator held in
 * t into one view (view_merge.c).  origins (n keys of 32 bytes) limits
 * the regions to those coordinators; n 0: every origin that published
 * one.  Cells are sums of the published cells; a cell that some region
 * suppressed, or a period one region does not cover, is VCELL_PARTIAL
 * (a lower bound), and one no region published stays suppressed.
 * Reporters are summed, so a member of two regions counts twice.
 * Errors: KY_ENOTFOUND (no such view record), KY_EINVAL (health),
 * KY_ENOMEM, KY_ECORRUPT.
 */
int view_merge(struct store_txn *t, int kind, const uint8_t *origins,
    size_t n, struct view **out, const char **why)
    KY_WUR KY_NONNULL(1, 5, 6);

/*
 * The top-level category ids (the part of a taxonomy id before ':'), in
 * seed order; index i for 0 <= i < view_category_count().
 */
size_t view_category_count(void);
const char *view_category_at(size_t i);

/* The sector row keys: csirt, psirt, dsirt, fsirt, and "none". */
#define VIEW_SECTORS	5
extern const char *const view_sectors[VIEW_SECTORS];

#endif

/*
 * report_html.h - the coordinator's dashboard: one self-contained HTML
 * page (inline CSS and SVG charts, no scripts, no external assets),
 * readable offline and printable, in Japanese or English.
 *
 * The page shows the views of view.h: weekly trend lines per category,
 * a sector breakdown, the categories against the previous period, the
 * top indicators, what is new this period, know-how, and optionally the
 * members' health.  Every number in it comes from a view, so it is
 * already suppressed for k.  The page carries a Content-Security-Policy
 * that allows nothing but its inline style, so even a value that slipped
 * past escaping could not load or run anything.
 *
 * Serving it live (kyojod's HTTP listener): in the request handler, in
 * the answer file's read transaction,
 *
 *     struct report rep;
 *     rc = report_build(t, &params, true, status, self, &rep, &why);
 *     if (rc == 0)
 *             rc = report_html_write(answer_file, &rep, lang);
 *     report_clear(&rep);
 *
 * with params.now the clock and params.rosters the daemon's rosters;
 * answer "text/html; charset=utf-8" at /report.html (?lang=ja|en), only
 * to a consumer whose token allows it.  See docs/views.md.
 */
#ifndef KY_REPORT_HTML_H
#define KY_REPORT_HTML_H

#include <stdio.h>

#include <cJSON.h>

#include "node/view.h"

enum report_lang {
	REPORT_EN = 0,
	REPORT_JA = 1,
};

/* The views on one page; any may be NULL (its sections are left out). */
struct report {
	struct view *overview;
	struct view *top;
	struct view *fresh;		/* "new this period" */
	struct view *knowhow;
	struct view *health;		/* only when asked for */
	char region[101];
	uint64_t generated;
};

/* Receives the page in pieces; returns 0, or a KY_E* to stop. */
typedef int (*report_write_fn)(void *ctx, const char *buf, size_t len);

/* "ja" -> REPORT_JA, "en" -> REPORT_EN; -1 otherwise. */
int report_lang_from_name(const char *name) KY_NONNULL(1);

/*
 * Computes overview, top, new and knowhow in one pass over t and, with
 * health, the members' health from status (kyojod's "status" answer, or
 * NULL when it does not run) when self (may be NULL) signs a roster; a
 * node that signs none simply has no health section.  *r is the
 * caller's (report_clear).  Errors: those of view_scan() and
 * view_build().
 */
int report_build(struct store_txn *t, const struct view_params *p,
    bool health, const cJSON *status, const uint8_t *self,
    struct report *r, const char **why) KY_WUR KY_NONNULL(1, 2, 6, 7);

void report_clear(struct report *r);

/* Writes the page through fn.  Errors: the first error fn returned. */
int report_html_emit(const struct report *r, int lang, report_write_fn fn,
    void *ctx) KY_WUR KY_NONNULL(1, 3);

/* report_html_emit() into f.  Errors: KY_EIO. */
int report_html_write(FILE *f, const struct report *r, int lang)
    KY_WUR KY_NONNULL(1, 2);

#endif

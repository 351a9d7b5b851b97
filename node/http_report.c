/*
 * http_report.c - the coordinator's dashboard over HTTP (/report.html).
 *
 * Building the page reads every record of the period (about 1.5 s of one
 * core at a million records, docs/views.md), so a page is kept for a
 * minute: staff reloading the dashboard cost nothing, and what it shows
 * is at most a minute old.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/http_int.h"
#include "node/report_html.h"

#define REPORT_CACHE_SECS	60

static int
s_build(struct http *h, struct http_view *v, int lang, char **page,
    size_t *len, const char **why)
{
	struct view_params params = {
		.now = (uint64_t)time(NULL), .k = h->view_k,
		.rosters = v->policy.rosters, .region = h->region,
	};
	struct report r;
	struct store_txn *t;
	FILE *f;
	int rc;

	*page = NULL;
	*len = 0;
	if ((rc = store_read_begin(h->store, &t)) != 0)
		return *why = "cannot read the store", rc;
	memset(&r, 0, sizeof(r));
	rc = report_build(t, &params, false, NULL,
	    v->policy.have_self ? v->policy.self : NULL, &r, why);
	store_read_end(&t);
	if (rc != 0)
		return rc;
	if ((f = open_memstream(page, len)) == NULL) {
		report_clear(&r);
		return *why = "out of memory", KY_ENOMEM;
	}
	rc = report_html_write(f, &r, lang);
	if (fclose(f) != 0 && rc == 0)
		rc = KY_ENOMEM;
	report_clear(&r);
	if (rc != 0) {
		free(*page);
		*page = NULL;
		return *why = "cannot write the page", rc;
	}
	return 0;
}

int
http_report_page(struct http *h, struct http_view *v, int lang, char **page,
    size_t *len, const char **why)
{
	uint64_t now = (uint64_t)time(NULL);
	char *fresh;
	size_t n;
	int rc = 0;

	if (lang != REPORT_EN && lang != REPORT_JA)
		return *why = "unknown language", KY_EINVAL;
	/* One build at a time: a second request waits for the first one's
	 * page instead of reading the store again. */
	pthread_mutex_lock(&h->report_lock);
	if (h->report_page[lang] == NULL ||
	    now >= h->report_at[lang] + REPORT_CACHE_SECS ||
	    now < h->report_at[lang]) {
		if ((rc = s_build(h, v, lang, &fresh, &n, why)) == 0) {
			free(h->report_page[lang]);
			h->report_page[lang] = fresh;
			h->report_len[lang] = n;
			h->report_at[lang] = now;
		}
	}
	if (rc == 0) {
		*len = h->report_len[lang];
		if ((*page = malloc(*len ? *len : 1)) == NULL)
			rc = KY_ENOMEM, *why = "out of memory";
		else
			memcpy(*page, h->report_page[lang], *len);
	}
	pthread_mutex_unlock(&h->report_lock);
	return rc;
}

void
http_report_clear(struct http *h)
{
	for (int i = 0; i < 2; i++) {
		free(h->report_page[i]);
		h->report_page[i] = NULL;
	}
}

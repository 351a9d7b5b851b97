/*
 * http_int.h - what http.c, http_answer.c and http_send.c share; not an
 * API.  Answers are made in libmicrohttpd's internal thread; a reload
 * (http_reload, the daemon's main thread) publishes a new struct
 * http_view under http->lock.
 */
#ifndef KY_HTTP_INT_H
#define KY_HTTP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "node/export.h"
#include "node/http_conf.h"
#include "node/policy.h"
#include "node/store.h"

#define HTTP_ETAG_LEN	16	/* bytes of BLAKE2b behind an ETag */

struct MHD_Response;

/* Confidence floor of a consumer that was never capped: every entry. */
#define HTTP_NO_QUOTA	UINT64_MAX

/*
 * What one consumer may receive, and where its CrowdSec pulls stand.
 * conf and pc are fixed with the view; the rest is the consumer's state
 * after its last complete pull, read and written under http->lock only
 * (a reload carries it over to the next view).
 */
struct http_peer {
	const struct http_consumer *conf;	/* its http.conf line */
	struct policy_consumer pc;		/* name and TLP for policy.h */
	bool have_cursor;			/* a complete pull was answered */
	uint64_t cursor;			/* store cursor it covered */
	int64_t floor;				/* max=: it holds nothing below
						   this confidence (0: uncapped) */
	uint64_t quota;				/* max=: entries it may hold at
						   floor; HTTP_NO_QUOTA: all */
	uint64_t gen;				/* policy removals it was given:
						   those of views up to this one */
};

/*
 * What the listener serves with: http.conf, the export policy and the
 * consumers, as loaded at start or by the last reload.  Immutable once
 * published, except the peers' pull state (under http->lock) and prev
 * (the listener's thread only).  A request holds a reference from its
 * answer to its end, so a reload never frees what a request still uses.
 */
struct http_view {
	unsigned refs;			/* under http->lock: the listener's
					   and the requests' */
	struct http_conf *conf;		/* owned */
	struct policy policy;		/* owned */
	struct http_peer *peers;	/* one per consumer, same order */
	uint64_t gen;			/* 1 at start, +1 per reload */
	struct http_view *prev;		/* a reference to the view whose
					   policy consumers were last served
					   under, until the values it
					   exported and this one refuses are
					   noted; NULL: nothing to note */
};

/* A value the policy stopped exporting at a reload (an allowlist edit, a
 * keyring change), remembered for CrowdSec pulls: no store change shows
 * it, so no delta would name it. */
struct http_gone {
	int type;			/* enum indicator_type */
	uint8_t tlp;			/* of the record that carried it */
	char *value;			/* normal form, owned */
	uint64_t at;			/* unix time it was noted */
	uint64_t gen;			/* the view that stopped it */
};

/* The running listener. */
struct http {
	struct MHD_Daemon *mhd;		/* libmicrohttpd, with its thread */
	pthread_mutex_t lock;		/* view, refs, peers' pull state */
	struct http_view *view;		/* the current one; under lock */
	struct store *store;		/* borrowed from the daemon */
	struct export_journal *journal;	/* owned; names removed values */
	struct http_gone *gone;		/* listener's thread only */
	size_t ngone;			/* entries of gone in use */
	size_t gone_cap;		/* entries allocated */
	char listen[80];		/* the bound address, as written */
	char dir[CONFIG_PATH_MAX];	/* node directory: answer files */
	char region[201];		/* the dashboard's title (config) */
	uint32_t view_k;		/* the dashboard's k (config view_k) */
	pthread_mutex_t report_lock;	/* the cached pages below */
	char *report_page[2];		/* by enum report_lang; NULL: none */
	size_t report_len[2];
	uint64_t report_at[2];		/* unix time it was built */
};

/*
 * The coordinator's dashboard (http_report.c): the page of
 * `kyojo report --html` in lang (enum report_lang), for view v, built at
 * most once a minute (it reads the whole store).  *page is a malloc'd
 * copy, the caller's.  Errors: KY_ENOMEM, store errors, with *why.
 */
int http_report_page(struct http *h, struct http_view *v, int lang,
    char **page, size_t *len, const char **why);
void http_report_clear(struct http *h);

/* The view, with a reference the caller gives back with
 * http_view_release().  Any thread. */
struct http_view *http_view_acquire(struct http *h);

/* Drops a reference; frees the view when it was the last and the view
 * is no longer current.  NULL is fine. */
void http_view_release(struct http *h, struct http_view *v);

/*
 * Notes the values v->prev's policy exported and v's refuses (struct
 * http_gone), then drops v->prev.  The listener's thread, before v
 * answers.  Failures are logged; the values then leave bouncers when
 * their durations end.
 */
void http_gone_note(struct http *h, struct http_view *v);

/* An answer written to an unlinked file, ready to be sent. */
struct http_answer {
	int fd;				/* the file, read from offset 0; -1: none */
	uint64_t size;			/* bytes in it */
	char etag[2 * HTTP_ETAG_LEN + 1];	/* hex hash of the bytes */
	uint64_t entries;		/* entries written */
	uint64_t truncated;		/* entries the consumer's max left out */
	int64_t threshold;		/* lowest confidence kept when truncated */
	uint64_t cursor;		/* store cursor the answer covers */
	uint64_t deleted;		/* CrowdSec: entries in "deleted" */
	bool full;			/* CrowdSec: answered as startup */
	int64_t floor;			/* CrowdSec: pull state to keep once */
	uint64_t quota;			/*   the answer was sent whole (struct */
					/*   http_peer) */
};

/* A CrowdSec pull: the query's filters. */
struct http_pull {
	bool startup;			/* startup=true */
	bool since_known;		/* the consumer has a cursor */
	uint64_t since;			/* that cursor */
	int64_t floor;			/* its pull state (struct http_peer) */
	uint64_t quota;
	uint64_t gen;
	uint32_t types;			/* from scopes= (ip -> addresses, range
					   -> networks) */
	bool no_origin;			/* origins= does not name kyojo */
	const char *contains;		/* scenarios_containing=, or NULL */
	const char *not_contains;	/* scenarios_not_containing=, or NULL */
};

/* Closes a->fd if open. */
void http_answer_clear(struct http_answer *a);

/*
 * Writes the full export of x to consumer p of view v, for the types in
 * mask `types` (further limited by what x carries), capped by the
 * consumer's max.  Errors: the store's, the iterator's, KY_EIO (answer
 * file), KY_ENOMEM, with *why.
 */
int http_answer_export(struct http *h, const struct http_view *v,
    const struct http_peer *p, const struct exporter *x, uint32_t types,
    struct http_answer *a, const char **why) KY_WUR;

/*
 * Writes a CrowdSec stream answer.  Full (startup, an unknown cursor, or
 * one the journal cannot serve): every current decision in "new", and
 * in "deleted" what a restarted bouncer may still hold: the values the
 * export journal knows were exported and are not any more, and the
 * values reloads stopped in the last HTTP_GONE_SECS.  Else the changes
 * since q->since, and the values reloads stopped since the consumer's
 * last pull.  Both capped by the consumer's max (docs/http.md).
 * a->cursor, a->floor and a->quota are the pull state to remember once
 * the answer has been sent whole.  Errors: as http_answer_export().
 */
int http_answer_crowdsec(struct http *h, const struct http_view *v,
    const struct http_peer *p, const struct http_pull *q,
    struct http_answer *a, const char **why) KY_WUR;

/* How long a value stopped by a reload is named to bouncers that pull
 * with startup=true. */
#define HTTP_GONE_SECS	86400

/* Values remembered as stopped by reloads, at most; past it a reload
 * notes no more, and those values leave bouncers when their durations
 * end. */
#define HTTP_GONE_MAX	65536

/*
 * A response that streams a->fd (taken: the response closes it), gzip
 * compressed when gzip is set.  NULL when out of memory (a->fd is then
 * closed too).
 */
struct MHD_Response *http_send_file(struct http_answer *a, bool gzip);

#endif

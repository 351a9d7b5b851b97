/*
 * http_int.h - what http.c, http_answer.c and http_send.c share; not an
 * API.  Everything here runs in libmicrohttpd's internal thread.
 */
#ifndef KY_HTTP_INT_H
#define KY_HTTP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "node/export.h"
#include "node/http_conf.h"
#include "node/policy.h"
#include "node/store.h"

#define HTTP_ETAG_LEN	16	/* bytes of BLAKE2b behind an ETag */

struct MHD_Response;

/* What one consumer may receive, and where its CrowdSec pulls stand. */
struct http_peer {
	const struct http_consumer *conf;	/* its http.conf line */
	struct policy_consumer pc;		/* name and TLP for policy.h */
	bool have_cursor;			/* a complete pull was answered */
	uint64_t cursor;			/* store cursor it covered */
};

/* The running listener. */
struct http {
	struct MHD_Daemon *mhd;		/* libmicrohttpd, with its thread */
	struct http_conf *conf;		/* owned */
	struct store *store;		/* borrowed from the daemon */
	struct policy policy;		/* loaded at start */
	struct export_journal *journal;	/* owned; names removed values */
	struct http_peer *peers;	/* one per consumer, same order */
	char dir[CONFIG_PATH_MAX];	/* node directory: answer files */
};

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
};

/* A CrowdSec pull: the query's filters. */
struct http_pull {
	bool startup;			/* startup=true */
	bool since_known;		/* the consumer has a cursor */
	uint64_t since;			/* that cursor */
	uint32_t types;			/* from scopes= (ip -> addresses, range
					   -> networks) */
	bool no_origin;			/* origins= does not name kyojo */
	const char *contains;		/* scenarios_containing=, or NULL */
	const char *not_contains;	/* scenarios_not_containing=, or NULL */
};

/* Closes a->fd if open. */
void http_answer_clear(struct http_answer *a);

/*
 * Writes the full export of x to consumer p, for the types in mask
 * `types` (further limited by what x carries), capped by the consumer's
 * max.  Errors: the store's, the iterator's, KY_EIO (answer file),
 * KY_ENOMEM, with *why.
 */
int http_answer_export(struct http *h, const struct http_peer *p,
    const struct exporter *x, uint32_t types, struct http_answer *a,
    const char **why) KY_WUR;

/*
 * Writes a CrowdSec stream answer: every current decision (startup,
 * an unknown cursor, or one the journal cannot serve), else the changes
 * since q->since.  a->cursor is the cursor to remember once the answer
 * has been sent whole.  Errors: as http_answer_export().
 */
int http_answer_crowdsec(struct http *h, const struct http_peer *p,
    const struct http_pull *q, struct http_answer *a, const char **why)
    KY_WUR;

/*
 * A response that streams a->fd (taken: the response closes it), gzip
 * compressed when gzip is set.  NULL when out of memory (a->fd is then
 * closed too).
 */
struct MHD_Response *http_send_file(struct http_answer *a, bool gzip);

#endif

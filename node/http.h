/*
 * http.h - the optional HTTP pull listener of kyojod, for appliances that
 * can only fetch a list (Palo Alto EDL, FortiGate threat feeds,
 * pfSense/OPNsense URL tables) and for CrowdSec bouncers.
 *
 * Off unless DIR/http.conf exists (http_conf.h).  libmicrohttpd serves it
 * from its own polling thread; kyojod's zmq_poll loop is not involved.
 * Endpoints (GET and HEAD):
 *
 *   /lists/ipv4.txt    ipv4 and cidr4 values, one per line
 *   /lists/ipv6.txt    ipv6 and cidr6
 *   /lists/domains.txt domain and hostname
 *   /lists/urls.txt    url
 *   /export/FORMAT     any format of export.h (nft, ipset, suricata, zeek,
 *                      rpz, mikrotik, csv, json, ...), a full export
 *   /v1/decisions/stream?startup=true|false
 *                      CrowdSec's bouncer API: {"new":[...],"deleted":[...]}
 *                      for consumers marked crowdsec
 *
 * What goes out is decided by policy.h for each consumer (its TLP
 * ceiling, the node's allowlist, k reporters, PAP, confidence), through
 * export.h's iterators; the list endpoints use the plain format.
 *
 * Authentication: HTTP basic (user = consumer name, password = token) or
 * an X-Api-Key header holding the token.  Failures get 401 with
 * WWW-Authenticate and are logged with the consumer name at most, never
 * the token.
 *
 * Answers.  Each answer is written by the export iterator into an
 * unlinked file in DIR, inside one read transaction that ends before the
 * first byte is sent; the file is then streamed (gzip-compressed on the
 * fly when the client accepts gzip).  Memory stays constant whatever the
 * store holds, and a slow client never holds a read transaction open: in
 * this process, an open read transaction stops the store's map from
 * growing (store.h, Threads).  The transaction still lasts as long as
 * writing the answer takes (about half a second for 120,000 entries on
 * the build machine, twice that with a max= cap); a batch that needs
 * the map to double in that window fails with KY_EFULL, and is sent
 * again by peers' anti-entropy or by the submitter.
 *
 * ETag is a hash of the answer's bytes, so If-None-Match gives 304
 * exactly when the answer would be the same (for the plain lists: the
 * same set of values; formats that carry timeouts change every second).
 * A consumer's max=N keeps the N entries of highest confidence (ties in
 * the store's order) and reports the rest in X-Kyojo-Truncated and in
 * the log.
 *
 * CrowdSec.  startup=true answers every current decision, and in
 * "deleted" what a restarted bouncer may still hold: the values the
 * export journal knows were exported and are not any more, and those a
 * reload's policy stopped in the last day.  Later pulls answer the
 * changes since that consumer's last complete pull, using the changes
 * cursor of the store and export.h's journal for removals.  The cursor
 * is kept in memory only: after a restart of kyojod, the first pull of
 * each consumer is answered as if startup=true.  A consumer's max=N caps
 * these answers too, at the same cut-off as a full answer
 * (docs/http.md).  One consumer line per bouncer: two bouncers sharing
 * one token would take each other's changes.
 *
 * Reload.  http_reload() (SIGHUP, the control op "reload") reads
 * http.conf and the export policy again and publishes them as a new
 * immutable view; a request answers with the view it started with,
 * which lives until its last request ends.  Consumers whose line kept
 * its settings keep their CrowdSec position.
 *
 * Threads.  Every request, from authentication to the end of its
 * answer, runs in libmicrohttpd's one internal thread, so requests are
 * served one after another while answers are written.  The view and the
 * per-consumer positions are shared with the daemon's main thread under
 * a mutex (http_int.h).
 */
#ifndef KY_HTTP_H
#define KY_HTTP_H

#include "node/config.h"
#include "node/store.h"
#include "protocol/error.h"

struct http;	/* a running listener; see http.c */

/*
 * Starts the listener described by cfg->dir/http.conf, serving s (which
 * must outlive it, until http_stop()).  Returns 0 with *out the running
 * listener, or 0 with *out NULL when there is no http.conf.  Errors in
 * http.conf and in the export policy's allowlists are logged one per
 * line (file:line: why).  Errors, with a static *why: KY_EINVAL (http.conf
 * or an allowlist has errors), KY_EPERM, KY_EIO, KY_ENOMEM, KY_ENOTFOUND
 * (policy files), KY_ESYS (the address cannot be bound).
 */
int http_start(const struct config *cfg, struct store *s, struct http **out,
    const char **why) KY_WUR KY_NONNULL(1, 2, 3, 4);

/*
 * Reads cfg->dir/http.conf and the export policy again (SIGHUP, the
 * control op "reload"), from the daemon's main thread.  The new
 * consumers, tokens, caps and policy apply to requests that start
 * afterwards; a request already answering keeps what it started with.
 * A listener that is off starts when http.conf has appeared, and one
 * that is on stops when it is gone.  A changed listen address takes
 * effect at the next start (logged).  Errors are logged, and the
 * listener then goes on as it was.
 */
void http_reload(struct http **h, const struct config *cfg, struct store *s)
    KY_NONNULL(1, 2, 3);

/*
 * What `kyojod -n` checks: cfg->dir/http.conf, if there is one, and the
 * export policy it would serve with (its allowlists), without binding.
 * Each bad line goes to err as "file:line: why".  Returns 0 (also
 * without http.conf), else as http_start().
 */
int http_check(const struct config *cfg, config_error_fn err, void *ctx,
    const char **why) KY_WUR KY_NONNULL(1, 4);

/* Stops the listener (waits for its thread, drops open connections),
 * frees *h and sets it to NULL; nothing if h or *h is NULL. */
void http_stop(struct http **h);

#endif

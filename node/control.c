/*
 * control.c - the local control socket: requests from the kyojo CLI.
 *
 * A ZeroMQ ROUTER bound to ipc://DIR/control.sock, mode 0660, so access
 * is the file's permission (the node's user and group).  Each request is a
 * versioned JSON object; writes are answered only after their record was
 * committed.  Until our own head is confirmed by peers (a node restored
 * from an old backup must not fork its chain), requests wait in a queue.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <zmq.h>

#include "node/anon.h"
#include "node/ctlclient.h"
#include "node/daemon.h"
#include "node/log.h"
#include "node/submit.h"
#include "protocol/record.h"

#define WAITERS_MAX	1024	/* requests waiting for a commit */
#define HELD_MAX	256	/* requests held until our head is known */
#define CONTROL_ITEMS_MAX 100000	/* records in one request */

int
control_open(struct daemon *d)
{
	char endpoint[CONFIG_PATH_MAX + 8];
	int linger = 0, maxmsg = 32 << 20;

	ctlclient_path(d->cfg.dir, d->control_path, sizeof(d->control_path));
	(void)unlink(d->control_path);
	snprintf(endpoint, sizeof(endpoint), "ipc://%s", d->control_path);
	if ((d->control = zmq_socket(d->zctx, ZMQ_ROUTER)) == NULL ||
	    zmq_setsockopt(d->control, ZMQ_LINGER, &linger, sizeof(linger)) ||
	    zmq_setsockopt(d->control, ZMQ_MAXMSGSIZE, &(int64_t){ maxmsg },
	    sizeof(int64_t)) || zmq_bind(d->control, endpoint) != 0) {
		log_warn("control socket %s", d->control_path);
		return KY_ESYS;
	}
	if (chmod(d->control_path, 0660) != 0) {
		log_warn("chmod %s", d->control_path);
		return KY_ESYS;
	}
	return 0;
}

void
control_close(struct daemon *d)
{
	if (d->control != NULL) {
		zmq_close(d->control);
		d->control = NULL;
		(void)unlink(d->control_path);
	}
	for (size_t i = 0; i < d->n_held; i++)
		free(d->held[i].text);
	free(d->held);
	d->held = NULL;
	d->n_held = 0;
}

static void
s_send(struct daemon *d, const uint8_t *rid, size_t rid_len, cJSON *reply)
{
	char *text = cJSON_PrintUnformatted(reply);

	if (text == NULL)
		return;
	zmq_send(d->control, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(d->control, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(d->control, text, strlen(text), ZMQ_DONTWAIT);
	cJSON_free(text);
}

static void
s_error(struct daemon *d, const uint8_t *rid, size_t rid_len, const char *why)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddBoolToObject(r, "ok", false);
	cJSON_AddStringToObject(r, "error", why);
	s_send(d, rid, rid_len, r);
	cJSON_Delete(r);
}

static int
s_new_waiter(struct daemon *d, const uint8_t *rid, size_t rid_len)
{
	size_t i;

	for (i = 0; i < d->n_waiters; i++)
		if (d->waiters[i].rid_len == 0)
			break;
	if (i == d->n_waiters) {
		if (d->n_waiters == WAITERS_MAX)
			return -1;
		if (d->n_waiters == d->cap_waiters) {
			size_t cap = d->cap_waiters ? d->cap_waiters * 2 : 16;
			void *p = realloc(d->waiters, cap * sizeof(*d->waiters));

			if (p == NULL)
				return -1;
			d->waiters = p;
			d->cap_waiters = cap;
		}
		d->n_waiters++;
	}
	if ((d->waiters[i].ids = cJSON_CreateArray()) == NULL)
		return -1;
	memcpy(d->waiters[i].rid, rid, rid_len);
	d->waiters[i].rid_len = rid_len;
	d->waiters[i].remaining = 0;
	d->waiters[i].rc = 0;
	d->waiters[i].why = NULL;
	return (int)i;
}

static void
s_free_waiter(struct waiter *w)
{
	cJSON_Delete(w->ids);
	w->ids = NULL;
	w->rid_len = 0;
}

void
control_record_done(struct daemon *d, int waiter, int rc, const char *why,
    const uint8_t id[32])
{
	struct waiter *w = &d->waiters[waiter];
	char hex[65];
	cJSON *r;

	if (rc != 0 && w->rc == 0) {
		w->rc = rc;
		w->why = why;
	}
	record_hex(id, 32, hex);
	if (rc == 0)
		cJSON_AddItemToArray(w->ids, cJSON_CreateString(hex));
	if (--w->remaining > 0)
		return;
	if (w->rc != 0) {
		s_error(d, w->rid, w->rid_len, w->why ? w->why : ky_strerror(w->rc));
	} else {
		r = cJSON_CreateObject();
		cJSON_AddBoolToObject(r, "ok", true);
		cJSON_AddItemToObject(r, "ids", w->ids);
		w->ids = NULL;
		s_send(d, w->rid, w->rid_len, r);
		cJSON_Delete(r);
	}
	s_free_waiter(w);
}

static cJSON *
s_status(struct daemon *d)
{
	cJSON *r = cJSON_CreateObject(), *links = cJSON_CreateArray();
	char hex[65];
	long self = origins_find(d->origins, d->self);

	cJSON_AddBoolToObject(r, "ok", true);
	record_hex(d->self, 32, hex);
	cJSON_AddStringToObject(r, "key", hex);
	cJSON_AddStringToObject(r, "name", d->cfg.name);
	cJSON_AddStringToObject(r, "listen", d->cfg.listen);
	cJSON_AddBoolToObject(r, "own_head_confirmed", d->own_ready);
	cJSON_AddNumberToObject(r, "stored_this_run", (double)d->stored);
	cJSON_AddNumberToObject(r, "refused_this_run", (double)d->refused);
	cJSON_AddNumberToObject(r, "zap_refused", (double)zap_refused(d->zap));
	for (size_t k = 0; k < d->n_links; k++) {
		struct link *l = d->links[k];
		cJSON *o = cJSON_CreateObject();
		uint64_t lag = 0;

		for (size_t i = 0; l->synced && i < origins_count(d->origins); i++)
			if (d->contig[i] > l->their[i])
				lag += d->contig[i] - l->their[i];
		record_hex(l->key, 32, hex);
		cJSON_AddStringToObject(o, "name", l->name);
		cJSON_AddStringToObject(o, "key", hex);
		cJSON_AddStringToObject(o, "direction", l->outbound ? "outbound" : "inbound");
		cJSON_AddStringToObject(o, "endpoint", l->endpoint);
		cJSON_AddStringToObject(o, "state", l->state == LINK_UP ? "up" :
		    l->state == LINK_HELLO ? "handshake" : "down");
		cJSON_AddNumberToObject(o, "last_seen", (double)l->last_seen);
		cJSON_AddNumberToObject(o, "sent", (double)l->sent);
		cJSON_AddNumberToObject(o, "received", (double)l->received);
		cJSON_AddNumberToObject(o, "bytes_out", (double)l->bytes_out);
		cJSON_AddNumberToObject(o, "bytes_in", (double)l->bytes_in);
		cJSON_AddNumberToObject(o, "duplicates", (double)l->dups);
		cJSON_AddNumberToObject(o, "rejects", (double)l->rejects);
		if (l->synced)
			cJSON_AddNumberToObject(o, "lag", (double)lag);
		else
			cJSON_AddNullToObject(o, "lag");
		cJSON_AddItemToArray(links, o);
	}
	cJSON_AddItemToObject(r, "peers", links);
	cJSON_AddNumberToObject(r, "own_seq",
	    self >= 0 ? (double)d->contig[self] : 0);
	return r;
}

/* Seals the request to our coordinator (anon.h); answered once sent. */
static void
s_anonymous(struct daemon *d, const uint8_t *rid, size_t rid_len,
    const char *op, const cJSON *req)
{
	char coordinator[65];
	const char *why = NULL;
	cJSON *r;

	if (anon_send(d, op, req, coordinator, &why) != 0) {
		s_error(d, rid, rid_len, why);
		return;
	}
	r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "ok", true);
	cJSON_AddStringToObject(r, "relayed_to", coordinator);
	s_send(d, rid, rid_len, r);
	cJSON_Delete(r);
}

/* Handles one request; false when it must wait for our head. */
static bool
s_request(struct daemon *d, const uint8_t *rid, size_t rid_len,
    const char *text, size_t len)
{
	cJSON *req = cJSON_ParseWithLength(text, len), *r;
	const cJSON *op, *v, *items, *first;
	const char *why = NULL;
	uint8_t *rec = NULL;
	size_t rec_len;
	int w, rc, n_items = 0;

	if (req == NULL || !cJSON_IsObject(req)) {
		s_error(d, rid, rid_len, "request is not a JSON object");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(req, "v");
	op = cJSON_GetObjectItemCaseSensitive(req, "op");
	if (!cJSON_IsNumber(v) || v->valuedouble != CONTROL_VERSION) {
		s_error(d, rid, rid_len, "unsupported control protocol version");
		goto out;
	}
	if (!cJSON_IsString(op)) {
		s_error(d, rid, rid_len, "request has no op");
		goto out;
	}
	if (strcmp(op->valuestring, "status") == 0) {
		r = s_status(d);
		s_send(d, rid, rid_len, r);
		cJSON_Delete(r);
		goto out;
	}
	if (strcmp(op->valuestring, "reload") == 0) {
		d->reload = 1;
		r = cJSON_CreateObject();
		cJSON_AddBoolToObject(r, "ok", true);
		s_send(d, rid, rid_len, r);
		cJSON_Delete(r);
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "dry_run"))) {
		if (submit_dry_run(d, op->valuestring, req, &r, &why) != 0)
			s_error(d, rid, rid_len, why);
		else
			s_send(d, rid, rid_len, r);
		cJSON_Delete(r);
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "anonymous"))) {
		s_anonymous(d, rid, rid_len, op->valuestring, req);
		goto out;
	}
	if (!d->own_ready) {
		cJSON_Delete(req);
		return false;
	}
	if ((w = s_new_waiter(d, rid, rid_len)) < 0) {
		s_error(d, rid, rid_len, "daemon busy, try again");
		goto out;
	}
	/* One request, one or many records ("items"), one answer. */
	items = cJSON_GetObjectItemCaseSensitive(req, "items");
	if (items != NULL && (!cJSON_IsArray(items) ||
	    cJSON_GetArraySize(items) > CONTROL_ITEMS_MAX)) {
		s_free_waiter(&d->waiters[w]);
		s_error(d, rid, rid_len, "items: not an array of at most 100000");
		goto out;
	}
	first = items != NULL ? items->child : req;
	for (const cJSON *it = first; it != NULL; it = items ? it->next : NULL) {
		rc = submit_request(d, op->valuestring, it, &rec, &rec_len, &why);
		if (rc == 0 && daemon_enqueue(d, &rec, rec_len, NULL, w) != 0)
			rc = KY_ENOMEM, why = "out of memory";
		if (rc != 0) {
			free(rec);
			/* Records already queued still commit; report the
			 * first refusal with its item number. */
			snprintf(d->waiters[w].whybuf, sizeof(d->waiters[w].whybuf),
			    "item %d: %s", n_items + 1, why ? why : ky_strerror(rc));
			d->waiters[w].rc = rc;
			d->waiters[w].why = d->waiters[w].whybuf;
			break;
		}
		d->waiters[w].remaining++;
		n_items++;
	}
	if (d->waiters[w].remaining == 0) {
		s_error(d, rid, rid_len, d->waiters[w].why ? d->waiters[w].why :
		    "no items");
		s_free_waiter(&d->waiters[w]);
	}
out:
	cJSON_Delete(req);
	return true;
}

static void
s_hold(struct daemon *d, const uint8_t *rid, size_t rid_len, const char *text,
    size_t len)
{
	struct held *h;

	if (d->held == NULL &&
	    (d->held = calloc(HELD_MAX, sizeof(*d->held))) == NULL)
		return;
	if (d->n_held == HELD_MAX) {
		s_error(d, rid, rid_len, "too many requests waiting for peers");
		return;
	}
	h = &d->held[d->n_held];
	if ((h->text = strndup(text, len)) == NULL)
		return;
	memcpy(h->rid, rid, rid_len);
	h->rid_len = rid_len;
	d->n_held++;
}

void
control_handle(struct daemon *d)
{
	for (int budget = 256; budget > 0; budget--) {
		zmq_msg_t rid, delim, body;

		zmq_msg_init(&rid);
		zmq_msg_init(&delim);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&rid, d->control, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&delim);
			zmq_msg_close(&body);
			return;
		}
		if (zmq_msg_more(&rid) &&
		    zmq_msg_recv(&delim, d->control, ZMQ_DONTWAIT) >= 0 &&
		    zmq_msg_more(&delim) &&
		    zmq_msg_recv(&body, d->control, ZMQ_DONTWAIT) >= 0 &&
		    zmq_msg_size(&rid) <= sizeof(((struct waiter *)0)->rid)) {
			if (!s_request(d, zmq_msg_data(&rid), zmq_msg_size(&rid),
			    zmq_msg_data(&body), zmq_msg_size(&body)))
				s_hold(d, zmq_msg_data(&rid), zmq_msg_size(&rid),
				    zmq_msg_data(&body), zmq_msg_size(&body));
		}
		zmq_msg_close(&rid);
		zmq_msg_close(&delim);
		zmq_msg_close(&body);
	}
}

void
control_resume(struct daemon *d)
{
	size_t i;

	if (!d->own_ready || d->n_held == 0)
		return;
	for (i = 0; i < d->n_held; i++) {
		(void)s_request(d, d->held[i].rid, d->held[i].rid_len,
		    d->held[i].text, strlen(d->held[i].text));
		free(d->held[i].text);
	}
	d->n_held = 0;
}

/*
 * anon.c - anonymous reporting through the coordinator (anon.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "node/anon.h"
#include "node/log.h"
#include "node/submit.h"
#include "protocol/frame.h"
#include "protocol/json.h"

/* What a report may carry across: everything else is dropped, so nothing
 * the member's software adds can identify it (first_seen and last_seen
 * included: the coordinator's clock dates the report). */
static const char *const s_fields[] = {
	"type", "value", "category", "confidence", "ttl", "tags", "attack",
	"note", "verdict", "tlp", "pap", "sector",
};

static bool
s_allowed(const char *key)
{
	for (size_t i = 0; i < sizeof(s_fields) / sizeof(s_fields[0]); i++)
		if (strcmp(key, s_fields[i]) == 0)
			return true;
	return false;
}

/* A copy of one report with only the allowed fields. */
static cJSON *
s_clean(const cJSON *item)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *m;

	if (out == NULL || !cJSON_IsObject(item))
		return out;
	cJSON_ArrayForEach(m, item)
		if (m->string != NULL && s_allowed(m->string))
			cJSON_AddItemToObject(out, m->string,
			    cJSON_Duplicate(m, true));
	return out;
}

/* The coordinator to send to: named, or the only one listing us. */
static int
s_coordinator(struct daemon *d, const cJSON *req, uint8_t key[32],
    const char **why)
{
	const char *named = NULL;
	bool found = false;

	if (json_get_str(req, "coordinator", 64, 0, &named) != 0 ||
	    (named != NULL && (strlen(named) != 64 ||
	    record_unhex(named, key, 32) != 0)))
		return *why = "coordinator: not a key (64 hex digits)",
		    KY_EINVAL;
	for (size_t i = 0; d->rosters != NULL &&
	    i < rosters_count(d->rosters); i++) {
		const struct roster *ro = rosters_at(d->rosters, i);

		if (roster_find(ro, d->self) == NULL ||
		    memcmp(ro->coordinator, d->self, 32) == 0)
			continue;
		if (named != NULL) {
			if (memcmp(ro->coordinator, key, 32) == 0)
				return 0;
			continue;
		}
		if (found && memcmp(key, ro->coordinator, 32) != 0)
			return *why = "anonymous: several coordinators list this "
			    "node; name one with --coordinator KEY", KY_EINVAL;
		memcpy(key, ro->coordinator, 32);
		found = true;
	}
	if (found)
		return 0;
	return *why = named != NULL ? "anonymous: that coordinator's roster "
	    "does not list this node" : "anonymous: no coordinator's roster "
	    "lists this node", KY_ENOTFOUND;
}

/*
 * One report as it leaves this node: normalized and scrubbed exactly as
 * if this node were to sign it (submit_dry_run), so nothing internal
 * leaves even sealed, and the member sees its own refusals.  Only the
 * allowed fields of that body go, plus the request's ttl and markings
 * (which live in the header, not the body).
 */
static int
s_prepare(struct daemon *d, const char *op, const cJSON *item, cJSON **out,
    const char **why)
{
	static const char *const header[] = { "ttl", "tlp", "pap" };
	cJSON *answer = NULL, *clean;
	const cJSON *v;
	int rc;

	*out = NULL;
	if ((rc = submit_dry_run(d, op, item, &answer, why)) != 0)
		return rc;
	clean = s_clean(json_get(answer, "body"));
	cJSON_Delete(answer);
	if (clean == NULL)
		return KY_ENOMEM;
	/* The dry run filled in this node's defaults (sector, confidence):
	 * they could single the member out; the coordinator's apply. */
	if (json_get(item, "sector") == NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(clean, "sector");
	if (json_get(item, "confidence") == NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(clean, "confidence");
	for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
		if ((v = json_get(item, header[i])) != NULL)
			cJSON_AddItemToObject(clean, header[i],
			    cJSON_Duplicate(v, true));
	*out = clean;
	return 0;
}

int
anon_send(struct daemon *d, const char *op, const cJSON *req,
    char coordinator_hex[65], const char **why)
{
	uint8_t key[32], curve[32], *box = NULL, *frame = NULL;
	const cJSON *items = json_get(req, "items"), *it;
	struct link *link = NULL;
	cJSON *plain, *reports;
	char *text = NULL;
	size_t len, n;
	int rc;

	if (strcmp(op, "submit") != 0 && strcmp(op, "sight") != 0)
		return *why = "anonymous: only submit and sight", KY_EINVAL;
	if ((rc = s_coordinator(d, req, key, why)) != 0)
		return rc;
	for (size_t k = 0; k < d->n_links && link == NULL; k++)
		if (d->links[k]->state == LINK_UP &&
		    memcmp(d->links[k]->key, key, 32) == 0)
			link = d->links[k];
	if (link == NULL)
		return *why = "anonymous: no link to the coordinator is up",
		    KY_ETIMEOUT;
	if ((plain = cJSON_CreateObject()) == NULL)
		return KY_ENOMEM;
	cJSON_AddStringToObject(plain, "op", op);
	reports = cJSON_AddArrayToObject(plain, "items");
	rc = 0;
	for (it = items != NULL ? items->child : req; it != NULL && rc == 0;
	    it = items != NULL ? it->next : NULL) {
		cJSON *one;

		if ((rc = s_prepare(d, op, it, &one, why)) == 0)
			cJSON_AddItemToArray(reports, one);
	}
	if (rc == 0 && (text = cJSON_PrintUnformatted(plain)) == NULL)
		rc = KY_ENOMEM;
	cJSON_Delete(plain);
	if (rc != 0)
		return rc;
	len = strlen(text);
	if (len + crypto_box_SEALBYTES > FRAME_SEALED_MAX) {
		cJSON_free(text);
		return *why = "anonymous: request over 64 KiB; send fewer items",
		    KY_ETOOBIG;
	}
	box = malloc(len + crypto_box_SEALBYTES);
	frame = malloc(1 + len + crypto_box_SEALBYTES);
	if (box == NULL || frame == NULL)
		rc = KY_ENOMEM;
	else if (crypto_sign_ed25519_pk_to_curve25519(curve, key) != 0 ||
	    crypto_box_seal(box, (const uint8_t *)text, len, curve) != 0)
		rc = KY_ESYS, *why = "anonymous: sealing failed";
	else if ((n = frame_sealed(frame, 1 + len + crypto_box_SEALBYTES, box,
	    len + crypto_box_SEALBYTES)) == 0 || link_send(link, frame, n) != 0)
		rc = KY_EFULL, *why = "anonymous: the link is busy, try again";
	sodium_memzero(text, len);
	cJSON_free(text);
	free(box);
	free(frame);
	if (rc == 0)
		record_hex(key, 32, coordinator_hex);
	return rc;
}

/* The roster of ours that lists key, or NULL. */
static const struct roster *
s_our_member(const struct daemon *d, const uint8_t key[32])
{
	for (size_t i = 0; d->rosters != NULL &&
	    i < rosters_count(d->rosters); i++) {
		const struct roster *ro = rosters_at(d->rosters, i);

		if (memcmp(ro->coordinator, d->self, 32) == 0 &&
		    roster_find(ro, key) != NULL)
			return ro;
	}
	return NULL;
}

/* Counts one sealed request of key; false when over ANON_RATE_HOUR. */
static bool
s_rate_ok(struct daemon *d, const uint8_t key[32])
{
	uint64_t hour = daemon_now() / 3600;
	struct anon_count *c = NULL;

	for (size_t i = 0; i < d->n_anon && c == NULL; i++)
		if (memcmp(d->anon[i].key, key, 32) == 0)
			c = &d->anon[i];
	if (c == NULL) {
		struct anon_count *na = realloc(d->anon,
		    (d->n_anon + 1) * sizeof(*na));

		if (na == NULL)
			return false;
		d->anon = na;
		c = &na[d->n_anon++];
		memcpy(c->key, key, 32);
		c->hour = hour;
		c->n = 0;
	}
	if (c->hour != hour) {
		c->hour = hour;
		c->n = 0;
	}
	return ++c->n <= ANON_RATE_HOUR;
}

static void
s_republish(struct daemon *d, const char *op, const cJSON *items)
{
	const cJSON *it;
	size_t ok = 0, refused = 0;

	cJSON_ArrayForEach(it, items) {
		cJSON *clean = s_clean(it);
		const char *why = NULL;
		uint8_t *rec = NULL;
		size_t len;
		int rc;

		/* submit_request scrubs and normalizes again, as for any
		 * report of ours: the member's node is not trusted to. */
		rc = clean == NULL ? KY_ENOMEM :
		    submit_request(d, op, clean, &rec, &len, &why);
		if (rc == 0 && daemon_enqueue(d, &rec, len, NULL, -1) != 0)
			rc = KY_ENOMEM;
		cJSON_Delete(clean);
		if (rc != 0) {
			free(rec);
			refused++;
			log_info("anonymous report refused: %s",
			    why ? why : ky_strerror(rc));
			continue;
		}
		ok++;
	}
	log_info("anonymous %s: %zu republished under our key, %zu refused",
	    op, ok, refused);
}

void
anon_on_sealed(struct daemon *d, struct link *l, const uint8_t *box,
    size_t len)
{
	const char *why = NULL, *op = NULL;
	const cJSON *items;
	uint8_t *plain;
	cJSON *req = NULL;

	if (s_our_member(d, l->key) == NULL) {
		log_warnx("peer %s: sealed report refused: not on a roster of "
		    "ours", l->name);
		return;
	}
	if (!s_rate_ok(d, l->key)) {
		log_warnx("sealed report refused: a member is over %d per hour",
		    ANON_RATE_HOUR);
		return;
	}
	if (!d->own_ready) {
		log_warnx("sealed report refused: our own head is not "
		    "confirmed yet");
		return;
	}
	if ((plain = malloc(len - crypto_box_SEALBYTES)) == NULL)
		return;
	if (ident_seal_open(d->ident, box, len, plain) != 0) {
		log_warnx("peer %s: sealed report does not open", l->name);
		free(plain);
		return;
	}
	if (json_parse_strict(plain, len - crypto_box_SEALBYTES, &req,
	    &why) != 0 ||
	    json_get_str(req, "op", 16, 1, &op) != 0 ||
	    (strcmp(op, "submit") != 0 && strcmp(op, "sight") != 0) ||
	    !cJSON_IsArray(items = json_get(req, "items")))
		log_warnx("sealed report refused: %s",
		    why ? why : "not a submit or sight request");
	else
		s_republish(d, op, items);
	sodium_memzero(plain, len - crypto_box_SEALBYTES);
	free(plain);
	cJSON_Delete(req);
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "node/log.h"
#include "node/scrub.h"
#include "node/submit.h"
#include "node/view_record.h"
#include "protocol/body.h"
#include "protocol/indicator.h"
#include "protocol/json.h"
#include "protocol/scope.h"
#include "protocol/seal.h"
#include "protocol/taxonomy.h"

void
submit_reload_own(struct daemon *d)
{
	struct store_txn *t;
	struct store_head h;

	d->own_next = 1;
	memset(d->own_prev, 0, sizeof(d->own_prev));
	if (store_read_begin(d->store, &t) != 0)
		return;
	if (store_head(t, d->self, &h) == 0 && h.max > 0) {
		d->own_next = h.max + 1;
		memcpy(d->own_prev, h.last_id, 32);
	}
	store_read_end(&t);
}

/*
 * Our head is confirmed when every peer that told us its vector holds no
 * more of our own chain than we do (it would have streamed it to us), or
 * when OWN_HEAD_WAIT passed without any peer answering.
 */
void
submit_tick(struct daemon *d)
{
	long self;
	bool any = false;

	if (d->own_ready)
		return;
	if (daemon_origin(d, d->self, &self) != 0)
		return;
	for (size_t k = 0; k < d->n_links; k++) {
		struct link *l = d->links[k];

		if (l->state != LINK_UP || !l->synced)
			continue;
		if (l->their[self] > d->contig[self])
			return;		/* it is still sending us our records */
		any = true;
	}
	if (!any && daemon_now() < d->own_deadline)
		return;
	d->own_ready = true;
	submit_reload_own(d);
	log_info("own head confirmed at seq %llu%s",
	    (unsigned long long)(d->own_next - 1),
	    any ? " by peers" : " (no peer answered in time)");
}

/*
 * A dry run (submit_dry_run) goes through every step of building a
 * record, scrubbing included, and stops where signing would begin: the
 * body is kept here instead, and no seq is used.
 */
static struct {
	bool on;
	cJSON *body;		/* the body as it would be signed */
	cJSON *redactions;	/* what scrubbing replaced */
} s_dry;

/*
 * The recipients of a sealed body: this node (or it could not read its
 * own record), then every key of the request's "to".  RED goes only over
 * direct links, so each of its recipients must be a peer of ours.
 */
static int
s_recipients(struct daemon *d, uint8_t tlp, const cJSON *to,
    uint8_t (*keys)[32], size_t *n, const char **why)
{
	const cJSON *it;

	memcpy(keys[0], d->self, 32);
	*n = 1;
	if (to != NULL && !cJSON_IsArray(to))
		return *why = "to: not an array of keys", KY_EINVAL;
	cJSON_ArrayForEach(it, to) {
		uint8_t k[32];
		bool dup = false, peer = false;

		if (!cJSON_IsString(it) || strlen(it->valuestring) != 64 ||
		    record_unhex(it->valuestring, k, 32) != 0)
			return *why = "to: not a key (64 hex digits)", KY_EINVAL;
		for (size_t i = 0; i < *n; i++)
			dup |= memcmp(keys[i], k, 32) == 0;
		if (dup)
			continue;
		for (size_t l = 0; l < d->n_links; l++)
			peer |= memcmp(d->links[l]->key, k, 32) == 0;
		if (tlp == TLP_RED && !peer)
			return *why = "to: RED goes only over direct links, and "
			    "a recipient is not a peer of this node", KY_ESCOPE;
		if (*n == SEAL_RECIPIENTS_MAX)
			return *why = "to: more than 63 recipients", KY_ETOOBIG;
		memcpy(keys[(*n)++], k, 32);
	}
	if (*n == 1)
		return *why = "AMBER and RED bodies are sealed to named "
		    "recipients: name them with --to KEY", KY_EINVAL;
	return 0;
}

/* Signs body as our next record; a body TLP requires sealed is sealed
 * to this node and the keys in to (seal.h). */
static int
s_sign_in(struct daemon *d, uint8_t kind, uint8_t tlp, uint8_t pap,
    const uint8_t *community, const cJSON *to, uint64_t expires,
    cJSON *body, uint8_t **rec, size_t *len, const char **why)
{
	struct record_header h = { .kind = kind, .tlp = tlp, .pap = pap,
	    .seq = d->own_next, .created = daemon_now(), .expires = expires };
	uint8_t salt[16], keys[SEAL_RECIPIENTS_MAX][32], *env = NULL;
	size_t n_keys = 0, env_len = 0;
	char hex[33], *text;
	cJSON *check;
	int rc;

	if (seal_required(&h) &&
	    (rc = s_recipients(d, tlp, to, keys, &n_keys, why)) != 0)
		return rc;
	if (s_dry.on) {
		*rec = NULL;
		*len = 0;
		return (s_dry.body = cJSON_Duplicate(body, true)) == NULL ?
		    KY_ENOMEM : 0;
	}

	/* Bodies that only travel as stubs get a salt, so their hash
	 * cannot be confirmed by guessing (scope.h). */
	if (scope_tlp_is_private(tlp)) {
		randombytes_buf(salt, sizeof(salt));
		record_hex(salt, sizeof(salt), hex);
		cJSON_AddStringToObject(body, "salt", hex);
	}
	if ((text = cJSON_PrintUnformatted(body)) == NULL)
		return KY_ENOMEM;
	rc = body_parse(kind, (const uint8_t *)text, strlen(text), &check, why);
	if (rc == 0) {
		cJSON_Delete(check);
		if (n_keys > 0)
			rc = seal_body(kind, (const uint8_t *)text, strlen(text),
			    (const uint8_t (*)[32])keys, n_keys, &env, &env_len,
			    why);
	}
	if (rc == 0) {
		memcpy(h.origin, d->self, 32);
		memcpy(h.prev, d->own_prev, 32);
		if (community != NULL)
			memcpy(h.community, community, 32);
		rc = env != NULL ?
		    record_encode(&h, (const char *)env, env_len, ident_sign,
		    d->ident, rec, len, why) :
		    record_encode(&h, text, strlen(text), ident_sign, d->ident,
		    rec, len, why);
	}
	free(env);
	sodium_memzero(text, strlen(text));
	cJSON_free(text);
	if (rc != 0)
		return rc;
	crypto_generichash(d->own_prev, 32, *rec, RECORD_HEADER_LEN, NULL, 0);
	d->own_next++;
	return 0;
}

static int
s_sign(struct daemon *d, uint8_t kind, uint8_t tlp, uint8_t pap,
    uint64_t expires, cJSON *body, uint8_t **rec, size_t *len,
    const char **why)
{
	return s_sign_in(d, kind, tlp, pap, NULL, NULL, expires, body, rec, len,
	    why);
}

/* Reads an optional marking; -1 with *why on a bad name. */
static int
s_marking(const cJSON *req, const char *key, int def,
    int (*from_name)(const char *), const char **why)
{
	const cJSON *v = json_get(req, key);
	int m;

	if (v == NULL)
		return def;
	if (!cJSON_IsString(v) || (m = from_name(v->valuestring)) < 0) {
		*why = strcmp(key, "tlp") == 0 ? "tlp: unknown marking" :
		    "pap: unknown marking";
		return -1;
	}
	return m;
}

/* Copies an optional member of req into body, if present. */
static void
s_copy(cJSON *body, const cJSON *req, const char *key)
{
	const cJSON *v = json_get(req, key);

	if (v != NULL)
		cJSON_AddItemToObject(body, key, cJSON_Duplicate(v, true));
}

/*
 * Replaces the string member key of body by its scrubbed text (scrub.h):
 * personal and internal details become visible markers before anything
 * is signed.  A dry run lists each redaction.
 */
static int
s_scrub_member(struct daemon *d, cJSON *body, const char *key,
    const char **why)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
	struct scrub_report rep;
	char *out = NULL;
	size_t out_len;
	int rc;

	if (d->scrub == NULL || !cJSON_IsString(v))
		return 0;
	scrub_report_init(&rep);
	rc = scrub_text(d->scrub, v->valuestring, strlen(v->valuestring), &out,
	    &out_len, &rep);
	if (rc != 0) {
		scrub_report_clear(&rep);
		return *why = rc == KY_ENOMEM ? "out of memory" :
		    "text: not valid UTF-8, or too long", rc;
	}
	for (size_t i = 0; s_dry.on && i < rep.n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "member", key);
		cJSON_AddStringToObject(o, "kind",
		    scrub_kind_name(rep.hits[i].kind));
		cJSON_AddItemToObject(o, "original", cJSON_CreateString(""));
		free(cJSON_GetObjectItem(o, "original")->valuestring);
		cJSON_GetObjectItem(o, "original")->valuestring =
		    strndup(v->valuestring + rep.hits[i].off, rep.hits[i].len);
		cJSON_AddStringToObject(o, "why", rep.hits[i].why);
		cJSON_AddItemToArray(s_dry.redactions, o);
	}
	scrub_report_clear(&rep);
	/* Fail closed: a text that could not be replaced is not signed. */
	v = cJSON_CreateString(out);
	free(out);
	if (v == NULL || !cJSON_ReplaceItemInObjectCaseSensitive(body, key, v)) {
		cJSON_Delete(v);
		return *why = "out of memory", KY_ENOMEM;
	}
	return 0;
}

static int
s_typed_value(struct daemon *d, cJSON *body, const cJSON *req,
    const char **why)
{
	char norm[INDICATOR_VALUE_MAX + 1];
	const char *type = NULL, *value = NULL;
	int t;

	if (json_get_str(req, "type", 16, 1, &type) != 0 ||
	    (t = indicator_type_from_name(type)) < 0)
		return *why = "type: unknown indicator type", KY_EINVAL;
	if (json_get_str(req, "value", 8192, 1, &value) != 0)
		return *why = "value: missing", KY_EINVAL;
	if (indicator_normalize(t, value, strlen(value), norm, sizeof(norm),
	    why) != 0)
		return KY_EINVAL;
	/* Fail closed: nothing internal, special-use or our own is signed. */
	if (d->scrub != NULL && scrub_indicator(d->scrub, t, norm, strlen(norm),
	    d->scrub_why, sizeof(d->scrub_why)) != 0)
		return *why = d->scrub_why, KY_EINVAL;
	cJSON_AddStringToObject(body, "type", type);
	cJSON_AddStringToObject(body, "value", norm);
	return 0;
}

static int
s_submit(struct daemon *d, const cJSON *req, uint8_t **rec, size_t *len,
    const char **why)
{
	int tlp = s_marking(req, "tlp", (int)d->cfg.default_tlp,
	    record_tlp_from_name, why);
	int pap = s_marking(req, "pap", (int)d->cfg.default_pap,
	    record_pap_from_name, why);
	int64_t confidence = d->cfg.default_confidence, ttl = d->cfg.default_ttl;
	const char *category = "other:undetermined";
	uint64_t now = daemon_now();
	cJSON *body;
	int rc;

	if (tlp < 0 || pap < 0)
		return KY_EINVAL;
	if (json_get_int(req, "confidence", 0, 100, 0, &confidence) != 0)
		return *why = "confidence: out of range 0..100", KY_EINVAL;
	if (json_get_int(req, "ttl", 60, 10LL * 365 * 86400, 0, &ttl) != 0)
		return *why = "ttl: out of range (1 minute to 10 years)", KY_EINVAL;
	if (json_get_str(req, "category", TAXONOMY_ID_MAX, 0, &category) != 0)
		return *why = "category: not a string", KY_EINVAL;
	if ((body = cJSON_CreateObject()) == NULL)
		return KY_ENOMEM;
	if ((rc = s_typed_value(d, body, req, why)) == 0) {
		cJSON_AddStringToObject(body, "category", category);
		cJSON_AddNumberToObject(body, "confidence", (double)confidence);
		cJSON_AddNumberToObject(body, "first_seen", (double)now);
		cJSON_AddNumberToObject(body, "last_seen", (double)now);
		if (json_get(req, "sector") != NULL)
			s_copy(body, req, "sector");
		else if (d->cfg.sector[0] != '\0')
			cJSON_AddStringToObject(body, "sector", d->cfg.sector);
		s_copy(body, req, "tags");
		s_copy(body, req, "attack");
		s_copy(body, req, "note");
		rc = s_scrub_member(d, body, "note", why);
	}
	if (rc == 0) {
		rc = s_sign_in(d, RK_INDICATOR, (uint8_t)tlp, (uint8_t)pap,
		    NULL, json_get(req, "to"), now + (uint64_t)ttl, body, rec,
		    len, why);
	}
	cJSON_Delete(body);
	return rc;
}

static int
s_sight(struct daemon *d, const cJSON *req, uint8_t **rec, size_t *len,
    const char **why)
{
	const char *verdict = "seen";
	int64_t ttl = d->cfg.default_ttl;
	uint64_t now = daemon_now();
	cJSON *body;
	int rc;

	if (json_get_str(req, "verdict", 32, 0, &verdict) != 0 ||
	    body_verdict_from_name(verdict) < 0)
		return *why = "verdict: not one of seen, false-positive, expired",
		    KY_EINVAL;
	if ((body = cJSON_CreateObject()) == NULL)
		return KY_ENOMEM;
	if ((rc = s_typed_value(d, body, req, why)) == 0) {
		cJSON_AddNumberToObject(body, "count", 1);
		cJSON_AddNumberToObject(body, "first_seen", (double)now);
		cJSON_AddNumberToObject(body, "last_seen", (double)now);
		cJSON_AddStringToObject(body, "verdict", verdict);
		rc = s_sign_in(d, RK_SIGHTING, (uint8_t)d->cfg.default_tlp,
		    (uint8_t)d->cfg.default_pap, NULL, json_get(req, "to"),
		    now + (uint64_t)ttl, body, rec, len, why);
	}
	cJSON_Delete(body);
	return rc;
}

/* Copies the header of record id out of a short read transaction. */
static int
s_header(struct daemon *d, const uint8_t id[32], struct record_header *h)
{
	struct store_txn *t;
	struct record r;
	int rc;

	if ((rc = store_read_begin(d->store, &t)) != 0)
		return rc;
	if ((rc = store_get(t, id, &r)) == 0)
		*h = r.h;
	store_read_end(&t);
	return rc;
}

static int
s_retract(struct daemon *d, const cJSON *req, uint8_t **rec, size_t *len,
    const char **why)
{
	const char *ref = NULL, *reason = NULL;
	struct record_header h;
	uint8_t id[32];
	cJSON *body;
	int rc;

	if (json_get_str(req, "id", 64, 1, &ref) != 0 || strlen(ref) != 64 ||
	    record_unhex(ref, id, sizeof(id)) != 0)
		return *why = "id: not a record id (64 hex digits)", KY_EINVAL;
	if (json_get_str(req, "reason", 500, 0, &reason) != 0)
		return *why = "reason: over 500 bytes", KY_EINVAL;
	if ((rc = s_header(d, id, &h)) != 0)
		return *why = "no such record here", KY_ENOTFOUND;
	if (memcmp(h.origin, d->self, 32) != 0)
		return *why = "only the record's origin can retract it", KY_EPERM;
	/* A retraction travels readable (relays prune with it), so the
	 * reason of a retracted AMBER or RED record would leak. */
	if (reason != NULL && scope_tlp_is_private(h.tlp))
		return *why = "reason: a retraction travels readable; give no "
		    "reason for an AMBER or RED record", KY_ESCOPE;
	if ((body = cJSON_CreateObject()) == NULL)
		return KY_ENOMEM;
	cJSON_AddStringToObject(body, "ref", ref);
	if (reason != NULL)
		cJSON_AddStringToObject(body, "reason", reason);
	/* Travels as far as the record did: same markings. */
	rc = s_sign(d, RK_RETRACTION, h.tlp, h.pap, 0, body, rec, len, why);
	cJSON_Delete(body);
	return rc;
}

/*
 * An article: know-how in Markdown.  A new version names the one it
 * replaces in supersedes; only our own articles can be superseded, so a
 * version chain has one author.
 */
static int
s_article(struct daemon *d, const cJSON *req, uint8_t **rec, size_t *len,
    const char **why)
{
	static const char *const copied[] = { "title", "lang", "body_md",
	    "tags", "refs", "sector" };
	int tlp = s_marking(req, "tlp", (int)d->cfg.default_tlp,
	    record_tlp_from_name, why);
	int pap = s_marking(req, "pap", (int)d->cfg.default_pap,
	    record_pap_from_name, why);
	const char *sup = NULL;
	struct record_header h;
	uint8_t id[32];
	cJSON *body;
	int rc;

	if (tlp < 0 || pap < 0)
		return KY_EINVAL;
	if (json_get_str(req, "supersedes", 64, 0, &sup) != 0 ||
	    (sup != NULL && (strlen(sup) != 64 ||
	    record_unhex(sup, id, sizeof(id)) != 0)))
		return *why = "supersedes: not a record id (64 hex digits)",
		    KY_EINVAL;
	if (sup != NULL) {
		if (s_header(d, id, &h) != 0)
			return *why = "supersedes: no such article here",
			    KY_ENOTFOUND;
		if (h.kind != RK_ARTICLE || memcmp(h.origin, d->self, 32) != 0)
			return *why = "supersedes: not an article of this node",
			    KY_EPERM;
	}
	if ((body = cJSON_CreateObject()) == NULL)
		return KY_ENOMEM;
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		s_copy(body, req, copied[i]);
	if (json_get(req, "sector") == NULL && d->cfg.sector[0] != '\0')
		cJSON_AddStringToObject(body, "sector", d->cfg.sector);
	if (sup != NULL)
		cJSON_AddStringToObject(body, "supersedes", sup);
	if ((rc = s_scrub_member(d, body, "title", why)) == 0 &&
	    (rc = s_scrub_member(d, body, "body_md", why)) == 0)
		rc = s_sign_in(d, RK_ARTICLE, (uint8_t)tlp, (uint8_t)pap, NULL,
	    json_get(req, "to"), 0, body, rec, len, why);
	cJSON_Delete(body);
	return rc;
}

/* Whether the roster object m lists key (hex). */
static cJSON *
s_roster_entry(cJSON *members, const char *key)
{
	cJSON *m;

	cJSON_ArrayForEach(m, members) {
		const cJSON *k = json_get(m, "key");

		if (cJSON_IsString(k) && strcasecmp(k->valuestring, key) == 0)
			return m;
	}
	return NULL;
}

/*
 * A new version of one of our rosters: the current members, plus "add"
 * (objects {key, name}) and minus "remove" (keys).  A member removed
 * here loses its links and stops counting at every node that honours us
 * once the new version arrives.
 */
static int
s_roster(struct daemon *d, const cJSON *req, uint8_t **rec, size_t *len,
    const char **why)
{
	const char *name = NULL;
	const cJSON *add = json_get(req, "add"), *del = json_get(req, "remove"),
	    *it;
	const struct roster *cur;
	uint8_t community[32], key[32];
	cJSON *body, *members;
	char hex[65];
	int rc;

	if (json_get_str(req, "name", ROSTER_NAME_MAX, 1, &name) != 0 ||
	    name[0] == '\0')
		return *why = "name: missing or over 200 bytes", KY_EINVAL;
	if ((add != NULL && !cJSON_IsArray(add)) ||
	    (del != NULL && !cJSON_IsArray(del)))
		return *why = "add/remove: not arrays", KY_EINVAL;
	roster_community_id(d->self, name, community);
	cur = d->rosters != NULL ? rosters_get(d->rosters, community) : NULL;
	if ((body = cJSON_CreateObject()) == NULL ||
	    (members = cJSON_AddArrayToObject(body, "members")) == NULL) {
		cJSON_Delete(body);
		return KY_ENOMEM;
	}
	for (size_t i = 0; cur != NULL && i < cur->n; i++) {
		cJSON *m = cJSON_CreateObject();

		record_hex(cur->m[i].key, 32, hex);
		cJSON_AddStringToObject(m, "key", hex);
		if (cur->m[i].name[0] != '\0')
			cJSON_AddStringToObject(m, "name", cur->m[i].name);
		cJSON_AddItemToArray(members, m);
	}
	rc = 0;
	cJSON_ArrayForEach(it, del) {
		cJSON *m;

		if (!cJSON_IsString(it) || strlen(it->valuestring) != 64 ||
		    (m = s_roster_entry(members, it->valuestring)) == NULL) {
			rc = KY_ENOTFOUND;
			*why = "remove: a key that is not on the roster";
			break;
		}
		cJSON_Delete(cJSON_DetachItemViaPointer(members, m));
	}
	cJSON_ArrayForEach(it, add) {
		const char *k = NULL, *mname = NULL;
		cJSON *m;

		if (rc != 0)
			break;
		if (json_get_str(it, "key", 64, 1, &k) != 0 || strlen(k) != 64 ||
		    record_unhex(k, key, 32) != 0 ||
		    json_get_str(it, "name", ROSTER_NAME_MAX, 0, &mname) != 0) {
			rc = KY_EINVAL;
			*why = "add: not objects {key: 64 hex digits, name}";
			break;
		}
		record_hex(key, 32, hex);	/* one spelling: lower case */
		if ((m = s_roster_entry(members, hex)) != NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(members, m));
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "key", hex);
		if (mname != NULL && mname[0] != '\0')
			cJSON_AddStringToObject(m, "name", mname);
		cJSON_AddItemToArray(members, m);
	}
	if (rc == 0) {
		cJSON_AddStringToObject(body, "name", name);
		cJSON_AddNumberToObject(body, "version",
		    cur != NULL ? (double)(cur->version + 1) : 1);
		/* GREEN in its own community: members and the coordinator
		 * read it; others relay only its stub. */
		rc = s_sign_in(d, RK_ROSTER, TLP_GREEN, PAP_GREEN, community,
		    NULL, 0, body, rec, len, why);
	}
	cJSON_Delete(body);
	return rc;
}

/*
 * A view record (kind view): the body `kyojo view --publish` built, cells
 * already suppressed for k; receivers' validator refuses a cell below
 * VIEW_K_MIN members.  Signed GREEN by default, for other coordinators.
 */
static int
s_view(struct daemon *d, const cJSON *req, uint8_t **rec, size_t *len,
    const char **why)
{
	const cJSON *b = json_get(req, "body");
	int tlp = s_marking(req, "tlp", TLP_GREEN, record_tlp_from_name, why);
	int64_t ttl = VIEW_RECORD_TTL;
	cJSON *body;
	int rc;

	if (tlp < 0)
		return KY_EINVAL;
	if (!cJSON_IsObject(b))
		return *why = "body: not an object", KY_EINVAL;
	if (json_get_int(req, "ttl", 86400, VIEW_RECORD_TTL_MAX, 0, &ttl) != 0)
		return *why = "ttl: out of range (1 day to 2 years)", KY_EINVAL;
	if ((body = cJSON_Duplicate(b, true)) == NULL)
		return KY_ENOMEM;
	rc = s_sign(d, RK_VIEW, (uint8_t)tlp, PAP_CLEAR,
	    daemon_now() + (uint64_t)ttl, body, rec, len, why);
	cJSON_Delete(body);
	return rc;
}

int
submit_dry_run(struct daemon *d, const char *op, const cJSON *req,
    cJSON **answer, const char **why)
{
	uint8_t *rec = NULL;
	size_t len;
	int rc;

	*answer = NULL;
	if (json_get(req, "items") != NULL)
		return *why = "dry_run: one item at a time", KY_EINVAL;
	s_dry.on = true;
	s_dry.body = NULL;
	if ((s_dry.redactions = cJSON_CreateArray()) == NULL)
		rc = KY_ENOMEM;
	else
		rc = submit_request(d, op, req, &rec, &len, why);
	s_dry.on = false;
	free(rec);
	if (rc == 0 && s_dry.body == NULL)
		rc = KY_EINVAL, *why = "dry_run: this op signs nothing to show";
	if (rc == 0 && (*answer = cJSON_CreateObject()) == NULL)
		rc = KY_ENOMEM;
	if (rc != 0) {
		cJSON_Delete(s_dry.body);
		cJSON_Delete(s_dry.redactions);
		return rc;
	}
	cJSON_AddBoolToObject(*answer, "ok", true);
	cJSON_AddItemToObject(*answer, "body", s_dry.body);
	cJSON_AddItemToObject(*answer, "redactions", s_dry.redactions);
	return 0;
}

int
submit_request(struct daemon *d, const char *op, const cJSON *req,
    uint8_t **rec, size_t *len, const char **why)
{
	*rec = NULL;
	if (strcmp(op, "submit") == 0)
		return s_submit(d, req, rec, len, why);
	if (strcmp(op, "sight") == 0)
		return s_sight(d, req, rec, len, why);
	if (strcmp(op, "retract") == 0)
		return s_retract(d, req, rec, len, why);
	if (strcmp(op, "article") == 0)
		return s_article(d, req, rec, len, why);
	if (strcmp(op, "roster") == 0)
		return s_roster(d, req, rec, len, why);
	if (strcmp(op, "view") == 0)
		return s_view(d, req, rec, len, why);
	return *why = "unknown op", KY_EINVAL;
}

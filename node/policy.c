#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "keys/keyfile.h"
#include "node/community.h"
#include "node/policy.h"
#include "protocol/body.h"
#include "protocol/json.h"

static const char *const s_names[POLICY_NREASONS] = {
	[POLICY_PASS] = "exported",
	[POLICY_NO_BODY] = "retracted/stub",
	[POLICY_EXPIRED] = "expired",
	[POLICY_TYPE] = "other-type",
	[POLICY_PAP] = "pap",
	[POLICY_TLP] = "tlp",
	[POLICY_CONFIDENCE] = "confidence",
	[POLICY_ALLOWLISTED] = "allowlisted",
	[POLICY_WIDE] = "wide",
	[POLICY_VETOED] = "vetoed",
	[POLICY_REPORTERS] = "reporters",
	[POLICY_MERGED] = "merged",
	[POLICY_NOT_INDICATOR] = "not-indicator",
};

const char *
policy_reason_name(int reason)
{
	return reason >= 0 && reason < POLICY_NREASONS ? s_names[reason] : "?";
}

void
policy_counts_format(const struct policy_counts *c, char *buf, size_t cap)
{
	size_t o;
	int refused = 0, w;

	if (cap == 0)
		return;
	w = snprintf(buf, cap, "exported %" PRIu64, c->n[POLICY_PASS]);
	o = w < 0 ? 0 : (size_t)w;
	for (int r = POLICY_NO_BODY; r < POLICY_MERGED && o < cap; r++) {
		if (c->n[r] == 0)
			continue;
		w = snprintf(buf + o, cap - o, "%s%s %" PRIu64,
		    refused++ ? ", " : "; refused: ", s_names[r], c->n[r]);
		o += w < 0 ? 0 : (size_t)w;
	}
	if (o < cap && c->n[POLICY_MERGED] != 0)
		snprintf(buf + o, cap - o, "; merged %" PRIu64 " (same value, "
		    "carried by another record)", c->n[POLICY_MERGED]);
}

int
policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->min_confidence = 50;
	p->k = 2;
	if ((p->allow = allowlist_new()) == NULL ||
	    (p->wide = allowlist_new()) == NULL) {
		policy_clear(p);
		return KY_ENOMEM;
	}
	return 0;
}

void
policy_clear(struct policy *p)
{
	keyring_destroy(&p->keyring);
	rosters_free(&p->rosters);
	allowlist_destroy(&p->allow);
	allowlist_destroy(&p->wide);
	memset(p, 0, sizeof(*p));
}

int
policy_load_rosters(struct policy *p, struct store_txn *t)
{
	struct rosters *set;
	int rc;

	if ((rc = community_load(t, p->keyring, p->have_self ? p->self : NULL,
	    &set)) != 0)
		return rc;
	rosters_free(&p->rosters);
	p->rosters = set;
	return 0;
}

/* Adds a negative code or a count of bad lines to the running total. */
static int
s_tally(int *bad, int rc)
{
	if (rc > 0)
		*bad += rc;
	return rc < 0 ? rc : 0;
}

int
policy_load(struct policy *p, const struct config *cfg, policy_error_fn err,
    void *ctx, const char **why)
{
	char path[CONFIG_PATH_MAX + 64];
	int rc, bad = 0, line;

	*why = NULL;
	if ((rc = policy_init(p)) != 0)
		return rc;
	p->min_confidence = cfg->export_confidence;
	p->k = cfg->export_k < 1 ? 1 : cfg->export_k > POLICY_ORIGINS_MAX ?
	    POLICY_ORIGINS_MAX : (uint32_t)cfg->export_k;
	snprintf(path, sizeof(path), "%s/%s", cfg->dir, KEYFILE_PUBLIC);
	if ((rc = keyfile_read_public(path, p->self, why)) != 0)
		goto fail;
	p->have_self = true;
	snprintf(path, sizeof(path), "%s/keyring", cfg->dir);
	if ((rc = keyring_load(path, &p->keyring, &line, why)) != 0)
		goto fail;
	rc = allowlist_load_dir(p->allow, cfg->allowlist_dir, 0, err, ctx);
	if (rc == KY_ENOTFOUND) {
		*why = "allowlist_dir: no such directory (install "
		    "seeds/allowlist there, or set allowlist_dir)";
		goto fail;
	}
	if ((rc = s_tally(&bad, rc)) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s", cfg->dir, POLICY_ALLOW_DIR);
	rc = allowlist_load_dir(p->allow, path, 0, err, ctx);
	if ((rc = s_tally(&bad, rc == KY_ENOTFOUND ? 0 : rc)) != 0)
		goto fail;
	if ((rc = allowlist_add_list(p->allow, cfg->own_networks, 0,
	    "kyojod.conf own_networks", why)) != 0 ||
	    (rc = allowlist_add_list(p->allow, cfg->own_domains, 0,
	    "kyojod.conf own_domains", why)) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s", cfg->dir, POLICY_WIDE_FILE);
	rc = allowlist_load_file(p->wide, path, ALLOWLIST_NETS_ONLY, err, ctx);
	if ((rc = s_tally(&bad, rc == KY_ENOTFOUND ? 0 : rc)) != 0)
		goto fail;
	if (bad == 0)
		return 0;
	rc = bad;
	*why = "allowlist has errors";
fail:
	if (*why == NULL)
		*why = ky_strerror(rc);
	policy_clear(p);
	return rc;
}

uint64_t
policy_until(const struct record_header *h, const uint8_t id[RECORD_ID_LEN])
{
	uint64_t span, draw;

	if (h->expires <= h->created)
		return h->expires;
	span = h->expires - h->created;
	if (span > UINT32_MAX)
		span = UINT32_MAX;
	/* Ids are BLAKE2b output: their first bytes are a uniform draw. */
	draw = (uint64_t)id[0] << 24 | (uint64_t)id[1] << 16 |
	    (uint64_t)id[2] << 8 | id[3];
	return h->expires - ((span * draw) >> 32) / POLICY_JITTER_DIV;
}

bool
policy_trusted(const struct policy *p, const uint8_t origin[RECORD_KEY_LEN])
{
	const struct keyring_entry *e;

	if (p->have_self && memcmp(p->self, origin, RECORD_KEY_LEN) == 0)
		return true;
	return p->keyring != NULL && (e = keyring_find(p->keyring, origin)) &&
	    e->level >= TRUST_TRUSTED;
}

/* --- bodies ------------------------------------------------------------- */

/* What the checks read from an indicator or sighting body. */
struct s_body {
	cJSON *root;		/* owned */
	int type;		/* 0 when the body names none */
	const char *value;	/* borrowed from root */
	size_t len;
	int64_t confidence;
	const char *category;
	int verdict;		/* sightings */
};

static void
s_body_free(struct s_body *b)
{
	cJSON_Delete(b->root);
	b->root = NULL;
}

/* Bodies in the store were validated at ingest; this only reads them. */
static int
s_body(const struct record *r, struct s_body *b)
{
	const char *why, *s = NULL;

	memset(b, 0, sizeof(*b));
	if (r->body == NULL ||
	    json_parse_strict(r->body, r->h.body_len, &b->root, &why) != 0)
		return -1;
	if (json_get_str(b->root, "type", 16, 0, &s) == 0 && s != NULL)
		b->type = indicator_type_from_name(s);
	if (json_get_str(b->root, "value", INDICATOR_VALUE_MAX, 0,
	    &b->value) != 0 || b->type < 0)
		b->type = 0;
	b->len = b->value ? strlen(b->value) : 0;
	if (json_get_int(b->root, "confidence", 0, 100, 0, &b->confidence) != 0)
		b->confidence = 0;
	if (json_get_str(b->root, "category", POLICY_CATEGORY_MAX - 1, 0,
	    &b->category) != 0 || b->category == NULL)
		b->category = "";
	s = NULL;
	if (json_get_str(b->root, "verdict", 32, 0, &s) == 0 && s != NULL)
		b->verdict = body_verdict_from_name(s);
	return 0;
}

bool
policy_record_value(const struct record *r, int *type, char *value,
    size_t cap, size_t *len)
{
	struct s_body b;
	bool ok;

	if ((r->h.kind != RK_INDICATOR && r->h.kind != RK_SIGHTING) ||
	    s_body(r, &b) != 0)
		return false;
	ok = b.type > 0 && b.len < cap;
	if (ok) {
		*type = b.type;
		memcpy(value, b.value, b.len + 1);
		*len = b.len;
	}
	s_body_free(&b);
	return ok;
}

/* --- one record's own checks --------------------------------------------- */

/* The record-level checks of an indicator with a body; POLICY_PASS or
 * the reason, with a static why. */
static int
s_record(const struct policy *p, const struct policy_consumer *c,
    const struct record *r, const struct s_body *b, uint64_t now,
    const char **why)
{
	if (record_is_expired(&r->h, now))
		return *why = "expired", POLICY_EXPIRED;
	if (policy_until(&r->h, r->id) <= now)
		return *why = "inside its expiry jitter: its entry ends up to "
		    "a tenth of its lifetime early, so a batch never ends at "
		    "once", POLICY_EXPIRED;
	if (b->type <= 0 || !(c->types & POLICY_TYPE_BIT(b->type)))
		return *why = "this format does not carry its type",
		    POLICY_TYPE;
	if (r->h.pap > PAP_GREEN)
		return *why = "PAP AMBER or RED forbids blocking (only CLEAR "
		    "and GREEN may block)", POLICY_PAP;
	if (r->h.tlp > c->max_tlp)
		return *why = "its TLP is above what this consumer may see",
		    POLICY_TLP;
	if (b->confidence < p->min_confidence)
		return *why = "confidence below export_confidence",
		    POLICY_CONFIDENCE;
	return *why = NULL, POLICY_PASS;
}

/* The value's own checks: allowlist, then width. */
static int
s_value_static(const struct policy *p, int type, const char *value,
    size_t len, struct policy_verdict *v)
{
	char text[INDICATOR_VALUE_MAX + 1];
	struct indicator_net n;

	if (allowlist_match(p->allow, type, value, len, &v->entry)) {
		v->why = "overlaps an allowlist entry";
		return POLICY_ALLOWLISTED;
	}
	v->entry = NULL;
	if ((type != IT_CIDR4 && type != IT_CIDR6) || len >= sizeof(text))
		return POLICY_PASS;
	memcpy(text, value, len);
	text[len] = '\0';
	if (indicator_parse_net(type, text, &n) != 0)
		return POLICY_PASS;
	if (n.prefix >= (type == IT_CIDR4 ? POLICY_WIDE_V4 : POLICY_WIDE_V6))
		return POLICY_PASS;
	if (p->wide != NULL && allowlist_covers_net(p->wide, &n, &v->entry))
		return POLICY_PASS;
	v->why = "wider than /16 (IPv4) or /32 (IPv6), and "
	    POLICY_WIDE_FILE " does not list it";
	return POLICY_WIDE;
}

/* --- every record about the value ---------------------------------------- */

/* A record that passes the record checks: a possible carrier. */
struct s_cand {
	bool set;
	uint8_t id[RECORD_ID_LEN];
	uint8_t origin[RECORD_KEY_LEN];
	uint64_t seq;
	uint64_t until;
	int64_t confidence;
	uint8_t tlp;
	char category[POLICY_CATEGORY_MAX];
};

struct s_scan {
	const struct policy *p;
	const struct policy_consumer *c;
	uint64_t now;
	const uint8_t *skip;		/* the focus record's id, or NULL */
	uint8_t origins[POLICY_ORIGINS_MAX][RECORD_KEY_LEN];
	uint32_t norigins;
	bool vetoed;
	uint8_t veto_origin[RECORD_KEY_LEN];
	struct s_cand any, trusted;	/* best passing, best trusted */
	int first_reason;		/* first record-check refusal seen */
	const char *first_why;
	struct policy_verdict *v;	/* for recs[] */
};

/* Counts origin's reporter (its organization on a roster, else the key
 * itself) once; revoked members not at all. */
static void
s_count_origin(struct s_scan *sc, const uint8_t *origin)
{
	uint8_t rep[32];

	/* A member its coordinator removed no longer counts. */
	if (rosters_is_revoked(sc->p->rosters, origin))
		return;
	rosters_reporter(sc->p->rosters, origin, rep);
	for (uint32_t i = 0; i < sc->norigins; i++)
		if (memcmp(sc->origins[i], rep, RECORD_KEY_LEN) == 0)
			return;
	if (sc->norigins < POLICY_ORIGINS_MAX)
		memcpy(sc->origins[sc->norigins++], rep, RECORD_KEY_LEN);
}

/* The entry that ends last wins; then the lower id, for determinism. */
static void
s_offer(struct s_cand *best, const struct record *r, const struct s_body *b)
{
	uint64_t until = policy_until(&r->h, r->id);

	if (best->set && (until < best->until || (until == best->until &&
	    memcmp(r->id, best->id, RECORD_ID_LEN) > 0)))
		return;
	best->set = true;
	memcpy(best->id, r->id, RECORD_ID_LEN);
	memcpy(best->origin, r->h.origin, RECORD_KEY_LEN);
	best->seq = r->h.seq;
	best->until = until;
	best->confidence = b->confidence;
	best->tlp = r->h.tlp;
	snprintf(best->category, sizeof(best->category), "%s", b->category);
}

static void
s_candidate(struct s_scan *sc, const struct record *r, const struct s_body *b)
{
	s_offer(&sc->any, r, b);
	if (policy_trusted(sc->p, r->h.origin))
		s_offer(&sc->trusted, r, b);
}

static int
s_scan_one(void *ctx, const struct record *r)
{
	struct s_scan *sc = ctx;
	struct policy_verdict *v = sc->v;
	struct s_body b;
	const char *why;
	int reason;

	if (sc->skip != NULL && memcmp(r->id, sc->skip, RECORD_ID_LEN) == 0)
		return 0;
	if (record_is_expired(&r->h, sc->now) || s_body(r, &b) != 0)
		return 0;
	if (r->h.kind == RK_SIGHTING) {
		if (b.verdict == VERDICT_SEEN)
			s_count_origin(sc, r->h.origin);
		else if (b.verdict == VERDICT_FALSE_POSITIVE && !sc->vetoed &&
		    policy_trusted(sc->p, r->h.origin)) {
			sc->vetoed = true;
			memcpy(sc->veto_origin, r->h.origin, RECORD_KEY_LEN);
		}
	} else if (r->h.kind == RK_INDICATOR) {
		s_count_origin(sc, r->h.origin);
		if (v != NULL && v->nrecs < POLICY_RECS_MAX) {
			memcpy(v->recs[v->nrecs].origin, r->h.origin,
			    RECORD_KEY_LEN);
			v->recs[v->nrecs].tlp = r->h.tlp;
			v->recs[v->nrecs++].seq = r->h.seq;
		}
		reason = s_record(sc->p, sc->c, r, &b, sc->now, &why);
		if (reason == POLICY_PASS)
			s_candidate(sc, r, &b);
		else if (sc->first_reason == POLICY_PASS) {
			sc->first_reason = reason;
			sc->first_why = why;
		}
	}
	s_body_free(&b);
	return 0;
}

static void
s_carry(struct policy_verdict *v, const struct s_cand *cand)
{
	v->carried = true;
	memcpy(v->id, cand->id, RECORD_ID_LEN);
	memcpy(v->origin, cand->origin, RECORD_KEY_LEN);
	v->seq = cand->seq;
	v->until = cand->until;
	v->confidence = cand->confidence;
	v->tlp = cand->tlp;
	memcpy(v->category, cand->category, sizeof(v->category));
}

static void
s_verdict_init(struct policy_verdict *v)
{
	v->reason = POLICY_PASS;
	v->why = NULL;
	v->type = 0;
	v->value[0] = '\0';
	v->len = 0;
	v->trusted = false;
	v->origins = 0;
	v->entry = NULL;
	v->carried = false;
	v->nrecs = 0;
}

static void
s_set_value(struct policy_verdict *v, int type, const char *value, size_t len)
{
	v->type = type;
	v->len = len < sizeof(v->value) ? len : sizeof(v->value) - 1;
	memcpy(v->value, value, v->len);
	v->value[v->len] = '\0';
}

static int
s_sighting(const struct policy *p, const struct record *r, uint64_t now,
    struct policy_verdict *v)
{
	struct s_body b;

	v->reason = POLICY_NOT_INDICATOR;
	if (r->h.kind != RK_SIGHTING) {
		v->why = "not an indicator";
		return 0;
	}
	if (s_body(r, &b) != 0) {
		v->why = "sighting: body not held";
		return 0;
	}
	if (b.type > 0)
		s_set_value(v, b.type, b.value, b.len);
	if (record_is_expired(&r->h, now))
		v->why = "sighting: expired, does not count";
	else if (b.type <= 0)
		v->why = "sighting of a record id: not counted (only sightings "
		    "with type and value are found by value)";
	else if (b.verdict == VERDICT_SEEN)
		v->why = "sighting: counts towards k";
	else if (b.verdict == VERDICT_FALSE_POSITIVE)
		v->why = policy_trusted(p, r->h.origin) ?
		    "false-positive sighting by this node or a trusted key: "
		    "vetoes the value" :
		    "false-positive sighting: does not count towards k";
	else
		v->why = "sighting with verdict expired: does not count";
	s_body_free(&b);
	return 0;
}

int
policy_check(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, const struct record *r, uint64_t now,
    struct policy_verdict *v)
{
	struct s_scan sc;
	struct s_body b;
	const struct s_cand *carrier;
	int rc;

	s_verdict_init(v);
	if (r->h.kind != RK_INDICATOR)
		return s_sighting(p, r, now, v);
	if (record_is_stub(r) || s_body(r, &b) != 0) {
		v->reason = POLICY_NO_BODY;
		v->why = "retracted, or only its stub is held";
		return 0;
	}
	if (b.type > 0)
		s_set_value(v, b.type, b.value, b.len);
	v->trusted = policy_trusted(p, r->h.origin);
	if ((v->reason = s_record(p, c, r, &b, now, &v->why)) != POLICY_PASS ||
	    (v->reason = s_value_static(p, b.type, v->value, v->len, v)) !=
	    POLICY_PASS)
		goto out;
	memset(&sc, 0, sizeof(sc));
	sc.p = p, sc.c = c, sc.now = now, sc.skip = r->id;
	s_count_origin(&sc, r->h.origin);
	s_candidate(&sc, r, &b);
	if ((rc = store_value(t, b.type, v->value, v->len, s_scan_one, &sc,
	    NULL)) < 0) {
		s_body_free(&b);
		return rc;
	}
	v->origins = sc.norigins;
	carrier = sc.norigins >= p->k ? &sc.any : &sc.trusted;
	if (sc.vetoed) {
		v->reason = POLICY_VETOED;
		v->why = "a false-positive sighting by this node or a trusted "
		    "key vetoes the value";
		memcpy(v->veto_origin, sc.veto_origin, RECORD_KEY_LEN);
	} else if (!v->trusted && sc.norigins < p->k) {
		v->reason = POLICY_REPORTERS;
		v->why = "origin not trusted, and fewer than export_k distinct "
		    "origins reported or sighted the value";
	} else {
		s_carry(v, carrier);
		v->reason = memcmp(carrier->id, r->id, RECORD_ID_LEN) == 0 ?
		    POLICY_PASS : POLICY_MERGED;
		v->why = v->reason == POLICY_PASS ? "exported" :
		    "passes; another record about the value ends later and "
		    "carries it";
	}
out:
	s_body_free(&b);
	return 0;
}

int
policy_value(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, int type, const char *value, size_t len,
    uint64_t now, struct policy_verdict *v)
{
	struct s_scan sc;
	const struct s_cand *carrier;
	int rc;

	s_verdict_init(v);
	s_set_value(v, type, value, len);
	if (type <= 0 || type > IT_MAX || !(c->types & POLICY_TYPE_BIT(type))) {
		v->reason = POLICY_TYPE;
		v->why = "this format does not carry its type";
		return 0;
	}
	memset(&sc, 0, sizeof(sc));
	sc.p = p, sc.c = c, sc.now = now, sc.v = v;
	if ((rc = store_value(t, type, v->value, v->len, s_scan_one, &sc,
	    NULL)) < 0)
		return rc;
	v->origins = sc.norigins;
	carrier = sc.norigins >= p->k ? &sc.any : &sc.trusted;
	/* The allowlist and width come first: they hold whatever the
	 * records say (s_value_static sets the why). */
	if ((v->reason = s_value_static(p, type, v->value, v->len, v)) !=
	    POLICY_PASS)
		return 0;
	if (sc.vetoed) {
		v->reason = POLICY_VETOED;
		v->why = "a false-positive sighting by this node or a trusted "
		    "key vetoes the value";
		memcpy(v->veto_origin, sc.veto_origin, RECORD_KEY_LEN);
	} else if (carrier->set) {
		s_carry(v, carrier);
		v->reason = POLICY_PASS;
		v->why = "exported";
	} else if (sc.any.set) {
		v->reason = POLICY_REPORTERS;
		v->why = "no trusted origin, and fewer than export_k distinct "
		    "origins reported or sighted the value";
	} else if (sc.first_reason != POLICY_PASS) {
		v->reason = sc.first_reason;
		v->why = sc.first_why;
	} else {
		v->reason = POLICY_NO_BODY;
		v->why = "no live indicator about the value is held";
	}
	return 0;
}

/*
 * check_policy - node/policy.c: every refusal reason, k counting over
 * origins and sightings, trust levels, allowlist overlap both ways, the
 * wide-prefix override, expiry jitter, and loading a node's policy.
 * Each test builds records with its own markings in a temporary store.
 * Debug with CK_FORK=no.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>
#include <sodium.h>

#include "keys/keyfile.h"
#include "node/policy.h"
#include "node/unseal.h"
#include "tests/testutil.h"

#define T0	1700000000ull		/* "now" of the tests */
#define TTL	(30ull * 86400)

/* One origin's chain. */
struct chain {
	struct ident *id;
	uint64_t seq;
	uint8_t prev[RECORD_ID_LEN];
	uint8_t last[RECORD_ID_LEN];	/* id of the last record made */
};

/* The fixture: a store, a policy, three origins. */
static char *s_dir;
static struct store *s_st;
static struct policy s_p;
static struct chain s_self, s_a, s_b, s_c;
static const struct policy_consumer s_fw = {
	.name = "firewall", .max_tlp = TLP_RED, .types = POLICY_TYPES_ALL,
};

static void
s_chain(struct chain *c, uint8_t seed)
{
	memset(c, 0, sizeof(*c));
	c->id = tu_ident(seed);
}

static void
s_setup(void)
{
	char path[512];
	const char *why = NULL;

	s_dir = tu_tmpdir("policy");
	snprintf(path, sizeof(path), "%s/store", s_dir);
	ck_assert_int_eq(store_open(path, STORE_CREATE, &s_st, &why), 0);
	s_chain(&s_self, 1);
	/* This node opens what is sealed to it, as kyojod does. */
	store_set_opener(s_st, unseal_record, s_self.id);
	s_chain(&s_a, 2);
	s_chain(&s_b, 3);
	s_chain(&s_c, 4);
	ck_assert_int_eq(policy_init(&s_p), 0);
	s_p.have_self = true;
	memcpy(s_p.self, ident_public(s_self.id), RECORD_KEY_LEN);
	ck_assert_ptr_nonnull(s_p.keyring = keyring_new());
}

static void
s_teardown(void)
{
	policy_clear(&s_p);
	store_close(&s_st);
	ident_destroy(&s_self.id);
	ident_destroy(&s_a.id);
	ident_destroy(&s_b.id);
	ident_destroy(&s_c.id);
	tu_rmrf(s_dir);
	free(s_dir);
}

/* Signs and stores the next record of c; its id is left in c->last. */
static void
s_put(struct chain *c, uint8_t kind, uint8_t tlp, uint8_t pap,
    uint64_t expires, const char *body)
{
	struct record_header h = {
		.kind = kind, .tlp = tlp, .pap = pap, .seq = ++c->seq,
		.created = T0 - 100, .expires = expires,
	};
	struct store_result res;
	const char *why = NULL;
	uint8_t *rec;
	size_t len;

	memcpy(h.prev, c->prev, RECORD_ID_LEN);
	rec = tu_sign(c->id, &h, body, &len);	/* AMBER, RED: sealed */
	tu_id(rec, c->last);
	memcpy(c->prev, c->last, RECORD_ID_LEN);
	ck_assert_int_eq(store_ingest(s_st, (const uint8_t *const *)&rec, &len,
	    1, T0, &res, &why), 0);
	ck_assert_msg(res.rc == 0, "ingest: %s", res.why ? res.why : "?");
	free(rec);
}

/* An indicator with the given markings and confidence. */
static void
s_ind(struct chain *c, const char *type, const char *value, uint8_t tlp,
    uint8_t pap, int confidence, uint64_t expires)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"type\":\"%s\",\"value\":\"%s\","
	    "\"category\":\"malicious-code:c2-server\",\"confidence\":%d}",
	    type, value, confidence);
	s_put(c, RK_INDICATOR, tlp, pap, expires, body);
}

/* The usual indicator: CLEAR, PAP GREEN, confidence 80, 30 days. */
static void
s_ok(struct chain *c, const char *type, const char *value)
{
	s_ind(c, type, value, TLP_CLEAR, PAP_GREEN, 80, T0 + TTL);
}

static void
s_sight(struct chain *c, const char *type, const char *value,
    const char *verdict)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"type\":\"%s\",\"value\":\"%s\","
	    "\"verdict\":\"%s\"}", type, value, verdict);
	s_put(c, RK_SIGHTING, TLP_CLEAR, PAP_GREEN, T0 + TTL, body);
}

static void
s_trust(struct chain *c, enum trust level)
{
	ck_assert_int_eq(keyring_add(s_p.keyring, ident_public(c->id), level,
	    NULL, T0), 0);
}

static void
s_allow(const char *entry)
{
	const char *why;

	ck_assert_int_eq(allowlist_add(s_p.allow, entry, 0, "test.txt", 7,
	    &why), 0);
}

/* The verdict for the record with this id, as of now. */
static struct policy_verdict *
s_check_at(const uint8_t *id, const struct policy_consumer *c, uint64_t now)
{
	static struct policy_verdict v;
	struct store_txn *t;
	struct record r;

	ck_assert_int_eq(store_read_begin(s_st, &t), 0);
	ck_assert_int_eq(store_get(t, id, &r), 0);
	ck_assert_int_eq(policy_check(&s_p, c, t, &r, now, &v), 0);
	store_read_end(&t);
	return &v;
}

static int
s_reason(const uint8_t *id)
{
	return s_check_at(id, &s_fw, T0)->reason;
}

START_TEST(test_pass_and_fields)
{
	struct policy_verdict *v;

	s_ok(&s_self, "ipv4", "45.33.32.156");
	v = s_check_at(s_self.last, &s_fw, T0);
	ck_assert_int_eq(v->reason, POLICY_PASS);
	ck_assert_int_eq(v->type, IT_IPV4);
	ck_assert_str_eq(v->value, "45.33.32.156");
	ck_assert(v->trusted);
	ck_assert(v->carried);
	ck_assert_mem_eq(v->id, s_self.last, RECORD_ID_LEN);
	ck_assert_int_eq(v->confidence, 80);
	ck_assert_str_eq(v->category, "malicious-code:c2-server");
	ck_assert_uint_le(v->until, T0 + TTL);
	ck_assert_uint_ge(v->until, T0 + TTL - (TTL + 100) / 10);
}
END_TEST

START_TEST(test_each_reason)
{
	struct policy_consumer ipv6_only = s_fw, green = s_fw;
	uint8_t id[RECORD_ID_LEN];
	char body[160], hex[65];

	ipv6_only.types = POLICY_TYPE_BIT(IT_IPV6);
	green.max_tlp = TLP_GREEN;

	s_sight(&s_self, "ipv4", "45.33.32.1", "seen");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_NOT_INDICATOR);

	/* Retracted by its origin: only the stub is left. */
	s_ok(&s_self, "ipv4", "45.33.32.2");
	memcpy(id, s_self.last, RECORD_ID_LEN);
	ck_assert_int_eq(s_reason(id), POLICY_PASS);
	record_hex(id, RECORD_ID_LEN, hex);
	snprintf(body, sizeof(body), "{\"ref\":\"%s\"}", hex);
	s_put(&s_self, RK_RETRACTION, TLP_CLEAR, PAP_GREEN, 0, body);
	ck_assert_int_eq(s_reason(id), POLICY_NO_BODY);

	/* Expired but not yet swept. */
	s_ind(&s_self, "ipv4", "45.33.32.3", TLP_CLEAR, PAP_GREEN, 80, T0 + 60);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	ck_assert_int_eq(s_check_at(s_self.last, &s_fw, T0 + 60)->reason,
	    POLICY_EXPIRED);

	s_ok(&s_self, "ipv4", "45.33.32.4");
	ck_assert_int_eq(s_check_at(s_self.last, &ipv6_only, T0)->reason,
	    POLICY_TYPE);

	s_ind(&s_self, "ipv4", "45.33.32.5", TLP_CLEAR, PAP_AMBER, 80, T0 + TTL);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PAP);
	s_ind(&s_self, "ipv4", "45.33.32.6", TLP_CLEAR, PAP_RED, 80, T0 + TTL);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PAP);
	s_ind(&s_self, "ipv4", "45.33.32.7", TLP_CLEAR, PAP_CLEAR, 80, T0 + TTL);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);

	/* The local firewall may use any TLP; a GREEN consumer may not. */
	s_ind(&s_self, "ipv4", "45.33.32.8", TLP_AMBER, PAP_GREEN, 80, T0 + TTL);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	ck_assert_int_eq(s_check_at(s_self.last, &green, T0)->reason,
	    POLICY_TLP);
	s_ind(&s_self, "ipv4", "45.33.32.9", TLP_RED, PAP_GREEN, 80, T0 + TTL);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);

	s_ind(&s_self, "ipv4", "45.33.32.10", TLP_CLEAR, PAP_GREEN, 49, T0 + TTL);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_CONFIDENCE);
	s_ind(&s_self, "ipv4", "45.33.32.11", TLP_CLEAR, PAP_GREEN, 50, T0 + TTL);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);

	s_allow("45.33.32.12");
	s_ok(&s_self, "ipv4", "45.33.32.12");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	ck_assert_str_eq(s_check_at(s_self.last, &s_fw, T0)->entry->text,
	    "45.33.32.12/32");

	s_ok(&s_self, "cidr4", "44.0.0.0/12");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_WIDE);

	s_ok(&s_a, "ipv4", "45.33.32.13");
	ck_assert_int_eq(s_reason(s_a.last), POLICY_REPORTERS);
}
END_TEST

START_TEST(test_expiry_jitter)
{
	struct record_header h = { .created = T0, .expires = T0 + TTL };
	uint8_t id[RECORD_ID_LEN] = { 0 };
	uint64_t until, lo = UINT64_MAX, hi = 0;

	/* The extremes of the draw: no jitter, and a full tenth. */
	ck_assert_uint_eq(policy_until(&h, id), T0 + TTL);
	memset(id, 0xff, 4);
	ck_assert_uint_eq(policy_until(&h, id), T0 + TTL - (TTL - 1) / 10);
	/* A thousand ids spread over most of the tenth, never past it. */
	for (uint32_t i = 0; i < 1000; i++) {
		crypto_generichash(id, sizeof(id), (const uint8_t *)&i,
		    sizeof(i), NULL, 0);
		until = policy_until(&h, id);
		ck_assert_uint_le(until, h.expires);
		ck_assert_uint_ge(until, h.expires - TTL / 10);
		lo = until < lo ? until : lo;
		hi = until > hi ? until : hi;
	}
	ck_assert_uint_gt(hi - lo, TTL / 10 * 9 / 10);

	/* Inside its jitter a record is refused as expired. */
	s_ind(&s_self, "ipv4", "45.33.32.20", TLP_CLEAR, PAP_GREEN, 80, T0 + TTL);
	{
		struct store_txn *t;
		struct record r;

		ck_assert_int_eq(store_read_begin(s_st, &t), 0);
		ck_assert_int_eq(store_get(t, s_self.last, &r), 0);
		until = policy_until(&r.h, r.id);
		store_read_end(&t);
	}
	if (until < T0 + TTL) {
		ck_assert_int_eq(s_check_at(s_self.last, &s_fw, until - 1)->reason,
		    POLICY_PASS);
		ck_assert_int_eq(s_check_at(s_self.last, &s_fw, until)->reason,
		    POLICY_EXPIRED);
	}
}
END_TEST

START_TEST(test_k_two_origins)
{
	const char *v = "45.33.32.30";
	uint8_t a1[RECORD_ID_LEN], a2[RECORD_ID_LEN];
	int pass = 0, merged = 0, r;

	s_ok(&s_a, "ipv4", v);
	memcpy(a1, s_a.last, RECORD_ID_LEN);
	ck_assert_int_eq(s_reason(a1), POLICY_REPORTERS);
	ck_assert_uint_eq(s_check_at(a1, &s_fw, T0)->origins, 1);
	/* A second report from the same origin is still one origin. */
	s_ok(&s_a, "ipv4", v);
	memcpy(a2, s_a.last, RECORD_ID_LEN);
	ck_assert_int_eq(s_reason(a2), POLICY_REPORTERS);
	/* A second origin reaches k = 2; exactly one record carries it. */
	s_ok(&s_b, "ipv4", v);
	ck_assert_uint_eq(s_check_at(s_b.last, &s_fw, T0)->origins, 2);
	for (int i = 0; i < 3; i++) {
		r = s_reason(i == 0 ? a1 : i == 1 ? a2 : s_b.last);
		pass += r == POLICY_PASS;
		merged += r == POLICY_MERGED;
	}
	ck_assert_int_eq(pass, 1);
	ck_assert_int_eq(merged, 2);
	/* k = 3: two origins are not enough again. */
	s_p.k = 3;
	ck_assert_int_eq(s_reason(s_b.last), POLICY_REPORTERS);
}
END_TEST

/* Coordinator c's roster "r" version ver: a as org_a, and b as org_b
 * unless org_b is NULL. */
static void
s_roster(struct chain *c, int ver, const char *org_a, const char *org_b)
{
	char body[1024], ka[65], kb[65];
	uint8_t community[32], *rec;
	struct store_result res;
	const char *why = NULL;
	size_t len, o;

	record_hex(ident_public(s_a.id), 32, ka);
	record_hex(ident_public(s_b.id), 32, kb);
	o = (size_t)snprintf(body, sizeof(body), "{\"name\":\"r\","
	    "\"version\":%d,\"members\":[{\"key\":\"%s\",\"name\":\"%s\"}",
	    ver, ka, org_a);
	if (org_b != NULL)
		o += (size_t)snprintf(body + o, sizeof(body) - o,
		    ",{\"key\":\"%s\",\"name\":\"%s\"}", kb, org_b);
	snprintf(body + o, sizeof(body) - o, "]}");
	roster_community_id(ident_public(c->id), "r", community);
	c->seq++;
	rec = tu_record_in(c->id, RK_ROSTER, TLP_GREEN, community, c->seq,
	    c->seq > 1 ? c->prev : NULL, T0 - 50 + (uint64_t)ver, 0, body, &len);
	tu_id(rec, c->prev);
	ck_assert_int_eq(store_ingest(s_st, (const uint8_t *const *)&rec, &len,
	    1, T0, &res, &why), 0);
	ck_assert_int_eq(res.rc, 0);
	free(rec);
}

static void
s_reload_rosters(void)
{
	struct store_txn *t;

	ck_assert_int_eq(store_read_begin(s_st, &t), 0);
	ck_assert_int_eq(policy_load_rosters(&s_p, t), 0);
	store_read_end(&t);
}

/* k counts organizations: two keys one roster names as one company are
 * one reporter; a roster of an untrusted coordinator changes nothing. */
START_TEST(test_k_counts_organizations)
{
	const char *v = "45.33.32.31";

	s_roster(&s_c, 1, "山田製作所", "山田製作所");
	s_ok(&s_a, "ipv4", v);
	s_ok(&s_b, "ipv4", v);
	s_reload_rosters();	/* s_c is not a coordinator here yet */
	ck_assert_uint_eq(s_check_at(s_b.last, &s_fw, T0)->origins, 2);
	s_trust(&s_c, TRUST_COORDINATOR);
	s_reload_rosters();
	ck_assert_uint_eq(s_check_at(s_b.last, &s_fw, T0)->origins, 1);
	ck_assert_int_eq(s_reason(s_b.last), POLICY_REPORTERS);
	/* A new version tells the two apart. */
	s_roster(&s_c, 2, "山田製作所", "鈴木商店");
	s_reload_rosters();
	ck_assert_uint_eq(s_check_at(s_b.last, &s_fw, T0)->origins, 2);
	ck_assert_int_ne(s_reason(s_b.last), POLICY_REPORTERS);
	/* Revoking b: its report stops counting. */
	s_roster(&s_c, 3, "山田製作所", NULL);
	s_reload_rosters();
	ck_assert_uint_eq(s_check_at(s_b.last, &s_fw, T0)->origins, 1);
}
END_TEST

START_TEST(test_k_sightings)
{
	const char *v = "45.33.32.31", *w = "45.33.32.32";

	s_ok(&s_a, "ipv4", v);
	s_sight(&s_b, "ipv4", v, "seen");
	ck_assert_int_eq(s_reason(s_a.last), POLICY_PASS);

	/* False-positive and "expired" sightings do not count. */
	s_ok(&s_a, "ipv4", w);
	s_sight(&s_b, "ipv4", w, "false-positive");
	s_sight(&s_c, "ipv4", w, "expired");
	ck_assert_int_eq(s_reason(s_a.last), POLICY_REPORTERS);
	ck_assert_uint_eq(s_check_at(s_a.last, &s_fw, T0)->origins, 1);
}
END_TEST

START_TEST(test_veto)
{
	const char *v = "45.33.32.40", *w = "45.33.32.41";
	struct policy_verdict *pv;

	/* This node's false-positive sighting stops even a trusted report. */
	s_trust(&s_a, TRUST_TRUSTED);
	s_ok(&s_a, "ipv4", v);
	ck_assert_int_eq(s_reason(s_a.last), POLICY_PASS);
	s_sight(&s_self, "ipv4", v, "false-positive");
	pv = s_check_at(s_a.last, &s_fw, T0);
	ck_assert_int_eq(pv->reason, POLICY_VETOED);
	ck_assert_mem_eq(pv->veto_origin, ident_public(s_self.id),
	    RECORD_KEY_LEN);
	/* An untrusted origin's false positive does not veto. */
	s_ok(&s_a, "ipv4", w);
	s_sight(&s_b, "ipv4", w, "false-positive");
	ck_assert_int_eq(s_reason(s_a.last), POLICY_PASS);
}
END_TEST

START_TEST(test_trust_levels)
{
	s_trust(&s_a, TRUST_MEMBER);
	s_trust(&s_b, TRUST_TRUSTED);
	s_trust(&s_c, TRUST_COORDINATOR);
	s_ok(&s_a, "ipv4", "45.33.32.50");
	s_ok(&s_b, "ipv4", "45.33.32.51");
	s_ok(&s_c, "ipv4", "45.33.32.52");
	s_ok(&s_self, "ipv4", "45.33.32.53");
	ck_assert_int_eq(s_reason(s_a.last), POLICY_REPORTERS);
	ck_assert_int_eq(s_reason(s_b.last), POLICY_PASS);
	ck_assert_int_eq(s_reason(s_c.last), POLICY_PASS);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	/* Without its key, this node is just another origin. */
	s_p.have_self = false;
	ck_assert_int_eq(s_reason(s_self.last), POLICY_REPORTERS);
}
END_TEST

START_TEST(test_merged)
{
	const char *v = "45.33.32.60";
	uint8_t first[RECORD_ID_LEN];
	struct policy_verdict *pv;
	int r1, r2;

	s_ok(&s_self, "ipv4", v);
	memcpy(first, s_self.last, RECORD_ID_LEN);
	s_ind(&s_self, "ipv4", v, TLP_CLEAR, PAP_GREEN, 90, T0 + 2 * TTL);
	/* The longer-lived record carries the value. */
	r1 = s_reason(first);
	r2 = s_reason(s_self.last);
	ck_assert_int_eq(r1, POLICY_MERGED);
	ck_assert_int_eq(r2, POLICY_PASS);
	pv = s_check_at(first, &s_fw, T0);
	ck_assert_mem_eq(pv->id, s_self.last, RECORD_ID_LEN);
	ck_assert_int_eq(pv->confidence, 90);
	/* A record that does not pass never carries: an AMBER-PAP one with
	 * a later expiry leaves the first as the carrier. */
	s_ind(&s_self, "ipv4", "45.33.32.61", TLP_CLEAR, PAP_GREEN, 80, T0 + TTL);
	memcpy(first, s_self.last, RECORD_ID_LEN);
	s_ind(&s_self, "ipv4", "45.33.32.61", TLP_CLEAR, PAP_AMBER, 80,
	    T0 + 3 * TTL);
	ck_assert_int_eq(s_reason(first), POLICY_PASS);
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PAP);
}
END_TEST

START_TEST(test_allowlist_both_ways)
{
	s_allow("198.51.100.0/24");
	s_allow("2001:db8::/32");
	/* A /20 that holds the allowlisted /24: refused whole. */
	s_ok(&s_self, "cidr4", "198.51.96.0/20");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	/* An address inside it. */
	s_ok(&s_self, "ipv4", "198.51.100.7");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	/* The neighbouring /20 and /24 pass. */
	s_ok(&s_self, "cidr4", "198.51.112.0/20");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	s_ok(&s_self, "cidr4", "198.51.101.0/24");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	/* IPv6: inside, around, beside. */
	s_ok(&s_self, "cidr6", "2001:db8:1::/48");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	s_ok(&s_self, "ipv6", "2001:db8::1");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	s_ok(&s_self, "cidr6", "2001:d00::/24");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	s_ok(&s_self, "cidr6", "2a00:1450:4001::/48");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	s_ok(&s_self, "cidr6", "2a00:1450:4001:800::/64");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
}
END_TEST

START_TEST(test_domains)
{
	s_allow("example.jp");
	s_allow("dns.quad9.net");
	s_ok(&s_self, "domain", "example.jp");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	s_ok(&s_self, "domain", "login.example.jp");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	s_ok(&s_self, "hostname", "_dmarc.example.jp");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	s_ok(&s_self, "url", "https://www.example.jp/login");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	s_ok(&s_self, "email", "billing@mail.example.jp");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	s_ok(&s_self, "domain", "quad9.net");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_ALLOWLISTED);
	s_ok(&s_self, "domain", "example.jp.evil.com");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	s_ok(&s_self, "url", "https://evil.com/example.jp");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	/* Hashes never meet the allowlist. */
	s_ok(&s_self, "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
	    "934ca495991b7852b855");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
}
END_TEST

START_TEST(test_wide)
{
	uint8_t v4[RECORD_ID_LEN], v6[RECORD_ID_LEN];
	const char *why;

	s_ok(&s_self, "cidr4", "45.0.0.0/12");
	memcpy(v4, s_self.last, RECORD_ID_LEN);
	ck_assert_int_eq(s_reason(v4), POLICY_WIDE);
	s_ok(&s_self, "cidr4", "45.16.0.0/16");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	s_ok(&s_self, "cidr6", "2a00::/24");
	memcpy(v6, s_self.last, RECORD_ID_LEN);
	ck_assert_int_eq(s_reason(v6), POLICY_WIDE);
	s_ok(&s_self, "cidr6", "2a01::/32");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_PASS);
	/* An explicit override covering them lets them out. */
	ck_assert_int_eq(allowlist_add(s_p.wide, "45.0.0.0/8",
	    ALLOWLIST_NETS_ONLY, "wide-prefixes.txt", 1, &why), 0);
	ck_assert_int_eq(allowlist_add(s_p.wide, "2a00::/24",
	    ALLOWLIST_NETS_ONLY, "wide-prefixes.txt", 2, &why), 0);
	ck_assert_int_eq(s_reason(v4), POLICY_PASS);
	ck_assert_int_eq(s_reason(v6), POLICY_PASS);
	/* Overlapping an override is not enough: it must cover. */
	s_ok(&s_self, "cidr4", "44.0.0.0/7");
	ck_assert_int_eq(s_reason(s_self.last), POLICY_WIDE);
	/* The allowlist still wins over an override. */
	s_allow("45.1.2.0/24");
	ck_assert_int_eq(s_reason(v4), POLICY_ALLOWLISTED);
}
END_TEST

START_TEST(test_value)
{
	struct policy_verdict v;
	struct store_txn *t;

	s_ok(&s_a, "domain", "evil.example.com");
	s_ok(&s_b, "domain", "evil.example.com");
	s_ok(&s_a, "domain", "lonely.example.com");
	ck_assert_int_eq(store_read_begin(s_st, &t), 0);
	ck_assert_int_eq(policy_value(&s_p, &s_fw, t, IT_DOMAIN,
	    "evil.example.com", 16, T0, &v), 0);
	ck_assert_int_eq(v.reason, POLICY_PASS);
	ck_assert(v.carried);
	ck_assert_uint_eq(v.nrecs, 2);
	ck_assert_int_eq(policy_value(&s_p, &s_fw, t, IT_DOMAIN,
	    "lonely.example.com", 18, T0, &v), 0);
	ck_assert_int_eq(v.reason, POLICY_REPORTERS);
	ck_assert_int_eq(policy_value(&s_p, &s_fw, t, IT_DOMAIN,
	    "unknown.example.com", 19, T0, &v), 0);
	ck_assert_int_eq(v.reason, POLICY_NO_BODY);
	store_read_end(&t);
}
END_TEST

START_TEST(test_counts_format)
{
	struct policy_counts c = { 0 };
	char buf[256];

	c.n[POLICY_PASS] = 5;
	c.n[POLICY_EXPIRED] = 1;
	c.n[POLICY_ALLOWLISTED] = 2;
	c.n[POLICY_REPORTERS] = 3;
	c.n[POLICY_MERGED] = 4;
	policy_counts_format(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "exported 5; refused: expired 1, allowlisted 2, "
	    "reporters 3; merged 4 (same value, carried by another record)");
	memset(&c, 0, sizeof(c));
	policy_counts_format(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "exported 0");
	ck_assert_str_eq(policy_reason_name(POLICY_WIDE), "wide");
}
END_TEST

static void
s_write(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_load)
{
	char node[512], lists[600];
	struct config cfg;
	struct policy p;
	const struct allowlist_entry *hit;
	const char *why = NULL;
	struct ident *id = tu_ident(9);
	int rc;

	snprintf(node, sizeof(node), "%s/node", s_dir);
	snprintf(lists, sizeof(lists), "%s/lists", s_dir);
	ck_assert_int_eq(mkdir(node, 0700), 0);
	ck_assert_int_eq(mkdir(lists, 0700), 0);
	ck_assert_int_eq(keyfile_save_ident(node, id), 0);
	config_defaults(&cfg, node);
	snprintf(cfg.allowlist_dir, sizeof(cfg.allowlist_dir), "%s/none", s_dir);
	ck_assert_int_eq(policy_load(&p, &cfg, NULL, NULL, &why), KY_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(why, "allowlist_dir"));

	snprintf(cfg.allowlist_dir, sizeof(cfg.allowlist_dir), "%s", lists);
	s_write(lists, "base.txt", "192.0.2.0/24\n");
	snprintf(cfg.own_networks, sizeof(cfg.own_networks), "203.0.113.0/28");
	snprintf(cfg.own_domains, sizeof(cfg.own_domains), "yamada.example.jp");
	cfg.export_k = 3;
	cfg.export_confidence = 70;
	ck_assert_int_eq(policy_load(&p, &cfg, NULL, NULL, &why), 0);
	ck_assert(p.have_self);
	ck_assert_mem_eq(p.self, ident_public(id), RECORD_KEY_LEN);
	ck_assert_uint_eq(p.k, 3);
	ck_assert_int_eq(p.min_confidence, 70);
	ck_assert(allowlist_match(p.allow, IT_IPV4, "192.0.2.1", 9, NULL));
	ck_assert(allowlist_match(p.allow, IT_IPV4, "203.0.113.1", 11, &hit));
	ck_assert_str_eq(hit->source, "kyojod.conf own_networks");
	ck_assert(allowlist_match(p.allow, IT_DOMAIN, "www.yamada.example.jp",
	    21, NULL));
	policy_clear(&p);

	/* DIR/allowlist.d adds to the list; DIR/wide-prefixes.txt takes
	 * networks only, and a bad line anywhere fails the load. */
	snprintf(lists, sizeof(lists), "%s/allowlist.d", node);
	ck_assert_int_eq(mkdir(lists, 0700), 0);
	s_write(lists, "mine.txt", "partner.example.jp\n");
	s_write(node, "wide-prefixes.txt", "45.0.0.0/8\n");
	ck_assert_int_eq(policy_load(&p, &cfg, NULL, NULL, &why), 0);
	ck_assert(allowlist_match(p.allow, IT_DOMAIN, "partner.example.jp", 18,
	    NULL));
	ck_assert_uint_eq(allowlist_count(p.wide), 1);
	policy_clear(&p);
	s_write(node, "wide-prefixes.txt", "45.0.0.0/8\nexample.jp\n");
	rc = policy_load(&p, &cfg, NULL, NULL, &why);
	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_null(p.allow);
	ident_destroy(&id);
}
END_TEST

static void
s_conf_err(void *ctx, const char *msg)
{
	snprintf(ctx, 300, "%s", msg);
}

START_TEST(test_config_keys)
{
	static const char good[] =
	    "own_networks \"203.0.113.0/24, 2001:db8:10::/48,198.51.100.7\"\n"
	    "own_domains \"yamada.example.jp, ＥＸＡＭＰＬＥ.co.jp\"\n"
	    "export_confidence 70\nexport_k 3\nallowlist_dir /etc/kyojo/allow\n";
	static const struct { const char *line, *msg; } bad[] = {
		{ "own_networks \"10.0.0.1/8\"\n",
		    "c:1: own_networks: cidr4: host bits set beyond the prefix" },
		{ "own_networks \"example.jp\"\n",
		    "c:1: own_networks: ipv4: octet is not a decimal number" },
		{ "own_domains \"*.example.jp\"\n", "c:1: own_domains: domain:" },
		{ "export_k 0\n", "c:1: export_k: value out of range" },
		{ "export_confidence 101\n",
		    "c:1: export_confidence: value out of range" },
	};
	struct config cfg;
	char msg[300] = "";

	config_defaults(&cfg, "/n");
	ck_assert_str_eq(cfg.allowlist_dir, CONFIG_ALLOWLIST_DIR);
	ck_assert_int_eq(cfg.export_k, 2);
	ck_assert_int_eq(cfg.export_confidence, 50);
	ck_assert_int_eq(config_parse(&cfg, "c", good, strlen(good),
	    s_conf_err, msg), 0);
	ck_assert_int_eq(cfg.export_k, 3);
	ck_assert_str_eq(cfg.allowlist_dir, "/etc/kyojo/allow");
	ck_assert_ptr_nonnull(strstr(cfg.own_domains, "ＥＸＡＭＰＬＥ"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_defaults(&cfg, "/n");
		ck_assert_int_eq(config_parse(&cfg, "c", bad[i].line,
		    strlen(bad[i].line), s_conf_err, msg), 1);
		ck_assert_msg(strncmp(msg, bad[i].msg, strlen(bad[i].msg)) == 0,
		    "%s: %s", bad[i].line, msg);
	}
}
END_TEST

static Suite *
s_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pass_and_fields);
	tcase_add_test(tc, test_each_reason);
	tcase_add_test(tc, test_expiry_jitter);
	tcase_add_test(tc, test_k_two_origins);
	tcase_add_test(tc, test_k_sightings);
	tcase_add_test(tc, test_k_counts_organizations);
	tcase_add_test(tc, test_veto);
	tcase_add_test(tc, test_trust_levels);
	tcase_add_test(tc, test_merged);
	tcase_add_test(tc, test_allowlist_both_ways);
	tcase_add_test(tc, test_domains);
	tcase_add_test(tc, test_wide);
	tcase_add_test(tc, test_value);
	tcase_add_test(tc, test_counts_format);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_config_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	sr = srunner_create(s_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * check_seal - protocol/seal: sealed bodies for AMBER, AMBER+STRICT and
 * RED records.  Round trips to one and three recipients, refusals of
 * everyone else and of every tampered part, the header-aware body check,
 * strictness and size limits, and the known-answer vector of
 * docs/protocol.md section 2.1 (tests/vectors/seal_kat.exp).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "keys/ident.h"
#include "protocol/json.h"
#include "protocol/seal.h"
#include "tests/testutil.h"

static const char s_plain[] =
    "{\"type\":\"domain\",\"value\":\"xn--r8jz45g.example\","
    "\"category\":\"fraud:phishing\",\"confidence\":90}";

/* seal_unbox_fn over a struct ident, as the daemon wires it. */
static int
s_unbox(void *ctx, const uint8_t *box, size_t len, uint8_t *out)
{
	return ident_seal_open(ctx, box, len, out);
}

static void
s_seal_ok(uint8_t kind, const char *plain, const uint8_t (*to)[32],
    size_t n, uint8_t **out, size_t *len)
{
	const char *why = NULL;
	int rc = seal_body(kind, (const uint8_t *)plain, strlen(plain), to, n,
	    out, len, &why);

	ck_assert_msg(rc == 0, "seal_body: %s", why ? why : "?");
}

/* Opens env as id; returns the code, and checks the plaintext on 0. */
static int
s_open_as(struct ident *id, uint8_t kind, const uint8_t *env, size_t len,
    const char *want, const char **why)
{
	uint8_t *plain = (uint8_t *)"junk";
	size_t plain_len = 99;
	int rc;

	*why = NULL;
	rc = seal_open(kind, env, len, ident_public(id), s_unbox, id, &plain,
	    &plain_len, why);
	if (rc == 0) {
		ck_assert_uint_eq(plain_len, strlen(want));
		ck_assert_mem_eq(plain, want, plain_len);
		sodium_memzero(plain, plain_len);
		free(plain);
	} else {
		ck_assert_ptr_null(plain);
		ck_assert_uint_eq(plain_len, 0);
		ck_assert_ptr_nonnull(*why);
	}
	return rc;
}

/*
 * Changes one character of the JSON string member's value, at offset off
 * within it, to another character of the same alphabet; returns the old
 * character for s_unflip.
 */
static char
s_flip(uint8_t *env, size_t len, const char *member, size_t off)
{
	char needle[32], c;
	uint8_t *p;

	snprintf(needle, sizeof(needle), "\"%s\":\"", member);
	p = memmem(env, len, needle, strlen(needle));
	ck_assert_ptr_nonnull(p);
	p += strlen(needle) + off;
	c = (char)*p;
	if (c >= '0' && c <= '9')
		*p = c == '0' ? '1' : '0';
	else
		*p = c == 'a' ? 'b' : 'a';
	return c;
}

static void
s_unflip(uint8_t *env, size_t len, const char *member, size_t off, char c)
{
	char needle[32];
	uint8_t *p;

	snprintf(needle, sizeof(needle), "\"%s\":\"", member);
	p = memmem(env, len, needle, strlen(needle));
	p[strlen(needle) + off] = (uint8_t)c;
}

START_TEST(test_round_trip_one)
{
	struct ident *a = tu_ident(1);
	uint8_t to[1][32], got[4][32], *env;
	size_t len, n = 9;
	const char *why;
	cJSON *root;

	memcpy(to[0], ident_public(a), 32);
	s_seal_ok(RK_INDICATOR, s_plain, to, 1, &env, &len);
	ck_assert(seal_is_envelope(env, len));
	ck_assert_int_eq(seal_check(env, len, &why), 0);
	/* The envelope is a strict-JSON body like any other. */
	ck_assert_int_eq(json_parse_strict(env, len, &root, &why), 0);
	cJSON_Delete(root);
	ck_assert_ptr_null(memmem(env, len, "phishing", 8));
	ck_assert_int_eq(seal_recipients(env, len, got, 4, &n, &why), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(got[0], to[0], 32);
	/* A receiver opens it only in a record whose origin it names. */
	ck_assert(seal_names(env, len, to[0]));
	{
		struct ident *relay = tu_ident(2);

		ck_assert(!seal_names(env, len, ident_public(relay)));
		ident_destroy(&relay);
	}
	ck_assert(!seal_names((const uint8_t *)"{}", 2, to[0]));
	ck_assert_int_eq(s_open_as(a, RK_INDICATOR, env, len, s_plain, &why),
	    0);
	/* Two seals of one body differ: fresh key and nonce each time. */
	{
		uint8_t *env2;
		size_t len2;

		s_seal_ok(RK_INDICATOR, s_plain, to, 1, &env2, &len2);
		ck_assert_uint_eq(len2, len);
		ck_assert(memcmp(env, env2, len) != 0);
		free(env2);
	}
	free(env);
	ident_destroy(&a);
}
END_TEST

START_TEST(test_round_trip_three)
{
	struct ident *id[4];
	uint8_t to[3][32], got[3][32], small[2][32], *env;
	size_t len, n;
	const char *why;

	for (int i = 0; i < 4; i++)
		id[i] = tu_ident((uint8_t)(10 + i));
	for (int i = 0; i < 3; i++)
		memcpy(to[i], ident_public(id[i]), 32);
	s_seal_ok(RK_ARTICLE, s_plain, to, 3, &env, &len);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(s_open_as(id[i], RK_ARTICLE, env, len,
		    s_plain, &why), 0);
	ck_assert_int_eq(seal_recipients(env, len, got, 3, &n, &why), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(got, to, sizeof(to));
	ck_assert_int_eq(seal_recipients(env, len, small, 2, &n, &why),
	    KY_ETOOBIG);
	ck_assert_uint_eq(n, 3);
	/* Not a recipient. */
	ck_assert_int_eq(s_open_as(id[3], RK_ARTICLE, env, len, s_plain,
	    &why), KY_ENOTFOUND);
	ck_assert_str_eq(why, "sealed: not addressed to this key");
	/* Claiming a recipient's key does not open its box. */
	{
		uint8_t *plain;
		size_t plain_len;

		ck_assert_int_eq(seal_open(RK_ARTICLE, env, len, to[0],
		    s_unbox, id[3], &plain, &plain_len, &why), KY_EBADSIG);
		ck_assert_ptr_nonnull(strstr(why, "box does not open"));
	}
	free(env);
	for (int i = 0; i < 4; i++)
		ident_destroy(&id[i]);
}
END_TEST

/* Every part is authenticated: ct, box, nonce and the record kind. */
START_TEST(test_tamper)
{
	struct ident *a = tu_ident(20), *b = tu_ident(21);
	uint8_t to[2][32], *env;
	size_t len;
	const char *why;

	memcpy(to[0], ident_public(a), 32);
	memcpy(to[1], ident_public(b), 32);
	s_seal_ok(RK_INDICATOR, s_plain, to, 2, &env, &len);
	ck_assert_int_eq(s_open_as(b, RK_INDICATOR, env, len, s_plain, &why),
	    0);
	/* Another kind: the kind byte is the additional data. */
	ck_assert_int_eq(s_open_as(b, RK_SIGHTING, env, len, s_plain, &why),
	    KY_EBADSIG);
	ck_assert_ptr_nonnull(strstr(why, "does not authenticate"));
	for (size_t off = 0; off < 40; off += 13) {
		char c = s_flip(env, len, "ct", off);

		ck_assert_int_eq(seal_check(env, len, &why), 0);
		ck_assert_int_eq(s_open_as(b, RK_INDICATOR, env, len, s_plain,
		    &why), KY_EBADSIG);
		s_unflip(env, len, "ct", off, c);
	}
	for (size_t off = 0; off < 48; off += 11) {
		char c = s_flip(env, len, "nonce", off);

		ck_assert_int_eq(s_open_as(b, RK_INDICATOR, env, len, s_plain,
		    &why), KY_EBADSIG);
		s_unflip(env, len, "nonce", off, c);
	}
	/* b's box is the second one; a's stays good. */
	{
		uint8_t *box = memmem(env, len, "\"box\":\"", 7);

		box = memmem(box + 7, len - (size_t)(box + 7 - env),
		    "\"box\":\"", 7);
		ck_assert_ptr_nonnull(box);
		for (size_t off = 0; off < 100; off += 17) {
			char c = (char)box[7 + off];

			box[7 + off] = c == 'a' ? 'b' : 'a';
			ck_assert_int_eq(seal_check(env, len, &why), 0);
			ck_assert_int_eq(s_open_as(b, RK_INDICATOR, env, len,
			    s_plain, &why), KY_EBADSIG);
			ck_assert_int_eq(s_open_as(a, RK_INDICATOR, env, len,
			    s_plain, &why), 0);
			box[7 + off] = (uint8_t)c;
		}
	}
	ck_assert_int_eq(s_open_as(a, RK_INDICATOR, env, len, s_plain, &why),
	    0);
	free(env);
	ident_destroy(&a);
	ident_destroy(&b);
}
END_TEST

/* What every receiver runs: sealed exactly when the header says so. */
START_TEST(test_body_parse_record)
{
	struct ident *a = tu_ident(30);
	struct record_header h = { .kind = RK_INDICATOR, .tlp = TLP_AMBER };
	uint8_t to[1][32], *env;
	size_t len;
	const char *why;
	cJSON *root;
	char retraction[128];

	memcpy(to[0], ident_public(a), 32);
	s_seal_ok(RK_INDICATOR, s_plain, to, 1, &env, &len);
	for (uint8_t tlp = TLP_AMBER; tlp <= TLP_RED; tlp++) {
		h.tlp = tlp;
		ck_assert(seal_required(&h));
		ck_assert_int_eq(body_parse_record(&h, env, len, &root, &why),
		    0);
		ck_assert_ptr_nonnull(json_get(root, "sealed"));
		cJSON_Delete(root);
		/* A plain body where a sealed one is due. */
		root = (cJSON *)1;
		ck_assert_int_eq(body_parse_record(&h, (const uint8_t *)s_plain,
		    strlen(s_plain), &root, &why), KY_EINVAL);
		ck_assert_ptr_null(root);
		ck_assert_str_eq(why, "body: an AMBER, AMBER+STRICT or RED "
		    "body must be sealed");
	}
	for (uint8_t tlp = TLP_CLEAR; tlp <= TLP_GREEN; tlp++) {
		h.tlp = tlp;
		ck_assert(!seal_required(&h));
		ck_assert_int_eq(body_parse_record(&h, env, len, &root, &why),
		    KY_EINVAL);
		ck_assert_ptr_null(root);
		ck_assert_str_eq(why, "body: sealed body on a CLEAR/GREEN "
		    "record");
		ck_assert_int_eq(body_parse_record(&h, (const uint8_t *)s_plain,
		    strlen(s_plain), &root, &why), 0);
		cJSON_Delete(root);
	}
	/* Any "sealed" member on a GREEN indicator is refused. */
	h.tlp = TLP_GREEN;
	{
		const char *b = "{\"type\":\"domain\",\"value\":\"example.com\","
		    "\"category\":\"fraud:phishing\",\"confidence\":9,"
		    "\"sealed\":\"no\"}";

		ck_assert_int_eq(body_parse_record(&h, (const uint8_t *)b,
		    strlen(b), &root, &why), KY_EINVAL);
	}
	/* Retractions stay readable on RED records: relays prune with them. */
	snprintf(retraction, sizeof(retraction), "{\"ref\":\"%064d\"}", 0);
	h.kind = RK_RETRACTION;
	h.tlp = TLP_RED;
	ck_assert(!seal_required(&h));
	ck_assert_int_eq(body_parse_record(&h, (const uint8_t *)retraction,
	    strlen(retraction), &root, &why), 0);
	cJSON_Delete(root);
	ck_assert_int_eq(body_parse_record(&h, env, len, &root, &why),
	    KY_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "ref"));
	/* Sightings and articles are sealed too; cards and rosters never. */
	h.kind = RK_SIGHTING;
	ck_assert(seal_required(&h));
	h.kind = RK_ARTICLE;
	ck_assert(seal_required(&h));
	h.kind = RK_CARD;
	ck_assert(!seal_required(&h));
	h.kind = RK_ROSTER;
	ck_assert(!seal_required(&h));
	/* Through a whole signed record, as the store sees it. */
	{
		struct record r;
		uint8_t *rec;
		size_t rlen;

		rec = tu_record(a, RK_INDICATOR, TLP_AMBER_STRICT, 1, NULL,
		    1700000000, 1700086400, (const char *)env, &rlen);
		ck_assert_uint_eq(rlen, RECORD_STUB_LEN + len);
		ck_assert_int_eq(record_open(rec, rlen, &r, &why), 0);
		ck_assert_int_eq(body_parse_record(&r.h, r.body, r.h.body_len,
		    &root, &why), 0);
		cJSON_Delete(root);
		free(rec);
	}
	free(env);
	ident_destroy(&a);
}
END_TEST

struct bad_env {
	const char *text;
	int rc;
	const char *why;	/* a part of the reason */
};

#define NONCE	"000102030405060708090a0b0c0d0e0f1011121314151617"
#define KEY	"8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"
#define KEY2	"8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394"
#define BOX	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="	/* 80 B */
#define CT	"AAAAAAAAAAAAAAAAAAAAAAAA"				/* 18 B */
#define TO1	"[{\"key\":\"" KEY "\",\"box\":\"" BOX "\"}]"
#define ENV(nonce, to, ct) "{\"sealed\":\"xchacha20poly1305\",\"nonce\":\"" \
	nonce "\",\"to\":" to ",\"ct\":\"" ct "\"}"

static const struct bad_env s_bad[] = {
	{ ENV(NONCE, TO1, CT), 0, NULL },
	/* White space is strict JSON too; member order after "sealed" free. */
	{ " { \"sealed\" : \"xchacha20poly1305\", \"ct\":\"" CT "\",\n"
	  "\"to\": " TO1 ", \"nonce\": \"" NONCE "\" }", 0, NULL },
	{ "{\"nonce\":\"" NONCE "\",\"sealed\":\"xchacha20poly1305\",\"to\":"
	  TO1 ",\"ct\":\"" CT "\"}", KY_EINVAL, "first member" },
	{ "{\"\\u0073ealed\":\"xchacha20poly1305\",\"nonce\":\"" NONCE
	  "\",\"to\":" TO1 ",\"ct\":\"" CT "\"}", KY_EINVAL, "first member" },
	{ "{\"sealed\":\"xchacha20poly1305\",\"sealed\":1,\"nonce\":\"" NONCE
	  "\",\"to\":" TO1 ",\"ct\":\"" CT "\"}", KY_EMALFORMED, "duplicate" },
	{ "{\"sealed\":\"xchacha20poly1305\",\"nonce\":\"" NONCE "\",\"to\":"
	  TO1 ",\"ct\":\"" CT "\",\"v\":1.5}", KY_EMALFORMED, "integers" },
	{ "{\"sealed\":\"xchacha20poly1305\",\"nonce\":\"" NONCE "\",\"to\":"
	  TO1 ",\"ct\":\"" CT "\",\"v\":1}", KY_EINVAL, "unknown member" },
	{ "{\"sealed\":\"xchacha20poly1305\",\"nonce\":\"" NONCE "\",\"to\":"
	  TO1 "}", KY_EINVAL, "needs sealed, nonce, to and ct" },
	{ "{\"sealed\":\"aes256gcm\",\"nonce\":\"" NONCE "\",\"to\":" TO1
	  ",\"ct\":\"" CT "\"}", KY_EINVAL, "unknown algorithm" },
	{ ENV("000102030405060708090A0B0C0D0E0F1011121314151617", TO1, CT),
	  KY_EINVAL, "nonce" },
	{ ENV("000102", TO1, CT), KY_EINVAL, "nonce" },
	{ ENV(NONCE, "[]", CT), KY_EINVAL, "non-empty" },
	{ ENV(NONCE, "{}", CT), KY_EINVAL, "non-empty" },
	{ ENV(NONCE, "[1]", CT), KY_EINVAL, "objects" },
	{ ENV(NONCE, "[{\"key\":\"8A88e3dd7409f195fd52db2d3cba5d72ca6709bf1d941"
	  "21bf3748801b40f6f5c\",\"box\":\"" BOX "\"}]", CT), KY_EINVAL,
	  "lower-case" },
	{ ENV(NONCE, "[{\"key\":\"" KEY "\",\"box\":\"" BOX "\"},{\"key\":\""
	  KEY "\",\"box\":\"" BOX "\"}]", CT), KY_EINVAL, "named twice" },
	{ ENV(NONCE, "[{\"key\":\"" KEY "\",\"box\":\"" BOX "\"},{\"key\":\""
	  KEY2 "\",\"box\":\"" BOX "\"}]", CT), 0, NULL },
	{ ENV(NONCE, "[{\"key\":\"" KEY "\"}]", CT), KY_EINVAL, "key and box" },
	{ ENV(NONCE, "[{\"key\":\"" KEY "\",\"box\":\"" BOX "\",\"x\":1}]", CT),
	  KY_EINVAL, "unknown member" },
	{ ENV(NONCE, "[{\"key\":\"" KEY "\",\"box\":\"AAAA\"}]", CT),
	  KY_EINVAL, "80 bytes" },
	/* Non-canonical base64: bits after the last byte, missing padding,
	 * white space, another alphabet. */
	{ ENV(NONCE, TO1, "AAAAAAAAAAAAAAAAAAAAAAAB"), 0, NULL },
	{ ENV(NONCE, TO1, "AAAAAAAAAAAAAAAAAAAAAA=="), KY_EINVAL, "ct" },
	{ ENV(NONCE, TO1, "AAAAAAAAAAAAAAAAAAAAAB=="), KY_EINVAL, "ct" },
	{ ENV(NONCE, TO1, "AAAAAAAAAAAAAAAAAAAAAAE="), 0, NULL },
	{ ENV(NONCE, TO1, "AAAAAAAAAAAAAAAAAAAAAAB="), KY_EINVAL, "ct" },
	{ ENV(NONCE, TO1, "AAAAAAAAAAAAAAAAAAAAAAA"), KY_EINVAL, "ct" },
	{ ENV(NONCE, TO1, "AAAAAAAAAAAA AAAAAAAAAAA"), KY_EINVAL, "ct" },
	{ ENV(NONCE, TO1, "AAAAAAAAAAAAAAAAAAAAAA-_"), KY_EINVAL, "ct" },
	{ ENV(NONCE, TO1, "AAAAAAAAAAAAAAAAAAAA=AAA"), KY_EINVAL, "ct" },
	/* 16 bytes: a tag and nothing sealed under it. */
	{ ENV(NONCE, TO1, "AAAAAAAAAAAAAAAAAAAAAA=="), KY_EINVAL, "at least 17" },
	{ ENV(NONCE, TO1, ""), KY_EINVAL, "ct" },
	{ "{\"sealed\":\"xchacha20poly1305\",\"nonce\":\"" NONCE "\",\"to\":"
	  TO1 ",\"ct\":7}", KY_EINVAL, "ct" },
	{ "[\"sealed\"]", KY_EINVAL, "first member" },
	{ "{\"sealed\"", KY_EINVAL, "first member" },
	{ "{\"sealed\":", KY_EMALFORMED, "JSON" },
};

START_TEST(test_strict)
{
	for (size_t i = 0; i < sizeof(s_bad) / sizeof(s_bad[0]); i++) {
		const struct bad_env *c = &s_bad[i];
		uint8_t to[2][32];
		size_t n = 77;
		const char *why = NULL;
		int rc = seal_check((const uint8_t *)c->text, strlen(c->text),
		    &why);

		ck_assert_msg(rc == c->rc, "case %zu: rc %d (%s), want %d", i,
		    rc, why ? why : "-", c->rc);
		if (c->why != NULL)
			ck_assert_msg(why != NULL && strstr(why, c->why) != NULL,
			    "case %zu: why \"%s\", want \"%s\"", i,
			    why ? why : "-", c->why);
		ck_assert_int_eq(seal_recipients((const uint8_t *)c->text,
		    strlen(c->text), to, 2, &n, &why), rc);
		if (rc != 0)
			ck_assert_uint_eq(n, 0);
		else
			ck_assert(seal_is_envelope((const uint8_t *)c->text,
			    strlen(c->text)));
	}
	ck_assert(!seal_is_envelope((const uint8_t *)"", 0));
	ck_assert(!seal_is_envelope((const uint8_t *)"{", 1));
	ck_assert(!seal_is_envelope((const uint8_t *)"{\"sealed\"", 9));
	ck_assert(seal_is_envelope((const uint8_t *)"{\"sealed\":", 10));
	ck_assert(!seal_is_envelope((const uint8_t *)s_plain, strlen(s_plain)));
}
END_TEST

/* 64 recipients at most, each a valid key named once; 64 KiB at most. */
START_TEST(test_limits)
{
	uint8_t (*to)[32] = malloc(65 * 32), *env, *big;
	struct ident *last = NULL;
	size_t len, n, max_plain;
	const char *why;

	for (int i = 0; i < 65; i++) {
		struct ident *id = tu_ident((uint8_t)(100 + i));

		memcpy(to[i], ident_public(id), 32);
		if (i == 63)
			last = id;
		else
			ident_destroy(&id);
	}
	ck_assert_int_eq(seal_body(RK_INDICATOR, (const uint8_t *)s_plain,
	    strlen(s_plain), to, 0, &env, &len, &why), KY_EINVAL);
	ck_assert_ptr_null(env);
	ck_assert_int_eq(seal_body(RK_INDICATOR, (const uint8_t *)s_plain,
	    strlen(s_plain), to, 65, &env, &len, &why), KY_ETOOBIG);
	ck_assert_int_eq(seal_body(RK_INDICATOR, (const uint8_t *)s_plain, 0,
	    to, 1, &env, &len, &why), KY_EINVAL);
	/* The full house: 64 recipients, the last one opens it. */
	s_seal_ok(RK_INDICATOR, s_plain, to, 64, &env, &len);
	{
		uint8_t (*got)[32] = malloc(64 * 32);

		ck_assert_int_eq(seal_recipients(env, len, got, 64, &n, &why),
		    0);
		ck_assert_uint_eq(n, 64);
		ck_assert_mem_eq(got, to, 64 * 32);
		free(got);
	}
	ck_assert_int_eq(s_open_as(last, RK_INDICATOR, env, len, s_plain,
	    &why), 0);
	free(env);
	/* Named twice. */
	memcpy(to[2], to[0], 32);
	ck_assert_int_eq(seal_body(RK_INDICATOR, (const uint8_t *)s_plain,
	    strlen(s_plain), to, 3, &env, &len, &why), KY_EINVAL);
	ck_assert_str_eq(why, "sealed: a recipient is named twice");
	/* Keys without an X25519 twin: small order (zero, the identity),
	 * and a y that is on no curve point. */
	memset(to[2], 0, 32);
	ck_assert_int_eq(seal_body(RK_INDICATOR, (const uint8_t *)s_plain,
	    strlen(s_plain), to, 3, &env, &len, &why), KY_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "X25519"));
	memset(to[2], 0, 32);
	to[2][0] = 1;
	ck_assert_int_eq(seal_body(RK_INDICATOR, (const uint8_t *)s_plain,
	    strlen(s_plain), to, 3, &env, &len, &why), KY_EINVAL);
	memset(to[2], 0, 32);
	to[2][0] = 2;
	ck_assert_int_eq(seal_body(RK_INDICATOR, (const uint8_t *)s_plain,
	    strlen(s_plain), to, 3, &env, &len, &why), KY_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "X25519"));
	/* The largest body that fits one recipient, and one byte more. */
	memcpy(to[2], ident_public(last), 32);
	big = malloc(RECORD_BODY_MAX + 1);
	memset(big, 'x', RECORD_BODY_MAX + 1);
	for (max_plain = RECORD_BODY_MAX / 4 * 3 - 400;; max_plain++) {
		int rc = seal_body(RK_ARTICLE, big, max_plain + 1, to + 2, 1,
		    &env, &len, &why);

		if (rc != 0) {
			ck_assert_int_eq(rc, KY_ETOOBIG);
			ck_assert_ptr_nonnull(strstr(why, "64 KiB"));
			break;
		}
		free(env);
	}
	ck_assert_int_eq(seal_body(RK_ARTICLE, big, max_plain, to + 2, 1, &env,
	    &len, &why), 0);
	ck_assert_uint_le(len, RECORD_BODY_MAX);
	ck_assert_uint_gt(len, RECORD_BODY_MAX - 4);
	ck_assert_uint_gt(max_plain, RECORD_BODY_MAX / 4 * 3 - 400);
	ck_assert_int_eq(seal_check(env, len, &why), 0);
	{
		uint8_t *plain;
		size_t plain_len;

		ck_assert_int_eq(seal_open(RK_ARTICLE, env, len,
		    ident_public(last), s_unbox, last, &plain, &plain_len,
		    &why), 0);
		ck_assert_uint_eq(plain_len, max_plain);
		ck_assert_mem_eq(plain, big, max_plain);
		free(plain);
	}
	free(env);
	ck_assert_int_eq(seal_body(RK_ARTICLE, big, RECORD_BODY_MAX + 1,
	    to + 2, 1, &env, &len, &why), KY_ETOOBIG);
	/* An envelope over 64 KiB is refused before it is parsed. */
	ck_assert_int_eq(seal_check(big, RECORD_BODY_MAX + 1, &why),
	    KY_ETOOBIG);
	free(big);
	free(to);
	ident_destroy(&last);
}
END_TEST

/* name -> value lines of a vector file; NULL if the name is missing. */
static char *
s_vector(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; p != NULL && *p != '\0';
	    p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, n) == 0 && p[n] == ' ') {
			const char *v = p + n + 1, *e = strchr(v, '\n');

			return strndup(v, e ? (size_t)(e - v) : strlen(v));
		}
	}
	return NULL;
}

static void
s_unhex(const char *text, const char *name, uint8_t *out, size_t n)
{
	char *hex = s_vector(text, name);

	ck_assert_msg(hex != NULL, "vector %s missing", name);
	ck_assert_msg(record_unhex(hex, out, n) == 0, "vector %s: bad hex",
	    name);
	free(hex);
}

/* docs/protocol.md 2.1: every byte of an envelope, given the random
 * inputs.  Both recipients open the vector's boxes with libsodium's
 * crypto_box_seal_open, so the fixed boxes are real sealed boxes. */
START_TEST(test_known_answer)
{
	struct ident *r1 = tu_ident(1), *r2 = tu_ident(2);
	uint8_t to[2][32], key[32], nonce[24], eph[2][32], *env;
	char text[8192], *want, *plain;
	size_t len, got;
	const char *why;
	FILE *f = fopen(KY_VECTORS "/seal_kat.exp", "r");

	ck_assert_ptr_nonnull(f);
	got = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[got] = '\0';
	s_unhex(text, "recipient_1", to[0], 32);
	s_unhex(text, "recipient_2", to[1], 32);
	ck_assert_mem_eq(to[0], ident_public(r1), 32);
	ck_assert_mem_eq(to[1], ident_public(r2), 32);
	s_unhex(text, "content_key", key, 32);
	s_unhex(text, "nonce", nonce, 24);
	s_unhex(text, "ephemeral_seed_1", eph[0], 32);
	s_unhex(text, "ephemeral_seed_2", eph[1], 32);
	plain = s_vector(text, "plaintext");
	want = s_vector(text, "envelope");
	ck_assert_ptr_nonnull(plain);
	ck_assert_ptr_nonnull(want);
	ck_assert_str_eq(plain, s_plain);
	ck_assert_int_eq(seal_body_fixed(RK_INDICATOR, (const uint8_t *)plain,
	    strlen(plain), to, 2, key, nonce, eph, &env, &len, &why), 0);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_mem_eq(env, want, len);
	ck_assert_int_eq(s_open_as(r1, RK_INDICATOR, env, len, s_plain, &why),
	    0);
	ck_assert_int_eq(s_open_as(r2, RK_INDICATOR, env, len, s_plain, &why),
	    0);
	{
		char *hash_hex = s_vector(text, "body_hash");
		uint8_t h[32], want_h[32];

		ck_assert_ptr_nonnull(hash_hex);
		ck_assert_int_eq(record_unhex(hash_hex, want_h, 32), 0);
		crypto_generichash(h, 32, env, len, NULL, 0);
		ck_assert_mem_eq(h, want_h, 32);
		free(hash_hex);
	}
	free(env);
	free(plain);
	free(want);
	ident_destroy(&r1);
	ident_destroy(&r2);
}
END_TEST

static Suite *
s_suite(void)
{
	Suite *s = suite_create("seal");
	TCase *tc = tcase_create("seal");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip_one);
	tcase_add_test(tc, test_round_trip_three);
	tcase_add_test(tc, test_tamper);
	tcase_add_test(tc, test_body_parse_record);
	tcase_add_test(tc, test_strict);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_known_answer);
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

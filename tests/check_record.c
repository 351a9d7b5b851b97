/* Check suite for protocol/record: layout, signatures, stubs, refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "protocol/record.h"
#include "tests/testutil.h"

static const char s_body[] =
    "{\"type\":\"domain\",\"value\":\"xn--r8jz45g.example\","
    "\"category\":\"fraud:phishing\",\"confidence\":90}";

static uint8_t *
s_make(struct ident *id, size_t *len)
{
	return tu_record(id, RK_INDICATOR, TLP_GREEN, 1, NULL, 1700000000,
	    1700000000 + 86400, s_body, len);
}

START_TEST(test_round_trip)
{
	struct ident *id = tu_ident(1);
	struct record r;
	const char *why = NULL;
	uint8_t hdr[RECORD_HEADER_LEN], idx[32];
	size_t len;
	uint8_t *buf = s_make(id, &len);

	ck_assert_uint_eq(len, RECORD_STUB_LEN + strlen(s_body));
	ck_assert_int_eq(record_open(buf, len, &r, &why), 0);
	ck_assert_uint_eq(r.h.kind, RK_INDICATOR);
	ck_assert_uint_eq(r.h.tlp, TLP_GREEN);
	ck_assert_uint_eq(r.h.seq, 1);
	ck_assert_uint_eq(r.h.created, 1700000000);
	ck_assert_uint_eq(r.h.body_len, strlen(s_body));
	ck_assert_mem_eq(r.h.origin, ident_public(id), 32);
	ck_assert_mem_eq(r.body, s_body, strlen(s_body));
	crypto_generichash(idx, 32, buf, RECORD_HEADER_LEN, NULL, 0);
	ck_assert_mem_eq(r.id, idx, 32);
	/* Packing the unpacked header gives the same bytes. */
	record_header_pack(&r.h, hdr);
	ck_assert_mem_eq(hdr, buf, RECORD_HEADER_LEN);
	free(buf);
	ident_destroy(&id);
}
END_TEST

/* Every single-bit flip anywhere in a signed record is detected. */
START_TEST(test_every_bit_flip)
{
	struct ident *id = tu_ident(2);
	struct record r;
	const char *why = NULL;
	size_t len, detected = 0;
	uint8_t *buf = s_make(id, &len);

	for (size_t bit = 0; bit < len * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (record_open(buf, len, &r, &why) != 0)
			detected++;
		else
			ck_abort_msg("flip of bit %zu not detected", bit);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ck_assert_uint_eq(detected, len * 8);
	ck_assert_int_eq(record_open(buf, len, &r, &why), 0);
	free(buf);
	ident_destroy(&id);
}
END_TEST

START_TEST(test_stub)
{
	struct ident *id = tu_ident(3);
	struct record whole, stub;
	const char *why = NULL;
	size_t len;
	uint8_t *buf = s_make(id, &len);

	ck_assert_int_eq(record_open(buf, len, &whole, &why), 0);
	ck_assert_int_eq(record_open(buf, RECORD_STUB_LEN, &stub, &why), 0);
	ck_assert(record_is_stub(&stub));
	ck_assert(!record_is_stub(&whole));
	ck_assert_mem_eq(stub.id, whole.id, 32);
	ck_assert_uint_eq(stub.h.body_len, whole.h.body_len);
	/* A stub's header flips are caught by the signature. */
	buf[116 + 7] ^= 1;	/* a bit of created */
	ck_assert_int_eq(record_open(buf, RECORD_STUB_LEN, &stub, &why), KY_EBADSIG);
	free(buf);
	ident_destroy(&id);
}
END_TEST

/* A header with one field patched; decode must refuse before crypto. */
struct bad_case {
	size_t off;
	const uint8_t patch[8];
	size_t patch_len;
	int rc;
	const char *why;
};

static const struct bad_case s_bad[] = {
	{ 0, "XYJR", 4, KY_EMALFORMED, "header: bad magic" },
	{ 4, { 2 }, 1, KY_EVERSION, "header: unknown version" },
	{ 5, { 0 }, 1, KY_EMALFORMED, "header: unknown kind" },
	{ 5, { 8 }, 1, KY_EMALFORMED, "header: unknown kind" },
	{ 6, { 5 }, 1, KY_EMALFORMED, "header: unknown TLP" },
	{ 7, { 4 }, 1, KY_EMALFORMED, "header: unknown PAP" },
	{ 8, { 0, 0, 0, 1 }, 4, KY_EMALFORMED, "header: unknown flag bits" },
	{ 44, { 0, 0, 0, 0, 0, 0, 0, 0 }, 8, KY_EMALFORMED, "header: seq must start at 1" },
	{ 44, { 0, 0, 0, 0, 0, 0, 0, 2 }, 8, KY_EMALFORMED, "header: prev id missing" },
	{ 52, { 1 }, 1, KY_EMALFORMED, "header: seq 1 with a prev id" },
	{ 124, { 0, 0, 0, 0, 0, 0, 0, 1 }, 8, KY_EMALFORMED, "header: expires before created" },
	{ 124, { 0, 0, 0, 0, 0, 0, 0, 0 }, 8, KY_EMALFORMED, "header: this kind must expire" },
	{ 132, { 0, 1, 0, 1 }, 4, KY_ETOOBIG, "header: body length over 64 KiB" },
	{ 132, { 0, 0, 0, 0 }, 4, KY_EMALFORMED, "header: empty body" },
};

START_TEST(test_refusals)
{
	const struct bad_case *bc = &s_bad[_i];
	struct ident *id = tu_ident(4);
	struct record r;
	const char *why = NULL;
	size_t len;
	uint8_t *buf = s_make(id, &len);

	memcpy(buf + bc->off, bc->patch, bc->patch_len);
	ck_assert_int_eq(record_decode(buf, len, &r, &why), bc->rc);
	ck_assert_str_eq(why, bc->why);
	ck_assert_ptr_null(r.raw);
	free(buf);
	ident_destroy(&id);
}
END_TEST

START_TEST(test_lengths)
{
	struct ident *id = tu_ident(5);
	struct record r;
	const char *why = NULL;
	size_t len;
	uint8_t *buf = s_make(id, &len), *big;

	ck_assert_int_eq(record_decode(buf, RECORD_STUB_LEN - 1, &r, &why), KY_EMALFORMED);
	ck_assert_str_eq(why, "record: truncated");
	ck_assert_int_eq(record_decode(buf, len - 1, &r, &why), KY_EMALFORMED);
	ck_assert_str_eq(why, "record: truncated body");
	big = calloc(1, RECORD_MAX_LEN + 1);
	memcpy(big, buf, len);
	ck_assert_int_eq(record_decode(big, len + 1, &r, &why), KY_EMALFORMED);
	ck_assert_str_eq(why, "record: trailing bytes");
	ck_assert_int_eq(record_decode(big, RECORD_MAX_LEN + 1, &r, &why), KY_ETOOBIG);
	free(big);
	/* Hash mismatch is told apart from a bad signature. */
	buf[len - 2] ^= 0x20;
	ck_assert_int_eq(record_open(buf, len, &r, &why), KY_EBADHASH);
	ck_assert_str_eq(why, "record: body hash mismatch");
	free(buf);
	ident_destroy(&id);
}
END_TEST

START_TEST(test_encode_refuses)
{
	struct ident *id = tu_ident(6);
	struct record_header h = { .kind = RK_INDICATOR, .seq = 1,
	    .created = 100, .expires = 50 };
	const char *why = NULL;
	uint8_t *out = (uint8_t *)1;
	size_t len = 1;
	static uint8_t huge[RECORD_BODY_MAX + 1];

	memcpy(h.origin, ident_public(id), 32);
	ck_assert_int_eq(record_encode(&h, "{}", 2, ident_sign, id, &out, &len,
	    &why), KY_EINVAL);
	ck_assert_str_eq(why, "header: expires before created");
	ck_assert_ptr_null(out);
	h.expires = 200;
	ck_assert_int_eq(record_encode(&h, huge, sizeof(huge), ident_sign, id,
	    &out, &len, &why), KY_ETOOBIG);
	ident_destroy(&id);
}
END_TEST

START_TEST(test_names)
{
	for (int k = 1; k <= RK_MAX; k++)
		ck_assert_int_eq(record_kind_from_name(record_kind_name((uint8_t)k)), k);
	for (int t = 0; t <= TLP_MAX; t++)
		ck_assert_int_eq(record_tlp_from_name(record_tlp_name((uint8_t)t)), t);
	for (int p = 0; p <= PAP_MAX; p++)
		ck_assert_int_eq(record_pap_from_name(record_pap_name((uint8_t)p)), p);
	ck_assert_int_eq(record_tlp_from_name("amber+strict"), TLP_AMBER_STRICT);
	ck_assert_int_eq(record_kind_from_name("nonsense"), -1);
	ck_assert_ptr_null(record_kind_name(0));
	ck_assert_ptr_null(record_tlp_name(9));
}
END_TEST

START_TEST(test_hex)
{
	uint8_t in[4] = { 0x00, 0xab, 0x7f, 0xff }, out[4];
	char hex[9];

	record_hex(in, 4, hex);
	ck_assert_str_eq(hex, "00ab7fff");
	ck_assert_int_eq(record_unhex("00AB7FFF", out, 4), 0);
	ck_assert_mem_eq(in, out, 4);
	ck_assert_int_eq(record_unhex("00ab7ff", out, 4), KY_EINVAL);
	ck_assert_int_eq(record_unhex("00ab7fff0", out, 4), KY_EINVAL);
	ck_assert_int_eq(record_unhex("00ab7fgf", out, 4), KY_EINVAL);
}
END_TEST

/*
 * Known-answer vector, also printed in docs/protocol.md: the identity with
 * seed 01*32 signs s_body as seq 1.  Ed25519 is deterministic, so the id
 * and the signature are fixed; a second implementation must get the same.
 */
START_TEST(test_known_answer)
{
	struct ident *id = tu_ident(1);
	char hex[2 * RECORD_STUB_LEN + 1], line[1024], want[1024];
	uint8_t *buf;
	size_t len;
	FILE *f;

	buf = s_make(id, &len);
	f = fopen(KY_VECTORS "/record_kat.exp", "r");
	ck_assert_msg(f != NULL, "missing " KY_VECTORS "/record_kat.exp");
	while (fgets(line, sizeof(line), f) != NULL) {
		char key[64];
		uint8_t v[32];

		if (line[0] == '#' || sscanf(line, "%63s %1000s", key, want) != 2)
			continue;
		if (strcmp(key, "public_key") == 0)
			record_hex(ident_public(id), 32, hex);
		else if (strcmp(key, "header") == 0)
			record_hex(buf, RECORD_HEADER_LEN, hex);
		else if (strcmp(key, "signature") == 0)
			record_hex(buf + RECORD_HEADER_LEN, RECORD_SIG_LEN, hex);
		else if (strcmp(key, "id") == 0) {
			tu_id(buf, v);
			record_hex(v, 32, hex);
		} else if (strcmp(key, "body_hash") == 0) {
			crypto_generichash(v, 32, buf + RECORD_STUB_LEN,
			    len - RECORD_STUB_LEN, NULL, 0);
			record_hex(v, 32, hex);
		} else
			ck_abort_msg("unknown vector %s", key);
		ck_assert_msg(strcmp(hex, want) == 0, "%s: got %s", key, hex);
	}
	fclose(f);
	free(buf);
	ident_destroy(&id);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_every_bit_flip);
	tcase_add_test(tc, test_stub);
	tcase_add_loop_test(tc, test_refusals, 0, sizeof(s_bad) / sizeof(s_bad[0]));
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_hex);
	tcase_add_test(tc, test_known_answer);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* Check suite for keys/ident and keys/z85: known answers, keys, boxes. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "keys/ident.h"
#include "keys/z85.h"

/* Seed 00 01 02 ... 1f; the public key is RFC 8032-style well known. */
static const char s_kat_pk[] =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
static const char s_kat_curve_pk[] =
    "4701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01";
static const char s_kat_curve_z85[] = "m/*$&H^-y+t0OZ/ISr/LFYZlVkyTnmN9xTcTAhI+";
static const char s_kat_msg[] = "kyojo test vector";
static const char s_kat_sig[] =
    "870536a8ee8bacc6bced990c8262790e7a0ea7bc5dc197f5eebf116921cec99b"
    "6cfd2a4e30a3c281381444cf4347fc32e0b7f9a53eff89b14731e6ddc3ff9d09";
static const char s_kat_fp[] = "4ZGE-67ST-EWM4-3S3F";

static struct ident *
s_kat_ident(void)
{
	uint8_t seed[IDENT_SEED_LEN];
	struct ident *id = NULL;

	for (int i = 0; i < IDENT_SEED_LEN; i++)
		seed[i] = (uint8_t)i;
	ck_assert_int_eq(ident_from_seed(seed, &id), 0);
	ck_assert_ptr_nonnull(id);
	return id;
}

static void
s_assert_hex(const uint8_t *bin, size_t n, const char *want)
{
	char hex[2 * 64 + 1];

	ck_assert_uint_le(n, 64);
	sodium_bin2hex(hex, sizeof(hex), bin, n);
	ck_assert_str_eq(hex, want);
}

START_TEST(test_known_answer)
{
	struct ident *id = s_kat_ident(), *again = s_kat_ident();
	uint8_t sig[IDENT_SIG_LEN];
	char z85[IDENT_Z85_LEN], fp[KEY_FINGERPRINT_LEN];

	s_assert_hex(ident_public(id), IDENT_PUBLIC_LEN, s_kat_pk);
	s_assert_hex(ident_curve_public(id), IDENT_PUBLIC_LEN, s_kat_curve_pk);
	ck_assert_mem_eq(ident_public(id), ident_public(again), IDENT_PUBLIC_LEN);
	ck_assert_int_eq(ident_sign(id, (const uint8_t *)s_kat_msg,
	    strlen(s_kat_msg), sig), 0);
	s_assert_hex(sig, sizeof(sig), s_kat_sig);
	ident_curve_public_z85(id, z85);
	ck_assert_str_eq(z85, s_kat_curve_z85);
	ck_assert_int_eq(key_fingerprint(ident_public(id), fp), 0);
	ck_assert_str_eq(fp, s_kat_fp);
	ident_destroy(&id);
	ident_destroy(&again);
}
END_TEST

START_TEST(test_sign_verify)
{
	struct ident *id = NULL, *other = NULL;
	uint8_t msg[300], sig[IDENT_SIG_LEN];

	ck_assert_int_eq(ident_generate(&id), 0);
	ck_assert_int_eq(ident_generate(&other), 0);
	ck_assert_mem_ne(ident_public(id), ident_public(other), IDENT_PUBLIC_LEN);
	randombytes_buf(msg, sizeof(msg));
	ck_assert_int_eq(ident_sign(id, msg, sizeof(msg), sig), 0);
	ck_assert_int_eq(crypto_sign_verify_detached(sig, msg, sizeof(msg),
	    ident_public(id)), 0);
	ck_assert_int_ne(crypto_sign_verify_detached(sig, msg, sizeof(msg),
	    ident_public(other)), 0);
	msg[17] ^= 1;
	ck_assert_int_ne(crypto_sign_verify_detached(sig, msg, sizeof(msg),
	    ident_public(id)), 0);
	/* The empty message, and signing again after the key was relocked. */
	ck_assert_int_eq(ident_sign(id, msg, 0, sig), 0);
	ck_assert_int_eq(crypto_sign_verify_detached(sig, msg, 0,
	    ident_public(id)), 0);
	ident_destroy(&id);
	ident_destroy(&other);
}
END_TEST

START_TEST(test_curve_keys)
{
	struct ident *id = NULL;
	uint8_t x_pk[IDENT_PUBLIC_LEN], x_sk[32], from_sk[IDENT_PUBLIC_LEN];
	char z_sk[IDENT_Z85_LEN], z_pk[IDENT_Z85_LEN];

	ck_assert_int_eq(ident_generate(&id), 0);
	ck_assert_int_eq(crypto_sign_ed25519_pk_to_curve25519(x_pk,
	    ident_public(id)), 0);
	ck_assert_mem_eq(ident_curve_public(id), x_pk, sizeof(x_pk));
	/* What ZeroMQ does with ZMQ_CURVE_SECRETKEY: its public key must match. */
	ck_assert_int_eq(ident_curve_secret_z85(id, z_sk), 0);
	ck_assert_uint_eq(strlen(z_sk), 40);
	ck_assert_int_eq(z85_decode(z_sk, x_sk, sizeof(x_sk)), 0);
	ck_assert_int_eq(crypto_scalarmult_base(from_sk, x_sk), 0);
	ck_assert_mem_eq(from_sk, x_pk, sizeof(x_pk));
	ident_curve_public_z85(id, z_pk);
	ck_assert_int_eq(z85_decode(z_pk, from_sk, sizeof(from_sk)), 0);
	ck_assert_mem_eq(from_sk, x_pk, sizeof(x_pk));
	sodium_memzero(x_sk, sizeof(x_sk));
	sodium_memzero(z_sk, sizeof(z_sk));
	ident_destroy(&id);
}
END_TEST

START_TEST(test_seal_open)
{
	static const char secret[] = "anonymous report: 198.51.100.7 scanning";
	const size_t clen = sizeof(secret) + IDENT_SEAL_OVERHEAD;
	struct ident *id = NULL, *other = NULL;
	uint8_t c[sizeof(secret) + IDENT_SEAL_OVERHEAD], m[sizeof(secret)];

	ck_assert_int_eq(ident_generate(&id), 0);
	ck_assert_int_eq(ident_generate(&other), 0);
	ck_assert_int_eq(crypto_box_seal(c, (const uint8_t *)secret,
	    sizeof(secret), ident_curve_public(id)), 0);
	ck_assert_int_eq(ident_seal_open(id, c, clen, m), 0);
	ck_assert_mem_eq(m, secret, sizeof(secret));
	ck_assert_int_eq(ident_seal_open(other, c, clen, m), KY_EBADSIG);
	for (size_t i = 0; i < sizeof(m); i++)
		ck_assert_uint_eq(m[i], 0);
	c[clen - 1] ^= 0x80;
	ck_assert_int_eq(ident_seal_open(id, c, clen, m), KY_EBADSIG);
	ck_assert_int_eq(ident_seal_open(id, c, IDENT_SEAL_OVERHEAD - 1, m),
	    KY_EMALFORMED);
	ident_destroy(&id);
	ident_destroy(&other);
}
END_TEST

START_TEST(test_z85)
{
	/* ZeroMQ RFC 32, the one test vector it gives. */
	static const uint8_t hello[8] = {
		0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B,
	};
	uint8_t in[32], out[32];
	char text[Z85_ENCODED_LEN(32) + 1];

	z85_encode(hello, sizeof(hello), text);
	ck_assert_str_eq(text, "HelloWorld");
	ck_assert_int_eq(z85_decode("HelloWorld", out, 8), 0);
	ck_assert_mem_eq(out, hello, 8);
	z85_encode(hello, 0, text);
	ck_assert_str_eq(text, "");
	for (int round = 0; round < 100; round++) {
		randombytes_buf(in, sizeof(in));
		z85_encode(in, sizeof(in), text);
		ck_assert_uint_eq(strlen(text), 40);
		ck_assert_int_eq(z85_decode(text, out, sizeof(out)), 0);
		ck_assert_mem_eq(in, out, sizeof(in));
	}
	/* The extremes of a group: 0 and 2^32 - 1 = "%nSc0". */
	memset(in, 0xff, 4);
	z85_encode(in, 4, text);
	ck_assert_str_eq(text, "%nSc0");
	ck_assert_int_eq(z85_decode("%nSc1", out, 4), KY_EMALFORMED);
	ck_assert_int_eq(z85_decode("#####", out, 4), KY_EMALFORMED);
	ck_assert_int_eq(z85_decode("00000", out, 4), 0);
	ck_assert_int_eq(z85_decode("HelloWorl", out, 8), KY_EMALFORMED);
	ck_assert_int_eq(z85_decode("HelloWorld0", out, 8), KY_EMALFORMED);
	ck_assert_int_eq(z85_decode("Hello World", out, 8), KY_EMALFORMED);
	ck_assert_int_eq(z85_decode("Hello\"orld", out, 8), KY_EMALFORMED);
	ck_assert_int_eq(z85_decode("Hello", out, 3), KY_EINVAL);
	memset(out, 0xaa, 8);
	ck_assert_int_eq(z85_decode("HelloWor~d", out, 8), KY_EMALFORMED);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(out[i], 0);
}
END_TEST

START_TEST(test_fingerprint)
{
	static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	struct ident *a = NULL, *b = NULL;
	char fa[KEY_FINGERPRINT_LEN], fa2[KEY_FINGERPRINT_LEN],
	    fb[KEY_FINGERPRINT_LEN];

	ck_assert_int_eq(ident_generate(&a), 0);
	ck_assert_int_eq(ident_generate(&b), 0);
	ck_assert_int_eq(key_fingerprint(ident_public(a), fa), 0);
	ck_assert_int_eq(key_fingerprint(ident_public(a), fa2), 0);
	ck_assert_int_eq(key_fingerprint(ident_public(b), fb), 0);
	ck_assert_str_eq(fa, fa2);
	ck_assert_str_ne(fa, fb);
	ck_assert_uint_eq(strlen(fa), KEY_FINGERPRINT_LEN - 1);
	for (int i = 0; i < KEY_FINGERPRINT_LEN - 1; i++) {
		if (i % 5 == 4)
			ck_assert_int_eq(fa[i], '-');
		else
			ck_assert_ptr_nonnull(strchr(digits, fa[i]));
	}
	ident_destroy(&a);
	ident_destroy(&b);
}
END_TEST

START_TEST(test_destroy)
{
	struct ident *id = NULL;

	ident_destroy(NULL);
	ident_destroy(&id);
	ck_assert_int_eq(ident_generate(&id), 0);
	ident_destroy(&id);
	ck_assert_ptr_null(id);
	ident_destroy(&id);
	ck_assert_ptr_null(id);
}
END_TEST

START_TEST(test_secret_text)
{
	struct ident *id = s_kat_ident(), *back = NULL;
	const char *why = NULL;
	char *text = NULL;
	size_t len = 0;

	ck_assert_int_eq(ident_secret_export(id, &text, &len), 0);
	ck_assert_str_eq(text, "kyojo-secret-key v1\n"
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_int_eq(ident_secret_import(text, len, &back, &why), 0);
	ck_assert_mem_eq(ident_public(back), ident_public(id), IDENT_PUBLIC_LEN);
	ident_destroy(&back);
	/* The final newline is optional. */
	ck_assert_int_eq(ident_secret_import(text, len - 1, &back, &why), 0);
	ident_destroy(&back);
	ident_secret_free(&text);
	ck_assert_ptr_null(text);
	ident_secret_free(&text);
	ident_destroy(&id);
}
END_TEST

static const struct {
	const char *text;
	int rc;
} s_bad_secret[] = {
	{ "", KY_EMALFORMED },
	{ "kyojo-public-key v1\n"
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	  KY_EMALFORMED },
	{ "kyojo-secret-key v2\n"
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	  KY_EVERSION },
	{ "kyojo-secret-key v1", KY_EMALFORMED },
	{ "kyojo-secret-key v10\n", KY_EVERSION },
	{ "kyojo-secret-key v1\n", KY_EMALFORMED },
	{ "kyojo-secret-key v1\n"
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e\n",
	  KY_EMALFORMED },
	{ "kyojo-secret-key v1\n"
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",
	  KY_EMALFORMED },
	{ "kyojo-secret-key v1\n"
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\n",
	  KY_EMALFORMED },
	{ "kyojo-secret-key v1\n"
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00\n",
	  KY_EMALFORMED },
	{ "kyojo-secret-key v1\r\n"
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	  KY_EMALFORMED },
};

START_TEST(test_secret_refusals)
{
	const char *why = NULL;
	struct ident *id = (struct ident *)1;

	ck_assert_int_eq(ident_secret_import(s_bad_secret[_i].text,
	    strlen(s_bad_secret[_i].text), &id, &why), s_bad_secret[_i].rc);
	ck_assert_ptr_null(id);
	ck_assert_ptr_nonnull(why);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ident");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_known_answer);
	tcase_add_test(tc, test_sign_verify);
	tcase_add_test(tc, test_curve_keys);
	tcase_add_test(tc, test_seal_open);
	tcase_add_test(tc, test_z85);
	tcase_add_test(tc, test_fingerprint);
	tcase_add_test(tc, test_destroy);
	tcase_add_test(tc, test_secret_text);
	tcase_add_loop_test(tc, test_secret_refusals, 0,
	    sizeof(s_bad_secret) / sizeof(s_bad_secret[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* Check suite for keys/card and protocol/armor: build, parse, armor. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "keys/card.h"
#include "protocol/armor.h"
#include "tests/testutil.h"

START_TEST(test_round_trip)
{
	struct ident *id = tu_ident(9);
	struct card_info in = { .n_endpoints = 2 }, out;
	const char *why = NULL;
	uint8_t pk[32], *buf;
	size_t len;

	strcpy(in.name, "山田製作所");
	strcpy(in.region, "kanto");
	strcpy(in.sector, "fsirt");
	strcpy(in.endpoints[0], "tcp://192.0.2.10:7410");
	strcpy(in.endpoints[1], "tcp://[2001:db8::1]:7410");
	ck_assert_int_eq(card_build(id, &in, 1, NULL, 1700000000, &buf, &len,
	    &why), 0);
	ck_assert_int_eq(card_parse(buf, len, &out, pk, &why), 0);
	ck_assert_str_eq(out.name, in.name);
	ck_assert_str_eq(out.region, "kanto");
	ck_assert_str_eq(out.sector, "fsirt");
	ck_assert_int_eq(out.n_endpoints, 2);
	ck_assert_str_eq(out.endpoints[1], in.endpoints[1]);
	ck_assert_mem_eq(pk, ident_public(id), 32);
	/* A stub of a card is not a card. */
	ck_assert_int_eq(card_parse(buf, RECORD_STUB_LEN, &out, pk, &why), KY_EINVAL);
	/* A flipped byte anywhere is refused. */
	buf[len - 5] ^= 1;
	ck_assert_int_ne(card_parse(buf, len, &out, pk, &why), 0);
	free(buf);
	ident_destroy(&id);
}
END_TEST

START_TEST(test_refuses_bad_fields)
{
	struct ident *id = tu_ident(10);
	struct card_info in = { .n_endpoints = 1 };
	const char *why = NULL;
	uint8_t *buf = (uint8_t *)1;
	size_t len;

	strcpy(in.endpoints[0], "http://example.com");
	ck_assert_int_ne(card_build(id, &in, 1, NULL, 1700000000, &buf, &len,
	    &why), 0);
	ck_assert_ptr_null(buf);
	ck_assert_str_eq(why, "endpoints: not an array of up to 8 tcp:// addresses");
	in.n_endpoints = 0;
	strcpy(in.sector, "xsirt");
	ck_assert_int_ne(card_build(id, &in, 1, NULL, 1700000000, &buf, &len,
	    &why), 0);
	ident_destroy(&id);
}
END_TEST

START_TEST(test_not_a_card)
{
	struct ident *id = tu_ident(11);
	struct card_info out;
	const char *why = NULL;
	uint8_t pk[32], *buf;
	size_t len;

	buf = tu_indicator(id, 1, NULL, 1700000000, 7, &len);
	ck_assert_int_eq(card_parse(buf, len, &out, pk, &why), KY_EINVAL);
	ck_assert_str_eq(why, "card: not a whole card record");
	free(buf);
	ident_destroy(&id);
}
END_TEST

START_TEST(test_armor)
{
	uint8_t in[300], *out = NULL;
	const char *why = NULL;
	char *text, *framed;
	size_t n;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(armor_encode(in, sizeof(in), &text), 0);
	/* Comment lines before the block are ignored. */
	ck_assert_int_ge(asprintf(&framed, "# key: abc\n# name: x\n%s", text), 0);
	ck_assert_int_eq(armor_decode(framed, strlen(framed), &out, &n, &why), 0);
	ck_assert_uint_eq(n, sizeof(in));
	ck_assert_mem_eq(out, in, n);
	free(out);
	ck_assert_int_eq(armor_decode("raw bytes", 9, &out, &n, &why), KY_ENOTFOUND);
	text[strlen(text) - 5] = '\0';	/* cut the END line */
	ck_assert_int_eq(armor_decode(text, strlen(text), &out, &n, &why), KY_EMALFORMED);
	ck_assert_str_eq(why, "armor: END line missing");
	free(text);
	free(framed);
	framed = strdup(ARMOR_BEGIN "\n!!!!\n" ARMOR_END "\n");
	ck_assert_int_eq(armor_decode(framed, strlen(framed), &out, &n, &why), KY_EMALFORMED);
	ck_assert_str_eq(why, "armor: invalid base64");
	free(framed);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("card");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_refuses_bad_fields);
	tcase_add_test(tc, test_not_a_card);
	tcase_add_test(tc, test_armor);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

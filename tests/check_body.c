/* Check suite for protocol/json and protocol/body: strict JSON, validators. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "protocol/body.h"
#include "protocol/json.h"
#include "protocol/record.h"
#include "protocol/utf8.h"

struct json_case {
	const char *text;
	size_t len;		/* 0: strlen(text) */
	const char *why;	/* NULL: must parse */
};

#define J(s, w) { s, sizeof(s) - 1, w }

static const struct json_case s_json[] = {
	J("{}", NULL),
	J("{\"a\":1,\"b\":[1,2,{\"c\":\"日本語テキスト\"}],\"d\":-5,\"e\":0}", NULL),
	J("{\"n\":9007199254740992}", NULL),
	J("{\"n\":-9007199254740992}", NULL),
	J("{\"s\":\"1.5e3 inside a string is text\"}", NULL),
	J("{\"s\":\"escaped \\\" quote, then 1.5\"}", NULL),
	J("{\"n\":9007199254740993}", "body: integer beyond 2^53"),
	J("{\"n\":12345678901234567890}", "body: integer beyond 2^53"),
	J("{\"n\":1.5}", "body: numbers must be integers"),
	J("{\"n\":1e6}", "body: numbers must be integers"),
	J("{\"n\":1E6}", "body: numbers must be integers"),
	J("{\"n\":01}", "body: number with a leading zero"),
	J("{\"n\":-}", "body: malformed number"),
	J("{\"a\":1,\"a\":2}", "body: duplicate key"),
	J("{\"o\":{\"x\":1,\"y\":2,\"x\":3}}", "body: duplicate key"),
	J("{\"s\":\"a\\u0000b\"}", "body: NUL character in a string"),
	J("{\"a\":1} ", "body: bytes after the JSON value"),
	J("{\"a\":1}{}", "body: bytes after the JSON value"),
	J("[1,2]", "body: not a JSON object"),
	J("\"str\"", "body: not a JSON object"),
	J("{\"a\":}", "body: not valid JSON"),
	J("{\"a\":1,}", "body: not valid JSON"),
	J("", "body: not valid JSON"),
	J("{\"s\":\"\xc0\x80\"}", "body: invalid UTF-8"),		/* overlong NUL */
	J("{\"s\":\"\xed\xa0\x80\"}", "body: invalid UTF-8"),	/* surrogate */
	J("{\"s\":\"\xe6\x97\"}", "body: invalid UTF-8"),		/* truncated */
	J("{\"s\":\"\xf4\x90\x80\x80\"}", "body: invalid UTF-8"),	/* > U+10FFFF */
	J("{\"s\":\"\xff\"}", "body: invalid UTF-8"),
	J("{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", "body: nested too deeply"),
	J("{\"a\":[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}", NULL),
};

START_TEST(test_json)
{
	const struct json_case *c = &s_json[_i];
	const char *why = NULL;
	cJSON *root = (cJSON *)1;
	int rc;

	rc = json_parse_strict((const uint8_t *)c->text, c->len, &root, &why);
	if (c->why == NULL) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->text, why);
		ck_assert_ptr_nonnull(root);
		cJSON_Delete(root);
	} else {
		ck_assert_msg(rc == KY_EMALFORMED, "%s: accepted", c->text);
		ck_assert_str_eq(why, c->why);
		ck_assert_ptr_null(root);
	}
}
END_TEST

struct body_case {
	uint8_t kind;
	const char *text;
	const char *why;	/* NULL: valid; else a prefix of the reason */
};

#define IND(extra) "{\"type\":\"ipv4\",\"value\":\"198.51.100.7\"," \
	"\"category\":\"malicious-code:c2-server\",\"confidence\":80" extra "}"
#define ID64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const struct body_case s_bodies[] = {
	{ RK_INDICATOR, IND(""), NULL },
	{ RK_INDICATOR, IND(",\"first_seen\":1700000000,\"last_seen\":1700003600,"
	    "\"sector\":\"fsirt\",\"tags\":[\"plc\",\"ランサムウェア\"],"
	    "\"attack\":[\"T1566\",\"T1566.001\"],\"note\":\"工場のPLCへの不審な通信\","
	    "\"future_field\":{\"x\":1}"), NULL },
	{ RK_INDICATOR, "{\"type\":\"domain\",\"value\":\"EXAMPLE.com\","
	    "\"category\":\"fraud:phishing\",\"confidence\":80}",
	    "value: not in normal form" },
	{ RK_INDICATOR, "{\"type\":\"ipv4\",\"value\":\"256.1.1.1\","
	    "\"category\":\"fraud:phishing\",\"confidence\":80}", "ipv4:" },
	{ RK_INDICATOR, "{\"type\":\"ip\",\"value\":\"1.2.3.4\","
	    "\"category\":\"fraud:phishing\",\"confidence\":80}",
	    "type: unknown indicator type" },
	{ RK_INDICATOR, "{\"value\":\"1.2.3.4\",\"category\":\"fraud:phishing\","
	    "\"confidence\":80}", "type: missing" },
	{ RK_INDICATOR, "{\"type\":\"ipv4\",\"value\":\"198.51.100.7\","
	    "\"category\":\"bad:category\",\"confidence\":80}", "category:" },
	/* The longest id of the taxonomy (66 bytes) is a category too. */
	{ RK_INDICATOR, "{\"type\":\"ipv4\",\"value\":\"198.51.100.7\","
	    "\"category\":\"information-content-security:unauthorised-information-"
	    "modification\",\"confidence\":80}", NULL },
	{ RK_INDICATOR, "{\"type\":\"ipv4\",\"value\":\"198.51.100.7\","
	    "\"category\":\"fraud:phishing\",\"confidence\":101}", "confidence:" },
	{ RK_INDICATOR, "{\"type\":\"ipv4\",\"value\":\"198.51.100.7\","
	    "\"category\":\"fraud:phishing\"}", "confidence:" },
	{ RK_INDICATOR, IND(",\"confidence2\":\"x\",\"sector\":\"isirt\""), "sector:" },
	{ RK_INDICATOR, IND(",\"attack\":[\"T15\"]"), "attack:" },
	{ RK_INDICATOR, IND(",\"tags\":\"plc\""), "tags:" },
	{ RK_INDICATOR, IND(",\"tags\":[\"\"]"), "tags:" },
	{ RK_INDICATOR, IND(",\"tags\":[1,2]"), "tags:" },
	{ RK_INDICATOR, IND(",\"first_seen\":20,\"last_seen\":10"), "last_seen before" },
	{ RK_INDICATOR, IND(",\"first_seen\":-1"), "first_seen:" },
	{ RK_INDICATOR, IND(",\"note\":7"), "note:" },
	{ RK_SIGHTING, "{\"ref\":\"" ID64 "\",\"verdict\":\"seen\",\"count\":3}", NULL },
	{ RK_SIGHTING, "{\"type\":\"sha256\",\"value\":\"" ID64 "\","
	    "\"verdict\":\"false-positive\"}", NULL },
	{ RK_SIGHTING, "{\"ref\":\"" ID64 "\",\"type\":\"ipv4\","
	    "\"value\":\"198.51.100.7\",\"verdict\":\"seen\"}", "sighting: give either" },
	{ RK_SIGHTING, "{\"verdict\":\"seen\"}", "sighting: give either" },
	{ RK_SIGHTING, "{\"ref\":\"abc\",\"verdict\":\"seen\"}", "ref:" },
	{ RK_SIGHTING, "{\"ref\":\"" ID64 "\",\"verdict\":\"maybe\"}", "verdict:" },
	{ RK_SIGHTING, "{\"ref\":\"" ID64 "\",\"verdict\":\"seen\",\"count\":0}", "count:" },
	{ RK_ARTICLE, "{\"title\":\"ランサムウェア初動対応チェックリスト\",\"lang\":\"ja\","
	    "\"body_md\":\"# 初動対応\\n1. ネットワークから切り離す\","
	    "\"tags\":[\"ransomware\"],\"refs\":[\"" ID64 "\"],\"sector\":\"csirt\"}", NULL },
	{ RK_ARTICLE, "{\"title\":\"x\",\"lang\":\"pt-BR\",\"body_md\":\"y\"}", NULL },
	{ RK_ARTICLE, "{\"title\":\"\",\"lang\":\"en\",\"body_md\":\"y\"}", "title:" },
	{ RK_ARTICLE, "{\"title\":\"x\",\"lang\":\"japanese\",\"body_md\":\"y\"}", "lang:" },
	{ RK_ARTICLE, "{\"title\":\"x\",\"lang\":\"en\",\"body_md\":\"\"}", "body_md:" },
	{ RK_ARTICLE, "{\"title\":\"x\",\"lang\":\"en\",\"body_md\":\"y\","
	    "\"refs\":[\"zz\"]}", "refs:" },
	{ RK_RETRACTION, "{\"ref\":\"" ID64 "\",\"reason\":\"false positive\"}", NULL },
	{ RK_RETRACTION, "{\"reason\":\"oops\"}", "ref:" },
	{ RK_ROSTER, "{\"name\":\"関東地域SECUNITY\",\"version\":1,\"members\":"
	    "[{\"key\":\"" ID64 "\",\"name\":\"A社\"}]}", NULL },
	{ RK_ROSTER, "{\"name\":\"r\",\"version\":0,\"members\":[]}", "version:" },
	{ RK_ROSTER, "{\"name\":\"r\",\"version\":1,\"members\":[{\"key\":\"x\"}]}",
	    "members: key" },
	{ RK_CARD, "{\"name\":\"山田製作所\",\"endpoints\":[\"tcp://192.0.2.1:7410\"],"
	    "\"region\":\"kanto\",\"sector\":\"fsirt\"}", NULL },
	{ RK_CARD, "{}", NULL },
	{ RK_CARD, "{\"endpoints\":[\"http://x\"]}", "endpoints:" },
};

START_TEST(test_bodies)
{
	const struct body_case *c = &s_bodies[_i];
	const char *why = NULL;
	cJSON *root = NULL;
	int rc;

	rc = body_parse(c->kind, (const uint8_t *)c->text, strlen(c->text),
	    &root, &why);
	if (c->why == NULL) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->text, why);
		cJSON_Delete(root);
	} else {
		ck_assert_msg(rc != 0, "%s: accepted", c->text);
		ck_assert_msg(strncmp(why, c->why, strlen(c->why)) == 0,
		    "%s: why '%s', want '%s...'", c->text, why, c->why);
		ck_assert_ptr_null(root);
	}
}
END_TEST

START_TEST(test_utf8)
{
	ck_assert(utf8_is_valid("共助 mutual aid", strlen("共助 mutual aid")));
	ck_assert(utf8_is_valid("\xf0\x9f\x9b\xa1", 4));	/* U+1F6E1 */
	ck_assert(!utf8_is_valid("a\0b", 3));
	ck_assert(!utf8_is_valid("\xe0\x80\xaf", 3));	/* overlong '/' */
	ck_assert_uint_eq(utf8_count("共助ab", strlen("共助ab")), 4);
}
END_TEST

START_TEST(test_verdicts)
{
	ck_assert_int_eq(body_verdict_from_name("false-positive"), VERDICT_FALSE_POSITIVE);
	ck_assert_str_eq(body_verdict_name(VERDICT_SEEN), "seen");
	ck_assert_ptr_null(body_verdict_name(0));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("body");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_json, 0, sizeof(s_json) / sizeof(s_json[0]));
	tcase_add_loop_test(tc, test_bodies, 0, sizeof(s_bodies) / sizeof(s_bodies[0]));
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_verdicts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* Check suite for node/config: the table, errors with file:line, defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>

#include "node/config.h"
#include "protocol/record.h"
#include "tests/testutil.h"

static char s_errs[4096];

static void
s_collect(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(s_errs, msg, sizeof(s_errs) - strlen(s_errs) - 2);
	strcat(s_errs, "\n");
}

static int
s_parse(struct config *c, const char *text)
{
	s_errs[0] = '\0';
	config_defaults(c, "/tmp/x");
	return config_parse(c, "kyojod.conf", text, strlen(text), s_collect, NULL);
}

START_TEST(test_defaults)
{
	struct config c;

	ck_assert_int_eq(s_parse(&c, ""), 0);
	ck_assert_str_eq(c.dir, "/tmp/x");
	ck_assert_str_eq(c.listen, "");
	ck_assert_int_eq(c.default_tlp, TLP_GREEN);
	ck_assert_int_eq(c.default_ttl, 30 * 86400);
	ck_assert_int_eq(c.max_future, 900);
}
END_TEST

START_TEST(test_values)
{
	struct config c;

	ck_assert_int_eq(s_parse(&c,
	    "# comment\n"
	    "name \"山田製作所 本社\"   # trailing comment\n"
	    "listen tcp://0.0.0.0:7410\n"
	    "\n"
	    "   default_tlp amber+strict\n"
	    "default_ttl 12h\r\n"
	    "sector fsirt\n"
	    "batch_max 5000\n"), 0);
	ck_assert_str_eq(c.name, "山田製作所 本社");
	ck_assert_str_eq(c.listen, "tcp://0.0.0.0:7410");
	ck_assert_int_eq(c.default_tlp, TLP_AMBER_STRICT);
	ck_assert_int_eq(c.default_ttl, 12 * 3600);
	ck_assert_str_eq(c.sector, "fsirt");
	ck_assert_int_eq(c.batch_max, 5000);
}
END_TEST

START_TEST(test_errors)
{
	struct config c;

	ck_assert_int_eq(s_parse(&c,
	    "bogus 1\n"
	    "batch_max 0\n"
	    "default_ttl 5x\n"
	    "listen http://x\n"
	    "name \"unterminated\n"
	    "default_pap PURPLE\n"
	    "sector isirt\n"
	    "batch_max 10\n"
	    "batch_max 20\n"
	    "name a\"b\n"), 10);
	ck_assert_ptr_nonnull(strstr(s_errs, "kyojod.conf:1: unknown key 'bogus'"));
	ck_assert_ptr_nonnull(strstr(s_errs, "kyojod.conf:2: batch_max: value out of range"));
	ck_assert_ptr_nonnull(strstr(s_errs, "kyojod.conf:3: default_ttl: expected a duration"));
	ck_assert_ptr_nonnull(strstr(s_errs, "kyojod.conf:4: listen: expected tcp://HOST:PORT"));
	ck_assert_ptr_nonnull(strstr(s_errs, "kyojod.conf:5: missing closing quote"));
	ck_assert_ptr_nonnull(strstr(s_errs, "kyojod.conf:6: default_pap:"));
	ck_assert_ptr_nonnull(strstr(s_errs, "kyojod.conf:7: sector:"));
	ck_assert_ptr_nonnull(strstr(s_errs, "kyojod.conf:8: batch_max: set twice"));
	ck_assert_ptr_nonnull(strstr(s_errs, "kyojod.conf:10: name: double quotes"));
}
END_TEST

START_TEST(test_write_load_and_permissions)
{
	char *dir = tu_tmpdir("config"), path[512];
	struct config c, d;

	config_defaults(&c, dir);
	strcpy(c.name, "鈴木商店");
	strcpy(c.listen, "tcp://127.0.0.1:7410");
	c.default_ttl = 7 * 86400;
	snprintf(path, sizeof(path), "%s/kyojod.conf", dir);
	ck_assert_int_eq(config_write(&c, path), 0);
	s_errs[0] = '\0';
	ck_assert_int_eq(config_load(&d, dir, s_collect, NULL), 0);
	ck_assert_str_eq(d.name, "鈴木商店");
	ck_assert_str_eq(d.listen, c.listen);
	ck_assert_int_eq(d.default_ttl, 7 * 86400);
	/* Readable by others: refused, it may hold tokens. */
	chmod(path, 0644);
	ck_assert_int_eq(config_load(&d, dir, s_collect, NULL), 1);
	ck_assert_ptr_nonnull(strstr(s_errs, "readable or writable by others"));
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_duration)
{
	int64_t v;

	ck_assert_int_eq(config_parse_duration("90", &v), 0);
	ck_assert_int_eq(v, 90);
	ck_assert_int_eq(config_parse_duration("15m", &v), 0);
	ck_assert_int_eq(v, 900);
	ck_assert_int_eq(config_parse_duration("30d", &v), 0);
	ck_assert_int_eq(v, 30 * 86400);
	ck_assert_int_eq(config_parse_duration("-1", &v), -1);
	ck_assert_int_eq(config_parse_duration("1dd", &v), -1);
	ck_assert_int_eq(config_parse_duration("", &v), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_write_load_and_permissions);
	tcase_add_test(tc, test_duration);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* Check suite for node/http_conf: listen, consumers, errors with
 * file:line, file permissions, and the token comparisons. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>
#include <sodium.h>

#include "node/http_conf.h"
#include "protocol/record.h"
#include "tests/testutil.h"

#define TOK_A	"3kFq9w2mZ7pLr8vT1xYb"		/* exactly 20 */
#define TOK_B	"Yh2sN6cV0qWe4rTz8uJk+/=~._-Q"

static char s_errs[8192];

static void
s_collect(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(s_errs, msg, sizeof(s_errs) - strlen(s_errs) - 2);
	strcat(s_errs, "\n");
}

/* Parses text into a fresh configuration; *out is the caller's. */
static int
s_parse(const char *text, struct http_conf **out)
{
	struct http_conf *c = http_conf_new();

	ck_assert_ptr_nonnull(c);
	s_errs[0] = '\0';
	*out = c;
	return http_conf_parse(c, "http.conf", text, strlen(text), s_collect,
	    NULL);
}

/* The errors of a listen value, with one valid consumer around it. */
static int
s_listen(const char *value, struct http_conf **out)
{
	char text[512];

	snprintf(text, sizeof(text), "listen %s\nconsumer a " TOK_A "\n",
	    value);
	return s_parse(text, out);
}

START_TEST(test_values)
{
	struct http_conf *c;
	const struct sockaddr_in *a4;

	ck_assert_int_eq(s_parse(
	    "# pull endpoints\n"
	    "listen 127.0.0.1:8470   # loopback\n"
	    "\n"
	    "consumer paloalto " TOK_A " max=50000 tlp=AMBER\r\n"
	    "\tconsumer bouncer1 " TOK_B " crowdsec tlp=amber+strict\n"
	    "consumer plain " TOK_A "x\n", &c), 0);
	ck_assert_str_eq(s_errs, "");
	ck_assert_str_eq(c->listen, "127.0.0.1:8470");
	ck_assert_int_eq(c->addr.ss_family, AF_INET);
	a4 = (const struct sockaddr_in *)(const void *)&c->addr;
	ck_assert_int_eq(ntohs(a4->sin_port), 8470);
	ck_assert_uint_eq(ntohl(a4->sin_addr.s_addr), 0x7f000001u);
	ck_assert_uint_eq(c->n_consumers, 3);
	ck_assert_str_eq(c->consumers[0].name, "paloalto");
	ck_assert_uint_eq(c->consumers[0].max, 50000);
	ck_assert_int_eq(c->consumers[0].max_tlp, TLP_AMBER);
	ck_assert(!c->consumers[0].crowdsec);
	ck_assert_uint_eq(c->consumers[0].line, 4);
	ck_assert_str_eq(c->consumers[1].name, "bouncer1");
	ck_assert(c->consumers[1].crowdsec);
	ck_assert_int_eq(c->consumers[1].max_tlp, TLP_AMBER_STRICT);
	ck_assert_uint_eq(c->consumers[1].max, 0);
	/* Defaults: no cap, TLP:GREEN. */
	ck_assert_int_eq(c->consumers[2].max_tlp, TLP_GREEN);
	ck_assert_uint_eq(c->consumers[2].max, 0);
	http_conf_destroy(&c);
	ck_assert_ptr_null(c);
	http_conf_destroy(&c);
}
END_TEST

START_TEST(test_listen)
{
	static const char *good[] = { "127.0.0.1:1", "0.0.0.0:8470",
	    "192.0.2.10:65535", "[::1]:8470", "[::]:8470",
	    "[2001:db8::1]:443" };
	static const struct {
		const char *value, *why;
	} bad[] = {
		{ ":8470", "wildcard address must be written out" },
		{ "*:8470", "wildcard address must be written out" },
		{ "8470", "expected ADDRESS:PORT" },
		{ "localhost:8470", "host names are not resolved" },
		{ "127.0.0.1:0", "port must be 1..65535" },
		{ "127.0.0.1:65536", "port must be 1..65535" },
		{ "127.0.0.1:08470", "without leading zeros" },
		{ "127.0.0.1:", "missing port" },
		{ "127.0.0.1:84x", "decimal digits" },
		{ "::1:8470", "in brackets" },
		{ "[::1]8470", "expected [IPv6]:PORT" },
		{ "[]:8470", "expected [IPv6]:PORT" },
		{ "[127.0.0.1]:8470", "not an IPv6 address" },
		{ "127.1:8470", "not an IPv4 address" },
	};
	struct http_conf *c;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(s_listen(good[i], &c) == 0, "%s: %s", good[i],
		    s_errs);
		ck_assert_str_eq(c->listen, good[i]);
		ck_assert_int_eq(c->addr.ss_family, good[i][0] == '[' ?
		    AF_INET6 : AF_INET);
		http_conf_destroy(&c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* One error for the line, one for the missing listen. */
		ck_assert_msg(s_listen(bad[i].value, &c) == 2, "%s: %s",
		    bad[i].value, s_errs);
		ck_assert_msg(strstr(s_errs, "http.conf:1: ") != NULL &&
		    strstr(s_errs, bad[i].why) != NULL, "%s: %s",
		    bad[i].value, s_errs);
		http_conf_destroy(&c);
	}
}
END_TEST

START_TEST(test_errors)
{
	struct http_conf *c;

	ck_assert_int_eq(s_parse(
	    "listen 127.0.0.1:8470\n"				/* 1 */
	    "listen 127.0.0.1:8471\n"				/* 2 */
	    "consumer short 0123456789\n"			/* 3 */
	    "consumer bad!name " TOK_A "\n"			/* 4 */
	    "consumer a " TOK_A "\n"				/* 5 */
	    "consumer a " TOK_B "\n"				/* 6 */
	    "consumer b " TOK_A "\n"				/* 7 */
	    "consumer c " TOK_B "xx max=0\n"			/* 8 */
	    "consumer d " TOK_B "yy max=1 max=2\n"		/* 9 */
	    "consumer e " TOK_B "zz tlp=PURPLE\n"		/* 10 */
	    "consumer f " TOK_B "ww bogus\n"			/* 11 */
	    "consumer g\n"					/* 12 */
	    "consumer h " TOK_B "vv crowdsec crowdsec\n"	/* 13 */
	    "consumer i " TOK_B "\"q\n"				/* 14 */
	    "token " TOK_B "\n"					/* 15 */
	    "consumer j " TOK_B "uu 1 2 3 4 5 6\n"		/* 16 */
	    "bind 0.0.0.0:80\n", &c), 15);			/* 17 */
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:2: listen: already set at line 1"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:3: token shorter than 20"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:4: name may hold only"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:6: consumer 'a' already defined at line 5"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:7: token already used by consumer 'a'"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:8: 'max=0': max= needs"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:9: 'max=2': max= given twice"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:10: 'tlp=PURPLE': tlp= expects"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:11: 'bogus': unknown option"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:12: expected: consumer NAME TOKEN"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:13: 'crowdsec': crowdsec given twice"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:14: token may hold only"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:15: 'token': unknown keyword"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:16: too many words"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:17: 'bind': unknown keyword"));
	/* A token written where a keyword or option goes is never echoed. */
	ck_assert_ptr_null(strstr(s_errs, TOK_B));
	/* Only the good line counts. */
	ck_assert_uint_eq(c->n_consumers, 1);
	http_conf_destroy(&c);
}
END_TEST

START_TEST(test_empty_and_long)
{
	struct http_conf *c;
	char *text;

	ck_assert_int_eq(s_parse("# nothing\n\n", &c), 2);
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:0: no listen line"));
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:0: no consumer line"));
	http_conf_destroy(&c);
	text = malloc(3000);
	ck_assert_ptr_nonnull(text);
	memset(text, 'x', 2999);
	text[2999] = '\0';
	ck_assert_int_eq(s_parse(text, &c), 3);
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:1: line too long"));
	http_conf_destroy(&c);
	free(text);
	c = http_conf_new();
	s_errs[0] = '\0';
	ck_assert_int_eq(http_conf_parse(c, "http.conf", "listen\0x\n", 9,
	    s_collect, NULL), 3);
	ck_assert_ptr_nonnull(strstr(s_errs, "http.conf:1: NUL byte"));
	http_conf_destroy(&c);
}
END_TEST

START_TEST(test_auth)
{
	struct http_conf *c;

	ck_assert_int_eq(s_parse("listen 127.0.0.1:8470\n"
	    "consumer pa " TOK_A "\n"
	    "consumer cs " TOK_B " crowdsec\n", &c), 0);
	ck_assert_ptr_eq(http_conf_basic(c, "pa", TOK_A, strlen(TOK_A)),
	    &c->consumers[0]);
	ck_assert_ptr_eq(http_conf_basic(c, "cs", TOK_B, strlen(TOK_B)),
	    &c->consumers[1]);
	/* Another consumer's token, a prefix, a longer one, no name. */
	ck_assert_ptr_null(http_conf_basic(c, "pa", TOK_B, strlen(TOK_B)));
	ck_assert_ptr_null(http_conf_basic(c, "pa", TOK_A, strlen(TOK_A) - 1));
	ck_assert_ptr_null(http_conf_basic(c, "pa", TOK_A "x", strlen(TOK_A) + 1));
	ck_assert_ptr_null(http_conf_basic(c, "nobody", TOK_A, strlen(TOK_A)));
	ck_assert_ptr_null(http_conf_basic(c, "", "", 0));
	ck_assert_ptr_eq(http_conf_api_key(c, TOK_B, strlen(TOK_B)),
	    &c->consumers[1]);
	ck_assert_ptr_eq(http_conf_api_key(c, TOK_A, strlen(TOK_A)),
	    &c->consumers[0]);
	ck_assert_ptr_null(http_conf_api_key(c, "wrong", 5));
	ck_assert_ptr_null(http_conf_api_key(c, "", 0));
	/* The token itself is nowhere in the structure. */
	ck_assert_ptr_null(memmem(c, sizeof(*c), TOK_A, strlen(TOK_A)));
	ck_assert_ptr_null(memmem(c, sizeof(*c), TOK_B, strlen(TOK_B)));
	http_conf_destroy(&c);
}
END_TEST

START_TEST(test_load_and_permissions)
{
	char *dir = tu_tmpdir("httpconf"), path[512];
	struct http_conf *c = NULL;
	FILE *f;

	/* No file: the listener is off, not an error. */
	ck_assert_int_eq(http_conf_load(dir, &c, s_collect, NULL), 0);
	ck_assert_ptr_null(c);
	snprintf(path, sizeof(path), "%s/http.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "listen [::1]:8470\nconsumer pa " TOK_A "\n");
	fclose(f);
	ck_assert_int_eq(chmod(path, 0600), 0);
	s_errs[0] = '\0';
	ck_assert_int_eq(http_conf_load(dir, &c, s_collect, NULL), 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->consumers[0].name, "pa");
	http_conf_destroy(&c);
	/* A group of operators may read it, as kyojod.conf. */
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(http_conf_load(dir, &c, s_collect, NULL), 0);
	http_conf_destroy(&c);
	/* Others may not read it, nor the group write it: it holds tokens. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(http_conf_load(dir, &c, s_collect, NULL), 1);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(s_errs, "readable or writable by others"));
	ck_assert_int_eq(chmod(path, 0660), 0);
	ck_assert_int_eq(http_conf_load(dir, &c, s_collect, NULL), 1);
	ck_assert_ptr_null(c);
	/* Errors are counted and the configuration withheld. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "listen *:8470\n");
	fclose(f);
	ck_assert_int_eq(chmod(path, 0600), 0);
	s_errs[0] = '\0';
	ck_assert_int_eq(http_conf_load(dir, &c, s_collect, NULL), 3);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(s_errs, "/http.conf:1: "));
	tu_rmrf(dir);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("http_conf");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_listen);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_empty_and_long);
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_load_and_permissions);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * check_allowlist - node/allowlist.c: the file format and its errors,
 * overlap in both directions, names and their parents, URL and email
 * hosts, the wide-prefix override, and the shipped seeds/allowlist.
 * Debug with CK_FORK=no.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>
#include <sodium.h>

#include "node/allowlist.h"
#include "tests/testutil.h"

#define SEEDS KY_VECTORS "/../../seeds/allowlist"

/* Collects error messages. */
struct errs {
	int n;
	char msg[8][300];
};

static void
s_err(void *ctx, const char *msg)
{
	struct errs *e = ctx;

	if (e->n < 8)
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	e->n++;
}

static struct allowlist *
s_list(const char *text)
{
	struct allowlist *al = allowlist_new();
	struct errs e = { 0 };

	ck_assert_ptr_nonnull(al);
	ck_assert_int_eq(allowlist_parse(al, "t.txt", text, strlen(text), 0,
	    s_err, &e), 0);
	ck_assert_int_eq(e.n, 0);
	return al;
}

/* Matches value as an indicator of type; returns the entry's text. */
static const char *
s_hit(const struct allowlist *al, int type, const char *value)
{
	const struct allowlist_entry *e = NULL;

	if (!allowlist_match(al, type, value, strlen(value), &e))
		return NULL;
	ck_assert_ptr_nonnull(e);
	return e->text;
}

START_TEST(test_parse_errors)
{
	static const char text[] =
	    "# comment line\n"
	    "10.0.0.0/8     # private\n"
	    "\n"
	    "10.0.0.1/8\n"			/* 4: host bits */
	    "10.0.0.0 /8\n"			/* 5: text after */
	    "300.1.2.3\n"			/* 6: not an address */
	    "2001:db8::/129\n"			/* 7: prefix range */
	    "*.example.jp\n"			/* 8: wildcard */
	    "bad_name.jp\n"			/* 9: invalid name */
	    "  Example.JP.  \r\n"		/* fine: normalized */
	    "10.0.0.0/08\n";			/* 11: leading zero */
	struct allowlist *al = allowlist_new();
	struct errs e = { 0 };
	const struct allowlist_entry *hit;

	ck_assert_int_eq(allowlist_parse(al, "x.txt", text, strlen(text), 0,
	    s_err, &e), 7);
	ck_assert_int_eq(e.n, 7);
	ck_assert_str_eq(e.msg[0], "x.txt:4: host bits set beyond the prefix");
	ck_assert_ptr_nonnull(strstr(e.msg[1], "x.txt:5: text after the entry"));
	ck_assert_str_eq(e.msg[2], "x.txt:6: not an IPv4 address");
	ck_assert_str_eq(e.msg[3], "x.txt:7: prefix out of range 0..128");
	ck_assert_ptr_nonnull(strstr(e.msg[4], "x.txt:8: '*.'"));
	ck_assert_ptr_nonnull(strstr(e.msg[5], "x.txt:9: domain:"));
	ck_assert_str_eq(e.msg[6], "x.txt:11: prefix is not a decimal number");
	/* The good lines are in, with their source and line. */
	ck_assert_uint_eq(allowlist_count(al), 2);
	ck_assert(allowlist_match(al, IT_DOMAIN, "www.example.jp", 14, &hit));
	ck_assert_str_eq(hit->text, "example.jp");
	ck_assert_str_eq(hit->source, "x.txt");
	ck_assert_uint_eq(hit->line, 10);
	allowlist_destroy(&al);
	ck_assert_ptr_null(al);
	allowlist_destroy(&al);
}
END_TEST

START_TEST(test_limits)
{
	struct allowlist *al = allowlist_new();
	struct errs e = { 0 };
	const char *why;
	char *big;

	big = malloc(ALLOWLIST_LINE_MAX + 2);
	memset(big, 'a', ALLOWLIST_LINE_MAX + 1);
	big[ALLOWLIST_LINE_MAX + 1] = '\0';
	ck_assert_int_eq(allowlist_parse(al, "b.txt", big, strlen(big), 0,
	    s_err, &e), 1);
	ck_assert_str_eq(e.msg[0], "b.txt:1: line too long");
	ck_assert_int_eq(allowlist_parse(al, "n.txt", "1.2.3.4\0\n", 9, 0,
	    s_err, &e), 1);
	ck_assert_str_eq(e.msg[1], "n.txt:1: NUL byte in line");
	ck_assert_int_eq(allowlist_parse(al, "h.txt", big,
	    (size_t)ALLOWLIST_FILE_MAX + 1, 0, s_err, &e), KY_ETOOBIG);
	ck_assert_int_eq(allowlist_add(al, "example.jp", ALLOWLIST_NETS_ONLY,
	    "w.txt", 1, &why), KY_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "expected an address or network"));
	ck_assert_int_eq(allowlist_add(al, "", 0, "w.txt", 1, &why), KY_EINVAL);
	ck_assert_uint_eq(allowlist_count(al), 0);
	free(big);
	allowlist_destroy(&al);
}
END_TEST

START_TEST(test_overlap_v4)
{
	struct allowlist *al = s_list("192.0.2.0/24\n8.8.8.8\n10.0.0.0/8\n");

	/* Inside an entry. */
	ck_assert_str_eq(s_hit(al, IT_IPV4, "192.0.2.77"), "192.0.2.0/24");
	ck_assert_str_eq(s_hit(al, IT_CIDR4, "192.0.2.128/25"), "192.0.2.0/24");
	ck_assert_str_eq(s_hit(al, IT_IPV4, "8.8.8.8"), "8.8.8.8/32");
	ck_assert_str_eq(s_hit(al, IT_CIDR4, "10.20.0.0/16"), "10.0.0.0/8");
	/* Around an entry: a /20 holding the allowlisted /24 is refused
	 * whole, and so is a /16 around a single resolver. */
	ck_assert_str_eq(s_hit(al, IT_CIDR4, "192.0.0.0/20"), "192.0.2.0/24");
	ck_assert_str_eq(s_hit(al, IT_CIDR4, "8.8.0.0/16"), "8.8.8.8/32");
	ck_assert_str_eq(s_hit(al, IT_CIDR4, "8.0.0.0/7"), "8.8.8.8/32");
	/* Neighbours. */
	ck_assert_ptr_null(s_hit(al, IT_IPV4, "192.0.3.0"));
	ck_assert_ptr_null(s_hit(al, IT_CIDR4, "192.0.3.0/24"));
	ck_assert_ptr_null(s_hit(al, IT_IPV4, "8.8.8.9"));
	ck_assert_ptr_null(s_hit(al, IT_CIDR4, "8.8.4.0/24"));
	ck_assert_ptr_null(s_hit(al, IT_CIDR4, "11.0.0.0/8"));
	ck_assert_ptr_null(s_hit(al, IT_IPV4, "9.255.255.255"));
	allowlist_destroy(&al);
}
END_TEST

START_TEST(test_overlap_v6)
{
	struct allowlist *al = s_list("2001:db8::/32\n2606:4700:4700::1111\n"
	    "::ffff:0:0/96\nfe80::/10\n");

	ck_assert_str_eq(s_hit(al, IT_IPV6, "2001:db8::1"), "2001:db8::/32");
	ck_assert_str_eq(s_hit(al, IT_CIDR6, "2001:db8:1::/48"), "2001:db8::/32");
	ck_assert_str_eq(s_hit(al, IT_CIDR6, "2001::/16"), "2001:db8::/32");
	ck_assert_str_eq(s_hit(al, IT_CIDR6, "2606:4700::/32"),
	    "2606:4700:4700::1111/128");
	ck_assert_str_eq(s_hit(al, IT_CIDR6, "fe80::/64"), "fe80::/10");
	ck_assert_ptr_null(s_hit(al, IT_CIDR6, "2001:db9::/32"));
	ck_assert_ptr_null(s_hit(al, IT_IPV6, "2606:4700:4700::1112"));
	/* Families never mix: 1.1.1.1 is not ::ffff:1.1.1.1. */
	ck_assert_ptr_null(s_hit(al, IT_IPV4, "1.1.1.1"));
	allowlist_destroy(&al);
}
END_TEST

START_TEST(test_names)
{
	struct allowlist *al = s_list("dns.quad9.net\nroot-servers.net\n"
	    "localhost\nテスト\nexample.co.jp\n");

	/* The name, and names below it. */
	ck_assert_str_eq(s_hit(al, IT_DOMAIN, "root-servers.net"),
	    "root-servers.net");
	ck_assert_str_eq(s_hit(al, IT_DOMAIN, "a.root-servers.net"),
	    "root-servers.net");
	ck_assert_str_eq(s_hit(al, IT_HOSTNAME, "_x.a.root-servers.net"),
	    "root-servers.net");
	/* A name above an entry: blocking it would take the entry along. */
	ck_assert_str_eq(s_hit(al, IT_DOMAIN, "quad9.net"), "dns.quad9.net");
	ck_assert_str_eq(s_hit(al, IT_DOMAIN, "co.jp"), "example.co.jp");
	/* Single labels and IDN labels are allowed in the list. */
	ck_assert_str_eq(s_hit(al, IT_DOMAIN, "foo.localhost"), "localhost");
	ck_assert_str_eq(s_hit(al, IT_DOMAIN, "xn--r8jz45g.xn--zckzah"),
	    "xn--zckzah");
	/* Label boundaries: not a suffix match on bytes. */
	ck_assert_ptr_null(s_hit(al, IT_DOMAIN, "evilroot-servers.net"));
	ck_assert_ptr_null(s_hit(al, IT_DOMAIN, "xdns.quad9.net"));
	ck_assert_ptr_null(s_hit(al, IT_DOMAIN, "other.net"));
	ck_assert_ptr_null(s_hit(al, IT_DOMAIN, "ample.co.jp"));
	/* Hashes never match. */
	ck_assert_ptr_null(s_hit(al, IT_SHA256, "0123"));
	allowlist_destroy(&al);
}
END_TEST

START_TEST(test_hosts)
{
	struct allowlist *al = s_list("example.jp\n192.0.2.0/24\n2001:db8::/32\n");

	ck_assert_str_eq(s_hit(al, IT_URL, "https://www.example.jp/login"),
	    "example.jp");
	ck_assert_str_eq(s_hit(al, IT_URL, "http://www.example.jp:8080/"),
	    "example.jp");
	ck_assert_str_eq(s_hit(al, IT_URL, "http://192.0.2.5/x?y"),
	    "192.0.2.0/24");
	ck_assert_str_eq(s_hit(al, IT_URL, "http://[2001:db8::5]:8080/"),
	    "2001:db8::/32");
	ck_assert_str_eq(s_hit(al, IT_EMAIL, "Alice@mail.example.jp"),
	    "example.jp");
	ck_assert_ptr_null(s_hit(al, IT_URL, "https://example.com/example.jp"));
	ck_assert_ptr_null(s_hit(al, IT_EMAIL, "example.jp@example.com"));
	ck_assert_ptr_null(s_hit(al, IT_URL, "http://198.51.100.5/"));
	allowlist_destroy(&al);
}
END_TEST

START_TEST(test_covers)
{
	struct allowlist *al = s_list("45.0.0.0/8\n2a00::/12\n");
	struct indicator_net n;

	ck_assert_int_eq(indicator_parse_net(IT_CIDR4, "45.64.0.0/10", &n), 0);
	ck_assert(allowlist_covers_net(al, &n, NULL));
	ck_assert_int_eq(indicator_parse_net(IT_CIDR4, "44.0.0.0/7", &n), 0);
	ck_assert(!allowlist_covers_net(al, &n, NULL));
	ck_assert(allowlist_match_net(al, &n, NULL));
	ck_assert_int_eq(indicator_parse_net(IT_CIDR6, "2a00::/16", &n), 0);
	ck_assert(allowlist_covers_net(al, &n, NULL));
	allowlist_destroy(&al);
}
END_TEST

START_TEST(test_lists_and_dirs)
{
	char *dir = tu_tmpdir("allow"), path[512];
	struct allowlist *al = allowlist_new();
	struct errs e = { 0 };
	const struct allowlist_entry *hit;
	const char *why;
	FILE *f;

	ck_assert_int_eq(allowlist_add_list(al, " 198.51.100.0/24 , ,"
	    "2001:db8::/48", 0, "kyojod.conf own_networks", &why), 0);
	ck_assert_uint_eq(allowlist_count(al), 2);
	ck_assert_int_eq(allowlist_add_list(al, "example.jp, bad..jp", 0,
	    "kyojod.conf own_domains", &why), KY_EINVAL);
	ck_assert_uint_eq(allowlist_count(al), 2);
	ck_assert(allowlist_match(al, IT_IPV4, "198.51.100.9", 12, &hit));
	ck_assert_str_eq(hit->source, "kyojod.conf own_networks");
	ck_assert_uint_eq(hit->line, 0);

	snprintf(path, sizeof(path), "%s/b.txt", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("# b\nexample.net\nnot an entry\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("203.0.113.0/24\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/ignored.bak", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("garbage garbage\n", f);
	fclose(f);
	ck_assert_int_eq(allowlist_load_dir(al, dir, 0, s_err, &e), 1);
	ck_assert_int_eq(e.n, 1);
	snprintf(path, sizeof(path), "%s/b.txt:3: text after the entry", dir);
	ck_assert_ptr_nonnull(strstr(e.msg[0], path));
	ck_assert(allowlist_match(al, IT_DOMAIN, "www.example.net", 15, &hit));
	ck_assert_uint_eq(hit->line, 2);
	ck_assert(allowlist_match(al, IT_IPV4, "203.0.113.1", 11, NULL));
	snprintf(path, sizeof(path), "%s/none", dir);
	ck_assert_int_eq(allowlist_load_dir(al, path, 0, s_err, &e),
	    KY_ENOTFOUND);
	ck_assert_int_eq(allowlist_load_file(al, path, 0, s_err, &e),
	    KY_ENOTFOUND);
	allowlist_destroy(&al);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* The shipped lists load without an error and hold what they promise. */
START_TEST(test_seeds)
{
	static const char *const blocked[] = {
		"ipv4 10.1.2.3", "ipv4 100.64.0.1", "ipv4 127.0.0.1",
		"ipv4 169.254.1.1", "ipv4 172.16.5.4", "ipv4 192.168.1.1",
		"ipv4 192.0.2.1", "ipv4 198.51.100.1", "ipv4 203.0.113.1",
		"ipv4 198.18.0.1", "ipv4 224.0.0.251", "ipv4 240.0.0.1",
		"ipv4 255.255.255.255", "ipv4 0.1.2.3", "ipv4 192.88.99.1",
		"ipv4 8.8.8.8", "ipv4 8.8.4.4", "ipv4 1.1.1.1", "ipv4 1.0.0.1",
		"ipv4 9.9.9.9", "ipv4 149.112.112.112", "ipv4 208.67.222.222",
		"ipv4 208.67.220.220", "ipv4 101.102.103.104",
		"ipv4 198.41.0.4", "ipv4 202.12.27.33", "ipv4 170.247.170.2",
		"ipv6 ::1", "ipv6 ::", "ipv6 fe80::1", "ipv6 fd00::1",
		"ipv6 ff02::1", "ipv6 2001:db8::1", "ipv6 64:ff9b::1",
		"ipv6 100::1", "ipv6 2001:4860:4860::8888",
		"ipv6 2606:4700:4700::1111", "ipv6 2620:fe::fe",
		"ipv6 2001:503:ba3e::2:30", "ipv6 2001:dc3::35",
		"cidr4 192.0.0.0/20", "cidr6 2001:db8::/48",
		"domain a.root-servers.net", "domain dns.google",
		"domain one.one.one.one", "domain public.dns.iij.jp",
		"domain foo.example", "domain www.example.com",
		"hostname printer.local", "url https://dns.google/dns-query",
	};
	static const char *const passed[] = {
		"ipv4 1.2.3.4", "ipv4 8.8.8.9", "ipv4 45.33.32.156",
		"ipv6 2a00:1450::1", "domain evil.jp", "domain example.jp",
		"cidr4 45.33.0.0/16",
	};
	struct allowlist *al = allowlist_new();
	struct errs e = { 0 };
	char type[16], value[64];

	ck_assert_int_eq(allowlist_load_dir(al, SEEDS, 0, s_err, &e), 0);
	ck_assert_msg(e.n == 0, "%s", e.msg[0]);
	ck_assert_uint_gt(allowlist_count(al), 100);
	for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++) {
		ck_assert_int_eq(sscanf(blocked[i], "%15s %63s", type, value), 2);
		ck_assert_msg(s_hit(al, indicator_type_from_name(type), value),
		    "%s is not allowlisted", blocked[i]);
	}
	for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++) {
		ck_assert_int_eq(sscanf(passed[i], "%15s %63s", type, value), 2);
		ck_assert_msg(!s_hit(al, indicator_type_from_name(type), value),
		    "%s is allowlisted", passed[i]);
	}
	allowlist_destroy(&al);
}
END_TEST

static Suite *
s_suite(void)
{
	Suite *s = suite_create("allowlist");
	TCase *tc = tcase_create("allowlist");

	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_overlap_v4);
	tcase_add_test(tc, test_overlap_v6);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_hosts);
	tcase_add_test(tc, test_covers);
	tcase_add_test(tc, test_lists_and_dirs);
	tcase_add_test(tc, test_seeds);
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

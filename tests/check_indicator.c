/* Check suite for protocol/indicator and protocol/taxonomy. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "protocol/indicator.h"
#include "protocol/taxonomy.h"

struct norm_case {
	int type;
	const char *in;
	const char *out;	/* NULL: refused */
	const char *why;	/* refusals: a substring of the reason */
};

#define OK(t, in, out)	{ t, in, out, NULL }
#define NO(t, in, why)	{ t, in, NULL, why }

#define MD5_0	"d41d8cd98f00b204e9800998ecf8427e"
#define SHA1_0	"da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define SHA256_0 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define L63	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct norm_case s_cases[] = {
	/* ipv4 */
	OK(IT_IPV4, "192.0.2.1", "192.0.2.1"),
	OK(IT_IPV4, "１９２．０．２．１", "192.0.2.1"),
	OK(IT_IPV4, " \t198.51.100.7\r\n", "198.51.100.7"),
	OK(IT_IPV4, "\xe3\x80\x80" "192.0.2.1", "192.0.2.1"),	/* U+3000 */
	OK(IT_IPV4, "0.0.0.0", "0.0.0.0"),
	OK(IT_IPV4, "255.255.255.255", "255.255.255.255"),
	NO(IT_IPV4, "192.0.2.01", "ipv4: leading zero in octet"),
	NO(IT_IPV4, "256.1.1.1", "ipv4: octet out of range"),
	NO(IT_IPV4, "1.2.3", "ipv4: expected 4 dotted decimal octets"),
	NO(IT_IPV4, "1.2.3.4.5", "ipv4: expected 4"),
	NO(IT_IPV4, "1.2..4", "ipv4: expected 4"),
	NO(IT_IPV4, "0x7f.0.0.1", "ipv4: octet is not a decimal number"),
	NO(IT_IPV4, "192.0.2.0/24", "ipv4: /prefix given, submit it as cidr4"),
	NO(IT_IPV4, "192.0. 2.1", "ipv4: white space"),
	NO(IT_IPV4, "192.0.2.1\x7f", "ipv4: control character"),
	NO(IT_IPV4, "192.0.2.1\xc2\x85", "ipv4: control character"),	/* NEL */
	NO(IT_IPV4, "", "ipv4: empty value"),
	NO(IT_IPV4, " \t ", "ipv4: empty value"),
	NO(IT_IPV4, "\xff" "1.2.3.4", "ipv4: invalid UTF-8"),
	NO(IT_IPV4, "\xc0\xae", "ipv4: invalid UTF-8"),	/* overlong '.' */
	/* ipv6, RFC 5952 */
	OK(IT_IPV6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
	OK(IT_IPV6, "2001:0db8::0001", "2001:db8::1"),
	OK(IT_IPV6, "2001:DB8::A:B", "2001:db8::a:b"),
	OK(IT_IPV6, "::", "::"),
	OK(IT_IPV6, "::1", "::1"),
	OK(IT_IPV6, "1::", "1::"),
	OK(IT_IPV6, "0:0:0:0:0:0:0:0", "::"),
	OK(IT_IPV6, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
	OK(IT_IPV6, "2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
	OK(IT_IPV6, "1:0:0:2:0:0:0:3", "1:0:0:2::3"),
	OK(IT_IPV6, "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
	OK(IT_IPV6, "64:ff9b::192.0.2.1", "64:ff9b::c000:201"),
	OK(IT_IPV6, "２００１：ｄｂ８：：１", "2001:db8::1"),
	NO(IT_IPV6, "::ffff:192.0.2.1",
	    "ipv6: IPv4-mapped address, submit it as ipv4"),
	NO(IT_IPV6, "::FFFF:c000:0201", "ipv6: IPv4-mapped address"),
	NO(IT_IPV6, "fe80::1%eth0", "ipv6: zone id not allowed"),
	NO(IT_IPV6, "1::2::3", "ipv6: more than one ::"),
	NO(IT_IPV6, "12345::", "ipv6: group longer than 4 hex digits"),
	NO(IT_IPV6, "1:2:3:4:5:6:7:8:9", "ipv6: wrong number of groups"),
	NO(IT_IPV6, "1:2:3:4:5:6:7", "ipv6: wrong number of groups"),
	NO(IT_IPV6, "1:2:3:4::5:6:7:8", "ipv6: wrong number of groups"),
	NO(IT_IPV6, ":1::", "ipv6: misplaced colon"),
	NO(IT_IPV6, "1::2:", "ipv6: misplaced colon"),
	NO(IT_IPV6, ":::", "ipv6: misplaced colon"),
	NO(IT_IPV6, "g::1", "ipv6: invalid character"),
	NO(IT_IPV6, "::1.2.3.04", "ipv6: leading zero in octet"),
	NO(IT_IPV6, "2001:db8::/32", "ipv6: /prefix given, submit it as cidr6"),
	/* cidr4, cidr6 */
	OK(IT_CIDR4, "203.0.112.0/20", "203.0.112.0/20"),
	OK(IT_CIDR4, "０.０.０.０/０", "0.0.0.0/0"),
	OK(IT_CIDR4, "192.0.2.1/32", "192.0.2.1/32"),
	NO(IT_CIDR4, "203.0.113.0/20", "cidr4: host bits set beyond the prefix"),
	NO(IT_CIDR4, "192.0.2.0/33", "cidr4: prefix out of range 0..32"),
	NO(IT_CIDR4, "192.0.2.0/024", "cidr4: leading zero in prefix"),
	NO(IT_CIDR4, "192.0.2.0", "cidr4: missing /prefix"),
	NO(IT_CIDR4, "192.0.2.0/", "cidr4: prefix is not a decimal number"),
	NO(IT_CIDR4, "192.0.2.0/24/8", "cidr4: prefix is not a decimal number"),
	NO(IT_CIDR4, "192.0.02.0/24", "cidr4: leading zero in octet"),
	OK(IT_CIDR6, "2001:DB8:0:0::/32", "2001:db8::/32"),
	OK(IT_CIDR6, "2001:db8:1:2::/64", "2001:db8:1:2::/64"),
	OK(IT_CIDR6, "::/0", "::/0"),
	NO(IT_CIDR6, "2001:db8::1/64", "cidr6: host bits set beyond the prefix"),
	NO(IT_CIDR6, "2001:db8::/129", "cidr6: prefix out of range 0..128"),
	NO(IT_CIDR6, "::ffff:192.0.2.0/120",
	    "cidr6: IPv4-mapped network, submit it as cidr4"),
	NO(IT_CIDR6, "2001:db8::", "cidr6: missing /prefix"),
	/* domain */
	OK(IT_DOMAIN, "example.com", "example.com"),
	OK(IT_DOMAIN, "EXAMPLE.Com.", "example.com"),
	OK(IT_DOMAIN, "ＥＸＡＭＰＬＥ．ｃｏｍ", "example.com"),
	OK(IT_DOMAIN, "例え.テスト", "xn--r8jz45g.xn--zckzah"),
	OK(IT_DOMAIN, "例え。テスト。", "xn--r8jz45g.xn--zckzah"),
	OK(IT_DOMAIN, "XN--R8JZ45G.xn--zckzah", "xn--r8jz45g.xn--zckzah"),
	OK(IT_DOMAIN, "日本語.jp", "xn--wgv71a119e.jp"),
	OK(IT_DOMAIN, "ドメイン名例.JP", "xn--eckwd4c7cu47r2wf.jp"),
	OK(IT_DOMAIN, "ﾄﾞﾒｲﾝ名例.jp", "xn--eckwd4c7cu47r2wf.jp"),	/* half-width */
	OK(IT_DOMAIN, "MÜNCHEN.de", "xn--mnchen-3ya.de"),
	OK(IT_DOMAIN, "faß.de", "xn--fa-hia.de"),	/* non-transitional */
	OK(IT_DOMAIN, "r1---sn-4g5e6nzl.googlevideo.com",
	    "r1---sn-4g5e6nzl.googlevideo.com"),
	OK(IT_DOMAIN, L63 ".jp", L63 ".jp"),
	NO(IT_DOMAIN, "a" L63 ".jp", "domain: label longer than 63 bytes"),
	NO(IT_DOMAIN, L63 "." L63 "." L63 "." L63 ".jp",
	    "domain: name longer than 253 bytes"),
	NO(IT_DOMAIN, "localhost", "domain: single-label name"),
	NO(IT_DOMAIN, "テスト", "domain: single-label name"),
	NO(IT_DOMAIN, "1.2.3.4", "domain: looks like an IP address"),
	NO(IT_DOMAIN, "example.com..", "domain: empty label"),
	NO(IT_DOMAIN, "a..example.com", "domain: empty label"),
	NO(IT_DOMAIN, "-bad.example.com", "domain: label starts or ends with a hyphen"),
	NO(IT_DOMAIN, "bad-.example.com", "domain: label starts or ends"),
	NO(IT_DOMAIN, "_dmarc.example.com", "domain: invalid character"),
	NO(IT_DOMAIN, "exa mple.com", "domain: white space"),
	NO(IT_DOMAIN, "xn--zz.com", "domain: not a valid IDNA2008 name"),
	NO(IT_DOMAIN, "\xf0\x9f\x92\xa9.la", "domain: not a valid IDNA2008"),
	/* hostname */
	OK(IT_HOSTNAME, "_dmarc.Example.com", "_dmarc.example.com"),
	OK(IT_HOSTNAME, "www.例え.jp.", "www.xn--r8jz45g.jp"),
	NO(IT_HOSTNAME, "www", "hostname: single-label name"),
	NO(IT_HOSTNAME, "a*b.example.com", "hostname: invalid character"),
	/* url */
	OK(IT_URL, "http://example.com", "http://example.com/"),
	OK(IT_URL, "HTTP://WWW.Example.COM:80/Login?ID=Ab#top",
	    "http://www.example.com/Login?ID=Ab"),
	OK(IT_URL, "https://example.com:443/a/../b?q=%2F", "https://example.com/a/../b?q=%2F"),
	OK(IT_URL, "https://example.com:8443", "https://example.com:8443/"),
	OK(IT_URL, "ftp://ftp.example.com:21/pub/x.exe", "ftp://ftp.example.com/pub/x.exe"),
	OK(IT_URL, "http://example.com?x=1", "http://example.com/?x=1"),
	OK(IT_URL, "http://192.0.2.1:8080/gate.php", "http://192.0.2.1:8080/gate.php"),
	OK(IT_URL, "http://192.0.2.1./", "http://192.0.2.1/"),
	OK(IT_URL, "http://[2001:DB8:0:0::1]:80/", "http://[2001:db8::1]/"),
	OK(IT_URL, "https://例え.テスト/ログイン?id=1",
	    "https://xn--r8jz45g.xn--zckzah/ログイン?id=1"),
	OK(IT_URL, "ｈｔｔｐｓ：／／ＥＸＡＭＰＬＥ．ｃｏｍ／", "https://example.com/"),
	OK(IT_URL, "http://_x.example.com/", "http://_x.example.com/"),
	NO(IT_URL, "http://user:pass@example.com/", "url: credentials in URL"),
	NO(IT_URL, "http://example.com\\@evil.example/", "url: credentials"),
	NO(IT_URL, "javascript:alert(1)", "url: scheme must be http, https or ftp"),
	NO(IT_URL, "example.com/path", "url: scheme must be"),
	NO(IT_URL, "http:/example.com", "url: expected // after the scheme"),
	NO(IT_URL, "http:///path", "url: empty host"),
	NO(IT_URL, "http://example.com:0/", "url: port is not a number"),
	NO(IT_URL, "http://example.com:65536/", "url: port is not a number"),
	NO(IT_URL, "http://example.com:/", "url: port is not a number"),
	NO(IT_URL, "http://example.com:080/", "url: leading zero in port"),
	NO(IT_URL, "http://example.com/a b", "url: white space"),
	NO(IT_URL, "http://localhost/", "url host: single-label name"),
	NO(IT_URL, "http://010.0.0.1/", "url host: leading zero in octet"),
	NO(IT_URL, "http://0x7f.1/", "url host: octet is not a decimal number"),
	NO(IT_URL, "http://[::ffff:192.0.2.1]/", "url host: IPv4-mapped address"),
	NO(IT_URL, "http://[fe80::1%25eth0]/", "url host: zone id not allowed"),
	NO(IT_URL, "http://[2001:db8::1/", "url host: [ without ]"),
	NO(IT_URL, "http://[2001:db8::1]x/", "url: junk after the host"),
	/* email */
	OK(IT_EMAIL, "alice@example.com", "alice@example.com"),
	OK(IT_EMAIL, "Alice.Smith+tag@EXAMPLE.COM.", "Alice.Smith+tag@example.com"),
	OK(IT_EMAIL, "info@例え.jp", "info@xn--r8jz45g.jp"),
	OK(IT_EMAIL, "ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "alice@example.com"),
	NO(IT_EMAIL, "a@b@example.com", "email: expected exactly one @"),
	NO(IT_EMAIL, "alice", "email: expected exactly one @"),
	NO(IT_EMAIL, "@example.com", "email: empty local part"),
	NO(IT_EMAIL, "a" L63 "a@example.com", "email: local part longer than 64"),
	NO(IT_EMAIL, "山田@example.com", "email: local part must be printable ASCII"),
	NO(IT_EMAIL, "alice@", "email domain: empty label"),
	NO(IT_EMAIL, "alice@localhost", "email domain: single-label name"),
	NO(IT_EMAIL, "alice@[192.0.2.1]", "email domain: invalid character"),
	/* hashes */
	OK(IT_MD5, "D41D8CD98F00B204E9800998ECF8427E", MD5_0),
	OK(IT_SHA1, SHA1_0, SHA1_0),
	OK(IT_SHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	    SHA256_0),
	NO(IT_MD5, SHA1_0, "md5: expected 32 hex digits, got more"),
	NO(IT_SHA1, MD5_0, "sha1: expected 40 hex digits, got fewer"),
	NO(IT_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
	    "sha256: expected 64 hex digits, got fewer"),
	NO(IT_SHA256, "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "sha256: not a hex digit"),
	/* asn */
	OK(IT_ASN, "AS64500", "AS64500"),
	OK(IT_ASN, "as64500", "AS64500"),
	OK(IT_ASN, "64500", "AS64500"),
	OK(IT_ASN, "ＡＳ６４５００", "AS64500"),
	OK(IT_ASN, "4294967295", "AS4294967295"),
	NO(IT_ASN, "AS0", "asn: AS0 is reserved"),
	NO(IT_ASN, "AS064500", "asn: leading zero"),
	NO(IT_ASN, "4294967296", "asn: out of range 1..4294967295"),
	NO(IT_ASN, "AS", "asn: not a number"),
	NO(IT_ASN, "AS-1", "asn: not a number"),
	NO(IT_ASN, "AS 64500", "asn: white space"),
};

START_TEST(test_table)
{
	const struct norm_case *c = &s_cases[_i];
	char out[INDICATOR_VALUE_MAX + 1], again[INDICATOR_VALUE_MAX + 1];
	const char *why = NULL;
	int rc;

	rc = indicator_normalize(c->type, c->in, strlen(c->in), out,
	    sizeof(out), &why);
	if (c->out != NULL) {
		ck_assert_msg(rc == 0, "%s '%s': refused: %s",
		    indicator_type_name(c->type), c->in, why);
		ck_assert_str_eq(out, c->out);
		rc = indicator_normalize(c->type, out, strlen(out), again,
		    sizeof(again), &why);
		ck_assert_msg(rc == 0, "'%s': output refused: %s", out, why);
		ck_assert_str_eq(again, out);
	} else {
		ck_assert_msg(rc == KY_EINVAL, "%s '%s': accepted as '%s'",
		    indicator_type_name(c->type), c->in, out);
		ck_assert_msg(strstr(why, c->why) != NULL,
		    "'%s': why '%s', want '%s'", c->in, why, c->why);
		ck_assert_str_eq(out, "");
	}
}
END_TEST

/* The why must name the type it refused: "cidr4: ...". */
START_TEST(test_why_names_type)
{
	const struct norm_case *c = &s_cases[_i];
	const char *name = indicator_type_name(c->type), *why = NULL;
	char out[INDICATOR_VALUE_MAX + 1];

	if (c->out != NULL)
		return;
	ck_assert(indicator_normalize(c->type, c->in, strlen(c->in), out,
	    sizeof(out), &why) != 0);
	ck_assert_msg(strncmp(why, name, strlen(name)) == 0 &&
	    (why[strlen(name)] == ':' || why[strlen(name)] == ' '),
	    "'%s' does not start with '%s'", why, name);
}
END_TEST

START_TEST(test_limits)
{
	char out[INDICATOR_VALUE_MAX + 1], *big;
	const char *why = NULL;
	size_t n;

	/* Embedded NUL: the value is a C string everywhere downstream. */
	ck_assert_int_eq(indicator_normalize(IT_IPV4, "1.2.3.4\0", 8, out,
	    sizeof(out), &why), KY_EINVAL);
	ck_assert_str_eq(why, "ipv4: control character");
	ck_assert_int_eq(indicator_normalize(0, "x", 1, out, sizeof(out),
	    &why), KY_EINVAL);
	ck_assert_int_eq(indicator_normalize(IT_MAX + 1, "x", 1, out,
	    sizeof(out), &why), KY_EINVAL);

	/* out too small: refused, and out left empty. */
	ck_assert_int_eq(indicator_normalize(IT_IPV4, "192.0.2.1", 9, out, 9,
	    &why), KY_ETOOBIG);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(indicator_normalize(IT_IPV4, "192.0.2.1", 9, out, 10,
	    &why), 0);
	ck_assert_int_eq(indicator_normalize(IT_IPV4, "192.0.2.1", 9, out, 0,
	    &why), KY_ETOOBIG);

	/* A url of exactly INDICATOR_VALUE_MAX bytes, then one more. */
	big = malloc(4 * INDICATOR_VALUE_MAX + 2);
	ck_assert_ptr_nonnull(big);
	n = strlen(strcpy(big, "http://example.com/"));
	memset(big + n, 'a', INDICATOR_VALUE_MAX - n);
	big[INDICATOR_VALUE_MAX] = '\0';
	ck_assert_int_eq(indicator_normalize(IT_URL, big, INDICATOR_VALUE_MAX,
	    out, sizeof(out), &why), 0);
	ck_assert_uint_eq(strlen(out), INDICATOR_VALUE_MAX);
	strcat(big, "a");
	ck_assert_int_eq(indicator_normalize(IT_URL, big, strlen(big), out,
	    sizeof(out), &why), KY_ETOOBIG);
	ck_assert_str_eq(why, "url: value too long");
	ck_assert_str_eq(out, "");
	memset(big, ' ', 4 * INDICATOR_VALUE_MAX + 1);
	ck_assert_int_eq(indicator_normalize(IT_URL, big,
	    4 * INDICATOR_VALUE_MAX + 1, out, sizeof(out), &why), KY_ETOOBIG);
	free(big);
}
END_TEST

START_TEST(test_type_names)
{
	for (int t = IT_IPV4; t <= IT_MAX; t++) {
		ck_assert_ptr_nonnull(indicator_type_name(t));
		ck_assert_int_eq(indicator_type_from_name(
		    indicator_type_name(t)), t);
	}
	ck_assert_str_eq(indicator_type_name(IT_SHA256), "sha256");
	ck_assert_ptr_null(indicator_type_name(0));
	ck_assert_ptr_null(indicator_type_name(IT_MAX + 1));
	ck_assert_int_eq(indicator_type_from_name("ip"), -1);
	ck_assert_int_eq(indicator_type_from_name("IPV4"), -1);
	ck_assert_int_eq(indicator_type_from_name(""), -1);
}
END_TEST

/*
 * Checks text against RFC 5952 section 4 on its own terms (not by
 * formatting the address a second way): lower-case hex, no leading zeros,
 * "::" once at most, for the longest run of two or more zero groups, the
 * first of equal runs.
 */
static void
s_assert_5952(const char *text)
{
	char g[8][8];
	int n = 0, gap = -1, run = 0, best = 0, best_at = -1;
	const char *p = text;

	if (strncmp(p, "::", 2) == 0)
		gap = 0, p += 2;
	while (*p != '\0') {
		size_t len = strspn(p, "0123456789abcdef");

		ck_assert_msg(len >= 1 && len <= 4 && n < 8, "%s", text);
		ck_assert_msg(len == 1 || p[0] != '0', "%s: leading 0", text);
		memcpy(g[n], p, len);
		g[n++][len] = '\0';
		p += len;
		if (*p == '\0')
			break;
		ck_assert_msg(*p == ':', "%s: junk", text);
		if (p[1] == ':') {
			ck_assert_msg(gap < 0, "%s: two ::", text);
			gap = n, p++;
		}
		p++;
	}
	ck_assert_msg(gap < 0 ? n == 8 : n <= 6, "%s: groups", text);
	ck_assert_msg(gap < 1 || strcmp(g[gap - 1], "0") != 0, "%s: 0::", text);
	ck_assert_msg(gap < 0 || gap == n || strcmp(g[gap], "0") != 0,
	    "%s: ::0", text);
	for (int i = 0; i < n; i++) {
		run = strcmp(g[i], "0") == 0 ? run + 1 : 0;
		if (run > best)
			best = run, best_at = i + 1 - run;
	}
	if (gap < 0)
		ck_assert_msg(best < 2, "%s: zero run not compressed", text);
	else
		ck_assert_msg(best < 8 - n || (best == 8 - n && best_at >= gap),
		    "%s: a longer or earlier zero run is not the ::", text);
}

START_TEST(test_rfc5952)
{
	static const uint16_t shapes[] = { 0x0000, 0x0001, 0x00ff, 0x0db8,
	    0xabcd, 0xffff };
	uint32_t x = 2463534242u;	/* xorshift32, fixed seed */

	for (int k = 0; k < 20000; k++) {
		char in[64], out[INDICATOR_VALUE_MAX + 1];
		unsigned char want[16], got[16];
		const char *why = NULL;
		uint16_t w[8];
		int rc;

		for (int i = 0; i < 8; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			/* Mostly zeros: runs of every length, and ties. */
			w[i] = x % 3 != 0 ? 0 : shapes[(x >> 8) % 6];
		}
		snprintf(in, sizeof(in), "%04X:%x:%x:%x:%x:%x:%x:%x", w[0],
		    w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
		ck_assert_int_eq(inet_pton(AF_INET6, in, want), 1);
		rc = indicator_normalize(IT_IPV6, in, strlen(in), out,
		    sizeof(out), &why);
		if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 &&
		    w[4] == 0 && w[5] == 0xffff) {
			ck_assert_int_eq(rc, KY_EINVAL);
			continue;
		}
		ck_assert_msg(rc == 0, "%s: %s", in, why);
		s_assert_5952(out);
		ck_assert_int_eq(inet_pton(AF_INET6, out, got), 1);
		ck_assert_msg(memcmp(want, got, 16) == 0, "%s -> %s", in, out);
	}
}
END_TEST

static struct indicator_net
s_net(int type, const char *text)
{
	struct indicator_net net;

	ck_assert_msg(indicator_parse_net(type, text, &net) == 0, "%s", text);
	return net;
}

START_TEST(test_nets)
{
	struct indicator_net n20 = s_net(IT_CIDR4, "203.0.112.0/20");
	struct indicator_net in = s_net(IT_IPV4, "203.0.127.255");
	struct indicator_net out = s_net(IT_IPV4, "203.0.128.0");
	struct indicator_net n24 = s_net(IT_CIDR4, "203.0.113.0/24");
	struct indicator_net all4 = s_net(IT_CIDR4, "0.0.0.0/0");
	struct indicator_net n64 = s_net(IT_CIDR6, "2001:db8:1:2::/64");
	struct indicator_net in6 = s_net(IT_IPV6,
	    "2001:db8:1:2:ffff:ffff:ffff:ffff");
	struct indicator_net out6 = s_net(IT_IPV6, "2001:db8:1:3::");
	struct indicator_net all6 = s_net(IT_CIDR6, "::/0");
	struct indicator_net bad;

	ck_assert_int_eq(n20.family, 4);
	ck_assert_uint_eq(n20.prefix, 20);
	ck_assert_uint_eq(in.prefix, 32);
	ck_assert_uint_eq(in6.prefix, 128);
	ck_assert_int_eq(memcmp(in.addr, "\xcb\x00\x7f\xff", 4), 0);
	ck_assert(indicator_net_contains(&n20, &in));
	ck_assert(!indicator_net_contains(&n20, &out));
	ck_assert(indicator_net_contains(&n20, &n24));
	ck_assert(!indicator_net_contains(&n24, &n20));
	ck_assert(indicator_net_contains(&in, &in));
	ck_assert(!indicator_net_contains(&in, &n20));
	ck_assert(indicator_net_contains(&all4, &out));
	ck_assert(indicator_net_contains(&n64, &in6));
	ck_assert(!indicator_net_contains(&n64, &out6));
	ck_assert(indicator_net_contains(&all6, &out6));
	ck_assert(!indicator_net_contains(&all6, &in));
	ck_assert(!indicator_net_contains(&all4, &in6));
	bad = all6;
	bad.prefix = 129;
	ck_assert(!indicator_net_contains(&bad, &in6));

	/* Only normal forms parse, and *out is zeroed when they do not. */
	memset(&bad, 0xa5, sizeof(bad));
	ck_assert_int_eq(indicator_parse_net(IT_IPV6, "2001:DB8::1", &bad),
	    KY_EINVAL);
	ck_assert_int_eq(bad.family, 0);
	ck_assert_uint_eq(bad.prefix, 0);
	ck_assert_int_eq(indicator_parse_net(IT_IPV6, "2001:db8:0:0::1", &bad),
	    KY_EINVAL);
	ck_assert_int_eq(indicator_parse_net(IT_IPV4, "１.2.3.4", &bad),
	    KY_EINVAL);
	ck_assert_int_eq(indicator_parse_net(IT_CIDR4, "203.0.113.0/20", &bad),
	    KY_EINVAL);
	ck_assert_int_eq(indicator_parse_net(IT_CIDR4, "203.0.112.0", &bad),
	    KY_EINVAL);
	ck_assert_int_eq(indicator_parse_net(IT_DOMAIN, "example.com", &bad),
	    KY_EINVAL);
	ck_assert_int_eq(indicator_parse_net(IT_IPV4, "192.0.2.1 ", &bad),
	    KY_EINVAL);
}
END_TEST

static bool
s_has_non_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

START_TEST(test_taxonomy)
{
	static const char *const classes[] = { "abusive-content",
	    "malicious-code", "information-gathering", "intrusion-attempts",
	    "intrusions", "availability", "information-content-security",
	    "fraud", "vulnerable", "other", "test" };
	size_t n = taxonomy_count();
	const struct taxonomy_entry *e;

	ck_assert_uint_eq(n, 39);
	ck_assert_ptr_null(taxonomy_at(n));
	for (size_t i = 0; i < n; i++) {
		e = taxonomy_at(i);
		ck_assert_ptr_nonnull(e);
		ck_assert_msg(strchr(e->id, ':') != NULL, "%s", e->id);
		ck_assert_msg(e->en[0] != '\0' && e->ja[0] != '\0', "%s",
		    e->id);
		/* Every Japanese label holds at least one non-ASCII byte. */
		ck_assert_msg(s_has_non_ascii(e->ja), "%s: ja", e->id);
		ck_assert_ptr_eq(taxonomy_find(e->id), e);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(taxonomy_at(j)->id, e->id);
	}
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
		size_t len = strlen(classes[c]), hits = 0;

		for (size_t i = 0; i < n; i++)
			hits += strncmp(taxonomy_at(i)->id, classes[c],
			    len) == 0 && taxonomy_at(i)->id[len] == ':';
		ck_assert_msg(hits > 0, "class %s has no type", classes[c]);
	}
	e = taxonomy_find("fraud:phishing");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->en, "Phishing");
	ck_assert_str_eq(e->ja, "フィッシング");
	e = taxonomy_find("malicious-code:c2-server");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->ja, "C2サーバ");
	ck_assert_ptr_nonnull(taxonomy_find("test:test"));
	ck_assert_ptr_null(taxonomy_find("Fraud:phishing"));
	ck_assert_ptr_null(taxonomy_find("fraud"));
	ck_assert_ptr_null(taxonomy_find("fraud:"));
	ck_assert_ptr_null(taxonomy_find(""));
}
END_TEST

START_TEST(test_sectors_attack)
{
	ck_assert(taxonomy_is_sector("csirt"));
	ck_assert(taxonomy_is_sector("psirt"));
	ck_assert(taxonomy_is_sector("dsirt"));
	ck_assert(taxonomy_is_sector("fsirt"));
	ck_assert(!taxonomy_is_sector("isirt"));
	ck_assert(!taxonomy_is_sector("CSIRT"));
	ck_assert(!taxonomy_is_sector("csirt "));
	ck_assert(!taxonomy_is_sector(""));

	ck_assert(taxonomy_is_attack_id("T1566"));
	ck_assert(taxonomy_is_attack_id("T1566.001"));
	ck_assert(taxonomy_is_attack_id("T1071.001"));
	ck_assert(!taxonomy_is_attack_id("t1566"));
	ck_assert(!taxonomy_is_attack_id("T15"));
	ck_assert(!taxonomy_is_attack_id("T15660"));
	ck_assert(!taxonomy_is_attack_id("T1566."));
	ck_assert(!taxonomy_is_attack_id("T1566.01"));
	ck_assert(!taxonomy_is_attack_id("T1566.0010"));
	ck_assert(!taxonomy_is_attack_id("T1566-001"));
	ck_assert(!taxonomy_is_attack_id("T1a66"));
	ck_assert(!taxonomy_is_attack_id("TA0001"));
	ck_assert(!taxonomy_is_attack_id(""));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("indicator");
	TCase *tc = tcase_create("core");
	size_t ncases = sizeof(s_cases) / sizeof(s_cases[0]);
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_table, 0, (int)ncases);
	tcase_add_loop_test(tc, test_why_names_type, 0, (int)ncases);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_type_names);
	tcase_add_test(tc, test_rfc5952);
	tcase_add_test(tc, test_nets);
	tcase_add_test(tc, test_taxonomy);
	tcase_add_test(tc, test_sectors_attack);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * check_scrub - node/scrub.c and node/scrub_text.c: which indicators are
 * refused and why, exactly what free text becomes (English, Japanese,
 * full-width and mixed), the redaction report, the config keys, and
 * large inputs.  Debug with CK_FORK=no.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "node/config.h"
#include "node/scrub.h"
#include "protocol/indicator.h"
#include "tests/testutil.h"

/*
 * OWN: an organisation with networks, domains, a mail domain and words;
 * documentation values let through, as a demo would.
 * BARE: nothing configured, the compiled-in tables only.
 */
enum { OWN, BARE };

static struct scrub *s_scr[2];

static void
s_setup(void)
{
	struct config cfg;
	const char *why = NULL;

	config_defaults(&cfg, "/tmp/x");
	snprintf(cfg.own_networks, sizeof(cfg.own_networks),
	    "203.0.113.0/24, 2001:db8:10::/48");
	snprintf(cfg.own_domains, sizeof(cfg.own_domains),
	    "yamada.co.jp, 山田製作所.jp");
	snprintf(cfg.own_mail_domains, sizeof(cfg.own_mail_domains),
	    "ＹＡＭＡＤＡ-mail.jp");
	snprintf(cfg.scrub_words, sizeof(cfg.scrub_words),
	    "Acme, 鈴木商事、ProjectX，ｶﾞﾝﾀﾞﾑ,　極秘案件　");
	ck_assert_int_eq(scrub_new(&cfg, &s_scr[OWN], &why), 0);
	scrub_allow_documentation(s_scr[OWN], true);
	config_defaults(&cfg, "/tmp/x");
	ck_assert_int_eq(scrub_new(&cfg, &s_scr[BARE], &why), 0);
}

static void
s_teardown(void)
{
	scrub_free(&s_scr[OWN]);
	scrub_free(&s_scr[BARE]);
	scrub_free(&s_scr[BARE]);	/* idempotent */
	ck_assert_ptr_null(s_scr[BARE]);
}

/* --- free text ---------------------------------------------------------- */

struct text_case {
	int scr;
	const char *in;
	const char *out;
};

static const struct text_case s_text[] = {
	/* e-mail addresses: every one */
	{ OWN, "Contact taro.yamada@gmail.com today",
	    "Contact [redacted:email] today" },
	{ OWN, "mail to <hanako+sec@yamada.co.jp>.",
	    "mail to <[redacted:email]>." },
	{ OWN, "a@b", "[redacted:email]" },
	{ OWN, "root@srv01:~$ ls", "[redacted:email]:~$ ls" },
	{ OWN, "mailto:sec@evil.com", "mailto:[redacted:email]" },
	{ OWN, "@yamada_taro on X; user @ host",
	    "@yamada_taro on X; user @ host" },
	/* credentials in URLs: only they go */
	{ OWN, "https://admin:hunter2@evil.com/login",
	    "https://[redacted:userinfo]@evil.com/login" },
	{ OWN, "ftp://anonymous@ftp.evil.com/",
	    "ftp://[redacted:userinfo]@ftp.evil.com/" },
	/* phone numbers */
	{ OWN, "Call 03-1234-5678.", "Call [redacted:phone]." },
	{ OWN, "US: (555) 123-4567 or 1-800-555-0199",
	    "US: [redacted:phone] or [redacted:phone]" },
	{ OWN, "Intl +44 20 7946 0958 ok", "Intl [redacted:phone] ok" },
	{ OWN, "tel:+81312345678, fax.0312345679",
	    "tel:[redacted:phone], fax.[redacted:phone]" },
	{ OWN, "Build 2024-01-15 12:34:56, price 1,234,567, ZIP 100-0001, "
	    "v1.2.3, id=0312345678, sha 0a03123456789b",
	    "Build 2024-01-15 12:34:56, price 1,234,567, ZIP 100-0001, "
	    "v1.2.3, id=0312345678, sha 0a03123456789b" },
	/* addresses: internal and own go, public and examples stay */
	{ OWN, "Attacker 8.8.8.8 hit 192.168.1.5 and 10.1.2.3:8080",
	    "Attacker 8.8.8.8 hit [redacted:ip] and [redacted:ip]:8080" },
	{ OWN, "Block 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16; "
	    "our LAN is 192.168.10.0/24, host 10.1.2.3/8",
	    "Block 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16; "
	    "our LAN is [redacted:ip], host [redacted:ip]" },
	{ OWN, "CGNAT 100.64.3.4, link-local 169.254.10.1, loopback 127.0.0.1",
	    "CGNAT [redacted:ip], link-local [redacted:ip], loopback 127.0.0.1" },
	{ OWN, "Our web 203.0.113.80 and 203.0.113.0/25; doc 198.51.100.1",
	    "Our web [redacted:ip] and [redacted:ip]; doc 198.51.100.1" },
	{ OWN, "v6: fe80::1%eth0, fd12:3456:789a::1/64, 2001:db8:10::5, "
	    "2001:db8:20::1, ::1",
	    "v6: [redacted:ip]%eth0, [redacted:ip], [redacted:ip], "
	    "2001:db8:20::1, ::1" },
	{ OWN, "mapped ::ffff:10.0.0.7 and ::ffff:8.8.8.8, [fe80::2]:22",
	    "mapped [redacted:ip] and ::ffff:8.8.8.8, [[redacted:ip]]:22" },
	{ OWN, "std::vector<int> at 12:34:56 from 00:11:22:33:44:55",
	    "std::vector<int> at 12:34:56 from 00:11:22:33:44:55" },
	{ BARE, "192.168.1.1 and 203.0.113.80", "[redacted:ip] and 203.0.113.80" },
	/* host names */
	{ OWN, "Hosts nas.local, fs01.corp, printer.lan, dc.ad.internal, "
	    "pc.home.arpa, evil.com, www.example.com",
	    "Hosts [redacted:host], [redacted:host], [redacted:host], "
	    "[redacted:host], [redacted:host], evil.com, www.example.com" },
	{ OWN, "Own www.yamada.co.jp and yamada.co.jp but not notyamada.co.jp "
	    "or yamada.co.jp.evil.com",
	    "Own [redacted:host] and [redacted:host] but not notyamada.co.jp "
	    "or yamada.co.jp.evil.com" },
	{ OWN, "smtp.yamada-mail.jp relays", "[redacted:host] relays" },
	{ OWN, "Defanged yamada[.]co[.]jp and evil[.]com",
	    "Defanged [redacted:host] and evil[.]com" },
	{ OWN, "See https://evil.com/users/42/home/x and http://intranet.corp/wiki",
	    "See https://evil.com/users/42/home/x and http://[redacted:host]/wiki" },
	{ BARE, "www.yamada.co.jp on nas.local",
	    "www.yamada.co.jp on [redacted:host]" },
	/* user paths keep their shape */
	{ OWN, "C:\\Users\\taro\\Desktop\\invoice.xlsx",
	    "C:\\Users\\[redacted:user]\\Desktop\\invoice.xlsx" },
	{ OWN, "C:\\Users\\Taro Yamada\\AppData\\Local\\Temp\\a.exe",
	    "C:\\Users\\[redacted:user]\\AppData\\Local\\Temp\\a.exe" },
	{ OWN, "C:\\Users\\Public\\x and C:\\Users\\%USERNAME%\\x",
	    "C:\\Users\\Public\\x and C:\\Users\\%USERNAME%\\x" },
	{ OWN, "/home/hanako/.ssh/id_rsa, /Users/jiro/Library and "
	    "/var/home/saburo.",
	    "/home/[redacted:user]/.ssh/id_rsa, /Users/[redacted:user]/Library "
	    "and /var/home/[redacted:user]." },
	{ OWN, "\\\\fs01\\c$\\Users\\admin\\x",
	    "\\\\fs01\\c$\\Users\\[redacted:user]\\x" },
	{ OWN, "file:///C:/Users/taro/x.html",
	    "file:///C:/Users/[redacted:user]/x.html" },
	{ OWN, "app/home/index.html and https://x.jp/home/taro/",
	    "app/home/index.html and https://x.jp/home/taro/" },
	/* configured words */
	{ OWN, "Acme Corp and ACME's deal, but not Acmeville",
	    "[redacted:word] Corp and [redacted:word]'s deal, but not Acmeville" },
	{ OWN, "projectx-alpha", "[redacted:word]-alpha" },
	/* Japanese, full-width and mixed */
	{ OWN, "ＴＥＬ：０３－１２３４－５６７８", "ＴＥＬ：[redacted:phone]" },
	{ OWN, "携帯０９０ー１２３４ー５６７８まで", "携帯[redacted:phone]まで" },
	{ OWN, "フリーダイヤル0120-123-456（平日）",
	    "フリーダイヤル[redacted:phone]（平日）" },
	{ OWN, "代表（03）1234-5678", "代表[redacted:phone]" },
	{ OWN, "＋８１　３　１２３４　５６７８", "[redacted:phone]" },
	{ OWN, "℡03-1234-5678", "℡[redacted:phone]" },
	{ OWN, "電話番号は03 1234 5678です", "電話番号は[redacted:phone]です" },
	{ OWN, "担当：ｔａｒｏ＠ｙａｍａｄａ．ｃｏ．ｊｐ", "担当：[redacted:email]" },
	{ OWN, "連絡はtaro@yamada.co.jpまで", "連絡は[redacted:email]まで" },
	{ OWN, "田中@yamada.co.jp", "[redacted:email]" },
	{ OWN, "攻撃元は１９２．１６８．１．５です", "攻撃元は[redacted:ip]です" },
	{ OWN, "IP：１０．０．０．１／２４", "IP：[redacted:ip]" },
	{ OWN, "社内サーバー（nas01.local）とｆｓ．ｃｏｒｐ",
	    "社内サーバー（[redacted:host]）と[redacted:host]" },
	{ OWN, "サーバ名fs01。corpにて", "サーバ名[redacted:host]にて" },
	{ OWN, "ホスト名：ＰＣ０１．ＬＯＣＡＬ", "ホスト名：[redacted:host]" },
	{ OWN, "ｗｗｗ．ｙａｍａｄａ．ｃｏ．ｊｐ", "[redacted:host]" },
	{ OWN, "www.山田製作所.jp を参照", "www.[redacted:host] を参照" },
	{ OWN, "鈴木商事様の案件", "[redacted:word]様の案件" },
	{ OWN, "極秘案件ＡについてProjectXと",
	    "[redacted:word]Ａについて[redacted:word]と" },
	{ OWN, "ガンダム計画とｶﾞﾝﾀﾞﾑ、カンダム",
	    "[redacted:word]計画と[redacted:word]、カンダム" },
	{ OWN, "ファイルはC:\\Users\\田中\\デスクトップにあります",
	    "ファイルはC:\\Users\\[redacted:user]\\デスクトップにあります" },
	{ OWN, "設定は/home/taroにあります", "設定は/home/[redacted:user]にあります" },
	{ OWN, "Attack from 203.0.113.5 (当社) to 8.8.8.8、社員 hanako@gmail.com",
	    "Attack from [redacted:ip] (当社) to 8.8.8.8、社員 [redacted:email]" },
	{ OWN, "内線1234、郵便番号〒100-0001、2024年1月15日、価格１，２３４円",
	    "内線1234、郵便番号〒100-0001、2024年1月15日、価格１，２３４円" },
	{ OWN, "本日、不正アクセスを確認しました。",
	    "本日、不正アクセスを確認しました。" },
	{ OWN, "", "" },
};

#define NTEXT (sizeof(s_text) / sizeof(s_text[0]))

START_TEST(test_text)
{
	const struct text_case *c = &s_text[_i];
	struct scrub_report rep;
	char *out = NULL;
	size_t len = 99;

	scrub_report_init(&rep);
	ck_assert_int_eq(scrub_text(s_scr[c->scr], c->in, strlen(c->in), &out,
	    &len, &rep), 0);
	ck_assert_str_eq(out, c->out);
	ck_assert_uint_eq(len, strlen(c->out));
	/* One hit per marker, each pointing at its marker. */
	for (size_t i = 0; i < rep.n; i++) {
		const struct scrub_hit *h = &rep.hits[i];
		char mark[40];

		snprintf(mark, sizeof(mark), "[redacted:%s]",
		    scrub_kind_name(h->kind));
		ck_assert_int_eq(strncmp(out + h->out_off, mark, strlen(mark)), 0);
		ck_assert_ptr_nonnull(h->why);
		ck_assert_uint_gt(h->len, 0);
		if (i > 0)
			ck_assert_uint_ge(h->off, rep.hits[i - 1].off +
			    rep.hits[i - 1].len);
	}
	free(out);
	scrub_report_clear(&rep);
}
END_TEST

/* Scrubbing what was scrubbed changes nothing: markers are inert. */
START_TEST(test_text_stable)
{
	const struct text_case *c = &s_text[_i];
	char *out = NULL;
	size_t len;

	ck_assert_int_eq(scrub_text(s_scr[c->scr], c->out, strlen(c->out),
	    &out, &len, NULL), 0);
	ck_assert_str_eq(out, c->out);
	free(out);
}
END_TEST

/* The dry-run listing: what each marker replaced, and why. */
START_TEST(test_report)
{
	static const char in[] = "ＴＥＬ０３－１２３４－５６７８ / "
	    "taro@gmail.com / 192.168.1.5 / C:\\Users\\taro\\x / nas.local "
	    "/ 鈴木商事 / 203.0.113.9";
	static const struct {
		int kind;
		const char *orig, *why;
	} want[] = {
		{ SCRUB_PHONE, "０３－１２３４－５６７８", "phone number" },
		{ SCRUB_EMAIL, "taro@gmail.com", "e-mail address" },
		{ SCRUB_IP, "192.168.1.5", "private address (RFC 1918)" },
		{ SCRUB_USER, "taro", "user name in a home directory" },
		{ SCRUB_HOST, "nas.local", "internal name (.local, RFC 6762)" },
		{ SCRUB_WORD, "鈴木商事", "configured word" },
		{ SCRUB_IP, "203.0.113.9", "own network" },
	};
	struct scrub_report rep;
	char *out;
	size_t len;

	scrub_report_init(&rep);
	ck_assert_int_eq(scrub_text(s_scr[OWN], in, strlen(in), &out, &len,
	    &rep), 0);
	ck_assert_str_eq(out, "ＴＥＬ[redacted:phone] / [redacted:email] / "
	    "[redacted:ip] / C:\\Users\\[redacted:user]\\x / [redacted:host] "
	    "/ [redacted:word] / [redacted:ip]");
	ck_assert_uint_eq(rep.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < rep.n; i++) {
		const struct scrub_hit *h = &rep.hits[i];

		ck_assert_int_eq(h->kind, want[i].kind);
		ck_assert_uint_eq(h->len, strlen(want[i].orig));
		ck_assert_int_eq(memcmp(in + h->off, want[i].orig, h->len), 0);
		ck_assert_str_eq(h->why, want[i].why);
	}
	free(out);
	/* A second call reuses the report and starts it over. */
	ck_assert_int_eq(scrub_text(s_scr[OWN], "a@b", 3, &out, &len, &rep), 0);
	ck_assert_uint_eq(rep.n, 1);
	ck_assert_uint_eq(rep.hits[0].off, 0);
	ck_assert_uint_eq(rep.hits[0].len, 3);
	free(out);
	scrub_report_clear(&rep);
	ck_assert_ptr_null(rep.hits);
	ck_assert_uint_eq(rep.n, 0);
}
END_TEST

START_TEST(test_text_errors)
{
	struct scrub_report rep;
	char *out = (char *)1, *big;
	size_t len = 7;

	scrub_report_init(&rep);
	ck_assert_int_eq(scrub_text(s_scr[OWN], "a\xff" "b", 3, &out, &len,
	    &rep), KY_EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(scrub_text(s_scr[OWN], "a\0b", 3, &out, &len, &rep),
	    KY_EINVAL);
	ck_assert_int_eq(scrub_text(s_scr[OWN], "\xe3\x81", 2, &out, &len,
	    &rep), KY_EINVAL);		/* truncated */
	big = malloc(SCRUB_TEXT_MAX + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', SCRUB_TEXT_MAX + 1);
	ck_assert_int_eq(scrub_text(s_scr[OWN], big, SCRUB_TEXT_MAX + 1, &out,
	    &len, &rep), KY_ETOOBIG);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(rep.n, 0);
	/* Not NUL-terminated: only len bytes count. */
	memcpy(big, "call 03-1234-5678", 17);
	ck_assert_int_eq(scrub_text(s_scr[OWN], big, 13, &out, &len, &rep), 0);
	ck_assert_str_eq(out, "call 03-1234-");
	free(out);
	free(big);
	scrub_report_clear(&rep);
	ck_assert_ptr_null(scrub_kind_name(0));
	ck_assert_ptr_null(scrub_kind_name(SCRUB_KIND_MAX + 1));
	ck_assert_str_eq(scrub_kind_name(SCRUB_USERINFO), "userinfo");
}
END_TEST

/*
 * A 64 KiB article comes out exactly as expected, however it repeats;
 * and inputs built to make a scanner rescan still complete (each one
 * would take minutes if a scanner were quadratic).
 */
START_TEST(test_large)
{
	static const char unit[] = "攻撃元 198.51.100.23 から 10.0.0.5 へ。"
	    "担当 taro@yamada.co.jp、TEL 03-1234-5678。\n";
	static const char runit[] = "攻撃元 198.51.100.23 から [redacted:ip] "
	    "へ。担当 [redacted:email]、TEL [redacted:phone]。\n";
	static const char *const nasty[] = { "a@", "@", "1 ", "(0", "a.",
	    "1.", "a:", "/home/", "://a:", "a", "\\Users\\", "::",
	    "ｶﾞ", "\xef\xb7\xba" };
	size_t n = 0, reps = 0, cap = 64 * 1024, len;
	char *in = malloc(cap + 1), *want = malloc(2 * cap), *out;
	struct scrub_report rep;
	size_t w = 0;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(want);
	while (n + sizeof(unit) - 1 <= cap) {
		memcpy(in + n, unit, sizeof(unit) - 1);
		memcpy(want + w, runit, sizeof(runit) - 1);
		n += sizeof(unit) - 1;
		w += sizeof(runit) - 1;
		reps++;
	}
	want[w] = '\0';
	scrub_report_init(&rep);
	ck_assert_int_eq(scrub_text(s_scr[OWN], in, n, &out, &len, &rep), 0);
	ck_assert_uint_eq(len, w);
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(rep.n, 3 * reps);
	free(out);
	for (size_t k = 0; k < sizeof(nasty) / sizeof(nasty[0]); k++) {
		size_t ul = strlen(nasty[k]);

		for (n = 0; n + ul <= cap; n += ul)
			memcpy(in + n, nasty[k], ul);
		ck_assert_int_eq(scrub_text(s_scr[OWN], in, n, &out, &len,
		    &rep), 0);
		free(out);
	}
	scrub_report_clear(&rep);
	free(in);
	free(want);
}
END_TEST

/* --- indicators --------------------------------------------------------- */

struct ind_case {
	int scr;
	int type;
	const char *value;
	const char *why;	/* NULL: may be shared */
};

static const struct ind_case s_ind[] = {
	/* IPv4 special use */
	{ BARE, IT_IPV4, "192.168.1.5", "192.168.1.5: private address (RFC 1918)" },
	{ BARE, IT_IPV4, "10.0.0.1", "10.0.0.1: private address (RFC 1918)" },
	{ BARE, IT_IPV4, "172.31.255.255",
	    "172.31.255.255: private address (RFC 1918)" },
	{ BARE, IT_IPV4, "172.32.0.1", NULL },
	{ BARE, IT_IPV4, "127.0.0.1", "127.0.0.1: loopback address (RFC 1122)" },
	{ BARE, IT_IPV4, "169.254.1.1",
	    "169.254.1.1: link-local address (RFC 3927)" },
	{ BARE, IT_IPV4, "100.64.0.1",
	    "100.64.0.1: shared address space, CGNAT (RFC 6598)" },
	{ BARE, IT_IPV4, "100.128.0.1", NULL },
	{ BARE, IT_IPV4, "0.0.0.0",
	    "0.0.0.0: unspecified or \"this network\" address (RFC 1122)" },
	{ BARE, IT_IPV4, "224.0.0.251",
	    "224.0.0.251: multicast address (RFC 5771)" },
	{ BARE, IT_IPV4, "255.255.255.255",
	    "255.255.255.255: limited broadcast address (RFC 919)" },
	{ BARE, IT_IPV4, "240.0.0.1", "240.0.0.1: reserved address (RFC 1112)" },
	{ BARE, IT_IPV4, "198.18.0.1",
	    "198.18.0.1: benchmarking address (RFC 2544)" },
	{ BARE, IT_IPV4, "192.0.2.1",
	    "192.0.2.1: documentation address (RFC 5737)" },
	{ BARE, IT_IPV4, "8.8.8.8", NULL },
	{ OWN, IT_IPV4, "192.0.2.1", NULL },
	{ OWN, IT_IPV4, "203.0.113.5", "203.0.113.5: own network (203.0.113.0/24)" },
	{ BARE, IT_CIDR4, "0.0.0.0/0",
	    "0.0.0.0/0: covers 0.0.0.0/8, unspecified or \"this network\" "
	    "address (RFC 1122)" },
	{ BARE, IT_CIDR4, "192.168.0.0/15",
	    "192.168.0.0/15: covers 192.168.0.0/16, private address (RFC 1918)" },
	{ BARE, IT_CIDR4, "10.10.0.0/16",
	    "10.10.0.0/16: private address (RFC 1918)" },
	{ BARE, IT_CIDR4, "1.0.0.0/8", NULL },
	{ OWN, IT_CIDR4, "203.0.0.0/16",
	    "203.0.0.0/16: covers own network (203.0.113.0/24)" },
	/* IPv6 */
	{ BARE, IT_IPV6, "::1", "::1: loopback address (RFC 4291)" },
	{ BARE, IT_IPV6, "::", "::: unspecified address (RFC 4291)" },
	{ BARE, IT_IPV6, "fe80::1", "fe80::1: link-local address (RFC 4291)" },
	{ BARE, IT_IPV6, "fd00::1",
	    "fd00::1: unique local address, ULA (RFC 4193)" },
	{ BARE, IT_IPV6, "fec0::1",
	    "fec0::1: site-local address, deprecated (RFC 3879)" },
	{ BARE, IT_IPV6, "ff02::1", "ff02::1: multicast address (RFC 4291)" },
	{ BARE, IT_IPV6, "2001:db8::1",
	    "2001:db8::1: documentation address (RFC 3849)" },
	{ BARE, IT_IPV6, "3fff::1", "3fff::1: documentation address (RFC 9637)" },
	{ BARE, IT_IPV6, "2002:c0a8:101::1",
	    "2002:c0a8:101::1: 6to4 address (RFC 3056)" },
	{ BARE, IT_IPV6, "64:ff9b::808:808",
	    "64:ff9b::808:808: IPv4/IPv6 translation address (RFC 6052)" },
	{ BARE, IT_IPV6, "2001::1",
	    "2001::1: IETF protocol assignment (RFC 2928)" },
	{ BARE, IT_IPV6, "100::1", "100::1: discard-only address (RFC 6666)" },
	{ BARE, IT_IPV6, "5f00::1", "5f00::1: segment routing SID (RFC 9602)" },
	{ BARE, IT_IPV6, "1::1", "1::1: reserved address, outside global "
	    "unicast 2000::/3 (RFC 4291)" },
	{ BARE, IT_IPV6, "2400:cb00::1", NULL },
	{ OWN, IT_IPV6, "2001:db8:10::1",
	    "2001:db8:10::1: own network (2001:db8:10::/48)" },
	{ OWN, IT_IPV6, "2001:db8:11::1", NULL },
	{ BARE, IT_CIDR6, "fc00::/6",
	    "fc00::/6: covers fc00::/7, unique local address, ULA (RFC 4193)" },
	{ BARE, IT_CIDR6, "2400::/12", NULL },
	/* names */
	{ OWN, IT_DOMAIN, "yamada.co.jp", "yamada.co.jp: own domain (yamada.co.jp)" },
	{ OWN, IT_DOMAIN, "www.yamada.co.jp",
	    "www.yamada.co.jp: own domain (yamada.co.jp)" },
	{ OWN, IT_DOMAIN, "notyamada.co.jp", NULL },
	{ OWN, IT_DOMAIN, "co.jp", NULL },
	{ BARE, IT_DOMAIN, "nas.local", "nas.local: internal name (.local, RFC 6762)" },
	{ BARE, IT_DOMAIN, "a.localdomain",
	    "a.localdomain: internal name (.localdomain)" },
	{ BARE, IT_DOMAIN, "x.lan", "x.lan: internal name (.lan)" },
	{ BARE, IT_DOMAIN, "dc.corp.internal",
	    "dc.corp.internal: internal name (.internal, reserved for private use)" },
	{ BARE, IT_DOMAIN, "www.intranet", "www.intranet: internal name (.intranet)" },
	{ BARE, IT_DOMAIN, "fs.corp", "fs.corp: internal name (.corp)" },
	{ BARE, IT_DOMAIN, "nas.home", "nas.home: internal name (.home)" },
	{ BARE, IT_DOMAIN, "router.home.arpa",
	    "router.home.arpa: internal name (home.arpa, RFC 8375)" },
	{ BARE, IT_DOMAIN, "app.localhost",
	    "app.localhost: loopback name (.localhost, RFC 6761)" },
	{ BARE, IT_DOMAIN, "5.1.168.192.in-addr.arpa",
	    "5.1.168.192.in-addr.arpa: reverse-DNS name (RFC 1035): submit the "
	    "address" },
	{ BARE, IT_DOMAIN, "example.com", "example.com: example name (RFC 2606)" },
	{ BARE, IT_DOMAIN, "evil.test", "evil.test: test name (RFC 2606)" },
	{ OWN, IT_DOMAIN, "www.example.com", NULL },
	{ BARE, IT_DOMAIN, "yamada.co.jp", NULL },
	{ BARE, IT_HOSTNAME, "printer", "printer: hostname: single-label name" },
	{ OWN, IT_HOSTNAME, "_dmarc.yamada-mail.jp",
	    "_dmarc.yamada-mail.jp: own mail domain (yamada-mail.jp)" },
	{ BARE, IT_DOMAIN, "EVIL.com", "EVIL.com: not in normal form (evil.com)" },
	/* e-mail addresses: by their domain */
	{ OWN, IT_EMAIL, "taro@yamada-mail.jp",
	    "taro@yamada-mail.jp: own mail domain (yamada-mail.jp)" },
	{ OWN, IT_EMAIL, "x@www.yamada.co.jp",
	    "x@www.yamada.co.jp: own domain (yamada.co.jp)" },
	{ BARE, IT_EMAIL, "a@nas.local",
	    "a@nas.local: internal name (.local, RFC 6762)" },
	{ OWN, IT_EMAIL, "phish@evil.com", NULL },
	/* URLs: the host, then path and query as free text */
	{ BARE, IT_URL, "https://intranet.corp/",
	    "https://intranet.corp/: internal name (.corp)" },
	{ BARE, IT_URL, "http://192.168.1.1/admin",
	    "http://192.168.1.1/admin: private address (RFC 1918)" },
	{ BARE, IT_URL, "http://[fe80::1]:8080/",
	    "http://[fe80::1]:8080/: link-local address (RFC 4291)" },
	{ OWN, IT_URL, "https://www.yamada.co.jp/login",
	    "https://www.yamada.co.jp/login: own domain (yamada.co.jp)" },
	{ BARE, IT_URL, "https://evil.com/login?u=taro%40gmail.com",
	    "https://evil.com/login?u=taro%40gmail.com: path or query: e-mail "
	    "address" },
	{ BARE, IT_URL, "https://evil.com/a?tel=03-1234-5678",
	    "https://evil.com/a?tel=03-1234-5678: path or query: phone number" },
	{ BARE, IT_URL, "https://evil.com/?h=nas.local",
	    "https://evil.com/?h=nas.local: path or query: internal name "
	    "(.local, RFC 6762)" },
	{ OWN, IT_URL, "https://evil.com/acme/login",
	    "https://evil.com/acme/login: path or query: configured word" },
	{ BARE, IT_URL, "https://evil.com/home/index.php?id=0312345678", NULL },
	{ BARE, IT_URL, "https://evil.com/%E5%B1%B1/x", NULL },
	/* AS numbers */
	{ BARE, IT_ASN, "AS64512", "AS64512: private-use AS number (RFC 6996)" },
	{ BARE, IT_ASN, "AS65535", "AS65535: reserved AS number (RFC 7300)" },
	{ BARE, IT_ASN, "AS23456", "AS23456: AS_TRANS (RFC 6793)" },
	{ BARE, IT_ASN, "AS64500", "AS64500: documentation AS number (RFC 5398)" },
	{ OWN, IT_ASN, "AS64500", NULL },
	{ BARE, IT_ASN, "AS70000", "AS70000: reserved AS number (IANA)" },
	{ BARE, IT_ASN, "AS4200000000",
	    "AS4200000000: private-use AS number (RFC 6996)" },
	{ BARE, IT_ASN, "AS4294967295",
	    "AS4294967295: reserved AS number (RFC 7300)" },
	{ BARE, IT_ASN, "AS13335", NULL },
	{ BARE, IT_ASN, "AS131072", NULL },
	/* hashes name no one */
	{ OWN, IT_SHA256,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    NULL },
	{ OWN, IT_MD5, "d41d8cd98f00b204e9800998ecf8427e", NULL },
	/* fail closed */
	{ BARE, 99, "8.8.8.8", "8.8.8.8: unknown indicator type" },
	{ BARE, IT_IPV4, "8.8.8.08", "8.8.8.08: ipv4: leading zero in octet" },
};

#define NIND (sizeof(s_ind) / sizeof(s_ind[0]))

START_TEST(test_indicator)
{
	const struct ind_case *c = &s_ind[_i];
	char why[SCRUB_WHY_MAX] = "junk";
	int rc = scrub_indicator(s_scr[c->scr], c->type, c->value,
	    strlen(c->value), why, sizeof(why));

	if (c->why == NULL) {
		ck_assert_msg(rc == 0, "%s refused: %s", c->value, why);
		ck_assert_str_eq(why, "");
	} else {
		ck_assert_int_eq(rc, KY_EINVAL);
		ck_assert_str_eq(why, c->why);
	}
}
END_TEST

START_TEST(test_indicator_edges)
{
	char why[64], norm[INDICATOR_VALUE_MAX + 1], longv[400];
	const char *w;

	/* An own IDN is refused in its A-label normal form. */
	ck_assert_int_eq(indicator_normalize(IT_DOMAIN, "www.山田製作所.jp",
	    strlen("www.山田製作所.jp"), norm, sizeof(norm), &w), 0);
	ck_assert_int_eq(scrub_indicator(s_scr[OWN], IT_DOMAIN, norm,
	    strlen(norm), NULL, 0), KY_EINVAL);
	/* Only len bytes count. */
	ck_assert_int_eq(scrub_indicator(s_scr[BARE], IT_IPV4, "8.8.8.8xyz",
	    7, why, sizeof(why)), 0);
	ck_assert_int_eq(scrub_indicator(s_scr[BARE], IT_IPV4, "10.0.0.1xyz",
	    8, why, sizeof(why)), KY_EINVAL);
	ck_assert_str_eq(why, "10.0.0.1: private address (RFC 1918)");
	/* A short buffer truncates; a long value is cut with "...". */
	ck_assert_int_eq(scrub_indicator(s_scr[BARE], IT_IPV4, "10.0.0.1", 8,
	    why, 12), KY_EINVAL);
	ck_assert_str_eq(why, "10.0.0.1: p");
	memset(longv, 'a', 300);
	memcpy(longv + 300, ".lan", 5);
	ck_assert_int_eq(scrub_indicator(s_scr[BARE], IT_DOMAIN, longv,
	    strlen(longv), why, sizeof(why)), KY_EINVAL);
	ck_assert_int_eq(strncmp(why, "aaaa", 4), 0);
	{
		char full[SCRUB_WHY_MAX];

		ck_assert_int_eq(scrub_indicator(s_scr[BARE], IT_DOMAIN, longv,
		    strlen(longv), full, sizeof(full)), KY_EINVAL);
		/* 300 bytes, more than a label: normalize refuses first. */
		ck_assert_ptr_nonnull(strstr(full, "...: domain: "));
	}
	/* Documentation values pass only when allowed. */
	scrub_allow_documentation(s_scr[OWN], false);
	ck_assert_int_eq(scrub_indicator(s_scr[OWN], IT_IPV4, "192.0.2.1", 9,
	    why, sizeof(why)), KY_EINVAL);
	scrub_allow_documentation(s_scr[OWN], true);
	ck_assert_int_eq(scrub_indicator(s_scr[OWN], IT_IPV4, "192.0.2.1", 9,
	    why, sizeof(why)), 0);
}
END_TEST

/* --- building from the config ------------------------------------------- */

START_TEST(test_new_errors)
{
	static const struct {
		const char *key, *value, *why;
	} bad[] = {
		{ "own_networks", "10.0.0.1/8", "own_networks: not an address "
		    "or network" },
		{ "own_networks", "10.0.0.0/8, nonsense", "own_networks: not an "
		    "address or network" },
		{ "own_domains", "*.yamada.co.jp", "own_domains: not a domain "
		    "name" },
		{ "own_mail_domains", "localhost", "own_mail_domains: not a "
		    "domain name" },
		{ "scrub_words", "ok, \xff", "scrub_words: invalid UTF-8" },
	};
	struct config cfg;
	struct scrub *s = (struct scrub *)&cfg;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *field;

		config_defaults(&cfg, "/tmp/x");
		field = strcmp(bad[i].key, "own_networks") == 0 ?
		    cfg.own_networks : strcmp(bad[i].key, "own_domains") == 0 ?
		    cfg.own_domains : strcmp(bad[i].key, "own_mail_domains") == 0 ?
		    cfg.own_mail_domains : cfg.scrub_words;
		snprintf(field, CONFIG_LIST_MAX, "%s", bad[i].value);
		why = NULL;
		ck_assert_int_eq(scrub_new(&cfg, &s, &why), KY_EINVAL);
		ck_assert_ptr_null(s);
		ck_assert_str_eq(why, bad[i].why);
	}
}
END_TEST

/* Words split on ',', '、' and '，'; blanks and empty items vanish. */
START_TEST(test_words)
{
	struct config cfg;
	struct scrub *s;
	const char *why;
	char *out;
	size_t len;
	static const char in[] = "A社とB社とC社とD社、E社 and Ｆ Ｃｏ";

	config_defaults(&cfg, "/tmp/x");
	snprintf(cfg.scrub_words, sizeof(cfg.scrub_words),
	    " A社、B社，C社,D社 , ,, 、F co");
	ck_assert_int_eq(scrub_new(&cfg, &s, &why), 0);
	ck_assert_int_eq(scrub_text(s, in, strlen(in), &out, &len, NULL), 0);
	ck_assert_str_eq(out, "[redacted:word]と[redacted:word]と"
	    "[redacted:word]と[redacted:word]、E社 and [redacted:word]");
	free(out);
	scrub_free(&s);
	ck_assert_ptr_null(s);
	scrub_free(NULL);
}
END_TEST

static char s_errs[2048];

static void
s_collect(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(s_errs, msg, sizeof(s_errs) - strlen(s_errs) - 2);
	strcat(s_errs, "\n");
}

START_TEST(test_config_keys)
{
	static const char text[] =
	    "own_mail_domains \"yamada-mail.jp, ＭＡＩＬ.yamada.co.jp\"\n"
	    "scrub_words \"顧客Ａ、Project Phoenix, 極秘\"\n";
	struct config cfg;
	struct scrub *s;
	const char *why;
	char *dir, path[600], *saved;
	size_t len;

	config_defaults(&cfg, "/tmp/x");
	ck_assert_str_eq(cfg.own_mail_domains, "");
	ck_assert_str_eq(cfg.scrub_words, "");
	s_errs[0] = '\0';
	ck_assert_int_eq(config_parse(&cfg, "c", text, strlen(text), s_collect,
	    NULL), 0);
	ck_assert_str_eq(cfg.own_mail_domains,
	    "yamada-mail.jp, ＭＡＩＬ.yamada.co.jp");
	ck_assert_str_eq(cfg.scrub_words, "顧客Ａ、Project Phoenix, 極秘");
	ck_assert_int_eq(scrub_new(&cfg, &s, &why), 0);
	ck_assert_int_eq(scrub_indicator(s, IT_EMAIL, "a@mail.yamada.co.jp",
	    19, NULL, 0), KY_EINVAL);
	scrub_free(&s);

	/* kyojod -n reports a bad mail domain with file:line. */
	config_defaults(&cfg, "/tmp/x");
	s_errs[0] = '\0';
	ck_assert_int_eq(config_parse(&cfg, "c", "\nown_mail_domains \"a..jp\"\n",
	    26, s_collect, NULL), 1);
	ck_assert_ptr_nonnull(strstr(s_errs, "c:2: own_mail_domains: domain:"));
	s_errs[0] = '\0';
	ck_assert_int_eq(config_parse(&cfg, "c", "scrub_words \"\xff\"\n", 16,
	    s_collect, NULL), 1);
	ck_assert_ptr_nonnull(strstr(s_errs, "c:1: scrub_words:"));

	/* kyojo init writes them back, and they read again. */
	dir = tu_tmpdir("scrub");
	snprintf(path, sizeof(path), "%s/kyojod.conf", dir);
	config_defaults(&cfg, dir);
	ck_assert_int_eq(config_parse(&cfg, "c", text, strlen(text), s_collect,
	    NULL), 0);
	ck_assert_int_eq(config_write(&cfg, path), 0);
	saved = strdup(cfg.scrub_words);
	ck_assert_int_eq(config_load(&cfg, dir, s_collect, NULL), 0);
	ck_assert_str_eq(cfg.scrub_words, saved);
	ck_assert_str_eq(cfg.own_mail_domains,
	    "yamada-mail.jp, ＭＡＩＬ.yamada.co.jp");
	len = strlen(saved);
	ck_assert_uint_gt(len, 0);
	free(saved);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("scrub");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_add_loop_test(tc, test_text, 0, (int)NTEXT);
	tcase_add_loop_test(tc, test_text_stable, 0, (int)NTEXT);
	tcase_add_loop_test(tc, test_indicator, 0, (int)NIND);
	tcase_add_test(tc, test_report);
	tcase_add_test(tc, test_text_errors);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_indicator_edges);
	tcase_add_test(tc, test_new_errors);
	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_config_keys);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * scrub.c - the special-use tables, the scrubber built from the config,
 * and the check of indicators.  Free text is in scrub_text.c.
 *
 * The tables are compiled in rather than read from seeds/allowlist: a
 * node with a missing or damaged seed directory must still refuse to sign
 * 192.168.1.5 (fail closed).  They follow the IANA special-purpose
 * registries as of 2024; IPv6 outside 2000::/3 is refused as a whole,
 * since IANA has allocated nothing there for the global Internet.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "node/scrub_int.h"
#include "protocol/utf8.h"

#define S_INTERNAL	0x1u	/* redacted from free text too */
#define S_DOC		0x2u	/* let through by scrub_allow_documentation() */

struct s_range {
	struct indicator_net net;
	unsigned flags;
	const char *why;
};

#define V4(a, b, c, d, p) { 4, { a, b, c, d }, p }
#define V6(p, ...) { 6, { __VA_ARGS__ }, p }

/* Most specific first where ranges nest: the first overlap names the reason. */
static const struct s_range s_ranges[] = {
	{ V4(0, 0, 0, 0, 8), 0,
	    "unspecified or \"this network\" address (RFC 1122)" },
	{ V4(10, 0, 0, 0, 8), S_INTERNAL, "private address (RFC 1918)" },
	{ V4(100, 64, 0, 0, 10), S_INTERNAL,
	    "shared address space, CGNAT (RFC 6598)" },
	{ V4(127, 0, 0, 0, 8), 0, "loopback address (RFC 1122)" },
	{ V4(169, 254, 0, 0, 16), S_INTERNAL, "link-local address (RFC 3927)" },
	{ V4(172, 16, 0, 0, 12), S_INTERNAL, "private address (RFC 1918)" },
	{ V4(192, 0, 0, 0, 24), 0, "IETF protocol assignment (RFC 6890)" },
	{ V4(192, 0, 2, 0, 24), S_DOC, "documentation address (RFC 5737)" },
	{ V4(192, 31, 196, 0, 24), 0, "AS112 service address (RFC 7535)" },
	{ V4(192, 52, 193, 0, 24), 0, "AMT relay anycast address (RFC 7450)" },
	{ V4(192, 88, 99, 0, 24), 0,
	    "6to4 relay anycast address, deprecated (RFC 7526)" },
	{ V4(192, 168, 0, 0, 16), S_INTERNAL, "private address (RFC 1918)" },
	{ V4(192, 175, 48, 0, 24), 0, "AS112 service address (RFC 7534)" },
	{ V4(198, 18, 0, 0, 15), 0, "benchmarking address (RFC 2544)" },
	{ V4(198, 51, 100, 0, 24), S_DOC, "documentation address (RFC 5737)" },
	{ V4(203, 0, 113, 0, 24), S_DOC, "documentation address (RFC 5737)" },
	{ V4(224, 0, 0, 0, 4), 0, "multicast address (RFC 5771)" },
	{ V4(255, 255, 255, 255, 32), 0, "limited broadcast address (RFC 919)" },
	{ V4(240, 0, 0, 0, 4), 0, "reserved address (RFC 1112)" },

	{ V6(128), 0, "unspecified address (RFC 4291)" },
	{ V6(128, [15] = 1), 0, "loopback address (RFC 4291)" },
	{ V6(96, [10] = 0xff, [11] = 0xff), 0,
	    "IPv4-mapped address (RFC 4291)" },
	{ V6(96, 0, 0x64, 0xff, 0x9b), 0,
	    "IPv4/IPv6 translation address (RFC 6052)" },
	{ V6(48, 0, 0x64, 0xff, 0x9b, 0, 1), S_INTERNAL,
	    "local-use IPv4/IPv6 translation address (RFC 8215)" },
	{ V6(64, 0x01, 0), 0, "discard-only address (RFC 6666)" },
	{ V6(32, 0x20, 0x01, 0x0d, 0xb8), S_DOC,
	    "documentation address (RFC 3849)" },
	{ V6(23, 0x20, 0x01), 0, "IETF protocol assignment (RFC 2928)" },
	{ V6(16, 0x20, 0x02), 0, "6to4 address (RFC 3056)" },
	{ V6(48, 0x26, 0x20, 0, 0x4f, 0x80), 0,
	    "AS112 service address (RFC 7534)" },
	{ V6(20, 0x3f, 0xff), S_DOC, "documentation address (RFC 9637)" },
	{ V6(16, 0x5f, 0x00), 0, "segment routing SID (RFC 9602)" },
	{ V6(7, 0xfc), S_INTERNAL, "unique local address, ULA (RFC 4193)" },
	{ V6(10, 0xfe, 0x80), S_INTERNAL, "link-local address (RFC 4291)" },
	{ V6(10, 0xfe, 0xc0), S_INTERNAL,
	    "site-local address, deprecated (RFC 3879)" },
	{ V6(8, 0xff), 0, "multicast address (RFC 4291)" },
};

#define S_NRANGES (sizeof(s_ranges) / sizeof(s_ranges[0]))

static const struct indicator_net s_global6 = V6(3, 0x20);

/* Names by their last one or two labels. */
struct s_name {
	const char *suffix;
	unsigned flags;
	const char *why;
};

static const struct s_name s_names[] = {
	{ "local", S_INTERNAL, "internal name (.local, RFC 6762)" },
	{ "localhost", S_INTERNAL, "loopback name (.localhost, RFC 6761)" },
	{ "localdomain", S_INTERNAL, "internal name (.localdomain)" },
	{ "lan", S_INTERNAL, "internal name (.lan)" },
	{ "internal", S_INTERNAL,
	    "internal name (.internal, reserved for private use)" },
	{ "intranet", S_INTERNAL, "internal name (.intranet)" },
	{ "corp", S_INTERNAL, "internal name (.corp)" },
	{ "home", S_INTERNAL, "internal name (.home)" },
	{ "home.arpa", S_INTERNAL, "internal name (home.arpa, RFC 8375)" },
	{ "private", S_INTERNAL, "internal name (.private)" },
	{ "mail", S_INTERNAL, "internal name (.mail)" },
	{ "in-addr.arpa", 0, "reverse-DNS name (RFC 1035): submit the address" },
	{ "ip6.arpa", 0, "reverse-DNS name (RFC 3596): submit the address" },
	{ "alt", 0, "special-use name (.alt, RFC 9476)" },
	{ "example", S_DOC, "example name (RFC 2606)" },
	{ "example.com", S_DOC, "example name (RFC 2606)" },
	{ "example.net", S_DOC, "example name (RFC 2606)" },
	{ "example.org", S_DOC, "example name (RFC 2606)" },
	{ "test", S_DOC, "test name (RFC 2606)" },
	{ "invalid", S_DOC, "invalid name (RFC 2606)" },
};

/* Special-use AS numbers (IANA registry). */
static const struct {
	uint32_t lo, hi;
	unsigned flags;
	const char *why;
} s_asns[] = {
	{ 0, 0, 0, "reserved AS number (RFC 7607)" },
	{ 23456, 23456, 0, "AS_TRANS (RFC 6793)" },
	{ 64496, 64511, S_DOC, "documentation AS number (RFC 5398)" },
	{ 64512, 65534, 0, "private-use AS number (RFC 6996)" },
	{ 65535, 65535, 0, "reserved AS number (RFC 7300)" },
	{ 65536, 65551, S_DOC, "documentation AS number (RFC 5398)" },
	{ 65552, 131071, 0, "reserved AS number (IANA)" },
	{ 4200000000u, 4294967294u, 0, "private-use AS number (RFC 6996)" },
	{ 4294967295u, 4294967295u, 0, "reserved AS number (RFC 7300)" },
};

static bool
s_overlaps(const struct indicator_net *a, const struct indicator_net *b)
{
	return indicator_net_contains(a, b) || indicator_net_contains(b, a);
}

/* The first special range n overlaps (inside: contained in it), or NULL. */
static const struct s_range *
s_range(const struct scrub *s, const struct indicator_net *n, bool inside)
{
	for (size_t i = 0; i < S_NRANGES; i++) {
		const struct s_range *r = &s_ranges[i];

		if ((r->flags & S_DOC) && s->allow_doc)
			continue;
		if (inside ? indicator_net_contains(&r->net, n) :
		    s_overlaps(&r->net, n))
			return r;
	}
	return NULL;
}

static const struct scrub_net *
s_own_net(const struct scrub *s, const struct indicator_net *n)
{
	for (size_t i = 0; i < s->n_nets; i++)
		if (s_overlaps(&s->nets[i].net, n))
			return &s->nets[i];
	return NULL;
}

const char *
scrub_text_net(const struct scrub *s, const struct indicator_net *n)
{
	for (size_t i = 0; i < S_NRANGES; i++) {
		const struct s_range *r = &s_ranges[i];

		/*
		 * The whole block written out ("10.0.0.0/8") names nothing
		 * of ours; an address in it with that prefix ("10.1.2.3/8",
		 * an interface) does.
		 */
		if ((r->flags & S_INTERNAL) &&
		    indicator_net_contains(&r->net, n) &&
		    (n->prefix != r->net.prefix ||
		    memcmp(n->addr, r->net.addr, sizeof(n->addr)) != 0))
			return r->why;
	}
	return s_own_net(s, n) != NULL ? "own network" : NULL;
}

/* The rule for the last one or two labels of name, or NULL. */
static const struct s_name *
s_name_rule(const char *name, size_t len, unsigned mask)
{
	const char *dot1 = NULL, *dot2 = NULL;

	for (size_t i = len; i > 0; i--)
		if (name[i - 1] == '.') {
			if (dot1 == NULL)
				dot1 = name + i - 1;
			else {
				dot2 = name + i - 1;
				break;
			}
		}
	for (size_t i = 0; i < sizeof(s_names) / sizeof(s_names[0]); i++) {
		const struct s_name *r = &s_names[i];
		size_t rl = strlen(r->suffix);

		if (mask != 0 && (r->flags & mask) == 0)
			continue;
		for (int k = 0; k < 3; k++) {
			const char *tail = k == 0 ? name : k == 1 ?
			    (dot2 ? dot2 + 1 : NULL) : (dot1 ? dot1 + 1 : NULL);

			if (tail != NULL && (size_t)(name + len - tail) == rl &&
			    memcmp(tail, r->suffix, rl) == 0)
				return r;
		}
	}
	return NULL;
}

static int
s_name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c != 0 ? c : (alen > blen) - (alen < blen);
}

/* The own name that name is, or lies below; NULL when none. */
static const struct scrub_name *
s_own_name(const struct scrub *s, const char *name, size_t len)
{
	const char *p = name, *end = name + len;

	while (p < end) {
		size_t lo = 0, hi = s->n_names, n = (size_t)(end - p);

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct scrub_name *e = &s->names[mid];
			int c = s_name_cmp(p, n, e->name, e->len);

			if (c == 0)
				return e;
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		if ((p = memchr(p, '.', n)) == NULL)
			break;
		p++;
	}
	return NULL;
}

const char *
scrub_text_name(const struct scrub *s, const char *name, size_t len)
{
	const struct s_name *r = s_name_rule(name, len, S_INTERNAL);
	const struct scrub_name *o;

	if (r != NULL)
		return r->why;
	if ((o = s_own_name(s, name, len)) != NULL)
		return o->mail ? "own mail domain" : "own domain";
	return NULL;
}

/* --- building ----------------------------------------------------------- */

/*
 * Calls fn for each item of a list separated by ',' (and, for words, by
 * the Japanese '、' and '，' too), with ASCII blanks and U+3000 trimmed.
 */
static int
s_each(const char *list, bool words, int (*fn)(struct scrub *, const char *,
    size_t, void *), struct scrub *s, void *arg)
{
	const char *p = list;
	int rc;

	while (*p != '\0') {
		const char *b = p, *e;
		size_t sep = 0;

		for (e = p; *e != '\0'; e++) {
			if (*e == ',') {
				sep = 1;
				break;
			}
			if (words && (strncmp(e, "\xe3\x80\x81", 3) == 0 ||
			    strncmp(e, "\xef\xbc\x8c", 3) == 0)) {
				sep = 3;
				break;
			}
		}
		p = e + sep;
		for (;;) {
			if (b < e && (*b == ' ' || *b == '\t'))
				b++;
			else if (e - b >= 3 && memcmp(b, "\xe3\x80\x80", 3) == 0)
				b += 3;
			else if (b < e && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			else if (e - b >= 3 && memcmp(e - 3, "\xe3\x80\x80", 3) == 0)
				e -= 3;
			else
				break;
		}
		if (b < e && (rc = fn(s, b, (size_t)(e - b), arg)) != 0)
			return rc;
	}
	return 0;
}

static int
s_add_net(struct scrub *s, const char *item, size_t n, void *arg)
{
	struct scrub_net *v, *x;
	const char *why;
	int type;
	bool colon = memchr(item, ':', n) != NULL;
	bool slash = memchr(item, '/', n) != NULL;

	(void)arg;
	type = colon ? (slash ? IT_CIDR6 : IT_IPV6) : (slash ? IT_CIDR4 : IT_IPV4);
	if ((v = realloc(s->nets, (s->n_nets + 1) * sizeof(*v))) == NULL)
		return KY_ENOMEM;
	s->nets = v;
	x = &v[s->n_nets];
	if (indicator_normalize(type, item, n, x->text, sizeof(x->text),
	    &why) != 0 || indicator_parse_net(type, x->text, &x->net) != 0)
		return KY_EINVAL;
	s->n_nets++;
	return 0;
}

static int
s_add_word(struct scrub *s, const char *item, size_t n, int kind,
    const char *why)
{
	struct scrub_fold f = { 0 };
	struct scrub_word *v;
	size_t b = 0, e;
	int rc;

	if ((rc = scrub_fold(item, n, &f)) != 0)
		return rc;
	/* Folding may have made blanks of U+3000 and friends. */
	e = f.n;
	while (b < e && f.s[b] == ' ')
		b++;
	while (e > b && f.s[e - 1] == ' ')
		e--;
	if (b == e) {
		scrub_fold_clear(&f);
		return 0;
	}
	if ((v = realloc(s->words, (s->n_words + 1) * sizeof(*v))) == NULL) {
		scrub_fold_clear(&f);
		return KY_ENOMEM;
	}
	s->words = v;
	memmove(f.s, f.s + b, e - b);
	f.s[e - b] = '\0';
	v[s->n_words].folded = f.s;
	v[s->n_words].len = e - b;
	v[s->n_words].kind = kind;
	v[s->n_words].why = why;
	s->n_words++;
	free(f.map);
	return 0;
}

static int
s_add_scrub_word(struct scrub *s, const char *item, size_t n, void *arg)
{
	(void)arg;
	return s_add_word(s, item, n, SCRUB_WORD, "configured word");
}

static int
s_add_name(struct scrub *s, const char *item, size_t n, void *arg)
{
	char norm[INDICATOR_VALUE_MAX + 1], *u = NULL;
	struct scrub_name *v;
	const char *why;
	bool mail = *(const bool *)arg;
	int rc;

	if ((rc = indicator_normalize(IT_DOMAIN, item, n, norm, sizeof(norm),
	    &why)) != 0)
		return rc == KY_ENOMEM ? KY_ENOMEM : KY_EINVAL;
	if ((v = realloc(s->names, (s->n_names + 1) * sizeof(*v))) == NULL)
		return KY_ENOMEM;
	s->names = v;
	if ((v[s->n_names].name = strdup(norm)) == NULL)
		return KY_ENOMEM;
	v[s->n_names].len = strlen(norm);
	v[s->n_names].mail = mail;
	s->n_names++;
	/*
	 * Free text writes an IDN as people read it, which the host scanner
	 * (ASCII only) does not see: match the U-label form as a word.
	 */
	if (strstr(norm, "xn--") == NULL)
		return 0;
	if (idn2_to_unicode_8z8z(norm, &u, 0) != IDN2_OK)
		return 0;	/* the A-label form is still matched */
	rc = s_add_word(s, u, strlen(u), SCRUB_HOST,
	    mail ? "own mail domain" : "own domain");
	idn2_free(u);
	return rc;
}

static int
s_qsort_name(const void *a, const void *b)
{
	const struct scrub_name *x = a, *y = b;

	return s_name_cmp(x->name, x->len, y->name, y->len);
}

static int
s_qsort_word(const void *a, const void *b)
{
	const struct scrub_word *x = a, *y = b;
	unsigned char cx = (unsigned char)x->folded[0];
	unsigned char cy = (unsigned char)y->folded[0];

	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;	/* longest first */
	return strcmp(x->folded, y->folded);
}

int
scrub_new(const struct config *cfg, struct scrub **out, const char **why)
{
	static const struct {
		size_t off;
		int (*fn)(struct scrub *, const char *, size_t, void *);
		bool words, mail;
		const char *why;
	} lists[] = {
		{ offsetof(struct config, own_networks), s_add_net, false,
		    false, "own_networks: not an address or network" },
		{ offsetof(struct config, own_domains), s_add_name, false,
		    false, "own_domains: not a domain name" },
		{ offsetof(struct config, own_mail_domains), s_add_name, false,
		    true, "own_mail_domains: not a domain name" },
		{ offsetof(struct config, scrub_words), s_add_scrub_word, true,
		    false, "scrub_words: invalid UTF-8" },
	};
	struct scrub *s;
	size_t b;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return *why = "out of memory", KY_ENOMEM;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const char *list = (const char *)cfg + lists[i].off;
		size_t n = strnlen(list, CONFIG_LIST_MAX);

		if (n == CONFIG_LIST_MAX || !utf8_is_valid(list, n))
			rc = KY_EINVAL;
		else
			rc = s_each(list, lists[i].words, lists[i].fn, s,
			    (void *)&lists[i].mail);
		if (rc != 0) {
			*why = rc == KY_ENOMEM ? "out of memory" : lists[i].why;
			scrub_free(&s);
			return rc;
		}
	}
	if (s->n_names > 0)
		qsort(s->names, s->n_names, sizeof(*s->names), s_qsort_name);
	if (s->n_words > 0)
		qsort(s->words, s->n_words, sizeof(*s->words), s_qsort_word);
	for (b = 0; b <= 256; b++)
		s->first[b] = 0;
	for (size_t i = 0; i < s->n_words; i++)
		s->first[(unsigned char)s->words[i].folded[0] + 1]++;
	for (b = 1; b <= 256; b++)
		s->first[b] += s->first[b - 1];
	*out = s;
	return 0;
}

void
scrub_free(struct scrub **p)
{
	struct scrub *s;

	if (p == NULL || (s = *p) == NULL)
		return;
	for (size_t i = 0; i < s->n_names; i++)
		free(s->names[i].name);
	for (size_t i = 0; i < s->n_words; i++)
		free(s->words[i].folded);
	free(s->names);
	free(s->words);
	free(s->nets);
	free(s);
	*p = NULL;
}

void
scrub_allow_documentation(struct scrub *s, bool allow)
{
	s->allow_doc = allow;
}

/* --- indicators --------------------------------------------------------- */

/* "VALUE: reason" into why; a value over 200 bytes is cut with "...". */
static int __attribute__((format(printf, 5, 6)))
s_refuse(char *why, size_t why_len, const char *value, size_t len,
    const char *fmt, ...)
{
	char reason[SCRUB_WHY_MAX];
	int cut = len > 200;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, "%.*s%s: %s", cut ? 197 : (int)len, value,
		    cut ? "..." : "", reason);
	return KY_EINVAL;
}

/* "a.b.c.d/n" or "x::/n" of a table entry. */
static void
s_net_text(const struct indicator_net *n, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(n->family == 4 ? AF_INET : AF_INET6, n->addr, a,
	    sizeof(a)) == NULL)
		a[0] = '\0';
	snprintf(buf, cap, "%s/%u", a, n->prefix);
}

/*
 * Inside a range, the range's reason is the reason; a network around
 * one is told which range it covers, since its own address may look
 * harmless ("0.0.0.0/0").
 */
static int
s_check_net(const struct scrub *s, const struct indicator_net *n,
    char *why, size_t why_len, const char *value, size_t len)
{
	const struct s_range *r = s_range(s, n, false);
	const struct scrub_net *o;
	char text[S_NET_TEXT];

	if (r != NULL) {
		if (indicator_net_contains(&r->net, n))
			return s_refuse(why, why_len, value, len, "%s",
			    r->why);
		s_net_text(&r->net, text, sizeof(text));
		return s_refuse(why, why_len, value, len, "covers %s, %s",
		    text, r->why);
	}
	if (n->family == 6 && !indicator_net_contains(&s_global6, n))
		return s_refuse(why, why_len, value, len,
		    "reserved address, outside global unicast 2000::/3 "
		    "(RFC 4291)");
	if ((o = s_own_net(s, n)) != NULL)
		return s_refuse(why, why_len, value, len, "%s (%s)",
		    indicator_net_contains(&o->net, n) ? "own network" :
		    "covers own network", o->text);
	return 0;
}

static int
s_check_name(const struct scrub *s, const char *name, size_t nlen,
    char *why, size_t why_len, const char *value, size_t len)
{
	const struct s_name *r;
	const struct scrub_name *o;

	if (memchr(name, '.', nlen) == NULL)
		return s_refuse(why, why_len, value, len,
		    "single-label name (internal)");
	if ((r = s_name_rule(name, nlen, 0)) != NULL &&
	    !((r->flags & S_DOC) && s->allow_doc))
		return s_refuse(why, why_len, value, len, "%s", r->why);
	if ((o = s_own_name(s, name, nlen)) != NULL)
		return s_refuse(why, why_len, value, len, "%s (%s)", o->mail ?
		    "own mail domain" : "own domain", o->name);
	return 0;
}

/* The host of a URL in normal form, its type and its bounds. */
static int
s_url_host(const char *v, size_t len, size_t *off, size_t *hlen)
{
	const char *p = strstr(v, "://"), *e;

	if (p == NULL)
		return -1;
	p += 3;
	if (*p == '[') {
		if ((e = strchr(p, ']')) == NULL)
			return -1;
		*off = (size_t)(p + 1 - v);
		*hlen = (size_t)(e - p - 1);
		return IT_IPV6;
	}
	e = p + strcspn(p, ":/");
	*off = (size_t)(p - v);
	*hlen = (size_t)(e - p);
	if (*hlen == 0 || (size_t)(e - v) > len)
		return -1;
	return e[-1] >= '0' && e[-1] <= '9' ? IT_IPV4 : IT_HOSTNAME;
}

/*
 * The path and query of a URL must pass as free text: a phishing link
 * often carries the victim's address or the company's name.  Percent
 * escapes of printable ASCII are decoded first ("%40" is '@'); others
 * stay as they are, since they may be any charset.
 */
static int
s_hex2(const char *p)
{
	int v = 0;

	for (int i = 0; i < 2; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * The path and query of a URL must pass as free text: a phishing link
 * often carries the victim's address or the company's name.  The whole
 * URL is scanned, so that its scheme tells the path scanner that
 * "/home/" here is part of a site.  Percent escapes of printable ASCII
 * are decoded first ("%40" is '@'); others stay as they are, since they
 * may be in any charset.
 */
static int
s_check_url_rest(const struct scrub *s, const char *rest, size_t n,
    char *why, size_t why_len, const char *value, size_t len)
{
	struct scrub_report rep;
	char *dec, *red = NULL;
	size_t k = 0, rlen;
	int rc;

	if ((dec = malloc(n + 1)) == NULL)
		return KY_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int c = rest[i] == '%' && i + 2 < n ? s_hex2(rest + i + 1) : -1;

		if (c >= 0x20 && c < 0x7f) {
			dec[k++] = (char)c;
			i += 2;
		} else
			dec[k++] = rest[i];
	}
	scrub_report_init(&rep);
	rc = scrub_text(s, dec, k, &red, &rlen, &rep);
	free(dec);
	free(red);
	if (rc == KY_EINVAL)
		rc = s_refuse(why, why_len, value, len,
		    "path or query is not valid UTF-8");
	else if (rc == 0 && rep.n > 0)
		rc = s_refuse(why, why_len, value, len,
		    "path or query: %s", rep.hits[0].why);
	scrub_report_clear(&rep);
	return rc;
}

int
scrub_indicator(const struct scrub *s, int type, const char *value,
    size_t len, char *why, size_t why_len)
{
	char norm[INDICATOR_VALUE_MAX + 1];
	struct indicator_net net;
	const char *w, *at;
	size_t off, hlen;
	int ht, rc;

	if (why != NULL && why_len > 0)
		why[0] = '\0';
	if (type < 1 || type > IT_MAX)
		return s_refuse(why, why_len, value, len,
		    "unknown indicator type");
	rc = indicator_normalize(type, value, len, norm, sizeof(norm), &w);
	if (rc == KY_ENOMEM)
		return rc;
	if (rc != 0)
		return s_refuse(why, why_len, value, len, "%s", w);
	if (strlen(norm) != len || memcmp(norm, value, len) != 0)
		return s_refuse(why, why_len, value, len,
		    "not in normal form (%.100s)", norm);
	switch (type) {
	case IT_IPV4: case IT_IPV6: case IT_CIDR4: case IT_CIDR6:
		if (indicator_parse_net(type, norm, &net) != 0)
			return s_refuse(why, why_len, value, len,
			    "not in normal form");
		return s_check_net(s, &net, why, why_len, value, len);
	case IT_DOMAIN: case IT_HOSTNAME:
		return s_check_name(s, norm, len, why, why_len, value, len);
	case IT_EMAIL:
		at = strrchr(norm, '@');
		return s_check_name(s, at + 1, strlen(at + 1), why, why_len,
		    value, len);
	case IT_URL:
		if ((ht = s_url_host(norm, len, &off, &hlen)) < 0)
			return s_refuse(why, why_len, value, len,
			    "not in normal form");
		if (ht == IT_HOSTNAME)
			rc = s_check_name(s, norm + off, hlen, why, why_len,
			    value, len);
		else {
			char host[INDICATOR_VALUE_MAX + 1];

			memcpy(host, norm + off, hlen);
			host[hlen] = '\0';
			if (indicator_parse_net(ht, host, &net) != 0)
				return s_refuse(why, why_len, value, len,
				    "not in normal form");
			rc = s_check_net(s, &net, why, why_len, value, len);
		}
		if (rc != 0)
			return rc;
		return s_check_url_rest(s, norm, len, why, why_len, value, len);
	case IT_ASN: {
		uint32_t n = (uint32_t)strtoul(norm + 2, NULL, 10);

		for (size_t i = 0; i < sizeof(s_asns) / sizeof(s_asns[0]); i++)
			if (n >= s_asns[i].lo && n <= s_asns[i].hi &&
			    !((s_asns[i].flags & S_DOC) && s->allow_doc))
				return s_refuse(why, why_len, value, len,
				    "%s", s_asns[i].why);
		return 0;
	}
	default:	/* hashes name no one */
		return 0;
	}
}

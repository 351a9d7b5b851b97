#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "indicator.h"

/*
 * NFKC can shrink input (a full-width character is 3 bytes, its ASCII
 * fold 1), so more raw bytes than INDICATOR_VALUE_MAX are let in, and the
 * folded text gets room for surrounding white space yet to be trimmed.
 */
#define S_IN_MAX	(4 * INDICATOR_VALUE_MAX)
#define S_WORK		(2 * INDICATOR_VALUE_MAX + 1)
#define S_NAME_MAX	253	/* bytes of a domain name, no trailing dot */
#define S_LABEL_MAX	63
#define S_NET_MAX	44	/* "ffff:...:ffff/128" and its NUL */
#define S_LOCAL_MAX	64	/* bytes of an email local part */
#define S_URL_HEAD	(sizeof("https://:65535/") + S_NAME_MAX)

/*
 * Refusal reasons, and the few rules that differ between types sharing a
 * parser.  A why must be a static string naming the type, so the shared
 * parsers (an IPv4 address inside a cidr4, a url or an ipv6; a host name
 * inside a url or an email) take the caller's type and pick its row.
 * Rows exist only for the types that reach each parser.
 */
struct s_why {
	const char *utf8, *toobig, *empty, *cntrl, *space, *nomem;
};
#define S_WHY(t) { t ": invalid UTF-8", t ": value too long", \
	t ": empty value", t ": control character", \
	t ": white space inside the value", t ": out of memory" }

struct s_v4why {
	const char *parts, *digit, *zero, *range;
};
#define S_V4WHY(t) { t ": expected 4 dotted decimal octets", \
	t ": octet is not a decimal number", t ": leading zero in octet", \
	t ": octet out of range 0..255" }

struct s_v6why {
	const char *zone, *chr, *group, *colon, *dcolon, *count, *mapped;
};
#define S_V6WHY(t, mapped) { t ": zone id not allowed", \
	t ": invalid character", t ": group longer than 4 hex digits", \
	t ": misplaced colon", t ": more than one ::", \
	t ": wrong number of groups", t ": " mapped }

struct s_net_rule {
	unsigned bits;		/* 32 or 128: also tells IPv4 from IPv6 */
	bool cidr;		/* a /prefix is required, else refused */
	const char *slash, *pdigit, *pzero, *prange, *hostbits;
};
#define S_CIDR_RULE(t, b, range) { .bits = b, .cidr = true, \
	.slash = t ": missing /prefix", \
	.pdigit = t ": prefix is not a decimal number", \
	.pzero = t ": leading zero in prefix", \
	.prange = t ": prefix out of range " range, \
	.hostbits = t ": host bits set beyond the prefix" }

struct s_host_rule {
	bool underscore;	/* "_" allowed in labels */
	const char *idna, *empty, *chr, *hyphen, *label, *total, *single,
	    *numeric, *nomem;
};
#define S_HOST_RULE(t, us, chars) { us, t ": not a valid IDNA2008 name", \
	t ": empty label", t ": invalid character (" chars " only)", \
	t ": label starts or ends with a hyphen", \
	t ": label longer than 63 bytes", t ": name longer than 253 bytes", \
	t ": single-label name", t ": looks like an IP address", \
	t ": out of memory" }

struct s_hash_rule {
	size_t len;
	const char *few, *many, *digit;
};
#define S_HASH_RULE(t, len) { len, \
	t ": expected " #len " hex digits, got fewer", \
	t ": expected " #len " hex digits, got more", t ": not a hex digit" }

static const struct s_why s_why[] = {
	[IT_IPV4] = S_WHY("ipv4"),	[IT_IPV6] = S_WHY("ipv6"),
	[IT_CIDR4] = S_WHY("cidr4"),	[IT_CIDR6] = S_WHY("cidr6"),
	[IT_DOMAIN] = S_WHY("domain"),	[IT_HOSTNAME] = S_WHY("hostname"),
	[IT_URL] = S_WHY("url"),	[IT_EMAIL] = S_WHY("email"),
	[IT_MD5] = S_WHY("md5"),	[IT_SHA1] = S_WHY("sha1"),
	[IT_SHA256] = S_WHY("sha256"),	[IT_ASN] = S_WHY("asn"),
};

static const struct s_v4why s_v4why[] = {
	[IT_IPV4] = S_V4WHY("ipv4"),	[IT_IPV6] = S_V4WHY("ipv6"),
	[IT_CIDR4] = S_V4WHY("cidr4"),	[IT_CIDR6] = S_V4WHY("cidr6"),
	[IT_URL] = S_V4WHY("url host"),
};

static const struct s_v6why s_v6why[] = {
	[IT_IPV6] = S_V6WHY("ipv6",
	    "IPv4-mapped address, submit it as ipv4"),
	[IT_CIDR6] = S_V6WHY("cidr6",
	    "IPv4-mapped network, submit it as cidr4"),
	[IT_URL] = S_V6WHY("url host",
	    "IPv4-mapped address, write it as IPv4"),
};

static const struct s_net_rule s_net_rules[] = {
	[IT_IPV4] = { .bits = 32,
	    .slash = "ipv4: /prefix given, submit it as cidr4" },
	[IT_IPV6] = { .bits = 128,
	    .slash = "ipv6: /prefix given, submit it as cidr6" },
	[IT_CIDR4] = S_CIDR_RULE("cidr4", 32, "0..32"),
	[IT_CIDR6] = S_CIDR_RULE("cidr6", 128, "0..128"),
};

static const struct s_host_rule s_host_rules[] = {
	[IT_DOMAIN] = S_HOST_RULE("domain", false, "letters, digits, hyphen"),
	[IT_HOSTNAME] = S_HOST_RULE("hostname", true,
	    "letters, digits, hyphen, underscore"),
	[IT_URL] = S_HOST_RULE("url host", true,
	    "letters, digits, hyphen, underscore"),
	[IT_EMAIL] = S_HOST_RULE("email domain", false,
	    "letters, digits, hyphen"),
};

static const struct s_hash_rule s_hash_rules[] = {
	[IT_MD5] = S_HASH_RULE("md5", 32),
	[IT_SHA1] = S_HASH_RULE("sha1", 40),
	[IT_SHA256] = S_HASH_RULE("sha256", 64),
};

static int
s_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
s_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char
s_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
s_is_ascii_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * Leaves in work (S_WORK bytes) the NFKC form of in, trimmed and
 * NUL-terminated, after the checks every type shares.
 */
static int
s_prepare(int type, const char *in, size_t len, char *work, size_t *n,
    const char **why)
{
	const struct s_why *w = &s_why[type];
	size_t cap = S_WORK - 1, b = 0, e;
	uint8_t *r;

	if (len > S_IN_MAX)
		return *why = w->toobig, KY_ETOOBIG;
	if (u8_check((const uint8_t *)in, len) != NULL)
		return *why = w->utf8, KY_EINVAL;
	if (len == 0)
		return *why = w->empty, KY_EINVAL;
	r = u8_normalize(UNINORM_NFKC, (const uint8_t *)in, len,
	    (uint8_t *)work, &cap);
	if (r == NULL)
		return *why = w->nomem, KY_ENOMEM;
	if (r != (uint8_t *)work) {
		free(r);
		return *why = w->toobig, KY_ETOOBIG;
	}
	e = cap;
	while (b < e && s_is_ascii_space(work[b]))
		b++;
	while (e > b && s_is_ascii_space(work[e - 1]))
		e--;
	if (b == e)
		return *why = w->empty, KY_EINVAL;
	memmove(work, work + b, e - b);
	work[*n = e - b] = '\0';
	for (size_t i = 0; i < *n; ) {
		ucs4_t uc;

		i += (size_t)u8_mbtouc(&uc, (const uint8_t *)work + i, *n - i);
		if (uc_is_general_category(uc, UC_CATEGORY_Cc))
			return *why = w->cntrl, KY_EINVAL;
		if (uc_is_general_category(uc, UC_CATEGORY_Z))
			return *why = w->space, KY_EINVAL;
	}
	return 0;
}

static int
s_v4_parse(int type, const char *s, size_t n, uint8_t a[4],
    const char **why)
{
	const struct s_v4why *w = &s_v4why[type];
	const char *p = s, *end = s + n;

	for (int k = 0; k < 4; k++) {
		const char *q = p;
		unsigned v = 0;

		for (; q < end && *q != '.'; q++) {
			if (!s_is_digit(*q))
				return *why = w->digit, KY_EINVAL;
			if (q > p && *p == '0')
				return *why = w->zero, KY_EINVAL;
			if ((v = v * 10 + (unsigned)(*q - '0')) > 255)
				return *why = w->range, KY_EINVAL;
		}
		if (q == p || (k < 3) == (q == end))
			return *why = w->parts, KY_EINVAL;
		a[k] = (uint8_t)v;
		if (k < 3)
			p = q + 1;
	}
	return 0;
}

static int
s_v6_parse(int type, const char *s, size_t n, uint8_t a[16],
    const char **why)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	const struct s_v6why *w = &s_v6why[type];
	uint16_t g[8];
	size_t i = 0, ng = 0, gap = SIZE_MAX;
	int rc;

	if (memchr(s, '%', n) != NULL)
		return *why = w->zone, KY_EINVAL;
	if (n >= 2 && s[0] == ':' && s[1] == ':')
		gap = 0, i = 2;
	while (i < n) {
		size_t j = i;
		unsigned v = 0;

		for (; j < n && s_hex(s[j]) >= 0; j++) {
			if (j - i == 4)
				return *why = w->group, KY_EINVAL;
			v = v << 4 | (unsigned)s_hex(s[j]);
		}
		if (j < n && s[j] == '.') {
			uint8_t q[4];

			if (ng > 6)
				return *why = w->count, KY_EINVAL;
			if ((rc = s_v4_parse(type, s + i, n - i, q, why)) != 0)
				return rc;
			g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
			g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
			break;
		}
		if (j == i && s[j] == ':')
			return *why = w->colon, KY_EINVAL;
		if (j == i)
			return *why = w->chr, KY_EINVAL;
		if (ng == 8)
			return *why = w->count, KY_EINVAL;
		g[ng++] = (uint16_t)v;
		if (j == n)
			break;
		if (s[j] != ':')
			return *why = w->chr, KY_EINVAL;
		if (++j == n)
			return *why = w->colon, KY_EINVAL;
		if (s[j] == ':') {
			if (gap != SIZE_MAX)
				return *why = w->dcolon, KY_EINVAL;
			gap = ng;
			j++;
		}
		i = j;
	}
	/* "::" stands for at least one group (RFC 4291 2.2). */
	if (gap == SIZE_MAX ? ng != 8 : ng > 7)
		return *why = w->count, KY_EINVAL;
	memset(a, 0, 16);
	for (size_t k = 0; k < ng; k++) {
		size_t at = gap == SIZE_MAX || k < gap ? k : 8 - ng + k;

		a[2 * at] = (uint8_t)(g[k] >> 8);
		a[2 * at + 1] = (uint8_t)g[k];
	}
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return *why = w->mapped, KY_EINVAL;
	return 0;
}

/* RFC 5952 text of a into res (at least 40 bytes); returns its length. */
static size_t
s_v6_format(const uint8_t a[16], char *res)
{
	size_t best = 8, bestlen = 1, len = 0;
	char *p = res;

	for (size_t i = 0; i < 8; i++) {
		len = a[2 * i] == 0 && a[2 * i + 1] == 0 ? len + 1 : 0;
		if (len > bestlen)
			best = i + 1 - len, bestlen = len;
	}
	for (size_t i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			*p++ = ':';
		p += snprintf(p, 5, "%x",
		    (unsigned)(a[2 * i] << 8 | a[2 * i + 1]));
	}
	*p = '\0';
	return (size_t)(p - res);
}

static bool
s_host_bits(const uint8_t *a, unsigned bits, unsigned prefix)
{
	for (unsigned i = 0; i < bits / 8; i++) {
		unsigned keep = prefix > 8 * i ? prefix - 8 * i : 0;

		if (keep < 8 && (a[i] & (0xff >> keep)) != 0)
			return true;
	}
	return false;
}

/* The address or network of an ipv4, ipv6, cidr4 or cidr6 value. */
static int
s_net(int type, const char *s, size_t n, struct indicator_net *net,
    const char **why)
{
	const struct s_net_rule *w = &s_net_rules[type];
	const char *slash = memchr(s, '/', n), *p;
	size_t alen = slash != NULL ? (size_t)(slash - s) : n;
	int rc;

	memset(net, 0, sizeof(*net));
	if ((slash != NULL) != w->cidr)
		return *why = w->slash, KY_EINVAL;
	net->family = w->bits == 32 ? 4 : 6;
	net->prefix = w->bits;
	rc = w->bits == 32 ? s_v4_parse(type, s, alen, net->addr, why) :
	    s_v6_parse(type, s, alen, net->addr, why);
	if (rc != 0 || !w->cidr)
		return rc;
	net->prefix = 0;
	for (p = slash + 1; p < s + n; p++) {
		if (!s_is_digit(*p))
			return *why = w->pdigit, KY_EINVAL;
		if (p > slash + 1 && slash[1] == '0')
			return *why = w->pzero, KY_EINVAL;
		if ((net->prefix = net->prefix * 10 + (unsigned)(*p - '0')) >
		    w->bits)
			return *why = w->prange, KY_EINVAL;
	}
	if (p == slash + 1)
		return *why = w->pdigit, KY_EINVAL;
	if (s_host_bits(net->addr, w->bits, net->prefix))
		return *why = w->hostbits, KY_EINVAL;
	return 0;
}

static void
s_net_format(int type, const struct indicator_net *net, char res[S_NET_MAX])
{
	const uint8_t *a = net->addr;
	size_t n;

	if (net->family == 4)
		n = (size_t)snprintf(res, S_NET_MAX, "%u.%u.%u.%u", a[0], a[1],
		    a[2], a[3]);
	else
		n = s_v6_format(a, res);
	if (s_net_rules[type].cidr)
		snprintf(res + n, S_NET_MAX - n, "/%u", net->prefix);
}

/*
 * libidn2 applies the IDNA2008 hyphen rules to ASCII labels too, and so
 * refuses real names such as r1---sn-x.googlevideo.com: only names with a
 * U-label or an A-label go through it.
 */
static bool
s_needs_idna(const char *name)
{
	for (const char *p = name; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			return true;
		if ((p == name || p[-1] == '.') &&
		    strncasecmp(p, "xn--", 4) == 0)
			return true;
	}
	return false;
}

/* Replaces name (NUL-terminated) by its A-label form, in place. */
static int
s_idna(int type, char *name, const char **why)
{
	const struct s_host_rule *w = &s_host_rules[type];
	char *ace = NULL;
	size_t n;

	switch (idn2_to_ascii_8z(name, &ace,
	    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT)) {
	case IDN2_OK:
		break;
	case IDN2_MALLOC:
		return *why = w->nomem, KY_ENOMEM;
	case IDN2_TOO_BIG_LABEL:
		return *why = w->label, KY_EINVAL;
	case IDN2_TOO_BIG_DOMAIN:
		return *why = w->total, KY_EINVAL;
	case IDN2_HYPHEN_STARTEND:
		return *why = w->hyphen, KY_EINVAL;
	default:
		return *why = w->idna, KY_EINVAL;
	}
	/* One byte over S_NAME_MAX for the trailing dot s_host drops. */
	if ((n = strlen(ace)) <= S_NAME_MAX + 1)
		memcpy(name, ace, n + 1);
	idn2_free(ace);
	if (n > S_NAME_MAX + 1)
		return *why = w->total, KY_EINVAL;
	return 0;
}

/*
 * The normal form of a domain or host name (also inside a url or an
 * email) into res, at least S_NAME_MAX + 2 bytes.
 */
static int
s_host(int type, const char *s, size_t n, char *res, const char **why)
{
	const struct s_host_rule *w = &s_host_rules[type];
	char name[S_WORK];
	size_t labels = 0, start = 0;
	bool numeric = true;
	int rc;

	memcpy(name, s, n);
	name[n] = '\0';
	if (s_needs_idna(name)) {
		if ((rc = s_idna(type, name, why)) != 0)
			return rc;
		n = strlen(name);
	}
	/* One trailing dot names the root; it is not part of the value. */
	if (n > 0 && name[n - 1] == '.')
		name[--n] = '\0';
	for (size_t i = 0; i <= n; i++) {
		char c = s_lower(name[i]);

		if (c == '.' || c == '\0') {
			if (i == start)
				return *why = w->empty, KY_EINVAL;
			if (i - start > S_LABEL_MAX)
				return *why = w->label, KY_EINVAL;
			if (name[start] == '-' || name[i - 1] == '-')
				return *why = w->hyphen, KY_EINVAL;
			labels++;
			if (c == '.')
				numeric = true, start = i + 1;
			continue;
		}
		if (!s_is_digit(c) && !(c >= 'a' && c <= 'z') && c != '-' &&
		    !(c == '_' && w->underscore))
			return *why = w->chr, KY_EINVAL;
		numeric = numeric && s_is_digit(c);
		name[i] = c;
	}
	if (n > S_NAME_MAX)
		return *why = w->total, KY_EINVAL;
	if (labels < 2)
		return *why = w->single, KY_EINVAL;
	if (numeric)
		return *why = w->numeric, KY_EINVAL;
	memcpy(res, name, n + 1);
	return 0;
}

static int
s_norm_net(int type, const char *s, size_t n, char *res, const char **why)
{
	struct indicator_net net;
	int rc;

	if ((rc = s_net(type, s, n, &net, why)) != 0)
		return rc;
	s_net_format(type, &net, res);
	return 0;
}

/* Whether a url host is meant as an IPv4 address: its last label is. */
static bool
s_numeric_tail(const char *h, size_t n)
{
	size_t i = n;

	if (i > 0 && h[i - 1] == '.')
		i--;
	if (i == 0 || !s_is_digit(h[i - 1]))
		return false;
	while (i > 0 && s_is_digit(h[i - 1]))
		i--;
	return i == 0 || h[i - 1] == '.';
}

static int
s_url_host(const char *h, size_t n, char *res, const char **why)
{
	uint8_t a[16];
	int rc;

	if (n == 0)
		return *why = "url: empty host", KY_EINVAL;
	if (h[0] == '[') {
		if (h[n - 1] != ']')
			return *why = "url host: [ without ]", KY_EINVAL;
		if ((rc = s_v6_parse(IT_URL, h + 1, n - 2, a, why)) != 0)
			return rc;
		res[0] = '[';
		n = 1 + s_v6_format(a, res + 1);
		memcpy(res + n, "]", 2);
		return 0;
	}
	if (!s_numeric_tail(h, n))
		return s_host(IT_URL, h, n, res, why);
	if (h[n - 1] == '.')
		n--;
	if ((rc = s_v4_parse(IT_URL, h, n, a, why)) != 0)
		return rc;
	snprintf(res, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	return 0;
}

static int
s_norm_url(int type, const char *s, size_t n, char *res, const char **why)
{
	static const struct {
		const char *name;
		unsigned port;
	} schemes[] = { { "http", 80 }, { "https", 443 }, { "ftp", 21 } };
	const char *end = s + n, *colon = memchr(s, ':', n), *auth, *aend;
	const char *hend, *path, *pend;
	char host[S_NAME_MAX + 2];
	unsigned port = 0, defport = 0;
	size_t i, len;
	int rc;

	for (i = 0; colon != NULL && i < sizeof(schemes) / sizeof(schemes[0]);
	    i++) {
		if ((size_t)(colon - s) == strlen(schemes[i].name) &&
		    strncasecmp(s, schemes[i].name, (size_t)(colon - s)) == 0)
			break;
	}
	if (colon == NULL || i == sizeof(schemes) / sizeof(schemes[0]))
		return *why = "url: scheme must be http, https or ftp",
		    KY_EINVAL;
	defport = schemes[i].port;
	if (end - colon < 3 || colon[1] != '/' || colon[2] != '/')
		return *why = "url: expected // after the scheme", KY_EINVAL;
	auth = colon + 3;
	for (aend = auth; aend < end && *aend != '/' && *aend != '?' &&
	    *aend != '#'; aend++)
		;
	if (memchr(auth, '@', (size_t)(aend - auth)) != NULL)
		return *why = "url: credentials in URL", KY_EINVAL;
	if (auth < aend && auth[0] == '[') {
		hend = memchr(auth, ']', (size_t)(aend - auth));
		hend = hend != NULL ? hend + 1 : aend;
	} else if ((hend = memchr(auth, ':', (size_t)(aend - auth))) == NULL)
		hend = aend;
	if (hend < aend) {
		const char *p = hend + 1;

		if (*hend != ':')
			return *why = "url: junk after the host", KY_EINVAL;
		for (; p < aend; p++) {
			if (!s_is_digit(*p) || (port = port * 10 +
			    (unsigned)(*p - '0')) > 65535)
				return *why = "url: port is not a number "
				    "1..65535", KY_EINVAL;
			if (p > hend + 1 && hend[1] == '0')
				return *why = "url: leading zero in port",
				    KY_EINVAL;
		}
		if (port == 0)
			return *why = "url: port is not a number 1..65535",
			    KY_EINVAL;
	}
	if ((rc = s_url_host(auth, (size_t)(hend - auth), host, why)) != 0)
		return rc;
	len = (size_t)snprintf(res, S_URL_HEAD, "%s://%s", schemes[i].name,
	    host);
	if (port != 0 && port != defport)
		len += (size_t)snprintf(res + len, S_URL_HEAD - len, ":%u",
		    port);
	path = aend;
	if ((pend = memchr(path, '#', (size_t)(end - path))) == NULL)
		pend = end;
	if (path == pend || *path != '/')
		res[len++] = '/';
	if (len + (size_t)(pend - path) > INDICATOR_VALUE_MAX)
		return *why = s_why[type].toobig, KY_ETOOBIG;
	memcpy(res + len, path, (size_t)(pend - path));
	res[len + (size_t)(pend - path)] = '\0';
	return 0;
}

static int
s_norm_email(int type, const char *s, size_t n, char *res, const char **why)
{
	const char *at = memchr(s, '@', n);
	size_t local;
	int rc;

	(void)type;
	if (at == NULL || memchr(at + 1, '@', n - (size_t)(at - s) - 1) != NULL)
		return *why = "email: expected exactly one @", KY_EINVAL;
	if ((local = (size_t)(at - s)) == 0)
		return *why = "email: empty local part", KY_EINVAL;
	if (local > S_LOCAL_MAX)
		return *why = "email: local part longer than 64 bytes",
		    KY_EINVAL;
	for (size_t i = 0; i < local; i++)
		if (s[i] < '!' || s[i] > '~')
			return *why = "email: local part must be printable "
			    "ASCII", KY_EINVAL;
	if ((rc = s_host(IT_EMAIL, at + 1, n - local - 1, res + local + 1,
	    why)) != 0)
		return rc;
	memcpy(res, s, local + 1);
	return 0;
}

static int
s_norm_hash(int type, const char *s, size_t n, char *res, const char **why)
{
	const struct s_hash_rule *w = &s_hash_rules[type];

	if (n != w->len)
		return *why = n < w->len ? w->few : w->many, KY_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s_hex(s[i]) < 0)
			return *why = w->digit, KY_EINVAL;
		res[i] = s_lower(s[i]);
	}
	res[n] = '\0';
	return 0;
}

static int
s_norm_asn(int type, const char *s, size_t n, char *res, const char **why)
{
	unsigned long long v = 0;

	(void)type;
	if (n >= 2 && s_lower(s[0]) == 'a' && s_lower(s[1]) == 's')
		s += 2, n -= 2;
	if (n == 0)
		return *why = "asn: not a number (AS64500 or 64500)", KY_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!s_is_digit(s[i]))
			return *why = "asn: not a number (AS64500 or 64500)",
			    KY_EINVAL;
		if (i > 0 && s[0] == '0')
			return *why = "asn: leading zero", KY_EINVAL;
		if ((v = v * 10 + (unsigned)(s[i] - '0')) > UINT32_MAX)
			return *why = "asn: out of range 1..4294967295",
			    KY_EINVAL;
	}
	if (v == 0)
		return *why = "asn: AS0 is reserved", KY_EINVAL;
	snprintf(res, 13, "AS%llu", v);
	return 0;
}

typedef int s_norm_fn(int, const char *, size_t, char *, const char **);

static const struct {
	const char *name;
	s_norm_fn *norm;
} s_types[] = {
	[IT_IPV4] = { "ipv4", s_norm_net },
	[IT_IPV6] = { "ipv6", s_norm_net },
	[IT_CIDR4] = { "cidr4", s_norm_net },
	[IT_CIDR6] = { "cidr6", s_norm_net },
	[IT_DOMAIN] = { "domain", s_host },
	[IT_HOSTNAME] = { "hostname", s_host },
	[IT_URL] = { "url", s_norm_url },
	[IT_EMAIL] = { "email", s_norm_email },
	[IT_MD5] = { "md5", s_norm_hash },
	[IT_SHA1] = { "sha1", s_norm_hash },
	[IT_SHA256] = { "sha256", s_norm_hash },
	[IT_ASN] = { "asn", s_norm_asn },
};

const char *
indicator_type_name(int type)
{
	return type >= IT_IPV4 && type <= IT_MAX ? s_types[type].name : NULL;
}

int
indicator_type_from_name(const char *name)
{
	for (int t = IT_IPV4; t <= IT_MAX; t++)
		if (strcmp(name, s_types[t].name) == 0)
			return t;
	return -1;
}

int
indicator_normalize(int type, const char *in, size_t len, char *out,
    size_t cap, const char **why)
{
	char work[S_WORK], res[INDICATOR_VALUE_MAX + 1];
	size_t n;
	int rc;

	if (cap > 0)
		out[0] = '\0';
	if (indicator_type_name(type) == NULL)
		return *why = "indicator: unknown type", KY_EINVAL;
	if ((rc = s_prepare(type, in, len, work, &n, why)) != 0 ||
	    (rc = s_types[type].norm(type, work, n, res, why)) != 0)
		return rc;
	if ((n = strlen(res)) >= cap)
		return *why = s_why[type].toobig, KY_ETOOBIG;
	memcpy(out, res, n + 1);
	return 0;
}

int
indicator_parse_net(int type, const char *normalized,
    struct indicator_net *out)
{
	char canon[S_NET_MAX];
	const char *why;

	if (type < IT_IPV4 || type > IT_CIDR6 ||
	    s_net(type, normalized, strlen(normalized), out, &why) != 0)
		goto bad;
	s_net_format(type, out, canon);
	if (strcmp(canon, normalized) == 0)
		return 0;
bad:
	memset(out, 0, sizeof(*out));
	return KY_EINVAL;
}

bool
indicator_net_contains(const struct indicator_net *outer,
    const struct indicator_net *inner)
{
	unsigned bits = outer->family == 4 ? 32 : 128, p = outer->prefix;

	if ((outer->family != 4 && outer->family != 6) ||
	    inner->family != outer->family || p > inner->prefix || p > bits ||
	    inner->prefix > bits)
		return false;
	if (memcmp(outer->addr, inner->addr, p / 8) != 0)
		return false;
	return p % 8 == 0 || ((outer->addr[p / 8] ^ inner->addr[p / 8]) &
	    (0xff00 >> p % 8)) == 0;
}

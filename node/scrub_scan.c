/*
 * scrub_scan.c - the scanners of free text: each is one pass over the
 * folded text (scrub_fold) that proposes spans to redact through
 * scrub_add(); scrub_text.c merges them and writes the output.  Every
 * scanner is linear: the runs it scans are maximal and disjoint, every
 * look-ahead and look-behind is bounded, and a match is skipped over.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <unistr.h>

#include "node/scrub_int.h"

static bool
s_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
s_alnum(int c)
{
	return s_digit(c) || (c >= 'a' && c <= 'z');
}

static bool
s_xdigit(int c)
{
	return s_digit(c) || (c >= 'a' && c <= 'f');
}

static bool
s_hostc(int c)
{
	return s_alnum(c) || c == '-' || c == '_';
}

/* The code point that starts at t[i], and its length in *k. */
static ucs4_t
s_uc_at(const char *t, size_t n, size_t i, int *k)
{
	ucs4_t uc;

	*k = u8_mbtouc(&uc, (const uint8_t *)t + i, n - i);
	return uc;
}

/* A letter, digit or mark outside ASCII: part of a word in any script. */
static bool
s_word_uc(ucs4_t uc)
{
	return uc >= 0x80 && (uc_is_alnum(uc) ||
	    uc_is_general_category(uc, UC_CATEGORY_M));
}

/* --- addresses ---------------------------------------------------------- */

/* A dotted quad at t[i] (octets 0..255, up to 3 digits); its end or 0. */
static size_t
s_v4_at(const char *t, size_t n, size_t i, uint8_t a[4])
{
	size_t p = i;

	for (int k = 0; k < 4; k++) {
		unsigned v = 0;
		size_t q = p;

		while (q < n && s_digit(t[q]) && q - p < 3)
			v = v * 10 + (unsigned)(t[q++] - '0');
		if (q == p || v > 255 || (q < n && s_digit(t[q])))
			return 0;
		a[k] = (uint8_t)v;
		if (k == 3)
			return q;
		if (q >= n || t[q] != '.')
			return 0;
		p = q + 1;
	}
	return 0;
}

/* "/N" at t[e] with N <= max; its end, or e when there is none. */
static size_t
s_prefix_at(const char *t, size_t n, size_t e, unsigned max, unsigned *prefix)
{
	unsigned p = 0;
	size_t q = e + 1;

	if (e >= n || t[e] != '/')
		return e;
	while (q < n && s_digit(t[q]) && q - e <= 3)
		p = p * 10 + (unsigned)(t[q++] - '0');
	if (q == e + 1 || p > max || (q < n && s_alnum(t[q])))
		return e;
	*prefix = p;
	return q;
}

/*
 * IPv4: a dotted quad not inside a longer dotted number, with an
 * optional /prefix.  Leading zeros are read as decimal: "010" in a log
 * is 10 to the person who wrote it.
 */
static void
s_scan_v4(struct scrub_ctx *c)
{
	const char *t = c->t;

	for (size_t i = 0; i < c->n; i++) {
		struct indicator_net net = { .family = 4, .prefix = 32 };
		const char *why;
		size_t e;

		if (!s_digit(t[i]) || (i > 0 && (s_digit(t[i - 1]) ||
		    t[i - 1] == '.')))
			continue;
		if ((e = s_v4_at(t, c->n, i, net.addr)) == 0)
			continue;
		if (e + 1 < c->n && t[e] == '.' && s_digit(t[e + 1]))
			continue;
		e = s_prefix_at(t, c->n, e, 32, &net.prefix);
		if ((why = scrub_text_net(c->s, &net)) != NULL)
			scrub_add(c, i, e, SCRUB_IP, why);
		i = e - 1;
	}
}

/*
 * The address of an IPv6 candidate; an IPv4-mapped one (which the
 * normal form refuses) as its IPv4 address.  0 or -1.
 */
static int
s_v6_net(const char *buf, size_t n, struct indicator_net *net)
{
	char norm[64];
	const char *why;
	uint8_t a[4];

	if (indicator_normalize(IT_IPV6, buf, n, norm, sizeof(norm),
	    &why) == 0 && indicator_parse_net(IT_IPV6, norm, net) == 0)
		return 0;
	if (strncmp(buf, "::ffff:", 7) != 0 || s_v4_at(buf, n, 7, a) != n)
		return -1;
	memset(net, 0, sizeof(*net));
	net->family = 4;
	net->prefix = 32;
	memcpy(net->addr, a, 4);
	return 0;
}

/*
 * IPv6: a run of hex digits, colons and dots with "::" or seven colons,
 * not glued to a word (so "std::min" is not one), with an optional
 * /prefix.
 */
static void
s_scan_v6(struct scrub_ctx *c)
{
	const char *t = c->t;
	size_t i = 0;

	while (i < c->n) {
		struct indicator_net net;
		const char *why;
		char buf[64];
		size_t b = i, j = i, e;
		unsigned colons = 0;

		if (!(s_xdigit(t[i]) || t[i] == ':') || (i > 0 &&
		    (s_hostc(t[i - 1]) || t[i - 1] == ':' || t[i - 1] == '.'))) {
			i++;
			continue;
		}
		while (j < c->n && (s_xdigit(t[j]) || t[j] == ':' ||
		    t[j] == '.'))
			colons += t[j++] == ':';
		i = j;
		e = j;
		while (e > b && t[e - 1] == '.')
			e--;
		if (e - b >= 2 && t[e - 1] == ':' && t[e - 2] != ':')
			e--;
		if (colons < 2 || e - b >= sizeof(buf) ||
		    (j < c->n && s_hostc(t[j])))
			continue;
		memcpy(buf, t + b, e - b);
		buf[e - b] = '\0';
		if ((strstr(buf, "::") == NULL && colons != 7) ||
		    s_v6_net(buf, e - b, &net) != 0)
			continue;
		if (net.family == 6)
			e = s_prefix_at(t, c->n, e, 128, &net.prefix);
		if ((why = scrub_text_net(c->s, &net)) != NULL)
			scrub_add(c, b, e, SCRUB_IP, why);
		if (e > i)
			i = e;
	}
}

/* --- names -------------------------------------------------------------- */

/*
 * One piece of a host-character run, trimmed: the longest suffix that
 * is a well-formed name of two labels or more, ending in a top-level
 * label of letters (or an A-label), is checked.
 */
static void
s_check_host(struct scrub_ctx *c, size_t a, size_t b)
{
	const char *t = c->t;
	size_t start, labels = 0, p, last = a;
	const char *why;

	while (a < b && (t[a] == '-' || t[a] == '_' || t[a] == '.'))
		a++;
	while (b > a && (t[b - 1] == '-' || t[b - 1] == '_' ||
	    t[b - 1] == '.'))
		b--;
	start = p = a;
	while (p < b) {
		const char *dot = memchr(t + p, '.', b - p);
		size_t e = dot != NULL ? (size_t)(dot - t) : b;

		if (e - p > 63 || e == p) {
			start = e + 1;
			labels = 0;
		} else
			labels++;
		last = p;
		p = e + 1;
	}
	while (b > start && b - start > 253) {
		const char *dot = memchr(t + start, '.', b - start);

		if (dot == NULL)
			return;
		start = (size_t)(dot - t) + 1;
		labels--;
	}
	if (labels < 2 || last < start || b - last < 2)
		return;
	if (!(b - last > 4 && memcmp(t + last, "xn--", 4) == 0))
		for (size_t i = last; i < b; i++)
			if (t[i] < 'a' || t[i] > 'z')
				return;
	if ((why = scrub_text_name(c->s, t + start, b - start)) != NULL)
		scrub_add(c, start, b, SCRUB_HOST, why);
}

/* Host names: runs of letters, digits, '-', '_' and '.'. */
static void
s_scan_hosts(struct scrub_ctx *c)
{
	const char *t = c->t;
	size_t i = 0;

	while (i < c->n) {
		size_t j = i, p;

		if (!s_hostc(t[i]) && t[i] != '.') {
			i++;
			continue;
		}
		while (j < c->n && (s_hostc(t[j]) || t[j] == '.'))
			j++;
		/* ".." cannot be inside a name: check each side on its own. */
		for (p = i; p < j; ) {
			const char *dd = memmem(t + p, j - p, "..", 2);
			size_t e = dd != NULL ? (size_t)(dd - t) : j;

			s_check_host(c, p, e);
			p = e + 2;
		}
		i = j;
	}
}

/* --- e-mail addresses and URL credentials -------------------------------- */

static bool
s_localc(int c)
{
	return s_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
	    c == '-';
}

static bool
s_userinfoc(int c)
{
	return s_alnum(c) || (c != '\0' && strchr("-._~%!$&'()*+,;=:", c));
}

static bool
s_after_scheme(const char *t, size_t i)
{
	return i >= 3 && memcmp(t + i - 3, "://", 3) == 0;
}

/*
 * Every e-mail address: an ASCII local part (or, when there is none,
 * the letters of any script right before the '@'), '@', and a domain.
 * user[:password]@ right after "scheme://" is a URL's credentials: only
 * they go, the host is judged as any other.
 */
static void
s_scan_email(struct scrub_ctx *c)
{
	const char *t = c->t;
	size_t n = c->n;

	for (size_t i = 0; i < n; i++) {
		size_t j = i, k = i + 1, u;
		int w;

		if (t[i] != '@')
			continue;
		while (j > 0 && s_localc(t[j - 1]) && i - j < 256)
			j--;
		while (j < i && t[j] == '.')
			j++;
		if (j < i && s_after_scheme(t, j)) {
			scrub_add(c, j, i, SCRUB_USERINFO, "credentials in a URL");
			continue;
		}
		if (j > 0 && t[j - 1] == ':') {
			for (u = j - 1; u > 0 && s_userinfoc(t[u - 1]) &&
			    i - u < 512; u--)
				;
			if (s_after_scheme(t, u)) {
				scrub_add(c, u, i, SCRUB_USERINFO,
				    "credentials in a URL");
				continue;
			}
		}
		if (j == i) {
			while (j > 0 && (unsigned char)t[j - 1] >= 0x80 &&
			    i - j < 256) {
				size_t q = j - 1;

				while (q > 0 && ((unsigned char)t[q] & 0xc0) == 0x80)
					q--;
				if (!s_word_uc(s_uc_at(t, n, q, &w)))
					break;
				j = q;
			}
			if (j == i)
				continue;
		}
		if (k < n && s_alnum(t[k])) {
			while (k < n && (s_hostc(t[k]) || t[k] == '.'))
				k++;
			while (t[k - 1] == '.' || t[k - 1] == '-')
				k--;
		} else if (k < n && t[k] == '[') {
			while (k < n && t[k] != ']' && k - i < 64)
				k++;
			if (k == n || t[k] != ']')
				continue;
			k++;
		} else {
			while (k < n && k - i < 1024) {
				ucs4_t uc = s_uc_at(t, n, k, &w);

				if (!s_word_uc(uc) && !s_hostc((int)uc) &&
				    uc != '.')
					break;
				k += (size_t)w;
			}
			while (k > i + 1 && t[k - 1] == '.')
				k--;
		}
		if (k <= i + 1)
			continue;
		scrub_add(c, j, k, SCRUB_EMAIL, "e-mail address");
		i = k - 1;
	}
}

/* --- user paths --------------------------------------------------------- */

static bool
s_sep(int c)
{
	return c == '/' || c == '\\';
}

/* Ends a path token: blanks, controls, quotes and angle brackets. */
static bool
s_path_end(int c)
{
	return (c >= 0 && c <= ' ') || c == 0x7f || c == '"' || c == '\'' ||
	    c == '`' || c == '<' || c == '>' || c == '|';
}

/* Ends a user name inside a path, besides the separators. */
static bool
s_name_end(int c)
{
	return (c >= 0 && c < ' ') || c == 0x7f || c == '"' || c == '\'' ||
	    c == '`' || c == '<' || c == '>' || c == '|' || c == '*' ||
	    c == '?' || c == ':' || c == ')' || c == ']' || c == '}' ||
	    c == ',' || c == ';';
}

/* After a separator at i: "users", "home" or "documents and settings", then a separator. */
static size_t
s_home_at(const char *t, size_t n, size_t i)
{
	static const char *const dirs[] = { "users", "home",
	    "documents and settings" };

	for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
		size_t l = strlen(dirs[k]);

		if (n - i > l && memcmp(t + i, dirs[k], l) == 0 &&
		    s_sep(t[i + l]))
			return i + l + 1;
	}
	return 0;
}

/*
 * Shared profiles, placeholders, variables and our own markers: they
 * name no one.
 */
static bool
s_generic_user(const char *t, size_t a, size_t b)
{
	static const char *const names[] = { "public", "default",
	    "default user", "all users", "shared", "user", "username",
	    "yourname", ".", ".." };

	if (strchr("%${<[", t[a]) != NULL)
		return true;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k]) == b - a &&
		    memcmp(t + a, names[k], b - a) == 0)
			return true;
	return false;
}

/*
 * The user name in C:\Users\NAME, \\host\c$\Users\NAME, /home/NAME,
 * /Users/NAME (and /var/home/NAME, /mnt/c/Users/NAME): only inside a
 * path that starts like one (a separator after a blank, a drive or
 * other text), never in a URL other than file://, where /users/ is
 * just part of a site.
 */
static void
s_scan_paths(struct scrub_ctx *c)
{
	const char *t = c->t;
	size_t n = c->n;
	bool path = false, url = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)t[i];
		size_t k, e, cut;
		bool closed;

		if (s_path_end(ch)) {
			path = url = false;
			continue;
		}
		if (ch == ':' && i + 3 <= n && s_after_scheme(t, i + 3) &&
		    !(i >= 4 && memcmp(t + i - 4, "file", 4) == 0))
			url = true;
		if (!s_sep(ch))
			continue;
		if (i == 0 || !(s_alnum(t[i - 1]) || strchr("._-~$", t[i - 1])))
			path = true;
		if (!path || url || (k = s_home_at(t, n, i + 1)) == 0)
			continue;
		for (e = k; e < n && e - k < 128 && !s_sep(t[e]) &&
		    !s_name_end(t[e]); e++)
			;
		/*
		 * A Windows profile may have blanks in its name when a
		 * separator closes it; otherwise a name ends at the first
		 * blank and, if it starts in ASCII, at the first other script
		 * (Japanese puts no blank between a path and the sentence).
		 */
		closed = e < n && s_sep(t[e]);
		for (cut = k; cut < e; cut++) {
			if ((t[cut] == ' ' || t[cut] == '\t') &&
			    (!closed || t[i] == '/'))
				break;
			if (!closed && (unsigned char)t[cut] >= 0x80 &&
			    (unsigned char)t[k] < 0x80)
				break;
		}
		if (cut < e)
			closed = false;
		e = cut;
		while (!closed && e > k && (t[e - 1] == '.' || t[e - 1] == ','))
			e--;
		if (e == k || s_generic_user(t, k, e))
			continue;
		scrub_add(c, k, e, SCRUB_USER, "user name in a home directory");
		i = e - 1;
	}
}

/* --- phone numbers ------------------------------------------------------ */

/* The ASCII word ending at i is a phone label ("tel", "fax", ...). */
static bool
s_tel_label(const char *t, size_t i)
{
	static const char *const labels[] = { "tel", "fax", "phone", "mobile",
	    "cell", "tell", "telephone" };
	size_t k = i;

	while (k > 0 && t[k - 1] >= 'a' && t[k - 1] <= 'z' && i - k < 10)
		k--;
	if (k > 0 && s_alnum(t[k - 1]))
		return false;
	for (size_t l = 0; l < sizeof(labels) / sizeof(labels[0]); l++)
		if (strlen(labels[l]) == i - k &&
		    memcmp(t + k, labels[l], i - k) == 0)
			return true;
	return false;
}

static bool
s_phone_left(const char *t, size_t i)
{
	unsigned char p;

	if (i == 0 || (p = (unsigned char)t[i - 1]) >= 0x80)
		return true;
	if (p >= 'a' && p <= 'z')
		return s_tel_label(t, i);
	if (p == '.' || p == '=')	/* "tel.", "tel=" in a query */
		return s_tel_label(t, i - 1);
	return !s_digit(p) && strchr("_/-+@\\%&", p) == NULL;
}

/*
 * What a phone number looks like once the separators are gone:
 *   +CC...      8 to 15 digits (E.164)
 *   0...        10 or 11 digits, the first group 2 to 5 digits: the
 *               Japanese numbering plan (03-1234-5678, 090-1234-5678,
 *               0120-123-456, 0476-12-3456), or one unbroken run
 *   NNN-NNN-NNNN, 1-NNN-NNN-NNNN   the North American plan
 */
static bool
s_phone_ok(bool plus, char first, unsigned digits, unsigned groups,
    const unsigned *glen)
{
	if (plus)
		return first != '0' && digits >= 8 && digits <= 15;
	if (first == '0') {
		if (digits != 10 && digits != 11)
			return false;
		if (groups == 1)
			return true;
		if (glen[0] < 2 || glen[0] > 5)
			return false;
		for (unsigned g = 0; g < groups; g++)
			if (glen[g] > 8)
				return false;
		return true;
	}
	if (groups == 3)
		return glen[0] == 3 && glen[1] == 3 && glen[2] == 4;
	return groups == 4 && first == '1' && glen[0] == 1 && glen[1] == 3 &&
	    glen[2] == 3 && glen[3] == 4;
}

/* Nothing glued after the number: a letter, or ./: and more digits. */
static bool
s_phone_right(const char *t, size_t n, size_t e)
{
	if (e == n)
		return true;
	if (s_alnum(t[e]) || t[e] == '_' || t[e] == '@')
		return false;
	return !(strchr("./:", t[e]) != NULL && e + 1 < n &&
	    s_digit(t[e + 1]));
}

/* The longest phone number starting at t[i] ('+', '(' or a digit); its end or 0. */
static size_t
s_phone_at(const char *t, size_t n, size_t i)
{
	unsigned digits = 0, groups = 0, cur = 0, seps = 0, glen[16];
	size_t p = i, best = 0;
	bool plus = false;
	int paren = 0;		/* 0 none yet, 1 open, 2 closed */
	char first = 0;

	if (t[p] == '+') {
		plus = true;
		if (++p >= n || !s_digit(t[p]))
			return 0;
	}
	for (; p < n; p++) {
		char ch = t[p];

		if (s_digit(ch)) {
			if (first == 0)
				first = ch;
			if (cur == 0 && ++groups > 16)
				break;
			glen[groups - 1] = ++cur;
			seps = 0;
			if (++digits > 15)
				break;
			if ((p + 1 == n || !s_digit(t[p + 1])) && paren != 1 &&
			    s_phone_ok(plus, first, digits, groups, glen) &&
			    s_phone_right(t, n, p + 1))
				best = p + 1;
			continue;
		}
		cur = 0;
		if (++seps > 2)
			break;
		if (ch == '(') {
			if (paren != 0)
				break;
			paren = 1;
		} else if (ch == ')') {
			if (paren != 1 || digits == 0)
				break;
			paren = 2;
		} else if (ch != '-' && ch != ' ' && ch != '.')
			break;
	}
	return best;
}

static void
s_scan_phones(struct scrub_ctx *c)
{
	const char *t = c->t;

	for (size_t i = 0; i < c->n; i++) {
		size_t e;

		if (!s_digit(t[i]) && t[i] != '+' && t[i] != '(')
			continue;
		if (!s_phone_left(t, i) || (e = s_phone_at(t, c->n, i)) == 0)
			continue;
		scrub_add(c, i, e, SCRUB_PHONE, "phone number");
		i = e - 1;
	}
}

/* --- configured words --------------------------------------------------- */

/*
 * Leftmost, then longest, configured word.  An end that is an ASCII
 * letter or digit must not be glued to another ("ken" is not in
 * "token"); other scripts need no boundary, since Japanese has no
 * blanks between words.  A match must begin and end on the fold of whole
 * input characters ("カ" is not in "ガ").
 */
static void
s_scan_words(struct scrub_ctx *c)
{
	const struct scrub *s = c->s;
	const char *t = c->t;
	size_t n = c->n;

	if (s->n_words == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)t[i];

		if (s->first[b] == s->first[b + 1] || !scrub_unit_start(c->f, i))
			continue;
		for (uint32_t k = s->first[b]; k < s->first[b + 1]; k++) {
			const struct scrub_word *w = &s->words[k];
			size_t e = i + w->len;

			if (w->len > n - i || memcmp(t + i, w->folded, w->len) != 0 ||
			    !scrub_unit_start(c->f, e))
				continue;
			if (s_alnum(w->folded[0]) && i > 0 && s_alnum(t[i - 1]))
				continue;
			if (s_alnum(w->folded[w->len - 1]) && e < n &&
			    s_alnum(t[e]))
				continue;
			scrub_add(c, i, e, w->kind, w->why);
			i = e - 1;
			break;
		}
	}
}

void
scrub_scan(struct scrub_ctx *c)
{
	s_scan_email(c);
	s_scan_paths(c);
	s_scan_v4(c);
	s_scan_v6(c);
	s_scan_hosts(c);
	s_scan_phones(c);
	s_scan_words(c);
}

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/allowlist.h"

#define S_NAME_MAX	253	/* bytes of a name, as for indicators */

struct s_ent {
	struct allowlist_entry e;	/* what callers see */
	char *rev;			/* names: labels reversed */
};

/*
 * Entries live in ents, in the order they were added; v4, v6 and names
 * are sorted views rebuilt after every adding call, and lens4/lens6 say
 * which prefix lengths occur, so a containment lookup probes only those.
 */
struct allowlist {
	struct s_ent **ents;
	size_t n, cap;
	struct s_ent **v4, **v6, **names;
	size_t n4, n6, nn;
	bool lens4[33], lens6[129];
	char **sources;			/* owned; entries point in */
	size_t nsrc, capsrc;
};

struct allowlist *
allowlist_new(void)
{
	return calloc(1, sizeof(struct allowlist));
}

static void
s_free_ent(struct s_ent *x)
{
	if (x == NULL)
		return;
	free((char *)x->e.text);
	free(x->rev);
	free(x);
}

void
allowlist_destroy(struct allowlist **p)
{
	struct allowlist *al;

	if (p == NULL || (al = *p) == NULL)
		return;
	for (size_t i = 0; i < al->n; i++)
		s_free_ent(al->ents[i]);
	for (size_t i = 0; i < al->nsrc; i++)
		free(al->sources[i]);
	free(al->ents);
	free(al->v4);
	free(al->v6);
	free(al->names);
	free(al->sources);
	free(al);
	*p = NULL;
}

size_t
allowlist_count(const struct allowlist *al)
{
	return al->n;
}

/* --- sorted views ------------------------------------------------------ */

static int
s_net_cmp(const struct indicator_net *a, const struct indicator_net *b)
{
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));

	if (c != 0)
		return c;
	return a->prefix < b->prefix ? -1 : a->prefix > b->prefix;
}

static int
s_qsort_net(const void *a, const void *b)
{
	const struct s_ent *x = *(struct s_ent *const *)a;
	const struct s_ent *y = *(struct s_ent *const *)b;

	return s_net_cmp(&x->e.net, &y->e.net);
}

static int
s_qsort_name(const void *a, const void *b)
{
	return strcmp((*(struct s_ent *const *)a)->rev,
	    (*(struct s_ent *const *)b)->rev);
}

/* Rebuilds the sorted views; on ENOMEM the old views stay valid. */
static int
s_rebuild(struct allowlist *al)
{
	struct s_ent **v4 = NULL, **v6 = NULL, **nm = NULL;
	size_t n4 = 0, n6 = 0, nn = 0;

	if (al->n > 0 && ((v4 = malloc(al->n * sizeof(*v4))) == NULL ||
	    (v6 = malloc(al->n * sizeof(*v6))) == NULL ||
	    (nm = malloc(al->n * sizeof(*nm))) == NULL)) {
		free(v4);
		free(v6);
		return KY_ENOMEM;
	}
	memset(al->lens4, 0, sizeof(al->lens4));
	memset(al->lens6, 0, sizeof(al->lens6));
	for (size_t i = 0; i < al->n; i++) {
		struct s_ent *x = al->ents[i];

		if (x->e.kind == ALLOW_DOMAIN) {
			nm[nn++] = x;
		} else if (x->e.net.family == 4) {
			v4[n4++] = x;
			al->lens4[x->e.net.prefix] = true;
		} else {
			v6[n6++] = x;
			al->lens6[x->e.net.prefix] = true;
		}
	}
	if (n4 > 1)
		qsort(v4, n4, sizeof(*v4), s_qsort_net);
	if (n6 > 1)
		qsort(v6, n6, sizeof(*v6), s_qsort_net);
	if (nn > 1)
		qsort(nm, nn, sizeof(*nm), s_qsort_name);
	free(al->v4);
	free(al->v6);
	free(al->names);
	al->v4 = v4, al->n4 = n4;
	al->v6 = v6, al->n6 = n6;
	al->names = nm, al->nn = nn;
	return 0;
}

/* --- parsing one entry ------------------------------------------------- */

static void
s_mask(struct indicator_net *n, unsigned prefix)
{
	unsigned bits = n->family == 4 ? 32 : 128;

	for (unsigned b = prefix; b < bits; b++)
		n->addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
}

/* "addr[/prefix]" in any inet_pton form; host bits must be clear. */
static int
s_parse_net(const char *s, struct indicator_net *out, const char **why)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long prefix;
	struct indicator_net masked;
	char *end;

	memset(out, 0, sizeof(*out));
	out->family = strchr(s, ':') != NULL ? 6 : 4;
	if (alen == 0 || alen >= sizeof(addr))
		return *why = "not an IPv4 or IPv6 address", KY_EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(out->family == 4 ? AF_INET : AF_INET6, addr,
	    out->addr) != 1)
		return *why = out->family == 4 ? "not an IPv4 address" :
		    "not an IPv6 address", KY_EINVAL;
	out->prefix = out->family == 4 ? 32 : 128;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9' ||
		    (slash[1] == '0' && slash[2] != '\0')) {
			*why = "prefix is not a decimal number";
			return KY_EINVAL;
		}
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || errno != 0 || prefix > out->prefix)
			return *why = out->family == 4 ?
			    "prefix out of range 0..32" :
			    "prefix out of range 0..128", KY_EINVAL;
		out->prefix = (unsigned)prefix;
	}
	masked = *out;
	s_mask(&masked, out->prefix);
	if (memcmp(masked.addr, out->addr, sizeof(out->addr)) != 0)
		return *why = "host bits set beyond the prefix", KY_EINVAL;
	return 0;
}

/*
 * A name to its normal form.  indicator_normalize() refuses single
 * labels, which an allowlist needs ("localhost", "test"), so a single
 * label is normalized as the first label of a two-label name.
 */
static int
s_parse_name(const char *s, char *out, size_t cap, const char **why)
{
	char buf[S_NAME_MAX + 16], norm[INDICATOR_VALUE_MAX + 1];
	size_t n = strlen(s);
	bool single;
	int rc;

	if (s[0] == '*' || s[0] == '.')
		return *why = "'*.' or a leading dot is not needed: "
		    "names below an entry are always included", KY_EINVAL;
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n > S_NAME_MAX)
		return *why = "name longer than 253 bytes", KY_EINVAL;
	single = memchr(s, '.', n) == NULL;
	snprintf(buf, sizeof(buf), "%.*s%s", (int)n, s,
	    single ? ".invalid" : "");
	if ((rc = indicator_normalize(IT_DOMAIN, buf, strlen(buf), norm,
	    sizeof(norm), why)) != 0)
		return rc == KY_ENOMEM ? rc : KY_EINVAL;
	if (single)
		*strrchr(norm, '.') = '\0';
	if (strlen(norm) >= cap)
		return *why = "name longer than 253 bytes", KY_EINVAL;
	memcpy(out, norm, strlen(norm) + 1);
	return 0;
}

/* "a.b.c" -> "c.b.a" into out (len + 1 bytes). */
static void
s_reverse(const char *name, size_t len, char *out)
{
	size_t o = 0, end = len;

	while (end > 0) {
		size_t start = end;

		while (start > 0 && name[start - 1] != '.')
			start--;
		memcpy(out + o, name + start, end - start);
		o += end - start;
		if (start > 0)
			out[o++] = '.';
		end = start > 0 ? start - 1 : 0;
	}
	out[o] = '\0';
}

static const char *
s_source(struct allowlist *al, const char *source)
{
	char **ns;

	if (al->nsrc > 0 && strcmp(al->sources[al->nsrc - 1], source) == 0)
		return al->sources[al->nsrc - 1];
	if (al->nsrc == al->capsrc) {
		size_t cap = al->capsrc ? 2 * al->capsrc : 8;

		if ((ns = realloc(al->sources, cap * sizeof(*ns))) == NULL)
			return NULL;
		al->sources = ns;
		al->capsrc = cap;
	}
	if ((al->sources[al->nsrc] = strdup(source)) == NULL)
		return NULL;
	return al->sources[al->nsrc++];
}

/* Parses one entry into a new *out, not yet in the allowlist. */
static int
s_make(struct allowlist *al, const char *entry, unsigned flags,
    const char *source, unsigned line, struct s_ent **out, const char **why)
{
	char name[S_NAME_MAX + 1], text[INET6_ADDRSTRLEN + 8];
	struct s_ent *x;
	size_t n = strlen(entry);
	int rc;

	*out = NULL;
	if (n == 0)
		return *why = "empty entry", KY_EINVAL;
	if (n >= ALLOWLIST_LINE_MAX || strlen(source) >= ALLOWLIST_SOURCE_MAX)
		return *why = "entry or source name too long", KY_ETOOBIG;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return KY_ENOMEM;
	if (strchr(entry, ':') != NULL ||
	    strspn(entry, "0123456789./") == n) {
		x->e.kind = ALLOW_NET;
		if ((rc = s_parse_net(entry, &x->e.net, why)) != 0)
			goto fail;
		inet_ntop(x->e.net.family == 4 ? AF_INET : AF_INET6,
		    x->e.net.addr, text, sizeof(text));
		snprintf(text + strlen(text), 8, "/%u", x->e.net.prefix);
		rc = (x->e.text = strdup(text)) == NULL ? KY_ENOMEM : 0;
	} else if (flags & ALLOWLIST_NETS_ONLY) {
		*why = "expected an address or network (names have no width "
		    "to override)";
		rc = KY_EINVAL;
	} else {
		x->e.kind = ALLOW_DOMAIN;
		if ((rc = s_parse_name(entry, name, sizeof(name), why)) != 0)
			goto fail;
		if ((x->e.text = strdup(name)) == NULL ||
		    (x->rev = malloc(strlen(name) + 1)) == NULL) {
			rc = KY_ENOMEM;
			goto fail;
		}
		x->e.name = x->e.text;
		s_reverse(name, strlen(name), x->rev);
	}
	if (rc != 0)
		goto fail;
	if ((x->e.source = s_source(al, source)) == NULL) {
		rc = KY_ENOMEM;
		goto fail;
	}
	x->e.line = line;
	*out = x;
	return 0;
fail:
	s_free_ent(x);
	return rc;
}

static int
s_append(struct allowlist *al, struct s_ent *x)
{
	struct s_ent **ne;

	if (al->n == al->cap) {
		size_t cap = al->cap ? 2 * al->cap : 64;

		if ((ne = realloc(al->ents, cap * sizeof(*ne))) == NULL)
			return KY_ENOMEM;
		al->ents = ne;
		al->cap = cap;
	}
	al->ents[al->n++] = x;
	return 0;
}

/* Drops the entries added after mark: an adding call failed whole. */
static void
s_rollback(struct allowlist *al, size_t mark)
{
	while (al->n > mark)
		s_free_ent(al->ents[--al->n]);
}

int
allowlist_add(struct allowlist *al, const char *entry, unsigned flags,
    const char *source, unsigned line, const char **why)
{
	struct s_ent *x;
	int rc;

	*why = NULL;
	if ((rc = s_make(al, entry, flags, source, line, &x, why)) != 0)
		return rc;
	if ((rc = s_append(al, x)) != 0) {
		s_free_ent(x);
		return rc;
	}
	if ((rc = s_rebuild(al)) != 0)
		s_rollback(al, al->n - 1);
	return rc;
}

int
allowlist_add_list(struct allowlist *al, const char *list, unsigned flags,
    const char *source, const char **why)
{
	char item[ALLOWLIST_LINE_MAX];
	const char *p = list;
	size_t mark = al->n;
	struct s_ent *x;
	int rc = 0;

	*why = NULL;
	while (*p != '\0') {
		const char *comma = strchr(p, ','), *end;
		size_t n;

		end = comma ? comma : p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n >= sizeof(item)) {
			*why = "entry or source name too long";
			rc = KY_ETOOBIG;
			break;
		}
		if (n > 0) {
			memcpy(item, p, n);
			item[n] = '\0';
			rc = s_make(al, item, flags, source, 0, &x, why);
			if (rc != 0)
				break;
			if ((rc = s_append(al, x)) != 0) {
				s_free_ent(x);
				break;
			}
		}
		p = comma ? comma + 1 : end;
	}
	if (rc == 0)
		rc = s_rebuild(al);
	if (rc != 0)
		s_rollback(al, mark);
	return rc;
}

static void
s_report(allowlist_error_fn err, void *ctx, const char *source,
    unsigned line, const char *why)
{
	char msg[ALLOWLIST_SOURCE_MAX + 300];

	if (err == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s:%u: %s", source, line, why);
	err(ctx, msg);
}

int
allowlist_parse(struct allowlist *al, const char *source, const char *text,
    size_t len, unsigned flags, allowlist_error_fn err, void *ctx)
{
	const char *p = text, *end = text + len, *why;
	char buf[ALLOWLIST_LINE_MAX], *s, *e;
	size_t mark = al->n;
	unsigned lineno = 0;
	int bad = 0, rc;
	struct s_ent *x;

	if (len > ALLOWLIST_FILE_MAX)
		return KY_ETOOBIG;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		lineno++;
		if (n >= sizeof(buf) || memchr(p, '\0', n) != NULL) {
			s_report(err, ctx, source, lineno, n >= sizeof(buf) ?
			    "line too long" : "NUL byte in line");
			bad++;
			p += n + (nl != NULL);
			continue;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		p += n + (nl != NULL);
		if ((s = strchr(buf, '#')) != NULL)
			*s = '\0';
		for (s = buf; *s == ' ' || *s == '\t' || *s == '\r'; s++)
			;
		e = s + strlen(s);
		while (e > s && strchr(" \t\r", e[-1]) != NULL)
			*--e = '\0';
		if (*s == '\0')
			continue;
		if (strpbrk(s, " \t") != NULL) {
			s_report(err, ctx, source, lineno, "text after the "
			    "entry (one a line; comments start with '#')");
			bad++;
			continue;
		}
		rc = s_make(al, s, flags, source, lineno, &x, &why);
		if (rc == KY_ENOMEM || (rc == 0 && s_append(al, x) != 0)) {
			if (rc == 0)
				s_free_ent(x);
			s_rollback(al, mark);
			return KY_ENOMEM;
		}
		if (rc != 0) {
			s_report(err, ctx, source, lineno, why);
			bad++;
		}
	}
	if (s_rebuild(al) != 0) {
		s_rollback(al, mark);
		return KY_ENOMEM;
	}
	return bad;
}

int
allowlist_load_file(struct allowlist *al, const char *path, unsigned flags,
    allowlist_error_fn err, void *ctx)
{
	struct stat st;
	char *text;
	ssize_t got;
	size_t n = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? KY_ENOTFOUND : ky_from_errno(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return KY_EIO;
	}
	if ((uint64_t)st.st_size > ALLOWLIST_FILE_MAX) {
		close(fd);
		return KY_ETOOBIG;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return KY_ENOMEM;
	}
	while (n < (size_t)st.st_size) {
		got = read(fd, text + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n != (size_t)st.st_size) {
		free(text);
		return KY_EIO;
	}
	rc = allowlist_parse(al, path, text, n, flags, err, ctx);
	free(text);
	return rc;
}

static int
s_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
allowlist_load_dir(struct allowlist *al, const char *dir, unsigned flags,
    allowlist_error_fn err, void *ctx)
{
	char **names = NULL, **nn, path[4096];
	size_t n = 0, cap = 0;
	struct dirent *d;
	struct stat st;
	int rc = 0, bad = 0;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return errno == ENOENT ? KY_ENOTFOUND : ky_from_errno(errno);
	while ((d = readdir(dp)) != NULL) {
		size_t len = strlen(d->d_name);

		if (d->d_name[0] == '.' || len < 5 ||
		    strcmp(d->d_name + len - 4, ".txt") != 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL) {
				rc = KY_ENOMEM;
				break;
			}
			names = nn;
		}
		if ((names[n] = strdup(d->d_name)) == NULL) {
			rc = KY_ENOMEM;
			break;
		}
		n++;
	}
	closedir(dp);
	if (rc == 0 && n > 1)
		qsort(names, n, sizeof(*names), s_namecmp);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if ((rc = allowlist_load_file(al, path, flags, err, ctx)) > 0) {
			bad += rc;
			rc = 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc < 0 ? rc : bad;
}

/* --- matching ---------------------------------------------------------- */

/* Index of the first entry >= key in v[0..n). */
static size_t
s_lower(struct s_ent *const *v, size_t n, const struct indicator_net *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s_net_cmp(&v[mid]->e.net, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* An entry containing n, the most specific first; NULL if none. */
static const struct allowlist_entry *
s_containing(const struct allowlist *al, const struct indicator_net *n)
{
	struct s_ent *const *v = n->family == 4 ? al->v4 : al->v6;
	size_t nv = n->family == 4 ? al->n4 : al->n6, i;
	const bool *lens = n->family == 4 ? al->lens4 : al->lens6;
	struct indicator_net key;

	for (int p = (int)n->prefix; p >= 0; p--) {
		if (!lens[p])
			continue;
		key = *n;
		s_mask(&key, (unsigned)p);
		key.prefix = (unsigned)p;
		i = s_lower(v, nv, &key);
		if (i < nv && s_net_cmp(&v[i]->e.net, &key) == 0)
			return &v[i]->e;
	}
	return NULL;
}

static bool
s_valid_net(const struct indicator_net *n)
{
	return (n->family == 4 && n->prefix <= 32) ||
	    (n->family == 6 && n->prefix <= 128);
}

bool
allowlist_covers_net(const struct allowlist *al, const struct indicator_net *n,
    const struct allowlist_entry **hit)
{
	const struct allowlist_entry *e;

	e = s_valid_net(n) ? s_containing(al, n) : NULL;
	if (hit != NULL)
		*hit = e;
	return e != NULL;
}

bool
allowlist_match_net(const struct allowlist *al, const struct indicator_net *n,
    const struct allowlist_entry **hit)
{
	struct s_ent *const *v = n->family == 4 ? al->v4 : al->v6;
	size_t nv = n->family == 4 ? al->n4 : al->n6, i;
	const struct allowlist_entry *e = NULL;
	struct indicator_net lo;

	if (!s_valid_net(n))
		goto out;
	if ((e = s_containing(al, n)) != NULL)
		goto out;
	/*
	 * Entries inside n: the first entry at or after n's first address
	 * lies inside n exactly when it starts within n (an entry starting
	 * at that address with a shorter prefix contains n, found above).
	 */
	lo = *n;
	s_mask(&lo, n->prefix);
	lo.prefix = 0;
	i = s_lower(v, nv, &lo);
	lo.prefix = n->prefix;
	if (i < nv && indicator_net_contains(&lo, &v[i]->e.net))
		e = &v[i]->e;
out:
	if (hit != NULL)
		*hit = e;
	return e != NULL;
}

/* Index of the first name whose rev is >= key[0..klen). */
static size_t
s_lower_name(struct s_ent *const *v, size_t n, const char *key, size_t klen)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(v[mid]->rev, key, klen);

		if (c < 0 || (c == 0 && strlen(v[mid]->rev) < klen))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
allowlist_match_name(const struct allowlist *al, const char *name, size_t len,
    const struct allowlist_entry **hit)
{
	char rev[S_NAME_MAX + 2];
	const struct allowlist_entry *e = NULL;
	size_t i;

	if (len == 0 || len > S_NAME_MAX || al->nn == 0)
		goto out;
	s_reverse(name, len, rev);
	/* The name itself and each parent: every prefix of rev ending at a
	 * label boundary, the whole name first. */
	for (size_t k = len; k > 0; k--) {
		if (k != len && rev[k] != '.')
			continue;
		i = s_lower_name(al->names, al->nn, rev, k);
		if (i < al->nn && strlen(al->names[i]->rev) == k &&
		    memcmp(al->names[i]->rev, rev, k) == 0) {
			e = &al->names[i]->e;
			goto out;
		}
	}
	/* Names below this one: revs starting with rev + ".". */
	rev[len] = '.';
	rev[len + 1] = '\0';
	i = s_lower_name(al->names, al->nn, rev, len + 1);
	if (i < al->nn && strncmp(al->names[i]->rev, rev, len + 1) == 0)
		e = &al->names[i]->e;
out:
	if (hit != NULL)
		*hit = e;
	return e != NULL;
}

bool
allowlist_value_host(int type, const char *value, size_t len, size_t *off,
    size_t *hlen, int *host_type)
{
	const char *p, *end = value + len, *h;
	bool quad = true;

	if (type == IT_EMAIL) {
		if ((p = memchr(value, '@', len)) == NULL)
			return false;
		*off = (size_t)(p + 1 - value);
		*hlen = (size_t)(end - p - 1);
		*host_type = IT_HOSTNAME;
		return true;
	}
	/* Schemes are http, https and ftp: "://" is within the first 8. */
	if (type != IT_URL ||
	    (p = memmem(value, len < 8 ? len : 8, "://", 3)) == NULL)
		return false;
	h = p + 3;
	if (h < end && *h == '[') {
		if ((p = memchr(h, ']', (size_t)(end - h))) == NULL)
			return false;
		*off = (size_t)(h + 1 - value);
		*hlen = (size_t)(p - h - 1);
		*host_type = IT_IPV6;
		return true;
	}
	for (p = h; p < end && *p != ':' && *p != '/' && *p != '?'; p++)
		quad = quad && ((*p >= '0' && *p <= '9') || *p == '.');
	*off = (size_t)(h - value);
	*hlen = (size_t)(p - h);
	/* The url normal form writes any host whose last label is all
	 * digits as a dotted quad. */
	*host_type = quad && *hlen > 0 ? IT_IPV4 : IT_HOSTNAME;
	return true;
}

bool
allowlist_match(const struct allowlist *al, int type, const char *value,
    size_t len, const struct allowlist_entry **hit)
{
	char host[INDICATOR_VALUE_MAX + 1];
	struct indicator_net n;
	size_t off, hlen;
	int ht;

	if (hit != NULL)
		*hit = NULL;
	switch (type) {
	case IT_IPV4: case IT_IPV6: case IT_CIDR4: case IT_CIDR6:
		if (len >= sizeof(host))
			return false;
		memcpy(host, value, len);
		host[len] = '\0';
		return indicator_parse_net(type, host, &n) == 0 &&
		    allowlist_match_net(al, &n, hit);
	case IT_DOMAIN: case IT_HOSTNAME:
		return allowlist_match_name(al, value, len, hit);
	case IT_URL: case IT_EMAIL:
		if (!allowlist_value_host(type, value, len, &off, &hlen, &ht) ||
		    hlen >= sizeof(host))
			return false;
		if (ht == IT_HOSTNAME)
			return allowlist_match_name(al, value + off, hlen, hit);
		memcpy(host, value + off, hlen);
		host[hlen] = '\0';
		return indicator_parse_net(ht, host, &n) == 0 &&
		    allowlist_match_net(al, &n, hit);
	default:
		return false;
	}
}

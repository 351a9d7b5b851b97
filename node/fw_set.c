/*
 * fw_set.c - the compact prefix set of the live firewall path: sort,
 * fold overlaps, diff against the kernel.  See fw_set.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/fw_set.h"

_Static_assert(sizeof(struct fw_entry) == 24,
    "fw_entry must stay 24 bytes: 1M entries in 24 MB");

#define FW_SET_FIRST	1024

void
fw_set_init(struct fw_set *s)
{
	memset(s, 0, sizeof(*s));
}

void
fw_set_clear(struct fw_set *s)
{
	for (size_t i = 0; i < s->nstrays; i++)
		free(s->strays[i].text);
	free(s->strays);
	free(s->v);
	fw_set_init(s);
}

static unsigned
s_bits(int family)
{
	return family == 4 ? 32 : 128;
}

/* True when no bit of addr beyond prefix is set. */
static bool
s_host_bits_clear(const uint8_t *addr, unsigned bits, unsigned prefix)
{
	for (unsigned b = prefix; b < bits; b++)
		if (addr[b / 8] & (0x80u >> (b % 8)))
			return false;
	return true;
}

int
fw_set_add(struct fw_set *s, int family, const uint8_t *addr,
    unsigned prefix, uint32_t expire, const char **why)
{
	struct fw_entry *e;

	if (family != 4 && family != 6) {
		*why = "fw: family is neither 4 nor 6";
		return KY_EINVAL;
	}
	if (prefix > s_bits(family)) {
		*why = "fw: prefix out of range";
		return KY_EINVAL;
	}
	if (prefix == 0) {
		*why = "fw: a /0 would block every address";
		return KY_EINVAL;
	}
	if (!s_host_bits_clear(addr, s_bits(family), prefix)) {
		*why = "fw: host bits set beyond the prefix";
		return KY_EINVAL;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : FW_SET_FIRST;
		struct fw_entry *v;

		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(s->v, cap * sizeof(*v))) == NULL) {
			*why = "fw: out of memory";
			return KY_ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, addr, family == 4 ? 4 : 16);
	e->expire = expire;
	e->family = (uint8_t)family;
	e->prefix = (uint8_t)prefix;
	return 0;
}

int
fw_set_add_stray(struct fw_set *s, int family, const char *text)
{
	char *copy;

	if (s->nstrays == s->stray_cap) {
		size_t cap = s->stray_cap ? s->stray_cap * 2 : 16;
		struct fw_stray *v = realloc(s->strays, cap * sizeof(*v));

		if (v == NULL)
			return KY_ENOMEM;
		s->strays = v;
		s->stray_cap = cap;
	}
	if ((copy = strdup(text)) == NULL)
		return KY_ENOMEM;
	s->strays[s->nstrays].family = family;
	s->strays[s->nstrays++].text = copy;
	return 0;
}

static int
s_key_cmp(const struct fw_entry *a, const struct fw_entry *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((c = memcmp(a->addr, b->addr, 16)) != 0)
		return c;
	return (a->prefix > b->prefix) - (a->prefix < b->prefix);
}

static int
s_bsearch_cmp(const void *a, const void *b)
{
	return s_key_cmp(a, b);
}

/*
 * In-place sort.  glibc's qsort() is a merge sort that mallocs a copy of
 * the whole array: 24 MB more at 1M entries, on top of the two sets the
 * apply path already holds.  So: quicksort (median of three, the smaller
 * side first so the stack stays O(log n)), insertion sort for short runs,
 * and heapsort once the depth says the pivots were bad.
 */
static void
s_swap(struct fw_entry *a, struct fw_entry *b)
{
	struct fw_entry t = *a;

	*a = *b;
	*b = t;
}

static void
s_insertion(struct fw_entry *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct fw_entry t = v[i];
		size_t j = i;

		for (; j > 0 && s_key_cmp(&v[j - 1], &t) > 0; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

static void
s_sift(struct fw_entry *v, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && s_key_cmp(&v[child], &v[child + 1]) < 0)
			child++;
		if (s_key_cmp(&v[root], &v[child]) >= 0)
			return;
		s_swap(&v[root], &v[child]);
	}
}

static void
s_heapsort(struct fw_entry *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		s_sift(v, i, n);
	for (size_t i = n; i-- > 1;) {
		s_swap(&v[0], &v[i]);
		s_sift(v, 0, i);
	}
}

static void
s_sort(struct fw_entry *v, size_t n, unsigned depth)
{
	while (n > 16) {
		size_t mid = n / 2, i = 0, j = n - 1;
		struct fw_entry pivot;

		if (depth-- == 0) {
			s_heapsort(v, n);
			return;
		}
		if (s_key_cmp(&v[mid], &v[0]) < 0)
			s_swap(&v[mid], &v[0]);
		if (s_key_cmp(&v[n - 1], &v[0]) < 0)
			s_swap(&v[n - 1], &v[0]);
		if (s_key_cmp(&v[n - 1], &v[mid]) < 0)
			s_swap(&v[n - 1], &v[mid]);
		pivot = v[mid];
		/* Hoare partition: v[0..j] <= pivot <= v[j+1..n-1]. */
		for (;;) {
			while (s_key_cmp(&v[i], &pivot) < 0)
				i++;
			while (s_key_cmp(&v[j], &pivot) > 0)
				j--;
			if (i >= j)
				break;
			s_swap(&v[i++], &v[j--]);
		}
		if (j + 1 < n - j - 1) {
			s_sort(v, j + 1, depth);
			v += j + 1;
			n -= j + 1;
		} else {
			s_sort(v + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	s_insertion(v, n);
}

/* The later of two expiries; 0 (never) is the latest of all. */
static uint32_t
s_later(uint32_t a, uint32_t b)
{
	if (a == 0 || b == 0)
		return 0;
	return a > b ? a : b;
}

/* True when inner lies inside outer (same family, outer sorts first). */
static bool
s_covers(const struct fw_entry *outer, const struct fw_entry *inner)
{
	unsigned p = outer->prefix, full = p / 8;

	if (outer->family != inner->family || inner->prefix < p)
		return false;
	if (memcmp(outer->addr, inner->addr, full) != 0)
		return false;
	if (p % 8 == 0)
		return true;
	return ((outer->addr[full] ^ inner->addr[full]) &
	    (uint8_t)(0xffu << (8 - p % 8))) == 0;
}

/* Sorts, then folds every entry that `fold` says belongs to the entry
 * kept before it.  Prefixes nest or are disjoint, so once sorted an entry
 * can lie only inside the last one kept: any earlier kept entry ends
 * before that one starts. */
static void
s_sort_fold(struct fw_set *s, bool nested, size_t *folded)
{
	size_t k = 0;
	unsigned depth = 0;

	for (size_t n = s->n; n > 1; n /= 2)
		depth += 2;
	s_sort(s->v, s->n, depth);
	for (size_t i = 0; i < s->n; i++) {
		struct fw_entry *last = k ? &s->v[k - 1] : NULL;

		if (last != NULL && (nested ? s_covers(last, &s->v[i]) :
		    s_key_cmp(last, &s->v[i]) == 0)) {
			last->expire = s_later(last->expire, s->v[i].expire);
			continue;
		}
		s->v[k++] = s->v[i];
	}
	if (folded != NULL)
		*folded = s->n - k;
	s->n = k;
}

void
fw_set_sort(struct fw_set *s)
{
	s_sort_fold(s, false, NULL);
}

void
fw_set_merge(struct fw_set *s, size_t *folded)
{
	s_sort_fold(s, true, folded);
}

size_t
fw_set_count(const struct fw_set *s, int family)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].family == family;
	return n;
}

const struct fw_entry *
fw_set_find(const struct fw_set *s, int family, const uint8_t *addr,
    unsigned prefix)
{
	struct fw_entry key = { .family = (uint8_t)family,
	    .prefix = (uint8_t)prefix };

	memcpy(key.addr, addr, family == 4 ? 4 : 16);
	return s->n ? bsearch(&key, s->v, s->n, sizeof(key), s_bsearch_cmp) :
	    NULL;
}

/* True when a kernel element ends within FW_GRACE of now. */
static bool
s_ending(uint32_t expire, uint64_t now)
{
	return expire != 0 && expire <= now + FW_GRACE;
}

static bool
s_needs_renew(const struct fw_entry *w, const struct fw_entry *h,
    uint64_t now, uint32_t max_timeout)
{
	uint64_t limit = now + max_timeout, rem, tol, gap;

	if (w->expire == 0 || h->expire == 0)
		return w->expire != h->expire;
	if (w->expire > limit)
		return h->expire + (uint64_t)max_timeout / 10 < limit;
	rem = w->expire - now;
	tol = rem / 10 < FW_RENEW_MAX ? rem / 10 : FW_RENEW_MAX;
	if (tol < FW_SLACK)
		tol = FW_SLACK;
	gap = w->expire > h->expire ? w->expire - h->expire :
	    h->expire - w->expire;
	return gap > tol;
}

void
fw_set_diff(struct fw_set *want, struct fw_set *have, uint64_t now,
    uint32_t max_timeout, struct fw_diff *d)
{
	size_t i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	while (i < want->n || j < have->n) {
		struct fw_entry *w = i < want->n ? &want->v[i] : NULL;
		struct fw_entry *h = j < have->n ? &have->v[j] : NULL;
		int c = w == NULL ? 1 : h == NULL ? -1 : s_key_cmp(w, h);

		if (c >= 0 && s_ending(h->expire, now)) {
			/* Absent for our purposes; a wanted twin is added
			 * over it on the next turn. */
			h->mark = FW_SKIP;
			d->skip++;
			j++;
		} else if (c <= 0 && w->expire != 0 && w->expire <= now) {
			w->mark = FW_SKIP;
			i++;
			if (c == 0) {
				h->mark = FW_DEL;
				d->del++;
				d->changes[h->family == 6]++;
				j++;
			}
		} else if (c < 0) {
			w->mark = FW_ADD;
			d->add++;
			d->changes[w->family == 6]++;
			d->want[w->family == 6]++;
			i++;
		} else if (c > 0) {
			h->mark = FW_DEL;
			d->del++;
			d->changes[h->family == 6]++;
			j++;
		} else {
			h->mark = FW_KEEP;
			if (s_needs_renew(w, h, now, max_timeout)) {
				w->mark = FW_RENEW;
				d->renew++;
				d->changes[w->family == 6]++;
			} else {
				w->mark = FW_KEEP;
				d->keep++;
			}
			d->want[w->family == 6]++;
			i++;
			j++;
		}
	}
	for (size_t k = 0; k < have->nstrays; k++) {
		d->del++;
		d->changes[have->strays[k].family == 6]++;
	}
}

uint32_t
fw_entry_timeout(const struct fw_entry *e, uint64_t now, uint32_t max_timeout)
{
	if (e->expire == 0)
		return 0;
	if (e->expire <= now)
		return 1;
	return e->expire - now > max_timeout ? max_timeout :
	    (uint32_t)(e->expire - now);
}

void
fw_set_adopt(struct fw_set *want, const struct fw_set *have, uint64_t now,
    uint32_t max_timeout)
{
	size_t i, j = 0, k = 0;

	for (i = 0; i < want->n; i++) {
		struct fw_entry *w = &want->v[i];

		if (w->mark == FW_SKIP)
			continue;
		if (w->mark == FW_KEEP) {
			while (j < have->n && s_key_cmp(&have->v[j], w) < 0)
				j++;
			if (j < have->n && s_key_cmp(&have->v[j], w) == 0)
				w->expire = have->v[j].expire;
		} else if (w->expire != 0) {
			w->expire = (uint32_t)(now +
			    fw_entry_timeout(w, now, max_timeout));
		}
		w->mark = FW_KEEP;
		want->v[k++] = *w;
	}
	want->n = k;
}

void
fw_entry_format(const struct fw_entry *e, char *out)
{
	size_t len;

	inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->addr, out,
	    FW_ENTRY_TEXT);
	len = strlen(out);
	if (e->prefix != s_bits(e->family))
		snprintf(out + len, FW_ENTRY_TEXT - len, "/%u", e->prefix);
}

int
fw_entry_parse(const char *text, size_t len, struct fw_entry *e,
    const char **why)
{
	char buf[64];
	const char *slash;
	unsigned prefix, bits;
	int family;

	memset(e, 0, sizeof(*e));
	if (len == 0 || len >= sizeof(buf)) {
		*why = "fw: not an address or prefix";
		return KY_EINVAL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	family = strchr(buf, ':') != NULL ? 6 : 4;
	bits = s_bits(family);
	prefix = bits;
	if ((slash = strchr(buf, '/')) != NULL) {
		const char *p = slash + 1;

		if (*p == '\0' || (*p == '0' && p[1] != '\0')) {
			*why = "fw: prefix length is not a number";
			return KY_EINVAL;
		}
		for (prefix = 0; *p >= '0' && *p <= '9' && prefix <= bits; p++)
			prefix = prefix * 10 + (unsigned)(*p - '0');
		if (*p != '\0' || prefix > bits) {
			*why = "fw: prefix length out of range";
			return KY_EINVAL;
		}
		buf[slash - buf] = '\0';
	}
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, buf, e->addr) != 1) {
		*why = "fw: not an address or prefix";
		return KY_EINVAL;
	}
	if (prefix == 0) {
		*why = "fw: a /0 would block every address";
		return KY_EINVAL;
	}
	if (!s_host_bits_clear(e->addr, bits, prefix)) {
		memset(e, 0, sizeof(*e));
		*why = "fw: host bits set beyond the prefix";
		return KY_EINVAL;
	}
	e->family = (uint8_t)family;
	e->prefix = (uint8_t)prefix;
	return 0;
}

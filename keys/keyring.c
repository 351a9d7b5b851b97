#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "keys/keyfile.h"
#include "keys/keyring.h"
#include "protocol/utf8.h"

#define KEYRING_MODE	0640
#define PK_HEX_LEN	(2 * IDENT_PUBLIC_LEN)

static const char s_header[] =
    "# kyojo keyring: the keys this node trusts, one per line:\n"
    "# <public key> <member|trusted|coordinator> <added, unix time> <note>\n";

/* Characters, not pointers, so the table is read-only even in a PIC build. */
static const char s_levels[][12] = {
	[TRUST_MEMBER] = "member",
	[TRUST_TRUSTED] = "trusted",
	[TRUST_COORDINATOR] = "coordinator",
};

struct keyring {
	struct keyring_entry *v;	/* sorted by pk, no duplicates */
	size_t n;			/* entries used */
	size_t cap;			/* entries allocated */
};

/* One parsed line, remembered with its number to report duplicates. */
struct s_item {
	struct keyring_entry e;		/* as parsed */
	int line;			/* 1-based line it came from */
};

/* A line being split into words. */
struct s_cursor {
	const char *p;			/* next unread byte */
	const char *end;		/* end of the line, blanks trimmed */
};

const char *
keyring_trust_name(int level)
{
	if (level < TRUST_MEMBER || level > TRUST_COORDINATOR)
		return NULL;
	return s_levels[level];
}

/* The level named by the n bytes at name, or KY_EINVAL. */
static int
s_level(const char *name, size_t n)
{
	for (int l = TRUST_MEMBER; l <= TRUST_COORDINATOR; l++)
		if (strlen(s_levels[l]) == n && memcmp(s_levels[l], name, n) == 0)
			return l;
	return KY_EINVAL;
}

int
keyring_trust_from_name(const char *name)
{
	return s_level(name, strlen(name));
}

struct keyring *
keyring_new(void)
{
	return calloc(1, sizeof(struct keyring));
}

void
keyring_destroy(struct keyring **p)
{
	if (p == NULL || *p == NULL)
		return;
	free((*p)->v);
	free(*p);
	*p = NULL;
}

static bool
s_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* keyring_check_note() on n bytes that need not be NUL-terminated. */
static int
s_check_note(const char *note, size_t n, const char **why)
{
	if (n > KEYRING_NOTE_MAX) {
		*why = "note longer than 200 bytes";
		return KY_ETOOBIG;
	}
	if (!utf8_is_valid(note, n)) {
		*why = "note is not valid UTF-8";
		return KY_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)note[i] < 0x20 || note[i] == 0x7f) {
			*why = "note contains a control character";
			return KY_EINVAL;
		}
	}
	if (n > 0 && (s_is_blank(note[0]) || s_is_blank(note[n - 1]))) {
		*why = "note begins or ends with a blank";
		return KY_EINVAL;
	}
	return 0;
}

int
keyring_check_note(const char *note, const char **why)
{
	return s_check_note(note, strnlen(note, KEYRING_NOTE_MAX + 1), why);
}

static int
s_cmp_pk(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, IDENT_PUBLIC_LEN);
}

/*
 * Binary search: returns the index of pk, or of where it would be
 * inserted, and sets *found.
 */
static size_t
s_search(const struct keyring *kr, const uint8_t *pk, bool *found)
{
	size_t lo = 0, hi = kr->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = s_cmp_pk(kr->v[mid].pk, pk);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

int
keyring_add(struct keyring *kr, const uint8_t pk[IDENT_PUBLIC_LEN],
    enum trust level, const char *note, uint64_t added)
{
	const char *why;
	struct keyring_entry *e;
	size_t i, n;
	bool found;
	int rc;

	if (note == NULL)
		note = "";
	if (keyring_trust_name((int)level) == NULL ||
	    crypto_core_ed25519_is_valid_point(pk) != 1)
		return KY_EINVAL;
	n = strnlen(note, KEYRING_NOTE_MAX + 1);
	if ((rc = s_check_note(note, n, &why)) != 0)
		return rc;
	i = s_search(kr, pk, &found);
	if (!found && kr->n == kr->cap) {
		size_t cap = kr->cap == 0 ? 16 : 2 * kr->cap;

		if (cap > SIZE_MAX / sizeof(*e) ||
		    (e = realloc(kr->v, cap * sizeof(*e))) == NULL)
			return KY_ENOMEM;
		kr->v = e;
		kr->cap = cap;
	}
	e = &kr->v[i];
	if (!found) {
		memmove(e + 1, e, (kr->n - i) * sizeof(*e));
		kr->n++;
		memcpy(e->pk, pk, IDENT_PUBLIC_LEN);
		e->added = added;
	}
	e->level = level;
	memcpy(e->note, note, n);
	e->note[n] = '\0';
	return 0;
}

int
keyring_remove(struct keyring *kr, const uint8_t pk[IDENT_PUBLIC_LEN])
{
	bool found;
	size_t i = s_search(kr, pk, &found);

	if (!found)
		return KY_ENOTFOUND;
	memmove(&kr->v[i], &kr->v[i + 1], (kr->n - i - 1) * sizeof(kr->v[0]));
	kr->n--;
	return 0;
}

const struct keyring_entry *
keyring_find(const struct keyring *kr, const uint8_t pk[IDENT_PUBLIC_LEN])
{
	bool found;
	size_t i = s_search(kr, pk, &found);

	return found ? &kr->v[i] : NULL;
}

size_t
keyring_count(const struct keyring *kr)
{
	return kr->n;
}

const struct keyring_entry *
keyring_at(const struct keyring *kr, size_t i)
{
	return i < kr->n ? &kr->v[i] : NULL;
}

/* The next blank-separated word of c, or an empty one at the end. */
static void
s_word(struct s_cursor *c, const char **w, size_t *n)
{
	while (c->p < c->end && s_is_blank(*c->p))
		c->p++;
	*w = c->p;
	while (c->p < c->end && !s_is_blank(*c->p))
		c->p++;
	*n = (size_t)(c->p - *w);
}

static int
s_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parses one line (without its LF) into *e.  Returns 1 for an entry,
 * 0 for a blank or comment line, or a KY_E* code with *why.
 */
static int
s_parse_line(const char *p, const char *end, struct keyring_entry *e,
    const char **why)
{
	struct s_cursor c = { p, end };
	const char *w;
	size_t n;
	int rc;

	while (c.end > c.p && (s_is_blank(c.end[-1]) || c.end[-1] == '\r'))
		c.end--;
	s_word(&c, &w, &n);
	if (n == 0 || *w == '#')
		return 0;
	memset(e, 0, sizeof(*e));
	if (n != PK_HEX_LEN) {
		*why = "bad key: expected 64 hex digits";
		return KY_EMALFORMED;
	}
	for (size_t i = 0; i < IDENT_PUBLIC_LEN; i++) {
		int hi = s_hex_digit(w[2 * i]), lo = s_hex_digit(w[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			*why = "bad key: expected 64 hex digits";
			return KY_EMALFORMED;
		}
		e->pk[i] = (uint8_t)(hi << 4 | lo);
	}
	if (crypto_core_ed25519_is_valid_point(e->pk) != 1) {
		*why = "bad key: not a valid Ed25519 public key";
		return KY_EMALFORMED;
	}
	s_word(&c, &w, &n);
	if (n == 0) {
		*why = "missing trust level";
		return KY_EMALFORMED;
	}
	if ((rc = s_level(w, n)) < 0) {
		*why = "unknown trust level (member, trusted or coordinator)";
		return KY_EMALFORMED;
	}
	e->level = (enum trust)rc;
	s_word(&c, &w, &n);
	if (n == 0) {
		*why = "missing time added";
		return KY_EMALFORMED;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)w[i] - '0';

		if (d > 9 || e->added > (UINT64_MAX - d) / 10) {
			*why = "bad time added: expected unix seconds";
			return KY_EMALFORMED;
		}
		e->added = e->added * 10 + d;
	}
	while (c.p < c.end && s_is_blank(*c.p))
		c.p++;
	n = (size_t)(c.end - c.p);
	if ((rc = s_check_note(c.p, n, why)) != 0)
		return KY_EMALFORMED;
	memcpy(e->note, c.p, n);
	e->note[n] = '\0';
	return 1;
}

/* Orders by key, then by line, so the first of two duplicates comes first. */
static int
s_cmp_item(const void *a, const void *b)
{
	const struct s_item *x = a, *y = b;
	int c = s_cmp_pk(x->e.pk, y->e.pk);

	if (c != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

int
keyring_parse(const char *text, size_t len, struct keyring **out,
    int *errline, const char **why)
{
	const char *p = text, *end = text + len, *nl;
	struct s_item *items = NULL, *t;
	size_t n = 0, cap = 0;
	int line = 0, bad_line = 0, bad_rc = 0, dup_line = 0, rc;
	const char *bad_why = NULL;
	struct keyring *kr;

	*out = NULL;
	*errline = 0;
	if (len > KEYRING_FILE_MAX) {
		*why = "keyring larger than 4 MiB";
		return KY_ETOOBIG;
	}
	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (n == cap) {
			cap = cap == 0 ? 16 : 2 * cap;
			if ((t = realloc(items, cap * sizeof(*t))) == NULL) {
				free(items);
				*why = ky_strerror(KY_ENOMEM);
				return KY_ENOMEM;
			}
			items = t;
		}
		rc = s_parse_line(p, nl, &items[n].e, &bad_why);
		if (rc < 0) {
			bad_rc = rc;
			bad_line = line;
			break;
		}
		if (rc == 1)
			items[n++].line = line;
		p = nl + (nl < end);
	}
	/*
	 * Duplicates are found after sorting; all of them are on lines before
	 * any syntax error, so whichever comes first in the file is reported.
	 */
	if (n > 0)
		qsort(items, n, sizeof(*items), s_cmp_item);
	for (size_t i = 1; i < n; i++)
		if (s_cmp_pk(items[i - 1].e.pk, items[i].e.pk) == 0 &&
		    (dup_line == 0 || items[i].line < dup_line))
			dup_line = items[i].line;
	if (dup_line != 0) {
		free(items);
		*errline = dup_line;
		*why = "duplicate key";
		return KY_EMALFORMED;
	}
	if (bad_rc != 0) {
		free(items);
		*errline = bad_line;
		*why = bad_why;
		return bad_rc;
	}
	if ((kr = keyring_new()) == NULL) {
		free(items);
		*why = ky_strerror(KY_ENOMEM);
		return KY_ENOMEM;
	}
	/* Sorted and unique already: keep the array, drop the line numbers. */
	if (n > 0 && (kr->v = malloc(n * sizeof(*kr->v))) == NULL) {
		free(items);
		keyring_destroy(&kr);
		*why = ky_strerror(KY_ENOMEM);
		return KY_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		kr->v[i] = items[i].e;
	kr->n = kr->cap = n;
	free(items);
	*out = kr;
	return 0;
}

int
keyring_format(const struct keyring *kr, char **out, size_t *len)
{
	/* key, blank, level, blank, 20 digits, blank, note, LF */
	const size_t line_max = PK_HEX_LEN + 1 + 11 + 1 + 20 + 1 +
	    KEYRING_NOTE_MAX + 1;
	size_t cap, n = sizeof(s_header) - 1;
	char *buf;

	*out = NULL;
	*len = 0;
	if (kr->n > (SIZE_MAX - sizeof(s_header)) / line_max)
		return KY_ENOMEM;
	cap = sizeof(s_header) + kr->n * line_max;
	if ((buf = malloc(cap)) == NULL)
		return KY_ENOMEM;
	memcpy(buf, s_header, n);
	for (size_t i = 0; i < kr->n; i++) {
		const struct keyring_entry *e = &kr->v[i];

		sodium_bin2hex(buf + n, PK_HEX_LEN + 1, e->pk, IDENT_PUBLIC_LEN);
		n += PK_HEX_LEN;
		n += (size_t)snprintf(buf + n, cap - n, " %s %" PRIu64 "%s%s\n",
		    s_levels[e->level], e->added, e->note[0] != '\0' ? " " : "",
		    e->note);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int
keyring_load(const char *path, struct keyring **out, int *errline,
    const char **why)
{
	char *text;
	size_t len;
	mode_t mode;
	int rc;

	*out = NULL;
	*errline = 0;
	rc = keyfile_read(path, KEYRING_FILE_MAX, &text, &len, &mode);
	if (rc == KY_ENOTFOUND) {
		if ((*out = keyring_new()) != NULL)
			return 0;
		*why = ky_strerror(KY_ENOMEM);
		return KY_ENOMEM;
	}
	switch (rc) {
	case 0:
		break;
	case KY_ETOOBIG:
		*why = "keyring larger than 4 MiB";
		return rc;
	case KY_EINVAL:
		*why = "keyring is not a regular file";
		return rc;
	default:
		*why = ky_strerror(rc);
		return rc;
	}
	if ((mode & 022) != 0) {
		free(text);
		*why = "keyring is writable by group or others (chmod 640)";
		return KY_EPERM;
	}
	rc = keyring_parse(text, len, out, errline, why);
	free(text);
	return rc;
}

int
keyring_save(const char *path, const struct keyring *kr)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = keyring_format(kr, &text, &len)) != 0)
		return rc;
	rc = keyfile_write_atomic(path, text, len, KEYRING_MODE);
	free(text);
	return rc;
}

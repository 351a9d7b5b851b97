#include <string.h>

#include "taxonomy.h"

static const struct taxonomy_entry s_entries[] = {
#include "taxonomy.inc"
};

#define S_COUNT (sizeof(s_entries) / sizeof(s_entries[0]))

/* 39 entries: a linear scan costs less than keeping the seed sorted. */
const struct taxonomy_entry *
taxonomy_find(const char *id)
{
	for (size_t i = 0; i < S_COUNT; i++)
		if (strcmp(s_entries[i].id, id) == 0)
			return &s_entries[i];
	return NULL;
}

size_t
taxonomy_count(void)
{
	return S_COUNT;
}

const struct taxonomy_entry *
taxonomy_at(size_t i)
{
	return i < S_COUNT ? &s_entries[i] : NULL;
}

bool
taxonomy_is_sector(const char *s)
{
	static const char *const sectors[] = { "csirt", "psirt", "dsirt",
	    "fsirt" };

	for (size_t i = 0; i < sizeof(sectors) / sizeof(sectors[0]); i++)
		if (strcmp(s, sectors[i]) == 0)
			return true;
	return false;
}

static bool
s_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool
taxonomy_is_attack_id(const char *s)
{
	size_t n = strlen(s);

	if (s[0] != 'T' || (n != 5 && n != 9) || !s_digits(s + 1, 4))
		return false;
	return n == 5 || (s[5] == '.' && s_digits(s + 6, 3));
}

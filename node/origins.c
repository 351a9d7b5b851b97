#include <stdlib.h>
#include <string.h>

#include "node/origins.h"

struct origins {
	uint8_t (*keys)[32];	/* by index */
	size_t n, cap;
	long *slots;		/* index + 1, 0 = empty */
	size_t nslots;		/* power of two */
};

struct origins *
origins_new(void)
{
	return calloc(1, sizeof(struct origins));
}

void
origins_destroy(struct origins **p)
{
	if (*p == NULL)
		return;
	free((*p)->keys);
	free((*p)->slots);
	free(*p);
	*p = NULL;
}

static size_t
s_hash(const uint8_t key[32])
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return (size_t)h;
}

static long
s_lookup(const struct origins *o, const uint8_t key[32], size_t *slot)
{
	size_t mask = o->nslots - 1, i = s_hash(key) & mask;

	while (o->slots[i] != 0) {
		if (memcmp(o->keys[o->slots[i] - 1], key, 32) == 0) {
			*slot = i;
			return o->slots[i] - 1;
		}
		i = (i + 1) & mask;
	}
	*slot = i;
	return -1;
}

static int
s_grow(struct origins *o)
{
	size_t n = o->nslots ? o->nslots * 2 : 64, slot;
	long *slots = calloc(n, sizeof(*slots)), *old = o->slots;
	void *keys = realloc(o->keys, n / 2 * sizeof(*o->keys));

	if (slots == NULL || keys == NULL) {
		free(slots);
		if (keys != NULL)
			o->keys = keys;
		return -1;
	}
	o->keys = keys;
	o->cap = n / 2;
	o->slots = slots;
	o->nslots = n;
	for (size_t i = 0; i < o->n; i++) {
		(void)s_lookup(o, o->keys[i], &slot);
		o->slots[slot] = (long)i + 1;
	}
	free(old);
	return 0;
}

long
origins_find(const struct origins *o, const uint8_t key[32])
{
	size_t slot;

	return o->nslots ? s_lookup(o, key, &slot) : -1;
}

long
origins_intern(struct origins *o, const uint8_t key[32])
{
	size_t slot;
	long i;

	if ((i = origins_find(o, key)) >= 0)
		return i;
	/* Keep the table at most half full. */
	if (o->n + 1 > o->cap && s_grow(o) != 0)
		return -1;
	(void)s_lookup(o, key, &slot);
	memcpy(o->keys[o->n], key, 32);
	o->slots[slot] = (long)o->n + 1;
	return (long)o->n++;
}

const uint8_t *
origins_key(const struct origins *o, long i)
{
	return o->keys[i];
}

size_t
origins_count(const struct origins *o)
{
	return o->n;
}

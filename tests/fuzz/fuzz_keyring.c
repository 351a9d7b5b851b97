/*
 * libFuzzer target: the keyring text parser.  Whatever parses must format
 * and parse again to the same entries, and every entry must be found by
 * its key; whatever is refused must say why, on a line that exists.
 */
#include <stdlib.h>
#include <string.h>

#include "keys/keyring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
s_same(const struct keyring *a, const struct keyring *b)
{
	if (keyring_count(a) != keyring_count(b))
		abort();
	for (size_t i = 0; i < keyring_count(a); i++) {
		const struct keyring_entry *x = keyring_at(a, i),
		    *y = keyring_at(b, i);

		if (memcmp(x->pk, y->pk, sizeof(x->pk)) != 0 ||
		    x->level != y->level || x->added != y->added ||
		    strcmp(x->note, y->note) != 0 || keyring_find(a, x->pk) != x)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyring *kr = NULL, *again = NULL;
	const char *why = NULL, *text = (const char *)data;
	size_t len, lines = 1;
	char *out = NULL;
	int line = -1, rc;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if ((rc = keyring_parse(text, size, &kr, &line, &why)) != 0) {
		if (kr != NULL || why == NULL || line < 0 || (size_t)line > lines ||
		    (line == 0 && rc != KY_ETOOBIG && rc != KY_ENOMEM))
			abort();
		return 0;
	}
	if (kr == NULL || keyring_format(kr, &out, &len) != 0 ||
	    strlen(out) != len)
		abort();
	if (keyring_parse(out, len, &again, &line, &why) != 0)
		abort();
	s_same(kr, again);
	free(out);
	keyring_destroy(&again);
	keyring_destroy(&kr);
	return 0;
}

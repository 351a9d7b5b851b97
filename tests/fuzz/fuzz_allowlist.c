/*
 * libFuzzer target: the allowlist parser (node/allowlist.c).  Every
 * refused line must come with a "file:line: why" message, and every
 * entry that was added must match itself afterwards, both ways.
 *
 * tests/fuzz/run.sh links the protocol and keys libraries only, and
 * the checks below read the allowlist's entries, so the parser's
 * source is compiled into this target directly.
 */
#include <stdlib.h>
#include <string.h>

#include "node/allowlist.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int s_msgs;

static void
s_err(void *ctx, const char *msg)
{
	(void)ctx;
	if (msg == NULL || strncmp(msg, "fuzz.txt:", 9) != 0)
		abort();
	s_msgs++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allowlist *al = allowlist_new();
	const struct allowlist_entry *hit;
	int n;

	if (al == NULL)
		return 0;
	s_msgs = 0;
	n = allowlist_parse(al, "fuzz.txt", (const char *)data, size,
	    size > 0 && data[0] == '!' ? ALLOWLIST_NETS_ONLY : 0, s_err, NULL);
	if (n >= 0 && n != s_msgs)
		abort();
	for (size_t i = 0; i < al->n; i++) {
		const struct allowlist_entry *e = &al->ents[i]->e;

		if (e->kind == ALLOW_NET &&
		    (!allowlist_match_net(al, &e->net, &hit) ||
		    !allowlist_covers_net(al, &e->net, &hit) || hit == NULL))
			abort();
		if (e->kind == ALLOW_DOMAIN &&
		    !allowlist_match_name(al, e->name, strlen(e->name), &hit))
			abort();
	}
	allowlist_destroy(&al);
	return 0;
}

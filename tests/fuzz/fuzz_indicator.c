/*
 * libFuzzer target: indicator_normalize.  The first byte picks the type,
 * the rest is the value.  A normal form must normalize to itself, fit the
 * buffer and be NUL-terminated; a refusal must say why and leave "".
 * ip and cidr normal forms must also parse with indicator_parse_net and
 * contain themselves.
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/indicator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_CAP (INDICATOR_VALUE_MAX + 1)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[S_CAP + 1], again[S_CAP];
	const char *why = NULL;
	struct indicator_net net;
	size_t n;
	int type;

	if (size < 1)
		return 0;
	type = 1 + data[0] % IT_MAX;
	/* A canary past cap catches a write one byte too far. */
	out[S_CAP] = 'X';
	if (indicator_normalize(type, (const char *)data + 1, size - 1, out,
	    S_CAP, &why) != 0) {
		if (why == NULL || out[0] != '\0' || out[S_CAP] != 'X')
			abort();
		return 0;
	}
	if (out[S_CAP] != 'X' || memchr(out, '\0', S_CAP) == NULL)
		abort();
	n = strlen(out);
	if (n == 0 || n > INDICATOR_VALUE_MAX)
		abort();
	if (indicator_normalize(type, out, n, again, sizeof(again), &why) != 0 ||
	    strcmp(out, again) != 0)
		abort();
	if (type <= IT_CIDR6 && (indicator_parse_net(type, out, &net) != 0 ||
	    !indicator_net_contains(&net, &net)))
		abort();
	return 0;
}

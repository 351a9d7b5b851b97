#include <assert.h>
#include <string.h>

#include "keys/z85.h"

static const char s_alphabet[85] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ".-:+=^!/*?&<>()[]{}@%$#";

void
z85_encode(const uint8_t *in, size_t n, char *out)
{
	assert(n % 4 == 0);
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = (uint32_t)in[i] << 24 | (uint32_t)in[i + 1] << 16 |
		    (uint32_t)in[i + 2] << 8 | in[i + 3];

		for (int k = 4; k >= 0; k--) {
			out[k] = s_alphabet[v % 85];
			v /= 85;
		}
		out += 5;
	}
	*out = '\0';
}

/* Value of one Z85 character, or -1 for one outside the alphabet. */
static int
s_digit(char c)
{
	const char *p;

	if (c == '\0' || (p = memchr(s_alphabet, c, sizeof(s_alphabet))) == NULL)
		return -1;
	return (int)(p - s_alphabet);
}

int
z85_decode(const char *in, uint8_t *out, size_t n)
{
	if (n % 4 != 0) {
		memset(out, 0, n);
		return KY_EINVAL;
	}
	/* A NUL inside the string is not a digit, so this never reads past it. */
	for (size_t i = 0; i < n; i += 4) {
		uint64_t v = 0;

		for (int k = 0; k < 5; k++) {
			int d = s_digit(*in++);

			if (d < 0)
				goto malformed;
			v = v * 85 + (uint64_t)d;
		}
		if (v > UINT32_MAX)
			goto malformed;
		out[i] = (uint8_t)(v >> 24);
		out[i + 1] = (uint8_t)(v >> 16);
		out[i + 2] = (uint8_t)(v >> 8);
		out[i + 3] = (uint8_t)v;
	}
	if (*in != '\0')
		goto malformed;
	return 0;

malformed:
	memset(out, 0, n);
	return KY_EMALFORMED;
}

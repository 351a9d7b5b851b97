#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "armor.h"
#include "record.h"

int
armor_encode(const uint8_t *in, size_t n, char **out)
{
	size_t b64len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	size_t cap = sizeof(ARMOR_BEGIN) + sizeof(ARMOR_END) + b64len +
	    b64len / 64 + 4;
	char *b64, *p;

	*out = NULL;
	if ((b64 = malloc(b64len)) == NULL || (p = malloc(cap)) == NULL) {
		free(b64);
		return KY_ENOMEM;
	}
	sodium_bin2base64(b64, b64len, in, n, sodium_base64_VARIANT_ORIGINAL);
	*out = p;
	p += sprintf(p, "%s\n", ARMOR_BEGIN);
	for (size_t off = 0, len = strlen(b64); off < len; off += 64) {
		size_t chunk = len - off < 64 ? len - off : 64;

		memcpy(p, b64 + off, chunk);
		p += chunk;
		*p++ = '\n';
	}
	sprintf(p, "%s\n", ARMOR_END);
	free(b64);
	return 0;
}

int
armor_decode(const char *text, size_t len, uint8_t **out, size_t *n,
    const char **why)
{
	const char *begin, *end, *b64;
	uint8_t *buf;
	size_t cap, got;

	*out = NULL;
	*n = 0;
	begin = memmem(text, len, ARMOR_BEGIN, strlen(ARMOR_BEGIN));
	if (begin == NULL)
		return KY_ENOTFOUND;
	b64 = begin + strlen(ARMOR_BEGIN);
	end = memmem(b64, len - (size_t)(b64 - text), ARMOR_END,
	    strlen(ARMOR_END));
	if (end == NULL)
		return *why = "armor: END line missing", KY_EMALFORMED;
	cap = (size_t)(end - b64) / 4 * 3 + 3;
	if (cap > RECORD_MAX_LEN + 3)
		return *why = "armor: block over the record size limit", KY_ETOOBIG;
	if ((buf = malloc(cap)) == NULL)
		return KY_ENOMEM;
	if (sodium_base642bin(buf, cap, b64, (size_t)(end - b64), " \t\r\n",
	    &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(buf);
		return *why = "armor: invalid base64", KY_EMALFORMED;
	}
	*out = buf;
	*n = got;
	return 0;
}

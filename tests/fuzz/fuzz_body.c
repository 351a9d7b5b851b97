/*
 * libFuzzer target: strict JSON and every body validator.  The first byte
 * picks the record kind, the rest is the body.
 */
#include <stdlib.h>

#include <cJSON.h>

#include "protocol/body.h"
#include "protocol/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	cJSON *root = NULL;
	uint8_t kind;

	if (size < 1)
		return 0;
	kind = (uint8_t)(1 + data[0] % RK_MAX);
	if (body_parse(kind, data + 1, size - 1, &root, &why) == 0) {
		if (!cJSON_IsObject(root))
			abort();
		cJSON_Delete(root);
	} else if (why == NULL || root != NULL)
		abort();
	return 0;
}

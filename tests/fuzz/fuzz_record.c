/*
 * libFuzzer target: the record decoder on arbitrary bytes.  A decoded
 * record must point inside the input and re-pack to the same header.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "protocol/body.h"
#include "protocol/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[RECORD_HEADER_LEN];
	const char *why = NULL;
	struct record r;
	cJSON *b;

	if (record_decode(data, size, &r, &why) != 0) {
		if (why == NULL || r.raw != NULL)
			abort();
		return 0;
	}
	record_header_pack(&r.h, hdr);
	if (memcmp(hdr, data, RECORD_HEADER_LEN) != 0)
		abort();
	if (r.body != NULL && r.body + r.h.body_len != data + size)
		abort();
	/* Signatures will not verify on random input; exercise the path. */
	(void)record_verify(&r, &why);
	if (r.body != NULL && body_parse(r.h.kind, r.body, r.h.body_len, &b,
	    &why) == 0)
		cJSON_Delete(b);
	return 0;
}

/*
 * libFuzzer target: the gossip frame decoder.  Whatever decodes must
 * iterate without leaving the buffer (ASan watches) and re-encode the
 * same bytes for the fixed-size frames.
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_vector_entry e;
	const uint8_t *rec;
	const char *why = NULL;
	struct frame f;
	uint8_t out[128];
	size_t pos = 0, n, total = 0;

	if (frame_decode(data, size, &f, &why) != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	switch (f.type) {
	case FT_HELLO:
		if (frame_hello(out, sizeof(out), &f.u.hello) != size ||
		    memcmp(out, data, size) != 0)
			abort();
		break;
	case FT_VECTOR:
		while (frame_vector_next(&f, &pos, &e))
			total++;
		if (total != f.u.vector.count)
			abort();
		break;
	case FT_RECORDS:
		while (frame_records_next(&f, &pos, &rec, &n)) {
			if (rec < data || rec + n > data + size)
				abort();
			total++;
		}
		if (total != f.u.records.count)
			abort();
		break;
	}
	return 0;
}

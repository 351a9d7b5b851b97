/*
 * libFuzzer target: sealed-body envelopes.  The first byte picks the
 * record kind, the second the TLP; the rest is the body, given to
 * seal_is_envelope, seal_check, seal_recipients, body_parse_record and,
 * addressed to its first recipient, seal_open (with an unbox that hands
 * back a fixed key, so the decoding and the AEAD run on fuzzed input).
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "protocol/json.h"
#include "protocol/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
s_unbox(void *ctx, const uint8_t *box, size_t len, uint8_t *out)
{
	(void)ctx;
	(void)box;
	if (len != SEAL_BOX_LEN)
		abort();
	memset(out, 0x42, SEAL_KEY_LEN);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record_header h = { 0 };
	uint8_t to[SEAL_RECIPIENTS_MAX][32], *plain = NULL;
	size_t n = 99, plain_len = 99;
	const char *why = NULL;
	cJSON *root = NULL;
	int rc, rr, rb;

	if (size < 2)
		return 0;
	h.kind = (uint8_t)(1 + data[0] % (RK_MAX + 1));	/* one unknown kind */
	h.tlp = (uint8_t)(data[1] % (TLP_MAX + 1));
	data += 2;
	size -= 2;

	rc = seal_check(data, size, &why);
	if (rc != 0 && why == NULL)
		abort();
	if (rc == 0 && !seal_is_envelope(data, size))
		abort();

	/* The recipients agree with seal_check, and are distinct. */
	rr = seal_recipients(data, size, to, SEAL_RECIPIENTS_MAX, &n, &why);
	if (rr != rc)
		abort();
	if (rr == 0) {
		if (n < 1 || n > SEAL_RECIPIENTS_MAX)
			abort();
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (memcmp(to[i], to[j], 32) == 0)
					abort();
	} else if (n != 0) {
		abort();
	}

	/* Sealed exactly when the header says so. */
	rb = body_parse_record(&h, data, size, &root, &why);
	if (rb == 0) {
		if (!cJSON_IsObject(root))
			abort();
		if ((h.kind == RK_INDICATOR || h.kind == RK_SIGHTING ||
		    h.kind == RK_ARTICLE) && seal_required(&h) !=
		    (json_get(root, "sealed") != NULL))
			abort();
		if (seal_required(&h) && rc != 0)
			abort();
		cJSON_Delete(root);
	} else {
		if (why == NULL || root != NULL)
			abort();
		if (seal_required(&h) && rc == 0)
			abort();
	}

	if (rc == 0) {
		rc = seal_open(h.kind, data, size, to[0], s_unbox, NULL, &plain,
		    &plain_len, &why);
		if (rc == 0) {
			if (plain == NULL || plain_len == 0)
				abort();
			free(plain);
		} else if (rc != KY_EBADSIG || plain != NULL || plain_len != 0) {
			abort();
		}
	}
	return 0;
}

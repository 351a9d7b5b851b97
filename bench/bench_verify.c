/*
 * bench_verify: the cost of protocol/ on top of the signature.
 *
 * Prints, in one run on one core: raw crypto_sign_verify_detached over
 * 168-byte headers per second (the physical floor), records decoded and
 * verified through record_open(), and the same plus the strict body parse
 * and validation, each as a ratio to the raw rate.  Target: record_open
 * >= 0.9 of raw.  Rounds alternate and the best of each is kept, so a
 * noisy neighbour hurts both sides alike.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "protocol/body.h"
#include "protocol/record.h"
#include "tests/testutil.h"

#define N 4000
#define ROUNDS 5

static uint8_t *s_recs[N];
static size_t s_lens[N];

static double
s_raw(void)
{
	double t0 = tu_now();

	for (int i = 0; i < N; i++)
		if (crypto_sign_verify_detached(s_recs[i] + RECORD_HEADER_LEN,
		    s_recs[i], RECORD_HEADER_LEN, s_recs[i] + 12) != 0)
			abort();
	return N / (tu_now() - t0);
}

static double
s_open(int parse)
{
	const char *why;
	struct record r;
	cJSON *b;
	double t0 = tu_now();

	for (int i = 0; i < N; i++) {
		if (record_open(s_recs[i], s_lens[i], &r, &why) != 0)
			abort();
		if (parse) {
			if (body_parse(r.h.kind, r.body, r.h.body_len, &b, &why) != 0)
				abort();
			cJSON_Delete(b);
		}
	}
	return N / (tu_now() - t0);
}

int
main(void)
{
	double raw = 0, open = 0, full = 0, v;
	struct ident *id;
	uint8_t prev[32];
	size_t total = 0;

	if (sodium_init() < 0)
		return 1;
	id = tu_ident(7);
	for (int i = 0; i < N; i++) {
		s_recs[i] = tu_indicator(id, (uint64_t)i + 1, i ? prev : NULL,
		    1700000000 + (uint64_t)i, (uint32_t)i, &s_lens[i]);
		tu_id(s_recs[i], prev);
		total += s_lens[i];
	}
	for (int round = 0; round < ROUNDS; round++) {
		if ((v = s_raw()) > raw) raw = v;
		if ((v = s_open(0)) > open) open = v;
		if ((v = s_open(1)) > full) full = v;
	}
	printf("verify: %d records of %zu bytes on average, best of %d rounds\n",
	    N, total / N, ROUNDS);
	printf("verify: raw crypto_sign_verify_detached   %8.0f /s\n", raw);
	printf("verify: record_open (decode+hash+verify)  %8.0f /s  ratio %.3f  (target >= 0.90)\n",
	    open, open / raw);
	printf("verify: record_open + body_parse          %8.0f /s  ratio %.3f\n",
	    full, full / raw);
	for (int i = 0; i < N; i++)
		free(s_recs[i]);
	ident_destroy(&id);
	return open / raw >= 0.9 ? 0 : 1;
}

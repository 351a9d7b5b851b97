/*
 * bench_fill: fills a store with signed indicator records, for the
 * network benchmarks (catch-up source, idle node with a million records).
 *
 *     bench_fill STOREDIR COUNT [ORIGINS]
 *
 * Records come from fixed-seed identities, ORIGINS (default 1) chains
 * interleaved, created around now so none has expired.  Signing happens
 * before the clock starts.  Prints the ingest rate (the same path kyojod
 * uses: store_ingest in batches) and the total record bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "node/store.h"
#include "tests/testutil.h"

#define BATCH 2000

int
main(int argc, char **argv)
{
	size_t n, origins, done = 0, bytes = 0;
	struct store_result *res;
	struct ident **ids;
	uint8_t (*prev)[32];
	uint8_t **recs;
	size_t *lens;
	struct store *s;
	const char *why = NULL;
	uint64_t now = (uint64_t)time(NULL);
	double spent = 0;

	if (argc < 3 || sodium_init() < 0) {
		fprintf(stderr, "usage: bench_fill STOREDIR COUNT [ORIGINS]\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	origins = argc > 3 ? strtoul(argv[3], NULL, 10) : 1;
	if (n == 0 || origins == 0 || origins > 200)
		return 2;
	if (store_open(argv[1], STORE_CREATE, &s, &why) != 0) {
		fprintf(stderr, "bench_fill: %s: %s\n", argv[1], why);
		return 1;
	}
	ids = calloc(origins, sizeof(*ids));
	prev = calloc(origins, sizeof(*prev));
	recs = calloc(BATCH, sizeof(*recs));
	lens = calloc(BATCH, sizeof(*lens));
	res = calloc(BATCH, sizeof(*res));
	for (size_t o = 0; o < origins; o++)
		ids[o] = tu_ident((uint8_t)(100 + o));
	while (done < n) {
		size_t b = n - done < BATCH ? n - done : BATCH;
		double t0;

		for (size_t k = 0; k < b; k++) {
			size_t i = done + k, o = i % origins;
			uint64_t seq = i / origins + 1;

			recs[k] = tu_indicator(ids[o], seq, seq > 1 ? prev[o] : NULL,
			    now - 3600 + (uint64_t)(i % 3000), (uint32_t)i, &lens[k]);
			tu_id(recs[k], prev[o]);
			bytes += lens[k];
		}
		t0 = tu_now();
		if (store_ingest(s, (const uint8_t *const *)recs, lens, b, now,
		    res, &why) != 0) {
			fprintf(stderr, "bench_fill: %s\n", why);
			return 1;
		}
		spent += tu_now() - t0;
		for (size_t k = 0; k < b; k++) {
			if (res[k].rc != 0) {
				fprintf(stderr, "bench_fill: record refused: %s\n",
				    res[k].why ? res[k].why : ky_strerror(res[k].rc));
				return 1;
			}
			free(recs[k]);
		}
		done += b;
	}
	printf("fill: %zu records (%zu bytes) in %.1f s: %.0f records/s ingest\n",
	    n, bytes, spent, n / spent);
	for (size_t o = 0; o < origins; o++)
		ident_destroy(&ids[o]);
	store_close(&s);
	free(ids); free(prev); free(recs); free(lens); free(res);
	return 0;
}

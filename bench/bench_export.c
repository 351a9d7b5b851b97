/*
 * bench_export: export throughput per format, and the memory it takes.
 *
 *     bench_export [count] [allowlist_dir]
 *                          (default 1000000 and seeds/allowlist)
 *
 * Fills a store under $TMPDIR with count indicators from one origin that
 * the policy trusts (this node's own key): three in four are IPv4
 * addresses, one in four a /24.  Signing and ingest happen before any
 * clock starts.  Then, for each format, a full export of the whole store
 * to /dev/null through the same path as `kyojo export` (policy_check of
 * every record, the value index lookup for k and the carrier, the export
 * journal), and prints records/s.  The first run writes the journal; it
 * is timed apart.  Last, a delta of 1,000 new records.
 *
 * Memory: RssAnon is the heap and stack, the part that must stay flat;
 * RssFile is pages of the store's memory map (LMDB reads in place), which
 * the kernel may drop at any time and which a read of the whole store
 * touches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "node/export.h"
#include "tests/testutil.h"

#define BATCH	5000
#define DELTA	1000

static uint64_t s_now;

/* One of /proc/self/status's "Key:   123 kB" lines, in MiB. */
static double
s_status_mib(const char *key)
{
	char line[256];
	double kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0 &&
		    line[strlen(key)] == ':')
			kb = strtod(line + strlen(key) + 1, NULL);
	fclose(f);
	return kb / 1024;
}

/* Record i of the bench: the ipv4 or cidr4 value it is about. */
static uint8_t *
s_record(struct ident *id, uint64_t seq, const uint8_t *prev, size_t i,
    size_t *len)
{
	char body[512], value[32];
	uint32_t a;

	if (i % 4 == 0) {
		a = (uint32_t)(i / 4);
		snprintf(value, sizeof(value), "%u.%u.%u.0/24", 30 + (a >> 16),
		    (a >> 8) & 255, a & 255);
	} else {
		a = (uint32_t)i;
		snprintf(value, sizeof(value), "%u.%u.%u.%u", 20 + (a >> 24),
		    (a >> 16) & 255, (a >> 8) & 255, a & 255);
	}
	snprintf(body, sizeof(body), "{\"type\":\"%s\",\"value\":\"%s\","
	    "\"category\":\"malicious-code:c2-server\",\"confidence\":80,"
	    "\"note\":\"benchmark indicator: scanning and brute force "
	    "against the VPN gateway\"}", i % 4 == 0 ? "cidr4" : "ipv4", value);
	return tu_record(id, RK_INDICATOR, TLP_CLEAR, seq, prev,
	    s_now - 3600 + i % 3000, s_now + 30 * 86400 + i % 3000, body, len);
}

/* Signs and stores records [from, to) of id's chain. */
static void
s_fill(struct store *s, struct ident *id, size_t from, size_t to,
    uint8_t prev[RECORD_ID_LEN])
{
	static uint8_t *recs[BATCH];
	static size_t lens[BATCH];
	static struct store_result res[BATCH];
	const char *why = NULL;

	for (size_t done = from; done < to; ) {
		size_t b = to - done < BATCH ? to - done : BATCH;

		for (size_t k = 0; k < b; k++) {
			uint64_t seq = done + k + 1;

			recs[k] = s_record(id, seq, seq > 1 ? prev : NULL,
			    done + k, &lens[k]);
			tu_id(recs[k], prev);
		}
		if (store_ingest(s, (const uint8_t *const *)recs, lens, b,
		    s_now, res, &why) != 0) {
			fprintf(stderr, "bench_export: %s\n", why);
			exit(1);
		}
		for (size_t k = 0; k < b; k++) {
			if (res[k].rc != 0) {
				fprintf(stderr, "bench_export: refused: %s\n",
				    res[k].why ? res[k].why : "?");
				exit(1);
			}
			free(recs[k]);
		}
		done += b;
	}
}

/* One export through x (delta when since != UINT64_MAX); seconds taken. */
static double
s_export(struct store *s, const struct policy *p, struct export_journal *j,
    const struct exporter *x, uint64_t since, uint64_t *entries,
    uint64_t *cursor, struct policy_counts *counts)
{
	struct policy_consumer c = {
		.name = "bench", .max_tlp = TLP_RED, .types = x->types,
	};
	struct export_iter *it = NULL;
	struct store_txn *t;
	uint64_t adds, dels;
	double t0 = tu_now();
	FILE *f = fopen("/dev/null", "w");
	int rc;

	if (f == NULL || store_read_begin(s, &t) != 0)
		exit(1);
	rc = since == UINT64_MAX ?
	    export_iter_full(p, &c, t, s_now, j, &it) :
	    export_iter_delta(p, &c, t, s_now, j, since, &it);
	if (rc == 0)
		rc = export_write(x, it, f, s_now);
	if (rc != 0) {
		fprintf(stderr, "bench_export: %s: %s\n", x->name,
		    ky_strerror(rc));
		exit(1);
	}
	t0 = tu_now() - t0;
	export_iter_ops(it, &adds, &dels);
	*entries = adds + dels;
	*cursor = export_iter_cursor(it);
	if (counts != NULL)
		*counts = *export_iter_counts(it);
	export_iter_destroy(&it);
	store_read_end(&t);
	fclose(f);
	return t0;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	const char *allow = argc > 2 ? argv[2] : "seeds/allowlist", *why = NULL;
	char *dir = NULL, path[1024], summary[512];
	struct export_journal *j = NULL;
	struct policy_counts counts;
	struct ident *id;
	struct policy p;
	struct store *s;
	uint8_t prev[RECORD_ID_LEN];
	uint64_t entries, cursor;
	const struct exporter *x;
	double t;
	int rc;

	if (n == 0 || sodium_init() < 0) {
		fprintf(stderr, "usage: bench_export [count] [allowlist_dir]\n");
		return 2;
	}
	s_now = (uint64_t)time(NULL);
	dir = tu_tmpdir("bench-export");
	snprintf(path, sizeof(path), "%s/store", dir);
	if (store_open(path, STORE_CREATE, &s, &why) != 0 ||
	    policy_init(&p) != 0) {
		fprintf(stderr, "bench_export: %s\n", why ? why : "policy");
		return 1;
	}
	id = tu_ident(42);
	p.have_self = true;
	memcpy(p.self, ident_public(id), RECORD_KEY_LEN);
	if ((rc = allowlist_load_dir(p.allow, allow, 0, NULL, NULL)) != 0) {
		fprintf(stderr, "bench_export: %s: %s\n", allow,
		    rc < 0 ? ky_strerror(rc) : "bad lines");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/export", dir);
	if (export_journal_open(path, &j, &why) != 0) {
		fprintf(stderr, "bench_export: %s\n", why);
		return 1;
	}
	printf("# bench_export: %zu indicators (3/4 ipv4, 1/4 cidr4 /24), one "
	    "trusted origin, %zu allowlist entries\n", n,
	    allowlist_count(p.allow));
	t = tu_now();
	s_fill(s, id, 0, n, prev);
	printf("fill (sign + ingest): %.1f s; before any export: RssAnon "
	    "%.1f MiB\n", tu_now() - t, s_status_mib("RssAnon"));

	t = s_export(s, &p, j, &export_json, UINT64_MAX, &entries, &cursor,
	    &counts);
	policy_counts_format(&counts, summary, sizeof(summary));
	printf("first export (json, writes the journal): %.2f s, %.0f "
	    "records/s; %s\n", t, n / t, summary);
	for (size_t i = 0; (x = export_at(i)) != NULL; i++) {
		t = s_export(s, &p, j, x, UINT64_MAX, &entries, &cursor, NULL);
		printf("%-17s %8.2f s %10.0f records/s %9llu entries  "
		    "RssAnon %.1f MiB  RssFile %.1f MiB\n", x->name, t, n / t,
		    (unsigned long long)entries, s_status_mib("RssAnon"),
		    s_status_mib("RssFile"));
	}
	s_fill(s, id, n, n + DELTA, prev);
	t = s_export(s, &p, j, &export_nft, cursor, &entries, &cursor, NULL);
	printf("delta of %d new records (nft): %.1f ms, %llu entries\n", DELTA,
	    t * 1000, (unsigned long long)entries);
	printf("peak RSS (VmHWM) %.1f MiB\n", s_status_mib("VmHWM"));
	export_journal_close(&j);
	policy_clear(&p);
	store_close(&s);
	ident_destroy(&id);
	tu_rmrf(dir);
	free(dir);
	return 0;
}

/*
 * bench_views: the coordinator's views on a big region.
 *
 *     bench_views [RECORDS [ORIGINS [STOREDIR]]]
 *                 (default 1000000 records from 1000 origins)
 *
 * Builds a store of RECORDS signed records from ORIGINS member nodes:
 * 85% indicators (two in five about one of 20,000 campaign values, the
 * popular ones reported by hundreds of members; the rest unique), 15%
 * "seen" sightings of campaign values, and about one article per 500
 * records naming some of its author's indicators.  Created times spread
 * over the last ten weeks.  The coordinator's two rosters name every
 * origin; one company in ten runs two nodes under one name, so there are
 * fewer reporters than origins.  Records are signed on every core (each
 * thread owns whole chains), then stored through store_ingest() as a
 * node receives them, before any clock starts.
 *
 * With STOREDIR, a store built earlier for the same RECORDS and ORIGINS
 * is reused (building one takes minutes: Ed25519 verification on ingest
 * dominates); without it, the store lives under $TMPDIR and is removed.
 *
 * Then each measurement runs in a child process that opens the store
 * read-only, like `kyojo view`, so each has its own peak memory: every
 * view (one pass over the store and the suppression), and the HTML
 * report (one pass for all four views, and the page).  One thread each:
 * wall time, CPU time, peak RSS split into the LMDB map's file pages
 * (shared page cache; a read of the whole store touches them all) and
 * the rest (the heap at its peak, approximately), best and median of 3
 * runs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keys/roster.h"
#include "node/community.h"
#include "node/report_html.h"
#include "node/view.h"
#include "protocol/taxonomy.h"
#include "tests/testutil.h"

#define BATCH		5000
#define CAMPAIGNS	20000
#define SPAN		(70 * 86400)	/* created times: the last 10 weeks */
#define RUNS		3
#define MARKER		"bench-views.params"

struct s_gen {
	size_t first, count;		/* origins [first, first + count) */
	size_t per;			/* records per origin */
	uint64_t now;
	struct ident **ids;
	uint8_t ***recs;		/* [origin][seq-1] */
	size_t **lens;
	size_t bytes;
};

static uint64_t
s_rand(uint64_t *s)
{
	/* xorshift64*: fast, and deterministic per origin */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static struct ident *
s_ident(size_t i)
{
	uint8_t seed[32];
	struct ident *id;

	crypto_generichash(seed, sizeof(seed), (const uint8_t *)&i, sizeof(i),
	    (const uint8_t *)"bench-views", 11);
	if (ident_from_seed(seed, &id) != 0)
		abort();
	return id;
}

/* A campaign value, favouring low indexes (a few values, many members). */
static size_t
s_campaign(uint64_t *rng)
{
	double u = (double)(s_rand(rng) >> 11) / 9007199254740992.0;

	return (size_t)(CAMPAIGNS * u * u * u);
}

static void
s_value(size_t v, bool campaign, char *type, char *value, size_t cap)
{
	static const char *const types[] = { "ipv4", "domain", "url", "sha256" };
	uint8_t h[32];
	char hex[65];

	if (!campaign) {
		snprintf(type, 16, "ipv4");
		snprintf(value, cap, "%zu.%zu.%zu.%zu", 1 + (v >> 24) % 223,
		    (v >> 16) & 255, (v >> 8) & 255, v & 255);
		return;
	}
	snprintf(type, 16, "%s", types[v % 4]);
	switch (v % 4) {
	case 0:
		snprintf(value, cap, "45.%zu.%zu.%zu", (v >> 16) & 255,
		    (v >> 8) & 255, v & 255);
		break;
	case 1:
		snprintf(value, cap, "c%05zu.bench-campaign.jp", v);
		break;
	case 2:
		snprintf(value, cap, "https://c%05zu.bench-campaign.jp/login?id=%zu",
		    v, v * 7);
		break;
	default:
		crypto_generichash(h, sizeof(h), (const uint8_t *)&v, sizeof(v),
		    NULL, 0);
		record_hex(h, 32, hex);
		snprintf(value, cap, "%s", hex);
	}
}

/* Signs every record of this thread's origins. */
static void *
s_gen_thread(void *arg)
{
	static const char *const sectors[] = { "csirt", "psirt", "dsirt",
	    "fsirt", NULL };
	struct s_gen *g = arg;
	size_t ncat = taxonomy_count() - 1;	/* not "test:test" */

	for (size_t o = g->first; o < g->first + g->count; o++) {
		uint64_t rng = 0x9e3779b97f4a7c15ULL ^ (o * 0x100000001b3ULL);
		uint8_t prev[32], refs[3][32];
		size_t nrefs = 0;

		for (size_t j = 0; j < g->per; j++) {
			uint64_t created = g->now - SPAN + (uint64_t)SPAN * j /
			    g->per + s_rand(&rng) % 600;
			uint64_t roll = s_rand(&rng) % 1000;
			char body[2048], type[16], value[256];
			const char *sector = sectors[s_rand(&rng) % 5];
			uint8_t kind;
			size_t v;

			if (roll < 2 && nrefs > 0) {
				char hex[65], list[256] = "";

				for (size_t r = 0; r < nrefs; r++) {
					record_hex(refs[r], 32, hex);
					snprintf(list + strlen(list),
					    sizeof(list) - strlen(list), "%s\"%s\"",
					    r ? "," : "", hex);
				}
				kind = RK_ARTICLE;
				snprintf(body, sizeof(body), "{\"title\":\"%s %zu\","
				    "\"lang\":\"%s\",\"body_md\":\"## 対策\\n"
				    "ゲートウェイで遮断しました。\",\"tags\":[\"%s\"],"
				    "\"refs\":[%s]}", roll ? "フィッシング対策メモ" :
				    "Ransomware notes", o, roll ? "ja" : "en",
				    roll ? "phishing" : "ransomware", list);
				nrefs = 0;
			} else if (roll < 150) {
				kind = RK_SIGHTING;
				s_value(s_campaign(&rng), true, type, value,
				    sizeof(value));
				snprintf(body, sizeof(body), "{\"type\":\"%s\","
				    "\"value\":\"%s\",\"verdict\":\"seen\","
				    "\"count\":1,\"first_seen\":%llu,"
				    "\"last_seen\":%llu}", type, value,
				    (unsigned long long)created - 600,
				    (unsigned long long)created);
			} else {
				bool campaign = roll < 490;

				const char *cat;
				size_t ci;

				kind = RK_INDICATOR;
				v = campaign ? s_campaign(&rng) :
				    (o * g->per + j) * 7 + 3;
				/* Campaigns that start in the last three weeks:
				 * what the "new" view is for. */
				if (campaign && created > g->now - 21 * 86400 &&
				    s_rand(&rng) % 4 == 0)
					v = CAMPAIGNS + s_campaign(&rng) % 400;
				/* Two ids of the taxonomy are longer than the
				 * 64 bytes the indicator validator allows. */
				ci = campaign ? v : (size_t)s_rand(&rng);
				do
					cat = taxonomy_at(ci++ % ncat)->id;
				while (strlen(cat) > 64);
				s_value(v, campaign, type, value, sizeof(value));
				snprintf(body, sizeof(body), "{\"type\":\"%s\","
				    "\"value\":\"%s\",\"category\":\"%s\","
				    "\"confidence\":70,\"first_seen\":%llu,"
				    "\"last_seen\":%llu%s%s%s,\"tags\":[\"bench\"],"
				    "\"note\":\"seen at the gateway; "
				    "ゲートウェイで検知\"}", type, value, cat,
				    (unsigned long long)created - 3600,
				    (unsigned long long)created,
				    sector ? ",\"sector\":\"" : "",
				    sector ? sector : "", sector ? "\"" : "");
			}
			g->recs[o][j] = tu_record(g->ids[o], kind, TLP_GREEN,
			    j + 1, j > 0 ? prev : NULL, created,
			    created + 180 * 86400, body, &g->lens[o][j]);
			tu_id(g->recs[o][j], prev);
			if (kind == RK_INDICATOR && roll < 490 && nrefs < 3 &&
			    s_rand(&rng) % 4 == 0)
				memcpy(refs[nrefs++], prev, 32);
			g->bytes += g->lens[o][j];
		}
	}
	return NULL;
}

/* The coordinator's rosters: the origins in two halves; one company
 * in ten runs two nodes. */
static void
s_rosters(struct store *s, struct ident *c, struct ident **ids, size_t n,
    uint64_t now)
{
	uint8_t prev[32], *rec, community[32];
	struct store_result res;
	const char *why = NULL;
	size_t len;

	for (int half = 0; half < 2; half++) {
		const char *name = half ? "south" : "north";
		size_t cap = 80000, o;
		char *body = malloc(cap), hex[65];

		roster_community_id(ident_public(c), name, community);
		o = (size_t)snprintf(body, cap, "{\"name\":\"%s\",\"version\":1,"
		    "\"members\":[", name);
		for (size_t i = (size_t)half; i < n; i += 2) {
			/* A name is a company (rosters_reporter): the nodes
			 * k and k-1 of a roster with k % 10 == 1 share one. */
			size_t k = i / 2, company = k % 10 == 1 ? k - 1 : k;

			record_hex(ident_public(ids[i]), 32, hex);
			o += (size_t)snprintf(body + o, cap - o,
			    "%s{\"key\":\"%s\",\"name\":\"会社%d-%zu\"}",
			    i > (size_t)half ? "," : "", hex, half, company);
		}
		snprintf(body + o, cap - o, "]}");
		rec = tu_record_in(c, RK_ROSTER, TLP_GREEN, community,
		    (uint64_t)half + 1, half ? prev : NULL, now - SPAN - 86400,
		    0, body, &len);
		tu_id(rec, prev);
		if (store_ingest(s, (const uint8_t *const *)&rec, &len, 1, now,
		    &res, &why) != 0 || res.rc != 0) {
			fprintf(stderr, "bench_views: roster refused: %s\n",
			    res.why ? res.why : why);
			exit(1);
		}
		free(rec);
		free(body);
	}
}

static int
s_build(const char *dir, size_t records, size_t origins, uint64_t now)
{
	size_t per = records / origins, threads = (size_t)sysconf(_SC_NPROCESSORS_ONLN);
	struct store_result *res = calloc(BATCH, sizeof(*res));
	const uint8_t **bufs = calloc(BATCH, sizeof(*bufs));
	size_t *blens = calloc(BATCH, sizeof(*blens)), bytes = 0, nb = 0;
	struct ident **ids = calloc(origins, sizeof(*ids)), *c = s_ident(999999);
	uint8_t ***recs = calloc(origins, sizeof(*recs));
	size_t **lens = calloc(origins, sizeof(*lens));
	struct s_gen *g;
	pthread_t *th;
	struct store *s;
	const char *why = NULL;
	char path[2048];
	double t0, sign_s, ingest_s = 0;
	FILE *f;

	if (threads < 1)
		threads = 1;
	if (threads > origins)
		threads = origins;
	g = calloc(threads, sizeof(*g));
	th = calloc(threads, sizeof(*th));
	for (size_t o = 0; o < origins; o++) {
		ids[o] = s_ident(o);
		recs[o] = calloc(per, sizeof(**recs));
		lens[o] = calloc(per, sizeof(**lens));
	}
	t0 = tu_now();
	for (size_t i = 0; i < threads; i++) {
		g[i] = (struct s_gen){ .first = origins * i / threads,
		    .count = origins * (i + 1) / threads - origins * i / threads,
		    .per = per, .now = now, .ids = ids, .recs = recs,
		    .lens = lens };
		pthread_create(&th[i], NULL, s_gen_thread, &g[i]);
	}
	for (size_t i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		bytes += g[i].bytes;
	}
	sign_s = tu_now() - t0;
	snprintf(path, sizeof(path), "%s/store", dir);
	if (store_open(path, STORE_CREATE, &s, &why) != 0) {
		fprintf(stderr, "bench_views: %s: %s\n", path, why);
		return -1;
	}
	s_rosters(s, c, ids, origins, now);
	/* As a node receives them: origins interleaved. */
	for (size_t j = 0; j < per; j++)
		for (size_t o = 0; o < origins; o++) {
			bufs[nb] = recs[o][j];
			blens[nb++] = lens[o][j];
			if (nb < BATCH && !(j == per - 1 && o == origins - 1))
				continue;
			t0 = tu_now();
			if (store_ingest(s, bufs, blens, nb, now, res, &why) != 0) {
				fprintf(stderr, "bench_views: %s\n", why);
				return -1;
			}
			ingest_s += tu_now() - t0;
			for (size_t k = 0; k < nb; k++) {
				if (res[k].rc != 0) {
					fprintf(stderr, "bench_views: refused: %.*s: %s\n", (int)(blens[k] - RECORD_STUB_LEN), (const char *)bufs[k] + RECORD_STUB_LEN,
					    res[k].why ? res[k].why : "?");
					return -1;
				}
				free((void *)bufs[k]);
			}
			nb = 0;
		}
	store_close(&s);
	printf("views: built %zu records (%.0f MB) from %zu origins: signed on "
	    "%zu threads in %.1f s, stored in %.1f s (%.0f records/s)\n",
	    per * origins, bytes / 1e6, origins, threads, sign_s, ingest_s,
	    (double)(per * origins) / ingest_s);
	fflush(stdout);
	for (size_t o = 0; o < origins; o++) {
		ident_destroy(&ids[o]);
		free(recs[o]);
		free(lens[o]);
	}
	ident_destroy(&c);
	free(ids); free(recs); free(lens); free(g); free(th);
	free(res); free(bufs); free(blens);
	snprintf(path, sizeof(path), "%s/%s", dir, MARKER);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "%zu %zu %llu\n", records, origins, (unsigned long long)now);
	return fclose(f) == 0 ? 0 : -1;
}

/* The time the store in dir was built for these figures; 0: none. */
static uint64_t
s_marker(const char *dir, size_t records, size_t origins)
{
	unsigned long long now = 0;
	size_t r = 0, o = 0;
	char path[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, MARKER);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%zu %zu %llu", &r, &o, &now) != 3 || r != records ||
	    o != origins)
		now = 0;
	fclose(f);
	return now;
}

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

struct s_result {
	double wall, cpu, hwm, file;
	size_t detail;		/* items, or page bytes */
};

/* One measurement, in this (child) process. */
/* What kyojod's status op would answer with every member linked, one
 * in ten lagging and one in twenty down. */
static cJSON *
s_status(size_t origins, uint64_t now)
{
	cJSON *st = cJSON_CreateObject(), *peers = cJSON_AddArrayToObject(st,
	    "peers");
	char hex[65];

	cJSON_AddBoolToObject(st, "ok", true);
	for (size_t i = 0; i < origins; i++) {
		struct ident *id = s_ident(i);
		cJSON *p = cJSON_CreateObject();

		record_hex(ident_public(id), 32, hex);
		ident_destroy(&id);
		cJSON_AddStringToObject(p, "key", hex);
		cJSON_AddStringToObject(p, "state", i % 20 == 7 ? "down" : "up");
		cJSON_AddNumberToObject(p, "lag", i % 10 == 3 ? 5000 : 0);
		cJSON_AddNumberToObject(p, "last_seen", (double)now - 5);
		cJSON_AddItemToArray(peers, p);
	}
	return st;
}

static int
s_measure(const char *dir, int kind, uint64_t now, size_t origins,
    struct s_result *out)
{
	cJSON *status = kind == VIEW_HEALTH ? s_status(origins, now) : NULL;
	struct view_params p = { .now = now, .region = "bench" };
	struct rusage ru0, ru1;
	struct store *s;
	struct store_txn *t;
	struct rosters *rs = NULL;
	struct view_data *d = NULL;
	struct view *v = NULL;
	struct report rep;
	const char *why = NULL;
	char path[2048];
	uint8_t self[32];
	struct ident *c = s_ident(999999);
	double t0;
	FILE *f;
	int rc;

	memcpy(self, ident_public(c), 32);
	ident_destroy(&c);
	snprintf(path, sizeof(path), "%s/store", dir);
	if (store_open(path, STORE_RDONLY, &s, &why) != 0)
		return -1;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = tu_now();
	/* Everything `kyojo view` does after reading its files. */
	if ((rc = store_read_begin(s, &t)) != 0 ||
	    (rc = community_load(t, NULL, self, &rs)) != 0)
		return -1;
	p.rosters = rs;
	if (kind == VIEW_HEALTH) {
		rc = view_health(rs, self, status, now, &v, &why);
		if (rc == 0)
			out->detail = v->nmembers;
		view_free(&v);
	} else if (kind > 0) {
		rc = view_scan(t, &p, VIEW_NEED(kind), &d, &why);
		if (rc == 0)
			rc = view_build(d, kind, &v);
		if (rc == 0)
			out->detail = v->nitems;
		view_data_free(&d);
		view_free(&v);
	} else {
		rc = report_build(t, &p, false, NULL, self, &rep, &why);
		snprintf(path, sizeof(path), "%s/report.html", dir);
		if (rc == 0 && (f = fopen(path, "w")) != NULL) {
			rc = report_html_write(f, &rep, REPORT_JA);
			out->detail = (size_t)ftell(f);
			fclose(f);
		}
		report_clear(&rep);
	}
	store_read_end(&t);
	out->wall = tu_now() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	out->cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	    (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	    (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
	    (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	out->hwm = s_status_mib("VmHWM");
	out->file = s_status_mib("RssFile");
	rosters_free(&rs);
	store_close(&s);
	cJSON_Delete(status);
	return rc == 0 ? 0 : -1;
}

static int
s_cmp(const void *a, const void *b)
{
	double x = ((const struct s_result *)a)->wall;
	double y = ((const struct s_result *)b)->wall;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	size_t records = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t origins = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	const char *given = argc > 3 ? argv[3] : NULL;
	static const struct { int kind; const char *name; } what[] = {
		{ VIEW_OVERVIEW, "overview" }, { VIEW_TOP, "top" },
		{ VIEW_NEW, "new" }, { VIEW_KNOWHOW, "knowhow" },
		{ VIEW_HEALTH, "health (status of every member)" },
		{ 0, "report --html (4 views, one pass)" },
	};
	char *dir;
	uint64_t now;

	if (records == 0 || origins == 0 || records < origins ||
	    sodium_init() < 0) {
		fprintf(stderr, "usage: bench_views [RECORDS [ORIGINS [STOREDIR]]]\n");
		return 2;
	}
	if (given != NULL) {
		dir = strdup(given);
		mkdir(dir, 0700);
	} else {
		dir = tu_tmpdir("bench-views");
	}
	if ((now = s_marker(dir, records, origins)) != 0) {
		printf("views: reusing the store in %s\n", dir);
	} else {
		int status;
		pid_t pid;

		/* Built in a child, so the measurements below do not
		 * inherit its heap. */
		now = (uint64_t)time(NULL);
		if ((pid = fork()) < 0)
			return 1;
		if (pid == 0)
			_exit(s_build(dir, records, origins, now) == 0 ? 0 : 1);
		if (waitpid(pid, &status, 0) != pid || status != 0)
			return 1;
	}
	printf("views: %zu records from %zu origins; each figure best and "
	    "median of %d runs, one thread, a child process each\n",
	    records / origins * origins, origins, RUNS);
	for (size_t w = 0; w < sizeof(what) / sizeof(what[0]); w++) {
		struct s_result r[RUNS];

		for (int i = 0; i < RUNS; i++) {
			int pfd[2], status;
			pid_t pid;

			if (pipe(pfd) != 0 || (pid = fork()) < 0)
				return 1;
			if (pid == 0) {
				struct s_result one = { 0 };

				close(pfd[0]);
				if (s_measure(dir, what[w].kind, now, origins,
				    &one) != 0)
					_exit(1);
				if (write(pfd[1], &one, sizeof(one)) !=
				    (ssize_t)sizeof(one))
					_exit(1);
				_exit(0);
			}
			close(pfd[1]);
			if (read(pfd[0], &r[i], sizeof(r[i])) != (ssize_t)sizeof(r[i]) ||
			    waitpid(pid, &status, 0) != pid || status != 0) {
				fprintf(stderr, "bench_views: %s failed\n",
				    what[w].name);
				return 1;
			}
			close(pfd[0]);
		}
		qsort(r, RUNS, sizeof(r[0]), s_cmp);
		printf("views: %-36s %6.2f s best, %6.2f s median (target <= 2 s)"
		    "  cpu %.2f s  peak RSS %.0f MB: map pages %.0f MB, heap %.0f MB",
		    what[w].name, r[0].wall, r[RUNS / 2].wall, r[RUNS / 2].cpu,
		    r[RUNS / 2].hwm, r[RUNS / 2].file,
		    r[RUNS / 2].hwm - r[RUNS / 2].file);
		if (what[w].kind == VIEW_TOP || what[w].kind == VIEW_NEW)
			printf("  %zu indicators listed", r[RUNS / 2].detail);
		else if (what[w].kind == VIEW_HEALTH)
			printf("  %zu members", r[RUNS / 2].detail);
		else if (what[w].kind == 0)
			printf("  page %zu bytes", r[RUNS / 2].detail);
		printf("\n");
	}
	if (given == NULL)
		tu_rmrf(dir);
	free(dir);
	return 0;
}

/*
 * Check suite for node/view*: cell suppression (primary and
 * complementary, checked against an independent solver), week periods,
 * the view body validator, each view over a real store with rosters
 * (members counted as organizations), view records and merging, the
 * health view, and the HTML page's escaping.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "keys/roster.h"
#include "node/community.h"
#include "node/report_html.h"
#include "node/view.h"
#include "node/view_record.h"
#include "node/view_sup.h"
#include "protocol/body.h"
#include "protocol/json.h"
#include "protocol/taxonomy.h"
#include "tests/testutil.h"

#define DAY	86400u
#define BASE	1717977600u		/* Monday 2024-06-10 00:00 UTC */
#define NOW	(BASE + 20 * DAY)	/* ingest time: nothing has expired */

/* --- an independent check of what a reader can work out --------------- */

/*
 * Rank of the m x n matrix a (row-major doubles), by elimination with
 * partial pivoting.  The entries are small integers, so a tolerance of
 * 1e-9 separates zero from non-zero.
 */
static size_t
s_rank(double *a, size_t m, size_t n)
{
	size_t rank = 0;

	for (size_t c = 0; c < n && rank < m; c++) {
		size_t best = rank;

		for (size_t r = rank + 1; r < m; r++)
			if (fabs(a[r * n + c]) > fabs(a[best * n + c]))
				best = r;
		if (fabs(a[best * n + c]) < 1e-9)
			continue;
		for (size_t j = 0; j < n; j++) {
			double t = a[best * n + j];

			a[best * n + j] = a[rank * n + j];
			a[rank * n + j] = t;
		}
		for (size_t r = 0; r < m; r++) {
			double f;

			if (r == rank || fabs(a[r * n + c]) < 1e-12)
				continue;
			f = a[r * n + c] / a[rank * n + c];
			for (size_t j = 0; j < n; j++)
				a[r * n + j] -= f * a[rank * n + j];
		}
		rank++;
	}
	return rank;
}

/* An equation: total = sum of parts, as cell indexes. */
struct s_eq {
	size_t total;
	size_t parts[64];
	size_t n;
};

/*
 * Whether a reader who knows the published cells and the equations can
 * compute suppressed cell j: e_j is in the row space of the equations
 * restricted to the suppressed cells exactly when appending it does not
 * raise the rank.
 */
static bool
s_derivable(const bool *hidden, size_t ncells, const struct s_eq *eqs,
    size_t neq, size_t j)
{
	size_t *col = calloc(ncells, sizeof(*col)), u = 0, r1, r2;
	double *a, *b;
	bool yes;

	for (size_t i = 0; i < ncells; i++)
		col[i] = hidden[i] ? u++ : SIZE_MAX;
	a = calloc((neq + 1) * u + 1, sizeof(*a));
	b = calloc((neq + 1) * u + 1, sizeof(*b));
	for (size_t e = 0; e < neq; e++) {
		if (col[eqs[e].total] != SIZE_MAX)
			a[e * u + col[eqs[e].total]] -= 1;
		for (size_t p = 0; p < eqs[e].n; p++)
			if (col[eqs[e].parts[p]] != SIZE_MAX)
				a[e * u + col[eqs[e].parts[p]]] += 1;
	}
	memcpy(b, a, neq * u * sizeof(*a));
	b[neq * u + col[j]] = 1;
	r1 = s_rank(a, neq, u);
	r2 = s_rank(b, neq + 1, u);
	yes = r1 == r2;
	free(col); free(a); free(b);
	return yes;
}

/* The plain subtraction attack: an equation with one hidden cell. */
static bool
s_one_hidden(const bool *hidden, const struct s_eq *eqs, size_t neq)
{
	for (size_t e = 0; e < neq; e++) {
		size_t h = hidden[eqs[e].total];

		for (size_t p = 0; p < eqs[e].n; p++)
			h += hidden[eqs[e].parts[p]];
		if (h == 1)
			return true;
	}
	return false;
}

/* Every property a suppressed problem must have. */
static void
s_check_protected(const struct vsup *p, const struct s_eq *eqs, size_t neq,
    uint32_t k)
{
	bool *hidden = calloc(p->ncells, sizeof(*hidden));

	for (size_t i = 0; i < p->ncells; i++) {
		const struct vsup_cell *c = &p->cells[i];

		hidden[i] = c->suppressed;
		if (c->reporters > 0 && c->reporters < k)
			ck_assert_msg(c->suppressed, "cell %zu has %llu < k "
			    "members and is published", i,
			    (unsigned long long)c->reporters);
		if (c->records == 0)
			ck_assert_msg(!c->suppressed, "zero cell %zu suppressed", i);
	}
	ck_assert_msg(!s_one_hidden(hidden, eqs, neq),
	    "a total minus its published parts gives a suppressed cell");
	for (size_t i = 0; i < p->ncells; i++)
		if (hidden[i]) {
			ck_assert_msg(!s_derivable(hidden, p->ncells, eqs, neq, i),
			    "suppressed cell %zu is derivable from the totals", i);
			ck_assert(!vsup_determined(p, i));
		}
	free(hidden);
}

static void
s_add_eq(struct vsup *p, struct s_eq *eqs, size_t *neq, size_t total,
    const size_t *parts, size_t n)
{
	ck_assert_int_eq(vsup_equation(p, total, parts, n), 0);
	eqs[*neq].total = total;
	memcpy(eqs[*neq].parts, parts, n * sizeof(*parts));
	eqs[*neq].n = n;
	(*neq)++;
}

/* An R x C table with row, column and grand totals, equations added. */
static void
s_table(struct vsup *p, struct s_eq *eqs, size_t *neq, size_t R, size_t C,
    const uint64_t *rec, const uint64_t *rep)
{
	size_t W = C + 1, parts[64];

	ck_assert_int_eq(vsup_init(p, (R + 1) * W), 0);
	for (size_t r = 0; r < R; r++)
		for (size_t c = 0; c < C; c++) {
			struct vsup_cell *x = &p->cells[r * W + c];

			x->records = rec[r * C + c];
			x->reporters = rep[r * C + c];
			p->cells[r * W + C].records += x->records;
			p->cells[R * W + c].records += x->records;
			p->cells[R * W + C].records += x->records;
			/* Distinct members of a total: at least the largest
			 * part; what matters here is that it is >= k. */
			p->cells[r * W + C].reporters += x->reporters;
			p->cells[R * W + c].reporters += x->reporters;
			p->cells[R * W + C].reporters += x->reporters;
		}
	*neq = 0;
	for (size_t r = 0; r <= R; r++) {
		for (size_t c = 0; c < C; c++)
			parts[c] = r * W + c;
		s_add_eq(p, eqs, neq, r * W + C, parts, C);
	}
	for (size_t c = 0; c <= C; c++) {
		for (size_t r = 0; r < R; r++)
			parts[r] = r * W + c;
		s_add_eq(p, eqs, neq, R * W + c, parts, R);
	}
}

START_TEST(test_sup_line)
{
	/* One row: 2 members, 10, 8 -> the 2 and the 8 go. */
	struct vsup p;
	struct s_eq eqs[4];
	size_t neq = 0, parts[3] = { 0, 1, 2 };

	ck_assert_int_eq(vsup_init(&p, 4), 0);
	p.cells[0] = (struct vsup_cell){ .records = 3, .reporters = 2 };
	p.cells[1] = (struct vsup_cell){ .records = 40, .reporters = 10 };
	p.cells[2] = (struct vsup_cell){ .records = 20, .reporters = 8 };
	p.cells[3] = (struct vsup_cell){ .records = 63, .reporters = 15 };
	s_add_eq(&p, eqs, &neq, 3, parts, 3);
	ck_assert_int_eq(vsup_run(&p, 5), 0);
	ck_assert(p.cells[0].suppressed);
	ck_assert(!p.cells[1].suppressed);
	ck_assert(p.cells[2].suppressed);	/* the smaller complement */
	ck_assert(!p.cells[3].suppressed);
	s_check_protected(&p, eqs, neq, 5);
	vsup_clear(&p);
}
END_TEST

/*
 * Two 2x2 blocks of suppressed cells joined by one more (a "bridge"):
 * every row and column then holds 0 or at least 2 suppressed cells, so
 * the line rule alone is satisfied, yet the bridge equals
 * row2 - col1 - col2 + row1 of the published totals.  The audit must
 * find it and protect it.
 */
START_TEST(test_sup_bridge)
{
	uint64_t rec[16], rep[16];
	struct vsup p;
	struct s_eq eqs[16];
	size_t neq, hidden = 0;
	static const int primary[][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 },
	    { 1, 1 }, { 2, 2 }, { 2, 3 }, { 3, 2 }, { 3, 3 }, { 1, 2 } };
	bool line_only[25] = { false };

	for (int i = 0; i < 16; i++) {
		rec[i] = 100 + (uint64_t)i;
		rep[i] = 20;
	}
	for (size_t i = 0; i < sizeof(primary) / sizeof(primary[0]); i++) {
		rec[primary[i][0] * 4 + primary[i][1]] = 2;
		rep[primary[i][0] * 4 + primary[i][1]] = 1;
	}
	s_table(&p, eqs, &neq, 4, 4, rec, rep);
	/* The line rule's fixpoint alone leaves the bridge derivable. */
	for (size_t i = 0; i < sizeof(primary) / sizeof(primary[0]); i++)
		line_only[primary[i][0] * 5 + primary[i][1]] = true;
	ck_assert(!s_one_hidden(line_only, eqs, neq));
	ck_assert(s_derivable(line_only, 25, eqs, neq, 1 * 5 + 2));
	ck_assert_int_eq(vsup_run(&p, 3), 0);
	for (size_t i = 0; i < p.ncells; i++)
		hidden += p.cells[i].suppressed;
	ck_assert_uint_gt(hidden, 9);
	s_check_protected(&p, eqs, neq, 3);
	vsup_clear(&p);
}
END_TEST

/* Random tables, many small cells, and linked tables sharing totals. */
START_TEST(test_sup_random)
{
	uint32_t seed = 12345;

	for (int round = 0; round < 300; round++) {
		size_t R = 2 + (seed >> 8) % 5, C = 2 + (seed >> 12) % 6, neq;
		uint64_t rec[64], rep[64];
		struct s_eq eqs[32];
		struct vsup p;

		for (size_t i = 0; i < R * C; i++) {
			seed = seed * 1103515245u + 12345u;
			switch ((seed >> 16) % 4) {
			case 0: rec[i] = rep[i] = 0; break;
			case 1: rep[i] = 1 + (seed >> 20) % 4;
				rec[i] = rep[i] + (seed >> 24) % 7; break;
			default: rep[i] = 5 + (seed >> 20) % 30;
				rec[i] = rep[i] * (1 + (seed >> 25) % 5); break;
			}
		}
		s_table(&p, eqs, &neq, R, C, rec, rep);
		ck_assert_int_eq(vsup_run(&p, 5), 0);
		s_check_protected(&p, eqs, neq, 5);
		vsup_clear(&p);
	}
}
END_TEST

/* Categories and sectors: two partitions of the same weekly totals. */
START_TEST(test_sup_linked)
{
	uint32_t seed = 777;

	for (int round = 0; round < 100; round++) {
		/* 3 categories + 2 sectors + total, 3 weeks + period total. */
		const size_t NC = 3, NS = 2, NR = NC + NS + 1, W = 4, T = NR - 1;
		uint64_t cat[3][3], sec[2][3];
		struct s_eq eqs[32];
		size_t neq = 0, parts[8];
		struct vsup p;

		ck_assert_int_eq(vsup_init(&p, NR * W), 0);
		for (size_t w = 0; w < 3; w++) {
			uint64_t total = 0;

			for (size_t c = 0; c < NC; c++) {
				seed = seed * 1103515245u + 12345u;
				cat[c][w] = (seed >> 16) % 3 == 0 ? 0 :
				    1 + (seed >> 18) % 12;
				total += cat[c][w];
			}
			seed = seed * 1103515245u + 12345u;
			sec[0][w] = total ? (seed >> 16) % (total + 1) : 0;
			sec[1][w] = total - sec[0][w];
		}
		for (size_t w = 0; w < 3; w++) {
			for (size_t c = 0; c < NC; c++) {
				p.cells[c * W + w].records = cat[c][w];
				/* about one record per member */
				p.cells[c * W + w].reporters = cat[c][w];
				p.cells[T * W + w].records += cat[c][w];
				p.cells[T * W + w].reporters += cat[c][w];
			}
			for (size_t s = 0; s < NS; s++) {
				p.cells[(NC + s) * W + w].records = sec[s][w];
				p.cells[(NC + s) * W + w].reporters = sec[s][w];
			}
		}
		for (size_t r = 0; r < NR; r++)
			for (size_t w = 0; w < 3; w++) {
				p.cells[r * W + 3].records += p.cells[r * W + w].records;
				p.cells[r * W + 3].reporters +=
				    p.cells[r * W + w].reporters;
			}
		for (size_t w = 0; w < W; w++) {
			for (size_t c = 0; c < NC; c++)
				parts[c] = c * W + w;
			s_add_eq(&p, eqs, &neq, T * W + w, parts, NC);
			for (size_t s = 0; s < NS; s++)
				parts[s] = (NC + s) * W + w;
			s_add_eq(&p, eqs, &neq, T * W + w, parts, NS);
		}
		for (size_t r = 0; r < NR; r++) {
			for (size_t w = 0; w < 3; w++)
				parts[w] = r * W + w;
			s_add_eq(&p, eqs, &neq, r * W + 3, parts, 3);
		}
		ck_assert_int_eq(vsup_run(&p, 5), 0);
		s_check_protected(&p, eqs, neq, 5);
		vsup_clear(&p);
	}
}
END_TEST

/* --- periods and names --------------------------------------------------- */

START_TEST(test_period)
{
	struct view_params p = { .now = BASE + 3 * DAY + 3600 };
	uint64_t since, until;
	const char *why = NULL;

	ck_assert_int_eq(view_period(&p, &since, &until, &why), 0);
	ck_assert_uint_eq(until, BASE + 7 * DAY);
	ck_assert_uint_eq(since, until - 4 * 7 * DAY);
	p.since = BASE + 1;		/* rounded down to its Monday */
	p.until = BASE + 8 * DAY;	/* rounded up */
	ck_assert_int_eq(view_period(&p, &since, &until, &why), 0);
	ck_assert_uint_eq(since, BASE);
	ck_assert_uint_eq(until, BASE + 14 * DAY);
	p.k = 2;
	ck_assert_int_eq(view_period(&p, &since, &until, &why), KY_EINVAL);
	ck_assert_str_eq(why, "k: never below 3");
	p.k = 3;
	p.since = BASE - 60 * 7 * DAY;
	ck_assert_int_eq(view_period(&p, &since, &until, &why), KY_EINVAL);
	p.since = BASE + 30 * DAY;
	ck_assert_int_eq(view_period(&p, &since, &until, &why), KY_EINVAL);
	ck_assert_int_eq(view_kind_from_name("overview"), VIEW_OVERVIEW);
	ck_assert_int_eq(view_kind_from_name("knowhow"), VIEW_KNOWHOW);
	ck_assert_int_eq(view_kind_from_name("nope"), -1);
	ck_assert_str_eq(record_kind_name(RK_VIEW), "view");
}
END_TEST

/* Every category of the taxonomy falls in one of the view's classes. */
START_TEST(test_classes)
{
	for (size_t i = 0; i < taxonomy_count(); i++) {
		const char *id = taxonomy_at(i)->id;
		size_t n = (size_t)(strchr(id, ':') - id);
		bool found = false;

		for (size_t c = 0; c < view_category_count(); c++)
			found |= strlen(view_category_at(c)) == n &&
			    strncmp(view_category_at(c), id, n) == 0;
		ck_assert_msg(found, "class of %s missing from node/view.c", id);
	}
}
END_TEST

/* --- the body validator --------------------------------------------------- */

static int
s_validate(const char *text, const char **why)
{
	cJSON *root;
	int rc;

	*why = NULL;
	rc = body_parse(RK_VIEW, (const uint8_t *)text, strlen(text), &root, why);
	cJSON_Delete(root);
	return rc;
}

#define VHEAD "{\"view\":\"new\",\"k\":5,\"since\":1717977600,\"until\":1719187200,"
#define VTAB(recs, reps) "\"tables\":[{\"name\":\"new\",\"cols\":[[1717977600," \
	"1719187200]],\"rows\":[\"fraud\",\"*\"],\"records\":" recs \
	",\"reporters\":" reps "}]"

START_TEST(test_body)
{
	const char *why;

	ck_assert_int_eq(s_validate(VHEAD VTAB("[[7],[9]]", "[[5],[6]]") "}",
	    &why), 0);
	ck_assert_int_eq(s_validate(VHEAD VTAB("[[null],[9]]", "[[null],[6]]")
	    ",\"region\":\"関東\"}", &why), 0);
	ck_assert_int_eq(s_validate(VHEAD VTAB("[[0],[9]]", "[[0],[6]]") "}",
	    &why), 0);
	ck_assert_int_eq(s_validate(VHEAD VTAB("[[3],[9]]", "[[2],[6]]") "}",
	    &why), KY_EINVAL);
	ck_assert_str_eq(why, "tables: a cell counts fewer than k members");
	ck_assert_int_eq(s_validate(VHEAD VTAB("[[7],[9]]", "[[null],[6]]") "}",
	    &why), KY_EINVAL);
	ck_assert_int_eq(s_validate(VHEAD VTAB("[[0],[9]]", "[[5],[6]]") "}",
	    &why), KY_EINVAL);
	ck_assert_str_eq(why, "tables: records and members disagree");
	ck_assert_int_eq(s_validate(VHEAD VTAB("[[7]]", "[[5]]") "}", &why),
	    KY_EINVAL);
	ck_assert_int_eq(s_validate("{\"view\":\"new\",\"k\":2,\"since\":1,"
	    "\"until\":2}", &why), KY_EINVAL);
	ck_assert_str_eq(why, "k: missing or below 3");
	ck_assert_int_eq(s_validate("{\"view\":\"new\",\"k\":3,\"since\":2,"
	    "\"until\":2}", &why), KY_EINVAL);
	ck_assert_int_eq(s_validate("{\"view\":\"New\",\"k\":3,\"since\":1,"
	    "\"until\":2}", &why), KY_EINVAL);
	ck_assert_int_eq(s_validate(VHEAD "\"items\":[{\"type\":\"ipv4\","
	    "\"value\":\"203.0.113.10\",\"category\":\"fraud:phishing\","
	    "\"records\":7,\"reporters\":5,\"first_seen\":1,\"last_seen\":2,"
	    "\"articles\":[{\"id\":\"" "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\",\"title\":\"注意喚起\","
	    "\"lang\":\"ja\"}]}]}", &why), 0);
	ck_assert_int_eq(s_validate(VHEAD "\"items\":[{\"type\":\"ipv4\","
	    "\"value\":\"203.0.113.10\",\"records\":7,\"reporters\":4}]}",
	    &why), KY_EINVAL);
	ck_assert_str_eq(why, "items: an indicator counts fewer than k members");
	ck_assert_int_eq(s_validate(VHEAD "\"items\":[{\"type\":\"ipv4\","
	    "\"value\":\"203.000.113.10\",\"records\":7,\"reporters\":5}]}",
	    &why), KY_EINVAL);
}
END_TEST

/* --- a store with a region ------------------------------------------------ */

struct s_chain {
	struct ident *id;
	uint64_t seq;
	uint8_t prev[32];
	uint8_t last[32];	/* id of the last record added */
};

struct s_region {
	char *dir;
	struct store *s;
	struct s_chain c;		/* the coordinator (this node) */
	struct s_chain m[7];		/* members; m[0], m[1]: one company */
	struct s_chain x;		/* not on the roster */
	struct s_chain r1, r2;		/* other regions' coordinators */
	uint8_t community[32];
	uint8_t v1_id[32];		/* m[0]'s report of V1 */
};

#define V1 "203.0.113.10"
#define V2 "bad.example"
#define V3 "203.0.113.20"
#define V4 "http://evil.example/<script>alert(1)</script>"

static void
s_add(struct s_region *g, struct s_chain *ch, uint8_t kind, uint8_t tlp,
    const uint8_t *community, uint64_t created, const char *body)
{
	struct store_result res;
	const char *why = NULL;
	uint8_t *buf;
	size_t len;

	ch->seq++;
	buf = tu_record_in(ch->id, kind, tlp, community, ch->seq,
	    ch->seq > 1 ? ch->prev : NULL, created,
	    kind == RK_ROSTER ? 0 : created + 365 * DAY, body, &len);
	ck_assert_int_eq(store_ingest(g->s, (const uint8_t *const *)&buf, &len,
	    1, NOW, &res, &why), 0);
	ck_assert_msg(res.rc == 0, "record refused: %s", res.why);
	tu_id(buf, ch->prev);
	memcpy(ch->last, ch->prev, 32);
	free(buf);
}

static void
s_indicator(struct s_region *g, struct s_chain *ch, const char *type,
    const char *value, const char *category, const char *sector,
    uint64_t created)
{
	char body[1024];

	snprintf(body, sizeof(body), "{\"type\":\"%s\",\"value\":\"%s\","
	    "\"category\":\"%s\",\"confidence\":80,\"first_seen\":%llu,"
	    "\"last_seen\":%llu,\"sector\":\"%s\"}", type, value, category,
	    (unsigned long long)created - 600, (unsigned long long)created,
	    sector);
	s_add(g, ch, RK_INDICATOR, TLP_GREEN, NULL, created, body);
}

static void
s_article(struct s_region *g, struct s_chain *ch, const char *title,
    const char *lang, const char *tag, const uint8_t *ref,
    const uint8_t *supersedes, uint64_t created)
{
	char body[1024], refs[100] = "", sup[100] = "", hex[65];

	if (ref != NULL) {
		record_hex(ref, 32, hex);
		snprintf(refs, sizeof(refs), ",\"refs\":[\"%s\"]", hex);
	}
	if (supersedes != NULL) {
		record_hex(supersedes, 32, hex);
		snprintf(sup, sizeof(sup), ",\"supersedes\":\"%s\"", hex);
	}
	snprintf(body, sizeof(body), "{\"title\":\"%s\",\"lang\":\"%s\","
	    "\"body_md\":\"# %s\",\"tags\":[\"%s\"]%s%s}", title, lang, title,
	    tag, refs, sup);
	s_add(g, ch, RK_ARTICLE, TLP_CLEAR, NULL, created, body);
}

/*
 * The region: V1 reported by all seven member keys (six companies) in
 * the first week of the period; V2 by two members and the outsider,
 * sighted by a third, called a false positive by a fourth; V3 by five
 * members in the previous period and once again now; V4 (a URL with
 * markup in it) by five members in the second week; articles in
 * Japanese by five members, one of which replaces an earlier version,
 * and one in English.
 */
static void
s_region_open(struct s_region *g)
{
	static const char *const names[7] = { "山田製作所", "山田製作所",
	    "鈴木商店", "佐藤工業", "田中電機", "高橋物産", "伊藤精機" };
	char body[8192], hex[65];
	const char *why = NULL;
	char path[1024];
	size_t o;

	memset(g, 0, sizeof(*g));
	g->dir = tu_tmpdir("views");
	snprintf(path, sizeof(path), "%s/store", g->dir);
	ck_assert_int_eq(store_open(path, STORE_CREATE, &g->s, &why), 0);
	g->c.id = tu_ident(1);
	for (int i = 0; i < 7; i++)
		g->m[i].id = tu_ident((uint8_t)(10 + i));
	g->x.id = tu_ident(30);
	g->r1.id = tu_ident(40);
	g->r2.id = tu_ident(41);
	roster_community_id(ident_public(g->c.id), "kanto", g->community);
	o = (size_t)snprintf(body, sizeof(body),
	    "{\"name\":\"kanto\",\"version\":1,\"members\":[");
	for (int i = 0; i < 7; i++) {
		record_hex(ident_public(g->m[i].id), 32, hex);
		o += (size_t)snprintf(body + o, sizeof(body) - o,
		    "%s{\"key\":\"%s\",\"name\":\"%s\"}", i ? "," : "", hex,
		    names[i]);
	}
	snprintf(body + o, sizeof(body) - o, "]}");
	s_add(g, &g->c, RK_ROSTER, TLP_GREEN, g->community, BASE - 60 * DAY,
	    body);

	for (int i = 0; i < 7; i++) {
		s_indicator(g, &g->m[i], "ipv4", V1, "fraud:phishing", "csirt",
		    BASE + DAY + (uint64_t)i);
		if (i == 0)
			memcpy(g->v1_id, g->m[0].last, 32);
	}
	s_indicator(g, &g->m[2], "domain", V2, "malicious-code:c2-server",
	    "psirt", BASE + DAY + 100);
	s_indicator(g, &g->m[3], "domain", V2, "malicious-code:c2-server",
	    "psirt", BASE + DAY + 200);
	s_indicator(g, &g->x, "domain", V2, "malicious-code:c2-server",
	    "psirt", BASE + DAY + 300);
	s_add(g, &g->m[4], RK_SIGHTING, TLP_GREEN, NULL, BASE + 9 * DAY,
	    "{\"type\":\"domain\",\"value\":\"" V2 "\",\"verdict\":\"seen\"}");
	s_add(g, &g->m[5], RK_SIGHTING, TLP_GREEN, NULL, BASE + 9 * DAY,
	    "{\"type\":\"domain\",\"value\":\"" V2 "\","
	    "\"verdict\":\"false-positive\"}");
	for (int i = 2; i < 7; i++)
		s_indicator(g, &g->m[i], "ipv4", V3, "fraud:phishing", "csirt",
		    BASE - 10 * DAY + (uint64_t)i);
	s_indicator(g, &g->m[2], "ipv4", V3, "fraud:phishing", "csirt",
	    BASE + 8 * DAY);
	for (int i = 2; i < 7; i++)
		s_indicator(g, &g->m[i], "url", V4, "fraud:phishing", "fsirt",
		    BASE + 8 * DAY + (uint64_t)i);
	s_article(g, &g->m[2], "フィッシング注意喚起", "ja", "phishing",
	    g->v1_id, NULL, BASE + 2 * DAY);
	s_article(g, &g->m[3], "初版", "ja", "phishing", NULL, NULL,
	    BASE + 2 * DAY);
	s_article(g, &g->m[3], "改訂版", "ja", "phishing", NULL, g->m[3].last,
	    BASE + 3 * DAY);
	for (int i = 4; i < 7; i++)
		s_article(g, &g->m[i], "対策メモ", "ja", "phishing", NULL, NULL,
		    BASE + 4 * DAY);
	s_article(g, &g->m[0], "Ransomware notes", "en", "ransomware", NULL,
	    NULL, BASE + 9 * DAY);
}

static void
s_region_close(struct s_region *g)
{
	store_close(&g->s);
	tu_rmrf(g->dir);
	free(g->dir);
	ident_destroy(&g->c.id);
	for (int i = 0; i < 7; i++)
		ident_destroy(&g->m[i].id);
	ident_destroy(&g->x.id);
	ident_destroy(&g->r1.id);
	ident_destroy(&g->r2.id);
}

/* Computes view kind over g with k and (optionally) the community. */
static struct view *
s_view(struct s_region *g, int kind, uint32_t k, bool community)
{
	struct view_params p = { .now = BASE + 10 * DAY, .since = BASE,
	    .until = BASE + 14 * DAY, .k = k, .region = "関東" };
	struct rosters *rs = NULL;
	struct store_txn *t;
	struct view_data *d = NULL;
	struct view *v = NULL;
	const char *why = NULL;

	ck_assert_int_eq(store_read_begin(g->s, &t), 0);
	ck_assert_int_eq(community_load(t, NULL, ident_public(g->c.id), &rs), 0);
	ck_assert_uint_eq(rosters_count(rs), 1);
	p.rosters = rs;
	if (community)
		p.community = g->community;
	ck_assert_int_eq(view_scan(t, &p, VIEW_NEED(kind), &d, &why), 0);
	ck_assert_int_eq(view_build(d, kind, &v), 0);
	view_data_free(&d);
	store_read_end(&t);
	rosters_free(&rs);
	return v;
}

static const struct view_item *
s_find_item(const struct view *v, const char *value)
{
	for (size_t i = 0; i < v->nitems; i++)
		if (strcmp(v->items[i].value, value) == 0)
			return &v->items[i];
	return NULL;
}

START_TEST(test_top)
{
	struct s_region g;
	struct view *v;
	const struct view_item *it;

	s_region_open(&g);
	v = s_view(&g, VIEW_TOP, 5, false);
	ck_assert_uint_eq(v->nitems, 2);
	/* Seven keys, six companies: members, not keys. */
	ck_assert_str_eq(v->items[0].value, V1);
	ck_assert_uint_eq(v->items[0].reporters, 6);
	ck_assert_uint_eq(v->items[0].records, 7);
	ck_assert_str_eq(v->items[0].category, "fraud:phishing");
	ck_assert_uint_eq(v->items[0].first_seen, BASE + DAY - 600);
	ck_assert_uint_eq(v->items[0].last_seen, BASE + DAY + 6);
	ck_assert_uint_eq(v->items[0].narticles, 1);
	ck_assert_str_eq(v->items[0].articles[0].title, "フィッシング注意喚起");
	ck_assert_str_eq(v->items[1].value, V4);
	ck_assert_uint_eq(v->items[1].reporters, 5);
	ck_assert_ptr_null(s_find_item(v, V2));	/* 3 members: under k */
	ck_assert_ptr_null(s_find_item(v, V3));	/* 1 member this period */
	view_free(&v);

	/* k 3: V2 has two reports, the outsider's and a sighting; the
	 * false positive does not count. */
	v = s_view(&g, VIEW_TOP, 3, false);
	ck_assert_ptr_nonnull(it = s_find_item(v, V2));
	ck_assert_uint_eq(it->reporters, 4);
	ck_assert_uint_eq(it->records, 4);
	view_free(&v);
	v = s_view(&g, VIEW_TOP, 3, true);
	ck_assert_ptr_nonnull(it = s_find_item(v, V2));
	ck_assert_uint_eq(it->reporters, 3);	/* without the outsider */
	view_free(&v);
	s_region_close(&g);
}
END_TEST

/*
 * The same value, spelled with and without JSON escapes (and a key
 * spelled with one), is one value: the fast body reader decodes as the
 * strict parser does.
 */
START_TEST(test_escapes)
{
	static const char *const bodies[] = {
		"{\"type\":\"url\",\"value\":\"https://x.jp/a?q=1\","
		    "\"category\":\"fraud:phishing\",\"confidence\":80}",
		"{\"type\":\"url\",\"value\":\"https:\\/\\/x.jp\\/a?q=1\","
		    "\"category\":\"fraud:phishing\",\"confidence\":80}",
		"{\"\\u0074ype\":\"url\",\"value\":\"https://x.jp/\\u0061?q=1\","
		    "\"category\":\"fraud:phishing\",\"confidence\":80}",
		"{ \"note\" : \"\\\"quoted\\\" \\ud83d\\ude00\", \"type\" : \"url\" ,"
		    " \"value\" : \"https://x.jp/a?q=1\", \"category\" : "
		    "\"fraud:phishing\", \"confidence\" : 80 }",
		"{\"tags\":[\"a\"],\"ext\":{\"x\":[1,2,{\"y\":\"}\"}]},\"type\":\"url\","
		    "\"value\":\"https://x.jp/a?q=1\",\"category\":"
		    "\"fraud:phishing\",\"confidence\":80}",
	};
	struct s_region g;
	struct view *v;
	const struct view_item *it;

	s_region_open(&g);
	for (int i = 0; i < 5; i++)
		s_add(&g, &g.m[2 + i], RK_INDICATOR, TLP_GREEN, NULL,
		    BASE + 5 * DAY, bodies[i]);
	v = s_view(&g, VIEW_TOP, 5, false);
	ck_assert_ptr_nonnull(it = s_find_item(v, "https://x.jp/a?q=1"));
	ck_assert_uint_eq(it->reporters, 5);
	ck_assert_uint_eq(it->records, 5);
	view_free(&v);
	s_region_close(&g);
}
END_TEST

START_TEST(test_new)
{
	struct s_region g;
	struct view *v;
	const struct view_table *t;
	const struct view_col col = { BASE, BASE + 14 * DAY };
	const struct view_cell *c;

	s_region_open(&g);
	v = s_view(&g, VIEW_NEW, 5, false);
	ck_assert_uint_eq(v->nitems, 2);
	ck_assert_ptr_nonnull(s_find_item(v, V1));
	ck_assert_ptr_nonnull(s_find_item(v, V4));
	ck_assert_ptr_null(s_find_item(v, V3));	/* reported before */
	ck_assert_ptr_nonnull(t = view_table_get(v, "new"));
	/* malicious-code: one value, four members: suppressed, and fraud
	 * with it, or the total would give it away. */
	ck_assert_ptr_nonnull(c = view_cell_get(t, "malicious-code", &col));
	ck_assert(c->flags & VCELL_SUPPRESSED);
	ck_assert_ptr_nonnull(c = view_cell_get(t, "fraud", &col));
	ck_assert(c->flags & VCELL_SUPPRESSED);
	ck_assert_ptr_nonnull(c = view_cell_get(t, VIEW_TOTAL, &col));
	ck_assert(!(c->flags & VCELL_SUPPRESSED));
	ck_assert_uint_eq(c->records, 3);
	ck_assert_uint_eq(c->reporters, 7);
	ck_assert_ptr_nonnull(c = view_cell_get(t, "availability", &col));
	ck_assert(!(c->flags & VCELL_SUPPRESSED));
	ck_assert_uint_eq(c->records, 0);
	view_free(&v);
	s_region_close(&g);
}
END_TEST

/*
 * Every published cell of the overview counts 0 or at least k members,
 * and no suppressed cell follows from the published ones through any
 * combination of the tables' totals (checked with the test's own
 * solver, from the tables as published).
 */
START_TEST(test_overview)
{
	struct s_region g;
	struct view *v;
	const struct view_table *cat, *sec;
	const struct view_cell *c;
	struct view_col prev = { BASE - 14 * DAY, BASE };
	struct view_col week = { BASE, BASE + 7 * DAY };
	size_t nc, ncat, nsec, ncells, neq = 0;
	struct s_eq eqs[64];
	bool *hidden;

	s_region_open(&g);
	v = s_view(&g, VIEW_OVERVIEW, 5, false);
	ck_assert_uint_eq(v->prev_since, BASE - 14 * DAY);
	ck_assert_ptr_nonnull(cat = view_table_get(v, "category"));
	ck_assert_ptr_nonnull(sec = view_table_get(v, "sector"));
	ck_assert_uint_eq(cat->ncols, 6);	/* 4 weeks, 2 period totals */
	/* The previous period: five members, all published. */
	ck_assert_ptr_nonnull(c = view_cell_get(cat, "fraud", &prev));
	ck_assert(!(c->flags & VCELL_SUPPRESSED));
	ck_assert_uint_eq(c->records, 5);
	ck_assert_uint_eq(c->reporters, 5);
	ck_assert_ptr_nonnull(c = view_cell_get(sec, "csirt", &prev));
	ck_assert_uint_eq(c->records, 5);
	/* V2's week: three members. */
	ck_assert_ptr_nonnull(c = view_cell_get(cat, "malicious-code", &week));
	ck_assert(c->flags & VCELL_SUPPRESSED);
	ck_assert_ptr_nonnull(c = view_cell_get(sec, "psirt", &week));
	ck_assert(c->flags & VCELL_SUPPRESSED);

	/* Rebuild the linked system from what was published. */
	nc = cat->ncols;
	ncat = cat->nrows - 1;
	nsec = sec->nrows - 1;
	ncells = (ncat + nsec + 1) * nc;
	hidden = calloc(ncells, sizeof(*hidden));
	for (size_t r = 0; r < cat->nrows; r++)
		for (size_t col = 0; col < nc; col++) {
			const struct view_cell *x = &cat->cells[r * nc + col];
			size_t row = r < ncat ? r : ncat + nsec;

			hidden[row * nc + col] = x->flags & VCELL_SUPPRESSED;
			if (!(x->flags & VCELL_SUPPRESSED))
				ck_assert(x->reporters == 0 || x->reporters >= 5);
		}
	for (size_t r = 0; r < nsec; r++)
		for (size_t col = 0; col < nc; col++) {
			const struct view_cell *x = &sec->cells[r * nc + col];

			hidden[(ncat + r) * nc + col] = x->flags & VCELL_SUPPRESSED;
			if (!(x->flags & VCELL_SUPPRESSED))
				ck_assert(x->reporters == 0 || x->reporters >= 5);
		}
	/* The shared total row reads the same in both tables. */
	for (size_t col = 0; col < nc; col++)
		ck_assert_int_eq(cat->cells[ncat * nc + col].flags,
		    sec->cells[nsec * nc + col].flags);
	for (size_t col = 0; col < nc; col++) {
		struct s_eq *e = &eqs[neq++];

		e->total = (ncat + nsec) * nc + col;
		e->n = ncat;
		for (size_t r = 0; r < ncat; r++)
			e->parts[r] = r * nc + col;
		e = &eqs[neq++];
		e->total = (ncat + nsec) * nc + col;
		e->n = nsec;
		for (size_t r = 0; r < nsec; r++)
			e->parts[r] = (ncat + r) * nc + col;
	}
	for (size_t r = 0; r < ncat + nsec + 1; r++)
		for (size_t h = 0; h < 2; h++) {
			struct s_eq *e = &eqs[neq++];

			e->total = r * nc + 4 + h;
			e->n = 2;
			e->parts[0] = r * nc + 2 * h;
			e->parts[1] = r * nc + 2 * h + 1;
		}
	ck_assert(!s_one_hidden(hidden, eqs, neq));
	for (size_t i = 0; i < ncells; i++)
		if (hidden[i])
			ck_assert_msg(!s_derivable(hidden, ncells, eqs, neq, i),
			    "overview cell %zu derivable", i);
	free(hidden);
	view_free(&v);
	s_region_close(&g);
}
END_TEST

START_TEST(test_knowhow)
{
	struct s_region g;
	struct view *v;
	const struct view_table *t;
	const struct view_col col = { BASE, BASE + 14 * DAY };
	const struct view_cell *c;

	s_region_open(&g);
	v = s_view(&g, VIEW_KNOWHOW, 5, false);
	ck_assert_ptr_nonnull(t = view_table_get(v, "lang"));
	/* English: one author; Japanese hides with it; the total stands,
	 * and the replaced version of an article does not count. */
	ck_assert_ptr_nonnull(c = view_cell_get(t, "en", &col));
	ck_assert(c->flags & VCELL_SUPPRESSED);
	ck_assert_ptr_nonnull(c = view_cell_get(t, "ja", &col));
	ck_assert(c->flags & VCELL_SUPPRESSED);
	ck_assert_ptr_nonnull(c = view_cell_get(t, VIEW_TOTAL, &col));
	ck_assert(!(c->flags & VCELL_SUPPRESSED));
	ck_assert_uint_eq(c->records, 6);
	ck_assert_uint_eq(c->reporters, 6);
	ck_assert_ptr_nonnull(t = view_table_get(v, "tag"));
	ck_assert_uint_eq(t->nrows, 1);		/* ransomware: one author */
	ck_assert_str_eq(t->rows[0], "phishing");
	ck_assert_uint_eq(t->cells[0].records, 5);
	ck_assert(t->truncated);
	view_free(&v);
	s_region_close(&g);
}
END_TEST

/* --- view records and merging ---------------------------------------------- */

START_TEST(test_record_roundtrip)
{
	struct s_region g;
	struct view *v, *back;
	cJSON *body, *req;
	const char *why = NULL;

	s_region_open(&g);
	for (int kind = VIEW_OVERVIEW; kind <= VIEW_KNOWHOW; kind++) {
		if (kind == VIEW_HEALTH)
			continue;
		v = s_view(&g, kind, 5, false);
		ck_assert_msg(view_record_body(v, &body, &why) == 0, "kind %d: %s", kind, why);
		ck_assert_int_eq(body_validate(RK_VIEW, body, &why), 0);
		ck_assert_int_eq(view_from_json(body, &back, &why), 0);
		ck_assert_int_eq(back->kind, kind);
		ck_assert_uint_eq(back->ntables, v->ntables);
		ck_assert_uint_eq(back->nitems, v->nitems);
		ck_assert_uint_eq(back->prev_since, v->kind == VIEW_OVERVIEW ?
		    v->prev_since : v->since);
		for (size_t i = 0; i < v->ntables; i++) {
			ck_assert_uint_eq(back->tables[i].nrows, v->tables[i].nrows);
			for (size_t c = 0; c < v->tables[i].nrows *
			    v->tables[i].ncols; c++) {
				ck_assert_int_eq(back->tables[i].cells[c].flags,
				    v->tables[i].cells[c].flags);
				ck_assert_uint_eq(back->tables[i].cells[c].records,
				    v->tables[i].cells[c].records);
			}
		}
		for (size_t i = 0; i < v->nitems; i++)
			ck_assert_str_eq(back->items[i].value, v->items[i].value);
		ck_assert_int_eq(view_record_request(v, "clear", 0, &req, &why), 0);
		ck_assert_str_eq(cJSON_GetObjectItem(req, "op")->valuestring, "view");
		ck_assert_str_eq(cJSON_GetObjectItem(req, "tlp")->valuestring,
		    "CLEAR");
		cJSON_Delete(req);
		cJSON_Delete(body);
		view_free(&back);
		view_free(&v);
	}
	s_region_close(&g);
}
END_TEST

#define NEWV(region, recs, reps, items) "{\"view\":\"new\",\"k\":5," \
	"\"since\":1717977600,\"until\":1719187200,\"region\":\"" region "\"," \
	"\"tables\":[{\"name\":\"new\",\"cols\":[[1717977600,1719187200]]," \
	"\"rows\":[\"fraud\",\"malicious-code\",\"*\"],\"records\":" recs \
	",\"reporters\":" reps "}],\"items\":[" items "]}"
#define ITEM(v, rec, rep) "{\"type\":\"ipv4\",\"value\":\"" v "\"," \
	"\"category\":\"fraud:phishing\",\"records\":" #rec ",\"reporters\":" \
	#rep ",\"first_seen\":1717980000,\"last_seen\":1717990000," \
	"\"first_reported\":1717980000}"

static void
s_publish(struct s_region *g, struct s_chain *ch, uint64_t created,
    const char *body)
{
	s_add(g, ch, RK_VIEW, TLP_GREEN, NULL, created, body);
}

START_TEST(test_merge)
{
	struct s_region g;
	struct store_txn *t;
	struct view *v;
	const struct view_table *tab;
	const struct view_col col = { BASE, BASE + 14 * DAY };
	const struct view_cell *c;
	const struct view_item *it;
	const char *why = NULL;

	s_region_open(&g);
	/* An older view of region 1, replaced by the later one. */
	s_publish(&g, &g.r1, BASE + 10 * DAY, NEWV("関東", "[[99],[0],[99]]",
	    "[[50],[0],[50]]", ITEM(V1, 9, 9)));
	s_publish(&g, &g.r1, BASE + 14 * DAY, NEWV("関東", "[[10],[null],[14]]",
	    "[[6],[null],[9]]", ITEM(V1, 7, 6)));
	s_publish(&g, &g.r2, BASE + 14 * DAY, NEWV("関西", "[[5],[8],[13]]",
	    "[[5],[5],[8]]", ITEM(V1, 5, 5) "," ITEM(V3, 6, 5)));
	ck_assert_int_eq(store_read_begin(g.s, &t), 0);
	ck_assert_int_eq(view_merge(t, VIEW_NEW, NULL, 0, &v, &why), 0);
	ck_assert_uint_eq(v->nregions, 2);
	ck_assert_ptr_nonnull(tab = view_table_get(v, "new"));
	ck_assert_ptr_nonnull(c = view_cell_get(tab, "fraud", &col));
	ck_assert_uint_eq(c->records, 15);
	ck_assert_uint_eq(c->reporters, 11);
	ck_assert_uint_eq(c->flags, 0);
	ck_assert_uint_eq(c->regions, 2);
	/* Region 1 hid its part: what region 2 published is a lower bound. */
	ck_assert_ptr_nonnull(c = view_cell_get(tab, "malicious-code", &col));
	ck_assert_uint_eq(c->records, 8);
	ck_assert_uint_eq(c->flags, VCELL_PARTIAL);
	ck_assert_ptr_nonnull(c = view_cell_get(tab, VIEW_TOTAL, &col));
	ck_assert_uint_eq(c->records, 27);
	ck_assert_ptr_nonnull(it = s_find_item(v, V1));
	ck_assert_uint_eq(it->records, 12);
	ck_assert_uint_eq(it->reporters, 11);
	ck_assert_uint_eq(it->flags, 0);
	ck_assert_str_eq(v->items[0].value, V1);
	ck_assert_ptr_nonnull(it = s_find_item(v, V3));
	ck_assert_uint_eq(it->flags, VCELL_PARTIAL);
	view_free(&v);

	/* One region only. */
	ck_assert_int_eq(view_merge(t, VIEW_NEW, ident_public(g.r2.id), 1, &v,
	    &why), 0);
	ck_assert_uint_eq(v->nregions, 1);
	ck_assert_str_eq(v->regions[0].region, "関西");
	ck_assert_ptr_nonnull(c = view_cell_get(view_table_get(v, "new"),
	    "fraud", &col));
	ck_assert_uint_eq(c->records, 5);
	view_free(&v);
	ck_assert_int_eq(view_merge(t, VIEW_TOP, NULL, 0, &v, &why),
	    KY_ENOTFOUND);
	ck_assert_int_eq(view_merge(t, VIEW_HEALTH, NULL, 0, &v, &why),
	    KY_EINVAL);
	store_read_end(&t);
	s_region_close(&g);
}
END_TEST

/* --- health ---------------------------------------------------------------- */

START_TEST(test_health)
{
	struct s_region g;
	struct store_txn *t;
	struct rosters *rs;
	struct view *v;
	cJSON *status, *peers, *p;
	char hex[65];
	const char *why = NULL;
	const char *state[4] = { "up", "up", "down", NULL };
	const int lag[4] = { 0, 5000, 0, 0 };

	s_region_open(&g);
	ck_assert_int_eq(store_read_begin(g.s, &t), 0);
	ck_assert_int_eq(community_load(t, NULL, ident_public(g.c.id), &rs), 0);
	store_read_end(&t);
	status = cJSON_CreateObject();
	cJSON_AddBoolToObject(status, "ok", true);
	peers = cJSON_AddArrayToObject(status, "peers");
	for (int i = 0; i < 4; i++) {
		if (state[i] == NULL)
			continue;
		p = cJSON_CreateObject();
		record_hex(ident_public(g.m[i].id), 32, hex);
		cJSON_AddStringToObject(p, "key", hex);
		cJSON_AddStringToObject(p, "state", state[i]);
		cJSON_AddNumberToObject(p, "lag", lag[i]);
		cJSON_AddNumberToObject(p, "last_seen", NOW - 10);
		cJSON_AddItemToArray(peers, p);
	}
	ck_assert_int_eq(view_health(rs, ident_public(g.c.id), status, NOW, &v,
	    &why), 0);
	ck_assert_uint_eq(v->nmembers, 7);
	for (size_t i = 0; i < v->nmembers; i++) {
		const struct view_member *m = &v->members[i];
		const char *want = "silent";

		if (memcmp(m->key, ident_public(g.m[0].id), 32) == 0)
			want = "linked";
		else if (memcmp(m->key, ident_public(g.m[1].id), 32) == 0)
			want = "lagging";
		ck_assert_str_eq(m->state, want);
	}
	ck_assert_str_eq(v->members[6].state, "linked");	/* worst first */
	view_free(&v);
	ck_assert_int_eq(view_health(rs, ident_public(g.c.id), NULL, NOW, &v,
	    &why), 0);
	ck_assert_str_eq(v->members[0].state, "unknown");
	ck_assert(!v->daemon_running);
	view_free(&v);
	/* A member is no coordinator. */
	ck_assert_int_eq(view_health(rs, ident_public(g.m[0].id), status, NOW,
	    &v, &why), KY_EPERM);
	cJSON_Delete(status);
	rosters_free(&rs);
	s_region_close(&g);
}
END_TEST

/* --- the page ---------------------------------------------------------------- */

static int
s_grow(void *ctx, const char *buf, size_t len)
{
	char **acc = ctx;
	size_t have = *acc ? strlen(*acc) : 0;
	char *n = realloc(*acc, have + len + 1);

	if (n == NULL)
		return KY_ENOMEM;
	memcpy(n + have, buf, len);
	n[have + len] = '\0';
	*acc = n;
	return 0;
}

static size_t
s_count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

START_TEST(test_html)
{
	struct view_params p = { .now = BASE + 10 * DAY, .since = BASE,
	    .until = BASE + 14 * DAY, .region = "関東 <&>" };
	struct s_region g;
	struct store_txn *t;
	struct rosters *rs;
	struct report rep;
	const char *why = NULL;
	char *page = NULL;

	s_region_open(&g);
	ck_assert_int_eq(store_read_begin(g.s, &t), 0);
	ck_assert_int_eq(community_load(t, NULL, ident_public(g.c.id), &rs), 0);
	p.rosters = rs;
	ck_assert_int_eq(report_build(t, &p, true, NULL, ident_public(g.c.id),
	    &rep, &why), 0);
	store_read_end(&t);
	ck_assert_ptr_nonnull(rep.overview);
	ck_assert_ptr_nonnull(rep.health);
	for (int lang = REPORT_EN; lang <= REPORT_JA; lang++) {
		ck_assert_int_eq(report_html_emit(&rep, lang, s_grow, &page), 0);
		ck_assert_ptr_nonnull(strstr(page, "<!DOCTYPE html>"));
		ck_assert_ptr_nonnull(strstr(page, "Content-Security-Policy"));
		ck_assert_ptr_nonnull(strstr(page, "</style></head><body>"));
		ck_assert_ptr_nonnull(strstr(page, "</body></html>"));
		/* The URL's markup is text, never markup. */
		ck_assert_ptr_null(strstr(page, "<script"));
		ck_assert_ptr_nonnull(strstr(page,
		    "&lt;script&gt;alert(1)&lt;/script&gt;"));
		ck_assert_ptr_nonnull(strstr(page, "関東 &lt;&amp;&gt;"));
		ck_assert_uint_ge(s_count(page, "<svg"), 2);
		ck_assert_ptr_nonnull(strstr(page, "id=\"trend-chart\""));
		ck_assert_ptr_nonnull(strstr(page, "id=\"sector-chart\""));
		ck_assert_ptr_nonnull(strstr(page, "<polyline"));
		/* Nothing to fetch. */
		ck_assert_ptr_null(strstr(page, "src="));
		ck_assert_ptr_null(strstr(page, "href="));
		ck_assert_ptr_nonnull(strstr(page, lang == REPORT_JA ?
		    "地域セキュリティ状況レポート" : "Regional security report"));
		ck_assert_ptr_nonnull(strstr(page, lang == REPORT_JA ?
		    "<html lang=\"ja\">" : "<html lang=\"en\">"));
		free(page);
		page = NULL;
	}
	report_clear(&rep);
	rosters_free(&rs);
	s_region_close(&g);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("views");
	TCase *sup = tcase_create("suppression");
	TCase *tc = tcase_create("views");
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(sup, test_sup_line);
	tcase_add_test(sup, test_sup_bridge);
	tcase_add_test(sup, test_sup_random);
	tcase_add_test(sup, test_sup_linked);
	tcase_set_timeout(sup, 60);
	suite_add_tcase(s, sup);
	tcase_add_test(tc, test_period);
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_body);
	tcase_add_test(tc, test_top);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_new);
	tcase_add_test(tc, test_overview);
	tcase_add_test(tc, test_knowhow);
	tcase_add_test(tc, test_record_roundtrip);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_health);
	tcase_add_test(tc, test_html);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* Check suite for keys/roster and node/community: parse, versions,
 * membership, reporters, loading from a store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "keys/roster.h"
#include "node/community.h"
#include "tests/testutil.h"

#define T0 1700000000u

/* A roster record by coordinator c at seq, listing members "key:name,...". */
static uint8_t *
s_roster(struct ident *c, uint64_t seq, const uint8_t *prev,
    const char *name, int version, struct ident **m, const char **names,
    size_t n, size_t *len)
{
	char body[8192], hex[65];
	uint8_t community[32];
	size_t o;

	roster_community_id(ident_public(c), name, community);
	o = (size_t)snprintf(body, sizeof(body),
	    "{\"name\":\"%s\",\"version\":%d,\"members\":[", name, version);
	for (size_t i = 0; i < n; i++) {
		record_hex(ident_public(m[i]), 32, hex);
		o += (size_t)snprintf(body + o, sizeof(body) - o,
		    "%s{\"key\":\"%s\"", i ? "," : "", hex);
		if (names != NULL && names[i] != NULL)
			o += (size_t)snprintf(body + o, sizeof(body) - o,
			    ",\"name\":\"%s\"", names[i]);
		o += (size_t)snprintf(body + o, sizeof(body) - o, "}");
	}
	snprintf(body + o, sizeof(body) - o, "]}");
	return tu_record_in(c, RK_ROSTER, TLP_GREEN, community, seq, prev, T0,
	    0, body, len);
}

static void
s_open(const uint8_t *buf, size_t len, struct record *r)
{
	const char *why;

	ck_assert_int_eq(record_decode(buf, len, r, &why), 0);
}

START_TEST(test_parse_and_members)
{
	struct ident *c = tu_ident(1), *m[3] = { tu_ident(2), tu_ident(3),
	    tu_ident(4) }, *outsider = tu_ident(5);
	const char *names[3] = { "山田製作所", "山田製作所", NULL };
	struct roster ro;
	struct record r;
	const char *why = NULL;
	uint8_t *buf, rep[32];
	size_t len;

	buf = s_roster(c, 2, (const uint8_t *)"01234567890123456789012345678901",
	    "kanto-sme", 1, m, names, 3, &len);
	s_open(buf, len, &r);
	ck_assert_int_eq(roster_parse(&r, &ro, &why), 0);
	ck_assert_str_eq(ro.name, "kanto-sme");
	ck_assert_uint_eq(ro.version, 1);
	ck_assert_uint_eq(ro.n, 3);
	ck_assert_ptr_nonnull(roster_find(&ro, ident_public(m[2])));
	ck_assert_ptr_null(roster_find(&ro, ident_public(outsider)));
	/* Two keys of one organization are one reporter; a nameless entry
	 * is its own. */
	ck_assert_mem_eq(roster_find(&ro, ident_public(m[0]))->reporter,
	    roster_find(&ro, ident_public(m[1]))->reporter, 32);
	ck_assert_mem_eq(roster_find(&ro, ident_public(m[2]))->reporter,
	    ident_public(m[2]), 32);
	roster_clear(&ro);

	{
		struct rosters *set = rosters_new();
		bool replaced;

		ck_assert_int_eq(rosters_add(set, &r, &replaced, &why), 0);
		ck_assert(replaced);
		rosters_reporter(set, ident_public(m[0]), rep);
		ck_assert_mem_ne(rep, ident_public(m[0]), 32);
		rosters_reporter(set, ident_public(outsider), rep);
		ck_assert_mem_eq(rep, ident_public(outsider), 32);
		ck_assert(rosters_is_member(set, (const uint8_t[32]){ 0 },
		    ident_public(m[1])));
		rosters_free(&set);
	}
	free(buf);
	for (int i = 0; i < 3; i++)
		ident_destroy(&m[i]);
	ident_destroy(&outsider);
	ident_destroy(&c);
}
END_TEST

START_TEST(test_refuses)
{
	struct ident *c = tu_ident(1), *m[2] = { tu_ident(2), tu_ident(2) };
	struct roster ro;
	struct record r;
	const char *why = NULL;
	uint8_t *buf, wrong[32] = { 1 };
	size_t len;

	/* A key listed twice. */
	buf = s_roster(c, 1, NULL, "x", 1, m, NULL, 2, &len);
	s_open(buf, len, &r);
	ck_assert_int_eq(roster_parse(&r, &ro, &why), KY_EINVAL);
	ck_assert_str_eq(why, "roster: a member key is listed twice");
	free(buf);
	/* A roster claiming another community id. */
	buf = tu_record_in(c, RK_ROSTER, TLP_GREEN, wrong, 1, NULL, T0, 0,
	    "{\"name\":\"x\",\"version\":1,\"members\":[]}", &len);
	s_open(buf, len, &r);
	ck_assert_int_eq(roster_parse(&r, &ro, &why), KY_EINVAL);
	ck_assert_str_eq(why, "roster: header community is not the roster's id");
	free(buf);
	ident_destroy(&m[0]);
	ident_destroy(&m[1]);
	ident_destroy(&c);
}
END_TEST

/* A new version removes members; an old version arriving later does not
 * bring them back. */
START_TEST(test_versions_revoke)
{
	struct ident *c = tu_ident(1), *m[2] = { tu_ident(2), tu_ident(3) };
	struct rosters *set = rosters_new();
	struct record r1, r2;
	const char *why = NULL;
	uint8_t *b1, *b2, community[32];
	size_t l1, l2;
	bool replaced;

	roster_community_id(ident_public(c), "r", community);
	b1 = s_roster(c, 1, NULL, "r", 1, m, NULL, 2, &l1);
	b2 = s_roster(c, 1, NULL, "r", 2, m, NULL, 1, &l2);
	s_open(b1, l1, &r1);
	s_open(b2, l2, &r2);
	ck_assert_int_eq(rosters_add(set, &r1, &replaced, &why), 0);
	ck_assert(rosters_is_member(set, community, ident_public(m[1])));
	ck_assert(!rosters_is_revoked(set, ident_public(m[1])));
	ck_assert_int_eq(rosters_add(set, &r2, &replaced, &why), 0);
	ck_assert(replaced);
	ck_assert(!rosters_is_member(set, community, ident_public(m[1])));
	ck_assert(rosters_is_revoked(set, ident_public(m[1])));
	ck_assert(!rosters_is_revoked(set, ident_public(m[0])));
	ck_assert(rosters_is_member(set, community, ident_public(m[0])));
	ck_assert_int_eq(rosters_add(set, &r1, &replaced, &why), 0);
	ck_assert(!replaced);
	ck_assert(!rosters_is_member(set, community, ident_public(m[1])));
	ck_assert_uint_eq(rosters_count(set), 1);
	ck_assert_uint_eq(rosters_get(set, community)->version, 2);
	rosters_free(&set);
	/* Read newest first (an out-of-order chain walk): the same. */
	set = rosters_new();
	ck_assert_int_eq(rosters_add(set, &r2, &replaced, &why), 0);
	ck_assert(!rosters_is_revoked(set, ident_public(m[1])));
	ck_assert_int_eq(rosters_add(set, &r1, &replaced, &why), 0);
	ck_assert(rosters_is_revoked(set, ident_public(m[1])));
	ck_assert(!rosters_is_member(set, community, ident_public(m[1])));
	rosters_free(&set);
	free(b1);
	free(b2);
	ident_destroy(&m[0]);
	ident_destroy(&m[1]);
	ident_destroy(&c);
}
END_TEST

/* Only rosters of coordinators the keyring trusts (or our own) count. */
START_TEST(test_community_load)
{
	struct ident *c = tu_ident(1), *rogue = tu_ident(7), *m[1] = {
	    tu_ident(2) };
	char *dir = tu_tmpdir("roster");
	struct keyring *kr = keyring_new();
	struct rosters *set = NULL;
	struct store *st;
	struct store_txn *t;
	struct store_result res[2];
	const char *why = NULL;
	const uint8_t *bufs[2];
	size_t lens[2];
	uint8_t *b0, *b1;

	b0 = s_roster(c, 1, NULL, "kanto", 1, m, NULL, 1, &lens[0]);
	b1 = s_roster(rogue, 1, NULL, "evil", 1, m, NULL, 1, &lens[1]);
	bufs[0] = b0;
	bufs[1] = b1;
	ck_assert_int_eq(store_open(dir, STORE_CREATE, &st, &why), 0);
	ck_assert_int_eq(store_ingest(st, bufs, lens, 2, T0, res, &why), 0);
	ck_assert_int_eq(res[0].rc, 0);
	ck_assert_int_eq(keyring_add(kr, ident_public(c), TRUST_COORDINATOR,
	    NULL, T0), 0);
	ck_assert_int_eq(keyring_add(kr, ident_public(rogue), TRUST_MEMBER,
	    NULL, T0), 0);
	ck_assert_int_eq(store_read_begin(st, &t), 0);
	ck_assert_int_eq(community_load(t, kr, NULL, &set), 0);
	ck_assert_uint_eq(rosters_count(set), 1);
	ck_assert_str_eq(rosters_at(set, 0)->name, "kanto");
	rosters_free(&set);
	/* Our own rosters count on our own node. */
	ck_assert_int_eq(community_load(t, NULL, ident_public(rogue), &set), 0);
	ck_assert_uint_eq(rosters_count(set), 1);
	ck_assert_str_eq(rosters_at(set, 0)->name, "evil");
	rosters_free(&set);
	store_read_end(&t);
	store_close(&st);
	keyring_destroy(&kr);
	free(b0);
	free(b1);
	tu_rmrf(dir);
	free(dir);
	ident_destroy(&m[0]);
	ident_destroy(&rogue);
	ident_destroy(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("roster");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_parse_and_members);
	tcase_add_test(tc, test_refuses);
	tcase_add_test(tc, test_versions_revoke);
	tcase_add_test(tc, test_community_load);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* Check suite for node/fw_set: the live firewall's compact prefix set. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "node/fw_set.h"

#define NOW	1800000000u	/* a fixed clock: 2027-01-15 */
#define MAXT	(365u * 86400u)

/* Adds text ("44.31.16.0/20") expiring at expire; fails the test if refused. */
static void
s_add(struct fw_set *s, const char *text, uint32_t expire)
{
	struct fw_entry e;
	const char *why = NULL;

	ck_assert_msg(fw_entry_parse(text, strlen(text), &e, &why) == 0,
	    "%s: %s", text, why);
	ck_assert_int_eq(fw_set_add(s, e.family, e.addr, e.prefix, expire,
	    &why), 0);
}

static const struct fw_entry *
s_find(const struct fw_set *s, const char *text)
{
	struct fw_entry e;
	const char *why;

	ck_assert(fw_entry_parse(text, strlen(text), &e, &why) == 0);
	return fw_set_find(s, e.family, e.addr, e.prefix);
}

static void
s_text(const struct fw_set *s, size_t i, char *out)
{
	ck_assert_uint_lt(i, s->n);
	fw_entry_format(&s->v[i], out);
}

START_TEST(test_parse_format)
{
	static const char *const ok[][2] = {
		{ "44.31.16.0/20", "44.31.16.0/20" },
		{ "44.31.16.7", "44.31.16.7" },
		{ "44.31.16.7/32", "44.31.16.7" },
		{ "2a0c:b641:100::/64", "2a0c:b641:100::/64" },
		{ "2A0C:B641:0100:0000::/64", "2a0c:b641:100::/64" },
		{ "2a0c:b641:100::1", "2a0c:b641:100::1" },
		{ "2a0c:b641:100::1/128", "2a0c:b641:100::1" },
		{ "128.0.0.0/1", "128.0.0.0/1" },
	};
	static const char *const bad[][2] = {
		{ "44.31.16.1/20", "host bits" },
		{ "2a0c:b641:100::1/64", "host bits" },
		{ "0.0.0.0/0", "/0" },
		{ "::/0", "/0" },
		{ "44.31.16.0/33", "out of range" },
		{ "2a0c::/129", "out of range" },
		{ "44.31.16.0/020", "not a number" },
		{ "44.31.16.0/", "not a number" },
		{ "44.31.16.0/2x", "out of range" },
		{ "44.31.16", "not an address" },
		{ "", "not an address" },
		{ "example.com", "not an address" },
		{ "44.31.16.0-44.31.16.9", "not an address" },
	};
	char out[FW_ENTRY_TEXT];
	struct fw_entry e;
	const char *why;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		why = NULL;
		ck_assert_msg(fw_entry_parse(ok[i][0], strlen(ok[i][0]), &e,
		    &why) == 0, "%s: %s", ok[i][0], why);
		fw_entry_format(&e, out);
		ck_assert_str_eq(out, ok[i][1]);
		ck_assert_uint_eq(e.expire, 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(fw_entry_parse(bad[i][0], strlen(bad[i][0]), &e,
		    &why) == KY_EINVAL, "%s accepted", bad[i][0]);
		ck_assert_msg(why != NULL && strstr(why, bad[i][1]) != NULL,
		    "%s: why '%s', expected '%s'", bad[i][0], why, bad[i][1]);
	}
	/* Only len bytes count. */
	ck_assert(fw_entry_parse("44.31.16.0/20 timeout", 13, &e, &why) == 0);
	ck_assert_uint_eq(e.prefix, 20);
}
END_TEST

START_TEST(test_add_refusals)
{
	struct fw_set s;
	uint8_t a[16] = { 44, 31, 16, 1 };
	const char *why = NULL;

	fw_set_init(&s);
	ck_assert_int_eq(fw_set_add(&s, 4, a, 20, 0, &why), KY_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "host bits"));
	ck_assert_int_eq(fw_set_add(&s, 4, a, 0, 0, &why), KY_EINVAL);
	ck_assert_int_eq(fw_set_add(&s, 4, a, 33, 0, &why), KY_EINVAL);
	ck_assert_int_eq(fw_set_add(&s, 5, a, 32, 0, &why), KY_EINVAL);
	ck_assert_int_eq(fw_set_add(&s, 4, a, 32, 0, &why), 0);
	/* IPv4 uses 4 bytes: whatever follows in the buffer is ignored. */
	memset(a + 4, 0xff, 12);
	ck_assert_int_eq(fw_set_add(&s, 4, a, 32, 0, &why), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(memcmp(s.v[0].addr, s.v[1].addr, 16), 0);
	ck_assert_uint_eq(sizeof(struct fw_entry), 24);
	fw_set_clear(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_ptr_null(s.v);
	fw_set_clear(&s);
}
END_TEST

START_TEST(test_sort)
{
	static const char *const order[] = {
		"1.2.3.4", "44.31.0.0/16", "44.31.16.0/20", "44.31.16.0/24",
		"44.31.17.0/24", "200.1.1.1", "2a0c:b641::/32",
		"2a0c:b641:100::/64", "2a0c:b641:100::1",
	};
	size_t n = sizeof(order) / sizeof(order[0]);
	char out[FW_ENTRY_TEXT];
	struct fw_set s;

	fw_set_init(&s);
	for (size_t i = n; i-- > 0;)
		s_add(&s, order[i], NOW + 100);
	s_add(&s, "44.31.17.0/24", NOW + 900);	/* a duplicate */
	fw_set_sort(&s);
	ck_assert_uint_eq(s.n, n);
	for (size_t i = 0; i < n; i++) {
		s_text(&s, i, out);
		ck_assert_str_eq(out, order[i]);
	}
	/* Sorting folds exact duplicates only, keeping the later expiry. */
	ck_assert_uint_eq(s_find(&s, "44.31.17.0/24")->expire, NOW + 900);
	ck_assert_uint_eq(fw_set_count(&s, 4), 6);
	ck_assert_uint_eq(fw_set_count(&s, 6), 3);
	ck_assert_ptr_null(s_find(&s, "44.31.18.0/24"));
	fw_set_clear(&s);
}
END_TEST

START_TEST(test_merge)
{
	struct fw_set s;
	char out[FW_ENTRY_TEXT];
	size_t folded;

	fw_set_init(&s);
	/* A /24 inside a /20: the /20 stays, with the later expiry. */
	s_add(&s, "44.31.17.0/24", NOW + 7200);
	s_add(&s, "44.31.16.0/20", NOW + 3600);
	s_add(&s, "44.31.31.255", NOW + 60);
	/* Adjacent /24s are not joined: the kernel must mirror us. */
	s_add(&s, "45.0.0.0/24", NOW + 10);
	s_add(&s, "45.0.1.0/24", NOW + 10);
	/* A chain: /8 > /16 > /24, one permanent inside. */
	s_add(&s, "46.1.2.0/24", 0);
	s_add(&s, "46.1.0.0/16", NOW + 10);
	s_add(&s, "46.0.0.0/8", NOW + 20);
	/* Just outside the /20. */
	s_add(&s, "44.31.32.0/24", NOW + 5);
	/* IPv6: a /64 inside a /48, a host inside the /64. */
	s_add(&s, "2a0c:b641:100::/48", NOW + 100);
	s_add(&s, "2a0c:b641:100:7::/64", NOW + 500);
	s_add(&s, "2a0c:b641:100::1", NOW + 50);
	s_add(&s, "2a0c:b641:101::/64", NOW + 1);
	/* The same prefix twice. */
	s_add(&s, "47.0.0.1", NOW + 1);
	s_add(&s, "47.0.0.1", NOW + 2);
	fw_set_merge(&s, &folded);
	ck_assert_uint_eq(folded, 7);
	ck_assert_uint_eq(s.n, 8);
	ck_assert_uint_eq(s_find(&s, "44.31.16.0/20")->expire, NOW + 7200);
	ck_assert_ptr_null(s_find(&s, "44.31.17.0/24"));
	ck_assert_ptr_nonnull(s_find(&s, "44.31.32.0/24"));
	ck_assert_ptr_nonnull(s_find(&s, "45.0.0.0/24"));
	ck_assert_ptr_nonnull(s_find(&s, "45.0.1.0/24"));
	ck_assert_uint_eq(s_find(&s, "46.0.0.0/8")->expire, 0);
	ck_assert_uint_eq(s_find(&s, "2a0c:b641:100::/48")->expire, NOW + 500);
	ck_assert_ptr_nonnull(s_find(&s, "2a0c:b641:101::/64"));
	ck_assert_uint_eq(s_find(&s, "47.0.0.1")->expire, NOW + 2);
	s_text(&s, 0, out);
	ck_assert_str_eq(out, "44.31.16.0/20");
	/* Merging a merged set changes nothing. */
	fw_set_merge(&s, &folded);
	ck_assert_uint_eq(folded, 0);
	ck_assert_uint_eq(s.n, 8);
	fw_set_clear(&s);
}
END_TEST

/* The mark of text's entry in s. */
static int
s_mark(const struct fw_set *s, const char *text)
{
	const struct fw_entry *e = s_find(s, text);

	ck_assert_msg(e != NULL, "%s not in the set", text);
	return e->mark;
}

START_TEST(test_diff)
{
	struct fw_set want, have;
	struct fw_diff d;

	fw_set_init(&want);
	fw_set_init(&have);
	s_add(&want, "44.31.16.0/20", NOW + 86400);	/* same: keep */
	s_add(&have, "44.31.16.0/20", NOW + 86400 - 3);
	s_add(&want, "44.31.64.0/24", NOW + 3600);	/* new: add */
	s_add(&have, "44.31.99.0/24", NOW + 3600);	/* gone: delete */
	/* The kernel has a /24 where we now want the covering /22:
	 * delete the /24, add the /22. */
	s_add(&want, "44.31.100.0/22", NOW + 600);
	s_add(&have, "44.31.101.0/24", NOW + 600);
	/* Off by 7 s of 100 s (tolerance 10): keep; by 11: renew. */
	s_add(&want, "44.31.200.1", NOW + 100);
	s_add(&have, "44.31.200.1", NOW + 93);
	s_add(&want, "44.31.200.2", NOW + 100);
	s_add(&have, "44.31.200.2", NOW + 89);
	/* 30 days: the tolerance stops at an hour. */
	s_add(&want, "44.31.200.3", NOW + 30 * 86400);
	s_add(&have, "44.31.200.3", NOW + 30 * 86400 - 3000);
	s_add(&want, "44.31.200.4", NOW + 30 * 86400);
	s_add(&have, "44.31.200.4", NOW + 30 * 86400 - 4000);
	/* The kernel keeps it longer than we want (a longer record went
	 * away): renew, to shorten. */
	s_add(&want, "44.31.200.5", NOW + 3600);
	s_add(&have, "44.31.200.5", NOW + 7 * 86400);
	/* Permanent on one side only: renew. */
	s_add(&want, "44.31.200.6", 0);
	s_add(&have, "44.31.200.6", NOW + 100);
	s_add(&want, "44.31.200.7", 0);
	s_add(&have, "44.31.200.7", 0);
	/* Ending within FW_GRACE in the kernel: never deleted; wanted, it
	 * is added over. */
	s_add(&have, "44.31.200.8", NOW + 1);
	s_add(&want, "44.31.200.9", NOW + 500);
	s_add(&have, "44.31.200.9", NOW + 2);
	/* Our own entry has expired: not wanted, and the kernel's copy,
	 * still far from its end, goes. */
	s_add(&want, "44.31.200.10", NOW);
	s_add(&have, "44.31.200.10", NOW + 900);
	s_add(&want, "44.31.200.11", NOW - 5);
	/* IPv6. */
	s_add(&want, "2a0c:b641:100::/64", NOW + 3600);
	s_add(&have, "2a0c:b641:200::/64", NOW + 3600);
	ck_assert_int_eq(fw_set_add_stray(&have, 4, "45.0.0.1-45.0.0.9"), 0);
	fw_set_merge(&want, NULL);
	fw_set_sort(&have);
	fw_set_diff(&want, &have, NOW, MAXT, &d);

	ck_assert_int_eq(s_mark(&want, "44.31.16.0/20"), FW_KEEP);
	ck_assert_int_eq(s_mark(&have, "44.31.16.0/20"), FW_KEEP);
	ck_assert_int_eq(s_mark(&want, "44.31.64.0/24"), FW_ADD);
	ck_assert_int_eq(s_mark(&have, "44.31.99.0/24"), FW_DEL);
	ck_assert_int_eq(s_mark(&want, "44.31.100.0/22"), FW_ADD);
	ck_assert_int_eq(s_mark(&have, "44.31.101.0/24"), FW_DEL);
	ck_assert_int_eq(s_mark(&want, "44.31.200.1"), FW_KEEP);
	ck_assert_int_eq(s_mark(&want, "44.31.200.2"), FW_RENEW);
	ck_assert_int_eq(s_mark(&have, "44.31.200.2"), FW_KEEP);
	ck_assert_int_eq(s_mark(&want, "44.31.200.3"), FW_KEEP);
	ck_assert_int_eq(s_mark(&want, "44.31.200.4"), FW_RENEW);
	ck_assert_int_eq(s_mark(&want, "44.31.200.5"), FW_RENEW);
	ck_assert_int_eq(s_mark(&want, "44.31.200.6"), FW_RENEW);
	ck_assert_int_eq(s_mark(&want, "44.31.200.7"), FW_KEEP);
	ck_assert_int_eq(s_mark(&have, "44.31.200.8"), FW_SKIP);
	ck_assert_int_eq(s_mark(&want, "44.31.200.9"), FW_ADD);
	ck_assert_int_eq(s_mark(&have, "44.31.200.9"), FW_SKIP);
	ck_assert_int_eq(s_mark(&want, "44.31.200.10"), FW_SKIP);
	ck_assert_int_eq(s_mark(&have, "44.31.200.10"), FW_DEL);
	ck_assert_int_eq(s_mark(&want, "44.31.200.11"), FW_SKIP);
	ck_assert_int_eq(s_mark(&want, "2a0c:b641:100::/64"), FW_ADD);
	ck_assert_int_eq(s_mark(&have, "2a0c:b641:200::/64"), FW_DEL);
	ck_assert_uint_eq(d.add, 4);
	ck_assert_uint_eq(d.del, 5);	/* 3 v4, 1 v6, 1 stray */
	ck_assert_uint_eq(d.renew, 4);
	ck_assert_uint_eq(d.keep, 4);
	ck_assert_uint_eq(d.skip, 2);
	ck_assert_uint_eq(d.changes[0], 3 + 4 + 4);
	ck_assert_uint_eq(d.changes[1], 2);
	ck_assert_uint_eq(d.want[0], 11);
	ck_assert_uint_eq(d.want[1], 1);

	/* After the apply, want stands for the kernel: kept entries carry
	 * the kernel's expiry, the rest what was written, expired ones are
	 * gone, and a second diff against it finds nothing to do. */
	fw_set_adopt(&want, &have, NOW, MAXT);
	ck_assert_uint_eq(want.n, 12);
	ck_assert_uint_eq(s_find(&want, "44.31.16.0/20")->expire, NOW + 86400 - 3);
	ck_assert_uint_eq(s_find(&want, "44.31.200.2")->expire, NOW + 100);
	ck_assert_uint_eq(s_find(&want, "44.31.200.6")->expire, 0);
	ck_assert_ptr_null(s_find(&want, "44.31.200.10"));
	{
		struct fw_set again, model = want;

		fw_set_init(&again);
		for (size_t i = 0; i < want.n; i++)
			ck_assert_int_eq(fw_set_add(&again, want.v[i].family,
			    want.v[i].addr, want.v[i].prefix, want.v[i].expire,
			    &(const char *){ NULL }), 0);
		fw_set_merge(&again, NULL);
		fw_set_diff(&again, &model, NOW + 1, MAXT, &d);
		ck_assert_uint_eq(d.add + d.del + d.renew, 0);
		ck_assert_uint_eq(d.keep, 12);
		fw_set_clear(&again);
	}
	fw_set_clear(&want);
	fw_set_clear(&have);
}
END_TEST

START_TEST(test_cap)
{
	struct fw_set want, have;
	struct fw_diff d;

	fw_set_init(&want);
	fw_set_init(&have);
	/* Wanted for 60 days; the kernel takes at most 30. */
	s_add(&want, "44.31.1.0/24", NOW + 60 * 86400);
	s_add(&have, "44.31.1.0/24", NOW + 28 * 86400);	/* a fifteenth used */
	s_add(&want, "44.31.2.0/24", NOW + 60 * 86400);
	s_add(&have, "44.31.2.0/24", NOW + 26 * 86400);	/* more than a tenth */
	s_add(&want, "44.31.3.0/24", NOW + 60 * 86400);
	fw_set_merge(&want, NULL);
	fw_set_sort(&have);
	fw_set_diff(&want, &have, NOW, 30 * 86400, &d);
	ck_assert_int_eq(s_mark(&want, "44.31.1.0/24"), FW_KEEP);
	ck_assert_int_eq(s_mark(&want, "44.31.2.0/24"), FW_RENEW);
	ck_assert_int_eq(s_mark(&want, "44.31.3.0/24"), FW_ADD);
	ck_assert_uint_eq(fw_entry_timeout(s_find(&want, "44.31.3.0/24"), NOW,
	    30 * 86400), 30 * 86400);
	fw_set_adopt(&want, &have, NOW, 30 * 86400);
	ck_assert_uint_eq(s_find(&want, "44.31.3.0/24")->expire, NOW + 30 * 86400);
	ck_assert_uint_eq(s_find(&want, "44.31.1.0/24")->expire, NOW + 28 * 86400);
	fw_set_clear(&want);
	fw_set_clear(&have);
}
END_TEST

START_TEST(test_timeout)
{
	struct fw_entry e = { .expire = 0 };

	ck_assert_uint_eq(fw_entry_timeout(&e, NOW, MAXT), 0);
	e.expire = NOW + 10;
	ck_assert_uint_eq(fw_entry_timeout(&e, NOW, MAXT), 10);
	e.expire = NOW;
	ck_assert_uint_eq(fw_entry_timeout(&e, NOW, MAXT), 1);
	e.expire = NOW + MAXT + 1;
	ck_assert_uint_eq(fw_entry_timeout(&e, NOW, MAXT), MAXT);
}
END_TEST

/* A distinct IPv4 address per i < 2^32 (an odd multiplier is a bijection
 * modulo 2^32), kept out of 0.0.0.0/8 by the caller's choice of i. */
static void
s_v4(uint32_t i, uint8_t a[16])
{
	uint32_t x = i * 2654435761u;

	memset(a, 0, 16);
	a[0] = (uint8_t)(x >> 24);
	a[1] = (uint8_t)(x >> 16);
	a[2] = (uint8_t)(x >> 8);
	a[3] = (uint8_t)x;
}

/* Strictly before, in the set's order: family, address, prefix. */
static bool
s_before(const struct fw_entry *a, const struct fw_entry *b)
{
	int c = memcmp(a->addr, b->addr, 16);

	if (a->family != b->family)
		return a->family < b->family;
	return c < 0 || (c == 0 && a->prefix < b->prefix);
}

/* Sorting adversarial orders: sorted, reversed, all equal, organ pipe. */
START_TEST(test_sort_orders)
{
	const uint32_t n = 5000;
	struct fw_set s;
	uint8_t a[16] = { 0 };
	const char *why;

	for (int order = 0; order < 4; order++) {
		fw_set_init(&s);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t k = order == 0 ? i : order == 1 ? n - i :
			    order == 2 ? 7 : (i < n / 2 ? i : n - i);

			a[0] = 44;
			a[1] = (uint8_t)(k >> 16);
			a[2] = (uint8_t)(k >> 8);
			a[3] = (uint8_t)k;
			ck_assert_int_eq(fw_set_add(&s, 4, a, 32, NOW + i, &why), 0);
		}
		fw_set_sort(&s);
		for (size_t i = 1; i < s.n; i++)
			ck_assert(s_before(&s.v[i - 1], &s.v[i]));
		/* Duplicates fold to the latest expiry. */
		if (order == 2) {
			ck_assert_uint_eq(s.n, 1);
			ck_assert_uint_eq(s.v[0].expire, NOW + n - 1);
		}
		fw_set_clear(&s);
	}
}
END_TEST

START_TEST(test_large)
{
	const size_t n = 1000000, n6 = 50000;
	struct fw_set want, have;
	struct fw_diff d;
	uint8_t a[16];
	const char *why;
	size_t folded, in44 = 0, have44 = 0, add = 1, del = 0, renew = 0;

	fw_set_init(&want);
	fw_set_init(&have);
	/* want: n IPv4 hosts and n6 IPv6 /64s.  have: the same, except
	 * that 1,000 are missing, 1,000 more are extra, and 1,000 have an
	 * expiry two hours off. */
	for (uint32_t i = 0; i < n + 1000; i++) {
		uint32_t exp = NOW + 86400 + i % 3600;

		s_v4(i, a);
		if (a[0] == 44)	/* under the /8 added below */
			in44 += i < n, have44 += i >= 1000;
		else if (i < 1000)
			add++;
		else if (i >= n)
			del++;
		else if (i < 2000)
			renew++;
		if (i < n)
			ck_assert_int_eq(fw_set_add(&want, 4, a, 32, exp, &why), 0);
		if (i >= 1000)
			ck_assert_int_eq(fw_set_add(&have, 4, a, 32,
			    i < 2000 ? exp - 7200 : exp, &why), 0);
	}
	for (uint32_t i = 0; i < n6; i++) {
		memset(a, 0, 16);
		a[0] = 0x2a;
		a[1] = 0x0c;
		a[4] = (uint8_t)(i >> 24);
		a[5] = (uint8_t)(i >> 16);
		a[6] = (uint8_t)(i >> 8);
		a[7] = (uint8_t)i;
		ck_assert_int_eq(fw_set_add(&want, 6, a, 64, NOW + 600, &why), 0);
		ck_assert_int_eq(fw_set_add(&have, 6, a, 64, NOW + 600, &why), 0);
	}
	/* A /8 over part of the IPv4 hosts folds them all. */
	a[0] = 44;
	a[1] = a[2] = a[3] = 0;
	ck_assert_int_eq(fw_set_add(&want, 4, a, 8, NOW + 60, &why), 0);
	fw_set_merge(&want, &folded);
	fw_set_sort(&have);
	ck_assert_uint_eq(folded, in44);
	ck_assert_uint_gt(folded, 3000);
	ck_assert_uint_eq(want.n + folded, n + n6 + 1);
	for (size_t i = 1; i < want.n; i++)
		ck_assert(s_before(&want.v[i - 1], &want.v[i]));
	for (size_t i = 1; i < have.n; i++)
		ck_assert(s_before(&have.v[i - 1], &have.v[i]));

	fw_set_diff(&want, &have, NOW, MAXT, &d);
	ck_assert_uint_eq(d.want[0] + d.want[1], want.n);
	ck_assert_uint_eq(d.want[1], n6);
	ck_assert_uint_eq(d.add, add);		/* the /8 and 1,000 hosts, less 44/8 */
	ck_assert_uint_eq(d.del, del + have44);
	ck_assert_uint_eq(d.renew, renew);
	ck_assert_uint_eq(d.keep + d.renew + d.del, have.n);
	ck_assert_uint_eq(d.keep + d.renew + d.add, want.n);
	fw_set_clear(&want);
	fw_set_clear(&have);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fwset");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_parse_format);
	tcase_add_test(tc, test_add_refusals);
	tcase_add_test(tc, test_sort);
	tcase_add_test(tc, test_sort_orders);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_diff);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_large);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

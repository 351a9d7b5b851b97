/* Check suite for protocol/frame and protocol/scope. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "protocol/frame.h"
#include "protocol/scope.h"
#include "tests/testutil.h"

static uint8_t s_buf[FRAME_MAX_LEN + 16];

START_TEST(test_hello)
{
	struct frame_hello h = { .version = FRAME_VERSION, .flags = HELLO_F_REPLY,
	    .n_origins = 12345 };
	const char *why = NULL;
	struct frame f;
	size_t n;

	memset(h.key, 0xab, 32);
	memset(h.digest, 0x5c, 32);
	n = frame_hello(s_buf, sizeof(s_buf), &h);
	ck_assert_uint_eq(n, 71);
	ck_assert_int_eq(frame_decode(s_buf, n, &f, &why), 0);
	ck_assert_uint_eq(f.type, FT_HELLO);
	ck_assert_mem_eq(&f.u.hello, &h, sizeof(h));
	ck_assert_int_eq(frame_decode(s_buf, n - 1, &f, &why), KY_EMALFORMED);
	s_buf[1] = 9;
	ck_assert_int_eq(frame_decode(s_buf, n, &f, &why), KY_EVERSION);
	ck_assert_uint_eq(frame_hello(s_buf, 70, &h), 0);
}
END_TEST

START_TEST(test_vector)
{
	struct frame_vector_entry e, got;
	const char *why = NULL;
	struct frame f;
	size_t len = frame_vector_begin(s_buf, sizeof(s_buf)), pos = 0;
	int n = 0;

	for (int i = 0; i < FRAME_VECTOR_MAX + 5; i++) {
		memset(e.origin, i, 32);
		e.contig = (uint64_t)i * 1000003;
		if (!frame_vector_add(s_buf, sizeof(s_buf), &len, &e))
			break;
		n++;
	}
	ck_assert_int_eq(n, FRAME_VECTOR_MAX);
	frame_vector_finish(s_buf, true);
	ck_assert_int_eq(frame_decode(s_buf, len, &f, &why), 0);
	ck_assert(f.u.vector.flags & VECTOR_F_LAST);
	for (int i = 0; frame_vector_next(&f, &pos, &got); i++) {
		ck_assert_uint_eq(got.origin[0], (uint8_t)i);
		ck_assert_uint_eq(got.contig, (uint64_t)i * 1000003);
	}
	ck_assert_uint_eq(pos, FRAME_VECTOR_MAX);
	ck_assert_int_eq(frame_decode(s_buf, len - 1, &f, &why), KY_EMALFORMED);
}
END_TEST

START_TEST(test_records)
{
	struct ident *id = tu_ident(12);
	const char *why = NULL;
	const uint8_t *rec;
	struct frame f;
	uint8_t *r1, *r2;
	size_t l1, l2, len, pos = 0, rl;

	r1 = tu_indicator(id, 1, NULL, 1700000000, 1, &l1);
	r2 = tu_indicator(id, 2, r1, 1700000001, 2, &l2);
	len = frame_records_begin(s_buf, sizeof(s_buf));
	ck_assert(frame_records_add(s_buf, sizeof(s_buf), &len, r1, l1));
	ck_assert(frame_records_add(s_buf, sizeof(s_buf), &len, r2, RECORD_STUB_LEN));
	ck_assert_uint_eq(frame_records_count(s_buf), 2);
	ck_assert_int_eq(frame_decode(s_buf, len, &f, &why), 0);
	ck_assert(frame_records_next(&f, &pos, &rec, &rl));
	ck_assert_uint_eq(rl, l1);
	ck_assert_mem_eq(rec, r1, l1);
	ck_assert(frame_records_next(&f, &pos, &rec, &rl));
	ck_assert_uint_eq(rl, RECORD_STUB_LEN);
	ck_assert(!frame_records_next(&f, &pos, &rec, &rl));
	/* A length that runs past the frame is refused before iteration. */
	ck_assert_int_eq(frame_decode(s_buf, len - 1, &f, &why), KY_EMALFORMED);
	s_buf[3] = 0xff;	/* first length's high byte */
	ck_assert_int_eq(frame_decode(s_buf, len, &f, &why), KY_EMALFORMED);
	ck_assert_int_eq(frame_decode(s_buf, FRAME_MAX_LEN + 1, &f, &why), KY_ETOOBIG);
	free(r1);
	free(r2);
	ident_destroy(&id);
}
END_TEST

START_TEST(test_notes)
{
	uint8_t origin[32];
	const char *why = NULL;
	struct frame f;
	size_t n;

	memset(origin, 7, 32);
	n = frame_note(s_buf, sizeof(s_buf), FT_UNCHOKE, origin, 99);
	ck_assert_int_eq(frame_decode(s_buf, n, &f, &why), 0);
	ck_assert_uint_eq(f.type, FT_UNCHOKE);
	ck_assert_uint_eq(f.u.note.seq, 99);
	ck_assert_mem_eq(f.u.note.origin, origin, 32);
	n = frame_credit(s_buf, sizeof(s_buf), 1u << 20);
	ck_assert_int_eq(frame_decode(s_buf, n, &f, &why), 0);
	ck_assert_uint_eq(f.u.credit, 1u << 20);
	s_buf[0] = 0x42;
	ck_assert_int_eq(frame_decode(s_buf, n, &f, &why), KY_EMALFORMED);
	ck_assert_str_eq(why, "frame: unknown type");
	ck_assert_int_eq(frame_decode(s_buf, 0, &f, &why), KY_EMALFORMED);
}
END_TEST

/*
 * The scope rule as a property over random headers and peer relations:
 * a body leaves for CLEAR; GREEN to a member; AMBER only sealed (or a
 * retraction); RED only sealed, from its author, to a recipient.
 */
START_TEST(test_scope_property)
{
	int whole = 0, stub = 0;

	for (int i = 0; i < 100000; i++) {
		struct record_header h;
		struct scope_peer p;
		enum scope_send s;

		randombytes_buf(&h, sizeof(h));
		h.tlp = (uint8_t)(randombytes_uniform(TLP_MAX + 3));
		h.kind = (uint8_t)(1 + randombytes_uniform(6));
		p.member = randombytes_uniform(2);
		p.sealed = randombytes_uniform(2);
		p.recipient = randombytes_uniform(2);
		p.author = randombytes_uniform(2);
		s = scope_decide(&h, &p);
		ck_assert(s == SCOPE_WHOLE || s == SCOPE_STUB);
		if (s == SCOPE_WHOLE) {
			whole++;
			ck_assert(h.tlp == TLP_CLEAR ||
			    (h.tlp == TLP_GREEN && p.member) ||
			    ((h.tlp == TLP_AMBER || h.tlp == TLP_AMBER_STRICT) &&
			    (p.sealed || h.kind == RK_RETRACTION)) ||
			    (h.tlp == TLP_RED && p.sealed && p.author &&
			    p.recipient));
		} else {
			stub++;
			ck_assert(h.tlp != TLP_CLEAR);
		}
		/* RED never leaves readable, nor from anyone but its author. */
		if (h.tlp == TLP_RED && (!p.author || !p.recipient || !p.sealed))
			ck_assert(s == SCOPE_STUB);
	}
	ck_assert_int_gt(whole, 0);
	ck_assert_int_gt(stub, 0);
	ck_assert(scope_tlp_is_private(TLP_RED));
	ck_assert(!scope_tlp_is_private(TLP_GREEN));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_hello);
	tcase_add_test(tc, test_vector);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_notes);
	tcase_add_test(tc, test_scope_property);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

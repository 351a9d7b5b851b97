/* Check suite for keys/keyring: the text format, every refusal, files. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "keys/keyring.h"

/* Public keys of the identities with seeds 0x01.., 0x02.., 0x03.. */
static uint8_t s_pk[3][IDENT_PUBLIC_LEN];
static char s_hex[3][2 * IDENT_PUBLIC_LEN + 1];

static const char s_ja[] = "大阪商工会議所 セキュリティ担当 山田さん";

static char s_dir[256];

static void
s_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(s_dir, sizeof(s_dir), "%s/kyojo-keyring-XXXXXX",
	    base != NULL ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(s_dir));
}

static int
s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
s_teardown(void)
{
	nftw(s_dir, s_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static struct keyring *
s_parse(const char *text)
{
	struct keyring *kr = NULL;
	const char *why = NULL;
	int line = -1;

	ck_assert_msg(keyring_parse(text, strlen(text), &kr, &line, &why) == 0,
	    "line %d: %s", line, why);
	return kr;
}

static void
s_assert_same(const struct keyring *a, const struct keyring *b)
{
	ck_assert_uint_eq(keyring_count(a), keyring_count(b));
	for (size_t i = 0; i < keyring_count(a); i++) {
		const struct keyring_entry *x = keyring_at(a, i),
		    *y = keyring_at(b, i);

		ck_assert_mem_eq(x->pk, y->pk, IDENT_PUBLIC_LEN);
		ck_assert_int_eq(x->level, y->level);
		ck_assert_uint_eq(x->added, y->added);
		ck_assert_str_eq(x->note, y->note);
	}
}

START_TEST(test_names)
{
	ck_assert_str_eq(keyring_trust_name(TRUST_MEMBER), "member");
	ck_assert_str_eq(keyring_trust_name(TRUST_TRUSTED), "trusted");
	ck_assert_str_eq(keyring_trust_name(TRUST_COORDINATOR), "coordinator");
	ck_assert_ptr_null(keyring_trust_name(0));
	ck_assert_ptr_null(keyring_trust_name(4));
	ck_assert_int_eq(keyring_trust_from_name("member"), TRUST_MEMBER);
	ck_assert_int_eq(keyring_trust_from_name("trusted"), TRUST_TRUSTED);
	ck_assert_int_eq(keyring_trust_from_name("coordinator"),
	    TRUST_COORDINATOR);
	ck_assert_int_eq(keyring_trust_from_name("Member"), KY_EINVAL);
	ck_assert_int_eq(keyring_trust_from_name(""), KY_EINVAL);
	ck_assert_int_eq(keyring_trust_from_name("members"), KY_EINVAL);
}
END_TEST

START_TEST(test_round_trip)
{
	struct keyring *kr, *back;
	char text[1024], *out = NULL;
	size_t len = 0;
	const struct keyring_entry *e;

	snprintf(text, sizeof(text),
	    "# our partners\n"
	    "\n"
	    "%s coordinator 1700000000 %s\n"
	    "   # indented comment\n"
	    "%s\tmember\t1700000100\r\n"
	    "  %s   trusted   1700000200   neighbour  firm \t \n",
	    s_hex[2], s_ja, s_hex[0], s_hex[1]);
	kr = s_parse(text);
	ck_assert_uint_eq(keyring_count(kr), 3);
	e = keyring_find(kr, s_pk[2]);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->level, TRUST_COORDINATOR);
	ck_assert_uint_eq(e->added, 1700000000);
	ck_assert_str_eq(e->note, s_ja);
	e = keyring_find(kr, s_pk[0]);
	ck_assert_int_eq(e->level, TRUST_MEMBER);
	ck_assert_str_eq(e->note, "");
	e = keyring_find(kr, s_pk[1]);
	ck_assert_str_eq(e->note, "neighbour  firm");
	/* Key order, whatever the file order. */
	for (size_t i = 1; i < keyring_count(kr); i++)
		ck_assert_int_lt(memcmp(keyring_at(kr, i - 1)->pk,
		    keyring_at(kr, i)->pk, IDENT_PUBLIC_LEN), 0);
	ck_assert_ptr_null(keyring_at(kr, 3));
	ck_assert_int_eq(keyring_format(kr, &out, &len), 0);
	ck_assert_uint_eq(strlen(out), len);
	back = s_parse(out);
	s_assert_same(kr, back);
	free(out);
	keyring_destroy(&back);
	keyring_destroy(&kr);
	ck_assert_ptr_null(kr);
	keyring_destroy(&kr);
	keyring_destroy(NULL);
}
END_TEST

START_TEST(test_format_exact)
{
	struct keyring *kr = keyring_new();
	char want[1024], *out = NULL;
	size_t len;

	ck_assert_ptr_nonnull(kr);
	ck_assert_int_eq(keyring_add(kr, s_pk[0], TRUST_TRUSTED, "ACME 株式会社",
	    1700000000), 0);
	ck_assert_int_eq(keyring_add(kr, s_pk[1], TRUST_MEMBER, NULL, 0), 0);
	ck_assert_int_eq(keyring_format(kr, &out, &len), 0);
	snprintf(want, sizeof(want),
	    "# kyojo keyring: the keys this node trusts, one per line:\n"
	    "# <public key> <member|trusted|coordinator> <added, unix time> <note>\n"
	    "%s %s\n%s %s\n",
	    memcmp(s_pk[0], s_pk[1], 32) < 0 ? s_hex[0] : s_hex[1],
	    memcmp(s_pk[0], s_pk[1], 32) < 0 ? "trusted 1700000000 ACME 株式会社" :
	    "member 0",
	    memcmp(s_pk[0], s_pk[1], 32) < 0 ? s_hex[1] : s_hex[0],
	    memcmp(s_pk[0], s_pk[1], 32) < 0 ? "member 0" :
	    "trusted 1700000000 ACME 株式会社");
	ck_assert_str_eq(out, want);
	free(out);
	keyring_destroy(&kr);
}
END_TEST

START_TEST(test_empty)
{
	struct keyring *kr = s_parse(""), *back;
	char *out = NULL;
	size_t len;

	ck_assert_uint_eq(keyring_count(kr), 0);
	ck_assert_ptr_null(keyring_at(kr, 0));
	ck_assert_ptr_null(keyring_find(kr, s_pk[0]));
	ck_assert_int_eq(keyring_format(kr, &out, &len), 0);
	back = s_parse(out);
	ck_assert_uint_eq(keyring_count(back), 0);
	free(out);
	keyring_destroy(&back);
	keyring_destroy(&kr);
	kr = s_parse("# only a comment\n\n   \n\t\n");
	ck_assert_uint_eq(keyring_count(kr), 0);
	keyring_destroy(&kr);
}
END_TEST

/* In these texts @1 stands for a valid key and @2 for another. */
static const struct {
	const char *text;
	int line;
	int rc;
	const char *why;
} s_bad[] = {
	{ "nothex member 1\n", 1, KY_EMALFORMED,
	  "bad key: expected 64 hex digits" },
	{ "# c\n\n@1ff member 1\n", 3, KY_EMALFORMED,
	  "bad key: expected 64 hex digits" },
	{ "@1 member 1\n"
	  "g3a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8 "
	  "member 1\n", 2, KY_EMALFORMED, "bad key: expected 64 hex digits" },
	{ "0100000000000000000000000000000000000000000000000000000000000000 "
	  "member 1\n", 1, KY_EMALFORMED,
	  "bad key: not a valid Ed25519 public key" },
	{ "@1\n", 1, KY_EMALFORMED, "missing trust level" },
	{ "@1 member 1\n@2 friend 1\n", 2, KY_EMALFORMED,
	  "unknown trust level (member, trusted or coordinator)" },
	{ "@1 MEMBER 1\n", 1, KY_EMALFORMED,
	  "unknown trust level (member, trusted or coordinator)" },
	{ "@1 member\n", 1, KY_EMALFORMED, "missing time added" },
	{ "@1 member -1\n", 1, KY_EMALFORMED,
	  "bad time added: expected unix seconds" },
	{ "@1 member 17e8\n", 1, KY_EMALFORMED,
	  "bad time added: expected unix seconds" },
	{ "@1 member 18446744073709551616\n", 1, KY_EMALFORMED,
	  "bad time added: expected unix seconds" },
	{ "@1 member 1 a\001b\n", 1, KY_EMALFORMED,
	  "note contains a control character" },
	{ "@1 member 1 caf\xc3\n", 1, KY_EMALFORMED,
	  "note is not valid UTF-8" },
	{ "@1 member 1 \xc0\xaf\n", 1, KY_EMALFORMED,
	  "note is not valid UTF-8" },
	/* A note of 3 * 68 = 204 bytes. */
	{ "@1 member 1 "
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	  1, KY_EMALFORMED, "note longer than 200 bytes" },
	{ "@1 member 1\n# x\n@2 trusted 2\n@1 trusted 3\n", 4,
	  KY_EMALFORMED, "duplicate key" },
	/* The first error in the file wins, whichever kind it is. */
	{ "@1 member 1\n@1 member 1\n@2 nobody 2\n", 2, KY_EMALFORMED,
	  "duplicate key" },
	{ "@1 member 1\n@2 nobody 2\n@1 member 1\n", 2, KY_EMALFORMED,
	  "unknown trust level (member, trusted or coordinator)" },
};

/* Copies text into out, replacing @1 and @2 by s_hex[0] and s_hex[1]. */
static int
s_expand(const char *text, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = text; *p != '\0'; p++) {
		const char *put = p;
		size_t len = 1;

		if (p[0] == '@' && (p[1] == '1' || p[1] == '2')) {
			put = s_hex[p[1] - '1'];
			len = 2 * IDENT_PUBLIC_LEN;
			p++;
		}
		ck_assert_uint_lt(n + len, cap);
		memcpy(out + n, put, len);
		n += len;
	}
	out[n] = '\0';
	return (int)n;
}

START_TEST(test_refusals)
{
	struct keyring *kr = (struct keyring *)1;
	const char *why = NULL;
	char text[1024];
	int line = -1, n;

	n = s_expand(s_bad[_i].text, text, sizeof(text));
	ck_assert_int_eq(keyring_parse(text, (size_t)n, &kr, &line, &why),
	    s_bad[_i].rc);
	ck_assert_ptr_null(kr);
	ck_assert_int_eq(line, s_bad[_i].line);
	ck_assert_str_eq(why, s_bad[_i].why);
}
END_TEST

START_TEST(test_nul_and_size)
{
	struct keyring *kr = NULL;
	const char *why = NULL;
	char text[256];
	int line = -1, n;
	char *big;

	n = snprintf(text, sizeof(text), "# x\n%s member 1 a", s_hex[0]);
	text[n++] = '\0';
	text[n++] = 'b';
	ck_assert_int_eq(keyring_parse(text, (size_t)n, &kr, &line, &why),
	    KY_EMALFORMED);
	ck_assert_int_eq(line, 2);
	ck_assert_str_eq(why, "note is not valid UTF-8");
	big = calloc(1, KEYRING_FILE_MAX + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '\n', KEYRING_FILE_MAX + 1);
	ck_assert_int_eq(keyring_parse(big, KEYRING_FILE_MAX + 1, &kr, &line,
	    &why), KY_ETOOBIG);
	ck_assert_int_eq(line, 0);
	ck_assert_int_eq(keyring_parse(big, KEYRING_FILE_MAX, &kr, &line, &why),
	    0);
	ck_assert_uint_eq(keyring_count(kr), 0);
	keyring_destroy(&kr);
	free(big);
}
END_TEST

START_TEST(test_add_replace_remove)
{
	struct keyring *kr = keyring_new();
	const struct keyring_entry *e;
	const char *why = NULL;
	char note[KEYRING_NOTE_MAX + 2];

	ck_assert_int_eq(keyring_add(kr, s_pk[0], TRUST_MEMBER, s_ja, 100), 0);
	ck_assert_int_eq(keyring_add(kr, s_pk[1], TRUST_MEMBER, "b", 200), 0);
	ck_assert_int_eq(keyring_add(kr, s_pk[0], TRUST_COORDINATOR, "promoted",
	    300), 0);
	ck_assert_uint_eq(keyring_count(kr), 2);
	e = keyring_find(kr, s_pk[0]);
	ck_assert_int_eq(e->level, TRUST_COORDINATOR);
	ck_assert_str_eq(e->note, "promoted");
	ck_assert_uint_eq(e->added, 100);
	/* Refusals leave the entry as it was. */
	ck_assert_int_eq(keyring_add(kr, s_pk[0], 0, "x", 1), KY_EINVAL);
	ck_assert_int_eq(keyring_add(kr, s_pk[0], 4, "x", 1), KY_EINVAL);
	ck_assert_int_eq(keyring_add(kr, s_pk[0], TRUST_MEMBER, "two\nlines",
	    1), KY_EINVAL);
	ck_assert_int_eq(keyring_add(kr, s_pk[0], TRUST_MEMBER, " padded", 1),
	    KY_EINVAL);
	ck_assert_int_eq(keyring_add(kr, s_pk[0], TRUST_MEMBER, "padded\t", 1),
	    KY_EINVAL);
	ck_assert_int_eq(keyring_add(kr, s_pk[0], TRUST_MEMBER, "\xff", 1),
	    KY_EINVAL);
	memset(note, 'n', sizeof(note) - 1);
	note[sizeof(note) - 1] = '\0';
	ck_assert_int_eq(keyring_add(kr, s_pk[0], TRUST_MEMBER, note, 1),
	    KY_ETOOBIG);
	ck_assert_int_eq(keyring_check_note(note, &why), KY_ETOOBIG);
	ck_assert_str_eq(why, "note longer than 200 bytes");
	note[KEYRING_NOTE_MAX] = '\0';
	ck_assert_int_eq(keyring_check_note(note, &why), 0);
	ck_assert_int_eq(keyring_check_note(" x", &why), KY_EINVAL);
	ck_assert_str_eq(why, "note begins or ends with a blank");
	e = keyring_find(kr, s_pk[0]);
	ck_assert_int_eq(e->level, TRUST_COORDINATOR);
	ck_assert_str_eq(e->note, "promoted");
	ck_assert_int_eq(keyring_add(kr, s_pk[2], TRUST_TRUSTED, note, 5), 0);
	ck_assert_uint_eq(strlen(keyring_find(kr, s_pk[2])->note),
	    KEYRING_NOTE_MAX);
	ck_assert_int_eq(keyring_remove(kr, s_pk[0]), 0);
	ck_assert_int_eq(keyring_remove(kr, s_pk[0]), KY_ENOTFOUND);
	ck_assert_ptr_null(keyring_find(kr, s_pk[0]));
	ck_assert_ptr_nonnull(keyring_find(kr, s_pk[1]));
	ck_assert_ptr_nonnull(keyring_find(kr, s_pk[2]));
	ck_assert_uint_eq(keyring_count(kr), 2);
	keyring_destroy(&kr);
}
END_TEST

START_TEST(test_invalid_key)
{
	static const uint8_t identity[IDENT_PUBLIC_LEN] = { 1 };
	struct keyring *kr = keyring_new();

	ck_assert_int_eq(keyring_add(kr, identity, TRUST_MEMBER, NULL, 1),
	    KY_EINVAL);
	ck_assert_uint_eq(keyring_count(kr), 0);
	keyring_destroy(&kr);
}
END_TEST

START_TEST(test_many)
{
	struct keyring *kr = keyring_new(), *back;
	char *out = NULL;
	size_t len;

	/* Enough to grow the array several times, added in random order. */
	for (int i = 0; i < 300; i++) {
		uint8_t seed[IDENT_SEED_LEN], pk[IDENT_PUBLIC_LEN],
		    sk[crypto_sign_SECRETKEYBYTES];

		memset(seed, 0, sizeof(seed));
		seed[0] = (uint8_t)i;
		seed[1] = (uint8_t)(i >> 8);
		crypto_sign_seed_keypair(pk, sk, seed);
		ck_assert_int_eq(keyring_add(kr, pk, (enum trust)(1 + i % 3),
		    "x", (uint64_t)i), 0);
	}
	ck_assert_uint_eq(keyring_count(kr), 300);
	ck_assert_int_eq(keyring_format(kr, &out, &len), 0);
	back = s_parse(out);
	s_assert_same(kr, back);
	for (size_t i = 0; i < 300; i++)
		ck_assert_ptr_eq(keyring_find(kr, keyring_at(kr, i)->pk),
		    keyring_at(kr, i));
	free(out);
	keyring_destroy(&back);
	keyring_destroy(&kr);
}
END_TEST

START_TEST(test_save_load)
{
	struct keyring *kr = keyring_new(), *back = NULL;
	const char *why = NULL;
	char path[512];
	struct stat st;
	int line = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/keyring", s_dir);
	ck_assert_int_eq(keyring_load(path, &back, &line, &why), 0);
	ck_assert_uint_eq(keyring_count(back), 0);
	keyring_destroy(&back);
	ck_assert_int_eq(keyring_add(kr, s_pk[0], TRUST_TRUSTED, s_ja, 9), 0);
	ck_assert_int_eq(keyring_add(kr, s_pk[1], TRUST_MEMBER, "", 10), 0);
	ck_assert_int_eq(keyring_save(path, kr), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0640);
	ck_assert_int_eq(keyring_load(path, &back, &line, &why), 0);
	s_assert_same(kr, back);
	keyring_destroy(&back);
	/* Others must not be able to make themselves trusted. */
	ck_assert_int_eq(chmod(path, 0660), 0);
	ck_assert_int_eq(keyring_load(path, &back, &line, &why), KY_EPERM);
	ck_assert_str_eq(why, "keyring is writable by group or others (chmod 640)");
	ck_assert_int_eq(chmod(path, 0646), 0);
	ck_assert_int_eq(keyring_load(path, &back, &line, &why), KY_EPERM);
	ck_assert_ptr_null(back);
	ck_assert_int_eq(chmod(path, 0644), 0);
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("oops\n", f);
	fclose(f);
	ck_assert_int_eq(keyring_load(path, &back, &line, &why), KY_EMALFORMED);
	ck_assert_int_eq(line, 5);
	ck_assert_str_eq(why, "bad key: expected 64 hex digits");
	ck_assert_int_eq(keyring_load(s_dir, &back, &line, &why), KY_EINVAL);
	ck_assert_str_eq(why, "keyring is not a regular file");
	ck_assert_int_eq(line, 0);
	keyring_destroy(&kr);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("keyring");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	umask(022);
	for (int i = 0; i < 3; i++) {
		uint8_t seed[IDENT_SEED_LEN], sk[crypto_sign_SECRETKEYBYTES];

		memset(seed, i + 1, sizeof(seed));
		crypto_sign_seed_keypair(s_pk[i], sk, seed);
		sodium_bin2hex(s_hex[i], sizeof(s_hex[i]), s_pk[i], 32);
	}
	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_format_exact);
	tcase_add_test(tc, test_empty);
	tcase_add_loop_test(tc, test_refusals, 0, sizeof(s_bad) / sizeof(s_bad[0]));
	tcase_add_test(tc, test_nul_and_size);
	tcase_add_test(tc, test_add_replace_remove);
	tcase_add_test(tc, test_invalid_key);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_save_load);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* Check suite for keys/keyfile: atomic writes, permissions, refusals. */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "keys/keyfile.h"

static const char s_seed_hex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char s_pk_hex[] =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";

static char s_dir[256];

static void
s_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(s_dir, sizeof(s_dir), "%s/kyojo-keyfile-XXXXXX",
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

/* s_dir/name, in a static buffer (one at a time). */
static const char *
s_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", s_dir, name);
	return path;
}

static void
s_put(const char *name, const char *text, mode_t mode)
{
	ck_assert_int_eq(keyfile_write_atomic(s_path(name), text, strlen(text),
	    mode), 0);
}

static mode_t
s_mode(const char *name)
{
	struct stat st;

	ck_assert_int_eq(stat(s_path(name), &st), 0);
	return st.st_mode & 07777;
}

/* Names in s_dir other than . and .., so leftovers show. */
static int
s_count_files(void)
{
	DIR *d = opendir(s_dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static struct ident *
s_kat_ident(void)
{
	uint8_t seed[IDENT_SEED_LEN];
	struct ident *id = NULL;

	for (int i = 0; i < IDENT_SEED_LEN; i++)
		seed[i] = (uint8_t)i;
	ck_assert_int_eq(ident_from_seed(seed, &id), 0);
	return id;
}

START_TEST(test_round_trip)
{
	struct ident *id = NULL, *back = NULL;
	const char *why = NULL;
	uint8_t pk[IDENT_PUBLIC_LEN], sig[IDENT_SIG_LEN];

	ck_assert_int_eq(ident_generate(&id), 0);
	ck_assert_int_eq(keyfile_save_ident(s_dir, id), 0);
	ck_assert_uint_eq(s_mode(KEYFILE_SECRET), 0600);
	ck_assert_uint_eq(s_mode(KEYFILE_PUBLIC), 0644);
	ck_assert_int_eq(s_count_files(), 2);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), 0);
	ck_assert_mem_eq(ident_public(back), ident_public(id), IDENT_PUBLIC_LEN);
	ck_assert_int_eq(ident_sign(back, pk, 0, sig), 0);
	ck_assert_int_eq(crypto_sign_verify_detached(sig, pk, 0,
	    ident_public(id)), 0);
	ck_assert_int_eq(keyfile_read_public(s_path(KEYFILE_PUBLIC), pk, &why), 0);
	ck_assert_mem_eq(pk, ident_public(id), IDENT_PUBLIC_LEN);
	ident_destroy(&id);
	ident_destroy(&back);
}
END_TEST

START_TEST(test_file_contents)
{
	struct ident *id = s_kat_ident();
	char want[128], *text = NULL;
	size_t len;
	mode_t mode;

	ck_assert_int_eq(keyfile_save_ident(s_dir, id), 0);
	ck_assert_int_eq(keyfile_read(s_path(KEYFILE_SECRET), 1024, &text, &len,
	    &mode), 0);
	snprintf(want, sizeof(want), "kyojo-secret-key v1\n%s\n", s_seed_hex);
	ck_assert_str_eq(text, want);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_uint_eq(mode & 0777, 0600);
	free(text);
	ck_assert_int_eq(keyfile_read(s_path(KEYFILE_PUBLIC), 1024, &text, &len,
	    &mode), 0);
	snprintf(want, sizeof(want), "kyojo-public-key v1\n%s\n", s_pk_hex);
	ck_assert_str_eq(text, want);
	free(text);
	ident_destroy(&id);
}
END_TEST

static const mode_t s_unsafe[] = { 0640, 0604, 0660, 0602, 0620, 0601, 0610,
    0644, 0666 };

START_TEST(test_unsafe_mode)
{
	struct ident *id = s_kat_ident(), *back = (struct ident *)1;
	const char *why = NULL;

	ck_assert_int_eq(keyfile_save_ident(s_dir, id), 0);
	ck_assert_int_eq(chmod(s_path(KEYFILE_SECRET), s_unsafe[_i]), 0);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), KY_EPERM);
	ck_assert_ptr_null(back);
	ck_assert_str_eq(why,
	    "secret.key is readable by group or others (chmod 600)");
	/* The owner's own bits are the owner's business. */
	ck_assert_int_eq(chmod(s_path(KEYFILE_SECRET), 0400), 0);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), 0);
	ident_destroy(&back);
	ident_destroy(&id);
}
END_TEST

START_TEST(test_no_overwrite)
{
	struct ident *a = s_kat_ident(), *b = NULL, *back = NULL;
	const char *why = NULL;

	ck_assert_int_eq(ident_generate(&b), 0);
	ck_assert_int_eq(keyfile_save_ident(s_dir, a), 0);
	ck_assert_int_eq(keyfile_save_ident(s_dir, b), KY_EEXIST);
	ck_assert_int_eq(keyfile_save_ident(s_dir, a), KY_EEXIST);
	ck_assert_int_eq(s_count_files(), 2);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), 0);
	ck_assert_mem_eq(ident_public(back), ident_public(a), IDENT_PUBLIC_LEN);
	/* A stale public.key alone does not block a new identity. */
	ck_assert_int_eq(unlink(s_path(KEYFILE_SECRET)), 0);
	ck_assert_int_eq(keyfile_save_ident(s_dir, b), 0);
	ident_destroy(&back);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), 0);
	ck_assert_mem_eq(ident_public(back), ident_public(b), IDENT_PUBLIC_LEN);
	ident_destroy(&back);
	ident_destroy(&a);
	ident_destroy(&b);
}
END_TEST

START_TEST(test_missing)
{
	struct ident *id = s_kat_ident(), *back = NULL;
	const char *why = NULL;

	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), KY_ENOTFOUND);
	ck_assert_str_eq(why, "secret.key not found");
	ck_assert_int_eq(keyfile_save_ident(s_dir, id), 0);
	/* public.key is optional; secret.key alone is an identity. */
	ck_assert_int_eq(unlink(s_path(KEYFILE_PUBLIC)), 0);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), 0);
	ident_destroy(&back);
	ck_assert_int_eq(keyfile_save_ident("/nonexistent/kyojo", id),
	    KY_ENOTFOUND);
	ident_destroy(&id);
}
END_TEST

static const struct {
	const char *secret;
	int rc;
	const char *why;
} s_bad_secret[] = {
	{ "", KY_EMALFORMED, "secret key: not a kyojo secret key file" },
	{ "hello\n", KY_EMALFORMED, "secret key: not a kyojo secret key file" },
	{ "kyojo-secret-key v2\n"
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	  KY_EVERSION, "secret key: unknown format version" },
	{ "kyojo-secret-key v1\n0001\n", KY_EMALFORMED,
	  "secret key: expected 64 hex digits on line 2" },
	{ "kyojo-secret-key v1\n"
	  "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	  KY_EMALFORMED, "secret key: expected 64 hex digits on line 2" },
	{ "kyojo-secret-key v1\n"
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
	  "extra\n", KY_EMALFORMED, "secret key: unexpected data after the key" },
};

START_TEST(test_malformed_secret)
{
	struct ident *back = (struct ident *)1;
	const char *why = NULL;

	s_put(KEYFILE_SECRET, s_bad_secret[_i].secret, 0600);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why),
	    s_bad_secret[_i].rc);
	ck_assert_ptr_null(back);
	ck_assert_str_eq(why, s_bad_secret[_i].why);
}
END_TEST

START_TEST(test_oversized_and_odd)
{
	struct ident *back = NULL;
	const char *why = NULL;
	char big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s_put(KEYFILE_SECRET, big, 0600);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), KY_EMALFORMED);
	ck_assert_str_eq(why, "secret.key is too large to be a key");
	ck_assert_int_eq(unlink(s_path(KEYFILE_SECRET)), 0);
	ck_assert_int_eq(mkdir(s_path(KEYFILE_SECRET), 0700), 0);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), KY_EINVAL);
	ck_assert_str_eq(why, "secret.key is not a regular file");
	ck_assert_ptr_null(back);
}
END_TEST

START_TEST(test_public_mismatch)
{
	struct ident *a = s_kat_ident(), *b = NULL, *back = (struct ident *)1;
	const char *why = NULL;
	char text[128];

	ck_assert_int_eq(ident_generate(&b), 0);
	ck_assert_int_eq(keyfile_save_ident(s_dir, a), 0);
	snprintf(text, sizeof(text), "kyojo-public-key v1\n");
	sodium_bin2hex(text + strlen(text), 65, ident_public(b), 32);
	strcat(text, "\n");
	s_put(KEYFILE_PUBLIC, text, 0644);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), KY_ECORRUPT);
	ck_assert_str_eq(why, "public.key does not match secret.key");
	ck_assert_ptr_null(back);
	s_put(KEYFILE_PUBLIC, "kyojo-public-key v1\nnope\n", 0644);
	ck_assert_int_eq(keyfile_load_ident(s_dir, &back, &why), KY_EMALFORMED);
	ck_assert_str_eq(why, "public key: expected 64 hex digits on line 2");
	ck_assert_ptr_null(back);
	ident_destroy(&a);
	ident_destroy(&b);
}
END_TEST

static const struct {
	const char *text;
	int rc;
	const char *why;
} s_publics[] = {
	{ "kyojo-public-key v1\n"
	  "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\n",
	  0, NULL },
	{ "kyojo-public-key v1\n"
	  "03A107BFF3CE10BE1D70DD18E74BC09967E4D6309BA50D5F1DDC8664125531B8",
	  0, NULL },
	{ "kyojo-public-key v9\n"
	  "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\n",
	  KY_EVERSION, "public key: unknown format version" },
	{ "kyojo-secret-key v1\n"
	  "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\n",
	  KY_EMALFORMED, "public key: not a kyojo public key file" },
	{ "kyojo-public-key v1\n"
	  "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8 \n",
	  KY_EMALFORMED, "public key: unexpected data after the key" },
	/* The identity point: small order, accepts forged signatures. */
	{ "kyojo-public-key v1\n"
	  "0100000000000000000000000000000000000000000000000000000000000000\n",
	  KY_EMALFORMED, "public key: not a valid Ed25519 public key" },
};

START_TEST(test_read_public)
{
	uint8_t pk[IDENT_PUBLIC_LEN], want[IDENT_PUBLIC_LEN];
	const char *why = NULL;

	ck_assert_int_eq(sodium_hex2bin(want, sizeof(want), s_pk_hex, 64, NULL,
	    NULL, NULL), 0);
	s_put("peer.pub", s_publics[_i].text, 0644);
	memset(pk, 0xaa, sizeof(pk));
	ck_assert_int_eq(keyfile_read_public(s_path("peer.pub"), pk, &why),
	    s_publics[_i].rc);
	if (s_publics[_i].rc == 0) {
		ck_assert_mem_eq(pk, want, sizeof(pk));
	} else {
		ck_assert_str_eq(why, s_publics[_i].why);
		for (size_t i = 0; i < sizeof(pk); i++)
			ck_assert_uint_eq(pk[i], 0);
	}
}
END_TEST

START_TEST(test_atomic_write)
{
	char *text = NULL, path[600];
	size_t len;
	mode_t mode;

	s_put("config", "one\n", 0640);
	s_put("config", "two, longer\n", 0600);
	ck_assert_uint_eq(s_mode("config"), 0600);
	ck_assert_int_eq(s_count_files(), 1);
	ck_assert_int_eq(keyfile_read(s_path("config"), 100, &text, &len, &mode),
	    0);
	ck_assert_str_eq(text, "two, longer\n");
	free(text);
	ck_assert_int_eq(keyfile_write_atomic(s_path("empty"), NULL, 0, 0644), 0);
	ck_assert_int_eq(keyfile_read(s_path("empty"), 100, &text, &len, &mode),
	    0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(text, "");
	free(text);
	ck_assert_int_eq(keyfile_read(s_path("config"), 5, &text, &len, &mode),
	    KY_ETOOBIG);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(keyfile_read(s_path("absent"), 5, &text, &len, &mode),
	    KY_ENOTFOUND);
	ck_assert_int_eq(keyfile_read(s_dir, 5, &text, &len, &mode), KY_EINVAL);
	/* A failed write leaves nothing behind and the old file intact. */
	snprintf(path, sizeof(path), "%s/no/such/dir", s_dir);
	ck_assert_int_eq(keyfile_write_atomic(path, "x", 1, 0644), KY_ENOTFOUND);
	ck_assert_int_eq(mkdir(s_path("sub"), 0700), 0);
	ck_assert_int_ne(keyfile_write_atomic(s_path("sub"), "x", 1, 0644), 0);
	ck_assert_int_eq(rmdir(s_path("sub")), 0);
	ck_assert_int_eq(s_count_files(), 2);
	ck_assert_int_eq(keyfile_read(s_path("config"), 100, &text, &len, &mode),
	    0);
	ck_assert_str_eq(text, "two, longer\n");
	free(text);
}
END_TEST

/* /proc files claim size 0: the reader must not trust st_size. */
START_TEST(test_read_unsized)
{
	char *text = NULL;
	size_t len = 0;
	mode_t mode;

	if (access("/proc/self/status", R_OK) != 0)
		return;
	ck_assert_int_eq(keyfile_read("/proc/self/status", 1 << 20, &text, &len,
	    &mode), 0);
	ck_assert_uint_gt(len, 100);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_ptr_nonnull(strstr(text, "Name:"));
	free(text);
	ck_assert_int_eq(keyfile_read("/proc/self/status", 50, &text, &len,
	    &mode), KY_ETOOBIG);
	ck_assert_ptr_null(text);
}
END_TEST

START_TEST(test_relative_path)
{
	char cwd[512], *text = NULL;
	size_t len;
	mode_t mode;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(s_dir), 0);
	ck_assert_int_eq(keyfile_write_atomic("plain", "abc", 3, 0600), 0);
	ck_assert_int_eq(keyfile_read("plain", 10, &text, &len, &mode), 0);
	ck_assert_str_eq(text, "abc");
	free(text);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_int_eq(s_count_files(), 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("keyfile");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	umask(022);
	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_file_contents);
	tcase_add_loop_test(tc, test_unsafe_mode, 0,
	    sizeof(s_unsafe) / sizeof(s_unsafe[0]));
	tcase_add_test(tc, test_no_overwrite);
	tcase_add_test(tc, test_missing);
	tcase_add_loop_test(tc, test_malformed_secret, 0,
	    sizeof(s_bad_secret) / sizeof(s_bad_secret[0]));
	tcase_add_test(tc, test_oversized_and_odd);
	tcase_add_test(tc, test_public_mismatch);
	tcase_add_loop_test(tc, test_read_public, 0,
	    sizeof(s_publics) / sizeof(s_publics[0]));
	tcase_add_test(tc, test_atomic_write);
	tcase_add_test(tc, test_read_unsized);
	tcase_add_test(tc, test_relative_path);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

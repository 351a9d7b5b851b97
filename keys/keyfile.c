#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keys/keyfile.h"

#define PUBLIC_MAGIC	"kyojo-public-key "
#define PUBLIC_HEADER	PUBLIC_MAGIC "v1\n"
#define PK_HEX_LEN	(2 * IDENT_PUBLIC_LEN)
#define PUBLIC_TEXT_LEN	(sizeof(PUBLIC_HEADER) - 1 + PK_HEX_LEN + 1)
#define KEYFILE_MAX	1024	/* either key file is under 100 bytes */

/* "dir/name", malloc'd; NULL when out of memory. */
static char *
s_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + 1 + strlen(name) + 1;
	char *p;

	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* fsync()s the directory that holds path, so a rename or link is durable. */
static int
s_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return KY_ENOMEM;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		rc = ky_from_errno(errno);
	/* EINVAL: a file system that cannot sync directories; nothing to do. */
	else if (fsync(fd) != 0 && errno != EINVAL)
		rc = ky_from_errno(errno);
	if (fd != -1)
		close(fd);
	free(dir);
	return rc;
}

static int
s_write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ky_from_errno(errno);
		if (n == 0)
			return KY_EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The atomic write.  replace: rename(2) over path; otherwise link(2), which
 * fails with EEXIST instead of overwriting, so the existence check and the
 * creation are one step.
 */
static int
s_write_file(const char *path, const void *data, size_t len, mode_t mode,
    bool replace)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash == NULL ? 0 : (size_t)(slash - path) + 1;
	size_t n = strlen(path) + sizeof("/..XXXXXX");
	char *tmp;
	int fd, rc = 0;

	if ((tmp = malloc(n)) == NULL)
		return KY_ENOMEM;
	snprintf(tmp, n, "%.*s.%s.XXXXXX", (int)dlen, path, path + dlen);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		rc = ky_from_errno(errno);
		free(tmp);
		return rc;
	}
	if (fchmod(fd, mode) != 0)
		rc = ky_from_errno(errno);
	if (rc == 0)
		rc = s_write_all(fd, data, len);
	if (rc == 0 && fsync(fd) != 0)
		rc = ky_from_errno(errno);
	if (close(fd) != 0 && rc == 0)
		rc = ky_from_errno(errno);
	if (rc == 0 && replace && rename(tmp, path) != 0)
		rc = ky_from_errno(errno);
	if (rc == 0 && !replace && link(tmp, path) != 0)
		rc = ky_from_errno(errno);
	/* After link(2) the temporary is a second name; after a failure, junk. */
	if (rc != 0 || !replace)
		unlink(tmp);
	if (rc == 0)
		rc = s_sync_dir(path);
	free(tmp);
	return rc;
}

int
keyfile_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode)
{
	return s_write_file(path, data, len, mode, true);
}

/* Reads until EOF or until cap bytes are in buf; *n says how many. */
static int
s_read_fd(int fd, char *buf, size_t cap, size_t *n)
{
	*n = 0;
	while (*n < cap) {
		ssize_t r = read(fd, buf + *n, cap - *n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ky_from_errno(errno);
		if (r == 0)
			break;
		*n += (size_t)r;
	}
	return 0;
}

/*
 * Opens path for reading and checks it is a regular file.  The status
 * comes from the descriptor, so the mode checked is the mode of the bytes
 * read.  Errors: KY_EINVAL (not a regular file), and errno's.
 */
static int
s_open(const char *path, int *fd, struct stat *st)
{
	int rc = 0;

	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return ky_from_errno(errno);
	if (fstat(*fd, st) != 0)
		rc = ky_from_errno(errno);
	else if (!S_ISREG(st->st_mode))
		rc = KY_EINVAL;
	if (rc != 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

/*
 * Reads the regular file at path into the cap bytes of buf, which may be
 * guarded memory.  Errors: those of s_open(), KY_ETOOBIG past cap bytes.
 */
static int
s_read_file(const char *path, char *buf, size_t cap, size_t *n,
    struct stat *st)
{
	size_t more = 0;
	char extra;
	int fd, rc;

	*n = 0;
	if ((rc = s_open(path, &fd, st)) != 0)
		return rc;
	if ((rc = s_read_fd(fd, buf, cap, n)) == 0 && *n == cap &&
	    (rc = s_read_fd(fd, &extra, 1, &more)) == 0 && more != 0)
		rc = KY_ETOOBIG;
	close(fd);
	return rc;
}

int
keyfile_read(const char *path, size_t max, char **out, size_t *len,
    mode_t *mode)
{
	size_t cap, n = 0, got;
	char *buf = NULL, *p;
	struct stat st;
	int fd, rc;

	assert(max < SIZE_MAX / 2);
	*out = NULL;
	*len = 0;
	if ((rc = s_open(path, &fd, &st)) != 0)
		return rc;
	if ((uintmax_t)st.st_size > max)
		rc = KY_ETOOBIG;
	/* st_size is a hint: the file may grow while we read, up to max. */
	for (cap = (size_t)st.st_size + 1; rc == 0; cap = cap > max / 2 ?
	    max + 1 : 2 * cap) {
		if ((p = realloc(buf, cap + 1)) == NULL) {
			rc = KY_ENOMEM;
			break;
		}
		buf = p;
		if ((rc = s_read_fd(fd, buf + n, cap - n, &got)) != 0)
			break;
		if ((n += got) < cap)
			break;
		if (n > max)
			rc = KY_ETOOBIG;
	}
	close(fd);
	if (rc != 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	*mode = st.st_mode;
	return 0;
}

/* A static reason for a failed read of a key file. */
static const char *
s_read_why(int rc, bool secret)
{
	switch (rc) {
	case KY_ENOTFOUND:
		return secret ? "secret.key not found" : "public key file not found";
	case KY_EPERM:
		return secret ? "secret.key: permission denied" :
		    "public key file: permission denied";
	case KY_EINVAL:
		return secret ? "secret.key is not a regular file" :
		    "public key file is not a regular file";
	case KY_ETOOBIG:
		return secret ? "secret.key is too large to be a key" :
		    "public key file is too large to be a key";
	}
	return secret ? "secret.key: read error" : "public key file: read error";
}

/*
 * Whether text starts with the magic of its file but names a version other
 * than v1: that calls for a newer kyojo, not for a new key.
 */
static bool
s_other_version(const char *text, size_t len)
{
	const size_t mlen = sizeof(PUBLIC_MAGIC) - 1;
	size_t n = mlen;

	if (len < mlen || memcmp(text, PUBLIC_MAGIC, mlen) != 0)
		return false;
	while (n < len && text[n] != '\n' && text[n] != '\r')
		n++;
	return n - mlen != 2 || memcmp(text + mlen, "v1", 2) != 0;
}

/* Parses "kyojo-public-key v1\n<64 hex>[\n]". */
static int
s_parse_public(const char *text, size_t len, uint8_t pk[IDENT_PUBLIC_LEN],
    const char **why)
{
	const size_t hlen = sizeof(PUBLIC_HEADER) - 1;
	const char *hex, *end = NULL;
	size_t bin_len = 0, rest;

	if (len < hlen || memcmp(text, PUBLIC_HEADER, hlen) != 0) {
		if (s_other_version(text, len)) {
			*why = "public key: unknown format version";
			return KY_EVERSION;
		}
		*why = "public key: not a kyojo public key file";
		return KY_EMALFORMED;
	}
	hex = text + hlen;
	if (len - hlen < PK_HEX_LEN ||
	    sodium_hex2bin(pk, IDENT_PUBLIC_LEN, hex, PK_HEX_LEN, NULL,
	    &bin_len, &end) != 0 || bin_len != IDENT_PUBLIC_LEN ||
	    end != hex + PK_HEX_LEN) {
		*why = "public key: expected 64 hex digits on line 2";
		return KY_EMALFORMED;
	}
	rest = len - hlen - PK_HEX_LEN;
	if (rest > 1 || (rest == 1 && hex[PK_HEX_LEN] != '\n')) {
		*why = "public key: unexpected data after the key";
		return KY_EMALFORMED;
	}
	if (crypto_core_ed25519_is_valid_point(pk) != 1) {
		*why = "public key: not a valid Ed25519 public key";
		return KY_EMALFORMED;
	}
	return 0;
}

int
keyfile_read_public(const char *path, uint8_t pk[IDENT_PUBLIC_LEN],
    const char **why)
{
	char buf[KEYFILE_MAX];
	struct stat st;
	size_t n;
	int rc;

	if ((rc = s_read_file(path, buf, sizeof(buf), &n, &st)) != 0)
		*why = s_read_why(rc, false);
	else
		rc = s_parse_public(buf, n, pk, why);
	if (rc == KY_ETOOBIG)
		rc = KY_EMALFORMED;
	if (rc != 0)
		memset(pk, 0, IDENT_PUBLIC_LEN);
	return rc;
}

int
keyfile_save_ident(const char *dir, const struct ident *id)
{
	char *spath = s_join(dir, KEYFILE_SECRET), *ppath = s_join(dir,
	    KEYFILE_PUBLIC), *secret = NULL, pub[PUBLIC_TEXT_LEN + 1];
	size_t hlen = sizeof(PUBLIC_HEADER) - 1, slen;
	int rc;

	if (spath == NULL || ppath == NULL) {
		rc = KY_ENOMEM;
		goto out;
	}
	if ((rc = ident_secret_export(id, &secret, &slen)) != 0)
		goto out;
	rc = s_write_file(spath, secret, slen, 0600, false);
	ident_secret_free(&secret);
	if (rc != 0)
		goto out;
	memcpy(pub, PUBLIC_HEADER, hlen);
	sodium_bin2hex(pub + hlen, PK_HEX_LEN + 1, ident_public(id),
	    IDENT_PUBLIC_LEN);
	pub[PUBLIC_TEXT_LEN - 1] = '\n';
	/* A secret.key without its public.key would only confuse: undo it. */
	if ((rc = s_write_file(ppath, pub, PUBLIC_TEXT_LEN, 0644, true)) != 0)
		unlink(spath);
out:
	free(spath);
	free(ppath);
	return rc;
}

int
keyfile_load_ident(const char *dir, struct ident **out, const char **why)
{
	char *spath = s_join(dir, KEYFILE_SECRET), *ppath = s_join(dir,
	    KEYFILE_PUBLIC), *buf = NULL;
	const char *pwhy = NULL;
	uint8_t pk[IDENT_PUBLIC_LEN];
	struct stat st;
	size_t n;
	int rc;

	*out = NULL;
	if (sodium_init() < 0) {
		rc = KY_ESYS;
		*why = ky_strerror(rc);
		goto out;
	}
	if (spath == NULL || ppath == NULL ||
	    (buf = sodium_malloc(KEYFILE_MAX)) == NULL) {
		rc = KY_ENOMEM;
		*why = ky_strerror(rc);
		goto out;
	}
	if ((rc = s_read_file(spath, buf, KEYFILE_MAX, &n, &st)) != 0) {
		*why = s_read_why(rc, true);
		if (rc == KY_ETOOBIG)
			rc = KY_EMALFORMED;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		rc = KY_EPERM;
		*why = "secret.key is readable by group or others (chmod 600)";
		goto out;
	}
	if ((rc = ident_secret_import(buf, n, out, why)) != 0)
		goto out;
	rc = keyfile_read_public(ppath, pk, &pwhy);
	if (rc == KY_ENOTFOUND)
		rc = 0;
	else if (rc != 0)
		*why = pwhy;
	else if (memcmp(pk, ident_public(*out), sizeof(pk)) != 0) {
		rc = KY_ECORRUPT;
		*why = "public.key does not match secret.key";
	}
	if (rc != 0)
		ident_destroy(out);
out:
	sodium_free(buf);
	free(spath);
	free(ppath);
	return rc;
}

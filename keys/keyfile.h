/*
 * keyfile.h - key files on disk, and atomic file writes for everyone.
 *
 * A node's directory holds
 *
 *     secret.key   0600  "kyojo-secret-key v1\n" <64 hex: Ed25519 seed> "\n"
 *     public.key   0644  "kyojo-public-key v1\n" <64 hex: Ed25519 key> "\n"
 *
 * The secret's format is ident.c's (ident_secret_export/import); this file
 * does the I/O and refuses unsafe permissions, the way sshd and smtpd do:
 * a secret.key that group or others may read or write is not loaded.
 * Secret bytes read or written here only ever sit in sodium_malloc()
 * memory and are wiped before return.
 *
 * No function here logs or keeps state; all are safe to call from any
 * thread on distinct paths.
 */
#ifndef KY_KEYFILE_H
#define KY_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "keys/ident.h"
#include "protocol/error.h"

#define KEYFILE_SECRET	"secret.key"
#define KEYFILE_PUBLIC	"public.key"

/*
 * Replaces path with len bytes of data, atomically: readers see the old
 * file or the new one, never a part, and after a crash one of the two is
 * on disk.  Writes a temporary ".NAME.XXXXXX" in the same directory,
 * fchmod()s it to mode, writes, fsync()s, renames it over path and
 * fsync()s the directory.  On error the temporary is removed and path is
 * untouched.
 * Errors: KY_EFULL (ENOSPC, EDQUOT), KY_EPERM, KY_ENOTFOUND (no such
 * directory), KY_EIO, KY_ENOMEM, KY_ESYS.
 */
int keyfile_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode) KY_WUR KY_NONNULL(1);

/*
 * Reads the whole regular file at path into *out, a malloc'd buffer of
 * *len bytes plus a NUL (not counted), the caller's; *mode receives the
 * file's st_mode as seen on the open descriptor, for permission checks.
 * max is a caller's limit, below SIZE_MAX / 2.  A file whose size is not
 * known in advance (/proc) is read whole as well.
 * Errors: KY_ETOOBIG (more than max bytes), KY_EINVAL (not a regular
 * file), KY_ENOTFOUND, KY_EPERM, KY_EIO, KY_ENOMEM, KY_ESYS.  On error
 * *out is NULL.
 */
int keyfile_read(const char *path, size_t max, char **out, size_t *len,
    mode_t *mode) KY_WUR KY_NONNULL(1, 3, 4, 5);

/*
 * Writes id to DIR/secret.key (0600) and DIR/public.key (0644).  Refuses
 * with KY_EEXIST, writing nothing, when DIR/secret.key exists (checked
 * atomically with link(2), so two concurrent keygens cannot both win).
 * A stale public.key is replaced.  If public.key cannot be written the
 * new secret.key is removed again.
 * Errors: KY_EEXIST, and those of keyfile_write_atomic().
 */
int keyfile_save_ident(const char *dir, const struct ident *id)
    KY_WUR KY_NONNULL(1, 2);

/*
 * Loads the identity in DIR/secret.key into *out (the caller's, freed
 * with ident_destroy()).  If DIR/public.key exists it must hold the same
 * key.  On error *out is NULL and *why is a static English reason.
 * Errors:
 *   KY_ENOTFOUND  no secret.key
 *   KY_EPERM      "secret.key is readable by group or others (chmod 600)"
 *                 (any of the 077 bits set), or open(2) was denied
 *   KY_EINVAL     secret.key is not a regular file
 *   KY_EMALFORMED, KY_EVERSION  bad secret.key or public.key content
 *   KY_ECORRUPT   "public.key does not match secret.key"
 *   KY_EIO, KY_ENOMEM, KY_ESYS
 */
int keyfile_load_ident(const char *dir, struct ident **out, const char **why)
    KY_WUR KY_NONNULL(1, 2, 3);

/*
 * Reads a public key file (the format of public.key above; a missing final
 * newline is accepted) into pk.  The key must be a valid Ed25519 point.
 * On error pk is zeroed and *why says why.
 * Errors: KY_ENOTFOUND, KY_EPERM, KY_EIO, KY_ESYS (open/read); KY_EINVAL
 * (not a regular file); KY_EMALFORMED, KY_EVERSION (content, or a file
 * too large to be a key).
 */
int keyfile_read_public(const char *path, uint8_t pk[IDENT_PUBLIC_LEN],
    const char **why) KY_WUR KY_NONNULL(1, 2, 3);

#endif

/*
 * keyring.h - the keys this node trusts, and how much.
 *
 * The keyring file is text an operator may edit by hand, one key a line:
 *
 *     # comment
 *     <64 hex: Ed25519 key> <member|trusted|coordinator> <added> <note>
 *
 * fields separated by spaces or tabs; <added> is unix seconds; the note
 * runs to the end of the line (UTF-8, at most KEYRING_NOTE_MAX bytes,
 * Japanese welcome) and may be absent.  Blank lines and lines whose first
 * non-blank character is '#' are skipped; surrounding blanks and a CR
 * before the LF are ignored.  keyring_save() rewrites the file from the
 * entries, so hand-written comments do not survive a save.
 *
 * In memory the entries are kept sorted by key, so keyring_at() and the
 * saved file are in key order whatever the order of additions.
 *
 * A keyring is not thread-safe: serialize mutations against all reads.
 * Nothing here logs; only keyring_load() and keyring_save() touch files.
 */
#ifndef KY_KEYRING_H
#define KY_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "keys/ident.h"
#include "protocol/error.h"

#define KEYRING_NOTE_MAX	200		/* bytes of UTF-8 */
#define KEYRING_FILE_MAX	(4u << 20)	/* keyring_parse/load limit */

/* How far this node trusts a key; a higher level includes the lower. */
enum trust {
	TRUST_MEMBER = 1,	/* a fellow member: may link, sees GREEN */
	TRUST_TRUSTED = 2,	/* its indicators alone may reach the firewall */
	TRUST_COORDINATOR = 3,	/* may sign rosters and admit members */
};

struct keyring_entry {
	uint8_t pk[IDENT_PUBLIC_LEN];	/* Ed25519 public key */
	enum trust level;		/* TRUST_* */
	uint64_t added;			/* unix seconds it was first added */
	char note[KEYRING_NOTE_MAX + 1];	/* UTF-8, NUL-terminated, or "" */
};

/* Opaque; see keyring.c. */
struct keyring;

/* "member", "trusted" or "coordinator"; NULL for any other value. */
const char *keyring_trust_name(int level);

/* The TRUST_* value named name (as keyring_trust_name), or KY_EINVAL. */
int keyring_trust_from_name(const char *name) KY_NONNULL(1);

/* An empty keyring, the caller's; NULL when out of memory. */
struct keyring *keyring_new(void);

/* Frees *p and sets it to NULL; does nothing if p or *p is NULL. */
void keyring_destroy(struct keyring **p);

/*
 * Checks a note as keyring_add() will: valid UTF-8, at most
 * KEYRING_NOTE_MAX bytes, no control characters (which would break the
 * one-line format), no blanks at either end (which the parser strips).
 * Errors: KY_ETOOBIG or KY_EINVAL, with a static *why.
 */
int keyring_check_note(const char *note, const char **why)
    KY_WUR KY_NONNULL(1, 2);

/*
 * Trusts pk at level with an optional note (NULL: none), added at unix
 * time `added`.  If pk is already present its level and note are replaced
 * and its `added` kept.  Invalidates pointers from keyring_find/at.
 * Errors: KY_EINVAL (level out of range, pk not a valid Ed25519 public
 * key, note refused by keyring_check_note()), KY_ETOOBIG (note), KY_ENOMEM.
 * On error the keyring is unchanged.
 */
int keyring_add(struct keyring *kr, const uint8_t pk[IDENT_PUBLIC_LEN],
    enum trust level, const char *note, uint64_t added) KY_WUR KY_NONNULL(1, 2);

/*
 * Stops trusting pk.  Invalidates pointers from keyring_find/at.
 * Errors: KY_ENOTFOUND.
 */
int keyring_remove(struct keyring *kr, const uint8_t pk[IDENT_PUBLIC_LEN])
    KY_WUR KY_NONNULL(1, 2);

/*
 * The entry for pk, or NULL.  Borrowed: valid until the next
 * keyring_add/remove/destroy on kr.  O(log n).
 */
const struct keyring_entry *keyring_find(const struct keyring *kr,
    const uint8_t pk[IDENT_PUBLIC_LEN]) KY_NONNULL(1, 2);

/* Number of entries. */
size_t keyring_count(const struct keyring *kr) KY_NONNULL(1);

/*
 * The i-th entry in key order, or NULL when i >= keyring_count(kr).
 * Borrowed, as keyring_find().
 */
const struct keyring_entry *keyring_at(const struct keyring *kr, size_t i)
    KY_NONNULL(1);

/*
 * Parses len bytes of keyring text (not NUL-terminated; NUL bytes are
 * refused) into a new *out, the caller's.
 * On error *out is NULL, *why is static and *errline is the 1-based line
 * of the first error in the text (0 when no line is to blame):
 *   KY_ETOOBIG     more than KEYRING_FILE_MAX bytes (line 0)
 *   KY_EMALFORMED  "bad key: expected 64 hex digits",
 *                  "bad key: not a valid Ed25519 public key",
 *                  "missing trust level",
 *                  "unknown trust level (member, trusted or coordinator)",
 *                  "missing time added", "bad time added: expected unix seconds",
 *                  a note refused by keyring_check_note(), "duplicate key"
 *   KY_ENOMEM
 */
int keyring_parse(const char *text, size_t len, struct keyring **out,
    int *errline, const char **why) KY_WUR KY_NONNULL(1, 3, 4, 5);

/*
 * Writes kr as keyring text (a comment header, then one line per entry in
 * key order) into *out, malloc'd and NUL-terminated, the caller's; *len
 * excludes the NUL.  keyring_parse() of the result gives the same entries.
 * Errors: KY_ENOMEM.
 */
int keyring_format(const struct keyring *kr, char **out, size_t *len)
    KY_WUR KY_NONNULL(1, 2, 3);

/*
 * Reads and parses the keyring file at path into *out, the caller's.
 * A missing file is an empty keyring.  Because the keyring decides who may
 * connect, a file that group or others may write is refused.
 * Errors: those of keyring_parse(), plus (with *errline 0)
 *   KY_EPERM  "keyring is writable by group or others (chmod 640)",
 *             or the file cannot be opened
 *   KY_EINVAL "keyring is not a regular file"
 *   KY_EIO, KY_ESYS
 */
int keyring_load(const char *path, struct keyring **out, int *errline,
    const char **why) KY_WUR KY_NONNULL(1, 2, 3, 4);

/*
 * Replaces the file at path with keyring_format(kr), atomically, mode 0640.
 * Errors: KY_ENOMEM and those of keyfile_write_atomic().
 */
int keyring_save(const char *path, const struct keyring *kr)
    KY_WUR KY_NONNULL(1, 2);

#endif

/*
 * ident.h - this node's identity: its Ed25519 key pair and the Curve25519
 * key pair derived from it.
 *
 * This is the only module that holds a secret key.  The secret lives in
 * sodium_malloc() memory (guard pages, never swapped where mlock works),
 * kept PROT_NONE while idle, unlocked only for the duration of a call,
 * and wiped by ident_destroy().  Everything else signs through
 * ident_sign(), so moving the key into a separate process later changes
 * this file and no caller.
 *
 * One Ed25519 key serves both jobs: it signs records, and its Curve25519
 * twin (crypto_sign_ed25519_{pk,sk}_to_curve25519) is the ZeroMQ CURVE key
 * and the sealed-box key, so a peer's one public key is all we trust.
 *
 * Threading: an ident may be shared between threads only if calls that
 * touch the secret (ident_sign, ident_curve_secret_z85, ident_seal_open,
 * ident_secret_export) are serialized, because each one flips the page
 * protection of the secret.  The public accessors are always safe.
 */
#ifndef KY_IDENT_H
#define KY_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/error.h"

#define IDENT_SEED_LEN		32	/* Ed25519 seed; the whole secret */
#define IDENT_PUBLIC_LEN	32	/* Ed25519 or X25519 public key */
#define IDENT_SIG_LEN		64	/* Ed25519 detached signature */
#define IDENT_Z85_LEN		41	/* 40 Z85 characters and a NUL */
#define IDENT_SEAL_OVERHEAD	48	/* crypto_box_SEALBYTES */

/* "XXXX-XXXX-XXXX-XXXX" and a NUL. */
#define KEY_FINGERPRINT_LEN	20

/* Opaque; see ident.c. */
struct ident;

/*
 * Creates a fresh random identity.  *out is the caller's, freed with
 * ident_destroy().  Errors: KY_ENOMEM, KY_ESYS (libsodium failed to
 * initialize or to derive the Curve25519 key).  *out is NULL on error.
 */
int ident_generate(struct ident **out) KY_WUR KY_NONNULL(1);

/*
 * Creates the identity with the given 32-byte seed: the same seed always
 * gives the same keys (test vectors, restoring a backup).  The caller
 * should wipe its copy of seed.  Errors and ownership as ident_generate().
 */
int ident_from_seed(const uint8_t seed[IDENT_SEED_LEN], struct ident **out)
    KY_WUR KY_NONNULL(1, 2);

/* Wipes and frees *p and sets it to NULL; does nothing if p or *p is NULL. */
void ident_destroy(struct ident **p);

/* The 32-byte Ed25519 public key; borrowed until ident_destroy(). */
const uint8_t *ident_public(const struct ident *id) KY_NONNULL(1);

/* The 32-byte X25519 public key; borrowed until ident_destroy(). */
const uint8_t *ident_curve_public(const struct ident *id) KY_NONNULL(1);

/*
 * Signs len bytes of msg with crypto_sign_detached into sig.  ctx is a
 * struct ident *: the signature matches record_signer_fn, so callers pass
 * (ident_sign, id) to record_encode().  Errors: KY_ESYS (page protection
 * or libsodium failed); sig is zeroed on error.
 */
int ident_sign(void *ctx, const uint8_t *msg, size_t len,
    uint8_t sig[IDENT_SIG_LEN]) KY_WUR KY_NONNULL(1, 4);

/*
 * Writes the Curve25519 secret key as 40 Z85 characters and a NUL, for
 * ZMQ_CURVE_SECRETKEY.  out then holds a secret: wipe it with
 * sodium_memzero() as soon as zmq_setsockopt() returns.
 * Errors: KY_ESYS; out is zeroed on error.
 */
int ident_curve_secret_z85(const struct ident *id, char out[IDENT_Z85_LEN])
    KY_WUR KY_NONNULL(1, 2);

/* Writes the Curve25519 public key as Z85 (ZMQ_CURVE_PUBLICKEY/SERVERKEY). */
void ident_curve_public_z85(const struct ident *id, char out[IDENT_Z85_LEN])
    KY_NONNULL(1, 2);

/*
 * Opens a sealed box (crypto_box_seal) addressed to our Curve25519 key:
 * c is clen bytes, m receives clen - IDENT_SEAL_OVERHEAD bytes.
 * Errors: KY_EMALFORMED when clen < IDENT_SEAL_OVERHEAD; KY_EBADSIG when
 * the box does not authenticate (forged, corrupted, or sealed to another
 * key); KY_ESYS.  m is zeroed on error.
 */
int ident_seal_open(const struct ident *id, const uint8_t *c, size_t clen,
    uint8_t *m) KY_WUR KY_NONNULL(1, 2);

/*
 * A fingerprint of an Ed25519 public key short enough to read aloud on
 * the phone when two nodes pair: BLAKE2b-256("kyojo-fp" || pk), its first
 * 10 bytes in Crockford base32 (no I, L, O, U), as "XXXX-XXXX-XXXX-XXXX"
 * (80 bits: a forged key matching it costs 2^80 work).
 * Errors: KY_ESYS (libsodium); out is "" on error.
 */
int key_fingerprint(const uint8_t pk[IDENT_PUBLIC_LEN],
    char out[KEY_FINGERPRINT_LEN]) KY_WUR KY_NONNULL(1, 2);

/*
 * For keys/keyfile.c only: the secret key file's content, so that the
 * format of the secret, like the secret, stays in this file.
 *
 * ident_secret_export() writes "kyojo-secret-key v1\n<seed hex>\n" into a
 * sodium_malloc()'d *out of *len bytes (NUL-terminated, not counted), to
 * be freed with ident_secret_free().  Errors: KY_ENOMEM, KY_ESYS.
 *
 * ident_secret_import() parses that text (a missing final newline is
 * accepted) into a new *out, the caller's.  Errors: KY_EMALFORMED or
 * KY_EVERSION with *why; KY_ENOMEM, KY_ESYS.  The caller wipes text.
 */
int ident_secret_export(const struct ident *id, char **out, size_t *len)
    KY_WUR KY_NONNULL(1, 2, 3);
void ident_secret_free(char **p);
int ident_secret_import(const char *text, size_t len, struct ident **out,
    const char **why) KY_WUR KY_NONNULL(1, 3, 4);

#endif

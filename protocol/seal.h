/*
 * seal.h - sealed bodies: the body of an AMBER, AMBER+STRICT or RED
 * record, encrypted to named recipients, so that relays carry it without
 * reading it (docs/protocol.md section 2.1 has the byte format).
 *
 * A fresh random 32-byte content key encrypts the plaintext body with
 * XChaCha20-Poly1305-IETF (the record kind byte as additional data); the
 * content key is sealed (crypto_box_seal) to the X25519 twin of each
 * recipient's Ed25519 key.  The envelope is itself a strict-JSON body:
 *
 *   {"sealed":"xchacha20poly1305","nonce":"<48 hex>",
 *    "to":[{"key":"<64 hex>","box":"<base64, 80 bytes>"},...],
 *    "ct":"<base64>"}
 *
 * The record's body hash, and so its signature, covers the envelope
 * bytes: anyone can verify who wrote a sealed record and pass it on; only
 * a recipient learns what it says.  A writer names itself among the
 * recipients, or it cannot read its own record back.
 *
 * Which bodies are sealed is decided by the header (seal_required):
 * indicators, sightings and articles marked AMBER or above.  Every
 * receiver checks bodies with body_parse_record(), which holds both
 * directions: such a body must be an envelope, and no other indicator,
 * sighting or article body may be one.
 *
 * Nothing here does I/O or keeps state; the only secret that passes
 * through is the content key, which lives on the stack and is wiped.
 * Opening our box is the caller's (seal_unbox_fn), so the node's secret
 * key stays in keys/ident.c.
 */
#ifndef KY_SEAL_H
#define KY_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "error.h"
#include "record.h"

#define SEAL_RECIPIENTS_MAX	64
#define SEAL_ALG	"xchacha20poly1305"	/* the "sealed" member */
#define SEAL_KEY_LEN	32	/* content key */
#define SEAL_NONCE_LEN	24	/* XChaCha20 nonce */
#define SEAL_TAG_LEN	16	/* Poly1305 tag, at the end of ct */
#define SEAL_BOX_LEN	80	/* crypto_box_seal of the content key */

/*
 * Seals len bytes of plain (the body as it would be written in the clear)
 * for a record of the given kind to the n Ed25519 keys in to, and writes
 * the envelope to *out (malloc'd, the caller's; *out_len bytes, then a
 * NUL that *out_len does not count).
 * Errors (why set, *out NULL): KY_EINVAL (n == 0, an empty body, a key
 * named twice, a key with no X25519 twin: not a valid Ed25519 point or
 * of small order), KY_ETOOBIG (n > SEAL_RECIPIENTS_MAX, or the envelope
 * would exceed RECORD_BODY_MAX: base64 adds a third, each recipient about
 * 190 bytes), KY_ENOMEM, KY_ESYS.
 */
int seal_body(uint8_t kind, const uint8_t *plain, size_t len,
    const uint8_t (*to)[32], size_t n, uint8_t **out, size_t *out_len,
    const char **why) KY_WUR KY_NONNULL(2, 4, 6, 7, 8);

/*
 * For test vectors only: seal_body() with the content key, the nonce and
 * each recipient's ephemeral box seed (eph[i], fed to
 * crypto_box_seed_keypair) given instead of drawn at random.  The boxes
 * come out exactly as crypto_box_seal would make them with that ephemeral
 * key pair.  A key or nonce used twice breaks the encryption: never call
 * this outside tests.
 */
int seal_body_fixed(uint8_t kind, const uint8_t *plain, size_t len,
    const uint8_t (*to)[32], size_t n, const uint8_t key[SEAL_KEY_LEN],
    const uint8_t nonce[SEAL_NONCE_LEN], const uint8_t (*eph)[32],
    uint8_t **out, size_t *out_len, const char **why)
    KY_WUR KY_NONNULL(2, 4, 6, 7, 8, 9, 10, 11);

/*
 * Cheap: true when the body is a JSON object whose first member is
 * "sealed" (which seal_check requires).  Validates nothing else.
 */
bool seal_is_envelope(const uint8_t *body, size_t len) KY_NONNULL(1);

/* True when this header's body must be sealed: kind indicator, sighting
 * or article, and TLP AMBER, AMBER+STRICT or RED. */
bool seal_required(const struct record_header *h) KY_NONNULL(1);

/*
 * Strict structural validation of an envelope: strict JSON (json.h);
 * exactly the members sealed (first, and SEAL_ALG), nonce (48 lower-case
 * hex digits), to (1..SEAL_RECIPIENTS_MAX objects of exactly key: 64
 * lower-case hex digits, all distinct, and box: canonical base64 of 80
 * bytes) and ct (canonical base64 of at least SEAL_TAG_LEN + 1 bytes).
 * Does not check that the keys are valid points.
 * Errors (why set): KY_EMALFORMED (not strict JSON), KY_EINVAL,
 * KY_ETOOBIG (over RECORD_BODY_MAX or too many recipients), KY_ENOMEM.
 */
int seal_check(const uint8_t *body, size_t len, const char **why)
    KY_WUR KY_NONNULL(1, 3);

/*
 * The recipients of a valid envelope, in envelope order, into to[0..*n).
 * Errors: those of seal_check; KY_ETOOBIG when there are more than max
 * (*n then says how many; to is left alone).  *n is 0 on other errors.
 */
/*
 * Whether the envelope names key among its recipients.  A receiver opens
 * a sealed body only when it names the record's origin (every writer
 * names itself): an envelope copied by a relay into a record of its own,
 * to pass it off as its report or under other markings, is not opened.
 */
bool seal_names(const uint8_t *body, size_t len, const uint8_t key[32])
    KY_NONNULL(1, 3);

int seal_recipients(const uint8_t *body, size_t len, uint8_t (*to)[32],
    size_t max, size_t *n, const char **why) KY_WUR KY_NONNULL(1, 5, 6);

/*
 * Opens one box: box_len bytes sealed to our X25519 key; writes the
 * box_len - 48 bytes inside to out.  0, or non-zero when it does not
 * open.  ident_seal_open() behind a void * (keys/ident.h).
 */
typedef int (*seal_unbox_fn)(void *ctx, const uint8_t *box, size_t box_len,
    uint8_t *out);

/*
 * Opens an envelope addressed to the Ed25519 key me, for a record of this
 * kind: finds me among the recipients, opens its box with unbox(ctx, ...)
 * and decrypts.  *plain (malloc'd, the caller's; the caller should wipe it
 * when done) gets the *plain_len bytes of the plaintext body, which the
 * caller still has to parse (body_parse: a recipient can only vouch that
 * the author wrote these bytes, not that they are valid).
 * Errors (why set, *plain NULL, *plain_len 0): those of seal_check;
 * KY_ENOTFOUND (me is not a recipient); KY_EBADSIG (our box does not open,
 * or the ciphertext does not authenticate: damaged, or moved to a record
 * of another kind); KY_ESYS or KY_ENOMEM from unbox, passed on; KY_ENOMEM.
 */
int seal_open(uint8_t kind, const uint8_t *body, size_t len,
    const uint8_t me[32], seal_unbox_fn unbox, void *ctx, uint8_t **plain,
    size_t *plain_len, const char **why) KY_WUR KY_NONNULL(2, 4, 5, 7, 8, 9);

/*
 * The body check every receiver runs, after record_verify: with
 * seal_required(h), the body must be a valid envelope (*root is the
 * envelope's JSON); an indicator, sighting or article marked CLEAR or
 * GREEN must not be one ("body: sealed body on a CLEAR/GREEN record");
 * otherwise body_parse(h->kind).  Retractions, rosters, cards and any
 * later kind are never sealed: a retraction stays readable so relays can
 * prune its target.  *root is the caller's to cJSON_Delete; NULL on
 * error.  Errors: those of body_parse and seal_check.
 */
int body_parse_record(const struct record_header *h, const uint8_t *body,
    size_t len, cJSON **root, const char **why)
    KY_WUR KY_NONNULL(1, 2, 4, 5);

#endif

/*
 * record.h - the signed record: header layout, encoding, decoding, ids.
 *
 * A record on the wire and on disk is
 *
 *     header (RECORD_HEADER_LEN bytes) || signature (64) || body (body_len)
 *
 * or, as a *stub*, header || signature alone.  The Ed25519 signature covers
 * the header; the header carries BLAKE2b-256(body), so a stub still proves
 * who wrote what.  id = BLAKE2b-256(header).  See docs/protocol.md for the
 * byte layout; all integers are big-endian.
 *
 * Nothing here allocates except record_encode(); decoded records borrow the
 * caller's buffer and are valid as long as it is.  Nothing here does I/O.
 */
#ifndef KY_RECORD_H
#define KY_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define RECORD_MAGIC		"KYJR"	/* 4 bytes, then the version byte */
#define RECORD_VERSION		1
#define RECORD_HEADER_LEN	168
#define RECORD_SIG_LEN		64
#define RECORD_STUB_LEN		(RECORD_HEADER_LEN + RECORD_SIG_LEN)
#define RECORD_BODY_MAX		65536
#define RECORD_MAX_LEN		(RECORD_STUB_LEN + RECORD_BODY_MAX)
#define RECORD_ID_LEN		32
#define RECORD_KEY_LEN		32	/* Ed25519 public key */

enum record_kind {
	RK_INDICATOR = 1,	/* an IOC */
	RK_SIGHTING = 2,	/* "we saw it too", "false positive" */
	RK_ARTICLE = 3,		/* know-how in Markdown */
	RK_RETRACTION = 4,	/* withdraws one of the origin's own records */
	RK_ROSTER = 5,		/* a community's member list */
	RK_CARD = 6,		/* a node's public self-description */
	RK_VIEW = 7,		/* a coordinator's k-anonymous regional view */
};
#define RK_MAX RK_VIEW

enum record_tlp {
	TLP_CLEAR = 0,
	TLP_GREEN = 1,
	TLP_AMBER = 2,
	TLP_AMBER_STRICT = 3,
	TLP_RED = 4,
};
#define TLP_MAX TLP_RED

enum record_pap {
	PAP_CLEAR = 0,
	PAP_GREEN = 1,
	PAP_AMBER = 2,
	PAP_RED = 3,
};
#define PAP_MAX PAP_RED

/* Flag bits; a decoder refuses any bit it does not know. */
#define RECORD_FLAGS_KNOWN	0u

/* The header, unpacked.  Field order is the wire order. */
struct record_header {
	uint8_t kind;				/* enum record_kind */
	uint8_t tlp;				/* enum record_tlp */
	uint8_t pap;				/* enum record_pap */
	uint32_t flags;				/* RECORD_FLAGS_KNOWN bits only */
	uint8_t origin[RECORD_KEY_LEN];		/* author's Ed25519 public key */
	uint64_t seq;				/* per-origin counter from 1 */
	uint8_t prev[RECORD_ID_LEN];		/* id of (origin, seq-1); zero for seq 1 */
	uint8_t community[32];			/* roster id, zero: none */
	uint64_t created;			/* unix seconds */
	uint64_t expires;			/* unix seconds, 0: never */
	uint32_t body_len;			/* <= RECORD_BODY_MAX */
	uint8_t body_hash[32];			/* BLAKE2b-256 of the body */
};

/* A decoded record.  All pointers borrow the buffer given to record_decode(). */
struct record {
	struct record_header h;
	const uint8_t *raw;	/* the whole record as given */
	size_t raw_len;		/* RECORD_STUB_LEN, or that plus h.body_len */
	const uint8_t *sig;	/* raw + RECORD_HEADER_LEN */
	const uint8_t *body;	/* NULL for a stub */
	uint8_t id[RECORD_ID_LEN];	/* BLAKE2b-256 of the header bytes */
	bool opened;	/* store reads: body is a sealed body's plaintext (store.h) */
};

/* Signs msg (the packed header) with the author's key; 0 or KY_E*. */
typedef int (*record_signer_fn)(void *ctx, const uint8_t *msg, size_t len,
    uint8_t sig[RECORD_SIG_LEN]);

/* Packs h into out, big-endian.  Does not validate. */
void record_header_pack(const struct record_header *h,
    uint8_t out[RECORD_HEADER_LEN]) KY_NONNULL(1, 2);

/*
 * Unpacks and validates a header: magic, version, kind/TLP/PAP ranges,
 * flags, body length, seq >= 1, prev zero iff seq == 1, expires.
 * Returns 0, KY_EVERSION or KY_EMALFORMED with *why set.
 */
int record_header_unpack(const uint8_t in[RECORD_HEADER_LEN],
    struct record_header *h, const char **why) KY_WUR KY_NONNULL(1, 2, 3);

/*
 * Structural decode: bounds, header fields, whole-or-stub length, id.
 * Checks neither hash nor signature (see record_verify); cheap enough to
 * run before a dedupe lookup.  On failure *r is zeroed and *why set.
 * Errors: KY_EMALFORMED, KY_EVERSION, KY_ETOOBIG.
 */
int record_decode(const uint8_t *buf, size_t len, struct record *r,
    const char **why) KY_WUR KY_NONNULL(1, 3, 4);

/*
 * Checks the body hash (when a body is present) and the signature.
 * Errors: KY_EBADHASH, KY_EBADSIG.
 */
int record_verify(const struct record *r, const char **why)
    KY_WUR KY_NONNULL(1, 2);

/* record_decode() then record_verify(): what every receiver calls. */
int record_open(const uint8_t *buf, size_t len, struct record *r,
    const char **why) KY_WUR KY_NONNULL(1, 3, 4);

/*
 * Builds a signed record from h (body_len and body_hash are filled in
 * from body) and writes a malloc'd buffer to *out, the caller's to free.
 * The header is validated before signing.
 * Errors: KY_EINVAL (why set), KY_ETOOBIG, KY_ENOMEM, or the signer's code.
 */
int record_encode(const struct record_header *h, const void *body,
    size_t body_len, record_signer_fn sign, void *sign_ctx, uint8_t **out,
    size_t *out_len, const char **why) KY_WUR KY_NONNULL(1, 4, 6, 7, 8);

/* The stub of a whole record: its first RECORD_STUB_LEN bytes. */
static inline bool
record_is_stub(const struct record *r)
{
	return r->body == NULL;
}

/* True when the record has an expiry at or before now. */
bool record_is_expired(const struct record_header *h, uint64_t now);

/* True for kinds whose expires may be 0 (roster, card, article, retraction). */
bool record_kind_may_be_permanent(uint8_t kind);

/* Names for kinds, TLP and PAP, and the reverse lookups (-1 if unknown). */
const char *record_kind_name(uint8_t kind);
const char *record_tlp_name(uint8_t tlp);
const char *record_pap_name(uint8_t pap);
int record_kind_from_name(const char *s);
int record_tlp_from_name(const char *s);
int record_pap_from_name(const char *s);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void record_hex(const uint8_t *in, size_t n, char *out);
/* Parses exactly 2n hex digits into out; 0 or KY_EINVAL. */
int record_unhex(const char *hex, uint8_t *out, size_t n) KY_WUR;

#endif

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys/ident.h"
#include "keys/z85.h"

_Static_assert(IDENT_SEED_LEN == crypto_sign_SEEDBYTES, "seed size");
_Static_assert(IDENT_PUBLIC_LEN == crypto_sign_PUBLICKEYBYTES, "ed pk size");
_Static_assert(IDENT_PUBLIC_LEN == crypto_box_PUBLICKEYBYTES, "x pk size");
_Static_assert(IDENT_SIG_LEN == crypto_sign_BYTES, "signature size");
_Static_assert(IDENT_SEAL_OVERHEAD == crypto_box_SEALBYTES, "seal size");
_Static_assert(IDENT_Z85_LEN == Z85_ENCODED_LEN(32) + 1, "z85 size");

#define SECRET_MAGIC	"kyojo-secret-key "
#define SECRET_HEADER	SECRET_MAGIC "v1\n"
#define SEED_HEX_LEN	(2 * IDENT_SEED_LEN)

/* Everything secret, in one sodium_malloc() region. */
struct s_secret {
	uint8_t ed[crypto_sign_SECRETKEYBYTES];	/* libsodium: seed || pk */
	uint8_t curve[crypto_box_SECRETKEYBYTES];	/* X25519, from ed */
	uint8_t seed[IDENT_SEED_LEN];	/* scratch while creating; else zero */
};

struct ident {
	struct s_secret *secret;	/* PROT_NONE except inside a call */
	uint8_t pk[IDENT_PUBLIC_LEN];	/* Ed25519 public key */
	uint8_t curve_pk[IDENT_PUBLIC_LEN];	/* X25519 public key */
};

/* Makes the secret readable for the length of one call. */
static int
s_unlock(const struct ident *id)
{
	return sodium_mprotect_readonly(id->secret) == 0 ? 0 : KY_ESYS;
}

static int
s_lock(const struct ident *id)
{
	return sodium_mprotect_noaccess(id->secret) == 0 ? 0 : KY_ESYS;
}

/* An ident whose secret region is zeroed and writable. */
static int
s_new(struct ident **out)
{
	struct ident *id;

	*out = NULL;
	if (sodium_init() < 0)
		return KY_ESYS;
	if ((id = calloc(1, sizeof(*id))) == NULL)
		return KY_ENOMEM;
	if ((id->secret = sodium_malloc(sizeof(*id->secret))) == NULL) {
		free(id);
		return KY_ENOMEM;
	}
	sodium_memzero(id->secret, sizeof(*id->secret));
	*out = id;
	return 0;
}

/*
 * Derives every key from id->secret->seed, wipes the seed and locks the
 * secret.  Destroys id on error.
 */
static int
s_derive(struct ident **idp)
{
	struct ident *id = *idp;
	struct s_secret *s = id->secret;
	int rc = KY_ESYS;

	if (crypto_sign_seed_keypair(id->pk, s->ed, s->seed) == 0 &&
	    crypto_sign_ed25519_sk_to_curve25519(s->curve, s->ed) == 0 &&
	    crypto_sign_ed25519_pk_to_curve25519(id->curve_pk, id->pk) == 0)
		rc = 0;
	sodium_memzero(s->seed, sizeof(s->seed));
	if (rc == 0)
		rc = s_lock(id);
	if (rc != 0)
		ident_destroy(idp);
	return rc;
}

int
ident_generate(struct ident **out)
{
	int rc;

	if ((rc = s_new(out)) != 0)
		return rc;
	randombytes_buf((*out)->secret->seed, IDENT_SEED_LEN);
	return s_derive(out);
}

int
ident_from_seed(const uint8_t seed[IDENT_SEED_LEN], struct ident **out)
{
	int rc;

	if ((rc = s_new(out)) != 0)
		return rc;
	memcpy((*out)->secret->seed, seed, IDENT_SEED_LEN);
	return s_derive(out);
}

void
ident_destroy(struct ident **p)
{
	if (p == NULL || *p == NULL)
		return;
	/* sodium_free() unprotects, wipes and checks the canary itself. */
	sodium_free((*p)->secret);
	free(*p);
	*p = NULL;
}

const uint8_t *
ident_public(const struct ident *id)
{
	return id->pk;
}

const uint8_t *
ident_curve_public(const struct ident *id)
{
	return id->curve_pk;
}

int
ident_sign(void *ctx, const uint8_t *msg, size_t len,
    uint8_t sig[IDENT_SIG_LEN])
{
	const struct ident *id = ctx;
	int rc;

	if ((rc = s_unlock(id)) == 0) {
		if (crypto_sign_detached(sig, NULL, msg, len, id->secret->ed) != 0)
			rc = KY_ESYS;
		if (s_lock(id) != 0)
			rc = KY_ESYS;
	}
	if (rc != 0)
		memset(sig, 0, IDENT_SIG_LEN);
	return rc;
}

int
ident_curve_secret_z85(const struct ident *id, char out[IDENT_Z85_LEN])
{
	int rc;

	if ((rc = s_unlock(id)) == 0) {
		z85_encode(id->secret->curve, sizeof(id->secret->curve), out);
		rc = s_lock(id);
	}
	if (rc != 0)
		sodium_memzero(out, IDENT_Z85_LEN);
	return rc;
}

void
ident_curve_public_z85(const struct ident *id, char out[IDENT_Z85_LEN])
{
	z85_encode(id->curve_pk, sizeof(id->curve_pk), out);
}

int
ident_seal_open(const struct ident *id, const uint8_t *c, size_t clen,
    uint8_t *m)
{
	int rc;

	if (clen < IDENT_SEAL_OVERHEAD)
		return KY_EMALFORMED;
	if ((rc = s_unlock(id)) == 0) {
		if (crypto_box_seal_open(m, c, clen, id->curve_pk,
		    id->secret->curve) != 0)
			rc = KY_EBADSIG;
		if (s_lock(id) != 0)
			rc = KY_ESYS;
	}
	if (rc != 0)
		sodium_memzero(m, clen - IDENT_SEAL_OVERHEAD);
	return rc;
}

int
key_fingerprint(const uint8_t pk[IDENT_PUBLIC_LEN],
    char out[KEY_FINGERPRINT_LEN])
{
	/* Crockford base32: no I, L, O or U to misread over the phone. */
	static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	static const uint8_t domain[] = "kyojo-fp";
	crypto_generichash_state st;
	uint8_t h[crypto_generichash_BYTES];
	char *o = out;

	out[0] = '\0';
	if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) != 0 ||
	    crypto_generichash_update(&st, domain, sizeof(domain) - 1) != 0 ||
	    crypto_generichash_update(&st, pk, IDENT_PUBLIC_LEN) != 0 ||
	    crypto_generichash_final(&st, h, sizeof(h)) != 0)
		return KY_ESYS;
	/* 10 bytes = two 40-bit groups = 16 five-bit digits. */
	for (int g = 0; g < 2; g++) {
		uint64_t v = 0;

		for (int i = 0; i < 5; i++)
			v = v << 8 | h[g * 5 + i];
		for (int i = 0; i < 8; i++) {
			if (i == 4 || (g == 1 && i == 0))
				*o++ = '-';
			*o++ = digits[(v >> (35 - 5 * i)) & 31];
		}
	}
	*o = '\0';
	return 0;
}

int
ident_secret_export(const struct ident *id, char **out, size_t *len)
{
	const size_t hlen = sizeof(SECRET_HEADER) - 1;
	const size_t n = hlen + SEED_HEX_LEN + 1;
	char *text;
	int rc;

	*out = NULL;
	*len = 0;
	if ((text = sodium_malloc(n + 1)) == NULL)
		return KY_ENOMEM;
	memcpy(text, SECRET_HEADER, hlen);
	if ((rc = s_unlock(id)) == 0) {
		/* The first 32 bytes of a libsodium Ed25519 secret are the seed. */
		sodium_bin2hex(text + hlen, SEED_HEX_LEN + 1, id->secret->ed,
		    IDENT_SEED_LEN);
		rc = s_lock(id);
	}
	if (rc != 0) {
		sodium_free(text);
		return rc;
	}
	text[n - 1] = '\n';
	text[n] = '\0';
	*out = text;
	*len = n;
	return 0;
}

void
ident_secret_free(char **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_free(*p);
	*p = NULL;
}

/*
 * Whether text starts with the magic of its file but names a version other
 * than v1: that calls for a newer kyojo, not for a new key.
 */
static bool
s_other_version(const char *text, size_t len)
{
	const size_t mlen = sizeof(SECRET_MAGIC) - 1;
	size_t n = mlen;

	if (len < mlen || memcmp(text, SECRET_MAGIC, mlen) != 0)
		return false;
	while (n < len && text[n] != '\n' && text[n] != '\r')
		n++;
	return n - mlen != 2 || memcmp(text + mlen, "v1", 2) != 0;
}

int
ident_secret_import(const char *text, size_t len, struct ident **out,
    const char **why)
{
	const size_t hlen = sizeof(SECRET_HEADER) - 1;
	const char *hex, *end = NULL;
	size_t bin_len = 0, rest;
	int rc;

	*out = NULL;
	if (len < hlen || memcmp(text, SECRET_HEADER, hlen) != 0) {
		if (s_other_version(text, len)) {
			*why = "secret key: unknown format version";
			return KY_EVERSION;
		}
		*why = "secret key: not a kyojo secret key file";
		return KY_EMALFORMED;
	}
	hex = text + hlen;
	if (len - hlen < SEED_HEX_LEN) {
		*why = "secret key: expected 64 hex digits on line 2";
		return KY_EMALFORMED;
	}
	rest = len - hlen - SEED_HEX_LEN;
	if (rest > 1 || (rest == 1 && hex[SEED_HEX_LEN] != '\n')) {
		*why = "secret key: unexpected data after the key";
		return KY_EMALFORMED;
	}
	if ((rc = s_new(out)) != 0) {
		*why = ky_strerror(rc);
		return rc;
	}
	if (sodium_hex2bin((*out)->secret->seed, IDENT_SEED_LEN, hex,
	    SEED_HEX_LEN, NULL, &bin_len, &end) != 0 ||
	    bin_len != IDENT_SEED_LEN || end != hex + SEED_HEX_LEN) {
		ident_destroy(out);
		*why = "secret key: expected 64 hex digits on line 2";
		return KY_EMALFORMED;
	}
	if ((rc = s_derive(out)) != 0)
		*why = ky_strerror(rc);
	return rc;
}

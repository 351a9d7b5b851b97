#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "body.h"
#include "json.h"
#include "seal.h"

/*
 * The envelope as writers emit it, piece by piece (docs/protocol.md 2.1):
 * HEAD nonce TO (KEY key BOX box REND) {"," ...} CT ct END.
 */
#define S_HEAD	"{\"sealed\":\"" SEAL_ALG "\",\"nonce\":\""
#define S_TO	"\",\"to\":["
#define S_KEY	"{\"key\":\""
#define S_BOX	"\",\"box\":\""
#define S_REND	"\"}"
#define S_CT	"],\"ct\":\""
#define S_END	"\"}"
#define S_LIT(s)	(sizeof(s) - 1)
#define S_B64(n)	(((n) + 2) / 3 * 4)	/* padded base64 of n B */
#define S_HEX_KEY	(2 * 32)
#define S_HEX_NONCE	(2 * SEAL_NONCE_LEN)
#define S_PER_TO	(S_LIT(S_KEY) + S_HEX_KEY + S_LIT(S_BOX) + \
	S_B64(SEAL_BOX_LEN) + S_LIT(S_REND))

/* An envelope after seal_check's walk; strings borrow root. */
struct env {
	cJSON *root;
	uint8_t nonce[SEAL_NONCE_LEN];
	size_t n;
	uint8_t keys[SEAL_RECIPIENTS_MAX][32];
	const char *box[SEAL_RECIPIENTS_MAX];
	const char *ct;
	size_t ct_len;			/* decoded bytes */
};

/* --- writing ------------------------------------------------------------ */

static size_t
s_envelope_len(size_t n, size_t plain_len)
{
	return S_LIT(S_HEAD) + S_HEX_NONCE + S_LIT(S_TO) + n * S_PER_TO +
	    (n - 1) + S_LIT(S_CT) + S_B64(plain_len + SEAL_TAG_LEN) +
	    S_LIT(S_END);
}

static char *
s_put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/*
 * crypto_box_seal with the ephemeral key pair made from seed, so test
 * vectors come out the same every time: libsodium's construction, box
 * nonce = BLAKE2b-192(epk || pk), output epk || crypto_box_easy(...).
 */
static int
s_box_fixed(uint8_t box[SEAL_BOX_LEN], const uint8_t key[SEAL_KEY_LEN],
    const uint8_t pk[32], const uint8_t seed[32])
{
	uint8_t epk[crypto_box_PUBLICKEYBYTES], esk[crypto_box_SECRETKEYBYTES];
	uint8_t nonce[crypto_box_NONCEBYTES];
	crypto_generichash_state st;
	int rc;

	if (crypto_box_seed_keypair(epk, esk, seed) != 0)
		return -1;
	crypto_generichash_init(&st, NULL, 0, sizeof(nonce));
	crypto_generichash_update(&st, epk, sizeof(epk));
	crypto_generichash_update(&st, pk, 32);
	crypto_generichash_final(&st, nonce, sizeof(nonce));
	memcpy(box, epk, sizeof(epk));
	rc = crypto_box_easy(box + sizeof(epk), key, SEAL_KEY_LEN, nonce, pk,
	    esk);
	sodium_memzero(esk, sizeof(esk));
	return rc;
}

static int
s_seal(uint8_t kind, const uint8_t *plain, size_t len, const uint8_t (*to)[32],
    size_t n, const uint8_t key[SEAL_KEY_LEN],
    const uint8_t nonce[SEAL_NONCE_LEN], const uint8_t (*eph)[32],
    uint8_t **out, size_t *out_len, const char **why)
{
	uint8_t curve[SEAL_RECIPIENTS_MAX][32], box[SEAL_BOX_LEN], *ct;
	unsigned long long ct_len;
	size_t total;
	char *buf, *p;

	*out = NULL;
	*out_len = 0;
	if (n == 0)
		return *why = "sealed: no recipients", KY_EINVAL;
	if (n > SEAL_RECIPIENTS_MAX)
		return *why = "sealed: more than 64 recipients", KY_ETOOBIG;
	if (len == 0)
		return *why = "sealed: empty body", KY_EINVAL;
	if (len > RECORD_BODY_MAX)
		return *why = "sealed: body over 64 KiB", KY_ETOOBIG;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (memcmp(to[i], to[j], 32) == 0)
				return *why = "sealed: a recipient is named "
				    "twice", KY_EINVAL;
		/* Refuses non-points and small-order keys. */
		if (crypto_sign_ed25519_pk_to_curve25519(curve[i], to[i]) != 0)
			return *why = "sealed: a recipient key has no X25519 "
			    "form (not a valid Ed25519 key)", KY_EINVAL;
	}
	total = s_envelope_len(n, len);
	if (total > RECORD_BODY_MAX)
		return *why = "sealed: the envelope would exceed 64 KiB "
		    "(body too large for this many recipients)", KY_ETOOBIG;
	/* +1: sodium_bin2base64 and _bin2hex write a NUL after each piece,
	 * and the envelope ends with one, as a convenience for callers. */
	if ((buf = malloc(total + 1)) == NULL ||
	    (ct = malloc(len + SEAL_TAG_LEN)) == NULL) {
		free(buf);
		return *why = "sealed: out of memory", KY_ENOMEM;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ct_len, plain, len,
	    &kind, 1, NULL, nonce, key);
	p = s_put(buf, S_HEAD, S_LIT(S_HEAD));
	sodium_bin2hex(p, S_HEX_NONCE + 1, nonce, SEAL_NONCE_LEN);
	p = s_put(p + S_HEX_NONCE, S_TO, S_LIT(S_TO));
	for (size_t i = 0; i < n; i++) {
		int rc = eph == NULL ?
		    crypto_box_seal(box, key, SEAL_KEY_LEN, curve[i]) :
		    s_box_fixed(box, key, curve[i], eph[i]);

		if (rc != 0) {
			free(buf);
			free(ct);
			return *why = "sealed: crypto_box_seal failed", KY_ESYS;
		}
		if (i > 0)
			*p++ = ',';
		p = s_put(p, S_KEY, S_LIT(S_KEY));
		sodium_bin2hex(p, S_HEX_KEY + 1, to[i], 32);
		p = s_put(p + S_HEX_KEY, S_BOX, S_LIT(S_BOX));
		sodium_bin2base64(p, S_B64(SEAL_BOX_LEN) + 1, box, sizeof(box),
		    sodium_base64_VARIANT_ORIGINAL);
		p = s_put(p + S_B64(SEAL_BOX_LEN), S_REND, S_LIT(S_REND));
	}
	p = s_put(p, S_CT, S_LIT(S_CT));
	sodium_bin2base64(p, S_B64((size_t)ct_len) + 1, ct, (size_t)ct_len,
	    sodium_base64_VARIANT_ORIGINAL);
	p = s_put(p + S_B64((size_t)ct_len), S_END, S_LIT(S_END));
	*p = '\0';
	free(ct);
	if ((size_t)(p - buf) != total) {
		free(buf);
		return *why = "sealed: envelope length miscounted", KY_ESYS;
	}
	*out = (uint8_t *)buf;
	*out_len = total;
	return 0;
}

int
seal_body(uint8_t kind, const uint8_t *plain, size_t len,
    const uint8_t (*to)[32], size_t n, uint8_t **out, size_t *out_len,
    const char **why)
{
	uint8_t key[SEAL_KEY_LEN], nonce[SEAL_NONCE_LEN];
	int rc;

	if (sodium_init() < 0) {
		*out = NULL;
		*out_len = 0;
		return *why = "sealed: libsodium failed to initialize", KY_ESYS;
	}
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	randombytes_buf(nonce, sizeof(nonce));
	rc = s_seal(kind, plain, len, to, n, key, nonce, NULL, out, out_len,
	    why);
	sodium_memzero(key, sizeof(key));
	return rc;
}

int
seal_body_fixed(uint8_t kind, const uint8_t *plain, size_t len,
    const uint8_t (*to)[32], size_t n, const uint8_t key[SEAL_KEY_LEN],
    const uint8_t nonce[SEAL_NONCE_LEN], const uint8_t (*eph)[32],
    uint8_t **out, size_t *out_len, const char **why)
{
	return s_seal(kind, plain, len, to, n, key, nonce, eph, out, out_len,
	    why);
}

/* --- reading ------------------------------------------------------------ */

static const uint8_t *
s_ws(const uint8_t *p, const uint8_t *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

bool
seal_is_envelope(const uint8_t *body, size_t len)
{
	const uint8_t *end = body + len, *p = s_ws(body, end);

	if (p == end || *p != '{')
		return false;
	p = s_ws(p + 1, end);
	if (end - p < 8 || memcmp(p, "\"sealed\"", 8) != 0)
		return false;
	p = s_ws(p + 8, end);
	return p < end && *p == ':';
}

bool
seal_required(const struct record_header *h)
{
	return h->tlp >= TLP_AMBER && (h->kind == RK_INDICATOR ||
	    h->kind == RK_SIGHTING || h->kind == RK_ARTICLE);
}

/* Exactly 2n lower-case hex digits: one spelling per key, as written. */
static bool
s_hex_lower(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < 2 * n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return record_unhex(s, out, n) == 0;
}

static int
s_b64_digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Canonical RFC 4648 base64 with padding, as sodium_bin2base64 writes
 * it: no white space, padding only at the end, the unused bits of the
 * last digit zero.  One spelling per byte string, without decoding.
 * *n gets the decoded length.
 */
static bool
s_b64_canonical(const char *s, size_t *n)
{
	size_t len = strlen(s), pad = 0;
	int last;

	if (len == 0 || len % 4 != 0)
		return false;
	if (s[len - 1] == '=') {
		pad++;
		if (s[len - 2] == '=')
			pad++;
	}
	for (size_t i = 0; i < len - pad; i++)
		if (s_b64_digit(s[i]) < 0)
			return false;
	last = s_b64_digit(s[len - pad - 1]);
	if ((pad == 1 && (last & 0x3) != 0) || (pad == 2 && (last & 0xf) != 0))
		return false;
	*n = len / 4 * 3 - pad;
	return true;
}

static int
s_recipient(struct env *e, const cJSON *r, const char **why)
{
	const cJSON *key = NULL, *box = NULL;
	size_t got;
	int members = 0;

	if (!cJSON_IsObject(r))
		return *why = "sealed: to: not an array of objects", KY_EINVAL;
	for (const cJSON *c = r->child; c != NULL; c = c->next) {
		members++;
		if (strcmp(c->string, "key") == 0)
			key = c;
		else if (strcmp(c->string, "box") == 0)
			box = c;
		else
			return *why = "sealed: to: unknown member in a "
			    "recipient", KY_EINVAL;
	}
	if (key == NULL || box == NULL || members != 2)
		return *why = "sealed: to: a recipient needs key and box",
		    KY_EINVAL;
	if (!cJSON_IsString(key) || !s_hex_lower(key->valuestring,
	    e->keys[e->n], 32))
		return *why = "sealed: to: key is not 64 lower-case hex digits",
		    KY_EINVAL;
	for (size_t j = 0; j < e->n; j++)
		if (memcmp(e->keys[j], e->keys[e->n], 32) == 0)
			return *why = "sealed: to: a recipient is named twice",
			    KY_EINVAL;
	if (!cJSON_IsString(box) || !s_b64_canonical(box->valuestring, &got) ||
	    got != SEAL_BOX_LEN)
		return *why = "sealed: to: box is not canonical base64 of 80 "
		    "bytes", KY_EINVAL;
	e->box[e->n++] = box->valuestring;
	return 0;
}

/* seal_check's walk; on success e->root is the caller's. */
static int
s_parse(const uint8_t *body, size_t len, struct env *e, const char **why)
{
	const cJSON *alg = NULL, *nonce = NULL, *to = NULL, *ct = NULL, *r;
	int members = 0, rc;

	e->root = NULL;
	e->n = 0;
	if (len > RECORD_BODY_MAX)
		return *why = "sealed: envelope over 64 KiB", KY_ETOOBIG;
	if (!seal_is_envelope(body, len))
		return *why = "sealed: not an envelope (\"sealed\" must be the "
		    "first member)", KY_EINVAL;
	if ((rc = json_parse_strict(body, len, &e->root, why)) != 0)
		return rc;
	for (const cJSON *c = e->root->child; c != NULL; c = c->next) {
		members++;
		if (strcmp(c->string, "sealed") == 0)
			alg = c;
		else if (strcmp(c->string, "nonce") == 0)
			nonce = c;
		else if (strcmp(c->string, "to") == 0)
			to = c;
		else if (strcmp(c->string, "ct") == 0)
			ct = c;
		else {
			*why = "sealed: unknown member in the envelope";
			rc = KY_EINVAL;
			goto fail;
		}
	}
	rc = KY_EINVAL;
	/* Strict JSON has no duplicate keys: four members, four names. */
	if (members != 4 || alg == NULL || nonce == NULL || to == NULL ||
	    ct == NULL) {
		*why = "sealed: the envelope needs sealed, nonce, to and ct";
		goto fail;
	}
	if (!cJSON_IsString(alg) || strcmp(alg->valuestring, SEAL_ALG) != 0) {
		*why = "sealed: unknown algorithm (not " SEAL_ALG ")";
		goto fail;
	}
	if (!cJSON_IsString(nonce) || !s_hex_lower(nonce->valuestring,
	    e->nonce, SEAL_NONCE_LEN)) {
		*why = "sealed: nonce is not 48 lower-case hex digits";
		goto fail;
	}
	if (!cJSON_IsArray(to) || to->child == NULL) {
		*why = "sealed: to: not a non-empty array";
		goto fail;
	}
	cJSON_ArrayForEach(r, to) {
		if (e->n == SEAL_RECIPIENTS_MAX) {
			*why = "sealed: to: more than 64 recipients";
			rc = KY_ETOOBIG;
			goto fail;
		}
		if ((rc = s_recipient(e, r, why)) != 0)
			goto fail;
	}
	if (!cJSON_IsString(ct) || !s_b64_canonical(ct->valuestring,
	    &e->ct_len) || e->ct_len <= SEAL_TAG_LEN) {
		*why = "sealed: ct is not canonical base64 of at least 17 "
		    "bytes";
		rc = KY_EINVAL;
		goto fail;
	}
	e->ct = ct->valuestring;
	return 0;
fail:
	cJSON_Delete(e->root);
	e->root = NULL;
	e->n = 0;
	return rc;
}

int
seal_check(const uint8_t *body, size_t len, const char **why)
{
	struct env e;
	int rc;

	if ((rc = s_parse(body, len, &e, why)) == 0)
		cJSON_Delete(e.root);
	return rc;
}

int
seal_recipients(const uint8_t *body, size_t len, uint8_t (*to)[32],
    size_t max, size_t *n, const char **why)
{
	struct env e;
	int rc;

	*n = 0;
	if ((rc = s_parse(body, len, &e, why)) != 0)
		return rc;
	cJSON_Delete(e.root);
	*n = e.n;
	if (e.n > max)
		return *why = "sealed: more recipients than room for them",
		    KY_ETOOBIG;
	memcpy(to, e.keys, e.n * 32);
	return 0;
}

int
seal_open(uint8_t kind, const uint8_t *body, size_t len, const uint8_t me[32],
    seal_unbox_fn unbox, void *ctx, uint8_t **plain, size_t *plain_len,
    const char **why)
{
	uint8_t box[SEAL_BOX_LEN], key[SEAL_KEY_LEN], *ct = NULL, *m = NULL;
	unsigned long long mlen;
	size_t i, got;
	struct env e;
	int rc;

	*plain = NULL;
	*plain_len = 0;
	if ((rc = s_parse(body, len, &e, why)) != 0)
		return rc;
	for (i = 0; i < e.n; i++)
		if (memcmp(e.keys[i], me, 32) == 0)
			break;
	if (i == e.n) {
		*why = "sealed: not addressed to this key";
		rc = KY_ENOTFOUND;
		goto out;
	}
	/* s_parse checked both strings: they decode. */
	if (sodium_base642bin(box, sizeof(box), e.box[i], strlen(e.box[i]),
	    NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != sizeof(box)) {
		*why = "sealed: to: box does not decode";
		rc = KY_EINVAL;
		goto out;
	}
	if ((rc = unbox(ctx, box, sizeof(box), key)) != 0) {
		if (rc != KY_ESYS && rc != KY_ENOMEM)
			rc = KY_EBADSIG;
		*why = rc == KY_EBADSIG ? "sealed: our box does not open "
		    "(damaged, or sealed to another key)" :
		    "sealed: opening our box failed";
		goto out;
	}
	if ((ct = malloc(e.ct_len)) == NULL ||
	    (m = malloc(e.ct_len - SEAL_TAG_LEN)) == NULL) {
		*why = "sealed: out of memory";
		rc = KY_ENOMEM;
		goto out;
	}
	if (sodium_base642bin(ct, e.ct_len, e.ct, strlen(e.ct), NULL, &got,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got != e.ct_len) {
		*why = "sealed: ct does not decode";
		rc = KY_EINVAL;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL, ct,
	    e.ct_len, &kind, 1, e.nonce, key) != 0) {
		*why = "sealed: the ciphertext does not authenticate (damaged, "
		    "or moved to a record of another kind)";
		rc = KY_EBADSIG;
		goto out;
	}
	*plain = m;
	*plain_len = (size_t)mlen;
	m = NULL;
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	free(ct);
	free(m);
	cJSON_Delete(e.root);
	return rc;
}

int
body_parse_record(const struct record_header *h, const uint8_t *body,
    size_t len, cJSON **root, const char **why)
{
	struct env e;
	int rc;

	*root = NULL;
	if (h->kind != RK_INDICATOR && h->kind != RK_SIGHTING &&
	    h->kind != RK_ARTICLE)
		return body_parse(h->kind, body, len, root, why);
	if (seal_required(h)) {
		if (!seal_is_envelope(body, len)) {
			*why = "body: an AMBER, AMBER+STRICT or RED body must "
			    "be sealed";
			return KY_EINVAL;
		}
		if ((rc = s_parse(body, len, &e, why)) != 0)
			return rc;
		*root = e.root;
		return 0;
	}
	if ((rc = json_parse_strict(body, len, root, why)) != 0)
		return rc;
	if (json_get(*root, "sealed") != NULL) {
		*why = "body: sealed body on a CLEAR/GREEN record";
		rc = KY_EINVAL;
	} else {
		rc = body_validate(h->kind, *root, why);
	}
	if (rc != 0) {
		cJSON_Delete(*root);
		*root = NULL;
	}
	return rc;
}

bool
seal_names(const uint8_t *body, size_t len, const uint8_t key[32])
{
	uint8_t to[SEAL_RECIPIENTS_MAX][32];
	const char *why;
	size_t n = 0;

	if (seal_recipients(body, len, to, SEAL_RECIPIENTS_MAX, &n, &why) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (sodium_memcmp(to[i], key, 32) == 0)
			return true;
	return false;
}

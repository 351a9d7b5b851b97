#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "record.h"

/*
 * Byte offsets of the header fields.  The layout is fixed; a new layout
 * gets a new version byte, never a reinterpretation of this one.
 */
enum {
	OFF_MAGIC = 0,		/* 4 */
	OFF_VERSION = 4,	/* 1 */
	OFF_KIND = 5,		/* 1 */
	OFF_TLP = 6,		/* 1 */
	OFF_PAP = 7,		/* 1 */
	OFF_FLAGS = 8,		/* 4 */
	OFF_ORIGIN = 12,	/* 32 */
	OFF_SEQ = 44,		/* 8 */
	OFF_PREV = 52,		/* 32 */
	OFF_COMMUNITY = 84,	/* 32 */
	OFF_CREATED = 116,	/* 8 */
	OFF_EXPIRES = 124,	/* 8 */
	OFF_BODY_LEN = 132,	/* 4 */
	OFF_BODY_HASH = 136,	/* 32 */
	OFF_END = 168
};
_Static_assert(OFF_END == RECORD_HEADER_LEN, "header layout");

static const uint8_t s_zero[32];

static void
s_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void
s_put64(uint8_t *p, uint64_t v)
{
	s_put32(p, v >> 32);
	s_put32(p + 4, (uint32_t)v);
}

static uint32_t
s_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
s_get64(const uint8_t *p)
{
	return (uint64_t)s_get32(p) << 32 | s_get32(p + 4);
}

void
record_header_pack(const struct record_header *h, uint8_t out[RECORD_HEADER_LEN])
{
	memcpy(out + OFF_MAGIC, RECORD_MAGIC, 4);
	out[OFF_VERSION] = RECORD_VERSION;
	out[OFF_KIND] = h->kind;
	out[OFF_TLP] = h->tlp;
	out[OFF_PAP] = h->pap;
	s_put32(out + OFF_FLAGS, h->flags);
	memcpy(out + OFF_ORIGIN, h->origin, 32);
	s_put64(out + OFF_SEQ, h->seq);
	memcpy(out + OFF_PREV, h->prev, 32);
	memcpy(out + OFF_COMMUNITY, h->community, 32);
	s_put64(out + OFF_CREATED, h->created);
	s_put64(out + OFF_EXPIRES, h->expires);
	s_put32(out + OFF_BODY_LEN, h->body_len);
	memcpy(out + OFF_BODY_HASH, h->body_hash, 32);
}

bool
record_kind_may_be_permanent(uint8_t kind)
{
	return kind == RK_ARTICLE || kind == RK_RETRACTION ||
	    kind == RK_ROSTER || kind == RK_CARD;
}

/* The semantic checks shared by the decoder and the encoder. */
static int
s_header_check(const struct record_header *h, const char **why)
{
	if (h->kind < 1 || h->kind > RK_MAX)
		return *why = "header: unknown kind", KY_EMALFORMED;
	if (h->tlp > TLP_MAX)
		return *why = "header: unknown TLP", KY_EMALFORMED;
	if (h->pap > PAP_MAX)
		return *why = "header: unknown PAP", KY_EMALFORMED;
	if (h->flags & ~RECORD_FLAGS_KNOWN)
		return *why = "header: unknown flag bits", KY_EMALFORMED;
	if (h->seq == 0)
		return *why = "header: seq must start at 1", KY_EMALFORMED;
	if ((h->seq == 1) != (memcmp(h->prev, s_zero, 32) == 0))
		return *why = (h->seq == 1 ? "header: seq 1 with a prev id" :
		    "header: prev id missing"), KY_EMALFORMED;
	if (h->body_len > RECORD_BODY_MAX)
		return *why = "header: body length over 64 KiB", KY_ETOOBIG;
	if (h->body_len == 0)
		return *why = "header: empty body", KY_EMALFORMED;
	if (h->expires == 0 && !record_kind_may_be_permanent(h->kind))
		return *why = "header: this kind must expire", KY_EMALFORMED;
	if (h->expires != 0 && h->expires <= h->created)
		return *why = "header: expires before created", KY_EMALFORMED;
	return 0;
}

int
record_header_unpack(const uint8_t in[RECORD_HEADER_LEN],
    struct record_header *h, const char **why)
{
	int rc;

	memset(h, 0, sizeof(*h));
	if (memcmp(in + OFF_MAGIC, RECORD_MAGIC, 4) != 0)
		return *why = "header: bad magic", KY_EMALFORMED;
	if (in[OFF_VERSION] != RECORD_VERSION)
		return *why = "header: unknown version", KY_EVERSION;
	h->kind = in[OFF_KIND];
	h->tlp = in[OFF_TLP];
	h->pap = in[OFF_PAP];
	h->flags = s_get32(in + OFF_FLAGS);
	memcpy(h->origin, in + OFF_ORIGIN, 32);
	h->seq = s_get64(in + OFF_SEQ);
	memcpy(h->prev, in + OFF_PREV, 32);
	memcpy(h->community, in + OFF_COMMUNITY, 32);
	h->created = s_get64(in + OFF_CREATED);
	h->expires = s_get64(in + OFF_EXPIRES);
	h->body_len = s_get32(in + OFF_BODY_LEN);
	memcpy(h->body_hash, in + OFF_BODY_HASH, 32);
	if ((rc = s_header_check(h, why)) != 0)
		memset(h, 0, sizeof(*h));
	return rc;
}

int
record_decode(const uint8_t *buf, size_t len, struct record *r,
    const char **why)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (len < RECORD_STUB_LEN)
		return *why = "record: truncated", KY_EMALFORMED;
	if (len > RECORD_MAX_LEN)
		return *why = "record: over the size limit", KY_ETOOBIG;
	if ((rc = record_header_unpack(buf, &r->h, why)) != 0)
		return rc;
	if (len != RECORD_STUB_LEN && len != RECORD_STUB_LEN + r->h.body_len) {
		*why = len < RECORD_STUB_LEN + r->h.body_len ?
		    "record: truncated body" : "record: trailing bytes";
		memset(r, 0, sizeof(*r));
		return KY_EMALFORMED;
	}
	r->raw = buf;
	r->raw_len = len;
	r->sig = buf + RECORD_HEADER_LEN;
	r->body = len == RECORD_STUB_LEN ? NULL : buf + RECORD_STUB_LEN;
	crypto_generichash(r->id, sizeof(r->id), buf, RECORD_HEADER_LEN, NULL, 0);
	return 0;
}

int
record_verify(const struct record *r, const char **why)
{
	uint8_t hash[32];

	if (r->body != NULL) {
		crypto_generichash(hash, sizeof(hash), r->body, r->h.body_len,
		    NULL, 0);
		if (sodium_memcmp(hash, r->h.body_hash, sizeof(hash)) != 0)
			return *why = "record: body hash mismatch", KY_EBADHASH;
	}
	if (crypto_sign_verify_detached(r->sig, r->raw, RECORD_HEADER_LEN,
	    r->h.origin) != 0)
		return *why = "record: bad signature", KY_EBADSIG;
	return 0;
}

int
record_open(const uint8_t *buf, size_t len, struct record *r, const char **why)
{
	int rc;

	if ((rc = record_decode(buf, len, r, why)) != 0)
		return rc;
	if ((rc = record_verify(r, why)) != 0)
		memset(r, 0, sizeof(*r));
	return rc;
}

int
record_encode(const struct record_header *h, const void *body, size_t body_len,
    record_signer_fn sign, void *sign_ctx, uint8_t **out, size_t *out_len,
    const char **why)
{
	struct record_header hh = *h;
	uint8_t *buf;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (body_len > RECORD_BODY_MAX)
		return *why = "record: body over 64 KiB", KY_ETOOBIG;
	if (body_len > 0 && body == NULL)
		return *why = "record: body missing", KY_EINVAL;
	hh.body_len = (uint32_t)body_len;
	crypto_generichash(hh.body_hash, sizeof(hh.body_hash), body, body_len,
	    NULL, 0);
	if ((rc = s_header_check(&hh, why)) != 0)
		return rc == KY_ETOOBIG ? rc : KY_EINVAL;
	if ((buf = malloc(RECORD_STUB_LEN + body_len)) == NULL)
		return *why = "record: out of memory", KY_ENOMEM;
	record_header_pack(&hh, buf);
	if ((rc = sign(sign_ctx, buf, RECORD_HEADER_LEN,
	    buf + RECORD_HEADER_LEN)) != 0) {
		free(buf);
		return *why = "record: signing failed", rc;
	}
	memcpy(buf + RECORD_STUB_LEN, body, body_len);
	*out = buf;
	*out_len = RECORD_STUB_LEN + body_len;
	return 0;
}

bool
record_is_expired(const struct record_header *h, uint64_t now)
{
	return h->expires != 0 && h->expires <= now;
}

static const char *const s_kind_names[] = {
	[RK_INDICATOR] = "indicator", [RK_SIGHTING] = "sighting",
	[RK_ARTICLE] = "article", [RK_RETRACTION] = "retraction",
	[RK_ROSTER] = "roster", [RK_CARD] = "card", [RK_VIEW] = "view",
};
static const char *const s_tlp_names[] = {
	[TLP_CLEAR] = "CLEAR", [TLP_GREEN] = "GREEN", [TLP_AMBER] = "AMBER",
	[TLP_AMBER_STRICT] = "AMBER+STRICT", [TLP_RED] = "RED",
};
static const char *const s_pap_names[] = {
	[PAP_CLEAR] = "CLEAR", [PAP_GREEN] = "GREEN", [PAP_AMBER] = "AMBER",
	[PAP_RED] = "RED",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
s_name(const char *const *names, size_t n, unsigned v)
{
	return v < n && names[v] != NULL ? names[v] : NULL;
}

/* Names compare case-insensitively: operators type "amber" and "AMBER". */
static int
s_lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] != NULL && strcasecmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *record_kind_name(uint8_t k) { return s_name(s_kind_names, NELEM(s_kind_names), k); }
const char *record_tlp_name(uint8_t t) { return s_name(s_tlp_names, NELEM(s_tlp_names), t); }
const char *record_pap_name(uint8_t p) { return s_name(s_pap_names, NELEM(s_pap_names), p); }
int record_kind_from_name(const char *s) { return s_lookup(s_kind_names, NELEM(s_kind_names), s); }
int record_tlp_from_name(const char *s) { return s_lookup(s_tlp_names, NELEM(s_tlp_names), s); }
int record_pap_from_name(const char *s) { return s_lookup(s_pap_names, NELEM(s_pap_names), s); }

void
record_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
s_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
record_unhex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if ((hi = s_nibble(hex[2 * i])) < 0 ||
		    (lo = s_nibble(hex[2 * i + 1])) < 0)
			return KY_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[2 * n] == '\0' ? 0 : KY_EINVAL;
}

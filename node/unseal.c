/*
 * unseal.c - the store opener of a node: sealed bodies addressed to it.
 *
 * store_ingest() calls it for every sealed body it stores; a body that
 * names this node among its recipients is opened with the node's X25519
 * key (ident_seal_open, the only code that touches the secret), and the
 * store keeps the plaintext beside the ciphertext it forwards.
 */
#include "keys/ident.h"
#include "node/unseal.h"
#include "protocol/seal.h"

static int
s_unbox(void *ctx, const uint8_t *box, size_t box_len, uint8_t *out)
{
	return ident_seal_open(ctx, box, box_len, out);
}

int
unseal_record(void *ctx, const struct record *r, uint8_t **plain,
    size_t *plain_len)
{
	struct ident *me = ctx;
	const char *why;

	if (r->raw_len <= RECORD_STUB_LEN)
		return KY_ENOTFOUND;
	/* Only in a record of someone it was sealed by or for: a relay
	 * cannot re-sign another's envelope as its own report. */
	if (!seal_names(r->raw + RECORD_STUB_LEN, r->raw_len - RECORD_STUB_LEN,
	    r->h.origin))
		return KY_EPERM;
	return seal_open(r->h.kind, r->raw + RECORD_STUB_LEN,
	    r->raw_len - RECORD_STUB_LEN, ident_public(me), s_unbox, me, plain,
	    plain_len, &why);
}

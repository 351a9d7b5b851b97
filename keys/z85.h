/*
 * z85.h - Z85, the printable encoding of ZeroMQ's CURVE keys (ZeroMQ RFC 32).
 *
 * Every 4 bytes become 5 characters from an 85-character alphabet that
 * needs no quoting in config files or shells; a 32-byte key becomes 40
 * characters.  Lengths must be multiples of 4 bytes (5 characters): Z85
 * has no padding.  Pure functions, no allocation, thread-safe.
 */
#ifndef KY_Z85_H
#define KY_Z85_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/error.h"

/* Characters (without the NUL) that n bytes encode to. */
#define Z85_ENCODED_LEN(n)	((n) / 4 * 5)

/*
 * Encodes n bytes of in (n a multiple of 4; anything else is a bug and
 * asserts) into out, which must hold Z85_ENCODED_LEN(n) + 1 bytes; out is
 * NUL-terminated.
 */
void z85_encode(const uint8_t *in, size_t n, char *out) KY_NONNULL(1, 3);

/*
 * Decodes the NUL-terminated string in, which must be exactly
 * Z85_ENCODED_LEN(n) characters, into the n bytes of out.
 * Errors: KY_EINVAL when n is not a multiple of 4; KY_EMALFORMED when in
 * has the wrong length, a character outside the alphabet, or a group
 * whose value exceeds 32 bits.  On error out is zeroed.
 */
int z85_decode(const char *in, uint8_t *out, size_t n) KY_WUR KY_NONNULL(1, 2);

#endif

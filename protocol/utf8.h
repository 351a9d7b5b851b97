/*
 * utf8.h - strict UTF-8 validation (RFC 3629).
 *
 * Refuses overlong forms, surrogates (U+D800..U+DFFF), code points above
 * U+10FFFF and truncated sequences, so every byte string that passes has
 * exactly one meaning.  NUL bytes are refused too: bodies and values are
 * C strings in every consumer we feed.
 */
#ifndef KY_UTF8_H
#define KY_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool utf8_is_valid(const void *s, size_t len);

/* Number of code points in a valid UTF-8 string (for length limits). */
size_t utf8_count(const void *s, size_t len);

#endif

/*
 * json.h - strict JSON for signed bodies.
 *
 * Signed bodies are never re-serialized, but every node must read the same
 * meaning from the same bytes.  cJSON alone is too lenient for that: it
 * keeps duplicate keys (and returns the first, where JavaScript and Python
 * return the last), turns large integers into doubles, and stops strings at
 * an escaped NUL.  json_parse_strict() refuses all of those before any
 * field is read:
 *
 *   - the bytes must be valid UTF-8 and one JSON object, nothing after it;
 *   - numbers are integers in plain form (no fraction, exponent or leading
 *     zero) with |n| <= 2^53, so every reader gets the exact value;
 *   - no duplicate key in any object; no \u0000 in any string;
 *   - nesting at most JSON_DEPTH_MAX levels.
 */
#ifndef KY_JSON_H
#define KY_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "error.h"

#define JSON_DEPTH_MAX 16
#define JSON_INT_MAX 9007199254740992LL	/* 2^53 */

/*
 * Parses buf (len bytes, not NUL-terminated) into *root, the caller's to
 * cJSON_Delete.  Returns 0, KY_EMALFORMED or KY_ENOMEM with *why set;
 * *root is NULL on failure.
 */
int json_parse_strict(const uint8_t *buf, size_t len, cJSON **root,
    const char **why) KY_WUR KY_NONNULL(1, 3, 4);

/* The object member named key, or NULL (exact, case-sensitive match). */
const cJSON *json_get(const cJSON *obj, const char *key);

/*
 * Typed readers for validators.  Each returns 0, or KY_EINVAL when the
 * member has the wrong type or is out of range.  Optional members that are
 * absent leave *out unchanged and return 0; required ones fail.
 */
int json_get_int(const cJSON *obj, const char *key, int64_t min, int64_t max,
    int required, int64_t *out) KY_WUR;
int json_get_str(const cJSON *obj, const char *key, size_t max_bytes,
    int required, const char **out) KY_WUR;

#endif

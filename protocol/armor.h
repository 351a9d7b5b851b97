/*
 * armor.h - records as text, for mail, chat and terminals.
 *
 *     -----BEGIN KYOJO RECORD-----
 *     base64 (RFC 4648, with padding), 64 columns
 *     -----END KYOJO RECORD-----
 *
 * Lines before BEGIN (comments such as a card's fingerprint) are ignored
 * by the decoder, so an operator can read a card aloud and paste it whole.
 */
#ifndef KY_ARMOR_H
#define KY_ARMOR_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define ARMOR_BEGIN "-----BEGIN KYOJO RECORD-----"
#define ARMOR_END "-----END KYOJO RECORD-----"

/* Armors n bytes; *out is a malloc'd NUL-terminated string, the caller's. */
int armor_encode(const uint8_t *in, size_t n, char **out) KY_WUR;

/*
 * If text holds an armored block, decodes it into a malloc'd *out and
 * returns 0; returns KY_ENOTFOUND when there is no BEGIN line (the input
 * is then taken as raw bytes by callers) and KY_EMALFORMED with *why for
 * a broken block.
 */
int armor_decode(const char *text, size_t len, uint8_t **out, size_t *n,
    const char **why) KY_WUR;

#endif

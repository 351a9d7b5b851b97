/*
 * body.h - the JSON bodies of each record kind, and their validators.
 *
 * A body is checked only after its record's signature and hash verified
 * (record_open), and it is parsed with json_parse_strict().  Each validator
 * names the field at fault through *why ("indicator: confidence out of
 * range 0..100").  Receivers ignore members they do not know, so a later
 * protocol version can add fields without splitting the network; writers
 * of this version emit only the members listed in docs/protocol.md.
 *
 * Values inside bodies must already be in normal form: an indicator whose
 * value is not what indicator_normalize() would produce is refused, so two
 * nodes can never disagree about whether two records name the same thing.
 */
#ifndef KY_BODY_H
#define KY_BODY_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "error.h"

#define BODY_NOTE_MAX		4096	/* bytes of a free-text note */
#define BODY_TAGS_MAX		16	/* entries in tags / attack / refs */
#define BODY_TAG_MAX		64	/* bytes of one tag */
#define BODY_TITLE_MAX		300	/* bytes of an article title */
#define BODY_VIEW_K_MIN		3	/* a view's k: members per published cell */

enum sighting_verdict {
	VERDICT_SEEN = 1,		/* "seen": we saw it too */
	VERDICT_FALSE_POSITIVE = 2,	/* "false-positive" */
	VERDICT_EXPIRED = 3,		/* "expired": no longer active */
};

/*
 * Validates a parsed body for its kind (enum record_kind).
 * Returns 0 or KY_EINVAL with *why naming the field.
 */
int body_validate(uint8_t kind, const cJSON *root, const char **why)
    KY_WUR KY_NONNULL(2, 3);

/* json_parse_strict() then body_validate(); *root is the caller's. */
int body_parse(uint8_t kind, const uint8_t *buf, size_t len, cJSON **root,
    const char **why) KY_WUR KY_NONNULL(2, 4, 5);

/* "seen" -> VERDICT_SEEN ...; -1 if unknown. */
int body_verdict_from_name(const char *s);
const char *body_verdict_name(int verdict);

#endif

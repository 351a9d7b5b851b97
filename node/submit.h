/*
 * submit.h - records written by this node: normalize, check, sign.
 *
 * Requests from the control socket (submit, sight, retract) become signed
 * records of our own chain.  The value is normalized and the body checked
 * with the same rules every receiver applies, before anything is signed.
 * Our next seq and prev id live in the daemon context; a record that fails
 * to commit gives its seq back (submit_reload_own).
 */
#ifndef KY_SUBMIT_H
#define KY_SUBMIT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "node/daemon.h"

/*
 * Builds the record that request req (op "submit", "sight", "retract" or
 * "article") asks for.  *rec is malloc'd, the caller's.  Errors: KY_EINVAL with *why
 * naming the problem, KY_ENOTFOUND (retract of an unknown id), KY_EPERM
 * (retract of someone else's record), KY_ENOMEM.
 */
int submit_request(struct daemon *d, const char *op, const cJSON *req,
    uint8_t **rec, size_t *len, const char **why) KY_WUR;

/*
 * Builds what request req would sign, scrubbing included, and signs
 * nothing: *answer (the caller's) is {"ok": true, "body": the body as it
 * would be signed, "redactions": [{member, kind, original, why}]}.
 * Errors: as submit_request().
 */
int submit_dry_run(struct daemon *d, const char *op, const cJSON *req,
    cJSON **answer, const char **why) KY_WUR;

#endif

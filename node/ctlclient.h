/*
 * ctlclient.h - the CLI's side of the control socket.
 *
 * A request is one JSON object {"v": 1, "op": "...", ...}; the answer is
 * one JSON object {"ok": true, ...} or {"ok": false, "error": "why"}.
 * Writes are answered only after the daemon's commit returned, so an "ok"
 * means the record is on disk.
 */
#ifndef KY_CTLCLIENT_H
#define KY_CTLCLIENT_H

#include <cJSON.h>

#include "protocol/error.h"

#define CONTROL_VERSION 1

/*
 * Sends req (op and arguments; "v" is added) to the daemon of node
 * directory dir and waits up to timeout_ms for the answer, which is
 * returned in *reply (the caller's to cJSON_Delete).  Errors:
 * KY_ENOTFOUND (no control socket: the daemon is not running),
 * KY_ETIMEOUT, KY_EMALFORMED (the answer is not JSON), KY_ESYS.
 */
int ctlclient_call(const char *dir, cJSON *req, int timeout_ms,
    cJSON **reply, const char **why) KY_WUR;

/* The control socket path of a node directory, into out (cap bytes). */
void ctlclient_path(const char *dir, char *out, size_t cap);

#endif

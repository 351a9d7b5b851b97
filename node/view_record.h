/*
 * view_record.h - a view as a signed record (kind view), so a national
 * or sector coordinator can combine regions' views (view_merge) without
 * ever receiving their members' reports.
 *
 * Only what view_build() published travels: suppressed cells are null,
 * listed indicators have at least k reporters, and the health view and
 * merged views are never published.  The body is checked with the
 * protocol's own validator (protocol/body.c, kind view) before it is
 * handed to the daemon, which checks it again before signing.
 *
 * Publishing goes through the daemon's control op "view":
 *
 *     {"v": 1, "op": "view", "body": {...}, "tlp": "green", "ttl": 15552000}
 *
 * body is the object view_record_body() builds; tlp (default GREEN) and
 * ttl (seconds, default VIEW_RECORD_TTL) are optional.  The answer is
 * the usual {"ok": true, "ids": [id]} once the record is committed.
 */
#ifndef KY_VIEW_RECORD_H
#define KY_VIEW_RECORD_H

#include <cJSON.h>

#include "node/view.h"

#define VIEW_RECORD_TTL		(180 * 86400)	/* default lifetime */
#define VIEW_RECORD_TTL_MAX	(2 * 366 * 86400)
#define VIEW_RECORD_FIT		(60 * 1024)	/* body bytes we aim under,
						   leaving room for the salt */

/*
 * The body of a view record for v, in *body (the caller's).  Indicators
 * beyond what fits in VIEW_RECORD_FIT bytes are left out, least
 * reported first.  Errors: KY_EINVAL (*why: a health or merged view, or
 * a body the validator refuses), KY_ETOOBIG (the tables alone do not
 * fit), KY_ENOMEM.
 */
int view_record_body(const struct view *v, cJSON **body, const char **why)
    KY_WUR KY_NONNULL(1, 2, 3);

/*
 * The control request that publishes v: op "view" with the body, tlp
 * (NULL: green) and ttl (0: VIEW_RECORD_TTL).  Errors: as
 * view_record_body, and KY_EINVAL for a bad tlp or ttl.
 */
int view_record_request(const struct view *v, const char *tlp, int64_t ttl,
    cJSON **req, const char **why) KY_WUR KY_NONNULL(1, 4, 5);

#endif

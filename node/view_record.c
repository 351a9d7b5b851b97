/*
 * view_record.c - the body of a view record (view_record.h).
 */
#include <stdlib.h>
#include <string.h>

#include "node/view_record.h"
#include "protocol/body.h"
#include "protocol/record.h"

/* The printed size of body, or 0 when it cannot be printed. */
static size_t
s_size(const cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);
	size_t n = text != NULL ? strlen(text) : 0;

	cJSON_free(text);
	return n;
}

int
view_record_body(const struct view *v, cJSON **body, const char **why)
{
	cJSON *b, *items;
	size_t n;
	int rc;

	*body = NULL;
	if (v->kind == VIEW_HEALTH)
		return *why = "the health view is never published", KY_EINVAL;
	if (v->nregions > 0)
		return *why = "a merged view is not published", KY_EINVAL;
	if ((rc = view_to_json(v, true, &b)) != 0)
		return rc;
	/* Items are sorted most reported first: drop from the end. */
	items = cJSON_GetObjectItemCaseSensitive(b, "items");
	while ((n = s_size(b)) > VIEW_RECORD_FIT && cJSON_GetArraySize(items) > 0)
		cJSON_DeleteItemFromArray(items, cJSON_GetArraySize(items) - 1);
	if (n == 0 || n > VIEW_RECORD_FIT) {
		cJSON_Delete(b);
		*why = n == 0 ? "out of memory" : "the view's tables are over "
		    "60 KiB: choose a shorter period";
		return n == 0 ? KY_ENOMEM : KY_ETOOBIG;
	}
	if ((rc = body_validate(RK_VIEW, b, why)) != 0) {
		cJSON_Delete(b);
		return rc;
	}
	*body = b;
	return 0;
}

int
view_record_request(const struct view *v, const char *tlp, int64_t ttl,
    cJSON **req, const char **why)
{
	cJSON *body, *r;
	int rc, t = tlp != NULL ? record_tlp_from_name(tlp) : TLP_GREEN;

	*req = NULL;
	if (t < 0)
		return *why = "tlp: unknown marking", KY_EINVAL;
	if (ttl == 0)
		ttl = VIEW_RECORD_TTL;
	if (ttl < 86400 || ttl > VIEW_RECORD_TTL_MAX)
		return *why = "ttl: out of range (1 day to 2 years)", KY_EINVAL;
	if ((rc = view_record_body(v, &body, why)) != 0)
		return rc;
	if ((r = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(body);
		return KY_ENOMEM;
	}
	cJSON_AddStringToObject(r, "op", "view");
	cJSON_AddItemToObject(r, "body", body);
	cJSON_AddStringToObject(r, "tlp", record_tlp_name((uint8_t)t));
	cJSON_AddNumberToObject(r, "ttl", (double)ttl);
	*req = r;
	return 0;
}

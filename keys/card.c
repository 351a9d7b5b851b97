#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "keys/card.h"
#include "protocol/body.h"
#include "protocol/json.h"

int
card_build(struct ident *id, const struct card_info *info, uint64_t seq,
    const uint8_t *prev, uint64_t created, uint8_t **out, size_t *len,
    const char **why)
{
	struct record_header h = {
		.kind = RK_CARD, .tlp = TLP_CLEAR, .pap = PAP_CLEAR,
		.seq = seq, .created = created,
	};
	cJSON *b, *eps;
	char *text;
	int rc;

	*out = NULL;
	memcpy(h.origin, ident_public(id), RECORD_KEY_LEN);
	if (prev != NULL)
		memcpy(h.prev, prev, RECORD_ID_LEN);
	if ((b = cJSON_CreateObject()) == NULL)
		return KY_ENOMEM;
	if (info->name[0] != '\0')
		cJSON_AddStringToObject(b, "name", info->name);
	if (info->region[0] != '\0')
		cJSON_AddStringToObject(b, "region", info->region);
	if (info->sector[0] != '\0')
		cJSON_AddStringToObject(b, "sector", info->sector);
	eps = cJSON_AddArrayToObject(b, "endpoints");
	for (int i = 0; eps != NULL && i < info->n_endpoints; i++)
		cJSON_AddItemToArray(eps, cJSON_CreateString(info->endpoints[i]));
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	if (text == NULL)
		return KY_ENOMEM;
	/* Validate what we are about to sign with the receivers' rules. */
	if ((rc = body_parse(RK_CARD, (const uint8_t *)text, strlen(text), &b,
	    why)) == 0) {
		cJSON_Delete(b);
		rc = record_encode(&h, text, strlen(text), ident_sign, id, out,
		    len, why);
	}
	cJSON_free(text);
	return rc;
}

static void
s_copy(char *dst, size_t cap, const cJSON *obj, const char *key)
{
	const cJSON *v = json_get(obj, key);

	if (cJSON_IsString(v))
		snprintf(dst, cap, "%s", v->valuestring);
}

int
card_parse(const uint8_t *buf, size_t len, struct card_info *info,
    uint8_t pk[RECORD_KEY_LEN], const char **why)
{
	struct record r;
	const cJSON *eps, *e;
	cJSON *b;
	int rc;

	memset(info, 0, sizeof(*info));
	if ((rc = record_open(buf, len, &r, why)) != 0)
		return rc;
	if (r.h.kind != RK_CARD || record_is_stub(&r))
		return *why = "card: not a whole card record", KY_EINVAL;
	if ((rc = body_parse(RK_CARD, r.body, r.h.body_len, &b, why)) != 0)
		return rc;
	s_copy(info->name, sizeof(info->name), b, "name");
	s_copy(info->region, sizeof(info->region), b, "region");
	s_copy(info->sector, sizeof(info->sector), b, "sector");
	eps = json_get(b, "endpoints");
	cJSON_ArrayForEach(e, eps) {
		snprintf(info->endpoints[info->n_endpoints],
		    sizeof(info->endpoints[0]), "%s", e->valuestring);
		info->n_endpoints++;
	}
	memcpy(pk, r.h.origin, RECORD_KEY_LEN);
	cJSON_Delete(b);
	return 0;
}

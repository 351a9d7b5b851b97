#include <stdbool.h>
#include <string.h>

#include "body.h"
#include "indicator.h"
#include "json.h"
#include "record.h"
#include "taxonomy.h"

#define TIME_MAX JSON_INT_MAX

typedef bool (*s_item_ok_fn)(const char *s);

static bool
s_is_id_hex(const char *s)
{
	uint8_t id[RECORD_ID_LEN];

	return strlen(s) == 2 * RECORD_ID_LEN &&
	    record_unhex(s, id, sizeof(id)) == 0;
}

static bool
s_is_tag(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= BODY_TAG_MAX;
}

/* A language tag of the simple BCP 47 shape: "ja", "en", "pt-BR". */
static bool
s_is_lang(const char *s)
{
	size_t i = 0, n = strlen(s);

	if (n < 2 || n > 35)
		return false;
	while (i < n && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		return false;
	for (; i < n; i++)
		if (!(s[i] == '-' || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return s[n - 1] != '-';
}

static bool
s_is_endpoint(const char *s)
{
	return strncmp(s, "tcp://", 6) == 0 && strlen(s) <= 256;
}

/* An optional array of at most max strings, each accepted by ok. */
static int
s_str_array(const cJSON *obj, const char *key, int max, s_item_ok_fn ok,
    const char *why_bad, const char **why)
{
	const cJSON *a = json_get(obj, key), *it;
	int n = 0;

	if (a == NULL)
		return 0;
	if (!cJSON_IsArray(a))
		return *why = why_bad, KY_EINVAL;
	cJSON_ArrayForEach(it, a) {
		if (++n > max || !cJSON_IsString(it) || !ok(it->valuestring))
			return *why = why_bad, KY_EINVAL;
	}
	return 0;
}

static int
s_seen_times(const cJSON *b, const char **why)
{
	int64_t first = 0, last = TIME_MAX;

	if (json_get_int(b, "first_seen", 0, TIME_MAX, 0, &first) != 0)
		return *why = "first_seen: not a unix time", KY_EINVAL;
	if (json_get_int(b, "last_seen", 0, TIME_MAX, 0, &last) != 0)
		return *why = "last_seen: not a unix time", KY_EINVAL;
	if (first > last)
		return *why = "last_seen before first_seen", KY_EINVAL;
	return 0;
}

static int
s_sector(const cJSON *b, const char **why)
{
	const char *sector = NULL;

	if (json_get_str(b, "sector", 16, 0, &sector) != 0 ||
	    (sector != NULL && !taxonomy_is_sector(sector)))
		return *why = "sector: not one of csirt, psirt, dsirt, fsirt",
		    KY_EINVAL;
	return 0;
}

/* type + value, with the value already in its normal form. */
static int
s_typed_value(const cJSON *b, bool required, const char **why)
{
	const char *type = NULL, *value = NULL, *nwhy = NULL;
	char norm[INDICATOR_VALUE_MAX + 1];
	int t;

	if (json_get_str(b, "type", 16, required, &type) != 0)
		return *why = "type: missing or not a string", KY_EINVAL;
	if (json_get_str(b, "value", INDICATOR_VALUE_MAX, required, &value) != 0)
		return *why = "value: missing, not a string or too long", KY_EINVAL;
	if ((type == NULL) != (value == NULL))
		return *why = "type and value must come together", KY_EINVAL;
	if (type == NULL)
		return 0;
	if ((t = indicator_type_from_name(type)) < 0)
		return *why = "type: unknown indicator type", KY_EINVAL;
	if (indicator_normalize(t, value, strlen(value), norm, sizeof(norm),
	    &nwhy) != 0)
		return *why = nwhy, KY_EINVAL;
	if (strcmp(norm, value) != 0)
		return *why = "value: not in normal form (see kyojo normalize)",
		    KY_EINVAL;
	return 0;
}

static int
s_indicator(const cJSON *b, const char **why)
{
	const char *category = NULL, *note = NULL;
	int64_t confidence;
	int rc;

	if ((rc = s_typed_value(b, true, why)) != 0)
		return rc;
	if (json_get_str(b, "category", 64, 1, &category) != 0 ||
	    taxonomy_find(category) == NULL)
		return *why = "category: missing or not in the taxonomy", KY_EINVAL;
	if (json_get_int(b, "confidence", 0, 100, 1, &confidence) != 0)
		return *why = "confidence: missing or out of range 0..100",
		    KY_EINVAL;
	if ((rc = s_seen_times(b, why)) != 0 ||
	    (rc = s_sector(b, why)) != 0)
		return rc;
	if (s_str_array(b, "tags", BODY_TAGS_MAX, s_is_tag,
	    "tags: not an array of up to 16 short strings", why) != 0 ||
	    s_str_array(b, "attack", BODY_TAGS_MAX, taxonomy_is_attack_id,
	    "attack: not an array of ATT&CK technique ids (T1566.001)", why) != 0)
		return KY_EINVAL;
	if (json_get_str(b, "note", BODY_NOTE_MAX, 0, &note) != 0)
		return *why = "note: not a string of at most 4096 bytes", KY_EINVAL;
	return 0;
}

static int
s_sighting(const cJSON *b, const char **why)
{
	const char *ref = NULL, *verdict = NULL;
	int64_t count;
	int rc;

	if (json_get_str(b, "ref", 64, 0, &ref) != 0 ||
	    (ref != NULL && !s_is_id_hex(ref)))
		return *why = "ref: not a record id (64 hex digits)", KY_EINVAL;
	if ((rc = s_typed_value(b, false, why)) != 0)
		return rc;
	if ((ref != NULL) == (json_get(b, "type") != NULL))
		return *why = "sighting: give either ref or type and value",
		    KY_EINVAL;
	if (json_get_int(b, "count", 1, INT32_MAX, 0, &count) != 0)
		return *why = "count: out of range", KY_EINVAL;
	if (json_get_str(b, "verdict", 32, 1, &verdict) != 0 ||
	    body_verdict_from_name(verdict) < 0)
		return *why = "verdict: not one of seen, false-positive, expired",
		    KY_EINVAL;
	return s_seen_times(b, why);
}

static int
s_article(const cJSON *b, const char **why)
{
	const char *title = NULL, *lang = NULL, *md = NULL, *sup = NULL;

	if (json_get_str(b, "title", BODY_TITLE_MAX, 1, &title) != 0 ||
	    title[0] == '\0')
		return *why = "title: missing, empty or over 300 bytes", KY_EINVAL;
	if (json_get_str(b, "lang", 35, 1, &lang) != 0 || !s_is_lang(lang))
		return *why = "lang: missing or not a language tag (ja, en)",
		    KY_EINVAL;
	if (json_get_str(b, "body_md", RECORD_BODY_MAX, 1, &md) != 0 ||
	    md[0] == '\0')
		return *why = "body_md: missing or empty", KY_EINVAL;
	if (json_get_str(b, "supersedes", 64, 0, &sup) != 0 ||
	    (sup != NULL && !s_is_id_hex(sup)))
		return *why = "supersedes: not a record id", KY_EINVAL;
	if (s_str_array(b, "tags", BODY_TAGS_MAX, s_is_tag,
	    "tags: not an array of up to 16 short strings", why) != 0 ||
	    s_str_array(b, "refs", 256, s_is_id_hex,
	    "refs: not an array of record ids", why) != 0)
		return KY_EINVAL;
	return s_sector(b, why);
}

static int
s_retraction(const cJSON *b, const char **why)
{
	const char *ref = NULL, *reason = NULL;

	if (json_get_str(b, "ref", 64, 1, &ref) != 0 || !s_is_id_hex(ref))
		return *why = "ref: missing or not a record id", KY_EINVAL;
	if (json_get_str(b, "reason", 500, 0, &reason) != 0)
		return *why = "reason: not a string of at most 500 bytes", KY_EINVAL;
	return 0;
}

static int
s_roster(const cJSON *b, const char **why)
{
	const cJSON *members, *m;
	const char *name = NULL, *key, *mname;
	int64_t version;
	int n = 0;

	if (json_get_str(b, "name", 200, 1, &name) != 0 || name[0] == '\0')
		return *why = "name: missing or over 200 bytes", KY_EINVAL;
	if (json_get_int(b, "version", 1, JSON_INT_MAX, 1, &version) != 0)
		return *why = "version: missing or below 1", KY_EINVAL;
	members = json_get(b, "members");
	if (!cJSON_IsArray(members))
		return *why = "members: missing or not an array", KY_EINVAL;
	cJSON_ArrayForEach(m, members) {
		key = mname = NULL;
		if (++n > 10000 || !cJSON_IsObject(m))
			return *why = "members: not an array of objects", KY_EINVAL;
		if (json_get_str(m, "key", 64, 1, &key) != 0 || !s_is_id_hex(key))
			return *why = "members: key is not 64 hex digits", KY_EINVAL;
		if (json_get_str(m, "name", 200, 0, &mname) != 0)
			return *why = "members: name over 200 bytes", KY_EINVAL;
	}
	return 0;
}

static int
s_card(const cJSON *b, const char **why)
{
	const char *s = NULL;

	if (json_get_str(b, "name", 200, 0, &s) != 0)
		return *why = "name: over 200 bytes", KY_EINVAL;
	if (json_get_str(b, "region", 100, 0, &s) != 0)
		return *why = "region: over 100 bytes", KY_EINVAL;
	if (s_str_array(b, "endpoints", 8, s_is_endpoint,
	    "endpoints: not an array of up to 8 tcp:// addresses", why) != 0)
		return KY_EINVAL;
	return s_sector(b, why);
}

int
body_validate(uint8_t kind, const cJSON *root, const char **why)
{
	switch (kind) {
	case RK_INDICATOR:	return s_indicator(root, why);
	case RK_SIGHTING:	return s_sighting(root, why);
	case RK_ARTICLE:	return s_article(root, why);
	case RK_RETRACTION:	return s_retraction(root, why);
	case RK_ROSTER:		return s_roster(root, why);
	case RK_CARD:		return s_card(root, why);
	}
	return *why = "unknown record kind", KY_EINVAL;
}

int
body_parse(uint8_t kind, const uint8_t *buf, size_t len, cJSON **root,
    const char **why)
{
	int rc;

	if ((rc = json_parse_strict(buf, len, root, why)) != 0)
		return rc;
	if ((rc = body_validate(kind, *root, why)) != 0) {
		cJSON_Delete(*root);
		*root = NULL;
	}
	return rc;
}

static const char *const s_verdicts[] = {
	[VERDICT_SEEN] = "seen",
	[VERDICT_FALSE_POSITIVE] = "false-positive",
	[VERDICT_EXPIRED] = "expired",
};

int
body_verdict_from_name(const char *s)
{
	for (int i = VERDICT_SEEN; i <= VERDICT_EXPIRED; i++)
		if (strcmp(s_verdicts[i], s) == 0)
			return i;
	return -1;
}

const char *
body_verdict_name(int verdict)
{
	return verdict >= VERDICT_SEEN && verdict <= VERDICT_EXPIRED ?
	    s_verdicts[verdict] : NULL;
}

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
	if (json_get_str(b, "category", TAXONOMY_ID_MAX, 1, &category) != 0 ||
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

/* A view name, a table name: 1..32 of a-z, 0-9 and '-'. */
static bool
s_is_view_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* An integer n of an array: 0 <= n <= 2^53. */
static bool
s_count(const cJSON *v, int64_t *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > (double)JSON_INT_MAX)
		return false;
	*out = (int64_t)v->valuedouble;
	return true;
}

/*
 * One published cell: both counts, or both null (suppressed).  A count
 * of members is 0 or at least k: a cell about fewer than k members must
 * never leave the coordinator, and this check keeps a buggy or careless
 * writer from signing one.
 */
static int
s_view_cell(const cJSON *rec, const cJSON *rep, int64_t k, const char **why)
{
	int64_t nrec, nrep;

	if (cJSON_IsNull(rec) && cJSON_IsNull(rep))
		return 0;
	if (!s_count(rec, &nrec) || !s_count(rep, &nrep))
		return *why = "tables: a cell is not two counts or two nulls",
		    KY_EINVAL;
	if (nrep > 0 && nrep < k)
		return *why = "tables: a cell counts fewer than k members",
		    KY_EINVAL;
	if ((nrep == 0) != (nrec == 0))
		return *why = "tables: records and members disagree", KY_EINVAL;
	return 0;
}

static int
s_view_table(const cJSON *t, int64_t k, const char **why)
{
	const cJSON *cols = json_get(t, "cols"), *rows = json_get(t, "rows");
	const cJSON *recs = json_get(t, "records"), *reps = json_get(t, "reporters");
	const cJSON *c, *r, *rec_row, *rep_row;
	const char *name = NULL;
	int ncols, nrows, rc;

	if (!cJSON_IsObject(t) || json_get_str(t, "name", 32, 1, &name) != 0 ||
	    !s_is_view_name(name))
		return *why = "tables: a table without a name (a-z, 0-9, -)",
		    KY_EINVAL;
	if (!cJSON_IsArray(cols) || (ncols = cJSON_GetArraySize(cols)) < 1 ||
	    ncols > 128)
		return *why = "tables: cols is not an array of 1..128 periods",
		    KY_EINVAL;
	cJSON_ArrayForEach(c, cols) {
		int64_t a, b;

		if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) != 2 ||
		    !s_count(c->child, &a) || !s_count(c->child->next, &b) ||
		    a >= b)
			return *why = "tables: a column is not [start, end]",
			    KY_EINVAL;
	}
	if (!cJSON_IsArray(rows) || (nrows = cJSON_GetArraySize(rows)) < 1 ||
	    nrows > 256)
		return *why = "tables: rows is not an array of 1..256 keys",
		    KY_EINVAL;
	cJSON_ArrayForEach(r, rows)
		if (!cJSON_IsString(r) || r->valuestring[0] == '\0' ||
		    strlen(r->valuestring) > 64)
			return *why = "tables: a row key is not 1..64 bytes",
			    KY_EINVAL;
	if (!cJSON_IsArray(recs) || !cJSON_IsArray(reps) ||
	    cJSON_GetArraySize(recs) != nrows ||
	    cJSON_GetArraySize(reps) != nrows)
		return *why = "tables: records or reporters is not one array "
		    "per row", KY_EINVAL;
	for (rec_row = recs->child, rep_row = reps->child; rec_row != NULL;
	    rec_row = rec_row->next, rep_row = rep_row->next) {
		if (!cJSON_IsArray(rec_row) || !cJSON_IsArray(rep_row) ||
		    cJSON_GetArraySize(rec_row) != ncols ||
		    cJSON_GetArraySize(rep_row) != ncols)
			return *why = "tables: a row does not have one cell "
			    "per column", KY_EINVAL;
		for (c = rec_row->child, r = rep_row->child; c != NULL;
		    c = c->next, r = r->next)
			if ((rc = s_view_cell(c, r, k, why)) != 0)
				return rc;
	}
	return 0;
}

static int
s_view_item(const cJSON *it, int64_t k, const char **why)
{
	const cJSON *arts = json_get(it, "articles"), *a;
	const char *category = NULL;
	int64_t nrec = 0, nrep = 0, t;
	int rc;

	if (!cJSON_IsObject(it))
		return *why = "items: not an array of objects", KY_EINVAL;
	if ((rc = s_typed_value(it, true, why)) != 0)
		return rc;
	if (json_get_str(it, "category", TAXONOMY_ID_MAX, 0, &category) != 0 ||
	    (category != NULL && taxonomy_find(category) == NULL))
		return *why = "items: category not in the taxonomy", KY_EINVAL;
	if (json_get_int(it, "records", 1, JSON_INT_MAX, 1, &nrec) != 0 ||
	    json_get_int(it, "reporters", k, JSON_INT_MAX, 1, &nrep) != 0 ||
	    nrec < nrep)
		return *why = "items: an indicator counts fewer than k members",
		    KY_EINVAL;
	if ((rc = s_seen_times(it, why)) != 0)
		return rc;
	if (json_get_int(it, "first_reported", 0, TIME_MAX, 0, &t) != 0)
		return *why = "items: first_reported is not a unix time",
		    KY_EINVAL;
	if (arts == NULL)
		return 0;
	if (!cJSON_IsArray(arts) || cJSON_GetArraySize(arts) > BODY_TAGS_MAX)
		return *why = "items: articles is not an array of up to 16",
		    KY_EINVAL;
	cJSON_ArrayForEach(a, arts) {
		const char *id = NULL, *title = NULL, *lang = NULL;

		if (!cJSON_IsObject(a) ||
		    json_get_str(a, "id", 64, 1, &id) != 0 || !s_is_id_hex(id) ||
		    json_get_str(a, "title", BODY_TITLE_MAX, 1, &title) != 0 ||
		    json_get_str(a, "lang", 35, 0, &lang) != 0 ||
		    (lang != NULL && !s_is_lang(lang)))
			return *why = "items: an article is not {id, title, lang}",
			    KY_EINVAL;
	}
	return 0;
}

/*
 * A view: counts a coordinator publishes about its region, already
 * suppressed for k (node/view.h).  Only aggregates travel; the checks
 * here refuse anything that counts fewer than k members.
 */
static int
s_view(const cJSON *b, const char **why)
{
	const cJSON *tables = json_get(b, "tables"), *items = json_get(b, "items");
	const cJSON *it;
	const char *name = NULL, *region = NULL;
	int64_t k, since, until;
	int rc;

	if (json_get_str(b, "view", 32, 1, &name) != 0 || !s_is_view_name(name))
		return *why = "view: missing or not a name (a-z, 0-9, -)",
		    KY_EINVAL;
	if (json_get_int(b, "k", BODY_VIEW_K_MIN, 1000000, 1, &k) != 0)
		return *why = "k: missing or below 3", KY_EINVAL;
	if (json_get_int(b, "since", 0, TIME_MAX, 1, &since) != 0 ||
	    json_get_int(b, "until", 0, TIME_MAX, 1, &until) != 0 ||
	    since >= until)
		return *why = "since, until: missing or not a period", KY_EINVAL;
	if (json_get_str(b, "region", 100, 0, &region) != 0)
		return *why = "region: over 100 bytes", KY_EINVAL;
	if (tables != NULL && (!cJSON_IsArray(tables) ||
	    cJSON_GetArraySize(tables) > 64))
		return *why = "tables: not an array of up to 64", KY_EINVAL;
	cJSON_ArrayForEach(it, tables)
		if ((rc = s_view_table(it, k, why)) != 0)
			return rc;
	if (items != NULL && (!cJSON_IsArray(items) ||
	    cJSON_GetArraySize(items) > 256))
		return *why = "items: not an array of up to 256", KY_EINVAL;
	cJSON_ArrayForEach(it, items)
		if ((rc = s_view_item(it, k, why)) != 0)
			return rc;
	return 0;
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
	case RK_VIEW:		return s_view(root, why);
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

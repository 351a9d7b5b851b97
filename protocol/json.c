#include <stdbool.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

/*
 * One pass over the raw text for what cJSON would silently accept or
 * change: number syntax and range, and escaped NULs.  cJSON then checks
 * the grammar.
 */
static int
s_scan(const uint8_t *p, size_t len, const char **why)
{
	const uint8_t *end = p + len;
	bool in_string = false;

	while (p < end) {
		uint8_t c = *p;

		if (in_string) {
			if (c == '\\') {
				if (end - p >= 6 && memcmp(p, "\\u0000", 6) == 0)
					return *why = "body: NUL character in a string",
					    KY_EMALFORMED;
				p += 2;
				continue;
			}
			if (c == '"')
				in_string = false;
			p++;
			continue;
		}
		if (c == '"') {
			in_string = true;
			p++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			const uint8_t *digits;
			uint64_t v = 0;
			size_t n;

			if (c == '-')
				p++;
			digits = p;
			while (p < end && *p >= '0' && *p <= '9') {
				if (p - digits < 17)
					v = v * 10 + (uint64_t)(*p - '0');
				p++;
			}
			n = (size_t)(p - digits);
			if (n == 0)
				return *why = "body: malformed number", KY_EMALFORMED;
			if (n > 1 && digits[0] == '0')
				return *why = "body: number with a leading zero",
				    KY_EMALFORMED;
			if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
				return *why = "body: numbers must be integers",
				    KY_EMALFORMED;
			if (n > 16 || v > (uint64_t)JSON_INT_MAX)
				return *why = "body: integer beyond 2^53", KY_EMALFORMED;
			continue;
		}
		p++;
	}
	return 0;
}

static int
s_walk(const cJSON *node, int depth, const char **why)
{
	/* Depth counts containers: an object holding an array is 2. */
	if (depth > JSON_DEPTH_MAX && (cJSON_IsArray(node) || cJSON_IsObject(node)))
		return *why = "body: nested too deeply", KY_EMALFORMED;
	for (const cJSON *c = node->child; c != NULL; c = c->next) {
		if (cJSON_IsObject(node))
			for (const cJSON *d = node->child; d != c; d = d->next)
				if (strcmp(d->string, c->string) == 0)
					return *why = "body: duplicate key",
					    KY_EMALFORMED;
		if (s_walk(c, depth + 1, why) != 0)
			return KY_EMALFORMED;
	}
	return 0;
}

int
json_parse_strict(const uint8_t *buf, size_t len, cJSON **root, const char **why)
{
	const char *end = NULL;
	cJSON *j;
	int rc;

	*root = NULL;
	if (!utf8_is_valid(buf, len))
		return *why = "body: invalid UTF-8", KY_EMALFORMED;
	if ((rc = s_scan(buf, len, why)) != 0)
		return rc;
	j = cJSON_ParseWithLengthOpts((const char *)buf, len, &end, false);
	if (j == NULL)
		return *why = "body: not valid JSON", KY_EMALFORMED;
	if (end != (const char *)buf + len) {
		cJSON_Delete(j);
		return *why = "body: bytes after the JSON value", KY_EMALFORMED;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return *why = "body: not a JSON object", KY_EMALFORMED;
	}
	if ((rc = s_walk(j, 1, why)) != 0) {
		cJSON_Delete(j);
		return rc;
	}
	*root = j;
	return 0;
}

const cJSON *
json_get(const cJSON *obj, const char *key)
{
	for (const cJSON *c = obj->child; c != NULL; c = c->next)
		if (strcmp(c->string, key) == 0)
			return c;
	return NULL;
}

int
json_get_int(const cJSON *obj, const char *key, int64_t min, int64_t max,
    int required, int64_t *out)
{
	const cJSON *v = json_get(obj, key);

	if (v == NULL)
		return required ? KY_EINVAL : 0;
	/* The scan above guarantees integers of at most 2^53: exact doubles. */
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)min ||
	    v->valuedouble > (double)max)
		return KY_EINVAL;
	*out = (int64_t)v->valuedouble;
	return 0;
}

int
json_get_str(const cJSON *obj, const char *key, size_t max_bytes, int required,
    const char **out)
{
	const cJSON *v = json_get(obj, key);

	if (v == NULL)
		return required ? KY_EINVAL : 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max_bytes)
		return KY_EINVAL;
	*out = v->valuestring;
	return 0;
}

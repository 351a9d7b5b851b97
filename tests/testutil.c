#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "protocol/seal.h"
#include "testutil.h"

char *
tu_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (base == NULL)
		base = "/tmp";
	if (asprintf(&path, "%s/kyojo-%s-XXXXXX", base, tag) < 0 ||
	    mkdtemp(path) == NULL) {
		perror("tu_tmpdir");
		abort();
	}
	return path;
}

void
tu_rmrf(const char *path)
{
	char *cmd;

	if (asprintf(&cmd, "rm -rf '%s'", path) < 0)
		abort();
	if (system(cmd) != 0)
		fprintf(stderr, "tu_rmrf: could not remove %s\n", path);
	free(cmd);
}

struct ident *
tu_ident(uint8_t n)
{
	uint8_t seed[32];
	struct ident *id;

	memset(seed, n, sizeof(seed));
	if (ident_from_seed(seed, &id) != 0)
		abort();
	return id;
}

uint8_t *
tu_record_in(struct ident *id, uint8_t kind, uint8_t tlp,
    const uint8_t *community, uint64_t seq, const uint8_t *prev,
    uint64_t created, uint64_t expires, const char *body, size_t *len)
{
	struct record_header h = {
		.kind = kind, .tlp = tlp, .pap = PAP_GREEN, .seq = seq,
		.created = created, .expires = expires,
	};
	const char *why = NULL;
	uint8_t *out;

	memcpy(h.origin, ident_public(id), RECORD_KEY_LEN);
	if (prev != NULL)
		memcpy(h.prev, prev, RECORD_ID_LEN);
	if (community != NULL)
		memcpy(h.community, community, 32);
	if (record_encode(&h, body, strlen(body), ident_sign, id, &out, len,
	    &why) != 0) {
		fprintf(stderr, "tu_record: %s\n", why);
		abort();
	}
	return out;
}

uint8_t *
tu_sign(struct ident *id, struct record_header *h, const char *body,
    size_t *len)
{
	uint8_t to[1][32], *env = NULL, *out;
	size_t blen = strlen(body);
	const char *why = NULL;

	memcpy(h->origin, ident_public(id), RECORD_KEY_LEN);
	if (seal_required(h)) {
		memcpy(to[0], ident_public(id), 32);
		if (seal_body(h->kind, (const uint8_t *)body, blen,
		    (const uint8_t (*)[32])to, 1, &env, &blen, &why) != 0) {
			fprintf(stderr, "tu_sign: %s\n", why);
			abort();
		}
		body = (const char *)env;
	}
	if (record_encode(h, body, blen, ident_sign, id, &out, len, &why) != 0) {
		fprintf(stderr, "tu_sign: %s\n", why);
		abort();
	}
	free(env);
	return out;
}

uint8_t *
tu_record(struct ident *id, uint8_t kind, uint8_t tlp, uint64_t seq,
    const uint8_t *prev, uint64_t created, uint64_t expires, const char *body,
    size_t *len)
{
	return tu_record_in(id, kind, tlp, NULL, seq, prev, created, expires,
	    body, len);
}

uint8_t *
tu_indicator(struct ident *id, uint64_t seq, const uint8_t *prev,
    uint64_t created, uint32_t n, size_t *len)
{
	char body[512];

	snprintf(body, sizeof(body),
	    "{\"type\":\"ipv4\",\"value\":\"%u.%u.%u.%u\","
	    "\"category\":\"malicious-code:c2-server\",\"confidence\":80,"
	    "\"first_seen\":%llu,\"last_seen\":%llu,\"sector\":\"csirt\","
	    "\"tags\":[\"botnet\",\"benchmark\"],\"attack\":[\"T1071.001\"],"
	    "\"note\":\"C2 server seen in outbound traffic from two hosts; "
	    "blocked at the gateway. 外部C2サーバへの通信を検知\"}",
	    1 + (n >> 24) % 223, (n >> 16) & 255, (n >> 8) & 255, n & 255,
	    (unsigned long long)created - 3600, (unsigned long long)created);
	return tu_record(id, RK_INDICATOR, TLP_CLEAR, seq, prev, created,
	    created + 30 * 86400, body, len);
}

void
tu_id(const uint8_t *rec, uint8_t id[RECORD_ID_LEN])
{
	crypto_generichash(id, RECORD_ID_LEN, rec, RECORD_HEADER_LEN, NULL, 0);
}

double
tu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

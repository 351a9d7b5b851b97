/*
 * http_conf.h - DIR/http.conf: the HTTP pull listener and its consumers.
 *
 * The listener is off unless this file exists.  It holds the consumers'
 * tokens, so, like kyojod.conf, it is refused when others may read or
 * write it or its group may write it (use mode 0600, or 0640 with a
 * group of trusted operators):
 *
 *     # address:port to bind; 0.0.0.0 or [::] only when written so
 *     listen 127.0.0.1:8470
 *     # consumer NAME TOKEN [max=N] [tlp=LEVEL] [crowdsec]
 *     consumer paloalto  3kFq9w2mZ7pLr8vT1xYb  max=50000 tlp=AMBER
 *     consumer bouncer1  Yh2sN6cV0qWe4rTz8uJk  crowdsec
 *
 * listen   an IPv4 address or a bracketed IPv6 address, ':', a port
 *          1..65535.  A wildcard is never implied: ":8470", "*:8470" or
 *          a bare port is refused, so exposing every interface takes an
 *          explicit 0.0.0.0 or [::].  Host names are refused (what they
 *          resolve to at start-up is not what the operator read).
 * consumer NAME is 1..63 of [A-Za-z0-9._-] (the HTTP basic user name;
 *          logged); TOKEN is 20..256 of [A-Za-z0-9._~+/=-] (the basic
 *          password, or the X-Api-Key value; never logged).  Names and
 *          tokens are unique.  Options:
 *          max=N       at most N entries per answer (1..100000000), the
 *                      highest confidence first; default: no cap
 *          tlp=LEVEL   highest TLP this consumer may receive: CLEAR,
 *                      GREEN (default), AMBER, AMBER+STRICT or RED
 *          crowdsec    may use the CrowdSec bouncer API (/v1/...)
 *
 * '#' starts a comment; blanks separate words; one line per item.
 * Every error is reported as "file:line: message" and parsing goes on,
 * so an operator sees every mistake at once (as config.h).
 *
 * Secrets.  Tokens never stay in memory: each is replaced by its BLAKE2b
 * hash under a key drawn at load time, and the text that held it is
 * wiped.  http_conf_basic() and http_conf_api_key() compare hashes with
 * sodium_memcmp(), so neither a token's length nor its first wrong byte
 * shows in the time an answer takes.
 *
 * Call sodium_init() first.  A loaded struct http_conf is read-only and
 * may be shared by threads.  Nothing here logs.
 */
#ifndef KY_HTTP_CONF_H
#define KY_HTTP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "node/config.h"
#include "protocol/error.h"

#define HTTP_CONF_FILE		"http.conf"	/* in the node directory */
#define HTTP_CONF_NAME_MAX	64		/* bytes of a name, NUL included */
#define HTTP_CONF_TOKEN_MIN	20		/* characters of a token, at least */
#define HTTP_CONF_TOKEN_MAX	256		/* characters of a token, at most */
#define HTTP_CONF_CONSUMERS_MAX	256		/* consumer lines */
#define HTTP_CONF_MAX_ENTRIES	100000000	/* highest max=N */
#define HTTP_CONF_HASH_LEN	32		/* bytes of a token hash */

/* One consumer line. */
struct http_consumer {
	char name[HTTP_CONF_NAME_MAX];	/* basic-auth user name; logged */
	uint8_t token_hash[HTTP_CONF_HASH_LEN];	/* keyed BLAKE2b of the token */
	uint64_t max;			/* entries per answer; 0: no cap */
	uint8_t max_tlp;		/* enum record_tlp: highest it receives */
	bool crowdsec;			/* may use /v1/decisions/stream */
	bool report;			/* may read /report.html (staff) */
	unsigned line;			/* where it was written, for messages */
};

/* The whole file. */
struct http_conf {
	char listen[80];			/* as written, for messages */
	struct sockaddr_storage addr;		/* what to bind */
	socklen_t addr_len;			/* 0 until listen is parsed */
	struct http_consumer consumers[HTTP_CONF_CONSUMERS_MAX];
	size_t n_consumers;			/* entries of consumers used */
	uint8_t key[32];			/* token hash key, random per load */
};

/* An empty configuration with a fresh hash key, the caller's; NULL when
 * out of memory. */
struct http_conf *http_conf_new(void);

/* Wipes and frees *p, sets it to NULL; nothing if p or *p is NULL. */
void http_conf_destroy(struct http_conf **p);

/*
 * Parses text (len bytes, not NUL-terminated; not changed, but the
 * caller should wipe it afterwards: it holds tokens) into c, which
 * must come fresh from http_conf_new().  name is the file name used in
 * messages.  Besides each line's own errors, a file without a listen
 * line or without any consumer is an error (reported at line 0).
 * Returns the number of errors (0: ok), each also passed to err (may be
 * NULL).
 */
int http_conf_parse(struct http_conf *c, const char *name, const char *text,
    size_t len, config_error_fn err, void *ctx) KY_WUR KY_NONNULL(1, 2, 3);

/*
 * Loads DIR/http.conf.  Returns 0 with *out the caller's configuration,
 * or 0 with *out NULL when there is no such file (the listener is off);
 * the number of errors (> 0, each passed to err, *out NULL) when the
 * file is refused: bad lines, readable or writable by group or others,
 * larger than 1 MiB; or a negative KY_E* when it cannot be read
 * (KY_EIO, KY_EPERM, KY_ENOMEM).  The file's text is wiped after use.
 */
int http_conf_load(const char *dir, struct http_conf **out,
    config_error_fn err, void *ctx) KY_WUR KY_NONNULL(1, 2);

/*
 * The consumer whose name is user and whose token is pass (pass_len
 * bytes), or NULL.  Costs the same whether the name is known or not.
 */
const struct http_consumer *http_conf_basic(const struct http_conf *c,
    const char *user, const char *pass, size_t pass_len) KY_NONNULL(1, 2, 3);

/*
 * The consumer whose token is key (len bytes), or NULL.  Every
 * consumer's hash is compared, whatever matches, so the time does not
 * say which one did.
 */
const struct http_consumer *http_conf_api_key(const struct http_conf *c,
    const char *key, size_t len) KY_NONNULL(1, 2);

#endif

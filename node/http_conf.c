#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "node/http_conf.h"
#include "protocol/record.h"

#define LINE_MAX_BYTES	1024	/* one line of http.conf */
#define WORDS_MAX	8	/* consumer NAME TOKEN + 5 options */

static void
s_err(config_error_fn err, void *ctx, const char *name, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
s_err(config_error_fn err, void *ctx, const char *name, unsigned line,
    const char *fmt, ...)
{
	char msg[512], full[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s:%u: %s", name, line, msg);
	if (err != NULL)
		err(ctx, full);
}

struct http_conf *
http_conf_new(void)
{
	struct http_conf *c = calloc(1, sizeof(*c));

	if (c != NULL)
		randombytes_buf(c->key, sizeof(c->key));
	return c;
}

void
http_conf_destroy(struct http_conf **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_memzero(*p, sizeof(**p));
	free(*p);
	*p = NULL;
}

static void
s_hash(const struct http_conf *c, const char *token, size_t len,
    uint8_t out[HTTP_CONF_HASH_LEN])
{
	crypto_generichash(out, HTTP_CONF_HASH_LEN, (const uint8_t *)token,
	    len, c->key, sizeof(c->key));
}

static bool
s_is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

/* Base64, base64url and hex all fit; blanks, '#', quotes and ':' (the
 * basic-auth separator of the user name) do not need to. */
static bool
s_is_token_char(char ch)
{
	return s_is_name_char(ch) || ch == '~' || ch == '+' || ch == '/' ||
	    ch == '=';
}

/* Parses a decimal port 1..65535 without sign or leading zero. */
static const char *
s_port(const char *s, in_port_t *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return "missing port after ':'";
	if (s[0] == '0' || strlen(s) > 5)
		return "port must be 1..65535, without leading zeros";
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return "port must be decimal digits";
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return "port must be 1..65535, without leading zeros";
	*out = htons((in_port_t)v);
	return NULL;
}

/* "A.B.C.D:PORT" or "[V6]:PORT" into c->addr; a static reason or NULL. */
static const char *
s_listen(struct http_conf *c, const char *v)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *why;
	in_port_t port;
	size_t n;

	if (strlen(v) >= sizeof(c->listen))
		return "value too long";
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&c->addr;

		if (close == NULL || close[1] != ':')
			return "expected [IPv6]:PORT";
		n = (size_t)(close - v - 1);
		if (n == 0 || n >= sizeof(host))
			return "expected [IPv6]:PORT";
		memcpy(host, v + 1, n);
		host[n] = '\0';
		if ((why = s_port(close + 2, &port)) != NULL)
			return why;
		memset(&c->addr, 0, sizeof(c->addr));
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return "not an IPv6 address (host names are not "
			    "resolved; write the address)";
		a6->sin6_family = AF_INET6;
		a6->sin6_port = port;
		c->addr_len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&c->addr;

		if ((colon = strrchr(v, ':')) == NULL)
			return "expected ADDRESS:PORT, e.g. 127.0.0.1:8470 "
			    "(0.0.0.0:8470 for every interface)";
		n = (size_t)(colon - v);
		if (n == 0 || (n == 1 && v[0] == '*'))
			return "a wildcard address must be written out: "
			    "0.0.0.0:PORT or [::]:PORT";
		if (memchr(v, ':', n) != NULL)
			return "write an IPv6 address in brackets: [::1]:8470";
		if (n >= sizeof(host))
			return "not an IPv4 address (host names are not "
			    "resolved; write the address)";
		memcpy(host, v, n);
		host[n] = '\0';
		if ((why = s_port(colon + 1, &port)) != NULL)
			return why;
		memset(&c->addr, 0, sizeof(c->addr));
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return "not an IPv4 address (host names are not "
			    "resolved; write the address)";
		a4->sin_family = AF_INET;
		a4->sin_port = port;
		c->addr_len = sizeof(*a4);
	}
	memcpy(c->listen, v, strlen(v) + 1);
	return NULL;
}

/*
 * "'WORD': why" into buf, or just why when the word is long enough to be
 * a token written in the wrong place: a message must never carry one.
 */
static void
s_quote(char *buf, size_t cap, const char *word, const char *why)
{
	if (strlen(word) < HTTP_CONF_TOKEN_MIN)
		snprintf(buf, cap, "'%s': %s", word, why);
	else
		snprintf(buf, cap, "%s", why);
}

/* One option word of a consumer line; a static reason or NULL. */
static const char *
s_option(struct http_consumer *k, const char *w, unsigned *seen)
{
	char *end;
	int t;

	if (strncmp(w, "max=", 4) == 0) {
		unsigned long long v;

		if (*seen & 1u)
			return "max= given twice";
		*seen |= 1u;
		if (w[4] < '1' || w[4] > '9')
			return "max= needs a number 1..100000000";
		errno = 0;
		v = strtoull(w + 4, &end, 10);
		if (errno != 0 || *end != '\0' || v > HTTP_CONF_MAX_ENTRIES)
			return "max= needs a number 1..100000000";
		k->max = v;
		return NULL;
	}
	if (strncmp(w, "tlp=", 4) == 0) {
		if (*seen & 2u)
			return "tlp= given twice";
		*seen |= 2u;
		if ((t = record_tlp_from_name(w + 4)) < 0)
			return "tlp= expects CLEAR, GREEN, AMBER, AMBER+STRICT "
			    "or RED";
		k->max_tlp = (uint8_t)t;
		return NULL;
	}
	if (strcmp(w, "crowdsec") == 0) {
		if (*seen & 4u)
			return "crowdsec given twice";
		*seen |= 4u;
		k->crowdsec = true;
		return NULL;
	}
	if (strcmp(w, "report") == 0) {
		if (*seen & 8u)
			return "report given twice";
		*seen |= 8u;
		k->report = true;
		return NULL;
	}
	return "unknown option (expected max=N, tlp=LEVEL, crowdsec or report)";
}

/*
 * A consumer line's words after the key.  The token is hashed into the
 * entry and its word wiped by the caller with the line.  Returns a
 * reason (static, or composed into buf) or NULL.
 */
static const char *
s_consumer(struct http_conf *c, char **w, size_t n, unsigned line,
    char *buf, size_t cap)
{
	struct http_consumer k;
	unsigned seen = 0;
	const char *why;
	size_t tl;

	if (n < 2)
		return "expected: consumer NAME TOKEN [max=N] [tlp=LEVEL] "
		    "[crowdsec] [report]";
	if (c->n_consumers == HTTP_CONF_CONSUMERS_MAX)
		return "too many consumers (at most 256)";
	memset(&k, 0, sizeof(k));
	if (strlen(w[0]) >= sizeof(k.name))
		return "name longer than 63 characters";
	for (const char *p = w[0]; *p != '\0'; p++)
		if (!s_is_name_char(*p))
			return "name may hold only letters, digits, '.', '_' "
			    "and '-'";
	tl = strlen(w[1]);
	if (tl < HTTP_CONF_TOKEN_MIN)
		return "token shorter than 20 characters (make one with: "
		    "head -c 24 /dev/urandom | base64)";
	if (tl > HTTP_CONF_TOKEN_MAX)
		return "token longer than 256 characters";
	for (const char *p = w[1]; *p != '\0'; p++)
		if (!s_is_token_char(*p))
			return "token may hold only letters, digits and "
			    "'.', '_', '-', '~', '+', '/', '='";
	memcpy(k.name, w[0], strlen(w[0]) + 1);
	k.max_tlp = TLP_GREEN;
	k.line = line;
	s_hash(c, w[1], tl, k.token_hash);
	for (size_t i = 2; i < n; i++)
		if ((why = s_option(&k, w[i], &seen)) != NULL) {
			s_quote(buf, cap, w[i], why);
			return buf;
		}
	for (size_t i = 0; i < c->n_consumers; i++) {
		const struct http_consumer *o = &c->consumers[i];

		if (strcmp(o->name, k.name) == 0) {
			snprintf(buf, cap, "consumer '%s' already defined at "
			    "line %u", k.name, o->line);
			return buf;
		}
		if (sodium_memcmp(o->token_hash, k.token_hash,
		    sizeof(k.token_hash)) == 0) {
			snprintf(buf, cap, "token already used by consumer "
			    "'%s' (each consumer needs its own)", o->name);
			return buf;
		}
	}
	c->consumers[c->n_consumers++] = k;
	return NULL;
}

/* Splits line into blank-separated words, stopping at '#'. */
static size_t
s_words(char *line, char **w, size_t max, bool *over)
{
	size_t n = 0;
	char *p = line;

	*over = false;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			return n;
		if (n == max) {
			*over = true;
			return n;
		}
		w[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#')
			p++;
		if (*p == '#') {
			*p = '\0';
			return n;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

int
http_conf_parse(struct http_conf *c, const char *name, const char *text,
    size_t len, config_error_fn err, void *ctx)
{
	const char *p = text, *end = text + len, *why;
	char line[LINE_MAX_BYTES], msg[200], *w[WORDS_MAX];
	unsigned lineno = 0, listen_line = 0;
	int errors = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p), nw;
		bool over;

		lineno++;
		if (n >= sizeof(line) || memchr(p, '\0', n) != NULL) {
			s_err(err, ctx, name, lineno, "%s", n >= sizeof(line) ?
			    "line too long" : "NUL byte in line");
			errors++;
			p += n + (nl != NULL);
			continue;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		nw = s_words(line, w, WORDS_MAX, &over);
		why = NULL;
		if (nw == 0)
			continue;
		if (over)
			why = "too many words on one line";
		else if (strcmp(w[0], "listen") == 0) {
			if (listen_line != 0) {
				snprintf(msg, sizeof(msg), "listen: already set "
				    "at line %u", listen_line);
				why = msg;
			} else if (nw != 2)
				why = "listen: expected one ADDRESS:PORT";
			else if ((why = s_listen(c, w[1])) == NULL)
				listen_line = lineno;
		} else if (strcmp(w[0], "consumer") == 0)
			why = s_consumer(c, w + 1, nw - 1, lineno, msg,
			    sizeof(msg));
		else {
			s_quote(msg, sizeof(msg), w[0], "unknown keyword "
			    "(expected listen or consumer)");
			why = msg;
		}
		sodium_memzero(line, sizeof(line));
		if (why != NULL) {
			s_err(err, ctx, name, lineno, "%s", why);
			errors++;
		}
	}
	if (listen_line == 0) {
		s_err(err, ctx, name, 0, "no listen line: give the address "
		    "to bind, e.g. listen 127.0.0.1:8470");
		errors++;
	}
	if (c->n_consumers == 0) {
		s_err(err, ctx, name, 0, "no consumer line: nobody could "
		    "authenticate");
		errors++;
	}
	return errors;
}

int
http_conf_load(const char *dir, struct http_conf **out, config_error_fn err,
    void *ctx)
{
	char path[CONFIG_PATH_MAX + 16], *text;
	struct http_conf *c;
	size_t len;
	int n;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, HTTP_CONF_FILE);
	n = config_read_private(path, "(chmod 600): it holds access tokens",
	    &text, &len, err, ctx);
	if (n != 0)
		return n == KY_ENOTFOUND ? 0 : n;
	if ((c = http_conf_new()) == NULL) {
		sodium_memzero(text, len);
		free(text);
		return KY_ENOMEM;
	}
	n = http_conf_parse(c, path, text, len, err, ctx);
	sodium_memzero(text, len);
	free(text);
	if (n != 0) {
		http_conf_destroy(&c);
		return n;
	}
	*out = c;
	return 0;
}

const struct http_consumer *
http_conf_basic(const struct http_conf *c, const char *user, const char *pass,
    size_t pass_len)
{
	const struct http_consumer *hit = NULL;
	uint8_t h[HTTP_CONF_HASH_LEN];

	s_hash(c, pass, pass_len, h);
	for (size_t i = 0; i < c->n_consumers; i++)
		if (strcmp(c->consumers[i].name, user) == 0)
			hit = &c->consumers[i];
	/* Compare against a hash even for an unknown name, so that the
	 * time does not tell which names exist. */
	if (sodium_memcmp(hit != NULL ? hit->token_hash :
	    c->consumers[0].token_hash, h, sizeof(h)) != 0 || hit == NULL)
		hit = NULL;
	sodium_memzero(h, sizeof(h));
	return hit;
}

const struct http_consumer *
http_conf_api_key(const struct http_conf *c, const char *key, size_t len)
{
	const struct http_consumer *hit = NULL;
	uint8_t h[HTTP_CONF_HASH_LEN];

	s_hash(c, key, len, h);
	for (size_t i = 0; i < c->n_consumers; i++)
		if (sodium_memcmp(c->consumers[i].token_hash, h,
		    sizeof(h)) == 0)
			hit = &c->consumers[i];
	sodium_memzero(h, sizeof(h));
	return hit;
}

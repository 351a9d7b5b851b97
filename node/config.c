#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys/keyfile.h"
#include "node/config.h"
#include "protocol/indicator.h"
#include "protocol/record.h"
#include "protocol/taxonomy.h"
#include "protocol/utf8.h"

enum ctype { CT_STR, CT_INT, CT_DURATION, CT_TLP, CT_PAP, CT_SECTOR, CT_ENDPOINT,
	CT_NETS, CT_NAMES };

struct ckey {
	const char *key;
	enum ctype type;
	size_t off;		/* offsetof(struct config, field) */
	size_t size;		/* buffer size for strings */
	int64_t min, max;	/* bounds for numbers */
	const char *def;	/* default, in config syntax */
	const char *doc;	/* one line, written by config_write */
};

#define STR(k, f, d, doc) { k, CT_STR, offsetof(struct config, f), \
	sizeof(((struct config *)0)->f), 0, 0, d, doc }
#define NUM(k, t, f, lo, hi, d, doc) { k, t, offsetof(struct config, f), 0, \
	lo, hi, d, doc }

static const struct ckey s_keys[] = {
	STR("name", name, "", "name shown on this node's card (optional)"),
	STR("region", region, "", "region shown on the card, e.g. kanto (optional)"),
	{ "sector", CT_SECTOR, offsetof(struct config, sector),
	    sizeof(((struct config *)0)->sector), 0, 0, "",
	    "xSIRT sector of this node: csirt, psirt, dsirt or fsirt (optional)" },
	{ "listen", CT_ENDPOINT, offsetof(struct config, listen),
	    sizeof(((struct config *)0)->listen), 0, 0, "",
	    "gossip listener, tcp://HOST:PORT; empty: outbound links only" },
	NUM("batch_max", CT_INT, batch_max, 1, 100000, "2000",
	    "most records per group commit (commits never wait for more)"),
	NUM("default_tlp", CT_TLP, default_tlp, 0, TLP_MAX, "GREEN",
	    "TLP of submissions that name none"),
	NUM("default_pap", CT_PAP, default_pap, 0, PAP_MAX, "GREEN",
	    "PAP of submissions that name none"),
	NUM("default_confidence", CT_INT, default_confidence, 0, 100, "70",
	    "confidence of submissions that name none"),
	NUM("default_ttl", CT_DURATION, default_ttl, 60, 10LL * 365 * 86400,
	    "30d", "lifetime of submitted indicators (s, m, h, d suffixes)"),
	NUM("sync_interval", CT_DURATION, sync_interval, 1, 86400, "60s",
	    "seconds between anti-entropy rounds with each peer"),
	NUM("peer_rate", CT_INT, peer_rate, 1, 10000000, "50000",
	    "records per second accepted from one peer"),
	NUM("origin_rate", CT_INT, origin_rate, 1, 100000000, "100000",
	    "new records per hour accepted from one origin"),
	NUM("max_future", CT_DURATION, max_future, 0, 86400, "15m",
	    "how far a record's created time may be ahead of our clock"),
	STR("allowlist_dir", allowlist_dir, CONFIG_ALLOWLIST_DIR,
	    "directory of the shipped never-export lists (*.txt)"),
	{ "own_networks", CT_NETS, offsetof(struct config, own_networks),
	    sizeof(((struct config *)0)->own_networks), 0, 0, "",
	    "this organisation's networks, comma-separated: never exported" },
	{ "own_domains", CT_NAMES, offsetof(struct config, own_domains),
	    sizeof(((struct config *)0)->own_domains), 0, 0, "",
	    "this organisation's domains, comma-separated: never exported" },
	{ "own_mail_domains", CT_NAMES, offsetof(struct config, own_mail_domains),
	    sizeof(((struct config *)0)->own_mail_domains), 0, 0, "",
	    "this organisation's mail domains, comma-separated: never shared" },
	STR("scrub_words", scrub_words, "",
	    "words redacted from notes and articles, comma-separated (customer names, code names)"),
	NUM("accept_documentation", CT_INT, accept_documentation, 0, 1, "0",
	    "1: accept documentation addresses and example names (RFC 5737, 3849, 2606) in submissions; for demos and tests only"),
	NUM("view_k", CT_INT, view_k, 3, 1000000, "5",
	    "distinct members a cell of a regional view needs (never below 3)"),
	NUM("export_confidence", CT_INT, export_confidence, 0, 100, "50",
	    "lowest confidence an exported indicator may have"),
	NUM("export_k", CT_INT, export_k, 1, 100, "2",
	    "distinct origins an indicator from an untrusted origin needs"),
};

#define NKEYS (sizeof(s_keys) / sizeof(s_keys[0]))

static void
s_err(config_error_fn err, void *ctx, const char *name, int line,
    const char *fmt, ...)
{
	char msg[512], full[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s:%d: %s", name, line, msg);
	if (err != NULL)
		err(ctx, full);
}

int
config_parse_duration(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v > 100LL * 365 * 86400)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	*out = v;
	return 0;
}

/*
 * Checks a comma-separated list of networks (nets) or domain names, so
 * that kyojod -n reports a bad item; the allowlist parses it again when
 * an export loads it.  Returns a static reason or NULL.
 */
static const char *
s_check_list(const char *v, bool nets)
{
	char item[CONFIG_LIST_MAX], out[INDICATOR_VALUE_MAX + 1];
	const char *why = NULL;
	int type;

	while (*v != '\0') {
		size_t n = strcspn(v, ",");
		const char *p = v;

		v += n + (v[n] == ',');
		while (n > 0 && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0)
			continue;
		memcpy(item, p, n);
		item[n] = '\0';
		if (!nets)
			type = IT_DOMAIN;
		else if (strchr(item, ':') != NULL)
			type = strchr(item, '/') ? IT_CIDR6 : IT_IPV6;
		else
			type = strchr(item, '/') ? IT_CIDR4 : IT_IPV4;
		if (indicator_normalize(type, item, n, out, sizeof(out),
		    &why) != 0)
			return why;
	}
	return NULL;
}

/* Sets one key from its text value; returns a static reason or NULL. */
static const char *
s_set(struct config *cfg, const struct ckey *k, const char *v)
{
	char *field = (char *)cfg + k->off;
	int64_t n = 0, *num = (int64_t *)(void *)field;
	const char *why;
	char *end;
	int t;

	switch (k->type) {
	case CT_ENDPOINT:
		if (v[0] != '\0' && (strncmp(v, "tcp://", 6) != 0 ||
		    strrchr(v + 6, ':') == NULL))
			return "expected tcp://HOST:PORT";
		/* FALLTHROUGH */
	case CT_STR:
		if (strlen(v) >= k->size)
			return "value too long";
		if (!utf8_is_valid(v, strlen(v)))
			return "value is not valid UTF-8";
		if (strchr(v, '"') != NULL)
			return "double quotes are not allowed inside a value";
		memcpy(field, v, strlen(v) + 1);
		return NULL;
	case CT_NETS:
	case CT_NAMES:
		if (strlen(v) >= k->size)
			return "value too long (list more in DIR/allowlist.d/)";
		if ((why = s_check_list(v, k->type == CT_NETS)) != NULL)
			return why;
		memcpy(field, v, strlen(v) + 1);
		return NULL;
	case CT_SECTOR:
		if (v[0] != '\0' && !taxonomy_is_sector(v))
			return "expected csirt, psirt, dsirt or fsirt";
		memcpy(field, v, strlen(v) + 1);
		return NULL;
	case CT_TLP:
		if ((t = record_tlp_from_name(v)) < 0)
			return "expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED";
		*num = t;
		return NULL;
	case CT_PAP:
		if ((t = record_pap_from_name(v)) < 0)
			return "expected CLEAR, GREEN, AMBER or RED";
		*num = t;
		return NULL;
	case CT_DURATION:
		if (config_parse_duration(v, &n) != 0)
			return "expected a duration such as 90s, 15m, 12h or 30d";
		break;
	case CT_INT:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0')
			return "expected an integer";
		break;
	}
	if (n < k->min || n > k->max)
		return "value out of range";
	*num = n;
	return NULL;
}

void
config_defaults(struct config *cfg, const char *dir)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->dir, sizeof(cfg->dir), "%s", dir);
	for (size_t i = 0; i < NKEYS; i++)
		if (s_set(cfg, &s_keys[i], s_keys[i].def) != NULL)
			abort();	/* a bad default is a programmer error */
}

/* Splits "key value" or 'key "quoted value"'; returns a reason or NULL. */
static const char *
s_split(char *line, char **key, char **value)
{
	char *p = line, *v;

	*key = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"') {
		v = ++p;
		while (*p != '\0' && *p != '"')
			p++;
		if (*p != '"')
			return "missing closing quote";
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0' && *p != '#')
			return "text after the closing quote";
	} else {
		v = p;
		while (*p != '\0' && *p != '#')
			p++;
		*p = '\0';
		while (p > v && (p[-1] == ' ' || p[-1] == '\t'))
			*--p = '\0';
	}
	*value = v;
	return NULL;
}

int
config_parse(struct config *cfg, const char *name, const char *text,
    size_t len, config_error_fn err, void *ctx)
{
	const char *p = text, *end = text + len, *why;
	int errors = 0, lineno = 0;
	char line[2048], *key, *value, *s;
	bool seen[NKEYS] = { false };

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		const struct ckey *k = NULL;
		size_t i;

		lineno++;
		if (n >= sizeof(line) || memchr(p, '\0', n) != NULL) {
			s_err(err, ctx, name, lineno, n >= sizeof(line) ?
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
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		if ((why = s_split(s, &key, &value)) != NULL) {
			s_err(err, ctx, name, lineno, "%s", why);
			errors++;
			continue;
		}
		for (i = 0; i < NKEYS; i++)
			if (strcmp(s_keys[i].key, key) == 0) {
				k = &s_keys[i];
				break;
			}
		if (k == NULL) {
			s_err(err, ctx, name, lineno, "unknown key '%.64s'", key);
			errors++;
		} else if (seen[i]) {
			s_err(err, ctx, name, lineno, "%s: set twice", k->key);
			errors++;
		} else if ((why = s_set(cfg, k, value)) != NULL) {
			s_err(err, ctx, name, lineno, "%s: %s", k->key, why);
			errors++;
		}
		if (k != NULL)
			seen[i] = true;
	}
	return errors;
}

int
config_read_private(const char *path, const char *hint, char **text,
    size_t *len, config_error_fn err, void *ctx)
{
	struct stat st;
	ssize_t got;
	int fd;

	*text = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? KY_ENOTFOUND : ky_from_errno(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > 1 << 20) {
		close(fd);
		s_err(err, ctx, path, 0, "not a regular file, or larger than "
		    "1 MiB");
		return 1;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
		close(fd);
		s_err(err, ctx, path, 0, "readable or writable by others %s",
		    hint);
		return 1;
	}
	if ((*text = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return KY_ENOMEM;
	}
	got = read(fd, *text, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		free(*text);
		*text = NULL;
		return KY_EIO;
	}
	(*text)[got] = '\0';
	*len = (size_t)got;
	return 0;
}

int
config_load(struct config *cfg, const char *dir, config_error_fn err, void *ctx)
{
	char path[CONFIG_PATH_MAX + 16], *text;
	size_t len;
	int n;

	config_defaults(cfg, dir);
	snprintf(path, sizeof(path), "%s/kyojod.conf", dir);
	n = config_read_private(path, "(chmod 640): it may hold access tokens",
	    &text, &len, err, ctx);
	if (n != 0)
		return n == KY_ENOTFOUND ? 0 : n;
	n = config_parse(cfg, path, text, len, err, ctx);
	free(text);
	return n;
}

int
config_write(const struct config *cfg, const char *path)
{
	char *buf = NULL, val[1100];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int rc;

	if (f == NULL)
		return KY_ENOMEM;
	fprintf(f, "# kyojod.conf - see kyojod.conf(5).  Every key has a "
	    "default; lines\n# starting with '#' are comments.\n");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct ckey *k = &s_keys[i];
		const char *field = (const char *)cfg + k->off;
		int64_t num = 0;

		if (k->size == 0)
			memcpy(&num, field, sizeof(num));
		switch (k->type) {
		case CT_STR: case CT_ENDPOINT: case CT_SECTOR:
		case CT_NETS: case CT_NAMES:
			snprintf(val, sizeof(val), "\"%s\"", field);
			break;
		case CT_TLP:
			snprintf(val, sizeof(val), "%s", record_tlp_name((uint8_t)num));
			break;
		case CT_PAP:
			snprintf(val, sizeof(val), "%s", record_pap_name((uint8_t)num));
			break;
		case CT_INT: case CT_DURATION:
			snprintf(val, sizeof(val), "%lld", (long long)num);
			break;
		}
		fprintf(f, "\n# %s\n%s%-18s %s\n", k->doc,
		    strcmp(val, "\"\"") == 0 ? "#" : "", k->key, val);
	}
	if (fclose(f) != 0) {
		free(buf);
		return KY_ENOMEM;
	}
	rc = keyfile_write_atomic(path, buf, size, 0640);
	free(buf);
	return rc;
}

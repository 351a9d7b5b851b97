/*
 * config.h - kyojod.conf: one table of keys, types, bounds and defaults.
 *
 * The file is plain text an operator edits by hand:
 *
 *     # comment
 *     name      "山田製作所"
 *     listen    tcp://0.0.0.0:7410
 *     default_ttl 30d
 *
 * One "key value" per line; a value may be double-quoted (for spaces and
 * '#').  Every error is reported as "file:line: message" and parsing goes
 * on, so an operator sees all mistakes at once (kyojod -n).  Each key is
 * documented in docs/kyojod.conf.5.
 */
#ifndef KY_CONFIG_H
#define KY_CONFIG_H

#include <stdint.h>

#include "protocol/error.h"

#define CONFIG_PATH_MAX 1024
#define CONFIG_LIST_MAX 1024	/* bytes of own_networks, own_domains, ... */

/* Where `make install` puts seeds/allowlist; packagers may override. */
#ifndef CONFIG_ALLOWLIST_DIR
#define CONFIG_ALLOWLIST_DIR "/usr/local/share/kyojo/allowlist"
#endif

struct config {
	char dir[CONFIG_PATH_MAX];	/* the node directory (-d) */
	char name[201];			/* shown on the card; optional */
	char region[101];		/* shown on the card; optional */
	char sector[8];			/* csirt, psirt, dsirt, fsirt or "" */
	char listen[257];		/* tcp://host:port; "" = no listener */
	int64_t batch_max;		/* most records per group commit */
	int64_t default_tlp;		/* enum record_tlp for submissions */
	int64_t default_pap;		/* enum record_pap for submissions */
	int64_t default_confidence;	/* 0..100 */
	int64_t default_ttl;		/* seconds an indicator lives */
	int64_t sync_interval;		/* seconds between anti-entropy rounds */
	int64_t peer_rate;		/* records/s accepted from one peer */
	int64_t origin_rate;		/* new records/hour from one origin */
	int64_t max_future;		/* seconds a created time may be ahead */
	char allowlist_dir[CONFIG_PATH_MAX];	/* shipped never-export lists */
	char own_networks[CONFIG_LIST_MAX];	/* "a/n, b/m": never exported */
	char own_domains[CONFIG_LIST_MAX];	/* "x.jp, y.jp": never exported */
	char own_mail_domains[CONFIG_LIST_MAX];	/* "x.jp, y.jp": never shared (scrub.h) */
	char scrub_words[CONFIG_LIST_MAX];	/* "顧客A, ProjectX": redacted from notes */
	int64_t accept_documentation;	/* 1: demos and tests may submit 192.0.2.x */
	int64_t view_k;			/* members a published view cell needs */
	int64_t export_confidence;	/* lowest confidence a feed carries */
	int64_t export_k;		/* origins an untrusted value needs */
};

/* Called once per problem with "file:line: message". */
typedef void (*config_error_fn)(void *ctx, const char *msg);

/* Fills every field of cfg with its default; dir is copied. */
void config_defaults(struct config *cfg, const char *dir);

/*
 * Parses text (len bytes) over the values already in cfg.  name is the
 * file name used in messages.  Returns the number of errors (0: ok),
 * each also passed to err.
 */
int config_parse(struct config *cfg, const char *name, const char *text,
    size_t len, config_error_fn err, void *ctx) KY_WUR;

/*
 * Loads DIR/kyojod.conf over the defaults.  A missing file is not an
 * error (every key has a default); a file that others can read or write
 * is refused, since it may hold access tokens.  Returns the number of
 * errors, or a negative KY_E* code when the file cannot be read.
 */
int config_load(struct config *cfg, const char *dir, config_error_fn err,
    void *ctx) KY_WUR;

/* Parses "90", "90s", "15m", "12h", "30d" into seconds; 0 or -1. */
int config_parse_duration(const char *s, int64_t *out) KY_WUR;

/*
 * Reads a small private file (kyojod.conf, http.conf) into a malloc'd,
 * NUL-terminated *text, the caller's to free.  Refuses, through err as
 * "path:0: why", a file that is not regular, is over 1 MiB, or that others
 * can read or write (hint tells the operator the fix).  Returns 0, 1 when
 * refused (reported), KY_ENOTFOUND when it does not exist, or another
 * negative KY_E* code.
 */
int config_read_private(const char *path, const char *hint, char **text,
    size_t *len, config_error_fn err, void *ctx) KY_WUR;

/* Writes a commented config with the given values (kyojo init). */
int config_write(const struct config *cfg, const char *path) KY_WUR;

#endif

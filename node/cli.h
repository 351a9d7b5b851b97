/*
 * cli.h - what every kyojo subcommand shares: the command table entry,
 * the node directory, reading input files, printing errors.
 */
#ifndef KY_CLI_H
#define KY_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/error.h"

/* Exit statuses: 0 ok, 1 refused/failed check, 2 usage or system error. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

struct cli_cmd {
	const char *name;		/* "keygen", "record" */
	int (*run)(int argc, char **argv);	/* argv[0] is the name */
	const char *usage;		/* one line, after "kyojo " */
};

/* The node directory: -d DIR, else $KYOJO_HOME, else /var/lib/kyojo. */
const char *cli_default_dir(void);

/*
 * Reads a whole file ("-" is stdin) of at most max bytes into a malloc'd,
 * NUL-terminated buffer.  Errors: KY_ENOTFOUND, KY_ETOOBIG, KY_EIO, ...
 */
int cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len) KY_WUR;

/* Reads a record file, raw or armored (armor.h). */
int cli_read_record(const char *path, uint8_t **buf, size_t *len,
    const char **why) KY_WUR;

/* Prints "kyojo CMD: msg" to stderr; returns status for `return cli_fail()`. */
int cli_fail(int status, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints "usage: kyojo USAGE" for cmd and returns CLI_USAGE. */
int cli_usage(const struct cli_cmd *cmd);
const struct cli_cmd *cli_find(const char *name);

/* Current unix time. */
uint64_t cli_now(void);

/* Prints the answer of a control request sent with "dry_run" (submit,
 * article): the texts as they would be signed and the redactions. */
struct cJSON;
struct record;
void cli_print_dry_run(const struct cJSON *reply);

/* A record as every --json output shows it: header fields, "stub",
 * "opened" for a sealed body this node opened, and the body parsed. */
struct cJSON *cli_record_json(const struct record *r);

/* Prints j, indented, and a newline. */
void cli_print_json(const struct cJSON *j);

#endif

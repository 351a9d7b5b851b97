/*
 * log.h - the one logger, with the OpenBSD daemon API.
 *
 * Messages go to stderr with a level tag (systemd style: kyojod runs in the
 * foreground and the journal adds timestamps).  log_warn() appends the
 * current errno's text; log_warnx() does not.  fatal()/fatalx() log and
 * exit(1): only at start-up or on a broken invariant, never for bad input.
 */
#ifndef KY_LOG_H
#define KY_LOG_H

#include <stdarg.h>

#define KY_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* verbose: 0 info and above, 1 debug too.  name prefixes each line. */
void log_init(const char *name, int verbose);
void log_warn(const char *fmt, ...) KY_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) KY_PRINTF(1, 2);
void log_info(const char *fmt, ...) KY_PRINTF(1, 2);
void log_debug(const char *fmt, ...) KY_PRINTF(1, 2);
void fatal(const char *fmt, ...) KY_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) KY_PRINTF(1, 2) __attribute__((noreturn));

#endif

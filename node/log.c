#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Set once by log_init() before anything else runs; read-only afterwards. */
static const char *s_name = "kyojo";
static int s_verbose;

void
log_init(const char *name, int verbose)
{
	s_name = name;
	s_verbose = verbose;
}

static void
s_vlog(const char *level, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0)
		fprintf(stderr, "%s: %s%s: %s\n", s_name, level, msg,
		    strerror(errnum));
	else
		fprintf(stderr, "%s: %s%s\n", s_name, level, msg);
}

#define LOG_BODY(level, errnum) do {		\
	va_list ap;				\
	va_start(ap, fmt);			\
	s_vlog(level, errnum, fmt, ap);		\
	va_end(ap);				\
} while (0)

void log_warn(const char *fmt, ...) { int e = errno; LOG_BODY("warning: ", e); }
void log_warnx(const char *fmt, ...) { LOG_BODY("warning: ", 0); }
void log_info(const char *fmt, ...) { LOG_BODY("", 0); }

void
log_debug(const char *fmt, ...)
{
	if (s_verbose)
		LOG_BODY("debug: ", 0);
}

void
fatal(const char *fmt, ...)
{
	int e = errno;

	LOG_BODY("fatal: ", e);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY("fatal: ", 0);
	exit(1);
}

/*
 * fw_exec.h - running the kernel's own firewall tools (nft, ipset) for
 * the live firewall path.
 *
 * The tools are run directly (posix_spawnp, searched in PATH, no shell),
 * so no value ever passes through a shell.  A transaction is first
 * written whole to an unlinked temporary file and only then handed to
 * the tool as its standard input: a tool never sees half a script, even
 * when this process dies while writing it.
 *
 * Errors are KY_E* codes; what the tool printed on its standard error
 * comes back in the caller's buffer, for the log.  Nothing here logs.
 */
#ifndef KY_FW_EXEC_H
#define KY_FW_EXEC_H

#include <stdio.h>
#include <sys/types.h>

#include "protocol/error.h"

/* A tool started by fw_exec_start(). */
struct fw_proc {
	pid_t pid;	/* the child; 0 when none */
	FILE *out;	/* its standard output, when asked for; else NULL */
	int errfd;	/* unlinked file that gets its standard error; -1: none */
};

/*
 * An unlinked temporary file under $TMPDIR (else /tmp), open for reading
 * and writing, in *f (the caller's to fclose).  Errors: KY_EIO, KY_ESYS.
 */
int fw_exec_tmpfile(FILE **f) KY_WUR KY_NONNULL(1);

/*
 * Starts argv (argv[0] looked up in PATH) with standard input from in
 * (rewound first; NULL: /dev/null) and standard error to a temporary
 * file.  With want_out, its standard output is a pipe read through
 * p->out; otherwise it goes with standard error.
 * Errors: KY_ENOTFOUND (no such program), KY_ESYS, KY_EIO.
 */
int fw_exec_start(struct fw_proc *p, char *const argv[], FILE *in,
    int want_out) KY_WUR KY_NONNULL(1, 2);

/*
 * Reads p->out to its end and closes it, waits for the
 * child and copies the first errcap - 1 bytes of its standard error,
 * NUL-terminated, into err (may be NULL).  Returns 0 when it exited
 * with status 0, KY_EIO when it failed or was killed, KY_ESYS when it
 * could not be waited for.  *p is reset either way.
 */
int fw_exec_finish(struct fw_proc *p, char *err, size_t errcap)
    KY_WUR KY_NONNULL(1);

/* fw_exec_start() without output, then fw_exec_finish(). */
int fw_exec_run(char *const argv[], FILE *in, char *err, size_t errcap)
    KY_WUR KY_NONNULL(1);

#endif

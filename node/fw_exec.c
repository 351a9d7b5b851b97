/*
 * fw_exec.c - spawning nft and ipset with a whole script as input.
 * See fw_exec.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node/fw_exec.h"

extern char **environ;

int
fw_exec_tmpfile(FILE **f)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	*f = NULL;
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/kyojo-fw.XXXXXX", dir) >=
	    sizeof(path))
		return KY_ESYS;
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
		return ky_from_errno(errno);
	unlink(path);
	if ((*f = fdopen(fd, "w+")) == NULL) {
		close(fd);
		return KY_ENOMEM;
	}
	return 0;
}

int
fw_exec_start(struct fw_proc *p, char *const argv[], FILE *in, int want_out)
{
	posix_spawn_file_actions_t fa;
	FILE *err = NULL;
	int pipefd[2] = { -1, -1 }, in_fd, rc;

	memset(p, 0, sizeof(*p));
	p->errfd = -1;
	if ((rc = fw_exec_tmpfile(&err)) != 0)
		return rc;
	if (in != NULL && (fflush(in) != 0 || fseek(in, 0, SEEK_SET) != 0)) {
		fclose(err);
		return KY_EIO;
	}
	if (want_out && pipe2(pipefd, O_CLOEXEC) != 0) {
		fclose(err);
		return ky_from_errno(errno);
	}
	in_fd = in != NULL ? fileno(in) : -1;
	posix_spawn_file_actions_init(&fa);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, want_out ? pipefd[1] : fileno(err), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
	rc = posix_spawnp(&p->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (rc != 0) {
		if (pipefd[0] >= 0)
			close(pipefd[0]);
		fclose(err);
		p->pid = 0;
		return rc == ENOENT ? KY_ENOTFOUND : ky_from_errno(rc);
	}
	if (want_out && (p->out = fdopen(pipefd[0], "r")) == NULL) {
		close(pipefd[0]);
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		fclose(err);
		p->pid = 0;
		return KY_ENOMEM;
	}
	/* Keep only the descriptor, out of the FILE, and out of the next
	 * child's hands. */
	p->errfd = fcntl(fileno(err), F_DUPFD_CLOEXEC, 0);
	fclose(err);
	return 0;
}

int
fw_exec_finish(struct fw_proc *p, char *err, size_t errcap)
{
	int status, rc = 0;
	ssize_t got = 0;

	if (p->out != NULL) {
		char sink[4096];

		/* Read to the end: a tool that still writes when the pipe
		 * closes dies of SIGPIPE, and its listing would count as
		 * failed. */
		while (fread(sink, 1, sizeof(sink), p->out) > 0)
			;
		fclose(p->out);
	}
	while (p->pid > 0 && waitpid(p->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			rc = KY_ESYS;
			break;
		}
	}
	if (rc == 0 && p->pid > 0 &&
	    (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		rc = KY_EIO;
	if (err != NULL && errcap > 0) {
		if (p->errfd >= 0 && lseek(p->errfd, 0, SEEK_SET) == 0)
			got = read(p->errfd, err, errcap - 1);
		err[got > 0 ? got : 0] = '\0';
	}
	if (p->errfd >= 0)
		close(p->errfd);
	memset(p, 0, sizeof(*p));
	p->errfd = -1;
	return rc;
}

int
fw_exec_run(char *const argv[], FILE *in, char *err, size_t errcap)
{
	struct fw_proc p;
	int rc;

	if ((rc = fw_exec_start(&p, argv, in, 0)) != 0) {
		if (err != NULL && errcap > 0)
			snprintf(err, errcap, "%s: %s", argv[0],
			    rc == KY_ENOTFOUND ? "not found in PATH" :
			    ky_strerror(rc));
		return rc;
	}
	return fw_exec_finish(&p, err, errcap);
}

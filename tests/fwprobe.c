/*
 * fwprobe: does a TCP connection attempt from one local address reach
 * another host?  A helper of tests/sh/firewall.sh, where ping is not
 * installed.
 *
 *     fwprobe SRC DST PORT [TIMEOUT_MS]
 *
 * A closed port answers a SYN with a reset, so no listener is needed:
 * exit 0 when any answer came back (connected or refused), 1 when none
 * came within TIMEOUT_MS (default 700: the packet was dropped), 2 on a
 * usage or system error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
s_addr(const char *text, unsigned port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage src, dst;
	socklen_t slen, dlen;
	struct pollfd pfd;
	int fam, fd, err = 0, timeout = argc > 4 ? atoi(argv[4]) : 700;
	socklen_t elen = sizeof(err);

	if (argc < 4 || argc > 5 || timeout <= 0) {
		fprintf(stderr, "usage: fwprobe SRC DST PORT [TIMEOUT_MS]\n");
		return 2;
	}
	if ((fam = s_addr(argv[1], 0, &src, &slen)) < 0 ||
	    s_addr(argv[2], (unsigned)atoi(argv[3]), &dst, &dlen) != fam) {
		fprintf(stderr, "fwprobe: SRC and DST must be addresses of one "
		    "family\n");
		return 2;
	}
	if ((fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&src, slen) != 0) {
		perror("fwprobe: socket/bind");
		return 2;
	}
	if (connect(fd, (struct sockaddr *)&dst, dlen) == 0)
		return 0;
	if (errno == ECONNREFUSED)
		return 0;
	if (errno != EINPROGRESS) {
		perror("fwprobe: connect");
		return 2;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, timeout) <= 0)
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		return 2;
	close(fd);
	/* Connected or reset: the SYN got through.  An ICMP error (host
	 * unreachable) means the path is broken, not a firewall drop. */
	if (err == 0 || err == ECONNREFUSED)
		return 0;
	fprintf(stderr, "fwprobe: %s\n", strerror(err));
	return 2;
}

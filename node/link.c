#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "node/link.h"
#include "protocol/record.h"

struct link *
link_new(bool outbound)
{
	struct link *l = calloc(1, sizeof(*l));

	if (l != NULL)
		l->outbound = outbound;
	return l;
}

void
link_destroy(struct link **p)
{
	struct link *l = *p;

	if (l == NULL)
		return;
	if (l->outbound) {
		if (l->monitor != NULL)
			zmq_close(l->monitor);
		if (l->sock != NULL)
			zmq_close(l->sock);
	}
	free(l->their);
	free(l->flags);
	free(l);
	*p = NULL;
}

int
link_reserve(struct link *l, size_t n)
{
	size_t cap = l->n_origins;
	uint64_t *their;
	uint8_t *flags;

	if (n <= cap)
		return 0;
	while (cap < n)
		cap = cap ? cap * 2 : 64;
	if ((their = realloc(l->their, cap * sizeof(*their))) == NULL)
		return KY_ENOMEM;
	l->their = their;
	if ((flags = realloc(l->flags, cap)) == NULL)
		return KY_ENOMEM;
	l->flags = flags;
	memset(l->their + l->n_origins, 0, (cap - l->n_origins) * sizeof(*their));
	memset(l->flags + l->n_origins, 0, cap - l->n_origins);
	l->n_origins = cap;
	return 0;
}

int
link_send(struct link *l, const void *frame, size_t len)
{
	if (!l->outbound &&
	    zmq_send(l->sock, l->rid, l->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
		if (errno == EAGAIN)
			return KY_EFULL;
		/* ROUTER_MANDATORY: the peer behind this routing id is gone. */
		if (errno == EHOSTUNREACH)
			l->state = LINK_DOWN;
		return KY_ESYS;
	}
	if (zmq_send(l->sock, frame, len, ZMQ_DONTWAIT) < 0)
		return errno == EAGAIN ? KY_EFULL : KY_ESYS;
	l->bytes_out += len;
	return 0;
}

void
link_reset(struct link *l)
{
	if (l->n_origins > 0) {
		memset(l->their, 0, l->n_origins * sizeof(*l->their));
		memset(l->flags, 0, l->n_origins);
	}
	l->state = LINK_DOWN;
	l->synced = false;
	l->backlog = false;
	l->credit = l->granted = l->consumed = 0;
}

void
link_set_name(struct link *l, const char *name)
{
	char hex[65];

	if (name != NULL && name[0] != '\0') {
		snprintf(l->name, sizeof(l->name), "%s", name);
		return;
	}
	record_hex(l->key, 32, hex);
	snprintf(l->name, sizeof(l->name), "%.12s", hex);
}

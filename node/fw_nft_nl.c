/*
 * fw_nft_nl.c - nf_tables over netlink for the nft backend: a dump of an
 * interval set's elements, and element changes sent as one batch.  See
 * fw_nft_nl.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "node/firewall.h"
#include "node/fw_nft_nl.h"
#include "node/log.h"

/* Receive buffer.  The kernel sizes a dump's messages by the largest
 * read the socket has seen (at most 32 KiB): small reads would mean many
 * more rounds, and each round walks the set's tree from its start.  It
 * also holds an error that echoes a whole message (up to 64 KiB), should
 * NETLINK_CAP_ACK be unknown. */
#define NL_RECV		(128 * 1024)

/* A batch is kept in pages of this size plus room for one message past
 * the end (nftnl_batch moves it to the next page).  Untouched room is
 * never resident. */
#define NL_PAGE		(1024 * 1024)
#define NL_OVERRUN	(UINT16_MAX + 4096)

/* Elements per message.  An element is at most 52 bytes (an IPv6 start
 * with its timeout and nft's open-interval mark), so the list stays
 * below the 64 KiB that a netlink attribute can describe. */
#define NL_CHUNK	1024

/* Dumps tried when the set changed while it was read (NLM_F_DUMP_INTR). */
#define NL_DUMP_TRIES	3

/* Seconds to wait for the kernel's answer; it answers while the batch
 * is sent, so this only guards against the unforeseen. */
#define NL_ANSWER_S	60

/* --- the socket --------------------------------------------------------- */

static int
s_open(struct mnl_socket **nl, const char **why)
{
	int one = 1;

	if ((*nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL) {
		*why = "nft: cannot open a netlink socket";
		return errno == EPERM || errno == EACCES ? KY_EPERM : KY_ESYS;
	}
	if (mnl_socket_bind(*nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(*nl);
		*nl = NULL;
		*why = "nft: cannot bind a netlink socket";
		return KY_ESYS;
	}
	/* Errors then echo the failed message's header only, not the whole
	 * message (up to 64 KiB of elements). */
	(void)mnl_socket_setsockopt(*nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

static uint32_t
s_seq(void)
{
	return (uint32_t)time(NULL);
}

/* Our code for an errno the kernel answered. */
static int
s_code(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return KY_EPERM;
	case ENOENT:
		return KY_ENOTFOUND;
	case ENOMEM:
		return KY_ENOMEM;
	case EMSGSIZE:
		return KY_ETOOBIG;
	default:
		return KY_EIO;
	}
}

/* --- keys and intervals ---------------------------------------------------- */

static unsigned
s_klen(int family)
{
	return family == 4 ? 4 : 16;
}

/* out = key + 1, over len bytes; false when it wrapped (the key was the
 * last address: the interval is open). */
static bool
s_next(const uint8_t *key, unsigned len, uint8_t *out)
{
	memcpy(out, key, len);
	for (unsigned i = len; i-- > 0;)
		if (++out[i] != 0)
			return true;
	return false;
}

/* out = key - 1 (key is not zero). */
static void
s_prev(const uint8_t *key, unsigned len, uint8_t *out)
{
	memcpy(out, key, len);
	for (unsigned i = len; i-- > 0;)
		if (out[i]-- != 0)
			break;
}

/* The first address past prefix e, in end; false when e reaches the top
 * of the address space (no end element: the interval is open). */
static bool
s_end(const struct fw_entry *e, uint8_t *end)
{
	unsigned len = s_klen(e->family), host = len * 8 - e->prefix;
	unsigned byte = (len * 8 - 1 - host) / 8;
	unsigned carry = 1u << (host % 8);

	memcpy(end, e->addr, len);
	/* Add 2^host: the host bits are zero, so only the carry ripples. */
	for (unsigned i = byte + 1; i-- > 0; carry = 1) {
		unsigned v = end[i] + carry;

		end[i] = (uint8_t)v;
		if (v < 256)
			return true;
	}
	return false;
}

/* The prefix length that [start, end) is (end NULL: up to the top of the
 * space), or 0 when it is not one prefix. */
static unsigned
s_prefix_of(const uint8_t *start, const uint8_t *end, unsigned len)
{
	uint8_t size[16];
	unsigned i, prefix, borrow = 0;

	for (i = len; i-- > 0;) {
		int d = (end != NULL ? end[i] : 0) - start[i] - (int)borrow;

		borrow = d < 0;
		size[i] = (uint8_t)d;
	}
	if (end != NULL && borrow)
		return 0;	/* end before start */
	for (i = 0; i < len && size[i] == 0; i++)
		;
	/* A size of 0 is the whole space (a /0) or an empty interval. */
	if (i == len || (size[i] & (size[i] - 1)) != 0)
		return 0;
	for (unsigned j = i + 1; j < len; j++)
		if (size[j] != 0)
			return 0;
	prefix = i * 8 + 8 - (unsigned)__builtin_ctz(size[i]);
	/* The start must be aligned on the size: host bits clear. */
	for (unsigned b = prefix; b < len * 8; b++)
		if (start[b / 8] & (0x80u >> (b % 8)))
			return 0;
	return prefix;
}

/* "FIRST-LAST" for an interval that is not one prefix. */
static void
s_range_text(int family, const uint8_t *start, const uint8_t *end,
    char *out, size_t cap)
{
	uint8_t last[16];
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int af = family == 4 ? AF_INET : AF_INET6;
	unsigned len = s_klen(family);

	if (end != NULL)
		s_prev(end, len, last);
	else
		memset(last, 0xff, len);
	inet_ntop(af, start, a, sizeof(a));
	inet_ntop(af, last, b, sizeof(b));
	snprintf(out, cap, "%s-%s", a, b);
}

/* --- reading a set ------------------------------------------------------- */

/* End keys of one family, packed. */
struct keys {
	uint8_t *v;		/* n keys of len bytes */
	size_t n;		/* keys in use */
	size_t cap;		/* keys allocated */
	unsigned len;		/* 4 or 16 */
};

struct reader {
	int family;		/* 4 or 6 */
	unsigned len;		/* key length */
	uint64_t now;		/* for absolute expiries */
	struct fw_set *have;	/* starts are appended here */
	struct keys ends;	/* end elements' keys */
	bool intr;		/* the dump was interrupted by a change */
	int rc;			/* a callback's error */
	const char *why;	/* and its reason */
};

static int
s_keys_add(struct keys *k, const uint8_t *key)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 1024;
		uint8_t *v = realloc(k->v, cap * k->len);

		if (v == NULL)
			return KY_ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	memcpy(k->v + k->n++ * k->len, key, k->len);
	return 0;
}

static int
s_key_cmp(const void *a, const void *b, void *len)
{
	return memcmp(a, b, *(const unsigned *)len);
}

static int
s_read_elem(struct nftnl_set_elem *e, void *arg)
{
	struct reader *r = arg;
	const uint8_t *key;
	uint32_t len = 0, flags = 0, expire = 0;
	uint64_t ms = 0;
	int rc;

	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
		flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (key == NULL && (flags & NFT_SET_ELEM_CATCHALL))
		return 0;	/* a catch-all element: not one of ours */
	if (key == NULL || len != r->len) {
		r->rc = KY_EMALFORMED;
		r->why = "nft: the kernel listed an element of another size";
		return -1;
	}
	if (flags & NFT_SET_ELEM_INTERVAL_END) {
		if ((rc = s_keys_add(&r->ends, key)) != 0) {
			r->rc = rc;
			r->why = "nft: out of memory";
			return -1;
		}
		return 0;
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION))
		ms = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION);
	else if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT))
		ms = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
	if (ms != 0) {
		uint64_t at = r->now + ms / 1000;

		expire = at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
	}
	/* Kept as a whole-width "prefix" until its end is known. */
	if ((rc = fw_set_add(r->have, r->family, key, r->len * 8, expire,
	    &r->why)) != 0) {
		r->rc = rc;
		return -1;
	}
	return 0;
}

static int
s_read_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct reader *r = arg;
	struct nftnl_set *s;
	int rc;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = true;
	if ((s = nftnl_set_alloc()) == NULL) {
		r->rc = KY_ENOMEM;
		r->why = "nft: out of memory";
		return MNL_CB_ERROR;
	}
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		r->rc = errno == ENOMEM ? KY_ENOMEM : KY_EMALFORMED;
		r->why = "nft: cannot parse the kernel's listing of the set";
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	rc = nftnl_set_elem_foreach(s, s_read_elem, r);
	nftnl_set_free(s);
	return rc < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* One dump of set into r; r->intr says whether to try again. */
static int
s_dump(struct mnl_socket *nl, const char *set, struct reader *r,
    const char **why)
{
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	uint32_t seq = s_seq(), portid = mnl_socket_get_portid(nl);
	char *buf;
	int rc = 0;

	if ((buf = malloc(NL_RECV)) == NULL || (s = nftnl_set_alloc()) == NULL) {
		free(buf);
		*why = "nft: out of memory";
		return KY_ENOMEM;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_DUMP, seq);
	if (nftnl_set_set_str(s, NFTNL_SET_TABLE, FIREWALL_NFT_TABLE) < 0 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, set) < 0) {
		nftnl_set_free(s);
		free(buf);
		*why = "nft: out of memory";
		return KY_ENOMEM;
	}
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		free(buf);
		*why = "nft: cannot ask the kernel for the set";
		return KY_ESYS;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_RECV);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* ENOBUFS: messages were lost; the dump is void. */
			*why = "nft: reading the set from the kernel failed";
			rc = errno == ENOBUFS ? KY_EIO : KY_ESYS;
			break;
		}
		r->rc = 0;
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, s_read_msg, r);
		if (rc == MNL_CB_STOP) {
			rc = 0;
			break;
		}
		if (rc < 0) {
			if (r->rc != 0) {
				rc = r->rc;
				*why = r->why;
			} else {
				rc = s_code(errno);
				*why = rc == KY_ENOTFOUND ?
				    "nft: no such table or set" : rc == KY_EPERM ?
				    "nft: not permitted (CAP_NET_ADMIN needed)" :
				    "nft: the kernel refused to list the set";
			}
			break;
		}
	}
	free(buf);
	return rc;
}

/*
 * Turns the starts appended to have since base, sorted, and the sorted
 * end keys into prefixes (in place) and strays.  A start's end is the
 * first end key above it, unless the next start comes first: then, as
 * in the kernel's lookup, it runs to the top of the space.
 */
static int
s_pair(struct reader *r, size_t base, const char **why)
{
	struct fw_set *h = r->have;
	const struct keys *ends = &r->ends;
	size_t j = 0, k = base, n = h->n;
	int rc;

	for (size_t i = base; i < n; i++) {
		struct fw_entry e = h->v[i];
		const uint8_t *end = NULL;
		unsigned prefix;
		char text[2 * INET6_ADDRSTRLEN + 2];

		while (j < ends->n && memcmp(ends->v + j * r->len, e.addr,
		    r->len) <= 0)
			j++;	/* an end of nothing, as nft's at 0 */
		if (j < ends->n && (i + 1 == n || memcmp(ends->v + j * r->len,
		    h->v[i + 1].addr, r->len) <= 0))
			end = ends->v + j++ * r->len;
		if ((prefix = s_prefix_of(e.addr, end, r->len)) != 0) {
			e.prefix = (uint8_t)prefix;
			h->v[k++] = e;
			continue;
		}
		s_range_text(r->family, e.addr, end, text, sizeof(text));
		if ((rc = fw_set_add_stray(h, r->family, text)) != 0) {
			*why = "nft: out of memory";
			return rc;
		}
	}
	h->n = k;
	return 0;
}

int
fw_nft_nl_read(const char *set, int family, uint64_t now, struct fw_set *have,
    const char **why)
{
	struct reader r = { .family = family, .len = s_klen(family),
	    .now = now, .have = have, .ends = { .len = s_klen(family) } };
	struct mnl_socket *nl;
	size_t base = have->n;
	int rc;

	if ((rc = s_open(&nl, why)) != 0)
		return rc;
	for (unsigned t = 0; t < NL_DUMP_TRIES; t++) {
		have->n = base;
		r.ends.n = 0;
		r.intr = false;
		if ((rc = s_dump(nl, set, &r, why)) != 0 || !r.intr)
			break;
		rc = KY_EIO;
		*why = "nft: the set kept changing while it was read";
	}
	mnl_socket_close(nl);
	if (rc == 0) {
		/* The slice of this family, sorted in place. */
		struct fw_set slice = { .v = have->v + base, .n = have->n - base,
		    .cap = have->n - base };

		fw_set_sort(&slice);
		have->n = base + slice.n;
		if (r.ends.n > 1)
			qsort_r(r.ends.v, r.ends.n, r.len, s_key_cmp, &r.len);
		rc = s_pair(&r, base, why);
	}
	if (rc != 0)
		have->n = base;
	free(r.ends.v);
	return rc;
}

/* --- writing a batch ------------------------------------------------------ */

/* What a message of the batch was, for the log. */
struct sent {
	uint16_t type;		/* NFT_MSG_NEWSETELEM, NFT_MSG_DELSETELEM */
	bool flush;		/* a DELSETELEM without elements */
	const char *set;	/* borrowed */
};

struct fw_nft_batch {
	struct nftnl_batch *nb;	/* the pages */
	uint32_t seq0;		/* of the first element message */
	uint32_t seq;		/* of the next message */
	struct sent *sent;	/* element messages written, by seq - seq0 */
	size_t nsent;		/* in use */
	size_t sent_cap;	/* allocated */
	struct nftnl_set *pend;	/* the message being filled; NULL: none */
	struct sent pend_as;	/* what it is */
	size_t pend_n;		/* its elements */
	struct nftnl_udata_buf *open;	/* user data marking an open interval */
};

int
fw_nft_batch_new(struct fw_nft_batch **bp)
{
	struct fw_nft_batch *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return KY_ENOMEM;
	if ((b->nb = nftnl_batch_alloc(NL_PAGE, NL_OVERRUN)) == NULL) {
		free(b);
		return KY_ENOMEM;
	}
	b->seq = s_seq();
	nftnl_batch_begin(nftnl_batch_buffer(b->nb), b->seq++);
	if (nftnl_batch_update(b->nb) < 0) {
		nftnl_batch_free(b->nb);
		free(b);
		return KY_ENOMEM;
	}
	b->seq0 = b->seq;
	*bp = b;
	return 0;
}

void
fw_nft_batch_destroy(struct fw_nft_batch **bp)
{
	struct fw_nft_batch *b = *bp;

	if (b == NULL)
		return;
	if (b->pend != NULL)
		nftnl_set_free(b->pend);
	if (b->open != NULL)
		nftnl_udata_buf_free(b->open);
	nftnl_batch_free(b->nb);
	free(b->sent);
	free(b);
	*bp = NULL;
}

/* Writes the pending message into the batch. */
static int
s_put(struct fw_nft_batch *b, bool ack)
{
	struct nlmsghdr *nlh;
	uint16_t flags = b->pend_as.type == NFT_MSG_NEWSETELEM ?
	    NLM_F_CREATE : 0;

	if (b->nsent == b->sent_cap) {
		size_t cap = b->sent_cap ? b->sent_cap * 2 : 64;
		struct sent *v = realloc(b->sent, cap * sizeof(*v));

		if (v == NULL)
			return KY_ENOMEM;
		b->sent = v;
		b->sent_cap = cap;
	}
	/* Only the last message asks for an acknowledgement: its arrival
	 * says the whole batch was committed, since the kernel reports
	 * every error before it (and the commit's own error too). */
	nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->nb),
	    b->pend_as.type, NFPROTO_INET, flags | (ack ? NLM_F_ACK : 0),
	    b->seq++);
	nftnl_set_elems_nlmsg_build_payload(nlh, b->pend);
	nftnl_set_free(b->pend);
	b->pend = NULL;
	b->sent[b->nsent++] = b->pend_as;
	return nftnl_batch_update(b->nb) < 0 ? KY_ENOMEM : 0;
}

/* Makes the pending message one of type for set with room for room
 * more elements (room 0: a flush, always a message of its own). */
static int
s_pend(struct fw_nft_batch *b, uint16_t type, const char *set, size_t room)
{
	int rc;

	if (b->pend != NULL && (b->pend_as.type != type ||
	    strcmp(b->pend_as.set, set) != 0 || b->pend_as.flush ||
	    room == 0 || b->pend_n + room > NL_CHUNK) &&
	    (rc = s_put(b, false)) != 0)
		return rc;
	if (b->pend != NULL)
		return 0;
	if ((b->pend = nftnl_set_alloc()) == NULL ||
	    nftnl_set_set_str(b->pend, NFTNL_SET_TABLE, FIREWALL_NFT_TABLE) < 0 ||
	    nftnl_set_set_str(b->pend, NFTNL_SET_NAME, set) < 0)
		return KY_ENOMEM;
	b->pend_as.type = type;
	b->pend_as.set = set;
	b->pend_as.flush = room == 0;
	b->pend_n = 0;
	return 0;
}

static int
s_elem(struct fw_nft_batch *b, const uint8_t *key, unsigned len,
    uint32_t flags, uint32_t timeout, bool open)
{
	struct nftnl_set_elem *e;

	if ((e = nftnl_set_elem_alloc()) == NULL)
		return KY_ENOMEM;
	if (nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len) < 0)
		goto nomem;
	if (flags != 0)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
	if (timeout != 0)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT,
		    (uint64_t)timeout * 1000);
	if (open) {
		/* As nft marks it, so that `nft list` shows the prefix. */
		if (b->open == NULL &&
		    ((b->open = nftnl_udata_buf_alloc(16)) == NULL ||
		    !nftnl_udata_put_u32(b->open, NFTNL_UDATA_SET_ELEM_FLAGS,
		    NFTNL_SET_ELEM_F_INTERVAL_OPEN)))
			goto nomem;
		if (nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA,
		    nftnl_udata_buf_data(b->open),
		    nftnl_udata_buf_len(b->open)) < 0)
			goto nomem;
	}
	nftnl_set_elem_add(b->pend, e);
	b->pend_n++;
	return 0;
nomem:
	nftnl_set_elem_free(e);
	return KY_ENOMEM;
}

/* The start and, unless open, the end element of [start, end). */
static int
s_interval(struct fw_nft_batch *b, uint16_t type, const char *set,
    int family, const uint8_t *start, const uint8_t *end, uint32_t timeout,
    const char **why)
{
	unsigned len = s_klen(family);
	int rc;

	/* Both in one message: the kernel sees the interval whole. */
	if ((rc = s_pend(b, type, set, 2)) != 0 ||
	    (rc = s_elem(b, start, len, 0, timeout, end == NULL)) != 0 ||
	    (end != NULL && (rc = s_elem(b, end, len,
	    NFT_SET_ELEM_INTERVAL_END, 0, false)) != 0))
		*why = "nft: out of memory";
	return rc;
}

int
fw_nft_batch_add(struct fw_nft_batch *b, const char *set,
    const struct fw_entry *e, uint32_t timeout, const char **why)
{
	uint8_t end[16];
	bool closed = s_end(e, end);

	return s_interval(b, NFT_MSG_NEWSETELEM, set, e->family, e->addr,
	    closed ? end : NULL, timeout, why);
}

int
fw_nft_batch_del(struct fw_nft_batch *b, const char *set,
    const struct fw_entry *e, const char **why)
{
	uint8_t end[16];
	bool closed = s_end(e, end);

	return s_interval(b, NFT_MSG_DELSETELEM, set, e->family, e->addr,
	    closed ? end : NULL, 0, why);
}

int
fw_nft_batch_del_range(struct fw_nft_batch *b, const char *set, int family,
    const char *text, const char **why)
{
	uint8_t first[16], last[16], end[16];
	char buf[2 * INET6_ADDRSTRLEN + 2];
	int af = family == 4 ? AF_INET : AF_INET6;
	char *dash;
	bool closed;

	if (strlen(text) >= sizeof(buf) || (strcpy(buf, text),
	    (dash = strchr(buf, '-')) == NULL)) {
		*why = "nft: not a range";
		return KY_EINVAL;
	}
	*dash = '\0';
	if (inet_pton(af, buf, first) != 1 || inet_pton(af, dash + 1, last) != 1) {
		*why = "nft: not a range";
		return KY_EINVAL;
	}
	closed = s_next(last, s_klen(family), end);
	return s_interval(b, NFT_MSG_DELSETELEM, set, family, first,
	    closed ? end : NULL, 0, why);
}

int
fw_nft_batch_flush(struct fw_nft_batch *b, const char *set, const char **why)
{
	int rc;

	if ((rc = s_pend(b, NFT_MSG_DELSETELEM, set, 0)) != 0)
		*why = "nft: out of memory";
	return rc;
}

/* Logs the kernel's refusal of message seq. */
static void
s_log_refusal(const struct fw_nft_batch *b, uint32_t seq, int err)
{
	const struct sent *m = seq - b->seq0 < b->nsent ?
	    &b->sent[seq - b->seq0] : NULL;
	const char *hint = "";

	if (m == NULL) {
		log_warnx("nft: the kernel refused the transaction: %s",
		    strerror(err));
		return;
	}
	if (m->type == NFT_MSG_DELSETELEM && err == ENOENT)
		hint = " (an element to delete is not in the set)";
	else if (m->type == NFT_MSG_NEWSETELEM &&
	    (err == EEXIST || err == ENOTEMPTY))
		hint = " (an element overlaps one in the set)";
	log_warnx("nft: the kernel refused to %s set %s: %s%s",
	    m->flush ? "flush" : m->type == NFT_MSG_NEWSETELEM ?
	    "add elements to" : "delete elements of", m->set, strerror(err),
	    hint);
}

/* Reads answers until the acknowledgement of last, or an error. */
static int
s_answer_in(struct mnl_socket *nl, const struct fw_nft_batch *b,
    uint32_t last, char *buf, const char **why)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_RECV);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*why = errno == EAGAIN ?
			    "nft: the kernel did not answer the transaction" :
			    "nft: reading the kernel's answer failed";
			return errno == EAGAIN ? KY_ETIMEOUT : KY_EIO;
		}
		for (len = (int)n; mnl_nlmsg_ok(nlh, len);
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error != 0) {
				s_log_refusal(b, e->msg.nlmsg_seq, -e->error);
				*why = "nft: the kernel refused the transaction";
				return s_code(-e->error) == KY_EPERM ? KY_EPERM :
				    KY_EIO;
			}
			if (e->msg.nlmsg_seq == last)
				return 0;
		}
	}
}

static int
s_answer(struct mnl_socket *nl, const struct fw_nft_batch *b, uint32_t last,
    const char **why)
{
	char *buf = malloc(NL_RECV);
	int rc;

	if (buf == NULL) {
		*why = "nft: out of memory";
		return KY_ENOMEM;
	}
	rc = s_answer_in(nl, b, last, buf, why);
	free(buf);
	return rc;
}

int
fw_nft_batch_commit(struct fw_nft_batch *b, const char **why)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { NL_ANSWER_S, 0 };
	struct mnl_socket *nl = NULL;
	struct iovec *iov;
	struct msghdr msg = { 0 };
	size_t total = 0;
	uint32_t last;
	int n, rc, size;

	if (b->pend == NULL)
		return 0;	/* nothing to change */
	last = b->seq;
	if ((rc = s_put(b, true)) != 0)
		goto nomem;
	nftnl_batch_end(nftnl_batch_buffer(b->nb), b->seq++);
	if (nftnl_batch_update(b->nb) < 0)
		goto nomem;
	n = nftnl_batch_iovec_len(b->nb);
	if (n > IOV_MAX) {
		*why = "nft: the transaction is too large for one batch";
		return KY_ETOOBIG;
	}
	if ((iov = calloc((size_t)n, sizeof(*iov))) == NULL)
		goto nomem;
	nftnl_batch_iovec(b->nb, iov, (uint32_t)n);
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (total > INT32_MAX / 2) {
		free(iov);
		*why = "nft: the transaction is too large for one batch";
		return KY_ETOOBIG;
	}
	if ((rc = s_open(&nl, why)) != 0) {
		free(iov);
		return rc;
	}
	/* The kernel takes a batch only whole, in one message of the
	 * socket: the send buffer must hold it (a privileged process may
	 * raise it past the system's default limit). */
	size = (int)total;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE,
	    &size, sizeof(size)) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF,
		    &size, sizeof(size));
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv));
	msg.msg_name = &kernel;
	msg.msg_namelen = sizeof(kernel);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	if (sendmsg(mnl_socket_get_fd(nl), &msg, 0) != (ssize_t)total) {
		rc = errno == EMSGSIZE || errno == ENOBUFS ? KY_ETOOBIG :
		    errno == EPERM ? KY_EPERM : KY_ESYS;
		log_warnx("nft: sending the transaction: %s", strerror(errno));
		*why = "nft: cannot send the transaction to the kernel";
	} else {
		rc = s_answer(nl, b, last, why);
	}
	free(iov);
	mnl_socket_close(nl);
	return rc;
nomem:
	*why = "nft: out of memory";
	return KY_ENOMEM;
}

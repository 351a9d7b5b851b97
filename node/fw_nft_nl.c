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
#include <endian.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
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

/* A batch is one private mapping, doubled (mremap, no copy) when full;
 * this is its first size.  Untouched room is never resident. */
#define NL_FIRST	(1024 * 1024)

/* Room made before writing an element (at most 52 bytes, below) or a
 * message's header, table and set names; and a message without
 * attributes (BATCH_BEGIN, BATCH_END). */
#define NL_ELEM_MAX	64
#define NL_HEAD_MAX	(64 + 2 * NFT_SET_MAXNAMELEN)
#define NL_BARE		NLMSG_ALIGN(sizeof(struct nlmsghdr) + \
			    sizeof(struct nfgenmsg))

/* A replay gives the batch's memory back in steps of at least this. */
#define NL_GIVE_STEP	(1024 * 1024)

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

/*
 * The kernel takes a batch only whole, in one message of the socket
 * (split over two sendmsg() calls, the first half is aborted for want of
 * its BATCH_END), so the whole batch is in this process when it is sent.
 * It is written here straight into one mapping, attribute by attribute
 * with libmnl: no object per element, nothing but the bytes the kernel
 * reads.  The mapping grows by mremap(), which moves pages instead of
 * copying them, so a batch never needs twice its size; and a replay
 * hands its pages back as it reads them.
 */

/* What a message of the batch was, for the log. */
struct sent {
	uint16_t type;		/* NFT_MSG_NEWSETELEM, NFT_MSG_DELSETELEM */
	bool flush;		/* a DELSETELEM without elements */
	const char *set;	/* borrowed */
};

struct fw_nft_batch {
	char *buf;		/* the messages, from BATCH_BEGIN on */
	size_t len;		/* bytes written */
	size_t cap;		/* bytes mapped */
	size_t gone;		/* bytes at the start unmapped by a replay */
	uint32_t seq0;		/* of the first element message */
	uint32_t seq;		/* of the next message */
	struct sent *sent;	/* element messages written, by seq - seq0 */
	size_t nsent;		/* in use */
	size_t sent_cap;	/* allocated */
	size_t pend;		/* offset of the message being filled; 0: none */
	size_t pend_list;	/* offset of its element list; 0: none (a flush) */
	size_t pend_n;		/* its elements */
	bool sealed;		/* BATCH_END written */
	bool replayed;		/* fw_nft_batch_replay() ran */
	struct nftnl_udata_buf *open;	/* user data marking an open interval */
};

/* Makes room for need more bytes.  Offsets stay valid, pointers not. */
static int
s_room(struct fw_nft_batch *b, size_t need)
{
	size_t cap = b->cap;
	void *p;

	if (b->len + need <= b->cap)
		return 0;
	while (cap < b->len + need)
		cap *= 2;
	if ((p = mremap(b->buf, b->cap, cap, MREMAP_MAYMOVE)) == MAP_FAILED)
		return KY_ENOMEM;
	b->buf = p;
	b->cap = cap;
	return 0;
}

static struct nlmsghdr *
s_pend_nlh(const struct fw_nft_batch *b)
{
	return (struct nlmsghdr *)(b->buf + b->pend);
}

int
fw_nft_batch_new(struct fw_nft_batch **bp)
{
	struct fw_nft_batch *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return KY_ENOMEM;
	b->buf = mmap(NULL, NL_FIRST, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->buf == MAP_FAILED) {
		free(b);
		return KY_ENOMEM;
	}
	b->cap = NL_FIRST;
	b->seq = s_seq();
	nftnl_batch_begin(b->buf, b->seq++);
	b->len = NL_BARE;
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
	if (b->open != NULL)
		nftnl_udata_buf_free(b->open);
	munmap(b->buf + b->gone, b->cap - b->gone);
	free(b->sent);
	free(b);
	*bp = NULL;
}

/* Ends the pending message; ack asks the kernel to acknowledge it. */
static void
s_close(struct fw_nft_batch *b, bool ack)
{
	struct nlmsghdr *nlh;

	if (b->pend == 0)
		return;
	nlh = s_pend_nlh(b);
	if (b->pend_list != 0)
		mnl_attr_nest_end(nlh, (struct nlattr *)(b->buf + b->pend_list));
	/* Only the last message asks for an acknowledgement: its arrival
	 * says the whole batch was committed, since the kernel reports
	 * every error before it (and the commit's own error too). */
	if (ack)
		nlh->nlmsg_flags |= NLM_F_ACK;
	b->len = b->pend + NLMSG_ALIGN(nlh->nlmsg_len);
	b->pend = 0;
	b->pend_list = 0;
}

/* Makes the pending message one of type for set with room for room
 * more elements (room 0: a flush, always a message of its own). */
static int
s_pend(struct fw_nft_batch *b, uint16_t type, const char *set, size_t room)
{
	const struct sent *as = b->nsent ? &b->sent[b->nsent - 1] : NULL;
	struct nlmsghdr *nlh;

	if (b->pend != 0 && as->type == type && strcmp(as->set, set) == 0 &&
	    !as->flush && room != 0 && b->pend_n + room <= NL_CHUNK)
		return 0;
	s_close(b, false);
	if (b->sealed || b->replayed || strlen(set) >= NFT_SET_MAXNAMELEN)
		return KY_EINVAL;
	if (b->nsent == b->sent_cap) {
		size_t cap = b->sent_cap ? b->sent_cap * 2 : 64;
		struct sent *v = realloc(b->sent, cap * sizeof(*v));

		if (v == NULL)
			return KY_ENOMEM;
		b->sent = v;
		b->sent_cap = cap;
	}
	if (s_room(b, NL_HEAD_MAX) != 0)
		return KY_ENOMEM;
	b->pend = b->len;
	nlh = nftnl_nlmsg_build_hdr(b->buf + b->pend, type, NFPROTO_INET,
	    type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0, b->seq++);
	/* In libnftnl's order, as every attribute below: the kernel reads
	 * what nft itself sends. */
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, FIREWALL_NFT_TABLE);
	if (room != 0)
		b->pend_list = (size_t)((char *)mnl_attr_nest_start(nlh,
		    NFTA_SET_ELEM_LIST_ELEMENTS) - b->buf);
	b->len = b->pend + nlh->nlmsg_len;
	b->pend_n = 0;
	b->sent[b->nsent++] = (struct sent){ .type = type, .set = set,
	    .flush = room == 0 };
	return 0;
}

/* Appends one element to the pending message (room made by s_pend). */
static int
s_elem(struct fw_nft_batch *b, const uint8_t *key, unsigned len,
    uint32_t flags, uint32_t timeout, bool open)
{
	struct nlmsghdr *nlh;
	struct nlattr *elem, *k;

	if (open && b->open == NULL &&
	    ((b->open = nftnl_udata_buf_alloc(16)) == NULL ||
	    !nftnl_udata_put_u32(b->open, NFTNL_UDATA_SET_ELEM_FLAGS,
	    NFTNL_SET_ELEM_F_INTERVAL_OPEN)))
		return KY_ENOMEM;
	if (s_room(b, NL_ELEM_MAX) != 0)
		return KY_ENOMEM;
	nlh = s_pend_nlh(b);
	/* libnftnl numbers the elements of a list; the kernel reads them
	 * whatever their type. */
	elem = mnl_attr_nest_start(nlh, (uint16_t)(b->pend_n + 1));
	if (flags != 0)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(flags));
	if (timeout != 0)
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT,
		    htobe64((uint64_t)timeout * 1000));
	k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, key);
	mnl_attr_nest_end(nlh, k);
	/* As nft marks an open interval, so that `nft list` shows the
	 * prefix. */
	if (open)
		mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA,
		    nftnl_udata_buf_len(b->open), nftnl_udata_buf_data(b->open));
	mnl_attr_nest_end(nlh, elem);
	b->len = b->pend + nlh->nlmsg_len;
	b->pend_n++;
	return 0;
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
		*why = rc == KY_EINVAL ? "nft: the transaction was sent "
		    "already, or a set name is too long" : "nft: out of memory";
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
		*why = rc == KY_EINVAL ? "nft: the transaction was sent "
		    "already, or a set name is too long" : "nft: out of memory";
	return rc;
}

/* --- reading a batch back -------------------------------------------------- */

/*
 * A replay reads only what s_elem() wrote, so it walks the attributes
 * itself (a million prefixes are two million elements: libmnl's calls
 * cost more than the walk), bounded by each attribute's container.
 */

/* The attributes in [p, end): each whole, or the walk stops. */
#define NL_ATTRS(a, p, end)						\
	for ((a) = (const struct nlattr *)(p);				\
	    (const char *)(end) - (const char *)(a) >= NLA_HDRLEN &&	\
	    (a)->nla_len >= NLA_HDRLEN &&				\
	    (a)->nla_len <= (const char *)(end) - (const char *)(a);	\
	    (a) = (const struct nlattr *)((const char *)(a) +		\
	    NLA_ALIGN((a)->nla_len)))

static const void *
s_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static const void *
s_end_of(const struct nlattr *a)
{
	return (const char *)a + a->nla_len;
}

/* An element of a NEWSETELEM message, as written by s_elem(). */
struct elem {
	const uint8_t *key;	/* NULL: none */
	unsigned len;		/* key bytes */
	uint32_t flags;		/* NFT_SET_ELEM_* */
	uint32_t timeout;	/* seconds; 0: none */
};

static void
s_elem_read(const struct nlattr *list_elem, struct elem *el)
{
	const struct nlattr *a, *v;
	uint32_t u32;
	uint64_t u64;

	memset(el, 0, sizeof(*el));
	NL_ATTRS(a, s_payload(list_elem), s_end_of(list_elem)) {
		size_t plen = a->nla_len - NLA_HDRLEN;

		switch (a->nla_type & NLA_TYPE_MASK) {
		case NFTA_SET_ELEM_FLAGS:
			if (plen == sizeof(u32)) {
				memcpy(&u32, s_payload(a), sizeof(u32));
				el->flags = ntohl(u32);
			}
			break;
		case NFTA_SET_ELEM_TIMEOUT:
			if (plen == sizeof(u64)) {
				memcpy(&u64, s_payload(a), sizeof(u64));
				el->timeout = (uint32_t)(be64toh(u64) / 1000);
			}
			break;
		case NFTA_SET_ELEM_KEY:
			NL_ATTRS(v, s_payload(a), s_end_of(a))
				if ((v->nla_type & NLA_TYPE_MASK) ==
				    NFTA_DATA_VALUE) {
					el->key = s_payload(v);
					el->len = v->nla_len - NLA_HDRLEN;
				}
			break;
		}
	}
}

/* The prefix length of [start, end) (end NULL: to the top), as
 * s_prefix_of(); IPv4 in one word. */
static unsigned
s_prefix_fast(const uint8_t *start, const uint8_t *end, unsigned len)
{
	uint32_t a, b, size;

	if (len != 4)
		return s_prefix_of(start, end, len);
	memcpy(&a, start, 4);
	a = ntohl(a);
	if (end != NULL) {
		memcpy(&b, end, 4);
		b = ntohl(b);
	} else {
		b = 0;
	}
	size = b - a;	/* mod 2^32: to the top is 2^32 - a */
	if (size == 0 || (size & (size - 1)) != 0 || (a & (size - 1)) != 0 ||
	    (end != NULL && b < a))
		return 0;
	return 32 - (unsigned)__builtin_ctz(size);
}

/* Hands start, up to end (NULL: open), to fn as a prefix. */
static int
s_replay_one(const struct elem *start, const uint8_t *end,
    int (*fn)(void *, const struct fw_entry *, uint32_t), void *arg)
{
	struct fw_entry e = { .family = start->len == 4 ? 4 : 6 };
	unsigned prefix = s_prefix_fast(start->key, end, start->len);

	if (prefix == 0)
		return KY_EMALFORMED;	/* not written by fw_nft_batch_add() */
	memcpy(e.addr, start->key, start->len);
	e.prefix = (uint8_t)prefix;
	return fn(arg, &e, start->timeout);
}

/* The prefixes that one NEWSETELEM message adds, in order. */
static int
s_replay_msg(const struct nlmsghdr *nlh,
    int (*fn)(void *, const struct fw_entry *, uint32_t), void *arg)
{
	const struct nlattr *list, *a;
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	struct elem start = { 0 }, el;
	int rc = 0;

	NL_ATTRS(list, (const char *)nlh + NLMSG_HDRLEN +
	    NLMSG_ALIGN(sizeof(struct nfgenmsg)), end) {
		if ((list->nla_type & NLA_TYPE_MASK) !=
		    NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		NL_ATTRS(a, s_payload(list), s_end_of(list)) {
			s_elem_read(a, &el);
			if (el.key == NULL || (el.len != 4 && el.len != 16))
				return KY_EMALFORMED;
			if (el.flags & NFT_SET_ELEM_INTERVAL_END) {
				if (start.key == NULL || el.len != start.len)
					return KY_EMALFORMED;
				if ((rc = s_replay_one(&start, el.key, fn,
				    arg)) != 0)
					return rc;
				start.key = NULL;
				continue;
			}
			/* A start after a start: the first was open. */
			if (start.key != NULL &&
			    (rc = s_replay_one(&start, NULL, fn, arg)) != 0)
				return rc;
			start = el;
		}
	}
	return start.key != NULL ? s_replay_one(&start, NULL, fn, arg) : 0;
}

int
fw_nft_batch_replay(struct fw_nft_batch *b,
    int (*fn)(void *arg, const struct fw_entry *e, uint32_t timeout),
    void *arg)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), off = NL_BARE;
	int rc = 0;

	if (b->replayed)
		return KY_EINVAL;
	b->replayed = true;
	s_close(b, false);
	while (rc == 0 && off < b->len) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)
		    (b->buf + off);
		size_t done;

		if (nlh->nlmsg_len < NLMSG_HDRLEN ||
		    nlh->nlmsg_len > b->len - off)
			return KY_EMALFORMED;
		if (nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) |
		    NFT_MSG_NEWSETELEM))
			rc = s_replay_msg(nlh, fn, arg);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
		/* What is read goes back to the system as the caller's
		 * memory comes back. */
		done = off / page * page;
		if (done - b->gone >= NL_GIVE_STEP) {
			munmap(b->buf + b->gone, done - b->gone);
			b->gone = done;
		}
	}
	return rc > 0 ? 0 : rc;
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
	struct timeval tv = { NL_ANSWER_S, 0 };
	struct mnl_socket *nl = NULL;
	uint32_t last;
	ssize_t sent;
	int rc, size;

	if (b->nsent == 0)
		return 0;	/* nothing to change */
	if (b->sealed || b->replayed) {
		*why = "nft: the transaction was sent already";
		return KY_EINVAL;
	}
	last = b->seq - 1;
	s_close(b, true);
	if (s_room(b, NL_BARE) != 0) {
		*why = "nft: out of memory";
		return KY_ENOMEM;
	}
	nftnl_batch_end(b->buf + b->len, b->seq++);
	b->len += NL_BARE;
	b->sealed = true;
	if (b->len > INT32_MAX / 2) {
		*why = "nft: the transaction is too large for one batch";
		return KY_ETOOBIG;
	}
	if ((rc = s_open(&nl, why)) != 0)
		return rc;
	/* The kernel takes a batch only whole, in one message of the
	 * socket: the send buffer must hold it (a privileged process may
	 * raise it past the system's default limit). */
	size = (int)b->len;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE,
	    &size, sizeof(size)) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF,
		    &size, sizeof(size));
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv));
	if ((sent = mnl_socket_sendto(nl, b->buf, b->len)) != (ssize_t)b->len) {
		rc = sent >= 0 ? KY_ESYS : errno == EMSGSIZE ||
		    errno == ENOBUFS ? KY_ETOOBIG : errno == EPERM ? KY_EPERM :
		    KY_ESYS;
		log_warnx("nft: sending the transaction: %s", sent >= 0 ?
		    "sent in part" : strerror(errno));
		*why = "nft: cannot send the transaction to the kernel";
	} else {
		rc = s_answer(nl, b, last, why);
	}
	mnl_socket_close(nl);
	return rc;
}

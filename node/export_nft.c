/*
 * export_nft.c - an nftables script for `nft -f`, which applies a whole
 * file as one transaction.
 *
 *     add table inet kyojo
 *     add set inet kyojo block4 { type ipv4_addr; flags interval,timeout; auto-merge; }
 *     add set inet kyojo block6 { type ipv6_addr; flags interval,timeout; auto-merge; }
 *     flush set inet kyojo block4          (full export only)
 *     flush set inet kyojo block6
 *     add element inet kyojo block4 { 198.51.100.7 timeout 3600s, 203.0.113.0/24 timeout 86400s }
 *
 * Interval sets keep real prefixes: a /20 is 4,096 addresses, not one.
 * auto-merge is needed because an interval set refuses overlapping
 * elements ("interval overlaps with an existing one") and a feed may
 * hold a /24 and an address inside it; nft then merges them.
 *
 * A full export flushes and refills the sets inside that one
 * transaction: the kernel swaps old for new contents at once, with no
 * moment without a set.  A delta adds elements, and removes one by
 * adding it again with "timeout 1s": re-adding an element replaces its
 * timeout, while `delete element` of an element whose own timeout has
 * already fired fails and aborts the whole transaction (`destroy
 * element` needs nftables 1.0.8 and Linux 6.3).  Removals of entries
 * that ended by themselves are left out: the kernel dropped them.
 *
 * Elements go out in statements of S_CHUNK per set, which nft loads
 * about a third faster than one statement per element; two chunk
 * buffers are all this keeps in memory.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "node/export.h"

#define S_CHUNK		1000
#define S_ELEM_MAX	96	/* ", " address/prefix " timeout " n "s" */

/* Elements waiting for their statement, per family; lives in o->buf. */
struct s_pending {
	size_t len[2];			/* bytes in list[i] */
	unsigned n[2];			/* elements in list[i] */
	char list[2][S_CHUNK * S_ELEM_MAX];	/* [0] IPv4, [1] IPv6 */
};

static int
s_begin(struct export_out *o)
{
	char when[21];

	export_time(o->now, when);
	fprintf(o->f, "# kyojo export: nft %s, cursor %" PRIu64 ", %s\n"
	    "# Load with nft -f: the file is one transaction.\n",
	    o->delta ? "delta" : "full", o->cursor, when);
	fprintf(o->f, "add table inet kyojo\n"
	    "add set inet kyojo block4 { type ipv4_addr; "
	    "flags interval,timeout; auto-merge; }\n"
	    "add set inet kyojo block6 { type ipv6_addr; "
	    "flags interval,timeout; auto-merge; }\n");
	if (!o->delta)
		fprintf(o->f, "flush set inet kyojo block4\n"
		    "flush set inet kyojo block6\n");
	if ((o->buf = calloc(1, sizeof(struct s_pending))) == NULL)
		return KY_ENOMEM;
	o->bufcap = sizeof(struct s_pending);
	return 0;
}

static void
s_flush(struct export_out *o, int i)
{
	struct s_pending *q = (struct s_pending *)(void *)o->buf;

	if (q->n[i] == 0)
		return;
	fprintf(o->f, "add element inet kyojo block%d { %.*s }\n",
	    i == 0 ? 4 : 6, (int)q->len[i], q->list[i]);
	q->len[i] = 0;
	q->n[i] = 0;
}

static int
s_emit(struct export_out *o, int op, const struct export_entry *e)
{
	struct s_pending *q = (struct s_pending *)(void *)o->buf;
	int i = e->type == IT_IPV6 || e->type == IT_CIDR6;
	int w;

	if (op == EXPORT_DEL && e->expired)
		return 0;
	w = snprintf(q->list[i] + q->len[i], S_ELEM_MAX, "%s%s timeout %"
	    PRIu64 "s", q->n[i] ? ", " : "", e->value,
	    op == EXPORT_DEL ? 1 : e->timeout);
	if (w < 0 || w >= S_ELEM_MAX)
		return KY_EINVAL;
	q->len[i] += (size_t)w;
	if (++q->n[i] == S_CHUNK)
		s_flush(o, i);
	return 0;
}

static int
s_end(struct export_out *o)
{
	s_flush(o, 0);
	s_flush(o, 1);
	return 0;
}

const struct exporter export_nft = {
	.name = "nft",
	.summary = "nftables script: sets block4/block6 in table inet kyojo",
	.types = POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_IPV6) |
	    POLICY_TYPE_BIT(IT_CIDR4) | POLICY_TYPE_BIT(IT_CIDR6),
	.flags = EXPORTER_DELTA,
	.begin = s_begin,
	.emit = s_emit,
	.end = s_end,
};

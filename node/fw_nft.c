/*
 * fw_nft.c - the nftables backend of the live firewall path.
 *
 * Sets use `flags interval, timeout` so that a /20 blocks all 4,096
 * addresses (a set without `interval` keeps only the first address: the
 * CrowdSec bouncer's bug), and every element carries its own timeout.
 * `auto-merge` is deliberately off: merging adjacent elements in the
 * kernel would make its listing differ from what we wrote, and every
 * reconcile would then see changes that are none.  Overlaps are folded
 * before writing (fw_set_merge), which nft requires.
 *
 * `nft -f` sets up the table, sets, chains and rules: that script has no
 * elements, so nft does not fetch the sets first and it takes
 * milliseconds.  The elements are read and changed over netlink
 * (fw_nft_nl.c): nft 1.0.6 fetches a whole interval set before it changes
 * any element of it (about 0.9 s at 100,000 elements), which made every
 * small change cost a second.  A dry run writes the same transaction as
 * an `nft -f` script.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "node/firewall.h"
#include "node/fw_exec.h"
#include "node/fw_nft_nl.h"

/* One year: well inside what nft 1.0 and every kernel with timeout sets
 * accept; a longer block is renewed by a later reconcile. */
#define NFT_MAX_TIMEOUT	(365u * 86400u)

/* Elements per add/delete statement of a dry run's script: one statement
 * per element parses several times slower, one statement for all grows
 * nft's memory. */
#define NFT_CHUNK	4096

#define NFT_ERR_MAX	4096

/* The desired set's memory is lent back to the system in steps of at
 * least this (below). */
#define NFT_LEND_STEP	(1024 * 1024)

static const char s_setup[] =
    "add table inet " FIREWALL_NFT_TABLE "\n"
    "add set inet " FIREWALL_NFT_TABLE " " FIREWALL_NFT_SET4
    " { type ipv4_addr; flags interval, timeout; }\n"
    "add set inet " FIREWALL_NFT_TABLE " " FIREWALL_NFT_SET6
    " { type ipv6_addr; flags interval, timeout; }\n"
    "add chain inet " FIREWALL_NFT_TABLE " input"
    " { type filter hook input priority -10; policy accept; }\n"
    "add chain inet " FIREWALL_NFT_TABLE " forward"
    " { type filter hook forward priority -10; policy accept; }\n"
    "add chain inet " FIREWALL_NFT_TABLE " output"
    " { type filter hook output priority -10; policy accept; }\n"
    /* The rules are rewritten on every setup, inside the same
     * transaction: a deleted rule comes back, and there is no moment
     * without them. */
    "flush chain inet " FIREWALL_NFT_TABLE " input\n"
    "flush chain inet " FIREWALL_NFT_TABLE " forward\n"
    "flush chain inet " FIREWALL_NFT_TABLE " output\n"
    "add rule inet " FIREWALL_NFT_TABLE " input ip saddr @" FIREWALL_NFT_SET4 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " input ip6 saddr @" FIREWALL_NFT_SET6 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " forward ip saddr @" FIREWALL_NFT_SET4 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " forward ip6 saddr @" FIREWALL_NFT_SET6 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " forward ip daddr @" FIREWALL_NFT_SET4 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " forward ip6 daddr @" FIREWALL_NFT_SET6 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " output ip daddr @" FIREWALL_NFT_SET4 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " output ip6 daddr @" FIREWALL_NFT_SET6 " drop\n";

/* Runs script (rewound) with `nft -f`; one kernel transaction. */
static int
s_run(FILE *script, const char *what, const char **why)
{
	char *const argv[] = { "nft", "-f", "/dev/stdin", NULL };
	char err[NFT_ERR_MAX];
	int rc;

	if ((rc = fw_exec_run(argv, script, err, sizeof(err))) != 0) {
		firewall_log_tool("nft", err);
		*why = rc == KY_ENOTFOUND ? "nft: not installed (not in PATH)" :
		    what;
	}
	return rc;
}

static int
s_nft_setup(const struct fw_conf *c, const char **why)
{
	FILE *f;
	int rc;

	(void)c;
	if ((rc = fw_exec_tmpfile(&f)) != 0) {
		*why = "nft: cannot create a temporary file";
		return rc;
	}
	fputs(s_setup, f);
	rc = ferror(f) ? KY_EIO : s_run(f, "nft: setting up table inet "
	    FIREWALL_NFT_TABLE " failed", why);
	fclose(f);
	return rc;
}

/* --- reading the kernel's sets ------------------------------------------- */

static int
s_nft_read(const struct fw_conf *c, uint64_t now, struct fw_set *have,
    const char **why)
{
	int rc;

	/* What failed is in *why, which the caller logs (a dry run on a
	 * host without the table shows the whole load instead). */
	(void)c;
	if ((rc = fw_nft_nl_read(FIREWALL_NFT_SET4, 4, now, have, why)) != 0 ||
	    (rc = fw_nft_nl_read(FIREWALL_NFT_SET6, 6, now, have, why)) != 0)
		return rc;
	fw_set_sort(have);
	return 0;
}

/* --- lending the desired set's memory ---------------------------------- */

/*
 * The kernel takes a batch only whole, in one sendmsg(), so a load of
 * 1,000,000 prefixes holds the batch (about 52 bytes a prefix) and the
 * desired set (24 bytes an entry) at once: 76 MB, where the set alone
 * would be 24.  But every entry written into the batch can be read back
 * from it.  So while the batch is built, whole pages of want that hold
 * only entries already written are handed back to the system
 * (MADV_DONTNEED); once the kernel has answered, the batch is replayed
 * into them as its own pages are unmapped, and want is again exactly
 * what the caller passed.  Memory then peaks near the batch alone.
 *
 * An entry comes back from the batch as its prefix, with the expiry it
 * was written with and mark FW_ADD.  Where that is not what it was (a
 * renewal, an entry kept by a rewrite, an expiry beyond the kernel's
 * longest timeout) its expiry and mark are set aside before its page
 * goes: 16 bytes where 24 go back.  Small changes never fill a step, so
 * nothing is lent for them.
 */

/* A span of want's entries whose memory was handed back. */
struct span {
	size_t from, to;	/* entries [from, to) */
};

/* An entry whose expiry or mark the batch does not give back: 16
 * bytes, less than the entry's page space it frees. */
struct odd {
	size_t i;		/* its index in want */
	uint32_t expire;	/* as it was */
	uint8_t mark;		/* as it was */
};

struct lend {
	struct fw_entry *v;	/* want's entries: borrowed, restored */
	uint64_t now;		/* of the transaction */
	size_t page;		/* the system's page size */
	size_t run;		/* first written entry of the current run */
	bool in_run;		/* run is set */
	size_t tried_to;	/* entries below this were handed back, or
				   could not be */
	struct span *spans;	/* handed back, in order */
	size_t nspans, spans_cap;
	struct odd *odd;	/* set aside, in order */
	size_t nodd, odd_cap;
	size_t at;		/* restoring: the next entry of want */
	size_t span_at;		/* restoring: the next span */
	size_t odd_at;		/* restoring: the next odd entry */
};

/* What the batch gives back for e: its prefix, the expiry written, and
 * FW_ADD. */
static struct fw_entry
s_lend_as(const struct fw_entry *e, uint32_t timeout, uint64_t now)
{
	struct fw_entry r = { .family = e->family, .prefix = e->prefix,
	    .mark = FW_ADD };

	memcpy(r.addr, e->addr, e->family == 4 ? 4 : 16);
	r.expire = timeout != 0 ? (uint32_t)(now + timeout) : 0;
	return r;
}

static bool
s_same_prefix(const struct fw_entry *a, const struct fw_entry *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	    memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}

/* Sets e aside if the batch does not give it back as it is; false
 * when it cannot be given back at all, or memory ran out. */
static bool
s_lend_odd(struct lend *l, size_t i)
{
	const struct fw_entry *e = &l->v[i];
	struct fw_entry as = s_lend_as(e, fw_entry_timeout(e, l->now,
	    NFT_MAX_TIMEOUT), l->now);

	if (memcmp(&as, e, sizeof(as)) == 0)
		return true;
	as.expire = e->expire;
	as.mark = e->mark;
	if (memcmp(&as, e, sizeof(as)) != 0)
		return false;	/* not as fw_set_add() makes them */
	if (l->nodd == l->odd_cap) {
		size_t cap = l->odd_cap ? l->odd_cap * 2 : 64;
		struct odd *v = realloc(l->odd, cap * sizeof(*v));

		if (v == NULL)
			return false;
		l->odd = v;
		l->odd_cap = cap;
	}
	l->odd[l->nodd++] = (struct odd){ .i = i, .expire = e->expire,
	    .mark = e->mark };
	return true;
}

/* Hands back the whole pages of entries [from, to), all written, once
 * they make up a step.  Failing to is no error: they stay, and are not
 * looked at again. */
static void
s_lend_give(struct lend *l, size_t from, size_t to)
{
	uintptr_t base = (uintptr_t)l->v, lo, hi;
	size_t a, b, nodd = l->nodd;

	lo = (base + from * sizeof(*l->v) + l->page - 1) / l->page * l->page;
	hi = (base + to * sizeof(*l->v)) / l->page * l->page;
	if (hi <= lo || hi - lo < NFT_LEND_STEP)
		return;
	/* Every entry with a byte on those pages. */
	a = (lo - base) / sizeof(*l->v);
	b = (hi - base + sizeof(*l->v) - 1) / sizeof(*l->v);
	if (a < l->tried_to)
		a = l->tried_to;
	l->tried_to = b;
	if (l->nspans == l->spans_cap) {
		size_t cap = l->spans_cap ? l->spans_cap * 2 : 16;
		struct span *v = realloc(l->spans, cap * sizeof(*v));

		if (v == NULL)
			return;
		l->spans = v;
		l->spans_cap = cap;
	}
	for (size_t i = a; i < b; i++)
		if (!s_lend_odd(l, i)) {
			l->nodd = nodd;
			return;
		}
	if (madvise((void *)lo, hi - lo, MADV_DONTNEED) != 0) {
		l->nodd = nodd;
		return;
	}
	if (l->nspans > 0 && l->spans[l->nspans - 1].to == a)
		l->spans[l->nspans - 1].to = b;
	else
		l->spans[l->nspans++] = (struct span){ a, b };
}

/* Entry i was written into the batch, whole. */
static void
s_lend_written(struct lend *l, size_t i)
{
	if (!l->in_run) {
		l->run = i;
		l->in_run = true;
	}
	s_lend_give(l, l->tried_to > l->run ? l->tried_to : l->run, i + 1);
}

/* Entry i was not written: the run ends before it. */
static void
s_lend_break(struct lend *l)
{
	l->in_run = false;
}

/* One prefix of the batch, in order: the next written entry of want. */
static int
s_lend_back(void *arg, const struct fw_entry *s, uint32_t timeout)
{
	struct lend *l = arg;

	while (l->span_at < l->nspans) {
		const struct span *sp = &l->spans[l->span_at];
		size_t i = l->at++;

		if (i < sp->from) {
			/* Still here: s, or an entry that was not written. */
			if (s_same_prefix(&l->v[i], s))
				return 0;
			continue;
		}
		l->v[i] = s_lend_as(s, timeout, l->now);
		if (l->odd_at < l->nodd && l->odd[l->odd_at].i == i) {
			l->v[i].expire = l->odd[l->odd_at].expire;
			l->v[i].mark = l->odd[l->odd_at++].mark;
		}
		if (l->at == sp->to)
			l->span_at++;
		return 0;
	}
	return 1;	/* all back */
}

/* Puts back what was handed back, from b, and frees l. */
static void
s_lend_end(struct lend *l, struct fw_nft_batch *b)
{
	if (l->nspans > 0) {
		int rc = fw_nft_batch_replay(b, s_lend_back, l);

		/* The batch holds every entry handed back, in order: not
		 * getting them all is a bug, and want would be wrong. */
		assert(rc == 0 && l->span_at == l->nspans);
		(void)rc;
	}
	free(l->spans);
	free(l->odd);
}

/* --- writing the transaction --------------------------------------------- */

/*
 * Where a transaction goes: the kernel, as one netlink batch, or (dry
 * run) a script that `nft -f` would run to the same effect.  One walk
 * over the diff feeds either, so a dry run shows what would be sent.
 */
struct sink {
	struct fw_nft_batch *batch;	/* non-NULL: the kernel */
	struct lend *lend;	/* kernel: want's memory, lent while it is built */
	FILE *f;		/* else: the script */
	const char *verb;	/* script: "add", "delete" */
	int family;		/* script: of the open statement; 0: none */
	size_t in_stmt;		/* script: elements in it */
};

static const char *
s_set(int family)
{
	return family == 4 ? FIREWALL_NFT_SET4 : FIREWALL_NFT_SET6;
}

static void
s_close_stmt(struct sink *k)
{
	if (k->family != 0)
		fputs(" }\n", k->f);
	k->family = 0;
	k->in_stmt = 0;
}

static void
s_text(struct sink *k, const char *verb, int family, const char *text,
    uint32_t timeout)
{
	if (k->family != family || k->verb == NULL ||
	    strcmp(k->verb, verb) != 0 || k->in_stmt == NFT_CHUNK)
		s_close_stmt(k);
	if (k->family == 0) {
		fprintf(k->f, "%s element inet " FIREWALL_NFT_TABLE " %s {\n\t",
		    verb, s_set(family));
		k->family = family;
		k->verb = verb;
	} else {
		fputs(",\n\t", k->f);
	}
	fputs(text, k->f);
	if (timeout != 0)
		fprintf(k->f, " timeout %us", timeout);
	k->in_stmt++;
}

static int
s_del(struct sink *k, const struct fw_entry *e, const char **why)
{
	char text[FW_ENTRY_TEXT];

	if (k->batch != NULL)
		return fw_nft_batch_del(k->batch, s_set(e->family), e, why);
	fw_entry_format(e, text);
	s_text(k, "delete", e->family, text, 0);
	return 0;
}

static int
s_del_stray(struct sink *k, const struct fw_stray *st, const char **why)
{
	if (k->batch != NULL)
		return fw_nft_batch_del_range(k->batch, s_set(st->family),
		    st->family, st->text, why);
	s_text(k, "delete", st->family, st->text, 0);
	return 0;
}

static int
s_flush(struct sink *k, int family, const char **why)
{
	if (k->batch != NULL)
		return fw_nft_batch_flush(k->batch, s_set(family), why);
	s_close_stmt(k);
	fprintf(k->f, "flush set inet " FIREWALL_NFT_TABLE " %s\n",
	    s_set(family));
	return 0;
}

static int
s_add(struct sink *k, const struct fw_entry *e, uint64_t now,
    const char **why)
{
	uint32_t timeout = fw_entry_timeout(e, now, NFT_MAX_TIMEOUT);
	char text[FW_ENTRY_TEXT];

	if (k->batch != NULL)
		return fw_nft_batch_add(k->batch, s_set(e->family), e, timeout,
		    why);
	fw_entry_format(e, text);
	s_text(k, "add", e->family, text, timeout);
	return 0;
}

/*
 * True when family's set is best rewritten whole: flushed and filled
 * again inside the one transaction, which the kernel commits atomically
 * (packets see the old set or the new one, never an empty one).  That is
 * when it writes fewer elements than the delta would: when the entries
 * going (deletions, strays, and renewals, which are deleted and added)
 * outnumber the entries kept.  A set that lost most of its entries is
 * then one flush and a few adds.
 */
static bool
s_rewrite(const struct fw_set *want, const struct fw_set *have, int family)
{
	size_t gone = 0, kept = 0;

	for (size_t i = 0; i < have->n; i++)
		gone += have->v[i].family == family && have->v[i].mark == FW_DEL;
	for (size_t i = 0; i < have->nstrays; i++)
		gone += have->strays[i].family == family;
	for (size_t i = 0; i < want->n; i++) {
		if (want->v[i].family != family)
			continue;
		gone += want->v[i].mark == FW_RENEW;
		kept += want->v[i].mark == FW_KEEP;
	}
	return gone > kept;
}

static int
s_write(struct sink *k, const struct fw_set *want, const struct fw_set *have,
    uint64_t now, bool *rewrote, const char **why)
{
	bool whole[2];
	int rc = 0;

	whole[0] = s_rewrite(want, have, 4);
	whole[1] = s_rewrite(want, have, 6);
	*rewrote = whole[0] || whole[1];
	/* Deletes first: a prefix that replaces an overlapping one must
	 * find it gone, and a renewal is a delete and an add of the same
	 * element in this one transaction. */
	for (size_t i = 0; rc == 0 && i < have->nstrays; i++)
		if (!whole[have->strays[i].family == 6])
			rc = s_del_stray(k, &have->strays[i], why);
	for (size_t i = 0; rc == 0 && i < have->n; i++)
		if (have->v[i].mark == FW_DEL && !whole[have->v[i].family == 6])
			rc = s_del(k, &have->v[i], why);
	for (size_t i = 0; rc == 0 && i < want->n; i++)
		if (want->v[i].mark == FW_RENEW && !whole[want->v[i].family == 6])
			rc = s_del(k, &want->v[i], why);
	for (int f = 0; rc == 0 && f < 2; f++)
		if (whole[f])
			rc = s_flush(k, f ? 6 : 4, why);
	for (size_t i = 0; rc == 0 && i < want->n; i++) {
		const struct fw_entry *e = &want->v[i];

		if (e->mark == FW_SKIP || (!whole[e->family == 6] &&
		    e->mark != FW_ADD && e->mark != FW_RENEW)) {
			if (k->lend != NULL)
				s_lend_break(k->lend);
			continue;
		}
		if ((rc = s_add(k, e, now, why)) == 0 && k->lend != NULL)
			s_lend_written(k->lend, i);
	}
	if (k->f != NULL)
		s_close_stmt(k);
	return rc;
}

static int
s_nft_apply(const struct fw_conf *c, const struct fw_set *want,
    const struct fw_set *have, uint64_t now, struct fw_report *r,
    const char **why)
{
	struct sink k = { .f = c->dry_run };
	/* want's entries (not the set) are lent, and restored below. */
	struct lend lend = { .v = want->v, .now = now,
	    .page = (size_t)sysconf(_SC_PAGESIZE) };
	int rc;

	if (c->dry_run != NULL) {
		rc = s_write(&k, want, have, now, &r->full, why);
		return fflush(c->dry_run) == 0 ? rc : KY_EIO;
	}
	if ((rc = fw_nft_batch_new(&k.batch)) != 0) {
		*why = "nft: out of memory";
		return rc;
	}
	k.lend = &lend;
	if ((rc = s_write(&k, want, have, now, &r->full, why)) == 0)
		rc = fw_nft_batch_commit(k.batch, why);
	s_lend_end(&lend, k.batch);
	fw_nft_batch_destroy(&k.batch);
	return rc;
}

const struct fw_backend fw_backend_nft = {
	.name = "nft",
	.max_timeout = NFT_MAX_TIMEOUT,
	.setup = s_nft_setup,
	.read = s_nft_read,
	.apply = s_nft_apply,
};

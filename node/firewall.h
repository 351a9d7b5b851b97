/*
 * firewall.h - live apply: make the kernel's block sets equal the
 * desired set, in one transaction, without ever emptying them.
 *
 * A backend (struct fw_backend, chosen by name) knows one kernel
 * interface:
 *
 *   nft    table inet kyojo, interval+timeout sets block4 and block6,
 *          dropped in the input, forward and output hooks (priority -10);
 *          see contrib/nftables/kyojo.nft.  The table, sets and rules are
 *          set up by `nft -f`; a change of elements is ONE netlink batch
 *          (fw_nft_nl.h), which the kernel commits as one transaction or
 *          not at all.  When more entries go than stay, the batch flushes
 *          the set and refills it (fewer elements to write), inside that
 *          same transaction; packets never see it empty.
 *   ipset  hash:net sets kyojo4 and kyojo6 (timeout support, no default
 *          timeout); the iptables rules that use them are the operator's
 *          (contrib/ipset/README.md).  A full load fills kyojo4-new and
 *          swaps it in with `ipset swap` (atomic); a small change is one
 *          `ipset -exist restore` of idempotent add/del lines.
 *
 * Fail-static.  Nothing here flushes or destroys a live set: not at
 * start, not on error, not on exit.  A failed transaction leaves the set
 * as it was; a process killed at any point leaves it in place (at worst
 * an unused kyojo4-new set, flushed by the next run).
 *
 * Reconcile.  firewall_reconcile() compares the desired set with either
 * the kernel's set (read now, after an idempotent setup of the table,
 * sets and rules) or with a model of it, the set it applied last time
 * (no read: a watcher's small changes stay small).  The diff (fw_set.h)
 * gives adds, deletes and renewals; only they are written.
 *
 * Requires CAP_NET_ADMIN (the tools are spawned with this process's
 * privileges).  Not thread-safe.  Backends log the tools' error output
 * with log_warnx() (node/log.h).
 */
#ifndef KY_FIREWALL_H
#define KY_FIREWALL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "node/fw_set.h"
#include "protocol/error.h"

/* nft table and set names, and the ipset names. */
#define FIREWALL_NFT_TABLE	"kyojo"
#define FIREWALL_NFT_SET4	"block4"
#define FIREWALL_NFT_SET6	"block6"
#define FIREWALL_IPSET4		"kyojo4"
#define FIREWALL_IPSET6		"kyojo6"

/* How a reconcile runs. */
struct fw_conf {
	FILE *dry_run;		/* non-NULL: write the transaction here, change nothing */
	uint32_t maxelem;	/* ipset: least capacity of a new set; 0: 65536 */
};

/* What one reconcile did. */
struct fw_report {
	struct fw_diff diff;	/* adds, deletes, renewals written */
	size_t in_set;		/* entries in the kernel's sets afterwards */
	bool read;		/* the kernel's set was read (else the model was used) */
	bool full;		/* a set was rewritten whole: ipset swapped in a
				   new one, nft flushed and refilled it within
				   the transaction */
	unsigned attempts;	/* transactions tried (a retry re-reads the kernel) */
	double ms_read;		/* setup and reading the kernel's set */
	double ms_apply;	/* writing and committing the transaction */
};

/* One kernel interface; a const table, chosen by firewall_backend(). */
struct fw_backend {
	const char *name;	/* "nft", "ipset" */
	uint32_t max_timeout;	/* longest element timeout, seconds */
	/* Creates what is missing (table, sets, chains, rules); idempotent,
	 * never touches elements. */
	int (*setup)(const struct fw_conf *c, const char **why);
	/* Fills have (empty on entry) with the kernel's elements and
	 * sorts it; expiries are made absolute with now. */
	int (*read)(const struct fw_conf *c, uint64_t now, struct fw_set *have,
	    const char **why);
	/* Writes the entries fw_set_diff() marked as one transaction and
	 * runs it (or prints it, with c->dry_run).  A backend may lend the
	 * memory of want's entries while the kernel takes a large
	 * transaction (nft: fw_nft.c); they are restored byte for byte
	 * before apply returns, whatever the outcome. */
	int (*apply)(const struct fw_conf *c, const struct fw_set *want,
	    const struct fw_set *have, uint64_t now, struct fw_report *r,
	    const char **why);
};

/* The backends (fw_nft.c, fw_ipset.c). */
extern const struct fw_backend fw_backend_nft;
extern const struct fw_backend fw_backend_ipset;

/* The backend named name ("nft", "ipset"), or NULL.  Static. */
const struct fw_backend *firewall_backend(const char *name) KY_NONNULL(1);

/*
 * Makes the kernel's sets equal want (filled, any order; merged here).
 *
 * model NULL: runs the backend's setup, reads the kernel's set, diffs,
 * applies.  model non-NULL: the set this process applied last (a
 * previous want), used instead of reading the kernel; if that
 * transaction fails, model is emptied and the kernel is set up, read
 * and diffed again.
 * A failed transaction is retried up to twice, each time against a
 * fresh read (an element may have expired in between).
 *
 * On success want describes the kernel's set (fw_set_adopt) and may be
 * kept as the next model; *r says what was done.  A watcher repairs
 * drift (manual edits, a flushed ruleset, a reboot) by passing its model
 * as want and NULL as model: r->diff then counts the repairs.  On failure the
 * kernel's set is as it was before the failed transaction (nft), or
 * holds a part of an idempotent change (ipset deltas); drop the model.
 * Errors: the backend's (KY_EIO: the tool refused the transaction, its
 * message logged; KY_ENOTFOUND: nft or ipset not installed), KY_ENOMEM,
 * with *why.
 */
int firewall_reconcile(const struct fw_backend *b, const struct fw_conf *c,
    struct fw_set *want, struct fw_set *model, uint64_t now,
    struct fw_report *r, const char **why) KY_WUR KY_NONNULL(1, 2, 3, 6, 7);

/* Logs a tool's error output (nft, ipset), one log_warnx() per line,
 * at most a few lines.  For the backends. */
void firewall_log_tool(const char *tool, const char *err) KY_NONNULL(1, 2);

/* Milliseconds on the monotonic clock, for the report's timings. */
double firewall_ms(void);

#endif

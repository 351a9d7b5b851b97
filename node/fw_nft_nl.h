/*
 * fw_nft_nl.h - nf_tables spoken over netlink (libnftnl + libmnl) for the
 * nft backend: reading an interval set's elements, and writing element
 * changes as one batch, which the kernel commits whole or not at all.
 *
 * Why not `nft -f`: nft 1.0.6 fetches every element of an interval set
 * from the kernel before it changes one (about 0.9 s at 100,000
 * elements), so even a change of one element cost a second.  Here a
 * change costs what the kernel does with it.
 *
 * How a prefix is kept in an interval set (what nft does too): two
 * elements, the start address (flags 0, carrying the timeout) and the
 * first address past the end (flags NFT_SET_ELEM_INTERVAL_END).  A prefix
 * that reaches the top of the address space (255.255.255.0/24) has no end
 * element: it is open, and marked so in its user data as nft marks it.
 * Adjacent prefixes keep both elements at the shared address, an end and
 * a start.  A delete names the same two elements.
 *
 * Elements are table FIREWALL_NFT_TABLE's, family inet.  Needs
 * CAP_NET_ADMIN in the network namespace.  Errors are KY_E* codes with a
 * static *why; what the kernel said is logged with log_warnx().  Not
 * thread-safe; a batch belongs to one thread.
 */
#ifndef KY_FW_NFT_NL_H
#define KY_FW_NFT_NL_H

#include <stdint.h>

#include "node/fw_set.h"
#include "protocol/error.h"

/* A transaction being built: opaque.  It is held in this process whole
 * until the kernel takes it (about 52 bytes a prefix added or deleted,
 * 76 for IPv6). */
struct fw_nft_batch;

/*
 * Appends the elements of set (family 4 or 6) to have: each interval
 * that is one prefix as an entry (expiry made absolute with now; 0 for
 * no timeout), any other as a stray "FIRST-LAST" (an nft range added by
 * hand).  End elements without a start (nft writes one at address 0)
 * are not elements of ours and are skipped.  have is not sorted.
 * Errors: KY_ENOTFOUND (no such table or set), KY_EPERM, KY_EMALFORMED,
 * KY_ENOMEM, KY_EIO.
 */
int fw_nft_nl_read(const char *set, int family, uint64_t now,
    struct fw_set *have, const char **why) KY_WUR KY_NONNULL(1, 4, 5);

/* A new, empty transaction in *b.  Errors: KY_ENOMEM. */
int fw_nft_batch_new(struct fw_nft_batch **b) KY_WUR KY_NONNULL(1);

/* Frees *b (NULL is fine) and sets it to NULL; nothing is sent. */
void fw_nft_batch_destroy(struct fw_nft_batch **b) KY_NONNULL(1);

/* Deletes e from set: the exact elements that fw_nft_batch_add() wrote
 * for it.  Errors: KY_ENOMEM. */
int fw_nft_batch_del(struct fw_nft_batch *b, const char *set,
    const struct fw_entry *e, const char **why) KY_WUR KY_NONNULL(1, 2, 3, 4);

/* Deletes a stray of fw_nft_nl_read() ("FIRST-LAST") from set.
 * Errors: KY_EINVAL (not such a text), KY_ENOMEM. */
int fw_nft_batch_del_range(struct fw_nft_batch *b, const char *set,
    int family, const char *text, const char **why)
    KY_WUR KY_NONNULL(1, 2, 4, 5);

/* Removes every element of set, within the transaction.  Errors:
 * KY_ENOMEM. */
int fw_nft_batch_flush(struct fw_nft_batch *b, const char *set,
    const char **why) KY_WUR KY_NONNULL(1, 2, 3);

/* Adds e to set with a timeout of timeout seconds (0: none).  An
 * identical element already there is no error.  Errors: KY_ENOMEM. */
int fw_nft_batch_add(struct fw_nft_batch *b, const char *set,
    const struct fw_entry *e, uint32_t timeout, const char **why)
    KY_WUR KY_NONNULL(1, 2, 3, 5);

/*
 * Sends everything added since fw_nft_batch_new() as one batch
 * (NFNL_MSG_BATCH_BEGIN ... END, in one message of the socket: the
 * kernel aborts a batch that does not end in the message that began it)
 * and waits for the kernel's verdict.  On failure nothing changed in the
 * kernel.  b is spent either way: it can be replayed, then destroyed.
 * Errors: KY_EIO (the kernel refused the transaction; its reason
 * logged), KY_EPERM, KY_ETOOBIG, KY_ENOMEM, KY_ESYS, KY_EINVAL (sent
 * or replayed already).
 */
int fw_nft_batch_commit(struct fw_nft_batch *b, const char **why)
    KY_WUR KY_NONNULL(1, 2);

/*
 * Reads the batch back: calls fn for every prefix that
 * fw_nft_batch_add() put in it, in the order added, with the entry it was
 * added for (family, addr and prefix; expire, mark and spare zero) and
 * the timeout it was added with.  Works before or after
 * fw_nft_batch_commit(), whatever the kernel said, and after a failed
 * add (what was added whole is read).  The batch's memory goes back to
 * the system as it is read: afterwards b can only be destroyed.  fn
 * returns 0 to go on, a positive value to stop (the replay returns 0),
 * or a negative KY_E* code, which the replay returns.  Errors: fn's,
 * KY_EMALFORMED (not a batch of this module), KY_EINVAL (replayed
 * already).
 */
int fw_nft_batch_replay(struct fw_nft_batch *b,
    int (*fn)(void *arg, const struct fw_entry *e, uint32_t timeout),
    void *arg) KY_WUR KY_NONNULL(1, 2);

#endif

/*
 * fw_set.h - a compact, sorted set of firewall prefixes, and the
 * difference between two of them.
 *
 * The live firewall path holds at most two of these at once (the desired
 * set and the kernel's), so an entry is 24 bytes and a set is one packed
 * array: 1,000,000 entries cost 24 MB.  Nothing here does I/O, reads the
 * clock or logs; `now` is always the caller's.
 *
 * Life of a set:
 *
 *   fw_set_init(&s);
 *   fw_set_add(&s, ...) for every entry      (any order, overlaps allowed)
 *   fw_set_merge(&s, &folded)  desired set:  sorted, overlaps folded
 *   fw_set_sort(&s)            kernel's set: sorted, nothing folded
 *   fw_set_diff(&want, &have, ...)           marks both, counts the work
 *   ... the backend writes the marked entries as one transaction ...
 *   fw_set_adopt(&want, &have, ...)          want now mirrors the kernel
 *   fw_set_clear(&s);
 *
 * Why overlaps are folded: an nftables interval set refuses a prefix that
 * overlaps one it holds ("interval overlaps with an existing one"), so a
 * /24 inside a /20 would fail the whole transaction.  The covering prefix
 * is kept, with the later expiry of the two, so the kernel never blocks
 * less than some record asks for; the next reconcile after the covering
 * record goes away brings the inner prefix back on its own.  Adjacent
 * prefixes are NOT joined: the kernel set then mirrors the desired set
 * element by element, and the diff stays exact.
 *
 * Not thread-safe; one set per thread.
 */
#ifndef KY_FW_SET_H
#define KY_FW_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/error.h"

/* Seconds around a kernel expiry that count as "gone already": a kernel
 * element this close to its end is never deleted (the delete could race
 * the expiry and fail the whole transaction), and one that is wanted is
 * simply added again. */
#define FW_GRACE	2u

/* Kernel timeouts are listed in whole seconds and the clock moves while
 * the set is read, so expiries closer than this are equal. */
#define FW_SLACK	5u

/* A renewal (delete + add: a kernel timeout cannot be changed in place)
 * happens only when the kernel's expiry is off by more than a tenth of
 * the remaining time, at most FW_RENEW_MAX seconds: reconciles stay
 * small, and a block never ends more than an hour late. */
#define FW_RENEW_MAX	3600u

/* The longest text fw_entry_format() writes, NUL included. */
#define FW_ENTRY_TEXT	(46 + 4 + 1)

/* What fw_set_diff() decided for an entry. */
enum fw_mark {
	FW_KEEP = 0,	/* in both, expiry close enough: nothing to do */
	FW_ADD = 1,	/* want only: add it */
	FW_DEL = 2,	/* have only: delete it */
	FW_RENEW = 3,	/* in both, expiry off: delete and add (want side) */
	FW_SKIP = 4,	/* expires within FW_GRACE: left alone */
};

/* One prefix with its expiry.  24 bytes, no padding. */
struct fw_entry {
	uint8_t addr[16];	/* network order, host bits zero; IPv4 in addr[0..3] */
	uint32_t expire;	/* unix second at which the block should end; 0: never */
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix;		/* 1..32 or 1..128 (a /0 is refused) */
	uint8_t mark;		/* enum fw_mark, set by fw_set_diff() */
	uint8_t spare;		/* zero */
};

/* A kernel element that is not one prefix (an nft range such as
 * "192.0.2.1-192.0.2.9", added by hand): kept as listed, so that it can
 * be deleted by the same text. */
struct fw_stray {
	int family;		/* 4 or 6 */
	char *text;		/* malloc'd, as the kernel listed it */
};

struct fw_set {
	struct fw_entry *v;	/* n entries; sorted after fw_set_sort/merge */
	size_t n;		/* entries in use */
	size_t cap;		/* entries allocated */
	struct fw_stray *strays;	/* nstrays elements to delete, kernel side only */
	size_t nstrays;		/* strays in use */
	size_t stray_cap;	/* strays allocated */
	uint32_t maxelem[2];	/* kernel capacity for v4, v6 (ipset maxelem); 0: unknown */
};

/* What fw_set_diff() found; fw_set_adopt() leaves it alone. */
struct fw_diff {
	size_t add;		/* entries to add */
	size_t del;		/* entries to delete (strays included) */
	size_t renew;		/* entries to delete and add again */
	size_t keep;		/* entries already right */
	size_t skip;		/* entries left to expire on their own */
	size_t want[2];		/* desired entries for v4, v6 after the diff */
	size_t changes[2];	/* add + del + renew for v4, v6 */
};

/* An empty set; nothing allocated. */
void fw_set_init(struct fw_set *s) KY_NONNULL(1);

/* Frees everything s holds and makes it empty again. */
void fw_set_clear(struct fw_set *s) KY_NONNULL(1);

/*
 * Appends one prefix.  addr holds the address in network order (4 bytes
 * used for family 4).  Errors: KY_EINVAL with *why ("fw: prefix out of
 * range", "fw: host bits set beyond the prefix", "fw: a /0 would block
 * every address"), KY_ENOMEM.
 */
int fw_set_add(struct fw_set *s, int family, const uint8_t *addr,
    unsigned prefix, uint32_t expire, const char **why)
    KY_WUR KY_NONNULL(1, 3, 6);

/* Appends a stray kernel element (text copied).  Errors: KY_ENOMEM. */
int fw_set_add_stray(struct fw_set *s, int family, const char *text)
    KY_WUR KY_NONNULL(1, 3);

/* Sorts by (family, address, prefix length), longest expiry kept among
 * exact duplicates. */
void fw_set_sort(struct fw_set *s) KY_NONNULL(1);

/* fw_set_sort(), then every prefix that lies inside another is folded
 * into it (the later expiry wins; 0, never, beats any).  *folded (may be
 * NULL) gets the number of entries removed. */
void fw_set_merge(struct fw_set *s, size_t *folded) KY_NONNULL(1);

/* Entries of one family (4 or 6). */
size_t fw_set_count(const struct fw_set *s, int family) KY_NONNULL(1);

/* The entry with exactly this family, address and prefix, or NULL.
 * s must be sorted.  Borrowed until s changes. */
const struct fw_entry *fw_set_find(const struct fw_set *s, int family,
    const uint8_t *addr, unsigned prefix) KY_NONNULL(1, 3);

/*
 * Compares want (merged) with have (sorted; the kernel's set, or the set
 * last applied) at time now, for a kernel that accepts timeouts of at
 * most max_timeout seconds, and marks both:
 *   want: FW_ADD, FW_RENEW, FW_KEEP, or FW_SKIP (already expired);
 *   have: FW_DEL, FW_KEEP (also for renewed ones), or FW_SKIP (ends
 *         within FW_GRACE: treated as absent, never deleted).
 * A desired expiry beyond now + max_timeout is renewed only once the
 * kernel has used up a tenth of max_timeout.  *d gets the counts.
 */
void fw_set_diff(struct fw_set *want, struct fw_set *have, uint64_t now,
    uint32_t max_timeout, struct fw_diff *d) KY_NONNULL(1, 2, 5);

/*
 * After the marked changes were applied: gives every kept entry of want
 * the kernel's expiry and every added or renewed one the expiry it was
 * written with (capped at now + max_timeout), and drops FW_SKIP entries,
 * so want describes the kernel's set and can stand in for it in the next
 * fw_set_diff().  want and have must be the pair just diffed.
 */
void fw_set_adopt(struct fw_set *want, const struct fw_set *have,
    uint64_t now, uint32_t max_timeout) KY_NONNULL(1, 2);

/* The timeout, in seconds, to write for e at now (>= 1), capped at
 * max_timeout; 0 when e never expires. */
uint32_t fw_entry_timeout(const struct fw_entry *e, uint64_t now,
    uint32_t max_timeout) KY_NONNULL(1);

/* "44.31.16.0/20", "2a0c:b641:100::/64"; an address alone for /32 and
 * /128.  out must hold FW_ENTRY_TEXT bytes. */
void fw_entry_format(const struct fw_entry *e, char *out) KY_NONNULL(1, 2);

/*
 * Parses "ADDR" or "ADDR/LEN" (IPv4 dotted quad or any IPv6 text that
 * inet_pton takes) into e (expire 0, mark 0).  A bare address is a /32
 * or /128.  Host bits beyond the prefix are refused, not masked.
 * Errors: KY_EINVAL with *why.
 */
int fw_entry_parse(const char *text, size_t len, struct fw_entry *e,
    const char **why) KY_WUR KY_NONNULL(1, 3, 4);

#endif

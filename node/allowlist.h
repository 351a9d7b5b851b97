/*
 * allowlist.h - what must never reach a firewall, and the wide prefixes
 * an operator explicitly allows.
 *
 * An allowlist is a set of networks (IPv4, IPv6) and domain names read
 * from plain text, one entry a line:
 *
 *     # special-use space (RFC 6890)
 *     10.0.0.0/8          # private-use
 *     2001:db8::/32       # documentation
 *     8.8.8.8             # a bare address is its /32 or /128
 *     root-servers.net    # a name: itself and every name below it
 *
 * '#' starts a comment; blank lines are skipped; blanks around the entry
 * and a CR before the LF are ignored.  Any other text after the entry is
 * refused, so that "10.0.0.0 /8" cannot silently mean a /32.  Networks are written
 * in any form inet_pton() takes (so ::ffff:0:0/96 is fine), and host bits
 * beyond the prefix are refused: they usually mean a typo.  Names are
 * normalized as indicator domains (IDNA to A-labels, lower case, one
 * trailing dot dropped); a single label ("localhost", "test") is allowed
 * here, since whole special-use TLDs belong on the list.  "*." prefixes
 * are refused: subdomains are always included.
 *
 * Matching (allowlist_match).  A network matches when it OVERLAPS an
 * entry: the entry contains it (a /32 inside an allowlisted /24) or it
 * contains the entry (a /20 around an allowlisted /24).  Such an
 * indicator is refused whole, never trimmed.  A name matches when it is
 * an entry, lies below one, or lies above one (blocking "quad9.net" as a
 * zone would take "dns.quad9.net" with it).  URLs and emails match by
 * their host: a name as above, an IP literal as an address.  Hashes and
 * ASNs never match.
 *
 * Lookups cost O(log n) per distinct prefix length (networks) or per
 * label (names).  Entries are sorted when each adding call returns, so
 * a loaded allowlist needs no further step.  An allowlist is not
 * thread-safe while entries are added; once loaded, any number of threads
 * may match against it.  Nothing here logs: parse errors go to the
 * caller's callback as "file:line: why".
 */
#ifndef KY_ALLOWLIST_H
#define KY_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "protocol/error.h"
#include "protocol/indicator.h"

#define ALLOWLIST_FILE_MAX	(16u << 20)	/* bytes of one file */
#define ALLOWLIST_LINE_MAX	1024		/* bytes of one line */
#define ALLOWLIST_SOURCE_MAX	256		/* bytes of a source name */

/* allowlist_parse() and _load_*() flags. */
#define ALLOWLIST_NETS_ONLY	0x1u	/* refuse names (the wide-prefix override) */

enum allowlist_kind {
	ALLOW_NET = 1,		/* net is set */
	ALLOW_DOMAIN = 2,	/* name is set */
};

/* One entry.  Borrowed from its allowlist until allowlist_destroy(). */
struct allowlist_entry {
	enum allowlist_kind kind;	/* ALLOW_NET or ALLOW_DOMAIN */
	struct indicator_net net;	/* ALLOW_NET: the network */
	const char *name;		/* ALLOW_DOMAIN: the normal form */
	const char *text;		/* the entry in canonical text */
	const char *source;		/* file path, or the config key */
	unsigned line;			/* 1-based line in source; 0: none */
};

/* Called once per refused line with "source:line: why". */
typedef void (*allowlist_error_fn)(void *ctx, const char *msg);

struct allowlist;

/* An empty allowlist, the caller's; NULL when out of memory. */
struct allowlist *allowlist_new(void);

/* Frees *p and sets it to NULL; nothing if p or *p is NULL. */
void allowlist_destroy(struct allowlist **p);

/*
 * Adds one entry written as in a file (no comment), attributed to
 * source and line.  Errors: KY_EINVAL with a static *why ("host bits set
 * beyond the prefix", "'*.' is not needed: subdomains are included",
 * "a name is not allowed here" under ALLOWLIST_NETS_ONLY, ...),
 * KY_ETOOBIG (entry or source too long), KY_ENOMEM.
 * On error the allowlist is unchanged.
 */
int allowlist_add(struct allowlist *al, const char *entry, unsigned flags,
    const char *source, unsigned line, const char **why)
    KY_WUR KY_NONNULL(1, 2, 4, 6);

/*
 * Adds every entry of len bytes of text (not NUL-terminated).  A refused
 * line is reported to err (may be NULL) and skipped, so an operator sees
 * every mistake at once.  Returns the number of refused lines (0: all
 * good), or KY_ENOMEM / KY_ETOOBIG (more than ALLOWLIST_FILE_MAX bytes),
 * in which case nothing of the text was added.
 */
int allowlist_parse(struct allowlist *al, const char *source,
    const char *text, size_t len, unsigned flags, allowlist_error_fn err,
    void *ctx) KY_WUR KY_NONNULL(1, 2, 3);

/*
 * allowlist_parse() of the file at path.  Returns as allowlist_parse(),
 * or KY_ENOTFOUND (no such file), KY_EPERM, KY_EIO, KY_ETOOBIG with
 * nothing added.
 */
int allowlist_load_file(struct allowlist *al, const char *path,
    unsigned flags, allowlist_error_fn err, void *ctx)
    KY_WUR KY_NONNULL(1, 2);

/*
 * Loads every regular file in dir whose name ends in ".txt", in name
 * order (so the result never depends on readdir order).  Returns the
 * total of refused lines, or KY_ENOTFOUND (no such directory), KY_EPERM,
 * KY_EIO, KY_ENOMEM.  A directory without such files adds nothing.
 */
int allowlist_load_dir(struct allowlist *al, const char *dir, unsigned flags,
    allowlist_error_fn err, void *ctx) KY_WUR KY_NONNULL(1, 2);

/*
 * Adds every item of a comma-separated list (blanks around items are
 * ignored; empty list: nothing), attributed to source with line 0.
 * Errors: as allowlist_add(), for the first bad item; then nothing of
 * the list was added.
 */
int allowlist_add_list(struct allowlist *al, const char *list,
    unsigned flags, const char *source, const char **why)
    KY_WUR KY_NONNULL(1, 2, 4, 5);

/* Number of entries. */
size_t allowlist_count(const struct allowlist *al) KY_NONNULL(1);

/*
 * True when the network n overlaps an entry (either contains the
 * other); *hit (may be NULL) gets the first such entry.
 */
bool allowlist_match_net(const struct allowlist *al,
    const struct indicator_net *n, const struct allowlist_entry **hit)
    KY_NONNULL(1, 2);

/*
 * True when some entry covers the whole of n (contains it): the test
 * for the wide-prefix override, where only an explicit listing counts.
 */
bool allowlist_covers_net(const struct allowlist *al,
    const struct indicator_net *n, const struct allowlist_entry **hit)
    KY_NONNULL(1, 2);

/*
 * True when the name (normal form, len bytes) is an entry, lies below
 * one, or lies above one.  *hit (may be NULL) gets the entry.
 */
bool allowlist_match_name(const struct allowlist *al, const char *name,
    size_t len, const struct allowlist_entry **hit) KY_NONNULL(1, 2);

/*
 * Matches a normalized indicator value of any type: networks and
 * addresses by overlap, domains and hostnames by name, URLs and emails
 * by their host.  False for hashes, ASNs and values that do not parse.
 */
bool allowlist_match(const struct allowlist *al, int type, const char *value,
    size_t len, const struct allowlist_entry **hit) KY_NONNULL(1, 3);

/*
 * Where the host of a normalized url or email value lies in it: *off
 * and *len.  An IPv6 literal comes without its brackets.  *type gets
 * IT_IPV4, IT_IPV6 or IT_HOSTNAME.  Returns false for other types.
 */
bool allowlist_value_host(int type, const char *value, size_t len,
    size_t *off, size_t *hlen, int *host_type) KY_NONNULL(2, 4, 5, 6);

#endif

/*
 * scrub.h - what must not leave this organisation, checked before
 * anything is signed.  Fails closed: a value that might be internal is
 * refused, free text that might name a person or an internal host is
 * redacted, and the operator is told what and why.
 *
 * Indicators (scrub_indicator) are refused whole, never trimmed, when
 * they touch
 *   - special-use address space: the IANA IPv4 and IPv6 special-purpose
 *     registries (private, loopback, link-local, CGNAT, ULA, multicast,
 *     documentation, benchmarking, unspecified, reserved, ...) and every
 *     IPv6 address outside global unicast 2000::/3; compiled in, so no
 *     seed file is needed.  A network is refused when it overlaps such a
 *     range (inside it or around it);
 *   - the organisation's networks (own_networks), also by overlap;
 *   - internal names (.local, .lan, .internal, .localdomain, .corp,
 *     .home, home.arpa, .intranet, .localhost, ...), single labels,
 *     reverse-DNS names and the special-use example names (RFC 2606);
 *   - the organisation's domains (own_domains, own_mail_domains) and
 *     every name below them;
 *   - private-use, documentation and reserved AS numbers.
 * A URL is checked by its host, and its path and query by the free-text
 * rules (a phishing link often carries the victim's address); an e-mail
 * address by its domain.  Hashes are always fine.
 *
 * Free text (scrub_text) keeps public addresses and names (they are the
 * point of an advisory) and replaces with a marker "[redacted:KIND]":
 *   email     every e-mail address (it names a person)
 *   userinfo  user:password@ in a URL
 *   phone     telephone numbers, Japanese and international formats
 *   user      the user name in C:\Users\NAME, /home/NAME, /Users/NAME
 *             (only the name: "C:\Users\[redacted:user]\Desktop")
 *   ip        internal addresses (private, CGNAT, link-local, ULA,
 *             site-local) and the organisation's own networks
 *   host      internal names and the organisation's own domains
 *   word      the configured scrub_words (customer names, code names)
 * Matching sees a folded copy of the text: every character in its
 * compatibility decomposition (NFKD, so full-width "０３－１２３４" and
 * half-width katakana match their plain forms), lower-cased, dashes and
 * the ideographic full stop read as '-' and '.', "[.]" as '.'.  Output
 * outside the markers is the input byte for byte.  docs/scrub.md lists
 * the exact rules and their limits.
 *
 * A struct scrub is read-only once built: any number of threads may use
 * it at once.  Nothing here logs.
 */
#ifndef KY_SCRUB_H
#define KY_SCRUB_H

#include <stdbool.h>
#include <stddef.h>

#include "node/config.h"
#include "protocol/error.h"

#define SCRUB_TEXT_MAX	(1u << 20)	/* bytes scrub_text() takes */
#define SCRUB_WHY_MAX	512		/* a why buffer this big never truncates */

enum scrub_kind {
	SCRUB_EMAIL = 1,	/* [redacted:email] */
	SCRUB_USERINFO,		/* [redacted:userinfo] */
	SCRUB_PHONE,		/* [redacted:phone] */
	SCRUB_USER,		/* [redacted:user] */
	SCRUB_IP,		/* [redacted:ip] */
	SCRUB_HOST,		/* [redacted:host] */
	SCRUB_WORD,		/* [redacted:word] */
};
#define SCRUB_KIND_MAX SCRUB_WORD

/* One redaction of scrub_text(). */
struct scrub_hit {
	int kind;		/* enum scrub_kind */
	size_t off;		/* first input byte replaced */
	size_t len;		/* input bytes replaced: the original is in + off */
	size_t out_off;		/* where the marker starts in the output */
	const char *why;	/* static: "e-mail address", "private address (RFC 1918)", ... */
};

/* Every redaction of one scrub_text() call, in input order. */
struct scrub_report {
	struct scrub_hit *hits;	/* malloc'd; n used of cap */
	size_t n;		/* number of redactions */
	size_t cap;		/* allocated entries */
};

struct scrub;

/*
 * Builds a scrubber from cfg: own_networks, own_domains,
 * own_mail_domains and scrub_words (split on ',', '、' and '，'; blanks
 * around a word are ignored).  The config strings are parsed again here,
 * so a bad item is refused even if the config was not checked.
 * Returns 0 with *out the caller's (free with scrub_free), or, with *out
 * NULL and *why a static reason naming the key,
 *   KY_EINVAL  an item does not parse,
 *   KY_ENOMEM.
 */
int scrub_new(const struct config *cfg, struct scrub **out, const char **why)
    KY_WUR KY_NONNULL(1, 2, 3);

/* Frees *s and sets it to NULL; nothing if s or *s is NULL. */
void scrub_free(struct scrub **s);

/*
 * Lets documentation values through scrub_indicator(): 192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20, the
 * documentation AS numbers and the example names of RFC 2606 (example,
 * example.com/.net/.org, test, invalid).  For demos and tests only: a
 * real node has no use for it.  Off by default.  Not thread-safe: set it
 * before the scrubber is shared.
 */
void scrub_allow_documentation(struct scrub *s, bool allow) KY_NONNULL(1);

/*
 * Checks one indicator value of type (enum indicator_type), len bytes
 * already in normal form (indicator_normalize()).  Returns 0 when it may
 * be shared, else KY_EINVAL with why (why_len bytes, may be 0) set to
 * "VALUE: reason", e.g. "192.168.1.5: private address (RFC 1918)" or
 * "www.yamada.co.jp: own domain (yamada.co.jp)"; a long value is cut
 * short in the message.  A value that is not in normal form, or of an
 * unknown type, is refused too (fail closed).  KY_ENOMEM when checking a
 * URL's path and query ran out of memory (why is then "").
 */
int scrub_indicator(const struct scrub *s, int type, const char *value,
    size_t len, char *why, size_t why_len) KY_WUR KY_NONNULL(1, 3);

/*
 * Redacts len bytes of UTF-8 text (not necessarily NUL-terminated).
 * On success *out is the caller's malloc'd, NUL-terminated result of
 * *out_len bytes, and rep (may be NULL) holds one hit per marker, in
 * order; rep is reset first, its memory reused.  Returns 0, or
 *   KY_EINVAL  in is not valid UTF-8 or holds a NUL byte,
 *   KY_ETOOBIG len over SCRUB_TEXT_MAX,
 *   KY_ENOMEM,
 * with *out NULL, *out_len 0 and rep empty.  Time and memory are linear
 * in len (times the few configured words that share a first byte).
 */
int scrub_text(const struct scrub *s, const char *in, size_t len, char **out,
    size_t *out_len, struct scrub_report *rep) KY_WUR KY_NONNULL(1, 2, 4, 5);

/* An empty report. */
void scrub_report_init(struct scrub_report *rep) KY_NONNULL(1);

/* Frees the hits of rep and empties it. */
void scrub_report_clear(struct scrub_report *rep) KY_NONNULL(1);

/* "email", "userinfo", "phone", "user", "ip", "host", "word"; else NULL. */
const char *scrub_kind_name(int kind);

#endif

/*
 * indicator.h - indicator types and their one normal form.
 *
 * Two nodes that see the same thing must sign the same bytes, so every
 * value is normalized before it is signed, and a body whose value is not
 * in normal form is refused (protocol/body.c).  indicator_normalize() is
 * the definition of that form.  Every type first goes through: strict
 * UTF-8; Unicode NFKC, so full-width "１９２．０．２．１" and
 * "ＥＸＡＭＰＬＥ．ｃｏｍ" fold to ASCII; trimming of surrounding ASCII
 * white space; then empty values, control characters (Cc) and inner
 * white space (Zs, Zl, Zp) are refused.  Per type:
 *
 *   ipv4      dotted quad, 4 decimal octets 0..255.  Leading zeros are
 *             refused, not stripped: some parsers read them as octal.
 *   ipv6      RFC 5952: lower-case hex, no leading zeros in a group, the
 *             longest run of two or more zero groups (the first on a tie)
 *             written "::".  Input may use leading zeros, upper case and a
 *             trailing dotted quad; the output is always all hex.  Zone
 *             ids are refused.  IPv4-mapped addresses (::ffff:0:0/96) are
 *             refused: the same host would otherwise have two values, and
 *             the why says to submit it as ipv4.
 *   cidr4/6   address "/" prefix (0..32, 0..128, no leading zeros); the
 *             address as above.  Host bits set beyond the prefix are
 *             refused rather than masked, since they usually mean a typo
 *             in the prefix; a bare address is refused.
 *   domain    IDNA2008 (UTS #46 non-transitional, libidn2) to A-labels,
 *             lower-case, one trailing dot dropped; labels of 1..63 bytes
 *             of letters, digits and hyphens, not starting or ending with
 *             a hyphen; at most 253 bytes; at least two labels; the last
 *             label not all digits ("1.2.3.4" is an ipv4).  Names that are
 *             plain ASCII without "xn--" labels skip libidn2, whose hyphen
 *             rules would refuse real names like r1---sn-x.googlevideo.com.
 *   hostname  as domain, and "_" is allowed too (_dmarc.example.com).
 *   url       http, https or ftp (lower-cased) "://" host [":" port] path
 *             ["?" query].  The host is a hostname, a dotted quad (any host
 *             whose last label is all digits) or "[" ipv6 "]", each in its
 *             normal form.  The default port (80, 443, 21) is dropped, an
 *             empty path becomes "/", the fragment is dropped (it never
 *             leaves the browser, so it does not identify the resource).
 *             Path and query are kept byte for byte: no percent-decoding or
 *             dot-segment removal.  User info (user:pass@) is refused: it
 *             leaks credentials into a shared feed.
 *   email     local "@" domain: exactly one "@"; the local part is kept
 *             as is (case matters to some servers), 1..64 bytes of
 *             printable ASCII; the domain as for domain.
 *   md5, sha1, sha256
 *             exactly 32, 40, 64 hex digits, lower-cased.
 *   asn       "AS64500", "as64500" or "64500" -> "AS64500"; 1..4294967295,
 *             no leading zeros (AS0 is reserved, RFC 7607).
 *
 * Nothing here does I/O or keeps state; every function may be called
 * from any thread.  libidn2 and libunistring allocate internally, and are
 * freed before returning.
 */
#ifndef KY_INDICATOR_H
#define KY_INDICATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum indicator_type {
	IT_IPV4 = 1,	/* 192.0.2.1 */
	IT_IPV6,	/* 2001:db8::1 */
	IT_CIDR4,	/* 203.0.113.0/24 */
	IT_CIDR6,	/* 2001:db8::/32 */
	IT_DOMAIN,	/* xn--r8jz45g.xn--zckzah */
	IT_HOSTNAME,	/* _dmarc.example.com */
	IT_URL,		/* https://example.com/login?id=1 */
	IT_EMAIL,	/* Alice@example.com */
	IT_MD5,		/* 32 lower-case hex digits */
	IT_SHA1,	/* 40 */
	IT_SHA256,	/* 64 */
	IT_ASN,		/* AS64500 */
};
#define IT_MAX IT_ASN

/* Bytes of a normal form, NUL excluded. */
#define INDICATOR_VALUE_MAX	2048

/* "ipv4" ... "asn" for an enum indicator_type, else NULL.  Static. */
const char *indicator_type_name(int type);

/* The enum indicator_type named name (exact, lower-case), or -1. */
int indicator_type_from_name(const char *name) KY_NONNULL(1);

/*
 * Brings in (len bytes of UTF-8, not necessarily NUL-terminated) of the
 * given type to its normal form in out, NUL-terminated; cap is the size
 * of out, and INDICATOR_VALUE_MAX + 1 always suffices.
 * Returns 0, or on failure sets *why to a static string that names the
 * type and the problem ("ipv4: leading zero in octet"), leaves out ""
 * (when cap > 0) and returns
 *   KY_EINVAL   type unknown or value invalid,
 *   KY_ETOOBIG  value over INDICATOR_VALUE_MAX, or out too small,
 *   KY_ENOMEM   libidn2 or libunistring could not allocate.
 * Normalizing a normal form again gives it back unchanged.
 */
int indicator_normalize(int type, const char *in, size_t len, char *out,
    size_t cap, const char **why) KY_WUR KY_NONNULL(2, 4, 6);

/* An address or network, parsed; for allowlists and exporters. */
struct indicator_net {
	int family;		/* 4 or 6 */
	uint8_t addr[16];	/* network order; IPv4 in addr[0..3], rest 0 */
	unsigned prefix;	/* 0..32 or 0..128; 32 or 128 for an address */
};

/*
 * Parses normalized, a value of type IT_IPV4, IT_IPV6, IT_CIDR4 or
 * IT_CIDR6 that must already be in normal form, into *out.
 * Returns 0, or KY_EINVAL (other types, invalid or non-normal text) with
 * *out zeroed.
 */
int indicator_parse_net(int type, const char *normalized,
    struct indicator_net *out) KY_WUR KY_NONNULL(2, 3);

/*
 * True when every address of inner lies in outer: same family, a prefix
 * at least as long, and the same leading outer->prefix bits.  An address
 * contains itself.  False for an out-of-range family or prefix.
 */
bool indicator_net_contains(const struct indicator_net *outer,
    const struct indicator_net *inner) KY_NONNULL(1, 2);

#endif

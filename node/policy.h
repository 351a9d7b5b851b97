/*
 * policy.h - whether one indicator may reach a firewall, and why not.
 *
 * An indicator record is exported only when all of these hold, checked
 * in this order; the first that fails is the record's reason:
 *
 *   POLICY_NOT_INDICATOR  it is an indicator (sightings only vote)
 *   POLICY_NO_BODY        its body is held: not retracted, not a stub
 *   POLICY_EXPIRED        its entry has not ended: not expired, and not
 *                         inside its expiry jitter (policy_until())
 *   POLICY_TYPE           the consumer takes its type
 *   POLICY_PAP            PAP is CLEAR or GREEN: AMBER and RED forbid
 *                         blocking (PAP:GREEN is "block traffic")
 *   POLICY_TLP            TLP is at most the consumer's max_tlp
 *   POLICY_CONFIDENCE     confidence >= min_confidence
 *   POLICY_ALLOWLISTED    the value overlaps no allowlist entry
 *   POLICY_WIDE           a network is no wider than /16 (IPv4) or /32
 *                         (IPv6), unless the override list covers it
 *   POLICY_VETOED         no live false-positive sighting of the value
 *                         by this node or a trusted key
 *   POLICY_REPORTERS      the origin is trusted (this node, or a keyring
 *                         level of trusted or coordinator), or at least k
 *                         distinct origins reported or sighted the value
 *                         (live indicators of any marking, and live
 *                         sightings with verdict "seen"; false-positive
 *                         and "expired" sightings never count)
 *   POLICY_MERGED         it is the record that carries the value: of all
 *                         records about one value that pass, the one
 *                         whose entry ends last (then the lowest id), so
 *                         a value is exported once, with the longest
 *                         lifetime any passing record gives it
 *
 * Expiry jitter.  An entry ends at policy_until(): the record's expiry
 * minus a deterministic share of its lifetime (expires - created), up to
 * a tenth, drawn from the record id.  A batch of records made with one
 * TTL in one second thus ends over a spread of 10% of that TTL instead
 * of in one second, and the end of an entry is the same in every export
 * and on every node, so re-exporting never moves it.  It is never after
 * the expiry.
 *
 * Nothing here writes; checks read the store through the caller's read
 * transaction.  A struct policy is read-only once loaded and may be
 * shared by threads.
 */
#ifndef KY_POLICY_H
#define KY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/keyring.h"
#include "keys/roster.h"
#include "node/allowlist.h"
#include "node/config.h"
#include "node/store.h"
#include "protocol/indicator.h"
#include "protocol/taxonomy.h"

#define POLICY_JITTER_DIV	10	/* jitter: up to lifetime / 10 */
#define POLICY_WIDE_V4		16	/* shorter IPv4 prefixes need an override */
#define POLICY_WIDE_V6		32	/* shorter IPv6 prefixes need an override */
#define POLICY_ORIGINS_MAX	100	/* distinct reporters counted per value */
#define POLICY_CATEGORY_MAX	(TAXONOMY_ID_MAX + 1)	/* a category id and its NUL */
#define POLICY_RECS_MAX		8	/* records policy_value() names */
#define POLICY_WIDE_FILE	"wide-prefixes.txt"	/* in the node dir */
#define POLICY_ALLOW_DIR	"allowlist.d"		/* in the node dir */

enum policy_reason {
	POLICY_PASS = 0,	/* exported */
	POLICY_NO_BODY,		/* retracted, or held only as a stub */
	POLICY_EXPIRED,		/* expired, or inside its expiry jitter */
	POLICY_TYPE,		/* a type the consumer does not take */
	POLICY_PAP,		/* PAP AMBER or RED: no blocking */
	POLICY_TLP,		/* TLP above the consumer's max_tlp */
	POLICY_CONFIDENCE,	/* below min_confidence */
	POLICY_ALLOWLISTED,	/* overlaps an allowlist entry */
	POLICY_WIDE,		/* network wider than /16 or /32 */
	POLICY_VETOED,		/* false-positive sighting by us or a trusted key */
	POLICY_REPORTERS,	/* untrusted origin, fewer than k origins */
	POLICY_MERGED,		/* passes; another record carries the value */
	POLICY_NOT_INDICATOR,	/* a sighting or other kind: never exported */
};
#define POLICY_NREASONS	(POLICY_NOT_INDICATOR + 1)

/* Bit of an enum indicator_type in a type mask. */
#define POLICY_TYPE_BIT(t)	(1u << (t))
#define POLICY_TYPES_ALL	(((1u << (IT_MAX + 1)) - 1) & ~1u)

/*
 * The rules and what they read.  Plain struct: policy_init() /
 * policy_load() / policy_clear(); tests may fill it by hand.
 */
struct policy {
	int64_t min_confidence;		/* export_confidence */
	uint32_t k;			/* export_k, 1..POLICY_ORIGINS_MAX */
	bool have_self;			/* self is set */
	uint8_t self[RECORD_KEY_LEN];	/* this node's key: always trusted */
	struct keyring *keyring;	/* owned; NULL: no trusted peers */
	struct rosters *rosters;	/* owned; NULL: every key reports alone */
	struct allowlist *allow;	/* owned; never exported */
	struct allowlist *wide;		/* owned; wide prefixes allowed */
};

/* Who receives an export. */
struct policy_consumer {
	const char *name;	/* "firewall", or an HTTP consumer's name */
	uint8_t max_tlp;	/* highest TLP it may see: TLP_RED locally */
	uint32_t types;		/* POLICY_TYPE_BIT mask of the types it takes */
};

/* The outcome for one record (policy_check) or one value (policy_value). */
struct policy_verdict {
	int reason;			/* enum policy_reason */
	const char *why;		/* static, one line */
	int type;			/* enum indicator_type; 0: not known */
	char value[INDICATOR_VALUE_MAX + 1];	/* normal form; "" if not known */
	size_t len;			/* bytes of value */
	bool trusted;			/* record check: the origin is trusted */
	uint32_t origins;		/* distinct origins counted for k */
	const struct allowlist_entry *entry;	/* ALLOWLISTED, or WIDE's
					   override (NULL); borrowed from the
					   policy's allowlists */
	uint8_t veto_origin[RECORD_KEY_LEN];	/* VETOED: whose sighting */
	/* The record that carries the value (PASS, MERGED): */
	bool carried;			/* the fields below are set */
	uint8_t id[RECORD_ID_LEN];	/* its id */
	uint8_t origin[RECORD_KEY_LEN];	/* its origin */
	uint64_t seq;			/* its seq */
	uint64_t until;			/* policy_until() of it */
	int64_t confidence;		/* its confidence */
	uint8_t tlp;			/* its TLP */
	char category[POLICY_CATEGORY_MAX];	/* its category */
	/* policy_value() only: live indicators about the value. */
	unsigned nrecs;			/* entries of recs used */
	struct {
		uint8_t origin[RECORD_KEY_LEN];
		uint64_t seq;
		uint8_t tlp;		/* the record's TLP */
	} recs[POLICY_RECS_MAX];	/* the first ones found */
};

/* Called with "file:line: why" for each bad allowlist line. */
typedef void (*policy_error_fn)(void *ctx, const char *msg);

/* Defaults (confidence 50, k 2), no self, empty allowlists.
 * Errors: KY_ENOMEM (p is then cleared). */
int policy_init(struct policy *p) KY_WUR KY_NONNULL(1);

/*
 * policy_init(), then everything from the node's configuration:
 * export_confidence and export_k; this node's key (DIR/public.key);
 * the keyring (DIR/keyring; missing: empty); the allowlist from every
 * *.txt in cfg->allowlist_dir, then in DIR/allowlist.d/ (missing: none),
 * then own_networks and own_domains; the wide-prefix override from
 * DIR/wide-prefixes.txt (networks only; missing: none).
 * Returns 0, the number of bad allowlist lines (each passed to err), or
 * a negative KY_E* with a static *why: KY_ENOTFOUND ("allowlist_dir:
 * no such directory"; "public.key: ..."), a keyring or file error.
 * A policy that did not load with 0 must not be used: an allowlist with
 * a typo could miss an entry.  On any failure p is cleared.
 */
int policy_load(struct policy *p, const struct config *cfg,
    policy_error_fn err, void *ctx, const char **why) KY_WUR KY_NONNULL(1, 2, 5);

/*
 * (Re)reads the rosters of the keyring's coordinators and our own from t,
 * so that k counts organizations: keys one roster names under one name
 * are one reporter (keys/roster.h).  Call after policy_load() and again
 * whenever rosters may have changed.  Errors: KY_ENOMEM, KY_ECORRUPT (the
 * old rosters are kept).
 */
int policy_load_rosters(struct policy *p, struct store_txn *t)
    KY_WUR KY_NONNULL(1, 2);

/* Frees what p owns and zeroes it; idempotent. */
void policy_clear(struct policy *p) KY_NONNULL(1);

/* The end of a record's entry: expiry minus its jitter (see above). */
uint64_t policy_until(const struct record_header *h,
    const uint8_t id[RECORD_ID_LEN]) KY_NONNULL(1, 2);

/* True for this node's key and keys trusted or coordinator. */
bool policy_trusted(const struct policy *p,
    const uint8_t origin[RECORD_KEY_LEN]) KY_NONNULL(1, 2);

/*
 * Decides for record r as of now.  Reads every record about r's value
 * through t (store_value), so the verdict also names the carrier.
 * Returns 0 with *v filled, or a store error (KY_ECORRUPT, KY_ENOMEM);
 * then *v->reason is meaningless.
 */
int policy_check(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, const struct record *r, uint64_t now,
    struct policy_verdict *v) KY_WUR KY_NONNULL(1, 2, 3, 4, 6);

/*
 * Decides for a value as a whole: POLICY_PASS with the carrier set when
 * some record about it passes, else the reason that stops it: TYPE,
 * ALLOWLISTED and WIDE whatever the records say; then VETOED; then
 * REPORTERS when some record passed every record check; else the first
 * record's own reason; POLICY_NO_BODY when no live indicator is held.
 * value is a normal form of len bytes.  v->nrecs and v->recs name the
 * first live indicators about the value, so a caller can ask whether
 * the value was ever exported (the export journal is keyed by record).
 * Errors: as policy_check().
 */
int policy_value(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, int type, const char *value, size_t len,
    uint64_t now, struct policy_verdict *v) KY_WUR KY_NONNULL(1, 2, 3, 5, 8);

/*
 * The type and value that an indicator's or a sighting's body names:
 * returns true with *type, value (cap bytes; INDICATOR_VALUE_MAX + 1
 * suffices) and *len set, false for a stub, another kind, or a sighting
 * by record id.
 */
bool policy_record_value(const struct record *r, int *type, char *value,
    size_t cap, size_t *len) KY_NONNULL(1, 2, 3, 5);

/* "exported", "expired", "allowlisted", ...: for summaries.  Static. */
const char *policy_reason_name(int reason);

/* Records counted by reason; n[POLICY_PASS] were exported. */
struct policy_counts {
	uint64_t n[POLICY_NREASONS];
};

/*
 * "exported N; refused: expired X, allowlisted Y, ...; merged M" into
 * buf (cap bytes, truncated to fit), naming only reasons that occurred
 * and leaving out POLICY_NOT_INDICATOR.
 */
void policy_counts_format(const struct policy_counts *c, char *buf,
    size_t cap) KY_NONNULL(1, 2);

#endif

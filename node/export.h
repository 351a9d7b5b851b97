/*
 * export.h - feeds for firewalls and sensors: the exportable entries of
 * the store, streamed in one pass, and the formats that write them.
 *
 * Three layers, each usable alone:
 *
 *   export_iter     pulls entries out of a read snapshot of the store:
 *                   a full pass (every value that policy.h lets out,
 *                   once), or a delta from a changes cursor (adds and
 *                   removals).  Constant memory: a batch of borrowed
 *                   records and one entry at a time.  This is what a
 *                   live apply or an HTTP handler builds on.
 *   struct exporter a format, as a const vtable chosen by name
 *                   (export_find): a header, one call per entry, a
 *                   trailer, written to a FILE *.
 *   export_write    runs an iterator through an exporter.
 *
 * Entries.  An entry is a value and the end of its lifetime: the
 * carrier record's policy_until(), never after its expiry.  A value that
 * several records report is one entry (policy.h, POLICY_MERGED).
 *
 * Deltas.  From cursor C, the iterator walks the store's changes after C
 * and, for each change that touches a value, decides the value again as
 * of now: an ADD when it is exportable (a repeat of an entry the
 * consumer holds only renews it), a DEL when it was exported before and
 * is not any more.  A removed record is only a stub in the store, so
 * its value is taken from the export journal (below); a value no export
 * ever carried needs no removal.  What the changes feed does not show
 * needs a full export: a keyring or configuration change, an allowlist
 * edit, or a value falling below k because a corroborating sighting or
 * report went away.  Values may repeat within one delta; every format's
 * ADD and DEL are idempotent.
 *
 * The export journal (DIR/export/, an LMDB environment of its own)
 * remembers, for every record that carried an exported entry, its value
 * and the end of its entry, keyed by (origin, seq): what a stub still
 * names.  Every journaled export adds to it; entries whose end has
 * passed are dropped (a consumer's timeout has removed them already).
 * It knows the cursor from which it is complete (export_journal_since):
 * a delta from an older cursor is refused with KY_EVERSION, and the
 * consumer must take a full export.
 *
 * Threads: an iterator belongs to one thread.  A journal may be shared
 * by the threads of a process: iterators buffer their journal writes
 * and hand them over in short transactions (EXPORT_JOURNAL_FLUSH at a
 * time), never holding its write lock while their caller writes output.
 * Exporters are const and shared.  Nothing here logs.
 */
#ifndef KY_EXPORT_H
#define KY_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "node/policy.h"
#include "node/store.h"

#define EXPORT_JOURNAL_DIR	"export"	/* in the node directory */
#define EXPORT_BATCH		256		/* records borrowed per store call */

enum export_op {
	EXPORT_ADD = 1,		/* block the value until e->until */
	EXPORT_DEL = 2,		/* stop blocking the value */
};

/* One entry.  Every pointer is borrowed until the next export_iter_next(). */
struct export_entry {
	int type;			/* enum indicator_type */
	const char *value;		/* normal form, NUL-terminated */
	size_t len;			/* bytes of value */
	uint64_t until;			/* unix time the entry ends (ADD) */
	uint64_t timeout;		/* until - now, >= 1 (ADD); 0 for DEL */
	bool expired;			/* DEL: the value's entry has ended by
					   itself, so a timeout already removed it */
	int64_t confidence;		/* ADD: of the carrier record */
	const char *category;		/* ADD: its category; "" for DEL */
	uint8_t tlp;			/* ADD: its TLP */
	uint32_t origins;		/* distinct origins counted for k */
	const uint8_t *id;		/* ADD: the carrier's id; NULL for DEL */
};

/* --- the journal ------------------------------------------------------- */

struct export_journal;

/*
 * Opens (creating, mode 0700) the journal in dir, normally
 * DIR/EXPORT_JOURNAL_DIR.  *out is the caller's, closed with
 * export_journal_close().  Errors: KY_EPERM, KY_EIO, KY_ENOMEM,
 * KY_ECORRUPT, KY_EVERSION, with a static *why.
 */
int export_journal_open(const char *dir, struct export_journal **out,
    const char **why) KY_WUR KY_NONNULL(1, 2, 3);

/* Closes *j and sets it to NULL; nothing if NULL.  No iterator may use it. */
void export_journal_close(struct export_journal **j);

/* The oldest cursor a delta may start from; UINT64_MAX while the journal
 * has never been written (so every delta is refused until a full export). */
uint64_t export_journal_since(struct export_journal *j) KY_NONNULL(1);

/* --- iterators --------------------------------------------------------- */

struct export_iter;

/*
 * A full pass over the snapshot t as of now: every value policy_check()
 * lets out to consumer c, once.  p, c and t are borrowed and must
 * outlive the iterator; j (may be NULL: nothing journaled, as in tests
 * and benchmarks) is written as entries go out.
 * Errors: KY_ENOMEM, KY_ECORRUPT, journal errors.
 */
int export_iter_full(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, uint64_t now, struct export_journal *j,
    struct export_iter **out) KY_WUR KY_NONNULL(1, 2, 3, 6);

/*
 * The changes after cursor since, as adds and removals (see above).
 * j is required: without it no removal could be named.
 * Errors: KY_EVERSION (since is older than export_journal_since(j), or
 * newer than the store's cursor: a cursor from another node), KY_ENOMEM,
 * KY_ECORRUPT, journal errors.
 */
int export_iter_delta(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, uint64_t now, struct export_journal *j,
    uint64_t since, struct export_iter **out)
    KY_WUR KY_NONNULL(1, 2, 3, 5, 7);

/*
 * The next entry: returns 1 with *op and *e set, 0 at the end, or a
 * negative KY_E* (the iterator is then done).
 */
int export_iter_next(struct export_iter *it, int *op,
    const struct export_entry **e) KY_WUR KY_NONNULL(1, 2, 3);

/* The cursor to give as since next time: the snapshot's newest. */
uint64_t export_iter_cursor(const struct export_iter *it) KY_NONNULL(1);

/* True for a delta iterator. */
bool export_iter_is_delta(const struct export_iter *it) KY_NONNULL(1);

/* Records counted by reason so far (a full pass counts every indicator;
 * a delta counts the values it decided). */
const struct policy_counts *export_iter_counts(const struct export_iter *it)
    KY_NONNULL(1);

/* Entries handed out so far, by op. */
void export_iter_ops(const struct export_iter *it, uint64_t *adds,
    uint64_t *dels) KY_NONNULL(1, 2, 3);

/*
 * Writes what the iterator still buffers to the journal, and after a
 * full pass drops ended journal entries (at most hourly).  Call it once
 * the output is complete; export_iter_destroy() writes too (a consumer
 * may have applied part of an interrupted output), but cannot report a
 * failure.  Errors: KY_EIO, KY_EFULL.
 */
int export_iter_finish(struct export_iter *it) KY_WUR KY_NONNULL(1);

/* Frees *it (writing its buffered journal entries) and sets it to NULL. */
void export_iter_destroy(struct export_iter **it);

/* --- formats ----------------------------------------------------------- */

/* What an exporter writes to, and its running state. */
struct export_out {
	FILE *f;		/* the output */
	uint64_t now;		/* as given to the iterator */
	uint64_t cursor;	/* export_iter_cursor() */
	bool delta;		/* a delta: entries are adds and removals */
	uint64_t entries;	/* entries emitted so far */
	uint64_t part;		/* exporter's own counter (rule chunks) */
	char *buf;		/* exporter's scratch, freed by export_write */
	size_t buflen, bufcap;
};

/* Exporter flags. */
#define EXPORTER_DELTA	0x1u	/* can express removals: --since works */

/*
 * A format.  begin writes the header, emit one entry (op EXPORT_ADD or,
 * in a delta, EXPORT_DEL), end the trailer.  Each returns 0 or a KY_E*;
 * write errors show in ferror(o->f) and are reported by export_write.
 */
struct exporter {
	const char *name;	/* "nft", as given to --format */
	const char *summary;	/* one line, for usage */
	uint32_t types;		/* POLICY_TYPE_BIT mask of types it carries */
	unsigned flags;		/* EXPORTER_* */
	int (*begin)(struct export_out *o);
	int (*emit)(struct export_out *o, int op, const struct export_entry *e);
	int (*end)(struct export_out *o);
};

/* The exporter named name, or NULL. */
const struct exporter *export_find(const char *name) KY_NONNULL(1);

/* The i-th exporter, or NULL past the last (for listings). */
const struct exporter *export_at(size_t i);

/*
 * Writes every entry of it through x to f as of now.  A delta iterator
 * needs an exporter with EXPORTER_DELTA (else KY_EINVAL).  Calls
 * export_iter_finish() after the trailer and fflush(f).
 * Errors: the iterator's, the exporter's, KY_EIO (write failed).
 */
int export_write(const struct exporter *x, struct export_iter *it, FILE *f,
    uint64_t now) KY_WUR KY_NONNULL(1, 2, 3);

/*
 * Helpers for exporters.
 * export_append() adds len bytes to o->buf (KY_ENOMEM); export_time()
 * writes t as "2026-11-27T09:00:00Z" into out (21 bytes).
 */
int export_append(struct export_out *o, const char *s, size_t len)
    KY_WUR KY_NONNULL(1, 2);
void export_time(uint64_t t, char out[21]) KY_NONNULL(2);

/* The exporters, one per export_<name>.c. */
extern const struct exporter export_plain;
extern const struct exporter export_nft;
extern const struct exporter export_ipset;
extern const struct exporter export_suricata;
extern const struct exporter export_suricata_dataset;
extern const struct exporter export_zeek;
extern const struct exporter export_rpz;
extern const struct exporter export_mikrotik;
extern const struct exporter export_csv;
extern const struct exporter export_json;

#endif

/*
 * export_int.h - what export.c and export_journal.c share; not an API.
 *
 * An iterator never holds the journal's write lock while its caller
 * writes output (which may be a slow socket): it packs its journal
 * writes into a buffer and hands them over in one short transaction
 * each time the buffer fills, and when it finishes.  Packed entries are
 *
 *     origin (32) || seq (8, big-endian) || vlen (2, big-endian) ||
 *     until (8, big-endian) || type (1) || value (vlen - 9 bytes)
 */
#ifndef KY_EXPORT_INT_H
#define KY_EXPORT_INT_H

#include <stdint.h>

#include "node/export.h"

#define EXPORT_JOURNAL_KEY	(RECORD_KEY_LEN + 8)	/* origin, seq */
#define EXPORT_JOURNAL_FLUSH	4096	/* packed entries per transaction */
#define EXPORT_JOURNAL_BYTES	(1u << 20)	/* or this many bytes */
#define EXPORT_JOURNAL_GC	3600	/* seconds between sweeps of ended entries */

/*
 * A full export at cursor starts: the journal is complete from there on
 * when it had no "since" yet.  Errors: KY_EFULL, KY_EIO.
 */
int export_journal_start(struct export_journal *j, uint64_t cursor) KY_WUR;

/*
 * Writes n packed entries (len bytes of buf) in one transaction,
 * leaving entries that are already there untouched.
 * Errors: KY_EFULL, KY_EIO, KY_ECORRUPT (a malformed buffer).
 */
int export_journal_write(struct export_journal *j, const uint8_t *buf,
    size_t len) KY_WUR;

/*
 * What (origin, seq) carried: 0 with *until, *type and value (cap bytes,
 * NUL-terminated) set, or KY_ENOTFOUND.  Errors: KY_ECORRUPT, KY_EIO.
 */
int export_journal_get(struct export_journal *j, const uint8_t *origin,
    uint64_t seq, uint64_t *until, int *type, char *value, size_t cap,
    size_t *len) KY_WUR;

/* Drops entries that ended at or before now, at most once an hour. */
int export_journal_gc(struct export_journal *j, uint64_t now) KY_WUR;

#endif

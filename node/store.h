/*
 * store.h - the local replica: every record this node holds, in LMDB.
 *
 * One LMDB environment in one directory (the node keeps it in DIR/store/:
 * data.mdb and lock.mdb).  One process writes (the daemon); any number of
 * processes read (the CLI, exporters), also while the daemon is down.
 * docs/store.md has the schema and the reasons for each key shape.
 *
 * Durability.  store_ingest() verifies a whole batch, writes it in ONE
 * write transaction and commits with LMDB's default full sync.  When it
 * returns 0, every record it reports as stored is on disk: that is what
 * "acknowledged" means, and nothing before the return may be treated as
 * such.  A crash (kill -9, power loss) loses no acknowledged record and
 * never leaves half a batch visible: LMDB is copy-on-write, and a commit
 * becomes visible only when its meta page is synced.
 *
 * Errors.  Functions return 0 or a negative KY_E* code (protocol/error.h);
 * LMDB and errno codes never leak out.  Calls that can refuse input also
 * hand back a static "why".  The store never logs.
 *
 * Reads.  Every read happens inside a struct store_txn (a snapshot).
 * Records and other data handed to callbacks or returned through
 * struct record point into the database map: they are BORROWED, valid
 * only until store_read_end() (LMDB's rule for mdb_get).  Copy what you
 * keep.  Keep read transactions short: an open one pins old pages, and
 * the file grows while it is open.
 *
 * Sealed bodies.  The body of an AMBER, AMBER+STRICT or RED indicator,
 * sighting or article is an envelope (protocol/seal.h), stored as
 * received, so that relays carry what they cannot read.  When this node
 * is a recipient and an opener is set (store_set_opener), ingest also
 * keeps the plaintext (database "opened") and indexes it like a clear
 * body.  Every read that hands out a struct record (store_get,
 * store_get_seq, store_range, store_value, store_changes) then gives
 *     r->opened = true, r->body = the plaintext, r->h.body_len = its length,
 * while r->raw / r->raw_len (and r->sig) stay the stored, signed bytes
 * with the envelope: forward r->raw, never rebuild a record from r->body,
 * and do not record_verify() such an r (its body is not what was signed;
 * record_open(r->raw, r->raw_len) is).  Unopened sealed records read as
 * stored (opened false, body the envelope).  Expiry and retraction remove
 * the plaintext with the body.
 *
 * Threads.  A struct store may be shared by threads.  Write calls
 * (store_ingest, store_sweep) must all come from one thread, one at a
 * time.  A struct store_txn is used by one thread at a time, and may be
 * ended by another.  The map grows only while no read transaction of this
 * process is open (LMDB's rule for mdb_env_set_mapsize): a write that
 * needs a bigger map while one is open fails with KY_EFULL.
 *
 * Never open one store twice in one process, never use it across fork(),
 * never put it on NFS (LMDB's rules).
 */
#ifndef KY_STORE_H
#define KY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/error.h"
#include "protocol/record.h"

#define STORE_SCHEMA_VERSION	1		/* meta "version" */
#define STORE_MAP_INITIAL	(64u << 20)	/* first map size; doubles on demand */

/* store_open() flags. */
#define STORE_RDONLY	0x1u	/* read-only (CLI, exporters); lock.mdb must be writable */
#define STORE_CREATE	0x2u	/* create the directory (0700) and an empty store */

struct store;		/* an open environment; see store.c */
struct store_txn;	/* a read snapshot */

/* A per-origin head: the vector entry anti-entropy exchanges. */
struct store_head {
	uint8_t origin[RECORD_KEY_LEN];	/* the origin's Ed25519 public key */
	uint64_t contig;		/* highest s with seqs 1..s all held; 0: none */
	uint64_t max;			/* highest seq held (> contig when gaps) */
	uint8_t last_id[RECORD_ID_LEN];	/* id of (origin, contig); zero when contig is 0 */
	uint32_t flags;			/* STORE_HEAD_* */
};
#define STORE_HEAD_FORK		0x1u	/* two records at one seq: evidence kept (store_forks) */
#define STORE_HEAD_CHAIN	0x2u	/* a record's prev is not the id held at seq-1 */

/* The outcome of one record given to store_ingest(). */
struct store_result {
	int rc;				/* 0 stored; KY_EDUP; KY_EFORK; or why it was refused */
	const char *why;		/* static; NULL when rc is 0 and there is nothing to add */
	const char *detail;		/* static; the validator's why for a sealed plaintext refused; else NULL */
	unsigned flags;			/* STORE_R_* */
	uint8_t id[RECORD_ID_LEN];	/* the record's id; zero when it did not decode */
};
#define STORE_R_STUB	0x1u	/* stored as a stub (arrived as one, expired, retracted, or bad body) */
#define STORE_R_FILLED	0x2u	/* a stub already held got its body (rc 0) */
#define STORE_R_RETRACT	0x4u	/* a retraction by the target's origin: it took or will take effect */
#define STORE_R_CHAIN	0x8u	/* stored, but its chain disagrees: origin flagged STORE_HEAD_CHAIN */
#define STORE_R_SEALED	0x10u	/* its body is a sealed envelope, stored whole (rc 0) */
#define STORE_R_OPENED	0x20u	/* ... and the opener opened it: plaintext kept and indexed */

/* Operations in the changes feed. */
enum store_op {
	STORE_OP_ADD = 1,	/* a record was stored (whole or stub) */
	STORE_OP_FILL = 2,	/* a stub got its body: treat as added */
	STORE_OP_EXPIRE = 3,	/* the sweeper removed the body: treat as removed */
	STORE_OP_RETRACT = 4,	/* its origin retracted it: treat as removed */
};

/*
 * Iteration callbacks.  r and everything it points to are borrowed until
 * the read transaction ends.  Return 0 to go on; any other value stops
 * the iteration, and the iterating function returns that value (so use
 * positive values for "stop, all is well").
 */
typedef int (*store_record_fn)(void *ctx, const struct record *r);
typedef int (*store_head_fn)(void *ctx, const struct store_head *h);
typedef int (*store_change_fn)(void *ctx, uint64_t cursor, int op,
    const struct record *r);
/* fsck's report: one line per problem; the string lives during the call. */
typedef void (*store_problem_fn)(void *ctx, const char *problem);

/*
 * Opens a sealed body for this node (see "Sealed bodies" above).  r is the
 * verified record, r->body the envelope, borrowed for the call.  Returns
 * 0 with *plain (malloc'd; the store wipes and frees it) of *plain_len
 * bytes, or non-zero: not for us (not a recipient, or it did not open),
 * and the record is kept unopened.  Called inside the write transaction:
 * keep it quick, and never call the store from it.  It may be called
 * more than once for one record (a batch retried after the map grew).
 */
typedef int (*store_opener_fn)(void *ctx, const struct record *r,
    uint8_t **plain, size_t *plain_len);

/* Time spent inside store_ingest(), for benchmarks; see store_profile(). */
struct store_prof {
	double decode;		/* record_decode: bounds, header, id */
	double dedupe;		/* heads and (origin, seq) lookups */
	double verify;		/* record_verify: body hash and Ed25519 */
	double parse;		/* body_parse and the value hash */
	double put;		/* every LMDB write of the batch */
	double commit;		/* mdb_txn_commit (writes and fsyncs) */
	double merge;		/* index run merges, in their own transactions */
	uint64_t records;	/* records offered */
	uint64_t batches;	/* committed batches */
	uint64_t merges;	/* merge transactions */
	uint64_t regrows;	/* map doublings (batch retried) */
};

/*
 * Opens the store in dir (the directory holding data.mdb), with a first
 * map of STORE_MAP_INITIAL bytes (or the file's size, if larger).  Clears
 * stale reader slots left by dead processes (mdb_reader_check).
 * A new store gets the current schema; an existing one must have it.
 * *out is the caller's, closed with store_close(); NULL on error.
 * Errors (why set): KY_ENOTFOUND (no store and no STORE_CREATE),
 * KY_EVERSION ("store schema version 7 is newer than this kyojo (1):
 * upgrade kyojo"), KY_EPERM, KY_ECORRUPT, KY_ENOMEM, KY_EIO, KY_ESYS.
 */
int store_open(const char *dir, unsigned flags, struct store **out,
    const char **why) KY_WUR KY_NONNULL(1, 3, 4);

/* Tuning for store_open_opts(); zero fields take the defaults. */
struct store_opts {
	size_t map_bytes;	/* first map size (STORE_MAP_INITIAL) */
	uint32_t run_entries;	/* index active-run size (16384); tests use tiny runs */
};

/* store_open() with options (o may be NULL); tests use a tiny map to
 * exercise growth and tiny runs to exercise index merges. */
int store_open_opts(const char *dir, unsigned flags,
    const struct store_opts *o, struct store **out, const char **why)
    KY_WUR KY_NONNULL(1, 4, 5);

/* Closes *s and sets it to NULL; nothing if NULL.  Every store_txn of it
 * must have ended. */
void store_close(struct store **s);

/*
 * Sets (fn NULL: clears) the opener store_ingest() calls for sealed
 * bodies; typically seal_open() with this node's key.  Set it from the
 * writing thread, between batches.  Read-only stores never call it.
 */
void store_set_opener(struct store *s, store_opener_fn fn, void *ctx)
    KY_NONNULL(1);

/* Starts (or, with s's collector, stops: NULL) adding ingest timings to
 * *p; p must outlive its use.  Costs two clock reads per phase. */
void store_profile(struct store *s, struct store_prof *p);

/*
 * Stores a batch of records as received (network, CLI submit): n buffers
 * bufs[i] of lens[i] bytes, borrowed for the call.  For each record, in
 * this order, inside one write transaction:
 *   1. record_decode (structure, header, id);
 *   2. (origin, seq) lookup: the same id again is KY_EDUP, dropped
 *      before any signature check; a different id there is an
 *      equivocation: once verified it is kept in the forks database as
 *      evidence (KY_EFORK), the origin's head gets STORE_HEAD_FORK, and
 *      it is never served by reads as if valid;
 *   3. record_verify (body hash and Ed25519);
 *   4. body_parse_record (strict JSON and the kind's validator; a body
 *      sealed exactly when the header says so); a validly signed record
 *      whose body is refused is kept as a stub, so the origin's chain
 *      stays whole (rc KY_EINVAL etc., STORE_R_STUB).  A sealed body is
 *      kept whole (STORE_R_SEALED); with an opener that opens it, its
 *      plaintext must pass body_parse(kind), is kept, and stands for the
 *      body in the indexes below (STORE_R_OPENED).  A plaintext that
 *      fails leaves the record whole but unopened (rc 0, why says so,
 *      detail has the validator's reason);
 *   5. the writes: record, log, heads, id and value indexes, expiry,
 *      changes.  A retraction by the target's origin prunes the target
 *      to its stub (now, or when the target arrives later).
 * A record that arrives already expired (expires <= now) is stored as a
 * stub.  A stub we hold and the whole record arriving fills in the body.
 * Then one commit; only then are the results final: res[i] for record i.
 * A bad record never fails the batch.
 *
 * Returns 0 when the batch committed (each res[i] says what happened to
 * record i), or a batch error with *why and every res[i].rc set to it:
 * KY_EFULL (disk full, or the map could not grow: nothing of the batch
 * was stored, the store is unharmed and reads keep working), KY_EIO,
 * KY_ENOMEM, KY_EPERM (read-only store), KY_ECORRUPT.  A full map is
 * not an error: the map doubles and the batch is retried.
 * After the commit, full index runs are merged in a transaction of their
 * own; if that fails, the batch still stands (0 is returned, with *why
 * "batch stored; index merge postponed") and the merge is retried after
 * the next batch.
 */
int store_ingest(struct store *s, const uint8_t *const *bufs,
    const size_t *lens, size_t n, uint64_t now, struct store_result *res,
    const char **why) KY_WUR KY_NONNULL(1, 6, 7);

/*
 * Prunes up to max records whose expires <= now, oldest expiry first:
 * each becomes its stub (header and signature: the chain stays whole),
 * leaves the value index and the expiry queue, and appears in the
 * changes feed as STORE_OP_EXPIRE.  One transaction.  *swept (may be
 * NULL) gets the count.  Errors: as store_ingest().
 */
int store_sweep(struct store *s, uint64_t now, size_t max, size_t *swept,
    const char **why) KY_WUR KY_NONNULL(1, 5);

/*
 * Begins a read snapshot; *out is the caller's until store_read_end().
 * Reuses an ended transaction when one is cached (mdb_txn_renew), and
 * adopts a map grown by the writing process.
 * Errors: KY_ENOMEM, KY_ESYS (reader table full), KY_EIO.
 */
int store_read_begin(struct store *s, struct store_txn **out)
    KY_WUR KY_NONNULL(1, 2);

/* Ends *t (every borrowed pointer dies) and sets it to NULL; nothing if
 * NULL. */
void store_read_end(struct store_txn **t);

/* The record with this id (whole or stub; never equivocation evidence).
 * Errors: KY_ENOTFOUND, KY_ECORRUPT. */
int store_get(struct store_txn *t, const uint8_t id[RECORD_ID_LEN],
    struct record *out) KY_WUR KY_NONNULL(1, 2, 3);

/* The record at (origin, seq).  Errors: KY_ENOTFOUND, KY_ECORRUPT. */
int store_get_seq(struct store_txn *t, const uint8_t origin[RECORD_KEY_LEN],
    uint64_t seq, struct record *out) KY_WUR KY_NONNULL(1, 2, 4);

/*
 * The head of one origin.  A node's own next record is
 * seq = head.max + 1 with prev = head.last_id (its own chain has no
 * gaps).  Errors: KY_ENOTFOUND (never seen), KY_ECORRUPT.
 */
int store_head(struct store_txn *t, const uint8_t origin[RECORD_KEY_LEN],
    struct store_head *out) KY_WUR KY_NONNULL(1, 2, 3);

/* Every head, in origin key order.  Errors: KY_ECORRUPT, or cb's value. */
int store_heads(struct store_txn *t, store_head_fn cb, void *ctx)
    KY_WUR KY_NONNULL(1, 2);

/* The records of origin with seq >= from, in seq order (gaps skipped:
 * look at r->h.seq); the catch-up stream.  Errors: KY_ECORRUPT or cb's. */
int store_range(struct store_txn *t, const uint8_t origin[RECORD_KEY_LEN],
    uint64_t from, store_record_fn cb, void *ctx) KY_WUR KY_NONNULL(1, 2, 4);

/*
 * Every record with a body (indicators, and sightings with type and
 * value; sealed ones only when opened) about one normalized value of an indicator type (enum
 * indicator_type; normalize first: the index holds normal forms only),
 * grouped by origin.  cb may be NULL; *origins (may be NULL) gets the
 * number of distinct origins that reported or sighted it.  Retracted and
 * swept records are not included; one that expired since the last sweep
 * still is (check record_is_expired()), and sighting verdicts are the
 * caller's to weigh.  Errors: KY_EINVAL (type), KY_ECORRUPT, or cb's.
 */
int store_value(struct store_txn *t, int type, const char *value,
    size_t len, store_record_fn cb, void *ctx, uint32_t *origins)
    KY_WUR KY_NONNULL(1, 3);

/*
 * What changed after cursor `after` (0: everything), in cursor order, at
 * most max entries (0: no limit): cb gets the cursor, the STORE_OP_* and
 * the record as it is now (a stub after EXPIRE or RETRACT; the id is
 * r->id).  An exporter keeps the last cursor it saw.
 * Errors: KY_ECORRUPT, or cb's value.
 */
int store_changes(struct store_txn *t, uint64_t after, size_t max,
    store_change_fn cb, void *ctx) KY_WUR KY_NONNULL(1, 4);

/* The newest cursor of the changes feed; 0 when empty. */
uint64_t store_cursor(struct store_txn *t) KY_NONNULL(1);

/* Equivocation evidence: the second (third...) records seen at an
 * (origin, seq) already held, for one origin or all (origin NULL). */
int store_forks(struct store_txn *t, const uint8_t *origin,
    store_record_fn cb, void *ctx) KY_WUR KY_NONNULL(1, 3);

/* Figures for `kyojo stats`.  Counting reads every record header. */
struct store_stats {
	uint64_t records;		/* records held, stubs included */
	uint64_t stubs;			/* of which stubs */
	uint64_t by_kind[RK_MAX + 1];	/* records by enum record_kind */
	uint64_t origins;		/* heads */
	uint64_t forked;		/* origins flagged FORK or CHAIN */
	uint64_t forks;			/* evidence records */
	uint64_t retracted;		/* retracted-id entries */
	uint64_t expiring;		/* bodies in the expiry queue */
	uint64_t opened;		/* sealed bodies this node opened (plaintexts kept) */
	uint64_t cursor;		/* newest changes cursor */
	uint64_t index_runs;		/* live index runs (ids + values) */
	uint64_t file_bytes;		/* data.mdb logical size (st_size) */
	uint64_t disk_bytes;		/* data.mdb on disk (st_blocks * 512) */
	uint64_t map_bytes;		/* current map size */
	uint64_t used_bytes;		/* pages in use by the newest snapshot */
};

/* Fills *out.  Errors: KY_ECORRUPT, KY_EIO. */
int store_stats(struct store_txn *t, struct store_stats *out)
    KY_WUR KY_NONNULL(1, 2);

/* store_fsck() flags. */
#define STORE_FSCK_QUICK 0x1u	/* skip Ed25519 (body hashes still checked) */

/*
 * Checks the whole store in one snapshot: every record decodes, hashes
 * and (unless QUICK) verifies; every index entry (log, ids, values,
 * expiry, changes, retracted, forks, opened) points at a record that
 * expects it (an opened plaintext: a whole sealed record, and it passes
 * its kind's validator), and every record has all the entries it
 * expects; heads agree with the log.  Each problem goes to cb (may be NULL) as one line.
 * Returns the number of problems (0: clean), or a negative KY_E* when
 * the check itself could not run.
 */
long store_fsck(struct store *s, unsigned flags, store_problem_fn cb,
    void *ctx) KY_WUR KY_NONNULL(1);

#endif

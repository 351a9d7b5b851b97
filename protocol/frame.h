/*
 * frame.h - gossip frames: the messages two linked nodes exchange.
 *
 * Each ZeroMQ message on a link carries exactly one frame:
 *
 *     type (1 byte) || payload
 *
 * All integers are big-endian.  A decoder checks the type, then every
 * length against the bytes actually present, before it hands anything on;
 * entries of VECTOR and RECORDS frames are read with an iterator that never
 * leaves the buffer.  docs/protocol.md section 5 has the byte layouts.
 */
#ifndef KY_FRAME_H
#define KY_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "record.h"

#define FRAME_VERSION		1
#define FRAME_VECTOR_MAX	1024	/* entries in one VECTOR frame */
#define FRAME_RECORDS_MAX	256	/* records in one RECORDS frame */
#define FRAME_RECORDS_BYTES	(256 * 1024)	/* soft cap a sender fills to */
/* Largest frame a receiver accepts: enforced by ZMQ_MAXMSGSIZE too. */
#define FRAME_MAX_LEN		(FRAME_RECORDS_BYTES + RECORD_MAX_LEN + 64)

enum frame_type {
	FT_HELLO = 1,	/* who I am, and a digest of my vector */
	FT_VECTOR = 2,	/* my per-origin contiguous heads */
	FT_RECORDS = 3,	/* records, whole or stubs */
	FT_CREDIT = 4,	/* you may send me n more records */
	FT_HAVE = 5,	/* lazy push: I now hold origin up to seq */
	FT_CHOKE = 6,	/* stop pushing origin to me eagerly */
	FT_UNCHOKE = 7,	/* push origin to me eagerly again, from seq */
	FT_SEALED = 8,	/* a sealed box for the receiving node only */
};

/* A SEALED frame's box: crypto_box_seal overhead (48) plus 1..64 KiB. */
#define FRAME_SEALED_MIN	49
#define FRAME_SEALED_MAX	(48 + 65536)

#define HELLO_F_REPLY	1u	/* this HELLO answers yours */

struct frame_hello {
	uint8_t version;		/* FRAME_VERSION */
	uint8_t flags;			/* HELLO_F_* */
	uint8_t key[RECORD_KEY_LEN];	/* sender's Ed25519 identity */
	uint32_t n_origins;		/* entries in the sender's vector */
	uint8_t digest[32];		/* BLAKE2b-256 of the sorted vector (protocol.md 5) */
};

struct frame_vector_entry {
	uint8_t origin[RECORD_KEY_LEN];
	uint64_t contig;		/* highest contiguous seq held */
};

#define VECTOR_F_LAST	1u	/* the last VECTOR frame of this exchange */

struct frame {
	uint8_t type;			/* enum frame_type */
	union {
		struct frame_hello hello;
		struct {
			uint8_t flags;		/* VECTOR_F_* */
			uint16_t count;
			const uint8_t *entries;	/* count * 40 bytes */
		} vector;
		struct {
			uint16_t count;
			const uint8_t *data;	/* (len u32 || record) * count */
			size_t len;
		} records;
		uint32_t credit;
		struct {
			uint8_t origin[RECORD_KEY_LEN];
			uint64_t seq;
		} note;			/* HAVE, CHOKE (seq 0), UNCHOKE */
		struct {
			const uint8_t *box;
			size_t len;
		} sealed;
	} u;
};

/*
 * Decodes one frame.  Pointers in *f borrow buf.  Every RECORDS entry's
 * length is checked to lie inside the frame (the records themselves are
 * decoded later, one by one).  Errors: KY_EMALFORMED, KY_ETOOBIG,
 * KY_EVERSION, with *why set.
 */
int frame_decode(const uint8_t *buf, size_t len, struct frame *f,
    const char **why) KY_WUR KY_NONNULL(1, 3, 4);

/* Iterators over a decoded frame; return false after the last entry. */
bool frame_vector_next(const struct frame *f, size_t *pos,
    struct frame_vector_entry *e);
bool frame_records_next(const struct frame *f, size_t *pos,
    const uint8_t **rec, size_t *rec_len);

/*
 * Encoders write into out (cap bytes) and return the frame length, or 0
 * when it does not fit.
 */
size_t frame_hello(uint8_t *out, size_t cap, const struct frame_hello *h);
size_t frame_credit(uint8_t *out, size_t cap, uint32_t n);
size_t frame_note(uint8_t *out, size_t cap, uint8_t type,
    const uint8_t origin[RECORD_KEY_LEN], uint64_t seq);

/* SEALED: type || box; 0 when box_len is out of range or cap too small. */
size_t frame_sealed(uint8_t *out, size_t cap, const uint8_t *box,
    size_t box_len);

/* VECTOR: start, then append entries while they fit, then finish. */
size_t frame_vector_begin(uint8_t *out, size_t cap);
bool frame_vector_add(uint8_t *out, size_t cap, size_t *len,
    const struct frame_vector_entry *e);
void frame_vector_finish(uint8_t *out, bool last);

/* RECORDS: the same shape. */
size_t frame_records_begin(uint8_t *out, size_t cap);
bool frame_records_add(uint8_t *out, size_t cap, size_t *len,
    const uint8_t *rec, size_t rec_len);
uint16_t frame_records_count(const uint8_t *out);

#endif

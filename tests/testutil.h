/*
 * testutil.h - shared helpers for the test suites, the crash writer and
 * the benchmarks: temporary directories, fixed-seed identities and record
 * builders.  Not part of any installed binary.
 */
#ifndef KY_TESTUTIL_H
#define KY_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "keys/ident.h"
#include "protocol/record.h"

/* mkdtemp under $TMPDIR (or /tmp); malloc'd path, aborts on failure. */
char *tu_tmpdir(const char *tag);
/* rm -rf path; frees nothing. */
void tu_rmrf(const char *path);

/* The identity whose 32-byte seed is the byte n repeated; aborts on failure. */
struct ident *tu_ident(uint8_t n);

/*
 * A signed indicator record by id at (seq, prev): an ipv4 value derived
 * from n (so every n gives a distinct normalized value), confidence 80,
 * category malicious-code:c2-server, ~300-byte body.  prev may be NULL
 * for seq 1.  Returns a malloc'd buffer; aborts on failure.
 */
uint8_t *tu_indicator(struct ident *id, uint64_t seq, const uint8_t *prev,
    uint64_t created, uint32_t n, size_t *len);

/* A signed record of any kind with the given body; aborts on failure. */
uint8_t *tu_record(struct ident *id, uint8_t kind, uint8_t tlp, uint64_t seq,
    const uint8_t *prev, uint64_t created, uint64_t expires, const char *body,
    size_t *len);

/* tu_record scoped to a community (32 bytes; NULL: none). */
uint8_t *tu_record_in(struct ident *id, uint8_t kind, uint8_t tlp,
    const uint8_t *community, uint64_t seq, const uint8_t *prev,
    uint64_t created, uint64_t expires, const char *body, size_t *len);

/*
 * Signs a record with header h (its origin set to id's key) over body.  A
 * body that h's kind and TLP require sealed (AMBER, RED) is sealed to its
 * author first, as every writer names itself.  Aborts on failure.
 */
uint8_t *tu_sign(struct ident *id, struct record_header *h, const char *body,
    size_t *len);

/* The id of a record buffer (BLAKE2b-256 of its header). */
void tu_id(const uint8_t *rec, uint8_t id[RECORD_ID_LEN]);

/* Seconds since an arbitrary epoch, monotonic, for benchmarks. */
double tu_now(void);

#endif

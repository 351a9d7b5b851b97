/*
 * zap.h - the ZeroMQ authentication handler (ZAP, RFC 27) for CURVE links.
 *
 * Without a ZAP handler, libzmq admits any client that knows the server's
 * public key.  zap_new() binds inproc://zeromq.zap.01 before any gossip
 * socket exists, and each handshake is then answered by zap_handle() from
 * the daemon's poll loop: a client is admitted only when lookup() maps its
 * Curve25519 key to an Ed25519 identity we trust.  The admitted identity
 * (hex) becomes the connection's User-Id, so every message carries the
 * sender's identity as ZeroMQ authenticated it.  A refused key is logged
 * once.
 */
#ifndef KY_ZAP_H
#define KY_ZAP_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol/error.h"

/* Maps a client's Curve25519 key to its Ed25519 key; false: refuse. */
typedef bool (*zap_lookup_fn)(void *ctx, const uint8_t curve[32],
    uint8_t ed25519[32]);

struct zap;

int zap_new(void *zmq_ctx, zap_lookup_fn lookup, void *ctx, struct zap **out) KY_WUR;
void zap_destroy(struct zap **p);

/* The REP socket to poll for ZMQ_POLLIN. */
void *zap_socket(struct zap *z);

/* Answers every pending request; never blocks. */
void zap_handle(struct zap *z);

/* Counts, for status: handshakes admitted and refused. */
uint64_t zap_admitted(const struct zap *z);
uint64_t zap_refused(const struct zap *z);

#endif

/*
 * unseal.h - a node's store opener (store_set_opener): opens sealed bodies
 * that name this node as a recipient, in records whose origin they name
 * too.  ctx is the node's struct ident.
 */
#ifndef KY_UNSEAL_H
#define KY_UNSEAL_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/record.h"

int unseal_record(void *ctx, const struct record *r, uint8_t **plain,
    size_t *plain_len);

#endif

#include <string.h>

#include "frame.h"

/* Fixed sizes of each frame, type byte included. */
enum {
	HELLO_LEN = 1 + 1 + 1 + RECORD_KEY_LEN + 4 + 32,
	VECTOR_HDR = 1 + 1 + 2,
	VECTOR_ENTRY = RECORD_KEY_LEN + 8,
	RECORDS_HDR = 1 + 2,
	CREDIT_LEN = 1 + 4,
	NOTE_LEN = 1 + RECORD_KEY_LEN + 8,
};

static void
s_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
s_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void
s_put64(uint8_t *p, uint64_t v)
{
	s_put32(p, (uint32_t)(v >> 32));
	s_put32(p + 4, (uint32_t)v);
}

static uint16_t
s_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
s_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
s_get64(const uint8_t *p)
{
	return (uint64_t)s_get32(p) << 32 | s_get32(p + 4);
}

int
frame_decode(const uint8_t *buf, size_t len, struct frame *f, const char **why)
{
	const uint8_t *p, *end;

	memset(f, 0, sizeof(*f));
	if (len > FRAME_MAX_LEN)
		return *why = "frame: over the size limit", KY_ETOOBIG;
	if (len < 1)
		return *why = "frame: empty", KY_EMALFORMED;
	f->type = buf[0];
	switch (f->type) {
	case FT_HELLO:
		if (len != HELLO_LEN)
			goto malformed;
		f->u.hello.version = buf[1];
		f->u.hello.flags = buf[2];
		memcpy(f->u.hello.key, buf + 3, RECORD_KEY_LEN);
		f->u.hello.n_origins = s_get32(buf + 3 + RECORD_KEY_LEN);
		memcpy(f->u.hello.digest, buf + 7 + RECORD_KEY_LEN, 32);
		if (f->u.hello.version != FRAME_VERSION)
			return *why = "frame: unknown protocol version",
			    KY_EVERSION;
		return 0;
	case FT_VECTOR:
		if (len < VECTOR_HDR)
			goto malformed;
		f->u.vector.flags = buf[1];
		f->u.vector.count = s_get16(buf + 2);
		if (f->u.vector.count > FRAME_VECTOR_MAX ||
		    len != VECTOR_HDR + (size_t)f->u.vector.count * VECTOR_ENTRY)
			goto malformed;
		f->u.vector.entries = buf + VECTOR_HDR;
		return 0;
	case FT_RECORDS:
		if (len < RECORDS_HDR)
			goto malformed;
		f->u.records.count = s_get16(buf + 1);
		if (f->u.records.count > FRAME_RECORDS_MAX)
			goto malformed;
		p = f->u.records.data = buf + RECORDS_HDR;
		end = buf + len;
		f->u.records.len = (size_t)(end - p);
		/* Walk every length now, so iteration cannot go wrong later. */
		for (unsigned i = 0; i < f->u.records.count; i++) {
			uint32_t n;

			if (end - p < 4)
				goto malformed;
			n = s_get32(p);
			if (n < RECORD_STUB_LEN || n > RECORD_MAX_LEN ||
			    (size_t)(end - p - 4) < n)
				goto malformed;
			p += 4 + n;
		}
		if (p != end)
			goto malformed;
		return 0;
	case FT_CREDIT:
		if (len != CREDIT_LEN)
			goto malformed;
		f->u.credit = s_get32(buf + 1);
		return 0;
	case FT_HAVE:
	case FT_CHOKE:
	case FT_UNCHOKE:
		if (len != NOTE_LEN)
			goto malformed;
		memcpy(f->u.note.origin, buf + 1, RECORD_KEY_LEN);
		f->u.note.seq = s_get64(buf + 1 + RECORD_KEY_LEN);
		return 0;
	case FT_SEALED:
		if (len - 1 < FRAME_SEALED_MIN || len - 1 > FRAME_SEALED_MAX)
			goto malformed;
		f->u.sealed.box = buf + 1;
		f->u.sealed.len = len - 1;
		return 0;
	}
	memset(f, 0, sizeof(*f));
	return *why = "frame: unknown type", KY_EMALFORMED;
malformed:
	memset(f, 0, sizeof(*f));
	return *why = "frame: length does not match its type", KY_EMALFORMED;
}

bool
frame_vector_next(const struct frame *f, size_t *pos,
    struct frame_vector_entry *e)
{
	const uint8_t *p;

	if (*pos >= f->u.vector.count)
		return false;
	p = f->u.vector.entries + *pos * VECTOR_ENTRY;
	memcpy(e->origin, p, RECORD_KEY_LEN);
	e->contig = s_get64(p + RECORD_KEY_LEN);
	(*pos)++;
	return true;
}

bool
frame_records_next(const struct frame *f, size_t *pos, const uint8_t **rec,
    size_t *rec_len)
{
	uint32_t n;

	/* frame_decode() checked every length; *pos is a byte offset. */
	if (*pos >= f->u.records.len)
		return false;
	n = s_get32(f->u.records.data + *pos);
	*rec = f->u.records.data + *pos + 4;
	*rec_len = n;
	*pos += 4 + n;
	return true;
}

size_t
frame_hello(uint8_t *out, size_t cap, const struct frame_hello *h)
{
	if (cap < HELLO_LEN)
		return 0;
	out[0] = FT_HELLO;
	out[1] = h->version;
	out[2] = h->flags;
	memcpy(out + 3, h->key, RECORD_KEY_LEN);
	s_put32(out + 3 + RECORD_KEY_LEN, h->n_origins);
	memcpy(out + 7 + RECORD_KEY_LEN, h->digest, 32);
	return HELLO_LEN;
}

size_t
frame_credit(uint8_t *out, size_t cap, uint32_t n)
{
	if (cap < CREDIT_LEN)
		return 0;
	out[0] = FT_CREDIT;
	s_put32(out + 1, n);
	return CREDIT_LEN;
}

size_t
frame_note(uint8_t *out, size_t cap, uint8_t type,
    const uint8_t origin[RECORD_KEY_LEN], uint64_t seq)
{
	if (cap < NOTE_LEN)
		return 0;
	out[0] = type;
	memcpy(out + 1, origin, RECORD_KEY_LEN);
	s_put64(out + 1 + RECORD_KEY_LEN, seq);
	return NOTE_LEN;
}

size_t
frame_sealed(uint8_t *out, size_t cap, const uint8_t *box, size_t box_len)
{
	if (box_len < FRAME_SEALED_MIN || box_len > FRAME_SEALED_MAX ||
	    cap < 1 + box_len)
		return 0;
	out[0] = FT_SEALED;
	memcpy(out + 1, box, box_len);
	return 1 + box_len;
}

size_t
frame_vector_begin(uint8_t *out, size_t cap)
{
	if (cap < VECTOR_HDR)
		return 0;
	out[0] = FT_VECTOR;
	out[1] = 0;
	s_put16(out + 2, 0);
	return VECTOR_HDR;
}

bool
frame_vector_add(uint8_t *out, size_t cap, size_t *len,
    const struct frame_vector_entry *e)
{
	uint16_t count = s_get16(out + 2);

	if (count >= FRAME_VECTOR_MAX || cap - *len < VECTOR_ENTRY)
		return false;
	memcpy(out + *len, e->origin, RECORD_KEY_LEN);
	s_put64(out + *len + RECORD_KEY_LEN, e->contig);
	*len += VECTOR_ENTRY;
	s_put16(out + 2, (uint16_t)(count + 1));
	return true;
}

void
frame_vector_finish(uint8_t *out, bool last)
{
	out[1] = last ? VECTOR_F_LAST : 0;
}

size_t
frame_records_begin(uint8_t *out, size_t cap)
{
	if (cap < RECORDS_HDR)
		return 0;
	out[0] = FT_RECORDS;
	s_put16(out + 1, 0);
	return RECORDS_HDR;
}

bool
frame_records_add(uint8_t *out, size_t cap, size_t *len, const uint8_t *rec,
    size_t rec_len)
{
	uint16_t count = s_get16(out + 1);

	if (count >= FRAME_RECORDS_MAX || cap - *len < 4 + rec_len)
		return false;
	s_put32(out + *len, (uint32_t)rec_len);
	memcpy(out + *len + 4, rec, rec_len);
	*len += 4 + rec_len;
	s_put16(out + 1, (uint16_t)(count + 1));
	return true;
}

uint16_t
frame_records_count(const uint8_t *out)
{
	return s_get16(out + 1);
}

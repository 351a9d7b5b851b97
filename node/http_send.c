/*
 * http_send.c - streams an answer file to the client, as it is or
 * gzip-compressed on the fly (zlib's deflate with a gzip wrapper), in
 * fixed buffers whatever the file's size.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#include "node/http_int.h"

#define S_BLOCK		32768	/* bytes libmicrohttpd asks for at once */
#define S_IN		65536	/* file bytes read per deflate refill */
#define S_GZIP_BITS	(15 + 16)	/* 32 KiB window, gzip header and trailer */

struct s_reader {
	int fd;			/* the answer file */
	uint64_t off;		/* gzip: file bytes given to deflate */
	bool gzip;		/* compress */
	bool eof;		/* the file is read to its end */
	bool zdone;		/* deflate wrote its trailer */
	z_stream z;		/* deflate state (gzip) */
	uint8_t in[S_IN];	/* file bytes waiting for deflate */
};

static ssize_t
s_read_plain(struct s_reader *r, uint64_t pos, char *buf, size_t max)
{
	ssize_t n;

	do
		n = pread(r->fd, buf, max, (off_t)pos);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	/* The size was announced: a short file means it changed under us. */
	return n == 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

/*
 * Fills buf with compressed bytes.  Never returns 0 (with an internal
 * polling thread that would spin): deflate is fed until it produces
 * output or ends.
 */
static ssize_t
s_read_gzip(struct s_reader *r, char *buf, size_t max)
{
	if (r->zdone)
		return MHD_CONTENT_READER_END_OF_STREAM;
	r->z.next_out = (Bytef *)buf;
	r->z.avail_out = (uInt)max;
	while (r->z.avail_out == max) {
		int zrc;

		if (r->z.avail_in == 0 && !r->eof) {
			ssize_t n = pread(r->fd, r->in, sizeof(r->in),
			    (off_t)r->off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			r->eof = n == 0;
			r->off += (uint64_t)n;
			r->z.next_in = r->in;
			r->z.avail_in = (uInt)n;
		}
		zrc = deflate(&r->z, r->eof ? Z_FINISH : Z_NO_FLUSH);
		if (zrc == Z_STREAM_END) {
			r->zdone = true;
			break;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (r->z.avail_out == max)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return (ssize_t)(max - r->z.avail_out);
}

static ssize_t
s_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct s_reader *r = cls;

	return r->gzip ? s_read_gzip(r, buf, max) :
	    s_read_plain(r, pos, buf, max);
}

static void
s_free(void *cls)
{
	struct s_reader *r = cls;

	if (r->gzip)
		deflateEnd(&r->z);
	close(r->fd);
	free(r);
}

struct MHD_Response *
http_send_file(struct http_answer *a, bool gzip)
{
	struct MHD_Response *resp;
	struct s_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		http_answer_clear(a);
		return NULL;
	}
	r->fd = a->fd;
	a->fd = -1;
	r->gzip = gzip;
	if (gzip && deflateInit2(&r->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
	    S_GZIP_BITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		close(r->fd);
		free(r);
		return NULL;
	}
	resp = MHD_create_response_from_callback(gzip ? MHD_SIZE_UNKNOWN :
	    a->size, S_BLOCK, s_read, r, s_free);
	if (resp == NULL)
		s_free(r);
	return resp;
}

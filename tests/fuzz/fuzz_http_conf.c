/*
 * libFuzzer target: the http.conf parser.  Every error must come with a
 * message, no field may overflow (ASan watches), a file without errors
 * must have a listener and a consumer, and no parsed consumer may pass
 * with a wrong token.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "node/http_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int s_msgs;

static void
s_err(void *ctx, const char *msg)
{
	(void)ctx;
	if (msg == NULL || msg[0] == '\0')
		abort();
	s_msgs++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	struct http_conf *c;
	int n;

	if (!init) {
		if (sodium_init() < 0)
			abort();
		init = true;
	}
	if ((c = http_conf_new()) == NULL)
		abort();
	s_msgs = 0;
	n = http_conf_parse(c, "fuzz.conf", (const char *)data, size, s_err,
	    NULL);
	if (n != s_msgs || c->n_consumers > HTTP_CONF_CONSUMERS_MAX)
		abort();
	for (size_t i = 0; i < c->n_consumers; i++) {
		const struct http_consumer *k = &c->consumers[i];

		if (strlen(k->name) == 0 || strlen(k->name) >= sizeof(k->name) ||
		    k->max_tlp > 4 || k->max > HTTP_CONF_MAX_ENTRIES)
			abort();
		/* A wrong token never matches. */
		if (http_conf_basic(c, k->name, "x", 1) != NULL)
			abort();
	}
	if (n == 0 && (c->addr_len == 0 || c->n_consumers == 0))
		abort();
	http_conf_destroy(&c);
	return 0;
}

/*
 * libFuzzer target: the kyojod.conf parser.  Every error must come with
 * a message, and no value may overflow its field (ASan watches).
 */
#include <stdlib.h>

#include "node/config.h"

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
	struct config c;
	int n;

	s_msgs = 0;
	config_defaults(&c, "/fuzz");
	n = config_parse(&c, "fuzz.conf", (const char *)data, size, s_err, NULL);
	if (n != s_msgs)
		abort();
	return 0;
}

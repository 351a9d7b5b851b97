#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

#include "node/ctlclient.h"

void
ctlclient_path(const char *dir, char *out, size_t cap)
{
	snprintf(out, cap, "%s/control.sock", dir);
}

int
ctlclient_call(const char *dir, cJSON *req, int timeout_ms, cJSON **reply,
    const char **why)
{
	char path[1100], endpoint[1200], *text;
	zmq_pollitem_t item;
	struct stat st;
	void *ctx, *sock;
	zmq_msg_t msg;
	int rc = 0, linger = 0;

	*reply = NULL;
	ctlclient_path(dir, path, sizeof(path));
	if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return *why = "kyojod is not running (no control socket)",
		    KY_ENOTFOUND;
	snprintf(endpoint, sizeof(endpoint), "ipc://%s", path);
	cJSON_AddNumberToObject(req, "v", CONTROL_VERSION);
	if ((text = cJSON_PrintUnformatted(req)) == NULL)
		return *why = "out of memory", KY_ENOMEM;
	ctx = zmq_ctx_new();
	sock = ctx ? zmq_socket(ctx, ZMQ_REQ) : NULL;
	if (sock == NULL) {
		cJSON_free(text);
		if (ctx)
			zmq_ctx_term(ctx);
		return *why = "cannot create a ZeroMQ socket", KY_ESYS;
	}
	zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(sock, endpoint) != 0 ||
	    zmq_send(sock, text, strlen(text), 0) < 0) {
		rc = KY_ESYS;
		*why = "cannot reach the control socket";
		goto out;
	}
	item = (zmq_pollitem_t){ .socket = sock, .events = ZMQ_POLLIN };
	if (zmq_poll(&item, 1, timeout_ms) <= 0) {
		rc = KY_ETIMEOUT;
		*why = "kyojod did not answer in time";
		goto out;
	}
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, sock, 0) < 0) {
		rc = KY_ESYS;
		*why = "cannot read the answer";
	} else {
		*reply = cJSON_ParseWithLength(zmq_msg_data(&msg),
		    zmq_msg_size(&msg));
		if (*reply == NULL || !cJSON_IsObject(*reply)) {
			cJSON_Delete(*reply);
			*reply = NULL;
			rc = KY_EMALFORMED;
			*why = "the answer is not a JSON object";
		}
	}
	zmq_msg_close(&msg);
out:
	cJSON_free(text);
	zmq_close(sock);
	zmq_ctx_term(ctx);
	return rc;
}

/*
 * http.c - the listener: libmicrohttpd's daemon, authentication, routing
 * and the headers of each answer.  The bodies are written by
 * http_answer.c and streamed by http_send.c.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>
#include <sodium.h>

#include "node/http.h"
#include "node/http_int.h"
#include "node/log.h"

#define S_CONNECTIONS	64	/* open connections, all clients */
#define S_PER_IP	8	/* open connections from one address */
#define S_IDLE_SECS	60	/* an idle connection is closed after this */
#define S_REALM		"kyojo"

#define S_V4	(POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_CIDR4))
#define S_V6	(POLICY_TYPE_BIT(IT_IPV6) | POLICY_TYPE_BIT(IT_CIDR6))
#define S_ADDRS	(POLICY_TYPE_BIT(IT_IPV4) | POLICY_TYPE_BIT(IT_IPV6))
#define S_NETS	(POLICY_TYPE_BIT(IT_CIDR4) | POLICY_TYPE_BIT(IT_CIDR6))

/* The plain lists, one per appliance list type. */
static const struct {
	const char *path;
	uint32_t types;
} s_lists[] = {
	{ "/lists/ipv4.txt", S_V4 },
	{ "/lists/ipv6.txt", S_V6 },
	{ "/lists/domains.txt", POLICY_TYPE_BIT(IT_DOMAIN) |
	    POLICY_TYPE_BIT(IT_HOSTNAME) },
	{ "/lists/urls.txt", POLICY_TYPE_BIT(IT_URL) },
};

/* One request, from its headers to its end (libmicrohttpd's con_cls). */
struct s_req {
	struct http_peer *peer;	/* set with a cursor to commit */
	bool commit;		/* a CrowdSec answer: remember cursor if sent whole */
	uint64_t cursor;	/* the cursor that answer covered */
};

/* --- small answers -------------------------------------------------------- */

static enum MHD_Result
s_text(struct MHD_Connection *conn, unsigned status, const char *body,
    const char *ctype)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD");
	if (status == MHD_HTTP_UNAUTHORIZED)
		ret = MHD_queue_basic_auth_fail_response(conn, S_REALM, r);
	else
		ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The client's address, for log lines. */
static const char *
s_client(struct MHD_Connection *conn, char *buf, size_t cap)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, cap, "?");
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return buf;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, buf, (socklen_t)cap);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, buf, (socklen_t)cap);
	return buf;
}

/* --- authentication ------------------------------------------------------- */

/*
 * The consumer behind the request's X-Api-Key, or else its basic
 * credentials; NULL (logged, by consumer name at most) when neither
 * matches.  A basic password is wiped once compared; an X-Api-Key stays
 * in libmicrohttpd's connection buffer, which it owns, until the request
 * ends.
 */
static struct http_peer *
s_auth(struct http *h, struct MHD_Connection *conn)
{
	const struct http_consumer *c = NULL;
	const char *key;
	char *user, *pass = NULL, ip[INET6_ADDRSTRLEN];

	key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Api-Key");
	if (key != NULL) {
		if ((c = http_conf_api_key(h->conf, key, strlen(key))) == NULL)
			log_warnx("http: %s: X-Api-Key matches no consumer",
			    s_client(conn, ip, sizeof(ip)));
		return c == NULL ? NULL : &h->peers[c - h->conf->consumers];
	}
	if ((user = MHD_basic_auth_get_username_password(conn, &pass)) == NULL)
		return NULL;
	c = http_conf_basic(h->conf, user, pass != NULL ? pass : "",
	    pass != NULL ? strlen(pass) : 0);
	if (c == NULL) {
		bool known = false;

		for (size_t i = 0; i < h->conf->n_consumers; i++)
			known |= strcmp(h->conf->consumers[i].name, user) == 0;
		/* An unknown name is not echoed: it may be a token typed
		 * into the wrong field. */
		if (known)
			log_warnx("http: %s: wrong token for consumer '%s'",
			    s_client(conn, ip, sizeof(ip)), user);
		else
			log_warnx("http: %s: basic auth with an unknown "
			    "consumer name", s_client(conn, ip, sizeof(ip)));
	}
	if (pass != NULL) {
		sodium_memzero(pass, strlen(pass));
		MHD_free(pass);
	}
	MHD_free(user);
	return c == NULL ? NULL : &h->peers[c - h->conf->consumers];
}

/* --- header parsing ------------------------------------------------------- */

/* Does the item [s, s+n) of a header list name `name` (case-insensitive),
 * without q=0? */
static bool
s_coding(const char *s, size_t n, const char *name)
{
	size_t len = strlen(name), i;
	const char *q;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	if (n < len || strncasecmp(s, name, len) != 0)
		return false;
	for (i = len; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i < n && s[i] != ';')
		return false;
	for (q = s + i; q < s + n; q++)
		if ((q[0] == 'q' || q[0] == 'Q') && q + 1 < s + n && q[1] == '=') {
			/* q=0, q=0.0, q=0.000: refused */
			for (q += 2; q < s + n && (*q == '0' || *q == '.'); q++)
				;
			return q < s + n && *q >= '1' && *q <= '9';
		}
	return true;
}

static bool
s_accepts_gzip(struct MHD_Connection *conn)
{
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT_ENCODING);

	while (ae != NULL && *ae != '\0') {
		size_t n = strcspn(ae, ",");

		if (s_coding(ae, n, "gzip") || s_coding(ae, n, "x-gzip"))
			return true;
		ae += n + (ae[n] == ',');
	}
	return false;
}

/* If-None-Match against etag (quoted): "*", or one of a list of entity
 * tags, weak or strong (RFC 9110 compares them weakly here). */
static bool
s_not_modified(struct MHD_Connection *conn, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	size_t el = strlen(etag);

	while (inm != NULL && *inm != '\0') {
		size_t n;

		while (*inm == ' ' || *inm == '\t' || *inm == ',')
			inm++;
		n = strcspn(inm, ",");
		while (n > 0 && (inm[n - 1] == ' ' || inm[n - 1] == '\t'))
			n--;
		if (n == 1 && inm[0] == '*')
			return true;
		if (n > 2 && inm[0] == 'W' && inm[1] == '/')
			inm += 2, n -= 2;
		if (n == el && memcmp(inm, etag, el) == 0)
			return true;
		inm += n;
		inm += strcspn(inm, ",");
	}
	return false;
}

static const char *
s_arg(struct MHD_Connection *conn, const char *name)
{
	const char *v = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* --- answers -------------------------------------------------------------- */

static const char *
s_ctype(const struct exporter *x)
{
	if (strcmp(x->name, "json") == 0)
		return "application/json";
	if (strcmp(x->name, "csv") == 0)
		return "text/csv; charset=utf-8";
	return "text/plain; charset=utf-8";
}

static void
s_headers(struct MHD_Response *r, const struct http_answer *a,
    const char *etag, bool gzip)
{
	char n[24];

	if (etag != NULL) {
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "no-cache");
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
	    MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gzip)
		(void)MHD_add_response_header(r,
		    MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	snprintf(n, sizeof(n), "%" PRIu64, a->entries);
	(void)MHD_add_response_header(r, "X-Kyojo-Entries", n);
	if (a->truncated > 0) {
		snprintf(n, sizeof(n), "%" PRIu64, a->truncated);
		(void)MHD_add_response_header(r, "X-Kyojo-Truncated", n);
	}
}

static void
s_log_truncated(const struct http_peer *p, const char *url,
    const struct http_answer *a)
{
	if (a->truncated > 0)
		log_info("http: %s: %s: %" PRIu64 " entries sent, %" PRIu64
		    " left out by max=%" PRIu64 " (kept confidence %lld and "
		    "above)", p->conf->name, url, a->entries, a->truncated,
		    p->conf->max, (long long)a->threshold);
	else
		log_debug("http: %s: %s: %" PRIu64 " entries", p->conf->name,
		    url, a->entries);
}

static enum MHD_Result
s_export(struct http *h, struct MHD_Connection *conn, struct http_peer *p,
    const char *url, const struct exporter *x, uint32_t types)
{
	struct http_answer a;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *why = NULL;
	char etag[2 * HTTP_ETAG_LEN + 8];
	bool gzip = s_accepts_gzip(conn);
	int rc;

	if ((rc = http_answer_export(h, p, x, types, &a, &why)) != 0) {
		log_warnx("http: %s: %s: %s: %s", p->conf->name, url, why,
		    ky_strerror(rc));
		return s_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "export failed\n", "text/plain");
	}
	/* The gzip bytes differ from the plain ones, so their tag does. */
	snprintf(etag, sizeof(etag), "\"%s%s\"", a.etag, gzip ? "-gz" : "");
	if (s_not_modified(conn, etag)) {
		http_answer_clear(&a);
		r = MHD_create_response_from_buffer(0, (void *)"",
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		s_headers(r, &a, etag, false);
		ret = MHD_queue_response(conn, MHD_HTTP_NOT_MODIFIED, r);
		MHD_destroy_response(r);
		log_debug("http: %s: %s: not modified", p->conf->name, url);
		return ret;
	}
	s_log_truncated(p, url, &a);
	if ((r = http_send_file(&a, gzip)) == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    s_ctype(x));
	s_headers(r, &a, etag, gzip);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* CrowdSec's scopes= (default ip,range) as a type mask. */
static uint32_t
s_scopes(const char *v)
{
	uint32_t types = 0;

	if (v == NULL)
		return S_ADDRS | S_NETS;
	while (*v != '\0') {
		size_t n = strcspn(v, ",");

		if (n == 2 && strncasecmp(v, "ip", 2) == 0)
			types |= S_ADDRS;
		else if (n == 5 && strncasecmp(v, "range", 5) == 0)
			types |= S_NETS;
		v += n + (v[n] == ',');
	}
	return types;
}

/* Does CrowdSec's origins= (absent: all) name ours? */
static bool
s_origin_ok(const char *v)
{
	if (v == NULL)
		return true;
	while (*v != '\0') {
		size_t n = strcspn(v, ",");

		if (n == 5 && strncasecmp(v, "kyojo", 5) == 0)
			return true;
		v += n + (v[n] == ',');
	}
	return false;
}

static enum MHD_Result
s_crowdsec(struct http *h, struct MHD_Connection *conn, struct s_req *rq,
    struct http_peer *p, const char *method)
{
	struct http_pull q = { 0 };
	struct http_answer a;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *why = NULL, *v;
	bool gzip = s_accepts_gzip(conn);
	int rc;

	if (!p->conf->crowdsec)
		return s_text(conn, MHD_HTTP_FORBIDDEN,
		    "{\"message\":\"this consumer is not marked crowdsec in "
		    "http.conf\"}\n", "application/json");
	/* As CrowdSec's LAPI: a HEAD neither reads nor moves the cursor. */
	if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		return s_text(conn, MHD_HTTP_OK, "", "application/json");
	v = s_arg(conn, "startup");
	q.startup = v != NULL && strcmp(v, "true") == 0;
	q.since_known = p->have_cursor;
	q.since = p->cursor;
	q.types = s_scopes(s_arg(conn, "scopes"));
	q.no_origin = !s_origin_ok(s_arg(conn, "origins"));
	q.contains = s_arg(conn, "scenarios_containing");
	q.not_contains = s_arg(conn, "scenarios_not_containing");
	if ((rc = http_answer_crowdsec(h, p, &q, &a, &why)) != 0) {
		log_warnx("http: %s: decisions stream: %s: %s", p->conf->name,
		    why, ky_strerror(rc));
		return s_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "{\"message\":\"export failed\"}\n", "application/json");
	}
	if (a.full && !q.startup)
		log_info("http: %s: no earlier pull known (kyojod restarted, "
		    "or the journal cannot name removals since then): "
		    "answering every current decision", p->conf->name);
	log_debug("http: %s: decisions stream: %" PRIu64 " new, %" PRIu64
	    " deleted", p->conf->name, a.entries, a.deleted);
	if (a.truncated > 0)
		s_log_truncated(p, "decisions stream", &a);
	if ((r = http_send_file(&a, gzip)) == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	s_headers(r, &a, NULL, gzip);
	rq->peer = p;
	rq->commit = true;
	rq->cursor = a.cursor;
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* --- libmicrohttpd callbacks ---------------------------------------------- */

static enum MHD_Result
s_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct s_req *rq = *con_cls;
	struct http_peer *p;
	const struct exporter *x;

	(void)version;
	(void)upload;
	if (rq == NULL) {
		/* First call: headers only.  Answer on the next one. */
		if ((rq = calloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;	/* no endpoint takes a body */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return s_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD\n", "text/plain");
	if ((p = s_auth(h, conn)) == NULL)
		return s_text(conn, MHD_HTTP_UNAUTHORIZED,
		    "authentication required: basic (consumer name and token) "
		    "or X-Api-Key\n", "text/plain");
	for (size_t i = 0; i < sizeof(s_lists) / sizeof(s_lists[0]); i++)
		if (strcmp(url, s_lists[i].path) == 0)
			return s_export(h, conn, p, url, &export_plain,
			    s_lists[i].types);
	if (strncmp(url, "/export/", 8) == 0 &&
	    (x = export_find(url + 8)) != NULL)
		return s_export(h, conn, p, url, x, x->types);
	if (strcmp(url, "/v1/decisions/stream") == 0)
		return s_crowdsec(h, conn, rq, p, method);
	return s_text(conn, MHD_HTTP_NOT_FOUND, "no such list\n",
	    "text/plain");
}

/* A CrowdSec cursor moves only once its answer was sent whole, as LAPI's
 * last_pull does. */
static void
s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct s_req *rq = *con_cls;

	(void)cls;
	(void)conn;
	if (rq == NULL)
		return;
	if (rq->commit && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		rq->peer->have_cursor = true;
		rq->peer->cursor = rq->cursor;
	}
	free(rq);
	*con_cls = NULL;
}

static void
s_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warnx("http: %s", msg);
}

static void
s_conf_error(void *ctx, const char *msg)
{
	(void)ctx;
	log_warnx("%s", msg);
}

/* --- start and stop ------------------------------------------------------- */

int
http_start(const struct config *cfg, struct store *s, struct http **out,
    const char **why)
{
	char path[CONFIG_PATH_MAX + 16];
	struct http_conf *conf = NULL;
	sigset_t all, old;
	struct http *h;
	unsigned flags;
	int rc;

	*out = NULL;
	*why = NULL;
	rc = http_conf_load(cfg->dir, &conf, s_conf_error, NULL);
	if (rc < 0) {
		*why = "cannot read http.conf";
		return rc;
	}
	if (rc > 0) {
		*why = "http.conf has errors";
		return KY_EINVAL;
	}
	if (conf == NULL)
		return 0;
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->peers = calloc(conf->n_consumers, sizeof(*h->peers))) == NULL) {
		free(h);
		http_conf_destroy(&conf);
		*why = "out of memory";
		return KY_ENOMEM;
	}
	h->conf = conf;
	h->store = s;
	snprintf(h->dir, sizeof(h->dir), "%s", cfg->dir);
	for (size_t i = 0; i < conf->n_consumers; i++) {
		h->peers[i].conf = &conf->consumers[i];
		h->peers[i].pc.name = conf->consumers[i].name;
		h->peers[i].pc.max_tlp = conf->consumers[i].max_tlp;
	}
	rc = policy_load(&h->policy, cfg, s_conf_error, NULL, why);
	if (rc != 0) {
		if (rc > 0) {
			*why = "the export allowlists have errors";
			rc = KY_EINVAL;
		}
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s", cfg->dir, EXPORT_JOURNAL_DIR);
	if ((rc = export_journal_open(path, &h->journal, why)) != 0)
		goto fail;
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (conf->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * The thread inherits a mask that blocks every signal, so SIGTERM
	 * and SIGHUP reach the main thread and wake its zmq_poll.  The
	 * logger must be the first option, or earlier ones log elsewhere.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, s_access, h,
	    MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, (void *)NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&conf->addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)S_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)S_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)S_IDLE_SECS,
	    MHD_OPTION_NOTIFY_COMPLETED, s_completed, (void *)h,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (h->mhd == NULL) {
		*why = "cannot listen on the address of http.conf";
		rc = KY_ESYS;
		goto fail;
	}
	log_info("http: listening on %s for %zu consumer%s", conf->listen,
	    conf->n_consumers, conf->n_consumers == 1 ? "" : "s");
	*out = h;
	return 0;
fail:
	http_stop(&h);
	return rc;
}

void
http_stop(struct http **p)
{
	struct http *h;

	if (p == NULL || (h = *p) == NULL)
		return;
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	export_journal_close(&h->journal);
	policy_clear(&h->policy);
	free(h->peers);
	http_conf_destroy(&h->conf);
	free(h);
	*p = NULL;
}

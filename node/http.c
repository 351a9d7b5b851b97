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
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "node/http.h"
#include "node/http_int.h"
#include "node/report_html.h"
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
	struct http_view *view;	/* held from the answer to the end */
	struct http_peer *peer;	/* set with a cursor to commit */
	bool commit;		/* a CrowdSec answer: remember cursor if sent whole */
	uint64_t cursor;	/* the cursor that answer covered */
	int64_t floor;		/* and the cap state it left (struct http_peer) */
	uint64_t quota;
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
s_auth(struct http_view *v, struct MHD_Connection *conn)
{
	const struct http_consumer *c = NULL;
	const char *key;
	char *user, *pass = NULL, ip[INET6_ADDRSTRLEN];

	key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Api-Key");
	if (key != NULL) {
		if ((c = http_conf_api_key(v->conf, key, strlen(key))) == NULL)
			log_warnx("http: %s: X-Api-Key matches no consumer",
			    s_client(conn, ip, sizeof(ip)));
		return c == NULL ? NULL : &v->peers[c - v->conf->consumers];
	}
	if ((user = MHD_basic_auth_get_username_password(conn, &pass)) == NULL)
		return NULL;
	c = http_conf_basic(v->conf, user, pass != NULL ? pass : "",
	    pass != NULL ? strlen(pass) : 0);
	if (c == NULL) {
		bool known = false;

		for (size_t i = 0; i < v->conf->n_consumers; i++)
			known |= strcmp(v->conf->consumers[i].name, user) == 0;
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
	return c == NULL ? NULL : &v->peers[c - v->conf->consumers];
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
s_export(struct http *h, struct http_view *v, struct MHD_Connection *conn,
    struct http_peer *p, const char *url, const struct exporter *x,
    uint32_t types)
{
	struct http_answer a;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *why = NULL;
	char etag[2 * HTTP_ETAG_LEN + 8];
	bool gzip = s_accepts_gzip(conn);
	int rc;

	if ((rc = http_answer_export(h, v, p, x, types, &a, &why)) != 0) {
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
s_crowdsec(struct http *h, struct http_view *v, struct MHD_Connection *conn,
    struct s_req *rq, struct http_peer *p, const char *method)
{
	struct http_pull q = { 0 };
	struct http_answer a;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *why = NULL, *arg;
	bool gzip = s_accepts_gzip(conn);
	int rc;

	if (!p->conf->crowdsec)
		return s_text(conn, MHD_HTTP_FORBIDDEN,
		    "{\"message\":\"this consumer is not marked crowdsec in "
		    "http.conf\"}\n", "application/json");
	/* As CrowdSec's LAPI: a HEAD neither reads nor moves the cursor. */
	if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		return s_text(conn, MHD_HTTP_OK, "", "application/json");
	arg = s_arg(conn, "startup");
	q.startup = arg != NULL && strcmp(arg, "true") == 0;
	pthread_mutex_lock(&h->lock);
	q.since_known = p->have_cursor;
	q.since = p->cursor;
	q.floor = p->floor;
	q.quota = p->quota;
	q.gen = p->gen;
	pthread_mutex_unlock(&h->lock);
	q.types = s_scopes(s_arg(conn, "scopes"));
	q.no_origin = !s_origin_ok(s_arg(conn, "origins"));
	q.contains = s_arg(conn, "scenarios_containing");
	q.not_contains = s_arg(conn, "scenarios_not_containing");
	if ((rc = http_answer_crowdsec(h, v, p, &q, &a, &why)) != 0) {
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
	rq->floor = a.floor;
	rq->quota = a.quota;
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * The coordinator's dashboard, for consumers marked "report": the same
 * page as `kyojo report --html`, k-anonymous like every view, without
 * members' health (which needs the daemon's links).  No external asset
 * may load: the page is self-contained, and the CSP says so.
 */
static enum MHD_Result
s_report(struct http *h, struct http_view *v, struct MHD_Connection *conn,
    struct http_peer *p)
{
	const char *lang = s_arg(conn, "lang"), *why = NULL;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *page;
	size_t len;
	int l = lang != NULL ? report_lang_from_name(lang) : REPORT_JA, rc;

	if (!p->conf->report)
		return s_text(conn, MHD_HTTP_FORBIDDEN, "this consumer is not "
		    "marked report in http.conf\n", "text/plain");
	if (l < 0)
		return s_text(conn, MHD_HTTP_BAD_REQUEST, "lang: ja or en\n",
		    "text/plain");
	if ((rc = http_report_page(h, v, l, &page, &len, &why)) != 0) {
		log_warnx("http: %s: report: %s: %s", p->conf->name,
		    why ? why : "", ky_strerror(rc));
		return s_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "report failed\n", "text/plain");
	}
	r = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(page);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/html; charset=utf-8");
	(void)MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'");
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
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
	struct http_view *v;
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
	/* From here on the request answers with the view of now, even if
	 * a reload publishes another meanwhile. */
	if (rq->view == NULL && (rq->view = http_view_acquire(h)) == NULL)
		return MHD_NO;
	v = rq->view;
	http_gone_note(h, v);
	if ((p = s_auth(v, conn)) == NULL)
		return s_text(conn, MHD_HTTP_UNAUTHORIZED,
		    "authentication required: basic (consumer name and token) "
		    "or X-Api-Key\n", "text/plain");
	for (size_t i = 0; i < sizeof(s_lists) / sizeof(s_lists[0]); i++)
		if (strcmp(url, s_lists[i].path) == 0)
			return s_export(h, v, conn, p, url, &export_plain,
			    s_lists[i].types);
	if (strncmp(url, "/export/", 8) == 0 &&
	    (x = export_find(url + 8)) != NULL)
		return s_export(h, v, conn, p, url, x, x->types);
	if (strcmp(url, "/v1/decisions/stream") == 0)
		return s_crowdsec(h, v, conn, rq, p, method);
	if (strcmp(url, "/report.html") == 0)
		return s_report(h, v, conn, p);
	return s_text(conn, MHD_HTTP_NOT_FOUND, "no such list\n",
	    "text/plain");
}

/* Whether a and b hold the same settings: a pull state made for one
 * fits the other. */
static bool
s_same_consumer(const struct http_consumer *a, const struct http_consumer *b)
{
	return strcmp(a->name, b->name) == 0 && a->max == b->max &&
	    a->max_tlp == b->max_tlp && a->crowdsec == b->crowdsec;
}

/* A CrowdSec cursor moves only once its answer was sent whole, as LAPI's
 * last_pull does.  It goes to the consumer of the current view: a reload
 * may have published another since the answer was made. */
static void
s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct s_req *rq = *con_cls;

	(void)conn;
	if (rq == NULL)
		return;
	if (rq->commit && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		pthread_mutex_lock(&h->lock);
		for (size_t i = 0; h->view != NULL &&
		    i < h->view->conf->n_consumers; i++) {
			struct http_peer *p = &h->view->peers[i];

			if (!s_same_consumer(p->conf, rq->peer->conf))
				continue;
			p->have_cursor = true;
			p->cursor = rq->cursor;
			p->floor = rq->floor;
			p->quota = rq->quota;
			p->gen = rq->view->gen;
		}
		pthread_mutex_unlock(&h->lock);
	}
	http_view_release(h, rq->view);
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

/* --- views ---------------------------------------------------------------- */

static void
s_view_free(struct http *h, struct http_view *v)
{
	if (v == NULL)
		return;
	http_view_release(h, v->prev);
	policy_clear(&v->policy);
	free(v->peers);
	http_conf_destroy(&v->conf);
	free(v);
}

struct http_view *
http_view_acquire(struct http *h)
{
	struct http_view *v;

	pthread_mutex_lock(&h->lock);
	if ((v = h->view) != NULL)
		v->refs++;
	pthread_mutex_unlock(&h->lock);
	return v;
}

void
http_view_release(struct http *h, struct http_view *v)
{
	bool last;

	if (v == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	last = --v->refs == 0 && v != h->view;
	pthread_mutex_unlock(&h->lock);
	if (last)
		s_view_free(h, v);
}

/*
 * A view of *conf (taken) and the export policy of cfg, with no
 * reference yet.  Errors, with *why: KY_EINVAL (the allowlists have
 * errors, logged), the policy's and the store's, KY_ENOMEM.
 */
static int
s_view_new(const struct config *cfg, struct store *s, struct http_conf **conf,
    struct http_view **out, const char **why)
{
	struct http_view *v;
	struct store_txn *t;
	int rc;

	*out = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->peers = calloc((*conf)->n_consumers, sizeof(*v->peers))) == NULL) {
		free(v);
		http_conf_destroy(conf);
		*why = "out of memory";
		return KY_ENOMEM;
	}
	v->conf = *conf;
	*conf = NULL;
	for (size_t i = 0; i < v->conf->n_consumers; i++) {
		v->peers[i].conf = &v->conf->consumers[i];
		v->peers[i].pc.name = v->conf->consumers[i].name;
		v->peers[i].pc.max_tlp = v->conf->consumers[i].max_tlp;
		v->peers[i].quota = HTTP_NO_QUOTA;
	}
	if ((rc = policy_load(&v->policy, cfg, s_conf_error, NULL, why)) != 0) {
		if (rc > 0) {
			*why = "the export allowlists have errors";
			rc = KY_EINVAL;
		}
		goto fail;
	}
	/* k counts organizations: the rosters come from the store. */
	if ((rc = store_read_begin(s, &t)) != 0) {
		*why = "cannot read the store";
		goto fail;
	}
	rc = policy_load_rosters(&v->policy, t);
	store_read_end(&t);
	if (rc != 0) {
		*why = "cannot read the rosters";
		goto fail;
	}
	*out = v;
	return 0;
fail:
	policy_clear(&v->policy);
	free(v->peers);
	http_conf_destroy(&v->conf);
	free(v);
	return rc;
}

/* --- values a reload stopped ------------------------------------------------ */

/* Drops what is older than HTTP_GONE_SECS. */
static void
s_gone_prune(struct http *h, uint64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < h->ngone; i++) {
		if (h->gone[i].at + HTTP_GONE_SECS < now) {
			free(h->gone[i].value);
			continue;
		}
		h->gone[k++] = h->gone[i];
	}
	h->ngone = k;
}

/* By type and value, the newest generation first. */
static int
s_gone_cmp(const void *a, const void *b)
{
	const struct http_gone *x = a, *y = b;
	int c;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if ((c = strcmp(x->value, y->value)) != 0)
		return c;
	return (x->gen < y->gen) - (x->gen > y->gen);
}

/* One entry per value: a value stopped by two reloads is named once,
 * with the later one. */
static void
s_gone_dedupe(struct http *h)
{
	size_t k = 0;

	if (h->ngone > 1)
		qsort(h->gone, h->ngone, sizeof(*h->gone), s_gone_cmp);
	for (size_t i = 0; i < h->ngone; i++) {
		if (k > 0 && h->gone[k - 1].type == h->gone[i].type &&
		    strcmp(h->gone[k - 1].value, h->gone[i].value) == 0) {
			free(h->gone[i].value);
			continue;
		}
		h->gone[k++] = h->gone[i];
	}
	h->ngone = k;
}

static int
s_gone_add(struct http *h, const struct export_entry *e, uint64_t now,
    uint64_t gen)
{
	struct http_gone *g;

	if (h->ngone == HTTP_GONE_MAX)
		return KY_EFULL;
	if (h->ngone == h->gone_cap) {
		size_t cap = h->gone_cap ? h->gone_cap * 2 : 64;

		if ((g = realloc(h->gone, cap * sizeof(*g))) == NULL)
			return KY_ENOMEM;
		h->gone = g;
		h->gone_cap = cap;
	}
	g = &h->gone[h->ngone];
	if ((g->value = strndup(e->value, e->len)) == NULL)
		return KY_ENOMEM;
	g->type = e->type;
	g->tlp = e->tlp;
	g->at = now;
	g->gen = gen;
	h->ngone++;
	return 0;
}

/* Every IP value prev exports and v refuses, noted with v's generation. */
static int
s_gone_walk(struct http *h, const struct http_view *prev,
    const struct http_view *v, uint64_t now, size_t *noted)
{
	static const struct policy_consumer all = {
		.name = "reload", .max_tlp = TLP_RED,
		.types = S_ADDRS | S_NETS,
	};
	const struct export_entry *e;
	struct export_iter *it = NULL;
	struct store_txn *t;
	int rc, op;

	if ((rc = store_read_begin(h->store, &t)) != 0)
		return rc;
	if ((rc = export_iter_full(&prev->policy, &all, t, now, NULL,
	    &it)) == 0) {
		while ((rc = export_iter_next(it, &op, &e)) == 1) {
			struct policy_verdict pv;

			if ((rc = policy_value(&v->policy, &all, t, e->type,
			    e->value, e->len, now, &pv)) != 0)
				break;
			if (pv.reason == POLICY_PASS)
				continue;
			if ((rc = s_gone_add(h, e, now, v->gen)) != 0)
				break;
			(*noted)++;
		}
		export_iter_destroy(&it);
	}
	store_read_end(&t);
	return rc < 0 ? rc : 0;
}

void
http_gone_note(struct http *h, struct http_view *v)
{
	struct http_view *prev;
	uint64_t now = (uint64_t)time(NULL);
	size_t noted = 0;
	bool crowdsec = false;
	int rc;

	pthread_mutex_lock(&h->lock);
	prev = v->prev;
	v->prev = NULL;
	pthread_mutex_unlock(&h->lock);
	if (prev == NULL)
		return;
	for (size_t i = 0; i < v->conf->n_consumers; i++)
		crowdsec |= v->conf->consumers[i].crowdsec;
	/* Only CrowdSec bouncers are told of removals. */
	if (crowdsec) {
		s_gone_prune(h, now);
		rc = s_gone_walk(h, prev, v, now, &noted);
		s_gone_dedupe(h);
		if (rc == KY_EFULL)
			log_warnx("http: reload: more than %d values stopped "
			    "within a day; the rest leave bouncers when their "
			    "durations end", HTTP_GONE_MAX);
		else if (rc != 0)
			log_warnx("http: reload: cannot tell which values the "
			    "new policy stops (%s); bouncers drop them when "
			    "their durations end", ky_strerror(rc));
		else if (noted > 0)
			log_info("http: reload: the new policy stops %zu "
			    "value%s; CrowdSec bouncers are told", noted,
			    noted == 1 ? "" : "s");
	}
	http_view_release(h, prev);
}

/* --- start, reload and stop ----------------------------------------------- */

static int
s_listen(struct http *h, const struct http_conf *conf, const char **why)
{
	sigset_t all, old;
	unsigned flags;

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
		return KY_ESYS;
	}
	return 0;
}

/* Loads http.conf: 0 with *conf (NULL: no file), else an error with *why
 * (the file's lines logged through err). */
static int
s_conf_load(const char *dir, struct http_conf **conf, config_error_fn err,
    void *ctx, const char **why)
{
	int rc = http_conf_load(dir, conf, err, ctx);

	if (rc < 0)
		*why = "cannot read http.conf";
	else if (rc > 0)
		*why = "http.conf has errors";
	return rc > 0 ? KY_EINVAL : rc;
}

int
http_start(const struct config *cfg, struct store *s, struct http **out,
    const char **why)
{
	char path[CONFIG_PATH_MAX + 16];
	struct http_conf *conf = NULL;
	struct http_view *v;
	struct http *h;
	int rc;

	*out = NULL;
	*why = NULL;
	if ((rc = s_conf_load(cfg->dir, &conf, s_conf_error, NULL, why)) != 0 ||
	    conf == NULL)
		return rc;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		http_conf_destroy(&conf);
		*why = "out of memory";
		return KY_ENOMEM;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->report_lock, NULL);
	h->store = s;
	snprintf(h->region, sizeof(h->region), "%s",
	    cfg->region[0] != '\0' ? cfg->region : cfg->name);
	h->view_k = (uint32_t)cfg->view_k;
	snprintf(h->dir, sizeof(h->dir), "%s", cfg->dir);
	snprintf(h->listen, sizeof(h->listen), "%s", conf->listen);
	if ((rc = s_view_new(cfg, s, &conf, &v, why)) != 0)
		goto fail;
	v->refs = 1;	/* the listener's */
	v->gen = 1;
	h->view = v;
	snprintf(path, sizeof(path), "%s/%s", cfg->dir, EXPORT_JOURNAL_DIR);
	if ((rc = export_journal_open(path, &h->journal, why)) != 0 ||
	    (rc = s_listen(h, v->conf, why)) != 0)
		goto fail;
	log_info("http: listening on %s for %zu consumer%s", v->conf->listen,
	    v->conf->n_consumers, v->conf->n_consumers == 1 ? "" : "s");
	*out = h;
	return 0;
fail:
	http_stop(&h);
	return rc;
}

int
http_check(const struct config *cfg, config_error_fn err, void *ctx,
    const char **why)
{
	struct http_conf *conf = NULL;
	struct policy p;
	int rc;

	*why = NULL;
	if ((rc = s_conf_load(cfg->dir, &conf, err, ctx, why)) != 0 ||
	    conf == NULL)
		return rc;
	http_conf_destroy(&conf);
	/* The listener also refuses to start on a bad allowlist line. */
	rc = policy_load(&p, cfg, err, ctx, why);
	if (rc > 0) {
		*why = "the export allowlists have errors";
		rc = KY_EINVAL;
	}
	policy_clear(&p);
	return rc;
}

void
http_reload(struct http **hp, const struct config *cfg, struct store *s)
{
	struct http_conf *conf = NULL;
	struct http_view *v, *old;
	struct http *h = *hp;
	const char *why = NULL;
	int rc;

	if ((rc = s_conf_load(cfg->dir, &conf, s_conf_error, NULL, &why)) != 0) {
		log_warnx("http: reload: %s; %s", why, h != NULL ?
		    "keeping the consumers and policy in use" :
		    "the listener stays off");
		return;
	}
	if (h == NULL || conf == NULL) {
		/* Turned on or off: the listener itself starts or stops. */
		http_conf_destroy(&conf);
		if (h != NULL) {
			log_info("http: reload: no http.conf any more; the "
			    "listener stops");
			http_stop(hp);
		} else if ((rc = http_start(cfg, s, hp, &why)) != 0)
			log_warnx("http: reload: %s (%s); the listener stays "
			    "off", why ? why : "cannot start", ky_strerror(rc));
		return;
	}
	if (strcmp(conf->listen, h->listen) != 0)
		log_warnx("http: reload: listen %s takes effect when kyojod "
		    "restarts; still listening on %s", conf->listen, h->listen);
	if ((rc = s_view_new(cfg, s, &conf, &v, &why)) != 0) {
		log_warnx("http: reload: %s (%s); keeping the consumers and "
		    "policy in use", why ? why : "failed", ky_strerror(rc));
		return;
	}
	v->refs = 1;
	pthread_mutex_lock(&h->lock);
	old = h->view;
	v->gen = old->gen + 1;
	/* Pull state carries over to a consumer whose line kept its
	 * settings; another one starts over with a full answer. */
	for (size_t i = 0; i < v->conf->n_consumers; i++)
		for (size_t j = 0; j < old->conf->n_consumers; j++) {
			const struct http_peer *o = &old->peers[j];

			if (!s_same_consumer(v->peers[i].conf, o->conf))
				continue;
			v->peers[i].have_cursor = o->have_cursor;
			v->peers[i].cursor = o->cursor;
			v->peers[i].floor = o->floor;
			v->peers[i].quota = o->quota;
			v->peers[i].gen = o->gen;
		}
	/* What consumers were last served under: old's, or, when old
	 * answered nothing yet, what old itself was to compare with. */
	if (old->prev != NULL) {
		v->prev = old->prev;
		old->prev = NULL;
	} else {
		v->prev = old;
		old->refs++;
	}
	h->view = v;
	pthread_mutex_unlock(&h->lock);
	http_view_release(h, old);	/* the listener's reference */
	log_info("http: reload: %zu consumer%s, export policy reloaded",
	    v->conf->n_consumers, v->conf->n_consumers == 1 ? "" : "s");
}

void
http_stop(struct http **p)
{
	struct http_view *v;
	struct http *h;

	if (p == NULL || (h = *p) == NULL)
		return;
	/* Stopping the daemon ends every request, and with them their
	 * references to views. */
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	pthread_mutex_lock(&h->lock);
	v = h->view;
	h->view = NULL;
	pthread_mutex_unlock(&h->lock);
	http_view_release(h, v);
	export_journal_close(&h->journal);
	for (size_t i = 0; i < h->ngone; i++)
		free(h->gone[i].value);
	free(h->gone);
	http_report_clear(h);
	pthread_mutex_destroy(&h->report_lock);
	pthread_mutex_destroy(&h->lock);
	free(h);
	*p = NULL;
}

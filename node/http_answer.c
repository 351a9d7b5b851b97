/*
 * http_answer.c - writes an HTTP answer into an unlinked file: a full
 * export through one of export.h's formats, capped by confidence, or a
 * CrowdSec decisions stream.
 *
 * The whole answer is written inside one read transaction, which ends
 * before anything is sent (http.h says why).  The file lives in the node
 * directory (mode 0700): answers may carry TLP:AMBER values, which do not
 * belong in a shared /tmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "node/http_int.h"
#include "protocol/indicator.h"

#define S_FILE_BUF	65536	/* stdio buffer of an answer file */

/* The answer file's writer: hashes what it writes, for the ETag. */
struct s_sink {
	int fd;
	uint64_t size;
	crypto_generichash_state st;
};

static ssize_t
s_sink_write(void *cookie, const char *buf, size_t len)
{
	struct s_sink *k = cookie;
	size_t done = 0;

	crypto_generichash_update(&k->st, (const uint8_t *)buf, len);
	while (done < len) {
		ssize_t n = write(k->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	k->size += len;
	return (ssize_t)len;
}

/* An unlinked file in dir; -1 (errno set) on failure. */
static int
s_tmpfile(const char *dir)
{
	char path[CONFIG_PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/.http-answer-XXXXXX", dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
		return -1;
	(void)unlink(path);
	return fd;
}

/* Opens a->fd and a stdio stream over it that feeds k; NULL on failure
 * (a->fd closed again). */
static FILE *
s_open(struct http *h, struct http_answer *a, struct s_sink *k)
{
	static const cookie_io_functions_t io = { .write = s_sink_write };
	FILE *f;

	memset(a, 0, sizeof(*a));
	if ((a->fd = s_tmpfile(h->dir)) < 0)
		return NULL;
	k->fd = a->fd;
	k->size = 0;
	crypto_generichash_init(&k->st, NULL, 0, HTTP_ETAG_LEN);
	if ((f = fopencookie(k, "w", io)) == NULL) {
		http_answer_clear(a);
		return NULL;
	}
	(void)setvbuf(f, NULL, _IOFBF, S_FILE_BUF);
	return f;
}

/* Flushes and closes f, then fills a's size and ETag.  KY_EIO when
 * anything failed to reach the file. */
static int
s_close(FILE *f, struct s_sink *k, struct http_answer *a)
{
	uint8_t hash[HTTP_ETAG_LEN];
	bool bad = fflush(f) != 0 || ferror(f);

	if (fclose(f) != 0 || bad)
		return KY_EIO;
	crypto_generichash_final(&k->st, hash, sizeof(hash));
	sodium_bin2hex(a->etag, sizeof(a->etag), hash, sizeof(hash));
	a->size = k->size;
	return 0;
}

void
http_answer_clear(struct http_answer *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

/* --- the cap -------------------------------------------------------------- */

static bool s_pull_ok(const struct http_pull *q, const struct export_entry *e);

/* Which entries of a capped full pass go out: those above threshold,
 * and the first `quota` at it. */
struct s_cap {
	bool on;		/* the consumer has a max and it bites */
	int64_t threshold;	/* lowest confidence kept */
	uint64_t quota;		/* entries at the threshold still to keep */
	uint64_t truncated;	/* entries left out */
};

static int64_t
s_conf(const struct export_entry *e)
{
	return e->confidence < 0 ? 0 : e->confidence > 100 ? 100 :
	    e->confidence;
}

/*
 * First pass of a capped export: counts the entries by confidence (101
 * counters, whatever the store holds), then finds the lowest confidence
 * that still fits into max.  The second pass, over the same snapshot,
 * sees the same entries in the same order, so "the first quota at the
 * threshold" is deterministic.
 */
static int
s_cap_plan(const struct policy *pol, const struct policy_consumer *pc,
    struct store_txn *t, uint64_t now, uint64_t max, uint32_t types,
    const struct http_pull *q, struct s_cap *cap)
{
	uint64_t hist[101] = { 0 }, total = 0, kept = 0;
	const struct export_entry *e;
	struct export_iter *it;
	int rc, op;

	memset(cap, 0, sizeof(*cap));
	if (max == 0)
		return 0;
	if ((rc = export_iter_full(pol, pc, t, now, NULL, &it)) != 0)
		return rc;
	while ((rc = export_iter_next(it, &op, &e)) == 1) {
		if (e->type <= 0 || !(types & POLICY_TYPE_BIT(e->type)) ||
		    (q != NULL && !s_pull_ok(q, e)))
			continue;
		hist[s_conf(e)]++;
		total++;
	}
	export_iter_destroy(&it);
	if (rc < 0)
		return rc;
	if (total <= max)
		return 0;
	cap->on = true;
	cap->truncated = total - max;
	for (int c = 100; c >= 0; c--) {
		if (kept + hist[c] >= max) {
			cap->threshold = c;
			cap->quota = max - kept;
			break;
		}
		kept += hist[c];
	}
	return 0;
}

static bool
s_cap_keep(struct s_cap *cap, const struct export_entry *e)
{
	int64_t c = s_conf(e);

	if (!cap->on || c > cap->threshold)
		return true;
	if (c < cap->threshold || cap->quota == 0)
		return false;
	cap->quota--;
	return true;
}

/* --- exports -------------------------------------------------------------- */

int
http_answer_export(struct http *h, const struct http_view *v,
    const struct http_peer *p, const struct exporter *x, uint32_t types,
    struct http_answer *a, const char **why)
{
	struct policy_consumer pc = p->pc;
	struct export_out o = { 0 };
	const struct export_entry *e;
	struct export_iter *it = NULL;
	struct store_txn *t = NULL;
	struct s_sink k;
	struct s_cap cap;
	uint64_t now = (uint64_t)time(NULL);
	int rc, op;
	FILE *f;

	pc.types = types & x->types;
	if ((f = s_open(h, a, &k)) == NULL) {
		*why = "cannot create an answer file in the node directory";
		return ky_from_errno(errno);
	}
	*why = "cannot read the store";
	if ((rc = store_read_begin(h->store, &t)) != 0)
		goto done;
	*why = "export failed";
	if ((rc = s_cap_plan(&v->policy, &pc, t, now, p->conf->max, pc.types,
	    NULL, &cap)) != 0)
		goto done;
	if ((rc = export_iter_full(&v->policy, &pc, t, now, NULL, &it)) != 0)
		goto done;
	o.f = f;
	o.now = now;
	o.cursor = a->cursor = export_iter_cursor(it);
	if ((rc = x->begin(&o)) != 0)
		goto done;
	while ((rc = export_iter_next(it, &op, &e)) == 1) {
		if (e->type <= 0 || !(pc.types & POLICY_TYPE_BIT(e->type)) ||
		    !s_cap_keep(&cap, e))
			continue;
		if ((rc = x->emit(&o, op, e)) != 0)
			goto done;
		o.entries++;
	}
	if (rc < 0 || (rc = x->end(&o)) != 0)
		goto done;
	a->entries = o.entries;
	a->truncated = cap.truncated;
	a->threshold = cap.on ? cap.threshold : 0;
done:
	export_iter_destroy(&it);
	store_read_end(&t);
	free(o.buf);
	if (s_close(f, &k, a) != 0 && rc == 0) {
		*why = "cannot write the answer file";
		rc = KY_EIO;
	}
	if (rc != 0)
		http_answer_clear(a);
	return rc;
}

/* --- CrowdSec ------------------------------------------------------------- */

/* Go's time.Duration.String() for whole seconds: "45s", "5m0s",
 * "3h59m12s"; bouncers parse it with time.ParseDuration. */
static void
s_duration(uint64_t s, char *out, size_t cap)
{
	if (s < 60)
		snprintf(out, cap, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(out, cap, "%" PRIu64 "m%" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(out, cap, "%" PRIu64 "h%" PRIu64 "m%" PRIu64 "s",
		    s / 3600, s / 60 % 60, s % 60);
}

/*
 * A decision's id: 48 bits of a hash of type and value, so that the
 * "deleted" decision for a value carries the id its "new" one had
 * (CrowdSec's are database row ids; bouncers key on the value).
 */
static uint64_t
s_decision_id(int type, const char *value, size_t len)
{
	crypto_generichash_state st;
	uint8_t t = (uint8_t)type, hash[8];
	uint64_t id = 0;

	crypto_generichash_init(&st, NULL, 0, sizeof(hash));
	crypto_generichash_update(&st, &t, 1);
	crypto_generichash_update(&st, (const uint8_t *)value, len);
	crypto_generichash_final(&st, hash, sizeof(hash));
	for (int i = 0; i < 6; i++)
		id = id << 8 | hash[i];
	return id + 1;
}

/* A JSON string body; values and categories are printable, but a
 * category is not ours to trust. */
static void
s_json_str(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

/* One decision object; comma before all but the first of an array. */
static void
s_decision(FILE *f, bool first, int op, const struct export_entry *e)
{
	char dur[48];
	bool net = e->type == IT_CIDR4 || e->type == IT_CIDR6;

	s_duration(op == EXPORT_ADD ? e->timeout : 0, dur, sizeof(dur));
	fprintf(f, "%s{\"duration\":\"%s\",\"id\":%" PRIu64 ",\"origin\":"
	    "\"kyojo\",\"scenario\":\"kyojo", first ? "" : ",", dur,
	    s_decision_id(e->type, e->value, e->len));
	if (op == EXPORT_ADD && e->category != NULL && e->category[0] != '\0') {
		fputc('/', f);
		s_json_str(f, e->category);
	}
	fprintf(f, "\",\"scope\":\"%s\",\"type\":\"ban\",\"value\":\"",
	    net ? "Range" : "Ip");
	s_json_str(f, e->value);
	fputs("\"}", f);
}

/* Case-insensitive: does s contain any item of the comma-separated list? */
static bool
s_contains_any(const char *s, const char *list)
{
	char item[128];

	while (*list != '\0') {
		size_t n = strcspn(list, ",");

		if (n > 0 && n < sizeof(item)) {
			memcpy(item, list, n);
			item[n] = '\0';
			if (strcasestr(s, item) != NULL)
				return true;
		}
		list += n + (list[n] == ',');
	}
	return false;
}

/* CrowdSec's origins= and scenario filters (on "kyojo/<category>") for
 * a decision in "new". */
static bool
s_pull_ok(const struct http_pull *q, const struct export_entry *e)
{
	char sc[POLICY_CATEGORY_MAX + 8];

	if (q->no_origin)
		return false;
	if (q->contains == NULL && q->not_contains == NULL)
		return true;
	snprintf(sc, sizeof(sc), "kyojo/%s", e->category ? e->category : "");
	if (q->contains != NULL && !s_contains_any(sc, q->contains))
		return false;
	return q->not_contains == NULL || !s_contains_any(sc, q->not_contains);
}

/* Appends the whole of file fd to f. */
static int
s_append(FILE *f, int fd)
{
	char buf[16384];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return KY_EIO;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fwrite(buf, 1, (size_t)n, f) != (size_t)n)
			return KY_EIO;
	}
	return 0;
}

/* One CrowdSec answer being written: "new" goes straight to the answer
 * file, "deleted" to a second file appended at the end. */
struct s_cs {
	struct http *h;
	const struct http_view *v;
	const struct http_pull *q;
	struct policy_consumer pc;	/* the consumer, with the pull's types */
	struct store_txn *t;		/* the one snapshot of the answer */
	uint64_t now;
	FILE *fnew, *fdel;
	uint64_t nnew, ndel;		/* decisions written to each */
	struct s_cap cap;		/* the consumer's max, planned */
	uint64_t at_cut;		/* entries the cap keeps at its threshold */
};

static void
s_cs_new(struct s_cs *c, const struct export_entry *e)
{
	s_decision(c->fnew, c->nnew++ == 0, EXPORT_ADD, e);
}

/* Removing a decision the bouncer does not hold is harmless, so removals
 * are never filtered by scenario or capped. */
static void
s_cs_del(struct s_cs *c, const struct export_entry *e)
{
	if (!c->q->no_origin)
		s_decision(c->fdel, c->ndel++ == 0, EXPORT_DEL, e);
}

static bool
s_cs_type(const struct s_cs *c, int type)
{
	return type > 0 && (c->pc.types & POLICY_TYPE_BIT(type));
}

/* Every current decision the cap keeps, into "new"; a->cursor. */
static int
s_cs_full(struct s_cs *c, struct http_answer *a)
{
	const struct export_entry *e;
	struct export_iter *it = NULL;
	int rc, op;

	if ((rc = export_iter_full(&c->v->policy, &c->pc, c->t, c->now,
	    c->h->journal, &it)) != 0)
		return rc;
	a->cursor = export_iter_cursor(it);
	while ((rc = export_iter_next(it, &op, &e)) == 1)
		if (s_cs_type(c, e->type) && s_pull_ok(c->q, e) &&
		    s_cap_keep(&c->cap, e))
			s_cs_new(c, e);
	if (rc == 0)
		rc = export_iter_finish(it);
	export_iter_destroy(&it);
	return rc;
}

/*
 * What a bouncer that starts afresh may still hold: every value the
 * export journal knows was exported and is not any more (retracted,
 * expired, vetoed, or refused by the policy since), over the journal's
 * whole window.  A value whose entry ended long ago has left the
 * journal, and the bouncer's own timeout removed it.  The values are
 * decided as for a consumer of every TLP: one that is only above this
 * consumer's TLP is still exported to others and is not named here.
 */
static int
s_cs_journal_gone(struct s_cs *c)
{
	struct policy_consumer red = c->pc;
	const struct export_entry *e;
	struct export_iter *it = NULL;
	uint64_t since = export_journal_since(c->h->journal);
	int rc, op;

	if (since == UINT64_MAX)
		return 0;	/* nothing was ever exported */
	red.max_tlp = TLP_RED;
	rc = export_iter_delta(&c->v->policy, &red, c->t, c->now,
	    c->h->journal, since, &it);
	if (rc == KY_EVERSION)
		return 0;
	if (rc != 0)
		return rc;
	while ((rc = export_iter_next(it, &op, &e)) == 1)
		if (op == EXPORT_DEL && s_cs_type(c, e->type))
			s_cs_del(c, e);
	if (rc == 0)
		rc = export_iter_finish(it);
	export_iter_destroy(&it);
	return rc;
}

/* The values reloads stopped after generation gen (and in the last
 * HTTP_GONE_SECS), into "deleted", unless one is exported again by now
 * (another record carries it, the allowlist entry went again). */
static int
s_cs_reload_gone(struct s_cs *c, uint64_t gen)
{
	struct policy_verdict pv;
	int rc;

	for (size_t i = 0; i < c->h->ngone; i++) {
		const struct http_gone *g = &c->h->gone[i];
		struct export_entry e = { .type = g->type, .value = g->value,
		    .len = strlen(g->value), .category = "" };

		if (g->gen <= gen || g->at + HTTP_GONE_SECS < c->now ||
		    g->tlp > c->pc.max_tlp || !s_cs_type(c, g->type))
			continue;
		if ((rc = policy_value(&c->v->policy, &c->pc, c->t, e.type,
		    e.value, e.len, c->now, &pv)) != 0)
			return rc;
		if (pv.reason != POLICY_PASS)
			s_cs_del(c, &e);
	}
	return 0;
}

/*
 * The changes since q->since.  An addition goes into "new" when the
 * consumer's cap keeps it: above the cut-off's confidence; below it, it
 * goes into "deleted" (the bouncer may hold it from before); at the
 * cut-off, *at_cut is set and s_cs_band() decides, as it does after a
 * removal while the cap bites.
 */
static int
s_cs_delta(struct s_cs *c, struct http_answer *a, bool *at_cut)
{
	const struct export_entry *e;
	struct export_iter *it = NULL;
	int rc, op;

	if ((rc = export_iter_delta(&c->v->policy, &c->pc, c->t, c->now,
	    c->h->journal, c->q->since, &it)) != 0)
		return rc;
	a->cursor = export_iter_cursor(it);
	while ((rc = export_iter_next(it, &op, &e)) == 1) {
		if (!s_cs_type(c, e->type))
			continue;
		/* A removal names no category: scenario filters apply to
		 * additions only. */
		if (op == EXPORT_DEL) {
			s_cs_del(c, e);
			/* It may have held a place at the cut-off that the
			 * next one in line now takes. */
			*at_cut |= c->cap.on;
			continue;
		}
		if (!s_pull_ok(c->q, e))
			continue;
		if (!c->cap.on || s_conf(e) > c->cap.threshold)
			s_cs_new(c, e);
		else if (s_conf(e) < c->cap.threshold)
			s_cs_del(c, e);
		else
			*at_cut = true;
	}
	if (rc == 0)
		rc = export_iter_finish(it);
	export_iter_destroy(&it);
	return rc;
}

/*
 * When the cut-off moved since the consumer's last pull (its confidence,
 * or how many it keeps at that confidence), or the delta touched an
 * entry at it: a pass over every current decision puts those whose
 * confidence lies between the old cut-off and the new one into "new"
 * when the cap keeps them and into "deleted" when it does not.  Above
 * both cut-offs the bouncer holds everything; below both, nothing.
 */
static int
s_cs_band(struct s_cs *c, int64_t floor, bool at_cut)
{
	const struct export_entry *e;
	struct export_iter *it = NULL;
	int64_t lo, hi, now_floor = c->cap.on ? c->cap.threshold : 0;
	uint64_t now_quota = c->cap.on ? c->at_cut : HTTP_NO_QUOTA;
	int rc, op;

	if (floor == now_floor && c->q->quota == now_quota && !at_cut)
		return 0;
	lo = floor < now_floor ? floor : now_floor;
	hi = floor > now_floor ? floor : now_floor;
	if ((rc = export_iter_full(&c->v->policy, &c->pc, c->t, c->now,
	    c->h->journal, &it)) != 0)
		return rc;
	while ((rc = export_iter_next(it, &op, &e)) == 1) {
		bool keep;

		if (!s_cs_type(c, e->type) || !s_pull_ok(c->q, e))
			continue;
		/* Every entry, so that the quota at the cut-off is spent in
		 * the same order as in a full answer. */
		keep = s_cap_keep(&c->cap, e);
		if (s_conf(e) < lo || s_conf(e) > hi)
			continue;
		if (keep)
			s_cs_new(c, e);
		else
			s_cs_del(c, e);
	}
	if (rc == 0)
		rc = export_iter_finish(it);
	export_iter_destroy(&it);
	return rc;
}

int
http_answer_crowdsec(struct http *h, const struct http_view *v,
    const struct http_peer *p, const struct http_pull *q,
    struct http_answer *a, const char **why)
{
	struct s_cs c = { .h = h, .v = v, .q = q, .pc = p->pc,
	    .now = (uint64_t)time(NULL) };
	struct http_answer del = { .fd = -1 };
	struct s_sink k, kd;
	bool at_cut = false;
	int rc;

	c.pc.types = q->types;
	if ((c.fnew = s_open(h, a, &k)) == NULL) {
		*why = "cannot create an answer file in the node directory";
		return ky_from_errno(errno);
	}
	fputs("{\"new\":[", c.fnew);
	if ((c.fdel = s_open(h, &del, &kd)) == NULL) {
		*why = "cannot create an answer file in the node directory";
		rc = ky_from_errno(errno);
		goto done;
	}
	*why = "cannot read the store";
	if ((rc = store_read_begin(h->store, &c.t)) != 0)
		goto done;
	*why = "export failed";
	if ((rc = s_cap_plan(&v->policy, &c.pc, c.t, c.now, p->conf->max,
	    c.pc.types, q, &c.cap)) != 0)
		goto done;
	c.at_cut = c.cap.quota;
	a->full = q->startup || !q->since_known;
	if (!a->full) {
		rc = s_cs_delta(&c, a, &at_cut);
		/* The journal cannot name the removals since that cursor
		 * (or it is not ours): all current decisions instead. */
		if (rc == KY_EVERSION && c.nnew + c.ndel == 0)
			a->full = true;
		else if (rc != 0)
			goto done;
		else if ((rc = s_cs_reload_gone(&c, q->gen)) == 0)
			rc = s_cs_band(&c, q->floor, at_cut);
	}
	if (a->full) {
		if ((rc = s_cs_full(&c, a)) != 0 ||
		    (rc = s_cs_journal_gone(&c)) != 0 ||
		    (rc = s_cs_reload_gone(&c, 0)) != 0)
			goto done;
	}
	if (rc != 0)
		goto done;
	fputs("],\"deleted\":[", c.fnew);
	rc = s_close(c.fdel, &kd, &del);
	c.fdel = NULL;
	if (rc != 0 || (rc = s_append(c.fnew, del.fd)) != 0) {
		*why = "cannot write the answer file";
		goto done;
	}
	fputs("]}\n", c.fnew);
	a->entries = c.nnew;
	a->deleted = c.ndel;
	a->truncated = c.cap.truncated;
	a->threshold = c.cap.on ? c.cap.threshold : 0;
	a->floor = c.cap.on ? c.cap.threshold : 0;
	a->quota = c.cap.on ? c.at_cut : HTTP_NO_QUOTA;
done:
	store_read_end(&c.t);
	if (c.fdel != NULL)
		(void)s_close(c.fdel, &kd, &del);
	http_answer_clear(&del);
	if (s_close(c.fnew, &k, a) != 0 && rc == 0) {
		*why = "cannot write the answer file";
		rc = KY_EIO;
	}
	if (rc != 0)
		http_answer_clear(a);
	return rc;
}

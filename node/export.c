/*
 * export.c - the entry iterators (full pass and delta) and the driver
 * that runs them through a format.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/export_int.h"

static const struct exporter *const s_exporters[] = {
	&export_plain, &export_nft, &export_ipset, &export_suricata,
	&export_suricata_dataset, &export_zeek, &export_rpz, &export_mikrotik,
	&export_csv, &export_json,
};
#define S_NEXPORTERS (sizeof(s_exporters) / sizeof(s_exporters[0]))

const struct exporter *
export_find(const char *name)
{
	for (size_t i = 0; i < S_NEXPORTERS; i++)
		if (strcmp(s_exporters[i]->name, name) == 0)
			return s_exporters[i];
	return NULL;
}

const struct exporter *
export_at(size_t i)
{
	return i < S_NEXPORTERS ? s_exporters[i] : NULL;
}

/* One record borrowed from the store, with its change (deltas). */
struct s_item {
	struct record r;
	uint64_t cursor;
	int op;
};

struct export_iter {
	const struct policy *p;
	const struct policy_consumer *c;
	struct store_txn *t;
	struct export_journal *j;	/* may be NULL (full pass only) */
	uint64_t now;
	uint64_t cursor;		/* the snapshot's newest change */
	bool delta;
	bool done;
	/* Full pass: origin by origin, seq by seq. */
	uint8_t (*origins)[RECORD_KEY_LEN];
	size_t norigins, capo, oi;
	uint64_t next_seq;
	bool origin_done;		/* the last batch ended the origin */
	/* Delta: the last change consumed. */
	uint64_t pos;
	/* The current batch. */
	struct s_item batch[EXPORT_BATCH];
	size_t nb, bi;
	/* The entry handed out, and what it points into. */
	struct policy_verdict v;
	struct export_entry e;
	char value[INDICATOR_VALUE_MAX + 1];
	struct policy_counts counts;
	uint64_t adds, dels;		/* entries handed out */
	/* Journal writes not yet handed over (export_int.h). */
	uint8_t *jbuf;
	size_t jlen, jcap, jn;
};

static int
s_collect_origin(void *ctx, const struct store_head *h)
{
	struct export_iter *it = ctx;
	uint8_t (*no)[RECORD_KEY_LEN];

	if (it->norigins == it->capo) {
		size_t cap = it->capo ? 2 * it->capo : 16;

		if ((no = realloc(it->origins, cap * sizeof(*no))) == NULL)
			return KY_ENOMEM;
		it->origins = no;
		it->capo = cap;
	}
	memcpy(it->origins[it->norigins++], h->origin, RECORD_KEY_LEN);
	return 0;
}

static struct export_iter *
s_new(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, uint64_t now, struct export_journal *j)
{
	struct export_iter *it = calloc(1, sizeof(*it));

	if (it == NULL)
		return NULL;
	it->p = p, it->c = c, it->t = t, it->now = now, it->j = j;
	it->cursor = store_cursor(t);
	it->next_seq = 1;
	return it;
}

int
export_iter_full(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, uint64_t now, struct export_journal *j,
    struct export_iter **out)
{
	struct export_iter *it;
	int rc;

	*out = NULL;
	if ((it = s_new(p, c, t, now, j)) == NULL)
		return KY_ENOMEM;
	/* Heads are one per origin, not per record: memory stays small. */
	if ((rc = store_heads(t, s_collect_origin, it)) != 0 ||
	    (j != NULL && (rc = export_journal_start(j, it->cursor)) != 0)) {
		export_iter_destroy(&it);
		return rc < 0 ? rc : KY_ECORRUPT;
	}
	*out = it;
	return 0;
}

int
export_iter_delta(const struct policy *p, const struct policy_consumer *c,
    struct store_txn *t, uint64_t now, struct export_journal *j,
    uint64_t since, struct export_iter **out)
{
	struct export_iter *it;

	*out = NULL;
	if ((it = s_new(p, c, t, now, j)) == NULL)
		return KY_ENOMEM;
	if (since < export_journal_since(j) || since > it->cursor) {
		export_iter_destroy(&it);
		return KY_EVERSION;
	}
	it->delta = true;
	it->pos = since;
	*out = it;
	return 0;
}

uint64_t
export_iter_cursor(const struct export_iter *it)
{
	return it->cursor;
}

bool
export_iter_is_delta(const struct export_iter *it)
{
	return it->delta;
}

const struct policy_counts *
export_iter_counts(const struct export_iter *it)
{
	return &it->counts;
}

void
export_iter_ops(const struct export_iter *it, uint64_t *adds, uint64_t *dels)
{
	*adds = it->adds;
	*dels = it->dels;
}

/* Hands the buffered journal writes over, in one transaction. */
static int
s_flush(struct export_iter *it)
{
	int rc;

	if (it->jn == 0)
		return 0;
	rc = export_journal_write(it->j, it->jbuf, it->jlen);
	it->jlen = it->jn = 0;
	return rc;
}

int
export_iter_finish(struct export_iter *it)
{
	int rc;

	if (it->j == NULL)
		return 0;
	if ((rc = s_flush(it)) != 0)
		return rc;
	return it->delta ? 0 : export_journal_gc(it->j, it->now);
}

void
export_iter_destroy(struct export_iter **p)
{
	struct export_iter *it;

	if (p == NULL || (it = *p) == NULL)
		return;
	if (it->j != NULL) {
		/* export_iter_finish() is the checked path; here a failed
		 * write has no one to tell. */
		int rc = s_flush(it);

		(void)rc;
	}
	free(it->jbuf);
	free(it->origins);
	free(it);
	*p = NULL;
}

/* --- batches ------------------------------------------------------------ */

static int
s_take_record(void *ctx, const struct record *r)
{
	struct export_iter *it = ctx;

	it->batch[it->nb++].r = *r;
	return it->nb == EXPORT_BATCH;
}

static int
s_take_change(void *ctx, uint64_t cursor, int op, const struct record *r)
{
	struct export_iter *it = ctx;
	struct s_item *x = &it->batch[it->nb++];

	x->r = *r;
	x->cursor = cursor;
	x->op = op;
	return 0;
}

/* Refills the batch; 0 with it->nb == 0 at the end. */
static int
s_refill(struct export_iter *it)
{
	int rc;

	it->nb = it->bi = 0;
	if (it->delta) {
		rc = store_changes(it->t, it->pos, EXPORT_BATCH, s_take_change,
		    it);
		return rc < 0 ? rc : 0;
	}
	while (it->nb == 0 && it->oi < it->norigins) {
		if (it->origin_done) {
			it->oi++;
			it->next_seq = 1;
			it->origin_done = false;
			continue;
		}
		rc = store_range(it->t, it->origins[it->oi], it->next_seq,
		    s_take_record, it);
		if (rc < 0)
			return rc;
		it->origin_done = rc == 0;
		if (it->nb > 0)
			it->next_seq = it->batch[it->nb - 1].r.h.seq + 1;
	}
	return 0;
}

/* --- entries ------------------------------------------------------------ */

static void
s_entry_add(struct export_iter *it)
{
	const struct policy_verdict *v = &it->v;
	struct export_entry *e = &it->e;

	memset(e, 0, sizeof(*e));
	e->type = v->type;
	e->value = v->value;
	e->len = v->len;
	e->until = v->until;
	e->timeout = v->until > it->now ? v->until - it->now : 1;
	e->confidence = v->confidence;
	e->category = v->category;
	e->tlp = v->tlp;
	e->origins = v->origins;
	e->id = v->id;
}

static void
s_entry_del(struct export_iter *it, int type, const char *value, size_t len,
    bool expired)
{
	struct export_entry *e = &it->e;

	memset(e, 0, sizeof(*e));
	if (value != it->value) {
		memcpy(it->value, value, len);
		it->value[len] = '\0';
	}
	e->type = type;
	e->value = it->value;
	e->len = len;
	e->expired = expired;
	e->category = "";
	e->origins = it->v.origins;
}

static void
s_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Remembers that the verdict's carrier carried its value. */
static int
s_journal(struct export_iter *it)
{
	const struct policy_verdict *v = &it->v;
	size_t need = EXPORT_JOURNAL_KEY + 2 + 9 + v->len;
	uint8_t *p, *nb;
	int rc;

	if (it->j == NULL)
		return 0;
	if (it->jlen + need > it->jcap) {
		size_t cap = it->jcap ? 2 * it->jcap : 64 * 1024;

		while (cap < it->jlen + need)
			cap *= 2;
		if ((nb = realloc(it->jbuf, cap)) == NULL)
			return KY_ENOMEM;
		it->jbuf = nb;
		it->jcap = cap;
	}
	p = it->jbuf + it->jlen;
	memcpy(p, v->origin, RECORD_KEY_LEN);
	s_be64(p + RECORD_KEY_LEN, v->seq);
	p[EXPORT_JOURNAL_KEY] = (uint8_t)((9 + v->len) >> 8);
	p[EXPORT_JOURNAL_KEY + 1] = (uint8_t)(9 + v->len);
	p += EXPORT_JOURNAL_KEY + 2;
	s_be64(p, v->until);
	p[8] = (uint8_t)v->type;
	memcpy(p + 9, v->value, v->len);
	it->jlen += need;
	if (++it->jn >= EXPORT_JOURNAL_FLUSH ||
	    it->jlen >= EXPORT_JOURNAL_BYTES) {
		if ((rc = s_flush(it)) != 0)
			return rc;
	}
	return 0;
}

/*
 * True when any live indicator about the verdict's value that this
 * consumer may see was exported.  The journal is shared by all consumers:
 * a record above the consumer's TLP was never sent to it, and a removal
 * for it would tell the consumer its value.  Writes this iterator still
 * buffers need not be searched: every value is decided as of the one
 * snapshot, so a value this run adds is not one it finds removed.
 */
static int
s_was_exported(struct export_iter *it, bool *yes)
{
	char value[INDICATOR_VALUE_MAX + 1];
	uint64_t until;
	size_t len;
	int type, rc;

	*yes = false;
	for (unsigned i = 0; i < it->v.nrecs; i++) {
		if (it->v.recs[i].tlp > it->c->max_tlp)
			continue;
		rc = export_journal_get(it->j, it->v.recs[i].origin,
		    it->v.recs[i].seq, &until, &type, value, sizeof(value),
		    &len);
		if (rc == 0) {
			*yes = true;
			return 0;
		}
		if (rc != KY_ENOTFOUND)
			return rc;
	}
	return 0;
}

/* A full pass: 1 with an entry, 0 at the end, or an error. */
static int
s_next_full(struct export_iter *it, int *op)
{
	const struct record *r;
	int rc;

	for (;;) {
		if (it->bi == it->nb) {
			if ((rc = s_refill(it)) != 0)
				return rc;
			if (it->nb == 0)
				return 0;
		}
		r = &it->batch[it->bi++].r;
		if (r->h.kind != RK_INDICATOR)
			continue;
		if ((rc = policy_check(it->p, it->c, it->t, r, it->now,
		    &it->v)) != 0)
			return rc;
		it->counts.n[it->v.reason]++;
		if (it->v.reason != POLICY_PASS)
			continue;
		if ((rc = s_journal(it)) != 0)
			return rc;
		s_entry_add(it);
		*op = EXPORT_ADD;
		return 1;
	}
}

/*
 * One change: decides its value again.  1 with an entry, 0 when the
 * change needs nothing, or an error.
 */
static int
s_change(struct export_iter *it, const struct s_item *x, int *op)
{
	char value[INDICATOR_VALUE_MAX + 1];
	bool removal = x->op == STORE_OP_EXPIRE || x->op == STORE_OP_RETRACT;
	bool exported = false;
	uint64_t until = 0;
	size_t len;
	int type, rc;

	/* A consumer that may not see this record's TLP never got its
	 * value from it: a removal would tell it the value. */
	if (removal && x->r.h.tlp > it->c->max_tlp)
		return 0;
	if (removal) {
		/* A stub names no value: the journal does, if it was ever
		 * exported; if not, there is nothing to remove. */
		rc = export_journal_get(it->j, x->r.h.origin, x->r.h.seq,
		    &until, &type, value, sizeof(value), &len);
		if (rc == KY_ENOTFOUND)
			return 0;
		if (rc != 0)
			return rc;
		exported = true;
	} else if (!policy_record_value(&x->r, &type, value, sizeof(value),
	    &len)) {
		return 0;
	}
	if ((rc = policy_value(it->p, it->c, it->t, type, value, len, it->now,
	    &it->v)) != 0)
		return rc;
	it->counts.n[it->v.reason]++;
	if (it->v.reason == POLICY_PASS) {
		if ((rc = s_journal(it)) != 0)
			return rc;
		s_entry_add(it);
		*op = EXPORT_ADD;
		return 1;
	}
	if (it->v.reason == POLICY_TYPE)
		return 0;
	if (!exported && (rc = s_was_exported(it, &exported)) != 0)
		return rc;
	if (!exported)
		return 0;
	s_entry_del(it, type, value, len, x->op == STORE_OP_EXPIRE ||
	    (removal && until <= it->now) || it->v.reason == POLICY_EXPIRED);
	*op = EXPORT_DEL;
	return 1;
}

static int
s_next_delta(struct export_iter *it, int *op)
{
	const struct s_item *x;
	int rc;

	for (;;) {
		if (it->bi == it->nb) {
			if ((rc = s_refill(it)) != 0)
				return rc;
			if (it->nb == 0)
				return 0;
		}
		x = &it->batch[it->bi++];
		it->pos = x->cursor;
		if ((rc = s_change(it, x, op)) != 0)
			return rc;
	}
}

int
export_iter_next(struct export_iter *it, int *op,
    const struct export_entry **e)
{
	int rc;

	if (it->done)
		return 0;
	rc = it->delta ? s_next_delta(it, op) : s_next_full(it, op);
	if (rc != 1) {
		it->done = true;
		return rc;
	}
	if (*op == EXPORT_ADD)
		it->adds++;
	else
		it->dels++;
	*e = &it->e;
	return 1;
}

/* --- the driver ---------------------------------------------------------- */

int
export_append(struct export_out *o, const char *s, size_t len)
{
	char *nb;

	if (o->buflen + len + 1 > o->bufcap) {
		size_t cap = o->bufcap ? o->bufcap : 4096;

		while (cap < o->buflen + len + 1)
			cap *= 2;
		if ((nb = realloc(o->buf, cap)) == NULL)
			return KY_ENOMEM;
		o->buf = nb;
		o->bufcap = cap;
	}
	memcpy(o->buf + o->buflen, s, len);
	o->buflen += len;
	o->buf[o->buflen] = '\0';
	return 0;
}

void
export_time(uint64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 21, "%llu", (unsigned long long)t);
}

int
export_write(const struct exporter *x, struct export_iter *it, FILE *f,
    uint64_t now)
{
	struct export_out o = {
		.f = f, .now = now, .cursor = export_iter_cursor(it),
		.delta = export_iter_is_delta(it),
	};
	const struct export_entry *e;
	int rc, op, n;

	if (o.delta && !(x->flags & EXPORTER_DELTA))
		return KY_EINVAL;
	rc = x->begin(&o);
	while (rc == 0 && (n = export_iter_next(it, &op, &e)) != 0) {
		if (n < 0) {
			rc = n;
			break;
		}
		/* The consumer's types should lie within the format's; an
		 * entry outside them would come out wrong: never write it. */
		if (e->type <= 0 || !(x->types & POLICY_TYPE_BIT(e->type)))
			continue;
		rc = x->emit(&o, op, e);
		o.entries++;
	}
	if (rc == 0)
		rc = x->end(&o);
	free(o.buf);
	if (rc == 0)
		rc = export_iter_finish(it);
	if (fflush(f) != 0 || ferror(f))
		rc = rc != 0 ? rc : KY_EIO;
	return rc;
}

/*
 * check_export - node/export*.c: every format's exact output for a small
 * fixed store (golden files in tests/vectors/export/; run with
 * KY_WRITE_VECTORS=1 to rewrite them after a deliberate change, and
 * review the diff), expiry jitter, deltas after retraction, expiry and
 * veto, the journal's refusals, and that an allowlisted value never
 * appears in any format.  Where nft and ipset exist and network
 * namespaces can be made, the nft and ipset outputs are also loaded
 * into a throwaway namespace.  Debug with CK_FORK=no.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "node/export.h"
#include "node/unseal.h"
#include "tests/testutil.h"

#define T0	1700000000ull		/* "now" of the tests */
#define TTL	(30ull * 86400)
#define GOLDEN	KY_VECTORS "/export"

struct chain {
	struct ident *id;
	uint64_t seq;
	uint8_t prev[RECORD_ID_LEN];
	uint8_t last[RECORD_ID_LEN];
};

static char *s_dir;
static struct store *s_st;
static struct policy s_p;
static struct chain s_self, s_a, s_b;
static struct export_journal *s_j;
static uint8_t s_max_tlp = TLP_RED;	/* the consumer s_run exports to */

static void
s_chain(struct chain *c, uint8_t seed)
{
	memset(c, 0, sizeof(*c));
	c->id = tu_ident(seed);
}

static void
s_setup(void)
{
	char path[512];
	const char *why = NULL;

	s_dir = tu_tmpdir("export");
	snprintf(path, sizeof(path), "%s/store", s_dir);
	ck_assert_int_eq(store_open(path, STORE_CREATE, &s_st, &why), 0);
	snprintf(path, sizeof(path), "%s/export", s_dir);
	ck_assert_int_eq(export_journal_open(path, &s_j, &why), 0);
	s_chain(&s_self, 1);
	/* This node opens what is sealed to it, as kyojod does. */
	store_set_opener(s_st, unseal_record, s_self.id);
	s_max_tlp = TLP_RED;
	s_chain(&s_a, 2);
	s_chain(&s_b, 3);
	ck_assert_int_eq(policy_init(&s_p), 0);
	s_p.have_self = true;
	memcpy(s_p.self, ident_public(s_self.id), RECORD_KEY_LEN);
	ck_assert_int_eq(allowlist_add(s_p.allow, "8.8.8.8", 0, "t", 1, &why), 0);
	ck_assert_int_eq(allowlist_add(s_p.allow, "192.0.2.0/28", 0, "t", 2,
	    &why), 0);
	ck_assert_int_eq(allowlist_add(s_p.allow, "2001:db8:ffff::/48", 0, "t",
	    3, &why), 0);
	ck_assert_int_eq(allowlist_add(s_p.allow, "dns.example", 0, "t", 4,
	    &why), 0);
}

static void
s_teardown(void)
{
	export_journal_close(&s_j);
	policy_clear(&s_p);
	store_close(&s_st);
	ident_destroy(&s_self.id);
	ident_destroy(&s_a.id);
	ident_destroy(&s_b.id);
	tu_rmrf(s_dir);
	free(s_dir);
}

/* Signs and stores c's next record; AMBER and RED bodies are sealed to
 * their author. */
static void
s_put_tlp(struct chain *c, uint8_t kind, uint8_t tlp, uint8_t pap,
    uint64_t created, uint64_t expires, const char *body, uint64_t now)
{
	struct record_header h = {
		.kind = kind, .tlp = tlp, .pap = pap, .seq = ++c->seq,
		.created = created, .expires = expires,
	};
	struct store_result res;
	const char *why = NULL;
	uint8_t *rec;
	size_t len;

	memcpy(h.prev, c->prev, RECORD_ID_LEN);
	rec = tu_sign(c->id, &h, body, &len);
	tu_id(rec, c->last);
	memcpy(c->prev, c->last, RECORD_ID_LEN);
	ck_assert_int_eq(store_ingest(s_st, (const uint8_t *const *)&rec, &len,
	    1, now, &res, &why), 0);
	ck_assert_msg(res.rc == 0, "ingest: %s", res.why ? res.why : "?");
	free(rec);
}

static void
s_put_at(struct chain *c, uint8_t kind, uint8_t pap, uint64_t created,
    uint64_t expires, const char *body, uint64_t now)
{
	s_put_tlp(c, kind, TLP_CLEAR, pap, created, expires, body, now);
}

static void
s_ind_conf(struct chain *c, const char *type, const char *value, int conf,
    uint64_t expires)
{
	char body[1024];

	snprintf(body, sizeof(body), "{\"type\":\"%s\",\"value\":\"%s\","
	    "\"category\":\"malicious-code:c2-server\",\"confidence\":%d}",
	    type, value, conf);
	s_put_at(c, RK_INDICATOR, PAP_GREEN, T0 - 100, expires, body, T0);
}

static void
s_ind(struct chain *c, const char *type, const char *value)
{
	s_ind_conf(c, type, value, 80, T0 + TTL);
}

static void
s_sight(struct chain *c, const char *type, const char *value,
    const char *verdict)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"type\":\"%s\",\"value\":\"%s\","
	    "\"verdict\":\"%s\"}", type, value, verdict);
	s_put_at(c, RK_SIGHTING, PAP_GREEN, T0 - 50, T0 + TTL, body, T0);
}

static void
s_retract(struct chain *c, const uint8_t *target, uint64_t now)
{
	char body[160], hex[2 * RECORD_ID_LEN + 1];

	record_hex(target, RECORD_ID_LEN, hex);
	snprintf(body, sizeof(body), "{\"ref\":\"%s\"}", hex);
	s_put_at(c, RK_RETRACTION, PAP_GREEN, now - 1, 0, body, now);
}

/*
 * The fixed store: every type, values that pass, values refused for
 * each reason, one value from two origins, one reported twice.
 */
static void
s_fill(void)
{
	s_ind(&s_self, "ipv4", "203.0.113.7");
	s_ind(&s_self, "cidr4", "198.51.96.0/20");
	s_ind(&s_self, "ipv6", "2001:db8::8:800:200c:417a");
	s_ind(&s_self, "cidr6", "2001:db8:1234::/48");
	s_ind(&s_self, "domain", "login-bank.example");
	s_ind(&s_self, "hostname", "_c2.beacon.example");
	s_ind(&s_self, "url", "http://invoice.example/doc/a,b\\\"c.zip");
	s_ind(&s_self, "email", "billing@invoice.example");
	s_ind(&s_self, "md5", "d41d8cd98f00b204e9800998ecf8427e");
	s_ind(&s_self, "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e464"
	    "9b934ca495991b7852b855");
	s_ind(&s_self, "asn", "AS64511");
	/* Allowlisted, each way. */
	s_ind(&s_self, "ipv4", "8.8.8.8");
	s_ind(&s_self, "cidr4", "192.0.0.0/20");
	s_ind(&s_self, "cidr6", "2001:db8:ffff:1::/64");
	s_ind(&s_self, "domain", "dns.example");
	s_ind(&s_self, "url", "https://www.dns.example/q");
	/* Refused otherwise. */
	s_ind_conf(&s_self, "ipv4", "203.0.113.8", 20, T0 + TTL);
	s_ind(&s_a, "ipv4", "203.0.113.9");
	/* Two origins: k = 2. */
	s_ind(&s_a, "ipv4", "203.0.113.10");
	s_ind(&s_b, "ipv4", "203.0.113.10");
	/* The same value twice: one entry, the later one. */
	s_ind_conf(&s_self, "ipv4", "203.0.113.7", 90, T0 + 2 * TTL);
}

/* Runs a full (since 0: none) or delta export through x into a string. */
static char *
s_run(const struct exporter *x, bool delta, uint64_t since, uint64_t now,
    struct policy_counts *counts, uint64_t *cursor)
{
	struct policy_consumer c = {
		.name = "firewall", .max_tlp = s_max_tlp, .types = x->types,
	};
	struct export_iter *it;
	struct store_txn *t;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(store_read_begin(s_st, &t), 0);
	if (delta)
		ck_assert_int_eq(export_iter_delta(&s_p, &c, t, now, s_j, since,
		    &it), 0);
	else
		ck_assert_int_eq(export_iter_full(&s_p, &c, t, now, s_j, &it), 0);
	ck_assert_ptr_nonnull(f = open_memstream(&out, &len));
	ck_assert_int_eq(export_write(x, it, f, now), 0);
	fclose(f);
	if (counts != NULL)
		*counts = *export_iter_counts(it);
	if (cursor != NULL)
		*cursor = export_iter_cursor(it);
	export_iter_destroy(&it);
	store_read_end(&t);
	return out;
}

static char *
s_read(const char *path)
{
	uint8_t *buf = NULL;
	size_t len;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return NULL;
	buf = malloc(1 << 20);
	len = fread(buf, 1, (1 << 20) - 1, f);
	buf[len] = '\0';
	fclose(f);
	return (char *)buf;
}

START_TEST(test_golden)
{
	const struct exporter *x;
	char path[512], *got, *want;

	s_fill();
	for (size_t i = 0; (x = export_at(i)) != NULL; i++) {
		got = s_run(x, false, 0, T0, NULL, NULL);
		snprintf(path, sizeof(path), "%s/%s.exp", GOLDEN, x->name);
		if (getenv("KY_WRITE_VECTORS") != NULL) {
			FILE *f = fopen(path, "w");

			ck_assert_ptr_nonnull(f);
			fputs(got, f);
			fclose(f);
		}
		want = s_read(path);
		ck_assert_msg(want != NULL, "missing %s", path);
		ck_assert_msg(strcmp(got, want) == 0, "%s differs from %s:\n%s",
		    x->name, path, got);
		free(want);
		free(got);
	}
}
END_TEST

START_TEST(test_counts)
{
	struct policy_counts c;
	char *out, buf[512];

	s_fill();
	out = s_run(&export_json, false, 0, T0, &c, NULL);
	policy_counts_format(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "exported 11; refused: other-type 1, confidence 1, "
	    "allowlisted 5, reporters 1; merged 2 (same value, carried by "
	    "another record)");
	free(out);
}
END_TEST

/* The entries' ends: never past the expiry, spread over its last tenth. */
START_TEST(test_jitter_spread)
{
	enum { N = 1000 };
	uint64_t lo = UINT64_MAX, hi = 0, until;
	char value[32], *out, *p;
	size_t n = 0;
	struct chain *c = &s_self;

	for (int i = 0; i < N; i++) {
		snprintf(value, sizeof(value), "45.%d.%d.1", 1 + i / 250, i % 250);
		s_ind(c, "ipv4", value);
	}
	out = s_run(&export_json, false, 0, T0, NULL, NULL);
	for (p = out; (p = strstr(p, "\"until\":")) != NULL; p++) {
		until = strtoull(p + 8, NULL, 10);
		ck_assert_uint_le(until, T0 + TTL);
		ck_assert_uint_ge(until, T0 + TTL - (TTL + 100) / 10);
		lo = until < lo ? until : lo;
		hi = until > hi ? until : hi;
		n++;
	}
	ck_assert_uint_eq(n, N);
	/* A thousand entries made in one second end over days, not at once. */
	ck_assert_uint_gt(hi - lo, TTL / 10 * 8 / 10);
	/* And the timeouts of the ipset file agree with them. */
	free(out);
	out = s_run(&export_ipset, false, 0, T0, NULL, NULL);
	ck_assert_ptr_null(strstr(out, "timeout 2592000 "));
	free(out);
}
END_TEST

START_TEST(test_delta)
{
	uint8_t gone[RECORD_ID_LEN], brief[RECORD_ID_LEN];
	uint64_t cursor, cursor2, now = T0 + 200;
	const char *why;
	char *out;
	size_t swept = 0;

	s_ind(&s_self, "ipv4", "203.0.113.20");
	memcpy(gone, s_self.last, RECORD_ID_LEN);
	s_ind_conf(&s_self, "ipv4", "203.0.113.21", 80, T0 + 100);
	memcpy(brief, s_self.last, RECORD_ID_LEN);
	s_ind(&s_self, "ipv4", "203.0.113.22");
	s_ind(&s_self, "ipv4", "203.0.113.23");
	out = s_run(&export_json, false, 0, T0, NULL, &cursor);
	ck_assert_ptr_nonnull(strstr(out, "203.0.113.21"));
	free(out);

	/* Nothing changed: an empty delta. */
	out = s_run(&export_json, true, cursor, T0, NULL, &cursor2);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(cursor2, cursor);
	free(out);

	/* A retraction, an expiry swept, a veto, and a new value. */
	s_retract(&s_self, gone, now);
	ck_assert_int_eq(store_sweep(s_st, now, 100, &swept, &why), 0);
	ck_assert_uint_eq(swept, 1);
	s_put_at(&s_self, RK_SIGHTING, PAP_GREEN, now - 1, now + TTL,
	    "{\"type\":\"ipv4\",\"value\":\"203.0.113.22\","
	    "\"verdict\":\"false-positive\"}", now);
	s_put_at(&s_self, RK_INDICATOR, PAP_GREEN, now - 1, now + TTL,
	    "{\"type\":\"ipv4\",\"value\":\"203.0.113.24\",\"category\":"
	    "\"malicious-code:c2-server\",\"confidence\":80}", now);
	/* A value never exported, retracted: no removal needed. */
	s_ind_conf(&s_self, "ipv4", "203.0.113.25", 10, T0 + TTL);
	s_retract(&s_self, s_self.last, now);

	out = s_run(&export_json, true, cursor, now, NULL, &cursor2);
	ck_assert_uint_gt(cursor2, cursor);
	ck_assert_ptr_nonnull(strstr(out, "{\"op\":\"del\",\"type\":\"ipv4\","
	    "\"value\":\"203.0.113.20\",\"expired\":false"));
	ck_assert_ptr_nonnull(strstr(out, "{\"op\":\"del\",\"type\":\"ipv4\","
	    "\"value\":\"203.0.113.21\",\"expired\":true"));
	ck_assert_ptr_nonnull(strstr(out, "{\"op\":\"del\",\"type\":\"ipv4\","
	    "\"value\":\"203.0.113.22\",\"expired\":false"));
	ck_assert_ptr_nonnull(strstr(out, "{\"op\":\"add\",\"type\":\"ipv4\","
	    "\"value\":\"203.0.113.24\""));
	ck_assert_ptr_null(strstr(out, "203.0.113.23"));
	ck_assert_ptr_null(strstr(out, "203.0.113.25"));
	free(out);

	/* nft: a retraction re-adds with a 1 s timeout; an expiry is the
	 * kernel's to remove. */
	out = s_run(&export_nft, true, cursor, now, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(out, "203.0.113.20 timeout 1s"));
	ck_assert_ptr_nonnull(strstr(out, "203.0.113.22 timeout 1s"));
	ck_assert_ptr_null(strstr(out, "203.0.113.21"));
	ck_assert_ptr_null(strstr(out, "flush set"));
	free(out);
	out = s_run(&export_ipset, true, cursor, now, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(out, "del kyojo4 203.0.113.20 -exist\n"));
	ck_assert_ptr_nonnull(strstr(out, "add kyojo4 203.0.113.24 timeout "));
	ck_assert_ptr_null(strstr(out, "swap"));
	free(out);
	out = s_run(&export_csv, true, cursor, now, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(out, "del,ipv4,203.0.113.20,,,,,,0,\n"));
	free(out);
	out = s_run(&export_mikrotik, true, cursor, now, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(out, "/ip firewall address-list remove "
	    "[find list=kyojo address=203.0.113.20]\n"));
	free(out);

	/* From the new cursor: nothing again. */
	out = s_run(&export_json, true, cursor2, now, NULL, NULL);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

/*
 * A consumer below a record's TLP never hears of its value, not even as
 * a removal: neither when a veto stops it nor when it is retracted.
 */
START_TEST(test_delta_tlp_never_leaks)
{
	static const char body[] = "{\"type\":\"ipv4\",\"value\":"
	    "\"203.0.113.40\",\"category\":\"malicious-code:c2-server\","
	    "\"confidence\":80}";
	uint8_t amber[RECORD_ID_LEN];
	uint64_t cursor, cursor2;
	char *out;

	s_put_tlp(&s_self, RK_INDICATOR, TLP_AMBER, PAP_GREEN, T0 - 100,
	    T0 + TTL, body, T0);
	memcpy(amber, s_self.last, RECORD_ID_LEN);
	out = s_run(&export_json, false, 0, T0, NULL, &cursor);
	ck_assert_ptr_nonnull(strstr(out, "203.0.113.40"));
	free(out);
	s_max_tlp = TLP_GREEN;
	out = s_run(&export_json, false, 0, T0, NULL, NULL);
	ck_assert_ptr_null(strstr(out, "203.0.113.40"));
	free(out);

	/* A veto: the local firewall removes it; GREEN hears nothing. */
	s_put_at(&s_self, RK_SIGHTING, PAP_GREEN, T0 + 5, T0 + TTL,
	    "{\"type\":\"ipv4\",\"value\":\"203.0.113.40\","
	    "\"verdict\":\"false-positive\"}", T0 + 10);
	out = s_run(&export_json, true, cursor, T0 + 10, NULL, NULL);
	ck_assert_ptr_null(strstr(out, "203.0.113.40"));
	free(out);
	s_max_tlp = TLP_RED;
	out = s_run(&export_json, true, cursor, T0 + 10, NULL, &cursor2);
	ck_assert_ptr_nonnull(strstr(out, "{\"op\":\"del\",\"type\":\"ipv4\","
	    "\"value\":\"203.0.113.40\""));
	free(out);

	/* The retraction: again nothing for GREEN. */
	s_retract(&s_self, amber, T0 + 20);
	s_max_tlp = TLP_GREEN;
	out = s_run(&export_json, true, cursor, T0 + 20, NULL, NULL);
	ck_assert_ptr_null(strstr(out, "203.0.113.40"));
	free(out);
}
END_TEST

/* A removed record that another record still carries is re-added. */
START_TEST(test_delta_still_carried)
{
	uint8_t longer[RECORD_ID_LEN];
	uint64_t cursor;
	char *out;

	s_ind(&s_self, "ipv4", "203.0.113.30");
	s_ind_conf(&s_self, "ipv4", "203.0.113.30", 80, T0 + 2 * TTL);
	memcpy(longer, s_self.last, RECORD_ID_LEN);
	free(s_run(&export_json, false, 0, T0, NULL, &cursor));
	s_retract(&s_self, longer, T0 + 10);
	out = s_run(&export_json, true, cursor, T0 + 10, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(out, "{\"op\":\"add\",\"type\":\"ipv4\","
	    "\"value\":\"203.0.113.30\""));
	ck_assert_ptr_null(strstr(out, "\"del\""));
	free(out);
}
END_TEST

START_TEST(test_delta_refused)
{
	struct policy_consumer c = {
		.name = "firewall", .max_tlp = TLP_RED,
		.types = export_plain.types,
	};
	struct export_journal *fresh = NULL;
	struct export_iter *it;
	struct store_txn *t;
	char path[512];
	const char *why;
	uint64_t cursor;
	FILE *f;

	s_ind(&s_self, "ipv4", "203.0.113.40");
	ck_assert_int_eq(store_read_begin(s_st, &t), 0);
	/* A journal that never saw a full export refuses every delta. */
	snprintf(path, sizeof(path), "%s/fresh", s_dir);
	ck_assert_int_eq(export_journal_open(path, &fresh, &why), 0);
	ck_assert_uint_eq(export_journal_since(fresh), UINT64_MAX);
	ck_assert_int_eq(export_iter_delta(&s_p, &c, t, T0, fresh, 0, &it),
	    KY_EVERSION);
	export_journal_close(&fresh);
	/* A cursor ahead of the store is not ours. */
	store_read_end(&t);
	free(s_run(&export_json, false, 0, T0, NULL, &cursor));
	ck_assert_int_eq(store_read_begin(s_st, &t), 0);
	ck_assert_uint_eq(export_journal_since(s_j), cursor);
	ck_assert_int_eq(export_iter_delta(&s_p, &c, t, T0, s_j, cursor + 5,
	    &it), KY_EVERSION);
	ck_assert_int_eq(export_iter_delta(&s_p, &c, t, T0, s_j, cursor - 1,
	    &it), KY_EVERSION);
	/* A format without removals refuses a delta iterator. */
	ck_assert_int_eq(export_iter_delta(&s_p, &c, t, T0, s_j, cursor, &it), 0);
	ck_assert_ptr_nonnull(f = fopen("/dev/null", "w"));
	ck_assert_int_eq(export_write(&export_plain, it, f, T0), KY_EINVAL);
	fclose(f);
	export_iter_destroy(&it);
	store_read_end(&t);
}
END_TEST

/* rpz and base64 spellings of a value, to look for in every output. */
static bool
s_appears(const char *out, const char *value, const char *rpz)
{
	char b64[256];

	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)value,
	    strlen(value), sodium_base64_VARIANT_ORIGINAL);
	return strstr(out, value) != NULL || strstr(out, b64) != NULL ||
	    (rpz != NULL && strstr(out, rpz) != NULL);
}

START_TEST(test_allowlisted_never)
{
	static const struct { const char *value, *rpz; } banned[] = {
		{ "8.8.8.8", NULL },
		{ "192.0.0.0/20", "20.0.0.0.192.rpz-ip" },
		{ "2001:db8:ffff:1::/64", "64.zz.1.ffff.db8.2001.rpz-ip" },
		{ "dns.example", NULL },
		{ "AS64511", NULL },
	};
	const struct exporter *x;
	uint64_t cursor;
	char *out;

	s_fill();
	free(s_run(&export_json, false, 0, T0, NULL, &cursor));
	/* More reports of them, from more origins, after the cursor. */
	s_ind(&s_a, "ipv4", "8.8.8.8");
	s_ind(&s_b, "domain", "dns.example");
	s_sight(&s_a, "cidr4", "192.0.0.0/20", "seen");
	for (size_t i = 0; (x = export_at(i)) != NULL; i++) {
		for (int delta = 0; delta <= 1; delta++) {
			if (delta && !(x->flags & EXPORTER_DELTA))
				continue;
			out = s_run(x, delta, cursor, T0, NULL, NULL);
			for (size_t b = 0; b < sizeof(banned) / sizeof(banned[0]);
			    b++)
				ck_assert_msg(!s_appears(out, banned[b].value,
				    banned[b].rpz), "%s%s carries %s", x->name,
				    delta ? " delta" : "", banned[b].value);
			free(out);
		}
	}
}
END_TEST

/* Runs sh -c cmd; its exit status. */
static int
s_sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
s_save(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The real parsers take the files: nft -f and ipset restore, in a
 * network namespace of their own, full then delta. */
START_TEST(test_real_tools)
{
	char full[512], delta[512], cmd[2048], *out;
	uint64_t cursor;

	if (geteuid() != 0 || s_sh("command -v unshare nft ipset "
	    ">/dev/null 2>&1 && unshare -n true 2>/dev/null") != 0) {
		fprintf(stderr, "check_export: SKIPPED test_real_tools: needs "
		    "root, unshare, nft and ipset\n");
		return;
	}
	s_fill();
	snprintf(full, sizeof(full), "%s/full", s_dir);
	snprintf(delta, sizeof(delta), "%s/delta", s_dir);
	out = s_run(&export_nft, false, 0, T0, NULL, &cursor);
	s_save(full, out);
	free(out);
	s_retract(&s_self, s_self.last, T0 + 1);
	s_ind(&s_a, "cidr4", "198.51.100.0/24");
	s_ind(&s_b, "cidr4", "198.51.100.0/24");
	out = s_run(&export_nft, true, cursor, T0 + 1, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(out, "198.51.100.0/24 timeout"));
	s_save(delta, out);
	free(out);
	snprintf(cmd, sizeof(cmd), "unshare -n sh -c 'nft -f %s && nft -f %s "
	    "&& nft -f %s && nft list set inet kyojo block4 | "
	    "grep -q 198.51.96.0/20 && nft list set inet kyojo block6 | "
	    "grep -q 2001:db8:1234::/48'", full, delta, full);
	ck_assert_msg(s_sh(cmd) == 0, "nft refused the export");

	out = s_run(&export_ipset, false, 0, T0 + 1, NULL, &cursor);
	s_save(full, out);
	free(out);
	s_ind(&s_self, "ipv4", "198.51.100.77");
	s_retract(&s_self, s_self.last, T0 + 2);
	s_ind(&s_self, "cidr6", "2001:db8:4321::/48");
	out = s_run(&export_ipset, true, cursor, T0 + 2, NULL, NULL);
	s_save(delta, out);
	free(out);
	snprintf(cmd, sizeof(cmd), "unshare -n sh -c 'ipset restore < %s && "
	    "ipset restore < %s && ipset restore < %s && ipset test kyojo4 "
	    "198.51.100.5 2>/dev/null && ipset test kyojo6 2001:db8:4321::1 "
	    "2>/dev/null; rc=$?; ipset destroy kyojo4; ipset destroy kyojo6; "
	    "exit $rc'", full, delta, full);
	ck_assert_msg(s_sh(cmd) != 0, "a full export should drop what only "
	    "a delta added");
	snprintf(cmd, sizeof(cmd), "unshare -n sh -c 'ipset restore < %s && "
	    "ipset restore < %s && ipset test kyojo4 198.51.97.1 2>/dev/null "
	    "&& ipset test kyojo6 2001:db8:4321::1 2>/dev/null; rc=$?; "
	    "ipset destroy kyojo4; ipset destroy kyojo6; exit $rc'", full,
	    delta);
	ck_assert_msg(s_sh(cmd) == 0, "ipset refused the export");
}
END_TEST

static Suite *
s_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");

	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_jitter_spread);
	tcase_add_test(tc, test_delta);
	tcase_add_test(tc, test_delta_still_carried);
	tcase_add_test(tc, test_delta_tlp_never_leaks);
	tcase_add_test(tc, test_delta_refused);
	tcase_add_test(tc, test_allowlisted_never);
	tcase_add_test(tc, test_real_tools);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (sodium_init() < 0)
		return 1;
	sr = srunner_create(s_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

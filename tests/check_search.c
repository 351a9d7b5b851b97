/*
 * check_search - the article index (node/search*.c): folding and terms,
 * the front matter of article files, snippets, and the index itself over
 * a real store: Japanese bigrams, English words, ranking, version chains,
 * retraction, references to indicators, rebuilding.
 *
 * Each index test makes a store and an index in a temporary directory,
 * ingests signed records as a peer would send them, then syncs and
 * queries.  Debug with CK_FORK=no.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "node/search.h"
#include "node/search_int.h"
#include "protocol/indicator.h"
#include "tests/testutil.h"

#define T0 1700000000ull

/* ---- text ---- */

struct terms {
	char t[64][TERM_MAX + 4];
	size_t n;
};

static int
s_collect(void *ctx, const char *t, size_t len, size_t fa, size_t fb)
{
	struct terms *c = ctx;

	(void)fa;
	(void)fb;
	if (c->n < 64)
		memcpy(c->t[c->n++], t, len + 1);
	return 0;
}

static void
s_terms(const char *text, struct terms *out)
{
	struct fold f = { 0 };

	memset(out, 0, sizeof(*out));
	ck_assert_int_eq(fold_text(&f, text, strlen(text)), 0);
	ck_assert_int_eq(text_terms(&f, s_collect, out), 0);
	fold_clear(&f);
}

static bool
s_has(const struct terms *t, const char *term)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->t[i], term) == 0)
			return true;
	return false;
}

START_TEST(test_fold_terms)
{
	struct terms t;

	/* Full-width Latin folds to ASCII words; kanji become bigrams, and
	 * the last character of a run its own end term. */
	s_terms("ＶＰＮ装置の脆弱性", &t);
	ck_assert(s_has(&t, "wvpn"));
	ck_assert(s_has(&t, "b装置"));
	ck_assert(s_has(&t, "b置の"));
	ck_assert(s_has(&t, "b弱性"));
	ck_assert(s_has(&t, "b性\1"));
	ck_assert_uint_eq(t.n, 7);	/* vpn, 5 bigrams, 性 + end */
	/* Half-width katakana with a voiced mark is one character. */
	s_terms("ｶﾞｲﾄﾞ", &t);
	ck_assert(s_has(&t, "bガイ"));
	ck_assert(s_has(&t, "bイド"));
	/* Case folding and the light stemmer. */
	s_terms("OPNsense Aliases POLICIES addresses logs status", &t);
	ck_assert(s_has(&t, "wopnsense"));
	ck_assert(s_has(&t, "walias"));
	ck_assert(s_has(&t, "wpolicy"));
	ck_assert(s_has(&t, "waddress"));
	ck_assert(s_has(&t, "wlog"));
	ck_assert(s_has(&t, "wstatus"));
	/* Punctuation separates runs; digits are words. */
	s_terms("2024年、ＣＶＥ-2024-3400。", &t);
	ck_assert(s_has(&t, "w2024"));
	ck_assert(s_has(&t, "b年\1"));
	ck_assert(s_has(&t, "wcve"));
	ck_assert(s_has(&t, "w3400"));
}
END_TEST

START_TEST(test_stem)
{
	const char *in[] = { "aliases", "alias", "policies", "patches",
	    "addresses", "address", "files", "virus", "analysis", "ipv4s",
	    "its" };
	const char *want[] = { "alias", "alias", "policy", "patch", "address",
	    "address", "file", "virus", "analysis", "ipv4s", "its" };

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char w[32];
		size_t n;

		snprintf(w, sizeof(w), "%s", in[i]);
		n = text_stem(w, strlen(w));
		w[n] = '\0';
		ck_assert_str_eq(w, want[i]);
	}
}
END_TEST

START_TEST(test_query_parse)
{
	struct query q;
	const char *why = NULL;

	ck_assert_int_eq(query_parse("初動対応 VPN", strlen("初動対応 VPN"), &q,
	    &why), 0);
	ck_assert_uint_eq(q.nt, 4);	/* 初動 動対 対応 vpn */
	ck_assert_uint_eq(q.nr, 2);
	ck_assert_uint_eq(q.r[0].n, 4);
	ck_assert(query_has_phrases(&q));
	/* One character: a prefix term. */
	ck_assert_int_eq(query_parse("初", 3, &q, &why), 0);
	ck_assert_uint_eq(q.nt, 1);
	ck_assert(q.t[0].prefix);
	ck_assert_str_eq(q.t[0].term, "b初");
	ck_assert_int_eq(query_parse(" 、。!? ", strlen(" 、。!? "), &q, &why),
	    KY_EINVAL);
	ck_assert_str_eq(why, "query: no words to search for");
}
END_TEST

static void
s_snippet(const char *text, const char *query, char *out, size_t cap)
{
	struct fold f = { 0 };
	struct query q;
	const char *why;

	ck_assert_int_eq(query_parse(query, strlen(query), &q, &why), 0);
	ck_assert_int_eq(fold_text(&f, text, strlen(text)), 0);
	(void)query_snippet(&q, text, &f, 40, "【", "】", out, cap);
	fold_clear(&f);
}

START_TEST(test_snippet)
{
	char out[SEARCH_SNIPPET_MAX];

	s_snippet("# 手順\n\nランサムウェア感染時の初動対応は、まず端末を"
	    "ネットワークから切り離すことです。", "初動", out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "【初動】対応"));
	ck_assert_ptr_null(strstr(out, "#"));
	ck_assert_ptr_null(strchr(out, '\n'));
	/* A phrase is marked whole, not bigram by bigram. */
	s_snippet("感染時の初動対応は重要です", "初動対応", out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "【初動対応】"));
	/* Words: stemmed match, original text kept, cut with an ellipsis. */
	s_snippet("Create the alias first. Lots of text follows here so the "
	    "snippet has to be cut somewhere after this point; and then "
	    "the Aliases page lists it.", "aliases", out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "【alias】"));
	ck_assert_ptr_nonnull(strstr(out, "…"));
	/* A tiny buffer is never overrun and stays a string. */
	s_snippet("感染時の初動対応は重要です", "初動", out, 12);
	ck_assert_uint_lt(strlen(out), 12);
}
END_TEST

START_TEST(test_frontmatter)
{
	const char *ok = "---\n"
	    "title: \"ランサムウェア初動対応: チェックリスト\"\n"
	    "lang: ja\n"
	    "tags: [ransomware, '初動対応', \"incident-response\"]\n"
	    "date: 2026-11-27\n"
	    "tlp: clear   # shared with everyone\n"
	    "refs:\n"
	    "  - 9551deee0b556e561e30441bd2dc8728603814468f31cfc85f6f232d540edbeb\n"
	    "---\n\n# 本文\n";
	struct search_fm *fm = malloc(sizeof(*fm));
	const char *why = NULL;
	size_t line;

	ck_assert_int_eq(search_frontmatter(ok, strlen(ok), fm, &line, &why), 0);
	ck_assert_str_eq(fm->title, "ランサムウェア初動対応: チェックリスト");
	ck_assert_str_eq(fm->lang, "ja");
	ck_assert_uint_eq(fm->ntags, 3);
	ck_assert_str_eq(fm->tags[1], "初動対応");
	ck_assert_str_eq(fm->tlp, "clear");
	ck_assert_uint_eq(fm->nrefs, 1);
	ck_assert_str_eq(fm->unknown, "date");
	ck_assert_uint_eq(fm->unknown_line, 5);
	ck_assert_str_eq(ok + fm->body, "# 本文\n");

	/* No front matter: all body. */
	ck_assert_int_eq(search_frontmatter("# T\ntext", 9, fm, &line, &why), 0);
	ck_assert_uint_eq(fm->body, 0);

	{
		struct { const char *text; size_t line; const char *why; } bad[] = {
			{ "---\ntitle: x\n", 1, "front matter: no closing '---' line" },
			{ "---\ntitle: x\ntitle: y\n---\n", 3, "a key given twice" },
			{ "---\ntitle: \"x\n---\n", 2, "unterminated quoted string" },
			{ "---\ntags: [a, b\n---\n", 2, "a list without its closing ']'" },
			{ "---\n- a\n---\n", 2, "a list item without a list key above it" },
			{ "---\nrefs: [abc]\n---\n", 2, "refs: not a record id (64 hex digits)" },
			{ "---\njust text\n---\n", 2, "expected 'key: value'" },
			{ "---\ntitle: \"a\\qb\"\n---\n", 2, "unknown escape in a quoted string (\\\" \\\\ \\n \\t)" },
			{ "---\ntags: [a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a]\n---\n", 2, "tags: more than 16" },
			{ "---\ntitle:\n---\n", 2, "an empty value" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			why = NULL;
			ck_assert_int_eq(search_frontmatter(bad[i].text,
			    strlen(bad[i].text), fm, &line, &why), KY_EINVAL);
			ck_assert_str_eq(why, bad[i].why);
			ck_assert_uint_eq(line, bad[i].line);
		}
	}
	free(fm);
}
END_TEST

START_TEST(test_md_title)
{
	char t[64];
	const char *md = "```\n# not this\n```\n\n## Lessons learned: VPN ##\n";

	ck_assert(search_md_title(md, strlen(md), t, sizeof(t)));
	ck_assert_str_eq(t, "Lessons learned: VPN");
	ck_assert(!search_md_title("no heading\n#hashtag\n", 20, t, sizeof(t)));
	ck_assert(search_md_title("# ランサムウェア", strlen("# ランサムウェア"),
	    t, 8));
	ck_assert_str_eq(t, "ラン");	/* cut on a character boundary */
	ck_assert_str_eq(search_guess_lang("Hello", 5), "en");
	ck_assert_str_eq(search_guess_lang("初動", 6), "ja");
}
END_TEST

/* ---- the index over a store ---- */

struct chain {
	struct ident *id;
	uint64_t seq;
	uint8_t prev[RECORD_ID_LEN];
};

struct fx {
	char *dir;
	struct store *st;
	struct search *s;
	struct chain a, b;	/* two origins */
};

static void
s_fx_open(struct fx *x)
{
	char path[1024];
	const char *why = NULL;

	memset(x, 0, sizeof(*x));
	x->dir = tu_tmpdir("search");
	snprintf(path, sizeof(path), "%s/store", x->dir);
	ck_assert_int_eq(store_open(path, STORE_CREATE, &x->st, &why), 0);
	snprintf(path, sizeof(path), "%s/search", x->dir);
	ck_assert_int_eq(search_open(path, &x->s, &why), 0);
	x->a.id = tu_ident(1);
	x->b.id = tu_ident(2);
}

static void
s_fx_close(struct fx *x)
{
	search_close(&x->s);
	store_close(&x->st);
	ident_destroy(&x->a.id);
	ident_destroy(&x->b.id);
	tu_rmrf(x->dir);
	free(x->dir);
}

/* The next record of chain c, signed; its id in id (may be NULL). */
static uint8_t *
s_make(struct chain *c, uint8_t kind, const char *body, size_t *len,
    uint8_t id[RECORD_ID_LEN])
{
	uint8_t *r;

	c->seq++;
	r = tu_record(c->id, kind, TLP_CLEAR, c->seq, c->seq > 1 ? c->prev :
	    NULL, T0 + c->seq, kind == RK_ARTICLE || kind == RK_RETRACTION ? 0 :
	    T0 + 86400 * 30, body, len);
	tu_id(r, c->prev);
	if (id != NULL)
		memcpy(id, c->prev, RECORD_ID_LEN);
	return r;
}

/* Stores n records as one batch, as a peer's frame would arrive. */
static void
s_ingest(struct fx *x, uint8_t **recs, size_t *lens, size_t n)
{
	struct store_result *res = calloc(n, sizeof(*res));
	const char *why = NULL;

	ck_assert_int_eq(store_ingest(x->st, (const uint8_t *const *)recs, lens,
	    n, T0 + 100, res, &why), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(res[i].rc == 0, "ingest: %s",
		    res[i].why ? res[i].why : "?");
	free(res);
}

/* Ingests one record of chain c (only its stub with stub). */
static void
s_put(struct fx *x, struct chain *c, uint8_t kind, const char *body,
    bool stub, uint8_t id[RECORD_ID_LEN])
{
	size_t len;
	uint8_t *r = s_make(c, kind, body, &len, id);

	if (stub)
		len = RECORD_STUB_LEN;
	s_ingest(x, &r, &len, 1);
	free(r);
}

/* An article body; sup and ref are hex ids or NULL. */
static void
s_article(struct fx *x, struct chain *c, const char *title, const char *lang,
    const char *md, const char *sup, const char *ref, uint8_t id[32])
{
	cJSON *b = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(b, "title", title);
	cJSON_AddStringToObject(b, "lang", lang);
	cJSON_AddStringToObject(b, "body_md", md);
	if (sup != NULL)
		cJSON_AddStringToObject(b, "supersedes", sup);
	if (ref != NULL) {
		cJSON *refs = cJSON_AddArrayToObject(b, "refs");

		cJSON_AddItemToArray(refs, cJSON_CreateString(ref));
	}
	cJSON_AddItemToObject(b, "tags", cJSON_CreateStringArray(
	    (const char *[]){ "demo", lang }, 2));
	text = cJSON_PrintUnformatted(b);
	s_put(x, c, RK_ARTICLE, text, false, id);
	cJSON_free(text);
	cJSON_Delete(b);
}

static void
s_retract(struct fx *x, struct chain *c, const uint8_t target[32])
{
	char body[128], hex[65];

	record_hex(target, 32, hex);
	snprintf(body, sizeof(body), "{\"ref\":\"%s\"}", hex);
	s_put(x, c, RK_RETRACTION, body, false, NULL);
}

static void
s_sync(struct fx *x, struct search_sync_stats *st)
{
	const char *why = NULL;

	ck_assert_int_eq(search_sync(x->s, x->st, st, &why), 0);
}

/* Runs a query; returns the number of hits, the hits in *h. */
static size_t
s_q(struct fx *x, const char *text, bool all, struct search_hits *h)
{
	struct search_query q = { .text = text, .limit = 10, .all = all };
	const char *why = NULL;

	s_sync(x, NULL);
	ck_assert_int_eq(search_query(x->s, x->st, &q, h, &why), 0);
	return h->n;
}

static bool
s_hit_is(const struct search_hits *h, size_t i, const uint8_t id[32])
{
	return i < h->n && memcmp(h->hit[i].doc.id, id, 32) == 0;
}

static const char *s_ja_md =
    "# ランサムウェア感染時の初動対応\n\n"
    "感染が疑われる端末を見つけたら、電源は切らずにネットワークから"
    "切り離します。初動の記録として、画面の写真と時刻を残してください。";

START_TEST(test_japanese_search)
{
	struct fx x;
	struct search_hits h;
	struct search_sync_stats st;
	uint8_t ja[32], en[32];

	s_fx_open(&x);
	s_article(&x, &x.a, "ランサムウェア初動対応チェックリスト", "ja",
	    s_ja_md, NULL, NULL, ja);
	s_article(&x, &x.a, "Reporting phishing mail", "en",
	    "Forward the message as an attachment to the security team.",
	    NULL, NULL, en);
	s_sync(&x, &st);
	ck_assert_uint_eq(st.indexed, 2);
	/* A two-character term inside a sentence. */
	ck_assert_uint_eq(s_q(&x, "初動", false, &h), 1);
	ck_assert(s_hit_is(&h, 0, ja));
	ck_assert_ptr_nonnull(strstr(h.hit[0].snippet, "【初動】"));
	ck_assert_str_eq(h.hit[0].doc.title, "ランサムウェア初動対応チェックリスト");
	search_hits_clear(&h);
	/* Longer phrases, full-width input, one character. */
	ck_assert_uint_eq(s_q(&x, "ネットワークから切り離し", false, &h), 1);
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "切", false, &h), 1);
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "端", false, &h), 1);	/* a run's start */
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "す", false, &h), 1);	/* a run's end */
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "初動 phishing", false, &h), 0);	/* AND */
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "復旧", false, &h), 0);
	search_hits_clear(&h);
	s_fx_close(&x);
}
END_TEST

START_TEST(test_english_search)
{
	struct fx x;
	struct search_hits h;
	uint8_t a[32], b[32];

	s_fx_open(&x);
	s_article(&x, &x.a, "How to feed Kyojo into an OPNsense alias", "en",
	    "Create a URL Table alias. OPNsense fetches the list and the "
	    "aliases page shows its entries.", NULL, NULL, a);
	s_article(&x, &x.b, "VPN appliance compromise", "en",
	    "The attackers used a known vulnerability in the appliance.",
	    NULL, NULL, b);
	ck_assert_uint_eq(s_q(&x, "Aliases", false, &h), 1);
	ck_assert(s_hit_is(&h, 0, a));
	ck_assert_ptr_nonnull(strstr(h.hit[0].snippet, "【alias】"));
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "opnsense ALIAS", false, &h), 1);
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "vulnerabilities appliance", false, &h), 1);
	ck_assert(s_hit_is(&h, 0, b));
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "opnsense vulnerability", false, &h), 0);
	search_hits_clear(&h);
	s_fx_close(&x);
}
END_TEST

START_TEST(test_ranking)
{
	struct fx x;
	struct search_hits h;
	uint8_t title[32], twice[32], once[32], scattered[32], phrase[32];
	const char *filler = " Keep the original message and note the time.";
	char md[512];

	s_fx_open(&x);
	snprintf(md, sizeof(md), "Tell the team.%s", filler);
	s_article(&x, &x.a, "Phishing: what to do", "en", md, NULL, NULL, title);
	snprintf(md, sizeof(md), "A phishing mail arrived.%s", filler);
	s_article(&x, &x.a, "A mail arrived", "en", md, NULL, NULL, once);
	snprintf(md, sizeof(md), "Phishing again: a phishing mail.%s", filler);
	s_article(&x, &x.a, "Another mail", "en", md, NULL, NULL, twice);
	ck_assert_uint_eq(s_q(&x, "phishing", false, &h), 3);
	ck_assert(s_hit_is(&h, 0, title));	/* title weighs more */
	ck_assert(s_hit_is(&h, 1, twice));
	ck_assert(s_hit_is(&h, 2, once));
	ck_assert(h.hit[0].score > h.hit[1].score);
	search_hits_clear(&h);
	/* All the bigrams of 初動対応, but not together, rank after the
	 * article with the phrase, though they occur more often. */
	s_article(&x, &x.b, "メモ", "ja",
	    "初動が大事。動対は造語。対応が遅い。初動、対応、初動、対応。",
	    NULL, NULL, scattered);
	s_article(&x, &x.b, "メモ", "ja",
	    "感染時の初動対応の手順をまとめました。", NULL, NULL, phrase);
	ck_assert_uint_eq(s_q(&x, "初動対応", false, &h), 2);
	ck_assert(s_hit_is(&h, 0, phrase));
	ck_assert(s_hit_is(&h, 1, scattered));
	search_hits_clear(&h);
	s_fx_close(&x);
}
END_TEST

struct hist {
	uint8_t id[8][32];
	unsigned flags[8];
	size_t n;
};

static int
s_hist_cb(void *ctx, const struct search_doc *d)
{
	struct hist *h = ctx;

	if (h->n < 8) {
		memcpy(h->id[h->n], d->id, 32);
		h->flags[h->n++] = d->flags;
	}
	return 0;
}

START_TEST(test_versions)
{
	struct fx x;
	struct search_hits h;
	struct hist hs;
	uint8_t v1[32], v2[32], v3[32], foreign[32];
	char hex[65];

	s_fx_open(&x);
	s_article(&x, &x.a, "VPN patching", "en", "Patch the gateway. version one",
	    NULL, NULL, v1);
	record_hex(v1, 32, hex);
	s_article(&x, &x.a, "VPN patching", "en", "Patch the gateway. version two",
	    hex, NULL, v2);
	/* Another origin cannot replace a's article. */
	s_article(&x, &x.b, "VPN patching (copy)", "en", "Patch it. version zero",
	    hex, NULL, foreign);
	ck_assert_uint_eq(s_q(&x, "gateway", false, &h), 1);
	ck_assert(s_hit_is(&h, 0, v2));		/* newest version only */
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "gateway", true, &h), 2);
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "patch version", false, &h), 2);
	search_hits_clear(&h);
	memset(&hs, 0, sizeof(hs));
	ck_assert_int_eq(search_history(x.s, v1, s_hist_cb, &hs), 0);
	ck_assert_uint_eq(hs.n, 2);
	ck_assert(memcmp(hs.id[0], v1, 32) == 0);
	ck_assert(hs.flags[0] & SEARCH_SUPERSEDED);
	ck_assert(memcmp(hs.id[1], v2, 32) == 0);
	ck_assert_uint_eq(hs.flags[1], 0);

	/* A third version; then the middle one is retracted: v1 stays
	 * replaced (v3 is live), v3 is the one shown. */
	record_hex(v2, 32, hex);
	s_article(&x, &x.a, "VPN patching", "en", "Patch the gateway. version three",
	    hex, NULL, v3);
	s_retract(&x, &x.a, v2);
	ck_assert_uint_eq(s_q(&x, "gateway", false, &h), 1);
	ck_assert(s_hit_is(&h, 0, v3));
	search_hits_clear(&h);
	memset(&hs, 0, sizeof(hs));
	ck_assert_int_eq(search_history(x.s, v3, s_hist_cb, &hs), 0);
	ck_assert_uint_eq(hs.n, 3);
	ck_assert(hs.flags[1] & SEARCH_RETRACTED);
	/* Retracting the newest brings the last live version back. */
	s_retract(&x, &x.a, v3);
	ck_assert_uint_eq(s_q(&x, "gateway", false, &h), 1);
	ck_assert(s_hit_is(&h, 0, v1));
	search_hits_clear(&h);
	/* Retracted text is gone from the index, not only hidden. */
	ck_assert_uint_eq(s_q(&x, "three", true, &h), 0);
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "zero", false, &h), 1);
	ck_assert(s_hit_is(&h, 0, foreign));
	search_hits_clear(&h);
	s_retract(&x, &x.a, v1);
	ck_assert_uint_eq(s_q(&x, "gateway", true, &h), 0);
	search_hits_clear(&h);
	s_fx_close(&x);
}
END_TEST

START_TEST(test_out_of_order)
{
	struct fx x;
	struct search_hits h;
	struct store_result res;
	const char *why = NULL;
	const uint8_t *bufs[1];
	uint8_t *r1, *r2, id1[32];
	size_t l1, l2;
	char body[512], hex[65];

	s_fx_open(&x);
	snprintf(body, sizeof(body), "{\"title\":\"t\",\"lang\":\"en\","
	    "\"body_md\":\"first draft of the backup guide\"}");
	r1 = tu_record(x.a.id, RK_ARTICLE, TLP_CLEAR, 1, NULL, T0, 0, body, &l1);
	tu_id(r1, id1);
	record_hex(id1, 32, hex);
	snprintf(body, sizeof(body), "{\"title\":\"t\",\"lang\":\"en\","
	    "\"body_md\":\"final backup guide\",\"supersedes\":\"%s\"}", hex);
	r2 = tu_record(x.a.id, RK_ARTICLE, TLP_CLEAR, 2, id1, T0 + 1, 0, body,
	    &l2);
	/* The newer version arrives and is indexed before the older. */
	bufs[0] = r2;
	ck_assert_int_eq(store_ingest(x.st, bufs, &l2, 1, T0, &res, &why), 0);
	ck_assert_uint_eq(s_q(&x, "backup guide", false, &h), 1);
	search_hits_clear(&h);
	bufs[0] = r1;
	ck_assert_int_eq(store_ingest(x.st, bufs, &l1, 1, T0, &res, &why), 0);
	ck_assert_uint_eq(s_q(&x, "backup guide", false, &h), 1);
	ck_assert_ptr_nonnull(strstr(h.hit[0].snippet, "final"));
	search_hits_clear(&h);
	free(r1);
	free(r2);
	s_fx_close(&x);
}
END_TEST

static int
s_count_cb(void *ctx, const struct search_doc *d)
{
	(void)d;
	(*(size_t *)ctx)++;
	return 0;
}

START_TEST(test_refs)
{
	struct fx x;
	uint8_t ind[32], art[32], later[32], art2[32];
	char hex[65];
	size_t n;

	s_fx_open(&x);
	s_put(&x, &x.b, RK_INDICATOR, "{\"type\":\"ipv4\",\"value\":"
	    "\"203.0.113.45\",\"category\":\"intrusion-attempts:brute-force\","
	    "\"confidence\":80}", false, ind);
	record_hex(ind, 32, hex);
	s_article(&x, &x.a, "SSH brute force from one host", "en",
	    "Block it at the edge.", NULL, hex, art);
	s_sync(&x, NULL);
	n = 0;
	ck_assert_int_eq(search_refs(x.s, ind, s_count_cb, &n), 0);
	ck_assert_uint_eq(n, 1);
	n = 0;
	ck_assert_int_eq(search_refs_value(x.s, IT_IPV4, "203.0.113.45",
	    s_count_cb, &n), 0);
	ck_assert_uint_eq(n, 1);

	/* An article naming an indicator this node does not hold yet: the
	 * value link appears when the indicator arrives. */
	{
		size_t len;
		uint8_t *r = s_make(&x.b, RK_INDICATOR, "{\"type\":\"domain\","
		    "\"value\":\"login-bank.example\",\"category\":"
		    "\"fraud:phishing\",\"confidence\":90}", &len, later);

		record_hex(later, 32, hex);
		s_article(&x, &x.a, "Phishing site", "en", "A fake bank login.",
		    NULL, hex, art2);
		s_sync(&x, NULL);
		n = 0;
		ck_assert_int_eq(search_refs_value(x.s, IT_DOMAIN,
		    "login-bank.example", s_count_cb, &n), 0);
		ck_assert_uint_eq(n, 0);
		s_ingest(&x, &r, &len, 1);
		free(r);
	}
	s_sync(&x, NULL);
	n = 0;
	ck_assert_int_eq(search_refs_value(x.s, IT_DOMAIN, "login-bank.example",
	    s_count_cb, &n), 0);
	ck_assert_uint_eq(n, 1);
	n = 0;
	ck_assert_int_eq(search_refs(x.s, later, s_count_cb, &n), 0);
	ck_assert_uint_eq(n, 1);
	/* Retracted articles are not listed. */
	s_retract(&x, &x.a, art);
	s_sync(&x, NULL);
	n = 0;
	ck_assert_int_eq(search_refs(x.s, ind, s_count_cb, &n), 0);
	ck_assert_uint_eq(n, 0);
	s_fx_close(&x);
}
END_TEST

START_TEST(test_sync_rebuild)
{
	struct fx x;
	struct search_hits h;
	struct search_sync_stats st;
	const char *why = NULL;
	uint8_t id[32], got[32];
	char hex[65], path[1024];

	s_fx_open(&x);
	/* A stub (GREEN outside its community, AMBER) is not indexable. */
	s_put(&x, &x.b, RK_ARTICLE, "{\"title\":\"secret\",\"lang\":\"en\","
	    "\"body_md\":\"amber text\"}", true, NULL);
	s_article(&x, &x.a, "Backups", "en", "Keep one offline copy.", NULL, NULL,
	    id);
	s_sync(&x, &st);
	ck_assert_uint_eq(st.indexed, 1);
	ck_assert_uint_eq(st.skipped, 1);
	s_sync(&x, &st);
	ck_assert_uint_eq(st.changes, 0);	/* up to date: nothing read */
	/* Prefixes resolve. */
	record_hex(id, 32, hex);
	hex[10] = '\0';
	ck_assert_int_eq(search_resolve(x.s, hex, got), 0);
	ck_assert(memcmp(got, id, 32) == 0);
	ck_assert_int_eq(search_resolve(x.s, "abc", got), KY_EINVAL);
	/* Reindex gives the same answers. */
	ck_assert_int_eq(search_reindex(x.s, x.st, &st, &why), 0);
	ck_assert_uint_eq(st.indexed, 1);
	ck_assert_uint_eq(s_q(&x, "offline", false, &h), 1);
	search_hits_clear(&h);
	/* Another store under the same index: it starts over. */
	store_close(&x.st);
	snprintf(path, sizeof(path), "%s/store", x.dir);
	tu_rmrf(path);
	ck_assert_int_eq(store_open(path, STORE_CREATE, &x.st, &why), 0);
	memset(&x.a.prev, 0, 32);
	x.a.seq = 0;
	s_article(&x, &x.a, "Other", "en", "Different text entirely.", NULL,
	    NULL, id);
	s_sync(&x, &st);
	ck_assert(st.rebuilt);
	ck_assert_uint_eq(s_q(&x, "offline", false, &h), 0);
	search_hits_clear(&h);
	ck_assert_uint_eq(s_q(&x, "different", false, &h), 1);
	search_hits_clear(&h);
	s_fx_close(&x);
}
END_TEST

START_TEST(test_filters_and_blocks)
{
	struct fx x;
	struct search_hits h;
	struct search_query q = { .text = "incident", .limit = 5 };
	const char *why = NULL;
	char md[256], title[64];

	s_fx_open(&x);
	/* Enough articles that posting lists span several blocks, synced
	 * in three rounds so later rounds append to existing blocks. */
	for (int round = 0; round < 3; round++) {
		uint8_t *recs[200];
		size_t lens[200];

		for (int k = 0; k < 200; k++) {
			int i = round * 200 + k;
			cJSON *b = cJSON_CreateObject();
			char *text;

			snprintf(title, sizeof(title), "Note %d", i);
			snprintf(md, sizeof(md), "incident number %d, word%d "
			    "and インシデント%d", i, i % 7, i);
			cJSON_AddStringToObject(b, "title", title);
			cJSON_AddStringToObject(b, "lang", i % 3 ? "en" : "ja");
			cJSON_AddStringToObject(b, "body_md", md);
			text = cJSON_PrintUnformatted(b);
			recs[k] = s_make(&x.a, RK_ARTICLE, text, &lens[k], NULL);
			cJSON_free(text);
			cJSON_Delete(b);
		}
		s_ingest(&x, recs, lens, 200);
		for (int k = 0; k < 200; k++)
			free(recs[k]);
		s_sync(&x, NULL);
	}
	s_sync(&x, NULL);
	ck_assert_int_eq(search_query(x.s, x.st, &q, &h, &why), 0);
	ck_assert_uint_eq(h.total, 600);
	ck_assert_uint_eq(h.n, 5);
	search_hits_clear(&h);
	q.lang = "ja";
	ck_assert_int_eq(search_query(x.s, x.st, &q, &h, &why), 0);
	ck_assert_uint_eq(h.total, 200);
	ck_assert_str_eq(h.hit[0].doc.lang, "ja");
	search_hits_clear(&h);
	q.lang = NULL;
	q.text = "word3 インシデント";
	ck_assert_int_eq(search_query(x.s, x.st, &q, &h, &why), 0);
	ck_assert_uint_eq(h.total, 86);
	search_hits_clear(&h);
	s_fx_close(&x);
}
END_TEST

START_TEST(test_chunked_sync)
{
	struct search_opts o = { .sync_changes = 3, .sync_postings = 40 };
	struct search *small = NULL;
	struct search_sync_stats st;
	struct search_hits h;
	struct search_query q = { .text = "gateway", .limit = 10 };
	const char *why = NULL;
	uint8_t v[6][32];
	char path[1024], hex[65], md[128];
	struct fx x;

	s_fx_open(&x);
	search_close(&x.s);
	snprintf(path, sizeof(path), "%s/search", x.dir);
	ck_assert_int_eq(search_open_opts(path, &o, &small, &why), 0);
	/* A chain of versions, then a retraction: each sync runs in
	 * transactions of three changes or forty postings. */
	for (int i = 0; i < 6; i++) {
		snprintf(md, sizeof(md), "Patch the gateway, version %d of six, "
		    "and reset the passwords afterwards.", i);
		if (i > 0)
			record_hex(v[i - 1], 32, hex);
		s_article(&x, &x.a, "VPN patching", "en", md, i > 0 ? hex : NULL,
		    NULL, v[i]);
	}
	ck_assert_int_eq(search_sync(small, x.st, &st, &why), 0);
	ck_assert_uint_eq(st.indexed, 6);
	s_retract(&x, &x.a, v[5]);
	ck_assert_int_eq(search_sync(small, x.st, &st, &why), 0);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert_int_eq(search_query(small, x.st, &q, &h, &why), 0);
	ck_assert_uint_eq(h.n, 1);
	ck_assert(memcmp(h.hit[0].doc.id, v[4], 32) == 0);
	search_hits_clear(&h);
	/* The same answers as an index built in one transaction. */
	search_close(&small);
	ck_assert_int_eq(search_open(path, &x.s, &why), 0);
	ck_assert_int_eq(search_reindex(x.s, x.st, &st, &why), 0);
	ck_assert_int_eq(search_query(x.s, x.st, &q, &h, &why), 0);
	ck_assert_uint_eq(h.n, 1);
	ck_assert(memcmp(h.hit[0].doc.id, v[4], 32) == 0);
	search_hits_clear(&h);
	s_fx_close(&x);
}
END_TEST

static Suite *
s_suite(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fold_terms);
	tcase_add_test(tc, test_stem);
	tcase_add_test(tc, test_query_parse);
	tcase_add_test(tc, test_snippet);
	tcase_add_test(tc, test_frontmatter);
	tcase_add_test(tc, test_md_title);
	tcase_add_test(tc, test_japanese_search);
	tcase_add_test(tc, test_english_search);
	tcase_add_test(tc, test_ranking);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_out_of_order);
	tcase_add_test(tc, test_refs);
	tcase_add_test(tc, test_sync_rebuild);
	tcase_add_test(tc, test_filters_and_blocks);
	tcase_add_test(tc, test_chunked_sync);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *r;
	int failed;

	if (sodium_init() < 0)
		return 1;
	r = srunner_create(s_suite());
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? 0 : 1;
}

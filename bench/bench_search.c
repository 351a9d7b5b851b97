/*
 * bench_search: article search latency and index size.
 *
 *     bench_search [count] [queries]      (default 10000 and 2000)
 *
 * Fills a store under $TMPDIR with count articles from 10 origins, half
 * Japanese and half English, about 2 KB of Markdown each; one in twenty
 * is a new version of its origin's previous article.  The text comes from
 * a fixed-seed generator: a few hundred real words of the field and a
 * long tail of made-up ones (two-kanji compounds and katakana words for
 * Japanese, syllable words for English), drawn with Zipf frequencies,
 * strung into sentences with particles or function words.  Signing and
 * ingest happen before any clock starts.
 *
 * Then: the index built from empty (search_sync), its size against the
 * size of the text it indexes, and the latency of queries drawn from the
 * same word frequencies: Japanese two-character terms, one character,
 * two-word Japanese queries, English words and pairs of words, each with
 * ten results and their snippets, as `kyojo article search` runs them.
 * Last, the cost of staying current: the up-to-date check the CLI makes
 * before each query, new articles, and retractions (which rewrite the
 * posting lists that held them).  KYOJO_BENCH_KEEP=1 keeps the node
 * directory for timing `kyojo article search -d DIR` itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cJSON.h>
#include <sodium.h>

#include "node/search_int.h"
#include "tests/testutil.h"

#define ORIGINS		10
#define BATCH		1000
#define BODY_BYTES	2048

/* ---- a deterministic generator ---- */

static uint64_t s_rng = 0x6b796f6a6f2d6b79ull;

static uint64_t
s_next(void)
{
	uint64_t z = (s_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
s_unit(void)
{
	return (double)(s_next() >> 11) / 9007199254740992.0;
}

static size_t
s_below(size_t n)
{
	return (size_t)(s_next() % n);
}

/* A vocabulary with Zipf (s = 1) frequencies: words[0] is the commonest. */
struct vocab {
	char **w;
	double *cum;
	size_t n;
};

static void
s_vocab_done(struct vocab *v)
{
	double sum = 0;

	v->cum = malloc(v->n * sizeof(*v->cum));
	for (size_t i = 0; i < v->n; i++)
		v->cum[i] = sum += 1.0 / (double)(i + 1);
	for (size_t i = 0; i < v->n; i++)
		v->cum[i] /= sum;
}

static const char *
s_word(const struct vocab *v)
{
	double u = s_unit();
	size_t lo = 0, hi = v->n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v->cum[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return v->w[lo];
}

static void
s_vocab_add(struct vocab *v, const char *w)
{
	v->w = realloc(v->w, (v->n + 1) * sizeof(*v->w));
	v->w[v->n++] = strdup(w);
}

static size_t
s_utf8(uint32_t c, char *o)
{
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	o[0] = (char)(0xe0 | c >> 12);
	o[1] = (char)(0x80 | (c >> 6 & 0x3f));
	o[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

static const char *const s_ja_real[] = {
	"対応", "確認", "感染", "端末", "ネットワーク", "報告", "担当者", "手順",
	"ランサムウェア", "初動", "復旧", "バックアップ", "脆弱性", "更新", "認証",
	"多要素", "管理者", "権限", "通信", "遮断", "ログ", "保全", "調査", "侵入",
	"経路", "外部", "内部", "社員", "設定", "機器", "装置", "被害", "拡大",
	"防止", "攻撃者", "不審", "メール", "添付", "ファイル", "リンク",
	"パスワード", "変更", "送信元", "記録", "時刻", "サーバー", "共有", "地域",
	"企業", "情報", "相談", "警察", "窓口", "保険", "取引先", "顧客", "個人情報",
	"漏えい", "暗号化", "身代金", "脅迫", "侵害", "痕跡", "証拠", "監視",
	"検知", "アラート", "ファイアウォール", "ルーター", "ファームウェア",
	"アカウント", "無効化", "退職者", "リモート", "デスクトップ", "接続",
	"遠隔", "操作", "マルウェア", "ウイルス", "駆除", "初期化", "再設定",
	"訓練", "教育", "周知", "経営者", "判断", "優先", "影響", "範囲", "特定",
	"原因", "対策", "再発", "防止策", "点検", "棚卸し", "資産", "一覧", "連絡先",
	"夜間", "休日", "週末", "翌朝", "発見", "発覚", "通知", "速報", "確報",
	"委員会", "協議会", "フィッシング", "偽サイト", "ドメイン", "アドレス",
};

static const char *const s_ja_particles[] = {
	"は", "を", "に", "が", "の", "で", "と", "から", "へ", "も", "や", "の",
	"を", "に",
};

static const char *const s_ja_ends[] = {
	"します。", "しました。", "です。", "でした。", "してください。",
	"があります。", "を確認します。", "になります。",
};

static const char *const s_en_real[] = {
	"the", "of", "and", "to", "a", "in", "is", "for", "that", "on", "with",
	"it", "as", "be", "by", "this", "are", "from", "or", "at", "an", "not",
	"have", "was", "all", "can", "we", "if", "when", "after", "before",
	"vpn", "firewall", "alias", "rule", "block", "address", "network",
	"server", "account", "password", "patch", "firmware", "appliance",
	"attacker", "login", "log", "logs", "backup", "restore", "ransomware",
	"phishing", "mail", "link", "attachment", "report", "share", "region",
	"indicator", "domain", "hash", "malware", "infected", "isolate", "power",
	"evidence", "timeline", "incident", "response", "checklist", "team",
	"contact", "police", "insurance", "vendor", "advisory", "vulnerability",
	"exploit", "credential", "reset", "factor", "second", "remote", "desktop",
	"access", "admin", "administrator", "directory", "policy", "group",
	"scan", "traffic", "outbound", "inbound", "list", "entries", "refresh",
	"token", "consumer", "listener", "export", "confidence", "origin",
	"trusted", "allowlist", "own", "networks", "lessons", "learned",
	"compromise", "session", "files", "encrypted", "ransom", "note", "staff",
	"monday", "friday", "night", "week", "month", "copy", "offline", "disk",
	"test", "twice", "year", "owner", "inventory", "support", "contract",
	"expired", "months", "days", "hours", "minutes", "quickly", "first",
	"then", "next", "last", "every", "each", "other", "same", "new", "old",
};

static const char *const s_tags[] = {
	"ransomware", "phishing", "vpn", "firewall", "howto", "lessons-learned",
	"incident-response", "初動対応", "報告手順", "patching", "backup",
	"opnsense", "mail", "tlp", "training",
};

static void
s_vocabs(struct vocab *ja, struct vocab *en)
{
	char w[64];

	for (size_t i = 0; i < sizeof(s_ja_real) / sizeof(s_ja_real[0]); i++)
		s_vocab_add(ja, s_ja_real[i]);
	/* A long tail: two-kanji compounds from 2000 characters, and
	 * katakana words of three to five characters. */
	for (size_t i = 0; i < 12000; i++) {
		size_t o = 0, n;

		if (i % 4 != 3) {
			for (int k = 0; k < 2; k++)
				o += s_utf8(0x4e00 + (uint32_t)(s_below(2000) *
				    10 % 0x51a0), w + o);
		} else {
			n = 3 + s_below(3);
			for (size_t k = 0; k < n; k++)
				o += s_utf8(0x30a2 + (uint32_t)s_below(0x50), w + o);
			if (s_below(3) == 0)
				o += s_utf8(0x30fc, w + o);	/* ー */
		}
		w[o] = '\0';
		s_vocab_add(ja, w);
	}
	s_vocab_done(ja);
	for (size_t i = 0; i < sizeof(s_en_real) / sizeof(s_en_real[0]); i++)
		s_vocab_add(en, s_en_real[i]);
	for (size_t i = 0; i < 20000; i++) {
		static const char *const c = "bcdfghjklmnprstvwz", *const v = "aeiou";
		size_t o = 0, n = 2 + s_below(3);

		for (size_t k = 0; k < n; k++) {
			w[o++] = c[s_below(18)];
			w[o++] = v[s_below(5)];
		}
		if (s_below(2))
			w[o++] = c[s_below(18)];
		w[o] = '\0';
		s_vocab_add(en, w);
	}
	s_vocab_done(en);
}

/* Appends sentences to b until it holds at least want bytes. */
static void
s_text(char *b, size_t cap, size_t want, bool ja, const struct vocab *v)
{
	size_t n = strlen(b);

	while (n < want && n + 400 < cap) {
		size_t words = ja ? 4 + s_below(6) : 8 + s_below(12);

		if (s_below(6) == 0)
			n += (size_t)snprintf(b + n, cap - n, "\n\n## ");
		for (size_t i = 0; i < words; i++) {
			const char *w = s_word(v);

			if (ja) {
				n += (size_t)snprintf(b + n, cap - n, "%s%s", w,
				    i + 1 < words ? s_ja_particles[s_below(14)] :
				    s_ja_ends[s_below(8)]);
				if (s_below(25) == 0)
					n += (size_t)snprintf(b + n, cap - n,
					    "VPN装置");
			} else {
				n += (size_t)snprintf(b + n, cap - n, "%s%c%s", w,
				    i + 1 < words ? ' ' : '.', i + 1 < words ? "" :
				    " ");
				if (i == 0)
					b[n - strlen(w) - 1] &= (char)~0x20;
			}
		}
		if (s_below(20) == 0)
			n += (size_t)snprintf(b + n, cap - n, " CVE-2024-%04u ",
			    (unsigned)s_below(10000));
	}
}

/* ---- the store ---- */

struct origin {
	struct ident *id;
	uint64_t seq;
	uint8_t prev[32];
	uint8_t last_article[32];
	bool have_last;
};

static uint64_t s_text_bytes;

static uint8_t *
s_article(struct origin *o, size_t i, const struct vocab *ja,
    const struct vocab *en, uint64_t now, size_t *len)
{
	static char body[BODY_BYTES * 2], title[512];
	bool isja = i % 2 == 0;
	cJSON *b = cJSON_CreateObject(), *tags;
	uint8_t *r;
	char *text, *end;
	char hex[65];

	title[0] = '\0';
	s_text(title, sizeof(title), 1, isja, isja ? ja : en);
	if ((end = strstr(title, isja ? "。" : ".")) != NULL)
		*end = '\0';
	end = title + strspn(title, "\n# ");	/* no heading markup */
	memmove(title, end, strlen(end) + 1);
	if (strlen(title) > 200) {
		size_t k = 200;

		while (k > 0 && ((uint8_t)title[k] & 0xc0) == 0x80)
			k--;	/* cut on a character boundary */
		title[k] = '\0';
	}
	body[0] = '\0';
	s_text(body, sizeof(body), BODY_BYTES - 100 + s_below(200), isja,
	    isja ? ja : en);
	s_text_bytes += strlen(body) + strlen(title);
	cJSON_AddStringToObject(b, "title", title[0] ? title : "untitled");
	cJSON_AddStringToObject(b, "lang", isja ? "ja" : "en");
	cJSON_AddStringToObject(b, "body_md", body);
	tags = cJSON_AddArrayToObject(b, "tags");
	for (size_t k = 0, n = 1 + s_below(3); k < n; k++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(
		    s_tags[s_below(sizeof(s_tags) / sizeof(s_tags[0]))]));
	if (o->have_last && i % 20 == 19) {
		record_hex(o->last_article, 32, hex);
		cJSON_AddStringToObject(b, "supersedes", hex);
	}
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	o->seq++;
	r = tu_record(o->id, RK_ARTICLE, TLP_CLEAR, o->seq, o->seq > 1 ?
	    o->prev : NULL, now - 86400 * 365 + i * 600, 0, text, len);
	free(text);
	tu_id(r, o->prev);
	memcpy(o->last_article, o->prev, 32);
	o->have_last = true;
	return r;
}

static void
s_ingest(struct store *st, uint8_t **recs, size_t *lens, size_t n,
    uint64_t now)
{
	struct store_result *res = calloc(n, sizeof(*res));
	const char *why = NULL;

	if (store_ingest(st, (const uint8_t *const *)recs, lens, n, now, res,
	    &why) != 0) {
		fprintf(stderr, "bench_search: ingest: %s\n", why);
		exit(1);
	}
	for (size_t k = 0; k < n; k++) {
		if (res[k].rc != 0) {
			fprintf(stderr, "bench_search: refused: %s\n",
			    res[k].why ? res[k].why : "?");
			exit(1);
		}
		free(recs[k]);
	}
	free(res);
}

/* Articles [from, to) of the generator, signed and stored. */
static void
s_fill(struct store *st, struct origin *o, size_t from, size_t to,
    const struct vocab *ja, const struct vocab *en, uint64_t now)
{
	static uint8_t *recs[BATCH];
	static size_t lens[BATCH];
	size_t b = 0;

	for (size_t i = from; i < to; i++) {
		recs[b] = s_article(&o[i % ORIGINS], i, ja, en, now, &lens[b]);
		if (++b == BATCH) {
			s_ingest(st, recs, lens, b, now);
			b = 0;
		}
	}
	if (b > 0)
		s_ingest(st, recs, lens, b, now);
}

/* ---- queries ---- */

enum { Q_JA2, Q_JA1, Q_JA_WORDS, Q_EN1, Q_EN2, Q_KINDS };

static const char *const s_qname[Q_KINDS] = {
	"ja, 2 characters", "ja, 1 character", "ja, two words", "en, 1 word",
	"en, 2 words",
};

/* The first n characters of a UTF-8 word. */
static void
s_chars(const char *w, size_t n, char *out, size_t cap)
{
	size_t i = 0;

	while (w[i] != '\0' && n > 0) {
		i++;
		while (((uint8_t)w[i] & 0xc0) == 0x80)
			i++;
		n--;
	}
	if (i >= cap)
		i = cap - 1;
	memcpy(out, w, i);
	out[i] = '\0';
}

static void
s_query(int kind, const struct vocab *ja, const struct vocab *en, char *q,
    size_t cap)
{
	char a[64], b[64];

	switch (kind) {
	case Q_JA2:
		s_chars(s_word(ja), 2, q, cap);
		break;
	case Q_JA1:
		s_chars(s_word(ja), 1, q, cap);
		break;
	case Q_JA_WORDS:
		snprintf(a, sizeof(a), "%s", s_word(ja));
		snprintf(b, sizeof(b), "%s", s_word(ja));
		snprintf(q, cap, "%s %s", a, b);
		break;
	case Q_EN1:
		snprintf(q, cap, "%s", s_word(en));
		break;
	default:
		snprintf(a, sizeof(a), "%s", s_word(en));
		snprintf(b, sizeof(b), "%s", s_word(en));
		snprintf(q, cap, "%s %s", a, b);
		break;
	}
}

static int
s_dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
s_pct(double *v, size_t n, double p)
{
	size_t i = (size_t)ceil(p * (double)n) - 1;

	return v[i < n ? i : n - 1];
}

/* The process's peak resident memory, in MiB. */
static double
s_hwm_mib(void)
{
	char line[256];
	double kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtod(line + 6, NULL);
	fclose(f);
	return kb / 1024;
}

/* Bytes of the pages of one database. */
static double
s_db_bytes(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;

	if (mdb_stat(txn, dbi, &st) != 0)
		return 0;
	return (double)(st.ms_branch_pages + st.ms_leaf_pages +
	    st.ms_overflow_pages) * st.ms_psize;
}

static double
s_sync(struct search *s, struct store *st, struct search_sync_stats *ss)
{
	const char *why = NULL;
	double t = tu_now();

	if (search_sync(s, st, ss, &why) != 0) {
		fprintf(stderr, "bench_search: sync: %s\n", why);
		exit(1);
	}
	return tu_now() - t;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	size_t nq = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
	struct vocab ja = { 0 }, en = { 0 };
	struct origin o[ORIGINS];
	struct search_sync_stats ss;
	struct store *st = NULL;
	struct search *s = NULL;
	char *dir, path[1024], q[256];
	const char *why = NULL;
	double *lat, *klat[Q_KINDS], t, used, all = 0;
	size_t kn[Q_KINDS] = { 0 }, hits = 0, empty = 0;
	uint64_t now = (uint64_t)time(NULL);
	struct stat sb;
	MDB_envinfo info;
	MDB_stat est;
	MDB_txn *txn;

	if (n < 100 || nq < Q_KINDS || sodium_init() < 0) {
		fprintf(stderr, "usage: bench_search [count >= 100] [queries]\n");
		return 2;
	}
	s_vocabs(&ja, &en);
	for (int i = 0; i < ORIGINS; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		o[i].id = tu_ident((uint8_t)(60 + i));
	}
	dir = tu_tmpdir("bench-search");
	snprintf(path, sizeof(path), "%s/store", dir);
	if (store_open(path, STORE_CREATE, &st, &why) != 0) {
		fprintf(stderr, "bench_search: %s\n", why);
		return 1;
	}
	s_fill(st, o, 0, n, &ja, &en, now);
	printf("search: %zu articles (half ja, half en), %.0f bytes of text on "
	    "average, from %d origins, 1 in 20 a new version\n", n,
	    (double)s_text_bytes / (double)n, ORIGINS);

	snprintf(path, sizeof(path), "%s/search", dir);
	if (search_open(path, &s, &why) != 0) {
		fprintf(stderr, "bench_search: %s\n", why);
		return 1;
	}
	t = s_sync(s, st, &ss);
	printf("search: %-44s %10.0f articles/s  (%zu in %.2f s, peak "
	    "memory %.0f MB)\n", "index build, from empty (search_sync)",
	    (double)n / t, n, t, s_hwm_mib());

	/* Size: pages in use, against the text indexed. */
	mdb_env_info(s->env, &info);
	mdb_env_stat(s->env, &est);
	used = (double)(info.me_last_pgno + 1) * est.ms_psize;
	snprintf(path, sizeof(path), "%s/search/data.mdb", dir);
	if (stat(path, &sb) != 0)
		memset(&sb, 0, sizeof(sb));
	printf("search: %-44s %10.2f           (%.1f MB in use, %.1f MB on disk, "
	    "for %.1f MB of text)\n", "index size / text size", used /
	    (double)s_text_bytes, used / 1e6, (double)sb.st_blocks * 512 / 1e6,
	    (double)s_text_bytes / 1e6);
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) == 0) {
		printf("search:   postings %.1f MB, documents %.1f MB, ids %.1f MB, "
		    "norms %.2f MB, refs and chains %.2f MB\n",
		    s_db_bytes(txn, s->post) / 1e6, s_db_bytes(txn, s->docs) / 1e6,
		    s_db_bytes(txn, s->ids) / 1e6, s_db_bytes(txn, s->norms) / 1e6,
		    (s_db_bytes(txn, s->refs) + s_db_bytes(txn, s->chain)) / 1e6);
		mdb_txn_abort(txn);
	}

	/* Queries, round robin over the kinds. */
	lat = malloc(nq * sizeof(*lat));
	for (int k = 0; k < Q_KINDS; k++)
		klat[k] = malloc(nq * sizeof(double));
	for (size_t i = 0; i < nq; i++) {
		struct search_query sq = { .limit = 10, .open = "【",
		    .close = "】" };
		struct search_hits h;
		int kind = (int)(i % Q_KINDS);

		s_query(kind, &ja, &en, q, sizeof(q));
		sq.text = q;
		t = tu_now();
		if (search_query(s, st, &sq, &h, &why) != 0) {
			fprintf(stderr, "bench_search: query '%s': %s\n", q, why);
			return 1;
		}
		t = tu_now() - t;
		lat[i] = t;
		klat[kind][kn[kind]++] = t;
		all += t;
		hits += h.total;
		empty += h.total == 0;
		search_hits_clear(&h);
	}
	qsort(lat, nq, sizeof(*lat), s_dcmp);
	printf("search: %-44s %10.2f ms        (p50 %.2f ms, p90 %.2f ms, max "
	    "%.2f ms; target p99 <= 20 ms)\n", "query p99, 10 results with "
	    "snippets", s_pct(lat, nq, 0.99) * 1e3, s_pct(lat, nq, 0.50) * 1e3,
	    s_pct(lat, nq, 0.90) * 1e3, lat[nq - 1] * 1e3);
	printf("search:   %zu queries, %.0f matches each on average, %zu with "
	    "none; mean %.2f ms\n", nq, (double)hits / (double)nq, empty,
	    all / (double)nq * 1e3);
	for (int k = 0; k < Q_KINDS; k++) {
		qsort(klat[k], kn[k], sizeof(double), s_dcmp);
		printf("search:   %-18s p50 %6.2f ms  p99 %6.2f ms\n", s_qname[k],
		    s_pct(klat[k], kn[k], 0.50) * 1e3,
		    s_pct(klat[k], kn[k], 0.99) * 1e3);
	}

	/* Staying current. */
	for (size_t i = 0; i < 1000; i++)
		lat[i % nq] = s_sync(s, st, &ss);
	qsort(lat, nq < 1000 ? nq : 1000, sizeof(*lat), s_dcmp);
	printf("search: %-44s %10.1f us\n", "up-to-date check before a query, "
	    "p50", s_pct(lat, nq < 1000 ? nq : 1000, 0.5) * 1e6);
	s_fill(st, o, n, n + 100, &ja, &en, now);
	t = s_sync(s, st, &ss);
	printf("search: %-44s %10.2f ms        (%.2f ms an article)\n",
	    "100 new articles indexed", t * 1e3, t * 10);
	{
		uint8_t *recs[100];
		size_t lens[100];
		char body[128], hex[65];
		struct store_txn *rt;
		struct record r;
		size_t k = 0;

		/* Each origin retracts its latest articles. */
		for (int i = 0; i < ORIGINS; i++) {
			uint64_t seq = o[i].seq;

			for (int j = 0; j < 10; j++, seq--) {
				if (store_read_begin(st, &rt) != 0 ||
				    store_get_seq(rt, ident_public(o[i].id), seq,
				    &r) != 0)
					return 1;
				record_hex(r.id, 32, hex);
				store_read_end(&rt);
				snprintf(body, sizeof(body), "{\"ref\":\"%s\"}", hex);
				o[i].seq++;
				recs[k] = tu_record(o[i].id, RK_RETRACTION,
				    TLP_CLEAR, o[i].seq, o[i].prev, now, 0, body,
				    &lens[k]);
				tu_id(recs[k], o[i].prev);
				k++;
			}
		}
		s_ingest(st, recs, lens, k, now);
		t = s_sync(s, st, &ss);
		printf("search: %-44s %10.2f ms        (%llu removed; every "
		    "posting list rewritten once)\n",
		    "100 retractions applied", t * 1e3,
		    (unsigned long long)ss.removed);
	}
	search_close(&s);
	store_close(&st);
	/* KYOJO_BENCH_KEEP=1 keeps DIR/store and DIR/search, so that the
	 * whole command can be timed: kyojo article search -d DIR ... */
	if (getenv("KYOJO_BENCH_KEEP") != NULL)
		printf("search: kept %s\n", dir);
	else
		tu_rmrf(dir);
	free(dir);
	return 0;
}

/*
 * report_html.c - the coordinator's dashboard page (report_html.h).
 *
 * Everything is written in one pass: no template files, no scripts, no
 * fonts or images to fetch; the charts are inline SVG, so the page works
 * offline, in a mail attachment and on paper.  Every string that comes
 * from a record (values, titles, tags, member names) goes through
 * s_esc().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/report_html.h"
#include "protocol/indicator.h"
#include "protocol/taxonomy.h"

struct s_out {
	report_write_fn fn;
	void *ctx;
	int rc;
	int lang;
};

/* --- words ------------------------------------------------------------- */

enum {
	W_TITLE, W_PERIOD, W_WEEKS, W_GENERATED, W_SUMMARY, W_RECORDS,
	W_REPORTERS, W_PREVIOUS, W_CHANGE, W_NEWROW, W_TREND, W_TREND_NOTE,
	W_PREV_PERIOD, W_THIS_PERIOD, W_SECTORS, W_SECTORS_NOTE, W_CATEGORIES,
	W_CATEGORY, W_TOTAL, W_TOP, W_TOP_NOTE, W_TYPE, W_VALUE, W_FIRST_SEEN,
	W_LAST_SEEN, W_ARTICLES, W_NEW, W_NEW_NOTE, W_NEW_BY_CAT, W_VALUES,
	W_KNOWHOW, W_BY_LANG, W_BY_TAG, W_LANG, W_TAG, W_ARTICLE_COUNT,
	W_AUTHORS, W_HEALTH, W_HEALTH_NOTE, W_MEMBER, W_STATE, W_LAG,
	W_LAST_CONTACT, W_NO_DATA, W_FOOTER, W_SUPPRESSED, W_LINKED,
	W_LAGGING, W_SILENT, W_UNKNOWN, W_NO_DAEMON, W_NONE, W_NEVER,
	W_UNNAMED, W_REGION, W_NEW_NONE, W_SECTOR, W_K, W_IN_PROGRESS, W_MAX
};

static const char *const s_words[W_MAX][2] = {
	[W_TITLE] = { "Regional security report", "地域セキュリティ状況レポート" },
	[W_PERIOD] = { "Period", "対象期間" },
	[W_WEEKS] = { "weeks", "週間" },
	[W_GENERATED] = { "Generated", "作成日時" },
	[W_SUMMARY] = { "This period at a glance", "今期の概況" },
	[W_RECORDS] = { "Reports", "報告件数" },
	[W_REPORTERS] = { "Reporting members", "報告した組織数" },
	[W_PREVIOUS] = { "Previous period", "前期" },
	[W_CHANGE] = { "Change", "前期比" },
	[W_NEWROW] = { "new", "新規" },
	[W_TREND] = { "Weekly reports by category", "カテゴリ別の週次推移（報告件数）" },
	[W_TREND_NOTE] = { "The shaded weeks are the previous period. A gap in a line is a suppressed week.",
	    "網掛けの週は前期です。線が途切れている週は秘匿しています。" },
	[W_PREV_PERIOD] = { "previous period", "前期" },
	[W_THIS_PERIOD] = { "this period", "今期" },
	[W_SECTORS] = { "Reports by sector", "セクター別の内訳" },
	[W_SECTORS_NOTE] = { "Dark bars: this period; light bars: the previous period.",
	    "濃い棒は今期、薄い棒は前期の報告件数です。" },
	[W_CATEGORIES] = { "Categories against the previous period", "カテゴリ別の前期比較" },
	[W_CATEGORY] = { "Category", "カテゴリ" },
	[W_TOTAL] = { "Total", "合計" },
	[W_TOP] = { "Indicators reported by the most members", "多くの組織が報告した指標" },
	[W_TOP_NOTE] = { "Only indicators that at least k members reported or sighted are listed.",
	    "k 以上の組織が報告または確認した指標だけを掲載しています。" },
	[W_TYPE] = { "Type", "種別" },
	[W_VALUE] = { "Indicator", "指標" },
	[W_FIRST_SEEN] = { "First seen", "初観測" },
	[W_LAST_SEEN] = { "Last seen", "最終観測" },
	[W_ARTICLES] = { "Articles", "関連記事" },
	[W_NEW] = { "New this period", "今期に初めて報告された指標" },
	[W_NEW_NOTE] = { "Listed: new indicators confirmed by at least k members. Counted: every new indicator.",
	    "一覧は k 以上の組織が確認した新規指標です。件数はすべての新規指標を数えています。" },
	[W_NEW_BY_CAT] = { "New indicators by category", "カテゴリ別の新規指標数" },
	[W_VALUES] = { "Indicators", "指標数" },
	[W_KNOWHOW] = { "Know-how articles published", "公開されたノウハウ記事" },
	[W_BY_LANG] = { "By language", "言語別" },
	[W_BY_TAG] = { "By tag", "タグ別" },
	[W_LANG] = { "Language", "言語" },
	[W_TAG] = { "Tag", "タグ" },
	[W_ARTICLE_COUNT] = { "Articles", "記事数" },
	[W_AUTHORS] = { "Authoring members", "執筆した組織数" },
	[W_HEALTH] = { "Members' nodes", "会員ノードの稼働状況" },
	[W_HEALTH_NOTE] = { "Links as this node sees them now; nothing here says what a member reported.",
	    "この拠点から見た現在の接続状態です。各組織が何を報告したかは含みません。" },
	[W_MEMBER] = { "Member", "組織" },
	[W_STATE] = { "State", "状態" },
	[W_LAG] = { "Behind (records)", "未受信（件）" },
	[W_LAST_CONTACT] = { "Last contact", "最終通信" },
	[W_NO_DATA] = { "No data for this period.", "この期間のデータはありません。" },
	[W_FOOTER] = { "Cells that count fewer than k members, and cells that could be worked out from a published total, are suppressed and shown as —. Nothing on this page tells what an individual member reported.",
	    "報告した組織が k 未満のセルと、公表した合計から差し引きで求められるセルは「—」で伏せています。個々の組織が何を報告したかは、このページから分かりません。" },
	[W_SUPPRESSED] = { "suppressed", "秘匿" },
	[W_LINKED] = { "linked", "接続中" },
	[W_LAGGING] = { "lagging", "同期遅れ" },
	[W_SILENT] = { "silent", "応答なし" },
	[W_UNKNOWN] = { "unknown", "不明" },
	[W_NO_DAEMON] = { "kyojod is not running: link states are unknown.",
	    "kyojod が動いていないため、接続状態は分かりません。" },
	[W_NONE] = { "unspecified", "未指定" },
	[W_NEVER] = { "never", "なし" },
	[W_UNNAMED] = { "(no name)", "（名称なし）" },
	[W_REGION] = { "Region", "地域" },
	[W_NEW_NONE] = { "No new indicator was confirmed by k members in this period.",
	    "今期、k 以上の組織が確認した新規指標はありません。" },
	[W_SECTOR] = { "Sector", "セクター" },
	[W_K] = { "k (members a published number needs)", "k（公表に必要な組織数）" },
	[W_IN_PROGRESS] = { "The last week is still in progress.",
	    "最後の週はまだ集計の途中です。" },
};

static const struct {
	const char *id, *en, *ja;
} s_class_words[] = {
	{ "abusive-content", "Abusive content", "不正・有害なコンテンツ" },
	{ "malicious-code", "Malicious code", "マルウェア" },
	{ "information-gathering", "Information gathering", "情報収集（偵察）" },
	{ "intrusion-attempts", "Intrusion attempts", "侵入の試み" },
	{ "intrusions", "Intrusions", "侵入・侵害" },
	{ "availability", "Availability", "可用性の侵害" },
	{ "information-content-security", "Information content security",
	    "情報の改ざん・漏えい" },
	{ "fraud", "Fraud", "詐欺" },
	{ "vulnerable", "Vulnerable", "脆弱性" },
	{ "other", "Other", "その他" },
	{ "test", "Test", "テスト" },
	{ "none", "Uncategorised", "カテゴリなし" },
};

/* A colour per class, in view_category_at() order (then "none"). */
static const char *const s_colours[] = {
	"#8c564b", "#d62728", "#1f77b4", "#ff7f0e", "#9467bd", "#17becf",
	"#e377c2", "#2ca02c", "#bcbd22", "#7f7f7f", "#aec7e8", "#c7c7c7",
};

static const char *
s_w(const struct s_out *o, int w)
{
	return s_words[w][o->lang == REPORT_JA];
}

static const char *
s_class(const struct s_out *o, const char *id)
{
	for (size_t i = 0; i < sizeof(s_class_words) / sizeof(s_class_words[0]); i++)
		if (strcmp(s_class_words[i].id, id) == 0)
			return o->lang == REPORT_JA ? s_class_words[i].ja :
			    s_class_words[i].en;
	return id;
}

static const char *
s_sector(const struct s_out *o, const char *id)
{
	static const char *const up[] = { "CSIRT", "PSIRT", "DSIRT", "FSIRT" };

	for (int i = 0; i < 4; i++)
		if (strcmp(view_sectors[i], id) == 0)
			return up[i];
	return s_w(o, W_NONE);
}

/* A taxonomy type's label in the page's language ("fraud:phishing"). */
static const char *
s_category(const struct s_out *o, const char *id)
{
	const struct taxonomy_entry *e = taxonomy_find(id);

	if (e == NULL)
		return id;
	return o->lang == REPORT_JA ? e->ja : e->en;
}

/* --- output ------------------------------------------------------------ */

static void
s_write(struct s_out *o, const char *s, size_t n)
{
	if (o->rc == 0 && n > 0)
		o->rc = o->fn(o->ctx, s, n);
}

static void
s_puts(struct s_out *o, const char *s)
{
	s_write(o, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
s_printf(struct s_out *o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->rc = o->rc ? o->rc : KY_EINVAL;
		return;
	}
	if ((size_t)n < sizeof(buf)) {
		s_write(o, buf, (size_t)n);
		return;
	}
	/* Longer than the buffer: format again into one that fits. */
	{
		char *big = malloc((size_t)n + 1);

		if (big == NULL) {
			o->rc = o->rc ? o->rc : KY_ENOMEM;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		s_write(o, big, (size_t)n);
		free(big);
	}
}

/* Text into HTML, for element content and quoted attributes alike. */
static void
s_esc(struct s_out *o, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		s_write(o, run, (size_t)(s - run));
		s_puts(o, rep);
		run = s + 1;
	}
	s_write(o, run, (size_t)(s - run));
}

/* 1234567 -> "1,234,567" */
static const char *
s_num(uint64_t n, char buf[32])
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)n);
	int j = 0;

	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = tmp[i];
	}
	buf[j] = '\0';
	return buf;
}

static const char *
s_date(uint64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return "?";
	strftime(buf, 32, "%Y-%m-%d", &tm);
	return buf;
}

static const char *
s_md(uint64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return "?";
	strftime(buf, 32, "%m/%d", &tm);
	return buf;
}

/* A cell's number, or the suppression mark. */
static void
s_cell(struct s_out *o, const struct view_cell *c, bool reporters)
{
	char b[32];

	if (c == NULL || (c->flags & VCELL_SUPPRESSED)) {
		s_printf(o, "<td class=\"s\" title=\"%s\">—</td>",
		    s_w(o, W_SUPPRESSED));
		return;
	}
	s_printf(o, "<td>%s%s</td>", c->flags & VCELL_PARTIAL ? "≥" : "",
	    s_num(reporters ? c->reporters : c->records, b));
}

static void
s_change(struct s_out *o, const struct view_cell *cur,
    const struct view_cell *prev)
{
	double pct;

	if (cur == NULL || prev == NULL ||
	    ((cur->flags | prev->flags) & (VCELL_SUPPRESSED | VCELL_PARTIAL))) {
		s_puts(o, "<td class=\"s\">—</td>");
		return;
	}
	if (prev->records == 0) {
		if (cur->records == 0)
			s_puts(o, "<td>±0</td>");
		else
			s_printf(o, "<td class=\"up\">%s</td>", s_w(o, W_NEWROW));
		return;
	}
	pct = 100.0 * ((double)cur->records - (double)prev->records) /
	    (double)prev->records;
	s_printf(o, "<td class=\"%s\">%s%+.0f%%</td>", pct > 0 ? "up" :
	    pct < 0 ? "down" : "", pct > 0 ? "▲ " : pct < 0 ? "▼ " : "", pct);
}

/* --- the page ---------------------------------------------------------- */

static const char s_style[] =
	"body{font-family:'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',"
	"'Meiryo',system-ui,sans-serif;margin:24px auto;max-width:960px;"
	"color:#222;padding:0 16px;line-height:1.5}"
	"h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px;"
	"border-bottom:2px solid #1f4e79;padding-bottom:2px;color:#1f4e79}"
	"h3{font-size:1em;margin:16px 0 6px}"
	".meta{color:#555;margin:0}.note{color:#555;font-size:.9em;margin:4px 0}"
	"table{border-collapse:collapse;width:100%;font-size:.92em}"
	"th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;"
	"vertical-align:top;white-space:nowrap}th{background:#eef3f8}"
	"td.l,th.l{text-align:left;white-space:normal}td.v{text-align:left;"
	"font-family:monospace;word-break:break-all;white-space:normal}"
	"td.s{color:#999;text-align:center}"
	".up{color:#b22222}.down{color:#2e7d32}"
	".cards{display:flex;gap:12px;flex-wrap:wrap}.card{flex:1;min-width:180px;"
	"border:1px solid #ccc;border-radius:6px;padding:10px 14px}"
	".card .n{font-size:1.8em;font-weight:bold}.card .t{color:#555}"
	".legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.88em;"
	"margin-top:4px}.legend span{white-space:nowrap}"
	".sw{display:inline-block;width:12px;height:12px;margin-right:4px;"
	"vertical-align:-1px}"
	".st-linked{color:#2e7d32}.st-lagging{color:#b26a00}"
	".st-silent{color:#b22222}.st-unknown{color:#777}"
	"svg{max-width:100%;height:auto;font-family:inherit}"
	"footer{margin-top:32px;border-top:1px solid #ccc;padding-top:8px;"
	"color:#555;font-size:.85em}"
	"section{break-inside:avoid;page-break-inside:avoid}"
	"@media print{body{margin:0;max-width:none}h2{break-after:avoid}}";

/* The weekly columns of t, and its period totals (by start). */
struct s_cols {
	size_t week[2 * VIEW_WEEKS_MAX + 2];
	size_t nweeks;
	const struct view_col *cur, *prev;
};

static void
s_cols(const struct view *v, const struct view_table *t, struct s_cols *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < t->ncols; i++) {
		const struct view_col *col = &t->cols[i];

		if (col->end - col->start == VIEW_WEEK &&
		    c->nweeks < sizeof(c->week) / sizeof(c->week[0]) &&
		    !(col->start == v->since && col->end == v->until) &&
		    !(col->start == v->prev_since && col->end == v->since))
			c->week[c->nweeks++] = i;
		else if (col->start == v->since && col->end == v->until)
			c->cur = col;
		else if (col->start == v->prev_since && col->end == v->since)
			c->prev = col;
	}
	/* A one-week period: its total is also its only week. */
	if (c->nweeks == 0)
		for (size_t i = 0; i < t->ncols; i++)
			if (t->cols[i].end - t->cols[i].start == VIEW_WEEK &&
			    c->nweeks < sizeof(c->week) / sizeof(c->week[0]))
				c->week[c->nweeks++] = i;
}

static void
s_summary(struct s_out *o, const struct view *v)
{
	const struct view_table *t = view_table_get(v, "category");
	const struct view_cell *cur, *prev;
	struct s_cols c;
	char b[32];

	if (t == NULL)
		return;
	s_cols(v, t, &c);
	cur = c.cur ? view_cell_get(t, VIEW_TOTAL, c.cur) : NULL;
	prev = c.prev ? view_cell_get(t, VIEW_TOTAL, c.prev) : NULL;
	s_printf(o, "<section id=\"summary\"><h2>%s</h2><div class=\"cards\">",
	    s_w(o, W_SUMMARY));
	for (int rep = 0; rep < 2; rep++) {
		const char *label = s_w(o, rep ? W_REPORTERS : W_RECORDS);

		s_printf(o, "<div class=\"card\"><div class=\"t\">%s</div>"
		    "<div class=\"n\">", label);
		if (cur == NULL || (cur->flags & VCELL_SUPPRESSED))
			s_puts(o, "—");
		else
			s_puts(o, s_num(rep ? cur->reporters : cur->records, b));
		s_printf(o, "</div><div class=\"t\">%s: ", s_w(o, W_PREVIOUS));
		if (prev == NULL || (prev->flags & VCELL_SUPPRESSED))
			s_puts(o, "—");
		else
			s_puts(o, s_num(rep ? prev->reporters : prev->records, b));
		s_puts(o, "</div></div>");
	}
	s_puts(o, "</div></section>\n");
}

/* A round step for a chart axis of four steps that reaches max. */
static uint64_t
s_step(uint64_t max)
{
	uint64_t step = 1;

	for (;;) {
		if (4 * step >= max)
			return step;
		if (8 * step >= max)
			return 2 * step;
		if (20 * step >= max)
			return 5 * step;
		step *= 10;
	}
}

static void
s_trend_chart(struct s_out *o, const struct view *v)
{
	const struct view_table *t = view_table_get(v, "category");
	const int W = 760, H = 300, L = 56, R = 16, T = 16, B = 40;
	uint64_t max = 0, top, step;
	bool shown[16] = { false };
	struct s_cols c;
	char b[32];
	double dx;

	if (t == NULL)
		return;
	s_cols(v, t, &c);
	s_printf(o, "<section id=\"trend\"><h2>%s</h2>", s_w(o, W_TREND));
	if (c.nweeks == 0) {
		s_printf(o, "<p>%s</p></section>\n", s_w(o, W_NO_DATA));
		return;
	}
	for (size_t r = 0; r < t->nrows && r < 16; r++) {
		if (strcmp(t->rows[r], VIEW_TOTAL) == 0)
			continue;
		for (size_t w = 0; w < c.nweeks; w++) {
			const struct view_cell *cell =
			    &t->cells[r * t->ncols + c.week[w]];

			if (cell->flags & VCELL_SUPPRESSED)
				continue;
			if (cell->records > 0)
				shown[r] = true;
			if (cell->records > max)
				max = cell->records;
		}
	}
	step = s_step(max);
	top = 4 * step;
	dx = c.nweeks > 1 ? (double)(W - L - R) / (double)(c.nweeks - 1) : 0;
	s_printf(o, "<svg class=\"chart\" id=\"trend-chart\" viewBox=\"0 0 %d %d\" "
	    "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\" "
	    "xmlns=\"http://www.w3.org/2000/svg\">", W, H, W, H, s_w(o, W_TREND));
	/* The previous period, shaded. */
	for (size_t w = 0; w < c.nweeks; w++) {
		const struct view_col *col = &t->cols[c.week[w]];

		if (col->start < v->since && c.prev != NULL) {
			double x0 = L + dx * (double)w - dx / 2;

			s_printf(o, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
			    "height=\"%d\" fill=\"#f0f0f0\"/>", x0 < L ? L : x0,
			    T, x0 < L ? dx / 2 : dx, H - T - B);
		}
	}
	for (int i = 0; i <= 4; i++) {
		int y = T + (H - T - B) * i / 4;

		s_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
		    "stroke=\"#ddd\"/><text x=\"%d\" y=\"%d\" font-size=\"11\" "
		    "text-anchor=\"end\" fill=\"#555\">%s</text>", L, W - R, y, y,
		    L - 6, y + 4, s_num(step * (uint64_t)(4 - i), b));
	}
	for (size_t w = 0; w < c.nweeks; w++) {
		size_t every = c.nweeks > 16 ? (c.nweeks + 15) / 16 : 1;

		if (w % every != 0)
			continue;
		s_printf(o, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
		    "text-anchor=\"middle\" fill=\"#555\">%s</text>",
		    L + dx * (double)w, H - B + 16,
		    s_md(t->cols[c.week[w]].start, b));
	}
	s_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
	    "stroke=\"#888\"/>", L, W - R, H - B, H - B);
	for (size_t r = 0; r < t->nrows && r < 16; r++) {
		const char *colour = s_colours[r % (sizeof(s_colours) /
		    sizeof(s_colours[0]))];
		bool open = false;

		if (!shown[r])
			continue;
		/* One polyline per run of published weeks. */
		for (size_t w = 0; w <= c.nweeks; w++) {
			const struct view_cell *cell = w < c.nweeks ?
			    &t->cells[r * t->ncols + c.week[w]] : NULL;

			if (cell == NULL || (cell->flags & VCELL_SUPPRESSED)) {
				if (open)
					s_puts(o, "\"/>");
				open = false;
				continue;
			}
			if (!open)
				s_printf(o, "<polyline fill=\"none\" stroke=\"%s\" "
				    "stroke-width=\"2\" points=\"", colour);
			open = true;
			s_printf(o, "%.1f,%.1f ", L + dx * (double)w,
			    (double)(H - B) - (double)(H - T - B) *
			    (double)cell->records / (double)top);
		}
		for (size_t w = 0; w < c.nweeks; w++) {
			const struct view_cell *cell =
			    &t->cells[r * t->ncols + c.week[w]];
			char b2[32];

			if (cell->flags & VCELL_SUPPRESSED)
				continue;
			s_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
			    "fill=\"%s\"><title>", L + dx * (double)w,
			    (double)(H - B) - (double)(H - T - B) *
			    (double)cell->records / (double)top, colour);
			s_esc(o, s_class(o, t->rows[r]));
			s_printf(o, " %s: %s / %s %s</title></circle>",
			    s_md(t->cols[c.week[w]].start, b),
			    s_num(cell->records, b2), s_w(o, W_REPORTERS),
			    s_num(cell->reporters, b));
		}
	}
	s_puts(o, "</svg><div class=\"legend\">");
	for (size_t r = 0; r < t->nrows && r < 16; r++) {
		if (!shown[r])
			continue;
		s_printf(o, "<span><i class=\"sw\" style=\"background:%s\"></i>",
		    s_colours[r % (sizeof(s_colours) / sizeof(s_colours[0]))]);
		s_esc(o, s_class(o, t->rows[r]));
		s_puts(o, "</span>");
	}
	if (max == 0)
		s_printf(o, "<span>%s</span>", s_w(o, W_NO_DATA));
	s_printf(o, "</div><p class=\"note\">%s%s%s</p></section>\n",
	    s_w(o, W_TREND_NOTE), v->generated < v->until ? " " : "",
	    v->generated < v->until ? s_w(o, W_IN_PROGRESS) : "");
}

/* A row with nothing to draw: the total, or zero in both periods. */
static bool
s_zero_row(const struct view_table *t, size_t r, const struct view_col *cur,
    const struct view_col *prev)
{
	const struct view_col *cols[2] = { cur, prev };

	if (strcmp(t->rows[r], VIEW_TOTAL) == 0)
		return true;
	for (int i = 0; i < 2; i++) {
		const struct view_cell *x = cols[i] ?
		    view_cell_get(t, t->rows[r], cols[i]) : NULL;

		if (x != NULL && ((x->flags & VCELL_SUPPRESSED) || x->records > 0))
			return false;
	}
	return true;
}

static void
s_sector_chart(struct s_out *o, const struct view *v)
{
	const struct view_table *t = view_table_get(v, "sector");
	const int W = 760, L = 110, R = 90, BAR = 14, GAP = 10;
	uint64_t max = 0;
	struct s_cols c;
	int H, y;
	char b[32];

	if (t == NULL)
		return;
	s_cols(v, t, &c);
	if (c.cur == NULL)
		return;
	for (size_t r = 0; r < t->nrows; r++) {
		const struct view_cell *x = view_cell_get(t, t->rows[r], c.cur);
		const struct view_cell *p = c.prev ?
		    view_cell_get(t, t->rows[r], c.prev) : NULL;

		if (strcmp(t->rows[r], VIEW_TOTAL) == 0)
			continue;
		if (x != NULL && !(x->flags & VCELL_SUPPRESSED) && x->records > max)
			max = x->records;
		if (p != NULL && !(p->flags & VCELL_SUPPRESSED) && p->records > max)
			max = p->records;
	}
	H = 20;
	for (size_t r = 0; r < t->nrows; r++)
		if (!s_zero_row(t, r, c.cur, c.prev))
			H += 2 * BAR + GAP;
	s_printf(o, "<section id=\"sectors\"><h2>%s</h2>", s_w(o, W_SECTORS));
	s_printf(o, "<svg class=\"chart\" id=\"sector-chart\" viewBox=\"0 0 %d %d\" "
	    "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\" "
	    "xmlns=\"http://www.w3.org/2000/svg\">", W, H, W, H,
	    s_w(o, W_SECTORS));
	y = 10;
	for (size_t r = 0; r < t->nrows; r++) {
		const struct view_col *cols[2] = { c.cur, c.prev };

		if (s_zero_row(t, r, c.cur, c.prev))
			continue;
		s_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"13\" "
		    "text-anchor=\"end\">%s</text>", L - 8, y + BAR + 4,
		    s_sector(o, t->rows[r]));
		for (int i = 0; i < 2; i++) {
			const struct view_cell *x = cols[i] ?
			    view_cell_get(t, t->rows[r], cols[i]) : NULL;
			double w;

			if (x == NULL || (x->flags & VCELL_SUPPRESSED)) {
				s_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
				    "fill=\"#999\">— (%s)</text>", L + 4,
				    y + BAR - 3, s_w(o, W_SUPPRESSED));
			} else {
				w = max > 0 ? (double)(W - L - R) *
				    (double)x->records / (double)max : 0;
				s_printf(o, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
				    "height=\"%d\" fill=\"%s\"><title>%s %s: %s"
				    "</title></rect><text x=\"%.1f\" y=\"%d\" "
				    "font-size=\"11\" fill=\"#333\">%s</text>", L, y,
				    w, BAR - 2, i == 0 ? "#1f4e79" : "#a9c4de",
				    s_sector(o, t->rows[r]),
				    s_w(o, i == 0 ? W_THIS_PERIOD : W_PREV_PERIOD),
				    s_num(x->records, b), L + w + 4, y + BAR - 3,
				    s_num(x->records, b));
			}
			y += BAR;
		}
		y += GAP;
	}
	s_printf(o, "</svg><p class=\"note\">%s</p></section>\n",
	    s_w(o, W_SECTORS_NOTE));
}

static void
s_category_table(struct s_out *o, const struct view *v)
{
	const struct view_table *t = view_table_get(v, "category");
	struct s_cols c;

	if (t == NULL)
		return;
	s_cols(v, t, &c);
	if (c.cur == NULL)
		return;
	s_printf(o, "<section id=\"categories\"><h2>%s</h2><table><tr>"
	    "<th class=\"l\">%s</th><th>%s</th><th>%s</th><th>%s%s%s%s</th>"
	    "<th>%s</th></tr>", s_w(o, W_CATEGORIES), s_w(o, W_CATEGORY),
	    s_w(o, W_RECORDS), s_w(o, W_REPORTERS), s_w(o, W_RECORDS),
	    o->lang ? "（" : " (", s_w(o, W_PREVIOUS), o->lang ? "）" : ")",
	    s_w(o, W_CHANGE));
	for (size_t r = 0; r < t->nrows; r++) {
		const struct view_cell *cur = view_cell_get(t, t->rows[r], c.cur);
		const struct view_cell *prev = c.prev ?
		    view_cell_get(t, t->rows[r], c.prev) : NULL;
		bool total = strcmp(t->rows[r], VIEW_TOTAL) == 0;

		/* Rows that are zero in both periods say nothing. */
		if (!total && cur != NULL && prev != NULL &&
		    !((cur->flags | prev->flags) & VCELL_SUPPRESSED) &&
		    cur->records == 0 && prev->records == 0)
			continue;
		s_puts(o, total ? "<tr><th class=\"l\">" : "<tr><td class=\"l\">");
		s_esc(o, total ? s_w(o, W_TOTAL) : s_class(o, t->rows[r]));
		s_puts(o, total ? "</th>" : "</td>");
		s_cell(o, cur, false);
		s_cell(o, cur, true);
		s_cell(o, prev, false);
		s_change(o, cur, prev);
		s_puts(o, "</tr>");
	}
	s_puts(o, "</table></section>\n");
}

static void
s_items(struct s_out *o, const struct view *v, bool with_first)
{
	char b[32];

	s_printf(o, "<table class=\"items\"><tr><th class=\"l\">%s</th>"
	    "<th class=\"l\">%s</th><th class=\"l\">%s</th><th>%s</th>"
	    "<th>%s</th><th>%s</th><th>%s</th><th class=\"l\">%s</th></tr>",
	    s_w(o, W_TYPE), s_w(o, W_VALUE), s_w(o, W_CATEGORY),
	    s_w(o, W_REPORTERS), s_w(o, W_RECORDS),
	    s_w(o, with_first ? W_FIRST_SEEN : W_FIRST_SEEN),
	    s_w(o, W_LAST_SEEN), s_w(o, W_ARTICLES));
	for (size_t i = 0; i < v->nitems; i++) {
		const struct view_item *it = &v->items[i];
		const char *pre = it->flags & VCELL_PARTIAL ? "≥" : "";

		s_printf(o, "<tr><td class=\"l\">%s</td><td class=\"v\">",
		    indicator_type_name(it->type));
		s_esc(o, it->value);
		s_puts(o, "</td><td class=\"l\">");
		s_esc(o, it->category[0] ? s_category(o, it->category) : "—");
		s_printf(o, "</td><td>%s%s</td>", pre, s_num(it->reporters, b));
		s_printf(o, "<td>%s%s</td>", pre, s_num(it->records, b));
		s_printf(o, "<td>%s</td>", it->first_seen ?
		    s_date(it->first_seen, b) : "—");
		s_printf(o, "<td>%s</td><td class=\"l\">", it->last_seen ?
		    s_date(it->last_seen, b) : "—");
		for (size_t a = 0; a < it->narticles; a++) {
			if (a > 0)
				s_puts(o, "<br>");
			s_esc(o, it->articles[a].title);
			if (it->articles[a].lang[0] != '\0') {
				s_puts(o, " (");
				s_esc(o, it->articles[a].lang);
				s_puts(o, ")");
			}
		}
		s_puts(o, "</td></tr>");
	}
	s_puts(o, "</table>");
}

static void
s_top(struct s_out *o, const struct view *v)
{
	s_printf(o, "<section id=\"top\"><h2>%s</h2><p class=\"note\">%s</p>",
	    s_w(o, W_TOP), s_w(o, W_TOP_NOTE));
	if (v->nitems == 0)
		s_printf(o, "<p>%s</p>", s_w(o, W_NO_DATA));
	else
		s_items(o, v, false);
	s_puts(o, "</section>\n");
}

/* A one-column table (new, lang, tag): label, count, members. */
static void
s_count_table(struct s_out *o, const struct view_table *t, int label,
    int count, bool classes)
{
	s_printf(o, "<table><tr><th class=\"l\">%s</th><th>%s</th><th>%s</th>"
	    "</tr>", s_w(o, label), s_w(o, count),
	    s_w(o, count == W_ARTICLE_COUNT ? W_AUTHORS : W_REPORTERS));
	for (size_t r = 0; r < t->nrows; r++) {
		const struct view_cell *c = &t->cells[r * t->ncols];
		bool total = strcmp(t->rows[r], VIEW_TOTAL) == 0;

		if (!total && !(c->flags & VCELL_SUPPRESSED) && c->records == 0)
			continue;
		s_puts(o, total ? "<tr><th class=\"l\">" : "<tr><td class=\"l\">");
		s_esc(o, total ? s_w(o, W_TOTAL) : classes ?
		    s_class(o, t->rows[r]) : t->rows[r]);
		s_puts(o, total ? "</th>" : "</td>");
		s_cell(o, c, false);
		s_cell(o, c, true);
		s_puts(o, "</tr>");
	}
	s_puts(o, "</table>");
}

static void
s_new(struct s_out *o, const struct view *v)
{
	const struct view_table *t = view_table_get(v, "new");

	s_printf(o, "<section id=\"new\"><h2>%s</h2><p class=\"note\">%s</p>",
	    s_w(o, W_NEW), s_w(o, W_NEW_NOTE));
	if (v->nitems == 0)
		s_printf(o, "<p>%s</p>", s_w(o, W_NEW_NONE));
	else
		s_items(o, v, true);
	if (t != NULL) {
		s_printf(o, "<h3>%s</h3>", s_w(o, W_NEW_BY_CAT));
		s_count_table(o, t, W_CATEGORY, W_VALUES, true);
	}
	s_puts(o, "</section>\n");
}

static void
s_knowhow(struct s_out *o, const struct view *v)
{
	const struct view_table *lang = view_table_get(v, "lang");
	const struct view_table *tag = view_table_get(v, "tag");

	s_printf(o, "<section id=\"knowhow\"><h2>%s</h2>", s_w(o, W_KNOWHOW));
	if (lang != NULL) {
		s_printf(o, "<h3>%s</h3>", s_w(o, W_BY_LANG));
		s_count_table(o, lang, W_LANG, W_ARTICLE_COUNT, false);
	}
	if (tag != NULL) {
		s_printf(o, "<h3>%s</h3>", s_w(o, W_BY_TAG));
		s_count_table(o, tag, W_TAG, W_ARTICLE_COUNT, false);
	}
	s_puts(o, "</section>\n");
}

static void
s_health(struct s_out *o, const struct view *v)
{
	char b[32];

	s_printf(o, "<section id=\"health\"><h2>%s</h2><p class=\"note\">%s</p>",
	    s_w(o, W_HEALTH), s_w(o, W_HEALTH_NOTE));
	if (!v->daemon_running)
		s_printf(o, "<p>%s</p>", s_w(o, W_NO_DAEMON));
	s_printf(o, "<table><tr><th class=\"l\">%s</th><th class=\"l\">%s</th>"
	    "<th>%s</th><th>%s</th></tr>", s_w(o, W_MEMBER), s_w(o, W_STATE),
	    s_w(o, W_LAG), s_w(o, W_LAST_CONTACT));
	for (size_t i = 0; i < v->nmembers; i++) {
		const struct view_member *m = &v->members[i];
		int w = strcmp(m->state, "linked") == 0 ? W_LINKED :
		    strcmp(m->state, "lagging") == 0 ? W_LAGGING :
		    strcmp(m->state, "silent") == 0 ? W_SILENT : W_UNKNOWN;
		char hex[65];

		s_puts(o, "<tr><td class=\"l\">");
		if (m->name[0] != '\0') {
			s_esc(o, m->name);
		} else {
			record_hex(m->key, 32, hex);
			s_printf(o, "%s <code>%.16s</code>", s_w(o, W_UNNAMED), hex);
		}
		s_printf(o, "</td><td class=\"l st-%s\">%s</td>", m->state,
		    s_w(o, w));
		if (m->lag >= 0)
			s_printf(o, "<td>%s</td>", s_num((uint64_t)m->lag, b));
		else
			s_puts(o, "<td>—</td>");
		if (m->last_seen > 0) {
			char b2[32];
			struct tm tm;
			time_t tt = (time_t)m->last_seen;

			b2[0] = '\0';
			if (gmtime_r(&tt, &tm) != NULL)
				strftime(b2, sizeof(b2), "%H:%M", &tm);
			s_printf(o, "<td>%s %s UTC</td>", s_date(m->last_seen, b),
			    b2);
		} else {
			s_printf(o, "<td>%s</td>", s_w(o, W_NEVER));
		}
		s_puts(o, "</tr>");
	}
	s_puts(o, "</table></section>\n");
}

/* The period the page covers: the first view's. */
static const struct view *
s_any_view(const struct report *r)
{
	return r->overview ? r->overview : r->top ? r->top : r->fresh ?
	    r->fresh : r->knowhow ? r->knowhow : r->health;
}

int
report_html_emit(const struct report *r, int lang, report_write_fn fn,
    void *ctx)
{
	struct s_out o = { .fn = fn, .ctx = ctx, .lang = lang == REPORT_JA };
	const struct view *v = s_any_view(r);
	char b1[32], b2[32], b3[32];
	struct tm tm;
	time_t gen = (time_t)r->generated;

	s_printf(&o, "<!DOCTYPE html>\n<html lang=\"%s\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	    "'none'; style-src 'unsafe-inline'\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>", o.lang ? "ja" : "en");
	s_esc(&o, s_w(&o, W_TITLE));
	if (r->region[0] != '\0') {
		s_puts(&o, " — ");
		s_esc(&o, r->region);
	}
	s_puts(&o, "</title><style>");
	s_puts(&o, s_style);
	s_puts(&o, "</style></head><body>\n<header><h1>");
	s_esc(&o, s_w(&o, W_TITLE));
	if (r->region[0] != '\0') {
		s_puts(&o, " — ");
		s_esc(&o, r->region);
	}
	s_puts(&o, "</h1>");
	b3[0] = '\0';
	if (gmtime_r(&gen, &tm) != NULL)
		strftime(b3, sizeof(b3), "%Y-%m-%d %H:%M UTC", &tm);
	if (v != NULL && v->kind != VIEW_HEALTH)
		s_printf(&o, "<p class=\"meta\">%s: %s – %s (%llu %s)",
		    s_w(&o, W_PERIOD), s_date(v->since, b1),
		    s_date(v->until - 1, b2),
		    (unsigned long long)((v->until - v->since) / VIEW_WEEK),
		    s_w(&o, W_WEEKS));
	else
		s_puts(&o, "<p class=\"meta\">");
	if (v != NULL)
		s_printf(&o, " · %s = %u", s_w(&o, W_K), v->k);
	s_printf(&o, " · %s: %s</p></header>\n", s_w(&o, W_GENERATED), b3);
	if (r->overview != NULL) {
		s_summary(&o, r->overview);
		s_trend_chart(&o, r->overview);
		s_sector_chart(&o, r->overview);
		s_category_table(&o, r->overview);
	}
	if (r->top != NULL)
		s_top(&o, r->top);
	if (r->fresh != NULL)
		s_new(&o, r->fresh);
	if (r->knowhow != NULL)
		s_knowhow(&o, r->knowhow);
	if (r->health != NULL)
		s_health(&o, r->health);
	s_printf(&o, "<footer><p>%s</p><p>Kyojo (共助)</p></footer>\n"
	    "</body></html>\n", s_w(&o, W_FOOTER));
	return o.rc;
}

static int
s_file_write(void *ctx, const char *buf, size_t len)
{
	return fwrite(buf, 1, len, ctx) == len ? 0 : KY_EIO;
}

int
report_html_write(FILE *f, const struct report *r, int lang)
{
	int rc = report_html_emit(r, lang, s_file_write, f);

	if (rc == 0 && fflush(f) != 0)
		rc = KY_EIO;
	return rc;
}

int
report_lang_from_name(const char *name)
{
	if (strcmp(name, "ja") == 0)
		return REPORT_JA;
	if (strcmp(name, "en") == 0)
		return REPORT_EN;
	return -1;
}

void
report_clear(struct report *r)
{
	if (r == NULL)
		return;
	view_free(&r->overview);
	view_free(&r->top);
	view_free(&r->fresh);
	view_free(&r->knowhow);
	view_free(&r->health);
	memset(r, 0, sizeof(*r));
}

int
report_build(struct store_txn *t, const struct view_params *p, bool health,
    const cJSON *status, const uint8_t *self, struct report *r,
    const char **why)
{
	struct view_data *d = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	r->generated = p->now;
	if (p->region != NULL)
		snprintf(r->region, sizeof(r->region), "%s", p->region);
	if ((rc = view_scan(t, p, VIEW_NEED(VIEW_OVERVIEW) | VIEW_NEED(VIEW_TOP) |
	    VIEW_NEED(VIEW_NEW) | VIEW_NEED(VIEW_KNOWHOW), &d, why)) != 0)
		return rc;
	if ((rc = view_build(d, VIEW_OVERVIEW, &r->overview)) == 0 &&
	    (rc = view_build(d, VIEW_TOP, &r->top)) == 0 &&
	    (rc = view_build(d, VIEW_NEW, &r->fresh)) == 0)
		rc = view_build(d, VIEW_KNOWHOW, &r->knowhow);
	view_data_free(&d);
	if (rc == 0 && health && self != NULL) {
		const char *hwhy;

		/* A node that signs no roster has no members to show. */
		if (view_health(p->rosters, self, status, p->now, &r->health,
		    &hwhy) == KY_ENOMEM)
			rc = KY_ENOMEM;
	}
	if (rc != 0) {
		*why = ky_strerror(rc);
		report_clear(r);
	}
	return rc;
}

/*
 * libFuzzer target: what `kyojo article` reads from files and from the
 * command line, and what it makes of article bodies from the network:
 * the front matter parser, the Markdown title, and folding, terms, query
 * parsing and snippets over arbitrary bytes (node/search_text.c).
 *
 * The input is split at its first NUL byte: a query before it, a text
 * after it (the whole input is also parsed as an article file).  Every
 * refusal must carry a reason; a snippet must stay inside its buffer
 * and be a string.
 */
#include <stdlib.h>
#include <string.h>

#include "node/search_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
s_term(void *ctx, const char *t, size_t len, size_t fa, size_t fb)
{
	const struct fold *f = ctx;

	if (len == 0 || len >= TERM_MAX || strlen(t) != len || fa >= fb ||
	    fb > f->n)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct search_fm fm;
	const char *text = (const char *)data, *why = NULL, *sep;
	char out[SEARCH_SNIPPET_MAX], title[64];
	struct fold f = { 0 };
	struct query q;
	size_t line, ql;

	if (search_frontmatter(text, size, &fm, &line, &why) != 0) {
		if (why == NULL || line == 0)
			abort();
	} else if (fm.body > size || strlen(fm.title) > BODY_TITLE_MAX ||
	    fm.ntags > BODY_TAGS_MAX || fm.nrefs > SEARCH_REFS_MAX)
		abort();
	if (search_md_title(text, size, title, sizeof(title)) &&
	    strlen(title) >= sizeof(title))
		abort();
	(void)search_guess_lang(text, size);

	sep = memchr(text, '\0', size);
	ql = sep ? (size_t)(sep - text) : size;
	if (fold_text(&f, sep ? sep + 1 : text, sep ? size - ql - 1 : size) != 0)
		goto out;
	for (size_t i = 0; i < f.n; i++)
		if (f.from[i] >= f.to[i] || f.to[i] > size)
			abort();
	(void)text_terms(&f, s_term, &f);
	if (query_parse(text, ql, &q, &why) != 0) {
		if (why == NULL)
			abort();
		goto out;
	}
	(void)query_phrases_in(&q, &f);
	(void)query_snippet(&q, sep ? sep + 1 : text, &f, 1 + size % 120,
	    "【", "】", out, 1 + size % sizeof(out));
	if (strlen(out) >= 1 + size % sizeof(out))
		abort();
out:
	fold_clear(&f);
	return 0;
}

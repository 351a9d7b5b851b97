/*
 * libFuzzer target: the scrubber (node/scrub.c, node/scrub_text.c).
 * The first byte picks what the rest is:
 *   0 mod 3   free text for scrub_text: the output must be exactly the
 *             input with each reported span replaced by its marker, the
 *             spans in order, apart and on character boundaries, and an
 *             input that is not UTF-8 refused with nothing out;
 *   1 mod 3   an indicator (the second byte picks the type), checked raw
 *             and in its normal form: a refusal has a reason, consent
 *             has none;
 *   2 mod 3   scrub_words for a scrubber of its own, then the same bytes
 *             as text, so the word matcher sees words that overlap the
 *             text in every way.
 *
 * tests/fuzz/run.sh links the protocol and keys libraries only, so the
 * scrubber's sources are compiled into this target directly.
 */
#include <stdlib.h>
#include <string.h>

#include "node/scrub.c"
#include "node/scrub_text.c"
#include "node/scrub_scan.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scrub *s_scr;

static struct scrub *
s_make(const char *words)
{
	struct config cfg;
	struct scrub *s;
	const char *why;

	config_defaults(&cfg, "/tmp");
	strcpy(cfg.own_networks, "203.0.113.0/24, 2001:db8:10::/48, 10.1.0.0/16");
	strcpy(cfg.own_domains, "yamada.co.jp, 山田製作所.jp");
	strcpy(cfg.own_mail_domains, "yamada-mail.jp");
	snprintf(cfg.scrub_words, sizeof(cfg.scrub_words), "%s", words);
	if (scrub_new(&cfg, &s, &why) != 0)
		return NULL;
	return s;
}

static void
s_text(const struct scrub *s, const char *in, size_t len)
{
	struct scrub_report rep;
	size_t olen = 1, from = 0, o = 0;
	char *out = (char *)1;
	int rc;

	scrub_report_init(&rep);
	rc = scrub_text(s, in, len, &out, &olen, &rep);
	if (rc != 0) {
		if (out != NULL || olen != 0 || rep.n != 0 ||
		    (rc == KY_EINVAL && utf8_is_valid(in, len)) ||
		    (rc != KY_EINVAL && rc != KY_ENOMEM))
			abort();
		scrub_report_clear(&rep);
		return;
	}
	if (!utf8_is_valid(in, len) || out[olen] != '\0' ||
	    strlen(out) != olen || !utf8_is_valid(out, olen))
		abort();
	for (size_t i = 0; i < rep.n; i++) {
		const struct scrub_hit *h = &rep.hits[i];
		const char *name = scrub_kind_name(h->kind);
		size_t ml;

		if (name == NULL || h->why == NULL || h->len == 0 ||
		    h->off < from || h->off + h->len > len)
			abort();
		/* Spans start and end on character boundaries. */
		if (((unsigned char)in[h->off] & 0xc0) == 0x80 ||
		    (h->off + h->len < len &&
		    ((unsigned char)in[h->off + h->len] & 0xc0) == 0x80))
			abort();
		if (h->out_off != o + (h->off - from) ||
		    memcmp(out + o, in + from, h->off - from) != 0)
			abort();
		o = h->out_off;
		ml = strlen(name) + sizeof("[redacted:]") - 1;
		if (o + ml > olen || memcmp(out + o, "[redacted:", 10) != 0 ||
		    memcmp(out + o + 10, name, strlen(name)) != 0 ||
		    out[o + ml - 1] != ']')
			abort();
		o += ml;
		from = h->off + h->len;
	}
	if (olen - o != len - from || memcmp(out + o, in + from, len - from) != 0)
		abort();
	free(out);
	scrub_report_clear(&rep);
}

static void
s_check(const struct scrub *s, int type, const char *v, size_t len)
{
	char why[SCRUB_WHY_MAX];
	int rc = scrub_indicator(s, type, v, len, why, sizeof(why));

	if (rc == 0 && why[0] != '\0')
		abort();
	if (rc != 0 && rc != KY_EINVAL && rc != KY_ENOMEM)
		abort();
	if (rc == KY_EINVAL && why[0] == '\0')
		abort();
	if (memchr(why, '\0', sizeof(why)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char norm[INDICATOR_VALUE_MAX + 1], words[CONFIG_LIST_MAX];
	const char *in = (const char *)data + 1, *why;
	size_t len = size - 1;
	struct scrub *own;
	int type;

	if (size < 1)
		return 0;
	if (s_scr == NULL && (s_scr = s_make("Acme, 鈴木商事、ProjectX，ｶﾞﾝﾀﾞﾑ, "
	    "極秘")) == NULL)
		abort();
	switch (data[0] % 3) {
	case 0:
		s_text(s_scr, in, len);
		break;
	case 1:
		if (len < 1)
			return 0;
		type = data[1] % (IT_MAX + 2);	/* 0 and IT_MAX + 1: unknown */
		s_check(s_scr, type, in + 1, len - 1);
		if (type >= 1 && type <= IT_MAX &&
		    indicator_normalize(type, in + 1, len - 1, norm,
		    sizeof(norm), &why) == 0)
			s_check(s_scr, type, norm, strlen(norm));
		break;
	case 2:
		if (len >= sizeof(words) || memchr(in, '\0', len) != NULL)
			return 0;
		memcpy(words, in, len);
		words[len] = '\0';
		if ((own = s_make(words)) == NULL) {
			if (utf8_is_valid(words, len))
				abort();	/* words may be any UTF-8 */
			return 0;
		}
		s_text(own, in, len);
		scrub_free(&own);
		break;
	}
	return 0;
}

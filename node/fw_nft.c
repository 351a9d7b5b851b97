/*
 * fw_nft.c - the nftables backend of the live firewall path.
 *
 * Sets use `flags interval, timeout` so that a /20 blocks all 4,096
 * addresses (a set without `interval` keeps only the first address: the
 * CrowdSec bouncer's bug), and every element carries its own timeout.
 * `auto-merge` is deliberately off: merging adjacent elements in the
 * kernel would make its listing differ from what we wrote, and every
 * reconcile would then see changes that are none.  Overlaps are folded
 * before writing (fw_set_merge), which nft requires.
 *
 * The kernel's set is read with `nft -T list set` (plain text, times in
 * seconds) and parsed as it streams: the JSON form is twice the size and
 * would have to be held whole by cJSON (hundreds of MB at 1M elements).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "node/firewall.h"
#include "node/fw_exec.h"
#include "node/log.h"

/* One year: well inside what nft 1.0 and every kernel with timeout sets
 * accept; a longer block is renewed by a later reconcile. */
#define NFT_MAX_TIMEOUT	(365u * 86400u)

/* Elements per add/delete statement: one statement per element parses
 * several times slower, one statement for all grows nft's memory. */
#define NFT_CHUNK	4096

#define NFT_ERR_MAX	4096

static const char s_setup[] =
    "add table inet " FIREWALL_NFT_TABLE "\n"
    "add set inet " FIREWALL_NFT_TABLE " " FIREWALL_NFT_SET4
    " { type ipv4_addr; flags interval, timeout; }\n"
    "add set inet " FIREWALL_NFT_TABLE " " FIREWALL_NFT_SET6
    " { type ipv6_addr; flags interval, timeout; }\n"
    "add chain inet " FIREWALL_NFT_TABLE " input"
    " { type filter hook input priority -10; policy accept; }\n"
    "add chain inet " FIREWALL_NFT_TABLE " forward"
    " { type filter hook forward priority -10; policy accept; }\n"
    "add chain inet " FIREWALL_NFT_TABLE " output"
    " { type filter hook output priority -10; policy accept; }\n"
    /* The rules are rewritten on every setup, inside the same
     * transaction: a deleted rule comes back, and there is no moment
     * without them. */
    "flush chain inet " FIREWALL_NFT_TABLE " input\n"
    "flush chain inet " FIREWALL_NFT_TABLE " forward\n"
    "flush chain inet " FIREWALL_NFT_TABLE " output\n"
    "add rule inet " FIREWALL_NFT_TABLE " input ip saddr @" FIREWALL_NFT_SET4 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " input ip6 saddr @" FIREWALL_NFT_SET6 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " forward ip saddr @" FIREWALL_NFT_SET4 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " forward ip6 saddr @" FIREWALL_NFT_SET6 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " forward ip daddr @" FIREWALL_NFT_SET4 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " forward ip6 daddr @" FIREWALL_NFT_SET6 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " output ip daddr @" FIREWALL_NFT_SET4 " drop\n"
    "add rule inet " FIREWALL_NFT_TABLE " output ip6 daddr @" FIREWALL_NFT_SET6 " drop\n";

/* Runs script (rewound) with `nft -f`; one kernel transaction. */
static int
s_run(FILE *script, const char *what, const char **why)
{
	char *const argv[] = { "nft", "-f", "/dev/stdin", NULL };
	char err[NFT_ERR_MAX];
	int rc;

	if ((rc = fw_exec_run(argv, script, err, sizeof(err))) != 0) {
		firewall_log_tool("nft", err);
		*why = rc == KY_ENOTFOUND ? "nft: not installed (not in PATH)" :
		    what;
	}
	return rc;
}

static int
s_nft_setup(const struct fw_conf *c, const char **why)
{
	FILE *f;
	int rc;

	(void)c;
	if ((rc = fw_exec_tmpfile(&f)) != 0) {
		*why = "nft: cannot create a temporary file";
		return rc;
	}
	fputs(s_setup, f);
	rc = ferror(f) ? KY_EIO : s_run(f, "nft: setting up table inet "
	    FIREWALL_NFT_TABLE " failed", why);
	fclose(f);
	return rc;
}

/* --- reading `nft -T list set` ------------------------------------------ */

enum { TOK_EOF, TOK_WORD, TOK_STRING, TOK_PUNCT };

struct lexer {
	FILE *in;
	char tok[128];		/* the token; words longer than this are cut */
	int type;
};

static int
s_lex(struct lexer *l)
{
	size_t n = 0;
	int ch;

	do {
		ch = getc_unlocked(l->in);
	} while (ch != EOF && isspace(ch));
	if (ch == EOF)
		return l->type = TOK_EOF;
	if (ch == ',' || ch == '{' || ch == '}' || ch == '=') {
		l->tok[0] = (char)ch;
		l->tok[1] = '\0';
		return l->type = TOK_PUNCT;
	}
	if (ch == '"') {
		/* A comment: kept only as far as it fits; never parsed. */
		while ((ch = getc_unlocked(l->in)) != EOF && ch != '"') {
			if (ch == '\\' && (ch = getc_unlocked(l->in)) == EOF)
				break;
			if (n + 1 < sizeof(l->tok))
				l->tok[n++] = (char)ch;
		}
		l->tok[n] = '\0';
		return l->type = TOK_STRING;
	}
	for (;;) {
		if (n + 1 < sizeof(l->tok))
			l->tok[n++] = (char)ch;
		ch = getc_unlocked(l->in);
		if (ch == EOF || isspace(ch) || ch == ',' || ch == '{' ||
		    ch == '}' || ch == '=' || ch == '"') {
			if (ch != EOF)
				ungetc(ch, l->in);
			break;
		}
	}
	l->tok[n] = '\0';
	return l->type = TOK_WORD;
}

/* "1d2h3m4s500ms" or "99s" to whole seconds; -1 if malformed. */
static int64_t
s_duration(const char *s)
{
	int64_t total = 0;

	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		int64_t v = 0;

		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s) && v < INT64_MAX / 10 / 86400)
			v = v * 10 + (*s++ - '0');
		if (strncmp(s, "ms", 2) == 0) {
			s += 2;
			continue;
		}
		switch (*s++) {
		case 'd': total += v * 86400; break;
		case 'h': total += v * 3600; break;
		case 'm': total += v * 60; break;
		case 's': total += v; break;
		default: return -1;
		}
	}
	return total;
}

/* Parses the elements of one listed set into have. */
static int
s_parse_set(FILE *in, int family, uint64_t now, struct fw_set *have,
    const char **why)
{
	struct lexer l = { .in = in };
	struct fw_entry e;
	int rc;

	/* Everything before "elements = {" is the set's declaration. */
	while (s_lex(&l) != TOK_EOF)
		if (l.type == TOK_WORD && strcmp(l.tok, "elements") == 0)
			break;
	if (l.type == TOK_EOF)
		return 0;	/* an empty set lists no elements line */
	if (s_lex(&l) != TOK_PUNCT || l.tok[0] != '=' ||
	    s_lex(&l) != TOK_PUNCT || l.tok[0] != '{')
		goto malformed;
	for (;;) {
		char value[sizeof(l.tok)];
		int64_t timeout = -1, expires = -1;
		bool stray;

		if (s_lex(&l) != TOK_WORD)
			goto malformed;
		snprintf(value, sizeof(value), "%s", l.tok);
		while (s_lex(&l) == TOK_WORD || l.type == TOK_STRING) {
			if (l.type != TOK_WORD)
				continue;
			if (strcmp(l.tok, "timeout") == 0 &&
			    (s_lex(&l) != TOK_WORD || (timeout = s_duration(l.tok)) < 0))
				goto malformed;
			if (strcmp(l.tok, "expires") == 0 &&
			    (s_lex(&l) != TOK_WORD || (expires = s_duration(l.tok)) < 0))
				goto malformed;
		}
		if (l.type != TOK_PUNCT || (l.tok[0] != ',' && l.tok[0] != '}'))
			goto malformed;
		/* Addresses never hold a '-': that is a range, added by
		 * hand; it is deleted by its own text. */
		stray = strchr(value, '-') != NULL;
		if (stray) {
			if ((rc = fw_set_add_stray(have, family, value)) != 0) {
				*why = "nft: out of memory";
				return rc;
			}
		} else {
			if (fw_entry_parse(value, strlen(value), &e, why) != 0 ||
			    e.family != family)
				goto malformed;
			if (expires < 0)
				expires = timeout;
			rc = fw_set_add(have, family, e.addr, e.prefix,
			    expires < 0 ? 0 : (uint32_t)(now + (uint64_t)expires),
			    why);
			if (rc != 0)
				return rc;
		}
		if (l.tok[0] == '}')
			break;
	}
	return 0;
malformed:
	*why = "nft: cannot parse the listing of the set";
	return KY_EMALFORMED;
}

static int
s_read_one(const struct fw_conf *c, const char *set, int family, uint64_t now,
    struct fw_set *have, const char **why)
{
	char *const argv[] = { "nft", "-T", "list", "set", "inet",
	    FIREWALL_NFT_TABLE, (char *)set, NULL };
	char err[NFT_ERR_MAX];
	struct fw_proc p;
	int rc, rc2;

	if ((rc = fw_exec_start(&p, argv, NULL, 1)) != 0) {
		*why = rc == KY_ENOTFOUND ? "nft: not installed (not in PATH)" :
		    "nft: cannot start it";
		return rc;
	}
	rc = s_parse_set(p.out, family, now, have, why);
	rc2 = fw_exec_finish(&p, err, sizeof(err));
	if (rc == 0 && rc2 != 0) {
		/* A dry run on a host without the table is normal. */
		if (c->dry_run == NULL)
			firewall_log_tool("nft", err);
		*why = "nft: listing the set failed";
		rc = rc2;
	}
	return rc;
}

static int
s_nft_read(const struct fw_conf *c, uint64_t now, struct fw_set *have,
    const char **why)
{
	int rc;

	if ((rc = s_read_one(c, FIREWALL_NFT_SET4, 4, now, have, why)) != 0 ||
	    (rc = s_read_one(c, FIREWALL_NFT_SET6, 6, now, have, why)) != 0)
		return rc;
	fw_set_sort(have);
	return 0;
}

/* --- writing the transaction --------------------------------------------- */

struct writer {
	FILE *f;
	const char *verb;	/* "add", "delete" */
	int family;		/* of the open statement; 0: none open */
	size_t in_stmt;		/* elements in it */
};

static void
s_close_stmt(struct writer *w)
{
	if (w->family != 0)
		fputs(" }\n", w->f);
	w->family = 0;
	w->in_stmt = 0;
}

static void
s_elem(struct writer *w, int family, const char *text, uint32_t timeout)
{
	if (w->family != family || w->in_stmt == NFT_CHUNK)
		s_close_stmt(w);
	if (w->family == 0) {
		fprintf(w->f, "%s element inet " FIREWALL_NFT_TABLE " %s {\n\t",
		    w->verb, family == 4 ? FIREWALL_NFT_SET4 : FIREWALL_NFT_SET6);
		w->family = family;
	} else {
		fputs(",\n\t", w->f);
	}
	fputs(text, w->f);
	if (timeout != 0)
		fprintf(w->f, " timeout %us", timeout);
	w->in_stmt++;
}

/*
 * True when family's set is best rewritten whole: flushed and filled
 * again inside the one transaction, which the kernel commits atomically
 * (packets see the old set or the new one, never an empty one).  nft
 * 1.0.6 deletes from an interval set at a cost that grows with the set:
 * about 0.13 s per deleted element at 100,000 elements, where writing
 * one element costs about 8 us.  So a rewrite is cheaper once the
 * deletions (renewals are deletions too) times the set's size exceed
 * NFT_REWRITE times the size of the new set.
 */
#define NFT_REWRITE	6

static bool
s_rewrite(const struct fw_set *want, const struct fw_set *have, int family)
{
	size_t held = 0, gone = 0, wanted = 0;

	for (size_t i = 0; i < have->n; i++) {
		if (have->v[i].family != family || have->v[i].mark == FW_SKIP)
			continue;
		held++;
		gone += have->v[i].mark == FW_DEL;
	}
	for (size_t i = 0; i < have->nstrays; i++)
		gone += have->strays[i].family == family;
	for (size_t i = 0; i < want->n; i++) {
		if (want->v[i].family != family || want->v[i].mark == FW_SKIP)
			continue;
		wanted++;
		gone += want->v[i].mark == FW_RENEW;
	}
	return gone > 0 && (uint64_t)gone * held > NFT_REWRITE * (wanted + 1);
}

static void
s_write(FILE *f, const struct fw_set *want, const struct fw_set *have,
    uint64_t now, bool *rewrote)
{
	struct writer w = { .f = f, .verb = "delete" };
	char text[FW_ENTRY_TEXT];
	bool whole[2];

	whole[0] = s_rewrite(want, have, 4);
	whole[1] = s_rewrite(want, have, 6);
	*rewrote = whole[0] || whole[1];
	/* Deletes first: a prefix that replaces an overlapping one must
	 * find it gone, and a renewal is a delete and an add of the same
	 * element in this one transaction. */
	for (size_t i = 0; i < have->nstrays; i++)
		if (!whole[have->strays[i].family == 6])
			s_elem(&w, have->strays[i].family, have->strays[i].text, 0);
	for (size_t i = 0; i < have->n; i++) {
		if (have->v[i].mark != FW_DEL || whole[have->v[i].family == 6])
			continue;
		fw_entry_format(&have->v[i], text);
		s_elem(&w, have->v[i].family, text, 0);
	}
	for (size_t i = 0; i < want->n; i++) {
		if (want->v[i].mark != FW_RENEW || whole[want->v[i].family == 6])
			continue;
		fw_entry_format(&want->v[i], text);
		s_elem(&w, want->v[i].family, text, 0);
	}
	s_close_stmt(&w);
	if (whole[0])
		fputs("flush set inet " FIREWALL_NFT_TABLE " " FIREWALL_NFT_SET4
		    "\n", f);
	if (whole[1])
		fputs("flush set inet " FIREWALL_NFT_TABLE " " FIREWALL_NFT_SET6
		    "\n", f);
	w.verb = "add";
	for (size_t i = 0; i < want->n; i++) {
		const struct fw_entry *e = &want->v[i];

		if (e->mark == FW_SKIP || (!whole[e->family == 6] &&
		    e->mark != FW_ADD && e->mark != FW_RENEW))
			continue;
		fw_entry_format(e, text);
		s_elem(&w, e->family, text,
		    fw_entry_timeout(e, now, NFT_MAX_TIMEOUT));
	}
	s_close_stmt(&w);
}

static int
s_nft_apply(const struct fw_conf *c, const struct fw_set *want,
    const struct fw_set *have, uint64_t now, struct fw_report *r,
    const char **why)
{
	FILE *f;
	int rc;

	if (c->dry_run != NULL) {
		s_write(c->dry_run, want, have, now, &r->full);
		return fflush(c->dry_run) == 0 ? 0 : KY_EIO;
	}
	if ((rc = fw_exec_tmpfile(&f)) != 0) {
		*why = "nft: cannot create a temporary file";
		return rc;
	}
	s_write(f, want, have, now, &r->full);
	if (ferror(f)) {
		fclose(f);
		*why = "nft: cannot write the transaction";
		return KY_EIO;
	}
	rc = s_run(f, "nft: the kernel refused the transaction", why);
	fclose(f);
	return rc;
}

const struct fw_backend fw_backend_nft = {
	.name = "nft",
	.max_timeout = NFT_MAX_TIMEOUT,
	.setup = s_nft_setup,
	.read = s_nft_read,
	.apply = s_nft_apply,
};

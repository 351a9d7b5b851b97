/*
 * kyojo - the command-line tool of a Kyojo node.
 *
 * One binary, one subcommand per verb.  Every subcommand takes -d DIR after
 * its name; reads open the node's files directly, writes (later) go to the
 * daemon over its control socket.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "node/cli.h"
#include "node/commands.h"

static const struct cli_cmd s_cmds[] = {
	{ "keygen", cmd_keygen, "keygen -d DIR" },
	{ "card", cmd_card, "card -d DIR [--raw]" },
	{ "normalize", cmd_normalize, "normalize TYPE VALUE" },
	{ "record", cmd_record,
	    "record sign -d DIR --kind K --body FILE [--tlp T --pap P --seq N"
	    " --prev ID --created T --expires T --community HEX]\n"
	    "       kyojo record verify FILE\n"
	    "       kyojo record dump FILE" },
	{ "init", cmd_init, "init -d DIR [--name N --listen tcp://HOST:PORT"
	    " --region R --sector S]" },
	{ "peer", cmd_peer, "peer add -d DIR CARDFILE [--trust member|trusted|coordinator]\n"
	    "       kyojo peer list -d DIR [--json]" },
	{ "submit", cmd_submit, "submit -d DIR TYPE VALUE [--category C --tlp T"
	    " --pap P --confidence N --ttl DUR --note TEXT --sector S --tag T"
	    " --attack ID --to KEY --anonymous [--coordinator KEY]]\n"
	    "       kyojo submit -d DIR --file FILE [options]   (lines: TYPE VALUE)" },
	{ "sight", cmd_sight, "sight -d DIR TYPE VALUE [--verdict seen|"
	    "false-positive|expired --anonymous [--coordinator KEY]]" },
	{ "retract", cmd_retract, "retract -d DIR ID [--reason TEXT]" },
	{ "list", cmd_list, "list -d DIR [--kind K --origin KEY --limit N --json]" },
	{ "show", cmd_show, "show -d DIR ID|VALUE|ARTICLE-ID [--type T --json]" },
	{ "search", cmd_search, "search -d DIR VALUE [--type T --json]" },
	{ "status", cmd_status, "status -d DIR [--json]" },
	{ "fsck", cmd_fsck, "fsck -d DIR" },
	{ "stats", cmd_stats, "stats -d DIR [--json]" },
	{ "export", cmd_export, "export -d DIR --format F [--since CURSOR --type T --output FILE]\n       kyojo export -d DIR --explain VALUE [--format F --type T]" },
	{ "roster", cmd_roster, "roster add|remove -d DIR --community NAME KEY|CARD [--name ORG]\n       kyojo roster list -d DIR [--community NAME --json]" },
	{ "view", cmd_view, "view overview|top|new|health|knowhow -d DIR [--since T"
	    " --until T --k N --top N --community NAME --json]\n"
	    "       kyojo view NAME -d DIR --publish [--tlp T --ttl DUR]\n"
	    "       kyojo view NAME -d DIR --merge [--origin KEY ...] [--json]" },
	{ "report", cmd_report, "report -d DIR --html FILE [--lang ja|en --since T"
	    " --until T --k N --top N --community NAME --health]" },
	{ "firewall", cmd_firewall, "firewall apply -d DIR [--backend nft|ipset --watch --interval S --repair S --from FILE --dry-run -v]" },
	{ "article", cmd_article, "article add -d DIR FILE.md [--title T --lang ja|en"
	    " --tags A,B --ref ID|VALUE --sector S --tlp T --pap P --supersedes ID]\n"
	    "       kyojo article search -d DIR WORDS... [--lang L --tag T --limit N"
	    " --all --json]\n"
	    "       kyojo article list -d DIR [--lang L --tag T --limit N --all --json]\n"
	    "       kyojo article show|history -d DIR ID [--json]\n"
	    "       kyojo article withdraw -d DIR ID [--reason TEXT]\n"
	    "       kyojo article reindex -d DIR" },
};

const struct cli_cmd *
cli_find(const char *name)
{
	for (size_t i = 0; i < sizeof(s_cmds) / sizeof(s_cmds[0]); i++)
		if (strcmp(s_cmds[i].name, name) == 0)
			return &s_cmds[i];
	return NULL;
}

static int
s_help(FILE *f)
{
	fprintf(f, "usage: kyojo COMMAND [-d DIR] [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(s_cmds) / sizeof(s_cmds[0]); i++)
		fprintf(f, "  kyojo %s\n", s_cmds[i].usage);
	fprintf(f, "\nDIR defaults to $KYOJO_HOME, else /var/lib/kyojo.\n");
	return f == stdout ? CLI_OK : CLI_USAGE;
}

int
main(int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc < 2)
		return s_help(stderr);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return s_help(stdout);
	if ((cmd = cli_find(argv[1])) == NULL) {
		fprintf(stderr, "kyojo: unknown command '%s'\n", argv[1]);
		return s_help(stderr);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "kyojo: libsodium failed to initialize\n");
		return CLI_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}

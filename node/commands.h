/*
 * commands.h - the kyojo subcommands, one group per file (cmd_*.c).
 * Each takes argv with argv[0] the subcommand's name and returns the
 * process exit status (cli.h).
 */
#ifndef KY_COMMANDS_H
#define KY_COMMANDS_H

int cmd_keygen(int argc, char **argv);		/* cmd_keys.c */
int cmd_card(int argc, char **argv);		/* cmd_keys.c */
int cmd_normalize(int argc, char **argv);	/* cmd_record.c */
int cmd_record(int argc, char **argv);		/* cmd_record.c */
int cmd_init(int argc, char **argv);		/* cmd_node.c */
int cmd_submit(int argc, char **argv);		/* cmd_node.c */
int cmd_sight(int argc, char **argv);		/* cmd_node.c */
int cmd_retract(int argc, char **argv);		/* cmd_node.c */
int cmd_peer(int argc, char **argv);		/* cmd_peer.c */
int cmd_fsck(int argc, char **argv);		/* cmd_store.c */
int cmd_stats(int argc, char **argv);		/* cmd_store.c */
int cmd_list(int argc, char **argv);		/* cmd_store.c */
int cmd_search(int argc, char **argv);		/* cmd_store.c */
int cmd_status(int argc, char **argv);		/* cmd_store.c */
int cmd_export(int argc, char **argv);		/* cmd_export.c */
int cmd_firewall(int argc, char **argv);	/* cmd_firewall.c */
int cmd_article(int argc, char **argv);		/* cmd_article.c */
int cmd_show(int argc, char **argv);		/* cmd_show.c */
int cmd_roster(int argc, char **argv);		/* cmd_roster.c */
int cmd_view(int argc, char **argv);		/* cmd_view.c */
int cmd_report(int argc, char **argv);		/* cmd_view.c */

#endif
